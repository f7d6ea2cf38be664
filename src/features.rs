//! Schedule features per stage (DESIGN §7): what a complete [`LoopNest`] does to each stage, in
//! numbers, from its [`NestBounds`]. Every feature is documented with its unit in
//! docs/features.md; the cost models read [`StageFeatures`], the featurization stores
//! [`StageFeatures::to_row`] under [`SCHEDULE_FEATURE_NAMES`].
//!
//! Values are raw counts, extents and bytes; models log-scale them. An inlined stage has all
//! zeros except `inlined`: its work is counted in its consumers (`inlined_ops`).

use std::collections::BTreeMap;

use crate::bounds::{RootBounds, Span};
use crate::dag::Dag;
use crate::expr::Rational;
use crate::inlined_ops::ops_per_point;
use crate::loop_nest::{LoopNest, Placement};
use crate::nest_bounds::{symbols_of, NestBounds};
use crate::stage_loops::{
    computed_extent, contiguous_extent, middle_step, unrolled_extent, RegisterReuse,
};

/// Bytes in one cache line (x86-64 and AArch64 alike).
pub const CACHE_LINE_BYTES: f64 = 64.0;

/// Largest value a feature row holds: counts that overflow any float (inlining a long stencil
/// chain multiplies its operations by the taps at every level) saturate here.
pub const FEATURE_CEILING: f64 = 1e30;

/// Column names, in the order of [`StageFeatures::to_row`].
pub const SCHEDULE_FEATURE_NAMES: &[&str] = &[
    "inlined",
    "computed_at_root",
    "num_realizations",
    "num_productions",
    "points_computed_per_realization",
    "points_computed_per_production",
    "points_computed_total",
    "points_computed_minimum",
    "innermost_loop_extent",
    "innermost_pure_loop_extent",
    "unrolled_loop_extent",
    "inner_parallelism",
    "outer_parallelism",
    "bytes_at_realization",
    "bytes_at_production",
    "bytes_at_root",
    "innermost_bytes_at_realization",
    "innermost_bytes_at_root",
    "inlined_ops",
    "ops_per_point",
    "unique_bytes_read_per_realization",
    "unique_lines_read_per_realization",
    "allocation_bytes_read_per_realization",
    "working_set",
    "vector_size",
    "native_vector_size",
    "num_vectors",
    "num_scalars",
    "scalar_loads_per_vector",
    "vector_loads_per_vector",
    "bytes_read_per_tile",
    "lines_read_per_tile",
    "read_run_bytes",
    "write_run_bytes",
    "points_per_tile",
    "reduction_extent",
    "bytes_per_reduction_step",
];

/// Features of one stage under one loop nest. Units in docs/features.md.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StageFeatures {
    pub inlined: f64,
    pub computed_at_root: f64,
    pub num_realizations: f64,
    pub num_productions: f64,
    pub points_computed_per_realization: f64,
    pub points_computed_per_production: f64,
    pub points_computed_total: f64,
    pub points_computed_minimum: f64,
    pub innermost_loop_extent: f64,
    pub innermost_pure_loop_extent: f64,
    pub unrolled_loop_extent: f64,
    pub inner_parallelism: f64,
    pub outer_parallelism: f64,
    pub bytes_at_realization: f64,
    pub bytes_at_production: f64,
    pub bytes_at_root: f64,
    pub innermost_bytes_at_realization: f64,
    pub innermost_bytes_at_root: f64,
    pub inlined_ops: f64,
    pub ops_per_point: f64,
    pub unique_bytes_read_per_realization: f64,
    pub unique_lines_read_per_realization: f64,
    pub allocation_bytes_read_per_realization: f64,
    pub working_set: f64,
    pub vector_size: f64,
    pub native_vector_size: f64,
    pub num_vectors: f64,
    pub num_scalars: f64,
    pub scalar_loads_per_vector: f64,
    pub vector_loads_per_vector: f64,
    pub bytes_read_per_tile: f64,
    pub lines_read_per_tile: f64,
    /// Shortest contiguous run (bytes along storage dimension 0) that one inner tile reads
    /// from a computed producer.
    pub read_run_bytes: f64,
    /// Contiguous run (bytes along storage dimension 0) that one inner tile writes.
    pub write_run_bytes: f64,
    /// Points of one inner tile.
    pub points_per_tile: f64,
    /// Iterations of the stage's RVar loops per point (1 for a pure definition).
    pub reduction_extent: f64,
    /// Bytes of the stage's own Func swept by one iteration of its innermost RVar loop (0
    /// without RVars).
    pub bytes_per_reduction_step: f64,
}

