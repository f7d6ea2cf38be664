// bench/pipelines/dnn_apps.cpp — deep-learning benchmark pipelines: a conv-conv-pool block,
// a depthwise-separable convolution and a matrix multiply. Tensors are laid out (c, x, y, n),
// channels innermost. Every generator sets estimates on all its inputs and outputs; with
// reference=true every intermediate Func is compute_root, otherwise the pipeline is left
// unscheduled for an autoscheduler.
#include "Halide.h"

using namespace Halide;

namespace {

// Two 3x3 convolutions (32 -> 32 channels, zero padding) each with bias and ReLU, then 2x2
// max pooling, on 64x64 images in a batch of 4. Weights are (c_out, kx, ky, c_in).
class ConvNetBlock : public Generator<ConvNetBlock> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 4>> input{"input"};
    Input<Buffer<float, 4>> weights1{"weights1"};
    Input<Buffer<float, 1>> bias1{"bias1"};
    Input<Buffer<float, 4>> weights2{"weights2"};
    Input<Buffer<float, 1>> bias2{"bias2"};
    Output<Buffer<float, 4>> output{"output"};

    void generate() {
        const int C = 32, W = 64, H = 64, N = 4;
        Expr x_min = input.dim(1).min(), x_max = input.dim(1).max();
        Expr y_min = input.dim(2).min(), y_max = input.dim(2).max();

        padded = BoundaryConditions::constant_exterior(
            input, 0.0f, {{Expr(), Expr()}, {x_min, input.dim(1).extent()},
                          {y_min, input.dim(2).extent()}, {Expr(), Expr()}});

        RDom r1(0, C, 0, 3, 0, 3, "r1");
        conv1(c, x, y, n) = bias1(c);
        conv1(c, x, y, n) +=
            weights1(c, r1.y, r1.z, r1.x) * padded(r1.x, x + r1.y - 1, y + r1.z - 1, n);
        relu1(c, x, y, n) = max(conv1(c, x, y, n), 0.0f);

        // Zero padding of the first layer's output.
        Expr inside = x >= x_min && x <= x_max && y >= y_min && y <= y_max;
        relu1_padded(c, x, y, n) =
            select(inside, relu1(c, clamp(x, x_min, x_max), clamp(y, y_min, y_max), n), 0.0f);

        RDom r2(0, C, 0, 3, 0, 3, "r2");
        conv2(c, x, y, n) = bias2(c);
        conv2(c, x, y, n) +=
            weights2(c, r2.y, r2.z, r2.x) * relu1_padded(r2.x, x + r2.y - 1, y + r2.z - 1, n);
        relu2(c, x, y, n) = max(conv2(c, x, y, n), 0.0f);

        // 2x2 max pooling.
        Expr x2 = 2 * x, y2 = 2 * y;
        output(c, x, y, n) = max(max(relu2(c, x2, y2, n), relu2(c, x2 + 1, y2, n)),
                                 max(relu2(c, x2, y2 + 1, n), relu2(c, x2 + 1, y2 + 1, n)));

        input.set_estimates({{0, C}, {0, W}, {0, H}, {0, N}});
        weights1.set_estimates({{0, C}, {0, 3}, {0, 3}, {0, C}});
        bias1.set_estimates({{0, C}});
        weights2.set_estimates({{0, C}, {0, 3}, {0, 3}, {0, C}});
        bias2.set_estimates({{0, C}});
        output.set_estimates({{0, C}, {0, W / 2}, {0, H / 2}, {0, N}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {padded, conv1, relu1, relu1_padded, conv2, relu2}) {
                f.compute_root();
            }
        }
    }

private:
    Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
    Func padded;
    Func conv1{"conv1"}, relu1{"relu1"}, relu1_padded{"relu1_padded"};
    Func conv2{"conv2"}, relu2{"relu2"};
};

// MobileNet-style block: 3x3 depthwise convolution (64 channels, zero padding) with bias and
// ReLU, then a 1x1 pointwise convolution (64 -> 128 channels) with bias and ReLU, on 112x112.
// Depthwise weights are (c, kx, ky), pointwise weights (c_out, c_in).
class DepthwiseSeparableConv : public Generator<DepthwiseSeparableConv> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 4>> input{"input"};
    Input<Buffer<float, 3>> dw_weights{"dw_weights"};
    Input<Buffer<float, 1>> dw_bias{"dw_bias"};
    Input<Buffer<float, 2>> pw_weights{"pw_weights"};
    Input<Buffer<float, 1>> pw_bias{"pw_bias"};
    Output<Buffer<float, 4>> output{"output"};

    void generate() {
        const int CI = 64, CO = 128, W = 112, H = 112, N = 1;
        padded = BoundaryConditions::constant_exterior(
            input, 0.0f, {{Expr(), Expr()}, {input.dim(1).min(), input.dim(1).extent()},
                          {input.dim(2).min(), input.dim(2).extent()}, {Expr(), Expr()}});

        RDom r(0, 3, 0, 3, "r");
        depthwise(c, x, y, n) = dw_bias(c);
        depthwise(c, x, y, n) += dw_weights(c, r.x, r.y) * padded(c, x + r.x - 1, y + r.y - 1, n);
        dw_relu(c, x, y, n) = max(depthwise(c, x, y, n), 0.0f);

        RDom rc(0, CI, "rc");
        pointwise(c, x, y, n) = pw_bias(c);
        pointwise(c, x, y, n) += pw_weights(c, rc) * dw_relu(rc, x, y, n);

        output(c, x, y, n) = max(pointwise(c, x, y, n), 0.0f);

        input.set_estimates({{0, CI}, {0, W}, {0, H}, {0, N}});
        dw_weights.set_estimates({{0, CI}, {0, 3}, {0, 3}});
        dw_bias.set_estimates({{0, CI}});
        pw_weights.set_estimates({{0, CO}, {0, CI}});
        pw_bias.set_estimates({{0, CO}});
        output.set_estimates({{0, CO}, {0, W}, {0, H}, {0, N}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {padded, depthwise, dw_relu, pointwise}) {
                f.compute_root();
            }
        }
    }

private:
    Var c{"c"}, x{"x"}, y{"y"}, n{"n"};
    Func padded;
    Func depthwise{"depthwise"}, dw_relu{"dw_relu"}, pointwise{"pointwise"};
};

// C = A * B for 512x512 float matrices, indexed (column, row).
class MatMul : public Generator<MatMul> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 2>> a{"a"};
    Input<Buffer<float, 2>> b{"b"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        const int N = 512;
        RDom k(0, N, "k");
        prod(x, y) = 0.0f;
        prod(x, y) += a(k, y) * b(x, k);
        output(x, y) = prod(x, y);

        a.set_estimates({{0, N}, {0, N}});
        b.set_estimates({{0, N}, {0, N}});
        output.set_estimates({{0, N}, {0, N}});
    }

    void schedule() {
        if (reference) {
            prod.compute_root();
        }
    }

private:
    Var x{"x"}, y{"y"};
    Func prod{"prod"};
};

}  // namespace

HALIDE_REGISTER_GENERATOR(ConvNetBlock, conv_net_block)
HALIDE_REGISTER_GENERATOR(DepthwiseSeparableConv, depthwise_separable_conv)
HALIDE_REGISTER_GENERATOR(MatMul, matmul)
