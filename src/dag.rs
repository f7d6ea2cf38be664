//! The typed view of the pipeline the glue exported: the raw [`ffi::Dag`] plus what every
//! analysis needs precomputed once — footprint bounds with the affine fast path, the graph's
//! adjacency in both directions, and load Jacobians.
//!
//! Indices: Funcs (and input buffers) index `raw.funcs`, stages index `raw.stages`, edges index
//! `raw.edges`. Funcs come producers first (Halide's topological order), inputs last.

use crate::bridge::ffi::{self, OpKind};
use crate::error::{Error, Result};
use crate::expr::{self, AffineForm, EvalError, Rational};
use crate::pipeline_features::{OP_KIND_NAMES, SCALAR_CLASS_NAMES};

/// One end of an interval as a function of symbols: affine (the common case) or a general tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Affine(AffineForm),
    General(ffi::ExprTree),
}

impl Bound {
    fn new(tree: &ffi::ExprTree) -> Bound {
        match expr::affine(tree) {
            Some(form) => Bound::Affine(form),
            None => Bound::General(tree.clone()),
        }
    }

    /// Evaluates the bound; `what` names it in the error.
    pub fn eval(&self, symbols: &[i64], what: &dyn Fn() -> String) -> Result<i64> {
        let value = match self {
            Bound::Affine(form) => form.eval(symbols),
            Bound::General(tree) => expr::eval(tree, symbols),
        };
        value.map_err(|e| {
            Error::Analysis(match e {
                EvalError::Opaque => {
                    format!("{} depends on values not known before run time", what())
                }
                other => format!("internal error evaluating {}: {other:?}", what()),
            })
        })
    }

    /// The affine form, when the bound is affine.
    pub fn as_affine(&self) -> Option<&AffineForm> {
        match self {
            Bound::Affine(form) => Some(form),
            Bound::General(_) => None,
        }
    }
}

/// Inclusive interval of bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundPair {
    pub min: Bound,
    pub max: Bound,
}

impl BoundPair {
    fn new(trees: &ffi::BoundTrees) -> BoundPair {
        BoundPair {
            min: Bound::new(&trees.min),
            max: Bound::new(&trees.max),
        }
    }
}

/// How a load (or a store) walks memory, from its Jacobian. Ordered from the most regular.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessPattern {
    /// Callee dimension d follows loop d' with slope 1, in loop order, every loop used.
    Pointwise,
    /// Slopes of 1 on distinct loops, not in loop order.
    Transpose,
    /// Like pointwise, but some loops are not used (the value is reused across them).
    Broadcast,
    /// Some callee dimensions do not depend on any loop (a fixed plane or row).
    Slice,
    /// Constant slopes other than 0 and 1 (down- or up-sampling, reversal).
    Strided,
    /// Some slope is unknown: the index depends on loaded data.
    Gather,
}

/// The pipeline with its analyses.
#[derive(Debug, Clone)]
pub struct Dag {
    pub raw: ffi::Dag,
    /// Per edge, per producer dimension: footprint as a function of the consumer's loop
    /// bounds (symbols `2i`, `2i+1` = min, max of consumer loop i).
    pub footprints: Vec<Vec<BoundPair>>,
    /// Per Func, per dimension: region computed as a function of the region required.
    pub region_computed: Vec<Vec<BoundPair>>,
    /// Per stage, its RVar loops' bounds (None for pure loops).
    pub rvar_bounds: Vec<Vec<Option<BoundPair>>>,
    /// Edges whose consumer is the stage.
    pub edges_into_stage: Vec<Vec<usize>>,
    /// Edges whose producer is the Func.
    pub edges_from_func: Vec<Vec<usize>>,
    /// Per stage: operations per point of its own definition (the op histogram's total, each
    /// transcendental call counted as [`TRANSCENDENTAL_OPS`]).
    pub stage_ops: Vec<f64>,
    /// Per stage, per load: the load's Jacobian `[callee dim][loop]` (schedule-independent,
    /// computed once).
    pub load_jacobians: Vec<Vec<Vec<Vec<Option<Rational>>>>>,
}

