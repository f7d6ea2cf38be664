// halide_glue/expr_export.cpp — turns Halide integer expressions into hgcn::ExprTree.
//
// Bounds and call arguments cross to Rust as small trees of integer arithmetic (see ExprOp in
// src/bridge.rs); Rust evaluates them with Halide's semantics and derives Jacobians from them.
// Before export, scalar Params and input-buffer min/extent variables are replaced by their
// estimates (a missing one is a user error naming it). Anything that is not integer arithmetic
// on symbols and constants becomes an Opaque leaf.
#include "glue.h"

using namespace Halide;
using namespace Halide::Internal;

namespace hgcn {

namespace {

// Buffer variables look like "<buffer>.min.<d>", "<buffer>.extent.<d>", "<buffer>.stride.<d>".
bool parse_buffer_var(const std::string &var, const std::string &buffer, std::string *field, int *dim) {
    if (var.size() <= buffer.size() + 1 || var.compare(0, buffer.size(), buffer) != 0 ||
        var[buffer.size()] != '.') {
        return false;
    }
    std::string rest = var.substr(buffer.size() + 1);
    size_t dot = rest.find('.');
    if (dot == std::string::npos) {
        return false;
    }
    *field = rest.substr(0, dot);
    *dim = std::atoi(rest.c_str() + dot + 1);
    return true;
}

class EstimateSubstituter : public IRMutator {
public:
    explicit EstimateSubstituter(std::string context)
        : context(std::move(context)) {
    }

    using IRMutator::visit;

    Expr visit(const Variable *op) override {
        if (!op->param.defined()) {
            return op;
        }
        const Parameter &p = op->param;
        if (!p.is_buffer()) {
            Expr estimate = p.estimate();
            if (!estimate.defined()) {
                fail("missing estimate for the scalar parameter '" + p.name() + "' (used in " +
                     context + "); call set_estimate on it");
            }
            return cast(op->type, estimate);
        }
        std::string field;
        int dim = 0;
        if (!parse_buffer_var(op->name, p.name(), &field, &dim)) {
            return op;
        }
        Expr min = p.min_constraint_estimate(dim);
        Expr extent = p.extent_constraint_estimate(dim);
        if (field == "min" || field == "extent" || field == "max") {
            if (!min.defined() || !extent.defined()) {
                fail("missing estimate for input buffer '" + p.name() + "' dimension " +
                     std::to_string(dim) + " (used in " + context +
                     "); call set_estimates on the input");
            }
            if (field == "min") {
                return cast(op->type, min);
            }
            if (field == "extent") {
                return cast(op->type, extent);
            }
            return cast(op->type, min + extent - 1);
        }
        return op;
    }

private:
    std::string context;
};

class TreeBuilder {
public:
    explicit TreeBuilder(const SymbolOf &symbol_of)
        : symbol_of(symbol_of) {
    }

    ExprTree finish(const Expr &e) {
        build(e);
        return std::move(tree);
    }

private:
    int32_t add(ExprOp op, int32_t a = -1, int32_t b = -1, int32_t c = -1, int64_t value = 0) {
        tree.nodes.push_back(ExprNode{op, a, b, c, value});
        return static_cast<int32_t>(tree.nodes.size() - 1);
    }

    template<typename T>
    int32_t binary(ExprOp kind, const T *op) {
        int32_t a = build(op->a);
        int32_t b = build(op->b);
        return add(kind, a, b);
    }

