//! The pipeline as the cost model sees it (docs/model.md, "Graph"): one node per stage, the
//! stage adjacency (dataflow edges, and each definition to the next one of the same Func), the
//! raw pipeline features per stage, and the raw schedule features of B states batched row-major
//! as `[B, N, S]`. Normalization is the model's business (`normalization.rs`).

use crate::dag::Dag;
use crate::features::{StageFeatures, SCHEDULE_FEATURE_NAMES};
use crate::featurization::{EdgeKind, StageEdge};
use crate::pipeline_features::{stage_features, NUM_FEATURES};

/// The stage edges of a pipeline: a producer's last stage to each stage that reads it, and each
/// stage of a Func to its next definition.
pub fn stage_edges(dag: &Dag) -> Vec<StageEdge> {
    let mut edges = Vec::new();
    for edge in &dag.raw.edges {
        let producer = edge.producer as usize;
        if let Some(last) = dag.stages_of(producer).last() {
            edges.push(StageEdge {
                from: last as u32,
                to: edge.consumer_stage as u32,
                kind: EdgeKind::Dataflow,
            });
        }
    }
    for f in dag.scheduled_funcs() {
        let stages: Vec<usize> = dag.stages_of(f).collect();
        for pair in stages.windows(2) {
            edges.push(StageEdge {
                from: pair[0] as u32,
                to: pair[1] as u32,
                kind: EdgeKind::StageOrder,
            });
        }
    }
    edges
}

/// The schedule-independent part of the model's input for one pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineGraph {
    /// N.
    pub stages: usize,
    /// `[N, N]`, row-major: 1 where stage `i` feeds stage `j`.
    pub adjacency: Vec<f32>,
    /// `[N, P]`, row-major, raw.
    pub pipeline_features: Vec<f32>,
}

impl PipelineGraph {
    pub fn from_dag(dag: &Dag) -> PipelineGraph {
        let n = dag.raw.stages.len();
        let mut adjacency = vec![0.0; n * n];
        for edge in stage_edges(dag) {
            adjacency[edge.from as usize * n + edge.to as usize] = 1.0;
        }
        let mut pipeline_features = Vec::with_capacity(n * NUM_FEATURES);
        for s in 0..n {
            pipeline_features.extend(stage_features(dag, s));
        }
        PipelineGraph {
            stages: n,
            adjacency,
            pipeline_features,
        }
    }
}

/// One state's raw schedule features, `[N, S]` row-major.
pub fn schedule_rows(stages: &[StageFeatures]) -> Vec<f32> {
    let mut rows = Vec::with_capacity(stages.len() * SCHEDULE_FEATURE_NAMES.len());
    for stage in stages {
        rows.extend(stage.to_row());
    }
    rows
}
