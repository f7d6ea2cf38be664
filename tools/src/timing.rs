//! Benchmarking runners under RunGen: best time per run of `--benchmarks=all` at a fixed
//! thread count (the benchmark repeats it in interleaved rounds, the collector back to back),
//! and the statistics both report.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::{run_checked, run_checked_within};

/// RunGen's `--benchmark_min_time` of the benchmark harness (seconds).
pub const HARNESS_MIN_TIME_S: f64 = 0.1;

fn benchmark_command(runner: &Path, threads: u32, min_time_s: f64) -> Command {
    let mut cmd = Command::new(runner);
    cmd.env("HL_NUM_THREADS", threads.to_string())
        .args(["--benchmarks=all", "--estimate_all", "--parsable_output"])
        .arg(format!("--benchmark_min_time={min_time_s}"));
    cmd
}

fn parse_best_ms(out: &str) -> Result<f64, String> {
    out.lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            words.next()?;
            (words.next()? == "BEST_TIME_MSEC_PER_ITER").then(|| words.next()?.parse().ok())?
        })
        .ok_or_else(|| format!("no BEST_TIME_MSEC_PER_ITER in:\n{out}"))
}

/// Best milliseconds per iteration of one RunGen benchmark run (RunGen runs the pipeline at
/// least three times, and for at least `min_time_s` seconds).
pub fn best_ms(runner: &Path, threads: u32, min_time_s: f64) -> Result<f64, String> {
    parse_best_ms(&run_checked(&mut benchmark_command(
        runner, threads, min_time_s,
    ))?)
}

/// As [`best_ms`], or `None` when the RunGen process took longer than `limit` (it runs the
/// pipeline at least three times).
pub fn best_ms_within(
    runner: &Path,
    threads: u32,
    min_time_s: f64,
    limit: Duration,
) -> Result<Option<f64>, String> {
    match run_checked_within(&mut benchmark_command(runner, threads, min_time_s), limit)? {
        Some(out) => parse_best_ms(&out).map(Some),
        None => Ok(None),
    }
}

pub fn min(samples: &[f64]) -> f64 {
    samples.iter().copied().fold(f64::INFINITY, f64::min)
}

pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Geometric mean of positive values (NaN if none).
pub fn geomean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp()
}
