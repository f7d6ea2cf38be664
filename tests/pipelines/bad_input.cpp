// tests/pipelines/bad_input.cpp — pipelines a user can get wrong or that sit at the edges of
// what the autoscheduler handles, for tests/bad_input.rs: missing estimates, a zero-size
// estimate, an extern stage, a 1-element output, a Func reached only through an update.
#include "Halide.h"

using namespace Halide;

namespace {

class MissingOutputEstimate : public Generator<MissingOutputEstimate> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        out(x, y) = input(x, y) * 2.0f;
        input.set_estimates({{0, 64}, {0, 64}});
        // No estimate on dimension 1 of the output.
        out.set_estimate(x, 0, 64);
    }
};

class MissingInputEstimate : public Generator<MissingInputEstimate> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        out(x, y) = input(x, y) + input(x + 1, y);
        out.set_estimates({{0, 64}, {0, 64}});
    }
};

class ZeroSizeEstimate : public Generator<ZeroSizeEstimate> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        out(x, y) = input(x, y) + 1.0f;
        input.set_estimates({{0, 64}, {0, 64}});
        out.set_estimates({{0, 0}, {0, 64}});
    }
};

// An extern stage between two Halide stages.
class ExternStage : public Generator<ExternStage> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func before("before"), external("external");
        before(x, y) = input(x, y) * 2.0f;
        external.define_extern("hgcn_test_extern", {before}, Float(32), {x, y});
        out(x, y) = external(x, y) + 1.0f;
        input.set_estimates({{0, 64}, {0, 64}});
        out.set_estimates({{0, 64}, {0, 64}});
    }
};

// A single-element output: nothing to tile, vectorize or parallelize.
class OneElementOutput : public Generator<OneElementOutput> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        RDom r(0, 16, 0, 16, "r");
        Func total("total");
        total(x, y) = 0.0f;
        total(x, y) += input(x + r.x, y + r.y);
        out(x, y) = total(x, y) * 0.5f;
        input.set_estimates({{0, 16}, {0, 16}});
        out.set_estimates({{0, 1}, {0, 1}});
    }
};

// `squared` is required only by an update over a fixed RDom: its region comes from the RDom,
// not from any estimate.
class OnlyThroughUpdate : public Generator<OnlyThroughUpdate> {
public:
    Input<Buffer<float, 1>> input{"input"};
    Output<Buffer<float, 1>> out{"out"};

    void generate() {
        Var x("x");
        RDom r(0, 100, "r");
        Func squared("squared"), acc("acc");
        squared(x) = input(x) * input(x);
        acc(x) = 0.0f;
        acc(r) = acc(r) + squared(r);
        out(x) = acc(x) + 1.0f;
        input.set_estimates({{0, 100}});
        out.set_estimates({{0, 100}});
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(ZeroSizeEstimate, zero_size_estimate)
HALIDE_REGISTER_GENERATOR(ExternStage, extern_stage)
HALIDE_REGISTER_GENERATOR(OneElementOutput, one_element_output)
HALIDE_REGISTER_GENERATOR(OnlyThroughUpdate, only_through_update)
HALIDE_REGISTER_GENERATOR(MissingOutputEstimate, missing_output_estimate)
HALIDE_REGISTER_GENERATOR(MissingInputEstimate, missing_input_estimate)
