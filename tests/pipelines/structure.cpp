// tests/pipelines/structure.cpp — test pipelines that exercise graph and definition structure:
// matrix multiply, a 4-D conv layer with ReLU, max pooling, a scan, multiple outputs, a
// Tuple-valued Func, several updates, a diamond, and patch distances (calls whose arguments
// Halide shares in lets). Estimates on every input and output.
#include "Halide.h"

using namespace Halide;

namespace {

class MatMul : public Generator<MatMul> {
public:
    Input<Buffer<float, 2>> a{"a"};
    Input<Buffer<float, 2>> b{"b"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        const int N = 128;
        Var x("x"), y("y");
        RDom k(0, N, "k");
        Func prod("prod");
        prod(x, y) = 0.0f;
        prod(x, y) += a(k, y) * b(x, k);
        out(x, y) = prod(x, y);
        a.set_estimates({{0, N}, {0, N}});
        b.set_estimates({{0, N}, {0, N}});
        out.set_estimates({{0, N}, {0, N}});
    }
};

// input(c, x, y, n), weights(c, kx, ky, co): 3x3 conv, bias, ReLU.
class ConvRelu : public Generator<ConvRelu> {
public:
    Input<Buffer<float, 4>> input{"input"};
    Input<Buffer<float, 4>> weights{"weights"};
    Input<Buffer<float, 1>> bias{"bias"};
    Output<Buffer<float, 4>> out{"out"};

    void generate() {
        const int CI = 8, CO = 16, X = 32, Y = 24, N = 2;
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, CI, 0, 3, 0, 3, "r");
        Func conv("conv");
        conv(c, x, y, n) = bias(c);
        conv(c, x, y, n) += weights(r.x, r.y, r.z, c) * input(r.x, x + r.y, y + r.z, n);
        out(c, x, y, n) = max(conv(c, x, y, n), 0.0f);
        input.set_estimates({{0, CI}, {0, X + 2}, {0, Y + 2}, {0, N}});
        weights.set_estimates({{0, CI}, {0, 3}, {0, 3}, {0, CO}});
        bias.set_estimates({{0, CO}});
        out.set_estimates({{0, CO}, {0, X}, {0, Y}, {0, N}});
    }
};

class MaxPool : public Generator<MaxPool> {
public:
    Input<Buffer<float, 4>> input{"input"};
    Output<Buffer<float, 4>> out{"out"};

    void generate() {
        const int C = 16, X = 32, Y = 32, N = 2;
        Var c("c"), x("x"), y("y"), n("n");
        RDom r(0, 3, 0, 3, "r");
        Func relu("relu"), pool("pool");
        relu(c, x, y, n) = max(input(c, x, y, n), 0.0f);
        pool(c, x, y, n) = maximum(relu(c, 2 * x + r.x, 2 * y + r.y, n));
        out(c, x, y, n) = pool(c, x, y, n);
        input.set_estimates({{0, C}, {0, 2 * X + 1}, {0, 2 * Y + 1}, {0, N}});
        out.set_estimates({{0, C}, {0, X}, {0, Y}, {0, N}});
    }
};

// Running sum along x: an update along an RVar that reads its own previous value.
class Scan : public Generator<Scan> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        const int W = 200, H = 64;
        Var x("x"), y("y");
        RDom r(1, W - 1, "r");
        Func scaled("scaled"), cumulative("cumulative");
        scaled(x, y) = input(x, y) * 0.5f;
        cumulative(x, y) = scaled(x, y);
        cumulative(r, y) = cumulative(r - 1, y) + cumulative(r, y);
        out(x, y) = cumulative(x, y);
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

class MultiOutput : public Generator<MultiOutput> {
public:
    Input<Buffer<uint16_t, 2>> input{"input"};
    Output<Buffer<uint16_t, 2>> sum{"sum"};
    Output<Buffer<int32_t, 2>> diff{"diff"};

