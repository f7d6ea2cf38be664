//! Beam search over loop nests (the core of the autoscheduler; after Adams et al. 2019).
//!
//! Read [`beam_search`] first. Funcs are decided one at a time, consumers first (reverse
//! topological order), so that when a Func is decided every place it could be computed is
//! known ([`LoopNest::placements`]). Expanding a state for Func `f` makes one child per option:
//! inline `f` (when legal), or compute it at root or at a site of an enclosing consumer stage
//! (storage there or one loop out, sliding), each with every candidate tiling of its pure stage
//! ([`candidate_tilings`], subtiled blocks included at root unless `disable_subtiling`) and
//! its update stages at the default tiling, plus one child per candidate tiling of the update
//! stages (register blocks of reductions: a reduction's tile loops sit inside its RVars), the
//! pure stage tiled alike where it can be ([`placed_children`]). A consumer stage without
//! RVars and with no producer inside it yet may also be retiled into strips, `f` computed once
//! per strip ([`retiled_into_strips`]): a decided Func's tiling may still change until something
//! is computed inside it. Each child is completed (undecided producers at root with the
//! default tiling), its bounds and features computed, and the whole generation is costed in one
//! batch by the [`CostModel`]; the `beam_size` cheapest distinct children survive. With
//! `memory_limit`, children whose estimated peak memory exceeds it rank after every child
//! within it ([`crate::memory::estimated_peak_bytes`]).
//!
//! Coarse-to-fine: with a beam wider than one, the search runs [`NUM_PASSES`] passes. After
//! each pass, the structural hashes ([`structural_hash`]) of the final beam's states, taken at
//! every decision step and at a depth that grows with the pass, restrict the next pass to
//! children that agree with some good state of the previous pass at that depth: the first pass
//! finds good structures (what is inlined, what is computed where), later passes spend the whole
//! beam refining tilings inside them. The best state over all passes wins. (A consumer retiled
//! into a strip later in the pass keeps its retiled tiling in the hashes of earlier steps; such a
//! hash can match no child of that step, and a step whose children match none keeps them all.)
//!
//! Assumed sites: a child is costed complete, its undecided Funcs at root by default. A group
//! of producers that pays off only together inside a consumer's tiles (camera_pipe's demosaic
//! Funcs: their shared producer can follow them into the output's tiles only once all of them
//! are there) then never looks worth its first step. So a child with `f` at a site or inlined is
//! also costed with f's undecided single-stage producers assumed at that site where legal
//! ([`LoopNest::assumed_site`], [`complete`]); its children inherit the assumption. A beam
//! wider than one searches twice, plainly and with assumed sites (half the beam), and keeps the
//! cheaper result: the assumed costs are reachable only through the default tilings the
//! completion gives them, and a beam of them can crowd out better plain states. camera_pipe
//! ran 24.4 -> 11.9 ms.
//!
//! Diversity (beam wider than one): within a generation, the k-th cheapest child whose
//! structural hash at depth `pass + 1` repeats an earlier child's ranks as if it cost k times
//! its cost ([`diversity_ranked`], the penalty of Adams et al. 2019). Otherwise tilings that
//! the model cannot tell apart yet (a consumer's tiles matter only once producers are placed in
//! them) fill the whole beam with one structure, and placements that pay off a few decisions
//! later (a chain of stencils fused into the output's tiles) fall out of it. In the first pass,
//! the best child of each distinct set of placements also keeps a place, up to a quarter of
//! the beam ([`with_placements_kept`]): the penalty tells tilings apart, so many cheap tilings of
//! one placement can still crowd out a dearer placement that only pays off once a producer is
//! placed in it (max_filter's vertical pass at root in column strips, its scan computed once
//! per strip, 7% dearer by the model until the scan is placed: it ran 4.6× faster than the
//! schedule found without this).
//!
//! `random_dropout` (percent) keeps each child with that probability before costing, drawing
//! from a ChaCha8 stream seeded by `random_dropout_seed`, so a seed always gives the same
//! schedule; beam 1 with dropout samples diverse schedules for training data.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::bounds::RootBounds;
use crate::cost_model::CostModel;
use crate::dag::Dag;
use crate::error::Result;
use crate::features::{schedule_features, StageFeatures};
use crate::loop_nest::{FuncChoice, LoopNest, Placement, Site, StageTiling};
use crate::memory::estimated_peak_bytes;
use crate::nest_bounds::nest_bounds;
use crate::params::Params;
use crate::tiling::{
    candidate_tilings, default_tiling, strip_tilings, FIRST_DECISION_CANDIDATES, MAX_CANDIDATES,
};

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

