//! `halide-gcn-tools`: commands around the Gcn cost model.
//!
//! - `init-model`: writes an untrained GCN (deterministic random weights, log scaling only) in
//!   the ONNX contract of docs/model.md; `models/gcn.onnx` is made this way until a trained
//!   model replaces it.
//! - `collect`: benchmarks schedules of random (or bench) pipelines into a dataset
//!   (docs/dataset.md); resumable.
//! - `summary`: what a dataset holds.
//! - `pack`: a dataset, gzip-compressed for committing.
//! - `noise`: re-measures a fixed set of a dataset's samples: how much recorded times move.
//! - `remeasure`: re-measures every schedule of a few whole pipelines: how well the recorded
//!   times rank them against a new measurement (the ceiling noise puts on a cost model).
//! - `refeaturize`: a dataset's featurizations made again by the current plugin from the loop
//!   nests they record (or, without one, searched for again and checked to describe the
//!   schedule that was measured), its measurements kept.
//! - `train`: the GCN and the per-stage baseline, trained on the same split; the GCN exported
//!   as ONNX.
//! - `evaluate`: both models on the held-out pipelines: report and scatter plot.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use autoschedule_gcn::features::SCHEDULE_FEATURE_NAMES;
use autoschedule_gcn::gcn_weights::{GcnShape, GcnWeights};
use autoschedule_gcn::normalization::{ColumnStats, Normalization};
use autoschedule_gcn::onnx_writer::write_model;
use autoschedule_gcn::pipeline_features::feature_names;
use halide_gcn_tools::collect::{collect, Options, Pipelines};
use halide_gcn_tools::dataset::{read_dataset, write_compressed};
use halide_gcn_tools::evaluate::{run_evaluate, EvaluateCommand};
use halide_gcn_tools::measure::{Procedure, DEFAULT_NOISE_THRESHOLD};
use halide_gcn_tools::noise::{noise_report, run_noise, NoiseCommand};
use halide_gcn_tools::refeaturize::{run_refeaturize, RefeaturizeCommand};
use halide_gcn_tools::remeasure::{remeasure_report, run_remeasure, RemeasureCommand};
use halide_gcn_tools::summary::summarize;
use halide_gcn_tools::train::{Selection, TrainOptions};
use halide_gcn_tools::train_command::{run_train, TrainCommand};
use halide_gcn_tools::training_set::Split;

#[derive(Parser)]
#[command(about = "Tools around the Gcn cost model")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Benchmark schedules sampled by Gcn's search into a dataset (resumable: rerun the same
    /// command after an interruption).
    Collect(CollectArgs),
    /// Print what a dataset holds.
    Summary {
        /// Dataset files (plain or gzip-compressed).
        files: Vec<PathBuf>,
        /// Also list every sample (pipeline, schedule, run time, spread).
        #[arg(long)]
        samples: bool,
    },
    /// Write a dataset gzip-compressed (checking every record on the way).
    Pack { input: PathBuf, output: PathBuf },
    /// Train the GCN and the per-stage baseline on the same split by pipeline; export the GCN
    /// as ONNX (checked against tract) and save the baseline.
    Train(TrainArgs),
    /// Score the GCN and the baseline on the held-out pipelines; write the report and plot.
    Evaluate(EvaluateArgs),
    /// Measure a fixed set of a dataset's samples again, several times, and report how much
    /// their recorded run time moves (nothing else may run meanwhile).
    Noise {
        /// The dataset.
        #[arg(long)]
        data: PathBuf,
        /// Samples to re-measure.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        /// Measurements of each.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        #[command(flatten)]
        measuring: RemeasuringArgs,
        /// Working folder for rebuilt schedules.
        #[arg(long, default_value = "target/noise")]
        work: PathBuf,
        /// The markdown report.
        #[arg(long, default_value = "docs/results/noise.md")]
        report: PathBuf,
    },
    /// Measure every schedule of a few whole pipelines of a dataset again and score the
    /// recorded run times as predictions of the new ones (the ranking a perfect model of the
    /// dataset could show; nothing else may run meanwhile).
    Remeasure {
        /// The dataset.
        #[arg(long)]
        data: PathBuf,
        /// Whole pipelines to measure again, 1 to 1000.
        #[arg(long, default_value_t = 4,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
        pipelines: usize,
        /// Schedules compiled at once, 1 to 64.
        #[arg(long, default_value_t = 2,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
        jobs: usize,
        #[command(flatten)]
        measuring: RemeasuringArgs,
        /// Working folder for rebuilt schedules.
        #[arg(long, default_value = "target/remeasure")]
        work: PathBuf,
        /// The markdown report.
        #[arg(long, default_value = "docs/results/remeasure.md")]
        report: PathBuf,
    },
    /// Featurize a dataset's samples again with the current plugin (nothing is measured or
    /// compiled): each schedule is rebuilt from its recorded loop nest (columns whose values
    /// change are listed), or, for samples recorded without one, searched for again from its
    /// ids and checked to be the one measured (every recorded feature column unchanged).
    /// Feature columns added since are gained. Resumable: rerun the same command.
    Refeaturize {
        /// Datasets to read; `--data A B` or `--data A --data B`.
        #[arg(long, num_args = 1.., required = true)]
        data: Vec<PathBuf>,
        /// The dataset to write (appended to; samples already in it are skipped).
        #[arg(long)]
        out: PathBuf,
        /// The Gcn plugin that featurizes (default: target/release/libautoschedule_gcn.so).
        #[arg(long)]
        plugin: Option<PathBuf>,
        /// Working folder for generators and their output.
        #[arg(long, default_value = "target/refeaturize")]
        work: PathBuf,
        /// Generator runs at once.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
    },
    /// Write an untrained GCN model (random weights from a seed) as ONNX.
    InitModel {
        /// Where to write the model.
        #[arg(long, default_value = "models/gcn.onnx")]
        out: PathBuf,
        #[command(flatten)]
        network: NetworkArgs,
    },
}

