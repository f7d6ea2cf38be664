//! Bounds under a [`LoopNest`]: for every Func, the region computed per production and how many
//! productions there are; for every stage, its loop extents per production.
//!
//! A Func placed at root computes its whole-pipeline region ([`RootBounds`]) once. A Func placed
//! `At(s)` computes, once per iteration of `s`'s outer loops, the region its consumers inside
//! that iteration need: for `s` itself that is one inner tile (a representative tile at the
//! loop's start; RVars advance one iteration at a time), for any other consumer the region it
//! computes inside the same iteration, found the same way (recursively, memoized). Inlined
//! Funcs have no productions: their region only passes requirements through to producers.

use std::collections::HashMap;

use crate::bounds::{RootBounds, Span};
use crate::dag::Dag;
use crate::error::{Error, Result};
use crate::loop_nest::{LoopNest, Placement};

/// Where a region is measured: the whole pipeline, or one iteration of a stage's outer loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Context {
    Root,
    Tile(usize),
}

/// Per-Func and per-stage bounds of one complete loop nest.
#[derive(Debug, Clone, PartialEq)]
pub struct NestBounds {
    /// Per Func: region computed per production (inputs: their root region).
    pub region: Vec<Vec<Span>>,
    /// Per Func: number of productions over the pipeline run (0 when inlined).
    pub productions: Vec<f64>,
    /// Per stage: loop extents per production of its Func.
    pub loops: Vec<Vec<Span>>,
    /// Per stage: iterations of its outer tile loops per production (what `At(s)` producers
    /// are computed once per).
    pub outer_iterations: Vec<f64>,
}

fn symbols_of(spans: &[Span]) -> Vec<i64> {
    spans.iter().flat_map(|s| [s.min, s.max]).collect()
}

struct Evaluator<'a> {
    dag: &'a Dag,
    nest: &'a LoopNest,
    root: &'a RootBounds,
    memo: HashMap<(usize, Context), Vec<Span>>,
}