impl StageFeatures {
    /// Every feature, mutable, in [`SCHEDULE_FEATURE_NAMES`] order: the one place that order
    /// is written down for rows.
    fn fields_mut(&mut self) -> [&mut f64; SCHEDULE_FEATURE_NAMES.len()] {
        [
            &mut self.inlined,
            &mut self.computed_at_root,
            &mut self.num_realizations,
            &mut self.num_productions,
            &mut self.points_computed_per_realization,
            &mut self.points_computed_per_production,
            &mut self.points_computed_total,
            &mut self.points_computed_minimum,
            &mut self.innermost_loop_extent,
            &mut self.innermost_pure_loop_extent,
            &mut self.unrolled_loop_extent,
            &mut self.inner_parallelism,
            &mut self.outer_parallelism,
            &mut self.bytes_at_realization,
            &mut self.bytes_at_production,
            &mut self.bytes_at_root,
            &mut self.innermost_bytes_at_realization,
            &mut self.innermost_bytes_at_root,
            &mut self.inlined_ops,
            &mut self.ops_per_point,
            &mut self.unique_bytes_read_per_realization,
            &mut self.unique_lines_read_per_realization,
            &mut self.allocation_bytes_read_per_realization,
            &mut self.working_set,
            &mut self.vector_size,
            &mut self.native_vector_size,
            &mut self.num_vectors,
            &mut self.num_scalars,
            &mut self.scalar_loads_per_vector,
            &mut self.vector_loads_per_vector,
            &mut self.bytes_read_per_tile,
            &mut self.lines_read_per_tile,
            &mut self.read_run_bytes,
            &mut self.write_run_bytes,
            &mut self.points_per_tile,
            &mut self.reduction_extent,
            &mut self.bytes_per_reduction_step,
        ]
    }

    /// The features as a row in [`SCHEDULE_FEATURE_NAMES`] order.
    pub fn to_row(&self) -> Vec<f32> {
        let mut copy = *self;
        copy.fields_mut()
            .iter()
            .map(|v| v.min(FEATURE_CEILING) as f32)
            .collect()
    }

    /// The inverse of [`StageFeatures::to_row`]: a stored row (a featurization file's, a
    /// dataset's) back as features, for models that price features directly. `None` when the
    /// row is not [`SCHEDULE_FEATURE_NAMES`] long.
    pub fn from_row(row: &[f32]) -> Option<StageFeatures> {
        if row.len() != SCHEDULE_FEATURE_NAMES.len() {
            return None;
        }
        let mut features = StageFeatures::default();
        for (field, value) in features.fields_mut().into_iter().zip(row) {
            *field = f64::from(*value);
        }
        Some(features)
    }
}

use crate::nest_bounds::points;

fn lines(spans: &[crate::bounds::Span], bytes_per_point: f64) -> f64 {
    let Some(first) = spans.first() else {
        return 1.0;
    };
    let row_lines = (first.extent().max(0) as f64 * bytes_per_point / CACHE_LINE_BYTES).ceil();
    row_lines
        * spans[1..]
            .iter()
            .map(|s| s.extent().max(0) as f64)
            .product::<f64>()
}

/// A load's Jacobian: `[callee dim][loop]`, `None` where a slope is unknown.
type Jacobian = Vec<Vec<Option<Rational>>>;

/// The Jacobian over a consumer's loops of a load that an inlined Func makes: `inner` is the
/// load over the inlined Func's pure stage `ps` (whose loops are its dimensions), `call` the
/// consumer's call of the inlined Func over the consumer's loops.
fn compose(dag: &Dag, ps: usize, inner: &Jacobian, call: &Jacobian) -> Jacobian {
    let consumer_loops = call.first().map(Vec::len).unwrap_or(0);
    let p_loops = &dag.stage(ps).loops;
    inner
        .iter()
        .map(|row| {
            (0..consumer_loops)
                .map(|cl| {
                    let mut sum = Rational::ZERO;
                    for (pl, slope) in row.iter().enumerate() {
                        let through = p_loops
                            .get(pl)
                            .and_then(|lp| call.get(lp.pure_dim.max(0) as usize))
                            .map(|r| r[cl]);
                        let term = match (slope, through) {
                            (Some(a), _) if a.is_zero() => Some(Rational::ZERO),
                            (_, Some(Some(b))) if b.is_zero() => Some(Rational::ZERO),
                            (Some(a), Some(Some(b))) => Some(a.mul(b)),
                            _ => None,
                        };
                        sum = sum.add(term?);
                    }
                    Some(sum)
                })
                .collect()
        })
        .collect()
}

