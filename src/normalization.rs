//! Feature normalization of the cost model (docs/model.md, "Metadata"): per column,
//! `(ln(1 + max(x, 0)) - mean) / std` clamped to ±[`NORMALIZED_LIMIT`], with the statistics and the feature names stored in the
//! ONNX file's metadata so that a model carries what it was trained on.

use crate::error::{Error, Result};

/// Normalized features are clamped to ± this many standard deviations: a value far outside
/// what the model was trained on (a feature saturated at 1e30, a column almost constant in
/// training) is extrapolation either way, and a linear layer would amplify it without bound.
pub const NORMALIZED_LIMIT: f32 = 10.0;

/// Metadata keys.
pub const FORMAT_VERSION_KEY: &str = "halide_gcn.format_version";
pub const FORMAT_VERSION: &str = "1";
pub const PIPELINE_NAMES_KEY: &str = "halide_gcn.pipeline_feature_names";
pub const SCHEDULE_NAMES_KEY: &str = "halide_gcn.schedule_feature_names";
pub const PIPELINE_MEAN_KEY: &str = "halide_gcn.pipeline_mean";
pub const PIPELINE_STD_KEY: &str = "halide_gcn.pipeline_std";
pub const SCHEDULE_MEAN_KEY: &str = "halide_gcn.schedule_mean";
pub const SCHEDULE_STD_KEY: &str = "halide_gcn.schedule_std";
pub const DESCRIPTION_KEY: &str = "halide_gcn.description";

/// Statistics of one feature group (pipeline or schedule features).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    pub names: Vec<String>,
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl ColumnStats {
    /// Mean 0 and std 1 for every column: log scaling only.
    pub fn identity(names: Vec<String>) -> ColumnStats {
        let n = names.len();
        ColumnStats {
            names,
            mean: vec![0.0; n],
            std: vec![1.0; n],
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Normalizes rows of raw values in place (each row one stage, `len()` columns), clamped
    /// to ±[`NORMALIZED_LIMIT`].
    pub fn apply(&self, values: &mut [f32]) {
        for row in values.chunks_mut(self.len().max(1)) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                let normalized = ((1.0 + v.max(0.0)).ln() - m) / s;
                *v = normalized.clamp(-NORMALIZED_LIMIT, NORMALIZED_LIMIT);
            }
        }
    }
}

/// Both groups' statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalization {
    pub pipeline: ColumnStats,
    pub schedule: ColumnStats,
}

fn join(values: &[f32]) -> String {
    values
        .iter()
        .map(|v| format!("{v:e}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Normalization {
    /// The metadata entries that describe this normalization.
    pub fn to_metadata(&self) -> Vec<(String, String)> {
        vec![
            (FORMAT_VERSION_KEY.into(), FORMAT_VERSION.into()),
            (PIPELINE_NAMES_KEY.into(), self.pipeline.names.join(",")),
            (SCHEDULE_NAMES_KEY.into(), self.schedule.names.join(",")),
            (PIPELINE_MEAN_KEY.into(), join(&self.pipeline.mean)),
            (PIPELINE_STD_KEY.into(), join(&self.pipeline.std)),
            (SCHEDULE_MEAN_KEY.into(), join(&self.schedule.mean)),
            (SCHEDULE_STD_KEY.into(), join(&self.schedule.std)),
        ]
    }

    /// Reads the normalization from metadata entries; `file` names the model in errors.
    pub fn from_metadata(entries: &[(String, String)], file: &str) -> Result<Normalization> {
        let get = |key: &str| -> Result<&str> {
            entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    Error::Model(format!(
                        "{file}: metadata key '{key}' is missing (docs/model.md lists the keys a \
                         halide-gcn model carries)"
                    ))
                })
        };
        let version = get(FORMAT_VERSION_KEY)?;
        if version != FORMAT_VERSION {
            return Err(Error::Model(format!(
                "{file}: model format version '{version}', this plugin reads version {FORMAT_VERSION}"
            )));
        }
        let names = |key: &str| -> Result<Vec<String>> {
            let text = get(key)?;
            Ok(if text.is_empty() {
                Vec::new()
            } else {
                text.split(',').map(str::to_string).collect()
            })
        };
        let numbers = |key: &str, expected: usize| -> Result<Vec<f32>> {
            let values: Vec<f32> = get(key)?
                .split_whitespace()
                .map(|w| {
                    w.parse::<f32>().map_err(|_| {
                        Error::Model(format!("{file}: metadata '{key}' has a non-number '{w}'"))
                    })
                })
                .collect::<Result<_>>()?;
            if values.len() != expected {
                return Err(Error::Model(format!(
                    "{file}: metadata '{key}' has {} numbers, expected {expected} (one per feature)",
                    values.len()
                )));
            }
            if values.iter().any(|v| !v.is_finite()) {
                return Err(Error::Model(format!(
                    "{file}: metadata '{key}' is not finite"
                )));
            }
            Ok(values)
        };
        let group = |names_key: &str, mean_key: &str, std_key: &str| -> Result<ColumnStats> {
            let names = names(names_key)?;
            let mean = numbers(mean_key, names.len())?;
            let std = numbers(std_key, names.len())?;
            if let Some(k) = std.iter().position(|&s| s <= 0.0) {
                return Err(Error::Model(format!(
                    "{file}: metadata '{std_key}' has a standard deviation of {} for '{}'",
                    std[k], names[k]
                )));
            }
            Ok(ColumnStats { names, mean, std })
        };
        Ok(Normalization {
            pipeline: group(PIPELINE_NAMES_KEY, PIPELINE_MEAN_KEY, PIPELINE_STD_KEY)?,
            schedule: group(SCHEDULE_NAMES_KEY, SCHEDULE_MEAN_KEY, SCHEDULE_STD_KEY)?,
        })
    }

    /// Checks the feature names against the ones this plugin computes.
    pub fn check_names(&self, pipeline: &[String], schedule: &[String], file: &str) -> Result<()> {
        let check = |what: &str, model: &[String], ours: &[String]| -> Result<()> {
            if model == ours {
                return Ok(());
            }
            let first = model
                .iter()
                .zip(ours)
                .position(|(a, b)| a != b)
                .map(|k| {
                    format!(
                        "; column {k} is '{}' in the model, '{}' here",
                        model[k], ours[k]
                    )
                })
                .unwrap_or_default();
            Err(Error::Model(format!(
                "{file}: the model was made for {} {what} features, this plugin computes {}{first}",
                model.len(),
                ours.len()
            )))
        };
        check("pipeline", &self.pipeline.names, pipeline)?;
        check("schedule", &self.schedule.names, schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_values_are_log_scaled_and_clamped() {
        let stats = ColumnStats {
            names: vec!["a".into(), "b".into()],
            mean: vec![1.0, 0.0],
            std: vec![0.5, 0.1],
        };
        let mut rows = [std::f32::consts::E - 1.0, 0.0, 1e30, -3.0];
        stats.apply(&mut rows);
        // ln(e) = 1 is the mean; a negative raw value counts as 0; ln(1 + 1e30) = 69 would be
        // 136 deviations out, and is clamped.
        let want = [0.0, 0.0, NORMALIZED_LIMIT, 0.0];
        for (got, want) in rows.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{rows:?}");
        }
        let mut low = [0.0f32, 0.0];
        ColumnStats {
            mean: vec![5.0, 0.0],
            ..stats
        }
        .apply(&mut low);
        assert_eq!(low[0], -NORMALIZED_LIMIT);
    }
}