/// How `noise` and `remeasure` measure a dataset's schedules again: the collector's procedure,
/// with the schedules rebuilt by the plugin that sampled them.
#[derive(clap::Args)]
struct RemeasuringArgs {
    /// Timed repeats per measurement (as the collector's --repeats), 1 to 100.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeats: u32,
    /// Spread of the repeats that triggers measuring again (as the collector's).
    #[arg(long, default_value_t = DEFAULT_NOISE_THRESHOLD)]
    noise_threshold: f64,
    /// RunGen's --benchmark_min_time per repeat (as the collector's).
    #[arg(long, default_value_t = 0.03)]
    benchmark_min_time: f64,
    /// The Gcn plugin that rebuilds the schedules (default:
    /// target/release/libautoschedule_gcn.so): the collector's, if the search changed since.
    #[arg(long)]
    plugin: Option<PathBuf>,
}

impl RemeasuringArgs {
    /// The procedure, at each sample's own thread count.
    fn procedure(&self) -> Procedure {
        Procedure {
            threads: 0,
            repeats: self.repeats,
            min_time_s: self.benchmark_min_time,
            noise_threshold: self.noise_threshold,
        }
    }
}

/// This process's arguments, as a report quotes them.
fn command_line() -> String {
    format!(
        "halide-gcn-tools {}",
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    )
}

#[derive(clap::Args)]
struct CollectArgs {
    /// The dataset to append to (created if absent).
    #[arg(long)]
    out: PathBuf,
    /// Random-pipeline seeds, `first..end` (end excluded).
    #[arg(long, default_value = "0..300", conflicts_with = "bench")]
    seeds: String,
    /// Stages of every random pipeline (0: drawn per seed, 2 to 40).
    #[arg(long, default_value_t = 0, value_parser = parse_stage_count)]
    stages: u32,
    /// Collect the bench pipelines (bench/pipelines) instead of random ones.
    #[arg(long, value_delimiter = ',')]
    bench: Vec<String>,
    /// Schedules per pipeline: one beam-32 search, the rest beam-1 with random dropout.
    #[arg(long, default_value_t = 24,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    schedules: usize,
    /// Percent of children the beam-1 searches keep.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    dropout: u32,
    /// A further Gcn parameter for every schedule, KEY=VALUE (repeatable), e.g. `--sampler
    /// cost_model=gcn --sampler model_path=models/round1.onnx` to sample with a trained model.
    /// It becomes part of every schedule's id.
    #[arg(long, value_parser = parse_key_value)]
    sampler: Vec<(String, String)>,
    /// Threads for the pipelines and `parallelism` for the search (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Schedules compiled at once (never while benchmarking).
    #[arg(long, default_value_t = 2,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    jobs: usize,
    /// Timed repeats per schedule, after one warm-up run (each a RunGen process: on this
    /// machine the run time varies more between processes than within one).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeats: u32,
    /// RunGen's --benchmark_min_time per repeat (seconds). Short: on this machine the time
    /// varies between processes far more than within one, so processes are what count.
    #[arg(long, default_value_t = 0.03)]
    benchmark_min_time: f64,
    /// Relative spread that triggers re-measuring (and marks the sample noisy if it stays).
    #[arg(long, default_value_t = DEFAULT_NOISE_THRESHOLD)]
    noise_threshold: f64,
    /// Only check every schedule's output against the reference; record nothing.
    #[arg(long)]
    check_only: bool,
    /// Working folder for generated code.
    #[arg(long, default_value = "target/collect")]
    work: PathBuf,
    /// The Gcn plugin (default: target/release/libautoschedule_gcn.so).
    #[arg(long)]
    plugin: Option<PathBuf>,
}