impl Dag {
    /// Builds the analyses, checking the indices the glue sent.
    pub fn new(raw: ffi::Dag) -> Result<Dag> {
        let n_funcs = raw.funcs.len();
        let n_stages = raw.stages.len();
        let mut edges_into_stage = vec![Vec::new(); n_stages];
        let mut edges_from_func = vec![Vec::new(); n_funcs];
        for (e, edge) in raw.edges.iter().enumerate() {
            let (p, c) = (edge.producer as usize, edge.consumer_stage as usize);
            if p >= n_funcs || c >= n_stages {
                return Err(Error::Internal(format!(
                    "edge {e} names func {p} / stage {c}"
                )));
            }
            edges_into_stage[c].push(e);
            edges_from_func[p].push(e);
        }
        for (s, stage) in raw.stages.iter().enumerate() {
            if stage.func < 0 || stage.func as usize >= n_funcs {
                return Err(Error::Internal(format!(
                    "stage {s} names func {}",
                    stage.func
                )));
            }
        }
        let footprints = raw
            .edges
            .iter()
            .map(|e| e.footprint.iter().map(BoundPair::new).collect())
            .collect();
        let region_computed = raw
            .funcs
            .iter()
            .map(|f| f.region_computed.iter().map(BoundPair::new).collect())
            .collect();
        let rvar_bounds = raw
            .stages
            .iter()
            .map(|s| {
                s.loops
                    .iter()
                    .map(|l| l.is_rvar.then(|| BoundPair::new(&l.rvar_bounds)))
                    .collect()
            })
            .collect();
        let stage_ops = raw
            .stages
            .iter()
            .map(|s| {
                computed_ops(&s.op_histogram)
                    + (TRANSCENDENTAL_OPS - 1.0) * s.transcendental_calls.max(0) as f64
            })
            .collect();
        let load_jacobians = raw
            .stages
            .iter()
            .map(|s| {
                s.loads
                    .iter()
                    .map(|l| jacobian(&l.args, s.loops.len()))
                    .collect()
            })
            .collect();
        Ok(Dag {
            raw,
            stage_ops,
            load_jacobians,
            footprints,
            region_computed,
            rvar_bounds,
            edges_into_stage,
            edges_from_func,
        })
    }

    pub fn func(&self, f: usize) -> &ffi::DagFunc {
        &self.raw.funcs[f]
    }

    pub fn stage(&self, s: usize) -> &ffi::DagStage {
        &self.raw.stages[s]
    }

    /// Indices of the Func's stages.
    pub fn stages_of(&self, f: usize) -> std::ops::Range<usize> {
        let func = &self.raw.funcs[f];
        let first = func.first_stage.max(0) as usize;
        first..first + func.num_stages.max(0) as usize
    }

    /// The Funcs that are scheduled (everything but input buffers), producers first.
    pub fn scheduled_funcs(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        (0..self.raw.funcs.len()).filter(|&f| !self.raw.funcs[f].is_input)
    }

    /// "f" for a pure definition, "f.update(k)" for update k: the names Halide users know.
    pub fn stage_name(&self, s: usize) -> String {
        let stage = &self.raw.stages[s];
        let name = &self.raw.funcs[stage.func as usize].name;
        if stage.index == 0 {
            name.clone()
        } else {
            format!("{name}.update({})", stage.index - 1)
        }
    }

    /// Bytes of one point of the Func (all Tuple elements).
    pub fn bytes_per_point(&self, f: usize) -> i64 {
        self.raw.funcs[f]
            .types
            .iter()
            .map(|t| ((t.bits as i64 + 7) / 8).max(1))
            .sum()
    }
}

/// Operations one transcendental math call (exp, log, a trigonometric or hyperbolic function;
/// pow is two) evaluates: Halide computes each as a range reduction and a polynomial, about two
/// dozen vector operations, where the op histogram sees one extern call. Measured on
/// camera_pipe: with its 1024-entry gamma curve (two pow per entry) inlined into the 14.7M
/// points that look it up, curved and output ran about 20 ms longer than with the table at root.
pub const TRANSCENDENTAL_OPS: f64 = 25.0;

/// Operations a stage evaluates per point, from its op histogram: every kind that computes
/// something. Constants, variables and parameters are operands, calls to Funcs and images are
/// loads (counted by the load features), and lets only bind names.
pub fn computed_ops(op_histogram: &[i32]) -> f64 {
    op_histogram
        .chunks(SCALAR_CLASS_NAMES.len())
        .take(OP_KIND_NAMES.len())
        .enumerate()
        .filter(|&(kind, _)| op_kind_computes(kind))
        .map(|(_, counts)| counts.iter().map(|&c| c as f64).sum::<f64>())
        .sum()
}

