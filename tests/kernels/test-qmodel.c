/* test-qmodel.c - the int8 model IR: validation messages name the op, its
 * type and the tensor at fault; the executor's observer sees every op's
 * output and can stop the run; arena offsets of tensors live at the same
 * time never overlap; a model's outputs do not depend on the arena plan.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "single-op.h"
#include "qz-check.h"

static void expect(qe_qmodel *m, qe_status status, const char *msg, qe_ctx *ctx)
{
  const qe_status st = qe_qmodel_prepare(m, ctx);
  CHECK(st == status && strstr(qe_ctx_error(ctx), msg) != NULL, "got %d \"%s\", expected \"%s\"",
        (int)st, qe_ctx_error(ctx), msg);
}

static void test_messages(qe_ctx *ctx)
{
  so_rng r = { 5 };
  qe_qmodel *m = so_make_net(&r);
  qe_qtensor *bias;
  size_t saved;
  int32_t saved_dim;
  if (m == NULL) {
    CHECK(0, "net");
    return;
  }
  expect(m, QE_OK, "", ctx);
  /* a bias of the wrong length */
  bias = &m->tensors[m->ops[0].inputs[2]];
  saved_dim = bias->dims[0];
  bias->dims[0] = 7;
  saved = bias->n_quant;
  bias->n_quant = 1;
  expect(m, QE_ERR_SHAPE, "op 0 (CONV_2D 'conv'): bias 'conv/b' has 7 values, expected 8", ctx);
  bias->dims[0] = saved_dim;
  bias->n_quant = saved;
  /* per-channel scales that do not match the channels */
  m->tensors[m->ops[1].inputs[1]].n_quant = 3;
  expect(m, QE_ERR_INVALID, "'dw/w': 3 scales do not match quantized dimension 3", ctx);
  m->tensors[m->ops[1].inputs[1]].n_quant = 8;
  /* an output shape the op does not make */
  m->tensors[m->ops[5].output].dims[1] = 5;
  expect(m, QE_ERR_SHAPE, "op 5 (MAX_POOL_2D 'pool'): output 'pool' has shape [1, 5, 4, 8]", ctx);
  m->tensors[m->ops[5].output].dims[1] = 4;
  /* an op reading a tensor no one writes */
  {
    const int saved_in = m->ops[2].inputs[0];
    m->ops[2].inputs[0] = m->ops[3].output;
    expect(m, QE_ERR_INVALID,
           "op 2 (HARD_SWISH 'hswish'): input 0 'add' is read before any op writes it", ctx);
    m->ops[2].inputs[0] = saved_in;
  }
  /* logistic output scale */
  expect(m, QE_OK, "", ctx);
  qe_qmodel_free(m);
}

typedef struct seen {
  int calls, last_op;
  size_t bytes;
  int stop_at;
} seen;

static int observer(void *user, const qe_qmodel *m, int op, int tensor, const void *data,
                    size_t size)
{
  seen *s = user;
  (void)data;
  if (m->ops[op].output != tensor || op != s->last_op + 1)
    return 1;
  s->calls++;
  s->last_op = op;
  s->bytes += size;
  return op == s->stop_at;
}

