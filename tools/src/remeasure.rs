//! How well a dataset's measurements rank schedules against a fresh measurement of the same
//! schedules: every schedule of a few whole pipelines rebuilt from its ids and measured again
//! with the collector's procedure, then the recorded run times scored as if they were a cost
//! model's predictions (Kendall τ within each pipeline, top-1 regret, relative change). No
//! model trained on these measurements can be expected to rank a new measurement better: it is
//! the ceiling that noise puts on the cost model's targets.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::collect::PipelineSpec;
use crate::dataset::{read_dataset, Sample};
use crate::measure::{measure, Procedure};
use crate::metrics::{kendall_tau, top1_regret};
use crate::noise::{evenly_spaced, generator_of, rebuild_sample};
use crate::process::map_in_parallel;
use crate::timing::{geomean, median};
use crate::toolchain::Toolchain;

pub struct RemeasureCommand {
    pub data: PathBuf,
    /// Whole pipelines to measure again.
    pub pipelines: usize,
    /// Schedules compiled at once.
    pub jobs: usize,
    pub procedure: Procedure,
    pub work: PathBuf,
    /// The Gcn plugin that rebuilds the schedules (the dataset's collector's).
    pub plugin: Option<PathBuf>,
    pub report: PathBuf,
    pub command_line: String,
}

/// One pipeline measured again.
pub struct RemeasuredPipeline {
    pub pipeline: String,
    /// (schedule, recorded ms, measured again ms), in the dataset's order.
    pub schedules: Vec<(String, f64, f64)>,
}

impl RemeasuredPipeline {
    fn recorded(&self) -> Vec<f64> {
        self.schedules.iter().map(|s| s.1).collect()
    }

    fn again(&self) -> Vec<f64> {
        self.schedules.iter().map(|s| s.2).collect()
    }

    /// Kendall τ of the recorded times against the new ones.
    pub fn tau(&self) -> Option<f64> {
        kendall_tau(&self.recorded(), &self.again())
    }

    /// New time of the recorded favourite over the new best.
    pub fn regret(&self) -> Option<f64> {
        top1_regret(&self.recorded(), &self.again())
    }

    /// Median of |new − recorded| / recorded.
    pub fn median_change(&self) -> f64 {
        median(
            &self
                .schedules
                .iter()
                .map(|(_, r, a)| (a - r).abs() / r)
                .collect::<Vec<_>>(),
        )
    }
}

/// `count` pipelines at evenly spaced positions of the dataset's pipelines in id order
/// (deterministic for a dataset), each with its samples in file order.
pub fn pick_pipelines(samples: &[Sample], count: usize) -> Vec<Vec<&Sample>> {
    let mut by_pipeline: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        by_pipeline
            .entry(&sample.pipeline)
            .or_default()
            .push(sample);
    }
    let all: Vec<Vec<&Sample>> = by_pipeline.into_values().collect();
    evenly_spaced(&all, count)
}

