//! The featurization blob end to end: a generator emits it (`-e featurization`), the Rust
//! reader parses it, the values are the ones the pipeline implies, and writing it again gives
//! the same bytes. Damaged blobs are rejected with a message, never a panic.

mod support;

use autoschedule_gcn::featurization::{EdgeKind, Featurization};
use support::*;

fn emitted(pipeline: &str) -> Vec<u8> {
    let dir = check_gcn_matches_reference(pipeline, &[], &["featurization"]);
    std::fs::read(dir.join(format!("{pipeline}.featurization"))).unwrap()
}

/// The featurization of `pipeline` under the schedule Gcn samples with random dropout seed
/// `seed` (beam 1, half the children kept), checked against the reference; seed 0: the
/// schedule Gcn chooses.
fn sampled(pipeline: &str, seed: u32) -> Featurization {
    let seed = seed.to_string();
    let params: Vec<(&str, &str)> = if seed == "0" {
        Vec::new()
    } else {
        vec![
            ("beam_size", "1"),
            ("random_dropout", "50"),
            ("random_dropout_seed", seed.as_str()),
        ]
    };
    let dir = check_gcn_matches_reference(pipeline, &params, &["featurization"]);
    Featurization::from_bytes(
        &std::fs::read(dir.join(format!("{pipeline}.featurization"))).unwrap(),
    )
    .unwrap()
}

fn column(names: &[String], name: &str) -> usize {
    names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn blur_featurization_round_trips_with_the_expected_values() {
    let bytes = emitted("separable_blur");
    let f = Featurization::from_bytes(&bytes).unwrap();
    assert_eq!(
        f.to_bytes(),
        bytes,
        "writing the parsed blob must give the same bytes"
    );

    let names: Vec<&str> = f.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["input_im", "blur_x", "out"]);
    let dataflow: Vec<(u32, u32)> = f
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Dataflow)
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(dataflow, [(0, 1), (1, 2)]);

    let blur_x = &f.stages[1];
    let out = &f.stages[2];
    assert_eq!(
        blur_x.pipeline_features.len(),
        f.pipeline_feature_names.len()
    );
    assert_eq!(
        blur_x.schedule_features.len(),
        f.schedule_feature_names.len()
    );
    let s = &f.schedule_feature_names;
    // The output is computed at root over exactly its 256 x 192 estimate.
    assert_eq!(out.schedule_features[column(s, "computed_at_root")], 1.0);
    assert_eq!(
        out.schedule_features[column(s, "points_computed_total")],
        (256 * 192) as f32
    );
    // blur_x needs at least the output's rows plus a 2-row apron; tiling may recompute more.
    let minimum = blur_x.schedule_features[column(s, "points_computed_minimum")];
    assert_eq!(minimum, (256 * 194) as f32);
    assert!(blur_x.schedule_features[column(s, "points_computed_total")] >= minimum);
    assert_eq!(blur_x.schedule_features[column(s, "inlined")], 0.0);
    // Three float loads of input_im, all pointwise; three float adds, two multiplies.
    let p = &f.pipeline_feature_names;
    assert_eq!(
        blur_x.pipeline_features[column(p, "access.pointwise.load_func.float")],
        3.0
    );
    assert_eq!(
        blur_x.pipeline_features[column(p, "op.func_call.float")],
        3.0
    );
    assert_eq!(blur_x.pipeline_features[column(p, "op.mul.float")], 2.0);
}

#[test]
fn reads_through_an_inlined_producer_count_as_reads_of_what_it_reads() {
    // Sampled schedules of the blur. In those that inline input_im (a wrapper of the input
    // buffer), blur_x loads the input buffer through it: every point of blur_x reads at least
    // its own float pixel, so its footprint is at least 4 bytes per point it computes.
    let mut inlined = 0;
    for seed in 1..=24 {
        let f = sampled("separable_blur", seed);
        let s = &f.schedule_feature_names;
        let value = |stage: usize, name: &str| f.stages[stage].schedule_features[column(s, name)];
        assert_eq!(f.stages[1].name, "blur_x");
        if value(0, "inlined") == 1.0 {
            inlined += 1;
            let points = value(1, "points_computed_per_realization");
            let read = value(1, "unique_bytes_read_per_realization");
            assert!(
                read >= 4.0 * points && value(1, "bytes_read_per_tile") > 0.0,
                "seed {seed}: blur_x reads {read} bytes for {points} points through inlined input_im"
            );
        }
    }
    assert!(
        inlined > 0,
        "no sampled schedule inlined input_im: the check above never ran"
    );
}

