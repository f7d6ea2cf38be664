// The consumer project's generator: a separable 3x3 blur with estimates.
#include "Halide.h"

using namespace Halide;

class Blur : public Generator<Blur> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        Var x("x"), y("y");
        Func blur_x("blur_x");
        blur_x(x, y) = (input(x, y) + input(x + 1, y) + input(x + 2, y)) / 3.0f;
        output(x, y) = (blur_x(x, y) + blur_x(x, y + 1) + blur_x(x, y + 2)) / 3.0f;
        input.set_estimates({{0, 642}, {0, 482}});
        output.set_estimates({{0, 640}, {0, 480}});
    }
};

HALIDE_REGISTER_GENERATOR(Blur, blur)
