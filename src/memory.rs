//! Peak memory of a loop nest, estimated for `memory_limit`: what the schedule allocates that
//! the user did not (outputs are the user's buffers).
//!
//! A Func computed at root lives from its production (its place in the pipeline order) until
//! the last root-level computation that reads it; the estimate is the largest sum of live
//! root allocations at any point, plus, at that point, everything allocated inside the root
//! computation running then: per realization of each inner Func, once per parallel task that
//! can run at a time.

use crate::bounds::RootBounds;
use crate::dag::Dag;
use crate::error::Result;
use crate::loop_nest::{LoopNest, Placement};
use crate::nest_bounds::{nest_bounds_at, points, NestBounds};
use crate::stage_loops::Iteration;

/// The root-level Func whose nest computes Func `f` (itself unless it is placed at a site).
fn root_owner(dag: &Dag, nest: &LoopNest, f: usize) -> usize {
    let mut g = f;
    while let Some(Placement::At(site)) = nest.choice(g).map(|c| c.placement) {
        g = dag.stage(site.stage).func as usize;
    }
    g
}

/// Estimated peak bytes allocated by the schedule, at the borders as in the middle: a Func
/// computed inside a loop allocates, per iteration, the region that iteration needs, which at
/// a border (through a boundary condition) can be far larger than in the middle iteration the
/// features describe (`middle`: the nest's bounds from [`crate::nest_bounds::nest_bounds`]).
pub fn estimated_peak_bytes(
    dag: &Dag,
    nest: &LoopNest,
    middle: &NestBounds,
    root: &RootBounds,
    parallelism: u32,
) -> Result<f64> {
    let first = nest_bounds_at(dag, nest, root, Iteration::First)?;
    Ok(peak_bytes(dag, nest, middle, parallelism).max(peak_bytes(dag, nest, &first, parallelism)))
}

/// Estimated peak bytes allocated by the schedule, given its bounds in one iteration.
pub fn peak_bytes(dag: &Dag, nest: &LoopNest, bounds: &NestBounds, parallelism: u32) -> f64 {
    let n = dag.raw.funcs.len();
    // Per root-level Func (pipeline order = producers first): bytes allocated inside its nest
    // while it runs, and the last root-level Func that reads each root allocation.
    let mut inner = vec![0.0; n];
    let mut root_bytes = vec![0.0; n];
    let mut last_use: Vec<usize> = (0..n).collect();
    for f in dag.scheduled_funcs() {
        let Some(choice) = nest.choice(f) else {
            continue;
        };
        let bytes = dag.bytes_per_point(f) as f64;
        let owner = root_owner(dag, nest, f);
        match choice.placement {
            Placement::Inline => {}
            Placement::Root => {
                if !dag.func(f).is_output {
                    root_bytes[f] = points(&bounds.realization_region[f]) * bytes;
                }
            }
            Placement::At(site) => {
                let stored = if nest.site_folds(dag, site) {
                    &bounds.region[f]
                } else {
                    &bounds.realization_region[f]
                };
                let tasks = nest
                    .tiling(dag, dag.stages_of(owner).start)
                    .map(|t| {
                        t.parallel
                            .iter()
                            .map(|&l| {
                                let loops = &bounds.loops[dag.stages_of(owner).start];
                                (loops[l].extent() as f64 / t.outer_block(l) as f64).ceil()
                            })
                            .product::<f64>()
                    })
                    .unwrap_or(1.0);
                inner[owner] += points(stored) * bytes * tasks.min(parallelism.max(1) as f64);
            }
        }
        for &c in nest.effective_consumer_stages(dag, f).iter() {
            let reader = root_owner(dag, nest, dag.stage(c).func as usize);
            last_use[owner] = last_use[owner].max(reader);
        }
    }
    let mut peak: f64 = 0.0;
    for t in dag.scheduled_funcs() {
        let live: f64 = dag
            .scheduled_funcs()
            .filter(|&f| f <= t && last_use[f] >= t)
            .map(|f| root_bytes[f])
            .sum();
        peak = peak.max(live + inner[t]);
    }
    peak
}
