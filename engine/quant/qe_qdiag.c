/* qe_qdiag.c - per-layer diagnostics of a quantized model (SQNR of every
 * layer's int8 output against float, cumulative and isolated), the ranked
 * advice in plain words, and the quantizer's part of report.json.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe_runtime.h"
#include "qe_quant_internal.h"

#define SQNR_CAP 200.0 /* dB reported for an exact match */

typedef struct acc {
  double sig, noise;
} acc;

typedef struct diag_run {
  const qe_quant_result *r;
  const qe_graph *g;
  const qe_runtime *rt;
  const int *layer_of; /* qmodel tensor -> layer, -1 */
  const int *graph_t;  /* layer -> graph tensor */
  const unsigned char *nhwc;
  const qe_qmodel *m;
  acc *a;
} diag_run;

static double sqnr(const acc *a)
{
  if (a->sig <= 0 && a->noise <= 0)
    return NAN;
  if (a->noise <= 0)
    return SQNR_CAP;
  double v = 10.0 * log10(a->sig / a->noise);
  return v > SQNR_CAP ? SQNR_CAP : v;
}

static int layer_output(const qstate *q, int node)
{
  const qnode *qn = &q->nodes[node];
  if (qn->act_node >= 0)
    return qe_node_output(&q->g->nodes[qn->act_node], 0);
  return qe_node_output(&q->g->nodes[node], 0);
}

/* Compare qmodel tensor bytes against the float value of graph tensor @t. */
static void compare(const qe_qtensor *qt, const void *data, const qe_array *ref, bool nhwc, acc *a)
{
  if (!ref || ref->dtype != QE_DT_F32)
    return;
  const int64_t n = qe_array_count(ref);
  if (n != qe_qtensor_count(qt))
    return;
  const float *f = ref->data;
  int64_t N = 1, C = 1, H = 1, W = 1;
  if (nhwc) {
    N = ref->dims[0];
    C = ref->dims[1];
    if (ref->rank == 4) {
      H = ref->dims[2];
      W = ref->dims[3];
    } else {
      W = ref->dims[2];
    }
  }
  const float scale = qt->n_quant ? qt->scale[0] : 1.0f;
  const int32_t zp = qt->n_quant ? qt->zero_point[0] : 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t j = i;
    if (nhwc) {
      int64_t w = i % W, h = (i / W) % H, c = (i / (W * H)) % C, b = i / (W * H * C);
      j = ((b * H + h) * W + w) * C + c;
    }
    (void)N;
    double v;
    if (qt->type == QE_DT_I8)
      v = (double)scale * (((const int8_t *)data)[j] - zp);
    else if (qt->type == QE_DT_U8)
      v = (double)scale * (((const uint8_t *)data)[j] - zp);
    else if (qt->type == QE_DT_F32)
      v = ((const float *)data)[j];
    else
      return;
    double d = v - f[i];
    a->sig += (double)f[i] * f[i];
    a->noise += d * d;
  }
}

static int diag_observer(void *user_data, const qe_qmodel *m, int op, int tensor, const void *data,
                         size_t size)
{
  diag_run *d = user_data;
  (void)op;
  (void)size;
  int L = d->layer_of[tensor];
  if (L < 0)
    return 0;
  int t = d->graph_t[L];
  compare(&m->tensors[tensor], data, qe_runtime_tensor(d->rt, t), d->nhwc[L], &d->a[L]);
  return 0;
}

/* Run @m (prepared) and the float graph over up to @max samples; accumulate
 * errors of the layers whose qmodel tensor is in @layer_of. */
