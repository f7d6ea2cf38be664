// tests/pipelines/shapes.cpp — small pipelines whose access shapes the Dag-export tests check
// by hand (a transpose, a data-dependent lookup), also run by the correctness suite.
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

}  // namespace

HALIDE_REGISTER_GENERATOR(Transpose, transpose)
HALIDE_REGISTER_GENERATOR(LookupTable, lookup_table)