static void test_executor(qe_ctx *ctx)
{
  so_rng r = { 9 };
  qe_qmodel *m = so_make_net(&r);
  qe_qexec *e = NULL;
  seen s = { 0, -1, 0, -1 };
  size_t i, j, expect_bytes = 0;
  int8_t out1[5], out2[5];
  if (m == NULL || qe_qexec_new(m, &e, ctx) != QE_OK) {
    CHECK(0, "executor: %s", qe_ctx_error(ctx));
    qe_qmodel_free(m);
    return;
  }
  for (i = 0; i < 12 * 12 * 3; i++)
    ((int8_t *)qe_qexec_input(e, 0))[i] = (int8_t)so_int(&r, -128, 127);
  qe_qexec_set_observer(e, observer, &s);
  CHECK(qe_qexec_run(e, ctx) == QE_OK, "run: %s", qe_ctx_error(ctx));
  for (i = 0; i < m->n_ops; i++)
    expect_bytes += (size_t)qe_qtensor_count(&m->tensors[m->ops[i].output]);
  CHECK(s.calls == (int)m->n_ops && s.bytes == expect_bytes, "observer saw %d ops, %zu bytes",
        s.calls, s.bytes);
  memcpy(out1, qe_qexec_output(e, 0), 5);
  /* Offsets: activations live at once never share bytes. */
  for (i = 0; i < m->n_tensors; i++)
    for (j = i + 1; j < m->n_tensors; j++) {
      const int64_t oi = qe_qexec_tensor_offset(e, (int)i), oj = qe_qexec_tensor_offset(e, (int)j);
      const int64_t si = qe_qtensor_count(&m->tensors[i]), sj = qe_qtensor_count(&m->tensors[j]);
      size_t k;
      int fi = -1, li = -1, fj = -1, lj = -1;
      if (oi < 0 || oj < 0)
        continue;
      /* lifetimes */
      for (k = 0; k < m->n_ops; k++) {
        int q;
        if (m->ops[k].output == (int)i)
          fi = li = (int)k;
        if (m->ops[k].output == (int)j)
          fj = lj = (int)k;
        for (q = 0; q < m->ops[k].n_inputs; q++) {
          if (m->ops[k].inputs[q] == (int)i)
            li = (int)k;
          if (m->ops[k].inputs[q] == (int)j)
            lj = (int)k;
        }
      }
      if ((int)i == m->inputs[0])
        fi = 0;
      if ((int)j == m->inputs[0])
        fj = 0;
      if ((int)i == m->outputs[0])
        li = (int)m->n_ops;
      if ((int)j == m->outputs[0])
        lj = (int)m->n_ops;
      if (fi <= lj && fj <= li)
        CHECK(oi + si <= oj || oj + sj <= oi, "tensors %zu and %zu overlap in the arena", i, j);
    }
  /* Stop after op 3. */
  memset(&s, 0, sizeof(s));
  s.last_op = -1;
  s.stop_at = 3;
  CHECK(qe_qexec_run(e, ctx) == QE_ERR_CANCELLED && s.calls == 4, "observer stop: %s after %d ops",
        qe_ctx_error(ctx), s.calls);
  /* Run again on the same input: the same output (no state kept between
   * runs, the input buffer not clobbered before op 0 reads it). */
  qe_qexec_set_observer(e, NULL, NULL);
  {
    so_rng r2 = { 9 };
    qe_qmodel *m2 = so_make_net(&r2); /* replays the draws of m */
    for (i = 0; i < 12 * 12 * 3; i++)
      ((int8_t *)qe_qexec_input(e, 0))[i] = (int8_t)so_int(&r2, -128, 127);
    qe_qmodel_free(m2);
  }
  CHECK(qe_qexec_run(e, ctx) == QE_OK, "rerun");
  memcpy(out2, qe_qexec_output(e, 0), 5);
  CHECK(memcmp(out1, out2, 5) == 0, "a second run differs");
  printf("arena %zu bytes for %zu activation bytes in all\n", qe_qexec_arena_size(e),
         expect_bytes + 12 * 12 * 3);
  qe_qexec_free(e);
  qe_qmodel_free(m);
}

/* qe_qexec_run_arrays(): float data for an int8 input is quantized with
 * the input's scale; int8 data is copied; outputs come back typed. */
static void test_run_arrays(qe_ctx *ctx)
{
  so_rng r = { 11 };
  qe_qmodel *m = so_make_net(&r);
  qe_qexec *e = NULL;
  const qe_qtensor *it;
  qe_array *xf = NULL, *xq = NULL, **o1 = NULL, **o2 = NULL;
  int64_t dims[4];
  size_t i, n;
  if (m == NULL || qe_qexec_new(m, &e, ctx) != QE_OK) {
    CHECK(0, "executor: %s", qe_ctx_error(ctx));
    qe_qmodel_free(m);
    return;
  }
  it = &m->tensors[m->inputs[0]];
  for (i = 0; i < 4; i++)
    dims[i] = it->dims[i];
  n = (size_t)qe_qtensor_count(it);
  qe_array_new(QE_DT_F32, 4, dims, &xf, ctx);
  qe_array_new(QE_DT_I8, 4, dims, &xq, ctx);
  for (i = 0; i < n; i++) {
    const int q = so_int(&r, -128, 127);
    ((int8_t *)xq->data)[i] = (int8_t)q;
    ((float *)xf->data)[i] = it->scale[0] * (float)(q - it->zero_point[0]);
  }
  {
    const qe_array *const a1[1] = { xf }, *const a2[1] = { xq };
    CHECK(qe_qexec_run_arrays(e, 1, a1, &o1, ctx) == QE_OK, "float input: %s", qe_ctx_error(ctx));
    CHECK(qe_qexec_run_arrays(e, 1, a2, &o2, ctx) == QE_OK, "int8 input: %s", qe_ctx_error(ctx));
  }
  if (o1 && o2)
    CHECK(o1[0]->dtype == QE_DT_I8 && qe_array_count(o1[0]) == 5 &&
              memcmp(o1[0]->data, o2[0]->data, 5) == 0,
          "float and int8 inputs of the same values differ");
  {
    /* the 5-value output given as input: refused, naming the input */
    qe_array **o3 = NULL;
    const qe_array *const bad[1] = { o1 ? o1[0] : xq };
    CHECK(o1 == NULL || (qe_qexec_run_arrays(e, 1, bad, &o3, ctx) == QE_ERR_SHAPE &&
                         strstr(qe_ctx_error(ctx), "'image'") != NULL),
          "wrong shape accepted: %s", qe_ctx_error(ctx));
  }
  if (o1) {
    qe_array_free(o1[0]);
    free(o1);
  }
  if (o2) {
    qe_array_free(o2[0]);
    free(o2);
  }
  qe_array_free(xf);
  qe_array_free(xq);
  qe_qexec_free(e);
  qe_qmodel_free(m);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  test_messages(ctx);
  test_executor(ctx);
  test_run_arrays(ctx);
  printf("%d checks, %d failed\n", checks, failures);
  qe_ctx_free(ctx);
  return failures ? 1 : 0;
}
