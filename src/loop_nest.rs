//! The schedule space: a (partial) schedule as a tree of loop nests, and its conversion to a
//! [`SchedulePlan`].
//!
//! A [`LoopNest`] records, for every Func decided so far, where it is computed and how each of
//! its stages is tiled:
//! - **Placement**: inlined into its consumers, computed at root, or computed at a [`Site`] of
//!   a consumer stage: inside that stage's outer loops and its first `depth` inner loops (per
//!   block or tile at depth 0, per row of a tile deeper; see [`crate::stage_loops`]). Storage
//!   goes at the same site, or is hoisted one loop outward so that Halide slides the window
//!   along that loop and computes only the new points of each iteration. All stages of a Func
//!   share its placement, as in Halide.
//! - **Tiling** of each stage (a [`StageTiling`]): the pure loops split into tiles, optionally
//!   into blocks of tiles first (subtiling: the blocks are the parallel tasks, producers can be
//!   computed per block or per tile); RVar loops stay whole and outside the tiles, which keeps
//!   the reduction order Halide requires; the loop of storage dimension 0 split once more into
//!   `vector_lanes` for vectorization; the outer loops of root stages marked parallel; the
//!   innermost small tile loops unrolled.
//!
//! Funcs are decided in reverse topological order (consumers first), so a Func's legal
//! placements follow from its consumers' placements: root, or a site of any stage that
//! encloses every consumer stage, no deeper than the shallowest consumer inside it (see
//! [`LoopNest::placements`]).

use std::collections::HashMap;

use crate::bridge::ffi::{LoopRef, Placement as PlanPlacement, SchedulePlan, TailKind};
use crate::dag::Dag;
use crate::inlined_ops::ops_per_point;
use crate::plan::{func_plan, StagePlanBuilder};
use crate::stage_loops::{inner_loops, site_depths, unrolled_loops, Level};

/// A loop level of a stage where a producer is computed or stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Site {
    pub stage: usize,
    /// Inner loops of `stage` enclosing the computation (0: just inside its outer loops).
    pub depth: u8,
    /// Inner loops enclosing the storage: `depth`, or `depth - 1` to slide along that loop.
    pub store_depth: u8,
}

impl Site {
    pub fn new(stage: usize, depth: u8) -> Site {
        Site {
            stage,
            depth,
            store_depth: depth,
        }
    }

    /// Whether storage is hoisted outside the compute loop (a sliding window).
    pub fn slides(&self) -> bool {
        self.store_depth < self.depth
    }
}

/// Where a Func is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    Inline,
    Root,
    /// At a site of a stage of a consumer, or of a Func that encloses all consumers.
    At(Site),
}

/// How one stage's loops are tiled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageTiling {
    /// Tile extent per loop of the stage (indexed like `DagStage::loops`); the tile of an RVar
    /// loop is always 1 (RVars stay outside the tiles). A tile equal to the loop's extent
    /// leaves one outer iteration; a tile of 1 leaves the loop unsplit.
    pub tile: Vec<i64>,
    /// Subtiling: block extent per loop (a multiple of the tile, or the whole loop); the outer
    /// loops then step over blocks and block loops over the tiles inside one.
    pub block: Option<Vec<i64>>,
    /// The loop split off for vectorization (a pure loop of storage dimension 0) and its lanes;
    /// `tile[loop]` is a multiple of the lanes, or all of its block or loop.
    pub vector: Option<(usize, i64)>,
    /// Outer loops that run in parallel (only for stages computed at root).
    pub parallel: Vec<usize>,
}

impl StageTiling {
    /// Extent of what one iteration of the outer loops covers along pure loop `l`.
    pub fn outer_block(&self, l: usize) -> i64 {
        match &self.block {
            Some(block) => block[l].max(self.tile[l]).max(1),
            None => self.tile[l].max(1),
        }
    }
}

/// What has been decided for one Func.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncChoice {
    pub placement: Placement,
    /// One tiling per stage of the Func (empty when inlined).
    pub stages: Vec<StageTiling>,
}

