// tests/pipelines/shapes.cpp — small pipelines whose access shapes and operation counts the
// Dag-export tests check by hand (a transpose, a data-dependent lookup, a table of gamma
// values), also run by the correctness suite.
#include "Halide.h"

using namespace Halide;

namespace {

class Transpose : public Generator<Transpose> {
public:
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func flipped("flipped");
        flipped(x, y) = input(y, x) * 2.0f;
        out(x, y) = flipped(x, y) + 1.0f;
        input.set_estimates({{0, 96}, {0, 128}});
        out.set_estimates({{0, 128}, {0, 96}});
    }
};

// A lookup table indexed by image data: the table load is a gather.
class LookupTable : public Generator<LookupTable> {
public:
    Input<Buffer<uint8_t, 2>> input{"input"};
    Input<Buffer<uint16_t, 1>> table{"table"};
    Output<Buffer<uint16_t, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y");
        Func mapped("mapped");
        mapped(x, y) = table(cast<int32_t>(input(x, y)));
        out(x, y) = mapped(x, y) / 2 + mapped(x, y) % 7;
        input.set_estimates({{0, 200}, {0, 100}});
        table.set_estimates({{0, 256}});
        out.set_estimates({{0, 200}, {0, 100}});
    }
};

// A 1024-entry gamma table (a pow per entry, and one on Params alone, the same for every entry)
// looked up by 10-bit image data: inlining the table would evaluate the pow per pixel.
class GammaCurve : public Generator<GammaCurve> {
public:
    Input<Buffer<uint16_t, 2>> input{"input"};
    Input<float> gamma{"gamma", 2.2f, 0.1f, 10.0f};
    Input<float> contrast{"contrast", 50.0f, 0.0f, 200.0f};
    Output<Buffer<uint8_t, 2>> out{"out"};

    void generate() {
        Var x("x"), y("y"), i("i");
        Func curve("curve"), curved("curved");
        Expr scale = 2.0f - pow(2.0f, contrast / 100.0f);
        Expr g = pow(cast<float>(i) / 1023.0f, 1.0f / gamma);
        curve(i) = cast<uint8_t>(clamp(g * scale * 255.0f + 0.5f, 0.0f, 255.0f));
        curved(x, y) = curve(clamp(cast<int32_t>(input(x, y)), 0, 1023));
        out(x, y) = curved(x, y) / 2 + curved(x, y) / 3;
        input.set_estimates({{0, 200}, {0, 100}});
        gamma.set_estimate(2.2f);
        contrast.set_estimate(50.0f);
        out.set_estimates({{0, 200}, {0, 100}});
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Transpose, transpose)
HALIDE_REGISTER_GENERATOR(LookupTable, lookup_table)
HALIDE_REGISTER_GENERATOR(GammaCurve, gamma_curve)
