/* test-tflite-roundtrip.c - writer and reader agree: random single-op int8
 * models written, read back and written again give the same bytes, the
 * same tensors and ops and the same outputs; the model carries its
 * description and settings; and bad files are refused with a message
 * naming the operator (custom op, unknown builtin, unsupported version,
 * truncation, flipped bytes).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_tflite.h"
#include "qe_flatbuf.h"
#include "qe_tflite_schema.h"
#include "single-op.h"
#include "qz-check.h"

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
  const size_t k = strlen(needle);
  size_t i;
  for (i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0)
      return true;
  return false;
}

static bool same_model(const qe_qmodel *a, const qe_qmodel *b)
{
  size_t i;
  if (a->n_ops != b->n_ops || a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs)
    return false;
  for (i = 0; i < a->n_ops; i++) {
    const qe_qop *x = &a->ops[i], *y = &b->ops[i];
    int k;
    if (x->type != y->type || x->n_inputs != y->n_inputs || x->output != y->output ||
        x->opt.activation != y->opt.activation || x->opt.padding != y->opt.padding ||
        x->opt.stride_h != y->opt.stride_h || x->opt.stride_w != y->opt.stride_w ||
        x->opt.keep_dims != y->opt.keep_dims || x->opt.beta != y->opt.beta)
      return false;
    for (k = 0; k < x->n_inputs; k++)
      if (x->inputs[k] != y->inputs[k])
        return false;
  }
  for (i = 0; i < a->n_tensors; i++) {
    const qe_qtensor *x = &a->tensors[i], *y = &b->tensors[i];
    if (strcmp(x->name, y->name) != 0 || x->rank != y->rank || x->n_quant != y->n_quant ||
        memcmp(x->dims, y->dims, sizeof(int32_t) * (size_t)x->rank) != 0 ||
        (x->n_quant && (memcmp(x->scale, y->scale, 4 * x->n_quant) != 0 ||
                        memcmp(x->zero_point, y->zero_point, 4 * x->n_quant) != 0)))
      return false;
    if (x->type != y->type && !(x->type == QE_DT_I4 && y->type == QE_DT_I8))
      return false;
    if (x->type == y->type && (x->data_size != y->data_size ||
                               (x->data_size && memcmp(x->data, y->data, x->data_size) != 0)))
      return false;
  }
  return true;
}

/* Run @m on inputs drawn from @r; *out is malloc'ed. */
static bool run(qe_qmodel *m, so_rng r, uint8_t **out, size_t *bytes)
{
  qe_qexec *e = NULL;
  size_t i;
  const qe_qtensor *ot = &m->tensors[m->outputs[0]];
  if (qe_qexec_new(m, &e, NULL) != QE_OK)
    return false;
  for (i = 0; i < m->n_inputs; i++)
    so_fill_input(m, (int)i, qe_qexec_input(e, i), &r);
  if (qe_qexec_run(e, NULL) != QE_OK) {
    qe_qexec_free(e);
    return false;
  }
  *bytes = (size_t)qe_qtensor_count(ot) * qe_qtensor_elem_size(ot);
  *out = malloc(*bytes + 1);
  memcpy(*out, qe_qexec_output(e, 0), *bytes);
  qe_qexec_free(e);
  return true;
}

