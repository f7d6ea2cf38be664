//! The loop structure of one tiled stage: which loops a [`StageTiling`] creates, in what order,
//! how many times each runs, and what one iteration of each covers. The plan conversion, the
//! bounds and the features all read the structure from here, so they cannot disagree.
//!
//! A stage's loops, outermost first:
//! 1. **outer loops**: every pure loop stepping over blocks (`StageTiling::outer_block`), then
//!    the RVars (reductions stay outside the inner tile, in their original order);
//! 2. **block loops** (subtiling only): per pure loop, the tiles inside one block;
//! 3. **tile loops**: per pure loop, the points of one tile; the loop of the vectorized
//!    dimension steps over vectors (the last one partial when the tile is not whole vectors:
//!    it shifts inwards or is guarded), and the vector lanes come last (not listed: nothing is
//!    computed per lane).
//!
//! Block and tile loops form the stage's *inner loops*; a producer computed at *depth* `d` of
//! the stage runs inside the outer loops and the first `d` inner loops.

use crate::bounds::Span;
use crate::bridge::ffi::DagStage;
use crate::loop_nest::StageTiling;

/// Product of the extents of the innermost tile loops that may be unrolled.
pub const MAX_UNROLL: i64 = 8;

/// Arithmetic operations (inlined producers included) an unrolled loop body may hold. LLVM's
/// optimization of one long block grows much faster than its length: bilateral_grid's blur_y
/// (341 ops per point, 125 loads, strict float) compiled in 3 s unrolled once, 8 s twice,
/// 134 s three times and 300 s four times.
pub const MAX_UNROLLED_OPS: f64 = 512.0;

/// The largest product of unrolled extents for a stage of `ops_per_point` operations per point.
pub fn unroll_limit(ops_per_point: f64) -> i64 {
    let fitting = (MAX_UNROLLED_OPS / ops_per_point.max(1.0)).floor() as i64;
    fitting.clamp(1, MAX_UNROLL)
}

/// The level an inner loop belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Steps over the tiles of one block.
    Block,
    /// Steps over the points (or vectors) of one tile.
    Tile,
}

/// One inner loop of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InnerLoop {
    /// The stage loop (index into `DagStage::loops`) this loop was split from.
    pub index: usize,
    pub level: Level,
    /// Iterations per iteration of the loop around it.
    pub count: i64,
}

/// Pure loop indices, outermost first.
fn pure_outermost_first(stage: &DagStage) -> impl Iterator<Item = usize> + '_ {
    (0..stage.loops.len())
        .rev()
        .filter(|&l| !stage.loops[l].is_rvar)
}

/// Iterations of the tile loop of pure loop `l` (vectors for the vectorized loop: the last one
/// of a tile that is not a whole number of vectors shifts inwards or is guarded).
fn tile_count(tiling: &StageTiling, l: usize) -> i64 {
    let tile = tiling.tile[l].max(1);
    match tiling.vector {
        Some((v, lanes)) if v == l => (tile + lanes - 1) / lanes,
        _ => tile,
    }
}

/// Iterations of the block loop of pure loop `l`; 1 when there is none.
fn block_count(tiling: &StageTiling, l: usize) -> i64 {
    let tile = tiling.tile[l].max(1);
    let block = tiling.outer_block(l);
    if block > tile {
        (block + tile - 1) / tile
    } else {
        1
    }
}

/// Points one production computes along pure loop `l`, whose extent per production is
/// `extent`. Splits that shift their last block or tile inwards (`shifted`: pure definitions)
/// keep every block and tile whole, so the edge ones overlap their neighbours and compute those
/// points again (an extent smaller than the tile computes a whole tile); guarded splits
/// (updates, sliding Funcs) compute each point once.
pub fn computed_extent(tiling: &StageTiling, l: usize, extent: i64, shifted: bool) -> i64 {
    let extent = extent.max(0);
    let tile = tiling.tile[l].max(1);
    let block = tiling.outer_block(l);
    if !shifted || extent == 0 || block <= 1 {
        return extent;
    }
    let per_block = if block > tile {
        (block + tile - 1) / tile * tile
    } else {
        block
    };
    (extent + block - 1) / block * per_block
}

