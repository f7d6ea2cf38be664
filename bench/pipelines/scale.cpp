// bench/pipelines/scale.cpp — pipelines that test how the autoscheduler scales with the
// number of stages: a long stencil chain (default 100 stages) and a deep conv net (default 20
// blocks of conv, bias+ReLU: 60 stages). Their schedules are benchmarked, not compared with the
// reference schedule with every Func at root, like every bench pipeline (`reference=true`).
#include "Halide.h"

using namespace Halide;

namespace {

class LongStencilChain : public Generator<LongStencilChain> {
public:
    GeneratorParam<int> stages{"stages", 100};
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        Var x("x"), y("y");
        Func f = BoundaryConditions::repeat_edge(input);
        for (int s = 0; s < stages; s++) {
            Func g("stage_" + std::to_string(s));
            if (s % 2 == 0) {
                g(x, y) = (f(x - 1, y) + f(x, y) * 2.0f + f(x + 1, y)) * 0.25f;
            } else {
                g(x, y) = (f(x, y - 1) + f(x, y) * 2.0f + f(x, y + 1)) * 0.25f;
            }
            f = g;
            intermediates.push_back(g);
        }
        output(x, y) = f(x, y);
        input.set_estimates({{0, 1536}, {0, 1024}});
        output.set_estimates({{0, 1536}, {0, 1024}});
    }

    void schedule() {
        if (reference) {
            for (Func &f : intermediates) {
                f.compute_root();
            }
        }
    }

private:
    std::vector<Func> intermediates;
};

// input(c, x, y): blocks of 3x3 conv (8 -> 8 channels), then bias + ReLU.
class DeepConvNet : public Generator<DeepConvNet> {
public:
    GeneratorParam<int> blocks{"blocks", 20};
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Input<Buffer<float, 4>> weights{"weights"};
    Input<Buffer<float, 2>> bias{"bias"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        const int C = 8, X = 64, Y = 64;
        Var c("c"), x("x"), y("y");
        Func f = BoundaryConditions::constant_exterior(input, 0.0f);
        for (int b = 0; b < blocks; b++) {
            RDom r(0, C, -1, 3, -1, 3, "r" + std::to_string(b));
            Func conv("conv_" + std::to_string(b)), relu("relu_" + std::to_string(b));
            conv(c, x, y) = 0.0f;
            conv(c, x, y) += weights(r.x, r.y + 1, r.z + 1, c) * f(r.x, x + r.y, y + r.z);
            relu(c, x, y) = max(conv(c, x, y) + bias(c, b), 0.0f);
            f = relu;
            intermediates.push_back(conv);
            intermediates.push_back(relu);
        }
        output(c, x, y) = f(c, x, y);
        input.set_estimates({{0, C}, {0, X}, {0, Y}});
        weights.set_estimates({{0, C}, {0, 3}, {0, 3}, {0, C}});
        bias.set_estimates({{0, C}, {0, (int)blocks}});
        output.set_estimates({{0, C}, {0, X}, {0, Y}});
    }

    void schedule() {
        if (reference) {
            for (Func &f : intermediates) {
                f.compute_root();
            }
        }
    }

private:
    std::vector<Func> intermediates;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LongStencilChain, long_stencil_chain)
HALIDE_REGISTER_GENERATOR(DeepConvNet, deep_conv_net)