/// A partial schedule: choices for the Funcs decided so far (consumers first).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LoopNest {
    /// Per Func index; `None` while undecided (and always for input buffers).
    pub choices: Vec<Option<FuncChoice>>,
    /// Where the search assumes undecided Funcs are computed when it costs this partial
    /// schedule: at this site wherever that is legal, else at root (see
    /// [`crate::search::complete`]). Not a decision: a complete nest does not depend on it.
    pub assumed_site: Option<Site>,
}

impl LoopNest {
    pub fn new(dag: &Dag) -> LoopNest {
        LoopNest {
            choices: vec![None; dag.raw.funcs.len()],
            assumed_site: None,
        }
    }

    pub fn choice(&self, f: usize) -> Option<&FuncChoice> {
        self.choices[f].as_ref()
    }

    /// The tiling of stage `s`, if its Func is decided and computed.
    pub fn tiling(&self, dag: &Dag, s: usize) -> Option<&StageTiling> {
        let f = dag.stage(s).func as usize;
        self.choice(f)?.stages.get(s - dag.stages_of(f).start)
    }

    /// The site a stage is computed at (its Func's placement), if any.
    pub fn site_of(&self, dag: &Dag, stage: usize) -> Option<Site> {
        match self.choice(dag.stage(stage).func as usize)?.placement {
            Placement::At(site) => Some(site),
            _ => None,
        }
    }

    /// The stages whose loops enclose `stage`'s computation, outermost first, ending with
    /// `stage` itself.
    pub fn chain(&self, dag: &Dag, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(site) = self.site_of(dag, current) {
            chain.push(site.stage);
            current = site.stage;
        }
        chain.reverse();
        chain
    }

    /// How deep inside stage `outer` the computation of stage `c` sits: the depth of the site
    /// in `outer` on `c`'s chain, `None` if `outer` does not enclose `c`. A stage sits
    /// arbitrarily deep in itself.
    pub fn depth_within(&self, dag: &Dag, c: usize, outer: usize) -> Option<u8> {
        if c == outer {
            return Some(u8::MAX);
        }
        let mut current = c;
        while let Some(site) = self.site_of(dag, current) {
            if site.stage == outer {
                return Some(site.depth);
            }
            current = site.stage;
        }
        None
    }

    /// Legal non-inline placements of Func `f`, given its consumers' placements: root, and
    /// every site of every stage `s` on the common prefix of all consumer stages' chains, no
    /// deeper than the shallowest consumer computed inside `s`. Consumers that are inlined are
    /// looked through to their own consumers. A single-stage Func whose only consumer is the
    /// stage itself, computed inside an inner loop, may also be stored one loop further out
    /// (sliding window).
    pub fn placements(&self, dag: &Dag, f: usize) -> Vec<Placement> {
        let mut placements = vec![Placement::Root];
        let consumers = self.effective_consumer_stages(dag, f);
        let Some(first) = consumers.first() else {
            return placements;
        };
        let mut common = self.chain(dag, *first);
        for &c in &consumers[1..] {
            let chain = self.chain(dag, c);
            let shared = common
                .iter()
                .zip(&chain)
                .take_while(|(a, b)| a == b)
                .count();
            common.truncate(shared);
        }
        // Sliding: only a single-stage Func read directly by the stage it slides along. Halide
        // can slide chains of Funcs, but its warm-up of a chained window recomputes so much
        // that a 16-stage stencil chain ran 8x slower sliding every stage than computing each
        // per block (bench long_stencil_chain_16: 34 ms against 4 ms).
        let may_slide = dag.func(f).num_stages == 1;
        for s in common {
            let Some(tiling) = self.tiling(dag, s) else {
                continue;
            };
            let deepest = consumers
                .iter()
                .filter_map(|&c| self.depth_within(dag, c, s))
                .min()
                .unwrap_or(0);
            for depth in site_depths(dag.stage(s), tiling) {
                if depth > deepest {
                    break;
                }
                placements.push(Placement::At(Site::new(s, depth)));
                let direct = consumers.iter().all(|&c| c == s);
                if may_slide && direct && depth > 0 && dag.stage(s).loops.iter().all(|l| !l.is_rvar)
                {
                    placements.push(Placement::At(Site {
                        stage: s,
                        depth,
                        store_depth: depth - 1,
                    }));
                }
            }
        }
        placements
    }

