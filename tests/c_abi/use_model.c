/* Uses the C ABI end to end: the embedded model and the same model from a file (argv[1]) give
 * the same predictions for a 3-stage chain; per-stage costs add up to the cost; misuse gives
 * errors, not crashes. Exits 0 when every check holds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halide_gcn.h"

#define CHECK(cond, ...)                      \
    do {                                      \
        if (!(cond)) {                        \
            fprintf(stderr, "FAILED: " __VA_ARGS__); \
            fprintf(stderr, "\n");            \
            return 1;                         \
        }                                     \
    } while (0)

enum { N = 3, STATES = 4 };

static int predict(hgcn_model *m, double costs[STATES]) {
    size_t p = 0, s = 0;
    CHECK(hgcn_model_feature_counts(m, &p, &s) == HGCN_OK, "feature counts: %s", hgcn_last_error());
    CHECK(p > 0 && s > 0, "feature counts are %zu and %zu", p, s);
    float adjacency[N * N] = {0, 1, 0, 0, 0, 1, 0, 0, 0};
    float *pipeline = calloc(N * p, sizeof(float));
    float *schedule = calloc(N * s, sizeof(float));
    for (size_t i = 0; i < N * p; i++) pipeline[i] = (float)(i % 7);
    CHECK(hgcn_set_pipeline(m, N, adjacency, pipeline) == HGCN_OK, "set_pipeline: %s", hgcn_last_error());
    for (size_t k = 0; k < STATES; k++) {
        for (size_t i = 0; i < N * s; i++) schedule[i] = (float)((i * (k + 1)) % 11) * 100.0f;
        size_t index = 99;
        CHECK(hgcn_enqueue(m, schedule, &index) == HGCN_OK, "enqueue: %s", hgcn_last_error());
        CHECK(index == k, "state %zu got index %zu", k, index);
    }
    size_t n = 0;
    CHECK(hgcn_evaluate(m, &n) == HGCN_OK, "evaluate: %s", hgcn_last_error());
    CHECK(n == STATES, "evaluated %zu states", n);
    for (size_t k = 0; k < STATES; k++) {
        CHECK(hgcn_get_cost(m, k, &costs[k]) == HGCN_OK, "get_cost: %s", hgcn_last_error());
        CHECK(isfinite(costs[k]) && costs[k] >= 0, "cost %zu is %g", k, costs[k]);
        float stages[N];
        CHECK(hgcn_get_stage_costs(m, k, stages) == HGCN_OK, "stage costs: %s", hgcn_last_error());
        double sum = stages[0] + stages[1] + stages[2];
        CHECK(fabs(sum - costs[k]) <= 1e-5 * costs[k] + 1e-12, "stages sum to %g, cost %g", sum, costs[k]);
    }
    CHECK(hgcn_get_cost(m, STATES, &costs[0]) == HGCN_INVALID_ARGUMENT, "out-of-range index accepted");
    CHECK(strstr(hgcn_last_error(), "was not in the last batch") != NULL, "message: %s", hgcn_last_error());
    free(pipeline);
    free(schedule);
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2, "usage: use_model <model.onnx>");
    hgcn_model *embedded = NULL, *from_file = NULL, *from_bytes = NULL, *missing = NULL;
    CHECK(hgcn_model_create_default(&embedded) == HGCN_OK, "default: %s", hgcn_last_error());
    CHECK(hgcn_model_create_from_file(argv[1], &from_file) == HGCN_OK, "file: %s", hgcn_last_error());

    /* Misuse: enqueue before a pipeline, a missing file, null pointers. */
    float nothing[1] = {0};
    CHECK(hgcn_enqueue(embedded, nothing, NULL) == HGCN_INVALID_ARGUMENT, "enqueue before set_pipeline");
    CHECK(hgcn_model_create_from_file("/nonexistent/m.onnx", &missing) != HGCN_OK, "missing file loaded");
    CHECK(strstr(hgcn_last_error(), "/nonexistent/m.onnx") != NULL, "message: %s", hgcn_last_error());
    CHECK(missing == NULL, "a failed create returned a handle");
    CHECK(hgcn_model_create_from_bytes("xx", 2, &from_bytes) == HGCN_ERROR, "garbage bytes loaded");
    CHECK(hgcn_evaluate(NULL, NULL) == HGCN_INVALID_ARGUMENT, "null handle accepted");

    double a[STATES], b[STATES];
    if (predict(embedded, a) || predict(from_file, b)) return 1;
    for (int k = 0; k < STATES; k++) {
        CHECK(a[k] == b[k], "embedded and file models disagree on state %d: %g vs %g", k, a[k], b[k]);
        printf("state %d: %g s\n", k, a[k]);
    }
    CHECK(a[0] != a[1] || a[1] != a[2], "every state got the same cost");
    hgcn_model_destroy(embedded);
    hgcn_model_destroy(from_file);
    hgcn_model_destroy(NULL);
    printf("C ABI: ok\n");
    return 0;
}
