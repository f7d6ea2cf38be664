//! The GCN runtime (docs/model.md): the ONNX file our writer produces, run by tract through the
//! evaluator the plugin uses, agrees with the plain-Rust reference network; bad model files are
//! refused with errors that name the file and what was expected.

use autoschedule_gcn::features::SCHEDULE_FEATURE_NAMES;
use autoschedule_gcn::gcn_evaluator::GcnEvaluator;
use autoschedule_gcn::gcn_reference::forward_owned;
use autoschedule_gcn::gcn_weights::{GcnShape, GcnWeights};
use autoschedule_gcn::model_file::{load_bytes, EMBEDDED_MODEL};
use autoschedule_gcn::normalization::{ColumnStats, Normalization};
use autoschedule_gcn::onnx_writer::{encode, model_proto, write_model};
use autoschedule_gcn::pipeline_features::feature_names;
use ndarray::{Array2, Array3};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

fn unit(rng: &mut ChaCha8Rng) -> f32 {
    (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}

/// Normalization with random (valid) statistics, so that parity covers it too.
fn random_normalization(rng: &mut ChaCha8Rng) -> Normalization {
    let mut group = |names: Vec<String>| {
        let n = names.len();
        ColumnStats {
            names,
            mean: (0..n).map(|_| unit(rng) * 2.0).collect(),
            std: (0..n).map(|_| 0.5 + unit(rng) * 2.0).collect(),
        }
    };
    Normalization {
        pipeline: group(feature_names()),
        schedule: group(
            SCHEDULE_FEATURE_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
    }
}

fn shape(normalization: &Normalization) -> GcnShape {
    GcnShape {
        pipeline_features: normalization.pipeline.len(),
        schedule_features: normalization.schedule.len(),
        hidden: 32,
        layers: 3,
    }
}

/// Raw feature values spanning several orders of magnitude, some zero.
fn raw_values(rng: &mut ChaCha8Rng, count: usize) -> Vec<f32> {
    (0..count)
        .map(|_| {
            let u = unit(rng);
            if u < 0.3 {
                0.0
            } else {
                (unit(rng) * 12.0).exp()
            }
        })
        .collect()
}

/// A random DAG-like adjacency: each stage reads up to two earlier ones.
fn random_adjacency(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    let mut a = vec![0.0; n * n];
    for j in 1..n {
        for _ in 0..2 {
            if unit(rng) < 0.7 {
                let i = (rng.next_u32() as usize) % j;
                a[i * n + j] = 1.0;
            }
        }
    }
    a
}

/// Relative tolerance of tract against the reference. The head exponentiates a log cost, so a
/// rounding difference δ in the log (summation order of f32 matrix products, |z| up to ~25 with
/// random weights) is a relative difference δ in the cost.
const PARITY: f64 = 1e-4;

#[test]
fn tract_on_the_written_onnx_matches_the_reference_forward_pass() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let normalization = random_normalization(&mut rng);
    let weights = GcnWeights::random(shape(&normalization), 3);
    let bytes = write_model(&weights, &normalization, "parity test");
    let model = Arc::new(load_bytes(&bytes, "parity model").unwrap());
    let (p, s) = (normalization.pipeline.len(), normalization.schedule.len());
    let mut worst: f64 = 0.0;
    for n in [1, 7, 40, 150] {
        let adjacency = random_adjacency(&mut rng, n);
        let pipeline = raw_values(&mut rng, n * p);
        let mut evaluator = GcnEvaluator::new(model.clone());
        evaluator.set_pipeline(n, &adjacency, &pipeline).unwrap();
        // 87 = 64 + 16 + 4 + 1 + 1 + 1: a plan of every batch size.
        for b in [1, 33, 87, 256] {
            let schedule = raw_values(&mut rng, b * n * s);
            for state in schedule.chunks(n * s) {
                evaluator.enqueue(state).unwrap();
            }
            let got = evaluator.evaluate().unwrap().to_vec();
            let got_stages = evaluator.stage_costs().to_vec();

            let mut pipeline_norm = pipeline.clone();
            normalization.pipeline.apply(&mut pipeline_norm);
            let mut schedule_norm = schedule.clone();
            normalization.schedule.apply(&mut schedule_norm);
            let (want, want_stages) = forward_owned(
                &weights,
                &Array2::from_shape_vec((n, p), pipeline_norm).unwrap(),
                &Array3::from_shape_vec((b, n, s), schedule_norm).unwrap(),
                &Array2::from_shape_vec((n, n), adjacency.clone()).unwrap(),
            );
            assert_eq!(got.len(), b);
            for (k, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                let relative = (g - *w as f64).abs() / (*w as f64).abs().max(1e-30);
                worst = worst.max(relative);
                assert!(
                    relative <= PARITY,
                    "N={n} B={b} state {k}: tract {g}, reference {w} (relative {relative:e})"
                );
            }
            for (g, w) in got_stages.iter().zip(want_stages.iter()) {
                let relative = ((g - w).abs() / w.abs().max(1e-30)) as f64;
                assert!(relative <= PARITY, "N={n} B={b}: stage cost {g} vs {w}");
            }
        }
    }
    eprintln!("worst relative difference: {worst:e}");
}

#[test]
fn the_embedded_model_loads_and_matches_this_plugins_features() {
    let model = load_bytes(EMBEDDED_MODEL, "models/gcn.onnx").unwrap_or_else(|e| {
        panic!("{e}\n(regenerate it: cargo run -p halide-gcn-tools -- init-model)")
    });
    assert_eq!(model.normalization.pipeline.names, feature_names());
    assert!(model.has_stage_cost);
}

fn load_error(bytes: &[u8]) -> String {
    load_bytes(bytes, "model file bad.onnx")
        .unwrap_err()
        .to_string()
}

fn writer_proto() -> (tract_onnx::pb::ModelProto, Normalization, GcnWeights) {
    let names = |v: Vec<String>| ColumnStats::identity(v);
    let normalization = Normalization {
        pipeline: names(feature_names()),
        schedule: names(
            SCHEDULE_FEATURE_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
    };
    let weights = GcnWeights::random(shape(&normalization), 1);
    (
        model_proto(&weights, &normalization, "test"),
        normalization,
        weights,
    )
}

#[test]
fn an_empty_file_is_refused() {
    let e = load_error(&[]);
    assert!(e.contains("bad.onnx") && e.contains("empty"), "{e}");
}

#[test]
fn a_truncated_file_is_refused() {
    let whole = EMBEDDED_MODEL;
    let e = load_error(&whole[..whole.len() / 2]);
    assert!(e.contains("bad.onnx") && e.contains("ONNX"), "{e}");
}

#[test]
fn wrong_input_names_are_refused() {
    let (mut proto, _, _) = writer_proto();
    let graph = proto.graph.as_mut().unwrap();
    graph.input[1].name = "features".into();
    let e = load_error(&encode(&proto));
    assert!(
        e.contains("bad.onnx") && e.contains("schedule_features") && e.contains("features"),
        "{e}"
    );
}

#[test]
fn wrong_feature_widths_are_refused() {
    // A model made for fewer schedule features than this plugin computes.
    let (_, mut normalization, _) = writer_proto();
    normalization.schedule.names.pop();
    normalization.schedule.mean.pop();
    normalization.schedule.std.pop();
    let weights = GcnWeights::random(shape(&normalization), 1);
    let e = load_error(&write_model(&weights, &normalization, "narrow"));
    assert!(
        e.contains("bad.onnx")
            && e.contains(&format!(
                "{} schedule features",
                SCHEDULE_FEATURE_NAMES.len() - 1
            ))
            && e.contains(&format!("computes {}", SCHEDULE_FEATURE_NAMES.len())),
        "{e}"
    );
}

#[test]
fn an_input_width_that_contradicts_the_metadata_is_refused() {
    let (mut proto, _, _) = writer_proto();
    let graph = proto.graph.as_mut().unwrap();
    let tract_onnx::pb::type_proto::Value::TensorType(t) = graph.input[0]
        .r#type
        .as_mut()
        .unwrap()
        .value
        .as_mut()
        .unwrap();
    let last = t.shape.as_mut().unwrap().dim.last_mut().unwrap();
    last.value = Some(tract_onnx::pb::tensor_shape_proto::dimension::Value::DimValue(7));
    let e = load_error(&encode(&proto));
    assert!(
        e.contains("pipeline_features") && e.contains("7 features wide"),
        "{e}"
    );
}

#[test]
fn a_model_that_predicts_nan_is_refused_at_evaluation() {
    let (_, normalization, mut weights) = writer_proto();
    weights.head.bias[0] = f32::NAN;
    let model = Arc::new(
        load_bytes(
            &write_model(&weights, &normalization, "nan"),
            "model file nan.onnx",
        )
        .unwrap(),
    );
    let mut evaluator = GcnEvaluator::new(model);
    let n = 3;
    let p = normalization.pipeline.len();
    let s = normalization.schedule.len();
    evaluator
        .set_pipeline(n, &[0., 1., 0., 0., 0., 1., 0., 0., 0.], &vec![1.0; n * p])
        .unwrap();
    evaluator.enqueue(&vec![1.0; n * s]).unwrap();
    let e = evaluator.evaluate().unwrap_err().to_string();
    assert!(e.contains("nan.onnx") && e.contains("NaN"), "{e}");
}

#[test]
fn a_wrong_format_version_is_refused() {
    let (mut proto, _, _) = writer_proto();
    for entry in &mut proto.metadata_props {
        if entry.key == "halide_gcn.format_version" {
            entry.value = "99".into();
        }
    }
    let e = load_error(&encode(&proto));
    assert!(e.contains("version '99'"), "{e}");
}
