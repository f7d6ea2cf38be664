//! The collector: for every pipeline, schedules sampled by Gcn's search (one beam-32 search,
//! then beam-1 searches with random dropout under distinct seeds), each compiled through the
//! generator (`-e static_library,registration,featurization`, as Halide's own autotuning loop
//! does), checked byte for byte against the pipeline's reference (every Func at root), and
//! benchmarked under RunGen; every good sample is appended and synced to the dataset at once.
//!
//! Per pipeline, the schedules are compiled first (in parallel), then benchmarked one at a
//! time with nothing else running. Killed at any moment, the collector loses at most the
//! sample in flight: on restart the dataset's damaged tail (if any) is cut off and the samples
//! already there are skipped. A schedule whose output differs from the reference is a bug: it
//! is logged to `<work>/mismatches.log` and its folder is kept as evidence. A schedule too slow
//! to benchmark (RunGen's warm-up over a minute) is listed in `<work>/too_slow.log`, not
//! recorded, and not tried again. A schedule that could not be recorded is replaced by a
//! further dropout draw, so that every pipeline ends with as many samples as asked for.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use autoschedule_gcn::bridge::ffi::ParamEntry;
use autoschedule_gcn::params::Params;
use indicatif::{ProgressBar, ProgressStyle};

use crate::dataset::{DatasetWriter, Sample};
use crate::measure::{measure, Procedure, WARM_UP_LIMIT};
use crate::outputs;
use crate::process::{map_in_parallel, run_checked, run_measured};
use crate::toolchain::Toolchain;

/// Which pipelines to collect.
#[derive(Debug, Clone)]
pub enum Pipelines {
    /// tools/random_pipeline with these seeds (`stages` 0: drawn per seed).
    Random { seeds: Vec<u64>, stages: u32 },
    /// bench/pipelines by name.
    Bench { names: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub pipelines: Pipelines,
    /// Schedules per pipeline, the beam-32 one included.
    pub schedules: usize,
    /// `random_dropout` of the beam-1 samples (percent of children kept).
    pub dropout: u32,
    /// More Gcn parameters for every schedule, part of each schedule's id: what samples, e.g.
    /// `cost_model=gcn model_path=models/round1.onnx` for a round sampled by a trained model.
    pub sampler: Vec<(String, String)>,
    /// Threads the pipelines run on, and `parallelism` for the search.
    pub threads: u32,
    /// Schedules compiled at once.
    pub jobs: usize,
    /// Timed repeats per schedule (after one warm-up run).
    pub repeats: u32,
    /// RunGen's `--benchmark_min_time` per repeat, seconds.
    pub min_time_s: f64,
    /// Relative spread above which a schedule is measured again, and marked noisy if it stays.
    pub noise_threshold: f64,
    /// Check outputs only, record nothing (for testing the generator).
    pub check_only: bool,
    pub work: PathBuf,
    pub plugin: Option<PathBuf>,
}

/// What one run of the collector did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    /// Schedules whose output matched the unscheduled reference (benchmarked or not).
    pub matched: usize,
    pub appended: usize,
    pub skipped: usize,
    pub mismatches: usize,
    pub failures: usize,
    /// Schedules whose RunGen warm-up ran over the limit (not recorded).
    pub too_slow: usize,
}

/// One pipeline: its dataset name, generator, and generator arguments.
pub struct PipelineSpec {
    pub id: String,
    pub generator_name: String,
    params: Vec<String>,
    dir_name: String,
}

impl PipelineSpec {
    /// The pipeline a dataset sample names (`random_pipeline seed=<n>[ stages=<s>]` or
    /// `bench <name>`).
    pub fn from_id(id: &str) -> Result<PipelineSpec, String> {
        let bad = || format!("not a pipeline id of this collector: `{id}`");
        if let Some(name) = id.strip_prefix("bench ") {
            return Ok(specs(&Pipelines::Bench {
                names: vec![name.to_string()],
            })
            .remove(0));
        }
        let rest = id.strip_prefix("random_pipeline ").ok_or_else(bad)?;
        let (mut seed, mut stages) = (None, 0u32);
        for word in rest.split_whitespace() {
            match word.split_once('=') {
                Some(("seed", v)) => seed = Some(v.parse::<u64>().map_err(|_| bad())?),
                Some(("stages", v)) => stages = v.parse().map_err(|_| bad())?,
                _ => return Err(bad()),
            }
        }
        Ok(specs(&Pipelines::Random {
            seeds: vec![seed.ok_or_else(bad)?],
            stages,
        })
        .remove(0))
    }