/// Checks one schedule of pointwise_mixed: a = f(in8, in16); b = f(a, in32); c = f(b, inf);
/// d = f(c, ind, in8); out = d + a. A call of an inlined Func loads nothing; the Func's own
/// loads happen instead, and what a stage reads is every computed Func or input it reaches
/// through inlined ones, each once. Returns (vectorized stages checked, Funcs inlined).
fn check_pointwise_mixed(f: &Featurization, what: &str) -> (usize, usize) {
    let s = &f.schedule_feature_names;
    let stage = |name: &str| {
        f.stages
            .iter()
            .find(|st| st.name == name)
            .unwrap_or_else(|| panic!("no stage {name}"))
    };
    let value = |name: &str, feature: &str| stage(name).schedule_features[column(s, feature)];
    let calls: &[(&str, &[&str])] = &[
        ("a", &["in8", "in16"]),
        ("b", &["a", "in32"]),
        ("c", &["b", "inf"]),
        ("d", &["c", "ind", "in8"]),
        ("out", &["d", "a"]),
    ];
    fn loads(f: &str, calls: &[(&str, &[&str])], inlined: &dyn Fn(&str) -> bool) -> f32 {
        let callees = calls
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, c)| *c)
            .unwrap_or(&[]);
        callees
            .iter()
            .map(|&g| {
                let is_func = calls.iter().any(|(h, _)| *h == g);
                if is_func && inlined(g) {
                    loads(g, calls, inlined)
                } else {
                    1.0
                }
            })
            .sum()
    }
    let inlined = |g: &str| value(g, "inlined") == 1.0;
    // What a stage reads once inlined Funcs are expanded: each computed Func or input once.
    fn reached<'a>(
        f: &str,
        calls: &[(&str, &'a [&'a str])],
        inlined: &dyn Fn(&str) -> bool,
        out: &mut std::collections::BTreeSet<&'a str>,
    ) {
        let callees = calls
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, c)| *c)
            .unwrap_or(&[]);
        for &g in callees {
            if calls.iter().any(|(h, _)| *h == g) && inlined(g) {
                reached(g, calls, inlined, out);
            } else {
                out.insert(g);
            }
        }
    }
    let bytes_per_point = |g: &str| match g {
        "in8" => 1.0,
        "in16" | "a" => 2.0,
        "in32" | "inf" | "b" | "c" => 4.0,
        _ => 8.0,
    };
    let mut checked = 0;
    for (name, _) in calls {
        if inlined(name) {
            continue;
        }
        // Pointwise everywhere: each producer's footprint is the stage's own region over a
        // realization. Its points computed may be more (tiles shifted inwards overlap), except
        // when it slides: a sliding Func computes each point of its realization once, and
        // stores only a fold of it.
        let mut reads = std::collections::BTreeSet::new();
        reached(name, calls, &inlined, &mut reads);
        let per_point: f32 = reads.iter().map(|g| bytes_per_point(g)).sum();
        let computed = value(name, "points_computed_per_realization");
        let slides = value(name, "num_productions") > value(name, "num_realizations");
        let region_points = if slides {
            computed
        } else {
            let region = value(name, "bytes_at_realization") / bytes_per_point(name);
            assert!(
                region <= computed,
                "{what}: {name} computes less than its region"
            );
            region
        };
        assert_eq!(
            value(name, "unique_bytes_read_per_realization"),
            per_point * region_points,
            "{what}: {name} reads {reads:?}, each once"
        );
        if value(name, "vector_size") <= 1.0 {
            continue;
        }
        checked += 1;
        // Every access is pointwise: dense along the vectorized x.
        assert_eq!(
            (
                value(name, "vector_loads_per_vector"),
                value(name, "scalar_loads_per_vector")
            ),
            (loads(name, calls, &inlined), 0.0),
            "{what}: {name}: loads per vector (inlined: {:?})",
            calls
                .iter()
                .map(|(g, _)| (*g, inlined(g)))
                .collect::<Vec<_>>()
        );
    }
    let inlined_funcs = ["a", "b", "c", "d"].iter().filter(|g| inlined(g)).count();
    (checked, inlined_funcs)
}

