//! halide-gcn: a Halide autoscheduler plugin (`Gcn`).
//!
//! The C++ glue (`halide_glue/`) exports a pipeline as plain data ([`bridge::ffi::Dag`]) and
//! calls [`entry`]; everything from there is Rust, in one module per concept:
//!
//! - [`params`]: the `autoscheduler.*` parameters, parsed and validated.
//! - [`expr`]: exported integer expression trees: evaluation, affine forms, derivatives.
//! - [`dag`]: the typed view of the exported pipeline (affine footprints, Jacobians, graph).
//! - [`dag_dump`]: the text dump of the analysed pipeline (`HALIDE_GCN_DUMP_DAG`).
//! - [`bounds`]: regions required/computed and loop extents when every Func is at root.
//! - [`pipeline_features`]: schedule-independent per-stage features.
//! - [`loop_nest`]: the schedule space (placements and tilings) and its conversion to a plan.
//! - [`nest_bounds`]: regions and loop extents per production under a loop nest.
//! - [`stage_loops`]: the loop structure of a tiled stage (sites, extents, unrolling).
//! - [`tiling`]: candidate and default tilings of a stage.
//! - [`memory`]: the estimated peak memory of a loop nest (`memory_limit`).
//! - [`features`]: schedule features per stage; [`inlined_ops`]: the arithmetic per point of a
//!   stage with its inlined producers expanded.
//! - [`cost_model`]: the batched cost-model interface; [`analytic`]: the analytic model.
//! - [`search`]: the beam search.
//! - [`nest_text`]: a complete loop nest as text (recorded in the featurization, applied by
//!   `loop_nest=`).
//! - The GCN cost model (docs/model.md): [`graph`] (stage graph and feature rows),
//!   [`normalization`] (log scaling and statistics in the model's metadata), [`gcn_weights`]
//!   and [`gcn_reference`] (the network's parameters and a plain-Rust forward pass),
//!   [`onnx_writer`] (the network as ONNX), [`model_file`] (loading and validating a model,
//!   once per process), [`gcn_evaluator`] (tract, specialized per pipeline, batched),
//!   [`gcn_cost_model`] (`cost_model=gcn`), [`c_api`] (the public C ABI, include/halide_gcn.h).
//! - [`plan`]: building a [`bridge::ffi::SchedulePlan`] stage by stage.
//! - [`first_scheduler`]: a simple always-legal loop nest, the search's fallback.
//! - [`featurization`]: the versioned featurization blob (`-e featurization`) and its reader.
//! - [`entry`]: the function the glue calls; no panic or error crosses it unhandled.
//!
//! Start reading at [`entry`], then [`search`].

pub mod analytic;
pub mod bounds;
pub mod bridge;
pub mod c_api;
pub mod cost_model;

pub use entry::autoschedule;

pub mod dag;
pub mod dag_dump;
pub mod entry;
pub mod error;
pub mod expr;
pub mod features;
pub mod featurization;
pub mod first_scheduler;
pub mod gcn_cost_model;
pub mod gcn_evaluator;
pub mod gcn_reference;
pub mod gcn_weights;
pub mod graph;
pub mod inlined_ops;
pub mod loop_nest;
pub mod memory;
pub mod model_file;
pub mod nest_bounds;
pub mod nest_text;
pub mod normalization;
pub mod onnx_writer;
pub mod params;
pub mod pipeline_features;
pub mod plan;
pub mod search;
pub mod stage_loops;
#[cfg(test)]
mod test_dags;
pub mod tiling;

pub use error::{Error, Result};
