//! The schedule space: a (partial) schedule as a tree of loop nests, and its conversion to a
//! [`SchedulePlan`].
//!
//! A [`LoopNest`] records, for every Func decided so far, where it is computed and how each of
//! its stages is tiled:
//! - **Placement**: inlined into its consumers, computed at root, or computed inside the outer
//!   tile loops of a consumer stage (`At(stage)`: once per tile of that stage; storage at the
//!   same level). All stages of a Func share its placement, as in Halide.
//! - **Tiling** of each stage (a [`StageTiling`]): the stage's pure loops split into outer tile
//!   loops and inner loops of `tile[i]` iterations; RVar loops stay whole and outside the inner
//!   tile (inside the outer tiles), which keeps the reduction order Halide requires; the loop
//!   of storage dimension 0 split once more into `vector_lanes` for vectorization; the outer
//!   loops of root stages marked parallel.
//!
//! The loop order of a stage, innermost first, is: vector lanes, inner tile loops, then outer
//! loops (RVars first, in their original order, then outer pure loops). A producer placed
//! `At(s)` is computed at the innermost outer loop of `s`.
//!
//! Funcs are decided in reverse topological order (consumers first), so a Func's legal
//! placements follow from its consumers' placements: root, or the tile level of any stage that
//! encloses every consumer stage (see [`LoopNest::placements`]).

use crate::bridge::ffi::{Placement as PlanPlacement, SchedulePlan, TailKind};
use crate::dag::Dag;
use crate::plan::{func_plan, StagePlanBuilder};

/// Where a Func is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    Inline,
    Root,
    /// Inside the outer tile loops of this stage (a stage of a consumer, or of a Func that
    /// encloses all consumers).
    At(usize),
}

/// How one stage's loops are tiled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageTiling {
    /// Inner tile extent per loop of the stage (indexed like `DagStage::loops`); the tile of an
    /// RVar loop is always 1 (RVars stay outside the inner tile). A tile equal to the loop's
    /// extent leaves one outer iteration.
    pub tile: Vec<i64>,
    /// The loop split off for vectorization (a pure loop of storage dimension 0) and its lanes;
    /// `tile[loop]` is a multiple of the lanes.
    pub vector: Option<(usize, i64)>,
    /// Outer loops that run in parallel (only for stages computed at root).
    pub parallel: Vec<usize>,
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
}

impl LoopNest {
    pub fn new(dag: &Dag) -> LoopNest {
        LoopNest {
            choices: vec![None; dag.raw.funcs.len()],
        }
    }

    pub fn choice(&self, f: usize) -> Option<&FuncChoice> {
        self.choices[f].as_ref()
    }

    /// The stage a stage is computed inside (its Func's enclosing stage), if any.
    pub fn enclosing_stage(&self, dag: &Dag, stage: usize) -> Option<usize> {
        match self.choice(dag.stage(stage).func as usize)?.placement {
            Placement::At(s) => Some(s),
            _ => None,
        }
    }

    /// The stages whose outer tile loops enclose `stage`'s computation, outermost first,
    /// ending with `stage` itself.
    pub fn chain(&self, dag: &Dag, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(outer) = self.enclosing_stage(dag, current) {
            chain.push(outer);
            current = outer;
        }
        chain.reverse();
        chain
    }

    /// Legal non-inline placements of Func `f`, given its consumers' placements: root, and
    /// `At(s)` for every stage `s` on the common prefix of all consumer stages' chains.
    /// Consumers that are inlined are looked through to their own consumers.
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
        placements.extend(common.into_iter().map(Placement::At));
        placements
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

    /// The complete plan: every scheduled Func must be decided.
    pub fn to_plan(&self, dag: &Dag) -> SchedulePlan {
        let mut plan = SchedulePlan::default();
        for f in dag.scheduled_funcs() {
            let Some(choice) = self.choice(f) else {
                continue;
            };
            let placement = match choice.placement {
                Placement::Inline => {
                    plan.funcs.push(func_plan(f, PlanPlacement::Inline));
                    continue;
                }
                Placement::Root => func_plan(f, PlanPlacement::Root),
                Placement::At(s) => {
                    let mut fp = func_plan(f, PlanPlacement::At);
                    let at = crate::bridge::ffi::LoopRef {
                        stage: s as i32,
                        loop_var: self.compute_loop_var(dag, s),
                    };
                    fp.compute_at = at.clone();
                    fp.store = PlanPlacement::At;
                    fp.store_at = at;
                    fp
                }
            };
            plan.funcs.push(placement);
            for (k, s) in dag.stages_of(f).enumerate() {
                plan.stages.push(stage_plan(dag, s, &choice.stages[k]));
            }
        }
        plan
    }

    /// The loop var of stage `s` that producers placed `At(s)` are computed at: the innermost
    /// outer loop (see [`outer_loops`]).
    fn compute_loop_var(&self, dag: &Dag, s: usize) -> String {
        // Every stage has at least one loop (Halide Funcs have at least one dimension).
        let innermost_outer = outer_loops(dag, s)[0];
        dag.stage(s).loops[innermost_outer].var.clone()
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

/// The Halide transformations of one tiled stage.
fn stage_plan(dag: &Dag, s: usize, tiling: &StageTiling) -> crate::bridge::ffi::StagePlan {
    let stage = dag.stage(s);
    let mut builder = StagePlanBuilder::new(s, stage);
    let tail = tail_of(dag, s);
    let mut inner_names: Vec<Option<String>> = vec![None; stage.loops.len()];
    for (l, lp) in stage.loops.iter().enumerate() {
        // RVars stay whole; a tile of one iteration leaves the loop entirely outer.
        if lp.is_rvar || tiling.tile[l] <= 1 {
            continue;
        }
        inner_names[l] = Some(builder.split(&lp.var, tiling.tile[l], tail));
    }
    let mut vector_name = None;
    if let Some((l, lanes)) = tiling.vector {
        if let Some(inner) = inner_names[l].clone() {
            vector_name = Some(if tiling.tile[l] > lanes {
                builder.split(&inner, lanes, tail)
            } else {
                inner
            });
        }
    }
    // Order, innermost first: vector, inner tile loops, RVars, outer pure loops.
    let mut order: Vec<String> = Vec::new();
    if let Some(v) = &vector_name {
        order.push(v.clone());
    }
    for inner in inner_names.iter().flatten() {
        if Some(inner) != vector_name.as_ref() {
            order.push(inner.clone());
        }
    }
    for l in outer_loops(dag, s) {
        order.push(stage.loops[l].var.clone());
    }
    // Tiles of one iteration were not split: their loops are outer loops, listed above.
    builder.set_order(order);
    if let Some(v) = &vector_name {
        builder.vectorize(v);
    }
    for &l in &tiling.parallel {
        builder.parallel(&stage.loops[l].var);
    }
    builder.finish()
}
