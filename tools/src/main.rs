//! `halide-gcn-tools`: commands around the Gcn cost model.
//!
//! - `init-model`: writes an untrained GCN (deterministic random weights, log scaling only) in
//!   the ONNX contract of docs/model.md; `models/gcn.onnx` is made this way until a trained
//!   model replaces it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use autoschedule_gcn::features::SCHEDULE_FEATURE_NAMES;
use autoschedule_gcn::gcn_weights::{GcnShape, GcnWeights};
use autoschedule_gcn::normalization::{ColumnStats, Normalization};
use autoschedule_gcn::onnx_writer::write_model;
use autoschedule_gcn::pipeline_features::feature_names;

#[derive(Parser)]
#[command(about = "Tools around the Gcn cost model")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write an untrained GCN model (random weights from a seed) as ONNX.
    InitModel {
        /// Where to write the model.
        #[arg(long, default_value = "models/gcn.onnx")]
        out: PathBuf,
        /// Seed of the random weights.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Hidden width.
        #[arg(long, default_value_t = 64)]
        hidden: usize,
        /// Graph-convolution layers.
        #[arg(long, default_value_t = 3)]
        layers: usize,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::InitModel {
            out,
            seed,
            hidden,
            layers,
        } => init_model(&out, seed, hidden, layers),
    };
    if let Err(e) = result {
        eprintln!("halide-gcn-tools: {e}");
        std::process::exit(1);
    }
}

fn init_model(out: &PathBuf, seed: u64, hidden: usize, layers: usize) -> Result<(), String> {
    let pipeline = feature_names();
    let schedule: Vec<String> = SCHEDULE_FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let shape = GcnShape {
        pipeline_features: pipeline.len(),
        schedule_features: schedule.len(),
        hidden,
        layers,
    };
    let weights = GcnWeights::random(shape, seed);
    let normalization = Normalization {
        pipeline: ColumnStats::identity(pipeline),
        schedule: ColumnStats::identity(schedule),
    };
    let description = format!(
        "untrained GCN: random weights (seed {seed}), {layers} layers of width {hidden}, log \
         scaling only; its predictions are not meaningful"
    );
    let bytes = write_model(&weights, &normalization, &description);
    std::fs::write(out, &bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "wrote {} ({} bytes): {description}",
        out.display(),
        bytes.len()
    );
    Ok(())
}
