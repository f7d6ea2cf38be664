// Runs the Gcn-scheduled and the unscheduled blur on the same input; exits non-zero unless the
// outputs are identical.
#include <cstdio>
#include <random>

#include "HalideBuffer.h"
#include "blur_gcn.h"
#include "blur_reference.h"

int main() {
    Halide::Runtime::Buffer<float> input(642, 482);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    input.for_each_value([&](float &v) { v = uniform(rng); });

    Halide::Runtime::Buffer<float> scheduled(640, 480), reference(640, 480);
    if (blur_gcn(input, scheduled) != 0 || blur_reference(input, reference) != 0) {
        std::printf("cmake consumer: pipeline failed\n");
        return 1;
    }
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            if (scheduled(x, y) != reference(x, y)) {
                std::printf("cmake consumer: outputs differ at (%d, %d)\n", x, y);
                return 1;
            }
        }
    }
    std::printf("cmake consumer: outputs identical\n");
    return 0;
}
