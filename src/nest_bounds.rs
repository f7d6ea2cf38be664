//! Bounds under a [`LoopNest`]: for every Func, the region computed per production and per
//! realization and how many of each there are; for every stage, its loop extents per
//! production.
//!
//! A Func placed at root computes its whole-pipeline region ([`RootBounds`]) once. A Func placed
//! at a [`Site`] of stage `s` computes, once per iteration of that site, the region its
//! consumers inside the iteration need: for `s` itself that is what one iteration covers (see
//! [`crate::stage_loops::site_spans`]: a representative iteration, the middle one, away from
//! the borders where boundary conditions widen footprints; [`nest_bounds_at`] measures the first
//! one instead, for estimates that must hold at the borders too; RVars advance one value at a
//! time), for any other consumer the region it computes inside the same
//! iteration, found the same way (recursively, memoized). A sliding Func is realized once per
//! iteration of its store site and computes that whole region over the compute iterations
//! inside it; a Func computed inside a sliding Func's loops runs once per iteration of those
//! loops over the new points (the realization's loops), not over each production's whole
//! window. Inlined Funcs have no productions: their region only passes requirements through to
//! producers.

use std::collections::HashMap;

use crate::bounds::{RootBounds, Span};
use crate::dag::Dag;
use crate::error::{Error, Result};
use crate::loop_nest::{LoopNest, Placement, Site};
use crate::stage_loops::{site_iterations, site_spans, Iteration};

/// Where a region is measured: the whole pipeline, or one iteration of a stage's loops down to
/// a site depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Context {
    Root,
    Site { stage: usize, depth: u8 },
}

/// Per-Func and per-stage bounds of one complete loop nest.
#[derive(Debug, Clone, PartialEq)]
pub struct NestBounds {
    /// Per Func: region computed per production (inputs: their root region).
    pub region: Vec<Vec<Span>>,
    /// Per Func: region stored per realization (the production's region unless it slides).
    pub realization_region: Vec<Vec<Span>>,
    /// Per Func: number of productions over the pipeline run (0 when inlined).
    pub productions: Vec<f64>,
    /// Per Func: number of realizations (allocations) over the pipeline run.
    pub realizations: Vec<f64>,
    /// Per stage: loop extents per production of its Func.
    pub loops: Vec<Vec<Span>>,
    /// Per stage: loop extents over one realization of its Func (all productions inside it,
    /// each computing only its new points, when the Func slides).
    pub realization_loops: Vec<Vec<Span>>,
}

/// The symbols a footprint or bound expression reads: each loop's min and max, in order.
pub fn symbols_of(spans: &[Span]) -> Vec<i64> {
    spans.iter().flat_map(|s| [s.min, s.max]).collect()
}

/// Points in a box of spans.
pub fn points(spans: &[Span]) -> f64 {
    spans.iter().map(|s| s.extent().max(0) as f64).product()
}

struct Evaluator<'a> {
    dag: &'a Dag,
    nest: &'a LoopNest,
    root: &'a RootBounds,
    iteration: Iteration,
    memo: HashMap<(usize, Context), Vec<Span>>,
}

