//! `bench`: schedules every bench pipeline (bench/pipelines/) with Gcn and with Halide's own
//! autoschedulers from the same wheel (same target, `parallelism` and thread count), checks
//! that every schedule's output equals the reference (the pipeline with every Func computed at
//! root: same values as the unscheduled pipeline, without its exponential inlining), benchmarks
//! the libraries in interleaved rounds, and writes the report (docs/results/bench.md) and its
//! chart (bench.png beside it).
//!
//! Run through `bash scripts/bench.sh`, which builds the plugin in release first. Nothing else
//! may run on the machine meanwhile: timings are only comparable inside one run.

mod chart;
mod model_speed;
mod report;

use halide_gcn_tools::{outputs, process, timing, toolchain};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use clap::Parser;

use process::run_measured;
use report::{PipelineResult, SchedulerResult};
use toolchain::Toolchain;

/// The bench pipelines, in report order.
const PIPELINES: &[&str] = &[
    "bilateral_grid",
    "local_laplacian",
    "camera_pipe",
    "harris",
    "unsharp_mask",
    "gaussian_blur",
    "conv_net_block",
    "depthwise_separable_conv",
    "matmul",
    "histogram_equalize",
    "iir_blur",
    "max_filter",
    "nl_means",
    "long_stencil_chain_16",
    "long_stencil_chain",
    "deep_conv_net",
];

#[derive(Parser, Debug)]
#[command(about = "Benchmark Gcn against Halide's autoschedulers on bench/pipelines")]
struct Args {
    /// Pipelines to run (default: all).
    #[arg(long, value_delimiter = ',')]
    pipelines: Vec<String>,
    /// Autoschedulers to compare. `Gcn` runs with `--cost-model`; `Gcn-<model>` is Gcn with
    /// `cost_model=<model>` as one more contender (e.g. `Gcn-gcn`, the embedded trained GCN).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Gcn,Adams2019,Mullapudi2016,Li2018"
    )]
    schedulers: Vec<String>,
    /// Interleaved timing rounds.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Threads for the pipelines and `parallelism` for the schedulers (default: all cores).
    #[arg(long)]
    threads: Option<u32>,
    /// Beam size for Gcn and Adams2019.
    #[arg(long, default_value_t = 32)]
    beam_size: u32,
    /// Gcn's cost model.
    #[arg(long, default_value = "analytic")]
    cost_model: String,
    /// Time limit for one autoscheduling run, seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Instead of benchmarking: check Gcn's output against the reference at beam sizes 1, 4
    /// and 32 and under dropout sampling with seeds 1-5 (beam 1, random_dropout=50).
    #[arg(long)]
    sweep: bool,
    /// Instead of benchmarking the schedules: measure the GCN cost model's speed (states per
    /// second, and its share of the search on every pipeline) into
    /// docs/results/model_speed.md.
    #[arg(long)]
    model_speed: bool,
    /// Where the markdown report goes.
    #[arg(long, default_value = "docs/results/bench.md")]
    report: PathBuf,
}

fn scheduler_args(name: &str, args: &Args, threads: u32, tc: &Toolchain) -> Vec<String> {
    let autoscheduler = if report::is_gcn(name) { "Gcn" } else { name };
    let mut out = vec![
        "-p".to_string(),
        tc.plugin_of(autoscheduler).display().to_string(),
        format!("autoscheduler={autoscheduler}"),
        format!("autoscheduler.parallelism={threads}"),
    ];
    match name {
        "Gcn" => {
            out.push(format!("autoscheduler.beam_size={}", args.beam_size));
            out.push(format!("autoscheduler.cost_model={}", args.cost_model));
        }
        _ if name.starts_with("Gcn-") => {
            out.push(format!("autoscheduler.beam_size={}", args.beam_size));
            out.push(format!(
                "autoscheduler.cost_model={}",
                &name["Gcn-".len()..]
            ));
        }
        "Adams2019" => out.push(format!("autoscheduler.beam_size={}", args.beam_size)),
        _ => {}
    }
    out
}

fn generate(
    generator: &std::path::Path,
    pipeline: &str,
    dir: &std::path::Path,
    extra: &[String],
) -> Command {
    let mut cmd = Command::new(generator);
    cmd.args([
        "-g",
        pipeline,
        "-f",
        pipeline,
        "-e",
        "static_library,c_header,registration,schedule",
        "-o",
    ])
    .arg(dir)
    .arg("target=host-strict_float")
    .args(extra);
    cmd
}

