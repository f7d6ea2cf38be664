//! Runs a loaded model on one pipeline at a time: `set_pipeline` normalizes the pipeline
//! features and specializes the model for its `N` (once per pipeline); `enqueue` queues raw
//! schedule features of one state; `evaluate` normalizes them and runs the queue in batches of
//! the sizes in [`BATCH_SIZES`], checking every prediction. Each batch size gets its own tract
//! plan, built the first time it is used and kept for the pipeline: with `B` fixed too, tract
//! runs the element-wise operations vectorized (with `B` symbolic it fell back to a scalar loop
//! per element, and the model ran 2.5–4.7× slower). This is the engine under both the search's
//! `GcnCostModel` and the C ABI.

use std::collections::HashMap;
use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::error::{Error, Result};
use crate::model_file::LoadedModel;

/// Most states run through tract at once (bounds the memory of the hidden activations).
pub const MAX_BATCH: usize = 64;

/// The batch sizes a queue is cut into, largest first: as many of the largest as fit, then of
/// the next, so that no state is padded and at most three smaller runs follow the full ones.
pub const BATCH_SIZES: [usize; 4] = [MAX_BATCH, 16, 4, 1];

struct Prepared {
    stages: usize,
    /// The model with `N` set, `B` symbolic.
    specialized: TypedModel,
    /// A plan per batch size used so far.
    plans: HashMap<usize, Arc<TypedRunnableModel>>,
    pipeline: TValue,
    adjacency: TValue,
}

/// The batches `states` queued states are run in: `(first state, size)`.
fn batches(states: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for size in BATCH_SIZES {
        while states - start >= size {
            out.push((start, size));
            start += size;
        }
    }
    out
}

/// Refuses rows (one per stage, `names.len()` columns) holding a non-finite value.
fn check_finite(rows: &[f32], names: &[String], group: &str) -> Result<()> {
    match rows.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(Error::Model(format!(
            "{group} feature '{}' of stage {} is {} (features must be finite)",
            names[k % names.len()],
            k / names.len(),
            rows[k]
        ))),
    }
}

/// One model, one pipeline, a queue of states.
pub struct GcnEvaluator {
    model: Arc<LoadedModel>,
    prepared: Option<Prepared>,
    queue: Vec<f32>,
    costs: Vec<f64>,
    stage_costs: Vec<f32>,
}

fn tract_error(model: &LoadedModel, what: &str, e: TractError) -> Error {
    Error::Model(format!("{}: {what}: {e:#}", model.label))
}

impl GcnEvaluator {
    pub fn new(model: Arc<LoadedModel>) -> GcnEvaluator {
        GcnEvaluator {
            model,
            prepared: None,
            queue: Vec::new(),
            costs: Vec::new(),
            stage_costs: Vec::new(),
        }
    }

    pub fn model(&self) -> &LoadedModel {
        &self.model
    }

    /// Stages of the current pipeline (0 before `set_pipeline`).
    pub fn stages(&self) -> usize {
        self.prepared.as_ref().map(|p| p.stages).unwrap_or(0)
    }

    /// Prepares for a pipeline of `stages` stages: `adjacency` is `[N, N]` and
    /// `pipeline_features` `[N, P]` raw values, row-major. Drops any queued states.
    pub fn set_pipeline(
        &mut self,
        stages: usize,
        adjacency: &[f32],
        pipeline_features: &[f32],
    ) -> Result<()> {
        let p = self.model.normalization.pipeline.len();
        if stages == 0 {
            return Err(Error::Model("a pipeline has at least one stage".into()));
        }
        if adjacency.len() != stages * stages || pipeline_features.len() != stages * p {
            return Err(Error::Model(format!(
                "a pipeline of {stages} stages needs {} adjacency values and {} pipeline \
                 features ({p} per stage), got {} and {}",
                stages * stages,
                stages * p,
                adjacency.len(),
                pipeline_features.len()
            )));
        }
        check_finite(
            pipeline_features,
            &self.model.normalization.pipeline.names,
            "pipeline",
        )?;
        let mut normalized = pipeline_features.to_vec();
        self.model.normalization.pipeline.apply(&mut normalized);
        let model = &self.model;
        let n = model.typed.symbols.sym("N");
        let specialized = model
            .typed
            .set_symbols(&HashMap::from([(n, (stages as i64).to_dim())]))
            .and_then(|m| m.into_decluttered())
            .map_err(|e| tract_error(model, "cannot specialize the model for this pipeline", e))?;
        let tensor = |shape: &[usize], data: &[f32]| -> Result<TValue> {
            Tensor::from_shape(shape, data)
                .map(|t| t.into_tvalue())
                .map_err(|e| tract_error(model, "bad input shape", e))
        };
        self.prepared = Some(Prepared {
            stages,
            specialized,
            plans: HashMap::new(),
            pipeline: tensor(&[stages, p], &normalized)?,
            adjacency: tensor(&[stages, stages], adjacency)?,
        });
        self.queue.clear();
        Ok(())
    }

