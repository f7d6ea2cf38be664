//! Candidate tilings of a stage for the search, and the default tiling of a stage that has not
//! been decided yet (what the cost model assumes for it).
//!
//! Tile extents are spaced geometrically (×4 steps, DESIGN §6) on the innermost three pure
//! loops; the loop of storage dimension 0 is tiled in multiples of the natural vector width of
//! the narrowest type the stage touches or whole (a row need not be a whole number of vectors:
//! its last vector shifts inwards or is guarded), and vectorized when its extent allows. Outer pure loops
//! of root stages run in parallel until there are enough tasks for `parallelism` cores. Besides
//! up to [`MAX_CANDIDATES`] tiles spread over the range of sizes, the strips (one loop whole,
//! the others at their smallest tile; see [`strip_tilings`]) are always candidates.
//!
//! Subtiling (root stages, unless `disable_subtiling`): the outermost pure loop is cut into
//! blocks that make one or four rounds of `parallelism` tasks, and each block is tiled as
//! above; producers can then be computed once per task-sized block or once per tile.

use crate::bounds::Span;
use crate::dag::Dag;
use crate::loop_nest::StageTiling;
use crate::pipeline_features::scalar_class;

/// Most tile candidates kept per stage (spread over the range of tile sizes).
pub const MAX_CANDIDATES: usize = 12;
/// Most tile candidates for the search's first decision (the output, from the one empty
/// state): twice as many cost a dozen more children once, and the output's tiles bound where
/// everything after it can be computed.
pub const FIRST_DECISION_CANDIDATES: usize = 2 * MAX_CANDIDATES;
/// Largest inner tile, in points: beyond this a tile no longer fits any cache level usefully.
const MAX_TILE_POINTS: i64 = 1 << 16;
/// Rounds of parallel tasks after which an uneven last round no longer matters much.
const BALANCED_ROUNDS: i64 = 4;
/// Pure loops (innermost first) whose tile extent the search varies; outer ones are untiled.
const TILED_LOOPS: usize = 3;

/// Natural vector lanes for the narrowest type stage `s` stores or loads.
pub fn vector_lanes(dag: &Dag, s: usize) -> i64 {
    let stage = dag.stage(s);
    let func = dag.func(stage.func as usize);
    let narrowest = func
        .types
        .iter()
        .chain(stage.loads.iter().map(|l| &l.scalar_type))
        .map(|&t| scalar_class(t))
        .min()
        .unwrap_or(0);
    let lanes = &dag.raw.target.natural_vector_lanes;
    lanes.get(narrowest).copied().unwrap_or(1).max(1) as i64
}

/// The loop to vectorize (the pure loop over storage dimension 0) if it is long enough.
fn vector_loop(dag: &Dag, s: usize, loops: &[Span]) -> Option<(usize, i64)> {
    let lanes = vector_lanes(dag, s);
    let l = dag
        .stage(s)
        .loops
        .iter()
        .position(|l| !l.is_rvar && l.pure_dim == 0)?;
    (lanes > 1 && loops[l].extent() >= lanes).then_some((l, lanes))
}

/// Tasks a pure loop of `extent` offers when cut into blocks of `block`: its block count, but 1
/// when the second (last) block is less than half full. A tile of whole vectors just short of
/// its loop leaves a tail of a few points; counting that tail as a second task told the cost
/// model a stage ran on two cores when one did all its work (bench max_filter: a 1562-wide scan
/// cut at 1560, "parallel").
fn parallel_tasks(extent: i64, block: i64) -> i64 {
    let block = block.max(1);
    if 2 * extent < 3 * block {
        1
    } else {
        (extent + block - 1) / block
    }
}

/// Outer pure loops to parallelize, outermost first, until their tasks ([`parallel_tasks`])
/// keep `parallelism` cores busy: at least `parallelism` of them, and a whole number of rounds
/// or at least [`BALANCED_ROUNDS`] rounds. Three colour channels alone would leave one of two
/// cores idle half the time (bench unsharp_mask's output), so the rows run in parallel too.
fn parallel_loops(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    outer_block: &[i64],
    parallelism: u32,
) -> Vec<usize> {
    if parallelism <= 1 {
        return Vec::new();
    }
    let mut chosen = Vec::new();
    let mut tasks = 1;
    for l in (0..loops.len()).rev() {
        if dag.stage(s).loops[l].is_rvar {
            continue;
        }
        let count = parallel_tasks(loops[l].extent(), outer_block[l]);
        if count <= 1 {
            continue;
        }
        chosen.push(l);
        tasks *= count;
        let cores = parallelism as i64;
        if tasks >= cores && (tasks % cores == 0 || tasks >= BALANCED_ROUNDS * cores) {
            break;
        }
    }
    chosen
}