impl Evaluator<'_> {
    fn context_of(&self, f: usize) -> Context {
        match self.nest.choice(f).map(|c| c.placement) {
            Some(Placement::At(s)) => Context::Tile(s),
            _ => Context::Root,
        }
    }

    /// Loops of stage `s` given its Func's region.
    fn loops_from_region(&self, s: usize, region: &[Span]) -> Result<Vec<Span>> {
        let stage = self.dag.stage(s);
        let symbols = symbols_of(region);
        stage
            .loops
            .iter()
            .enumerate()
            .map(|(l, lp)| match &self.dag.rvar_bounds[s][l] {
                Some(pair) => {
                    let what = || format!("the bounds of {} in {}", lp.var, self.dag.stage_name(s));
                    Ok(Span::new(pair.min.eval(&symbols, &what)?, pair.max.eval(&symbols, &what)?))
                }
                None => region
                    .get(lp.pure_dim.max(0) as usize)
                    .copied()
                    .ok_or_else(|| Error::Internal(format!("loop {} has no dimension", lp.var))),
            })
            .collect()
    }

    /// Loops of stage `c` within one iteration of `ctx`.
    fn stage_loops_in(&mut self, c: usize, ctx: Context) -> Result<Vec<Span>> {
        let g = self.dag.stage(c).func as usize;
        if ctx == Context::Tile(c) {
            // One outer iteration: the first inner tile, one RVar value at a time.
            let own = self.func_region(g, self.context_of(g))?;
            let full = self.loops_from_region(c, &own)?;
            let tiling = &self.nest.choice(g).expect("a tiled stage is decided").stages[c - self.dag.stages_of(g).start];
            return Ok(full
                .iter()
                .enumerate()
                .map(|(l, span)| {
                    if self.dag.stage(c).loops[l].is_rvar {
                        Span::new(span.min, span.min)
                    } else {
                        Span::new(span.min, (span.min + tiling.tile[l] - 1).min(span.max))
                    }
                })
                .collect());
        }
        let region = self.func_region(g, ctx)?;
        self.loops_from_region(c, &region)
    }

    /// Region of Func `f` computed within one iteration of `ctx`.
    fn func_region(&mut self, f: usize, ctx: Context) -> Result<Vec<Span>> {
        if ctx == Context::Root || self.dag.func(f).is_output && ctx == self.context_of(f) {
            return Ok(self.root.computed[f].clone());
        }
        if let Some(hit) = self.memo.get(&(f, ctx)) {
            return Ok(hit.clone());
        }
        let func = self.dag.func(f);
        let mut required = vec![Span::EMPTY; func.dims.len()];
        for &e in &self.dag.edges_from_func[f] {
            let c = self.dag.raw.edges[e].consumer_stage as usize;
            if !self.inside(c, ctx) {
                continue;
            }
            let loops = self.stage_loops_in(c, ctx)?;
            if loops.iter().any(Span::is_empty) {
                continue;
            }
            let symbols = symbols_of(&loops);
            for (d, pair) in self.dag.footprints[e].iter().enumerate() {
                let what = || format!("the region of '{}' required by {}", func.name, self.dag.stage_name(c));
                let span = Span::new(pair.min.eval(&symbols, &what)?, pair.max.eval(&symbols, &what)?);
                required[d] = required[d].union(&span);
            }
        }
        let computed = if func.is_input || required.iter().any(Span::is_empty) {
            required
        } else {
            let symbols = symbols_of(&required);
            self.dag.region_computed[f]
                .iter()
                .enumerate()
                .map(|(d, pair)| {
                    let what = || format!("the region computed of '{}' dimension {d}", func.name);
                    Ok(Span::new(pair.min.eval(&symbols, &what)?, pair.max.eval(&symbols, &what)?))
                })
                .collect::<Result<Vec<_>>>()?
        };
        self.memo.insert((f, ctx), computed.clone());
        Ok(computed)
    }

    /// Whether stage `c` is computed within `ctx` (inlined Funcs count as where they are used).
    fn inside(&self, c: usize, ctx: Context) -> bool {
        let Context::Tile(s) = ctx else {
            return true;
        };
        let g = self.dag.stage(c).func as usize;
        match self.nest.choice(g).map(|ch| ch.placement) {
            Some(Placement::Inline) => self
                .nest
                .effective_consumer_stages(self.dag, g)
                .iter()
                .any(|&cc| self.nest.chain(self.dag, cc).contains(&s)),
            Some(_) => self.nest.chain(self.dag, c).contains(&s),
            None => false,
        }
    }
}

/// Bounds of a complete nest (every scheduled Func decided).
pub fn nest_bounds(dag: &Dag, nest: &LoopNest, root: &RootBounds) -> Result<NestBounds> {
    let n_funcs = dag.raw.funcs.len();
    let mut ev = Evaluator {
        dag,
        nest,
        root,
        memo: HashMap::new(),
    };
    let mut region = root.computed.clone();
    let mut productions = vec![0.0; n_funcs];
    let mut loops = root.loops.clone();
    let mut outer_iterations = vec![0.0; dag.raw.stages.len()];
    for f in dag.scheduled_funcs().rev() {
        let Some(choice) = nest.choice(f) else {
            return Err(Error::Internal(format!("bounds of an incomplete schedule ('{}' undecided)", dag.func(f).name)));
        };
        let ctx = ev.context_of(f);
        region[f] = ev.func_region(f, ctx)?;
        productions[f] = match choice.placement {
            Placement::Inline => 0.0,
            Placement::Root => 1.0,
            Placement::At(s) => productions[dag.stage(s).func as usize] * outer_iterations[s],
        };
        for (k, s) in dag.stages_of(f).enumerate() {
            loops[s] = ev.loops_from_region(s, &region[f])?;
            outer_iterations[s] = match choice.stages.get(k) {
                Some(tiling) => loops[s]
                    .iter()
                    .enumerate()
                    .map(|(l, span)| {
                        let extent = span.extent().max(0) as f64;
                        if dag.stage(s).loops[l].is_rvar {
                            extent
                        } else {
                            (extent / tiling.tile[l].max(1) as f64).ceil()
                        }
                    })
                    .product(),
                None => 0.0,
            };
        }
    }
    Ok(NestBounds {
        region,
        productions,
        loops,
        outer_iterations,
    })
}