static qe_status run_compare(qstate *q, const qe_quant_result *r, qe_qmodel *m, qe_samples *s,
                             size_t max, const int *layer_of, const int *graph_t,
                             const unsigned char *nhwc, acc *a, qe_ctx *ctx)
{
  qe_runtime *rt = NULL;
  qe_qexec *ex = NULL;
  qe_ctx *outer = ctx;
  /* quiet inner context (the runtime and executor report per node) */
  ctx = qe_ctx_new();
  if (!ctx)
    return qe_error(outer, QE_ERR_NOMEM, "out of memory");
  qe_ctx_set_alloc_limit(ctx, qe_ctx_alloc_limit(outer));
  qe_status st = qe_runtime_new(q->g, &rt, ctx);
  if (st)
    goto out;
  if ((st = qe_qexec_new(m, &ex, ctx)) != QE_OK)
    goto out;
  diag_run d = { r, q->g, rt, layer_of, graph_t, nhwc, m, a };
  qe_qexec_set_observer(ex, diag_observer, &d);
  if ((st = qe_samples_begin(s, ctx)) != QE_OK)
    goto out;
  for (size_t k = 0; k < max; k++) {
    const qe_array *const *in = NULL;
    size_t n_in = 0;
    bool done = false;
    if ((st = qe_samples_next(s, &in, &n_in, &done, ctx)) != QE_OK || done)
      break;
    if (n_in != q->g->n_inputs) {
      st = qe_error(ctx, QE_ERR_DATA, "diagnostics: samples have %zu inputs, the model %zu", n_in,
                    q->g->n_inputs);
      break;
    }
    /* Give each input the graph's shape (batch axis, float32). */
    qe_array *conv[8] = { 0 };
    const qe_array *use[8];
    for (size_t i = 0; i < n_in && i < 8 && !st; i++) {
      const qe_tensor *t = &q->g->tensors[q->g->inputs[i]];
      st = qe_array_to_f32(in[i], &conv[i], ctx);
      if (!st) {
        conv[i]->rank = t->rank;
        memcpy(conv[i]->dims, t->dims, sizeof t->dims);
        use[i] = conv[i];
      }
    }
    qe_array **outs = NULL;
    if (!st)
      st = qe_runtime_run(rt, n_in, use, ctx);
    if (!st)
      st = qe_qexec_run_arrays(ex, n_in, use, &outs, ctx);
    if (outs) {
      for (size_t i = 0; i < m->n_outputs; i++)
        qe_array_free(outs[i]);
      free(outs);
    }
    for (size_t i = 0; i < 8; i++)
      qe_array_free(conv[i]);
    if (st)
      break;
    if ((st = qe_progress(outer, -1.0, "diagnosing")) != QE_OK)
      break;
  }
out:
  if (st && st != QE_ERR_CANCELLED)
    st = qe_error(outer, st, "diagnostics: %s", qe_ctx_error(ctx));
  qe_qexec_free(ex);
  qe_runtime_free(rt);
  qe_ctx_free(ctx);
  return st;
}

static bool computes(const qnode *qn)
{
  return qn->kind == QN_INT8 && qn->qop != QE_QOP_RESHAPE && qn->qop != QE_QOP_TRANSPOSE &&
         qn->qop != QE_QOP_PAD && qn->qop != QE_QOP_MAX_POOL_2D;
}

static char *advice_for(const qe_quant_result *r, const qe_layer_diag *L, const qnode *qn,
                        size_t rank)
{
  const qe_quant_options *o = &r->options;
  const double db = isfinite(L->sqnr_isolated_db) ? L->sqnr_isolated_db : L->sqnr_db;
  if (L->n_channels > 1 && L->weight_absmax_min > 0) {
    double ratio = L->weight_absmax_max / L->weight_absmax_min;
    if (o->granularity == QE_GRANULARITY_PER_TENSOR && ratio >= 10)
      return qe_strdup_printf("layer %s's weights vary %.0fx between channels: per-channel "
                              "quantization or equalization will help",
                              L->name, ratio);
  }
  if (qn->has_w && o->weight_bits < 8)
    return qe_strdup_printf("layer %s keeps only %d-bit weights (%.1f dB): giving this layer "
                            "8-bit weights would help most",
                            L->name, o->weight_bits, db);
  if (L->clipped_fraction > 1e-3)
    return qe_strdup_printf("layer %s's outputs are cut off on %.2f%% of the calibration values: "
                            "the minmax calibration keeps the full range",
                            L->name, 100.0 * L->clipped_fraction);
  /* a few extreme values stretching the range: 99.9 % of the histogram
   * within a tenth of it */
  uint64_t total = 0, top = 0;
  for (int k = 0; k < QE_DIAG_HIST_BINS; k++)
    total += L->hist[k];
  if (total && L->seen_max > L->seen_min) {
    int zero_bin =
        (int)floor((0.0 - L->seen_min) / (L->seen_max - L->seen_min) * QE_DIAG_HIST_BINS);
    uint64_t near = 0;
    for (int k = 0; k < QE_DIAG_HIST_BINS; k++)
      if (abs(k - zero_bin) <= QE_DIAG_HIST_BINS / 10)
        near += L->hist[k];
    top = total - near;
    if ((double)top / (double)total < 1e-3 && o->calib_method == QE_CALIB_MINMAX)
      return qe_strdup_printf("a few extreme values stretch layer %s's output range: percentile "
                              "or entropy calibration will help",
                              L->name);
  }
  if (db >= 40.0)
    return qe_strdup_printf("layer %s keeps %.1f dB signal-to-noise: the int8 model follows the "
                            "float one closely there",
                            L->name, db);
  if (rank == 0)
    return qe_strdup_printf("layer %s loses the most precision (%.1f dB signal-to-noise): keeping "
                            "it in float would help most",
                            L->name, db);
  return qe_strdup_printf("layer %s loses precision next (%.1f dB signal-to-noise)", L->name, db);
}

