//! The first scheduler: a simple, always-legal schedule built through the same plan path the
//! search will use (and, once the search lands, its fallback).
//!
//! Rules, Func by Func:
//! - Inline a Func when that is cheap: not an output, a single pure stage, and every consumer
//!   reads it at one call site through affine indices (no stencil recomputation, no gathers).
//! - Compute every other Func at root.
//! - In each root stage: split the innermost storage dimension (dimension 0) by the natural
//!   vector width of the narrowest type the stage touches and vectorize the inner loop when
//!   the loop is at least that long; parallelize the outermost pure loop when it has at least
//!   two iterations and `parallelism` is above 1. RVar loops are never parallelized or vectorized (they carry dependences).
//!
//! Tail strategies: ShiftInwards on pure definitions (recomputing an edge vector is harmless),
//! GuardWithIf on updates (recomputing would apply the update twice).

use crate::bounds::RootBounds;
use crate::bridge::ffi::{Placement, SchedulePlan, TailKind};
use crate::dag::Dag;
use crate::expr;
use crate::params::Params;
use crate::pipeline_features::scalar_class;
use crate::plan::{func_plan, StagePlanBuilder};

/// Whether inlining Func `f` into all its consumers costs no recomputation.
fn cheap_to_inline(dag: &Dag, f: usize) -> bool {
    let func = dag.func(f);
    if func.is_output || func.num_stages != 1 || func.is_extern {
        return false;
    }
    dag.edges_from_func[f].iter().all(|&e| {
        let edge = &dag.raw.edges[e];
        if edge.calls != 1 {
            return false;
        }
        let consumer = dag.stage(edge.consumer_stage as usize);
        consumer
            .loads
            .iter()
            .filter(|l| l.callee as usize == f)
            .all(|l| l.args.iter().all(|a| expr::affine(a).is_some()))
    })
}

/// Natural vector lanes for the narrowest type stage `s` stores or loads.
fn vector_lanes(dag: &Dag, s: usize) -> i64 {
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

/// The first scheduler's plan for the whole pipeline.
pub fn schedule(dag: &Dag, bounds: &RootBounds, params: &Params) -> SchedulePlan {
    let mut plan = SchedulePlan::default();
    for f in dag.scheduled_funcs() {
        if cheap_to_inline(dag, f) {
            plan.funcs.push(func_plan(f, Placement::Inline));
            continue;
        }
        plan.funcs.push(func_plan(f, Placement::Root));
        for s in dag.stages_of(f) {
            let stage = dag.stage(s);
            let mut builder = StagePlanBuilder::new(s, stage);
            let tail = if stage.index == 0 {
                TailKind::ShiftInwards
            } else {
                TailKind::GuardWithIf
            };
            let extent_of = |var: &str| {
                stage
                    .loops
                    .iter()
                    .position(|l| l.var == var)
                    .map(|l| bounds.loops[s][l].extent())
                    .unwrap_or(0)
            };
            let lanes = vector_lanes(dag, s);
            let innermost_storage = stage.loops.iter().find(|l| !l.is_rvar && l.pure_dim == 0);
            let mut vectorized_outer = None;
            if let Some(lp) = innermost_storage {
                if lanes > 1 && extent_of(&lp.var) >= lanes {
                    let inner = builder.split(&lp.var, lanes, tail);
                    builder.move_innermost(&inner);
                    builder.vectorize(&inner);
                    vectorized_outer = Some((lp.var.clone(), extent_of(&lp.var) / lanes));
                }
            }
            let outermost_pure = stage.loops.iter().rev().find(|l| !l.is_rvar);
            if let Some(lp) = outermost_pure {
                let extent = match &vectorized_outer {
                    Some((var, outer_extent)) if *var == lp.var => *outer_extent,
                    _ => extent_of(&lp.var),
                };
                if extent >= 2 && params.parallelism > 1 {
                    builder.parallel(&lp.var);
                }
            }
            plan.stages.push(builder.finish());
        }
    }
    plan
}
