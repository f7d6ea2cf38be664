// tests/pipelines/bad_input.cpp — pipelines a user can get wrong, for tests/bad_input.rs:
// an output without estimates and an input buffer without estimates.
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

}  // namespace

HALIDE_REGISTER_GENERATOR(MissingOutputEstimate, missing_output_estimate)
HALIDE_REGISTER_GENERATOR(MissingInputEstimate, missing_input_estimate)
