//! The baseline the GCN is measured against: Adams et al. 2019's design on our node features —
//! each stage on its own (no message passing): pipeline and schedule features encoded, joined,
//! two hidden layers, a per-stage log cost; the stages' costs summed. Saved as safetensors.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Result, Tensor, Var, D};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use autoschedule_gcn::normalization::{ColumnStats, Normalization};

use crate::cost_net::{CostNet, PipelineBatch};
use crate::gcn_net::DenseVars;
use crate::training_set::{plugin_feature_names, Split};

pub struct BaselineNet {
    pipeline_encoder: DenseVars,
    schedule_encoder: DenseVars,
    hidden: [DenseVars; 2],
    head: DenseVars,
    output_scale: f32,
}

/// Glorot-uniform weights from a seeded stream, zero biases.
fn dense(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Result<DenseVars> {
    let limit = (6.0 / (rows + cols) as f32).sqrt();
    let weights: Vec<f32> = (0..rows * cols)
        .map(|_| {
            let unit = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
            (2.0 * unit - 1.0) * limit
        })
        .collect();
    Ok(DenseVars {
        weight: Var::from_tensor(&Tensor::from_vec(weights, (rows, cols), &Device::Cpu)?)?,
        bias: Var::zeros((1, cols), candle_core::DType::F32, &Device::Cpu)?,
    })
}

const NAMES: [&str; 5] = [
    "pipeline_encoder",
    "schedule_encoder",
    "hidden0",
    "hidden1",
    "head",
];

impl BaselineNet {
    /// A fresh network: `p` pipeline and `s` schedule features per stage, width `hidden`.
    pub fn new(p: usize, s: usize, hidden: usize, output_scale: f32, seed: u64) -> Result<Self> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Ok(BaselineNet {
            pipeline_encoder: dense(&mut rng, p, hidden)?,
            schedule_encoder: dense(&mut rng, s, hidden)?,
            hidden: [
                dense(&mut rng, 2 * hidden, hidden)?,
                dense(&mut rng, hidden, hidden)?,
            ],
            head: dense(&mut rng, hidden, 1)?,
            output_scale,
        })
    }

    fn parts(&self) -> [&DenseVars; 5] {
        [
            &self.pipeline_encoder,
            &self.schedule_encoder,
            &self.hidden[0],
            &self.hidden[1],
            &self.head,
        ]
    }

    /// Saves the parameters with the normalization and the split they were trained with.
    pub fn save(&self, path: &Path, normalization: &Normalization, split: &Split) -> Result<()> {
        let mut tensors: HashMap<String, Tensor> = HashMap::new();
        tensors.insert(
            "training_split".into(),
            Tensor::new(
                &[
                    split.seed as f64,
                    split.validation_fraction,
                    split.held_out_fraction,
                ],
                &Device::Cpu,
            )?,
        );
        for (key, values) in [
            ("normalization.pipeline_mean", &normalization.pipeline.mean),
            ("normalization.pipeline_std", &normalization.pipeline.std),
            ("normalization.schedule_mean", &normalization.schedule.mean),
            ("normalization.schedule_std", &normalization.schedule.std),
        ] {
            tensors.insert(key.into(), Tensor::new(values.as_slice(), &Device::Cpu)?);
        }
        for (name, part) in NAMES.iter().zip(self.parts()) {
            tensors.insert(format!("{name}.weight"), part.weight.as_tensor().clone());
            tensors.insert(format!("{name}.bias"), part.bias.as_tensor().clone());
        }
        tensors.insert(
            "output_scale".into(),
            Tensor::new(&[self.output_scale], &Device::Cpu)?,
        );
        candle_core::safetensors::save(&tensors, path)
    }

    /// Loads a saved network, its normalization (for this plugin's feature names; the column
    /// counts must match them) and the split it was trained with.
    pub fn load(path: &Path) -> Result<(Self, Normalization, Split)> {
        let tensors = candle_core::safetensors::load(path, &Device::Cpu)?;
        let get = |name: &str| -> Result<Tensor> {
            tensors
                .get(name)
                .cloned()
                .ok_or_else(|| candle_core::Error::Msg(format!("no tensor `{name}`")))
        };
        let part = |name: &str| -> Result<DenseVars> {
            Ok(DenseVars {
                weight: Var::from_tensor(&get(&format!("{name}.weight"))?)?,
                bias: Var::from_tensor(&get(&format!("{name}.bias"))?)?,
            })
        };
        let net = BaselineNet {
            pipeline_encoder: part(NAMES[0])?,
            schedule_encoder: part(NAMES[1])?,
            hidden: [part(NAMES[2])?, part(NAMES[3])?],
            head: part(NAMES[4])?,
            output_scale: get("output_scale")?.to_vec1::<f32>()?[0],
        };
        let column = |names: Vec<String>, group: &str| -> Result<ColumnStats> {
            let mean = get(&format!("normalization.{group}_mean"))?.to_vec1::<f32>()?;
            let std = get(&format!("normalization.{group}_std"))?.to_vec1::<f32>()?;
            if mean.len() != names.len() || std.len() != names.len() {
                return Err(candle_core::Error::Msg(format!(
                    "{group} normalization has {} columns, this plugin has {} {group} features",
                    mean.len(),
                    names.len()
                )));
            }
            Ok(ColumnStats { names, mean, std })
        };
        let (pipeline_names, schedule_names) = plugin_feature_names();
        let normalization = Normalization {
            pipeline: column(pipeline_names, "pipeline")?,
            schedule: column(schedule_names, "schedule")?,
        };
        let (p, s) = net.feature_counts()?;
        if p != normalization.pipeline.len() || s != normalization.schedule.len() {
            return Err(candle_core::Error::Msg(format!(
                "the network takes {p} pipeline and {s} schedule features, this plugin has {} and {}",
                normalization.pipeline.len(),
                normalization.schedule.len()
            )));
        }
        let split = get("training_split")?.to_vec1::<f64>()?;
        let [seed, validation_fraction, held_out_fraction] = split[..] else {
            return Err(candle_core::Error::Msg(
                "`training_split` must hold 3 numbers".into(),
            ));
        };
        let split = Split {
            seed: seed as u64,
            validation_fraction,
            held_out_fraction,
        };
        Ok((net, normalization, split))
    }

    /// Features per stage the network was built for: (pipeline, schedule).
    fn feature_counts(&self) -> Result<(usize, usize)> {
        Ok((
            self.pipeline_encoder.weight.as_tensor().dims2()?.0,
            self.schedule_encoder.weight.as_tensor().dims2()?.0,
        ))
    }
}

impl CostNet for BaselineNet {
    fn vars(&self) -> Vec<Var> {
        self.parts().iter().flat_map(|p| p.vars()).collect()
    }

    fn log_stage_costs(&self, batch: &PipelineBatch) -> Result<Tensor> {
        let b = batch.schedules.dims3()?.0;
        let hp = self.pipeline_encoder.apply(&batch.pipeline)?.relu()?; // [N, H]
        let hs = self.schedule_encoder.apply(&batch.schedules)?.relu()?; // [B, N, H]
        let (n, h) = hp.dims2()?;
        let joined = Tensor::cat(
            &[&hp.unsqueeze(0)?.broadcast_as((b, n, h))?, &hs],
            D::Minus1,
        )?;
        let x = self.hidden[0].apply(&joined)?.relu()?;
        let x = self.hidden[1].apply(&x)?.relu()?;
        self.head
            .apply(&x)?
            .squeeze(D::Minus1)?
            .minimum(f64::from(autoschedule_gcn::gcn_weights::HEAD_LOG_CEILING))
    }

    fn output_scale(&self) -> f32 {
        self.output_scale
    }
}
