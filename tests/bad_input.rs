//! Bad input through the real generator client: each case must end in a clean non-zero exit
//! (no signal, no abort) with a message that names what is wrong — or, for pipelines at the
//! edge of what is supported, in a schedule whose output is exactly right. (The autoschedulers shipped
//! in the Halide wheel abort the process on such errors; ours raises a Halide CompileError.)

mod support;

use support::*;

fn expect_clean_error(pipeline: &str, target: &str, params: &[(&str, &str)], needles: &[&str]) {
    let dir = fresh_dir(&format!(
        "bad-{pipeline}-{}",
        params.iter().map(|p| p.0).collect::<Vec<_>>().join("-")
    ));
    let mut cmd = generator_command(
        &generator_binary(),
        pipeline,
        &dir,
        &["static_library", "c_header"],
        target,
    );
    cmd.args(gcn_args(params));
    let out = run(&mut cmd); // panics on a signal (abort, segfault)
    let stderr = stderr_of(&out);
    assert!(
        !out.status.success(),
        "{pipeline} with {params:?} succeeded:\n{stderr}"
    );
    assert_ne!(out.status.code(), Some(134), "aborted:\n{stderr}");
    assert!(
        stderr.contains("Gcn autoscheduler: "),
        "no Gcn error message:\n{stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "message lacks '{needle}':\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("panicked"),
        "a Rust panic reached the user:\n{stderr}"
    );
}

#[test]
fn unknown_key_is_named_with_the_accepted_keys() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("bogus", "1")],
        &["autoscheduler.bogus", "beam_size"],
    );
}

#[test]
fn zero_beam_size_is_rejected() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("beam_size", "0")],
        &["autoscheduler.beam_size must be a positive integer, got '0'"],
    );
}

#[test]
fn dropout_over_one_hundred_is_rejected() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("random_dropout", "150")],
        &["random_dropout", "'150'", "0 to 100"],
    );
}

#[test]
fn non_numeric_parallelism_is_rejected() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("parallelism", "abc")],
        &["autoscheduler.parallelism", "'abc'"],
    );
}

#[test]
fn weights_path_gets_a_model_path_hint() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("weights_path", "x.weights")],
        &["model_path"],
    );
}

#[test]
fn missing_output_estimate_names_output_and_dimension() {
    expect_clean_error(
        "missing_output_estimate",
        TARGET,
        &[],
        &["missing estimate for output 'out' dimension 1 (y)"],
    );
}

#[test]
fn missing_input_estimate_names_buffer_and_dimension() {
    expect_clean_error(
        "missing_input_estimate",
        TARGET,
        &[],
        &["missing estimate for input buffer 'input'", "dimension 0"],
    );
}

#[test]
fn gpu_target_is_refused_as_cpu_only() {
    expect_clean_error(
        "separable_blur",
        "host-cuda",
        &[],
        &["GPU", "CPU code only"],
    );
}

#[test]
fn zero_size_estimate_is_refused() {
    expect_clean_error(
        "zero_size_estimate",
        TARGET,
        &[],
        &["estimated extent of output 'out' dimension 0 (x) must be positive, got 0"],
    );
}

#[test]
fn extern_stage_is_refused_with_its_name() {
    expect_clean_error(
        "extern_stage",
        TARGET,
        &[],
        &["'external'", "define_extern"],
    );
}

/// Writes `bytes` as a model file in a fresh folder and returns its path.
fn model_file(name: &str, bytes: &[u8]) -> String {
    let path = fresh_dir(&format!("model-{name}")).join(format!("{name}.onnx"));
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// A valid model (the embedded one) as a message to break.
fn model_proto_to_break() -> tract_onnx::pb::ModelProto {
    use prost::Message;
    tract_onnx::pb::ModelProto::decode(autoschedule_gcn::model_file::EMBEDDED_MODEL).unwrap()
}

fn expect_model_error(path: &str, needles: &[&str]) {
    let mut all = vec![path];
    all.extend_from_slice(needles);
    expect_clean_error("separable_blur", TARGET, &[("model_path", path)], &all);
}

#[test]
fn model_path_to_a_missing_file() {
    expect_model_error("/nonexistent/model.onnx", &["no such file"]);
}

#[test]
fn model_path_to_an_empty_file() {
    expect_model_error(&model_file("empty", &[]), &["empty"]);
}

#[test]
fn model_path_to_a_truncated_onnx_file() {
    let whole = autoschedule_gcn::model_file::EMBEDDED_MODEL;
    expect_model_error(
        &model_file("truncated", &whole[..whole.len() * 2 / 3]),
        &["not a readable ONNX model"],
    );
}

#[test]
fn model_path_to_a_model_with_other_input_names() {
    let mut proto = model_proto_to_break();
    proto.graph.as_mut().unwrap().input[2].name = "edges".into();
    let bytes = autoschedule_gcn::onnx_writer::encode(&proto);
    expect_model_error(&model_file("renamed", &bytes), &["edges", "adjacency"]);
}

#[test]
fn model_path_to_a_model_for_other_features() {
    let mut proto = model_proto_to_break();
    for entry in &mut proto.metadata_props {
        if entry.key == "halide_gcn.schedule_feature_names" {
            entry.value = entry.value.replacen("inlined", "inlined_stage", 1);
        }
    }
    let bytes = autoschedule_gcn::onnx_writer::encode(&proto);
    expect_model_error(
        &model_file("other_features", &bytes),
        &["column 0 is 'inlined_stage' in the model, 'inlined' here"],
    );
}

#[test]
fn model_path_to_a_model_that_predicts_nan() {
    let mut proto = model_proto_to_break();
    for tensor in &mut proto.graph.as_mut().unwrap().initializer {
        if tensor.name == "head.bias" {
            tensor.float_data = vec![f32::NAN];
        }
    }
    let bytes = autoschedule_gcn::onnx_writer::encode(&proto);
    expect_model_error(&model_file("nan", &bytes), &["NaN", "broken"]);
}

#[test]
fn model_path_with_the_analytic_cost_model_is_contradictory() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("cost_model", "analytic"), ("model_path", "m.onnx")],
        &["model_path=m.onnx", "cost_model=analytic"],
    );
}

#[test]
fn one_element_output_gets_a_correct_schedule() {
    check_gcn_matches_reference("one_element_output", &[], &["schedule"]);
}

#[test]
fn func_required_only_through_an_update_gets_a_correct_schedule() {
    check_gcn_matches_reference("only_through_update", &[], &["schedule"]);
    check_gcn_matches_reference("only_through_update", &[("beam_size", "1")], &["schedule"]);
}
