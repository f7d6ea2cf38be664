// halide_glue/plan_emit.cpp — turns an hgcn::SchedulePlan into Halide scheduling calls.
//
// One walker (walk_plan) reads the plan in a fixed order — per stage: splits, reorder,
// vectorize, parallel, unroll; then per Func: compute and store placement — and drives one of
// two sinks:
//   ApplySink   calls the live Func/Stage methods on the exported pipeline's Functions;
//   SourceSink  writes the same calls as C++ for the `.schedule.h` body (`-e schedule`), which
//               Halide wraps in `apply_schedule_<name>(Pipeline pipeline, Target target)`.
// Because both follow the same walk, the emitted source reproduces exactly what was applied.
// The source refers to Funcs by Pipeline::get_func index and to vars through the Func
// (`args()`, `rvars()`), never by their names in this process: a fresh copy of the pipeline in
// another program gets other unique names.
#include <memory>
#include <set>
#include <sstream>

#include "glue.h"

using namespace Halide;
using namespace Halide::Internal;

namespace hgcn {

namespace {

struct VarRef {
    std::string name;
    bool is_rvar = false;
};

class PlanSink {
public:
    virtual ~PlanSink() = default;
    virtual void begin_stage(int func, int stage_index) = 0;
    virtual void split(const VarRef &old, const VarRef &outer, const VarRef &inner, int factor, TailKind tail) = 0;
    virtual void reorder(const std::vector<VarRef> &innermost_first) = 0;
    virtual void vectorize(const VarRef &v) = 0;
    virtual void parallel(const VarRef &v) = 0;
    virtual void unroll(const VarRef &v) = 0;
    // An update stage the plan leaves in Halide's default loop nest, said explicitly so that
    // Halide does not warn that it was forgotten.
    virtual void leave_unscheduled() = 0;
    virtual void end_stage() = 0;
    // `compute` true: compute placement, false: storage placement.
    virtual void place(bool compute, int func, Placement where, int at_func, int at_stage_index, const VarRef &at_var) = 0;
    virtual void store_in_stack(int func) = 0;
};

TailStrategy tail_strategy(TailKind tail) {
    switch (tail) {
    case TailKind::RoundUp:
        return TailStrategy::RoundUp;
    case TailKind::GuardWithIf:
        return TailStrategy::GuardWithIf;
    case TailKind::ShiftInwards:
        return TailStrategy::ShiftInwards;
    default:
        return TailStrategy::Auto;
    }
}

const char *tail_strategy_source(TailKind tail) {
    switch (tail) {
    case TailKind::RoundUp:
        return "TailStrategy::RoundUp";
    case TailKind::GuardWithIf:
        return "TailStrategy::GuardWithIf";
    case TailKind::ShiftInwards:
        return "TailStrategy::ShiftInwards";
    default:
        return "TailStrategy::Auto";
    }
}

// Checks the plan against the Dag (Rust built it, but a bad index must not crash the host) and
// drives the sink.
void walk_plan(const ExportedPipeline &exported, const SchedulePlan &plan, PlanSink &sink) {
    const Dag &dag = exported.dag;
    auto check_stage = [&](int32_t stage) {
        if (stage < 0 || stage >= static_cast<int32_t>(dag.stages.size())) {
            fail("internal error: the plan names stage " + std::to_string(stage) + " of " +
                 std::to_string(dag.stages.size()));
        }
    };
    // Names of RVar loops per stage: the RDom's own and everything split from them.
    std::vector<std::set<std::string>> rvar_names(dag.stages.size());
    for (size_t s = 0; s < dag.stages.size(); s++) {
        for (const DagLoop &loop : dag.stages[s].loops) {
            if (loop.is_rvar) {
                rvar_names[s].insert(std::string(loop.var));
            }
        }
    }
    for (const StagePlan &sp : plan.stages) {
        check_stage(sp.stage);
        for (const SplitPlan &split : sp.splits) {
            if (rvar_names[sp.stage].count(std::string(split.old))) {
                rvar_names[sp.stage].insert(std::string(split.outer));
                rvar_names[sp.stage].insert(std::string(split.inner));
            }
        }
    }
    auto ref = [&](int32_t stage, const rust::String &name) {
        std::string n(name);
        return VarRef{n, rvar_names[stage].count(n) > 0};
    };

    for (const StagePlan &sp : plan.stages) {
        const DagStage &stage = dag.stages[sp.stage];
        sink.begin_stage(stage.func, stage.index);
        for (const SplitPlan &split : sp.splits) {
            sink.split(ref(sp.stage, split.old), ref(sp.stage, split.outer), ref(sp.stage, split.inner),
                       split.factor, split.tail);
        }
        if (!sp.order.empty()) {
            std::vector<VarRef> order;
            for (const rust::String &v : sp.order) {
                order.push_back(ref(sp.stage, v));
            }
            sink.reorder(order);
        }
        if (!sp.vectorize.empty()) {
            sink.vectorize(ref(sp.stage, sp.vectorize));
        }
        for (const rust::String &v : sp.parallel) {
            sink.parallel(ref(sp.stage, v));
        }
        for (const rust::String &v : sp.unroll) {
            sink.unroll(ref(sp.stage, v));
        }
        if (stage.index > 0 && sp.splits.empty() && sp.order.empty() && sp.vectorize.empty() &&
            sp.parallel.empty() && sp.unroll.empty()) {
            sink.leave_unscheduled();
        }
        sink.end_stage();
    }
    for (const FuncPlan &fp : plan.funcs) {
        if (fp.func < 0 || fp.func >= static_cast<int32_t>(dag.funcs.size()) || dag.funcs[fp.func].is_input) {
            fail("internal error: the plan schedules Func " + std::to_string(fp.func) + ", which is not a Func");
        }
        auto place = [&](bool compute, Placement where, const LoopRef &at) {
            if (where == Placement::At) {
                check_stage(at.stage);
                const DagStage &at_stage = dag.stages[at.stage];
                // Halide's legality check compares against loop levels it builds with no stage
                // index (-1), and places the computation at the matching loop that uses the
                // Func; an explicit index would never match.
                const int stage_index = -1;
                sink.place(compute, fp.func, where, at_stage.func, stage_index, ref(at.stage, at.loop_var));
            } else {
                sink.place(compute, fp.func, where, -1, -1, VarRef{});
            }
        };
        place(true, fp.compute, fp.compute_at);
        // compute_root already implies store_root.
        const bool store_implied = fp.compute == Placement::Inline ||
                                   (fp.compute == Placement::Root && fp.store == Placement::Root);
        if (!store_implied) {
            place(false, fp.store, fp.store_at);
        }
        if (fp.store_in_stack) {
            sink.store_in_stack(fp.func);
        }
    }
}

class ApplySink : public PlanSink {
public:
    explicit ApplySink(const ExportedPipeline &exported)
        : exported(exported) {
    }