fn tiling(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    tile: Vec<i64>,
    block: Option<Vec<i64>>,
    at_root: bool,
    parallelism: u32,
) -> StageTiling {
    // A tile is whole vectors, or all of what encloses it (its block, or the loop) and at
    // least one vector.
    let vector = vector_loop(dag, s, loops).filter(|&(l, lanes)| {
        let enclosing = match &block {
            Some(b) => b[l].min(loops[l].extent()),
            None => loops[l].extent(),
        };
        tile[l] >= lanes && (tile[l] % lanes == 0 || tile[l] == enclosing)
    });
    let outer_block: Vec<i64> = match &block {
        Some(b) => b
            .iter()
            .zip(&tile)
            .map(|(&b, &t)| b.max(t).max(1))
            .collect(),
        None => tile.iter().map(|&t| t.max(1)).collect(),
    };
    let parallel = if at_root {
        parallel_loops(dag, s, loops, &outer_block, parallelism)
    } else {
        Vec::new()
    };
    StageTiling {
        tile,
        block,
        vector,
        parallel,
    }
}

/// The tiling assumed for an undecided stage: storage dimension 0 vectorized along whole rows,
/// everything else outer.
pub fn default_tiling(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    at_root: bool,
    parallelism: u32,
) -> StageTiling {
    let mut tile: Vec<i64> = dag.stage(s).loops.iter().map(|_| 1).collect();
    if let Some((l, _)) = vector_loop(dag, s, loops) {
        // Whole rows: long contiguous runs, as a plain vectorized loop would do. (Rounding the
        // row down to whole vectors would leave a tail of a few points as a second outer
        // iteration, computed as a whole shifted row.)
        tile[l] = loops[l].extent();
    }
    tiling(dag, s, loops, tile, None, at_root, parallelism)
}

fn geometric(first: i64, extent: i64) -> Vec<i64> {
    let mut sizes = Vec::new();
    let mut t = first.max(1);
    while t < extent {
        sizes.push(t);
        t *= 4;
    }
    sizes.push(extent.max(1));
    sizes
}

/// Every tile for stage `s` whose loops (per production) are `loops` (geometric per loop, at
/// most `MAX_TILE_POINTS` points; with `tasks_wanted`, only tiles that leave at least that many
/// parallel tasks ([`parallel_tasks`]), if any do), smallest first; and the strips among them:
/// one tiled loop whole, the others at their smallest tile. A strip over `MAX_TILE_POINTS`
/// points is not among them (a column strip one vector wide keeps up to 8192 rows of 8-lane
/// types). The vector loop's tiles are whole vectors, and its whole extent.
fn tile_space(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    tasks_wanted: Option<i64>,
) -> (Vec<Vec<i64>>, Vec<Vec<i64>>) {
    let stage = dag.stage(s);
    let vector = vector_loop(dag, s, loops);
    let pure: Vec<usize> = (0..loops.len())
        .filter(|&l| !stage.loops[l].is_rvar)
        .collect();
    let mut options: Vec<Vec<i64>> = vec![vec![1]; loops.len()];
    for (rank, &l) in pure.iter().enumerate() {
        let extent = loops[l].extent().max(1);
        options[l] = match vector {
            Some((v, lanes)) if v == l => geometric(lanes, extent),
            _ if rank < TILED_LOOPS => geometric(1, extent),
            _ => vec![1],
        };
        options[l].dedup();
    }
    let mut tiles: Vec<Vec<i64>> = vec![Vec::new()];
    for opts in &options {
        tiles = tiles
            .into_iter()
            .flat_map(|prefix| {
                opts.iter().map(move |&t| {
                    let mut next = prefix.clone();
                    next.push(t);
                    next
                })
            })
            .collect();
    }
    tiles.retain(|t| t.iter().product::<i64>() <= MAX_TILE_POINTS);
    if let Some(wanted) = tasks_wanted {
        let tasks = |t: &Vec<i64>| -> i64 {
            pure.iter()
                .map(|&l| parallel_tasks(loops[l].extent(), t[l]))
                .product()
        };
        let enough: Vec<Vec<i64>> = tiles
            .iter()
            .filter(|t| tasks(t) >= wanted)
            .cloned()
            .collect();
        if !enough.is_empty() {
            tiles = enough;
        }
    }
    tiles.sort_by_key(|t| (t.iter().product::<i64>(), t.clone()));
    let strips: Vec<Vec<i64>> = pure
        .iter()
        .filter(|&&l| options[l].len() > 1)
        .map(|&l| {
            let mut strip: Vec<i64> = options.iter().map(|o| o[0]).collect();
            strip[l] = *options[l].last().expect("options are never empty");
            strip
        })
        .filter(|strip| tiles.contains(strip))
        .collect();
    (tiles, strips)
}

