//! Schedule-independent features of each stage (DESIGN §5): an operation histogram by kind and
//! scalar class (counted by the glue), and access-pattern counts by pattern, access kind and
//! scalar class (classified here from each load's and the store's Jacobian).
//!
//! The layout is fixed by [`feature_names`]; the featurization blob stores the names, so a
//! reader can tell which column is which.

use crate::bridge::ffi::{OpKind, ScalarClass, ScalarTypeDesc};
use crate::dag::{access_pattern, jacobian, AccessPattern, Dag};

pub const OP_KIND_NAMES: &[&str] = &[
    "const",
    "cast",
    "variable",
    "param",
    "add",
    "sub",
    "mod",
    "mul",
    "div",
    "min",
    "max",
    "eq",
    "ne",
    "lt",
    "le",
    "and",
    "or",
    "not",
    "select",
    "image_call",
    "func_call",
    "self_call",
    "extern_call",
    "let",
];
pub const SCALAR_CLASS_NAMES: &[&str] =
    &["bool", "int8", "int16", "int32", "int64", "float", "double"];
pub const ACCESS_KIND_NAMES: &[&str] = &["load_func", "load_self", "load_image", "store"];
pub const PATTERN_NAMES: &[&str] = &[
    "pointwise",
    "transpose",
    "broadcast",
    "slice",
    "strided",
    "gather",
];

pub const NUM_OP_FEATURES: usize = OP_KIND_NAMES.len() * SCALAR_CLASS_NAMES.len();
pub const NUM_FEATURES: usize =
    NUM_OP_FEATURES + PATTERN_NAMES.len() * ACCESS_KIND_NAMES.len() * SCALAR_CLASS_NAMES.len();

// The glue's enums and these name tables must agree.
const _: () = assert!(OP_KIND_NAMES.len() == OpKind::Let.repr as usize + 1);
const _: () = assert!(SCALAR_CLASS_NAMES.len() == ScalarClass::Double.repr as usize + 1);

/// The scalar class of a type, as the glue classifies it.
pub fn scalar_class(t: ScalarTypeDesc) -> usize {
    let class = match (t.code, t.bits) {
        (_, 1) => ScalarClass::Bool,
        (2, b) if b > 32 => ScalarClass::Double,
        (2, _) => ScalarClass::Float,
        (_, b) if b <= 8 => ScalarClass::Int8,
        (_, b) if b <= 16 => ScalarClass::Int16,
        (_, b) if b <= 32 => ScalarClass::Int32,
        _ => ScalarClass::Int64,
    };
    class.repr as usize
}

/// Column names, in order.
pub fn feature_names() -> Vec<String> {
    let mut names = Vec::with_capacity(NUM_FEATURES);
    for kind in OP_KIND_NAMES {
        for class in SCALAR_CLASS_NAMES {
            names.push(format!("op.{kind}.{class}"));
        }
    }
    for pattern in PATTERN_NAMES {
        for access in ACCESS_KIND_NAMES {
            for class in SCALAR_CLASS_NAMES {
                names.push(format!("access.{pattern}.{access}.{class}"));
            }
        }
    }
    names
}

fn access_index(pattern: AccessPattern, access: usize, class: usize) -> usize {
    NUM_OP_FEATURES
        + (pattern as usize * ACCESS_KIND_NAMES.len() + access) * SCALAR_CLASS_NAMES.len()
        + class
}

/// Loads and stores of scalar class `class` in a stage's feature row, over every access pattern
/// and kind.
pub fn accesses_of_class(row: &[f32], class: usize) -> f32 {
    (0..PATTERN_NAMES.len() * ACCESS_KIND_NAMES.len())
        .filter_map(|k| row.get(NUM_OP_FEATURES + k * SCALAR_CLASS_NAMES.len() + class))
        .sum()
}

/// The feature vector of stage `s`.
pub fn stage_features(dag: &Dag, s: usize) -> Vec<f32> {
    let stage = dag.stage(s);
    let mut out = vec![0f32; NUM_FEATURES];
    for (i, &count) in stage.op_histogram.iter().take(NUM_OP_FEATURES).enumerate() {
        out[i] = count as f32;
    }
    let num_loops = stage.loops.len();
    for load in &stage.loads {
        let callee = dag.func(load.callee as usize);
        let access = if load.callee == stage.func {
            1
        } else if callee.is_input {
            2
        } else {
            0
        };
        let pattern = access_pattern(&jacobian(&load.args, num_loops), num_loops);
        out[access_index(pattern, access, scalar_class(load.scalar_type))] += 1.0;
    }
    let func = dag.func(stage.func as usize);
    let store_pattern = access_pattern(&jacobian(&stage.store_args, num_loops), num_loops);
    for t in &func.types {
        out[access_index(store_pattern, 3, scalar_class(*t))] += 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_width() {
        let names = feature_names();
        assert_eq!(names.len(), NUM_FEATURES);
        assert_eq!(names[0], "op.const.bool");
        assert_eq!(
            names[access_index(AccessPattern::Gather, 3, 6)],
            "access.gather.store.double"
        );
    }

    #[test]
    fn scalar_classes_follow_bits_and_code() {
        assert_eq!(
            scalar_class(ScalarTypeDesc { code: 1, bits: 8 }),
            ScalarClass::Int8.repr as usize
        );
        assert_eq!(
            scalar_class(ScalarTypeDesc { code: 2, bits: 64 }),
            ScalarClass::Double.repr as usize
        );
        assert_eq!(
            scalar_class(ScalarTypeDesc { code: 1, bits: 1 }),
            ScalarClass::Bool.repr as usize
        );
    }
}
