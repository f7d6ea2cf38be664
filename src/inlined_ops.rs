//! The arithmetic one point of a stage evaluates once the producers a loop nest inlines are
//! expanded into it. The features report it, the search bounds it (`MAX_OPS_PER_POINT`) and
//! the plan sizes unrolled loop bodies by it.

use crate::dag::Dag;
use crate::loop_nest::{LoopNest, Placement};

/// Arithmetic operations per point of stage `s` with inlined producers expanded: (its own,
/// those of the inlined producers it evaluates). Memoized per stage (`memo`), so a deep
/// pyramid of inlined Funcs costs one visit per stage, not one per path.
pub fn ops_per_point(
    dag: &Dag,
    nest: &LoopNest,
    s: usize,
    memo: &mut Vec<Option<(f64, f64)>>,
) -> (f64, f64) {
    if let Some(hit) = memo[s] {
        return hit;
    }
    let own = dag.stage_ops[s];
    let mut inlined = 0.0;
    for &e in &dag.edges_into_stage[s] {
        let edge = &dag.raw.edges[e];
        let p = edge.producer as usize;
        if nest.choice(p).map(|c| c.placement) == Some(Placement::Inline) {
            let ps = dag.stages_of(p).start;
            let (p_own, p_inlined) = ops_per_point(dag, nest, ps, memo);
            inlined += edge.calls as f64 * (p_own + p_inlined);
        }
    }
    memo[s] = Some((own, inlined));
    (own, inlined)
}
