// halide_gcn.hpp: a header-only C++ wrapper of halide_gcn.h. A Model owns its handle (move-only)
// and every failure throws halide_gcn::Error with the library's message.
#ifndef HALIDE_GCN_HPP
#define HALIDE_GCN_HPP

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "halide_gcn.h"

namespace halide_gcn {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string &what) : std::runtime_error(what) {}
};

inline void check(hgcn_status status) {
    if (status != HGCN_OK) {
        throw Error(hgcn_last_error());
    }
}

class Model {
public:
    static Model embedded() {
        hgcn_model *m = nullptr;
        check(hgcn_model_create_default(&m));
        return Model(m);
    }
    static Model from_file(const std::string &path) {
        hgcn_model *m = nullptr;
        check(hgcn_model_create_from_file(path.c_str(), &m));
        return Model(m);
    }
    static Model from_bytes(const std::vector<unsigned char> &bytes) {
        hgcn_model *m = nullptr;
        check(hgcn_model_create_from_bytes(bytes.data(), bytes.size(), &m));
        return Model(m);
    }

    Model(Model &&other) noexcept : model_(std::exchange(other.model_, nullptr)) {}
    Model &operator=(Model &&other) noexcept {
        if (this != &other) {
            hgcn_model_destroy(model_);
            model_ = std::exchange(other.model_, nullptr);
        }
        return *this;
    }
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;
    ~Model() { hgcn_model_destroy(model_); }

    size_t pipeline_features() const { return counts().first; }
    size_t schedule_features() const { return counts().second; }

    // adjacency: N*N, pipeline_features: N*P, row-major, raw.
    void set_pipeline(size_t num_stages, const std::vector<float> &adjacency,
                      const std::vector<float> &pipeline_features) {
        if (adjacency.size() != num_stages * num_stages ||
            pipeline_features.size() != num_stages * this->pipeline_features()) {
            throw Error("set_pipeline: adjacency must hold N*N values and pipeline_features N*P");
        }
        check(hgcn_set_pipeline(model_, num_stages, adjacency.data(), pipeline_features.data()));
        stages_ = num_stages;
    }

    // One candidate's N*S raw schedule features; returns its index in the batch.
    size_t enqueue(const std::vector<float> &schedule_features) {
        if (schedule_features.size() != stages_ * schedule_features_count()) {
            throw Error("enqueue: a state needs N*S schedule features");
        }
        size_t index = 0;
        check(hgcn_enqueue(model_, schedule_features.data(), &index));
        return index;
    }

    // Predicted seconds of every queued candidate, in enqueue order.
    std::vector<double> evaluate() {
        size_t n = 0;
        check(hgcn_evaluate(model_, &n));
        std::vector<double> costs(n);
        for (size_t i = 0; i < n; i++) {
            check(hgcn_get_cost(model_, i, &costs[i]));
        }
        return costs;
    }

    // Per-stage seconds of candidate `index` of the last evaluation.
    std::vector<float> stage_costs(size_t index) {
        std::vector<float> out(stages_);
        check(hgcn_get_stage_costs(model_, index, out.data()));
        return out;
    }

private:
    explicit Model(hgcn_model *m) : model_(m) {}
    std::pair<size_t, size_t> counts() const {
        size_t p = 0, s = 0;
        check(hgcn_model_feature_counts(model_, &p, &s));
        return {p, s};
    }
    size_t schedule_features_count() const { return counts().second; }

    hgcn_model *model_ = nullptr;
    size_t stages_ = 0;
};

}  // namespace halide_gcn

#endif  // HALIDE_GCN_HPP