    void begin_stage(int func, int stage_index) override {
        Func f(exported.functions[func]);
        stage = std::make_unique<Stage>(stage_index == 0 ? Stage(f) : f.update(stage_index - 1));
    }
    void split(const VarRef &old, const VarRef &outer, const VarRef &inner, int factor, TailKind tail) override {
        stage->split(var(old), var(outer), var(inner), factor, tail_strategy(tail));
    }
    void reorder(const std::vector<VarRef> &innermost_first) override {
        std::vector<VarOrRVar> vars;
        for (const VarRef &v : innermost_first) {
            vars.push_back(var(v));
        }
        stage->reorder(vars);
    }
    void vectorize(const VarRef &v) override {
        stage->vectorize(var(v));
    }
    void parallel(const VarRef &v) override {
        stage->parallel(var(v));
    }
    void unroll(const VarRef &v) override {
        stage->unroll(var(v));
    }
    void leave_unscheduled() override {
        stage->unscheduled();
    }
    void end_stage() override {
        stage.reset();
    }
    void place(bool compute, int func, Placement where, int at_func, int at_stage_index, const VarRef &at_var) override {
        Func f(exported.functions[func]);
        switch (where) {
        case Placement::Inline:
            f.compute_inline();
            break;
        case Placement::Root:
            compute ? f.compute_root() : f.store_root();
            break;
        default: {
            LoopLevel level(Func(exported.functions[at_func]), var(at_var), at_stage_index);
            compute ? f.compute_at(level) : f.store_at(level);
        }
        }
    }
    void store_in_stack(int func) override {
        Func(exported.functions[func]).store_in(MemoryType::Stack);
    }

private:
    static VarOrRVar var(const VarRef &v) {
        return VarOrRVar(v.name, v.is_rvar);
    }

    const ExportedPipeline &exported;
    std::unique_ptr<Stage> stage;
};

class SourceSink : public PlanSink {
public:
    explicit SourceSink(const ExportedPipeline &exported)
        : exported(exported), var_ids(exported.dag.funcs.size()) {
        const Dag &dag = exported.dag;
        for (size_t i = 0; i < dag.funcs.size(); i++) {
            const DagFunc &f = dag.funcs[i];
            func_ids.push_back(f.is_input ? std::string() : unique_identifier(std::string(f.name)));
            if (f.is_input) {
                continue;
            }
            decls << "Func " << func_ids[i] << " = pipeline.get_func(" << f.pipeline_index << ");\n";
            for (size_t d = 0; d < f.dims.size(); d++) {
                declare(static_cast<int>(i), std::string(f.dims[d]), false,
                        func_ids[i] + ".args()[" + std::to_string(d) + "]");
            }
        }
        for (const DagStage &stage : dag.stages) {
            if (stage.index == 0) {
                continue;
            }
            int rvar_position = 0;
            const Definition &def = exported.functions[stage.func].updates()[stage.index - 1];
            for (const ReductionVariable &rv : def.schedule().rvars()) {
                declare(stage.func, rv.var, true,
                        func_ids[stage.func] + ".rvars(" + std::to_string(stage.index - 1) + ")[" +
                            std::to_string(rvar_position) + "]");
                rvar_position++;
            }
        }
    }

