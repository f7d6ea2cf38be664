//! The GCN of docs/model.md written directly in Rust: the reference the ONNX file is checked
//! against (parity tests) and the forward pass the trainer's exported weights are checked with.
//! Inputs are already normalized.

use ndarray::{s, Array1, Array2, Array3, ArrayView2, ArrayView3, Axis};

use crate::gcn_weights::{Dense, GcnWeights, HEAD_LOG_CEILING};

fn relu(x: f32) -> f32 {
    x.max(0.0)
}

/// A stage's cost from the head's output: `exp(min(z, HEAD_LOG_CEILING))` (the same formula
/// the ONNX graph uses: a NaN stays NaN), times the output scale.
pub fn stage_cost_of(z: f32, output_scale: f32) -> f32 {
    let capped = if z > HEAD_LOG_CEILING {
        HEAD_LOG_CEILING
    } else {
        z
    };
    capped.exp() * output_scale
}

fn dense(x: ArrayView2<f32>, layer: &Dense) -> Array2<f32> {
    x.dot(&layer.weight) + &layer.bias
}

/// `M_in = Aᵀ / max(in-degree, 1)` and `M_out = A / max(out-degree, 1)`.
pub fn message_matrices(adjacency: ArrayView2<f32>) -> (Array2<f32>, Array2<f32>) {
    let transposed = adjacency.t().to_owned();
    let in_degree = transposed.sum_axis(Axis(1)).mapv(|d| d.max(1.0));
    let out_degree = adjacency.sum_axis(Axis(1)).mapv(|d| d.max(1.0));
    let m_in = &transposed / &in_degree.insert_axis(Axis(1));
    let m_out = &adjacency / &out_degree.insert_axis(Axis(1));
    (m_in, m_out)
}

/// Predicted `(cost [B], stage_cost [B, N])` for `schedule [B, N, S]` of the pipeline with
/// `pipeline [N, P]` and `adjacency [N, N]`.
pub fn forward(
    weights: &GcnWeights,
    pipeline: ArrayView2<f32>,
    schedule: ArrayView3<f32>,
    adjacency: ArrayView2<f32>,
) -> (Array1<f32>, Array2<f32>) {
    let (b, n, _) = schedule.dim();
    let hp = dense(pipeline, &weights.pipeline_encoder).mapv(relu);
    let (m_in, m_out) = message_matrices(adjacency);
    let mut stage_cost = Array2::<f32>::zeros((b, n));
    for k in 0..b {
        let hs = dense(schedule.slice(s![k, .., ..]), &weights.schedule_encoder).mapv(relu);
        let mut h = hs + &hp;
        for layer in &weights.layers {
            let own = dense(h.view(), &layer.own);
            let producers = m_in.dot(&h).dot(&layer.from_producers);
            let consumers = m_out.dot(&h).dot(&layer.from_consumers);
            h = &h + &(own + producers + consumers).mapv(relu);
        }
        let head = dense(h.view(), &weights.head);
        for i in 0..n {
            stage_cost[[k, i]] = stage_cost_of(head[[i, 0]], weights.output_scale);
        }
    }
    (stage_cost.sum_axis(Axis(1)), stage_cost)
}

/// Convenience for tests: `forward` on owned arrays.
pub fn forward_owned(
    weights: &GcnWeights,
    pipeline: &Array2<f32>,
    schedule: &Array3<f32>,
    adjacency: &Array2<f32>,
) -> (Array1<f32>, Array2<f32>) {
    forward(weights, pipeline.view(), schedule.view(), adjacency.view())
}
