// Uses the C++ wrapper end to end: a model from bytes (argv[1] read into memory) predicts a
// 4-stage pipeline with a fan-out; errors arrive as halide_gcn::Error. Exits 0 when every
// check holds.
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "halide_gcn.hpp"

static int fail(const std::string &what) {
    std::cerr << "FAILED: " << what << "\n";
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) return fail("usage: use_model_cpp <model.onnx>");
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    halide_gcn::Model model = halide_gcn::Model::from_bytes(bytes);
    const size_t n = 4, p = model.pipeline_features(), s = model.schedule_features();
    // 0 feeds 1 and 2, both feed 3.
    std::vector<float> adjacency(n * n, 0.0f);
    adjacency[0 * n + 1] = adjacency[0 * n + 2] = adjacency[1 * n + 3] = adjacency[2 * n + 3] = 1.0f;
    std::vector<float> pipeline(n * p, 2.0f);
    model.set_pipeline(n, adjacency, pipeline);
    for (int k = 0; k < 3; k++) {
        std::vector<float> schedule(n * s, float(k * 1000));
        if (model.enqueue(schedule) != size_t(k)) return fail("wrong batch index");
    }
    std::vector<double> costs = model.evaluate();
    if (costs.size() != 3) return fail("wrong number of costs");
    for (size_t k = 0; k < costs.size(); k++) {
        if (!std::isfinite(costs[k]) || costs[k] < 0) return fail("bad cost");
        std::vector<float> stages = model.stage_costs(k);
        double sum = 0;
        for (float v : stages) sum += v;
        if (std::fabs(sum - costs[k]) > 1e-5 * costs[k] + 1e-12) return fail("stage costs do not sum to the cost");
        std::cout << "state " << k << ": " << costs[k] << " s\n";
    }

    // Moving keeps one owner; the moved-from wrapper destroys nothing.
    halide_gcn::Model moved = std::move(model);
    try {
        moved.enqueue(std::vector<float>(3));
        return fail("a state of the wrong size was accepted");
    } catch (const halide_gcn::Error &) {
    }
    try {
        halide_gcn::Model::from_file("/nonexistent/m.onnx");
        return fail("a missing file loaded");
    } catch (const halide_gcn::Error &e) {
        if (std::string(e.what()).find("/nonexistent/m.onnx") == std::string::npos) {
            return fail(std::string("error does not name the file: ") + e.what());
        }
    }
    std::cout << "C++ ABI: ok\n";
    return 0;
}
