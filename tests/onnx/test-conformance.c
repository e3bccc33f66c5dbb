/* test-conformance.c - runs the ONNX backend test data (Debian
 * libonnx-testdata) through the engine and compares with ONNX's expected
 * outputs.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case whose nodes the engine claims (qe_graph_check_supported) is
 * run on each of its test_data_set_N directories; outputs must agree within
 * ONNX's backend-test tolerances, |got - want| <= atol + rtol * |want| with
 * rtol 1e-3 and atol 1e-7 (exact for integers and bools; NaN equals NaN).
 * Cases are skipped when they use an op the engine does not claim, or when
 * the engine refuses a type, attribute value or opset with
 * QE_ERR_UNSUPPORTED while preparing (the reason is counted and printed).
 *
 * Per-case tolerance overrides (documented here, none widen more than
 * needed):
 *   - none at present.
 *
 * With --roundtrip every claimed model is first written with
 * qe_onnx_save_buffer() (at its own opset) and read back, which checks the
 * writer against the same expected outputs.
 *
 * Usage: test-conformance [-v] [--roundtrip] [DATA_DIR] [NAME_FILTER]
 * Exit 0 when every claimed case passes, 1 otherwise, 77 without the data.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "qe/qe_graph.h"
#include "qe/qe_onnx.h"
#include "qe/qe_runtime.h"

#define RTOL 1e-3
#define ATOL 1e-7

static int verbose;
static int roundtrip; /* write each model with qe_onnx_save_buffer and read it back first */
static int roundtripped;

typedef struct reason {
  char text[160];
  int count;
} reason;

static reason reasons[512];
static int n_reasons;

static void count_reason(const char *text)
{
  for (int i = 0; i < n_reasons; i++)
    if (strcmp(reasons[i].text, text) == 0) {
      reasons[i].count++;
      return;
    }
  if (n_reasons < 512) {
    snprintf(reasons[n_reasons].text, sizeof reasons[n_reasons].text, "%s", text);
    reasons[n_reasons++].count = 1;
  }
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *path, size_t *n)
{
  DIR *d = opendir(path);
  *n = 0;
  if (!d)
    return NULL;
  char **v = NULL;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      v = realloc(v, cap * sizeof *v);
    }
    v[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  if (*n)
    qsort(v, *n, sizeof *v, cmp_names);
  return v;
}