/// Gcn's schedules at every search configuration, each checked against the reference.
fn sweep(
    tc: &Toolchain,
    generator: &std::path::Path,
    pipelines: &[String],
    threads: u32,
) -> Result<(), String> {
    let mut configs: Vec<Vec<String>> = ["1", "4", "32"]
        .iter()
        .map(|b| vec![format!("autoscheduler.beam_size={b}")])
        .collect();
    for seed in 1..=5 {
        configs.push(vec![
            "autoscheduler.beam_size=1".to_string(),
            "autoscheduler.random_dropout=50".to_string(),
            format!("autoscheduler.random_dropout_seed={seed}"),
        ]);
    }
    let mut failures = Vec::new();
    for pipeline in pipelines {
        let ref_dir = tc.work.join(pipeline).join("reference");
        std::fs::create_dir_all(&ref_dir).map_err(|e| e.to_string())?;
        process::run_checked(&mut generate(
            generator,
            pipeline,
            &ref_dir,
            &["reference=true".to_string()],
        ))?;
        let reference = outputs::run_outputs(&tc.runner(&ref_dir, pipeline)?, &ref_dir, 1)?;
        for (k, config) in configs.iter().enumerate() {
            let dir = tc.work.join(pipeline).join(format!("sweep-{k}"));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let mut extra = vec![
                "-p".to_string(),
                tc.gcn_plugin.display().to_string(),
                "autoscheduler=Gcn".to_string(),
                format!("autoscheduler.parallelism={threads}"),
            ];
            extra.extend(config.iter().cloned());
            let verdict = process::run_checked(&mut generate(generator, pipeline, &dir, &extra))
                .and_then(|_| tc.runner(&dir, pipeline))
                .and_then(|runner| outputs::run_outputs(&runner, &dir, 1))
                .map(|got| outputs::first_difference(&got, &reference));
            let line = match verdict {
                Ok(None) => "identical".to_string(),
                Ok(Some(diff)) => {
                    failures.push(format!("{pipeline} {config:?}: {diff}"));
                    format!("WRONG: {diff}")
                }
                Err(e) => {
                    failures.push(format!("{pipeline} {config:?}: {e}"));
                    "FAILED".to_string()
                }
            };
            println!("{pipeline} {}: {line}", config.join(" "));
        }
    }
    println!(
        "sweep: {} passed, {} failed",
        pipelines.len() * configs.len() - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let repo = std::env::current_dir().map_err(|e| e.to_string())?;
    let tc = Toolchain::locate(&repo, &repo.join("target/bench"), None)?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1)
    });
    let pipelines: Vec<String> = if args.pipelines.is_empty() {
        PIPELINES.iter().map(|s| s.to_string()).collect()
    } else {
        args.pipelines.clone()
    };
    eprintln!("bench: building the bench generators");
    let generator = tc.generator("bench/pipelines", "bench")?;
    if args.sweep {
        return sweep(&tc, &generator, &pipelines, threads);
    }
    if args.model_speed {
        return model_speed::run(
            &tc,
            &generator,
            &pipelines,
            threads,
            &repo.join("docs/results/model_speed.md"),
        );
    }

    let mut results: BTreeMap<String, PipelineResult> = BTreeMap::new();
    for pipeline in &pipelines {
        eprintln!("bench: {pipeline}: reference");
        let ref_dir = tc.work.join(pipeline).join("reference");
        std::fs::create_dir_all(&ref_dir).map_err(|e| e.to_string())?;
        process::run_checked(&mut generate(
            &generator,
            pipeline,
            &ref_dir,
            &["reference=true".to_string()],
        ))?;
        let reference = outputs::run_outputs(&tc.runner(&ref_dir, pipeline)?, &ref_dir, 1)?;
        let mut entry = PipelineResult::default();
        for scheduler in &args.schedulers {
            eprintln!("bench: {pipeline}: {scheduler}");
            let dir = tc.work.join(pipeline).join(scheduler);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let mut cmd = generate(
                &generator,
                pipeline,
                &dir,
                &scheduler_args(scheduler, args, threads, &tc),
            );
            let measured = run_measured(&mut cmd, Duration::from_secs(args.timeout));
            let mut result = SchedulerResult {
                schedule_seconds: measured.seconds,
                peak_rss_bytes: measured.peak_rss_bytes,
                failure: measured.failure,
                ..Default::default()
            };
            if result.failure.is_none() {
                match tc.runner(&dir, pipeline).and_then(|runner| {
                    let got = outputs::run_outputs(&runner, &dir, 1)?;
                    Ok((runner, got))
                }) {
                    Ok((runner, got)) => {
                        result.mismatch = outputs::first_difference(&got, &reference);
                        result.runner = Some(runner);
                    }
                    Err(e) => {
                        result.failure = Some(e.lines().last().unwrap_or_default().to_string())
                    }
                }
            }
            entry.schedulers.insert(scheduler.clone(), result);
        }
        results.insert(pipeline.clone(), entry);
    }

    for round in 1..=args.rounds {
        eprintln!("bench: timing round {round}/{}", args.rounds);
        for pipeline in &pipelines {
            let entry = results.get_mut(pipeline).unwrap();
            for scheduler in &args.schedulers {
                let result = entry.schedulers.get_mut(scheduler).unwrap();
                if let Some(runner) = &result.runner {
                    match timing::best_ms(runner, threads, timing::HARNESS_MIN_TIME_S) {
                        Ok(ms) => result.samples_ms.push(ms),
                        Err(e) => result.failure = Some(e),
                    }
                }
            }
        }
    }

    let commit =
        process::run_checked(Command::new("git").args(["describe", "--always", "--dirty"]))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string());
    let text = report::markdown(
        &pipelines,
        &args.schedulers,
        &results,
        threads,
        args.rounds,
        args.beam_size,
        &args.cost_model,
        &commit,
    );
    if let Some(parent) = args.report.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(&args.report, &text).map_err(|e| e.to_string())?;
    chart::draw(
        &args.report.with_extension("png"),
        &pipelines,
        &args.schedulers,
        &results,
    )?;
    println!("{text}");
    let mismatches = results
        .values()
        .flat_map(|r| r.schedulers.values())
        .filter(|s| s.mismatch.is_some())
        .count();
    if mismatches > 0 {
        return Err(format!(
            "{mismatches} schedules produced output different from the reference"
        ));
    }
    Ok(())
}
