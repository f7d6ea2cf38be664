// examples/unsharp_generator.cpp — the demo pipeline of scripts/demo.sh: an unsharp mask on an
// RGB float image (a 5-tap separable Gaussian, a luma-driven sharpen), with estimates for a
// 1920x1080 image so that any autoscheduler can plan it.
#include "Halide.h"

using namespace Halide;

class Unsharp : public Generator<Unsharp> {
public:
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        Var x("x"), y("y"), c("c");
        Func padded = BoundaryConditions::repeat_edge(input);
        Func gray("gray"), blur_y("blur_y"), blur_x("blur_x"), ratio("ratio");
        gray(x, y) = 0.299f * padded(x, y, 0) + 0.587f * padded(x, y, 1) + 0.114f * padded(x, y, 2);
        const float k0 = 0.375f, k1 = 0.25f, k2 = 0.0625f;
        blur_y(x, y) = k0 * gray(x, y) + k1 * (gray(x, y - 1) + gray(x, y + 1)) +
                       k2 * (gray(x, y - 2) + gray(x, y + 2));
        blur_x(x, y) = k0 * blur_y(x, y) + k1 * (blur_y(x - 1, y) + blur_y(x + 1, y)) +
                       k2 * (blur_y(x - 2, y) + blur_y(x + 2, y));
        Expr sharpened = 2.0f * gray(x, y) - blur_x(x, y);
        ratio(x, y) = sharpened / max(gray(x, y), 1e-3f);
        output(x, y, c) = ratio(x, y) * input(x, y, c);
        input.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
        output.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
    }
};

HALIDE_REGISTER_GENERATOR(Unsharp, unsharp)
