// bench/pipelines/camera_apps.cpp — camera and image-analysis benchmark pipelines modelled on
// Halide's apps: a raw-to-RGB camera pipe, Harris corners, histogram equalization and an
// IIR blur. Every generator sets estimates on all its inputs and outputs; with
// reference=true every intermediate Func is compute_root, otherwise the pipeline is left
// unscheduled for an autoscheduler.
#include "Halide.h"

#include <string>
#include <vector>

using namespace Halide;

namespace {

// Raw to RGB, after apps/camera_pipe: 16-bit GRBG Bayer data reduced to 10 bits, hot-pixel
// suppression, deinterleaving into four half-resolution planes, edge-aware demosaic (int16),
// a 3x4 color matrix interpolated by color temperature (Q8.8 fixed point), a gamma and
// contrast curve through a 1024-entry table, and a u8 unsharp mask. The output is cropped
// inside the raw image (by 16, 12 pixels, as in the app), so no boundary condition is needed.
class CameraPipe : public Generator<CameraPipe> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<uint16_t, 2>> input{"input"};
    Input<Buffer<float, 2>> matrix_3200{"matrix_3200"};
    Input<Buffer<float, 2>> matrix_7000{"matrix_7000"};
    Input<float> color_temp{"color_temp"};
    Input<float> gamma{"gamma"};
    Input<float> contrast{"contrast"};
    Input<float> sharpen_strength{"sharpen_strength"};
    Input<int> black_level{"black_level"};
    Input<int> white_level{"white_level"};
    Output<Buffer<uint8_t, 3>> output{"output"};

