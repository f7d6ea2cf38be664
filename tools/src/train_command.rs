//! The `train` command: load datasets, split by pipeline, fit the normalization on the
//! training pipelines, train the GCN and the per-stage baseline on the same split, export the
//! GCN as ONNX (checking that tract on the file agrees with the trainer), save the baseline.

use std::path::PathBuf;

use autoschedule_gcn::gcn_weights::{GcnShape, GcnWeights};
use autoschedule_gcn::model_file::load_bytes;
use autoschedule_gcn::onnx_writer::{encode, model_proto};

use crate::baseline_net::BaselineNet;
use crate::cost_net::{CostNet, PipelineBatch};
use crate::evaluate::{predict_net, predict_onnx, score, Scores};
use crate::gcn_net::GcnNet;
use crate::train::{train, TrainOptions, TrainReport};
use crate::training_set::{
    fit_normalization, load_pipelines, PipelineData, Role, Split, SPLIT_METADATA_KEY,
};

/// Largest relative difference allowed between the trainer's and tract's predictions.
pub const PARITY_TOLERANCE: f64 = 1e-4;

pub struct TrainCommand {
    pub data: Vec<PathBuf>,
    pub out: PathBuf,
    pub baseline_out: PathBuf,
    pub split: Split,
    pub options: TrainOptions,
    pub hidden: usize,
    pub layers: usize,
    /// Print a line every this many epochs (0: never).
    pub log_every: usize,
}

/// What training produced.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub train_pipelines: usize,
    pub validation_pipelines: usize,
    pub held_out_pipelines: usize,
    pub gcn: TrainReport,
    pub baseline: TrainReport,
    /// Worst relative difference trainer vs tract over the held-out pipelines.
    pub parity: f64,
    /// How well each model fits the pipelines it learned from and those that stopped it:
    /// (model, set, scores) for the GCN and the baseline on the training and validation sets.
    /// Far better training than validation scores mean too little data for the model.
    pub fit: Vec<(&'static str, &'static str, Scores)>,
}

fn batches(
    pipelines: &[&PipelineData],
    normalization: &autoschedule_gcn::normalization::Normalization,
) -> Result<Vec<PipelineBatch>, String> {
    pipelines
        .iter()
        .map(|p| PipelineBatch::new(p, normalization).map_err(|e| format!("{}: {e}", p.id)))
        .collect()
}

/// Seconds per stage, geometric mean over the training schedules: the output scale, so that
/// an untrained head (z near 0) predicts a typical run time.
fn typical_stage_seconds(pipelines: &[&PipelineData]) -> f32 {
    let logs: Vec<f64> = pipelines
        .iter()
        .flat_map(|p| {
            p.schedules
                .iter()
                .map(move |s| (s.run_time_s / p.stages as f64).ln())
        })
        .collect();
    (logs.iter().sum::<f64>() / logs.len().max(1) as f64).exp() as f32
}

