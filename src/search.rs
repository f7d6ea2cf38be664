//! Beam search over loop nests (the core of the autoscheduler; after Adams et al. 2019).
//!
//! Read [`beam_search`] first. Funcs are decided one at a time, consumers first (reverse
//! topological order), so that when a Func is decided every place it could be computed is
//! known ([`LoopNest::placements`]). Expanding a state for Func `f` makes one child per option:
//! inline `f` (when legal), or compute it at root or inside the tiles of an enclosing consumer
//! stage, each with every candidate tiling of its pure stage ([`candidate_tilings`]); update
//! stages take the default tiling. Each child is completed (undecided producers at root with
//! the default tiling), its bounds and features computed, and the whole generation is costed in
//! one batch by the [`CostModel`]; the `beam_size` cheapest distinct children survive.
//!
//! `random_dropout` (percent) keeps each child with that probability before costing, drawing
//! from a ChaCha8 stream seeded by `random_dropout_seed`, so a seed always gives the same
//! schedule; beam 1 with dropout samples diverse schedules for training data.
//!
//! Not yet: coarse-to-fine passes restricted by structural hashes, subtiling levels,
//! `store_at` hoisting, unrolling, and incremental (memoized per-nest) featurization.

use std::collections::HashSet;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::bounds::RootBounds;
use crate::cost_model::CostModel;
use crate::dag::Dag;
use crate::error::Result;
use crate::features::{schedule_features, StageFeatures};
use crate::loop_nest::{FuncChoice, LoopNest, Placement};
use crate::nest_bounds::nest_bounds;
use crate::params::Params;
use crate::tiling::{candidate_tilings, default_tiling};

/// The chosen schedule and what it took to find it.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub nest: LoopNest,
    pub cost: f64,
    pub features: Vec<StageFeatures>,
    pub states_evaluated: usize,
}

/// The default choice for an undecided Func: root, default tilings over its root bounds.
pub fn default_choice(dag: &Dag, root: &RootBounds, f: usize, params: &Params) -> FuncChoice {
    FuncChoice {
        placement: Placement::Root,
        stages: dag
            .stages_of(f)
            .map(|s| default_tiling(dag, s, &root.loops[s], true, params.parallelism))
            .collect(),
    }
}

/// `nest` with every undecided Func given its default choice.
pub fn complete(dag: &Dag, root: &RootBounds, nest: &LoopNest, params: &Params) -> LoopNest {
    let mut full = nest.clone();
    for f in dag.scheduled_funcs() {
        if full.choices[f].is_none() {
            full.choices[f] = Some(default_choice(dag, root, f, params));
        }
    }
    full
}

/// Every option for Func `f` in `state`.
fn expand(
    dag: &Dag,
    root: &RootBounds,
    state: &LoopNest,
    f: usize,
    params: &Params,
) -> Result<Vec<LoopNest>> {
    let mut children = Vec::new();
    if LoopNest::can_inline(dag, f) {
        let mut child = state.clone();
        child.choices[f] = Some(FuncChoice {
            placement: Placement::Inline,
            stages: Vec::new(),
        });
        children.push(child);
    }
    for placement in state.placements(dag, f) {
        let at_root = placement == Placement::Root;
        // Bounds of f's stages at this placement (tiles do not change f's own region).
        let mut probe = state.clone();
        probe.choices[f] = Some(FuncChoice {
            placement,
            stages: default_choice(dag, root, f, params).stages,
        });
        let bounds = nest_bounds(dag, &complete(dag, root, &probe, params), root)?;
        let stages: Vec<usize> = dag.stages_of(f).collect();
        let updates: Vec<_> = stages[1..]
            .iter()
            .map(|&s| default_tiling(dag, s, &bounds.loops[s], at_root, params.parallelism))
            .collect();
        for tiling in candidate_tilings(
            dag,
            stages[0],
            &bounds.loops[stages[0]],
            at_root,
            params.parallelism,
        ) {
            let mut child = state.clone();
            let mut tilings = vec![tiling];
            tilings.extend(updates.iter().cloned());
            child.choices[f] = Some(FuncChoice {
                placement,
                stages: tilings,
            });
            children.push(child);
        }
    }
    Ok(children)
}

/// Features of a complete nest.
pub fn featurize(dag: &Dag, root: &RootBounds, nest: &LoopNest) -> Result<Vec<StageFeatures>> {
    let bounds = nest_bounds(dag, nest, root)?;
    Ok(schedule_features(dag, nest, &bounds, root))
}

/// Searches for the cheapest complete loop nest under `model`.
pub fn beam_search(
    dag: &Dag,
    root: &RootBounds,
    params: &Params,
    model: &mut dyn CostModel,
) -> Result<SearchResult> {
    model.set_pipeline(dag)?;
    let mut rng = ChaCha8Rng::seed_from_u64(params.random_dropout_seed);
    let mut beam: Vec<(LoopNest, f64)> = vec![(LoopNest::new(dag), 0.0)];
    let mut states_evaluated = 0;
    let order: Vec<usize> = dag.scheduled_funcs().rev().collect();
    for &f in &order {
        let mut children = Vec::new();
        for (state, _) in &beam {
            children.extend(expand(dag, root, state, f, params)?);
        }
        if params.random_dropout < 100 && children.len() > 1 {
            let n = children.len();
            let mut keep: Vec<bool> = (0..n)
                .map(|_| rng.next_u64() % 100 < params.random_dropout as u64)
                .collect();
            if !keep.contains(&true) {
                keep[(rng.next_u64() % n as u64) as usize] = true;
            }
            children = children
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(c, _)| c)
                .collect();
        }
        let mut features = Vec::with_capacity(children.len());
        for child in &children {
            features.push(featurize(dag, root, &complete(dag, root, child, params))?);
        }
        for f in features {
            model.enqueue(f);
        }
        let costs = model.evaluate()?;
        states_evaluated += children.len();
        let mut ranked: Vec<(LoopNest, f64)> = children.into_iter().zip(costs).collect();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        if crate::entry::debug_level() >= 3 {
            for (nest, cost) in ranked.iter().take(5) {
                let choice = nest.choice(f).expect("just decided");
                eprintln!(
                    "Gcn search: {} -> {:?} tiles {:?}: {:.4} ms",
                    dag.func(f).name,
                    choice.placement,
                    choice
                        .stages
                        .iter()
                        .map(|t| t.tile.clone())
                        .collect::<Vec<_>>(),
                    cost * 1e3
                );
            }
        }
        let mut seen = HashSet::new();
        beam = ranked
            .into_iter()
            .filter(|(nest, _)| seen.insert(nest.clone()))
            .take(params.beam_size as usize)
            .collect();
    }
    let (nest, cost) = beam.into_iter().next().expect("the beam is never empty");
    let features = featurize(dag, root, &nest)?;
    Ok(SearchResult {
        nest,
        cost,
        features,
        states_evaluated,
    })
}