/// Consecutive points along pure loop `l` that the stage visits before any other loop advances:
/// the vector, then `l`'s tile, its block and its whole extent, for as long as every loop
/// between them (other tile and block loops, RVars, outer loops) runs once. A row-shaped tile
/// (`[32, 1]`) thus streams along the whole row, and an RVar inside the outer loops stops the
/// run at the tile. `loops` are the stage's loops per production.
pub fn contiguous_extent(stage: &DagStage, tiling: &StageTiling, loops: &[Span], l: usize) -> i64 {
    let n = stage.loops.len();
    let extent = loops[l].extent().max(1);
    let pure: Vec<usize> = (0..n).filter(|&k| !stage.loops[k].is_rvar).collect();
    let mut run = match tiling.vector {
        Some((v, lanes)) if v == l => lanes,
        _ => 1,
    };
    // Tile loops, innermost (lowest index) first.
    for &k in &pure {
        if k == l {
            run = run.max(tiling.tile[l].max(1));
        } else if tiling.tile[k] > 1 {
            return run.min(extent);
        }
    }
    // Block loops, in the same order.
    for &k in &pure {
        if block_count(tiling, k) > 1 {
            if k != l {
                return run.min(extent);
            }
            run = tiling.outer_block(l);
        }
    }
    // The RVars, then the outer pure loops.
    if (0..n).any(|k| stage.loops[k].is_rvar && loops[k].extent() > 1) {
        return run.min(extent);
    }
    for &k in &pure {
        if k == l {
            return extent;
        }
        let block = tiling.outer_block(k);
        if (loops[k].extent() + block - 1) / block > 1 {
            return run.min(extent);
        }
    }
    run.min(extent)
}

/// The inner loops of a stage, outermost first (loops of one iteration are not listed).
pub fn inner_loops(stage: &DagStage, tiling: &StageTiling) -> Vec<InnerLoop> {
    type CountOf = fn(&StageTiling, usize) -> i64;
    let levels: [(Level, CountOf); 2] = [(Level::Block, block_count), (Level::Tile, tile_count)];
    let mut loops = Vec::new();
    for (level, count_of) in levels {
        for l in pure_outermost_first(stage) {
            let count = count_of(tiling, l);
            if count > 1 {
                loops.push(InnerLoop {
                    index: l,
                    level,
                    count,
                });
            }
        }
    }
    loops
}

/// Depths at which producers may be computed: the outer loops (0) and inside every inner loop
/// except the vector-stepping tile loop (computing per vector is never worth its overhead and
/// would put a producer between the vector loop and its lanes).
pub fn site_depths(stage: &DagStage, tiling: &StageTiling) -> Vec<u8> {
    if stage.loops.is_empty() {
        return Vec::new();
    }
    let mut depths = vec![0];
    for (k, lp) in inner_loops(stage, tiling).iter().enumerate() {
        let steps_vectors =
            lp.level == Level::Tile && tiling.vector.map(|(v, _)| v) == Some(lp.index);
        if steps_vectors {
            break;
        }
        depths.push(k as u8 + 1);
    }
    depths
}

/// Extent of each stage loop within one iteration at `depth`, given the loops' spans per
/// production (RVars: one value).
pub fn site_extents(stage: &DagStage, tiling: &StageTiling, loops: &[Span], depth: u8) -> Vec<i64> {
    let mut extents: Vec<i64> = (0..loops.len())
        .map(|l| {
            if stage.loops[l].is_rvar {
                1
            } else {
                tiling.outer_block(l)
            }
        })
        .collect();
    for lp in inner_loops(stage, tiling).iter().take(depth as usize) {
        extents[lp.index] = match lp.level {
            Level::Block => tiling.tile[lp.index].max(1),
            Level::Tile => match tiling.vector {
                Some((v, lanes)) if v == lp.index => lanes,
                _ => 1,
            },
        };
    }
    extents
        .iter()
        .zip(loops)
        .map(|(&e, span)| e.min(span.extent().max(1)))
        .collect()
}