impl Evaluator<'_> {
    fn compute_context(&self, f: usize) -> Context {
        match self.nest.choice(f).map(|c| c.placement) {
            Some(Placement::At(site)) => Context::Site {
                stage: site.stage,
                depth: site.depth,
            },
            _ => Context::Root,
        }
    }

    fn store_context(&self, f: usize) -> Context {
        match self.nest.choice(f).map(|c| c.placement) {
            Some(Placement::At(site)) => Context::Site {
                stage: site.stage,
                depth: site.store_depth,
            },
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
        if let Context::Site { stage, depth } = ctx {
            if stage == c {
                let own = self.func_region(g, self.compute_context(g))?;
                let full = self.loops_from_region(c, &own)?;
                let tiling = self
                    .nest
                    .tiling(self.dag, c)
                    .expect("a stage with a site is decided");
                return Ok(site_spans(
                    self.dag.stage(c),
                    tiling,
                    &full,
                    depth,
                    self.iteration,
                ));
            }
        }
        let region = self.func_region(g, ctx)?;
        self.loops_from_region(c, &region)
    }

    /// Region of Func `f` computed within one iteration of `ctx`.
    fn func_region(&mut self, f: usize, ctx: Context) -> Result<Vec<Span>> {
        if ctx == Context::Root || self.dag.func(f).is_output && ctx == self.compute_context(f) {
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
        let Context::Site { stage, depth } = ctx else {
            return true;
        };
        let within = |cc: usize| {
            self.nest
                .depth_within(self.dag, cc, stage)
                .is_some_and(|d| d >= depth)
        };
        let g = self.dag.stage(c).func as usize;
        match self.nest.choice(g).map(|ch| ch.placement) {
            Some(Placement::Inline) => self
                .nest
                .effective_consumer_stages(self.dag, g)
                .iter()
                .any(|&cc| within(cc)),
            Some(_) => within(c),
            None => false,
        }
    }
}

/// Iterations of a site per production of its stage.
fn iterations_at(dag: &Dag, nest: &LoopNest, loops: &[Vec<Span>], site: Site, depth: u8) -> f64 {
    let tiling = nest
        .tiling(dag, site.stage)
        .expect("a stage with a site is decided");
    site_iterations(dag.stage(site.stage), tiling, &loops[site.stage], depth)
}

/// Bounds of a complete nest (every scheduled Func decided), each site's regions measured in
/// its middle iteration.
pub fn nest_bounds(dag: &Dag, nest: &LoopNest, root: &RootBounds) -> Result<NestBounds> {
    nest_bounds_at(dag, nest, root, Iteration::Middle)
}

/// [`nest_bounds`] with each site's regions measured in the given iteration.
pub fn nest_bounds_at(
    dag: &Dag,
    nest: &LoopNest,
    root: &RootBounds,
    iteration: Iteration,
) -> Result<NestBounds> {
    let n_funcs = dag.raw.funcs.len();
    let mut ev = Evaluator {
        dag,
        nest,
        root,
        iteration,
        memo: HashMap::new(),
    };
    let mut region = root.computed.clone();
    let mut realization_region = root.computed.clone();
    let mut productions = vec![0.0; n_funcs];
    let mut realizations = vec![0.0; n_funcs];
    let mut loops = root.loops.clone();
    let mut realization_loops = root.loops.clone();
    for f in dag.scheduled_funcs().rev() {
        let Some(choice) = nest.choice(f) else {
            return Err(Error::Internal(format!(
                "bounds of an incomplete schedule ('{}' undecided)",
                dag.func(f).name
            )));
        };
        region[f] = ev.func_region(f, ev.compute_context(f))?;
        realization_region[f] = ev.func_region(f, ev.store_context(f))?;
        (productions[f], realizations[f]) = match choice.placement {
            Placement::Inline => (0.0, 0.0),
            Placement::Root => (1.0, 1.0),
            Placement::At(site) => {
                // Inside a sliding Func, the site's loops run over the new points only: count
                // its iterations over each realization's loops (every point once), not over
                // each production's whole window.
                let owner = dag.stage(site.stage).func as usize;
                let owner_slides = matches!(
                    nest.choice(owner).map(|c| c.placement),
                    Some(Placement::At(owner_site)) if owner_site.slides()
                );
                let (count, owner_loops) = if owner_slides {
                    (realizations[owner], &realization_loops)
                } else {
                    (productions[owner], &loops)
                };
                (
                    count * iterations_at(dag, nest, owner_loops, site, site.depth),
                    count * iterations_at(dag, nest, owner_loops, site, site.store_depth),
                )
            }
        };
        for s in dag.stages_of(f) {
            loops[s] = ev.loops_from_region(s, &region[f])?;
            realization_loops[s] = if realization_region[f] == region[f] {
                loops[s].clone()
            } else {
                ev.loops_from_region(s, &realization_region[f])?
            };
        }
    }
    Ok(NestBounds {
        region,
        realization_region,
        productions,
        realizations,
        loops,
        realization_loops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::root_bounds;
    use crate::features::schedule_features;
    use crate::loop_nest::{FuncChoice, StageTiling};
    use crate::test_dags::{
        pointwise_then_vertical_stencil, stencil_along, stencil_nest, stencil_pair,
        stencil_through_a_boundary,
    };

    #[test]
    fn producer_at_an_eight_by_eight_tile_of_a_three_tap_stencil_computes_ten_by_eight() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        let nest = stencil_nest(&dag, Placement::At(Site::new(1, 0)));
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        // Measured at a middle tile of g (the fourth of eight along each loop).
        assert_eq!(bounds.region[0], vec![Span::new(23, 32), Span::new(24, 31)]);
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

    #[test]
    fn producer_per_row_of_a_tile_computes_one_row_of_the_stencil_per_production() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        // Depth 1: inside g's tile loop over y (the outermost inner loop).
        let nest = stencil_nest(&dag, Placement::At(Site::new(1, 1)));
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        assert_eq!(bounds.region[0], vec![Span::new(23, 32), Span::new(31, 31)]);
        // 64 tiles x 8 rows.
        assert_eq!(bounds.productions[0], 512.0);
        let features = schedule_features(&dag, &nest, &bounds, &root);
        assert_eq!(features[0].points_computed_per_production, 10.0);
        assert_eq!(features[0].points_computed_total, 10.0 * 512.0);
    }

    #[test]
    fn sliding_a_vertical_stencil_down_a_tile_computes_each_row_once() {
        let dag = stencil_along(1);
        let root = root_bounds(&dag).unwrap();
        // Without sliding, every row of the 8x8 tile computes 3 rows of f: 24 points.
        let per_row = stencil_nest(&dag, Placement::At(Site::new(1, 1)));
        let bounds = nest_bounds(&dag, &per_row, &root).unwrap();
        let features = schedule_features(&dag, &per_row, &bounds, &root);
        assert_eq!(features[0].points_computed_per_production, 24.0);
        assert_eq!(features[0].points_computed_total, 24.0 * 512.0);

        // Stored per tile and computed per row: the tile's 8 x 10 rows once per tile, in 8
        // productions; storage folds to the 3 rows one production needs.
        let sliding = Site {
            stage: 1,
            depth: 1,
            store_depth: 0,
        };
        let nest = stencil_nest(&dag, Placement::At(sliding));
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        assert_eq!(
            bounds.realization_region[0],
            vec![Span::new(24, 31), Span::new(23, 32)]
        );
        assert_eq!(bounds.realizations[0], 64.0);
        assert_eq!(bounds.productions[0], 512.0);
        let features = schedule_features(&dag, &nest, &bounds, &root);
        assert_eq!(features[0].num_realizations, 64.0);
        assert_eq!(features[0].points_computed_per_realization, 80.0);
        assert_eq!(features[0].points_computed_total, 80.0 * 64.0);
        assert_eq!(features[0].points_computed_per_production, 10.0);
        assert_eq!(features[1].working_set, 24.0 * 4.0);
    }

    #[test]
    fn a_producer_inside_a_sliding_func_computes_only_for_its_new_rows() {
        let dag = pointwise_then_vertical_stencil();
        let root = root_bounds(&dag).unwrap();
        let untiled = |tile: Vec<i64>| StageTiling {
            tile,
            block: None,
            vector: None,
            parallel: Vec::new(),
        };
        let mut nest = LoopNest::new(&dag);
        // g at root in 8x8 tiles; f slides down each tile (computed per row, stored per
        // tile); a computed per point of f.
        nest.choices[2] = Some(FuncChoice {
            placement: Placement::Root,
            stages: vec![untiled(vec![8, 8])],
        });
        nest.choices[1] = Some(FuncChoice {
            placement: Placement::At(Site {
                stage: 2,
                depth: 1,
                store_depth: 0,
            }),
            stages: vec![untiled(vec![1, 1])],
        });
        nest.choices[0] = Some(FuncChoice {
            placement: Placement::At(Site::new(1, 0)),
            stages: vec![untiled(vec![1, 1])],
        });
        let bounds = nest_bounds(&dag, &nest, &root).unwrap();
        let features = schedule_features(&dag, &nest, &bounds, &root);
        // f: 8 x 10 rows per tile, each once.
        assert_eq!(features[1].points_computed_total, 80.0 * 64.0);
        // a is pointwise into f: exactly f's points, not f's whole 8 x 3 window per row
        // (24 x 512).
        assert_eq!(bounds.productions[0], 80.0 * 64.0);
        assert_eq!(features[0].points_computed_total, 80.0 * 64.0);
    }

    #[test]
    fn a_border_tile_s_wider_footprint_does_not_stand_for_every_tile() {
        let dag = stencil_through_a_boundary();
        let root = root_bounds(&dag).unwrap();
        let nest = stencil_nest(&dag, Placement::At(Site::new(1, 0)));
        // Most tiles of g need 10 x 8 points of f; the ones at the left and right borders the
        // whole 64-column row.
        let middle = nest_bounds(&dag, &nest, &root).unwrap();
        assert_eq!(points(&middle.region[0]), 80.0);
        let first = nest_bounds_at(&dag, &nest, &root, Iteration::First).unwrap();
        assert_eq!(first.region[0], vec![Span::new(0, 63), Span::new(0, 7)]);
        // The memory estimate holds at the borders: f's allocation there, 64 x 8 floats.
        let peak = crate::memory::estimated_peak_bytes(&dag, &nest, &middle, &root, 1).unwrap();
        assert_eq!(peak, 64.0 * 8.0 * 4.0);
        assert_eq!(
            crate::memory::peak_bytes(&dag, &nest, &middle, 1),
            80.0 * 4.0
        );
    }
}
