// halide_glue/op_histogram.cpp — schedule-independent operation counts of one stage.
//
// Counts every IR node of a stage's definition (values, left-hand side, predicate) by kind
// (hgcn::OpKind) and scalar class (hgcn::ScalarClass). The row-major layout is the one
// src/pipeline_features.rs reads; the access-pattern half of the pipeline features is computed
// in Rust from the exported loads.
//
// Apart from the histogram (where each is one extern call), the calls of transcendental math
// functions whose value changes from point to point: Halide evaluates each as a polynomial of
// a few dozen operations, so the cost of a stage needs them counted apart.
#include "glue.h"

using namespace Halide;
using namespace Halide::Internal;

namespace hgcn {

static constexpr int kScalarClasses = static_cast<int>(ScalarClass::Double) + 1;
static constexpr int kOpKinds = static_cast<int>(OpKind::Let) + 1;

ScalarClass scalar_class_of(const Type &t) {
    if (t.is_bool()) return ScalarClass::Bool;
    if (t.is_float()) return t.bits() > 32 ? ScalarClass::Double : ScalarClass::Float;
    if (t.bits() <= 8) return ScalarClass::Int8;
    if (t.bits() <= 16) return ScalarClass::Int16;
    if (t.bits() <= 32) return ScalarClass::Int32;
    return ScalarClass::Int64;
}

namespace {

// IRVisitor (not IRGraphVisitor): shared sub-expressions count once per use, as evaluated.
class OpCounter : public IRVisitor {
public:
    explicit OpCounter(std::string self_name)
        : counts(kOpKinds * kScalarClasses, 0), self_name(std::move(self_name)) {
    }

    std::vector<int32_t> counts;

    using IRVisitor::visit;

private:
    void count(OpKind kind, const Type &t) {
        counts[static_cast<int>(kind) * kScalarClasses + static_cast<int>(scalar_class_of(t))] += 1;
    }

    void visit(const IntImm *op) override { count(OpKind::Const, op->type); }
    void visit(const UIntImm *op) override { count(OpKind::Const, op->type); }
    void visit(const FloatImm *op) override { count(OpKind::Const, op->type); }
    void visit(const Cast *op) override { count(OpKind::Cast, op->type); IRVisitor::visit(op); }
    void visit(const Reinterpret *op) override { count(OpKind::Cast, op->type); IRVisitor::visit(op); }
    void visit(const Variable *op) override {
        count(op->param.defined() ? OpKind::Param : OpKind::Variable, op->type);
    }
    void visit(const Add *op) override { count(OpKind::Add, op->type); IRVisitor::visit(op); }
    void visit(const Sub *op) override { count(OpKind::Sub, op->type); IRVisitor::visit(op); }
    void visit(const Mod *op) override { count(OpKind::Mod, op->type); IRVisitor::visit(op); }
    void visit(const Mul *op) override { count(OpKind::Mul, op->type); IRVisitor::visit(op); }
    void visit(const Div *op) override { count(OpKind::Div, op->type); IRVisitor::visit(op); }
    void visit(const Min *op) override { count(OpKind::Min, op->type); IRVisitor::visit(op); }
    void visit(const Max *op) override { count(OpKind::Max, op->type); IRVisitor::visit(op); }
    void visit(const EQ *op) override { count(OpKind::Eq, op->a.type()); IRVisitor::visit(op); }
    void visit(const NE *op) override { count(OpKind::Ne, op->a.type()); IRVisitor::visit(op); }
    void visit(const LT *op) override { count(OpKind::Lt, op->a.type()); IRVisitor::visit(op); }
    void visit(const LE *op) override { count(OpKind::Le, op->a.type()); IRVisitor::visit(op); }
    void visit(const GT *op) override { count(OpKind::Lt, op->a.type()); IRVisitor::visit(op); }
    void visit(const GE *op) override { count(OpKind::Le, op->a.type()); IRVisitor::visit(op); }
    void visit(const And *op) override { count(OpKind::And, op->type); IRVisitor::visit(op); }
    void visit(const Or *op) override { count(OpKind::Or, op->type); IRVisitor::visit(op); }
    void visit(const Not *op) override { count(OpKind::Not, op->type); IRVisitor::visit(op); }
    void visit(const Select *op) override { count(OpKind::Select, op->type); IRVisitor::visit(op); }
    void visit(const Let *op) override { count(OpKind::Let, op->type); IRVisitor::visit(op); }
    void visit(const Call *op) override {
        // Scheduling hints and promises compile to nothing: only their arguments count.
        if (is_value_hint(op)) {
            IRVisitor::visit(op);
            return;
        }
        if (op->call_type == Call::Image) {
            count(OpKind::ImageCall, op->type);
        } else if (op->call_type == Call::Halide) {
            count(op->name == self_name ? OpKind::SelfCall : OpKind::FuncCall, op->type);
        } else {
            count(OpKind::ExternCall, op->type);
        }
        IRVisitor::visit(op);
    }

    std::string self_name;
};

}  // namespace

rust::Vec<int32_t> op_histogram(const std::vector<Expr> &exprs, const std::string &self_name) {
    OpCounter counter(self_name);
    for (const Expr &e : exprs) {
        if (e.defined()) {
            e.accept(&counter);
        }
    }
    rust::Vec<int32_t> out;
    out.reserve(counter.counts.size());
    for (int32_t c : counter.counts) {
        out.push_back(c);
    }
    return out;
}

namespace {

// How many exp/log-sized evaluations a math library call is (pow is a log and an exp), or 0
// for a call that is no transcendental function (sqrt, floor, abs, ...: one instruction).
int transcendental_weight(const Call *op) {
    if (op->call_type != Call::PureExtern && op->call_type != Call::Extern) return 0;
    const std::string &name = op->name;
    const size_t suffix = name.rfind("_f");
    if (suffix == std::string::npos) return 0;
    const std::string base = name.substr(0, suffix);
    if (base == "pow") return 2;
    static const char *const single[] = {"exp", "log", "sin", "cos", "tan", "asin", "acos", "atan",
                                         "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"};
    for (const char *s : single) {
        if (base == s) return 1;
    }
    return 0;
}

// Whether an expression's value can change inside the stage's loops: it reads a loop variable
// or a Func or buffer. (Calls on parameters alone are hoisted out of every loop.)
class VariesPerPoint : public IRVisitor {
public:
    bool varies = false;
    using IRVisitor::visit;

private:
    void visit(const Variable *op) override {
        if (!op->param.defined()) varies = true;
    }
    void visit(const Call *op) override {
        if (op->call_type == Call::Halide || op->call_type == Call::Image) varies = true;
        IRVisitor::visit(op);
    }
};

bool varies_per_point(const Expr &e) {
    VariesPerPoint check;
    e.accept(&check);
    return check.varies;
}

class TranscendentalCounter : public IRVisitor {
public:
    int32_t calls = 0;
    using IRVisitor::visit;

private:
    void visit(const Call *op) override {
        const int weight = transcendental_weight(op);
        if (weight > 0) {
            for (const Expr &arg : op->args) {
                if (varies_per_point(arg)) {
                    calls += weight;
                    break;
                }
            }
        }
        IRVisitor::visit(op);
    }
};

}  // namespace

int32_t transcendental_calls(const std::vector<Expr> &exprs) {
    TranscendentalCounter counter;
    for (const Expr &e : exprs) {
        if (e.defined()) {
            e.accept(&counter);
        }
    }
    return counter.calls;
}

}  // namespace hgcn