/// Which iteration at a site depth stands for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iteration {
    /// The middle one along every loop (of its whole iterations): where most iterations run,
    /// away from the borders, at which footprints through boundary conditions widen (a
    /// mirrored or wrapped index crossing the border spans up to the whole input).
    Middle,
    /// The first along every loop: at the borders, for bounds that must hold there too.
    First,
}

/// Spans of each stage loop in one iteration at `depth`.
pub fn site_spans(
    stage: &DagStage,
    tiling: &StageTiling,
    loops: &[Span],
    depth: u8,
    iteration: Iteration,
) -> Vec<Span> {
    site_extents(stage, tiling, loops, depth)
        .iter()
        .zip(loops)
        .map(|(&e, span)| match iteration {
            Iteration::First => Span::new(span.min, (span.min + e - 1).min(span.max)),
            Iteration::Middle => middle_step(*span, e),
        })
        .collect()
}

/// The middle of the steps of `step` points that cover `span` (the last one may be partial;
/// the middle one of n is whole for n > 1).
pub fn middle_step(span: Span, step: i64) -> Span {
    let step = step.max(1);
    let steps = (span.extent().max(1) + step - 1) / step;
    let start = span.min + (steps - 1) / 2 * step;
    Span::new(start, (start + step - 1).min(span.max))
}

/// Iterations at `depth` per production of the stage: the outer loops (RVars included) times
/// the first `depth` inner loops.
pub fn site_iterations(stage: &DagStage, tiling: &StageTiling, loops: &[Span], depth: u8) -> f64 {
    let outer: f64 = (0..loops.len())
        .map(|l| {
            let extent = loops[l].extent().max(0) as f64;
            if stage.loops[l].is_rvar {
                extent
            } else {
                (extent / tiling.outer_block(l) as f64).ceil()
            }
        })
        .product();
    let inner: f64 = inner_loops(stage, tiling)
        .iter()
        .take(depth as usize)
        .map(|lp| lp.count as f64)
        .product();
    outer * inner
}

/// Positions (in [`inner_loops`]) of the tile loops to unroll: the innermost ones, inside every
/// site in use (`min_position`), while the product of their extents stays within
/// [`unroll_limit`] of the stage's `ops_per_point`. Split loops have constant extents, so
/// Halide can unroll them.
pub fn unrolled_loops(
    stage: &DagStage,
    tiling: &StageTiling,
    min_position: usize,
    ops_per_point: f64,
) -> Vec<usize> {
    let inner = inner_loops(stage, tiling);
    let limit = unroll_limit(ops_per_point);
    let mut chosen = Vec::new();
    let mut product = 1;
    for k in (min_position..inner.len()).rev() {
        let lp = inner[k];
        if lp.level != Level::Tile || product * lp.count > limit {
            break;
        }
        product *= lp.count;
        chosen.push(k);
    }
    chosen
}

/// Product of the unrolled loops' extents (1 when nothing is unrolled).
pub fn unrolled_extent(
    stage: &DagStage,
    tiling: &StageTiling,
    min_position: usize,
    ops_per_point: f64,
) -> i64 {
    let inner = inner_loops(stage, tiling);
    unrolled_loops(stage, tiling, min_position, ops_per_point)
        .iter()
        .map(|&k| inner[k].count)
        .product()
}

/// The register reuse of a tiling, found once per stage: the unrolled tile loops and the
/// innermost loop left rolled, as (stage loop, trips). [`RegisterReuse::of`] gives a load's.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterReuse {
    unrolled: Vec<(usize, i64)>,
    rolled: Option<(usize, i64)>,
}