#[test]
fn loads_and_reads_of_inlined_producers_count_as_the_consumer_s() {
    // The chosen schedule and sampled ones, so that different sets of Funcs are inlined.
    let mut shapes = std::collections::BTreeSet::new();
    let (mut checked, mut with_inlining) = (0, 0);
    for seed in 0..=12 {
        let f = sampled("pointwise_mixed", seed);
        let (vectorized, inlined) = check_pointwise_mixed(&f, &format!("seed {seed}"));
        checked += vectorized;
        with_inlining += (inlined > 0) as usize;
        shapes.insert(inlined);
    }
    assert!(checked > 0, "no vectorized stage to check");
    assert!(
        with_inlining > 0,
        "nothing inlined: no load was expanded through anything"
    );
    assert!(
        shapes.len() > 1,
        "every schedule inlined the same number of Funcs"
    );
}

#[test]
fn update_stages_are_chained_in_the_stage_graph() {
    let f = Featurization::from_bytes(&emitted("multi_update")).unwrap();
    let order: Vec<(String, String)> = f
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::StageOrder)
        .map(|e| {
            (
                f.stages[e.from as usize].name.clone(),
                f.stages[e.to as usize].name.clone(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("f".to_string(), "f.update(0)".to_string()),
            ("f.update(0)".to_string(), "f.update(1)".to_string()),
            ("f.update(1)".to_string(), "f.update(2)".to_string()),
        ]
    );
}

#[test]
fn damaged_blobs_are_rejected_with_a_message() {
    let bytes = emitted("diamond");
    for cut in [0, 7, 12, bytes.len() / 2, bytes.len() - 1] {
        let err = Featurization::from_bytes(&bytes[..cut])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("truncated") || err.contains("corrupt"),
            "cut at {cut}: {err}"
        );
    }
    let mut wrong_magic = bytes.clone();
    wrong_magic[0] = b'X';
    assert!(Featurization::from_bytes(&wrong_magic)
        .unwrap_err()
        .to_string()
        .contains("bad magic"));
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&99u32.to_le_bytes());
    assert!(Featurization::from_bytes(&future)
        .unwrap_err()
        .to_string()
        .contains("unsupported version 99"));
    let mut trailing = bytes;
    trailing.push(0);
    assert!(Featurization::from_bytes(&trailing)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
}

/// Runs `pipeline` with the loop nest `text` applied (`autoscheduler.loop_nest`), checks its
/// output against the reference and returns its featurization (or the generator's error).
fn applied(pipeline: &str, tag: &str, text: &str) -> Result<Featurization, String> {
    let dir = fresh_dir(&format!("{pipeline}-nest-{tag}"));
    let path = dir.join("schedule.nest");
    std::fs::write(&path, text).unwrap();
    let path = path.display().to_string();
    let out = generate(
        pipeline,
        &dir,
        &["featurization"],
        &gcn_args(&[("loop_nest", path.as_str())]),
    );
    if !out.status.success() {
        return Err(stderr_of(&out));
    }
    let runner = build_runner(pipeline, &dir);
    let got = run_outputs(&runner, &dir, 1);
    assert_same_outputs(
        &format!("{pipeline} with its loop nest applied"),
        &got,
        &reference_outputs(pipeline),
    );
    Ok(Featurization::from_bytes(
        &std::fs::read(dir.join(format!("{pipeline}.featurization"))).unwrap(),
    )
    .unwrap())
}

