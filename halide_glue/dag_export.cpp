// halide_glue/dag_export.cpp — exports a Halide Pipeline as an hgcn::Dag (plain data).
//
// What is exported, and how (the types are documented in src/bridge.rs):
// - Funcs in Pipeline::get_func order (producers first), then the input buffers they load.
// - Stages: the pure definition then each update; loops innermost first from the stage's default
//   loop order; RVar bounds with estimates substituted.
// - Region computed of each Func as a function of its region required: updates whose left-hand
//   side is not the bare pure var (scatters, scans over a fixed range) widen it.
// - Edges producer -> consumer stage: the box each consumer stage requires of each producer,
//   computed by Halide's boxes_required with every loop var bounded by symbolic min/max, so the
//   footprint is an expression of the consumer's loop bounds (Rust finds the affine fast path).
// - Loads: each call's index expressions in terms of loop var values (Rust derives Jacobians).
// - Operation histograms (op_histogram.cpp) and what the target offers for vectors.
// Every estimate the analysis needs is checked here: a missing one is a user error naming the
// Func or buffer and the dimension.
#include <map>
#include <optional>
#include <set>

#include "glue.h"

using namespace Halide;
using namespace Halide::Internal;

namespace hgcn {

namespace {

const char *const kLoopMinPrefix = "__hgcn_loop_min_";
const char *const kLoopMaxPrefix = "__hgcn_loop_max_";
const char *const kRequiredMinPrefix = "__hgcn_required_min_";
const char *const kRequiredMaxPrefix = "__hgcn_required_max_";

std::string stage_name(const Function &f, int index) {
    return index == 0 ? f.name() : f.name() + ".update(" + std::to_string(index - 1) + ")";
}

ScalarTypeDesc type_desc(const Type &t) {
    return ScalarTypeDesc{static_cast<uint8_t>(t.code()), static_cast<uint8_t>(t.bits())};
}

// Resolves "<prefix><n>" to 2n + offset.
SymbolOf paired_symbols(const std::string &min_prefix, const std::string &max_prefix) {
    return [min_prefix, max_prefix](const std::string &name) -> int64_t {
        if (name.compare(0, min_prefix.size(), min_prefix) == 0) {
            return 2 * std::atoll(name.c_str() + min_prefix.size());
        }
        if (name.compare(0, max_prefix.size(), max_prefix) == 0) {
            return 2 * std::atoll(name.c_str() + max_prefix.size()) + 1;
        }
        return -1;
    };
}

Expr symbolic(const std::string &prefix, size_t n) {
    return Variable::make(Int(32), prefix + std::to_string(n));
}

// Simplify after estimate substitution and export; a bound that is not integer arithmetic of
// the context's symbols is a user error (Halide could not compile it with these estimates either).
ExprTree export_bound(const Expr &e, const SymbolOf &symbols, const std::string &what) {
    Expr simplified = simplify(substitute_estimates(e, what));
    ExprTree tree = export_expr(simplified, symbols);
    if (!tree_is_opaque_free(tree)) {
        std::ostringstream message;
        message << "cannot analyse " << what << ": its bound " << simplified
                << " is not integer arithmetic of loop bounds and estimates";
        fail(message.str());
    }
    return tree;
}

int64_t constant_estimate(const Expr &e, const std::string &what) {
    Expr simplified = simplify(substitute_estimates(e, what));
    const IntImm *value = simplified.as<IntImm>();
    if (value == nullptr) {
        std::ostringstream message;
        message << "the estimate of " << what << " must be a constant, got " << simplified;
        fail(message.str());
    }
    return value->value;
}

std::vector<Expr> stage_exprs(const Definition &def, bool is_update) {
    std::vector<Expr> exprs = def.values();
    if (is_update) {
        exprs.insert(exprs.end(), def.args().begin(), def.args().end());
    }
    if (def.predicate().defined() && !is_const_one(def.predicate())) {
        exprs.push_back(def.predicate());
    }
    return exprs;
}

// The calls to Funcs and images in a definition's expressions, with the let variables in their
// arguments replaced by their values: Halide keeps a definition's common subexpressions in
// lets (nl_means's `clamped(x + dx, y + dy, c)` arrives as `clamped(t0, t1, c)`), and an
// argument is an affine access only in terms of the loops.
class CallCollector : public IRVisitor {
public:
    std::vector<Expr> calls;

    using IRVisitor::visit;

    void visit(const Let *op) override {
        op->value.accept(this);
        const Expr value = substitute(lets, op->value);
        auto shadowed = lets.find(op->name);
        std::optional<Expr> outer;
        if (shadowed != lets.end()) {
            outer = shadowed->second;
        }
        lets[op->name] = value;
        op->body.accept(this);
        if (outer) {
            lets[op->name] = *outer;
        } else {
            lets.erase(op->name);
        }
    }

