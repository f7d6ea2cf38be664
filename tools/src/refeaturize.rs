//! The `refeaturize` command: a dataset's measurements kept, its featurizations made again by
//! the current plugin. Measuring takes hours, featurizing a schedule a second: when the plugin
//! gains feature columns, the dataset gains them too without benchmarking anything again.
//!
//! A featurization of version 2 or later records its loop nest: the generator applies it again
//! (`autoscheduler.loop_nest`, `-e featurization` only: nothing is compiled), so the schedule is
//! the one measured by construction and the features may have changed definition since: every
//! column whose values moved is reported ([`RefeaturizeSummary::redefined`]), the stages and
//! edges must stay the same.
//!
//! An older sample has no nest. Its schedule id names the Gcn parameters that produced it and
//! the search is deterministic, so rerunning the generator with them rebuilds the schedule that
//! was measured — as long as the search has not changed. Such a rebuilt featurization is
//! checked against the recorded one ([`carries_over`]): the same stages and edges, and every
//! recorded column present with the same values. A sample that fails the check measured some
//! other schedule than the one rebuilt; it is reported and left out. Rebuilt, it gains its nest.
//! Like the collector it appends to its output and resumes where a killed run stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use autoschedule_gcn::featurization::Featurization;
use indicatif::{ProgressBar, ProgressStyle};

use crate::collect::{generate, params_of_schedule_id, PipelineSpec};
use crate::dataset::{read_dataset, DatasetWriter, Sample};
use crate::process::run_measured;
use crate::toolchain::Toolchain;

/// A search plus Halide's front end on a big random pipeline takes seconds; far longer means
/// something hangs.
const GENERATOR_LIMIT: Duration = Duration::from_secs(5 * 60);

pub struct RefeaturizeCommand {
    pub data: Vec<PathBuf>,
    pub out: PathBuf,
    /// The Gcn plugin that featurizes (default: target/release's).
    pub plugin: Option<PathBuf>,
    pub work: PathBuf,
    /// Generator runs at once.
    pub jobs: usize,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefeaturizeSummary {
    /// Samples already in the output when it started.
    pub already_done: usize,
    /// Rebuilt and written, with the same columns and values as recorded.
    pub unchanged: usize,
    /// Rebuilt and written with columns the recorded featurization lacked, or (under a recorded
    /// nest) with changed values.
    pub updated: usize,
    /// Of the rebuilt samples, those whose recorded loop nest was applied (the others were
    /// searched for again).
    pub from_nest: usize,
    /// Columns (`pipeline`/`schedule` and name) whose values changed under a recorded nest, and
    /// in how many samples: the columns whose definition changed since the sample was recorded.
    pub redefined: BTreeMap<String, usize>,
    /// (pipeline, schedule, why) of the samples left out.
    pub failed: Vec<(String, String, String)>,
}

/// How a rebuilt featurization differs from the recorded one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The rebuilt one has columns the recorded one lacks.
    pub extended: bool,
    /// Recorded columns (`group name`) with some stage's value changed, with the first change.
    pub changed: Vec<(String, String)>,
}

/// Compares `new` with the recorded `old`: the same stages (names, Funcs, stage indices) and
/// edges, each of `old`'s columns still computed; which columns gained or changed values.
pub fn compare(old: &Featurization, new: &Featurization) -> Result<Comparison, String> {
    if old.stages.len() != new.stages.len() {
        return Err(format!(
            "{} stages recorded, {} rebuilt",
            old.stages.len(),
            new.stages.len()
        ));
    }
    for (a, b) in old.stages.iter().zip(&new.stages) {
        if (&a.name, a.func, a.stage_index) != (&b.name, b.func, b.stage_index) {
            return Err(format!(
                "stage `{}` recorded where `{}` is rebuilt",
                a.name, b.name
            ));
        }
    }
    if old.edges != new.edges {
        return Err("the stage graph's edges differ".into());
    }
    let mut comparison = Comparison::default();
    for (group, old_names, new_names, row) in [
        (
            "pipeline",
            &old.pipeline_feature_names,
            &new.pipeline_feature_names,
            (|s| &s.pipeline_features)
                as fn(&autoschedule_gcn::featurization::StageRecord) -> &Vec<f32>,
        ),
        (
            "schedule",
            &old.schedule_feature_names,
            &new.schedule_feature_names,
            |s| &s.schedule_features,
        ),
    ] {
        comparison.extended |= new_names.iter().any(|n| !old_names.contains(n));
        for (i, name) in old_names.iter().enumerate() {
            let Some(j) = new_names.iter().position(|n| n == name) else {
                return Err(format!("{group} feature `{name}` is no longer computed"));
            };
            let first_change = old.stages.iter().zip(&new.stages).find_map(|(a, b)| {
                let (x, y) = (row(a)[i], row(b)[j]);
                (x.to_bits() != y.to_bits())
                    .then(|| format!("`{name}` of stage `{}`: {x} recorded, {y} rebuilt", a.name))
            });
            if let Some(change) = first_change {
                comparison.changed.push((format!("{group} {name}"), change));
            }
        }
    }
    Ok(comparison)
}