/// `nest` with every undecided Func given its default choice, or, where the nest assumes a
/// site for undecided Funcs ([`LoopNest::assumed_site`]) and its consumers allow it, computed
/// at that site along whole vectorized rows (the default tiling over its region there).
pub fn complete(
    dag: &Dag,
    root: &RootBounds,
    nest: &LoopNest,
    params: &Params,
) -> Result<LoopNest> {
    let mut full = nest.clone();
    let mut at_assumed_site = Vec::new();
    // Consumers first: a Func's legal sites follow from its consumers' placements.
    for f in dag.scheduled_funcs().rev() {
        if full.choices[f].is_some() {
            continue;
        }
        let site = nest
            .assumed_site
            // Reductions stay at root: assumed in the tiles of a consumer, nl_means's blurs
            // of its patch distances looked cheap there and the search built toward a
            // schedule that ran twice as long.
            .filter(|_| dag.func(f).num_stages == 1)
            .map(Placement::At)
            .filter(|site| full.placements(dag, f).contains(site));
        full.choices[f] = Some(match site {
            Some(placement) => {
                at_assumed_site.push(f);
                // Untiled for now: the region a Func computes at a site does not depend on
                // the tilings of the Funcs beside it there.
                FuncChoice {
                    placement,
                    stages: dag.stages_of(f).map(|s| untiled(dag, s)).collect(),
                }
            }
            None => default_choice(dag, root, f, params),
        });
    }
    if !at_assumed_site.is_empty() {
        let bounds = nest_bounds(dag, &full, root)?;
        for f in at_assumed_site {
            let stages = dag
                .stages_of(f)
                .map(|s| default_tiling(dag, s, &bounds.loops[s], false, params.parallelism))
                .collect();
            full.choices[f].as_mut().expect("just completed").stages = stages;
        }
    }
    Ok(full)
}

/// Stage `s` with every loop whole and nothing vectorized.
fn untiled(dag: &Dag, s: usize) -> StageTiling {
    StageTiling {
        tile: vec![1; dag.stage(s).loops.len()],
        block: None,
        vector: None,
        parallel: Vec::new(),
    }
}

/// Every option for Func `f` in `state`; with `assume_sites`, those at a site or inlined also
/// as if f's undecided producers were computed at that site ([`LoopNest::assumed_site`]).
fn expand(
    dag: &Dag,
    root: &RootBounds,
    state: &LoopNest,
    f: usize,
    params: &Params,
    assume_sites: bool,
) -> Result<Vec<LoopNest>> {
    let mut children = Vec::new();
    let placements = state.placements(dag, f);
    // The sites f's undecided producers may be assumed at (see below).
    let sites: Vec<Site> = placements
        .iter()
        .filter_map(|p| match p {
            Placement::At(site) if !site.slides() => Some(*site),
            _ => None,
        })
        .collect();
    let assuming = |child: &LoopNest, site: Site| LoopNest {
        assumed_site: Some(site),
        ..child.clone()
    };
    if LoopNest::can_inline(dag, f) {
        let mut child = state.clone();
        child.choices[f] = Some(FuncChoice {
            placement: Placement::Inline,
            stages: Vec::new(),
        });
        // Inlined, f leaves its producers the sites it had.
        if assume_sites && state.assumed_site.is_none() {
            children.extend(sites.iter().map(|&site| assuming(&child, site)));
        }
        children.push(child);
    }
    for &placement in &placements {
        let first = children.len();
        placed_children(dag, root, state, f, placement, params, &mut children)?;
        // The same children costed as if f's undecided producers joined it at its site: one
        // producer moved into a consumer's tiles alone may cost more than it saves while a
        // group of them together pays (camera_pipe's demosaic Funcs, whose shared producer
        // can follow them into the output's tiles only once all of them are there).
        if let Placement::At(site) = placement {
            let site = Site::new(site.stage, site.depth);
            if assume_sites && state.assumed_site != Some(site) {
                let with_site: Vec<LoopNest> = children[first..]
                    .iter()
                    .map(|child| assuming(child, site))
                    .collect();
                children.extend(with_site);
            }
        }
    }
    // Consumers retiled into strips, f once per strip.
    let mut retiled_stages: Vec<usize> = Vec::new();
    for placement in &placements {
        let Placement::At(site) = placement else {
            continue;
        };
        // Not a stage with RVars: its depth 0 is inside the innermost RVar, so f would be
        // computed once per strip and per RVar iteration.
        let has_rvars = dag.stage(site.stage).loops.iter().any(|l| l.is_rvar);
        if has_rvars || retiled_stages.contains(&site.stage) || !state.may_retile(dag, site.stage) {
            continue;
        }
        retiled_stages.push(site.stage);
        for retiled in retiled_into_strips(dag, root, state, site.stage, params)? {
            let per_strip = Placement::At(Site::new(site.stage, 0));
            placed_children(dag, root, &retiled, f, per_strip, params, &mut children)?;
        }
    }
    Ok(children)
}

