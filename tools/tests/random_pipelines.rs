//! The random pipeline generator (tools/random_pipeline): consecutive seeds build, autoschedule
//! with Gcn (a beam-32 search and a dropout sample), and every schedule's output equals the
//! reference's (every Func at root) byte for byte. The full 1,000-seed run is recorded in the
//! issue; this is a slice of it.

use std::path::PathBuf;

use halide_gcn_tools::collect::{collect, Options, Pipelines};

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