/// Tile extents for stage `s` (as [`tile_space`]): at most `max_candidates` spread over the
/// range of sizes, and the strips. The spread rarely keeps a strip, but a producer that cannot
/// be split along a loop (a scan down the columns, a reduction over whole rows) is computed
/// without redundancy only in strips along that loop.
fn tile_candidates(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    tasks_wanted: Option<i64>,
    max_candidates: usize,
) -> Vec<Vec<i64>> {
    let (mut tiles, strips) = tile_space(dag, s, loops, tasks_wanted);
    if tiles.len() > max_candidates {
        let step = tiles.len() as f64 / max_candidates as f64;
        tiles = (0..max_candidates)
            .map(|i| tiles[(i as f64 * step) as usize].clone())
            .collect();
    }
    for strip in strips {
        if !tiles.contains(&strip) {
            tiles.push(strip);
        }
    }
    tiles
}

/// The strip tilings of stage `s` (one tiled loop whole, the others at their smallest tile; see
/// [`tile_space`]), for retiling a consumer around a producer that needs whole strips.
pub fn strip_tilings(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    at_root: bool,
    parallelism: u32,
) -> Vec<StageTiling> {
    let tasks_wanted = (at_root && parallelism > 1).then_some(parallelism as i64);
    tile_space(dag, s, loops, tasks_wanted)
        .1
        .into_iter()
        .map(|t| tiling(dag, s, loops, t, None, at_root, parallelism))
        .collect()
}

/// Blocks for subtiling a root stage: the outermost pure loop cut into one or four rounds of
/// `parallelism` tasks, the other loops whole.
fn block_candidates(dag: &Dag, s: usize, loops: &[Span], parallelism: u32) -> Vec<Vec<i64>> {
    let stage = dag.stage(s);
    let Some(outermost) = (0..loops.len()).rev().find(|&l| !stage.loops[l].is_rvar) else {
        return Vec::new();
    };
    let extent = loops[outermost].extent();
    let mut blocks: Vec<Vec<i64>> = Vec::new();
    for rounds in [1, 4] {
        let tasks = rounds * parallelism.max(1) as i64;
        if extent < 2 * tasks {
            continue;
        }
        let mut block: Vec<i64> = loops.iter().map(|l| l.extent().max(1)).collect();
        block[outermost] = (extent + tasks - 1) / tasks;
        for (l, lp) in stage.loops.iter().enumerate() {
            if lp.is_rvar {
                block[l] = 1;
            }
        }
        blocks.push(block);
    }
    blocks
}

