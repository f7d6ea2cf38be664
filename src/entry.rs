//! The function the glue calls (`hgcn::autoschedule` in the bridge) and the only place where
//! Rust meets the C++ caller's control flow.
//!
//! One call: validate parameters and target, build the typed [`Dag`], compute root bounds,
//! run the beam search with the analytic cost model, and describe the chosen schedule as a
//! featurization. A panic anywhere below is caught here and returned as an internal error, so
//! it never unwinds into C++ (the glue raises every error as a Halide `CompileError`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crate::analytic::AnalyticCostModel;
use crate::bounds::{root_bounds, RootBounds};
use crate::bridge::ffi::{self, ParamEntry, ScheduleResult};
use crate::cost_model::CostModel;
use crate::dag::Dag;
use crate::dag_dump;
use crate::error::{Error, Result};
use crate::features::SCHEDULE_FEATURE_NAMES;
use crate::featurization::{Featurization, StageRecord};
use crate::first_scheduler;
use crate::gcn_cost_model::GcnCostModel;
use crate::memory;
use crate::model_file::{self, ModelSource};
use crate::nest_bounds::nest_bounds;
use crate::nest_text;
use crate::params::CostModelKind;
use crate::params::Params;
use crate::pipeline_features::{feature_names, stage_features};
use crate::search;

/// Entry point from C++: never panics, never unwinds.
pub fn autoschedule(dag: &ffi::Dag, params: &Vec<ParamEntry>) -> Result<ScheduleResult> {
    match catch_unwind(AssertUnwindSafe(|| schedule_pipeline(dag, params))) {
        Ok(result) => result,
        Err(payload) => {
            let what = crate::error::panic_message(payload.as_ref());
            Err(Error::Internal(format!(
                "{what} (please report this with the pipeline)"
            )))
        }
    }
}

