//! The parameters of our GCN (docs/model.md, "Our architecture"): shapes, a deterministic
//! random initialization for untrained models, and access by name for the ONNX writer and the
//! trainer. Weights multiply from the right: a dense layer maps `x [.., in]` to
//! `x · weight [in, out] + bias [out]`.

use ndarray::{Array1, Array2};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The head's output is capped here before `exp` (e^30 times the output scale is far beyond
/// any run time), so a stage's cost is always finite.
pub const HEAD_LOG_CEILING: f32 = 30.0;

/// Sizes of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcnShape {
    /// P: pipeline features per stage.
    pub pipeline_features: usize,
    /// S: schedule features per stage.
    pub schedule_features: usize,
    /// H: width of every hidden representation.
    pub hidden: usize,
    /// L: graph-convolution layers.
    pub layers: usize,
}

/// `x · weight + bias`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub weight: Array2<f32>,
    pub bias: Array1<f32>,
}

/// One graph-convolution layer: `h + relu(h·W_self + (M_in·h)·W_in + (M_out·h)·W_out + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct GcnLayer {
    /// `W_self` and `b`.
    pub own: Dense,
    /// `W_in`: messages from producers (averaged over a stage's producers).
    pub from_producers: Array2<f32>,
    /// `W_out`: messages from consumers (averaged over a stage's consumers).
    pub from_consumers: Array2<f32>,
}

/// Every parameter of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct GcnWeights {
    pub shape: GcnShape,
    pub pipeline_encoder: Dense,
    pub schedule_encoder: Dense,
    pub layers: Vec<GcnLayer>,
    /// `H -> 1`: each stage's log cost (before the output scale).
    pub head: Dense,
    /// Seconds per unit of `exp(head)`.
    pub output_scale: f32,
}

/// Uniform values in `[-limit, limit]` from a seeded stream.
fn uniform(rng: &mut ChaCha8Rng, rows: usize, cols: usize, limit: f32) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| {
        let unit = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
        (2.0 * unit - 1.0) * limit
    })
}

/// Glorot-uniform weights and zero biases for a `rows -> cols` map.
fn glorot(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Array2<f32> {
    let limit = (6.0 / (rows + cols) as f32).sqrt();
    uniform(rng, rows, cols, limit)
}

impl Dense {
    fn random(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Dense {
        Dense {
            weight: glorot(rng, rows, cols),
            bias: Array1::zeros(cols),
        }
    }
}

impl GcnWeights {
    /// An untrained network: Glorot-uniform weights from `seed`, zero biases, and an output
    /// scale of a millisecond per unit.
    pub fn random(shape: GcnShape, seed: u64) -> GcnWeights {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let h = shape.hidden;
        let pipeline_encoder = Dense::random(&mut rng, shape.pipeline_features, h);
        let schedule_encoder = Dense::random(&mut rng, shape.schedule_features, h);
        let layers = (0..shape.layers)
            .map(|_| GcnLayer {
                own: Dense::random(&mut rng, h, h),
                from_producers: glorot(&mut rng, h, h),
                from_consumers: glorot(&mut rng, h, h),
            })
            .collect();
        let head = Dense::random(&mut rng, h, 1);
        GcnWeights {
            shape,
            pipeline_encoder,
            schedule_encoder,
            layers,
            head,
            output_scale: 1e-3,
        }
    }

    /// Every parameter tensor with its name in the ONNX file, in a fixed order (the biases as
    /// one-row matrices).
    pub fn named_tensors(&self) -> Vec<(String, Array2<f32>)> {
        let row = |b: &Array1<f32>| b.clone().insert_axis(ndarray::Axis(0));
        let mut out = vec![
            (
                "pipeline_encoder.weight".into(),
                self.pipeline_encoder.weight.clone(),
            ),
            (
                "pipeline_encoder.bias".into(),
                row(&self.pipeline_encoder.bias),
            ),
            (
                "schedule_encoder.weight".into(),
                self.schedule_encoder.weight.clone(),
            ),
            (
                "schedule_encoder.bias".into(),
                row(&self.schedule_encoder.bias),
            ),
        ];
        for (l, layer) in self.layers.iter().enumerate() {
            out.push((format!("layer{l}.self.weight"), layer.own.weight.clone()));
            out.push((format!("layer{l}.self.bias"), row(&layer.own.bias)));
            out.push((
                format!("layer{l}.from_producers"),
                layer.from_producers.clone(),
            ));
            out.push((
                format!("layer{l}.from_consumers"),
                layer.from_consumers.clone(),
            ));
        }
        out.push(("head.weight".into(), self.head.weight.clone()));
        out.push(("head.bias".into(), row(&self.head.bias)));
        out
    }
}