/// Children of `state` with Func `f` at `placement`: one per candidate tiling of its pure stage
/// (its updates at the default tiling), and one per round of candidate tilings of its update
/// stages (the pure stage tiled alike where it can be).
fn placed_children(
    dag: &Dag,
    root: &RootBounds,
    state: &LoopNest,
    f: usize,
    placement: Placement,
    params: &Params,
    children: &mut Vec<LoopNest>,
) -> Result<()> {
    let at_root = placement == Placement::Root;
    // Bounds of f's stages at this placement (tiles do not change f's own region).
    // Its region follows from its consumers alone: the producers complete at root, without
    // the state's assumed site (which would cost a second bounds pass per probe).
    let mut probe = LoopNest {
        assumed_site: None,
        ..state.clone()
    };
    probe.choices[f] = Some(FuncChoice {
        placement,
        stages: default_choice(dag, root, f, params).stages,
    });
    let bounds = nest_bounds(dag, &complete(dag, root, &probe, params)?, root)?;
    let stages: Vec<usize> = dag.stages_of(f).collect();
    let default_updates: Vec<StageTiling> = stages[1..]
        .iter()
        .map(|&s| default_tiling(dag, s, &bounds.loops[s], at_root, params.parallelism))
        .collect();
    let mut add_child = |pure: StageTiling, updates: &[StageTiling]| {
        let mut child = state.clone();
        let mut tilings = vec![pure];
        tilings.extend(updates.iter().cloned());
        child.choices[f] = Some(FuncChoice {
            placement,
            stages: tilings,
        });
        children.push(child);
    };
    // The first decision (the output's tiling, from the empty state) is made once: it gets a
    // denser spread of tiles. unsharp_mask's whole chain pays off inside 64x64x3 output tiles,
    // between the 12 candidates' 256x4x3 and 1024x16x1 (3.5 against 4.1 ms measured).
    let max_candidates = if state.choices.iter().all(Option::is_none) {
        FIRST_DECISION_CANDIDATES
    } else {
        MAX_CANDIDATES
    };
    let pure_candidates = candidate_tilings(
        dag,
        stages[0],
        &bounds.loops[stages[0]],
        at_root,
        params.parallelism,
        !params.disable_subtiling,
        max_candidates,
    );
    for tiling in &pure_candidates {
        add_child(tiling.clone(), &default_updates);
    }
    // Update stages tiled too: tiles of a reduction's pure loops sit inside its RVars, so
    // their small innermost loops unroll into register blocks. The j-th candidate of every
    // update stage makes one child, the pure stage tiled like the first update where its
    // candidates allow it, else by default.
    let update_candidates: Vec<Vec<StageTiling>> = stages[1..]
        .iter()
        .map(|&s| {
            candidate_tilings(
                dag,
                s,
                &bounds.loops[s],
                at_root,
                params.parallelism,
                false,
                max_candidates,
            )
        })
        .collect();
    let rounds = update_candidates.iter().map(Vec::len).max().unwrap_or(0);
    for j in 0..rounds {
        let updates: Vec<StageTiling> = update_candidates
            .iter()
            .zip(&default_updates)
            .map(|(candidates, default)| candidates.get(j).unwrap_or(default).clone())
            .collect();
        if updates == default_updates {
            continue;
        }
        let pure = pure_tiling_like(dag, stages[0], stages[1], &updates[0], &pure_candidates)
            .unwrap_or_else(|| {
                default_tiling(
                    dag,
                    stages[0],
                    &bounds.loops[stages[0]],
                    at_root,
                    params.parallelism,
                )
            });
        add_child(pure, &updates);
    }
    Ok(())
}

/// `state` with consumer stage `s` retiled into each of its strips other than its tiling now
/// (one state per strip). A consumer's tiles are chosen before its producers are placed, when
/// the model cannot yet see what they will hold; a producer that cannot be split along a loop
/// (a scan down the columns, a reduction over whole rows) is computed without redundancy only
/// per strip along that loop. This is a narrow form of Adams et al. 2019's compute-in-tiles,
/// which retiles the consumer into every tiling: offering all of them for every producer
/// crowded the beam and the random samples with placements inside consumers. `state` must
/// allow retiling `s` ([`LoopNest::may_retile`]).
fn retiled_into_strips(
    dag: &Dag,
    root: &RootBounds,
    state: &LoopNest,
    s: usize,
    params: &Params,
) -> Result<Vec<LoopNest>> {
    let g = dag.stage(s).func as usize;
    let g_choice = state.choice(g).expect("a stage with sites is decided");
    let k = s - dag.stages_of(g).start;
    let at_root = g_choice.placement == Placement::Root;
    // A stage's loops per production do not depend on its own tiling, nor on where its
    // producers are (so the state's assumed site is left out).
    let plain = LoopNest {
        assumed_site: None,
        ..state.clone()
    };
    let bounds = nest_bounds(dag, &complete(dag, root, &plain, params)?, root)?;
    Ok(
        strip_tilings(dag, s, &bounds.loops[s], at_root, params.parallelism)
            .into_iter()
            .filter(|strip| *strip != g_choice.stages[k])
            .map(|strip| {
                let mut retiled = state.clone();
                retiled.choices[g].as_mut().expect("decided").stages[k] = strip;
                retiled
            })
            .collect(),
    )
}

