//! Regions required and computed, and loop extents, when every Func is computed at root: the
//! whole-pipeline bounds that follow from the output estimates. Schedules that compute a Func
//! inside a consumer's loops shrink these per production; the loop-nest bounds of the search
//! build on the same footprint evaluation.
//!
//! Walk: consumers before producers (reverse topological order). A Func's region required is
//! the union of what each consumer stage's loops touch (outputs also need their estimates);
//! its region computed follows from that through the exported `region_computed` bounds; its
//! stages' loops follow from the region computed (pure vars) or the RDom (RVars).

use crate::dag::Dag;
use crate::error::{Error, Result};

/// An inclusive integer interval; empty when `min > max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub min: i64,
    pub max: i64,
}

impl Span {
    pub const EMPTY: Span = Span {
        min: i64::MAX,
        max: i64::MIN,
    };

    pub fn new(min: i64, max: i64) -> Span {
        Span { min, max }
    }

    pub fn is_empty(&self) -> bool {
        self.min > self.max
    }

    /// Number of points; 0 when empty.
    pub fn extent(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            self.max - self.min + 1
        }
    }

    pub fn union(&self, other: &Span) -> Span {
        Span::new(self.min.min(other.min), self.max.max(other.max))
    }
}

/// Bounds of every Func and stage with everything at root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootBounds {
    /// Per Func (and input buffer), per dimension.
    pub required: Vec<Vec<Span>>,
    /// Per Func, per dimension (equal to `required` for input buffers).
    pub computed: Vec<Vec<Span>>,
    /// Per stage, per loop (innermost first).
    pub loops: Vec<Vec<Span>>,
}

impl RootBounds {
    /// Points computed by the stage: the product of its loop extents.
    pub fn stage_points(&self, stage: usize) -> i64 {
        self.loops[stage].iter().map(Span::extent).product()
    }
}

fn symbols_of(spans: &[Span]) -> Vec<i64> {
    spans.iter().flat_map(|s| [s.min, s.max]).collect()
}

/// Computes the root bounds from the output estimates.
pub fn root_bounds(dag: &Dag) -> Result<RootBounds> {
    let funcs = &dag.raw.funcs;
    let mut required: Vec<Vec<Span>> = funcs
        .iter()
        .map(|f| vec![Span::EMPTY; f.dims.len()])
        .collect();
    let mut computed = required.clone();
    let mut loops: Vec<Vec<Span>> = dag
        .raw
        .stages
        .iter()
        .map(|s| vec![Span::EMPTY; s.loops.len()])
        .collect();

    for (f, func) in funcs.iter().enumerate() {
        if func.is_output {
            for (d, est) in func.estimates.iter().enumerate() {
                required[f][d] = Span::new(est.min, est.min + est.extent - 1);
            }
        }
    }

    for f in dag.scheduled_funcs().rev() {
        let func = dag.func(f);
        let required_symbols = symbols_of(&required[f]);
        if required[f].iter().all(|s| !s.is_empty()) {
            for (d, pair) in dag.region_computed[f].iter().enumerate() {
                let what = || format!("the region computed of '{}' dimension {d}", func.name);
                computed[f][d] = Span::new(
                    pair.min.eval(&required_symbols, &what)?,
                    pair.max.eval(&required_symbols, &what)?,
                );
            }
        }
        let computed_symbols = symbols_of(&computed[f]);
        for s in dag.stages_of(f) {
            let stage = dag.stage(s);
            for (l, lp) in stage.loops.iter().enumerate() {
                loops[s][l] = match &dag.rvar_bounds[s][l] {
                    Some(pair) => {
                        let what = || format!("the bounds of {} in {}", lp.var, dag.stage_name(s));
                        Span::new(
                            pair.min.eval(&computed_symbols, &what)?,
                            pair.max.eval(&computed_symbols, &what)?,
                        )
                    }
                    None => {
                        let d = usize::try_from(lp.pure_dim).map_err(|_| {
                            Error::Internal(format!(
                                "pure loop {} of {} has no dimension",
                                lp.var,
                                dag.stage_name(s)
                            ))
                        })?;
                        computed[f][d]
                    }
                };
            }
            if loops[s].iter().any(Span::is_empty) {
                continue; // the stage runs no iteration and requires nothing
            }
            let loop_symbols = symbols_of(&loops[s]);
            for &e in &dag.edges_into_stage[s] {
                let producer = dag.raw.edges[e].producer as usize;
                for (d, pair) in dag.footprints[e].iter().enumerate() {
                    let what = || {
                        format!(
                            "the region of '{}' dimension {d} required by {}",
                            dag.func(producer).name,
                            dag.stage_name(s)
                        )
                    };
                    let span = Span::new(
                        pair.min.eval(&loop_symbols, &what)?,
                        pair.max.eval(&loop_symbols, &what)?,
                    );
                    if let Some(slot) = required[producer].get_mut(d) {
                        *slot = slot.union(&span);
                    }
                }
            }
        }
    }
    for (f, func) in funcs.iter().enumerate() {
        if func.is_input {
            computed[f] = required[f].clone();
        }
    }
    Ok(RootBounds {
        required,
        computed,
        loops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_spans_covers_both() {
        assert_eq!(Span::new(0, 3).union(&Span::new(-1, 1)), Span::new(-1, 3));
        assert_eq!(Span::EMPTY.union(&Span::new(2, 5)), Span::new(2, 5));
        assert_eq!(Span::EMPTY.extent(), 0);
    }
}
