//! The Dag export checked by hand on real pipelines (tests/pipelines/): the generator runs the
//! plugin with HALIDE_GCN_DUMP_DAG set, and the dump's footprints, Jacobians and access
//! patterns are compared with values worked out from the pipelines' definitions.

mod support;

use support::*;

/// The dump of `pipeline` as the autoscheduler sees it.
fn dump_of(pipeline: &str) -> String {
    let dir = fresh_dir(&format!("dump-{pipeline}"));
    let dump = dir.join("dag.txt");
    let mut cmd = generator_command(&generator_binary(), pipeline, &dir, &["c_header"], TARGET);
    cmd.env("HALIDE_GCN_DUMP_DAG", &dump).args(gcn_args(&[]));
    run_ok(&mut cmd);
    std::fs::read_to_string(&dump).unwrap()
}

fn assert_line(dump: &str, line: &str) {
    assert!(
        dump.lines().any(|l| l == line),
        "missing line\n  {line}\nin dump:\n{dump}"
    );
}

#[test]
fn footprint_of_three_tap_blur_widens_by_two() {
    let dump = dump_of("separable_blur");
    // blur_x(x, y) reads input(x), input(x+1), input(x+2): x.min .. x.max + 2; rows unchanged.
    assert_line(
        &dump,
        "edge input_im -> blur_x dim=0 min=x.min max=x.max + 2 root=0..257",
    );
    assert_line(
        &dump,
        "edge input_im -> blur_x dim=1 min=y.min max=y.max root=0..193",
    );
    // out reads blur_x at y, y+1, y+2 over the 256x192 output.
    assert_line(
        &dump,
        "edge blur_x -> out dim=1 min=y.min max=y.max + 2 root=0..193",
    );
    assert_line(&dump, "stage blur_x loops=x,y extents=256,194");
}

#[test]
fn downsample_by_two_has_coefficient_two() {
    let dump = dump_of("pyramid");
    // down_2(x, y) reads down_1(2x .. 2x+1, 2y .. 2y+1).
    assert_line(
        &dump,
        "edge down_1 -> down_2 dim=0 min=2*x.min max=2*x.max + 1 root=0..127",
    );
    assert_line(&dump, "load down_2 down_1 pattern=Strided jacobian=2,0;0,2");
    // up_2(x, y) reads up_3 = down_3 at (x/2, y/2): slope one half.
    assert!(
        dump.lines()
            .any(|l| l.starts_with("load up_2 down_3 pattern=Strided jacobian=1/2,0;0,1/2")),
        "{dump}"
    );
}

#[test]
fn transpose_swaps_dimensions() {
    let dump = dump_of("transpose");
    // flipped(x, y) = input(y, x): input dimension 0 follows y, dimension 1 follows x.
    assert_line(
        &dump,
        "edge input_im -> flipped dim=0 min=y.min max=y.max root=0..95",
    );
    assert_line(
        &dump,
        "edge input_im -> flipped dim=1 min=x.min max=x.max root=0..127",
    );
    assert_line(
        &dump,
        "load flipped input_im pattern=Transpose jacobian=0,1;1,0",
    );
}

#[test]
fn transcendental_calls_that_vary_per_point_are_counted_apart() {
    let dump = dump_of("gamma_curve");
    // curve(i) = u8(clamp(pow(f32(i) / 1023, 1 / gamma) * (2 - pow(2, contrast / 100)) * 255
    // + 0.5, 0, 255)): 13 operations (2 casts, 3 divisions, the 2 pow calls, a subtraction,
    // 2 multiplications, an addition, a max and a min); the pow of i counts apart as a log and
    // an exp, 25 operations each (24 more than its call); the pow of Params alone is hoisted
    // out of the loop and not counted.
    assert_line(&dump, "ops curve computed=61 transcendental=2");
    // curved(x, y) = curve(clamp(i32(input(x, y)), 0, 1023)): a cast, a max and a min.
    assert_line(&dump, "ops curved computed=3 transcendental=0");
}

#[test]
fn data_dependent_accesses_are_gathers() {
    let dump = dump_of("lookup_table");
    // table(input(x, y)): the index is loaded data, the footprint is the whole u8 range.
    assert_line(&dump, "load mapped table_im pattern=Gather jacobian=?,?");
    assert_line(
        &dump,
        "edge table_im -> mapped dim=0 min=0 max=255 root=0..255",
    );
    let histogram = dump_of("histogram");
    // hist(bright(r.x, r.y)) += 1 reads hist at a data-dependent bin.
    assert_line(
        &histogram,
        "load hist.update(0) hist pattern=Gather jacobian=?,?",
    );
    assert_line(
        &histogram,
        "stage hist.update(0) loops=r$x,r$y extents=256,192",
    );
}

#[test]
fn update_with_rvar_scan_computes_the_whole_row() {
    let dump = dump_of("scan");
    // cumulative(r, y) for r in [1, 199]: loops r (rvar) and y; the pure stage covers 200x64.
    assert_line(
        &dump,
        "stage cumulative.update(0) loops=r$x,y extents=199,64",
    );
    assert_line(&dump, "stage cumulative loops=x,y extents=200,64");
}

#[test]
fn boundary_conditions_keep_the_slope_of_what_they_clamp() {
    let dump = dump_of("stencil_chain");
    // repeat_edge(x, y) = lambda_0(clamp(likely(x), 0, W - 1), clamp(likely(y), 0, H - 1))
    // (lambda_0 wraps the input): Halide runs the loop's interior unclamped, so the load is
    // pointwise, not a gather.
    assert_line(
        &dump,
        "load repeat_edge lambda_0 pattern=Pointwise jacobian=1,0;0,1",
    );
}

#[test]
fn call_arguments_shared_in_lets_keep_their_slopes() {
    let dump = dump_of("patch_distance");
    // out(x, y, dx, dy) reads clamped(x, y, c) and clamped(x + dx, y + dy, c); Halide keeps
    // x + dx and y + dy in lets, whose values the export substitutes.
    assert_line(
        &dump,
        "load out repeat_edge pattern=Slice jacobian=1,0,0,0;0,1,0,0;0,0,0,0",
    );
    assert!(
        dump.lines().any(|l| l
            .starts_with("load out repeat_edge pattern=Strided jacobian=1,0,1,0;0,1,0,1;0,0,0,0")),
        "{dump}"
    );
    assert!(!dump.contains("pattern=Gather"), "{dump}");
}