static void test_round_trips(qe_ctx *ctx)
{
  so_rng r = { 77 };
  int k, n = 0;

  for (k = 0; k < SO_COUNT; k++) {
    int c;
    for (c = 0; c < 8; c++) {
      qe_qmodel *m = so_make((so_kind)k, &r), *back = NULL;
      uint8_t *b1 = NULL, *b2 = NULL;
      size_t s1 = 0, s2 = 0, n1 = 0, n2 = 0;
      uint8_t *o1 = NULL, *o2 = NULL;
      if (m == NULL)
        continue;
      n++;
      qe_qmodel_set_description(m, "round trip", NULL);
      qe_qmodel_set_metadata(m, "weight_bits", "8", NULL);
      CHECK(qe_tflite_write(m, &b1, &s1, ctx) == QE_OK, "write: %s", qe_ctx_error(ctx));
      CHECK(qe_tflite_read(b1, s1, "mem", &back, ctx) == QE_OK, "%s: read: %s", so_kind_name(k),
            qe_ctx_error(ctx));
      if (back != NULL) {
        CHECK(same_model(m, back), "%s: model differs after the round trip", so_kind_name(k));
        CHECK(back->description && strcmp(back->description, "round trip") == 0, "description");
        CHECK(qe_tflite_write(back, &b2, &s2, ctx) == QE_OK, "rewrite");
        if (k != SO_CONV_PACKED4)
          CHECK(s1 == s2 && memcmp(b1, b2, s1) == 0, "%s: rewritten bytes differ", so_kind_name(k));
        CHECK(run(m, r, &o1, &n1) && run(back, r, &o2, &n2) && n1 == n2 && memcmp(o1, o2, n1) == 0,
              "%s: outputs differ after the round trip", so_kind_name(k));
        /* metadata: the tool and the settings, as JSON */
        CHECK(contains(b1, s1, "\"tool\": \"Quantizer\"") &&
                  contains(b1, s1, "\"weight_bits\": \"8\"") &&
                  contains(b1, s1, "min_runtime_version"),
              "metadata missing");
      }
      /* Truncations are refused with the file name; never a crash. */
      if (c == 0) {
        size_t cut;
        for (cut = 0; cut < s1; cut += 1 + s1 / 97) {
          qe_qmodel *t = NULL;
          size_t z;
          bool padding_only = true;
          qe_status st;
          qe_ctx_clear(ctx);
          st = qe_tflite_read(b1, cut, "cut.tflite", &t, ctx);
          for (z = cut; z < s1; z++)
            padding_only = padding_only && b1[z] == 0;
          /* cutting only the trailing alignment padding loses nothing */
          CHECK((st != QE_OK && strstr(qe_ctx_error(ctx), "cut.tflite")) ||
                    (st == QE_OK && padding_only),
                "truncation at %zu of %zu: %s", cut, s1, qe_ctx_error(ctx));
          qe_qmodel_free(t);
        }
      }
      /* Flipped bytes: refused or read, never out of bounds. */
      if (c < 2) {
        int f;
        uint8_t *x = malloc(s1);
        for (f = 0; f < 200; f++) {
          qe_qmodel *t = NULL;
          memcpy(x, b1, s1);
          x[so_next(&r) % s1] ^= (uint8_t)(1u << (so_next(&r) % 8));
          x[so_next(&r) % s1] = (uint8_t)so_next(&r);
          if (qe_tflite_read(x, s1, "flip", &t, ctx) == QE_OK && t != NULL) {
            qe_qexec *e = NULL;
            if (qe_qexec_new(t, &e, ctx) == QE_OK)
              qe_qexec_run(e, ctx);
            qe_qexec_free(e);
          }
          qe_qmodel_free(t);
        }
        free(x);
        checks++;
      }
      free(b1);
      free(b2);
      free(o1);
      free(o2);
      qe_qmodel_free(m);
      qe_qmodel_free(back);
    }
  }
  printf("%d random models round-tripped\n", n);
}

/* A one-op model with the given operator code, built with the flatbuffer
 * builder directly (what another tool could have written). */
static uint8_t *one_op_model(int code, int version, const char *custom, size_t *size)
{
  qe_fb_builder b;
  const uint8_t *data;
  qe_fb_ref t[2], tv, ov, sg, sgv, oc, ocv, buf, bufv, ins, outs, op, root, shape, name, cc = 0;
  const int32_t dims[2] = { 1, 4 }, in0 = 0, out0 = 1;
  uint8_t *copy;
  int i;
  qe_fb_init(&b);
  for (i = 0; i < 2; i++) {
    shape = qe_fb_vector(&b, dims, 2, 4, 4);
    name = qe_fb_string(&b, i ? "y" : "x");
    qe_fb_table_start(&b);
    qe_fb_add_ref(&b, TFL_TENSOR_SHAPE, shape);
    qe_fb_add_ref(&b, TFL_TENSOR_NAME, name);
    t[i] = qe_fb_table_end(&b);
  }
  tv = qe_fb_vector_refs(&b, t, 2);
  ins = qe_fb_vector(&b, &in0, 1, 4, 4);
  outs = qe_fb_vector(&b, &out0, 1, 4, 4);
  qe_fb_table_start(&b);
  qe_fb_add_ref(&b, TFL_OP_INPUTS, ins);
  qe_fb_add_ref(&b, TFL_OP_OUTPUTS, outs);
  op = qe_fb_table_end(&b);
  ov = qe_fb_vector_refs(&b, &op, 1);
  ins = qe_fb_vector(&b, &in0, 1, 4, 4);
  outs = qe_fb_vector(&b, &out0, 1, 4, 4);
  qe_fb_table_start(&b);
  qe_fb_add_ref(&b, TFL_SUBGRAPH_TENSORS, tv);
  qe_fb_add_ref(&b, TFL_SUBGRAPH_INPUTS, ins);
  qe_fb_add_ref(&b, TFL_SUBGRAPH_OUTPUTS, outs);
  qe_fb_add_ref(&b, TFL_SUBGRAPH_OPERATORS, ov);
  sg = qe_fb_table_end(&b);
  sgv = qe_fb_vector_refs(&b, &sg, 1);
  if (custom != NULL)
    cc = qe_fb_string(&b, custom);
  qe_fb_table_start(&b);
  qe_fb_add_i32(&b, TFL_OPCODE_BUILTIN_CODE, code, 0);
  qe_fb_add_u8(&b, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, (uint8_t)(code < 127 ? code : 127), 0);
  qe_fb_add_i32(&b, TFL_OPCODE_VERSION, version, 1);
  qe_fb_add_ref(&b, TFL_OPCODE_CUSTOM_CODE, cc);
  oc = qe_fb_table_end(&b);
  ocv = qe_fb_vector_refs(&b, &oc, 1);
  qe_fb_table_start(&b);
  buf = qe_fb_table_end(&b);
  bufv = qe_fb_vector_refs(&b, &buf, 1);
  qe_fb_table_start(&b);
  qe_fb_add_u32(&b, TFL_MODEL_VERSION, 3, 0);
  qe_fb_add_ref(&b, TFL_MODEL_OPERATOR_CODES, ocv);
  qe_fb_add_ref(&b, TFL_MODEL_SUBGRAPHS, sgv);
  qe_fb_add_ref(&b, TFL_MODEL_BUFFERS, bufv);
  root = qe_fb_table_end(&b);
  qe_fb_finish(&b, root, "TFL3", &data, size);
  copy = malloc(*size);
  memcpy(copy, data, *size);
  qe_fb_free(&b);
  return copy;
}