    /// True for the bench pipelines (built by the bench generator).
    pub fn is_bench(&self) -> bool {
        self.id.starts_with("bench ")
    }
}

/// The Gcn parameters of a schedule id (`key=value` words).
pub fn params_of_schedule_id(id: &str) -> Result<Vec<(String, String)>, String> {
    id.split_whitespace()
        .map(|word| {
            word.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("not a schedule id of this collector: `{id}`"))
        })
        .collect()
}

fn specs(pipelines: &Pipelines) -> Vec<PipelineSpec> {
    match pipelines {
        Pipelines::Random { seeds, stages } => seeds
            .iter()
            .map(|seed| {
                let mut params = vec![format!("seed={seed}")];
                let mut id = format!("random_pipeline seed={seed}");
                if *stages > 0 {
                    params.push(format!("stages={stages}"));
                    id += &format!(" stages={stages}");
                }
                PipelineSpec {
                    id,
                    generator_name: "random_pipeline".into(),
                    params,
                    dir_name: format!("random-{seed}-{stages}"),
                }
            })
            .collect(),
        Pipelines::Bench { names } => names
            .iter()
            .map(|name| PipelineSpec {
                id: format!("bench {name}"),
                generator_name: name.clone(),
                params: Vec::new(),
                dir_name: format!("bench-{name}"),
            })
            .collect(),
    }
}

/// The Gcn parameters of the k-th schedule of a pipeline.
fn schedule_params(k: usize, options: &Options) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = if k == 0 {
        vec![("beam_size".into(), "32".into())]
    } else {
        vec![
            ("beam_size".into(), "1".into()),
            ("random_dropout".into(), options.dropout.to_string()),
            ("random_dropout_seed".into(), k.to_string()),
        ]
    };
    params.extend(options.sampler.iter().cloned());
    params
}

/// Parameters the collector sets itself for every schedule.
const SET_BY_THE_COLLECTOR: &[&str] = &[
    "beam_size",
    "random_dropout",
    "random_dropout_seed",
    "parallelism",
];

