//! The random pipeline generator (tools/random_pipeline): consecutive seeds build, autoschedule
//! with Gcn (a beam-32 search and a dropout sample), and every schedule's output equals the
//! reference's (every Func at root) byte for byte. The full 1,000-seed run is recorded in the
//! issue; this is a slice of it.

use std::path::PathBuf;

use halide_gcn_tools::collect::{collect, Options, Pipelines};
use halide_gcn_tools::toolchain::Toolchain;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn a_slice_of_seeds_builds_schedules_and_matches_the_reference() {
    let repo = repo();
    let options = Options {
        out: PathBuf::new(),
        pipelines: Pipelines::Random {
            seeds: (0..12).collect(),
            stages: 0,
        },
        schedules: 2,
        dropout: 20,
        sampler: Vec::new(),
        threads: 2,
        jobs: 2,
        repeats: 1,
        min_time_s: 0.03,
        noise_threshold: 0.05,
        check_only: true,
        work: repo.join("target/tools-tests/random-slice"),
        plugin: Some(repo.join("target/debug/libautoschedule_gcn.so")),
    };
    let report = collect(&repo, &options).unwrap();
    assert_eq!(report.mismatches, 0, "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
}

/// Seed 701 draws a 3x3 stencil over a full-range int32 image (a cast) and a histogram of its
/// result. Summed in 32 bits the stencil could overflow, and Halide refused to compile the
/// reference ("Signed integer overflow occurred during constant-folding"); 32-bit stencils now
/// sum in 64 bits.
#[test]
fn a_stencil_over_full_range_int32_values_compiles() {
    let repo = repo();
    let work = repo.join("target/tools-tests/random-int32-stencil");
    std::fs::create_dir_all(&work).unwrap();
    let tc = Toolchain::locate(
        &repo,
        &work,
        Some(&repo.join("target/debug/libautoschedule_gcn.so")),
    )
    .unwrap();
    let generator = tc.generator("tools/random_pipeline", "random").unwrap();
    let out = std::process::Command::new(&generator)
        .args([
            "-g",
            "random_pipeline",
            "-f",
            "random_pipeline",
            "-e",
            "static_library",
            "-o",
        ])
        .arg(&work)
        .args(["target=host-strict_float", "seed=701", "reference=true"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(work.join("random_pipeline.a").exists());
}