/// Whether an op kind (a row of the op histogram) computes something (see [`computed_ops`]).
pub fn op_kind_computes(kind: usize) -> bool {
    const NOT_WORK: [OpKind; 7] = [
        OpKind::Const,
        OpKind::Variable,
        OpKind::Param,
        OpKind::ImageCall,
        OpKind::FuncCall,
        OpKind::SelfCall,
        OpKind::Let,
    ];
    NOT_WORK.iter().all(|k| k.repr as usize != kind)
}

/// The Jacobian of an access: `[callee dim][loop]` slopes, `None` where unknown.
pub fn jacobian(args: &[ffi::ExprTree], num_loops: usize) -> Vec<Vec<Option<Rational>>> {
    args.iter()
        .map(|arg| {
            (0..num_loops)
                .map(|l| expr::derivative(arg, l as i64))
                .collect()
        })
        .collect()
}

/// Classifies an access from its Jacobian (see [`AccessPattern`] for the definitions).
pub fn access_pattern(jacobian: &[Vec<Option<Rational>>], num_loops: usize) -> AccessPattern {
    let mut used_loops = vec![false; num_loops];
    let mut loop_per_dim = Vec::new();
    let mut slice = false;
    let mut strided = false;
    for row in jacobian {
        let mut nonzero = None;
        for (l, entry) in row.iter().enumerate() {
            match entry {
                None => return AccessPattern::Gather,
                Some(r) if r.is_zero() => {}
                Some(r) => {
                    if *r != Rational::ONE || nonzero.is_some() {
                        strided = true;
                    }
                    nonzero = Some(l);
                    used_loops[l] = true;
                }
            }
        }
        match nonzero {
            Some(l) => loop_per_dim.push(l),
            None => slice = true,
        }
    }
    if strided {
        AccessPattern::Strided
    } else if slice {
        AccessPattern::Slice
    } else if used_loops.iter().any(|u| !u) {
        AccessPattern::Broadcast
    } else if loop_per_dim.windows(2).all(|w| w[0] < w[1]) {
        AccessPattern::Pointwise
    } else {
        AccessPattern::Transpose
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> Option<Rational> {
        Some(Rational::new(n, d))
    }

    #[test]
    fn computed_ops_leave_out_operands_loads_and_lets() {
        let classes = SCALAR_CLASS_NAMES.len();
        let mut histogram = vec![0; OP_KIND_NAMES.len() * classes];
        let mut set = |kind: OpKind, class: usize, count: i32| {
            histogram[kind.repr as usize * classes + class] = count;
        };
        // f(x, y) = g(x + 1, y) * 2.0f + h(x, y): 2 adds and a mul; the rest is not work.
        set(OpKind::Add, 3, 1);
        set(OpKind::Add, 5, 1);
        set(OpKind::Mul, 5, 1);
        set(OpKind::Variable, 3, 6);
        set(OpKind::Const, 3, 1);
        set(OpKind::Const, 5, 1);
        set(OpKind::Param, 3, 2);
        set(OpKind::FuncCall, 5, 2);
        set(OpKind::ImageCall, 5, 1);
        set(OpKind::Let, 5, 1);
        set(OpKind::ExternCall, 5, 1);
        assert_eq!(computed_ops(&histogram), 4.0);
    }

    #[test]
    fn identity_jacobian_is_pointwise() {
        let j = vec![vec![r(1, 1), r(0, 1)], vec![r(0, 1), r(1, 1)]];
        assert_eq!(access_pattern(&j, 2), AccessPattern::Pointwise);
    }

    #[test]
    fn swapped_dimensions_are_a_transpose() {
        let j = vec![vec![r(0, 1), r(1, 1)], vec![r(1, 1), r(0, 1)]];
        assert_eq!(access_pattern(&j, 2), AccessPattern::Transpose);
    }

    #[test]
    fn slope_two_is_strided() {
        let j = vec![vec![r(2, 1)]];
        assert_eq!(access_pattern(&j, 1), AccessPattern::Strided);
    }

    #[test]
    fn unused_loop_is_a_broadcast_and_constant_row_a_slice() {
        assert_eq!(
            access_pattern(&[vec![r(1, 1), r(0, 1)]], 2),
            AccessPattern::Broadcast
        );
        assert_eq!(
            access_pattern(&[vec![r(1, 1)], vec![r(0, 1)]], 1),
            AccessPattern::Slice
        );
    }

    #[test]
    fn unknown_slope_is_a_gather() {
        assert_eq!(access_pattern(&[vec![None]], 1), AccessPattern::Gather);
    }
}
