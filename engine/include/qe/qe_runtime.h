/* qe_runtime.h - run a qe_graph in float (reference kernels).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A qe_runtime is prepared once for a graph and run many times. Symbolic
 * dimensions (batch "N", -1) are bound from the arrays given to each run,
 * so the same runtime serves batch 1 and batch 32. Buffers are kept and
 * reused across runs; every tensor's value stays readable after a run
 * (qe_runtime_tensor()), so calibration and per-layer error analysis can
 * look at any intermediate. QuantizeLinear / DequantizeLinear run as ONNX
 * defines them (per-tensor and per-axis, int8 / uint8 / int32), so a QDQ
 * model runs in its float-simulated form.
 *
 * The graph must stay alive and unchanged while the runtime exists.
 */
#ifndef QE_RUNTIME_H
#define QE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_graph.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qe_runtime qe_runtime;

/* Called after each node ran, in execution order: @node is the node's index
 * in the graph, @outputs its n_outputs output values (NULL entries for
 * omitted optional outputs). The arrays are the runtime's: read them, do not
 * keep them past the call. Return non-zero to stop the run (it then returns
 * QE_ERR_CANCELLED). */
typedef int (*qe_observer_fn)(void *user_data, const qe_graph *g, int node, int n_outputs,
                              const int *output_tensors, const qe_array *const *outputs);

/* Check the graph (supported ops, listing every unsupported node in one
 * message; shapes) and prepare the execution order. */
qe_status qe_runtime_new(const qe_graph *g, qe_runtime **out, qe_ctx *ctx);
void qe_runtime_free(qe_runtime *rt);

void qe_runtime_set_observer(qe_runtime *rt, qe_observer_fn fn, void *user_data);

/* Run with one array per graph input, in the order of g->inputs. Arrays of
 * another numeric dtype than the input's are converted (e.g. float64 .npy
 * files for a float32 input). Shapes must match the declared ones except
 * at symbolic dims. Calls qe_progress() on the context between nodes. */
qe_status qe_runtime_run(qe_runtime *rt, size_t n_inputs, const qe_array *const *inputs,
                         qe_ctx *ctx);

/* After a successful run: the value of graph output @i (borrowed, valid
 * until the next run or free), NULL if out of range. */
const qe_array *qe_runtime_output(const qe_runtime *rt, size_t i);
/* The value of any tensor of the graph after a run (inputs, constants and
 * intermediates), NULL when it was not computed. */
const qe_array *qe_runtime_tensor(const qe_runtime *rt, int tensor);
/* A copy of output @i for the caller to own. */
qe_status qe_runtime_copy_output(const qe_runtime *rt, size_t i, qe_array **out, qe_ctx *ctx);

/* One-shot: prepare, run and copy all outputs (*outputs malloc'ed array of
 * g->n_outputs arrays; free each with qe_array_free() and the vector with
 * free()). */
qe_status qe_run_graph(const qe_graph *g, size_t n_inputs, const qe_array *const *inputs,
                       qe_array ***outputs, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_RUNTIME_H */
