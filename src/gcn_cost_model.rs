//! `cost_model=gcn`: the search's [`CostModel`] backed by a GCN file (the embedded default or
//! `model_path`), through a [`GcnEvaluator`]. It also records how long the model takes, so the
//! autoscheduler can report the cost model's share of the search.

use std::time::{Duration, Instant};

use crate::cost_model::CostModel;
use crate::dag::Dag;
use crate::error::Result;
use crate::features::StageFeatures;
use crate::gcn_evaluator::GcnEvaluator;
use crate::graph::{schedule_rows, PipelineGraph};
use crate::model_file::{load, ModelSource};

pub struct GcnCostModel {
    evaluator: GcnEvaluator,
    /// Time spent specializing and evaluating the model.
    pub model_time: Duration,
}

impl GcnCostModel {
    pub fn new(source: &ModelSource) -> Result<GcnCostModel> {
        Ok(GcnCostModel {
            evaluator: GcnEvaluator::new(load(source)?),
            model_time: Duration::ZERO,
        })
    }

    pub fn description(&self) -> &str {
        &self.evaluator.model().description
    }
}

impl CostModel for GcnCostModel {
    fn set_pipeline(&mut self, dag: &Dag) -> Result<()> {
        let start = Instant::now();
        let graph = PipelineGraph::from_dag(dag);
        self.evaluator
            .set_pipeline(graph.stages, &graph.adjacency, &graph.pipeline_features)?;
        self.model_time += start.elapsed();
        Ok(())
    }

    fn enqueue(&mut self, stages: Vec<StageFeatures>) -> Result<usize> {
        self.evaluator.enqueue(&schedule_rows(&stages))
    }

    fn evaluate(&mut self) -> Result<Vec<f64>> {
        let start = Instant::now();
        let costs = self.evaluator.evaluate()?.to_vec();
        self.model_time += start.elapsed();
        Ok(costs)
    }
}
