//! Datasets as the trainer and the evaluation see them: samples grouped by pipeline, each
//! pipeline's stage graph and raw pipeline features (checked to be the same in every sample of
//! it), and its schedules' raw features with their measured run times. Also the split by
//! pipeline (never by sample) and the normalization statistics fitted on training pipelines.

use std::collections::BTreeMap;
use std::path::PathBuf;

use autoschedule_gcn::features::SCHEDULE_FEATURE_NAMES;
use autoschedule_gcn::featurization::Featurization;
use autoschedule_gcn::normalization::{ColumnStats, Normalization};
use autoschedule_gcn::pipeline_features::feature_names;

use crate::dataset::read_dataset;

/// One measured schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleData {
    pub id: String,
    /// `[N, S]` row-major, raw.
    pub features: Vec<f32>,
    /// Recorded (fastest) run time, seconds.
    pub run_time_s: f64,
    /// The collector's flag (repeats spread over its threshold, or others used the CPU). Such
    /// samples are kept: their recorded time is still the fastest of the repeats.
    pub noisy: bool,
}

/// One pipeline and every schedule measured of it.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineData {
    pub id: String,
    /// N.
    pub stages: usize,
    /// `[N, N]` row-major: 1 where stage i feeds stage j.
    pub adjacency: Vec<f32>,
    /// `[N, P]` row-major, raw.
    pub pipeline_features: Vec<f32>,
    /// Where every schedule was measured: the machine and the thread count.
    pub measured_on: String,
    /// The thread count of the measurements.
    pub threads: u32,
    pub schedules: Vec<ScheduleData>,
}

impl PipelineData {
    /// The fastest measured run time, seconds.
    pub fn best_run_time_s(&self) -> f64 {
        self.schedules
            .iter()
            .map(|s| s.run_time_s)
            .fold(f64::INFINITY, f64::min)
    }

    /// Bench pipelines are always held out.
    pub fn is_bench(&self) -> bool {
        self.id.starts_with("bench ")
    }
}

