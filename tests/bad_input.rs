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

#[test]
fn gcn_cost_model_is_not_available_yet() {
    expect_clean_error(
        "separable_blur",
        TARGET,
        &[("cost_model", "gcn")],
        &["cost_model=gcn is not available yet"],
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
