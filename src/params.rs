//! `autoscheduler.*` parameters: parsing and validation.
//!
//! Names and meanings follow Halide's Adams2019 autoscheduler where they exist, so switching a
//! generator to `Gcn` only changes `autoscheduler=`. An unknown key, a malformed value or an
//! out-of-range value is an error that names the key, the bad value and what is accepted.

use crate::bridge::ffi::ParamEntry;
use crate::error::{Error, Result};

/// Validated autoscheduler parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Number of cores to schedule for (parallel tasks wanted at root).
    pub parallelism: u32,
    /// States kept per beam-search step.
    pub beam_size: u32,
    /// Percent chance (0–100) that a candidate child survives to be costed; 100 keeps all.
    pub random_dropout: u32,
    /// Seed of the dropout sampling.
    pub random_dropout_seed: u64,
    /// Tile each loop at most once.
    pub disable_subtiling: bool,
    /// Upper bound in bytes on memory a schedule may allocate; `None` for no limit.
    pub memory_limit: Option<u64>,
    /// Which cost model ranks candidate schedules.
    pub cost_model: CostModelKind,
    /// An ONNX file replacing the embedded GCN (implies `cost_model=gcn`).
    pub model_path: Option<String>,
    /// A loop nest file (docs/featurization.md) applied instead of searching.
    pub loop_nest: Option<String>,
}

/// The cost models `autoscheduler.cost_model` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostModelKind {
    /// The analytic model of src/analytic.rs.
    Analytic,
    /// The GCN of docs/model.md (embedded, or `model_path`).
    Gcn,
}

/// Every key accepted, in the order the error message lists them.
pub const ACCEPTED_KEYS: &[&str] = &[
    "parallelism",
    "beam_size",
    "random_dropout",
    "random_dropout_seed",
    "disable_subtiling",
    "memory_limit",
    "cost_model",
    "model_path",
    "loop_nest",
];

impl Default for Params {
    fn default() -> Self {
        Params {
            parallelism: std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(1),
            beam_size: 32,
            random_dropout: 100,
            random_dropout_seed: 0,
            disable_subtiling: false,
            memory_limit: None,
            cost_model: CostModelKind::Analytic,
            model_path: None,
            loop_nest: None,
        }
    }
}

fn bad_value(key: &str, value: &str, accepted: &str) -> Error {
    Error::Param(format!(
        "autoscheduler.{key} must be {accepted}, got '{value}'"
    ))
}

fn parse_u64_in(key: &str, value: &str, min: u64, max: u64, accepted: &str) -> Result<u64> {
    match value.trim().parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad_value(key, value, accepted)),
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim() {
        "1" | "true" | "True" => Ok(true),
        "0" | "false" | "False" => Ok(false),
        _ => Err(bad_value(key, value, "0, 1, true or false")),
    }
}