    std::string text() const {
        return decls.str() + body.str();
    }

    void begin_stage(int func, int stage_index) override {
        current_func = func;
        chain.str("");
        chain << func_ids[func];
        if (stage_index > 0) {
            chain << ".update(" << stage_index - 1 << ")";
        }
        chain_calls = 0;
    }
    void split(const VarRef &old, const VarRef &outer, const VarRef &inner, int factor, TailKind tail) override {
        derive(old, outer);
        derive(old, inner);
        chain_calls++;
        chain << "\n    .split(" << id(old) << ", " << id(outer) << ", " << id(inner) << ", " << factor
             << ", " << tail_strategy_source(tail) << ")";
    }
    void reorder(const std::vector<VarRef> &innermost_first) override {
        chain_calls++;
        chain << "\n    .reorder(";
        for (size_t i = 0; i < innermost_first.size(); i++) {
            chain << (i ? ", " : "") << id(innermost_first[i]);
        }
        chain << ")";
    }
    void vectorize(const VarRef &v) override {
        chain_calls++;
        chain << "\n    .vectorize(" << id(v) << ")";
    }
    void parallel(const VarRef &v) override {
        chain_calls++;
        chain << "\n    .parallel(" << id(v) << ")";
    }
    void unroll(const VarRef &v) override {
        chain_calls++;
        chain << "\n    .unroll(" << id(v) << ")";
    }
    void leave_unscheduled() override {
        chain_calls++;
        chain << "\n    .unscheduled()";
    }
    void end_stage() override {
        if (chain_calls > 0) {
            body << chain.str() << ";\n";
        }
    }
    void place(bool compute, int func, Placement where, int at_func, int at_stage_index, const VarRef &at_var) override {
        body << func_ids[func];
        const char *verb = compute ? "compute" : "store";
        switch (where) {
        case Placement::Inline:
            body << ".compute_inline();\n";
            break;
        case Placement::Root:
            body << "." << verb << "_root();\n";
            break;
        default:
            body << "." << verb << "_at(::Halide::LoopLevel(" << func_ids[at_func] << ", "
                 << var_ids[at_func].at(at_var.name) << ", " << at_stage_index << "));\n";
        }
    }
    void store_in_stack(int func) override {
        body << func_ids[func] << ".store_in(::Halide::MemoryType::Stack);\n";
    }

private:
    std::string unique_identifier(const std::string &name) {
        std::string id;
        for (char c : name) {
            id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        }
        if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) {
            id = "v_" + id;
        }
        // Suffix every identifier: no clash with C++ keywords or with `pipeline` and `target`.
        id += "_";
        std::string candidate = id;
        for (int n = 1; used.count(candidate); n++) {
            candidate = id + std::to_string(n);
        }
        used.insert(candidate);
        return candidate;
    }

    void declare(int func, const std::string &name, bool is_rvar, const std::string &initializer) {
        if (var_ids[func].count(name)) {
            return;
        }
        std::string ident = unique_identifier(func_ids[func] + name);
        var_ids[func][name] = ident;
        decls << (is_rvar ? "RVar " : "Var ") << ident << "(" << initializer << ");\n";
    }

    // A split product is the parent's runtime name plus the suffix the plan gave it.
    void derive(const VarRef &parent, const VarRef &child) {
        if (var_ids[current_func].count(child.name)) {
            return;
        }
        if (child.name.compare(0, parent.name.size(), parent.name) != 0) {
            fail("internal error: split product '" + child.name + "' does not extend '" + parent.name + "'");
        }
        std::string suffix = child.name.substr(parent.name.size());
        declare(current_func, child.name, child.is_rvar, id(parent) + ".name() + \"" + suffix + "\"");
    }

    std::string id(const VarRef &v) const {
        auto it = var_ids[current_func].find(v.name);
        if (it == var_ids[current_func].end()) {
            fail("internal error: the plan uses unknown loop '" + v.name + "'");
        }
        return it->second;
    }

    const ExportedPipeline &exported;
    std::vector<std::string> func_ids;
    std::vector<std::map<std::string, std::string>> var_ids;
    std::set<std::string> used;
    std::ostringstream decls, body;
    // The stage being written: printed only if it has at least one call.
    std::ostringstream chain;
    int chain_calls = 0;
    int current_func = -1;
};

}  // namespace

void apply_plan(const ExportedPipeline &exported, const SchedulePlan &plan) {
    ApplySink sink(exported);
    walk_plan(exported, plan, sink);
}

std::string render_schedule_source(const ExportedPipeline &exported, const SchedulePlan &plan) {
    SourceSink sink(exported);
    walk_plan(exported, plan, sink);
    return sink.text();
}

}  // namespace hgcn