/// The candidate tiling of pure stage `pure` with the tile extents that `update` (a tiling of
/// update stage `update_stage` of the same Func) gives the same dimensions, if there is one
/// (subtiled candidates aside).
fn pure_tiling_like(
    dag: &Dag,
    pure: usize,
    update_stage: usize,
    update: &StageTiling,
    candidates: &[StageTiling],
) -> Option<StageTiling> {
    let tile_of_dim = |stage: usize, tiling: &StageTiling| -> Vec<(i32, i64)> {
        let mut dims: Vec<(i32, i64)> = dag
            .stage(stage)
            .loops
            .iter()
            .zip(&tiling.tile)
            .filter(|(l, _)| !l.is_rvar)
            .map(|(l, &t)| (l.pure_dim, t))
            .collect();
        dims.sort();
        dims
    };
    let wanted = tile_of_dim(update_stage, update);
    candidates
        .iter()
        .find(|t| t.block.is_none() && tile_of_dim(pure, t) == wanted)
        .cloned()
}

/// Features of a complete nest.
pub fn featurize(dag: &Dag, root: &RootBounds, nest: &LoopNest) -> Result<Vec<StageFeatures>> {
    let bounds = nest_bounds(dag, nest, root)?;
    Ok(schedule_features(dag, nest, &bounds, root))
}

/// Hash of the decisions for `decided` Funcs, at a depth of detail: 0 = placements (inline,
/// root, or which stage), 1 = also the site depths, sliding, and which loops are tiled,
/// subtiled and vectorized, 2 and more = everything, tile sizes included.
pub fn structural_hash(nest: &LoopNest, decided: &[usize], depth: usize) -> u64 {
    let mut hasher = DefaultHasher::new();
    for &f in decided {
        let Some(choice) = nest.choice(f) else {
            continue;
        };
        match choice.placement {
            Placement::Inline => 0u8.hash(&mut hasher),
            Placement::Root => 1u8.hash(&mut hasher),
            Placement::At(site) => {
                2u8.hash(&mut hasher);
                site.stage.hash(&mut hasher);
                if depth >= 1 {
                    (site.depth, site.store_depth).hash(&mut hasher);
                }
            }
        }
        if depth >= 1 {
            for tiling in &choice.stages {
                if depth >= 2 {
                    tiling.hash(&mut hasher);
                } else {
                    let tiled: Vec<bool> = tiling.tile.iter().map(|&t| t > 1).collect();
                    (tiled, tiling.block.is_some(), tiling.vector.is_some()).hash(&mut hasher);
                }
            }
        }
    }
    hasher.finish()
}

/// Passes of the coarse-to-fine search when the beam is wider than one state.
pub const NUM_PASSES: usize = 3;

/// Operations per point (inlined producers included) above which a child is not costed. The
/// committed dataset's schedules reach 415; inlining a 100-stage stencil chain into itself, which
/// a cost model blind to expression size (a GCN) chose, crashed Halide's lowering.
pub const MAX_OPS_PER_POINT: f64 = 4096.0;

/// Per decision step, the structural hashes a pass admits (at the depth of the previous pass).
struct Admitted {
    depth: usize,
    per_step: Vec<HashSet<u64>>,
}

