//! `bench --model-speed`: how fast the GCN cost model is, written to
//! docs/results/model_speed.md.
//!
//! 1. States per second of the embedded model through the plugin's own evaluator (tract,
//!    specialized per N) for N ∈ {8, 32, 128} stages and batches B ∈ {1, 32, 256}: one batch
//!    repeated until half a second has passed, best of three such runs.
//! 2. On every bench pipeline, autoscheduling at beam 32 with `cost_model=analytic` and with
//!    `cost_model=gcn` (schedule only, nothing compiled), the search time each reports and the
//!    share of the GCN search spent in the model (HL_DEBUG_AUTOSCHEDULE=1 log line).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use autoschedule_gcn::gcn_evaluator::GcnEvaluator;
use autoschedule_gcn::model_file::{load, ModelSource};

use halide_gcn_tools::process;
use halide_gcn_tools::toolchain::Toolchain;

/// States per second for one (N, B).
fn states_per_second(n: usize, b: usize) -> Result<f64, String> {
    let model = load(&ModelSource::Embedded).map_err(|e| e.to_string())?;
    let p = model.normalization.pipeline.len();
    let s = model.normalization.schedule.len();
    let mut evaluator = GcnEvaluator::new(Arc::clone(&model));
    let mut adjacency = vec![0.0; n * n];
    for j in 1..n {
        adjacency[(j - 1) * n + j] = 1.0;
        if j >= 3 {
            adjacency[(j - 3) * n + j] = 1.0;
        }
    }
    let pipeline: Vec<f32> = (0..n * p).map(|i| (i % 13) as f32 * 10.0).collect();
    evaluator
        .set_pipeline(n, &adjacency, &pipeline)
        .map_err(|e| e.to_string())?;
    let states: Vec<Vec<f32>> = (0..b)
        .map(|k| {
            (0..n * s)
                .map(|i| ((i * 7 + k) % 31) as f32 * 100.0)
                .collect()
        })
        .collect();
    let mut best: f64 = 0.0;
    for _ in 0..3 {
        let start = Instant::now();
        let mut done = 0usize;
        while start.elapsed() < Duration::from_millis(500) {
            for state in &states {
                evaluator.enqueue(state).map_err(|e| e.to_string())?;
            }
            evaluator.evaluate().map_err(|e| e.to_string())?;
            done += b;
        }
        best = best.max(done as f64 / start.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// (search seconds, seconds in the model) from a Gcn log line.
fn parse_search_log(log: &str) -> Option<(f64, Option<f64>)> {
    let line = log
        .lines()
        .find(|l| l.starts_with("Gcn: ") && l.contains("cost_model="))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    // "... cost_model=analytic: search S s"
    if let Some(at) = words.iter().position(|w| *w == "cost_model=analytic:") {
        return Some((words.get(at + 2)?.parse().ok()?, None));
    }
    // "... (description): M s of the S s search in the model"
    let of = words.windows(3).position(|w| w[1] == "s" && w[2] == "of")?;
    let model: f64 = words[of].parse().ok()?;
    let search: f64 = words.get(of + 4)?.parse().ok()?;
    Some((search, Some(model)))
}

fn search_time(
    generator: &Path,
    tc: &Toolchain,
    pipeline: &str,
    cost_model: &str,
    threads: u32,
) -> Result<(f64, Option<f64>), String> {
    let dir = tc.work.join(pipeline).join(format!("speed-{cost_model}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // The search logs its line when it is done; what Halide does next with the schedule
    // (an untrained model may inline a whole pyramid) is not part of the measurement.
    let mut child = Command::new(generator)
        .args(["-g", pipeline, "-f", pipeline, "-e", "schedule", "-o"])
        .arg(&dir)
        .arg("target=host-strict_float")
        .arg("-p")
        .arg(&tc.gcn_plugin)
        .args([
            "autoscheduler=Gcn".to_string(),
            format!("autoscheduler.parallelism={threads}"),
            "autoscheduler.beam_size=32".to_string(),
            format!("autoscheduler.cost_model={cost_model}"),
        ])
        .env("HL_DEBUG_AUTOSCHEDULE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stderr = child.stderr.take().expect("piped");
    let mut log = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| e.to_string())?;
        log.push_str(&line);
        log.push('\n');
        if line.starts_with("Gcn: ") && line.contains("cost_model=") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    parse_search_log(&log).ok_or_else(|| format!("no search time in the log of {pipeline}"))
}

/// Measures and writes the report.
pub fn run(
    tc: &Toolchain,
    generator: &Path,
    pipelines: &[String],
    threads: u32,
    report: &Path,
) -> Result<(), String> {
    let commit =
        process::run_checked(Command::new("git").args(["describe", "--always", "--dirty"]))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
    let description = load(&ModelSource::Embedded)
        .map(|m| m.description.clone())
        .map_err(|e| e.to_string())?;
    let mut text = format!(
        "# Cost model speed\n\nMeasured by `bash scripts/bench.sh --model-speed` at commit {commit} \
         on this machine (release build). Model: the embedded `models/gcn.onnx` ({description}). \
         The search runs one thread; so does tract.\n\n\
         ## States per second (tract, plan specialized per N)\n\n| N stages | B=1 | B=32 | B=256 |\n|---|---|---|---|\n"
    );
    for n in [8, 32, 128] {
        let mut row = format!("| {n} |");
        for b in [1, 32, 256] {
            eprintln!("bench: model speed N={n} B={b}");
            row += &format!(" {:.0} |", states_per_second(n, b)?);
        }
        text += &row;
        text.push('\n');
    }
    text += "\n## Autoscheduling at beam 32: analytic against GCN search\n\n\
             | pipeline | analytic search s | GCN search s | GCN / analytic | share of the GCN search in the model |\n|---|---|---|---|---|\n";
    let mut ratios = Vec::new();
    for pipeline in pipelines {
        eprintln!("bench: search time {pipeline}");
        let analytic = search_time(generator, tc, pipeline, "analytic", threads);
        let gcn = search_time(generator, tc, pipeline, "gcn", threads);
        match (analytic, gcn) {
            (Ok((a, _)), Ok((g, Some(m)))) => {
                ratios.push(g / a.max(1e-9));
                text += &format!(
                    "| {pipeline} | {a:.2} | {g:.2} | {:.2} | {:.0}% |\n",
                    g / a.max(1e-9),
                    100.0 * m / g.max(1e-9)
                );
            }
            (a, g) => text += &format!("| {pipeline} | {a:?} | {g:?} | - | - |\n"),
        }
    }
    if !ratios.is_empty() {
        let geomean = halide_gcn_tools::timing::geomean(&ratios);
        text += &format!("| **geomean** | | | **{geomean:.2}** | |\n");
    }
    std::fs::write(report, &text).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
