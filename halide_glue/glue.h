// halide_glue/glue.h — the C++ side's internal interface.
//
// The glue is the only code that includes Halide.h. It owns four jobs, one file each:
//   plugin.cpp       registers the `Gcn` autoscheduler and runs one autoscheduling call:
//                    export -> Rust `autoschedule` -> apply + render; turns every failure into a
//                    Halide::CompileError raised from our own frame.
//   dag_export.cpp   Halide IR -> hgcn::Dag (plain data declared in src/bridge.rs).
//   expr_export.cpp  one Halide integer Expr -> hgcn::ExprTree, plus estimate substitution.
//   op_histogram.cpp the schedule-independent operation counts of a stage.
//   plan_emit.cpp    hgcn::SchedulePlan -> live Func/Stage calls, or `.schedule.h` source text.
// Everything that is not Halide IR (parsing, bounds arithmetic, search, features) is in Rust.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "Halide.h"
#include "rust/cxx.h"
#include "halide-gcn/src/bridge.rs.h"

namespace hgcn {

// The exported pipeline plus the Halide handles needed to apply a plan to it.
struct ExportedPipeline {
    Dag dag;
    // Parallel to dag.funcs; undefined Function for input buffers.
    std::vector<Halide::Internal::Function> functions;
};

// Raise a user-facing error from the glue. Message is prefixed with the autoscheduler's name.
[[noreturn]] void fail(const std::string &message);

// --- dag_export.cpp
ExportedPipeline export_dag(const Halide::Pipeline &pipeline, const Halide::Target &target);

// --- expr_export.cpp
// Maps a variable name to a symbol number, or returns -1 when the name is not a symbol here.
using SymbolOf = std::function<int64_t(const std::string &)>;
// Replace scalar Params and buffer min/extent variables by their estimates. `context` names the
// place in the pipeline for the error raised when an estimate is missing.
Halide::Expr substitute_estimates(const Halide::Expr &e, const std::string &context);
// Build the tree of an integer expression; unsupported nodes become ExprOp::Opaque.
ExprTree export_expr(const Halide::Expr &e, const SymbolOf &symbol_of);
bool tree_is_opaque_free(const ExprTree &tree);
// Whether a call is a scheduling hint or a promise (likely, likely_if_innermost,
// promise_clamped, unsafe_promise_clamped): it compiles to its first argument's value.
bool is_value_hint(const Halide::Internal::Call *op);

// --- op_histogram.cpp
rust::Vec<int32_t> op_histogram(const std::vector<Halide::Expr> &exprs, const std::string &self_name);
int32_t transcendental_calls(const std::vector<Halide::Expr> &exprs);
ScalarClass scalar_class_of(const Halide::Type &t);

// --- plan_emit.cpp
void apply_plan(const ExportedPipeline &exported, const SchedulePlan &plan);
std::string render_schedule_source(const ExportedPipeline &exported, const SchedulePlan &plan);

}  // namespace hgcn