/// One beam search pass over the Funcs in `order`; returns the final beam, best first.
#[allow(clippy::too_many_arguments)]
fn search_pass(
    dag: &Dag,
    root: &RootBounds,
    params: &Params,
    model: &mut dyn CostModel,
    order: &[usize],
    pass: usize,
    admitted: Option<&Admitted>,
    assume_sites: bool,
    rng: &mut ChaCha8Rng,
    states_evaluated: &mut usize,
) -> Result<Vec<(LoopNest, f64)>> {
    let mut beam: Vec<(LoopNest, f64)> = vec![(LoopNest::new(dag), 0.0)];
    for (step, &f) in order.iter().enumerate() {
        let mut children = Vec::new();
        for (state, _) in &beam {
            children.extend(expand(dag, root, state, f, params, assume_sites)?);
        }
        // States of the beam that differ only in a consumer's tiling retile into the same
        // strips: cost each distinct child once.
        let mut seen = HashSet::new();
        children.retain(|child| seen.insert(child.clone()));
        if let Some(admitted) = admitted {
            let allowed = &admitted.per_step[step];
            let kept: Vec<LoopNest> = children
                .iter()
                .filter(|c| allowed.contains(&structural_hash(c, &order[..=step], admitted.depth)))
                .cloned()
                .collect();
            if !kept.is_empty() {
                children = kept;
            }
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
        // Inlining multiplies a consumer's expression by its producers' (a chain of stencils
        // inlined into each other grows geometrically); past MAX_OPS_PER_POINT Halide's own
        // lowering overflows its stack or runs for minutes. No child is dropped when all are
        // over (none is when a parent is within it: only inlining grows expressions).
        let mut costed = Vec::with_capacity(children.len());
        for child in children {
            let full = complete(dag, root, &child, params)?;
            let bounds = nest_bounds(dag, &full, root)?;
            let over_limit = match params.memory_limit {
                Some(limit) => {
                    let peak = estimated_peak_bytes(dag, &full, &bounds, root, params.parallelism)?;
                    (peak > limit as f64).then_some(peak)
                }
                None => None,
            };
            costed.push((
                child,
                schedule_features(dag, &full, &bounds, root),
                over_limit,
            ));
        }
        let within =
            |stages: &[StageFeatures]| stages.iter().all(|s| s.ops_per_point <= MAX_OPS_PER_POINT);
        if costed.iter().any(|(_, stages, _)| within(stages)) {
            costed.retain(|(_, stages, _)| within(stages));
        }
        let mut children = Vec::with_capacity(costed.len());
        let mut over_limit = Vec::with_capacity(costed.len());
        for (child, stages, over) in costed {
            model.enqueue(stages)?;
            children.push(child);
            over_limit.push(over);
        }
        let costs = model.evaluate()?;
        *states_evaluated += children.len();
        // Within the memory limit first, cheapest first; then the rest, smallest first.
        let mut ranked: Vec<(LoopNest, f64, Option<f64>)> = children
            .into_iter()
            .zip(costs)
            .zip(over_limit)
            .map(|((c, cost), over)| (c, cost, over))
            .collect();
        ranked.sort_by(|a, b| match (a.2, b.2) {
            (None, None) => a.1.total_cmp(&b.1),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.total_cmp(&y),
        });
        if crate::entry::debug_level() >= 3 {
            // Level 3: each step's five best children; level 4: all of them.
            let shown = if crate::entry::debug_level() >= 4 {
                ranked.len()
            } else {
                5
            };
            for (nest, cost, _) in ranked.iter().take(shown) {
                let choice = nest.choice(f).expect("just decided");
                eprintln!(
                    "Gcn search: {} -> {:?} tiles {:?}: {:.4} ms",
                    dag.func(f).name,
                    choice.placement,
                    choice
                        .stages
                        .iter()
                        .map(|t| (t.tile.clone(), t.block.clone()))
                        .collect::<Vec<_>>(),
                    cost * 1e3
                );
            }
        }
        let ranked = if params.beam_size > 1 {
            diversity_ranked(ranked, &order[..=step], pass + 1)
        } else {
            ranked
        };
        // Structures are found in the first pass; the later ones refine tilings inside them.
        let kept = if params.beam_size > 1 && pass == 0 {
            with_placements_kept(ranked, &order[..=step], params.beam_size as usize / 4)
        } else {
            ranked
        };
        beam = kept
            .into_iter()
            .take(params.beam_size as usize)
            .map(|(nest, cost, _)| (nest, cost))
            .collect();
    }
    Ok(beam)
}

/// `ranked` (distinct children, in rank order: within the memory limit cheapest first, then
/// the rest) re-ranked so that structures repeat less: the k-th child with a given structural
/// hash of the `decided` Funcs at `depth` ranks as if its cost were k times higher. The costs
/// kept are the model's own; the memory-limit partition is kept.
fn diversity_ranked(
    ranked: Vec<(LoopNest, f64, Option<f64>)>,
    decided: &[usize],
    depth: usize,
) -> Vec<(LoopNest, f64, Option<f64>)> {
    let mut repeats: HashMap<u64, u32> = HashMap::new();
    let mut keyed: Vec<(bool, f64, usize, (LoopNest, f64, Option<f64>))> = ranked
        .into_iter()
        .enumerate()
        .map(|(rank, child)| {
            let k = repeats
                .entry(structural_hash(&child.0, decided, depth))
                .or_insert(0);
            *k += 1;
            let key = match child.2 {
                None => child.1 * *k as f64,
                Some(peak) => peak * *k as f64,
            };
            (child.2.is_some(), key, rank, child)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    keyed.into_iter().map(|(_, _, _, child)| child).collect()
}

/// `ranked` (distinct children in rank order) with the best child of each distinct set of
/// placements of the `decided` Funcs (structural hash at depth 0), up to `leaders` of them,
/// moved to the front, each other child after them in rank order; the best child stays first.
/// Taking the beam from the front keeps those placements alive: a placement that pays off only
/// once a producer is placed in it (a consumer at root in column strips, for a scan down the
/// columns computed once per strip) costs more than its rivals until then, and the tilings of
/// cheaper placements, which the diversity penalty tells apart, would fill the beam before
/// that decision comes.
fn with_placements_kept(
    ranked: Vec<(LoopNest, f64, Option<f64>)>,
    decided: &[usize],
    leaders: usize,
) -> Vec<(LoopNest, f64, Option<f64>)> {
    let mut seen: HashSet<u64> = HashSet::new();
    let (front, rest): (Vec<_>, Vec<_>) = ranked.into_iter().partition(|child| {
        seen.len() < leaders && seen.insert(structural_hash(&child.0, decided, 0))
    });
    front.into_iter().chain(rest).collect()
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
    let mut states_evaluated = 0;
    let order: Vec<usize> = dag.scheduled_funcs().rev().collect();
    let passes = if params.beam_size > 1 { NUM_PASSES } else { 1 };
    let mut best: Option<(LoopNest, f64)> = None;
    // A wide beam searches twice, without and with producers assumed at their consumers'
    // sites, and keeps the cheaper result: the assumed costs are reachable only through the
    // default tilings the completion gives, so a beam of them can crowd out better plain
    // states (local_laplacian's pyramid: 13.9 ms predicted against 9.4 searched plainly).
    // The second search, with half the beam, costs about half the first (long_stencil_chain:
    // 95 s plainly; at the full beam both took 305 s). Greedy sampling (beam 1) searches
    // plainly.
    let searches: &[bool] = if params.beam_size > 1 {
        &[false, true]
    } else {
        &[false]
    };
    for &assume_sites in searches {
        let half_beam = Params {
            beam_size: (params.beam_size / 2).max(2),
            ..params.clone()
        };
        let params = if assume_sites { &half_beam } else { params };
        let mut admitted: Option<Admitted> = None;
        for pass in 0..passes {
            let beam = search_pass(
                dag,
                root,
                params,
                model,
                &order,
                pass,
                admitted.as_ref(),
                assume_sites,
                &mut rng,
                &mut states_evaluated,
            )?;
            let (nest, cost) = beam.first().cloned().expect("the beam is never empty");
            if crate::entry::debug_level() >= 2 {
                eprintln!(
                    "Gcn search: assume_sites={assume_sites} pass {pass}: best {:.4} ms",
                    cost * 1e3
                );
            }
            if best.as_ref().is_none_or(|(_, c)| cost < *c) {
                best = Some((nest, cost));
            }
            admitted = Some(Admitted {
                depth: pass,
                per_step: (0..order.len())
                    .map(|step| {
                        beam.iter()
                            .map(|(n, _)| structural_hash(n, &order[..=step], pass))
                            .collect()
                    })
                    .collect(),
            });
        }
    }
    let (nest, cost) = best.expect("at least one pass ran");
    let features = featurize(dag, root, &nest)?;
    Ok(SearchResult {
        nest,
        cost,
        features,
        states_evaluated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::root_bounds;
    use crate::test_dags::{stencil_chain, stencil_nest, stencil_pair};

    #[test]
    fn placing_a_producer_may_retile_its_consumer_into_strips() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        let params = Params::default();
        let mut state = stencil_nest(&dag, Placement::Root);
        state.choices[0] = None;
        let g_tiling = state.choice(1).unwrap().stages[0].clone();
        let children = expand(&dag, &root, &state, 0, &params, true).unwrap();
        let strips = strip_tilings(&dag, 1, &root.loops[1], true, params.parallelism);
        assert!(!strips.is_empty() && !strips.contains(&g_tiling));
        let mut retiled_into = HashSet::new();
        for child in &children {
            let g_now = &child.choice(1).unwrap().stages[0];
            if *g_now == g_tiling {
                continue;
            }
            // Only g's tiling changes, into a strip, with f computed once per strip.
            assert!(strips.contains(g_now), "{g_now:?}");
            assert_eq!(child.choice(1).unwrap().placement, Placement::Root);
            assert_eq!(
                child.choice(0).unwrap().placement,
                Placement::At(Site::new(1, 0))
            );
            retiled_into.insert(g_now.clone());
        }
        assert_eq!(retiled_into.len(), strips.len(), "every strip is offered");
        // Inside a strip f gets its candidate tilings, not one default.
        for strip in &strips {
            let inside = children
                .iter()
                .filter(|c| c.choice(1).unwrap().stages[0] == *strip)
                .count();
            assert!(inside > 1, "{inside} children inside {strip:?}");
        }
        // g's own tiling keeps f at its sites.
        assert!(children.iter().any(|c| {
            c.choice(1).unwrap().stages[0] == g_tiling
                && c.choice(0).unwrap().placement == Placement::At(Site::new(1, 0))
        }));
        // A g already tiled as a strip is retiled only into the others.
        let mut in_strip = state.clone();
        in_strip.choices[1].as_mut().unwrap().stages[0] = strips[0].clone();
        let children = expand(&dag, &root, &in_strip, 0, &params, true).unwrap();
        let g_tilings: HashSet<&StageTiling> = children
            .iter()
            .map(|c| &c.choice(1).unwrap().stages[0])
            .collect();
        assert_eq!(g_tilings.len(), strips.len());
        assert!(strips.iter().all(|strip| g_tilings.contains(strip)));
        // Each child is a distinct state.
        let distinct: HashSet<&LoopNest> = children.iter().collect();
        assert_eq!(distinct.len(), children.len());
    }

    #[test]
    fn the_first_decision_gets_a_denser_spread_of_tilings() {
        let dag = stencil_pair();
        let root = root_bounds(&dag).unwrap();
        let params = Params::default();
        let root_tilings = |children: &[LoopNest], f: usize| -> HashSet<StageTiling> {
            children
                .iter()
                .map(|c| c.choice(f).unwrap())
                .filter(|choice| choice.placement == Placement::Root)
                .map(|choice| choice.stages[0].clone())
                .collect()
        };
        let spread = |s: usize, max: usize| {
            let subtiling = !params.disable_subtiling;
            candidate_tilings(
                &dag,
                s,
                &root.loops[s],
                true,
                params.parallelism,
                subtiling,
                max,
            )
        };
        // g, the output, decided first from the empty nest.
        let first = expand(&dag, &root, &LoopNest::new(&dag), 1, &params, false).unwrap();
        let g_tilings = root_tilings(&first, 1);
        assert!(g_tilings.len() > spread(1, MAX_CANDIDATES).len());
        assert_eq!(g_tilings.len(), spread(1, FIRST_DECISION_CANDIDATES).len());
        // f, decided next, gets the usual spread at root.
        let mut state = stencil_nest(&dag, Placement::Root);
        state.choices[0] = None;
        let next = expand(&dag, &root, &state, 0, &params, false).unwrap();
        assert_eq!(
            root_tilings(&next, 0).len(),
            spread(0, MAX_CANDIDATES).len()
        );
    }

    /// f2, the output of a three-Func stencil chain, at root in 8x8 tiles; f1 and f0 undecided.
    fn chain_with_output_tiled(dag: &Dag) -> LoopNest {
        let mut nest = LoopNest::new(dag);
        nest.choices[2] = Some(FuncChoice {
            placement: Placement::Root,
            stages: vec![StageTiling {
                tile: vec![8, 8],
                block: None,
                vector: None,
                parallel: vec![1],
            }],
        });
        nest
    }

    #[test]
    fn undecided_funcs_complete_at_the_assumed_site_where_their_consumers_allow_it() {
        let dag = stencil_chain(3);
        let root = root_bounds(&dag).unwrap();
        let params = Params::default();
        let in_tiles = Site::new(2, 0);
        let mut nest = chain_with_output_tiled(&dag);
        // Without an assumed site, both at root with their default tilings.
        let full = complete(&dag, &root, &nest, &params).unwrap();
        assert_eq!(
            full.choices[1],
            Some(default_choice(&dag, &root, 1, &params))
        );
        assert_eq!(
            full.choices[0],
            Some(default_choice(&dag, &root, 0, &params))
        );
        // Assumed in f2's tiles: both computed per tile, along whole vectorized rows of the
        // region they compute there (f1: 8 + 2 columns, f0: 8 + 4).
        nest.assumed_site = Some(in_tiles);
        let full = complete(&dag, &root, &nest, &params).unwrap();
        for (f, columns) in [(1, 10), (0, 12)] {
            let choice = full.choice(f).unwrap();
            assert_eq!(choice.placement, Placement::At(in_tiles), "f{f}");
            assert_eq!(choice.stages[0].tile[0], columns, "f{f}");
            assert!(choice.stages[0].vector.is_some() && choice.stages[0].parallel.is_empty());
        }
        // f1 decided at root: its producer f0 cannot be computed in f2's tiles.
        nest.choices[1] = Some(default_choice(&dag, &root, 1, &params));
        let full = complete(&dag, &root, &nest, &params).unwrap();
        assert_eq!(
            full.choices[0],
            Some(default_choice(&dag, &root, 0, &params))
        );
    }

    #[test]
    fn each_child_at_a_site_or_inlined_is_also_costed_with_its_producers_assumed_there() {
        let dag = stencil_chain(3);
        let root = root_bounds(&dag).unwrap();
        let params = Params::default();
        let state = chain_with_output_tiled(&dag);
        let children = expand(&dag, &root, &state, 1, &params, true).unwrap();
        let sites: Vec<Site> = state
            .placements(&dag, 1)
            .into_iter()
            .filter_map(|p| match p {
                Placement::At(site) if !site.slides() => Some(site),
                _ => None,
            })
            .collect();
        assert!(sites.contains(&Site::new(2, 0)));
        for child in &children {
            let placement = child.choice(1).unwrap().placement;
            match (placement, child.assumed_site) {
                // At a site: assuming that site, or nothing.
                (Placement::At(site), Some(assumed)) => {
                    assert_eq!(assumed, Site::new(site.stage, site.depth))
                }
                // Inlined: assuming any of the sites f1 could have taken.
                (Placement::Inline, Some(assumed)) => assert!(sites.contains(&assumed)),
                (Placement::Root, Some(assumed)) => panic!("root child assumes {assumed:?}"),
                (_, None) => {}
            }
        }
        // Every child at a site inside f2's tiling as it is comes both ways (those in f2
        // retiled into strips only plainly); the inlined one once plain and once per site.
        let all: HashSet<&LoopNest> = children.iter().collect();
        let f2_tiling = &state.choice(2).unwrap().stages[0];
        let mut at_sites = 0;
        for child in &children {
            let Placement::At(site) = child.choice(1).unwrap().placement else {
                continue;
            };
            let plain = LoopNest {
                assumed_site: None,
                ..child.clone()
            };
            let assuming = LoopNest {
                assumed_site: Some(Site::new(site.stage, site.depth)),
                ..child.clone()
            };
            assert!(all.contains(&plain));
            if child.choice(2).unwrap().stages[0] == *f2_tiling {
                assert!(all.contains(&assuming));
                at_sites += 1;
            }
        }
        assert!(at_sites > 0);
        let inlined = |assumed: bool| {
            children
                .iter()
                .filter(|c| {
                    c.assumed_site.is_some() == assumed
                        && c.choice(1).unwrap().placement == Placement::Inline
                })
                .count()
        };
        assert_eq!((inlined(false), inlined(true)), (1, sites.len()));
        // A child already assuming its own site is not offered twice.
        let mut assuming = state.clone();
        assuming.assumed_site = Some(Site::new(2, 0));
        let children = expand(&dag, &root, &assuming, 1, &params, true).unwrap();
        assert!(children.iter().all(|c| c.assumed_site.is_some()));
        let distinct: HashSet<&LoopNest> = children.iter().collect();
        assert_eq!(distinct.len(), children.len());
    }

    /// Costs a schedule by its Funcs not inlined: inlining always looks free.
    struct InliningIsFree(Vec<f64>);

    impl CostModel for InliningIsFree {
        fn set_pipeline(&mut self, _dag: &Dag) -> Result<()> {
            Ok(())
        }
        fn enqueue(&mut self, stages: Vec<StageFeatures>) -> Result<usize> {
            self.0.push(stages.iter().map(|s| 1.0 - s.inlined).sum());
            Ok(self.0.len() - 1)
        }
        fn evaluate(&mut self) -> Result<Vec<f64>> {
            Ok(std::mem::take(&mut self.0))
        }
    }

    #[test]
    fn inlining_stops_where_expressions_outgrow_the_limit() {
        let params = Params {
            beam_size: 4,
            ..Params::default()
        };
        // 6 Funcs: everything inlines (3^5 = 243 adds-worth per point at most).
        let short = stencil_chain(6);
        let root = root_bounds(&short).unwrap();
        let found = beam_search(&short, &root, &params, &mut InliningIsFree(Vec::new())).unwrap();
        let inlined = (0..5)
            .filter(|&f| found.nest.choice(f).unwrap().placement == Placement::Inline)
            .count();
        assert_eq!(inlined, 5);
        // 12 Funcs: inlining all would make 3^11 (177,147) adds per point of the output.
        let long = stencil_chain(12);
        let root = root_bounds(&long).unwrap();
        let found = beam_search(&long, &root, &params, &mut InliningIsFree(Vec::new())).unwrap();
        let worst = found
            .features
            .iter()
            .map(|s| s.ops_per_point)
            .fold(0.0, f64::max);
        assert!(worst <= MAX_OPS_PER_POINT, "{worst} ops per point");
        assert!(
            worst > MAX_OPS_PER_POINT / 3.0,
            "inlined up to the limit: {worst}"
        );
    }

    #[test]
    fn repeated_structures_rank_after_a_new_one() {
        let dag = stencil_pair();
        let f_tiled = |tile: Vec<i64>| {
            let mut nest = stencil_nest(&dag, Placement::Root);
            nest.choices[0].as_mut().unwrap().stages[0].tile = tile;
            nest
        };
        // Two root placements of f with the same structure (both loops tiled), then f inlined.
        let same_a = f_tiled(vec![2, 2]);
        let same_b = f_tiled(vec![8, 8]);
        let mut inlined = stencil_nest(&dag, Placement::Inline);
        inlined.choices[0].as_mut().unwrap().stages.clear();
        let ranked = vec![
            (same_a.clone(), 1.0, None),
            (same_b.clone(), 1.1, None),
            (inlined.clone(), 1.5, None),
        ];
        let order = [1, 0];
        // The second tiled root placement ranks as if it cost 2.2: after the inlined one.
        let reranked = diversity_ranked(ranked.clone(), &order, 1);
        let nests: Vec<&LoopNest> = reranked.iter().map(|(n, _, _)| n).collect();
        assert_eq!(nests, vec![&same_a, &inlined, &same_b]);
        // The costs are the model's own.
        assert_eq!(reranked[2].1, 1.1);
        // At depth 2 (tile sizes hashed) all three differ: the order stays.
        let kept = diversity_ranked(ranked, &order, 2);
        let nests: Vec<&LoopNest> = kept.iter().map(|(n, _, _)| n).collect();
        assert_eq!(nests, vec![&same_a, &same_b, &inlined]);
    }
}