    int32_t build(const Expr &e) {
        const Type t = e.type();
        const bool integral = (t.is_int() || t.is_uint() || t.is_bool()) && t.is_scalar();
        if (!integral) {
            return add(ExprOp::Opaque);
        }
        if (const IntImm *op = e.as<IntImm>()) {
            return add(ExprOp::Const, -1, -1, -1, op->value);
        }
        if (const UIntImm *op = e.as<UIntImm>()) {
            return add(ExprOp::Const, -1, -1, -1, static_cast<int64_t>(op->value));
        }
        if (const Variable *op = e.as<Variable>()) {
            int64_t symbol = symbol_of ? symbol_of(op->name) : -1;
            return symbol >= 0 ? add(ExprOp::Symbol, -1, -1, -1, symbol) : add(ExprOp::Opaque);
        }
        if (const Cast *op = e.as<Cast>()) {
            const Type from = op->value.type();
            // Widening integer casts keep the value; anything else may wrap or truncate.
            if ((from.is_int() || from.is_uint()) && t.bits() >= from.bits() &&
                (t.is_int() || from.is_uint())) {
                return build(op->value);
            }
            return add(ExprOp::Opaque);
        }
        if (const Add *op = e.as<Add>()) return binary(ExprOp::Add, op);
        if (const Sub *op = e.as<Sub>()) return binary(ExprOp::Sub, op);
        if (const Mul *op = e.as<Mul>()) return binary(ExprOp::Mul, op);
        if (const Div *op = e.as<Div>()) return binary(ExprOp::Div, op);
        if (const Mod *op = e.as<Mod>()) return binary(ExprOp::Mod, op);
        if (const Min *op = e.as<Min>()) return binary(ExprOp::Min, op);
        if (const Max *op = e.as<Max>()) return binary(ExprOp::Max, op);
        if (const LT *op = e.as<LT>()) return binary(ExprOp::Lt, op);
        if (const LE *op = e.as<LE>()) return binary(ExprOp::Le, op);
        if (const EQ *op = e.as<EQ>()) return binary(ExprOp::Eq, op);
        if (const NE *op = e.as<NE>()) return binary(ExprOp::Ne, op);
        if (const And *op = e.as<And>()) return binary(ExprOp::And, op);
        if (const Or *op = e.as<Or>()) return binary(ExprOp::Or, op);
        if (const GT *op = e.as<GT>()) {
            int32_t b = build(op->b);
            int32_t a = build(op->a);
            return add(ExprOp::Lt, b, a);
        }
        if (const GE *op = e.as<GE>()) {
            int32_t b = build(op->b);
            int32_t a = build(op->a);
            return add(ExprOp::Le, b, a);
        }
        if (const Not *op = e.as<Not>()) {
            return add(ExprOp::Not, build(op->a));
        }
        if (const Call *op = e.as<Call>()) {
            // Boundary conditions wrap the coordinate in likely() (clamp(likely(x), lo, hi)) so
            // that Halide partitions the loop and runs its interior without the clamp; the
            // hint and the promise intrinsics carry their first argument's value.
            if (is_value_hint(op)) {
                return build(op->args[0]);
            }
            return add(ExprOp::Opaque);
        }
        if (const Select *op = e.as<Select>()) {
            int32_t c = build(op->condition);
            int32_t a = build(op->true_value);
            int32_t b = build(op->false_value);
            return add(ExprOp::Select, c, a, b);
        }
        return add(ExprOp::Opaque);
    }

    const SymbolOf &symbol_of;
    ExprTree tree;
};

}  // namespace

Expr substitute_estimates(const Expr &e, const std::string &context) {
    EstimateSubstituter substituter(context);
    return substituter.mutate(e);
}

ExprTree export_expr(const Expr &e, const SymbolOf &symbol_of) {
    TreeBuilder builder(symbol_of);
    return builder.finish(substitute_in_all_lets(e));
}

bool is_value_hint(const Call *op) {
    return (op->is_intrinsic(Call::likely) || op->is_intrinsic(Call::likely_if_innermost) ||
            op->is_intrinsic(Call::promise_clamped) ||
            op->is_intrinsic(Call::unsafe_promise_clamped)) &&
           !op->args.empty();
}

bool tree_is_opaque_free(const ExprTree &tree) {
    for (const ExprNode &node : tree.nodes) {
        if (node.op == ExprOp::Opaque) {
            return false;
        }
    }
    return true;
}

}  // namespace hgcn