impl RegisterReuse {
    /// `loops` are the stage's loops per production; `min_position` and `ops_per_point` decide
    /// the unrolled loops as in [`unrolled_loops`].
    pub fn new(
        stage: &DagStage,
        tiling: &StageTiling,
        loops: &[Span],
        min_position: usize,
        ops_per_point: f64,
    ) -> RegisterReuse {
        let inner = inner_loops(stage, tiling);
        let positions = unrolled_loops(stage, tiling, min_position, ops_per_point);
        let first_unrolled = positions.last().copied().unwrap_or(inner.len());
        // The innermost rolled loop: the inner loop around the unrolled ones, else the
        // innermost outer loop of more than one trip (the RVars run inside the loops over
        // blocks).
        let rolled = if first_unrolled > 0 {
            let lp = inner[first_unrolled - 1];
            Some((lp.index, lp.count))
        } else {
            let trips = |l: usize| -> i64 {
                let extent = loops[l].extent().max(1);
                if stage.loops[l].is_rvar {
                    extent
                } else {
                    let block = tiling.outer_block(l).max(1);
                    (extent + block - 1) / block
                }
            };
            let rvars = (0..stage.loops.len()).filter(|&l| stage.loops[l].is_rvar);
            let pure = (0..stage.loops.len()).filter(|&l| !stage.loops[l].is_rvar);
            rvars
                .chain(pure)
                .find(|&l| trips(l) > 1)
                .map(|l| (l, trips(l)))
        };
        RegisterReuse {
            unrolled: positions
                .iter()
                .map(|&k| (inner[k].index, inner[k].count))
                .collect(),
            rolled,
        }
    }

