// halide_glue/plugin.cpp — registers the `Gcn` autoscheduler with Halide and runs one call.
//
// A static registrar adds `Gcn` to Halide's autoscheduler map when the shared library is loaded
// (a generator's `-p`, Python's `halide.load_plugin`, or linking the library into a generator).
// One call: export the pipeline (dag_export.cpp), hand it and the `autoscheduler.*` parameters
// to Rust (`hgcn::autoschedule`, src/entry.rs), apply the returned plan to the Funcs and render
// its `.schedule.h` body (plan_emit.cpp), and pass the featurization bytes through.
//
// Error contract: every failure leaves this frame as a Halide::CompileError with a message for
// the user. Rust errors arrive as rust::Error (Rust never unwinds: src/entry.rs catches panics);
// anything else unexpected is wrapped the same way, so neither a generator nor Python ever sees
// an abort from us.
#include <cstdlib>
#include <iostream>

#include "glue.h"

namespace hgcn {

static const char *const kAutoschedulerName = "Gcn";

void fail(const std::string &message) {
    throw Halide::CompileError(std::string(kAutoschedulerName) + " autoscheduler: " + message);
}

static bool debug_enabled() {
    const char *level = std::getenv("HL_DEBUG_AUTOSCHEDULE");
    return level != nullptr && std::atoi(level) > 0;
}

static void autoschedule_gcn(const Halide::Pipeline &pipeline, const Halide::Target &target,
                             const Halide::AutoschedulerParams &params,
                             Halide::AutoSchedulerResults *results) {
    try {
        ExportedPipeline exported = export_dag(pipeline, target);
        rust::Vec<ParamEntry> entries;
        for (const auto &kv : params.extra) {
            entries.push_back(ParamEntry{rust::String(kv.first), rust::String(kv.second)});
        }
        ScheduleResult result = autoschedule(exported.dag, entries);
        apply_plan(exported, result.plan);
        if (results != nullptr) {
            results->schedule_source = render_schedule_source(exported, result.plan);
            results->featurization.assign(result.featurization.begin(), result.featurization.end());
        }
        if (debug_enabled()) {
            std::cerr << std::string(result.log) << "\n";
        }
    } catch (const rust::Error &e) {
        fail(e.what());
    } catch (const Halide::Error &) {
        throw;
    } catch (const std::exception &e) {
        fail(std::string("internal error: ") + e.what());
    }
}

namespace {
struct Registrar {
    Registrar() {
        // Loading the library twice (linked in and again with -p) must not register twice:
        // Halide treats a duplicate name as an error during static initialization.
        try {
            Halide::Pipeline::add_autoscheduler(kAutoschedulerName, autoschedule_gcn);
        } catch (const Halide::Error &) {
            // Already registered by another copy of this library in the process.
        }
    }
};
Registrar registrar;
}  // namespace

}  // namespace hgcn