/// Checks that `new` describes the schedule `old` was recorded for (as [`compare`], and every
/// recorded value unchanged). `Ok(true)` when `new` has columns `old` lacks.
pub fn carries_over(old: &Featurization, new: &Featurization) -> Result<bool, String> {
    let comparison = compare(old, new)?;
    match comparison.changed.first() {
        Some((group_name, change)) => {
            let group = group_name.split(' ').next().unwrap_or_default();
            Err(format!("{group} feature {change}"))
        }
        None => Ok(comparison.extended),
    }
}

/// Featurizes `sample`'s schedule again in `dir`: from its recorded loop nest (`nest`), or
/// searched for again from its schedule id when it has none.
fn rebuild(
    tc: &Toolchain,
    generators: &Generators,
    sample: &Sample,
    nest: Option<&str>,
    dir: &Path,
) -> Result<Vec<u8>, String> {
    let spec = PipelineSpec::from_id(&sample.pipeline)?;
    let generator = if spec.is_bench() {
        &generators.bench
    } else {
        &generators.random
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let output = dir.join(format!("{}.featurization", spec.generator_name));
    let _ = std::fs::remove_file(&output);
    let mut extra = vec![
        "-p".to_string(),
        tc.gcn_plugin.display().to_string(),
        "autoscheduler=Gcn".to_string(),
        format!("autoscheduler.parallelism={}", sample.threads),
    ];
    match nest {
        Some(text) => {
            let path = dir.join("recorded.nest");
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            extra.push(format!("autoscheduler.loop_nest={}", path.display()));
        }
        None => extra.extend(
            params_of_schedule_id(&sample.schedule)?
                .iter()
                .map(|(k, v)| format!("autoscheduler.{k}={v}")),
        ),
    }
    let run = run_measured(
        &mut generate(generator, &spec, dir, "featurization", &extra),
        GENERATOR_LIMIT,
    );
    if let Some(failure) = run.failure {
        return Err(format!("the generator failed: {failure}"));
    }
    std::fs::read(&output).map_err(|e| format!("{}: {e}", output.display()))
}

/// A sample featurized again.
struct Rebuilt {
    sample: Sample,
    comparison: Comparison,
    from_nest: bool,
}

/// Featurizes `sample` again and checks the result against the recorded featurization: under
/// its recorded nest only the stage graph must match (values may change with the features'
/// definitions); searched for again, every recorded value must match too.
fn refeaturize_one(
    tc: &Toolchain,
    generators: &Generators,
    sample: &Sample,
    dir: &Path,
) -> Result<Rebuilt, String> {
    let old = Featurization::from_bytes(&sample.featurization)
        .map_err(|e| format!("the recorded featurization: {e}"))?;
    let nest = (!old.loop_nest.is_empty()).then_some(old.loop_nest.as_str());
    let rebuilt = rebuild(tc, generators, sample, nest, dir)?;
    let new = Featurization::from_bytes(&rebuilt)
        .map_err(|e| format!("the rebuilt featurization: {e}"))?;
    let comparison = match nest {
        Some(text) => {
            if new.loop_nest != text {
                return Err("the plugin applied another loop nest than the recorded one".into());
            }
            compare(&old, &new)?
        }
        None => {
            let extended = carries_over(&old, &new)?;
            Comparison {
                extended,
                changed: Vec::new(),
            }
        }
    };
    Ok(Rebuilt {
        sample: Sample {
            featurization: rebuilt,
            ..sample.clone()
        },
        comparison,
        from_nest: nest.is_some(),
    })
}

struct Generators {
    bench: PathBuf,
    random: PathBuf,
}

pub fn run_refeaturize(
    repo: &Path,
    cmd: &RefeaturizeCommand,
) -> Result<RefeaturizeSummary, String> {
    let mut samples = Vec::new();
    for path in &cmd.data {
        samples.extend(read_dataset(path)?);
    }
    let (mut writer, repaired) = DatasetWriter::open(&cmd.out)?;
    if let Some(note) = repaired {
        eprintln!("refeaturize: {note}");
    }
    let mut summary = RefeaturizeSummary {
        already_done: writer.existing,
        ..Default::default()
    };
    let todo: Vec<&Sample> = samples
        .iter()
        .filter(|s| !writer.contains(&s.pipeline, &s.schedule))
        .collect();
    if todo.is_empty() {
        return Ok(summary);
    }
    let tc = Toolchain::locate(repo, &cmd.work, cmd.plugin.as_deref())?;
    let needs = |bench: bool| {
        todo.iter()
            .any(|s| PipelineSpec::from_id(&s.pipeline).is_ok_and(|p| p.is_bench() == bench))
    };
    // Built only when some sample needs it (building one takes a minute).
    let generators = Generators {
        bench: if needs(true) {
            tc.generator("bench/pipelines", "bench")?
        } else {
            PathBuf::new()
        },
        random: if needs(false) {
            tc.generator("tools/random_pipeline", "random")?
        } else {
            PathBuf::new()
        },
    };
    let progress = ProgressBar::new(todo.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("refeaturize {bar:30} {pos}/{len} samples, {eta} left")
            .map_err(|e| e.to_string())?,
    );
    let jobs = cmd.jobs.max(1);
    for batch in todo.chunks(jobs) {
        // One generator per job at once; written in the input's order.
        let results: Vec<Result<Rebuilt, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .enumerate()
                .map(|(k, sample)| {
                    let dir = cmd.work.join(format!("job-{k}"));
                    let (tc, generators) = (&tc, &generators);
                    scope.spawn(move || refeaturize_one(tc, generators, sample, &dir))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("the featurizing thread panicked".into()))
                })
                .collect()
        });
        for (sample, result) in batch.iter().zip(results) {
            match result {
                Ok(rebuilt) => {
                    writer.append(&rebuilt.sample)?;
                    let comparison = &rebuilt.comparison;
                    if comparison.extended || !comparison.changed.is_empty() {
                        summary.updated += 1;
                    } else {
                        summary.unchanged += 1;
                    }
                    summary.from_nest += rebuilt.from_nest as usize;
                    for (column, _) in &comparison.changed {
                        *summary.redefined.entry(column.clone()).or_default() += 1;
                    }
                }
                Err(why) => {
                    progress.suspend(|| {
                        eprintln!(
                            "refeaturize: {} | {}: left out: {why}",
                            sample.pipeline, sample.schedule
                        )
                    });
                    summary
                        .failed
                        .push((sample.pipeline.clone(), sample.schedule.clone(), why));
                }
            }
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use autoschedule_gcn::featurization::{EdgeKind, StageEdge, StageRecord};

    fn featurization(schedule_names: &[&str], values: &[f32]) -> Featurization {
        Featurization {
            pipeline_feature_names: vec!["p".into()],
            schedule_feature_names: schedule_names.iter().map(|s| s.to_string()).collect(),
            stages: vec![
                StageRecord {
                    name: "f".into(),
                    func: 0,
                    stage_index: 0,
                    pipeline_features: vec![1.0],
                    schedule_features: values[..schedule_names.len()].to_vec(),
                },
                StageRecord {
                    name: "g".into(),
                    func: 1,
                    stage_index: 0,
                    pipeline_features: vec![2.0],
                    schedule_features: values[schedule_names.len()..].to_vec(),
                },
            ],
            edges: vec![StageEdge {
                from: 0,
                to: 1,
                kind: EdgeKind::Dataflow,
            }],
            loop_nest: String::new(),
        }
    }

    #[test]
    fn changed_values_are_listed_by_column_with_the_first_change() {
        let old = featurization(&["a", "b"], &[1.0, 2.0, 3.0, 4.0]);
        let new = featurization(&["a", "b", "c"], &[1.0, 2.5, 0.0, 3.0, 4.5, 0.0]);
        let comparison = compare(&old, &new).unwrap();
        assert!(comparison.extended);
        assert_eq!(
            comparison.changed,
            [(
                "schedule b".to_string(),
                "`b` of stage `f`: 2 recorded, 2.5 rebuilt".to_string()
            )]
        );
        // Searched for again, the same change means another schedule.
        assert!(carries_over(&old, &new)
            .unwrap_err()
            .contains("schedule feature `b` of stage `f`"));
    }

    #[test]
    fn the_same_columns_carry_over_unextended() {
        let old = featurization(&["a", "b"], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(carries_over(&old, &old.clone()), Ok(false));
    }

    #[test]
    fn added_columns_anywhere_extend_it() {
        let old = featurization(&["a", "b"], &[1.0, 2.0, 3.0, 4.0]);
        let new = featurization(&["c", "a", "b"], &[9.0, 1.0, 2.0, 8.0, 3.0, 4.0]);
        assert_eq!(carries_over(&old, &new), Ok(true));
    }

    #[test]
    fn a_changed_value_a_lost_column_or_another_graph_is_another_schedule() {
        let old = featurization(&["a", "b"], &[1.0, 2.0, 3.0, 4.0]);
        let changed = featurization(&["a", "b"], &[1.0, 2.0, 3.0, 4.5]);
        let error = carries_over(&old, &changed).unwrap_err();
        assert!(
            error.contains("`b` of stage `g`: 4 recorded, 4.5 rebuilt"),
            "{error}"
        );

        let lost = featurization(&["a"], &[1.0, 3.0]);
        let error = carries_over(&old, &lost).unwrap_err();
        assert!(error.contains("`b` is no longer computed"), "{error}");

        let mut other = old.clone();
        other.edges.clear();
        assert!(carries_over(&old, &other).unwrap_err().contains("edges"));

        let mut renamed = old.clone();
        renamed.stages[1].name = "h".into();
        assert!(carries_over(&old, &renamed)
            .unwrap_err()
            .contains("`g` recorded where `h`"));
    }
}
