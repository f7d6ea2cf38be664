// tests/pipelines/imaging.cpp — image-processing test pipelines for the correctness suite:
// pointwise type mixing, separable blur, a long stencil chain, a pyramid, a histogram,
// boundary conditions and a scalar Param. Every generator sets estimates on all inputs and
// outputs (the autoscheduler needs them, and RunGen sizes its buffers from them).
#include "Halide.h"

using namespace Halide;

namespace {

const int W = 256, H = 192;

// u8 -> u16 -> i32 -> f32 -> f64, one cast per stage.
class PointwiseMixed : public Generator<PointwiseMixed> {
public:
    Input<Buffer<uint8_t, 2>> in8{"in8"};
    Input<Buffer<uint16_t, 2>> in16{"in16"};
    Input<Buffer<int32_t, 2>> in32{"in32"};
    Input<Buffer<float, 2>> inf{"inf"};
    Input<Buffer<double, 2>> ind{"ind"};
    Output<Buffer<double, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func a("a"), b("b"), c("c"), d("d");
        a(x, y) = cast<uint16_t>(in8(x, y)) * 3 + in16(x, y) / 2;
        b(x, y) = cast<int32_t>(a(x, y)) - (in32(x, y) >> 8);
        c(x, y) = cast<float>(b(x, y)) * inf(x, y) + 0.5f;
        d(x, y) = cast<double>(c(x, y)) * ind(x, y) - sqrt(cast<double>(in8(x, y)));
        out(x, y) = d(x, y) + cast<double>(a(x, y));
        in8.set_estimates({{0, W}, {0, H}});
        in16.set_estimates({{0, W}, {0, H}});
        in32.set_estimates({{0, W}, {0, H}});
        inf.set_estimates({{0, W}, {0, H}});
        ind.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

class SeparableBlur : public Generator<SeparableBlur> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func blur_x("blur_x");
        blur_x(x, y) = (input(x, y) + input(x + 1, y) * 2.0f + input(x + 2, y)) * 0.25f;
        out(x, y) = (blur_x(x, y) + blur_x(x, y + 1) * 2.0f + blur_x(x, y + 2)) * 0.25f;
        input.set_estimates({{0, W + 2}, {0, H + 2}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

// Eight 3-tap box stages on u16, alternating x and y. (Each stage is separable rather than
// 3x3 so that the unscheduled reference, which inlines everything, stays cheap: 3^8 taps.)
class StencilChain : public Generator<StencilChain> {
public:
    Input<Buffer<uint16_t, 2>> input{"input"};
    Output<Buffer<uint16_t, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        const int stages = 8;
        Func f = BoundaryConditions::repeat_edge(input);
        for (int s = 0; s < stages; s++) {
            Func g("stencil_" + std::to_string(s));
            Expr sum = s % 2 == 0
                           ? cast<uint32_t>(f(x - 1, y)) + f(x, y) + f(x + 1, y)
                           : cast<uint32_t>(f(x, y - 1)) + f(x, y) + f(x, y + 1);
            g(x, y) = cast<uint16_t>(sum / 3);
            f = g;
        }
        out(x, y) = f(x, y);
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

// Three levels down (2x2 average), then back up (nearest + blend).
class Pyramid : public Generator<Pyramid> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        const int levels = 4;
        Func down[levels], up[levels];
        down[0] = BoundaryConditions::mirror_image(input);
        for (int l = 1; l < levels; l++) {
            down[l] = Func("down_" + std::to_string(l));
            down[l](x, y) = (down[l - 1](2 * x, 2 * y) + down[l - 1](2 * x + 1, 2 * y) +
                             down[l - 1](2 * x, 2 * y + 1) + down[l - 1](2 * x + 1, 2 * y + 1)) * 0.25f;
        }
        up[levels - 1] = down[levels - 1];
        for (int l = levels - 2; l >= 0; l--) {
            up[l] = Func("up_" + std::to_string(l));
            up[l](x, y) = 0.5f * up[l + 1](x / 2, y / 2) + 0.5f * down[l](x, y);
        }
        out(x, y) = up[0](x, y);
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

// RDom scatter into 256 bins, then a cumulative distribution (a second reduction).
class Histogram : public Generator<Histogram> {
public:
    Input<Buffer<uint8_t, 2>> input{"input"};
    Output<Buffer<int32_t, 1>> out{"out"};

    void generate() {
        Var i("i");
        Func bright("bright"), hist("hist");
        bright(i, _) = input(i, _) / 2 + 64;
        RDom r(0, W, 0, H, "r");
        hist(i) = 0;
        hist(clamp(cast<int32_t>(bright(r.x, r.y)), 0, 255)) += 1;
        out(i) = hist(i) * 3;
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, 256}});
    }
};

class Boundary : public Generator<Boundary> {
public:
    Input<Buffer<uint8_t, 3>> input{"input"};
    Output<Buffer<uint8_t, 3>> out{"out"};

