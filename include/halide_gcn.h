/* halide_gcn.h: the Gcn cost model as a C library (libautoschedule_gcn.so).
 *
 * Any search can rank candidate schedules with the model Gcn uses: load a model (the embedded
 * default, an ONNX file or bytes: docs/model.md is the contract), describe one pipeline (its
 * stage graph and per-stage pipeline features), enqueue candidate states (per-stage schedule
 * features, raw values: the model normalizes them), evaluate the batch, read the predicted
 * run times in seconds.
 *
 * Every function returns an hgcn_status; on failure hgcn_last_error() describes it. Nothing
 * aborts, throws or unwinds across this interface. A handle may be used from one thread at a
 * time; different handles are independent.
 */
#ifndef HALIDE_GCN_H
#define HALIDE_GCN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hgcn_model hgcn_model;

typedef enum hgcn_status {
    HGCN_OK = 0,
    HGCN_ERROR = 1,            /* the model, a file, or the evaluation failed */
    HGCN_INVALID_ARGUMENT = 2  /* a null pointer, an index out of range, a call out of order */
} hgcn_status;

/* Create a model: the one embedded in the library, an ONNX file, or ONNX bytes (copied). */
hgcn_status hgcn_model_create_default(hgcn_model **out);
hgcn_status hgcn_model_create_from_file(const char *path, hgcn_model **out);
hgcn_status hgcn_model_create_from_bytes(const void *data, size_t size, hgcn_model **out);
/* Destroy a model (null is ignored). */
void hgcn_model_destroy(hgcn_model *model);

/* Features per stage the model expects: P pipeline features, S schedule features. */
hgcn_status hgcn_model_feature_counts(hgcn_model *model, size_t *pipeline_features,
                                      size_t *schedule_features);

/* Describe the pipeline: num_stages (N) stages; adjacency is N*N floats, row-major, 1 where
 * stage i feeds stage j; pipeline_features is N*P raw values, row-major. Drops queued states. */
hgcn_status hgcn_set_pipeline(hgcn_model *model, size_t num_stages, const float *adjacency,
                              const float *pipeline_features);

/* Queue one candidate: N*S raw schedule features, row-major. *index (if not null) receives
 * its position in the batch. */
hgcn_status hgcn_enqueue(hgcn_model *model, const float *schedule_features, size_t *index);

/* Predict every queued candidate; *num_costs (if not null) receives how many. */
hgcn_status hgcn_evaluate(hgcn_model *model, size_t *num_costs);

/* Read the last evaluation: a candidate's predicted run time in seconds, and its per-stage
 * shares (stage_seconds must have room for N floats). */
hgcn_status hgcn_get_cost(hgcn_model *model, size_t index, double *seconds);
hgcn_status hgcn_get_stage_costs(hgcn_model *model, size_t index, float *stage_seconds);

/* The message of the last failure on the calling thread ("" if none); valid until the next
 * call on this thread. */
const char *hgcn_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* HALIDE_GCN_H */