    void visit(const Call *op) override {
        IRVisitor::visit(op);
        if (op->call_type == Call::Halide || op->call_type == Call::Image) {
            if (lets.empty()) {
                calls.emplace_back(op);
                return;
            }
            std::vector<Expr> args;
            for (const Expr &arg : op->args) {
                args.push_back(substitute(lets, arg));
            }
            calls.push_back(Call::make(op->type, op->name, args, op->call_type, op->func,
                                       op->value_index, op->image, op->param));
        }
    }

private:
    std::map<std::string, Expr> lets;
};

std::vector<Expr> collect_calls(const std::vector<Expr> &exprs) {
    CallCollector collector;
    for (const Expr &e : exprs) {
        e.accept(&collector);
    }
    return collector.calls;
}

struct InputBuffer {
    std::string name;
    Type type;
    int dims = 0;
    Parameter param;        // defined for ImageParams
    Buffer<> buffer;        // defined for constant Buffers
};

DimEstimate output_estimate(const Function &f, int d) {
    const std::string &var = f.args()[d];
    std::string what = "output '" + f.name() + "' dimension " + std::to_string(d) + " (" + var + ")";
    Expr min, extent;
    const std::vector<Parameter> &buffers = f.output_buffers();
    if (!buffers.empty()) {
        min = buffers[0].min_constraint_estimate(d);
        extent = buffers[0].extent_constraint_estimate(d);
    }
    if (!min.defined() || !extent.defined()) {
        for (const Bound &b : f.schedule().estimates()) {
            if (b.var == var) {
                min = b.min;
                extent = b.extent;
            }
        }
    }
    if (!min.defined() || !extent.defined()) {
        fail("missing estimate for " + what + "; call set_estimates on the output");
    }
    DimEstimate estimate{constant_estimate(min, what), constant_estimate(extent, what)};
    if (estimate.extent <= 0) {
        fail("the estimated extent of " + what + " must be positive, got " +
             std::to_string(estimate.extent));
    }
    return estimate;
}

DimEstimate input_estimate(const InputBuffer &in, int d) {
    std::string what = "input buffer '" + in.name + "' dimension " + std::to_string(d);
    if (in.buffer.defined()) {
        return DimEstimate{in.buffer.dim(d).min(), in.buffer.dim(d).extent()};
    }
    Expr min = in.param.min_constraint_estimate(d);
    Expr extent = in.param.extent_constraint_estimate(d);
    if (!min.defined() || !extent.defined()) {
        fail("missing estimate for " + what + "; call set_estimates on the input");
    }
    DimEstimate estimate{constant_estimate(min, what), constant_estimate(extent, what)};
    if (estimate.extent <= 0) {
        fail("the estimated extent of " + what + " must be positive, got " +
             std::to_string(estimate.extent));
    }
    return estimate;
}

// Interval of each RVar of a definition, estimates substituted.
std::map<std::string, Interval> rvar_intervals(const Definition &def, const std::string &where) {
    std::map<std::string, Interval> out;
    for (const ReductionVariable &rv : def.schedule().rvars()) {
        std::string what = "the RDom variable " + rv.var + " of " + where;
        Expr min = simplify(substitute_estimates(rv.min, what));
        Expr extent = simplify(substitute_estimates(rv.extent, what));
        out[rv.var] = Interval(min, simplify(min + extent - 1));
    }
    return out;
}

TargetDesc describe_target(const Target &target) {
    TargetDesc desc;
    desc.text = target.to_string();
    desc.has_gpu_feature = target.has_gpu_feature();
    desc.vector_bytes = target.natural_vector_size(UInt(8));
    const Type classes[] = {Bool(), Int(8), Int(16), Int(32), Int(64), Float(32), Float(64)};
    for (const Type &t : classes) {
        desc.natural_vector_lanes.push_back(target.natural_vector_size(t));
    }
    return desc;
}

}  // namespace

ExportedPipeline export_dag(const Pipeline &pipeline, const Target &target) {
    std::vector<Function> outputs;
    for (const Func &f : pipeline.outputs()) {
        outputs.push_back(f.function());
    }
    std::map<std::string, Function> env;
    for (const Function &f : outputs) {
        std::map<std::string, Function> more = find_transitive_calls(f);
        env.insert(more.begin(), more.end());
    }
    // The same order Pipeline::get_func uses, so plan indices name the same Funcs there.
    const std::vector<std::string> order = topological_order(outputs, env);

    std::set<std::string> output_names;
    for (const Function &f : outputs) {
        output_names.insert(f.name());
    }

    ExportedPipeline exported;
    Dag &dag = exported.dag;
    dag.target = describe_target(target);

    std::map<std::string, int> index_of;
    for (size_t i = 0; i < order.size(); i++) {
        index_of[order[i]] = static_cast<int>(i);
    }

    // Input buffers, in order of first use.
    std::vector<InputBuffer> inputs;
    for (const std::string &name : order) {
        const Function &f = env.at(name);
        if (f.has_extern_definition()) {
            fail("Func '" + name + "' is defined by define_extern; extern stages are not supported "
                 "by the Gcn autoscheduler yet");
        }
        std::vector<Definition> defs = {f.definition()};
        defs.insert(defs.end(), f.updates().begin(), f.updates().end());
        for (size_t k = 0; k < defs.size(); k++) {
            for (const Expr &e : collect_calls(stage_exprs(defs[k], k > 0))) {
                const Call *call = e.as<Call>();
                if (call->call_type != Call::Image || index_of.count(call->name)) {
                    continue;
                }
                index_of[call->name] = static_cast<int>(order.size() + inputs.size());
                InputBuffer in;
                in.name = call->name;
                in.type = call->type;
                in.dims = static_cast<int>(call->args.size());
                in.param = call->param;
                in.buffer = call->image;
                inputs.push_back(in);
            }
        }
    }

    // Funcs. Their stages are exported below in the same order, so they are numbered here.
    int32_t next_stage = 0;
    for (size_t i = 0; i < order.size(); i++) {
        const Function &f = env.at(order[i]);
        exported.functions.push_back(f);
        DagFunc node;
        node.name = f.name();
        node.pipeline_index = static_cast<int32_t>(i);
        node.is_input = false;
        node.is_output = output_names.count(f.name()) > 0;
        node.is_extern = false;
        for (const std::string &arg : f.args()) {
            node.dims.push_back(rust::String(arg));
        }
        for (const Type &t : f.output_types()) {
            node.types.push_back(type_desc(t));
        }
        if (node.is_output) {
            for (int d = 0; d < f.dimensions(); d++) {
                node.estimates.push_back(output_estimate(f, d));
            }
        }
        node.first_stage = next_stage;
        node.num_stages = static_cast<int32_t>(1 + f.updates().size());
        next_stage += node.num_stages;

        // Region computed, starting from the region required.
        const SymbolOf required_symbols = paired_symbols(kRequiredMinPrefix, kRequiredMaxPrefix);
        std::vector<Interval> computed;
        Scope<Interval> pure_scope;
        for (int d = 0; d < f.dimensions(); d++) {
            Interval required(symbolic(kRequiredMinPrefix, d), symbolic(kRequiredMaxPrefix, d));
            computed.push_back(required);
            pure_scope.push(f.args()[d], required);
        }
        for (size_t u = 0; u < f.updates().size(); u++) {
            const Definition &def = f.updates()[u];
            const std::string where = stage_name(f, static_cast<int>(u + 1));
            Scope<Interval> scope;
            scope.set_containing_scope(&pure_scope);
            for (const auto &rv : rvar_intervals(def, where)) {
                scope.push(rv.first, rv.second);
            }
            for (int d = 0; d < f.dimensions(); d++) {
                const Expr &arg = def.args()[d];
                const Variable *v = arg.as<Variable>();
                if (v != nullptr && v->name == f.args()[d]) {
                    continue;
                }
                Interval written = bounds_of_expr_in_scope(substitute_estimates(arg, where), scope);
                if (!written.is_bounded()) {
                    fail(where + " writes an unbounded region of dimension " + std::to_string(d) +
                         " of '" + f.name() + "'; clamp the index it stores to");
                }
                computed[d].include(written);
            }
        }
        for (int d = 0; d < f.dimensions(); d++) {
            std::string what = "the region computed of '" + f.name() + "' dimension " + std::to_string(d);
            node.region_computed.push_back(BoundTrees{
                export_bound(computed[d].min, required_symbols, what),
                export_bound(computed[d].max, required_symbols, what)});
        }
        dag.funcs.push_back(std::move(node));
    }

    for (const InputBuffer &in : inputs) {
        DagFunc node;
        node.name = in.name;
        node.pipeline_index = -1;
        node.is_input = true;
        node.is_output = false;
        node.is_extern = false;
        for (int d = 0; d < in.dims; d++) {
            node.dims.push_back(rust::String("d" + std::to_string(d)));
            node.estimates.push_back(input_estimate(in, d));
        }
        node.types.push_back(type_desc(in.type));
        node.first_stage = -1;
        node.num_stages = 0;
        exported.functions.emplace_back();
        dag.funcs.push_back(std::move(node));
    }

    // Stages, loads and edges.
    for (size_t i = 0; i < order.size(); i++) {
        const Function &f = env.at(order[i]);
        std::vector<Definition> defs = {f.definition()};
        defs.insert(defs.end(), f.updates().begin(), f.updates().end());
        for (size_t k = 0; k < defs.size(); k++) {
            const Definition &def = defs[k];
            const bool is_update = k > 0;
            const std::string where = stage_name(f, static_cast<int>(k));
            const int32_t stage_index = static_cast<int32_t>(dag.stages.size());

            DagStage stage;
            stage.func = static_cast<int32_t>(i);
            stage.index = static_cast<int32_t>(k);
            stage.has_predicate = def.predicate().defined() && !is_const_one(def.predicate());

            // Loops, innermost first, and the symbolic scope for footprints.
            std::map<std::string, Interval> rvars = rvar_intervals(def, where);
            std::map<std::string, int64_t> loop_of;
            Scope<Interval> loop_scope;
            const std::string outermost = Var::outermost().name();
            for (const Dim &dim : def.schedule().dims()) {
                if (dim.var == outermost) {
                    continue;
                }
                DagLoop loop;
                loop.var = dim.var;
                loop.is_rvar = dim.is_rvar();
                loop.pure_dim = -1;
                if (loop.is_rvar) {
                    const Interval &range = rvars.at(dim.var);
                    const std::string what = "the RDom variable " + dim.var + " of " + where;
                    const SymbolOf none = [](const std::string &) -> int64_t { return -1; };
                    loop.rvar_bounds = BoundTrees{export_bound(range.min, none, what),
                                                  export_bound(range.max, none, what)};
                } else {
                    for (int d = 0; d < f.dimensions(); d++) {
                        if (f.args()[d] == dim.var) {
                            loop.pure_dim = d;
                        }
                    }
                }
                const size_t n = stage.loops.size();
                loop_of[dim.var] = static_cast<int64_t>(n);
                loop_scope.push(dim.var, Interval(symbolic(kLoopMinPrefix, n), symbolic(kLoopMaxPrefix, n)));
                stage.loops.push_back(std::move(loop));
            }
            const SymbolOf loop_value = [&loop_of](const std::string &name) -> int64_t {
                auto it = loop_of.find(name);
                return it == loop_of.end() ? -1 : it->second;
            };

            for (const Expr &arg : def.args()) {
                stage.store_args.push_back(export_expr(substitute_estimates(arg, where), loop_value));
            }
            const std::vector<Expr> exprs = stage_exprs(def, is_update);
            stage.op_histogram = op_histogram(exprs, f.name());
            stage.transcendental_calls = transcendental_calls(exprs);

            std::map<int32_t, int32_t> calls_per_callee;
            for (const Expr &e : collect_calls(exprs)) {
                const Call *call = e.as<Call>();
                DagLoad load;
                load.callee = index_of.at(call->name);
                for (const Expr &arg : call->args) {
                    load.args.push_back(export_expr(substitute_estimates(arg, where), loop_value));
                }
                load.scalar_type = type_desc(call->type);
                calls_per_callee[load.callee] += 1;
                stage.loads.push_back(std::move(load));
            }

            // Footprints: one box per callee over all of the stage's expressions.
            std::map<std::string, Box> boxes;
            for (const Expr &e : exprs) {
                for (const auto &entry : boxes_required(e, loop_scope)) {
                    auto it = boxes.find(entry.first);
                    if (it == boxes.end()) {
                        boxes.emplace(entry.first, entry.second);
                    } else {
                        merge_boxes(it->second, entry.second);
                    }
                }
            }
            const SymbolOf loop_bounds = paired_symbols(kLoopMinPrefix, kLoopMaxPrefix);
            for (const auto &entry : boxes) {
                auto callee = index_of.find(entry.first);
                if (entry.first == f.name() || callee == index_of.end()) {
                    continue;
                }
                DagEdge edge;
                edge.producer = callee->second;
                edge.consumer_stage = stage_index;
                edge.calls = calls_per_callee[callee->second];
                const Box &box = entry.second;
                for (size_t d = 0; d < box.size(); d++) {
                    const std::string what = "the region of '" + entry.first + "' dimension " +
                                             std::to_string(d) + " required by " + where;
                    if (!box[d].is_bounded()) {
                        fail(what + " is unbounded; clamp the index or use a BoundaryConditions "
                             "function so that the access has finite bounds");
                    }
                    edge.footprint.push_back(BoundTrees{export_bound(box[d].min, loop_bounds, what),
                                                        export_bound(box[d].max, loop_bounds, what)});
                }
                dag.edges.push_back(std::move(edge));
            }
            dag.stages.push_back(std::move(stage));
        }
    }
    return exported;
}

}  // namespace hgcn
