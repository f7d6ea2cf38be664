//! What the trainer needs of a cost network (the GCN, or the per-stage baseline), and one
//! pipeline's schedules as tensors: normalized features, message matrices, measured times.
//!
//! Both networks predict each stage's log cost `z` (`[B, N]`); a schedule's predicted run time
//! is `output_scale · Σ_stages exp(z)`, and its log is computed stably as `ln(output_scale) +
//! logsumexp(z)`.

use candle_core::{Device, Result, Tensor, Var, D};
use ndarray::ArrayView2;

use autoschedule_gcn::gcn_reference::message_matrices;
use autoschedule_gcn::normalization::Normalization;

use crate::training_set::PipelineData;

/// One pipeline's schedules, ready for a network.
pub struct PipelineBatch {
    /// `[N, P]`, normalized.
    pub pipeline: Tensor,
    /// `[B, N, S]`, normalized.
    pub schedules: Tensor,
    /// `[N, N]`: each stage averages its producers.
    pub m_in: Tensor,
    /// `[N, N]`: each stage averages its consumers.
    pub m_out: Tensor,
    /// `[B]`: ln(measured run time in seconds).
    pub log_run_time: Tensor,
    /// The same, on the host.
    pub log_run_time_host: Vec<f32>,
}

impl PipelineBatch {
    pub fn new(data: &PipelineData, normalization: &Normalization) -> Result<PipelineBatch> {
        let n = data.stages;
        let b = data.schedules.len();
        let p = normalization.pipeline.len();
        let s = normalization.schedule.len();
        let cpu = Device::Cpu;
        let mut pipeline = data.pipeline_features.clone();
        normalization.pipeline.apply(&mut pipeline);
        let mut schedules: Vec<f32> = Vec::with_capacity(b * n * s);
        for schedule in &data.schedules {
            let mut rows = schedule.features.clone();
            normalization.schedule.apply(&mut rows);
            schedules.extend(rows);
        }
        let adjacency = ArrayView2::from_shape((n, n), &data.adjacency).expect("N x N adjacency");
        let (m_in, m_out) = message_matrices(adjacency);
        let log_run_time_host: Vec<f32> = data
            .schedules
            .iter()
            .map(|s| s.run_time_s.ln() as f32)
            .collect();
        Ok(PipelineBatch {
            pipeline: Tensor::from_vec(pipeline, (n, p), &cpu)?,
            schedules: Tensor::from_vec(schedules, (b, n, s), &cpu)?,
            m_in: Tensor::from_vec(m_in.iter().copied().collect::<Vec<_>>(), (n, n), &cpu)?,
            m_out: Tensor::from_vec(m_out.iter().copied().collect::<Vec<_>>(), (n, n), &cpu)?,
            log_run_time: Tensor::from_vec(log_run_time_host.clone(), b, &cpu)?,
            log_run_time_host,
        })
    }
}

/// A trainable cost network.
pub trait CostNet {
    /// Every trainable parameter.
    fn vars(&self) -> Vec<Var>;
    /// `[B, N]`: each stage's log cost before the output scale.
    fn log_stage_costs(&self, batch: &PipelineBatch) -> Result<Tensor>;
    /// Seconds per unit of `exp(z)`.
    fn output_scale(&self) -> f32;

    /// `[B]`: ln(predicted run time in seconds).
    fn log_costs(&self, batch: &PipelineBatch) -> Result<Tensor> {
        let z = self.log_stage_costs(batch)?;
        let peak = z.max_keepdim(D::Minus1)?.detach();
        let total = z
            .broadcast_sub(&peak)?
            .exp()?
            .sum_keepdim(D::Minus1)?
            .log()?;
        (total + peak)?
            .squeeze(D::Minus1)?
            .affine(1.0, f64::from(self.output_scale()).ln())
    }
}