    void generate() {
        const int out_w = 2560, out_h = 1920;

        // Reduced to 10 bits and made signed; 10-bit values keep the int16 arithmetic below
        // from overflowing.
        Func shifted = stage("shifted");
        shifted(x, y) = cast<int16_t>(input(x + 16, y + 12) >> 6);

        // Hot pixels: clamp to the maximum of the four same-color neighbours.
        Func denoised = stage("denoised");
        Expr nbr_max = max(max(shifted(x - 2, y), shifted(x + 2, y)),
                           max(shifted(x, y - 2), shifted(x, y + 2)));
        denoised(x, y) = clamp(shifted(x, y), cast<int16_t>(0), nbr_max);

        // Deinterleave the Bayer mosaic into its four half-resolution planes.
        Func g_gr = stage("g_gr"), r_r = stage("r_r"), b_b = stage("b_b"), g_gb = stage("g_gb");
        g_gr(x, y) = denoised(2 * x, 2 * y);
        r_r(x, y) = denoised(2 * x + 1, 2 * y);
        b_b(x, y) = denoised(2 * x, 2 * y + 1);
        g_gb(x, y) = denoised(2 * x + 1, 2 * y + 1);

        Func demosaiced = demosaic(g_gr, r_r, b_b, g_gb);
        Func corrected = color_correct(demosaiced);
        Func curved = apply_curve(corrected);
        Func sharpened = sharpen(curved);
        output(x, y, c) = sharpened(x, y, c);

        input.set_estimates({{0, out_w + 32}, {0, out_h + 24}});
        matrix_3200.set_estimates({{0, 4}, {0, 3}});
        matrix_7000.set_estimates({{0, 4}, {0, 3}});
        color_temp.set_estimate(3700.0f);
        gamma.set_estimate(2.0f);
        contrast.set_estimate(50.0f);
        sharpen_strength.set_estimate(1.0f);
        black_level.set_estimate(25);
        white_level.set_estimate(1023);
        output.set_estimates({{0, out_w}, {0, out_h}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            for (Func &f : stages) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"}, i{"i"};
    std::vector<Func> stages;

    Func stage(const std::string &name) {
        stages.emplace_back(name);
        return stages.back();
    }

    // Rounding average of two int16 values.
    static Expr avg(Expr a, Expr b) {
        return cast<int16_t>((cast<int32_t>(a) + cast<int32_t>(b) + 1) / 2);
    }

    Func interleave_x(Func a, Func b, const std::string &name) {
        Func f = stage(name);
        f(x, y) = select(x % 2 == 0, a(x / 2, y), b(x / 2, y));
        return f;
    }

    Func interleave_y(Func a, Func b, const std::string &name) {
        Func f = stage(name);
        f(x, y) = select(y % 2 == 0, a(x, y / 2), b(x, y / 2));
        return f;
    }

    // Demosaic of the four planes, after apps/camera_pipe: green by the smoother of
    // horizontal and vertical interpolation, red and blue corrected by the green second
    // derivative, diagonals along the smoother direction.
    Func demosaic(Func g_gr, Func r_r, Func b_b, Func g_gb) {
        // Green at red and blue sites.
        Func g_r = stage("g_r"), g_b = stage("g_b");
        Expr gv_r = avg(g_gb(x, y - 1), g_gb(x, y));
        Expr gvd_r = absd(g_gb(x, y - 1), g_gb(x, y));
        Expr gh_r = avg(g_gr(x + 1, y), g_gr(x, y));
        Expr ghd_r = absd(g_gr(x + 1, y), g_gr(x, y));
        g_r(x, y) = select(ghd_r < gvd_r, gh_r, gv_r);

        Expr gv_b = avg(g_gr(x, y + 1), g_gr(x, y));
        Expr gvd_b = absd(g_gr(x, y + 1), g_gr(x, y));
        Expr gh_b = avg(g_gb(x - 1, y), g_gb(x, y));
        Expr ghd_b = absd(g_gb(x - 1, y), g_gb(x, y));
        g_b(x, y) = select(ghd_b < gvd_b, gh_b, gv_b);

        // Red and blue at green sites.
        Func r_gr = stage("r_gr"), b_gr = stage("b_gr"), r_gb = stage("r_gb"), b_gb = stage("b_gb");
        r_gr(x, y) = g_gr(x, y) - avg(g_r(x, y), g_r(x - 1, y)) + avg(r_r(x - 1, y), r_r(x, y));
        b_gr(x, y) = g_gr(x, y) - avg(g_b(x, y), g_b(x, y - 1)) + avg(b_b(x, y), b_b(x, y - 1));
        r_gb(x, y) = g_gb(x, y) - avg(g_r(x, y), g_r(x, y + 1)) + avg(r_r(x, y), r_r(x, y + 1));
        b_gb(x, y) = g_gb(x, y) - avg(g_b(x, y), g_b(x + 1, y)) + avg(b_b(x, y), b_b(x + 1, y));

        // Red at blue sites and blue at red sites, along the smoother diagonal.
        Func r_b = stage("r_b"), b_r = stage("b_r");
        Expr rp_b = g_b(x, y) - avg(g_r(x, y), g_r(x - 1, y + 1)) +
                    avg(r_r(x, y), r_r(x - 1, y + 1));
        Expr rpd_b = absd(r_r(x, y), r_r(x - 1, y + 1));
        Expr rn_b = g_b(x, y) - avg(g_r(x - 1, y), g_r(x, y + 1)) +
                    avg(r_r(x - 1, y), r_r(x, y + 1));
        Expr rnd_b = absd(r_r(x - 1, y), r_r(x, y + 1));
        r_b(x, y) = select(rpd_b < rnd_b, rp_b, rn_b);

        Expr bp_r = g_r(x, y) - avg(g_b(x, y), g_b(x + 1, y - 1)) +
                    avg(b_b(x, y), b_b(x + 1, y - 1));
        Expr bpd_r = absd(b_b(x, y), b_b(x + 1, y - 1));
        Expr bn_r = g_r(x, y) - avg(g_b(x + 1, y), g_b(x, y - 1)) +
                    avg(b_b(x + 1, y), b_b(x, y - 1));
        Expr bnd_r = absd(b_b(x + 1, y), b_b(x, y - 1));
        b_r(x, y) = select(bpd_r < bnd_r, bp_r, bn_r);

        // Full-resolution channels: even rows are G R G R, odd rows B G B G.
        Func r = interleave_y(interleave_x(r_gr, r_r, "r_even"), interleave_x(r_b, r_gb, "r_odd"),
                              "r_full");
        Func g = interleave_y(interleave_x(g_gr, g_r, "g_even"), interleave_x(g_b, g_gb, "g_odd"),
                              "g_full");
        Func b = interleave_y(interleave_x(b_gr, b_r, "b_even"), interleave_x(b_b, b_gb, "b_odd"),
                              "b_full");

        Func demosaiced = stage("demosaiced");
        demosaiced(x, y, c) = mux(c, {r(x, y), g(x, y), b(x, y)});
        return demosaiced;
    }

    // 3x4 matrix (3x3 plus offset column) interpolated in inverse color temperature.
    Func color_correct(Func in) {
        Func matrix = stage("matrix");
        Expr kelvin = max(color_temp, 1000.0f);
        Expr alpha = (1.0f / kelvin - 1.0f / 3200) / (1.0f / 7000 - 1.0f / 3200);
        Expr val = matrix_3200(x, y) * alpha + matrix_7000(x, y) * (1 - alpha);
        matrix(x, y) = cast<int16_t>(clamp(val, -127.0f, 127.0f) * 256.0f);  // Q8.8

        Func corrected = stage("corrected");
        Expr ir = cast<int32_t>(in(x, y, 0));
        Expr ig = cast<int32_t>(in(x, y, 1));
        Expr ib = cast<int32_t>(in(x, y, 2));
        Expr r = matrix(3, 0) + matrix(0, 0) * ir + matrix(1, 0) * ig + matrix(2, 0) * ib;
        Expr g = matrix(3, 1) + matrix(0, 1) * ir + matrix(1, 1) * ig + matrix(2, 1) * ib;
        Expr b = matrix(3, 2) + matrix(0, 2) * ir + matrix(1, 2) * ig + matrix(2, 2) * ib;
        corrected(x, y, c) = mux(c, {saturating_cast<int16_t>(r / 256),
                                     saturating_cast<int16_t>(g / 256),
                                     saturating_cast<int16_t>(b / 256)});
        return corrected;
    }

    // Gamma and a piecewise-quadratic contrast curve, tabulated for the 10-bit range.
    Func apply_curve(Func in) {
        Func curve = stage("curve");
        Expr min_raw = cast<float>(black_level), max_raw = cast<float>(white_level);
        Expr inv_range = 1.0f / max(max_raw - min_raw, 1.0f);
        Expr b = 2.0f - pow(2.0f, clamp(contrast, 0.0f, 200.0f) / 100.0f);
        Expr a = 2.0f - 2.0f * b;
        Expr xf = clamp((cast<float>(i) - min_raw) * inv_range, 0.0f, 1.0f);
        Expr g = pow(xf, 1.0f / max(gamma, 0.1f));
        Expr z = select(g > 0.5f, 1.0f - (a * (1.0f - g) * (1.0f - g) + b * (1.0f - g)),
                        a * g * g + b * g);
        curve(i) = cast<uint8_t>(clamp(z * 255.0f + 0.5f, 0.0f, 255.0f));

        Func curved = stage("curved");
        curved(x, y, c) = curve(clamp(cast<int32_t>(in(x, y, c)), 0, 1023));
        return curved;
    }

    // Unsharp mask: [1 2 1] blur in y then x; the difference scaled by the strength (Q2.5).
    Func sharpen(Func in) {
        Func strength_x32 = stage("strength_x32");
        strength_x32() = cast<int32_t>(clamp(sharpen_strength, 0.0f, 4.0f) * 32.0f);

        auto blur121 = [](Expr a, Expr b, Expr c) {
            return cast<uint8_t>((cast<uint16_t>(a) + 2 * cast<uint16_t>(b) + c + 2) / 4);
        };
        Func unsharp_y = stage("unsharp_y"), unsharp = stage("unsharp");
        unsharp_y(x, y, c) = blur121(in(x, y - 1, c), in(x, y, c), in(x, y + 1, c));
        unsharp(x, y, c) =
            blur121(unsharp_y(x - 1, y, c), unsharp_y(x, y, c), unsharp_y(x + 1, y, c));

        Func mask = stage("mask");
        mask(x, y, c) = cast<int32_t>(in(x, y, c)) - cast<int32_t>(unsharp(x, y, c));

        Func sharpened = stage("sharpened");
        sharpened(x, y, c) = cast<uint8_t>(
            clamp(cast<int32_t>(in(x, y, c)) + (mask(x, y, c) * strength_x32()) / 32, 0, 255));
        return sharpened;
    }
};

// Harris corner response, after apps/harris: luminance, 3x3 Sobel gradients, the structure
// tensor box-filtered over 3x3, and det - 0.04 * trace^2.
class Harris : public Generator<Harris> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        clamped = BoundaryConditions::repeat_edge(input);
        gray(x, y) = 0.299f * clamped(x, y, 0) + 0.587f * clamped(x, y, 1) +
                     0.114f * clamped(x, y, 2);

        Iy(x, y) = gray(x - 1, y - 1) * (-1.0f / 12) + gray(x - 1, y + 1) * (1.0f / 12) +
                   gray(x, y - 1) * (-2.0f / 12) + gray(x, y + 1) * (2.0f / 12) +
                   gray(x + 1, y - 1) * (-1.0f / 12) + gray(x + 1, y + 1) * (1.0f / 12);
        Ix(x, y) = gray(x - 1, y - 1) * (-1.0f / 12) + gray(x + 1, y - 1) * (1.0f / 12) +
                   gray(x - 1, y) * (-2.0f / 12) + gray(x + 1, y) * (2.0f / 12) +
                   gray(x - 1, y + 1) * (-1.0f / 12) + gray(x + 1, y + 1) * (1.0f / 12);

        Ixx(x, y) = Ix(x, y) * Ix(x, y);
        Iyy(x, y) = Iy(x, y) * Iy(x, y);
        Ixy(x, y) = Ix(x, y) * Iy(x, y);

        auto sum3x3 = [&](Func f) {
            return f(x - 1, y - 1) + f(x - 1, y) + f(x - 1, y + 1) + f(x, y - 1) + f(x, y) +
                   f(x, y + 1) + f(x + 1, y - 1) + f(x + 1, y) + f(x + 1, y + 1);
        };
        Sxx(x, y) = sum3x3(Ixx);
        Syy(x, y) = sum3x3(Iyy);
        Sxy(x, y) = sum3x3(Ixy);

        det(x, y) = Sxx(x, y) * Syy(x, y) - Sxy(x, y) * Sxy(x, y);
        trace(x, y) = Sxx(x, y) + Syy(x, y);
        output(x, y) = det(x, y) - 0.04f * trace(x, y) * trace(x, y);

        input.set_estimates({{0, 1920}, {0, 1080}, {0, 3}});
        output.set_estimates({{0, 1920}, {0, 1080}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {clamped, gray, Ix, Iy, Ixx, Iyy, Ixy, Sxx, Syy, Sxy, det, trace}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"};
    Func clamped;
    Func gray{"gray"}, Ix{"Ix"}, Iy{"Iy"}, Ixx{"Ixx"}, Iyy{"Iyy"}, Ixy{"Ixy"};
    Func Sxx{"Sxx"}, Syy{"Syy"}, Sxy{"Sxy"}, det{"det"}, trace{"trace"};
};

// Histogram equalization of a u8 grayscale image: a 256-bin histogram (a scatter over the
// whole image), its cumulative distribution (a scan), and a remap through the resulting table.
class HistogramEqualize : public Generator<HistogramEqualize> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<uint8_t, 2>> input{"input"};
    Output<Buffer<uint8_t, 2>> output{"output"};

    void generate() {
        // u8 pixel values index the 256 bins directly.
        RDom r(input.dim(0).min(), input.dim(0).extent(), input.dim(1).min(),
               input.dim(1).extent(), "r");
        hist(i) = cast<uint32_t>(0);
        hist(cast<int32_t>(input(r.x, r.y))) += cast<uint32_t>(1);

        RDom ri(1, 255, "ri");
        cdf(i) = hist(i);
        cdf(ri) = cdf(ri - 1) + hist(ri);

        Expr total = cast<uint64_t>(input.dim(0).extent()) * cast<uint64_t>(input.dim(1).extent());
        lut(i) = cast<uint8_t>(min(cast<uint64_t>(cdf(i)) * 255 / max(total, cast<uint64_t>(1)),
                                   cast<uint64_t>(255)));

        output(x, y) = lut(cast<int32_t>(input(x, y)));

        input.set_estimates({{0, 2560}, {0, 1920}});
        output.set_estimates({{0, 2560}, {0, 1920}});
    }

    void schedule() {
        if (reference) {
            for (Func f : {hist, cdf, lut}) {
                f.compute_root();
            }
        }
    }

private:
    Var x{"x"}, y{"y"}, i{"i"};
    Func hist{"hist"}, cdf{"cdf"}, lut{"lut"};
};

// First-order IIR blur of planar RGB float, after apps/iir_blur but without transposes: a
// causal then anti-causal scan down the columns (RDom over y), then the same along the rows
// (RDom over x).
class IirBlur : public Generator<IirBlur> {
public:
    GeneratorParam<bool> reference{"reference", false};
    Input<Buffer<float, 3>> input{"input"};
    Input<float> alpha{"alpha"};
    Output<Buffer<float, 3>> output{"output"};

    void generate() {
        Expr x0 = input.dim(0).min(), w = input.dim(0).extent();
        Expr y0 = input.dim(1).min(), h = input.dim(1).extent();

        Expr a = alpha;

        // Along y: down, then up.
        RDom ry(1, h - 1, "ry");
        Expr y_down = y0 + ry, y_up = y0 + h - 1 - ry;
        blur_y(x, y, c) = input(x, y, c);
        blur_y(x, y_down, c) = (1 - a) * blur_y(x, y_down - 1, c) + a * blur_y(x, y_down, c);
        blur_y(x, y_up, c) = (1 - a) * blur_y(x, y_up + 1, c) + a * blur_y(x, y_up, c);

        // Along x: right, then left.
        RDom rx(1, w - 1, "rx");
        Expr x_right = x0 + rx, x_left = x0 + w - 1 - rx;
        blur_x(x, y, c) = blur_y(x, y, c);
        blur_x(x_right, y, c) = (1 - a) * blur_x(x_right - 1, y, c) + a * blur_x(x_right, y, c);
        blur_x(x_left, y, c) = (1 - a) * blur_x(x_left + 1, y, c) + a * blur_x(x_left, y, c);

        output(x, y, c) = blur_x(x, y, c);

        input.set_estimates({{0, 1536}, {0, 1024}, {0, 3}});
        alpha.set_estimate(0.1f);
        output.set_estimates({{0, 1536}, {0, 1024}, {0, 3}});
    }

    void schedule() {
        if (reference) {
            blur_y.compute_root();
            blur_x.compute_root();
        }
    }

private:
    Var x{"x"}, y{"y"}, c{"c"};
    Func blur_y{"blur_y"}, blur_x{"blur_x"};
};

}  // namespace

HALIDE_REGISTER_GENERATOR(CameraPipe, camera_pipe)
HALIDE_REGISTER_GENERATOR(Harris, harris)
HALIDE_REGISTER_GENERATOR(HistogramEqualize, histogram_equalize)
HALIDE_REGISTER_GENERATOR(IirBlur, iir_blur)
