// random_pipeline: the generator of random training pipelines (issue 5, DESIGN §9).
//
// One pipeline per `seed` (deterministic: the draws use only std::mt19937's specified output),
// `stages` stages (0: drawn from 2 to 40), built from 16 stage kinds over 3-D (x, y, c)
// images: convolutions (1x1 to 5x5, stride 1 or 2), max/average pooling, activations (ReLU,
// tanh, sigmoid), pointwise arithmetic on one or two earlier stages, up- and down-sampling,
// transposes, matrix-multiply-like all-to-all products along x, prefix-sum scans,
// histograms, row reductions, boundary conditions with stencils, separable blurs, and casts
// between u8, u16, i32 and f32. Every stage reads one or two earlier stages (drawn with a bias
// to recent ones, so fan-out arises naturally). The input is wrapped in a boundary condition,
// so every Func is defined everywhere and any schedule computes the same values.
//
// Sizes are drawn so that one run of a good schedule takes roughly 0.1-50 ms here: the image
// size from 96 to 512, channel counts up to 16, the work of each stage capped, and a pipeline
// whose estimated work falls below a floor drawn again from a base image up to 4x larger
// each way.
//
// `reference=true` computes every Func at root: the correctness oracle for the collector
// (the same values as the unscheduled pipeline under strict_float, without its exponential
// inlining).
#include "Halide.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace Halide;

// A stage's result: a Func over (x, y, c) with the extents its consumers use.
struct Node {
    Func f;
    int w, h, c;
    Type type;
};

// Uniform integers from mt19937's raw output (its sequence is specified by the standard;
// std::uniform_int_distribution's is not).
class Draw {
public:
    explicit Draw(uint32_t seed) : rng_(seed) {}
    int below(int n) { return int(rng_() % uint32_t(n)); }
    int in(int lo, int hi) { return lo + below(hi - lo + 1); }
    bool chance(int percent) { return below(100) < percent; }
    template<typename T>
    const T &pick(const std::vector<T> &v) { return v[below(int(v.size()))]; }

private:
    std::mt19937 rng_;
};

// Most multiply-adds a stage may cost per run, and the estimated work after which no heavy
// stage is added (together they keep one run within tens of milliseconds).
constexpr double kMaxStageWork = 3e7;
constexpr double kMaxPipelineWork = 6e7;
// Least estimated work of a pipeline (below it, the base image grows).
constexpr double kMinPipelineWork = 1e7;

Expr as_float(const Node &n, Expr x, Expr y, Expr c) {
    Expr v = n.f(x, y, c);
    return n.type.is_float() ? v : cast<float>(v);
}

// Converts a float value back to `t` (saturating for integers).
Expr from_float(Type t, Expr v) {
    if (t.is_float()) {
        return v;
    }
    return saturating_cast(t, floor(v));
}