/// The memory loads one point of stage `s` makes, with inlined producers expanded: each
/// distinct Jacobian over `s`'s loops and how many loads have it. A call of an inlined Func
/// loads nothing itself; its own loads, composed with the call, take its place. Memoized per
/// stage (`memo`), and equal Jacobians merged, so an inlined stencil chain costs one visit per
/// Func, not one per tap.
fn memory_loads(
    dag: &Dag,
    nest: &LoopNest,
    s: usize,
    memo: &mut Vec<Option<Vec<(Jacobian, f64)>>>,
) -> Vec<(Jacobian, f64)> {
    if let Some(hit) = &memo[s] {
        return hit.clone();
    }
    let mut loads: Vec<(Jacobian, f64)> = Vec::new();
    let mut add =
        |jacobian: Jacobian, count: f64| match loads.iter_mut().find(|(j, _)| *j == jacobian) {
            Some((_, n)) => *n = (*n + count).min(FEATURE_CEILING),
            None => loads.push((jacobian, count)),
        };
    for (load, call) in dag.stage(s).loads.iter().zip(&dag.load_jacobians[s]) {
        let callee = load.callee as usize;
        if nest.choice(callee).map(|c| c.placement) == Some(Placement::Inline) {
            let ps = dag.stages_of(callee).start;
            for (inner, count) in memory_loads(dag, nest, ps, memo) {
                add(compose(dag, ps, &inner, call), count);
            }
        } else {
            add(call.clone(), 1.0);
        }
    }
    memo[s] = Some(loads.clone());
    loads
}

/// Whether a load moves by exactly one element per step of loop `l` in dimension 0 and not at
/// all in the others (a dense vector load when `l` is vectorized), from its Jacobian; `None`
/// when a slope is unknown.
fn dense_along(jacobian: &[Vec<Option<Rational>>], l: usize) -> Option<bool> {
    let mut dense = true;
    for (d, row) in jacobian.iter().enumerate() {
        let slope = (*row.get(l)?)?;
        let want = if d == 0 {
            Rational::ONE
        } else {
            Rational::ZERO
        };
        if slope != want && !(d == 0 && slope.is_zero()) {
            dense = false;
        }
    }
    Some(dense)
}

/// What a stage reads from one computed producer (or input): the box one realization of the
/// stage reads, and the box one innermost run (one tile) reads.
/// What a stage reads of one computed producer (or input), per box of its loops.
struct ProducerRead {
    producer: usize,
    /// Footprint over one realization of the stage's Func.
    realization: Vec<Span>,
    /// Footprint over one inner tile.
    tile: Vec<Span>,
    /// Footprint over one contiguous run along storage dimension 0.
    run: Vec<Span>,
}

/// Stage `s`'s reads from computed producers, given its loops over one realization, one tile
/// and one contiguous run (`boxes`, in that order). Inlined producers are read through: the
/// region of an inlined Func that `s` needs becomes its loops, and its own footprints on its
/// producers apply to those, down to the first computed Func on every path. Regions reaching a
/// Func along several paths are merged first (Funcs are visited consumers first), so a lattice
/// of inlined Funcs costs one visit per Func.
fn reads_through_inlined(
    dag: &Dag,
    nest: &LoopNest,
    s: usize,
    boxes: [&[Span]; 3],
) -> Vec<ProducerRead> {
    let eval = |pairs: &[crate::dag::BoundPair], loops: &[Span]| -> Vec<Span> {
        let symbols = symbols_of(loops);
        let none = || String::new();
        pairs
            .iter()
            .map(|pair| {
                Span::new(
                    pair.min.eval(&symbols, &none).unwrap_or(0),
                    pair.max.eval(&symbols, &none).unwrap_or(0),
                )
            })
            .collect()
    };
    let merge = |into: &mut Vec<Span>, add: Vec<Span>| {
        if into.is_empty() {
            *into = add;
        } else {
            for (a, b) in into.iter_mut().zip(add) {
                *a = a.union(&b);
            }
        }
    };
    let inlined = |f: usize| nest.choice(f).map(|c| c.placement) == Some(Placement::Inline);
    // Per Func: its footprint per box, merged over every path to it; inlined Funcs wait to be
    // expanded, computed ones (and inputs) are what the stage reads.
    type Boxes = BTreeMap<usize, [Vec<Span>; 3]>;
    let (mut to_expand, mut computed): (Boxes, Boxes) = Default::default();
    let add_reads_of =
        |stage: usize, loops: [&[Span]; 3], to_expand: &mut Boxes, computed: &mut Boxes| {
            for &e in &dag.edges_into_stage[stage] {
                let p = dag.raw.edges[e].producer as usize;
                let into = if inlined(p) {
                    &mut *to_expand
                } else {
                    &mut *computed
                };
                let entry = into.entry(p).or_default();
                for (merged, l) in entry.iter_mut().zip(loops) {
                    merge(merged, eval(&dag.footprints[e], l));
                }
            }
        };
    add_reads_of(s, boxes, &mut to_expand, &mut computed);
    // Scheduled Funcs come producers first: expanding the highest index first, every path into
    // an inlined Func has been merged before it is expanded.
    while let Some((f, regions)) = to_expand.pop_last() {
        // An inlined Func has only its pure stage, whose loops are its dimensions.
        let ps = dag.stages_of(f).start;
        let loops_of = |region: &[Span]| -> Vec<Span> {
            dag.stage(ps)
                .loops
                .iter()
                .map(|lp| {
                    region
                        .get(lp.pure_dim.max(0) as usize)
                        .copied()
                        .unwrap_or(Span::new(0, 0))
                })
                .collect()
        };
        let [realization, tile, run] = regions.each_ref().map(|r| loops_of(r));
        add_reads_of(
            ps,
            [&realization, &tile, &run],
            &mut to_expand,
            &mut computed,
        );
    }
    computed
        .into_iter()
        .map(|(producer, [realization, tile, run])| ProducerRead {
            producer,
            realization,
            tile,
            run,
        })
        .collect()
}