static void free_list(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* 0 equal, else prints the first difference. */
static int compare(const char *cs, const char *name, const qe_array *got, const qe_array *want)
{
  char b1[128], b2[128];
  if (got->rank != want->rank || memcmp(got->dims, want->dims, sizeof(int64_t) * got->rank)) {
    printf("FAIL %s: output '%s' shape %s, expected %s\n", cs, name,
           qe_dims_to_string(got->dims, got->rank, b1, sizeof b1),
           qe_dims_to_string(want->dims, want->rank, b2, sizeof b2));
    return 1;
  }
  if (got->dtype != want->dtype) {
    printf("FAIL %s: output '%s' type %s, expected %s\n", cs, name, qe_dtype_name(got->dtype),
           qe_dtype_name(want->dtype));
    return 1;
  }
  int64_t n = qe_array_count(got);
  qe_array *g = NULL, *w = NULL;
  bool exact = !qe_dtype_is_float(got->dtype);
  for (int64_t i = 0; i < n; i++) {
    double a, b;
    if (exact) {
      size_t es = qe_dtype_size(got->dtype);
      if (memcmp((const char *)got->data + i * es, (const char *)want->data + i * es, es)) {
        printf("FAIL %s: output '%s' element %lld differs\n", cs, name, (long long)i);
        return 1;
      }
      continue;
    }
    if (!g) {
      qe_ctx *c = qe_ctx_new();
      qe_array_to_f32(got, &g, c);
      qe_array_to_f32(want, &w, c);
      qe_ctx_free(c);
      if (got->dtype == QE_DT_F64) {
        /* compare doubles directly */
        qe_array_free(g);
        qe_array_free(w);
        g = w = NULL;
      }
    }
    if (got->dtype == QE_DT_F64) {
      a = ((const double *)got->data)[i];
      b = ((const double *)want->data)[i];
    } else {
      a = ((const float *)g->data)[i];
      b = ((const float *)w->data)[i];
    }
    if (isnan(a) && isnan(b))
      continue;
    if (isinf(a) && a == b)
      continue;
    if (!(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
      printf("FAIL %s: output '%s' element %lld is %.9g, expected %.9g\n", cs, name, (long long)i,
             a, b);
      qe_array_free(g);
      qe_array_free(w);
      return 1;
    }
  }
  qe_array_free(g);
  qe_array_free(w);
  return 0;
}

enum { PASS, FAIL, SKIP };

static int run_case(const char *dir, const char *cs)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_runtime *rt = NULL;
  int result = PASS;
  qe_status st = qe_onnx_load(path, &g, ctx);
  if (st == QE_ERR_UNSUPPORTED) {
    char r[160];
    const char *m = qe_ctx_error(ctx);
    const char *p = strstr(m, "opset");
    snprintf(r, sizeof r, "%s",
             p && strstr(m, "default ONNX domain") ? "model opset outside 7-17"
             : strstr(m, "IR version")             ? "IR version outside 3-8"
                                                   : "unsupported model feature");
    count_reason(r);
    if (verbose)
      printf("SKIP %s: %s\n", cs, m);
    result = SKIP;
    goto out;
  }
  if (st != QE_OK) {
    printf("FAIL %s: load: %s\n", cs, qe_ctx_error(ctx));
    result = FAIL;
    goto out;
  }
  if (roundtrip && qe_graph_check_supported(g, ctx) == QE_OK) {
    /* Write at the model's own opset (7 and up) and read back: the writer
     * must keep every supported model runnable and exact. */
    int64_t opset = qe_graph_opset(g, "");
    if (opset >= 7) {
      uint8_t *buf = NULL;
      size_t len = 0;
      qe_onnx_save_options opt = { .opset = opset, .ir_version = g->ir_version };
      qe_graph *back = NULL;
      if (qe_onnx_save_buffer(g, &opt, &buf, &len, ctx) != QE_OK ||
          qe_onnx_load_buffer(buf, len, "saved", dir, &back, ctx) != QE_OK) {
        printf("FAIL %s: write/read back: %s\n", cs, qe_ctx_error(ctx));
        free(buf);
        result = FAIL;
        goto out;
      }
      free(buf);
      qe_graph_free(g);
      g = back;
      roundtripped++;
    }
  }
  if (qe_graph_check_supported(g, ctx) != QE_OK) {
    /* Count each unsupported op type once per case. */
    for (size_t i = 0; i < g->n_nodes; i++) {
      const qe_node *n = &g->nodes[i];
      if (qe_op_supported(n->op) && (!n->domain || !n->domain[0]))
        continue;
      char r[160];
      snprintf(r, sizeof r, "op %s%s%s", n->domain && n->domain[0] ? n->domain : "",
               n->domain && n->domain[0] ? "." : "", n->op_type);
      count_reason(r);
      break;
    }
    if (verbose)
      printf("SKIP %s: %s\n", cs, qe_ctx_error(ctx));
    result = SKIP;
    goto out;
  }
  st = qe_runtime_new(g, &rt, ctx);
  if (st == QE_ERR_UNSUPPORTED) {
    char r[160];
    const char *m = qe_ctx_error(ctx);
    const char *op = strchr(m, '(');
    const char *colon = op ? strstr(op, "): ") : NULL;
    if (op && colon)
      snprintf(r, sizeof r, "mode/type of %.*s: %.60s", (int)(colon - op - 1), op + 1, colon + 3);
    else
      snprintf(r, sizeof r, "%.150s", m);
    count_reason(r);
    if (verbose)
      printf("SKIP %s: %s\n", cs, m);
    result = SKIP;
    goto out;
  }
  if (st != QE_OK) {
    printf("FAIL %s: prepare: %s\n", cs, qe_ctx_error(ctx));
    result = FAIL;
    goto out;
  }
  size_t nsets;
  char **sets = list_dir(dir, &nsets);
  int ran = 0;
  for (size_t s = 0; s < nsets && result == PASS; s++) {
    if (strncmp(sets[s], "test_data_set_", 14) != 0)
      continue;
    qe_array *ins[64] = { 0 };
    size_t nin = 0;
    for (; nin < g->n_inputs && nin < 64; nin++) {
      snprintf(path, sizeof path, "%s/%s/input_%zu.pb", dir, sets[s], nin);
      if (qe_onnx_read_tensor(path, &ins[nin], NULL, ctx) != QE_OK) {
        printf("FAIL %s: %s\n", cs, qe_ctx_error(ctx));
        result = FAIL;
        break;
      }
    }
    if (result == PASS && qe_runtime_run(rt, nin, (const qe_array *const *)ins, ctx) != QE_OK) {
      printf("FAIL %s: run: %s\n", cs, qe_ctx_error(ctx));
      result = FAIL;
    }
    for (size_t k = 0; result == PASS && k < g->n_outputs; k++) {
      qe_array *want;
      snprintf(path, sizeof path, "%s/%s/output_%zu.pb", dir, sets[s], k);
      if (qe_onnx_read_tensor(path, &want, NULL, ctx) != QE_OK) {
        printf("FAIL %s: %s\n", cs, qe_ctx_error(ctx));
        result = FAIL;
        break;
      }
      char label[600];
      snprintf(label, sizeof label, "%s/%s", cs, sets[s]);
      if (compare(label, g->tensors[g->outputs[k]].name, qe_runtime_output(rt, k), want))
        result = FAIL;
      qe_array_free(want);
    }
    for (size_t i = 0; i < nin; i++)
      qe_array_free(ins[i]);
    ran++;
  }
  free_list(sets, nsets);
  if (result == PASS && ran == 0) {
    count_reason("no test data sets");
    result = SKIP;
  }
  if (result == PASS && verbose)
    printf("PASS %s\n", cs);
out:
  qe_runtime_free(rt);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return result;
}

int main(int argc, char **argv)
{
  const char *root = "/usr/include/onnx/backend/test/data";
  const char *filter = NULL;
  int ai = 1;
  for (; ai < argc && argv[ai][0] == '-'; ai++) {
    if (strcmp(argv[ai], "-v") == 0)
      verbose = 1;
    else if (strcmp(argv[ai], "--roundtrip") == 0)
      roundtrip = 1;
  }
  if (ai < argc)
    root = argv[ai++];
  if (ai < argc)
    filter = argv[ai++];
  struct stat sb;
  if (stat(root, &sb) != 0) {
    printf("SKIP: ONNX test data not found at %s (install libonnx-testdata)\n", root);
    return 77;
  }
  static const char *const suites[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };
  int passed = 0, failed = 0, skipped = 0;
  clock_t t0 = clock();
  for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
    char sdir[4096];
    snprintf(sdir, sizeof sdir, "%s/%s", root, suites[s]);
    size_t n;
    char **cases = list_dir(sdir, &n);
    for (size_t i = 0; i < n; i++) {
      if (filter && !strstr(cases[i], filter))
        continue;
      char dir[4096], cs[600];
      snprintf(dir, sizeof dir, "%s/%s", sdir, cases[i]);
      snprintf(cs, sizeof cs, "%s/%s", suites[s], cases[i]);
      switch (run_case(dir, cs)) {
      case PASS:
        passed++;
        break;
      case FAIL:
        failed++;
        break;
      default:
        skipped++;
      }
    }
    free_list(cases, n);
  }
  /* Reasons for skipping, most frequent first. */
  for (int i = 0; i < n_reasons; i++)
    for (int j = i + 1; j < n_reasons; j++)
      if (reasons[j].count > reasons[i].count) {
        reason t = reasons[i];
        reasons[i] = reasons[j];
        reasons[j] = t;
      }
  printf("skipped cases by reason:\n");
  for (int i = 0; i < n_reasons; i++)
    printf("  %4d  %s\n", reasons[i].count, reasons[i].text);
  if (roundtrip)
    printf("%d models were written by qe_onnx_save_buffer() and read back before running\n",
           roundtripped);
  printf("%d passed, %d failed, %d skipped (unsupported op) in %.1f s\n", passed, failed, skipped,
         (double)(clock() - t0) / CLOCKS_PER_SEC);
  return failed ? 1 : 0;
}