class RandomPipeline : public Generator<RandomPipeline> {
public:
    GeneratorParam<int> seed{"seed", 0};
    GeneratorParam<int> stages{"stages", 0};
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        // Draw the pipeline; while its estimated work is below the floor, draw it again (same
        // seed, so the same structure where sizes allow) from a base image twice as large.
        for (int grow = 0;; grow++) {
            Draw draw(uint32_t(int(seed)) * 2654435761u + 12345u);
            const int count = int(stages) > 0 ? int(stages) : draw.in(2, 40);
            int w0 = draw.pick(std::vector<int>{96, 128, 192, 256, 384, 512});
            int h0 = draw.pick(std::vector<int>{96, 128, 192, 256, 384});
            const int c0 = draw.pick(std::vector<int>{1, 3, 4, 8});
            h0 <<= (grow + 1) / 2;
            w0 <<= grow / 2;
            nodes.clear();
            helpers.clear();
            work_so_far = 0;
            Func clamped = BoundaryConditions::repeat_edge(input, {{0, w0}, {0, h0}, {0, c0}});
            nodes.push_back(Node{clamped, w0, h0, c0, Float(32)});
            for (int k = 0; k < count; k++) {
                add_stage(draw, k);
            }
            if (work_so_far >= kMinPipelineWork || grow == 4) {
                input_w = w0, input_h = h0, input_c = c0;
                break;
            }
        }
        const Node &last = nodes.back();
        output(x, y, c) = as_float(last, x, y, c);
        input.set_estimates({{0, input_w}, {0, input_h}, {0, input_c}});
        output.set_estimates({{0, last.w}, {0, last.h}, {0, last.c}});
        if (reference) {
            for (size_t i = 1; i < nodes.size(); i++) {
                nodes[i].f.compute_root();
            }
            for (Func &f : helpers) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"};
    std::vector<Node> nodes;
    std::vector<Func> helpers;  // Funcs that are not stage results (weights, histograms)
    double work_so_far = 0;     // points touched so far, heavy stages counted 9 times
    int input_w = 0, input_h = 0, input_c = 0;

    // An earlier node, biased to recent ones.
    const Node &source(Draw &draw) {
        int n = int(nodes.size());
        int back = std::min(draw.below(4) == 0 ? draw.below(n) : draw.below(std::min(n, 3)), n - 1);
        return nodes[n - 1 - back];
    }

    Func stage(int k, const char *kind) {
        return Func("s" + std::to_string(k) + "_" + kind);
    }

    void push(Func f, int w, int h, int ch, Type t) {
        nodes.push_back(Node{f, std::max(w, 1), std::max(h, 1), std::max(ch, 1), t});
    }

    // A deterministic weight Func w(i, j, a, b) in [-0.5, 0.5].
    Func weights(int k, int salt) {
        Func wt("s" + std::to_string(k) + "_weights");
        Var i, j, a, b;
        wt(i, j, a, b) = cast<float>(((i * 7 + j * 13 + a * 5 + b * 3 + salt) % 17) - 8) / 16.0f;
        helpers.push_back(wt);
        return wt;
    }

    // Stage kinds that shrink the image, and the heavy ones (reductions over many points).
    static bool shrinks(int kind) { return kind == 1 || kind == 6; }
    static bool heavy(int kind) { return kind == 0 || kind == 8 || kind == 15; }

    void add_stage(Draw &draw, int k) {
        const Node in = source(draw);
        const double points = double(in.w) * in.h * in.c;
        int kind = draw.below(16);
        // Keep run times in range: no shrinking below 24 pixels (the pipeline would do almost
        // nothing), no heavy stage once the pipeline's estimated work is spent.
        if ((shrinks(kind) && std::min(in.w, in.h) < 48) ||
            (heavy(kind) && work_so_far > kMaxPipelineWork)) {
            kind = draw.chance(50) ? 2 : 4;
        }
        work_so_far += points * (heavy(kind) ? 9.0 : 1.0);
        switch (kind) {
        case 0: {  // convolution: k x k, stride 1 or 2, some output channels
            int ks = draw.pick(std::vector<int>{1, 3, 5});
            int stride = draw.chance(30) ? 2 : 1;
            int cout = draw.pick(std::vector<int>{in.c, std::max(1, in.c / 2), 4, 8, 16});
            int ow = std::max(1, (in.w - ks) / stride + 1), oh = std::max(1, (in.h - ks) / stride + 1);
            while (double(ow) * oh * cout * ks * ks * in.c > kMaxStageWork && cout > 1) {
                cout /= 2;
            }
            if (double(ow) * oh * cout * ks * ks * in.c > kMaxStageWork) {
                ks = 1;
            }
            Func wt = weights(k, ks);
            RDom r(0, ks, 0, ks, 0, in.c);
            Func f = stage(k, "conv");
            f(x, y, c) = 0.0f;
            f(x, y, c) += wt(r.x, r.y, r.z, c) * as_float(in, x * stride + r.x, y * stride + r.y, r.z);
            push(f, ow, oh, cout, Float(32));
            break;
        }
        case 1: {  // pooling 2x2 stride 2, max or average
            bool max_pool = draw.chance(50);
            RDom r(0, 2, 0, 2);
            Func f = stage(k, max_pool ? "maxpool" : "avgpool");
            Expr v = as_float(in, 2 * x + r.x, 2 * y + r.y, c);
            f(x, y, c) = max_pool ? maximum(v) : sum(v) * 0.25f;
            push(f, in.w / 2, in.h / 2, in.c, Float(32));
            break;
        }
        case 2: {  // activation
            int which = draw.below(3);
            Expr v = as_float(in, x, y, c);
            Func f = stage(k, which == 0 ? "relu" : which == 1 ? "tanh" : "sigmoid");
            f(x, y, c) = which == 0 ? max(v, 0.0f) : which == 1 ? tanh(v) : 1.0f / (1.0f + exp(-v));
            push(f, in.w, in.h, in.c, Float(32));
            break;
        }
        case 3: {  // pointwise arithmetic on two earlier stages
            const Node other = source(draw);
            int op = draw.below(4);
            Expr a = as_float(in, x, y, c), b = as_float(other, x, y, c % other.c);
            Func f = stage(k, "binary");
            f(x, y, c) = op == 0 ? a + b : op == 1 ? a * b : op == 2 ? a - 0.5f * b : max(a, b);
            push(f, std::min(in.w, other.w), std::min(in.h, other.h), in.c, Float(32));
            break;
        }
        case 4: {  // pointwise scale and shift, in the source's own type
            Func f = stage(k, "affine");
            Expr v = as_float(in, x, y, c) * 0.75f + 3.0f;
            f(x, y, c) = from_float(in.type, v);
            push(f, in.w, in.h, in.c, in.type);
            break;
        }
        case 5: {  // upsample x2, nearest or linear
            Func f = stage(k, "upsample");
            if (draw.chance(50)) {
                f(x, y, c) = in.f(x / 2, y / 2, c);
                push(f, in.w * 2, in.h * 2, in.c, in.type);
            } else {
                Expr a = as_float(in, x / 2, y / 2, c), b = as_float(in, (x + 1) / 2, (y + 1) / 2, c);
                f(x, y, c) = (a + b) * 0.5f;
                push(f, in.w * 2, in.h * 2, in.c, Float(32));
            }
            break;
        }
        case 6: {  // downsample x2 with a [1 2 1] filter
            Func f = stage(k, "downsample");
            f(x, y, c) = (as_float(in, 2 * x - 1, 2 * y, c) + 2.0f * as_float(in, 2 * x, 2 * y, c) +
                          as_float(in, 2 * x + 1, 2 * y, c)) * 0.25f;
            push(f, in.w / 2, in.h / 2, in.c, Float(32));
            break;
        }
        case 7: {  // transpose
            Func f = stage(k, "transpose");
            f(x, y, c) = in.f(y, x, c);
            push(f, in.h, in.w, in.c, in.type);
            break;
        }
        case 8: {  // all-to-all product along x (a matrix multiply per row and channel)
            int ow = draw.pick(std::vector<int>{16, 32, 64});
            while (double(ow) * in.w * in.h * in.c > kMaxStageWork && ow > 4) {
                ow /= 2;
            }
            Func wt = weights(k, 1);
            RDom r(0, in.w);
            Func f = stage(k, "matmul");
            f(x, y, c) = 0.0f;
            f(x, y, c) += wt(x, r, 0, 0) * as_float(in, r, y, c);
            push(f, ow, in.h, in.c, Float(32));
            break;
        }
        case 9: {  // prefix sum along x (a scan)
            Func f = stage(k, "scan");
            RDom r(1, std::max(in.w - 1, 1));
            f(x, y, c) = as_float(in, x, y, c);
            f(r, y, c) = f(r - 1, y, c) * 0.5f + as_float(in, r, y, c);
            push(f, in.w, in.h, in.c, Float(32));
            break;
        }
        case 10: {  // histogram of 16 bins per channel, used to re-weight the image
            Func hist("s" + std::to_string(k) + "_hist");
            Var b;
            RDom r(0, in.w, 0, in.h);
            Expr bin = clamp(cast<int>(as_float(in, r.x, r.y, c) * 4.0f), 0, 15);
            hist(b, c) = 0;
            hist(bin, c) += 1;
            helpers.push_back(hist);
            Func f = stage(k, "equalize");
            Expr v = as_float(in, x, y, c);
            f(x, y, c) = v * cast<float>(hist(clamp(cast<int>(v * 4.0f), 0, 15), c)) / float(in.w * in.h);
            push(f, in.w, in.h, in.c, Float(32));
            break;
        }
        case 11: {  // row reduction, broadcast back (normalize each row)
            Func total("s" + std::to_string(k) + "_rowsum");
            RDom r(0, in.w);
            total(y, c) = sum(abs(as_float(in, r, y, c))) + 1.0f;
            helpers.push_back(total);
            Func f = stage(k, "rownorm");
            f(x, y, c) = as_float(in, x, y, c) / total(y, c);
            push(f, in.w, in.h, in.c, Float(32));
            break;
        }
        case 12: {  // boundary condition, then a 3x3 stencil in the source's type
            Func bounded = BoundaryConditions::mirror_interior(in.f, {{0, in.w}, {0, in.h}});
            helpers.push_back(bounded);
            Func f = stage(k, "stencil");
            // Integers sum in 32 bits, except 32-bit ones: twelve times a full-range int32
            // overflows (undefined in Halide; seed 701's constant folding reports it).
            Type acc = in.type.is_float() ? Float(32) : in.type == Int(32) ? Int(64) : Int(32);
            Expr s = cast(acc, 0);
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    s += cast(acc, bounded(x + dx, y + dy, c)) * ((dx == 0 && dy == 0) ? 4 : 1);
                }
            }
            f(x, y, c) = in.type.is_float() ? cast(in.type, s / 12.0f) : cast(in.type, s / 12);
            push(f, in.w, in.h, in.c, in.type);
            break;
        }
        case 13: {  // separable 5-tap blur: two stages
            Func blur_x = stage(k, "blur_x");
            blur_x(x, y, c) = (as_float(in, x - 2, y, c) + as_float(in, x + 2, y, c) +
                               4.0f * (as_float(in, x - 1, y, c) + as_float(in, x + 1, y, c)) +
                               6.0f * as_float(in, x, y, c)) / 16.0f;
            helpers.push_back(blur_x);
            Func f = stage(k, "blur_y");
            f(x, y, c) = (blur_x(x, y - 2, c) + blur_x(x, y + 2, c) +
                          4.0f * (blur_x(x, y - 1, c) + blur_x(x, y + 1, c)) + 6.0f * blur_x(x, y, c)) / 16.0f;
            push(f, in.w, in.h, in.c, Float(32));
            break;
        }
        case 14: {  // cast to another type
            Type t = draw.pick(std::vector<Type>{UInt(8), UInt(16), Int(32), Float(32)});
            Func f = stage(k, "cast");
            Expr v = as_float(in, x, y, c);
            f(x, y, c) = t.is_float() ? v : saturating_cast(t, floor(v * 16.0f));
            push(f, in.w, in.h, in.c, t);
            break;
        }
        default: {  // channel mixing (1x1 convolution, all-to-all along c)
            int cout = draw.pick(std::vector<int>{2, 4, 8, 16});
            while (points * cout > kMaxStageWork && cout > 1) {
                cout /= 2;
            }
            Func wt = weights(k, 2);
            RDom r(0, in.c);
            Func f = stage(k, "mix");
            f(x, y, c) = 0.0f;
            f(x, y, c) += wt(r, c, 0, 0) * as_float(in, x, y, r);
            push(f, in.w, in.h, cout, Float(32));
            break;
        }
        }
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(RandomPipeline, random_pipeline)