/// Features of every stage of a complete nest.
pub fn schedule_features(
    dag: &Dag,
    nest: &LoopNest,
    bounds: &NestBounds,
    root: &RootBounds,
) -> Vec<StageFeatures> {
    let mut out = vec![StageFeatures::default(); dag.raw.stages.len()];
    // Bytes allocated inside each stage's tiles, in one pass over the Funcs.
    let mut working_set = vec![0.0; dag.raw.stages.len()];
    for g in dag.scheduled_funcs() {
        if let Some(Placement::At(site)) = nest.choice(g).map(|c| c.placement) {
            working_set[site.stage] += stored_points(bounds, g, nest.site_folds(dag, site))
                * dag.bytes_per_point(g) as f64;
        }
    }
    let mut ops_memo = vec![None; dag.raw.stages.len()];
    let mut loads_memo = vec![None; dag.raw.stages.len()];
    let deepest_sites = nest.deepest_sites(dag.raw.stages.len());
    // Per stage, what it reads of each computed producer; priced after every stage's reads are
    // known ([`read_sources`]).
    let mut producer_reads: Vec<Vec<ReadBytes>> = vec![Vec::new(); dag.raw.stages.len()];
    let sliding = nest.sliding_depths(dag.raw.stages.len());
    for f in dag.scheduled_funcs() {
        let Some(choice) = nest.choice(f) else {
            continue;
        };
        let bytes_per_point = dag.bytes_per_point(f) as f64;
        for (k, s) in dag.stages_of(f).enumerate() {
            let row = &mut out[s];
            if choice.placement == Placement::Inline {
                row.inlined = 1.0;
                continue;
            }
            let tiling = &choice.stages[k];
            let stage = dag.stage(s);
            let productions = bounds.productions[f];
            let realizations = bounds.realizations[f];
            let loops = &bounds.loops[s];
            let region_points = match choice.placement {
                Placement::At(site) => stored_points(bounds, f, nest.site_folds(dag, site)),
                _ => points(&bounds.region[f]),
            };
            row.computed_at_root = (choice.placement == Placement::Root) as u8 as f64;
            row.num_realizations = realizations;
            row.num_productions = productions;
            // Edge tiles shifted inwards recompute points: per pure loop, the points a
            // production computes over those it needs.
            let shifted = nest.shifted_loops(dag, s, &sliding[s]);
            let recomputed: f64 = shifted
                .iter()
                .enumerate()
                .filter(|&(l, &shifted)| shifted && !stage.loops[l].is_rvar)
                .map(|(l, _)| {
                    let extent = loops[l].extent().max(0);
                    let computed = computed_extent(tiling, l, extent, true);
                    computed as f64 / extent.max(1) as f64
                })
                .product();
            row.points_computed_per_realization = points(&bounds.realization_loops[s]) * recomputed;
            row.points_computed_total = realizations * row.points_computed_per_realization;
            row.points_computed_per_production = row.points_computed_total / productions.max(1.0);
            row.points_computed_minimum = points(&root.loops[s]);
            let (own_ops, inlined_ops) = ops_per_point(dag, nest, s, &mut ops_memo);
            row.inlined_ops = inlined_ops;
            row.ops_per_point = own_ops + inlined_ops;

            let lanes = tiling.vector.map(|(_, lanes)| lanes).unwrap_or(1) as f64;
            row.vector_size = lanes;
            row.native_vector_size = crate::tiling::vector_lanes(dag, s) as f64;
            let innermost_pure = stage.loops.iter().position(|l| !l.is_rvar);
            // Per loop, the extent of the points one innermost run covers: the tile, and when
            // nothing is tiled the whole innermost loop (an RVar, or the innermost pure loop).
            let untiled_innermost = tiling
                .tile
                .iter()
                .all(|&t| t <= 1)
                .then(|| crate::loop_nest::outer_loops(dag, s).first().copied())
                .flatten();
            let run_extent = |l: usize| -> i64 {
                if Some(l) == untiled_innermost {
                    loops[l].extent().max(1)
                } else if stage.loops[l].is_rvar {
                    1
                } else {
                    tiling.tile[l].max(1)
                }
            };
            row.innermost_loop_extent = match (tiling.vector, untiled_innermost) {
                (Some(_), _) => lanes,
                (None, Some(l)) => run_extent(l) as f64,
                (None, None) => {
                    // The innermost tile loop.
                    (0..stage.loops.len())
                        .find(|&l| tiling.tile[l] > 1)
                        .map(|l| tiling.tile[l] as f64)
                        .unwrap_or(1.0)
                }
            };
            row.innermost_pure_loop_extent =
                innermost_pure.map(|l| run_extent(l) as f64).unwrap_or(1.0);
            row.unrolled_loop_extent =
                unrolled_extent(stage, tiling, deepest_sites[s], row.ops_per_point) as f64;
            match tiling.vector {
                Some((v, lanes)) => {
                    // A row of a tile that is not whole vectors ends in a partial vector: a
                    // shifted tail computes it as a whole vector overlapping the one before, a
                    // guarded tail point by point (Halide scalarizes a guarded vector loop's
                    // epilogue). camera_pipe's curve lookup over 66-point rows in 64 lanes ran
                    // twice as long as over 64-point rows.
                    let row_points = tiling.tile[v].min(loops[v].extent()).max(1);
                    let rows = row.points_computed_total / row_points as f64;
                    let whole = row_points / lanes;
                    let rest = row_points % lanes;
                    if shifted[v] {
                        row.num_vectors = rows * (whole + (rest > 0) as i64) as f64;
                    } else {
                        row.num_vectors = rows * whole as f64;
                        row.num_scalars = rows * rest as f64;
                    }
                }
                None => row.num_scalars = row.points_computed_total,
            }

            let tasks: f64 = tiling
                .parallel
                .iter()
                .map(|&l| (loops[l].extent() as f64 / tiling.outer_block(l) as f64).ceil())
                .product();
            row.inner_parallelism = if tiling.parallel.is_empty() {
                1.0
            } else {
                tasks
            };
            row.outer_parallelism = enclosing_parallelism(dag, nest, s, bounds);

            row.bytes_at_realization = region_points * bytes_per_point;
            row.bytes_at_production = points(&bounds.region[f]) * bytes_per_point;
            row.bytes_at_root = points(&root.computed[f]) * bytes_per_point;
            row.innermost_bytes_at_realization = bounds.region[f]
                .first()
                .map(|s| s.extent() as f64)
                .unwrap_or(1.0)
                * bytes_per_point;
            row.innermost_bytes_at_root = root.computed[f]
                .first()
                .map(|s| s.extent() as f64)
                .unwrap_or(1.0)
                * bytes_per_point;

            // Loads from computed producers; an inlined producer is read through to what it
            // reads (its footprints composed with the consumer's). Three boxes of loops: one
            // realization, one inner tile, and one contiguous run along storage dimension 0
            // (the tile, stretched along that dimension while every loop around it runs once).
            // Each box in the middle of the loops, as the bounds measure a site's iteration.
            let box_of = |extent_of: &dyn Fn(usize) -> i64| -> Vec<Span> {
                loops
                    .iter()
                    .enumerate()
                    .map(|(l, span)| middle_step(*span, extent_of(l)))
                    .collect()
            };
            let tile_loops = box_of(&run_extent);
            row.points_per_tile = points(&tile_loops);
            // The RVars run outside the inner loops, which sweep one outer block (or tile) of
            // the pure loops per iteration of the innermost RVar: the accumulators it revisits.
            let rvars: Vec<usize> = (0..stage.loops.len())
                .filter(|&l| stage.loops[l].is_rvar)
                .collect();
            row.reduction_extent = rvars
                .iter()
                .map(|&l| loops[l].extent().max(1) as f64)
                .product();
            if !rvars.is_empty() {
                let swept: f64 = (0..stage.loops.len())
                    .filter(|&l| !stage.loops[l].is_rvar)
                    .map(|l| tiling.outer_block(l).min(loops[l].extent().max(1)) as f64)
                    .product();
                row.bytes_per_reduction_step = swept * bytes_per_point;
            }
            let storage_loop = stage
                .loops
                .iter()
                .position(|l| !l.is_rvar && l.pure_dim == 0);
            let storage_run =
                storage_loop.map(|l| run_extent(l).max(contiguous_extent(stage, tiling, loops, l)));
            let run_along = |l: usize| -> i64 {
                match storage_run {
                    Some(run) if Some(l) == storage_loop => run,
                    _ => run_extent(l),
                }
            };
            let run_loops = box_of(&run_along);
            // Mean contiguous run of the bytes read: bytes over runs, summed over producers
            // (a 16-byte kernel read whole counts as one short run, not as the run of all).
            let (mut run_bytes_read, mut runs_read) = (0.0, 0.0);
            for read in reads_through_inlined(
                dag,
                nest,
                s,
                [&bounds.realization_loops[s], &tile_loops, &run_loops],
            ) {
                let p_bytes = dag.bytes_per_point(read.producer) as f64;
                let footprint = &read.realization;
                let bytes = points(footprint) * p_bytes;
                if let Some(first) = read.run.first() {
                    let run = first.extent().max(1) as f64 * p_bytes;
                    run_bytes_read += bytes;
                    runs_read += bytes / run;
                }
                row.unique_bytes_read_per_realization += bytes;
                row.unique_lines_read_per_realization += lines(footprint, p_bytes);
                producer_reads[s].push(ReadBytes {
                    producer: read.producer,
                    footprint: bytes,
                    allocation: points(&bounds.region[read.producer]) * p_bytes,
                });
                row.bytes_read_per_tile += points(&read.tile) * p_bytes;
                row.lines_read_per_tile += lines(&read.tile, p_bytes);
            }
            if runs_read > 0.0 {
                row.read_run_bytes = run_bytes_read / runs_read;
            }
            // A stage that is not vectorized loads one lane at a time: its loads per point
            // count as scalar loads per vector of one lane. Loads are counted after register
            // reuse (`RegisterReuse`): a load shared by unrolled copies or kept in a register
            // across the innermost rolled loop counts for the vector steps it serves, and a
            // broadcast (one lane loaded for all) for one lane of a vector.
            let vector_loop = tiling.vector.map(|(v, _)| v);
            let register_reuse =
                RegisterReuse::new(stage, tiling, loops, deepest_sites[s], row.ops_per_point);
            for (jacobian, count) in memory_loads(dag, nest, s, &mut loads_memo) {
                let invariant = |l: usize| {
                    jacobian
                        .iter()
                        .all(|row| row.get(l).copied().flatten().is_some_and(|r| r.is_zero()))
                };
                let reuse = register_reuse.of(invariant);
                let count = count / reuse;
                let Some(v) = vector_loop else {
                    row.scalar_loads_per_vector += count;
                    continue;
                };
                if invariant(v) {
                    row.vector_loads_per_vector += count / lanes;
                } else if dense_along(&jacobian, v) == Some(true) {
                    row.vector_loads_per_vector += count;
                } else {
                    row.scalar_loads_per_vector += lanes * count;
                }
            }
            row.write_run_bytes = storage_run.unwrap_or(1) as f64 * bytes_per_point;
            row.working_set = working_set[s];
        }
    }
    for (s, bytes) in read_sources(dag, nest, &producer_reads)
        .into_iter()
        .enumerate()
    {
        out[s].allocation_bytes_read_per_realization = bytes;
    }
    out
}