    /// Vector steps one load serves from a register before it is loaded again. A load whose
    /// address does not move along an unrolled tile loop is one expression in all the loop's
    /// copies, loaded once for them; one that does not move along the innermost loop left
    /// rolled (an update's accumulator over its RVar, a weight over the tile loop it does not
    /// depend on) stays in a register across that loop's trips (LLVM hoists it, or promotes
    /// the accumulator; at most [`MAX_UNROLL`] copies, so they fit the registers).
    /// `invariant(l)` says whether the load's address is constant along stage loop `l`.
    pub fn of(&self, invariant: impl Fn(usize) -> bool) -> f64 {
        let unrolled: f64 = self
            .unrolled
            .iter()
            .filter(|&&(l, _)| invariant(l))
            .map(|&(_, count)| count as f64)
            .product();
        match self.rolled {
            Some((l, trips)) if invariant(l) => unrolled * trips as f64,
            _ => unrolled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::ffi;

    /// A stage over x (storage dimension 0), y and one RVar r, in that order (innermost first).
    fn stage() -> DagStage {
        let lp = |var: &str, is_rvar: bool, d: i32| ffi::DagLoop {
            var: var.into(),
            is_rvar,
            pure_dim: d,
            rvar_bounds: Default::default(),
        };
        DagStage {
            func: 0,
            index: 1,
            loops: vec![lp("x", false, 0), lp("y", false, 1), lp("r", true, -1)],
            store_args: Vec::new(),
            op_histogram: Vec::new(),
            loads: Vec::new(),
            transcendental_calls: 0,
            has_predicate: false,
        }
    }

    /// 32x4 tiles in 64x16 blocks, x vectorized by 8.
    fn subtiled() -> StageTiling {
        StageTiling {
            tile: vec![32, 4, 1],
            block: Some(vec![64, 16, 1]),
            vector: Some((0, 8)),
            parallel: vec![1],
        }
    }

    /// x over 128 points, y over 64, r over 3.
    fn spans() -> Vec<Span> {
        vec![Span::new(0, 127), Span::new(0, 63), Span::new(0, 2)]
    }

    #[test]
    fn block_loops_come_before_tile_loops_outermost_dimension_first() {
        let inner = inner_loops(&stage(), &subtiled());
        let described: Vec<(usize, Level, i64)> =
            inner.iter().map(|l| (l.index, l.level, l.count)).collect();
        assert_eq!(
            described,
            vec![
                (1, Level::Block, 4),
                (0, Level::Block, 2),
                (1, Level::Tile, 4),
                (0, Level::Tile, 4),
            ]
        );
        // The tile loop over x steps over vectors: nothing is computed per vector.
        assert_eq!(site_depths(&stage(), &subtiled()), vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_tile_that_is_not_whole_vectors_ends_in_a_partial_vector() {
        // A whole 20-wide row with 8 lanes: vectors at 0, 8 and a last one shifted or guarded.
        let tiling = StageTiling {
            tile: vec![20, 1, 1],
            block: None,
            vector: Some((0, 8)),
            parallel: Vec::new(),
        };
        let inner = inner_loops(&stage(), &tiling);
        assert_eq!(
            inner,
            vec![InnerLoop {
                index: 0,
                level: Level::Tile,
                count: 3
            }]
        );
    }

    #[test]
    fn shifted_blocks_and_tiles_recompute_their_overlaps() {
        // 100 points in blocks of 40 and tiles of 16: blocks at 0, 40 and 60; tiles in a block
        // at 0, 16 and 24 when shifted (48 points).
        let tiling = StageTiling {
            tile: vec![16, 1, 1],
            block: Some(vec![40, 1, 1]),
            vector: None,
            parallel: Vec::new(),
        };
        assert_eq!(computed_extent(&tiling, 0, 100, true), 3 * 48);
        assert_eq!(computed_extent(&tiling, 0, 100, false), 100);
        // Without blocks, the tile split is the outermost.
        let tiles_only = StageTiling {
            block: None,
            ..tiling
        };
        assert_eq!(computed_extent(&tiles_only, 0, 100, true), 7 * 16);
    }

    #[test]
    fn site_extents_and_iterations_narrow_with_depth() {
        let (stage, tiling, loops) = (stage(), subtiled(), spans());
        // Per block (and one RVar value): 2 x 4 blocks, 3 RVar values.
        assert_eq!(site_extents(&stage, &tiling, &loops, 0), vec![64, 16, 1]);
        assert_eq!(site_iterations(&stage, &tiling, &loops, 0), 24.0);
        // Per tile.
        assert_eq!(site_extents(&stage, &tiling, &loops, 2), vec![32, 4, 1]);
        assert_eq!(
            site_iterations(&stage, &tiling, &loops, 2),
            24.0 * 4.0 * 2.0
        );
        // Per row of a tile.
        assert_eq!(site_extents(&stage, &tiling, &loops, 3), vec![32, 1, 1]);
        assert_eq!(
            site_iterations(&stage, &tiling, &loops, 3),
            24.0 * 4.0 * 2.0 * 4.0
        );
        assert_eq!(
            site_spans(&stage, &tiling, &loops, 3, Iteration::First),
            vec![Span::new(0, 31), Span::new(0, 0), Span::new(0, 0)]
        );
        // The middle iteration: the second of four x tiles, row 31 of 64, r = 1 of 3.
        assert_eq!(
            site_spans(&stage, &tiling, &loops, 3, Iteration::Middle),
            vec![Span::new(32, 63), Span::new(31, 31), Span::new(1, 1)]
        );
        // Over 100 columns the fourth tile is partial; the middle one is whole.
        let short = vec![Span::new(0, 99), Span::new(0, 0), Span::new(0, 0)];
        assert_eq!(
            site_spans(&stage, &tiling, &short, 3, Iteration::Middle)[0],
            Span::new(32, 63)
        );
        // Two iterations: the first, not the partial second.
        let two = vec![Span::new(0, 39), Span::new(0, 0), Span::new(0, 0)];
        assert_eq!(
            site_spans(&stage, &tiling, &two, 3, Iteration::Middle)[0],
            Span::new(0, 31)
        );
    }

    #[test]
    fn only_small_innermost_tile_loops_inside_every_site_unroll() {
        let (stage, tiling) = (stage(), subtiled());
        // The 4 vectors of a tile row unroll; with the rows too it would be 16 > MAX_UNROLL.
        assert_eq!(unrolled_loops(&stage, &tiling, 0, 10.0), vec![3]);
        assert_eq!(unrolled_extent(&stage, &tiling, 0, 10.0), 4);
        // A producer computed per vector row (depth 4) leaves nothing inside to unroll.
        assert!(unrolled_loops(&stage, &tiling, 4, 10.0).is_empty());
        assert_eq!(unrolled_extent(&stage, &tiling, 4, 10.0), 1);
    }

    #[test]
    fn loads_invariant_along_unrolled_or_innermost_rolled_loops_are_reused() {
        let stage = stage();
        let loops = spans();
        // A matrix product's update over x, y and r: f(x, y) += a(r, y) * b(x, r).
        let accumulator = |l: usize| l == 2;
        let row_weight = |l: usize| l == 0;
        let column = |l: usize| l == 1;
        // 16x4 tiles of two 8-lane vectors: all 8 vectors unroll inside r (3 trips).
        let small = StageTiling {
            tile: vec![16, 4, 1],
            block: None,
            vector: Some((0, 8)),
            parallel: Vec::new(),
        };
        let reuse = |tiling: &StageTiling, invariant: &dyn Fn(usize) -> bool| {
            RegisterReuse::new(&stage, tiling, &loops, 0, 10.0).of(invariant)
        };
        // The accumulators stay in registers across r; a(r, y) serves both vectors of a row;
        // b(x, r) serves the four rows.
        assert_eq!(reuse(&small, &accumulator), 3.0);
        assert_eq!(reuse(&small, &row_weight), 2.0);
        assert_eq!(reuse(&small, &column), 4.0);
        // 32x4 tiles: only the 4 vectors of a row unroll, the rows stay rolled: the
        // accumulators are loaded every step, b(x, r) is hoisted out of the row loop.
        let wide = StageTiling {
            tile: vec![32, 4, 1],
            ..small.clone()
        };
        assert_eq!(reuse(&wide, &accumulator), 1.0);
        assert_eq!(reuse(&wide, &row_weight), 4.0);
        assert_eq!(reuse(&wide, &column), 4.0);
        // A producer computed inside the rows (position 1) leaves only the vectors unrolled:
        // the row loop is the innermost rolled one, and the accumulators move along it.
        assert_eq!(
            RegisterReuse::new(&stage, &small, &loops, 1, 10.0).of(&accumulator),
            1.0
        );
        assert_eq!(
            RegisterReuse::new(&stage, &small, &loops, 1, 10.0).of(&row_weight),
            2.0
        );
        assert_eq!(
            RegisterReuse::new(&stage, &small, &loops, 1, 10.0).of(&column),
            4.0
        );
    }

    #[test]
    fn long_expressions_unroll_less() {
        let (stage, tiling) = (stage(), subtiled());
        // 4 copies of 200 operations exceed MAX_UNROLLED_OPS; 2 would not, but the tile row
        // is 4 vectors, so nothing unrolls.
        assert_eq!(unroll_limit(200.0), 2);
        assert!(unrolled_loops(&stage, &tiling, 0, 200.0).is_empty());
        assert_eq!(unrolled_extent(&stage, &tiling, 0, 200.0), 1);
        assert_eq!(unrolled_loops(&stage, &tiling, 0, 128.0), vec![3]);
        // Short expressions stay within MAX_UNROLL, very long ones within one copy.
        assert_eq!(unroll_limit(1.0), MAX_UNROLL);
        assert_eq!(unroll_limit(0.0), MAX_UNROLL);
        assert_eq!(unroll_limit(5000.0), 1);
    }
}