pub fn run_remeasure(
    repo: &Path,
    cmd: &RemeasureCommand,
) -> Result<Vec<RemeasuredPipeline>, String> {
    if cmd.pipelines == 0 {
        return Err("--pipelines must be at least 1".into());
    }
    let all = read_dataset(&cmd.data)?;
    if all.is_empty() {
        return Err(format!(
            "{}: the dataset has no samples",
            cmd.data.display()
        ));
    }
    let tc = Toolchain::locate(repo, &cmd.work, cmd.plugin.as_deref())?;
    let mut results = Vec::new();
    for (k, samples) in pick_pipelines(&all, cmd.pipelines).iter().enumerate() {
        let pipeline = &samples[0].pipeline;
        // Built once here, so that the parallel builds below find it up to date.
        generator_of(&tc, &PipelineSpec::from_id(pipeline)?)?;
        eprintln!(
            "remeasure: {pipeline}: building {} schedules",
            samples.len()
        );
        let root = cmd.work.join(format!("pipeline-{k}"));
        let runners = map_in_parallel(samples, cmd.jobs, |j, sample| {
            rebuild_sample(&tc, sample, &root.join(format!("schedule-{j}")))
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        let mut schedules = Vec::with_capacity(samples.len());
        for (j, (sample, runner)) in samples.iter().zip(&runners).enumerate() {
            eprint!(
                "\rremeasure: {pipeline}: measuring {}/{}   ",
                j + 1,
                samples.len()
            );
            let procedure = Procedure {
                threads: sample.threads,
                ..cmd.procedure
            };
            let again = measure(runner, &procedure, &mut |_| {})?.ok_or_else(|| {
                format!(
                    "`{} | {}` is too slow to benchmark now",
                    sample.pipeline, sample.schedule
                )
            })?;
            schedules.push((
                sample.schedule.clone(),
                sample.run_time_ms,
                again.run_time_ms,
            ));
        }
        eprintln!();
        let _ = std::fs::remove_dir_all(&root);
        results.push(RemeasuredPipeline {
            pipeline: pipeline.clone(),
            schedules,
        });
    }
    Ok(results)
}

/// The markdown report.
pub fn remeasure_report(cmd: &RemeasureCommand, results: &[RemeasuredPipeline]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# How well the measurements rank against themselves\n");
    let _ = writeln!(
        out,
        "Written by `{}`. Every schedule of {} pipelines of `{}` (at evenly spaced positions in \
         id order), rebuilt from its ids (featurization identical to the recorded one) and \
         measured once more with the collector's procedure ({} timed RunGen processes of \
         `--benchmark_min_time={}`, measured again when they spread over {:.0}%, on a machine \
         checked to be quiet), one pipeline's schedules one after another as the collector \
         measures them. The recorded run times are then scored as a cost model's predictions of \
         the new ones: a model that learned the dataset perfectly would score about this on a \
         new measurement, so these figures bound what the cost model's targets can show here.\n",
        cmd.command_line,
        results.len(),
        cmd.data.display(),
        cmd.procedure.repeats,
        cmd.procedure.min_time_s,
        100.0 * cmd.procedure.noise_threshold
    );
    let taus: Vec<f64> = results.iter().filter_map(|r| r.tau()).collect();
    let regrets: Vec<f64> = results.iter().filter_map(|r| r.regret()).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let _ = writeln!(
        out,
        "**Mean Kendall τ of the recorded against the new run times: {:.3}**; top-1 regret \
         (new time of the recorded fastest over the new fastest): mean {:.3}, geomean {:.3}, \
         worst {:.3}.\n",
        mean(&taus),
        mean(&regrets),
        geomean(&regrets),
        regrets.iter().copied().fold(f64::NAN, f64::max)
    );
    let _ = writeln!(
        out,
        "| pipeline | schedules | Kendall τ | top-1 regret | median change | recorded (ms) \
         fastest–slowest |\n|---|---|---|---|---|---|"
    );
    for r in results {
        let recorded = r.recorded();
        let fmt = |v: Option<f64>| v.map_or("–".to_string(), |x| format!("{x:.3}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1}% | {:.4}–{:.4} |",
            r.pipeline,
            r.schedules.len(),
            fmt(r.tau()),
            fmt(r.regret()),
            100.0 * r.median_change(),
            recorded.iter().copied().fold(f64::INFINITY, f64::min),
            recorded.iter().copied().fold(0.0, f64::max)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pipeline: &str, schedule: &str) -> Sample {
        Sample {
            pipeline: pipeline.into(),
            schedule: schedule.into(),
            run_time_ms: 1.0,
            median_ms: 1.0,
            spread: 0.0,
            repeats: 7,
            threads: 2,
            noisy: false,
            machine: "m".into(),
            featurization: Vec::new(),
        }
    }

    #[test]
    fn pipelines_are_picked_whole_and_evenly_in_id_order() {
        let mut samples = Vec::new();
        for s in ["a", "b"] {
            for p in [3, 0, 4, 1, 2] {
                samples.push(sample(&format!("random_pipeline seed={p}"), s));
            }
        }
        let picked = pick_pipelines(&samples, 3);
        let ids: Vec<&str> = picked.iter().map(|p| p[0].pipeline.as_str()).collect();
        assert_eq!(
            ids,
            [
                "random_pipeline seed=0",
                "random_pipeline seed=2",
                "random_pipeline seed=4"
            ]
        );
        for p in &picked {
            let schedules: Vec<&str> = p.iter().map(|s| s.schedule.as_str()).collect();
            assert_eq!(schedules, ["a", "b"]);
        }
        assert_eq!(pick_pipelines(&samples, 9).len(), 5);
    }

    #[test]
    fn the_recorded_times_are_scored_as_predictions_of_the_new_ones() {
        let r = RemeasuredPipeline {
            pipeline: "p".into(),
            schedules: vec![
                ("a".into(), 1.0, 1.3),
                ("b".into(), 2.0, 1.2),
                ("c".into(), 3.0, 3.3),
            ],
        };
        // Pairs: (a, b) flipped, (a, c) and (b, c) kept: (2 − 1) / 3.
        assert!((r.tau().unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // The recorded favourite a now takes 1.3, the new best 1.2.
        assert!((r.regret().unwrap() - 1.3 / 1.2).abs() < 1e-12);
        assert!((r.median_change() - 0.3).abs() < 1e-12);
    }
}