/// Checks the sampler parameters before anything runs: keys and values as the plugin accepts
/// them, none that the collector sets itself, and nothing that would break a schedule id.
pub fn check_sampler(sampler: &[(String, String)]) -> Result<(), String> {
    for (key, value) in sampler {
        if SET_BY_THE_COLLECTOR.contains(&key.as_str()) {
            return Err(format!(
                "--sampler {key}: the collector sets {} itself",
                SET_BY_THE_COLLECTOR.join(", ")
            ));
        }
        if value.is_empty() || value.contains(char::is_whitespace) || value.contains('=') {
            return Err(format!(
                "--sampler {key}={value}: a value must be non-empty, without spaces or '=' (it \
                 becomes part of every schedule's id)"
            ));
        }
    }
    let entries: Vec<ParamEntry> = sampler
        .iter()
        .map(|(key, value)| ParamEntry {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    Params::parse(&entries)
        .map(|_| ())
        .map_err(|e| format!("--sampler: {e}"))
}

fn schedule_id(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU model and core count.
pub fn machine_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{model}, {cores} cores")
}

pub fn generate(
    generator: &Path,
    spec: &PipelineSpec,
    dir: &Path,
    emit: &str,
    extra: &[String],
) -> Command {
    let mut cmd = Command::new(generator);
    cmd.args([
        "-g",
        &spec.generator_name,
        "-f",
        &spec.generator_name,
        "-e",
        emit,
        "-o",
    ])
    .arg(dir)
    .arg("target=host-strict_float")
    .args(&spec.params)
    .args(extra);
    cmd
}

/// A schedule whose generator run (search and Halide's compilation) takes longer is a failure:
/// some sampled schedules of big pipelines make Halide's lowering take tens of minutes.
const GENERATOR_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Builds one schedule's runner in `dir`.
pub fn build_schedule(
    tc: &Toolchain,
    generator: &Path,
    spec: &PipelineSpec,
    dir: &Path,
    params: &[(String, String)],
    threads: u32,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut extra = vec![
        "-p".to_string(),
        tc.gcn_plugin.display().to_string(),
        "autoscheduler=Gcn".to_string(),
        format!("autoscheduler.parallelism={threads}"),
    ];
    extra.extend(params.iter().map(|(k, v)| format!("autoscheduler.{k}={v}")));
    let generated = run_measured(
        &mut generate(
            generator,
            spec,
            dir,
            "static_library,c_header,registration,featurization",
            &extra,
        ),
        GENERATOR_LIMIT,
    );
    if let Some(failure) = generated.failure {
        return Err(format!("the generator failed: {failure}"));
    }
    tc.runner(dir, &spec.generator_name)
}

/// Appends a line to a log file (best effort: a log that cannot be written loses the line only).
fn append_line(path: &Path, line: &str) {
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
}

/// Schedules too slow to benchmark, as (pipeline id, schedule id).
type TooSlow = std::collections::HashSet<(String, String)>;

/// At most this many times `schedules` draws per pipeline: the draws past `schedules` replace
/// schedules that could not be recorded (too slow, or failed to build or run), so that every
/// pipeline ends with `schedules` samples where it can.
const DRAW_LIMIT_FACTOR: usize = 2;

/// The next `wanted` schedule indices to try, from `from` on and below `limit`, passing over
/// those `passed_over` names (recorded before, or known to be too slow).
fn next_draws(
    from: usize,
    limit: usize,
    wanted: usize,
    passed_over: impl Fn(usize) -> bool,
) -> Vec<usize> {
    (from..limit)
        .filter(|&k| !passed_over(k))
        .take(wanted)
        .collect()
}

/// Runs the collector.
pub fn collect(repo: &Path, options: &Options) -> Result<Report, String> {
    check_sampler(&options.sampler)?;
    let toolchain = Toolchain::locate(repo, &options.work, options.plugin.as_deref())?;
    let generator = match &options.pipelines {
        Pipelines::Random { .. } => toolchain.generator("tools/random_pipeline", "random")?,
        Pipelines::Bench { .. } => toolchain.generator("bench/pipelines", "bench")?,
    };
    let writer = if options.check_only {
        None
    } else {
        let (writer, repaired) = DatasetWriter::open(&options.out)?;
        if let Some(note) = repaired {
            eprintln!("collect: {note}");
        }
        Some(writer)
    };
    let specs = specs(&options.pipelines);
    let progress = ProgressBar::new((specs.len() * options.schedules) as u64);
    progress.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} schedules, {elapsed} ({eta} left) {msg}",
        )
        .map_err(|e| e.to_string())?,
    );
    // Schedules too slow to benchmark, from earlier runs too: not tried again.
    let too_slow_log = options.work.join("too_slow.log");
    let too_slow = std::fs::read_to_string(&too_slow_log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
    let mut collector = Collector {
        options,
        toolchain,
        generator,
        writer,
        machine: machine_description(),
        progress,
        report: Report::default(),
        mismatch_log: options.work.join("mismatches.log"),
        too_slow_log,
        too_slow,
    };
    for spec in &specs {
        collector.collect_pipeline(spec)?;
    }
    collector.progress.finish_with_message("done");
    Ok(collector.report)
}

/// One run of the collector: what it was asked, what it has, and what it did so far.
struct Collector<'a> {
    options: &'a Options,
    toolchain: Toolchain,
    generator: PathBuf,
    /// The dataset (none when only checking outputs).
    writer: Option<DatasetWriter>,
    machine: String,
    progress: ProgressBar,
    report: Report,
    mismatch_log: PathBuf,
    too_slow_log: PathBuf,
    too_slow: TooSlow,
}