pub fn run_train(cmd: &TrainCommand) -> Result<TrainSummary, String> {
    let pipelines = load_pipelines(&cmd.data)?;
    let train_set = cmd.split.select(&pipelines, Role::Train);
    let validation_set = cmd.split.select(&pipelines, Role::Validation);
    let held_out = cmd.split.select(&pipelines, Role::HeldOut);
    for (name, set) in [("training", &train_set), ("validation", &validation_set)] {
        if set.is_empty() {
            return Err(format!(
                "the split (seed {}) leaves no {name} pipelines among the {} loaded",
                cmd.split.seed,
                pipelines.len()
            ));
        }
    }
    let normalization = fit_normalization(&train_set);
    let scale = typical_stage_seconds(&train_set);
    let train_batches = batches(&train_set, &normalization)?;
    let validation_batches = batches(&validation_set, &normalization)?;
    let log = |model: &'static str| {
        let every = cmd.log_every;
        move |epoch: usize, train: f64, validation: f64| {
            if every > 0 && epoch % every == 0 {
                eprintln!("{model} epoch {epoch}: training loss {train:.4}, validation loss {validation:.4}");
            }
        }
    };

    let shape = GcnShape {
        pipeline_features: normalization.pipeline.len(),
        schedule_features: normalization.schedule.len(),
        hidden: cmd.hidden,
        layers: cmd.layers,
    };
    let mut initial = GcnWeights::random(shape, cmd.options.seed);
    initial.output_scale = scale;
    let gcn = GcnNet::from_weights(&initial).map_err(|e| e.to_string())?;
    let gcn_report = train(
        &gcn,
        &train_batches,
        &validation_batches,
        &cmd.options,
        log("gcn"),
    )
    .map_err(|e| format!("training the GCN: {e}"))?;

    let baseline = BaselineNet::new(
        shape.pipeline_features,
        shape.schedule_features,
        cmd.hidden,
        scale,
        cmd.options.seed,
    )
    .map_err(|e| e.to_string())?;
    let baseline_report = train(
        &baseline,
        &train_batches,
        &validation_batches,
        &cmd.options,
        log("baseline"),
    )
    .map_err(|e| format!("training the baseline: {e}"))?;

    let samples: usize = train_set.iter().map(|p| p.schedules.len()).sum();
    let description = format!(
        "GCN, hidden width {}, {} layers, trained by `halide-gcn-tools train` (seed {}, split \
         seed {}) on {} pipelines ({samples} schedules) of {}, validated on {}; loss: ranking \
         weight {}, margin {}, level weight {}; learning rate {}, weight decay {}; kept epoch {} \
         of {} (by validation {}), validation loss {:.4}, ranking score {:.4}",
        cmd.hidden,
        cmd.layers,
        cmd.options.seed,
        cmd.split.seed,
        train_set.len(),
        cmd.data
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        validation_set.len(),
        cmd.options.ranking_weight,
        cmd.options.ranking_margin,
        cmd.options.level_weight,
        cmd.options.learning_rate,
        cmd.options.weight_decay,
        gcn_report.best_epoch + 1,
        gcn_report.epochs,
        match cmd.options.selection {
            crate::train::Selection::Loss => "loss",
            crate::train::Selection::Ranking => "ranking",
        },
        gcn_report.best_validation_loss,
        gcn_report.best_validation_ranking
    );
    let weights = gcn.to_weights().map_err(|e| e.to_string())?;
    let mut proto = model_proto(&weights, &normalization, &description);
    proto
        .metadata_props
        .push(tract_onnx::pb::StringStringEntryProto {
            key: SPLIT_METADATA_KEY.into(),
            value: cmd.split.describe(),
        });
    let bytes = encode(&proto);

    // Parity: tract on the exported bytes against the trainer, on pipelines it never saw.
    let check_set = if held_out.is_empty() {
        &validation_set
    } else {
        &held_out
    };
    let label = cmd.out.display().to_string();
    let model = std::sync::Arc::new(load_bytes(&bytes, &label).map_err(|e| e.to_string())?);
    let tract = predict_onnx(model, check_set)?;
    let trainer = predict_net(&gcn as &dyn CostNet, &normalization, check_set)?;
    let (tract, trainer): (Vec<f64>, Vec<f64>) = (
        tract.into_iter().flatten().collect(),
        trainer.into_iter().flatten().collect(),
    );
    if tract.len() != trainer.len() {
        return Err(format!(
            "the exported model predicted {} schedules, the trainer {}",
            tract.len(),
            trainer.len()
        ));
    }
    let mut parity = 0.0f64;
    for (a, b) in tract.iter().zip(&trainer) {
        let difference = (a - b).abs() / b.abs().max(1e-30);
        // NaN on either side fails too.
        parity = if difference.is_nan() {
            f64::NAN
        } else {
            parity.max(difference)
        };
    }
    if !(parity <= PARITY_TOLERANCE) {
        return Err(format!(
            "the exported model disagrees with the trainer: relative difference {parity:.2e} \
             (allowed {PARITY_TOLERANCE:.0e}); nothing was written"
        ));
    }
    let mut fit = Vec::new();
    for (model, net) in [("GCN", &gcn as &dyn CostNet), ("baseline", &baseline)] {
        for (set, pipelines) in [("training", &train_set), ("validation", &validation_set)] {
            let predictions = predict_net(net, &normalization, pipelines)?;
            fit.push((model, set, score(pipelines, &predictions)));
        }
    }
    for path in [&cmd.out, &cmd.baseline_out] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    std::fs::write(&cmd.out, &bytes).map_err(|e| format!("{}: {e}", cmd.out.display()))?;
    baseline
        .save(&cmd.baseline_out, &normalization, &cmd.split)
        .map_err(|e| format!("{}: {e}", cmd.baseline_out.display()))?;
    Ok(TrainSummary {
        train_pipelines: train_set.len(),
        validation_pipelines: validation_set.len(),
        held_out_pipelines: held_out.len(),
        gcn: gcn_report,
        baseline: baseline_report,
        parity,
        fit,
    })
}
