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
                    Ok(Span::new(
                        pair.min.eval(&symbols, &what)?,
                        pair.max.eval(&symbols, &what)?,
                    ))
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
            let tiling = &self
                .nest
                .choice(g)
                .expect("a tiled stage is decided")
                .stages[c - self.dag.stages_of(g).start];
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
                let what = || {
                    format!(
                        "the region of '{}' required by {}",
                        func.name,
                        self.dag.stage_name(c)
                    )
                };
                let span = Span::new(
                    pair.min.eval(&symbols, &what)?,
                    pair.max.eval(&symbols, &what)?,
                );
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
                    Ok(Span::new(
                        pair.min.eval(&symbols, &what)?,
                        pair.max.eval(&symbols, &what)?,
                    ))
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
            return Err(Error::Internal(format!(
                "bounds of an incomplete schedule ('{}' undecided)",
                dag.func(f).name
            )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::root_bounds;
    use crate::bridge::ffi;
    use crate::features::schedule_features;
    use crate::loop_nest::{FuncChoice, StageTiling};

    /// `symbol + offset` as an exported tree.
    fn shifted(symbol: i64, offset: i64) -> ffi::ExprTree {
        let node = |op, a, b, value| ffi::ExprNode {
            op,
            a,
            b,
            c: -1,
            value,
        };
        ffi::ExprTree {
            nodes: vec![
                node(ffi::ExprOp::Symbol, -1, -1, symbol),
                node(ffi::ExprOp::Const, -1, -1, offset),
                node(ffi::ExprOp::Add, 0, 1, 0),
            ],
        }
    }

    fn pair(min_symbol: i64, min_offset: i64, max_offset: i64) -> ffi::BoundTrees {
        ffi::BoundTrees {
            min: shifted(min_symbol, min_offset),
            max: shifted(min_symbol + 1, max_offset),
        }
    }

    fn func(name: &str, index: i32, output: bool) -> ffi::DagFunc {
        ffi::DagFunc {
            name: name.into(),
            pipeline_index: index,
            is_input: false,
            is_output: output,
            is_extern: false,
            dims: vec!["x".into(), "y".into()],
            types: vec![ffi::ScalarTypeDesc { code: 2, bits: 32 }],
            estimates: if output {
                vec![ffi::DimEstimate { min: 0, extent: 64 }; 2]
            } else {
                Vec::new()
            },
            region_computed: vec![pair(0, 0, 0), pair(2, 0, 0)],
            first_stage: index,
            num_stages: 1,
        }
    }

    fn stage(f: i32) -> ffi::DagStage {
        let lp = |var: &str, d| ffi::DagLoop {
            var: var.into(),
            is_rvar: false,
            pure_dim: d,
            rvar_bounds: Default::default(),
        };
        ffi::DagStage {
            func: f,
            index: 0,
            loops: vec![lp("x", 0), lp("y", 1)],
            store_args: vec![shifted(0, 0), shifted(1, 0)],
            op_histogram: vec![0; crate::pipeline_features::NUM_OP_FEATURES],
            loads: Vec::new(),
            has_predicate: false,
        }
    }

    /// f feeds g through a 3-tap horizontal stencil; g is the 64x64 output.
    fn stencil_pair() -> Dag {
        Dag::new(ffi::Dag {
            funcs: vec![func("f", 0, false), func("g", 1, true)],
            stages: vec![stage(0), stage(1)],
            edges: vec![ffi::DagEdge {
                producer: 0,
                consumer_stage: 1,
                footprint: vec![pair(0, -1, 1), pair(2, 0, 0)],
                calls: 3,
            }],
            target: ffi::TargetDesc {
                text: "test".into(),
                has_gpu_feature: false,
                vector_bytes: 32,
                natural_vector_lanes: vec![32, 32, 16, 8, 4, 8, 4],
            },
        })
        .unwrap()
    }

    /// g tiled 8x8 at root, f placed at `f_placement`.
    fn stencil_nest(dag: &Dag, f_placement: Placement) -> LoopNest {
        let tiling = |tile: Vec<i64>| StageTiling {
            tile,
            vector: None,
            parallel: Vec::new(),
        };
        let mut nest = LoopNest::new(dag);
        nest.choices[1] = Some(FuncChoice {
            placement: Placement::Root,
            stages: vec![tiling(vec![8, 8])],
        });
        nest.choices[0] = Some(FuncChoice {
            placement: f_placement,
            stages: vec![tiling(vec![1, 1])],
        });
        nest
    }

    #[test]
    fn producer_at_an_eight_by_eight_tile_of_a_three_tap_stencil_computes_ten_by_eight() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        let nest = stencil_nest(&dag, Placement::At(1));
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        assert_eq!(bounds.region[0], vec![Span::new(-1, 8), Span::new(0, 7)]);
        // One production per tile of g: 8 x 8 tiles.
        assert_eq!(bounds.productions[0], 64.0);
        let features = schedule_features(&dag, &nest, &bounds, &root);
        assert_eq!(features[0].points_computed_per_production, 80.0);
        assert_eq!(features[0].points_computed_total, 80.0 * 64.0);
        // At root f would compute its 66 x 64 region once.
        assert_eq!(features[0].points_computed_minimum, 66.0 * 64.0);
        assert_eq!(features[1].working_set, 80.0 * 4.0);
    }

    #[test]
    fn producer_at_root_computes_the_consumers_whole_footprint_once() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        let bounds = nest_bounds(&dag, &stencil_nest(&dag, Placement::Root), &root).unwrap();
        assert_eq!(bounds.region[0], vec![Span::new(-1, 64), Span::new(0, 63)]);
        assert_eq!(bounds.productions[0], 1.0);
    }
}
