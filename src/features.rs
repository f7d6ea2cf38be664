//! Schedule features per stage: what a schedule decides about each stage, in numbers.
//!
//! This is the subset that whole-pipeline root bounds and a plan determine; the loop-nest
//! search extends it to the full set of DESIGN §7 (the featurization format stores the names,
//! so readers follow). Values are raw (counts, extents, bytes): the cost model log-scales them.

use crate::bounds::RootBounds;
use crate::bridge::ffi::{Placement, SchedulePlan};
use crate::dag::Dag;

/// Column names, in order, with their units in docs/featurization.md.
pub const SCHEDULE_FEATURE_NAMES: &[&str] = &[
    "placement_inline",
    "placement_root",
    "placement_at",
    "points_computed_total",
    "innermost_loop_extent",
    "vector_size",
    "outer_parallelism",
    "bytes_at_root",
];

/// Feature rows for every stage, in stage order.
pub fn schedule_features(dag: &Dag, bounds: &RootBounds, plan: &SchedulePlan) -> Vec<Vec<f32>> {
    let mut rows = vec![vec![0f32; SCHEDULE_FEATURE_NAMES.len()]; dag.raw.stages.len()];
    for fp in &plan.funcs {
        let f = fp.func as usize;
        let bytes: i64 = bounds.computed[f].iter().map(|s| s.extent()).product::<i64>() * dag.bytes_per_point(f);
        for s in dag.stages_of(f) {
            let row = &mut rows[s];
            match fp.compute {
                Placement::Inline => row[0] = 1.0,
                Placement::Root => row[1] = 1.0,
                _ => row[2] = 1.0,
            }
            row[3] = bounds.stage_points(s) as f32;
            row[4] = bounds.loops[s].first().map(|l| l.extent()).unwrap_or(1) as f32;
            row[5] = 1.0;
            row[6] = 1.0;
            row[7] = if fp.compute == Placement::Inline { 0.0 } else { bytes as f32 };
        }
    }
    for sp in &plan.stages {
        let s = sp.stage as usize;
        let stage = dag.stage(s);
        let extent_of = |var: &str| {
            stage
                .loops
                .iter()
                .position(|l| l.var == var)
                .map(|l| bounds.loops[s][l].extent())
        };
        let mut outer_extents = std::collections::HashMap::new();
        for split in &sp.splits {
            if let Some(e) = extent_of(&split.old) {
                let factor = split.factor.max(1) as i64;
                outer_extents.insert(split.outer.clone(), (e + factor - 1) / factor);
                if sp.vectorize == split.inner {
                    rows[s][4] = factor as f32;
                    rows[s][5] = factor as f32;
                }
            }
        }
        let parallel: i64 = sp
            .parallel
            .iter()
            .map(|v| outer_extents.get(v).copied().or_else(|| extent_of(v)).unwrap_or(1))
            .product();
        rows[s][6] = parallel.max(1) as f32;
    }
    rows
}
