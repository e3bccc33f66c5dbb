/* test-biascorr.c - bias correction: with coarse (2-bit) weights and inputs
 * whose mean is far from zero, the int8 model's per-channel mean output
 * error must shrink a lot once the biases are corrected by (W_q - W) E[x].
 * Also: a conv layer quantized per tensor, then per channel, on the same
 * synthetic data (per-channel has the smaller error).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_graph.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qz-check-fatal.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;
static float frand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (float)((double)(rng >> 11) / 9007199254740992.0) * 2.0f - 1.0f;
}

#define C_IN  8
#define C_OUT 16
#define HW    4
#define N     64

static qe_graph *build(qe_ctx *ctx)
{
  qe_graph *g;
  CHECK(qe_graph_new(&g, ctx) == QE_OK);
  CHECK(qe_graph_set_opset(g, "", 13, ctx) == QE_OK);
  int64_t xd[4] = { 1, C_IN, HW, HW }, wd[4] = { C_OUT, C_IN, 1, 1 }, bd[1] = { C_OUT };
  int x, y, w, b, n;
  CHECK(qe_graph_add_tensor(g, "x", QE_DT_F32, 4, xd, &x, ctx) == QE_OK);
  CHECK(qe_graph_add_input(g, x, ctx) == QE_OK);
  qe_array *wa = NULL, *ba = NULL;
  CHECK(qe_array_new(QE_DT_F32, 4, wd, &wa, ctx) == QE_OK);
  CHECK(qe_array_new(QE_DT_F32, 1, bd, &ba, ctx) == QE_OK);
  for (int i = 0; i < C_OUT * C_IN; i++)
    ((float *)wa->data)[i] = frand() * (1.0f + (float)(i / C_IN) * 0.3f);
  for (int i = 0; i < C_OUT; i++)
    ((float *)ba->data)[i] = frand();
  CHECK(qe_graph_add_initializer_owned(g, "w", wa, &w, ctx) == QE_OK);
  CHECK(qe_graph_add_initializer_owned(g, "b", ba, &b, ctx) == QE_OK);
  CHECK(qe_graph_add_tensor(g, "y", QE_DT_UNDEFINED, -1, NULL, &y, ctx) == QE_OK);
  int in[3] = { x, w, b };
  CHECK(qe_graph_add_node(g, QE_OP_CONV, "conv", 3, in, 1, &y, &n, ctx) == QE_OK);
  CHECK(qe_graph_add_output(g, y, ctx) == QE_OK);
  CHECK(qe_graph_infer_shapes(g, ctx) == QE_OK);
  return g;
}

/* mean over channels of |mean over samples and pixels of (int8 - float)|,
 * and the mean squared error */
static void errors(const qe_graph *g, const qe_quant_result *r, const qe_array *x, double *bias,
                   double *mse, qe_ctx *ctx)
{
  qe_runtime *rt;
  qe_qexec *ex;
  CHECK(qe_runtime_new(g, &rt, ctx) == QE_OK);
  CHECK(qe_qexec_new(r->qmodel, &ex, ctx) == QE_OK);
  double mean[C_OUT] = { 0 }, sq = 0;
  qe_array *row = NULL;
  int64_t d[4] = { 1, C_IN, HW, HW };
  CHECK(qe_array_new(QE_DT_F32, 4, d, &row, ctx) == QE_OK);
  const size_t per = C_IN * HW * HW;
  for (int s = 0; s < N; s++) {
    memcpy(row->data, (float *)x->data + s * per, per * sizeof(float));
    const qe_array *in[1] = { row };
    qe_array **outs = NULL;
    CHECK(qe_runtime_run(rt, 1, in, ctx) == QE_OK);
    CHECK(qe_qexec_run_arrays(ex, 1, in, &outs, ctx) == QE_OK);
    const float *f = qe_runtime_output(rt, 0)->data, *q = outs[0]->data;
    CHECK(outs[0]->dtype == QE_DT_F32);
    for (int c = 0; c < C_OUT; c++)
      for (int k = 0; k < HW * HW; k++) {
        double e = (double)q[c * HW * HW + k] - f[c * HW * HW + k];
        mean[c] += e;
        sq += e * e;
      }
    qe_array_free(outs[0]);
    free(outs);
  }
  *bias = 0;
  for (int c = 0; c < C_OUT; c++)
    *bias += fabs(mean[c] / (N * HW * HW)) / C_OUT;
  *mse = sq / (N * HW * HW * C_OUT);
  qe_array_free(row);
  qe_qexec_free(ex);
  qe_runtime_free(rt);
}

static void quantize(const qe_graph *g, const qe_array *x, int wbits, bool bc, bool per_tensor,
                     double *bias, double *mse, qe_ctx *ctx)
{
  qe_samples *s = NULL;
  CHECK(qe_samples_from_array(x, 0, "synthetic", &s, ctx) == QE_OK);
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.weight_bits = wbits;
  o.bias_correction = bc;
  o.granularity = per_tensor ? QE_GRANULARITY_PER_TENSOR : QE_GRANULARITY_PER_CHANNEL;
  o.diag_samples = 8;
  qe_quant_result *r = NULL;
  qe_status st = qe_quantize(g, s, &o, &r, ctx);
  if (st)
    fprintf(stderr, "%s\n", qe_ctx_error(ctx));
  CHECK(st == QE_OK);
  CHECK(r->bias_corrected_layers == (bc ? 1u : 0u));
  CHECK(r->n_layers == 1 && isfinite(r->layers[0].sqnr_db));
  CHECK(r->layers[0].n_channels == C_OUT);
  errors(g, r, x, bias, mse, ctx);
  qe_quant_result_free(r);
  qe_samples_free(s);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = build(ctx);
  int64_t xd[4] = { N, C_IN, HW, HW };
  qe_array *x = NULL;
  CHECK(qe_array_new(QE_DT_F32, 4, xd, &x, ctx) == QE_OK);
  for (int64_t i = 0; i < qe_array_count(x); i++)
    ((float *)x->data)[i] = 2.0f + 0.5f * frand(); /* mean 2: a large E[x] */
  double b0, m0, b1, m1;
  quantize(g, x, 2, false, false, &b0, &m0, ctx);
  quantize(g, x, 2, true, false, &b1, &m1, ctx);
  printf("2-bit weights: mean error per channel %.4f -> %.4f with bias correction; "
         "mse %.4f -> %.4f\n",
         b0, b1, m0, m1);
  CHECK(b1 < 0.25 * b0);
  CHECK(m1 < m0);
  /* per-channel vs per-tensor weights at 8 bits */
  double bt, mt, bc, mc;
  quantize(g, x, 8, false, true, &bt, &mt, ctx);
  quantize(g, x, 8, false, false, &bc, &mc, ctx);
  printf("8-bit weights: mse per-tensor %.6f, per-channel %.6f\n", mt, mc);
  CHECK(mc < mt);
  qe_array_free(x);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  printf("bias correction: ok\n");
  return 0;
}