/// What a stage reads of one computed producer, in bytes.
#[derive(Clone)]
struct ReadBytes {
    producer: usize,
    /// Its footprint over one realization of the stage's Func.
    footprint: f64,
    /// The producer's allocation.
    allocation: f64,
}

/// Per stage, the bytes of the memory its reads come from, summed over its producers: a
/// producer's allocation, unless a Func computed at one of the stage's own sites reads that
/// producer too. That Func runs first in each iteration of the site's loop and brings in the
/// producer's lines the stage then reads (assumed to cover them), so they come from the cache
/// that holds its footprint. unsharp_mask's output and its `gray` (computed per output tile)
/// both read the input: the output's reads come from L2, not from the 24 MiB input in DRAM.
/// `producer_reads` as [`schedule_features`] collects it.
fn read_sources(dag: &Dag, nest: &LoopNest, producer_reads: &[Vec<ReadBytes>]) -> Vec<f64> {
    // warm[s][p]: the largest footprint of producer p read by a Func computed at a site of s.
    let mut warm: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); producer_reads.len()];
    for g in dag.scheduled_funcs() {
        let Some(Placement::At(site)) = nest.choice(g).map(|c| c.placement) else {
            continue;
        };
        for t in dag.stages_of(g) {
            for read in &producer_reads[t] {
                let bytes = warm[site.stage].entry(read.producer).or_insert(0.0);
                *bytes = bytes.max(read.footprint);
            }
        }
    }
    producer_reads
        .iter()
        .zip(&warm)
        .map(|(reads, warm)| {
            reads
                .iter()
                .map(|read| match warm.get(&read.producer) {
                    Some(&footprint) => read.allocation.min(footprint),
                    None => read.allocation,
                })
                .sum()
        })
        .collect()
}

