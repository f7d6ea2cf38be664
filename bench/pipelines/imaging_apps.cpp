// bench/pipelines/imaging_apps.cpp — image-processing benchmark pipelines modelled on Halide's
// apps: bilateral grid, local Laplacian, unsharp mask, Gaussian blur, max filter, non-local
// means and a 16-stage stencil chain. Every generator sets estimates on all its inputs and
// outputs; with reference=true every intermediate Func is compute_root, otherwise the
// pipeline is left unscheduled for an autoscheduler.
#include "Halide.h"

#include <string>
#include <vector>

using namespace Halide;

namespace {

// Bilateral grid (Chen et al. 2007), after apps/bilateral_grid: scatter each s x s tile into
// an intensity-binned grid of (value, weight), blur the grid in z, x and y, then slice it
// with trilinear interpolation.
class BilateralGrid : public Generator<BilateralGrid> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 2>> input{"input"};
    Input<float> r_sigma{"r_sigma"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        const int s = 8;  // spatial sigma: grid cell size in pixels
        clamped = BoundaryConditions::repeat_edge(input);

        // Intensities are clamped to [0, 1], so grid z coordinates lie in [0, 1 / r_sigma].
        Expr inv_r = 1.0f / max(r_sigma, 0.01f);
        RDom r(0, s, 0, s, "r");
        Expr val = clamp(clamped(x * s + r.x - s / 2, y * s + r.y - s / 2), 0.0f, 1.0f);
        Expr zi = cast<int>(val * inv_r + 0.5f);
        histogram(x, y, z, c) = 0.0f;
        histogram(x, y, zi, c) += select(c == 0, val, 1.0f);

        // [1 4 6 4 1] blur along z, x, then y.
        blur_z(x, y, z, c) = histogram(x, y, z - 2, c) + 4.0f * histogram(x, y, z - 1, c) +
                             6.0f * histogram(x, y, z, c) + 4.0f * histogram(x, y, z + 1, c) +
                             histogram(x, y, z + 2, c);
        blur_x(x, y, z, c) = blur_z(x - 2, y, z, c) + 4.0f * blur_z(x - 1, y, z, c) +
                             6.0f * blur_z(x, y, z, c) + 4.0f * blur_z(x + 1, y, z, c) +
                             blur_z(x + 2, y, z, c);
        blur_y(x, y, z, c) = blur_x(x, y - 2, z, c) + 4.0f * blur_x(x, y - 1, z, c) +
                             6.0f * blur_x(x, y, z, c) + 4.0f * blur_x(x, y + 1, z, c) +
                             blur_x(x, y + 2, z, c);

        // Trilinear slice at each pixel's (x / s, y / s, intensity / r_sigma).
        Expr zv = clamp(clamped(x, y), 0.0f, 1.0f) * inv_r;
        Expr zs = cast<int>(zv);
        Expr zf = zv - zs;
        Expr xs = x / s, ys = y / s;
        Expr xf = cast<float>(x % s) / s;
        Expr yf = cast<float>(y % s) / s;
        auto bilerp = [&](Expr zz) {
            return lerp(lerp(blur_y(xs, ys, zz, c), blur_y(xs + 1, ys, zz, c), xf),
                        lerp(blur_y(xs, ys + 1, zz, c), blur_y(xs + 1, ys + 1, zz, c), xf), yf);
        };
        interpolated(x, y, c) = lerp(bilerp(zs), bilerp(zs + 1), zf);

        output(x, y) = interpolated(x, y, 0) / max(interpolated(x, y, 1), 1e-6f);

        input.set_estimates({{0, 1536}, {0, 1024}});
        r_sigma.set_estimate(0.1f);
        output.set_estimates({{0, 1536}, {0, 1024}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {clamped, histogram, blur_z, blur_x, blur_y, interpolated}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, z{"z"}, c{"c"};
    Func clamped;
    Func histogram{"histogram"}, blur_z{"blur_z"}, blur_x{"blur_x"}, blur_y{"blur_y"};
    Func interpolated{"interpolated"};
};

// Local Laplacian filter (Paris et al. 2011), after apps/local_laplacian, with 4 pyramid
// levels and 8 intensity levels: a Gaussian and Laplacian pyramid per intensity level of the
// remapped image, per-pixel interpolation between levels, then collapse and recolor.
class LocalLaplacian : public Generator<LocalLaplacian> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<uint16_t, 3>> input{"input"};
    Input<float> alpha{"alpha"};
    Input<float> beta{"beta"};
    Output<Buffer<uint16_t, 3>> output{"output"};

    void generate() {
        const int J = 4;  // pyramid levels
        const int K = 8;  // intensity levels

        // Detail remapping curve, as a lookup table with 256 entries per intensity level.
        Func remap = stage("remap");
        Expr fx = cast<float>(i) / 256.0f;
        remap(i) = alpha * fx * exp(-fx * fx / 2.0f);

        Func clamped = BoundaryConditions::repeat_edge(input);
        stages.push_back(clamped);
        Func floating = stage("floating");
        floating(x, y, c) = clamped(x, y, c) / 65535.0f;
        Func gray = stage("gray");
        gray(x, y) = 0.299f * floating(x, y, 0) + 0.587f * floating(x, y, 1) +
                     0.114f * floating(x, y, 2);

        // Gaussian pyramid of the image remapped around each intensity level k. The table is
        // read with linear interpolation, so that the result is continuous in gray.
        std::vector<Func> g_pyr(J), l_pyr(J), in_pyr(J), out_l_pyr(J), out_g_pyr(J);
        g_pyr[0] = stage("g_pyr_0");
        Expr level = k * (1.0f / (K - 1));
        Expr pos = clamp(gray(x, y), 0.0f, 1.0f) * ((K - 1) * 256.0f);
        Expr idx = clamp(cast<int>(pos), 0, (K - 1) * 256 - 1);
        Expr frac = pos - cast<float>(idx);
        Expr detail = lerp(remap(idx - 256 * k), remap(idx + 1 - 256 * k), frac);
        g_pyr[0](x, y, k) = beta * (gray(x, y) - level) + level + detail;
        for (int j = 1; j < J; j++) {
            g_pyr[j] = downsample(g_pyr[j - 1], "g_pyr_" + std::to_string(j));
        }

        // Its Laplacian pyramid.
        l_pyr[J - 1] = g_pyr[J - 1];
        for (int j = J - 2; j >= 0; j--) {
            Func up = upsample(g_pyr[j + 1], "g_pyr_up_" + std::to_string(j));
            l_pyr[j] = stage("l_pyr_" + std::to_string(j));
            l_pyr[j](x, y, k) = g_pyr[j](x, y, k) - up(x, y, k);
        }

        // Gaussian pyramid of the input.
        in_pyr[0] = gray;
        for (int j = 1; j < J; j++) {
            in_pyr[j] = downsample(in_pyr[j - 1], "in_pyr_" + std::to_string(j));
        }

        // Output Laplacian pyramid: at each pixel, interpolate between the two processed
        // pyramids whose intensity levels bracket the input pyramid's value.
        for (int j = 0; j < J; j++) {
            Expr lv = clamp(in_pyr[j](x, y), 0.0f, 1.0f) * (K - 1);
            Expr li = clamp(cast<int>(lv), 0, K - 2);
            Expr lf = lv - cast<float>(li);
            out_l_pyr[j] = stage("out_l_pyr_" + std::to_string(j));
            out_l_pyr[j](x, y) = (1.0f - lf) * l_pyr[j](x, y, li) + lf * l_pyr[j](x, y, li + 1);
        }

        // Collapse it.
        out_g_pyr[J - 1] = out_l_pyr[J - 1];
        for (int j = J - 2; j >= 0; j--) {
            Func up = upsample(out_g_pyr[j + 1], "out_g_pyr_up_" + std::to_string(j));
            out_g_pyr[j] = stage("out_g_pyr_" + std::to_string(j));
            out_g_pyr[j](x, y) = up(x, y) + out_l_pyr[j](x, y);
        }

        // Reintroduce color and convert back to 16 bits.
        Func color = stage("color");
        const float eps = 0.01f;
        color(x, y, c) = out_g_pyr[0](x, y) * (floating(x, y, c) + eps) / (gray(x, y) + eps);
        output(x, y, c) = cast<uint16_t>(clamp(color(x, y, c), 0.0f, 1.0f) * 65535.0f);

        input.set_estimates({{0, 768}, {0, 512}, {0, 3}});
        alpha.set_estimate(1.0f);
        beta.set_estimate(1.0f);
        output.set_estimates({{0, 768}, {0, 512}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            for (Func &f : stages) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"}, k{"k"}, i{"i"};
    std::vector<Func> stages;

    Func stage(const std::string &name) {
        stages.emplace_back(name);
        return stages.back();
    }

    // [1 3 3 1] / 8 downsampling by 2 in x then y; extra dimensions pass through.
    Func downsample(Func f, const std::string &name) {
        Func dx = stage(name + "_x"), dy = stage(name);
        dx(x, y, _) = (f(2 * x - 1, y, _) + 3.0f * (f(2 * x, y, _) + f(2 * x + 1, y, _)) +
                       f(2 * x + 2, y, _)) / 8.0f;
        dy(x, y, _) = (dx(x, 2 * y - 1, _) + 3.0f * (dx(x, 2 * y, _) + dx(x, 2 * y + 1, _)) +
                       dx(x, 2 * y + 2, _)) / 8.0f;
        return dy;
    }

    // Linear upsampling by 2 in x then y.
    Func upsample(Func f, const std::string &name) {
        Func ux = stage(name + "_x"), uy = stage(name);
        ux(x, y, _) = lerp(f((x / 2) - 1 + 2 * (x % 2), y, _), f(x / 2, y, _), 0.75f);
        uy(x, y, _) = lerp(ux(x, (y / 2) - 1 + 2 * (y % 2), _), ux(x, y / 2, _), 0.75f);
        return uy;
    }
};

// Unsharp mask on planar RGB float, after apps/unsharp: Gaussian blur (sigma 1.5) of the
// luminance, sharpened luminance, and the ratio applied to every channel.
class UnsharpMask : public Generator<UnsharpMask> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        const float sigma = 1.5f;
        const float pi = 3.14159265358979f;
        kernel(x) = exp(-cast<float>(x * x) / (2 * sigma * sigma)) / (std::sqrt(2 * pi) * sigma);

        clamped = BoundaryConditions::repeat_edge(input);
        gray(x, y) = 0.299f * clamped(x, y, 0) + 0.587f * clamped(x, y, 1) +
                     0.114f * clamped(x, y, 2);

        Expr sum_y = kernel(0) * gray(x, y);
        for (int t = 1; t <= 3; t++) {
            sum_y += kernel(t) * (gray(x, y - t) + gray(x, y + t));
        }
        blur_y(x, y) = sum_y;
        Expr sum_x = kernel(0) * blur_y(x, y);
        for (int t = 1; t <= 3; t++) {
            sum_x += kernel(t) * (blur_y(x - t, y) + blur_y(x + t, y));
        }
        blur_x(x, y) = sum_x;

        sharpen(x, y) = 2.0f * gray(x, y) - blur_x(x, y);
        ratio(x, y) = sharpen(x, y) / max(gray(x, y), 1e-6f);
        output(x, y, c) = ratio(x, y) * input(x, y, c);

        input.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
        output.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {kernel, clamped, gray, blur_y, blur_x, sharpen, ratio}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"};
    Func clamped;
    Func kernel{"kernel"}, gray{"gray"}, blur_y{"blur_y"}, blur_x{"blur_x"};
    Func sharpen{"sharpen"}, ratio{"ratio"};
};

// Separable 7-tap binomial (Gaussian) blur of planar RGB float, mirrored at the edges.
class GaussianBlur : public Generator<GaussianBlur> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        const float w[4] = {20 / 64.0f, 15 / 64.0f, 6 / 64.0f, 1 / 64.0f};
        clamped = BoundaryConditions::mirror_interior(input);

        Expr sum_x = w[0] * clamped(x, y, c);
        for (int t = 1; t <= 3; t++) {
            sum_x += w[t] * (clamped(x - t, y, c) + clamped(x + t, y, c));
        }
        blur_x(x, y, c) = sum_x;
        Expr sum_y = w[0] * blur_x(x, y, c);
        for (int t = 1; t <= 3; t++) {
            sum_y += w[t] * (blur_x(x, y - t, c) + blur_x(x, y + t, c));
        }
        output(x, y, c) = sum_y;

        input.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
        output.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            clamped.compute_root();
            blur_x.compute_root();
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"};
    Func clamped;
    Func blur_x{"blur_x"};
};

// Square max filter of radius 13 on planar RGB float, after apps/max_filter. Vertically, a
// scan over the rows builds maxima over windows of 2^t rows for t = 0..4; two overlapping
// 16-row windows cover the 27-row window. Horizontally, a max reduction over 27 columns.
class MaxFilter : public Generator<MaxFilter> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        const int radius = 13;
        const int log_window = 4;  // floor(log2(2 * radius + 1))
        clamped = BoundaryConditions::repeat_edge(input);

        // vert_log(x, y, c, t) = max of rows [y, y + 2^t).
        vert_log(x, y, c, t) = clamped(x, y, c);
        // (The clamp on the row offset 2^(t-1) lets bounds inference see its range.)
        RDom r(input.dim(1).min() - radius, input.dim(1).extent() + radius, 1, log_window, "r");
        Expr offset = clamp(1 << (r.y - 1), 1, 1 << (log_window - 1));
        vert_log(x, r.x, c, r.y) =
            max(vert_log(x, r.x, c, r.y - 1), vert_log(x, r.x + offset, c, r.y - 1));

        // Max over rows [y - radius, y + radius].
        vert(x, y, c) = max(vert_log(x, y - radius, c, log_window),
                            vert_log(x, y + radius + 1 - (1 << log_window), c, log_window));

        // Max over columns [x - radius, x + radius].
        RDom rx(-radius + 1, 2 * radius, "rx");
        horiz(x, y, c) = vert(x - radius, y, c);
        horiz(x, y, c) = max(horiz(x, y, c), vert(x + rx, y, c));

        output(x, y, c) = horiz(x, y, c);

        input.set_estimates({{0, 1536}, {0, 1024}, {0, 3}});
        output.set_estimates({{0, 1536}, {0, 1024}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {clamped, vert_log, vert, horiz}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"}, t{"t"};
    Func clamped;
    Func vert_log{"vert_log"}, vert{"vert"}, horiz{"horiz"};
};

// Non-local means, after apps/nl_means: 5x5 patches, 7x7 search area, planar RGB float.
// Patch distances are box-filtered squared differences; weights are exp(-d / (sigma^2 P^2)).
class NlMeans : public Generator<NlMeans> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Input<float> sigma{"sigma"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        const int patch = 5, search = 7;
        Expr s = max(sigma, 1e-3f);
        Expr inv_sigma_sq = -1.0f / (s * s * (patch * patch));

        clamped = BoundaryConditions::repeat_edge(input);

        // Squared color difference between pixel (x, y) and pixel (x + dx, y + dy).
        auto sq = [&](int ch) {
            Expr d = clamped(x, y, ch) - clamped(x + dx, y + dy, ch);
            return d * d;
        };
        diff(x, y, dx, dy) = sq(0) + sq(1) + sq(2);

        // Sum over the patch, in y then x.
        RDom p(-(patch / 2), patch, "p");
        blur_d_y(x, y, dx, dy) = 0.0f;
        blur_d_y(x, y, dx, dy) += diff(x, y + p, dx, dy);
        blur_d(x, y, dx, dy) = 0.0f;
        blur_d(x, y, dx, dy) += blur_d_y(x + p, y, dx, dy);

        weight(x, y, dx, dy) = exp(blur_d(x, y, dx, dy) * inv_sigma_sq);

        // Channel 3 is a constant alpha: it accumulates the sum of the weights.
        with_alpha(x, y, c) = select(c < 3, clamped(x, y, clamp(c, 0, 2)), 1.0f);

        RDom sa(-(search / 2), search, -(search / 2), search, "sa");
        weighted_sum(x, y, c) = 0.0f;
        weighted_sum(x, y, c) += weight(x, y, sa.x, sa.y) * with_alpha(x + sa.x, y + sa.y, c);

        output(x, y, c) =
            clamp(weighted_sum(x, y, c) / max(weighted_sum(x, y, 3), 1e-6f), 0.0f, 1.0f);

        input.set_estimates({{0, 768}, {0, 512}, {0, 3}});
        sigma.set_estimate(0.12f);
        output.set_estimates({{0, 768}, {0, 512}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {clamped, diff, blur_d_y, blur_d, weight, with_alpha, weighted_sum}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"}, dx{"dx"}, dy{"dy"};
    Func clamped;
    Func diff{"diff"}, blur_d_y{"blur_d_y"}, blur_d{"blur_d"}, weight{"weight"};
    Func with_alpha{"with_alpha"}, weighted_sum{"weighted_sum"};
};

// Sixteen [1 2 1] / 4 stencils on float, alternating between x and y.
class LongStencilChain16 : public Generator<LongStencilChain16> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        const int n = 16;
        Func f = BoundaryConditions::repeat_edge(input);
        stages.push_back(f);
        for (int s = 0; s < n; s++) {
            Func g("stage_" + std::to_string(s));
            if (s % 2 == 0) {
                g(x, y) = (f(x - 1, y) + 2.0f * f(x, y) + f(x + 1, y)) * 0.25f;
            } else {
                g(x, y) = (f(x, y - 1) + 2.0f * f(x, y) + f(x, y + 1)) * 0.25f;
            }
            stages.push_back(g);
            f = g;
        }
        output(x, y) = f(x, y);

        input.set_estimates({{0, 1536}, {0, 1024}});
        output.set_estimates({{0, 1536}, {0, 1024}});
    }

    void schedule() {
        if (reference) {
            for (Func &f : stages) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"};
    std::vector<Func> stages;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(BilateralGrid, bilateral_grid)
HALIDE_REGISTER_GENERATOR(LocalLaplacian, local_laplacian)
HALIDE_REGISTER_GENERATOR(UnsharpMask, unsharp_mask)
HALIDE_REGISTER_GENERATOR(GaussianBlur, gaussian_blur)
HALIDE_REGISTER_GENERATOR(MaxFilter, max_filter)
HALIDE_REGISTER_GENERATOR(NlMeans, nl_means)
HALIDE_REGISTER_GENERATOR(LongStencilChain16, long_stencil_chain_16)
