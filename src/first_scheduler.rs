//! The first scheduler: a simple, always-legal loop nest, used when the search fails (a bug on
//! our side must still leave the user with a correct schedule, and a warning).
//!
//! Rules, Func by Func:
//! - Inline a Func when that is cheap: not an output, a single pure stage, and every consumer
//!   reads it at one call site through affine indices (no stencil recomputation, no gathers).
//! - Compute every other Func at root with the default tiling: storage dimension 0 vectorized
//!   along whole rows, outer loops parallel (`search::default_choice`).

use crate::bounds::RootBounds;
use crate::dag::Dag;
use crate::expr;
use crate::loop_nest::{FuncChoice, LoopNest, Placement};
use crate::params::Params;
use crate::search::default_choice;

/// Whether inlining Func `f` into all its consumers costs no recomputation.
fn cheap_to_inline(dag: &Dag, f: usize) -> bool {
    if !LoopNest::can_inline(dag, f) {
        return false;
    }
    dag.edges_from_func[f].iter().all(|&e| {
        let edge = &dag.raw.edges[e];
        edge.calls == 1
            && dag
                .stage(edge.consumer_stage as usize)
                .loads
                .iter()
                .filter(|l| l.callee as usize == f)
                .all(|l| l.args.iter().all(|a| expr::affine(a).is_some()))
    })
}

/// The first scheduler's loop nest for the whole pipeline.
pub fn schedule(dag: &Dag, root: &RootBounds, params: &Params) -> LoopNest {
    let mut nest = LoopNest::new(dag);
    for f in dag.scheduled_funcs() {
        nest.choices[f] = Some(if cheap_to_inline(dag, f) {
            FuncChoice {
                placement: Placement::Inline,
                stages: Vec::new(),
            }
        } else {
            default_choice(dag, root, f, params)
        });
    }
    nest
}