/// Parallel tasks of the root stage whose parallel loops enclose stage `s` (1 if none; a root
/// stage's own parallel loops are its `inner_parallelism`).
fn enclosing_parallelism(dag: &Dag, nest: &LoopNest, s: usize, bounds: &NestBounds) -> f64 {
    let chain = nest.chain(dag, s);
    if chain.len() == 1 {
        return 1.0;
    }
    let outermost = chain[0];
    let f = dag.stage(outermost).func as usize;
    let Some(choice) = nest.choice(f) else {
        return 1.0;
    };
    let k = outermost - dag.stages_of(f).start;
    let tiling = &choice.stages[k];
    let loops = &bounds.loops[outermost];
    tiling
        .parallel
        .iter()
        .map(|&l| (loops[l].extent() as f64 / tiling.outer_block(l) as f64).ceil())
        .product::<f64>()
        .max(1.0)
}

/// Points Func `g` allocates per realization: a sliding Func whose storage Halide folds
/// (`folds`, [`LoopNest::site_folds`]) keeps only the rows one production needs, others their
/// whole region.
fn stored_points(bounds: &NestBounds, g: usize, folds: bool) -> f64 {
    if folds {
        points(&bounds.region[g])
    } else {
        points(&bounds.realization_region[g])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::root_bounds;
    use crate::loop_nest::{FuncChoice, Site, StageTiling};
    use crate::nest_bounds::nest_bounds;
    use crate::test_dags::{
        shared_producer, stencil_and_table, stencil_nest, stencil_pair, stencil_with_loads,
    };

    fn tiling(
        tile: [i64; 2],
        block: Option<[i64; 2]>,
        vector: Option<(usize, i64)>,
    ) -> StageTiling {
        StageTiling {
            tile: tile.to_vec(),
            block: block.map(|b| b.to_vec()),
            vector,
            parallel: Vec::new(),
        }
    }

    /// A single-stage Func's choice: untiled beyond `tile`, scalar, serial.
    fn choice(placement: Placement, tile: Vec<i64>) -> FuncChoice {
        FuncChoice {
            placement,
            stages: vec![StageTiling {
                tile,
                block: None,
                vector: None,
                parallel: Vec::new(),
            }],
        }
    }

    /// Features of f (index 0, at root) and the 64x64 output g (index 1, at root, tiled `g`).
    fn features_with(dag: &Dag, g: StageTiling) -> Vec<StageFeatures> {
        let root = root_bounds(dag).unwrap();
        let mut nest = stencil_nest(dag, Placement::Root);
        nest.choices[1].as_mut().unwrap().stages[0] = g;
        let bounds = nest_bounds(dag, &nest, &root).unwrap();
        schedule_features(dag, &nest, &bounds, &root)
    }

    #[test]
    fn a_row_reads_back_as_the_features_it_was_written_from() {
        let dag = stencil_pair();
        for f in features_with(&dag, tiling([24, 8], Some([40, 64]), None)) {
            let row = f.to_row();
            let back = StageFeatures::from_row(&row).expect("a full row");
            assert_eq!(back.to_row(), row);
            assert_eq!(back.points_computed_total, f.points_computed_total);
        }
        assert!(StageFeatures::from_row(&[1.0; 3]).is_none());
    }

    #[test]
    fn edge_tiles_shifted_inwards_count_the_points_they_recompute() {
        let dag = stencil_pair();
        let total = |g| features_with(&dag, g)[1].points_computed_total;
        // Tiles of 24 over 64 columns: three, the last shifted back over 8 columns.
        assert_eq!(total(tiling([24, 8], None, None)), 72.0 * 64.0);
        // Blocks of 40 columns in tiles of 8: two blocks of five tiles.
        assert_eq!(total(tiling([8, 8], Some([40, 64]), None)), 80.0 * 64.0);
        // Tiles that divide the loop recompute nothing.
        assert_eq!(total(tiling([16, 8], None, None)), 64.0 * 64.0);
        let g = &features_with(&dag, tiling([24, 8], None, None))[1];
        assert_eq!(g.points_computed_minimum, 64.0 * 64.0);
        assert_eq!(g.num_scalars, 72.0 * 64.0);
    }

    #[test]
    fn a_row_that_is_not_whole_vectors_ends_in_a_shifted_vector_or_in_scalars() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        // f at root computes 66 columns (g's 3-tap stencil): rows of two whole vectors of 32
        // lanes and a third shifted back over the second.
        let mut nest = stencil_nest(&dag, Placement::Root);
        nest.choices[0].as_mut().unwrap().stages[0] = tiling([66, 1], None, Some((0, 32)));
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        let f = &schedule_features(&dag, &nest, &bounds, &root)[0];
        assert_eq!(f.points_computed_total, 66.0 * 64.0);
        assert_eq!((f.num_vectors, f.num_scalars), (3.0 * 64.0, 0.0));
        // Sliding down g's rows (inside g's row loop, stored outside it), f's splits guard
        // their tails: two whole vectors and two points one at a time per row.
        nest.choices[1].as_mut().unwrap().stages[0] = tiling([64, 8], None, None);
        nest.choices[0].as_mut().unwrap().placement = Placement::At(Site {
            stage: 1,
            depth: 1,
            store_depth: 0,
        });
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        let f = &schedule_features(&dag, &nest, &bounds, &root)[0];
        let rows = f.points_computed_total / 66.0;
        assert!(rows >= 64.0, "{rows} rows");
        assert_eq!((f.num_vectors, f.num_scalars), (2.0 * rows, 2.0 * rows));
    }

    #[test]
    fn reads_per_tile_are_the_tile_s_own_footprint() {
        let dag = stencil_pair();
        // An 8x1 tile of the 3-tap stencil reads 10 points of f (40 bytes, one cache line).
        let g = &features_with(&dag, tiling([8, 1], None, None))[1];
        assert_eq!((g.bytes_read_per_tile, g.lines_read_per_tile), (40.0, 1.0));
        let g = &features_with(&dag, tiling([8, 8], None, None))[1];
        assert_eq!((g.bytes_read_per_tile, g.lines_read_per_tile), (320.0, 8.0));
    }

    #[test]
    fn a_row_shaped_tile_streams_along_the_whole_row() {
        let dag = stencil_pair();
        let runs = |g| {
            let g = &features_with(&dag, g)[1];
            (g.write_run_bytes, g.read_run_bytes)
        };
        // [8, 1]: the next tile along x follows directly: whole rows of g (64) and f (66).
        assert_eq!(runs(tiling([8, 1], None, None)), (256.0, 264.0));
        // [8, 4]: the tile loop over y comes between two tiles along x.
        assert_eq!(runs(tiling([8, 4], None, None)), (32.0, 40.0));
        // Untiled: the whole row, as before.
        assert_eq!(runs(tiling([1, 1], None, None)), (256.0, 264.0));
        // Blocks of 32 columns of [8, 1] tiles: the block loop over y (64 rows) ends the run.
        assert_eq!(runs(tiling([8, 1], Some([32, 64]), None)), (128.0, 136.0));
    }

    #[test]
    fn a_producer_also_read_by_a_func_computed_in_the_tile_is_read_from_its_footprint() {
        // a at root; g tiled 8x8 at root reads a pointwise and f's vertical stencil, so f and
        // a cover 64x66 floats (16896 bytes).
        let dag = shared_producer();
        let root = root_bounds(&dag).unwrap();
        let g_reads = |f_placement| {
            let mut nest = LoopNest::new(&dag);
            nest.choices = vec![
                Some(choice(Placement::Root, vec![1, 1])),
                Some(choice(f_placement, vec![1, 1])),
                Some(choice(Placement::Root, vec![8, 8])),
            ];
            let bounds = nest_bounds(&dag, &nest, &root).unwrap();
            schedule_features(&dag, &nest, &bounds, &root)[2].allocation_bytes_read_per_realization
        };
        // f at root: g reads both whole allocations.
        assert_eq!(g_reads(Placement::Root), 2.0 * 16896.0);
        // f computed per tile of g reads 8x10 points of a first: g's reads of a come from
        // those 320 bytes, and its reads of f from f's 8x10 allocation.
        assert_eq!(g_reads(Placement::At(Site::new(2, 0))), 320.0 + 320.0);
    }

    #[test]
    fn a_small_table_read_whole_does_not_shorten_the_read_runs() {
        let dag = stencil_and_table();
        let root = root_bounds(&dag).unwrap();
        let mut nest = LoopNest::new(&dag);
        nest.choices = vec![
            Some(choice(Placement::Root, vec![1])),
            Some(choice(Placement::Root, vec![1, 1])),
            Some(choice(Placement::Root, vec![1, 1])),
        ];
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        let g = &schedule_features(&dag, &nest, &bounds, &root)[2];
        // Untiled g reads rows of f (66 floats, 264 bytes) 64 times and the table (16 bytes)
        // once: (64 * 264 + 16) bytes in 65 runs. The shortest run alone would say 16.
        assert_eq!(g.read_run_bytes, (64.0 * 264.0 + 16.0) / 65.0);
    }

    #[test]
    fn a_stage_that_is_not_vectorized_counts_its_loads_as_scalar() {
        let dag = stencil_with_loads();
        let g = &features_with(&dag, tiling([8, 8], None, None))[1];
        assert_eq!(
            (g.scalar_loads_per_vector, g.vector_loads_per_vector),
            (3.0, 0.0)
        );
        // Vectorized along x, the three taps are dense vector loads.
        let g = &features_with(&dag, tiling([8, 8], None, Some((0, 8))))[1];
        assert_eq!(
            (g.scalar_loads_per_vector, g.vector_loads_per_vector),
            (0.0, 3.0)
        );
    }

    #[test]
    fn the_innermost_pure_extent_of_an_untiled_stage_is_its_whole_loop() {
        let dag = stencil_pair();
        let g = &features_with(&dag, tiling([1, 1], None, None))[1];
        assert_eq!(g.innermost_pure_loop_extent, 64.0);
        let g = &features_with(&dag, tiling([8, 4], None, None))[1];
        assert_eq!(g.innermost_pure_loop_extent, 8.0);
    }
}
