//! Correctness oracle over the test-pipeline library (tests/pipelines/): each pipeline is
//! autoscheduled by the generator loading the plugin with `-p libautoschedule_gcn.so
//! autoscheduler=Gcn`, compiled, run on seeded random inputs, and its outputs compared byte for
//! byte with the unscheduled pipeline's (both compiled with strict_float).

#[macro_use]
mod support;

use support::check_gcn_matches_reference;

macro_rules! pipeline_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_gcn_matches_reference(stringify!($name), &[], &["schedule", "featurization"]);
            }
        )*
    };
}

with_test_pipelines!(pipeline_tests);

#[test]
fn parallelism_one_gives_a_serial_schedule_with_the_same_output() {
    let serial =
        check_gcn_matches_reference("separable_blur", &[("parallelism", "1")], &["schedule"]);
    let source = std::fs::read_to_string(serial.join("separable_blur.schedule.h")).unwrap();
    assert!(!source.contains(".parallel("), "{source}");
    let parallel =
        check_gcn_matches_reference("separable_blur", &[("parallelism", "2")], &["schedule"]);
    let source = std::fs::read_to_string(parallel.join("separable_blur.schedule.h")).unwrap();
    assert!(source.contains(".parallel("), "{source}");
}

/// A sampled schedule of a mirrored-border blur once tiled a Func computed inside the boundary
/// condition 1920 wide with a shifted tail (its region at the border), so that in the tiles
/// elsewhere (about 130 wide) it read the input ~1800 columns before its start: Halide refused
/// an input of the estimated size, and given the larger one RunGen allocates, the border came
/// out different. Tiles of Funcs computed inside loops now guard their tails.
#[test]
fn funcs_tiled_inside_a_boundary_condition_stay_within_the_input() {
    check_gcn_matches_reference(
        "mirrored_blur",
        &[
            ("beam_size", "1"),
            ("random_dropout", "20"),
            ("random_dropout_seed", "11"),
        ],
        &["schedule"],
    );
}
