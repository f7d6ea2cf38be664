//! The interface between the search and any cost model: the search enqueues the per-stage
//! features of candidate states and evaluates them as one batch. The search knows models only
//! through this trait; models know nothing of the search.

use crate::dag::Dag;
use crate::error::Result;
use crate::features::StageFeatures;

/// A batched predictor of a complete schedule's run time.
pub trait CostModel {
    /// Prepares for one pipeline; called once before its states are enqueued.
    fn set_pipeline(&mut self, dag: &Dag) -> Result<()>;
    /// Queues one state (one row per stage, stage order); returns its index in the batch.
    fn enqueue(&mut self, stages: Vec<StageFeatures>) -> Result<usize>;
    /// Predicted run time in seconds of every queued state, in enqueue order; empties the queue.
    fn evaluate(&mut self) -> Result<Vec<f64>>;
}