impl Params {
    /// Parses the key/values Halide passes as `AutoschedulerParams::extra`.
    pub fn parse(entries: &[ParamEntry]) -> Result<Params> {
        let mut params = Params::default();
        let mut cost_model_given = false;
        for entry in entries {
            let (key, value) = (entry.key.as_str(), entry.value.as_str());
            match key {
                "parallelism" => {
                    params.parallelism = parse_u64_in(
                        key,
                        value,
                        1,
                        1 << 16,
                        "a positive integer (the number of cores)",
                    )? as u32
                }
                "beam_size" => {
                    params.beam_size =
                        parse_u64_in(key, value, 1, 1 << 16, "a positive integer")? as u32
                }
                "random_dropout" => {
                    params.random_dropout =
                        parse_u64_in(key, value, 0, 100, "an integer percentage from 0 to 100")?
                            as u32
                }
                "random_dropout_seed" => {
                    params.random_dropout_seed =
                        parse_u64_in(key, value, 0, u64::MAX, "a non-negative integer")?
                }
                "disable_subtiling" => params.disable_subtiling = parse_bool(key, value)?,
                "memory_limit" => {
                    params.memory_limit = match value.trim() {
                        "-1" => None,
                        _ => Some(parse_u64_in(
                            key,
                            value,
                            1,
                            u64::MAX,
                            "a positive number of bytes, or -1 for no limit",
                        )?),
                    }
                }
                "cost_model" => {
                    cost_model_given = true;
                    params.cost_model = match value.trim() {
                        "analytic" => CostModelKind::Analytic,
                        "gcn" => CostModelKind::Gcn,
                        _ => return Err(bad_value(key, value, "'analytic' or 'gcn'")),
                    }
                }
                "model_path" => {
                    if value.trim().is_empty() {
                        return Err(bad_value(key, value, "the path of an ONNX model file"));
                    }
                    params.model_path = Some(value.to_string());
                }
                "loop_nest" => {
                    if value.trim().is_empty() {
                        return Err(bad_value(key, value, "the path of a loop nest file"));
                    }
                    params.loop_nest = Some(value.to_string());
                }
                "weights_path" => {
                    return Err(Error::Param(format!(
                        "unknown parameter autoscheduler.weights_path='{value}': Gcn does not read \
                         Adams2019 weights; its cost model file is given with \
                         autoscheduler.model_path (an ONNX file, docs/model.md)"
                    )))
                }
                _ => {
                    return Err(Error::Param(format!(
                    "unknown parameter autoscheduler.{key}='{value}'; accepted parameters are: {}",
                    ACCEPTED_KEYS.join(", ")
                )))
                }
            }
        }
        if let Some(path) = &params.model_path {
            if cost_model_given && params.cost_model == CostModelKind::Analytic {
                return Err(Error::Param(format!(
                    "autoscheduler.model_path={path} is a GCN model file, but \
                     autoscheduler.cost_model=analytic does not read one; drop one of the two"
                )));
            }
            params.cost_model = CostModelKind::Gcn;
        }
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> Vec<ParamEntry> {
        pairs
            .iter()
            .map(|(k, v)| ParamEntry {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn every_key_parses_to_its_field() {
        let p = Params::parse(&entries(&[
            ("parallelism", "8"),
            ("beam_size", "4"),
            ("random_dropout", "50"),
            ("random_dropout_seed", "7"),
            ("disable_subtiling", "1"),
            ("memory_limit", "1000000"),
            ("cost_model", "analytic"),
        ]))
        .unwrap();
        assert_eq!(
            p,
            Params {
                parallelism: 8,
                beam_size: 4,
                random_dropout: 50,
                random_dropout_seed: 7,
                disable_subtiling: true,
                memory_limit: Some(1_000_000),
                cost_model: CostModelKind::Analytic,
                model_path: None,
                loop_nest: None,
            }
        );
    }

    #[test]
    fn model_path_selects_the_gcn() {
        let p = Params::parse(&entries(&[("model_path", "my.onnx")])).unwrap();
        assert_eq!(p.cost_model, CostModelKind::Gcn);
        assert_eq!(p.model_path.as_deref(), Some("my.onnx"));
        let e = Params::parse(&entries(&[
            ("cost_model", "analytic"),
            ("model_path", "m.onnx"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("model_path=m.onnx") && e.contains("analytic"),
            "{e}"
        );
    }

    #[test]
    fn zero_beam_size_names_key_value_and_range() {
        let e = Params::parse(&entries(&[("beam_size", "0")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "autoscheduler.beam_size must be a positive integer, got '0'"
        );
    }

    #[test]
    fn dropout_over_one_hundred_is_rejected() {
        let e = Params::parse(&entries(&[("random_dropout", "150")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("random_dropout") && e.contains("'150'") && e.contains("0 to 100"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_lists_accepted_keys() {
        let e = Params::parse(&entries(&[("bogus", "1")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("autoscheduler.bogus") && e.contains("beam_size, random_dropout"),
            "{e}"
        );
    }

    #[test]
    fn weights_path_points_to_model_path() {
        let e = Params::parse(&entries(&[("weights_path", "w.weights")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("model_path"), "{e}");
    }

    #[test]
    fn memory_limit_minus_one_means_unlimited() {
        let p = Params::parse(&entries(&[("memory_limit", "-1")])).unwrap();
        assert_eq!(p.memory_limit, None);
    }
}