static qe_status rank_layers(qe_quant_result *r)
{
  qstate *q = &r->priv->q;
  for (size_t i = 0; i < r->n_ranked; i++)
    free(r->advice[i]);
  free(r->advice);
  free(r->ranking);
  r->advice = NULL;
  r->ranking = NULL;
  r->n_ranked = 0;
  size_t n = 0;
  size_t *idx = calloc(r->n_layers ? r->n_layers : 1, sizeof *idx);
  if (!idx)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < r->n_layers; i++) {
    const qe_layer_diag *L = &r->layers[i];
    double v = isfinite(L->sqnr_isolated_db) ? L->sqnr_isolated_db : L->sqnr_db;
    if (!L->in_float && isfinite(v) && computes(&q->nodes[L->node]))
      idx[n++] = i;
  }
  /* insertion sort, worst (lowest SQNR) first */
  for (size_t i = 1; i < n; i++) {
    size_t k = idx[i];
    const qe_layer_diag *Lk = &r->layers[k];
    double vk = isfinite(Lk->sqnr_isolated_db) ? Lk->sqnr_isolated_db : Lk->sqnr_db;
    size_t j = i;
    while (j > 0) {
      const qe_layer_diag *Lj = &r->layers[idx[j - 1]];
      double vj = isfinite(Lj->sqnr_isolated_db) ? Lj->sqnr_isolated_db : Lj->sqnr_db;
      if (vj <= vk)
        break;
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = k;
  }
  size_t keep = n < 5 ? n : 5;
  r->advice = calloc(keep ? keep : 1, sizeof *r->advice);
  if (!r->advice) {
    free(idx);
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  }
  r->ranking = idx;
  for (size_t i = 0; i < keep; i++) {
    const qe_layer_diag *L = &r->layers[idx[i]];
    r->advice[i] = advice_for(r, L, &q->nodes[L->node], i);
    if (!r->advice[i])
      return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
    r->n_ranked = i + 1;
  }
  return QE_OK;
}

