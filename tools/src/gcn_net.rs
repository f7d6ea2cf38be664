//! The GCN of docs/model.md as a trainable candle network: the same parameters as
//! `GcnWeights` (initialized from it, exported back to it for the ONNX writer), the same
//! forward pass as `gcn_reference` and the ONNX graph, on one pipeline's batch of schedules.

use candle_core::{Result, Tensor, Var, D};
use ndarray::{Array1, Array2};

use autoschedule_gcn::gcn_weights::{Dense, GcnLayer, GcnShape, GcnWeights, HEAD_LOG_CEILING};

use crate::cost_net::{CostNet, PipelineBatch};

/// A trainable `x · weight + bias`.
pub struct DenseVars {
    pub weight: Var,
    pub bias: Var,
}

pub(crate) fn var_of(array: &Array2<f32>) -> Result<Var> {
    let (rows, cols) = array.dim();
    let values: Vec<f32> = array.iter().copied().collect();
    Var::from_tensor(&Tensor::from_vec(
        values,
        (rows, cols),
        &candle_core::Device::Cpu,
    )?)
}

pub(crate) fn array_of(var: &Var) -> Result<Array2<f32>> {
    let (rows, cols) = var.as_tensor().dims2()?;
    let values = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
    Ok(Array2::from_shape_vec((rows, cols), values).expect("shape from the tensor"))
}

impl DenseVars {
    pub(crate) fn from_dense(dense: &Dense) -> Result<DenseVars> {
        Ok(DenseVars {
            weight: var_of(&dense.weight)?,
            bias: var_of(&dense.bias.clone().insert_axis(ndarray::Axis(0)))?,
        })
    }

    pub(crate) fn to_dense(&self) -> Result<Dense> {
        let bias = array_of(&self.bias)?;
        Ok(Dense {
            weight: array_of(&self.weight)?,
            bias: Array1::from_iter(bias.iter().copied()),
        })
    }

    /// `x [.., in] · weight + bias`.
    pub(crate) fn apply(&self, x: &Tensor) -> Result<Tensor> {
        x.broadcast_matmul(self.weight.as_tensor())?
            .broadcast_add(self.bias.as_tensor())
    }

    pub(crate) fn vars(&self) -> Vec<Var> {
        vec![self.weight.clone(), self.bias.clone()]
    }
}

struct LayerVars {
    own: DenseVars,
    from_producers: Var,
    from_consumers: Var,
}

/// The trainable GCN.
pub struct GcnNet {
    shape: GcnShape,
    pipeline_encoder: DenseVars,
    schedule_encoder: DenseVars,
    layers: Vec<LayerVars>,
    head: DenseVars,
    output_scale: f32,
}

impl GcnNet {
    pub fn from_weights(weights: &GcnWeights) -> Result<GcnNet> {
        Ok(GcnNet {
            shape: weights.shape,
            pipeline_encoder: DenseVars::from_dense(&weights.pipeline_encoder)?,
            schedule_encoder: DenseVars::from_dense(&weights.schedule_encoder)?,
            layers: weights
                .layers
                .iter()
                .map(|l| {
                    Ok(LayerVars {
                        own: DenseVars::from_dense(&l.own)?,
                        from_producers: var_of(&l.from_producers)?,
                        from_consumers: var_of(&l.from_consumers)?,
                    })
                })
                .collect::<Result<_>>()?,
            head: DenseVars::from_dense(&weights.head)?,
            output_scale: weights.output_scale,
        })
    }

    /// The current parameters, for the ONNX writer.
    pub fn to_weights(&self) -> Result<GcnWeights> {
        Ok(GcnWeights {
            shape: self.shape,
            pipeline_encoder: self.pipeline_encoder.to_dense()?,
            schedule_encoder: self.schedule_encoder.to_dense()?,
            layers: self
                .layers
                .iter()
                .map(|l| {
                    Ok(GcnLayer {
                        own: l.own.to_dense()?,
                        from_producers: array_of(&l.from_producers)?,
                        from_consumers: array_of(&l.from_consumers)?,
                    })
                })
                .collect::<Result<_>>()?,
            head: self.head.to_dense()?,
            output_scale: self.output_scale,
        })
    }
}

impl CostNet for GcnNet {
    fn vars(&self) -> Vec<Var> {
        let mut vars = self.pipeline_encoder.vars();
        vars.extend(self.schedule_encoder.vars());
        for layer in &self.layers {
            vars.extend(layer.own.vars());
            vars.push(layer.from_producers.clone());
            vars.push(layer.from_consumers.clone());
        }
        vars.extend(self.head.vars());
        vars
    }

    fn log_stage_costs(&self, batch: &PipelineBatch) -> Result<Tensor> {
        let hp = self.pipeline_encoder.apply(&batch.pipeline)?.relu()?; // [N, H]
        let hs = self.schedule_encoder.apply(&batch.schedules)?.relu()?; // [B, N, H]
        let mut h = hs.broadcast_add(&hp)?;
        for layer in &self.layers {
            let own = layer.own.apply(&h)?;
            let producers = batch
                .m_in
                .broadcast_matmul(&h)?
                .broadcast_matmul(layer.from_producers.as_tensor())?;
            let consumers = batch
                .m_out
                .broadcast_matmul(&h)?
                .broadcast_matmul(layer.from_consumers.as_tensor())?;
            h = (&h + (own + producers + consumers)?.relu()?)?;
        }
        // [B, N]: ln(stage cost / output_scale), capped as in the ONNX graph.
        let z = self.head.apply(&h)?.squeeze(D::Minus1)?;
        z.minimum(f64::from(HEAD_LOG_CEILING))
    }

    fn output_scale(&self) -> f32 {
        self.output_scale
    }
}