/// This plugin's (pipeline, schedule) feature names.
pub fn plugin_feature_names() -> (Vec<String>, Vec<String>) {
    (
        feature_names(),
        SCHEDULE_FEATURE_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

/// Reads dataset files and groups their samples by pipeline (in pipeline-id order, schedules in
/// file order). Errors name the file and sample: an unreadable dataset, a featurization that
/// does not parse or has other feature names than this plugin, or two samples of one pipeline
/// that disagree on its graph or were measured on different machines or thread counts.
pub fn load_pipelines(files: &[PathBuf]) -> Result<Vec<PipelineData>, String> {
    if files.is_empty() {
        return Err("no dataset files given".into());
    }
    let (pipeline_names, schedule_names) = plugin_feature_names();
    let mut pipelines: BTreeMap<String, PipelineData> = BTreeMap::new();
    for file in files {
        let samples = read_dataset(file)?;
        if samples.is_empty() {
            return Err(format!("{}: the dataset has no samples", file.display()));
        }
        for sample in samples {
            let at = || {
                format!(
                    "{}: sample `{} | {}`",
                    file.display(),
                    sample.pipeline,
                    sample.schedule
                )
            };
            let f = Featurization::from_bytes(&sample.featurization)
                .map_err(|e| format!("{}: {e}", at()))?;
            if f.pipeline_feature_names != pipeline_names
                || f.schedule_feature_names != schedule_names
            {
                return Err(format!(
                    "{}: its features ({} pipeline, {} schedule) are not this plugin's ({} and \
                     {}): the dataset was collected with another version",
                    at(),
                    f.pipeline_feature_names.len(),
                    f.schedule_feature_names.len(),
                    pipeline_names.len(),
                    schedule_names.len()
                ));
            }
            if f.stages.is_empty() {
                return Err(format!("{}: the featurization has no stages", at()));
            }
            if !(sample.run_time_ms.is_finite() && sample.run_time_ms > 0.0) {
                return Err(format!("{}: run time {} ms", at(), sample.run_time_ms));
            }
            let n = f.stages.len();
            let mut adjacency = vec![0.0f32; n * n];
            for edge in &f.edges {
                adjacency[edge.from as usize * n + edge.to as usize] = 1.0;
            }
            let pipeline_features: Vec<f32> = f
                .stages
                .iter()
                .flat_map(|s| s.pipeline_features.iter().copied())
                .collect();
            let features: Vec<f32> = f
                .stages
                .iter()
                .flat_map(|s| s.schedule_features.iter().copied())
                .collect();
            if features
                .iter()
                .chain(&pipeline_features)
                .any(|v| !v.is_finite())
            {
                return Err(format!("{}: a feature is not finite", at()));
            }
            let schedule = ScheduleData {
                id: sample.schedule.clone(),
                features,
                run_time_s: sample.run_time_ms * 1e-3,
                noisy: sample.noisy,
            };
            let measured_on = format!("{}, {} threads", sample.machine, sample.threads);
            match pipelines.get_mut(&sample.pipeline) {
                Some(p) => {
                    // Run times from two machines (or thread counts) do not rank against
                    // each other.
                    if p.measured_on != measured_on {
                        return Err(format!(
                            "{}: measured on {measured_on}, but an earlier sample of the same \
                             pipeline on {}: train on one machine's data",
                            at(),
                            p.measured_on
                        ));
                    }
                    if p.stages != n
                        || p.adjacency != adjacency
                        || p.pipeline_features != pipeline_features
                    {
                        return Err(format!(
                            "{}: its stage graph or pipeline features differ from an earlier \
                             sample of the same pipeline",
                            at()
                        ));
                    }
                    p.schedules.push(schedule);
                }
                None => {
                    pipelines.insert(
                        sample.pipeline.clone(),
                        PipelineData {
                            id: sample.pipeline.clone(),
                            stages: n,
                            adjacency,
                            pipeline_features,
                            measured_on,
                            threads: sample.threads,
                            schedules: vec![schedule],
                        },
                    );
                }
            }
        }
    }
    Ok(pipelines.into_values().collect())
}

/// What a pipeline is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Train,
    Validation,
    HeldOut,
}

/// The split by pipeline: a pipeline's role depends only on its id and the seed, so adding
/// pipelines to a dataset never moves the others. Bench pipelines are always held out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    pub seed: u64,
    pub validation_fraction: f64,
    pub held_out_fraction: f64,
}

/// The ONNX metadata key under which `train` records its split.
pub const SPLIT_METADATA_KEY: &str = "halide_gcn.training_split";

impl Split {
    /// How the split is recorded with a trained model.
    pub fn describe(&self) -> String {
        format!(
            "seed={} validation_fraction={} held_out_fraction={}",
            self.seed, self.validation_fraction, self.held_out_fraction
        )
    }

    pub fn role(&self, pipeline_id: &str) -> Role {
        if pipeline_id.starts_with("bench ") {
            return Role::HeldOut;
        }
        // FNV-1a over the seed and the id, then a splitmix64 finalizer for uniform high bits.
        let mut hash = 0xcbf29ce484222325u64;
        for byte in self.seed.to_le_bytes().iter().chain(pipeline_id.as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x100000001b3);
        }
        hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d049bb133111eb);
        hash ^= hash >> 31;
        let unit = (hash >> 11) as f64 / (1u64 << 53) as f64;
        if unit < self.held_out_fraction {
            Role::HeldOut
        } else if unit < self.held_out_fraction + self.validation_fraction {
            Role::Validation
        } else {
            Role::Train
        }
    }

    /// The pipelines with `role`.
    pub fn select<'a>(&self, pipelines: &'a [PipelineData], role: Role) -> Vec<&'a PipelineData> {
        pipelines
            .iter()
            .filter(|p| self.role(&p.id) == role)
            .collect()
    }
}

/// Below this standard deviation (in log units) a column's std is raised to it: a column
/// almost constant in training would otherwise put unseen values thousands of deviations out.
const MIN_STD: f32 = 0.1;