    /// Whether stage `s` may still be retiled: its Func is decided and computed, and no Func is
    /// computed or stored inside it yet (their sites name its loops).
    pub fn may_retile(&self, dag: &Dag, s: usize) -> bool {
        self.tiling(dag, s).is_some()
            && self
                .choices
                .iter()
                .flatten()
                .all(|choice| match choice.placement {
                    Placement::At(site) => site.stage != s,
                    _ => true,
                })
    }

    /// Consumer stages of `f` that are computed (not inlined), looking through inlined Funcs.
    pub fn effective_consumer_stages(&self, dag: &Dag, f: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![f];
        let mut seen = vec![false; dag.raw.funcs.len()];
        while let Some(g) = stack.pop() {
            for &e in &dag.edges_from_func[g] {
                let c = dag.raw.edges[e].consumer_stage as usize;
                let consumer_func = dag.stage(c).func as usize;
                match self.choice(consumer_func).map(|ch| ch.placement) {
                    Some(Placement::Inline) => {
                        if !seen[consumer_func] {
                            seen[consumer_func] = true;
                            stack.push(consumer_func);
                        }
                    }
                    _ => {
                        if !out.contains(&c) {
                            out.push(c);
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Whether Func `f` may be inlined: a single pure stage, not an output, with consumers.
    pub fn can_inline(dag: &Dag, f: usize) -> bool {
        let func = dag.func(f);
        !func.is_output
            && !func.is_extern
            && func.num_stages == 1
            && !dag.edges_from_func[f].is_empty()
    }

    /// Per stage, the deepest site some producer is computed or stored at (loops at positions
    /// below it enclose a producer and must not be unrolled); 0 where none is.
    pub fn deepest_sites(&self, stages: usize) -> Vec<usize> {
        let mut deepest = vec![0; stages];
        for choice in self.choices.iter().flatten() {
            if let Placement::At(site) = choice.placement {
                deepest[site.stage] = deepest[site.stage].max(site.depth as usize);
            }
        }
        deepest
    }

    /// Per stage, the depths at which producers slide their windows inside it (one pass over
    /// the choices, for [`LoopNest::guarded_loops`] and [`LoopNest::shifted_loops`]).
    pub fn sliding_depths(&self, stages: usize) -> Vec<Vec<u8>> {
        let mut depths = vec![Vec::new(); stages];
        for choice in self.choices.iter().flatten() {
            if let Placement::At(site) = choice.placement {
                if site.slides() {
                    depths[site.stage].push(site.depth);
                }
            }
        }
        depths
    }

    /// Whether Halide folds the storage of a Func computed at `site` down to the window one
    /// production needs. A window sliding along a loop over tiles more than one point tall
    /// (a block loop) does not fold: the guarded splits clamp that loop's footprint to the
    /// stage's end, and Halide cannot prove the window's bounds monotonic (HL_DEBUG_CODEGEN=3:
    /// "loop min or max not monotonic"; unsharp_mask's blur_x sliding along 16-row tiles of
    /// 540-row blocks, harris's Sxx alike), so it stores the whole region the slide covers. A
    /// window sliding along one-point steps folds (gray along 1-row tiles: factor 8).
    pub fn site_folds(&self, dag: &Dag, site: Site) -> bool {
        if !site.slides() {
            return false;
        }
        let Some(tiling) = self.tiling(dag, site.stage) else {
            return true;
        };
        let inner = inner_loops(dag.stage(site.stage), tiling);
        match inner.get(site.depth as usize - 1) {
            Some(lp) => !(lp.level == Level::Block && tiling.tile[lp.index] > 1),
            None => true,
        }
    }

    /// Per loop of stage `s`, whether its splits must guard their tails instead of shifting
    /// them inwards: every loop of a sliding Func, and both splits of the loop a
    /// producer slides along (`sliding`: the depths producers slide at in `s`, from
    /// [`LoopNest::sliding_depths`]). Halide 21 computes wrong values when a window slides
    /// along a ShiftInwards loop over a clamped footprint (`f(x, max(y - 1, 0))`;
    /// halide/Halide#8140 and #7819 are the same family), and guarded tails avoid it in every
    /// case we tried. The block split must guard too: with it shifted and the tile split
    /// guarded, tests/pipelines' scalar_param (its window sliding along the tiles of 96-row
    /// blocks) gave wrong output. The price: a guarded block split clamps the inner loops'
    /// bounds to the stage's end, Halide's storage folding cannot prove the window's bounds
    /// monotonic and stores a whole block (harris: Sxx 4.1 MB per 540-row block). The cost
    /// model prices such windows unfolded ([`LoopNest::site_folds`]), and the search slides
    /// along single rows instead (harris 10.3 -> 3.7 ms).
    pub fn guarded_loops(&self, dag: &Dag, s: usize, sliding: &[u8]) -> Vec<bool> {
        let n = dag.stage(s).loops.len();
        if let Some(site) = self.site_of(dag, s) {
            if site.slides() {
                return vec![true; n];
            }
        }
        let mut guarded = vec![false; n];
        let Some(tiling) = self.tiling(dag, s) else {
            return guarded;
        };
        let inner = inner_loops(dag.stage(s), tiling);
        for &depth in sliding {
            guarded[inner[depth as usize - 1].index] = true;
        }
        guarded
    }

    /// Per loop of stage `s`: whether its splits shift the edge block or tile inwards (and so
    /// recompute points), rather than guard it (`sliding` as for [`LoopNest::guarded_loops`]).
    pub fn shifted_loops(&self, dag: &Dag, s: usize, sliding: &[u8]) -> Vec<bool> {
        let shifts = tail_of(dag, s) == TailKind::ShiftInwards;
        self.guarded_loops(dag, s, sliding)
            .into_iter()
            .map(|guarded| shifts && !guarded)
            .collect()
    }

    /// The complete plan: every scheduled Func must be decided.
    pub fn to_plan(&self, dag: &Dag) -> SchedulePlan {
        let mut plan = SchedulePlan::default();
        // Stage plans first: they name the loops that sites refer to.
        let mut site_vars: HashMap<usize, Vec<String>> = HashMap::new();
        let mut stage_plans = Vec::new();
        let deepest = self.deepest_sites(dag.raw.stages.len());
        let sliding = self.sliding_depths(dag.raw.stages.len());
        let mut ops_memo = vec![None; dag.raw.stages.len()];
        for f in dag.scheduled_funcs() {
            let Some(choice) = self.choice(f) else {
                continue;
            };
            if choice.placement == Placement::Inline {
                continue;
            }
            let computed_inside = matches!(choice.placement, Placement::At(_));
            for (k, s) in dag.stages_of(f).enumerate() {
                let (own_ops, inlined_ops) = ops_per_point(dag, self, s, &mut ops_memo);
                let unroll = Unroll {
                    from: deepest[s],
                    ops_per_point: own_ops + inlined_ops,
                };
                let guarded = self.guarded_loops(dag, s, &sliding[s]);
                let (stage_plan, vars) =
                    stage_plan(dag, s, &choice.stages[k], unroll, &guarded, computed_inside);
                site_vars.insert(s, vars);
                stage_plans.push(stage_plan);
            }
        }
        for f in dag.scheduled_funcs() {
            let Some(choice) = self.choice(f) else {
                continue;
            };
            plan.funcs.push(match choice.placement {
                Placement::Inline => func_plan(f, PlanPlacement::Inline),
                Placement::Root => func_plan(f, PlanPlacement::Root),
                Placement::At(site) => {
                    let vars = &site_vars[&site.stage];
                    let at = |depth: u8| LoopRef {
                        stage: site.stage as i32,
                        loop_var: vars[depth as usize].clone(),
                    };
                    let mut fp = func_plan(f, PlanPlacement::At);
                    fp.compute_at = at(site.depth);
                    fp.store = PlanPlacement::At;
                    fp.store_at = at(site.store_depth);
                    // Realized once per iteration of a loop: reuse one buffer per parallel task.
                    fp.store_in_stack = true;
                    fp
                }
            });
        }
        plan.stages = stage_plans;
        plan
    }
}

/// Outer loops of a stage, innermost first: RVars (original order), then pure loops.
pub fn outer_loops(dag: &Dag, s: usize) -> Vec<usize> {
    let loops = &dag.stage(s).loops;
    let rvars = (0..loops.len()).filter(|&l| loops[l].is_rvar);
    let pure = (0..loops.len()).filter(|&l| !loops[l].is_rvar);
    rvars.chain(pure).collect()
}

/// The tail strategy of splits of stage `s`: pure definitions may recompute an edge tile
/// (ShiftInwards); updates must not run twice on a point (GuardWithIf).
fn tail_of(dag: &Dag, s: usize) -> TailKind {
    if dag.stage(s).index == 0 {
        TailKind::ShiftInwards
    } else {
        TailKind::GuardWithIf
    }
}

/// Which of a stage's tile loops may unroll: those inside its deepest site in use (`from`, an
/// index into its inner loops), as many as a body of `ops_per_point` allows.
#[derive(Debug, Clone, Copy)]
struct Unroll {
    from: usize,
    ops_per_point: f64,
}

/// The Halide transformations of one tiled stage, and the loop var of each site depth (index
/// `d`: the loop a producer at depth `d` is computed at).
///
/// The block and tile splits of a stage `computed_inside` another stage's loops always guard
/// their tails. Such a Func is realized over a region that can differ from one iteration to the
/// next, and its tiling was chosen for one representative iteration: a boundary condition's
/// footprint spans the whole input in an iteration at the border and one tile elsewhere. A
/// shifted tail wider than a realization starts before the region the pipeline computes, and
/// so reads inputs outside their bounds (Halide then fails for want of input, or, given a
/// larger input, gives other output). The vector split keeps the stage's tail: it overshoots
/// only a realization narrower than one vector.
fn stage_plan(
    dag: &Dag,
    s: usize,
    tiling: &StageTiling,
    unroll: Unroll,
    guarded: &[bool],
    computed_inside: bool,
) -> (crate::bridge::ffi::StagePlan, Vec<String>) {
    let stage = dag.stage(s);
    let mut builder = StagePlanBuilder::new(s, stage);
    let tail_for = |l: usize| {
        if guarded[l] {
            TailKind::GuardWithIf
        } else {
            tail_of(dag, s)
        }
    };
    let tile_tail_for = |l: usize| {
        if computed_inside {
            TailKind::GuardWithIf
        } else {
            tail_for(l)
        }
    };
    let n = stage.loops.len();
    let mut block_names: Vec<Option<String>> = vec![None; n];
    let mut tile_names: Vec<Option<String>> = vec![None; n];
    for (l, lp) in stage.loops.iter().enumerate() {
        // RVars stay whole; a tile of one iteration leaves the loop unsplit.
        if lp.is_rvar {
            continue;
        }
        let tile = tiling.tile[l].max(1);
        let block = tiling.outer_block(l);
        let tail = tile_tail_for(l);
        let mut within = lp.var.clone();
        if block > tile {
            within = builder.split(&within, block, tail);
            block_names[l] = Some(within.clone());
        }
        if tile > 1 {
            tile_names[l] = Some(builder.split(&within, tile, tail));
        }
    }
    // The vector lanes: split off the tile loop, or the whole tile loop when it is one vector.
    let mut vector_name = None;
    if let Some((l, lanes)) = tiling.vector {
        if let Some(inner) = tile_names[l].clone() {
            vector_name = Some(if tiling.tile[l] > lanes {
                builder.split(&inner, lanes, tail_for(l))
            } else {
                tile_names[l] = None;
                inner
            });
        }
    }
    // Order, innermost first: vector, tile loops, block loops, RVars, outer pure loops.
    let mut order: Vec<String> = Vec::new();
    order.extend(vector_name.clone());
    order.extend(tile_names.iter().flatten().cloned());
    order.extend(block_names.iter().flatten().cloned());
    for l in outer_loops(dag, s) {
        order.push(stage.loops[l].var.clone());
    }
    builder.set_order(order);
    if let Some(v) = &vector_name {
        builder.vectorize(v);
    }
    for &l in &tiling.parallel {
        builder.parallel(&stage.loops[l].var);
    }
    // Site vars: depth 0 is the innermost outer loop, then the inner loops outermost first.
    let mut site_vars: Vec<String> = outer_loops(dag, s)
        .first()
        .map(|&l| stage.loops[l].var.clone())
        .into_iter()
        .collect();
    let inner = inner_loops(stage, tiling);
    for lp in &inner {
        let name = match lp.level {
            Level::Block => block_names[lp.index].clone(),
            Level::Tile => tile_names[lp.index].clone(),
        };
        site_vars.push(name.expect("every listed inner loop was split off"));
    }
    for k in unrolled_loops(stage, tiling, unroll.from, unroll.ops_per_point) {
        builder.unroll(&site_vars[k + 1]);
    }
    (builder.finish(), site_vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dags::{stencil_along, stencil_nest, stencil_pair};

    #[test]
    fn a_stage_with_a_producer_inside_keeps_its_tiling() {
        let dag = stencil_pair();
        assert!(stencil_nest(&dag, Placement::Root).may_retile(&dag, 1));
        assert!(stencil_nest(&dag, Placement::Inline).may_retile(&dag, 1));
        assert!(!stencil_nest(&dag, Placement::At(Site::new(1, 0))).may_retile(&dag, 1));
        // Not yet decided: nothing to retile.
        let mut undecided = stencil_nest(&dag, Placement::Root);
        undecided.choices[1] = None;
        assert!(!undecided.may_retile(&dag, 1));
    }

    #[test]
    fn tiles_of_a_func_computed_inside_a_loop_guard_their_tails() {
        let dag = stencil_pair();
        let tails_of_f = |placement| {
            let mut nest = stencil_nest(&dag, placement);
            // f tiled 4 wide with 2-lane vectors inside: a tile split and a vector split.
            let f = nest.choices[0].as_mut().unwrap();
            f.stages[0].tile = vec![4, 2];
            f.stages[0].vector = Some((0, 2));
            let plan = nest.to_plan(&dag);
            let f_plan = plan.stages.iter().find(|sp| sp.stage == 0).unwrap();
            f_plan
                .splits
                .iter()
                .map(|split| (split.factor, split.tail))
                .collect::<Vec<_>>()
        };
        // At root, f is realized once over its whole region: tails shift inwards.
        assert_eq!(
            tails_of_f(Placement::Root),
            vec![
                (4, TailKind::ShiftInwards),
                (2, TailKind::ShiftInwards),
                (2, TailKind::ShiftInwards)
            ]
        );
        // Inside g's tiles, the tile splits guard; the vector split still shifts.
        assert_eq!(
            tails_of_f(Placement::At(Site::new(1, 0))),
            vec![
                (4, TailKind::GuardWithIf),
                (2, TailKind::GuardWithIf),
                (2, TailKind::ShiftInwards)
            ]
        );
    }

    #[test]
    fn a_window_sliding_inside_a_block_guards_both_splits_it_slides_along() {
        // f feeds g through a stencil along y; g's 8x8 tiles in 32x32 blocks.
        let dag = stencil_along(1);
        let splits_of_g = |f_site: Site| {
            let mut nest = stencil_nest(&dag, Placement::At(f_site));
            nest.choices[1].as_mut().unwrap().stages[0].block = Some(vec![32, 32]);
            let plan = nest.to_plan(&dag);
            let g_plan = plan.stages.iter().find(|sp| sp.stage == 1).unwrap();
            g_plan
                .splits
                .iter()
                .map(|split| (split.old.clone(), split.factor, split.tail))
                .collect::<Vec<_>>()
        };
        // Depth 1 is the loop over a block's tiles along y (inner loops: y's, then x's block
        // loop, then the tile loops). f slides along it, stored per block.
        let sliding = Site {
            stage: 1,
            depth: 1,
            store_depth: 0,
        };
        let splits = splits_of_g(sliding);
        let (shift, guard) = (TailKind::ShiftInwards, TailKind::GuardWithIf);
        let tail = |var: &str, factor: i32| {
            splits
                .iter()
                .find(|(old, f, _)| old.starts_with(var) && *f == factor)
                .map(|(_, _, tail)| *tail)
                .unwrap()
        };
        // Both of y's splits guard; x's both shift.
        assert_eq!(splits.len(), 4, "{splits:?}");
        assert_eq!(tail("y", 32), guard);
        assert_eq!(tail("y", 8), guard);
        assert_eq!(tail("x", 32), shift);
        assert_eq!(tail("x", 8), shift);
        // Not sliding (stored where computed): every split shifts.
        let splits = splits_of_g(Site::new(1, 1));
        assert!(
            splits.iter().all(|(_, _, tail)| *tail == shift),
            "{splits:?}"
        );
    }

    #[test]
    fn windows_fold_along_single_rows_but_not_along_taller_tiles() {
        // f feeds g through a stencil along y; g's tiles are 8x8.
        let dag = stencil_along(1);
        let folds_at_depth_1 = |block: Option<Vec<i64>>| {
            let site = Site {
                stage: 1,
                depth: 1,
                store_depth: 0,
            };
            let mut nest = stencil_nest(&dag, Placement::At(site));
            nest.choices[1].as_mut().unwrap().stages[0].block = block;
            nest.site_folds(&dag, site)
        };
        // In 32x32 blocks, depth 1 steps over a block's 8-row tiles: the window does not fold.
        assert!(!folds_at_depth_1(Some(vec![32, 32])));
        // Without blocks, depth 1 is the tile loop over single rows: it folds.
        assert!(folds_at_depth_1(None));
        // Stored where it is computed, there is no window to fold.
        let nest = stencil_nest(&dag, Placement::At(Site::new(1, 1)));
        assert!(!nest.site_folds(&dag, Site::new(1, 1)));
    }

    #[test]
    fn a_stage_that_inlines_long_expressions_unrolls_less() {
        let mut dag = stencil_pair();
        let unrolled_loops_of_g = |dag: &Dag, f_placement| {
            let mut nest = stencil_nest(dag, f_placement);
            nest.choices[1].as_mut().unwrap().stages[0].tile = vec![2, 2];
            let plan = nest.to_plan(dag);
            plan.stages
                .iter()
                .find(|sp| sp.stage == 1)
                .unwrap()
                .unroll
                .len()
        };
        // g's 2x2 tile unrolls whole.
        assert_eq!(unrolled_loops_of_g(&dag, Placement::Inline), 2);
        // g inlines f's 200 operations three times: one copy of its body is all it may hold.
        dag.stage_ops[0] = 200.0;
        assert_eq!(unrolled_loops_of_g(&dag, Placement::Inline), 0);
        // f at root leaves g short.
        assert_eq!(unrolled_loops_of_g(&dag, Placement::Root), 2);
    }

    #[test]
    fn funcs_computed_inside_a_loop_reuse_a_stack_slot() {
        let dag = stencil_pair();
        let store_in_stack = |placement| {
            let plan = stencil_nest(&dag, placement).to_plan(&dag);
            let f = plan.funcs.iter().find(|fp| fp.func == 0).unwrap();
            let g = plan.funcs.iter().find(|fp| fp.func == 1).unwrap();
            assert!(
                !g.store_in_stack,
                "the output is stored where Halide puts it"
            );
            f.store_in_stack
        };
        assert!(store_in_stack(Placement::At(Site::new(1, 0))));
        assert!(store_in_stack(Placement::At(Site {
            stage: 1,
            depth: 1,
            store_depth: 0,
        })));
        assert!(!store_in_stack(Placement::Root));
    }
}