static void expect_error(int code, int version, const char *custom, const char *msg, qe_ctx *ctx)
{
  size_t size = 0;
  uint8_t *fb = one_op_model(code, version, custom, &size);
  qe_qmodel *m = NULL;
  const qe_status st = qe_tflite_read(fb, size, "model.tflite", &m, ctx);
  CHECK(st == QE_ERR_UNSUPPORTED && strstr(qe_ctx_error(ctx), msg) != NULL,
        "code %d v%d: got \"%s\", expected \"%s\"", code, version, qe_ctx_error(ctx), msg);
  qe_qmodel_free(m);
  free(fb);
}

static void test_bad_ops(qe_ctx *ctx)
{
  size_t size = 0;
  uint8_t *fb;
  qe_qmodel *m = NULL;
  char *ops = NULL;
  expect_error(32, 1, "MyFancyOp", "model.tflite: operator 0: custom op 'MyFancyOp'", ctx);
  expect_error(49, 1, NULL, "model.tflite: operator 0: SPLIT is not supported", ctx);
  expect_error(0, 99, NULL, "model.tflite: operator 0 (ADD): version 99 is not supported", ctx);
  expect_error(151, 1, NULL, "operator 0: builtin 151 is not supported", ctx);
  /* a float RELU reads and runs */
  fb = one_op_model(19, 1, NULL, &size);
  CHECK(qe_tflite_read(fb, size, "relu.tflite", &m, ctx) == QE_OK, "relu: %s", qe_ctx_error(ctx));
  CHECK(qe_tflite_list_ops(fb, size, "relu.tflite", &ops, ctx) == QE_OK && ops &&
            strcmp(ops, "RELU v1 x1") == 0,
        "op list \"%s\"", ops ? ops : "");
  if (m != NULL) {
    qe_qexec *e = NULL;
    float *x;
    const float *y;
    CHECK(qe_qexec_new(m, &e, ctx) == QE_OK, "exec: %s", qe_ctx_error(ctx));
    if (e != NULL) {
      x = qe_qexec_input(e, 0);
      x[0] = -1.0f;
      x[1] = 2.0f;
      x[2] = -0.5f;
      x[3] = 7.0f;
      CHECK(qe_qexec_run(e, ctx) == QE_OK, "run");
      y = qe_qexec_output(e, 0);
      CHECK(y[0] == 0.0f && y[1] == 2.0f && y[2] == 0.0f && y[3] == 7.0f, "float relu");
    }
    qe_qexec_free(e);
  }
  free(ops);
  qe_qmodel_free(m);
  free(fb);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  /* corrupted dims must not make the executor allocate gigabytes */
  qe_ctx_set_alloc_limit(ctx, 64u << 20);
  test_round_trips(ctx);
  test_bad_ops(ctx);
  printf("%d checks, %d failed\n", checks, failures);
  qe_ctx_free(ctx);
  return failures ? 1 : 0;
}
