//! The noise report: a fixed set of samples from a dataset (spread evenly over its run times),
//! each rebuilt from its ids (and checked to featurize exactly as recorded), then measured again
//! with the collector's own procedure several times in interleaved rounds. What it reports is
//! how much the *recorded* run time moves between measurements: per sample (slowest − fastest)
//! / fastest over the rounds, and the median of that over the samples.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::collect::{build_schedule, params_of_schedule_id, PipelineSpec};
use crate::dataset::{read_dataset, Sample};
use crate::measure::{measure, spread, Procedure};
use crate::timing::median;
use crate::toolchain::Toolchain;

pub struct NoiseCommand {
    pub data: PathBuf,
    pub samples: usize,
    pub rounds: usize,
    pub procedure: Procedure,
    pub work: PathBuf,
    /// The Gcn plugin that rebuilds the schedules (default: target/release's): the one the
    /// dataset was collected with, when the search has changed since.
    pub plugin: Option<PathBuf>,
    pub report: PathBuf,
    pub command_line: String,
}

/// Samples at evenly spaced ranks of run time (deterministic for a dataset).
pub fn pick_samples(samples: &[Sample], count: usize) -> Vec<&Sample> {
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by(|a, b| {
        a.run_time_ms
            .total_cmp(&b.run_time_ms)
            .then_with(|| a.key().cmp(&b.key()))
    });
    evenly_spaced(&sorted, count)
}

/// One re-measured sample.
pub struct Remeasured {
    pub pipeline: String,
    pub schedule: String,
    pub recorded_ms: f64,
    /// The recorded run time of each round.
    pub rounds_ms: Vec<f64>,
    /// Spread of the repeats within each round.
    pub repeat_spreads: Vec<f64>,
}

/// The generator of `spec`'s pipelines (built when its sources are newer).
pub fn generator_of(tc: &Toolchain, spec: &PipelineSpec) -> Result<PathBuf, String> {
    if spec.is_bench() {
        tc.generator("bench/pipelines", "bench")
    } else {
        tc.generator("tools/random_pipeline", "random")
    }
}

/// Items at `count` evenly spaced positions of `items`, the first and the last included (all
/// of them when there are no more than `count`).
pub fn evenly_spaced<T: Clone>(items: &[T], count: usize) -> Vec<T> {
    if items.len() <= count {
        return items.to_vec();
    }
    (0..count)
        .map(|k| items[k * (items.len() - 1) / (count - 1).max(1)].clone())
        .collect()
}

/// Builds `sample`'s schedule again from its ids into `dir` and checks that it featurizes
/// exactly as recorded (so it is the schedule that was measured); its runner.
pub fn rebuild_sample(tc: &Toolchain, sample: &Sample, dir: &Path) -> Result<PathBuf, String> {
    let spec = PipelineSpec::from_id(&sample.pipeline)?;
    let generator = generator_of(tc, &spec)?;
    let params = params_of_schedule_id(&sample.schedule)?;
    let runner = build_schedule(tc, &generator, &spec, dir, &params, sample.threads)?;
    let rebuilt = std::fs::read(dir.join(format!("{}.featurization", spec.generator_name)))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    if rebuilt != sample.featurization {
        return Err(format!(
            "`{} | {}` no longer builds the schedule that was recorded (its featurization \
             differs): the plugin or the generator changed since the dataset was collected",
            sample.pipeline, sample.schedule
        ));
    }
    Ok(runner)
}

pub fn run_noise(repo: &Path, cmd: &NoiseCommand) -> Result<(Vec<Remeasured>, f64), String> {
    if cmd.samples == 0 || cmd.rounds < 2 {
        return Err("the noise report needs at least 1 sample and 2 rounds".into());
    }
    let all = read_dataset(&cmd.data)?;
    if all.is_empty() {
        return Err(format!(
            "{}: the dataset has no samples",
            cmd.data.display()
        ));
    }
    let chosen = pick_samples(&all, cmd.samples);
    let tc = Toolchain::locate(repo, &cmd.work, cmd.plugin.as_deref())?;
    let mut runners = Vec::new();
    for (k, sample) in chosen.iter().enumerate() {
        runners.push(rebuild_sample(
            &tc,
            sample,
            &cmd.work.join(format!("noise-{k}")),
        )?);
    }
    let mut results: Vec<Remeasured> = chosen
        .iter()
        .map(|s| Remeasured {
            pipeline: s.pipeline.clone(),
            schedule: s.schedule.clone(),
            recorded_ms: s.run_time_ms,
            rounds_ms: Vec::new(),
            repeat_spreads: Vec::new(),
        })
        .collect();
    for round in 0..cmd.rounds {
        for (k, runner) in runners.iter().enumerate() {
            eprint!(
                "\rnoise: round {}/{}, sample {}/{}   ",
                round + 1,
                cmd.rounds,
                k + 1,
                runners.len()
            );
            let procedure = Procedure {
                threads: chosen[k].threads,
                ..cmd.procedure
            };
            let recorded = measure(runner, &procedure, &mut |_| {})?.ok_or_else(|| {
                format!(
                    "`{} | {}` is too slow to benchmark now",
                    chosen[k].pipeline, chosen[k].schedule
                )
            })?;
            results[k].rounds_ms.push(recorded.run_time_ms);
            results[k].repeat_spreads.push(recorded.spread);
        }
    }
    eprintln!();
    let spreads: Vec<f64> = results.iter().map(|r| spread(&r.rounds_ms)).collect();
    Ok((results, median(&spreads)))
}

/// The markdown report.
pub fn noise_report(cmd: &NoiseCommand, results: &[Remeasured], median_spread: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Measurement noise of the collector\n");
    let _ = writeln!(
        out,
        "Written by `{}`. {} samples of `{}` (at evenly spaced ranks of run time), each \
         rebuilt from its ids (featurization identical to the recorded one) and measured {} \
         times with the collector's procedure (a warm-up, then {} timed RunGen processes of \
         `--benchmark_min_time={}` — 2 for runs over 200 ms — measured again when they spread over {:.0}%, at each sample's \
         recorded thread count, on a machine checked to be quiet), the samples interleaved \
         round by round. A measurement's recorded run time is its fastest run.\n",
        cmd.command_line,
        results.len(),
        cmd.data.display(),
        cmd.rounds,
        cmd.procedure.repeats,
        cmd.procedure.min_time_s,
        100.0 * cmd.procedure.noise_threshold
    );
    let over = results
        .iter()
        .filter(|r| spread(&r.rounds_ms) > 0.03)
        .count();
    let _ = writeln!(
        out,
        "**Median relative spread of the recorded run time: {:.2}%** (target ≤ 3%: {}); {} of \
         {} samples above 3%. Median spread of the repeats within one measurement: {:.2}%.\n",
        100.0 * median_spread,
        if median_spread <= 0.03 {
            "met"
        } else {
            "**not met**"
        },
        over,
        results.len(),
        100.0
            * median(
                &results
                    .iter()
                    .flat_map(|r| r.repeat_spreads.iter().copied())
                    .collect::<Vec<_>>()
            )
    );
    let _ = writeln!(
        out,
        "| pipeline | schedule | in the dataset (ms) | measured (ms) | spread |\n|---|---|---|---|---|"
    );
    for r in results {
        let rounds: Vec<String> = r.rounds_ms.iter().map(|t| format!("{t:.4}")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {:.4} | {} | {:.2}% |",
            r.pipeline,
            r.schedule,
            r.recorded_ms,
            rounds.join(", "),
            100.0 * spread(&r.rounds_ms)
        );
    }
    out
}