/// Verbosity from `HL_DEBUG_AUTOSCHEDULE`, the variable Halide users already know.
pub fn debug_level() -> u32 {
    std::env::var("HL_DEBUG_AUTOSCHEDULE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn check_target(target: &ffi::TargetDesc) -> Result<()> {
    if target.has_gpu_feature {
        return Err(Error::Unsupported(format!(
            "target '{}' has a GPU feature, but the Gcn autoscheduler schedules CPU code only for \
             now; use a CPU target such as 'host'",
            target.text
        )));
    }
    Ok(())
}

fn schedule_pipeline(raw: &ffi::Dag, entries: &[ParamEntry]) -> Result<ScheduleResult> {
    let params = Params::parse(entries)?;
    check_target(&raw.target)?;
    if debug_level() >= 2 {
        eprintln!("Gcn: exported pipeline:\n{raw:#?}");
    }
    let dag = Dag::new(raw.clone())?;
    let bounds = root_bounds(&dag)?;
    if let Some(path) = std::env::var_os("HALIDE_GCN_DUMP_DAG") {
        std::fs::write(&path, dag_dump::dump(&dag, &bounds)).map_err(|e| {
            Error::Param(format!(
                "cannot write HALIDE_GCN_DUMP_DAG={}: {e}",
                path.to_string_lossy()
            ))
        })?;
    }
    let search_start = Instant::now();
    let mut analytic = AnalyticCostModel::new(params.parallelism);
    let mut gcn = match params.cost_model {
        CostModelKind::Gcn => Some(GcnCostModel::new(&match &params.model_path {
            Some(path) => model_file::file_source(path)?,
            None => ModelSource::Embedded,
        })?),
        CostModelKind::Analytic => None,
    };
    let model: &mut dyn CostModel = match gcn.as_mut() {
        Some(gcn) => gcn,
        None => &mut analytic,
    };
    let result = match &params.loop_nest {
        Some(path) => applied_nest(&dag, &bounds, path, model)?,
        None => match search::beam_search(&dag, &bounds, &params, model) {
            Ok(result) => result,
            // A bug in the search must still leave the user with a correct schedule.
            Err(Error::Internal(why)) => {
                eprintln!(
                    "Gcn autoscheduler: warning: the search failed ({why}); using the first \
                     scheduler"
                );
                let nest = first_scheduler::schedule(&dag, &bounds, &params);
                let features = search::featurize(&dag, &bounds, &nest)?;
                search::SearchResult {
                    nest,
                    cost: f64::NAN,
                    features,
                    states_evaluated: 0,
                }
            }
            Err(other) => return Err(other),
        },
    };
    let search_time = search_start.elapsed();
    if debug_level() >= 2 {
        analytic.set_pipeline(&dag)?;
        let heap = analytic.heap_reuse(&result.features);
        eprintln!("Gcn: heap blocks {heap:?}");
        for (s, f) in result.features.iter().enumerate() {
            eprintln!(
                "Gcn: {:<24} analytic {:8.4} ms {f:?}",
                dag.stage_name(s),
                analytic.stage_seconds(s, f, &heap) * 1e3
            );
        }
    }
    let model_line = match &gcn {
        Some(gcn) => format!(
            "cost_model=gcn ({}): {:.3} s of the {:.3} s search in the model",
            gcn.description(),
            gcn.model_time.as_secs_f64(),
            search_time.as_secs_f64()
        ),
        None => format!(
            "cost_model=analytic: search {:.3} s",
            search_time.as_secs_f64()
        ),
    };
    let plan = result.nest.to_plan(&dag);
    let peak = memory::estimated_peak_bytes(
        &dag,
        &result.nest,
        &nest_bounds(&dag, &result.nest, &bounds)?,
        &bounds,
        params.parallelism,
    )?;
    let rows: Vec<Vec<f32>> = result.features.iter().map(|f| f.to_row()).collect();
    let mut featurization = describe(&dag, &rows);
    featurization.loop_nest = nest_text::write(&dag, &result.nest).unwrap_or_default();
    let how = match &params.loop_nest {
        Some(path) => format!("loop nest applied from {path}"),
        None => format!("beam search evaluated {} states", result.states_evaluated),
    };
    let log = format!(
        "Gcn: {} Funcs, {} stages, {} edges; {how}, predicted {:.3} ms, \
         estimated peak memory {} bytes; parallelism={} beam_size={} random_dropout={} seed={}; \
         {}",
        dag.scheduled_funcs().count(),
        dag.raw.stages.len(),
        dag.raw.edges.len(),
        result.cost * 1e3,
        peak.round() as u64,
        params.parallelism,
        params.beam_size,
        params.random_dropout,
        params.random_dropout_seed,
        model_line
    );
    Ok(ScheduleResult {
        plan,
        featurization: featurization.to_bytes(),
        log,
    })
}

/// The nest in the file at `path` (`autoscheduler.loop_nest`), featurized and priced by
/// `model` instead of searched for.
fn applied_nest(
    dag: &Dag,
    bounds: &RootBounds,
    path: &str,
    model: &mut dyn CostModel,
) -> Result<search::SearchResult> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Param(format!("cannot read autoscheduler.loop_nest={path}: {e}")))?;
    let nest = nest_text::read(dag, &text)
        .map_err(|e| Error::Param(format!("autoscheduler.loop_nest={path}: {e}")))?;
    let features = search::featurize(dag, bounds, &nest)?;
    model.set_pipeline(dag)?;
    model.enqueue(features.clone())?;
    let cost = model.evaluate()?.first().copied().unwrap_or(f64::NAN);
    Ok(search::SearchResult {
        nest,
        cost,
        features,
        states_evaluated: 0,
    })
}

/// The stage graph with both feature rows of every stage.
pub fn describe(dag: &Dag, schedule_rows: &[Vec<f32>]) -> Featurization {
    let stages = (0..dag.raw.stages.len())
        .map(|s| {
            let stage = dag.stage(s);
            StageRecord {
                name: dag.stage_name(s),
                func: dag.func(stage.func as usize).pipeline_index,
                stage_index: stage.index,
                pipeline_features: stage_features(dag, s),
                schedule_features: schedule_rows[s].clone(),
            }
        })
        .collect();
    let edges = crate::graph::stage_edges(dag);
    Featurization {
        pipeline_feature_names: feature_names(),
        schedule_feature_names: SCHEDULE_FEATURE_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        stages,
        edges,
        loop_nest: String::new(),
    }
}
