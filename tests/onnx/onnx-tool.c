/* onnx-tool.c - test helper around the ONNX reader/writer and the passes.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   onnx-tool save IN OUT [OPSET]   read and write back (qe_onnx_save)
 *   onnx-tool optimize IN OUT       qe_graph_optimize + fuse activations, write
 *   onnx-tool digest IN...          a canonical text dump of what was read
 *   onnx-tool schema                "system" or "subset": the onnx.proto built in
 *
 * Built twice by tests/onnx/meson.build: against the schema the engine uses
 * and against our own subset, so the digests of both can be compared.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "qe/qe_graph.h"
#include "qe/qe_onnx.h"

static uint64_t fnv(const void *p, size_t n)
{
  const uint8_t *b = p;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static void dump_array(const qe_array *a)
{
  printf("%s[", qe_dtype_name(a->dtype));
  for (int i = 0; i < a->rank; i++)
    printf("%s%" PRId64, i ? "," : "", a->dims[i]);
  printf("]#%016" PRIx64, fnv(a->data, qe_array_nbytes(a)));
}

static void digest(const qe_graph *g)
{
  printf("ir %" PRId64 " producer '%s' '%s' model_version %" PRId64 "\n", g->ir_version,
         g->producer_name ? g->producer_name : "", g->producer_version ? g->producer_version : "",
         g->model_version);
  printf("doc #%016" PRIx64 " graph '%s'\n", fnv(g->doc ? g->doc : "", g->doc ? strlen(g->doc) : 0),
         g->name ? g->name : "");
  for (size_t i = 0; i < g->n_opsets; i++)
    printf("opset '%s' %" PRId64 "\n", g->opsets[i].domain, g->opsets[i].version);
  for (size_t i = 0; i < g->n_metadata; i++)
    printf("meta '%s'='%s'\n", g->metadata[i].key, g->metadata[i].value);
  for (size_t i = 0; i < g->n_tensors; i++) {
    const qe_tensor *t = &g->tensors[i];
    printf("tensor %zu '%s' %s rank %d [", i, t->name, qe_dtype_name(t->dtype), t->rank);
    for (int d = 0; d < t->rank; d++)
      printf("%s%" PRId64 "%s%s", d ? "," : "", t->dims[d], t->dim_params[d] ? ":" : "",
             t->dim_params[d] ? t->dim_params[d] : "");
    printf("] flags %u", t->flags);
    if (t->data) {
      printf(" data ");
      dump_array(t->data);
    }
    printf("\n");
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    printf("node '%s' %s '%s' opset %" PRId64 " in", n->name, n->op_type, n->domain, n->opset);
    for (int k = 0; k < n->n_inputs; k++)
      printf(" %d", n->inputs[k]);
    printf(" out");
    for (int k = 0; k < n->n_outputs; k++)
      printf(" %d", n->outputs[k]);
    printf("\n");
    for (size_t k = 0; k < n->n_attrs; k++) {
      const qe_attr *a = &n->attrs[k];
      printf("  attr '%s' type %d i %" PRId64 " f %.9g n %zu", a->name, (int)a->type, a->i,
             (double)a->f, a->n);
      if (a->s)
        printf(" s #%016" PRIx64, fnv(a->s, a->s_len));
      if (a->ints)
        printf(" ints #%016" PRIx64, fnv(a->ints, a->n * sizeof(int64_t)));
      if (a->floats)
        printf(" floats #%016" PRIx64, fnv(a->floats, a->n * sizeof(float)));
      if (a->t) {
        printf(" t ");
        dump_array(a->t);
      }
      printf("\n");
    }
  }
  printf("inputs");
  for (size_t i = 0; i < g->n_inputs; i++)
    printf(" %d", g->inputs[i]);
  printf("\noutputs");
  for (size_t i = 0; i < g->n_outputs; i++)
    printf(" %d", g->outputs[i]);
  printf("\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: onnx-tool save|optimize|digest|schema ...\n");
    return 2;
  }
  if (strcmp(argv[1], "schema") == 0) {
#ifdef ONNX__TRAINING_INFO_PROTO__INIT
    printf("system\n");
#else
    printf("subset\n");
#endif
    return 0;
  }
  qe_ctx *ctx = qe_ctx_new();
  int rc = 0;
  if (strcmp(argv[1], "digest") == 0) {
    for (int i = 2; i < argc; i++) {
      qe_graph *g = NULL;
      printf("== %s\n", argv[i]);
      if (qe_onnx_load(argv[i], &g, ctx) != QE_OK)
        printf("error %d %s\n", (int)qe_ctx_status(ctx), qe_ctx_error(ctx));
      else
        digest(g);
      qe_graph_free(g);
      qe_ctx_clear(ctx);
    }
  } else if ((strcmp(argv[1], "save") == 0 || strcmp(argv[1], "optimize") == 0) && argc >= 4) {
    qe_graph *g = NULL;
    qe_onnx_save_options opt = { 0 };
    if (argc > 4)
      opt.opset = atoi(argv[4]);
    size_t c;
    if (qe_onnx_load(argv[2], &g, ctx) != QE_OK ||
        (strcmp(argv[1], "optimize") == 0 &&
         (qe_graph_optimize(g, ctx) != QE_OK || qe_pass_fuse_activations(g, &c, ctx) != QE_OK)) ||
        qe_onnx_save(g, argv[3], &opt, ctx) != QE_OK) {
      fprintf(stderr, "onnx-tool: %s\n", qe_ctx_error(ctx));
      rc = 1;
    } else if (strcmp(argv[1], "optimize") == 0) {
      printf("%zu nodes after optimizing\n", g->n_nodes);
    }
    qe_graph_free(g);
  } else {
    fprintf(stderr, "onnx-tool: unknown command %s\n", argv[1]);
    rc = 2;
  }
  qe_ctx_free(ctx);
  return rc;
}