impl Collector<'_> {
    /// Draws per pipeline: `schedules`, and as many again to replace those that could not be
    /// recorded (none when only checking outputs).
    fn draw_limit(&self) -> usize {
        if self.writer.is_some() {
            self.options.schedules * DRAW_LIMIT_FACTOR
        } else {
            self.options.schedules
        }
    }

    /// The schedules of `spec` to try next, from index `from` on: as many as it still lacks,
    /// passing over those recorded before or known to be too slow.
    fn draws(&self, spec: &PipelineSpec, from: usize) -> Vec<usize> {
        let limit = self.draw_limit();
        let Some(writer) = &self.writer else {
            return (from..limit).collect();
        };
        next_draws(
            from,
            limit,
            self.options
                .schedules
                .saturating_sub(self.recorded(writer, spec)),
            |k| {
                let id = schedule_id(&schedule_params(k, self.options));
                writer.contains(&spec.id, &id) || self.too_slow.contains(&(spec.id.clone(), id))
            },
        )
    }

    /// Samples of `spec` in the dataset, among its first `draw_limit` schedules.
    fn recorded(&self, writer: &DatasetWriter, spec: &PipelineSpec) -> usize {
        (0..self.draw_limit())
            .filter(|&k| writer.contains(&spec.id, &schedule_id(&schedule_params(k, self.options))))
            .count()
    }

    /// Builds and runs the reference of `spec`, then samples, checks and records its
    /// schedules, drawing more while some could not be recorded.
    fn collect_pipeline(&mut self, spec: &PipelineSpec) -> Result<(), String> {
        self.progress.set_message(spec.id.clone());
        let mut pending = self.draws(spec, 0);
        let passed_over = self.options.schedules - pending.len();
        self.report.skipped += passed_over;
        self.progress.inc(passed_over as u64);
        if pending.is_empty() {
            return Ok(());
        }
        let root = self.options.work.join(&spec.dir_name);
        let ref_dir = root.join("reference");
        std::fs::create_dir_all(&ref_dir).map_err(|e| e.to_string())?;
        let reference = run_checked(&mut generate(
            &self.generator,
            spec,
            &ref_dir,
            "static_library,c_header,registration",
            &["reference=true".to_string()],
        ))
        .and_then(|_| self.toolchain.runner(&ref_dir, &spec.generator_name))
        .and_then(|runner| outputs::run_outputs(&runner, &ref_dir, 1))
        .map_err(|e| format!("{}: the reference failed: {e}", spec.id))?;
        loop {
            for (k, built) in self.build_all(spec, &root, &pending) {
                self.check_and_record(
                    spec,
                    k,
                    &root.join(format!("schedule-{k}")),
                    built,
                    &reference,
                )?;
                self.progress.inc(1);
            }
            let next = pending.last().map_or(self.draw_limit(), |k| k + 1);
            pending = self.draws(spec, next);
            if pending.is_empty() {
                break;
            }
            self.progress.inc_length(pending.len() as u64);
        }
        if self.report.mismatches == 0 {
            let _ = std::fs::remove_dir_all(&ref_dir);
        }
        if let Some(writer) = &self.writer {
            let recorded = self.recorded(writer, spec);
            self.say(&format!("{}: {recorded} schedules recorded", spec.id));
        }
        Ok(())
    }

    /// Compiles the schedules `pending` of `spec`, `jobs` at a time: each one's runner, in
    /// the order of `pending`.
    fn build_all(
        &self,
        spec: &PipelineSpec,
        root: &Path,
        pending: &[usize],
    ) -> Vec<(usize, Result<PathBuf, String>)> {
        let built = map_in_parallel(pending, self.options.jobs, |_, &k| {
            build_schedule(
                &self.toolchain,
                &self.generator,
                spec,
                &root.join(format!("schedule-{k}")),
                &schedule_params(k, self.options),
                self.options.threads,
            )
        });
        pending.iter().copied().zip(built).collect()
    }

    /// Checks schedule `k` of `spec` (built into `dir`) against the reference, benchmarks it
    /// and appends its sample. A schedule that fails, mismatches or is too slow is reported
    /// and logged, not recorded; only a dataset that cannot be written is an error.
    fn check_and_record(
        &mut self,
        spec: &PipelineSpec,
        k: usize,
        dir: &Path,
        built: Result<PathBuf, String>,
        reference: &[(String, Vec<u8>)],
    ) -> Result<(), String> {
        let id = schedule_id(&schedule_params(k, self.options));
        let runner = match built {
            Ok(runner) => runner,
            Err(e) => return self.failed(&format!("{} {id}: build failed: {e}", spec.id)),
        };
        match outputs::run_outputs(&runner, dir, 1) {
            Ok(got) => {
                if let Some(diff) = outputs::first_difference(&got, reference) {
                    self.report.mismatches += 1;
                    let line =
                        format!("{} {id}: {diff} (evidence in {})\n", spec.id, dir.display());
                    self.say(&format!("MISMATCH {line}"));
                    append_line(&self.mismatch_log, &line);
                    return Ok(());
                }
            }
            Err(e) => return self.failed(&format!("{} {id}: run failed: {e}", spec.id)),
        }
        self.report.matched += 1;
        if self.writer.is_some() {
            self.measure_and_append(spec, id, dir, &runner)?;
        }
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }

    /// Benchmarks schedule `id` of `spec` and appends its sample; a schedule too slow to
    /// benchmark is logged (not tried again) and one whose benchmark fails is reported.
    fn measure_and_append(
        &mut self,
        spec: &PipelineSpec,
        id: String,
        dir: &Path,
        runner: &Path,
    ) -> Result<(), String> {
        let procedure = Procedure {
            threads: self.options.threads,
            repeats: self.options.repeats,
            min_time_s: self.options.min_time_s,
            noise_threshold: self.options.noise_threshold,
        };
        let progress = &self.progress;
        let measured = measure(runner, &procedure, &mut |load| {
            progress.set_message(format!(
                "{}: waiting for a quiet machine (others use {load:.2} cores)",
                spec.id
            ))
        });
        self.progress.set_message(spec.id.clone());
        let recorded = match measured {
            Ok(Some(recorded)) => recorded,
            Ok(None) => {
                self.report.too_slow += 1;
                self.say(&format!(
                    "{} {id}: too slow to benchmark (RunGen's warm-up over {} s); \
                     not recorded, listed in {}",
                    spec.id,
                    WARM_UP_LIMIT.as_secs(),
                    self.too_slow_log.display()
                ));
                append_line(&self.too_slow_log, &format!("{}\t{id}\n", spec.id));
                self.too_slow.insert((spec.id.clone(), id));
                return Ok(());
            }
            Err(e) => return self.failed(&format!("{} {id}: benchmark failed: {e}", spec.id)),
        };
        let featurization =
            std::fs::read(dir.join(format!("{}.featurization", spec.generator_name)))
                .map_err(|e| format!("{} {id}: no featurization: {e}", spec.id))?;
        let sample = Sample {
            pipeline: spec.id.clone(),
            schedule: id,
            run_time_ms: recorded.run_time_ms,
            median_ms: recorded.median_ms,
            spread: recorded.spread,
            repeats: recorded.repeats,
            threads: self.options.threads,
            noisy: recorded.noisy,
            machine: self.machine.clone(),
            featurization,
        };
        if let Some(writer) = self.writer.as_mut() {
            writer.append(&sample)?;
        }
        self.report.appended += 1;
        Ok(())
    }

    /// Counts and reports a schedule that failed to build, run or benchmark: the collection
    /// goes on (Ok).
    fn failed(&mut self, what: &str) -> Result<(), String> {
        self.report.failures += 1;
        self.say(what);
        Ok(())
    }

    /// Prints a line about the collection on stderr, above the progress bar (also when the
    /// bar is hidden because stderr is not a terminal, as in a log file).
    fn say(&self, what: &str) {
        self.progress.suspend(|| eprintln!("collect: {what}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(sampler: &[(&str, &str)]) -> Options {
        Options {
            out: PathBuf::new(),
            pipelines: Pipelines::Random {
                seeds: vec![0],
                stages: 0,
            },
            schedules: 3,
            dropout: 20,
            sampler: sampler
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            threads: 2,
            jobs: 1,
            repeats: 1,
            min_time_s: 0.03,
            noise_threshold: 0.1,
            check_only: true,
            work: PathBuf::new(),
            plugin: None,
        }
    }

    #[test]
    fn draws_pass_over_recorded_and_too_slow_schedules_and_stop_at_the_limit() {
        let passed_over = |k: usize| [0, 2, 3].contains(&k);
        assert_eq!(next_draws(0, 8, 3, passed_over), vec![1, 4, 5]);
        assert_eq!(next_draws(5, 8, 3, passed_over), vec![5, 6, 7]);
        assert_eq!(next_draws(6, 8, 3, passed_over), vec![6, 7]);
        assert_eq!(next_draws(0, 8, 0, passed_over), Vec::<usize>::new());
    }

    #[test]
    fn sampler_parameters_join_every_schedule_and_its_id() {
        let plain = options(&[]);
        assert_eq!(schedule_id(&schedule_params(0, &plain)), "beam_size=32");
        assert_eq!(
            schedule_id(&schedule_params(2, &plain)),
            "beam_size=1 random_dropout=20 random_dropout_seed=2"
        );
        let sampled = options(&[("cost_model", "gcn"), ("model_path", "models/round1.onnx")]);
        check_sampler(&sampled.sampler).unwrap();
        let id = schedule_id(&schedule_params(2, &sampled));
        assert_eq!(
            id,
            "beam_size=1 random_dropout=20 random_dropout_seed=2 cost_model=gcn \
             model_path=models/round1.onnx"
        );
        assert_eq!(
            params_of_schedule_id(&id).unwrap(),
            schedule_params(2, &sampled)
        );
    }

    #[test]
    fn bad_sampler_parameters_are_refused_before_anything_runs() {
        for (sampler, wanted) in [
            (vec![("beam_size", "4")], "the collector sets"),
            (vec![("cost_model", "magic")], "cost_model"),
            (vec![("no_such_key", "1")], "no_such_key"),
            (vec![("model_path", "my models/m.onnx")], "without spaces"),
        ] {
            let options = options(&sampler);
            let err = check_sampler(&options.sampler).unwrap_err();
            assert!(err.contains(wanted), "{sampler:?}: {err}");
            let err = collect(Path::new("/nonexistent"), &options).unwrap_err();
            assert!(err.contains(wanted), "collect with {sampler:?}: {err}");
        }
    }
}