    /// Queues one state's raw schedule features, `[N, S]` row-major; returns its index in
    /// the batch.
    pub fn enqueue(&mut self, schedule_features: &[f32]) -> Result<usize> {
        let n = self.stages();
        let s = self.model.normalization.schedule.len();
        if n == 0 {
            return Err(Error::Model("enqueue before set_pipeline".into()));
        }
        if schedule_features.len() != n * s {
            return Err(Error::Model(format!(
                "a state of a {n}-stage pipeline has {} schedule features ({s} per stage), got {}",
                n * s,
                schedule_features.len()
            )));
        }
        check_finite(
            schedule_features,
            &self.model.normalization.schedule.names,
            "schedule",
        )?;
        self.queue.extend_from_slice(schedule_features);
        Ok(self.queue.len() / (n * s) - 1)
    }

    /// States queued since the last evaluation.
    pub fn queued(&self) -> usize {
        let row = self.stages() * self.model.normalization.schedule.len();
        self.queue.len().checked_div(row).unwrap_or(0)
    }

    /// Predicts every queued state (seconds, in enqueue order) and empties the queue.
    pub fn evaluate(&mut self) -> Result<&[f64]> {
        let Some(prepared) = &mut self.prepared else {
            return Err(Error::Model("evaluate before set_pipeline".into()));
        };
        let model = &self.model;
        let n = prepared.stages;
        let s = model.normalization.schedule.len();
        let mut queue = std::mem::take(&mut self.queue);
        model.normalization.schedule.apply(&mut queue);
        self.costs.clear();
        self.stage_costs.clear();
        for (first, b) in batches(queue.len() / (n * s)) {
            let chunk = &queue[first * n * s..(first + b) * n * s];
            let plan = match prepared.plans.get(&b) {
                Some(plan) => Arc::clone(plan),
                None => {
                    let batch = prepared.specialized.symbols.sym("B");
                    let plan = prepared
                        .specialized
                        .set_symbols(&HashMap::from([(batch, (b as i64).to_dim())]))
                        .and_then(|m| m.into_optimized())
                        .and_then(|m| m.into_runnable())
                        .map_err(|e| {
                            tract_error(model, "cannot specialize the model for this pipeline", e)
                        })?;
                    prepared.plans.insert(b, Arc::clone(&plan));
                    plan
                }
            };
            let schedule = Tensor::from_shape(&[b, n, s], chunk)
                .map_err(|e| tract_error(model, "bad batch shape", e))?;
            let outputs = plan
                .run(tvec![
                    prepared.pipeline.clone(),
                    schedule.into_tvalue(),
                    prepared.adjacency.clone(),
                ])
                .map_err(|e| tract_error(model, "evaluation failed", e))?;
            let cost = outputs[0]
                .to_plain_array_view::<f32>()
                .map_err(|e| tract_error(model, "output 'cost' is not f32", e))?;
            if cost.len() != b {
                return Err(Error::Model(format!(
                    "{}: output 'cost' has {} values for a batch of {b} states",
                    model.label,
                    cost.len()
                )));
            }
            for (k, &c) in cost.iter().enumerate() {
                if !c.is_finite() || c < 0.0 {
                    return Err(Error::Model(format!(
                        "{}: predicted a cost of {c} for state {} (a cost must be a finite \
                         number of seconds >= 0); the model is broken",
                        model.label,
                        self.costs.len() + k
                    )));
                }
            }
            self.costs.extend(cost.iter().map(|&c| c as f64));
            if let Some(stage_cost) = outputs.get(1) {
                let view = stage_cost
                    .to_plain_array_view::<f32>()
                    .map_err(|e| tract_error(model, "output 'stage_cost' is not f32", e))?;
                self.stage_costs.extend(view.iter().copied());
            }
        }
        Ok(&self.costs)
    }

    /// Costs of the last evaluation.
    pub fn costs(&self) -> &[f64] {
        &self.costs
    }

    /// Per-stage costs of the last evaluation, `[B, N]` row-major (empty when the model has no
    /// `stage_cost` output).
    pub fn stage_costs(&self) -> &[f32] {
        &self.stage_costs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_is_cut_into_whole_batches_largest_first() {
        assert_eq!(batches(0), []);
        assert_eq!(batches(3), [(0, 1), (1, 1), (2, 1)]);
        assert_eq!(
            batches(87),
            [(0, 64), (64, 16), (80, 4), (84, 1), (85, 1), (86, 1)]
        );
        assert_eq!(batches(128), [(0, 64), (64, 64)]);
        for states in 0..300 {
            let cut = batches(states);
            let mut next = 0;
            for &(first, size) in &cut {
                assert_eq!(first, next);
                next += size;
            }
            assert_eq!(next, states);
        }
    }
}