/// The split by pipeline (the same for `train` and `evaluate`).
#[derive(clap::Args)]
struct SplitArgs {
    /// Seed of the split by pipeline.
    #[arg(long, default_value_t = 1)]
    split_seed: u64,
    /// Fraction of the (non-bench) pipelines used for early stopping.
    #[arg(long, default_value_t = 0.15)]
    validation_fraction: f64,
    /// Fraction of the (non-bench) pipelines held out for evaluation (bench pipelines always
    /// are).
    #[arg(long, default_value_t = 0.15)]
    held_out_fraction: f64,
}

impl SplitArgs {
    fn split(&self) -> Result<Split, String> {
        let fractions = [self.validation_fraction, self.held_out_fraction];
        if fractions.iter().any(|f| !(0.0..1.0).contains(f)) || fractions.iter().sum::<f64>() >= 1.0
        {
            return Err(format!(
                "--validation-fraction and --held-out-fraction must be in [0, 1) and leave \
                 pipelines to train on, got {} and {}",
                self.validation_fraction, self.held_out_fraction
            ));
        }
        Ok(Split {
            seed: self.split_seed,
            validation_fraction: self.validation_fraction,
            held_out_fraction: self.held_out_fraction,
        })
    }
}

/// The networks' shape and initial weights (the same for `init-model` and `train`).
#[derive(clap::Args)]
struct NetworkArgs {
    /// Seed of the initial weights (and, for `train`, of the order of training).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Hidden width (of both networks, for `train`), 1 to 4096.
    #[arg(long, default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    hidden: usize,
    /// Graph-convolution layers of the GCN, 1 to 16.
    #[arg(long, default_value_t = 3,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=16))]
    layers: usize,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Dataset files (random pipelines, and the bench pipelines' file: always held out);
    /// `--data A B C` or `--data A --data B`.
    #[arg(long = "data", required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Where to write the trained GCN (ONNX).
    #[arg(long, default_value = "models/gcn.onnx")]
    out: PathBuf,
    /// Where to write the trained baseline (safetensors).
    #[arg(long, default_value = "models/baseline.safetensors")]
    baseline_out: PathBuf,
    #[command(flatten)]
    split: SplitArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[arg(long, default_value_t = 400)]
    max_epochs: usize,
    /// Epochs without a better validation score (see --select-on) before stopping.
    #[arg(long, default_value_t = 40)]
    patience: usize,
    #[arg(long, default_value_t = 1e-3)]
    learning_rate: f64,
    #[arg(long, default_value_t = 1e-4)]
    weight_decay: f64,
    /// Weight of the pairwise ranking term of the loss.
    #[arg(long, default_value_t = 1.0)]
    ranking_weight: f64,
    /// Pairs whose measured log run times differ by less than this are not ranked.
    #[arg(long, default_value_t = 0.05)]
    ranking_margin: f64,
    /// Weight of each pipeline's mean log error against the spread of its errors (1: plain
    /// weighted squared error; below 1 the loss cares more about the order within a pipeline).
    #[arg(long, default_value_t = 1.0)]
    level_weight: f64,
    /// Which epoch early stopping keeps: the lowest validation loss, or the best ranking of the
    /// validation pipelines.
    #[arg(long, value_enum, default_value_t = Selection::Loss)]
    select_on: Selection,
    /// Print the losses every this many epochs (0: never).
    #[arg(long, default_value_t = 10)]
    log_every: usize,
}

#[derive(clap::Args)]
struct EvaluateArgs {
    /// Dataset files, as given to `train`.
    #[arg(long = "data", required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// The GCN (ONNX).
    #[arg(long, default_value = "models/gcn.onnx")]
    model: PathBuf,
    /// The baseline (safetensors).
    #[arg(long, default_value = "models/baseline.safetensors")]
    baseline: PathBuf,
    #[command(flatten)]
    split: SplitArgs,
    /// The markdown report.
    #[arg(long, default_value = "docs/results/model.md")]
    report: PathBuf,
    /// The scatter plot (PNG).
    #[arg(long, default_value = "docs/results/model_scatter.png")]
    plot: PathBuf,
}

impl CollectArgs {
    fn options(self) -> Result<Options, String> {
        let pipelines = if self.bench.is_empty() {
            Pipelines::Random {
                seeds: parse_range(&self.seeds)?,
                stages: self.stages,
            }
        } else {
            Pipelines::Bench { names: self.bench }
        };
        Ok(Options {
            out: self.out,
            pipelines,
            schedules: self.schedules,
            dropout: self.dropout,
            sampler: self.sampler,
            threads: self.threads.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get() as u32)
                    .unwrap_or(1)
            }),
            jobs: self.jobs,
            repeats: self.repeats,
            min_time_s: self.benchmark_min_time,
            noise_threshold: self.noise_threshold,
            check_only: self.check_only,
            work: self.work,
            plugin: self.plugin,
        })
    }
}