#[test]
fn a_recorded_loop_nest_applied_again_gives_the_same_schedule() {
    // Sampled schedules (inlining, compute_at, sliding, subtiling, updates, RVars, parallel
    // loops) rather than only the chosen one.
    for (pipeline, seed) in [
        ("pyramid", 3),
        ("matmul", 5),
        ("mirrored_blur", 0),
        ("scan", 2),
    ] {
        let recorded = sampled(pipeline, seed);
        assert!(
            recorded
                .loop_nest
                .starts_with(autoschedule_gcn::nest_text::HEADER),
            "{pipeline}: no loop nest recorded:\n{}",
            recorded.loop_nest
        );
        let again = applied(pipeline, &seed.to_string(), &recorded.loop_nest)
            .unwrap_or_else(|e| panic!("{pipeline}: the recorded nest was refused: {e}"));
        assert_eq!(again.loop_nest, recorded.loop_nest, "{pipeline}");
        assert_eq!(again, recorded, "{pipeline}: another featurization");
    }
}

#[test]
fn a_bad_loop_nest_file_is_a_clear_error() {
    let recorded = sampled("separable_blur", 0);
    // A Func of another pipeline.
    let other = recorded.loop_nest.replacen("func blur_x", "func blur_q", 1);
    let e = applied("separable_blur", "unknown", &other).unwrap_err();
    assert!(
        e.contains("autoscheduler.loop_nest=") && e.contains("no scheduled Func `blur_q`"),
        "{e}"
    );
    // A missing file.
    let out = generate(
        "separable_blur",
        &fresh_dir("separable_blur-nest-missing"),
        &["featurization"],
        &gcn_args(&[("loop_nest", "/nonexistent/schedule.nest")]),
    );
    let e = stderr_of(&out);
    assert!(
        !out.status.success() && e.contains("cannot read autoscheduler.loop_nest"),
        "{e}"
    );
}

#[test]
fn a_version_one_blob_still_reads_without_a_loop_nest() {
    let bytes = emitted("diamond");
    let f = Featurization::from_bytes(&bytes).unwrap();
    // Version 1 is version 2 without the trailing loop nest string.
    let nest_bytes = 4 + f.loop_nest.len();
    let mut v1 = bytes[..bytes.len() - nest_bytes].to_vec();
    v1[8..12].copy_from_slice(&1u32.to_le_bytes());
    let old = Featurization::from_bytes(&v1).unwrap();
    assert_eq!(old.loop_nest, "");
    assert_eq!(
        Featurization {
            loop_nest: String::new(),
            ..f
        },
        old
    );
}

#[test]
fn a_reduction_s_features_count_its_accumulators_and_its_sweep() {
    // matmul: prod(x, y) += a(k, y) * b(x, k) over k in [0, 128); its update's loops are
    // (k, x, y), innermost first, and k runs outside the inner tile.
    let recorded = sampled("matmul", 0);
    let update_line = recorded
        .loop_nest
        .lines()
        .find(|l| l.trim_start().starts_with("stage prod.update(0) "))
        .unwrap_or_else(|| panic!("no update stage in\n{}", recorded.loop_nest));
    let with_update = |tile: &str| {
        let text = recorded.loop_nest.replace(
            update_line,
            &format!("  stage prod.update(0) tile {tile} block - vector 1x8 parallel -"),
        );
        applied("matmul", &tile.replace(',', "x"), &text)
            .unwrap_or_else(|e| panic!("tile {tile}: {e}"))
    };
    let names = &recorded.schedule_feature_names;
    let value = |f: &Featurization, stage: &str, name: &str| {
        let record = f
            .stages
            .iter()
            .find(|st| st.name == stage)
            .unwrap_or_else(|| panic!("no stage {stage}"));
        record.schedule_features[column(names, name)]
    };
    // An 8x4 block of accumulators: 32 floats swept per step of k, 128 steps per point.
    let blocked = with_update("1,8,4");
    assert_eq!(value(&blocked, "prod.update(0)", "points_per_tile"), 32.0);
    assert_eq!(value(&blocked, "prod.update(0)", "reduction_extent"), 128.0);
    assert_eq!(
        value(&blocked, "prod.update(0)", "bytes_per_reduction_step"),
        128.0
    );
    // Whole rows of 128 accumulators: four times the bytes revisited per step.
    let rows = with_update("1,128,1");
    assert_eq!(
        value(&rows, "prod.update(0)", "bytes_per_reduction_step"),
        512.0
    );
    // The pure definition reduces nothing.
    assert_eq!(value(&rows, "prod", "reduction_extent"), 1.0);
    assert_eq!(value(&rows, "prod", "bytes_per_reduction_step"), 0.0);
}