/// Candidate tilings of stage `s` whose loops (per production) are `loops`: at most
/// `max_candidates` spread over the tile sizes, the strips, and (at root, with `subtiling`)
/// half as many inside each block.
pub fn candidate_tilings(
    dag: &Dag,
    s: usize,
    loops: &[Span],
    at_root: bool,
    parallelism: u32,
    subtiling: bool,
    max_candidates: usize,
) -> Vec<StageTiling> {
    let tasks_wanted = (at_root && parallelism > 1).then_some(parallelism as i64);
    let mut out: Vec<StageTiling> = tile_candidates(dag, s, loops, tasks_wanted, max_candidates)
        .into_iter()
        .map(|t| tiling(dag, s, loops, t, None, at_root, parallelism))
        .collect();
    if at_root && subtiling {
        for block in block_candidates(dag, s, loops, parallelism) {
            // Tiles inside one block: the block's extents bound them.
            let within: Vec<Span> = loops
                .iter()
                .zip(&block)
                .map(|(span, &b)| Span::new(span.min, span.min + b.min(span.extent()) - 1))
                .collect();
            for t in tile_candidates(dag, s, &within, None, max_candidates / 2) {
                if t.iter().zip(&block).any(|(&t, &b)| t > b) || t == block {
                    continue;
                }
                out.push(tiling(
                    dag,
                    s,
                    loops,
                    t,
                    Some(block.clone()),
                    at_root,
                    parallelism,
                ));
            }
        }
    }
    if out.is_empty() {
        out.push(default_tiling(dag, s, loops, at_root, parallelism));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dags::stencil_pair;

    #[test]
    fn strips_along_each_loop_are_candidates() {
        let dag = stencil_pair();
        // g over a 4096 x 4096 image: far more tiles than candidates, and the spread over
        // sizes keeps neither strip.
        let loops = [Span::new(0, 4095), Span::new(0, 4095)];
        let lanes = vector_lanes(&dag, 1);
        let tiles: Vec<Vec<i64>> =
            candidate_tilings(&dag, 1, &loops, true, 2, false, MAX_CANDIDATES)
                .into_iter()
                .map(|t| t.tile)
                .collect();
        // A column strip one vector wide, and a row strip.
        assert_eq!(lanes, 8);
        let spread = &tiles[..MAX_CANDIDATES];
        for strip in [vec![8, 4096], vec![4096, 1]] {
            assert!(!spread.contains(&strip), "the spread keeps {strip:?}");
            assert!(tiles.contains(&strip), "{tiles:?}");
        }
        assert!(tiles.len() <= MAX_CANDIDATES + 2, "{tiles:?}");
        // Every candidate stays within the tile size limit.
        assert!(tiles
            .iter()
            .all(|t| t.iter().product::<i64>() <= MAX_TILE_POINTS));
    }

    #[test]
    fn parallel_loops_are_added_until_the_cores_are_evenly_busy() {
        // A 3-channel image, whole rows of vectors: x (tiled whole), y, c, innermost first.
        let dag = crate::test_dags::three_dimensional_output();
        let loops = [Span::new(0, 1919), Span::new(0, 1079), Span::new(0, 2)];
        let row = default_tiling(&dag, 0, &loops, true, 2);
        // 3 channels on 2 cores: the rows too. 4 channels would have been enough.
        assert_eq!(row.parallel, vec![2, 1]);
        let four = [Span::new(0, 1919), Span::new(0, 1079), Span::new(0, 3)];
        assert_eq!(default_tiling(&dag, 0, &four, true, 2).parallel, vec![2]);
        // 3 channels make whole rounds for 3 cores.
        assert_eq!(default_tiling(&dag, 0, &loops, true, 3).parallel, vec![2]);
    }

    #[test]
    fn a_nearly_empty_last_block_is_not_a_task() {
        assert_eq!(parallel_tasks(1562, 1560), 1);
        assert_eq!(parallel_tasks(1562, 1024), 2);
        assert_eq!(parallel_tasks(3, 2), 2);
        assert_eq!(parallel_tasks(1562, 512), 4);
        assert_eq!(parallel_tasks(1562, 1562), 1);
        assert_eq!(parallel_tasks(5, 0), 5);
    }

    #[test]
    fn rows_of_vectors_that_leave_a_tail_are_not_parallel() {
        let dag = stencil_pair();
        // g over 1562 x 1: a row of whole vectors is 1560 wide and leaves a 2-point tail,
        // which is no second task.
        let loops = [Span::new(0, 1561), Span::new(0, 0)];
        let rounded_down = tiling(&dag, 1, &loops, vec![1560, 1], None, true, 2);
        assert_eq!(rounded_down.vector, Some((0, 8)));
        assert!(rounded_down.parallel.is_empty(), "{rounded_down:?}");
        // A whole row is one tile, vectorized although 1562 is not a whole number of vectors.
        let row = default_tiling(&dag, 1, &loops, true, 2);
        assert_eq!(
            (row.tile.clone(), row.vector),
            (vec![1562, 1], Some((0, 8)))
        );
        assert!(row.parallel.is_empty(), "{row:?}");
        // The candidates: all vectorized, none with a nearly empty tail, some parallel.
        let candidates = candidate_tilings(&dag, 1, &loops, true, 2, false, MAX_CANDIDATES);
        assert!(
            candidates.iter().all(|t| t.vector.is_some()),
            "{candidates:?}"
        );
        assert!(
            candidates.iter().all(|t| t.tile[0] != 1560),
            "{candidates:?}"
        );
        assert!(
            candidates.iter().any(|t| t.parallel == vec![0]),
            "{candidates:?}"
        );
        // A block narrower than a vector is tiled whole, unvectorized.
        let narrow = tiling(&dag, 1, &loops, vec![6, 1], Some(vec![6, 1]), true, 2);
        assert_eq!(narrow.vector, None);
    }
}