    void generate() {
        Var x("x"), y("y");
        Func smooth("smooth");
        smooth(x, y) = (input(x, y) + input(x + 1, y)) / 2;
        sum(x, y) = smooth(x, y) + smooth(x, y + 1);
        diff(x, y) = cast<int32_t>(smooth(x, y)) - cast<int32_t>(input(x, y));
        input.set_estimates({{0, 201}, {0, 101}});
        sum.set_estimates({{0, 200}, {0, 100}});
        diff.set_estimates({{0, 200}, {0, 100}});
    }
};

// A Tuple-valued Func (running min and max over a window), output as a Tuple.
class TupleFunc : public Generator<TupleFunc> {
public:
    Input<Buffer<int16_t, 2>> input{"input"};
    Output<Func> out{"out", {Int(16), Int(16)}, 2};

    void generate() {
        Var x("x"), y("y");
        RDom r(0, 5, "r");
        Func range("range");
        range(x, y) = Tuple(input(x, y), input(x, y));
        range(x, y) = Tuple(min(range(x, y)[0], input(x + r, y)), max(range(x, y)[1], input(x + r, y)));
        out(x, y) = Tuple(range(x, y)[0], cast<int16_t>(range(x, y)[1] - range(x, y)[0]));
        input.set_estimates({{0, 164}, {0, 80}});
        out.set_estimates({{0, 160}, {0, 80}});
    }
};

// One Func, three updates: a pure var update, a row write, and a clamped scatter.
class MultiUpdate : public Generator<MultiUpdate> {
public:
    Input<Buffer<int32_t, 2>> input{"input"};
    Output<Buffer<int32_t, 2>> out{"out"};

    void generate() {
        const int W = 128, H = 96;
        Var x("x"), y("y");
        RDom r(0, W, "r");
        Func f("f");
        f(x, y) = (input(x, y) >> 4) & 0xffff;
        f(x, y) = f(x, y) * 3 + 1;
        f(r, 0) = f(r, 0) + f(r, 1);
        f(x, y) = select(x % 2 == 0, f(x, y), -f(x, y));
        out(x, y) = f(x, y) + 5;
        input.set_estimates({{0, W}, {0, H}});
        out.set_estimates({{0, W}, {0, H}});
    }
};

class Diamond : public Generator<Diamond> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func top("top"), left("left"), right("right");
        top(x, y) = input(x, y) * input(x, y) + 1.0f;
        left(x, y) = top(x, y) + top(x + 1, y);
        right(x, y) = top(x, y) * top(x, y + 1);
        out(x, y) = left(x, y) - right(x, y);
        input.set_estimates({{0, 241}, {0, 181}});
        out.set_estimates({{0, 240}, {0, 180}});
    }
};

}  // namespace

// The squared difference of each pixel's three channels and its neighbour's at (dx, dy), as
// in non-local means: Halide keeps the repeated `x + dx` and `y + dy` of the calls in lets.
class PatchDistance : public Generator<PatchDistance> {
public:
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 4>> out{"out"};

    void generate() {
        Var x("x"), y("y"), dx("dx"), dy("dy");
        Func clamped = BoundaryConditions::repeat_edge(input);
        Expr distance = 0.0f;
        for (int c = 0; c < 3; c++) {
            Expr d = clamped(x, y, c) - clamped(x + dx, y + dy, c);
            distance += d * d;
        }
        out(x, y, dx, dy) = distance;
        input.set_estimates({{0, 64}, {0, 48}, {0, 3}});
        out.set_estimates({{0, 64}, {0, 48}, {-2, 5}, {-2, 5}});
    }
};

HALIDE_REGISTER_GENERATOR(MatMul, matmul)
HALIDE_REGISTER_GENERATOR(ConvRelu, conv_relu)
HALIDE_REGISTER_GENERATOR(MaxPool, max_pool)
HALIDE_REGISTER_GENERATOR(Scan, scan)
HALIDE_REGISTER_GENERATOR(MultiOutput, multi_output)
HALIDE_REGISTER_GENERATOR(TupleFunc, tuple_func)
HALIDE_REGISTER_GENERATOR(MultiUpdate, multi_update)
HALIDE_REGISTER_GENERATOR(Diamond, diamond)
HALIDE_REGISTER_GENERATOR(PatchDistance, patch_distance)
