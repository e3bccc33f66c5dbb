/* qe_pipeline_quant.c - the pipeline's side of the quantizer: settings in
 * plain values (see qe_pipeline_private.h for why), the calibration
 * samples, and read access to the result.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <math.h>
#include <string.h>

#include "qe/qe_json.h"
#include "qe/qe_quantize.h"
#include "qe_pipeline_private.h"

struct qe_pl_quant {
  qe_quant_result *r;
};

/* The settings over the board's defaults: what the user set wins, the
 * board fills the rest, the configuration's defaults fill what neither
 * says. */
static qe_status make_options(const qe_pl_qsettings *s, qe_quant_options *o, qe_ctx *ctx)
{
  qe_status st;
  qe_quant_options_init(o);
  /* the configuration's values (defaults included) */
  o->calib_method = (qe_calib_method)s->calib_method;
  o->calib.percentile = s->percentile;
  o->calib.moving_average_constant = s->moving_average_constant;
  o->granularity = s->granularity ? QE_GRANULARITY_PER_TENSOR : QE_GRANULARITY_PER_CHANNEL;
  o->weight_bits = s->weight_bits;
  o->activation_bits = s->activation_bits;
  o->power_of_two = s->power_of_two;
  o->equalize = s->equalize;
  o->bias_correction = s->bias_correction;
  o->input_type = s->input_type;
  o->output_type = s->output_type;
  o->target_opset = s->target_opset < 13 ? 13 : s->target_opset;
  o->diag_samples = s->diag_samples;
  o->diag_isolated = false;
  o->board = s->board_id;
  if (s->ti_quantization == 2 && (st = qe_quant_options_set(o, "quantization", "2", ctx)) != QE_OK)
    return st;

  if (s->board_yaml) {
    qe_quant_options b;
    qe_quant_options_init(&b);
    if ((st = qe_quant_options_from_board(&b, s->board_yaml, ctx)) != QE_OK)
      return st;
    o->min_weight_bits = b.min_weight_bits;
    o->max_weight_bits = b.max_weight_bits;
    o->min_activation_bits = b.min_activation_bits;
    o->max_activation_bits = b.max_activation_bits;
    unsigned set = s->set_mask;
    if (!(set & QE_PL_SET_CALIB))
      o->calib_method = b.calib_method;
    if (!(set & QE_PL_SET_GRANULARITY) && s->ti_quantization != 2)
      o->granularity = b.granularity;
    if (!(set & QE_PL_SET_WEIGHT_BITS))
      o->weight_bits = b.weight_bits;
    if (!(set & QE_PL_SET_ACTIVATION_BITS))
      o->activation_bits = b.activation_bits;
    if (!(set & QE_PL_SET_POWER_OF_TWO) && s->ti_quantization != 2)
      o->power_of_two = b.power_of_two;
    if (!(set & QE_PL_SET_INPUT_TYPE))
      o->input_type = b.input_type;
    if (!(set & QE_PL_SET_OUTPUT_TYPE))
      o->output_type = b.output_type;
    if (!(set & QE_PL_SET_EQUALIZE))
      o->equalize = b.equalize;
    if (!(set & QE_PL_SET_BIAS_CORRECTION))
      o->bias_correction = b.bias_correction;
    if (s->ti_quantization != 2)
      o->activation_symmetric = b.activation_symmetric;
    o->reduce_range = b.reduce_range;
  }
  return qe_quant_options_validate(o, ctx);
}

qe_status qe_pl_quantize(const qe_graph *g, qe_dataset *ds, int subset, const int64_t *dims,
                         int rank, const char *description, size_t random_count, uint64_t seed,
                         const qe_pl_qsettings *s, qe_pl_quant **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_quant_options o;
  qe_status st = make_options(s, &o, ctx);
  if (st)
    return st;
  qe_samples *samples = NULL;
  size_t n = 0;
  if (ds)
    qe_dataset_subset(ds, (qe_subset)subset, &n);
  if (ds && n > 0)
    st = qe_samples_from_dataset(ds, subset, dims, rank, description, &samples, ctx);
  else
    st = qe_samples_random(g, random_count ? random_count : 5, false, 0.0f, 1.0f, seed, &samples,
                           ctx);
  if (st)
    return st;
  qe_pl_quant *q = calloc(1, sizeof *q);
  if (!q) {
    qe_samples_free(samples);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  st = qe_quantize(g, samples, &o, &q->r, ctx);
  qe_samples_free(samples);
  if (st) {
    free(q);
    return st;
  }
  *out = q;
  return QE_OK;
}

void qe_pl_quant_free(qe_pl_quant *q)
{
  if (!q)
    return;
  qe_quant_result_free(q->r);
  free(q);
}

qe_qmodel *qe_pl_quant_qmodel(const qe_pl_quant *q)
{
  return q->r->qmodel;
}

bool qe_pl_quant_random(const qe_pl_quant *q)
{
  return q->r->random_calibration;
}

const char *qe_pl_quant_calibration(const qe_pl_quant *q)
{
  return q->r->calibration ? q->r->calibration : "";
}

size_t qe_pl_quant_layer_count(const qe_pl_quant *q)
{
  return q->r->n_layers;
}

void qe_pl_quant_layer(const qe_pl_quant *q, size_t i, const char **name, const char **op,
                       double *sqnr_db)
{
  const qe_layer_diag *L = &q->r->layers[i];
  *name = L->name;
  *op = L->op_type;
  *sqnr_db = L->sqnr_db;
}

size_t qe_pl_quant_advice_count(const qe_pl_quant *q)
{
  return q->r->n_ranked;
}

const char *qe_pl_quant_advice(const qe_pl_quant *q, size_t i)
{
  return i < q->r->n_ranked ? q->r->advice[i] : NULL;
}

size_t qe_pl_quant_float_op_count(const qe_pl_quant *q)
{
  return q->r->n_float_ops;
}

const char *qe_pl_quant_float_op(const qe_pl_quant *q, size_t i)
{
  return i < q->r->n_float_ops ? q->r->float_ops[i] : NULL;
}

void qe_pl_quant_describe(const qe_pl_quant *q, int *weight_bits, int *activation_bits,
                          const char **granularity, const char **calib_method, bool *power_of_two)
{
  const qe_quant_options *o = &q->r->options;
  *weight_bits = o->reduce_range ? 7 : o->weight_bits;
  *activation_bits = o->activation_bits;
  *granularity = o->granularity == QE_GRANULARITY_PER_CHANNEL ? "per-channel" : "per-tensor";
  *calib_method = qe_calib_method_name(o->calib_method);
  *power_of_two = o->power_of_two;
}

char *qe_pl_quant_json(const qe_pl_quant *q)
{
  qe_json *j = qe_json_new(false);
  if (!j)
    return NULL;
  qe_json_begin_object(j);
  qe_quant_result_to_json(q->r, j);
  qe_json_end_object(j);
  const char *t = qe_json_text(j, NULL);
  char *s = t ? qe_strdup(t) : NULL;
  qe_json_free(j);
  return s;
}

qe_status qe_pl_quant_save_onnx(const qe_pl_quant *q, const char *path, qe_ctx *ctx)
{
  return qe_quant_save_onnx(q->r, path, ctx);
}