/// Mean and standard deviation of `ln(1 + max(x, 0))` per column over `rows`: a column
/// constant over the rows gets std 1 (it normalizes to 0), any other at least [`MIN_STD`].
fn column_stats<'a>(names: Vec<String>, rows: impl Iterator<Item = &'a [f32]>) -> ColumnStats {
    let k = names.len();
    let mut sum = vec![0.0f64; k];
    let mut square = vec![0.0f64; k];
    let mut lowest = vec![f64::INFINITY; k];
    let mut highest = vec![f64::NEG_INFINITY; k];
    let mut count = 0usize;
    for row in rows {
        for (j, v) in row.iter().enumerate() {
            let x = f64::from(v.max(0.0)).ln_1p();
            sum[j] += x;
            square[j] += x * x;
            lowest[j] = lowest[j].min(x);
            highest[j] = highest[j].max(x);
        }
        count += 1;
    }
    let n = count.max(1) as f64;
    let mean: Vec<f32> = sum.iter().map(|s| (s / n) as f32).collect();
    let std = (0..k)
        .map(|j| {
            // Exactly constant, whatever rounding the one-pass variance makes of it.
            if !(highest[j] > lowest[j]) {
                return 1.0;
            }
            let variance = (square[j] / n - (sum[j] / n) * (sum[j] / n)).max(0.0);
            (variance.sqrt() as f32).max(MIN_STD)
        })
        .collect();
    ColumnStats { names, mean, std }
}

/// Normalization statistics over every stage of every schedule of `pipelines`.
pub fn fit_normalization(pipelines: &[&PipelineData]) -> Normalization {
    let (pipeline_names, schedule_names) = plugin_feature_names();
    let p = pipeline_names.len();
    let s = schedule_names.len();
    let pipeline = column_stats(
        pipeline_names,
        pipelines.iter().flat_map(|d| d.pipeline_features.chunks(p)),
    );
    let schedule = column_stats(
        schedule_names,
        pipelines
            .iter()
            .flat_map(|d| d.schedules.iter())
            .flat_map(|sch| sch.features.chunks(s)),
    );
    Normalization { pipeline, schedule }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_depends_on_the_id_and_seed_only_and_holds_out_bench() {
        let split = Split {
            seed: 7,
            validation_fraction: 0.15,
            held_out_fraction: 0.15,
        };
        let ids: Vec<String> = (0..2000)
            .map(|k| format!("random_pipeline seed={k}"))
            .collect();
        let roles: Vec<Role> = ids.iter().map(|id| split.role(id)).collect();
        let count = |r: Role| roles.iter().filter(|&&x| x == r).count();
        // About 15% / 15% / 70% (binomial, 2000 draws: well within +-3%).
        assert!(
            (240..=360).contains(&count(Role::HeldOut)),
            "{}",
            count(Role::HeldOut)
        );
        assert!((240..=360).contains(&count(Role::Validation)));
        assert_eq!(
            roles,
            ids.iter().map(|id| split.role(id)).collect::<Vec<_>>()
        );
        let other = Split { seed: 8, ..split };
        assert_ne!(
            roles,
            ids.iter().map(|id| other.role(id)).collect::<Vec<_>>()
        );
        assert_eq!(split.role("bench harris"), Role::HeldOut);
    }

    #[test]
    fn normalization_statistics_are_of_log_values() {
        let stats = column_stats(
            vec!["a".into(), "b".into()],
            [[0.0f32, 5.0], [(std::f32::consts::E - 1.0), 5.0]]
                .iter()
                .map(|r| r.as_slice()),
        );
        assert!((stats.mean[0] - 0.5).abs() < 1e-6);
        assert!((stats.std[0] - 0.5).abs() < 1e-6);
        // A constant column gets std 1.
        assert_eq!(stats.std[1], 1.0);
    }

    #[test]
    fn a_constant_column_gets_std_one_whatever_the_rounding() {
        // Saturated features (1e30, ln = 69) over many rows: the one-pass variance of a
        // constant is a rounding residue, not a spread.
        let rows = vec![[1e30f32, 12345.678]; 1000];
        let stats = column_stats(
            vec!["a".into(), "b".into()],
            rows.iter().map(|r| r.as_slice()),
        );
        assert_eq!(stats.std, [1.0, 1.0]);
        // Anything that varies at all gets at least the floor.
        let rows = [[1.0f32], [1.001]];
        let stats = column_stats(vec!["a".into()], rows.iter().map(|r| r.as_slice()));
        assert_eq!(stats.std, [MIN_STD]);
    }
}