/// Exit status of `collect` when it went through every pipeline but some schedules mismatched
/// or failed (1 is a fatal error).
const COLLECTED_WITH_FAILURES: i32 = 2;

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::InitModel { out, network } => {
            init_model(&out, network.seed, network.hidden, network.layers)
        }
        Command::Collect(args) => (|| {
            let options = args.options()?;
            let repo = std::env::current_dir().map_err(|e| e.to_string())?;
            let report = collect(&repo, &options)?;
            println!(
                "collect: {} schedules matched their reference, {} samples appended, {} already there, {} output mismatches, {} failures, {} too slow to benchmark",
                report.matched, report.appended, report.skipped, report.mismatches, report.failures, report.too_slow
            );
            if report.mismatches > 0 || report.failures > 0 {
                // Finished, but some schedules were not recorded: a distinct exit status, so
                // that scripts can go on (scripts/collect.sh) while a fatal error stops them.
                eprintln!(
                    "halide-gcn-tools: {} mismatches and {} failures (mismatches: see {})",
                    report.mismatches,
                    report.failures,
                    options.work.join("mismatches.log").display()
                );
                std::process::exit(COLLECTED_WITH_FAILURES);
            }
            Ok(())
        })(),
        Command::Summary {
            files,
            samples: list,
        } => (|| {
            let mut samples = Vec::new();
            for f in &files {
                samples.extend(read_dataset(f)?);
            }
            print!("{}", summarize(&samples)?);
            if list {
                for s in &samples {
                    println!(
                        "{} | {} | {:.4} ms | spread {:.1}%{}",
                        s.pipeline,
                        s.schedule,
                        s.run_time_ms,
                        100.0 * s.spread,
                        if s.noisy { " | noisy" } else { "" }
                    );
                }
            }
            Ok(())
        })(),
        Command::Train(args) => (|| {
            let options = TrainOptions {
                seed: args.network.seed,
                max_epochs: args.max_epochs,
                patience: args.patience,
                learning_rate: args.learning_rate,
                weight_decay: args.weight_decay,
                ranking_weight: args.ranking_weight,
                ranking_margin: args.ranking_margin,
                level_weight: args.level_weight,
                selection: args.select_on,
                ..TrainOptions::default()
            };
            let summary = run_train(&TrainCommand {
                data: args.data,
                out: args.out.clone(),
                baseline_out: args.baseline_out.clone(),
                split: args.split.split()?,
                options,
                hidden: args.network.hidden,
                layers: args.network.layers,
                log_every: args.log_every,
            })?;
            println!(
                "train: {} training, {} validation, {} held-out pipelines",
                summary.train_pipelines, summary.validation_pipelines, summary.held_out_pipelines
            );
            for (name, r) in [("GCN", &summary.gcn), ("baseline", &summary.baseline)] {
                println!(
                    "train: {name}: kept epoch {} of {}: validation loss {:.4}, ranking score \
                     {:.4}",
                    r.best_epoch + 1,
                    r.epochs,
                    r.best_validation_loss,
                    r.best_validation_ranking
                );
            }
            for (model, set, s) in &summary.fit {
                println!(
                    "train: {model} on its {set} pipelines: MAPE {:.1}%, mean Kendall tau \
                     {:.3}, top-1 regret {:.3}",
                    s.mape, s.mean_tau, s.mean_regret
                );
            }
            println!(
                "train: wrote {} (tract agrees with the trainer within {:.1e}) and {}",
                args.out.display(),
                summary.parity,
                args.baseline_out.display()
            );
            Ok(())
        })(),
        Command::Evaluate(args) => (|| {
            let command_line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
            let scores = run_evaluate(&EvaluateCommand {
                data: args.data,
                model: args.model,
                baseline: args.baseline,
                split: args.split.split()?,
                report: args.report.clone(),
                plot: args.plot,
                command_line: format!("halide-gcn-tools {command_line}"),
            })?;
            for (name, s) in [
                ("GCN", &scores.gcn),
                ("baseline", &scores.baseline),
                ("analytic", &scores.analytic),
            ] {
                println!(
                    "evaluate: {name}: {} pipelines, {} schedules: MAPE {:.1}%, mean Kendall tau {:.3}, top-1 regret {:.3} (worst {:.2})",
                    s.pipelines, s.samples, s.mape, s.mean_tau, s.mean_regret, s.worst_regret
                );
            }
            println!("evaluate: wrote {}", args.report.display());
            Ok(())
        })(),
        Command::Remeasure {
            data,
            pipelines,
            jobs,
            measuring,
            work,
            report,
        } => (|| {
            let cmd = RemeasureCommand {
                data,
                pipelines,
                jobs,
                procedure: measuring.procedure(),
                work,
                plugin: measuring.plugin,
                report: report.clone(),
                command_line: command_line(),
            };
            let repo = std::env::current_dir().map_err(|e| e.to_string())?;
            let results = run_remeasure(&repo, &cmd)?;
            let text = remeasure_report(&cmd, &results);
            std::fs::write(&report, &text).map_err(|e| format!("{}: {e}", report.display()))?;
            println!(
                "remeasure: {} pipelines measured again; wrote {}",
                results.len(),
                report.display()
            );
            Ok(())
        })(),
        Command::Noise {
            data,
            samples,
            rounds,
            measuring,
            work,
            report,
        } => (|| {
            let cmd = NoiseCommand {
                data,
                samples,
                rounds,
                procedure: measuring.procedure(),
                work,
                plugin: measuring.plugin,
                report: report.clone(),
                command_line: command_line(),
            };
            let repo = std::env::current_dir().map_err(|e| e.to_string())?;
            let (results, median_spread) = run_noise(&repo, &cmd)?;
            let text = noise_report(&cmd, &results, median_spread);
            std::fs::write(&report, &text).map_err(|e| format!("{}: {e}", report.display()))?;
            println!(
                "noise: median relative spread of the recorded run time {:.2}% over {} samples; wrote {}",
                100.0 * median_spread,
                results.len(),
                report.display()
            );
            Ok(())
        })(),
        Command::Refeaturize {
            data,
            out,
            plugin,
            work,
            jobs,
        } => (|| {
            let repo = std::env::current_dir().map_err(|e| e.to_string())?;
            let cmd = RefeaturizeCommand {
                data,
                out: out.clone(),
                plugin,
                work,
                jobs,
            };
            let summary = run_refeaturize(&repo, &cmd)?;
            println!(
                "refeaturize: {} samples already in {}; {} rebuilt as recorded, {} with added \
                 columns or changed values ({} from their recorded loop nest, the others searched \
                 for again); {} left out",
                summary.already_done,
                out.display(),
                summary.unchanged,
                summary.updated,
                summary.from_nest,
                summary.failed.len()
            );
            for (column, samples) in &summary.redefined {
                println!("refeaturize: {column}: values changed in {samples} samples");
            }
            if summary.failed.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} samples no longer rebuild the schedule that was measured (listed above)",
                    summary.failed.len()
                ))
            }
        })(),
        Command::Pack { input, output } => {
            read_dataset(&input).and_then(|samples| write_compressed(&output, &samples))
        }
    };
    if let Err(e) = result {
        eprintln!("halide-gcn-tools: {e}");
        std::process::exit(1);
    }
}

/// `KEY=VALUE` as a pair.
fn parse_key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got '{text}'"))
}

/// `a..b` as the seeds a to b-1.
fn parse_range(text: &str) -> Result<Vec<u64>, String> {
    let bad = || format!("--seeds must look like 0..300, got '{text}'");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a >= b {
        return Err(bad());
    }
    Ok((a..b).collect())
}

/// `--stages`: 0 (drawn per seed) or 2 to 40.
fn parse_stage_count(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n == 0 || (2..=40).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not 0 (drawn per seed) or a stage count from 2 to 40"
        )),
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
