//! The benchmark report: per pipeline and scheduler, the run time (min and median of the
//! interleaved rounds), the ratio of Gcn to each other scheduler and to the best of them, the
//! autoscheduling time and peak memory, and whether the output matched the reference; geomeans
//! at the bottom.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use halide_gcn_tools::timing::{geomean, median, min};

fn fmt_geomean(values: Option<&Vec<f64>>, unit: &str) -> String {
    match values {
        Some(v) if !v.is_empty() => format!("**{:.2}{unit}**", geomean(v)),
        _ => "-".to_string(),
    }
}

/// One scheduler on one pipeline.
#[derive(Debug, Clone, Default)]
pub struct SchedulerResult {
    pub schedule_seconds: f64,
    pub peak_rss_bytes: u64,
    pub failure: Option<String>,
    pub mismatch: Option<String>,
    pub runner: Option<PathBuf>,
    pub samples_ms: Vec<f64>,
}

impl SchedulerResult {
    pub fn best_ms(&self) -> Option<f64> {
        (self.failure.is_none() && self.mismatch.is_none() && !self.samples_ms.is_empty())
            .then(|| min(&self.samples_ms))
    }
}

/// Every scheduler on one pipeline.
#[derive(Debug, Clone, Default)]
pub struct PipelineResult {
    pub schedulers: BTreeMap<String, SchedulerResult>,
}

fn cell_time(r: &SchedulerResult) -> String {
    match (&r.failure, &r.mismatch, r.best_ms()) {
        (Some(f), _, _) => format!(
            "failed: {}",
            f.chars().take(60).collect::<String>().replace('|', "/")
        ),
        (_, Some(m), _) => format!("WRONG: {m}"),
        (_, _, Some(best)) => format!("{best:.3} ({:.3})", median(&r.samples_ms)),
        _ => "-".to_string(),
    }
}

/// Our autoscheduler under the run's cost model (`Gcn`) or a named one (`Gcn-gcn`, ...).
pub fn is_gcn(scheduler: &str) -> bool {
    scheduler == "Gcn" || scheduler.starts_with("Gcn-")
}

/// The report as markdown.
pub fn markdown(
    pipelines: &[String],
    schedulers: &[String],
    results: &BTreeMap<String, PipelineResult>,
    threads: u32,
    rounds: usize,
    beam_size: u32,
    cost_model: &str,
    commit: &str,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark: Gcn against Halide's autoschedulers\n");
    let _ = writeln!(
        md,
        "Measured by `bash scripts/bench.sh` at commit {commit} on this machine: target host-strict_float, {threads} threads and \
         `parallelism={threads}` for every scheduler, Gcn with `cost_model={cost_model}` (`Gcn-<name>`: with `cost_model=<name>`) and beam {beam_size} \
         (Adams2019 with the same beam), {rounds} interleaved timing rounds of RunGen `--benchmarks=all`. \
         Times are milliseconds, best of the rounds (median in parentheses). Every schedule's output was \
         compared byte for byte with the reference (every Func at root).\n"
    );
    // Each Gcn contender (`Gcn`, and `Gcn-<cost model>` when asked for) against each of
    // Halide's autoschedulers and against the best of them.
    let gcns: Vec<&String> = schedulers.iter().filter(|s| is_gcn(s)).collect();
    let others: Vec<&String> = schedulers.iter().filter(|s| !is_gcn(s)).collect();
    let mut columns: Vec<(String, &String, Option<&String>)> = Vec::new();
    for g in &gcns {
        for o in &others {
            columns.push((format!("{g}/{o}"), g, Some(o)));
        }
        columns.push((format!("{g}/best"), g, None));
    }
    let _ = write!(md, "| pipeline |");
    for s in schedulers {
        let _ = write!(md, " {s} ms |");
    }
    for (name, _, _) in &columns {
        let _ = write!(md, " {name} |");
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "|{}",
        "---|".repeat(1 + schedulers.len() + columns.len())
    );
    let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for p in pipelines {
        let Some(r) = results.get(p) else { continue };
        let _ = write!(md, "| {p} |");
        for s in schedulers {
            let _ = write!(
                md,
                " {} |",
                r.schedulers.get(s).map(cell_time).unwrap_or_default()
            );
        }
        let best_ms = |s: &String| r.schedulers.get(s).and_then(SchedulerResult::best_ms);
        let best_other = others
            .iter()
            .filter_map(|o| best_ms(o))
            .fold(f64::INFINITY, f64::min);
        for (name, g, o) in &columns {
            let other = match o {
                Some(o) => best_ms(o),
                None => best_other.is_finite().then_some(best_other),
            };
            match (best_ms(g), other) {
                (Some(g), Some(o)) => {
                    ratios.entry(name.clone()).or_default().push(g / o);
                    let _ = write!(md, " {:.2} |", g / o);
                }
                _ => {
                    let _ = write!(md, " - |");
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = write!(md, "| **geomean** |{}", " |".repeat(schedulers.len()));
    for (name, _, _) in &columns {
        let _ = write!(md, " {} |", fmt_geomean(ratios.get(name), ""));
    }
    let _ = writeln!(md, "\n");
    let _ = writeln!(md, "Ratios below 1 mean Gcn's code is faster.\n");
    let _ = writeln!(
        md,
        "![run time relative to the fastest scheduler](bench.png)\n"
    );

    let _ = writeln!(
        md,
        "## Autoscheduling time (s) and peak memory (MiB) of the generator run\n"
    );
    let _ = write!(md, "| pipeline |");
    for s in schedulers {
        let _ = write!(md, " {s} |");
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "|{}", "---|".repeat(1 + schedulers.len()));
    let mut times: BTreeMap<&String, Vec<f64>> = BTreeMap::new();
    for p in pipelines {
        let Some(r) = results.get(p) else { continue };
        let _ = write!(md, "| {p} |");
        for s in schedulers {
            match r.schedulers.get(s) {
                Some(x) if x.failure.is_none() => {
                    times.entry(s).or_default().push(x.schedule_seconds);
                    let _ = write!(
                        md,
                        " {:.2} s, {:.0} MiB |",
                        x.schedule_seconds,
                        x.peak_rss_bytes as f64 / (1 << 20) as f64
                    );
                }
                Some(x) => {
                    let _ = write!(md, " failed after {:.1} s |", x.schedule_seconds);
                }
                None => {
                    let _ = write!(md, " - |");
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = write!(md, "| **geomean** |");
    for s in schedulers {
        let _ = write!(md, " {} |", fmt_geomean(times.get(s), " s"));
    }
    let _ = writeln!(
        md,
        "\n\nThe generator run includes compiling the pipeline; all schedulers pay that alike."
    );
    md
}