    void generate() {
        Var x("x"), y("y"), c("c");
        Func clamped = BoundaryConditions::constant_exterior(input, cast<uint8_t>(7));
        Func mirrored = BoundaryConditions::mirror_interior(input);
        Func edge("edge");
        edge(x, y, c) = cast<int16_t>(clamped(x - 2, y, c)) - cast<int16_t>(mirrored(x + 3, y - 1, c));
        out(x, y, c) = cast<uint8_t>(clamp(edge(x, y, c) + 128, 0, 255));
        input.set_estimates({{0, W}, {0, H}, {0, 3}});
        out.set_estimates({{0, W}, {0, H}, {0, 3}});
    }
};

// A 7-tap separable blur of a float image with a mirrored border (bench gaussian_blur): the
// boundary condition's footprint is the whole input for a tile at the border and one tile
// elsewhere, so Funcs computed inside it are realized over regions of very different sizes.
class MirroredBlur : public Generator<MirroredBlur> {
public:
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> out{"out"};

    void generate() {
        Var x("x"), y("y"), c("c");
        const float w[4] = {20 / 64.0f, 15 / 64.0f, 6 / 64.0f, 1 / 64.0f};
        Func mirrored = BoundaryConditions::mirror_interior(input);
        Func blur_x("blur_x");
        Expr sum_x = w[0] * mirrored(x, y, c);
        for (int t = 1; t <= 3; t++) {
            sum_x += w[t] * (mirrored(x - t, y, c) + mirrored(x + t, y, c));
        }
        blur_x(x, y, c) = sum_x;
        Expr sum_y = w[0] * blur_x(x, y, c);
        for (int t = 1; t <= 3; t++) {
            sum_y += w[t] * (blur_x(x, y - t, c) + blur_x(x, y + t, c));
        }
        out(x, y, c) = sum_y;
        input.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
        out.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
    }
};

class ScalarParam : public Generator<ScalarParam> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Input<float> gain{"gain"};
    Input<int32_t> offset{"offset"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        // A 0-dimensional Func: a stage with no loops, which nothing can be computed inside.
        Func scale("scale");
        scale() = gain * 0.5f;
        Func shifted("shifted");
        shifted(x, y) = input(clamp(x + offset, 0, W - 1), y) * scale();
        out(x, y) = shifted(x, y) + shifted(x, max(y - 1, 0));
        gain.set_estimate(1.5f);
        offset.set_estimate(3);
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(PointwiseMixed, pointwise_mixed)
HALIDE_REGISTER_GENERATOR(SeparableBlur, separable_blur)
HALIDE_REGISTER_GENERATOR(StencilChain, stencil_chain)
HALIDE_REGISTER_GENERATOR(Pyramid, pyramid)
HALIDE_REGISTER_GENERATOR(Histogram, histogram)
HALIDE_REGISTER_GENERATOR(Boundary, boundary)
HALIDE_REGISTER_GENERATOR(MirroredBlur, mirrored_blur)
HALIDE_REGISTER_GENERATOR(ScalarParam, scalar_param)