qe_status qe_quant_diagnose(qe_quant_result *r, qe_samples *samples, size_t max, bool isolated,
                            qe_ctx *ctx)
{
  if (!r || !r->priv || !r->qmodel)
    return qe_error(ctx, QE_ERR_INVALID, "diagnostics need a quantization result");
  qstate *q = &r->priv->q;
  q->ctx = ctx;
  const size_t nl = r->n_layers, ntq = r->qmodel->n_tensors;
  qe_status st = QE_OK;
  int *layer_of = malloc((ntq ? ntq : 1) * sizeof *layer_of);
  int *graph_t = malloc((nl ? nl : 1) * sizeof *graph_t);
  unsigned char *nhwc = calloc(nl ? nl : 1, 1);
  acc *a = calloc(nl ? nl : 1, sizeof *a);
  qn_kind *kinds = malloc((q->nn ? q->nn : 1) * sizeof *kinds);
  if (!layer_of || !graph_t || !nhwc || !a || !kinds) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (max == 0)
    max = SIZE_MAX;
  /* cumulative: the whole int8 model */
  for (size_t k = 0; k < ntq; k++)
    layer_of[k] = -1;
  for (size_t i = 0; i < nl; i++) {
    int t = layer_output(q, r->layers[i].node);
    graph_t[i] = t;
    nhwc[i] = r->tensor_nhwc[t];
    if (r->tensor_map[t] >= 0) {
      layer_of[r->tensor_map[t]] = (int)i;
      /* the op index that wrote it */
      for (size_t o = 0; o < r->qmodel->n_ops; o++)
        if (r->qmodel->ops[o].output == r->tensor_map[t])
          r->layers[i].qop_index = (int)o;
    }
  }
  if ((st = qe_progress(ctx, 0.0, "diagnosing")) != QE_OK)
    goto out;
  if ((st = run_compare(q, r, r->qmodel, samples, max, layer_of, graph_t, nhwc, a, ctx)) != QE_OK)
    goto out;
  for (size_t i = 0; i < nl; i++)
    r->layers[i].sqnr_db = sqnr(&a[i]);
  if (isolated) {
    /* one model per layer, only that layer in int8, over fewer samples */
    qe_quant_options io = r->options;
    io.input_type = io.output_type = QE_DT_F32;
    const qe_quant_options *saved = q->o;
    q->o = &io;
    size_t iso_max = max < 8 ? max : 8;
    for (size_t i = 0; i < nl && !st; i++) {
      const int node = r->layers[i].node;
      if (!computes(&q->nodes[node]))
        continue;
      for (size_t k = 0; k < q->nn; k++)
        kinds[k] = q->nodes[k].kind == QN_NONE ? QN_NONE : QN_FLOAT;
      kinds[node] = QN_INT8;
      qe_qmodel *m = NULL;
      st = qe_quant_lower(q, kinds, &m);
      if (!st) {
        qe_ctx *quiet = qe_ctx_new();
        st = quiet ? qe_qmodel_prepare(m, quiet) : QE_ERR_NOMEM;
        if (st)
          st = qe_error(ctx, st, "diagnostics: %s", quiet ? qe_ctx_error(quiet) : "out of memory");
        qe_ctx_free(quiet);
      }
      if (!st) {
        int *lo2 = malloc((m->n_tensors ? m->n_tensors : 1) * sizeof *lo2);
        acc one[1];
        memset(one, 0, sizeof one);
        if (!lo2) {
          st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        } else {
          for (size_t k = 0; k < m->n_tensors; k++)
            lo2[k] = -1;
          int t = graph_t[i];
          int gt[1] = { t };
          unsigned char nh[1] = { q->prim_nhwc[t] };
          if (q->prim[t] >= 0)
            lo2[q->prim[t]] = 0;
          st = run_compare(q, r, m, samples, iso_max, lo2, gt, nh, one, ctx);
          r->layers[i].sqnr_isolated_db = sqnr(&one[0]);
          free(lo2);
        }
      }
      qe_qmodel_free(m);
      if (!st)
        st = qe_progress(ctx, (double)(i + 1) / (double)nl, "diagnosing");
    }
    q->o = saved;
    if (st)
      goto out;
  }
  st = rank_layers(r);
out:
  free(layer_of);
  free(graph_t);
  free(nhwc);
  free(a);
  free(kinds);
  return st;
}

/* ---- report.json ------------------------------------------------------------ */

static const char *type_name(qe_dtype t)
{
  return t == QE_DT_F32 ? "float" : t == QE_DT_U8 ? "uint8" : "int8";
}

void qe_quant_result_to_json(const qe_quant_result *r, qe_json *j)
{
  const qe_quant_options *o = &r->options;
  qe_json_key(j, "quantization");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "method", "post-training");
  qe_json_key(j, "calibration");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "method", qe_calib_method_name(o->calib_method));
  qe_json_kv_string(j, "data", r->calibration);
  qe_json_kv_bool(j, "random_data", r->random_calibration);
  qe_json_kv_int(j, "samples", (int64_t)r->calibration_samples);
  if (o->calib_method == QE_CALIB_PERCENTILE)
    qe_json_kv_number(j, "percentile", o->calib.percentile);
  if (o->calib_method == QE_CALIB_MOVING_AVERAGE)
    qe_json_kv_number(j, "moving_average_constant", o->calib.moving_average_constant);
  if (o->calib_method == QE_CALIB_ENTROPY || o->calib_method == QE_CALIB_PERCENTILE ||
      o->calib_method == QE_CALIB_MSE)
    qe_json_kv_int(j, "histogram_bins", o->calib.bins);
  qe_json_end_object(j);
  qe_json_kv_string(j, "granularity",
                    o->granularity == QE_GRANULARITY_PER_CHANNEL ? "per_channel" : "per_tensor");
  qe_json_kv_int(j, "weight_bits", o->reduce_range ? 7 : o->weight_bits);
  qe_json_kv_int(j, "activation_bits", o->activation_bits);
  qe_json_kv_string(j, "activation_type", type_name(o->activation_type));
  qe_json_kv_bool(j, "activation_symmetric", o->activation_symmetric);
  qe_json_kv_string(j, "input_type", type_name(o->input_type));
  qe_json_kv_string(j, "output_type", type_name(o->output_type));
  qe_json_kv_bool(j, "power_of_two", o->power_of_two);
  qe_json_kv_bool(j, "reduce_range", o->reduce_range);
  qe_json_kv_int(j, "target_opset", o->target_opset);
  qe_json_key(j, "equalization");
  qe_json_begin_object(j);
  qe_json_kv_bool(j, "enabled", o->equalize);
  qe_json_kv_int(j, "pairs", (int64_t)r->equalized_pairs);
  qe_json_end_object(j);
  qe_json_key(j, "bias_correction");
  qe_json_begin_object(j);
  qe_json_kv_bool(j, "enabled", o->bias_correction);
  qe_json_kv_int(j, "layers", (int64_t)r->bias_corrected_layers);
  qe_json_end_object(j);
  if (r->random_calibration)
    qe_json_kv_string(j, "note",
                      "calibrated on random data: the sizes are right, the accuracy is not "
                      "meaningful");
  qe_json_end_object(j);

  qe_json_key(j, "layers");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_layers; i++) {
    const qe_layer_diag *L = &r->layers[i];
    qe_json_begin_object(j);
    qe_json_kv_string(j, "name", L->name);
    qe_json_kv_string(j, "op", L->op_type);
    qe_json_kv_number(j, "sqnr_db", L->sqnr_db);
    qe_json_kv_number(j, "sqnr_isolated_db", L->sqnr_isolated_db);
    qe_json_kv_string(j, "int8_op", L->qop);
    qe_json_kv_bool(j, "in_float", L->in_float);
    if (L->float_reason)
      qe_json_kv_string(j, "float_reason", L->float_reason);
    qe_json_kv_number(j, "scale", L->scale);
    qe_json_kv_int(j, "zero_point", L->zero_point);
    qe_json_key(j, "range");
    qe_json_begin_array(j);
    qe_json_number(j, L->range_lo);
    qe_json_number(j, L->range_hi);
    qe_json_end_array(j);
    qe_json_key(j, "seen");
    qe_json_begin_array(j);
    qe_json_number(j, L->seen_min);
    qe_json_number(j, L->seen_max);
    qe_json_end_array(j);
    qe_json_kv_number(j, "clipped_fraction", L->clipped_fraction);
    if (L->n_channels) {
      qe_json_key(j, "weights");
      qe_json_begin_object(j);
      qe_json_kv_int(j, "channels", (int64_t)L->n_channels);
      qe_json_kv_number(j, "absmax_min", L->weight_absmax_min);
      qe_json_kv_number(j, "absmax_max", L->weight_absmax_max);
      qe_json_kv_number(j, "channel_ratio",
                        L->weight_absmax_min > 0 ? L->weight_absmax_max / L->weight_absmax_min
                                                 : NAN);
      qe_json_kv_number(j, "scale_min", L->weight_scale_min);
      qe_json_kv_number(j, "scale_max", L->weight_scale_max);
      qe_json_key(j, "channel_absmax");
      qe_json_begin_array(j);
      for (size_t c = 0; c < L->n_channels; c++)
        qe_json_number(j, L->channel_absmax[c]);
      qe_json_end_array(j);
      qe_json_end_object(j);
    }
    qe_json_key(j, "histogram");
    qe_json_begin_array(j);
    for (int k = 0; k < QE_DIAG_HIST_BINS; k++)
      qe_json_int(j, (int64_t)L->hist[k]);
    qe_json_end_array(j);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);

  qe_json_key(j, "float_ops");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_float_ops; i++)
    qe_json_string(j, r->float_ops[i]);
  qe_json_end_array(j);

  qe_json_key(j, "advice");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_ranked; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "layer", r->layers[r->ranking[i]].name);
    qe_json_kv_string(j, "text", r->advice[i]);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
}
