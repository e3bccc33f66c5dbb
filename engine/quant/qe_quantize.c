/* qe_quantize.c - the post-training quantization pipeline: options, graph
 * preparation, the plan (which node becomes which int8 op), calibration,
 * activation and weight parameters, bias correction (see qe_quantize.h).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "qe/qe_onnx.h"
#include "qe/qe_yaml.h"
#include "qe/qe_runtime.h"
#include "qe_quant_internal.h"

/* ---- options ------------------------------------------------------------ */

void qe_quant_options_init(qe_quant_options *o)
{
  memset(o, 0, sizeof *o);
  o->calib_method = QE_CALIB_MINMAX;
  qe_calib_params_init(&o->calib);
  o->granularity = QE_GRANULARITY_PER_CHANNEL;
  o->weight_bits = 8;
  o->activation_bits = 8;
  o->activation_type = QE_DT_I8;
  o->input_type = QE_DT_F32;
  o->output_type = QE_DT_F32;
  o->target_opset = 17;
  o->diag_samples = 32;
  o->diag_isolated = true;
}

static bool io_type_ok(qe_dtype t)
{
  return t == QE_DT_F32 || t == QE_DT_I8 || t == QE_DT_U8;
}

qe_status qe_quant_options_validate(const qe_quant_options *o, qe_ctx *ctx)
{
  const char *board = o->board ? o->board : "the target";
  if ((unsigned)o->calib_method >= QE_CALIB_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "calib_method %d is not known", (int)o->calib_method);
  if (o->weight_bits != 8 && o->weight_bits != 4 && o->weight_bits != 2)
    return qe_error(ctx, QE_ERR_INVALID, "weight bits %d: use 8, 4 or 2", o->weight_bits);
  if (o->activation_bits != 8 && o->activation_bits != 4)
    return qe_error(ctx, QE_ERR_INVALID, "activation bits %d: use 8 or 4", o->activation_bits);
  if (o->reduce_range && o->weight_bits != 8)
    return qe_error(ctx, QE_ERR_INVALID, "reduce_range applies to 8-bit weights only");
  if (o->max_weight_bits && o->weight_bits > o->max_weight_bits)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "weight bits %d: %s takes at most %d-bit weights",
                    o->weight_bits, board, o->max_weight_bits);
  if (o->min_weight_bits && o->weight_bits < o->min_weight_bits)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "weight bits %d: %s takes at least %d-bit weights",
                    o->weight_bits, board, o->min_weight_bits);
  if (o->max_activation_bits && o->activation_bits > o->max_activation_bits)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "activation bits %d: %s takes at most %d-bit activations", o->activation_bits,
                    board, o->max_activation_bits);
  if (o->min_activation_bits && o->activation_bits < o->min_activation_bits)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "activation bits %d: %s takes at least %d-bit activations", o->activation_bits,
                    board, o->min_activation_bits);
  if (o->activation_type != QE_DT_I8 && o->activation_type != QE_DT_U8)
    return qe_error(ctx, QE_ERR_INVALID, "activation type %s: use int8 or uint8",
                    qe_dtype_name(o->activation_type));
  if (!io_type_ok(o->input_type))
    return qe_error(ctx, QE_ERR_INVALID, "input type %s: use int8, uint8 or float",
                    qe_dtype_name(o->input_type));
  if (!io_type_ok(o->output_type))
    return qe_error(ctx, QE_ERR_INVALID, "output type %s: use int8, uint8 or float",
                    qe_dtype_name(o->output_type));
  if (o->target_opset < 13 || o->target_opset > 21)
    return qe_error(ctx, QE_ERR_INVALID, "target_opset %d: use 13 to 21 (QDQ per-channel needs 13)",
                    o->target_opset);
  if (o->calib.bins < 16 || o->calib.bins > 65536)
    return qe_error(ctx, QE_ERR_INVALID, "histogram bins %d: use 16 to 65536", o->calib.bins);
  if (!(o->calib.percentile > 0 && o->calib.percentile <= 100))
    return qe_error(ctx, QE_ERR_INVALID, "percentile %g: must be in (0, 100]", o->calib.percentile);
  if (!(o->calib.moving_average_constant > 0 && o->calib.moving_average_constant <= 1))
    return qe_error(ctx, QE_ERR_INVALID, "moving average constant %g: must be in (0, 1]",
                    o->calib.moving_average_constant);
  return QE_OK;
}

static bool parse_bool(const char *v, bool *out)
{
  if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on"))
    *out = true;
  else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
           !strcasecmp(v, "off"))
    *out = false;
  else
    return false;
  return true;
}

static bool parse_int(const char *v, int *out)
{
  char *end;
  long x = strtol(v, &end, 10);
  if (end == v || *end || x < -1000000 || x > 1000000)
    return false;
  *out = (int)x;
  return true;
}

static bool parse_io_type(const char *v, qe_dtype *out)
{
  if (!strcasecmp(v, "int8") || !strcasecmp(v, "qint8") || !strcasecmp(v, "s8"))
    *out = QE_DT_I8;
  else if (!strcasecmp(v, "uint8") || !strcasecmp(v, "quint8") || !strcasecmp(v, "u8"))
    *out = QE_DT_U8;
  else if (!strcasecmp(v, "float") || !strcasecmp(v, "float32") || !strcasecmp(v, "fp32"))
    *out = QE_DT_F32;
  else
    return false;
  return true;
}

qe_status qe_quant_options_set(qe_quant_options *o, const char *key, const char *value, qe_ctx *ctx)
{
  int i;
  bool b;
  if (!key || !value)
    return qe_error(ctx, QE_ERR_INVALID, "quantization setting without a key or a value");
#define BAD(what) return qe_error(ctx, QE_ERR_INVALID, "%s: '%s' is not %s", key, value, what)
  if (!strcmp(key, "quantization_input_type") || !strcmp(key, "input_type")) {
    if (!parse_io_type(value, &o->input_type))
      BAD("int8, uint8 or float");
  } else if (!strcmp(key, "quantization_output_type") || !strcmp(key, "output_type")) {
    if (!parse_io_type(value, &o->output_type))
      BAD("int8, uint8 or float");
  } else if (!strcmp(key, "activation_type")) {
    if (!parse_io_type(value, &o->activation_type) || o->activation_type == QE_DT_F32)
      BAD("int8 or uint8");
  } else if (!strcmp(key, "granularity")) {
    if (!strcasecmp(value, "per_channel") || !strcasecmp(value, "per-channel"))
      o->granularity = QE_GRANULARITY_PER_CHANNEL;
    else if (!strcasecmp(value, "per_tensor") || !strcasecmp(value, "per-tensor"))
      o->granularity = QE_GRANULARITY_PER_TENSOR;
    else
      BAD("per_channel or per_tensor");
  } else if (!strcmp(key, "optimize")) {
    if (!parse_bool(value, &b))
      BAD("true or false");
    o->equalize = o->bias_correction = b;
  } else if (!strcmp(key, "equalize") || !strcmp(key, "cross_layer_equalization")) {
    if (!parse_bool(value, &o->equalize))
      BAD("true or false");
  } else if (!strcmp(key, "bias_correction")) {
    if (!parse_bool(value, &o->bias_correction))
      BAD("true or false");
  } else if (!strcmp(key, "target_opset")) {
    if (!parse_int(value, &i) || i < 13 || i > 21)
      BAD("an opset from 13 to 21");
    o->target_opset = i;
  } else if (!strcmp(key, "extra_options")) {
    if (!strcasecmp(value, "calib_moving_average"))
      o->calib_method = QE_CALIB_MOVING_AVERAGE;
    else if (*value && strcasecmp(value, "none") && strcasecmp(value, "null"))
      BAD("calib_moving_average");
  } else if (!strcmp(key, "calib_method") || !strcmp(key, "calibration_method")) {
    return qe_calib_method_parse(value, &o->calib_method, ctx);
  } else if (!strcmp(key, "quantization")) {
    if (!parse_int(value, &i) || i < 0 || i > 2)
      BAD("0, 1 or 2");
    if (i == 0)
      return qe_error(ctx, QE_ERR_INVALID,
                      "quantization: 0 means floating point (no quantization); use 1 or 2");
    if (i == 2) {
      /* TI NPU style: power-of-two scales, symmetric per-channel weights,
       * symmetric per-tensor activations. */
      o->power_of_two = true;
      o->activation_symmetric = true;
      o->granularity = QE_GRANULARITY_PER_CHANNEL;
    } else {
      o->power_of_two = false;
    }
  } else if (!strcmp(key, "quantization_weight_bitwidth") || !strcmp(key, "weight_bits")) {
    if (!parse_int(value, &i) || (i != 8 && i != 4 && i != 2))
      BAD("8, 4 or 2");
    o->weight_bits = i;
  } else if (!strcmp(key, "quantization_activation_bitwidth") || !strcmp(key, "activation_bits")) {
    if (!parse_int(value, &i) || (i != 8 && i != 4 && i != 2))
      BAD("8, 4 or 2");
    o->activation_bits = i;
  } else if (!strcmp(key, "power_of_two")) {
    if (!parse_bool(value, &o->power_of_two))
      BAD("true or false");
  } else if (!strcmp(key, "reduce_range")) {
    if (!parse_bool(value, &o->reduce_range))
      BAD("true or false");
  } else if (!strcmp(key, "activation_symmetric")) {
    if (!parse_bool(value, &o->activation_symmetric))
      BAD("true or false");
  } else if (!strcmp(key, "percentile")) {
    char *end;
    double p = strtod(value, &end);
    if (end == value || *end || !(p > 0 && p <= 100))
      BAD("a percentile in (0, 100]");
    o->calib.percentile = p;
  } else if (!strcmp(key, "quantization_method") || !strcmp(key, "quantization_type")) {
    if (strcasecmp(value, "PTQ"))
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "%s: '%s': only post-training quantization (PTQ) is done here", key, value);
  } else {
    return qe_error(ctx, QE_ERR_INVALID, "quantization setting '%s' is not known", key);
  }
#undef BAD
  return QE_OK;
}

static qe_status board_bits(const qe_yaml_node *root, const char *key, int *lo, int *hi,
                            qe_ctx *ctx)
{
  const qe_yaml_node *n = qe_yaml_node_get(root, key);
  if (!n)
    return QE_OK;
  *lo = 64;
  *hi = 0;
  size_t cnt = qe_yaml_node_count(n);
  for (size_t i = 0; i < cnt; i++) {
    int64_t v;
    qe_status st = qe_yaml_node_int(qe_yaml_node_item(n, i), &v, ctx);
    if (st)
      return st;
    *lo = (int)v < *lo ? (int)v : *lo;
    *hi = (int)v > *hi ? (int)v : *hi;
  }
  if (cnt == 0)
    *lo = *hi = 0;
  return QE_OK;
}

qe_status qe_quant_options_from_board(qe_quant_options *o, const char *path, qe_ctx *ctx)
{
  qe_yaml_doc *doc = NULL;
  qe_status st = qe_yaml_load_file(path, &doc, ctx);
  if (st)
    return st;
  const qe_yaml_node *root = qe_yaml_root(doc);
  static const char *const keys[] = {
    "granularity",     "weight_bits",  "activation_bits",     "power_of_two",
    "input_type",      "output_type",  "calib_method",        "equalize",
    "bias_correction", "reduce_range", "activation_symmetric"
  };
  const qe_yaml_node *q = qe_yaml_node_get(root, "quantization");
  for (size_t i = 0; q && i < QE_ARRAY_LEN(keys) && !st; i++) {
    const qe_yaml_node *v = qe_yaml_node_get(q, keys[i]);
    if (!v || qe_yaml_node_is_null(v))
      continue;
    const char *text = qe_yaml_node_text(v);
    if (!text)
      continue;
    if ((st = qe_quant_options_set(o, keys[i], text, ctx)) != QE_OK) {
      char where[256];
      qe_error_prefix(ctx, "%s", qe_yaml_node_where(v, where, sizeof where));
    }
  }
  /* Per-tensor weights on a board that asks for them: equalization and
   * bias correction on unless the board says otherwise (the classic
   * per-tensor collapse of depthwise networks). */
  if (!st && q && o->granularity == QE_GRANULARITY_PER_TENSOR) {
    if (!qe_yaml_node_get(q, "equalize"))
      o->equalize = true;
    if (!qe_yaml_node_get(q, "bias_correction"))
      o->bias_correction = true;
  }
  if (!st)
    st = board_bits(root, "weight_bits", &o->min_weight_bits, &o->max_weight_bits, ctx);
  if (!st)
    st = board_bits(root, "activation_bits", &o->min_activation_bits, &o->max_activation_bits, ctx);
  qe_yaml_doc_free(doc);
  return st;
}

/* ---- helpers ------------------------------------------------------------ */

int64_t qe_quant_tensor_count(const qe_tensor *t)
{
  if (t->rank < 0)
    return -1;
  return qe_dims_count(t->dims, t->rank);
}

const float *qe_quant_const_f32(const qe_graph *g, int t)
{
  if (t < 0 || (size_t)t >= g->n_tensors)
    return NULL;
  const qe_tensor *x = &g->tensors[t];
  if (!x->data || x->data->dtype != QE_DT_F32)
    return NULL;
  return x->data->data;
}

static bool scalar_const(const qe_graph *g, int t, float *v)
{
  const float *d = qe_quant_const_f32(g, t);
  if (!d || qe_array_count(g->tensors[t].data) != 1)
    return false;
  *v = d[0];
  return true;
}

bool qe_quant_clip_bounds(const qe_graph *g, const qe_node *n, float *lo, float *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (n->op == QE_OP_RELU) {
    *lo = 0;
    return true;
  }
  if (n->op != QE_OP_CLIP)
    return false;
  const qe_attr *a = qe_node_attr(n, "min");
  const qe_attr *b = qe_node_attr(n, "max");
  if (a || b) {
    if (a)
      *lo = a->f;
    if (b)
      *hi = b->f;
    return true;
  }
  int tmin = qe_node_input(n, 1), tmax = qe_node_input(n, 2);
  if (tmin >= 0 && !scalar_const(g, tmin, lo))
    return false;
  if (tmax >= 0 && !scalar_const(g, tmax, hi))
    return false;
  return true;
}

bool qe_quant_act_of(const qe_graph *g, const qe_node *n, qe_activation *act)
{
  float lo, hi;
  *act = QE_ACT_NONE;
  if (!qe_quant_clip_bounds(g, n, &lo, &hi))
    return false;
  if (lo == 0 && isinf(hi) && hi > 0)
    *act = QE_ACT_RELU;
  else if (lo == 0 && hi == 6)
    *act = QE_ACT_RELU6;
  else if (lo == -1 && hi == 1)
    *act = QE_ACT_RELU_N1_TO_1;
  else
    return false;
  return true;
}

char *qe_quant_node_name(const qe_graph *g, int node)
{
  const qe_node *n = &g->nodes[node];
  if (n->name && *n->name)
    return qe_strdup(n->name);
  return qe_strdup_printf("%s_%d", n->op_type ? n->op_type : qe_op_name(n->op), node);
}

/* ---- preparing the float graph ------------------------------------------ */

static qe_status replace_const(qe_graph *g, qe_node *n, int input, qe_array *data, const char *what,
                               qe_ctx *ctx)
{
  /* A new initializer, so a constant shared with other nodes is untouched. */
  const qe_tensor *old = &g->tensors[n->inputs[input]];
  char *base = qe_strdup_printf("%s_%s", old->name, what);
  char *name = base ? qe_graph_unique_name(g, base) : NULL;
  free(base);
  if (!name) {
    qe_array_free(data);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  int idx;
  size_t node_index = (size_t)(n - g->nodes);
  qe_status st = qe_graph_add_initializer_owned(g, name, data, &idx, ctx);
  free(name);
  if (st)
    return st;
  g->nodes[node_index].inputs[input] = idx;
  return QE_OK;
}

static qe_status copy_f32(const qe_array *a, qe_array **out, qe_ctx *ctx)
{
  return qe_array_to_f32(a, out, ctx);
}

/* Gemm -> alpha = beta = 1, transB = 1, C a [N] vector; Sub/Div by a
 * constant -> Add/Mul. Keeps the outputs numerically the same (up to float
 * rounding of the folded constants). */
static qe_status normalize(qe_graph *g, qe_ctx *ctx)
{
  qe_status st;
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *n = &g->nodes[i];
    if (n->op == QE_OP_GEMM) {
      int tb = qe_node_input(n, 1), tc = qe_node_input(n, 2);
      if (qe_node_int(n, "transA", 0) != 0 || !qe_quant_const_f32(g, tb))
        continue;
      const qe_tensor *B = &g->tensors[tb];
      if (B->rank != 2)
        continue;
      float alpha = qe_node_float(n, "alpha", 1.0f), beta = qe_node_float(n, "beta", 1.0f);
      bool transb = qe_node_int(n, "transB", 0) != 0;
      int64_t K = transb ? B->dims[1] : B->dims[0], N = transb ? B->dims[0] : B->dims[1];
      if (alpha != 1.0f || !transb) {
        qe_array *w = NULL;
        int64_t d[2] = { N, K };
        if ((st = qe_array_new(QE_DT_F32, 2, d, &w, ctx)) != QE_OK)
          return st;
        const float *b = B->data->data;
        float *o = w->data;
        for (int64_t r = 0; r < N; r++)
          for (int64_t c = 0; c < K; c++)
            o[r * K + c] = alpha * (transb ? b[r * K + c] : b[c * N + r]);
        if ((st = replace_const(g, n, 1, w, "nk", ctx)) != QE_OK)
          return st;
        n = &g->nodes[i];
        if ((st = qe_node_set_int(n, "transB", 1, ctx)) != QE_OK ||
            (st = qe_node_set_float(n, "alpha", 1.0f, ctx)) != QE_OK)
          return st;
      }
      if (tc >= 0 && qe_quant_const_f32(g, tc)) {
        const qe_tensor *C = &g->tensors[tc];
        int64_t cn = qe_quant_tensor_count(C);
        if (beta != 1.0f || C->rank != 1 || cn != N) {
          if (cn != N && cn != 1)
            continue; /* a [M, N] bias: leave it to the float path */
          qe_array *c = NULL;
          int64_t d[1] = { N };
          if ((st = qe_array_new(QE_DT_F32, 1, d, &c, ctx)) != QE_OK)
            return st;
          const float *s = C->data->data;
          for (int64_t k = 0; k < N; k++)
            ((float *)c->data)[k] = beta * s[cn == 1 ? 0 : k];
          if ((st = replace_const(g, n, 2, c, "n", ctx)) != QE_OK)
            return st;
          n = &g->nodes[i];
          if ((st = qe_node_set_float(n, "beta", 1.0f, ctx)) != QE_OK)
            return st;
        }
      }
    } else if (n->op == QE_OP_MATMUL && n->n_inputs == 2 && qe_quant_const_f32(g, n->inputs[1]) &&
               g->tensors[n->inputs[1]].rank == 2 && g->tensors[n->inputs[0]].rank == 2) {
      /* 2-D MatMul with constant weights: a Gemm (transB = 1) */
      const qe_tensor *B = &g->tensors[n->inputs[1]];
      int64_t K = B->dims[0], N = B->dims[1];
      qe_array *w = NULL;
      int64_t d[2] = { N, K };
      if ((st = qe_array_new(QE_DT_F32, 2, d, &w, ctx)) != QE_OK)
        return st;
      const float *b = B->data->data;
      for (int64_t r = 0; r < N; r++)
        for (int64_t c = 0; c < K; c++)
          ((float *)w->data)[r * K + c] = b[c * N + r];
      if ((st = replace_const(g, n, 1, w, "nk", ctx)) != QE_OK)
        return st;
      n = &g->nodes[i];
      n->op = QE_OP_GEMM;
      free(n->op_type);
      n->op_type = qe_strdup("Gemm");
      if (!n->op_type || (st = qe_node_set_int(n, "transB", 1, ctx)) != QE_OK)
        return n->op_type ? st : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    } else if ((n->op == QE_OP_SUB || n->op == QE_OP_DIV) && n->n_inputs == 2 &&
               qe_quant_const_f32(g, n->inputs[1]) && !qe_quant_const_f32(g, n->inputs[0])) {
      qe_array *c = NULL;
      if ((st = copy_f32(g->tensors[n->inputs[1]].data, &c, ctx)) != QE_OK)
        return st;
      float *d = c->data;
      int64_t cnt = qe_array_count(c);
      bool ok = true;
      for (int64_t k = 0; k < cnt; k++) {
        if (n->op == QE_OP_SUB)
          d[k] = -d[k];
        else if (d[k] != 0)
          d[k] = 1.0f / d[k];
        else
          ok = false;
      }
      if (!ok) {
        qe_array_free(c);
        continue;
      }
      qe_op nop = n->op == QE_OP_SUB ? QE_OP_ADD : QE_OP_MUL;
      if ((st = replace_const(g, n, 1, c, n->op == QE_OP_SUB ? "neg" : "recip", ctx)) != QE_OK)
        return st;
      n = &g->nodes[i];
      n->op = nop;
      free(n->op_type);
      n->op_type = qe_strdup(qe_op_name(nop));
      if (!n->op_type)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
  }
  return QE_OK;
}

/* x * HardSigmoid(x) (alpha 1/6, beta 0.5: how exporters before opset 14
 * write HardSwish) -> HardSwish(x), which has an int8 kernel. */
static qe_status fuse_hard_swish(qe_graph *g, qe_ctx *ctx)
{
  bool *drop = NULL;
  size_t n_drop = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *n = &g->nodes[i];
    if (n->op != QE_OP_MUL || n->n_inputs != 2)
      continue;
    for (int k = 0; k < 2; k++) {
      int hs = qe_graph_producer(g, n->inputs[k]);
      if (hs < 0 || g->nodes[hs].op != QE_OP_HARD_SIGMOID ||
          qe_node_input(&g->nodes[hs], 0) != n->inputs[1 - k] ||
          qe_graph_use_count(g, n->inputs[k]) != 1)
        continue;
      const qe_node *h = &g->nodes[hs];
      if (fabsf(qe_node_float(h, "alpha", 0.2f) - 1.0f / 6.0f) > 1e-6f ||
          fabsf(qe_node_float(h, "beta", 0.5f) - 0.5f) > 1e-6f)
        continue;
      if (!drop && !(drop = calloc(g->n_nodes, sizeof *drop)))
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      int x = n->inputs[1 - k];
      n->op = QE_OP_HARD_SWISH;
      free(n->op_type);
      n->op_type = qe_strdup("HardSwish");
      if (!n->op_type) {
        free(drop);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
      n->inputs[0] = x;
      n->n_inputs = 1;
      drop[hs] = true;
      n_drop++;
      break;
    }
  }
  qe_status st = QE_OK;
  if (n_drop)
    st = qe_graph_remove_nodes(g, drop, ctx);
  free(drop);
  return st;
}

/* ---- transformer forms --------------------------------------------------- */

static qe_status new_float_tensor(qe_graph *g, const char *base, const char *suffix, int *idx,
                                  qe_ctx *ctx)
{
  char *b = qe_strdup_printf("%s%s", base, suffix);
  char *name = b ? qe_graph_unique_name(g, b) : NULL;
  free(b);
  if (!name)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = qe_graph_add_tensor(g, name, QE_DT_F32, -1, NULL, idx, ctx);
  free(name);
  return st;
}

static qe_status scalar_init(qe_graph *g, const char *base, const char *suffix, float v, int *idx,
                             qe_ctx *ctx)
{
  qe_array *a = NULL;
  qe_status st = qe_array_new(QE_DT_F32, 0, NULL, &a, ctx);
  if (st)
    return st;
  ((float *)a->data)[0] = v;
  char *b = qe_strdup_printf("%s%s", base, suffix);
  char *name = b ? qe_graph_unique_name(g, b) : NULL;
  free(b);
  if (!name) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  st = qe_graph_add_initializer_owned(g, name, a, idx, ctx);
  free(name);
  return st;
}

/* The doc string of the nodes a LayerNormalization is decomposed into,
 * followed by its name: the report lists them as one node, and keeping the
 * LayerNormalization in float keeps all of them. */
#define DECOMPOSED_DOC "quantizer: part of LayerNormalization "

static qe_status node1(qe_graph *g, qe_op op, const char *base, const char *suffix, int n_in,
                       const int *in, int out, int *idx, qe_ctx *ctx)
{
  char *name = qe_strdup_printf("%s%s", base, suffix);
  char *doc = qe_strdup_printf(DECOMPOSED_DOC "%s", base);
  int k = -1;
  qe_status st = name && doc ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (!st)
    st = qe_graph_add_node(g, op, name, n_in, in, 1, &out, &k, ctx);
  if (!st) {
    free(g->nodes[k].doc);
    g->nodes[k].doc = doc;
    doc = NULL;
  }
  if (idx)
    *idx = k;
  free(name);
  free(doc);
  return st;
}

/* The LayerNormalization node @n was decomposed from, or NULL. */
static const char *decomposed_from(const qe_node *n)
{
  const size_t plen = strlen(DECOMPOSED_DOC);
  return n->doc && strncmp(n->doc, DECOMPOSED_DOC, plen) == 0 ? n->doc + plen : NULL;
}

/* LayerNormalization -> the primitive form the TFLite converter and ONNX
 * opset 13 exporters write, so that calibration sees every intermediate
 * and each step gets an int8 op (MEAN, SUB, SQUARED_DIFFERENCE, MEAN, ADD,
 * RSQRT, MUL, MUL, ADD):
 *   m = ReduceMean(x), d = x - m, v = ReduceMean(d^2), r = 1 / sqrt(v + eps),
 *   y = d * r * scale + bias.
 * Nodes whose Mean / InvStdDev outputs are used stay as they are. */
static qe_status decompose_layer_norm(qe_graph *g, qe_ctx *ctx)
{
  bool *drop = NULL;
  qe_status st = QE_OK;
  const size_t n0 = g->n_nodes;
  for (size_t i = 0; i < n0 && !st; i++) {
    const qe_node *n = &g->nodes[i];
    if (n->op != QE_OP_LAYER_NORM || n->n_inputs < 1)
      continue;
    bool extra = false;
    for (int k = 1; k < n->n_outputs; k++)
      extra |= n->outputs[k] >= 0 && qe_graph_use_count(g, n->outputs[k]) > 0;
    const int x = n->inputs[0], scale = qe_node_input(n, 1), bias = qe_node_input(n, 2);
    const int y = qe_node_output(n, 0);
    const int r = x >= 0 ? g->tensors[x].rank : -1;
    int64_t axis = qe_node_int(n, "axis", -1);
    if (axis < 0)
      axis += r;
    if (extra || y < 0 || r < 1 || axis < 0 || axis >= r || r > QE_MAX_RANK ||
        g->tensors[x].dtype != QE_DT_F32)
      continue;
    const float eps = qe_node_float(n, "epsilon", 1e-5f);
    char *base = qe_quant_node_name(g, (int)i);
    if (!base) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    int64_t axes[QE_MAX_RANK];
    size_t na = 0;
    for (int64_t a = axis; a < r; a++)
      axes[na++] = a;
    int t_m, t_d, t_two, t_sq, t_v, t_eps, t_ve, t_s, t_rs, t_n, t_sc, nm, nv;
    st = new_float_tensor(g, base, "/mean", &t_m, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/centered", &t_d, ctx);
    if (!st)
      st = scalar_init(g, base, "/two", 2.0f, &t_two, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/squared", &t_sq, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/variance", &t_v, ctx);
    if (!st)
      st = scalar_init(g, base, "/epsilon", eps, &t_eps, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/variance_eps", &t_ve, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/std", &t_s, ctx);
    if (!st)
      st = new_float_tensor(g, base, "/rstd", &t_rs, ctx);
    if (!st)
      st = (scale >= 0 || bias >= 0) ? new_float_tensor(g, base, "/normalized", &t_n, ctx) : QE_OK;
    if (!st && scale < 0 && bias < 0)
      t_n = y;
    if (!st)
      t_sc = scale >= 0 && bias >= 0 ? -1 : y;
    if (!st && scale >= 0 && bias >= 0)
      st = new_float_tensor(g, base, "/scaled", &t_sc, ctx);
    {
      int in2[2];
      if (!st)
        st = node1(g, QE_OP_REDUCE_MEAN, base, "/ReduceMean", 1, &x, t_m, &nm, ctx);
      if (!st)
        st = qe_node_set_ints(&g->nodes[nm], "axes", na, axes, ctx);
      if (!st)
        g->nodes[nm].opset = 13;
      in2[0] = x;
      in2[1] = t_m;
      if (!st)
        st = node1(g, QE_OP_SUB, base, "/Sub", 2, in2, t_d, NULL, ctx);
      in2[0] = t_d;
      in2[1] = t_two;
      if (!st)
        st = node1(g, QE_OP_POW, base, "/Pow", 2, in2, t_sq, NULL, ctx);
      if (!st)
        st = node1(g, QE_OP_REDUCE_MEAN, base, "/ReduceMean_1", 1, &t_sq, t_v, &nv, ctx);
      if (!st)
        st = qe_node_set_ints(&g->nodes[nv], "axes", na, axes, ctx);
      if (!st)
        g->nodes[nv].opset = 13;
      in2[0] = t_v;
      in2[1] = t_eps;
      if (!st)
        st = node1(g, QE_OP_ADD, base, "/Add", 2, in2, t_ve, NULL, ctx);
      if (!st)
        st = node1(g, QE_OP_SQRT, base, "/Sqrt", 1, &t_ve, t_s, NULL, ctx);
      if (!st)
        st = node1(g, QE_OP_RECIPROCAL, base, "/Reciprocal", 1, &t_s, t_rs, NULL, ctx);
      in2[0] = t_d;
      in2[1] = t_rs;
      if (!st)
        st = node1(g, QE_OP_MUL, base, "/Mul", 2, in2, t_n, NULL, ctx);
      if (!st && scale >= 0) {
        in2[0] = t_n;
        in2[1] = scale;
        st = node1(g, QE_OP_MUL, base, "/Mul_1", 2, in2, bias >= 0 ? t_sc : y, NULL, ctx);
      }
      if (!st && bias >= 0) {
        in2[0] = scale >= 0 ? t_sc : t_n;
        in2[1] = bias;
        st = node1(g, QE_OP_ADD, base, "/Add_1", 2, in2, y, NULL, ctx);
      }
    }
    free(base);
    if (st)
      break;
    if (!drop && !(drop = calloc(g->n_nodes + 1, sizeof *drop))) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    drop[i] = true;
  }
  if (!st && drop) {
    bool *full = realloc(drop, g->n_nodes * sizeof *drop);
    if (!full) {
      free(drop);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    drop = full;
    for (size_t i = n0; i < g->n_nodes; i++)
      drop[i] = false;
    st = qe_graph_remove_nodes(g, drop, ctx);
    if (!st)
      st = qe_graph_toposort(g, ctx);
  }
  free(drop);
  return st;
}

/* Div(a, Sqrt(v)) -> Mul(a, Reciprocal(Sqrt(v))): the Sqrt / Reciprocal
 * pair is one int8 RSQRT, and the product an int8 MUL (TFLite has no int8
 * division). Numerically the same up to float rounding. */
static qe_status div_by_sqrt(qe_graph *g, qe_ctx *ctx)
{
  const size_t n0 = g->n_nodes;
  for (size_t i = 0; i < n0; i++) {
    const qe_node *n = &g->nodes[i];
    if (n->op != QE_OP_DIV || n->n_inputs != 2)
      continue;
    const int s = n->inputs[1];
    const int p = qe_graph_producer(g, s);
    if (p < 0 || g->nodes[p].op != QE_OP_SQRT || qe_graph_use_count(g, s) != 1 ||
        g->tensors[n->inputs[0]].data || g->tensors[s].dtype != QE_DT_F32)
      continue;
    char *base = qe_quant_node_name(g, (int)i);
    int t;
    if (!base)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    char *rn = qe_strdup_printf("%s/Reciprocal", base);
    qe_status st = rn ? new_float_tensor(g, base, "/reciprocal", &t, ctx)
                      : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (!st)
      st = qe_graph_add_node(g, QE_OP_RECIPROCAL, rn, 1, &s, 1, &t, NULL, ctx);
    free(rn);
    free(base);
    if (st)
      return st;
    qe_node *d = &g->nodes[i];
    d->inputs[1] = t;
    d->op = QE_OP_MUL;
    free(d->op_type);
    d->op_type = qe_strdup("Mul");
    if (!d->op_type)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return g->n_nodes != n0 ? qe_graph_toposort(g, ctx) : QE_OK;
}

static qe_status prepare_graph(const qe_graph *src, qe_graph **out, qe_ctx *ctx)
{
  qe_graph *g = NULL;
  qe_status st = qe_graph_clone(src, &g, ctx);
  if (st)
    return st;
  /* Batch (and any symbolic dim of the inputs) bound to 1: the int8 model
   * has static shapes, as TFLite Micro needs. */
  for (size_t i = 0; i < g->n_inputs; i++) {
    qe_tensor *t = &g->tensors[g->inputs[i]];
    if (t->rank < 0) {
      st = qe_error(ctx, QE_ERR_SHAPE, "input '%s' has no known shape", t->name);
      goto fail;
    }
    for (int k = 0; k < t->rank; k++) {
      if (t->dims[k] < 0) {
        t->dims[k] = 1;
        if ((st = qe_graph_set_dim_param(g, g->inputs[i], k, NULL, ctx)) != QE_OK)
          goto fail;
      }
    }
  }
  if ((st = qe_graph_optimize(g, ctx)) != QE_OK || (st = qe_graph_infer_shapes(g, ctx)) != QE_OK ||
      (st = decompose_layer_norm(g, ctx)) != QE_OK || (st = normalize(g, ctx)) != QE_OK ||
      (st = div_by_sqrt(g, ctx)) != QE_OK || (st = fuse_hard_swish(g, ctx)) != QE_OK ||
      (st = qe_graph_infer_shapes(g, ctx)) != QE_OK)
    goto fail;
  for (size_t i = 0; i < g->n_tensors; i++) {
    const qe_tensor *t = &g->tensors[i];
    if (t->data || qe_graph_use_count(g, (int)i) == 0)
      continue;
    if (t->rank < 0 || qe_quant_tensor_count(t) < 0) {
      st = qe_error(ctx, QE_ERR_SHAPE,
                    "tensor '%s' has no static shape after binding the batch to 1", t->name);
      goto fail;
    }
  }
  *out = g;
  return QE_OK;
fail:
  qe_graph_free(g);
  return st;
}

/* ---- the plan ------------------------------------------------------------ */

static bool float_tensor(const qe_graph *g, int t)
{
  return t >= 0 && g->tensors[t].dtype == QE_DT_F32;
}

/* A node the user keeps in float: named in float_nodes, or made by
 * decomposing a LayerNormalization named there. */
static bool user_float(const qstate *q, int node)
{
  const char *name = q->g->nodes[node].name;
  const char *from = decomposed_from(&q->g->nodes[node]);
  for (size_t i = 0; i < q->o->n_float_nodes; i++) {
    const char *f = q->o->float_nodes[i];
    if (f && ((name && strcmp(f, name) == 0) || (from && strcmp(f, from) == 0)))
      return true;
  }
  return false;
}

static void set_float(qnode *qn, const char *reason)
{
  qn->kind = QN_FLOAT;
  free(qn->reason);
  qn->reason = qe_strdup(reason);
}

/* Which int8 op a node becomes. Returns false when the int8 model has no
 * op for it at all (*why says why). */
static bool classify(qstate *q, int i, char *why, size_t why_len)
{
  const qe_graph *g = q->g;
  const qe_node *n = &g->nodes[i];
  qnode *qn = &q->nodes[i];
  int x = qe_node_input(n, 0);
  qn->kind = QN_INT8;
  qn->act_node = qn->fused_into = qn->const_input = -1;
  qn->w_tensor = qn->b_tensor = -1;
  why[0] = '\0';
  if (n->n_outputs < 1 || !float_tensor(g, qe_node_output(n, 0))) {
    snprintf(why, why_len, "its output is not a float tensor");
    return false;
  }
  const qe_tensor *xt = x >= 0 ? &g->tensors[x] : NULL;
  switch (n->op) {
  case QE_OP_CONV: {
    int w = qe_node_input(n, 1);
    if (!qe_quant_const_f32(g, w) || !xt || (xt->rank != 3 && xt->rank != 4)) {
      snprintf(why, why_len, "only 1-D and 2-D convolutions with constant weights are supported");
      return false;
    }
    int64_t group = qe_node_int(n, "group", 1), C = xt->dims[1];
    const qe_tensor *wt = &g->tensors[w];
    if (group == 1)
      qn->qop = QE_QOP_CONV_2D;
    else if (group == C && wt->dims[1] == 1)
      qn->qop = QE_QOP_DEPTHWISE_CONV_2D;
    else {
      snprintf(why, why_len,
               "grouped convolution (%lld groups of %lld channels) has no int8 kernel; "
               "only plain and depthwise convolutions do",
               (long long)group, (long long)(C / (group ? group : 1)));
      return false;
    }
    qn->has_w = true;
    qn->w_tensor = w;
    qn->b_tensor = qe_node_input(n, 2);
    qn->w_axis = 0;
    return true;
  }
  case QE_OP_GEMM:
  case QE_OP_MATMUL: {
    int w = qe_node_input(n, 1);
    if (n->op == QE_OP_MATMUL && xt && w >= 0 &&
        (!qe_quant_const_f32(g, w) || g->tensors[w].rank != 2)) {
      /* a product of two activations (attention): BATCH_MATMUL */
      const int wr = g->tensors[w].rank;
      if (xt->rank < 2 || xt->rank > 4 || wr < 2 || wr > 4 || !float_tensor(g, w)) {
        snprintf(why, why_len,
                 "matrix products of tensors of rank %d and %d have no TFLite operator (ranks 2 "
                 "to 4 do)",
                 xt->rank, wr);
        return false;
      }
      qn->qop = QE_QOP_BATCH_MATMUL;
      qn->const_input = g->tensors[x].data ? 0 : (g->tensors[w].data ? 1 : -1);
      return true;
    }
    if (!qe_quant_const_f32(g, w) || g->tensors[w].rank != 2 || !xt || xt->rank < 2) {
      snprintf(why, why_len, "matrix products of two activations have no int8 kernel");
      return false;
    }
    if (n->op == QE_OP_GEMM &&
        (qe_node_int(n, "transA", 0) || !qe_node_int(n, "transB", 0) ||
         qe_node_float(n, "alpha", 1) != 1 || qe_node_float(n, "beta", 1) != 1 ||
         (qe_node_input(n, 2) >= 0 && (!qe_quant_const_f32(g, qe_node_input(n, 2)) ||
                                       g->tensors[qe_node_input(n, 2)].rank != 1)) ||
         xt->rank != 2)) {
      snprintf(why, why_len, "this Gemm form (transposed input or a 2-D bias) is not supported");
      return false;
    }
    qn->qop = QE_QOP_FULLY_CONNECTED;
    qn->has_w = true;
    qn->w_tensor = w;
    qn->b_tensor = n->op == QE_OP_GEMM ? qe_node_input(n, 2) : -1;
    qn->w_axis = n->op == QE_OP_GEMM ? 0 : 1;
    return true;
  }
  case QE_OP_ADD:
  case QE_OP_MUL:
  case QE_OP_SUB:
  case QE_OP_DIV: {
    int a = qe_node_input(n, 0), b = qe_node_input(n, 1);
    if (!float_tensor(g, a) || !float_tensor(g, b)) {
      snprintf(why, why_len, "operands are not float tensors");
      return false;
    }
    bool ca = g->tensors[a].data != NULL, cb = g->tensors[b].data != NULL;
    if (ca && cb) {
      snprintf(why, why_len, "both operands are constant");
      return false;
    }
    qn->const_input = ca ? 0 : cb ? 1 : -1;
    int r = g->tensors[qe_node_output(n, 0)].rank;
    if (r > 4) {
      snprintf(why, why_len, "broadcasting over more than 4 dimensions is not supported");
      return false;
    }
    qn->qop = n->op == QE_OP_ADD   ? QE_QOP_ADD
              : n->op == QE_OP_SUB ? QE_QOP_SUB
              : n->op == QE_OP_DIV ? QE_QOP_DIV
                                   : QE_QOP_MUL;
    if (qn->qop == QE_QOP_DIV)
      set_float(qn, "TFLite has no int8 division; it runs in float");
    return true;
  }
  case QE_OP_SQRT:
    qn->qop = QE_QOP_SQRT;
    set_float(qn, "TFLite has no int8 square root; it runs in float");
    return true;
  case QE_OP_GATHER: {
    int idx = qe_node_input(n, 1);
    if (!xt || !float_tensor(g, x) || xt->data || idx < 0 || !g->tensors[idx].data ||
        !qe_dtype_is_int(g->tensors[idx].data->dtype) || xt->rank < 1 ||
        xt->rank - 1 + g->tensors[idx].rank > QE_QMAX_RANK) {
      snprintf(why, why_len, "only Gather of an activation with constant indices is supported");
      return false;
    }
    qn->qop = QE_QOP_GATHER;
    return true;
  }
  case QE_OP_CONCAT:
    qn->qop = QE_QOP_CONCATENATION;
    for (int k = 0; k < n->n_inputs; k++) {
      if (!float_tensor(g, n->inputs[k])) {
        snprintf(why, why_len, "operands are not float tensors");
        return false;
      }
    }
    return true;
  case QE_OP_MAX_POOL:
  case QE_OP_AVERAGE_POOL:
  case QE_OP_GLOBAL_MAX_POOL:
    if (!xt || (xt->rank != 3 && xt->rank != 4)) {
      snprintf(why, why_len, "only 1-D and 2-D pooling is supported");
      return false;
    }
    if (n->n_outputs > 1 && qe_node_output(n, 1) >= 0) {
      snprintf(why, why_len, "MaxPool's indices output is not supported");
      return false;
    }
    qn->qop = n->op == QE_OP_AVERAGE_POOL ? QE_QOP_AVERAGE_POOL_2D : QE_QOP_MAX_POOL_2D;
    return true;
  case QE_OP_GLOBAL_AVERAGE_POOL:
    if (!xt || (xt->rank != 3 && xt->rank != 4)) {
      snprintf(why, why_len, "only 1-D and 2-D pooling is supported");
      return false;
    }
    qn->qop = QE_QOP_MEAN;
    return true;
  case QE_OP_REDUCE_MEAN: {
    size_t na = 0;
    const int64_t *axes = qe_node_ints(n, "axes", &na);
    int at = qe_node_input(n, 1);
    int64_t buf[8];
    if (!axes && at >= 0 && g->tensors[at].data && g->tensors[at].data->dtype == QE_DT_I64 &&
        qe_array_count(g->tensors[at].data) <= 8) {
      na = (size_t)qe_array_count(g->tensors[at].data);
      memcpy(buf, g->tensors[at].data->data, na * sizeof(int64_t));
      axes = buf;
    }
    bool spatial = xt && xt->rank == 4 && axes && na == 2;
    for (size_t k = 0; spatial && k < na; k++) {
      int64_t a = axes[k] < 0 ? axes[k] + 4 : axes[k];
      if (a != 2 && a != 3)
        spatial = false;
    }
    if (!spatial) {
      /* any other axes: MEAN on the tensor in its own element order */
      if (!xt || xt->rank < 1 || xt->rank > QE_QMAX_RANK || (!axes && at >= 0) ||
          (qe_node_int(n, "noop_with_empty_axes", 0) && !axes)) {
        snprintf(why, why_len, "ReduceMean with axes that are not constant is not supported");
        return false;
      }
      qn->mean_general = true;
    }
    qn->qop = QE_QOP_MEAN;
    return true;
  }
  case QE_OP_PAD: {
    const char *mode = qe_node_string(n, "mode", "constant");
    int cv = qe_node_input(n, 2);
    float v = 0;
    if (strcmp(mode, "constant") != 0 || (cv >= 0 && (!scalar_const(g, cv, &v) || v != 0))) {
      snprintf(why, why_len, "only zero padding is supported");
      return false;
    }
    qn->qop = QE_QOP_PAD;
    return true;
  }
  case QE_OP_FLATTEN:
  case QE_OP_RESHAPE:
  case QE_OP_SQUEEZE:
  case QE_OP_UNSQUEEZE:
    qn->qop = QE_QOP_RESHAPE;
    return true;
  case QE_OP_TRANSPOSE:
    if (!xt || xt->rank > QE_QMAX_RANK) {
      snprintf(why, why_len, "rank above %d", QE_QMAX_RANK);
      return false;
    }
    qn->qop = QE_QOP_TRANSPOSE;
    return true;
  case QE_OP_SOFTMAX: {
    int r = xt ? xt->rank : -1;
    int64_t axis = qe_node_int(n, "axis", n->opset && n->opset < 13 ? 1 : -1);
    if (axis < 0)
      axis += r;
    bool ok = r >= 1 && (axis == r - 1 || (r == 4 && axis == 1));
    if (!ok) {
      snprintf(why, why_len, "Softmax over axis %lld of a rank-%d tensor is not supported",
               (long long)axis, r);
      return false;
    }
    qn->qop = QE_QOP_SOFTMAX;
    return true;
  }
  case QE_OP_SIGMOID:
    qn->qop = QE_QOP_LOGISTIC;
    return true;
  case QE_OP_TANH:
    qn->qop = QE_QOP_TANH;
    return true;
  case QE_OP_HARD_SWISH:
    qn->qop = QE_QOP_HARD_SWISH;
    return true;
  case QE_OP_RELU:
  case QE_OP_CLIP: {
    qe_activation act;
    float lo, hi;
    if (qe_quant_act_of(g, n, &act) && act != QE_ACT_RELU_N1_TO_1) {
      qn->qop = act == QE_ACT_RELU ? QE_QOP_RELU : QE_QOP_RELU6;
      return true;
    }
    if (!qe_quant_clip_bounds(g, n, &lo, &hi)) {
      snprintf(why, why_len, "Clip with bounds that are not constant");
      return false;
    }
    /* Any other clamp: a requantization whose output grid is the clamp. */
    qn->qop = QE_QOP_QUANTIZE;
    return true;
  }
  case QE_OP_RESIZE: {
    /* TFLite's RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR: height and width
     * of a 4-D tensor, in the coordinate modes TFLite has */
    const int y = qe_node_output(n, 0);
    const qe_tensor *yt = y >= 0 ? &g->tensors[y] : NULL;
    const char *mode = qe_node_string(n, "mode", "nearest");
    const char *ctm = qe_node_string(n, "coordinate_transformation_mode", "half_pixel");
    const char *nm = qe_node_string(n, "nearest_mode", "round_prefer_floor");
    const bool lin = strcmp(mode, "linear") == 0;
    bool ok = xt && yt && xt->rank == 4 && yt->rank == 4 && yt->dims[0] == xt->dims[0] &&
              yt->dims[1] == xt->dims[1] && (lin || strcmp(mode, "nearest") == 0);
    if (ok && lin)
      ok = strcmp(ctm, "align_corners") == 0 || strcmp(ctm, "asymmetric") == 0 ||
           strcmp(ctm, "half_pixel") == 0 ||
           (strcmp(ctm, "pytorch_half_pixel") == 0 && yt->dims[2] > 1 && yt->dims[3] > 1);
    else if (ok)
      ok = (strcmp(ctm, "align_corners") == 0 && strcmp(nm, "round_prefer_ceil") == 0) ||
           ((strcmp(ctm, "asymmetric") == 0 || strcmp(ctm, "tf_half_pixel_for_nn") == 0) &&
            strcmp(nm, "floor") == 0);
    if (!ok) {
      snprintf(why, why_len,
               "this Resize (%s, %s) has no int8 kernel; TFLite's bilinear and nearest-neighbour "
               "resizing of height and width do",
               mode, ctm);
      return false;
    }
    qn->qop = lin ? QE_QOP_RESIZE_BILINEAR : QE_QOP_RESIZE_NEAREST_NEIGHBOR;
    return true;
  }
  default:
    snprintf(why, why_len, "the int8 model has no operator for %s",
             n->op_type ? n->op_type : qe_op_name(n->op));
    return false;
  }
}

static bool fusable_producer(qe_qop_type t)
{
  return t == QE_QOP_CONV_2D || t == QE_QOP_DEPTHWISE_CONV_2D || t == QE_QOP_FULLY_CONNECTED ||
         t == QE_QOP_ADD || t == QE_QOP_MUL || t == QE_QOP_SUB;
}

/* ---- patterns: several float nodes that are one int8 op -------------------- */

/* The value of a constant scalar (one element, any float type). */
static bool const_scalar(const qe_graph *g, int t, float *v)
{
  if (t < 0 || !g->tensors[t].data || qe_array_count(g->tensors[t].data) != 1 ||
      !qe_dtype_is_float(g->tensors[t].data->dtype))
    return false;
  qe_array *f = NULL;
  if (qe_array_to_f32(g->tensors[t].data, &f, NULL) != QE_OK)
    return false;
  *v = ((const float *)f->data)[0];
  qe_array_free(f);
  return true;
}

/* A single-use intermediate (not a graph output) produced by node @p. */
static bool inner_tensor(const qe_graph *g, int t)
{
  return t >= 0 && !g->tensors[t].data && qe_graph_use_count(g, t) == 1 &&
         !qe_graph_is_output(g, t);
}

/* Binary node @i with one operand @t: the other operand's index (0 or 1),
 * -1 when @t is neither. */
static int other_input(const qe_node *n, int t)
{
  if (n->n_inputs != 2)
    return -1;
  return n->inputs[0] == t ? 1 : (n->inputs[1] == t ? 0 : -1);
}

/* The only consumer of tensor @t, -1 when none or several. */
static int consumer(const qe_graph *g, int t)
{
  int found = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == t) {
        if (found >= 0 && found != (int)i)
          return -1;
        found = (int)i;
      }
  return found;
}

static void set_pattern(qstate *q, int out, qe_qop_type op, int n_operands, int a, int b,
                        const char *what, const int *inner, int n_inner, int *role)
{
  qnode *qn = &q->nodes[out];
  qn->qop = op;
  qn->n_operands = n_operands;
  qn->operands[0] = a;
  qn->operands[1] = b;
  qn->pattern = what;
  role[out] = 1;
  for (int k = 0; k < n_inner; k++) {
    role[inner[k]] = 2;
    q->nodes[inner[k]].fused_into = out;
  }
}

/* The erf form of GELU, 0.5 * x * (1 + erf(x / sqrt(2))), as exporters
 * write it (the division already a multiplication by 1/sqrt(2)):
 *   t1 = x * 0.7071; t2 = Erf(t1); t3 = t2 + 1; then either
 *   y = (x * t3) * 0.5, or y = (x * 0.5) * t3.
 * One int8 GELU (TFLite's table), run on x. */
static void match_gelu(qstate *q, int e, int *role)
{
  const qe_graph *g = q->g;
  const qe_node *erf = &g->nodes[e];
  float c;
  const int t1 = qe_node_input(erf, 0), t2 = qe_node_output(erf, 0);
  const int m1 = qe_graph_producer(g, t1);
  if (m1 < 0 || role[m1] || g->nodes[m1].op != QE_OP_MUL || !inner_tensor(g, t1) ||
      !inner_tensor(g, t2))
    return;
  int k = g->nodes[m1].n_inputs == 2 && const_scalar(g, g->nodes[m1].inputs[1], &c)   ? 0
          : g->nodes[m1].n_inputs == 2 && const_scalar(g, g->nodes[m1].inputs[0], &c) ? 1
                                                                                      : -1;
  if (k < 0 || fabsf(c - 0.70710678f) > 1e-4f)
    return;
  const int x = g->nodes[m1].inputs[k];
  if (g->tensors[x].data || g->tensors[x].dtype != QE_DT_F32)
    return;
  const int a1 = consumer(g, t2);
  if (a1 < 0 || role[a1] || g->nodes[a1].op != QE_OP_ADD)
    return;
  int o = other_input(&g->nodes[a1], t2);
  if (o < 0 || !const_scalar(g, g->nodes[a1].inputs[o], &c) || c != 1.0f)
    return;
  const int t3 = qe_node_output(&g->nodes[a1], 0);
  const int m2 = inner_tensor(g, t3) ? consumer(g, t3) : -1;
  if (m2 < 0 || role[m2] || g->nodes[m2].op != QE_OP_MUL)
    return;
  o = other_input(&g->nodes[m2], t3);
  if (o < 0)
    return;
  const int u = g->nodes[m2].inputs[o];
  if (u == x) {
    /* (x * t3) * 0.5 */
    const int t4 = qe_node_output(&g->nodes[m2], 0);
    const int m3 = inner_tensor(g, t4) ? consumer(g, t4) : -1;
    if (m3 < 0 || role[m3] || g->nodes[m3].op != QE_OP_MUL)
      return;
    o = other_input(&g->nodes[m3], t4);
    if (o < 0 || !const_scalar(g, g->nodes[m3].inputs[o], &c) || c != 0.5f)
      return;
    const int inner[4] = { m1, e, a1, m2 };
    set_pattern(q, m3, QE_QOP_GELU, 1, x, -1, "GELU", inner, 4, role);
    return;
  }
  /* (x * 0.5) * t3 */
  const int h = qe_graph_producer(g, u);
  if (h < 0 || role[h] || g->nodes[h].op != QE_OP_MUL || !inner_tensor(g, u))
    return;
  o = other_input(&g->nodes[h], x);
  if (o < 0 || !const_scalar(g, g->nodes[h].inputs[o], &c) || c != 0.5f)
    return;
  const int inner[4] = { m1, e, a1, h };
  set_pattern(q, m2, QE_QOP_GELU, 1, x, -1, "GELU", inner, 4, role);
}

static void mark_patterns(qstate *q, int *role)
{
  const qe_graph *g = q->g;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    if (role[i])
      continue;
    if (n->op == QE_OP_ERF) {
      match_gelu(q, (int)i, role);
    } else if (n->op == QE_OP_RECIPROCAL) {
      /* 1 / sqrt(v): RSQRT */
      const int s = qe_node_input(n, 0);
      const int p = qe_graph_producer(g, s);
      if (p >= 0 && !role[p] && g->nodes[p].op == QE_OP_SQRT && inner_tensor(g, s) &&
          float_tensor(g, qe_node_input(&g->nodes[p], 0))) {
        const int inner[1] = { p };
        set_pattern(q, (int)i, QE_QOP_RSQRT, 1, qe_node_input(&g->nodes[p], 0), -1,
                    "Sqrt+Reciprocal", inner, 1, role);
      }
    } else if (n->op == QE_OP_POW && n->n_inputs == 2) {
      /* x^2: (a - b)^2 as SQUARED_DIFFERENCE of the Sub's operands, else
       * x * x */
      float e;
      const int d = n->inputs[0];
      if (!const_scalar(g, n->inputs[1], &e) || e != 2.0f || !float_tensor(g, d) ||
          g->tensors[d].data)
        continue;
      const int p = qe_graph_producer(g, d);
      if (p >= 0 && g->nodes[p].op == QE_OP_SUB && g->nodes[p].n_inputs == 2 &&
          !g->tensors[g->nodes[p].inputs[0]].data && !g->tensors[g->nodes[p].inputs[1]].data &&
          float_tensor(g, g->nodes[p].inputs[0]) && float_tensor(g, g->nodes[p].inputs[1])) {
        set_pattern(q, (int)i, QE_QOP_SQUARED_DIFFERENCE, 2, g->nodes[p].inputs[0],
                    g->nodes[p].inputs[1], "Sub+Pow", NULL, 0, role);
      } else {
        set_pattern(q, (int)i, QE_QOP_MUL, 2, d, d, "Pow", NULL, 0, role);
      }
    }
  }
}

/* A node no int8 or float op of the int8 model stands for: kept in float
 * as an ONNX node the engine's float runtime runs (QE_QOP_ONNX), when it
 * has one used output of float type and every input is a float activation
 * or a constant. A .tflite file and C code cannot hold it. */
static bool onnx_fallback(qstate *q, int i, const char *why)
{
  const qe_graph *g = q->g;
  const qe_node *n = &g->nodes[i];
  qnode *qn = &q->nodes[i];
  if (n->n_outputs < 1 || !float_tensor(g, n->outputs[0]) || g->tensors[n->outputs[0]].rank < 0 ||
      g->tensors[n->outputs[0]].rank > QE_QMAX_RANK)
    return false;
  for (int k = 1; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0 && (qe_graph_use_count(g, n->outputs[k]) > 0))
      return false;
  int n_act = 0;
  for (int k = 0; k < n->n_inputs; k++) {
    const int t = n->inputs[k];
    if (t < 0 || g->tensors[t].data)
      continue;
    if (!float_tensor(g, t) || g->tensors[t].rank < 0 || g->tensors[t].rank > QE_QMAX_RANK)
      return false;
    n_act++;
  }
  if (n_act > 16)
    return false;
  char reason[320];
  snprintf(reason, sizeof reason,
           "%s; it runs in float as an ONNX node (the engine and the ONNX export run it; a "
           ".tflite file or C code cannot hold it)",
           why);
  qn->qop = QE_QOP_ONNX;
  qn->act_node = qn->const_input = -1;
  qn->w_tensor = qn->b_tensor = -1;
  qn->has_w = false;
  set_float(qn, reason);
  return true;
}

static qe_status plan(qstate *q)
{
  qe_graph *g = q->g;
  char why[256];
  char *list = NULL;
  size_t n_bad = 0;
  int *role = calloc(g->n_nodes + 1, sizeof *role);
  if (!role)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  mark_patterns(q, role);
  for (size_t i = 0; i < g->n_nodes; i++) {
    qnode *qn = &q->nodes[i];
    if (role[i] == 2) {
      qn->kind = QN_NONE;
      continue;
    }
    if (role[i] == 1) {
      qn->kind = QN_INT8;
      qn->act_node = qn->const_input = -1;
      qn->w_tensor = qn->b_tensor = -1;
      if (user_float(q, (int)i))
        set_float(qn, "kept in float as asked");
      continue;
    }
    if (!classify(q, (int)i, why, sizeof why) && !onnx_fallback(q, (int)i, why)) {
      n_bad++;
      char *nl = qe_strdup_printf("%s%s'%s' (%s: %s)", list ? list : "", list ? ", " : "",
                                  g->nodes[i].name ? g->nodes[i].name : "",
                                  g->nodes[i].op_type ? g->nodes[i].op_type : "?", why);
      free(list);
      list = nl;
      if (!list) {
        free(role);
        return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
      }
      continue;
    }
    if (user_float(q, (int)i))
      set_float(&q->nodes[i], "kept in float as asked");
  }
  free(role);
  if (n_bad) {
    qe_status st =
        qe_error(q->ctx, QE_ERR_UNSUPPORTED, "%zu node%s cannot be part of the int8 model: %s",
                 n_bad, n_bad == 1 ? "" : "s", list);
    free(list);
    return st;
  }
  /* Fuse Relu / Relu6 / Clip(-1,1) into their producer. */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    qe_activation act;
    if ((n->op != QE_OP_RELU && n->op != QE_OP_CLIP) || !qe_quant_act_of(g, n, &act))
      continue;
    int x = qe_node_input(n, 0);
    int p = qe_graph_producer(g, x);
    if (p < 0 || qe_graph_use_count(g, x) != 1 || qe_graph_is_output(g, x))
      continue;
    qnode *pq = &q->nodes[p];
    if (!fusable_producer(pq->qop) || pq->act_node >= 0 || pq->kind != q->nodes[i].kind)
      continue;
    pq->act = act;
    pq->act_node = (int)i;
    q->nodes[i].kind = QN_NONE;
    q->nodes[i].fused_into = p;
  }
  q->n_int8_compute = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qnode *qn = &q->nodes[i];
    if (qn->kind == QN_INT8 &&
        (qn->has_w || qn->qop == QE_QOP_ADD || qn->qop == QE_QOP_MUL || qn->qop == QE_QOP_SUB ||
         qn->qop == QE_QOP_SQUARED_DIFFERENCE || qn->qop == QE_QOP_BATCH_MATMUL ||
         qn->qop == QE_QOP_RSQRT || qn->qop == QE_QOP_GELU || qn->qop == QE_QOP_AVERAGE_POOL_2D ||
         qn->qop == QE_QOP_MEAN || qn->qop == QE_QOP_SOFTMAX || qn->qop == QE_QOP_LOGISTIC ||
         qn->qop == QE_QOP_TANH || qn->qop == QE_QOP_HARD_SWISH || qn->qop == QE_QOP_CONCATENATION))
      q->n_int8_compute++;
  }
  if (q->n_int8_compute == 0)
    return qe_error(q->ctx, QE_ERR_UNSUPPORTED,
                    "the model has no operator that can be quantized (no convolution, "
                    "fully-connected, arithmetic or pooling node runs in int8)");
  return QE_OK;
}

/* ---- calibration ---------------------------------------------------------- */

typedef struct calib_run {
  qstate *q;
  size_t sample;
  int bad_tensor;
  size_t bad_count;
  float **chmax; /* equalization stats pass: per-tensor channel maxima */
  const bool *want_chmax;
} calib_run;

static void chan_accumulate(qstate *q, int t, const qe_array *a)
{
  int axis = q->chan_axis[t];
  if (axis < 0 || !q->chan_sum[t] || a->dtype != QE_DT_F32 || axis >= a->rank)
    return;
  int64_t outer = 1, inner = 1, C = a->dims[axis];
  for (int k = 0; k < axis; k++)
    outer *= a->dims[k];
  for (int k = axis + 1; k < a->rank; k++)
    inner *= a->dims[k];
  const float *d = a->data;
  double *s = q->chan_sum[t];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < C; c++) {
      const float *p = d + (o * C + c) * inner;
      double acc = 0;
      for (int64_t k = 0; k < inner; k++)
        acc += p[k];
      s[c] += acc;
    }
  q->chan_n[t] += (uint64_t)(outer * inner);
}

static int observe_tensor(calib_run *r, int t, const qe_array *a)
{
  qstate *q = r->q;
  if (!a || a->dtype != QE_DT_F32)
    return 0;
  if (r->chmax) {
    if (r->want_chmax[t] && r->chmax[t] && a->rank >= 2) {
      int64_t outer = a->dims[0], C = a->dims[1], inner = 1;
      for (int k = 2; k < a->rank; k++)
        inner *= a->dims[k];
      const float *d = a->data;
      for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < C; c++)
          for (int64_t k = 0; k < inner; k++) {
            float v = d[(o * C + c) * inner + k];
            if (v > r->chmax[t][c])
              r->chmax[t][c] = v;
          }
    }
    return 0;
  }
  if (q->obs[t]) {
    size_t bad = 0;
    qe_calib_obs_add(q->obs[t], a->data, (size_t)qe_array_count(a), &bad);
    if (bad) {
      r->bad_tensor = t;
      r->bad_count = bad;
      return 1;
    }
  }
  if (q->chan_sum && q->chan_sum[t])
    chan_accumulate(q, t, a);
  return 0;
}

static int calib_observer(void *user_data, const qe_graph *g, int node, int n_outputs,
                          const int *output_tensors, const qe_array *const *outputs)
{
  calib_run *r = user_data;
  (void)g;
  (void)node;
  for (int k = 0; k < n_outputs; k++)
    if (output_tensors[k] >= 0 && observe_tensor(r, output_tensors[k], outputs[k]))
      return 1;
  return 0;
}

static qe_status check_inputs(const qe_graph *g, size_t n_in, const qe_array *const *in,
                              size_t sample, qe_ctx *ctx)
{
  if (n_in != g->n_inputs)
    return qe_error(ctx, QE_ERR_DATA,
                    "calibration data: each sample has %zu input%s, the model takes %zu", n_in,
                    n_in == 1 ? "" : "s", g->n_inputs);
  for (size_t i = 0; i < n_in; i++) {
    const qe_tensor *t = &g->tensors[g->inputs[i]];
    const qe_array *a = in[i];
    char want[96], got[96];
    if (!a || (!qe_dtype_is_float(a->dtype) && !qe_dtype_is_int(a->dtype)))
      return qe_error(ctx, QE_ERR_DATA, "calibration data: sample %zu: input '%s' is not numeric",
                      sample, t->name);
    /* The batch axis may be absent from the sample. */
    int off = a->rank == t->rank - 1 ? 1 : 0;
    bool ok = a->rank + off == t->rank && (off || a->dims[0] == 1);
    for (int k = off ? 1 : 1; ok && k < t->rank; k++)
      if (a->dims[k - off] != t->dims[k])
        ok = false;
    if (!ok)
      return qe_error(ctx, QE_ERR_DATA,
                      "calibration data: sample %zu is shaped %s, the model's input '%s' is %s",
                      sample, qe_dims_to_string(a->dims, a->rank, got, sizeof got), t->name,
                      qe_dims_to_string(t->dims, t->rank, want, sizeof want));
  }
  return QE_OK;
}

/* Run the float graph over the samples. With r->chmax set, only channel
 * maxima are gathered (equalization); else the observers fill. */
static qe_status run_pass(qstate *q, qe_samples *s, calib_run *r, const char *phase, size_t *n_done)
{
  qe_ctx *ctx = q->ctx;
  /* The runtime reports progress per node: it gets a quiet context of its
   * own; this pass reports per sample (and cancels) on @ctx. */
  qe_ctx *inner = qe_ctx_new();
  if (!inner)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_ctx_set_alloc_limit(inner, qe_ctx_alloc_limit(ctx));
  qe_runtime *rt = NULL;
  qe_status st = qe_runtime_new(q->g, &rt, inner);
  if (st) {
    st = qe_error(ctx, st, "%s", qe_ctx_error(inner));
    qe_ctx_free(inner);
    return st;
  }
  qe_runtime_set_observer(rt, calib_observer, r);
  size_t total = qe_samples_count(s);
  if (q->o->max_samples && (total == 0 || total > q->o->max_samples))
    total = q->o->max_samples;
  size_t done_n = 0;
  qe_array *reshaped[8] = { 0 };
  if ((st = qe_samples_begin(s, ctx)) != QE_OK)
    goto out;
  for (;;) {
    if (q->o->max_samples && done_n >= q->o->max_samples)
      break;
    const qe_array *const *in = NULL;
    size_t n_in = 0;
    bool done = false;
    if ((st = qe_samples_next(s, &in, &n_in, &done, ctx)) != QE_OK)
      goto out;
    if (done)
      break;
    if ((st = check_inputs(q->g, n_in, in, done_n, ctx)) != QE_OK)
      goto out;
    if (n_in > QE_ARRAY_LEN(reshaped)) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "more than 8 model inputs");
      goto out;
    }
    const qe_array *use[8];
    for (size_t i = 0; i < n_in; i++) {
      const qe_tensor *t = &q->g->tensors[q->g->inputs[i]];
      use[i] = in[i];
      if (in[i]->rank != t->rank || in[i]->dtype != QE_DT_F32) {
        /* add the batch axis / convert to float32 */
        qe_array_free(reshaped[i]);
        reshaped[i] = NULL;
        if ((st = qe_array_to_f32(in[i], &reshaped[i], ctx)) != QE_OK)
          goto out;
        reshaped[i]->rank = t->rank;
        memcpy(reshaped[i]->dims, t->dims, sizeof t->dims);
        use[i] = reshaped[i];
      }
      r->sample = done_n;
      if (observe_tensor(r, q->g->inputs[i], use[i]))
        break;
    }
    if (r->bad_tensor < 0) {
      st = qe_runtime_run(rt, n_in, use, inner);
      if (st == QE_ERR_CANCELLED && r->bad_tensor >= 0)
        st = QE_OK;
      if (st) {
        st = qe_error(ctx, st, "calibration: sample %zu: %s", done_n, qe_ctx_error(inner));
        goto out;
      }
    }
    if (r->bad_tensor >= 0) {
      int t = r->bad_tensor;
      int p = qe_graph_producer(q->g, t);
      st = qe_error(ctx, QE_ERR_NUMERIC,
                    "calibration: sample %zu: tensor '%s'%s%s%s has %zu NaN or infinite "
                    "value%s; check the data's preprocessing and the model's weights",
                    done_n, q->g->tensors[t].name, p >= 0 ? " (output of node '" : "",
                    p >= 0 ? q->g->nodes[p].name : "", p >= 0 ? "')" : "", r->bad_count,
                    r->bad_count == 1 ? "" : "s");
      goto out;
    }
    done_n++;
    if ((st = qe_progress(ctx, total ? (double)done_n / (double)total : -1.0, phase)) != QE_OK)
      goto out;
  }
  if (done_n == 0)
    st = qe_error(ctx, QE_ERR_DATA, "calibration data: %s holds no samples",
                  qe_samples_description(s));
out:
  for (size_t i = 0; i < QE_ARRAY_LEN(reshaped); i++)
    qe_array_free(reshaped[i]);
  qe_runtime_free(rt);
  qe_ctx_free(inner);
  if (n_done)
    *n_done = done_n;
  return st;
}

/* ---- equalization statistics -------------------------------------------- */

static qe_status equalize_pass(qstate *q, qe_samples *s, size_t *pairs)
{
  qe_graph *g = q->g;
  qe_status st = QE_OK;
  bool *want = calloc(g->n_tensors, sizeof *want);
  float **chmax = calloc(g->n_tensors, sizeof *chmax);
  if (!want || !chmax) {
    st = qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  /* Per-channel maxima of every Conv output that feeds a Clip / Relu6. */
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    if (n->op != QE_OP_CLIP)
      continue;
    int x = qe_node_input(n, 0);
    int p = qe_graph_producer(g, x);
    if (p < 0 || g->nodes[p].op != QE_OP_CONV || g->tensors[x].rank < 3)
      continue;
    int64_t C = g->tensors[x].dims[1];
    if (C <= 0)
      continue;
    want[x] = true;
    chmax[x] = malloc((size_t)C * sizeof(float));
    if (!chmax[x]) {
      st = qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
      goto out;
    }
    for (int64_t c = 0; c < C; c++)
      chmax[x][c] = -INFINITY;
  }
  calib_run r = { .q = q, .bad_tensor = -1, .chmax = chmax, .want_chmax = want };
  if ((st = run_pass(q, s, &r, "equalizing", NULL)) != QE_OK)
    goto out;
  st = qe_equalize(g, (const float *const *)chmax, pairs, q->ctx);
out:
  for (size_t i = 0; chmax && i < g->n_tensors; i++)
    free(chmax[i]);
  free(chmax);
  free(want);
  return st;
}

/* ---- parameters ----------------------------------------------------------- */

static void fixed_qparams(qstate *q, int t, float scale, int32_t zp)
{
  q->qp[t].scale = scale;
  q->qp[t].zero_point = zp;
  q->qp[t].qmin = q->act_qmin;
  q->qp[t].qmax = q->act_qmax;
  q->has_qp[t] = true;
  q->lo[t] = scale * (float)(q->act_qmin - zp);
  q->hi[t] = scale * (float)(q->act_qmax - zp);
}

static qe_status tensor_qparams(qstate *q, int t)
{
  if (q->has_qp[t] || !q->obs[t])
    return QE_OK;
  float lo, hi;
  qe_calib_params p = q->o->calib;
  p.entropy_target_bins = 1 << (q->o->activation_bits - 1);
  p.mse_bits = q->o->activation_bits;
  qe_status st = qe_calib_obs_range(q->obs[t], q->o->calib_method, &p, &lo, &hi, q->ctx);
  if (st)
    return qe_error_prefix(q->ctx, "tensor '%s'", q->g->tensors[t].name);
  q->lo[t] = lo;
  q->hi[t] = hi;
  q->qp[t] = qe_choose_qparams(lo, hi, q->act_qmin, q->act_qmax, q->o->activation_symmetric,
                               q->o->power_of_two);
  q->has_qp[t] = true;
  return QE_OK;
}

static bool passthrough(qe_qop_type t)
{
  return t == QE_QOP_MAX_POOL_2D || t == QE_QOP_AVERAGE_POOL_2D || t == QE_QOP_RESHAPE ||
         t == QE_QOP_TRANSPOSE || t == QE_QOP_PAD || t == QE_QOP_RESIZE_BILINEAR ||
         t == QE_QOP_RESIZE_NEAREST_NEIGHBOR || t == QE_QOP_GATHER;
}

static qe_status choose_activation_params(qstate *q)
{
  qe_graph *g = q->g;
  qe_status st;
  for (size_t i = 0; i < g->n_inputs; i++)
    if ((st = tensor_qparams(q, g->inputs[i])) != QE_OK)
      return st;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    const qnode *qn = &q->nodes[i];
    int out = qe_node_output(n, 0);
    if (qn->kind == QN_NONE)
      continue;
    if (qn->act_node >= 0)
      out = qe_node_output(&g->nodes[qn->act_node], 0);
    int x = qe_node_input(n, 0);
    if (qn->kind == QN_INT8 && x >= 0 && !g->tensors[x].data &&
        (st = tensor_qparams(q, x)) != QE_OK)
      return st;
    const bool sym = q->o->activation_symmetric;
    if (qn->kind == QN_INT8 && (qn->qop == QE_QOP_SOFTMAX || qn->qop == QE_QOP_LOGISTIC)) {
      /* TFLite's fixed output parameters: [0, 1) in 1/256 steps (kept with
       * symmetric activations too: the int8 kernels require them) */
      fixed_qparams(q, out, 1.0f / 256, -128);
    } else if (qn->kind == QN_INT8 && qn->qop == QE_QOP_TANH) {
      fixed_qparams(q, out, 1.0f / 128, 0);
    } else if (qn->kind == QN_INT8 && passthrough(qn->qop) && x >= 0 && q->has_qp[x]) {
      q->qp[out] = q->qp[x];
      q->lo[out] = q->lo[x];
      q->hi[out] = q->hi[x];
      q->has_qp[out] = true;
    } else if (qn->kind == QN_INT8 && qn->qop == QE_QOP_QUANTIZE) {
      /* a general Clip: the output grid is the clamp itself */
      float a, b;
      qe_quant_clip_bounds(g, n, &a, &b);
      if ((st = tensor_qparams(q, out)) != QE_OK)
        return st;
      float lo = fmaxf(q->lo[out], a), hi = fminf(q->hi[out], b);
      q->lo[out] = lo;
      q->hi[out] = hi;
      q->qp[out] = qe_choose_qparams(lo, hi, q->act_qmin, q->act_qmax, sym, q->o->power_of_two);
    } else if ((st = tensor_qparams(q, out)) != QE_OK) {
      return st;
    }
    for (int k = 1; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (t >= 0 && !g->tensors[t].data && (st = tensor_qparams(q, t)) != QE_OK)
        return st;
    }
  }
  /* every other observed tensor (e.g. a float node's output later needed
   * in int8) */
  for (size_t t = 0; t < q->nt; t++)
    if ((st = tensor_qparams(q, (int)t)) != QE_OK)
      return st;
  return QE_OK;
}

/* Squared error of quantizing channel @c (-1: every channel) of @w
 * (outer x M x inner) with scale @s on [-qmax, qmax]. */
static double weight_err(const float *w, int64_t outer, int64_t M, int64_t inner, int64_t c,
                         float s, int32_t qmax)
{
  double err = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t m = c < 0 ? 0 : c; m < (c < 0 ? M : c + 1); m++)
      for (int64_t k = 0; k < inner; k++) {
        float v = w[(o * M + m) * inner + k];
        double d = (double)v - (double)s * qe_quantize_value(v, s, 0, -qmax, qmax);
        err += d * d;
      }
  return err;
}

/* Low-bit weights: the clipping threshold in (0, absmax] with the least
 * squared error (1 % steps), instead of the largest magnitude. */
static float weight_clip(const float *w, int64_t outer, int64_t M, int64_t inner, int64_t c,
                         float absmax, int32_t qmax, bool pow2)
{
  if (!(absmax > 0))
    return absmax;
  float best = absmax;
  double best_err = weight_err(w, outer, M, inner, c, qe_weight_scale(absmax, qmax, pow2), qmax);
  for (int step = 1; step < 100; step++) {
    float a = absmax * (float)(100 - step) / 100.0f;
    double e = weight_err(w, outer, M, inner, c, qe_weight_scale(a, qmax, pow2), qmax);
    if (e < best_err) {
      best_err = e;
      best = a;
    }
  }
  return best;
}

/* Quantize the weights and biases of node @i. */
static qe_status quantize_weights(qstate *q, int i)
{
  qe_graph *g = q->g;
  qnode *qn = &q->nodes[i];
  const qe_node *n = &g->nodes[i];
  const qe_tensor *wt = &g->tensors[qn->w_tensor];
  const float *w = wt->data->data;
  const int64_t count = qe_quant_tensor_count(wt);
  const int axis = qn->w_axis;
  const int64_t M = wt->dims[axis];
  int64_t inner = 1, outer = 1;
  for (int k = axis + 1; k < wt->rank; k++)
    inner *= wt->dims[k];
  for (int k = 0; k < axis; k++)
    outer *= wt->dims[k];
  /* TFLite's quantization spec: per-channel weights for CONV_2D and
   * DEPTHWISE_CONV_2D, per-tensor for FULLY_CONNECTED (TFLite 2.9 and the
   * TFLite Micro / CMSIS-NN versions boards run read only scale[0] there). */
  const bool per_channel =
      q->o->granularity == QE_GRANULARITY_PER_CHANNEL && qn->qop != QE_QOP_FULLY_CONNECTED;
  qe_status st;
  qn->n_out = (size_t)M;
  qn->w_count = (size_t)count;
  qn->n_wscale = per_channel ? (size_t)M : 1;
  if ((st = qe_alloc(q->ctx, (size_t)count, 1, "weights", (void **)&qn->wq)) != QE_OK ||
      (st = qe_alloc(q->ctx, (size_t)M, sizeof(float), "scales", (void **)&qn->wscale)) != QE_OK ||
      (st = qe_alloc(q->ctx, (size_t)M, sizeof(float), "bias", (void **)&qn->bias)) != QE_OK ||
      (st = qe_alloc(q->ctx, (size_t)M, sizeof(int32_t), "bias", (void **)&qn->bq)) != QE_OK ||
      (st = qe_alloc(q->ctx, (size_t)M, sizeof(float), "bias scales", (void **)&qn->bscale)) !=
          QE_OK)
    return st;
  /* per-channel maxima */
  float *absmax = qn->wscale; /* reused in place */
  for (int64_t c = 0; c < M; c++)
    absmax[c] = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < M; c++)
      for (int64_t k = 0; k < inner; k++) {
        float v = fabsf(w[(o * M + c) * inner + k]);
        if (!isfinite(v))
          return qe_error(q->ctx, QE_ERR_NUMERIC, "node '%s': weight '%s' holds NaN or infinity",
                          n->name, wt->name);
        if (v > absmax[c])
          absmax[c] = v;
      }
  if (!per_channel) {
    float m = 0;
    for (int64_t c = 0; c < M; c++)
      m = fmaxf(m, absmax[c]);
    for (int64_t c = 0; c < M; c++)
      absmax[c] = m;
  }
  if (q->w_qmax <= 7) {
    if (per_channel) {
      for (int64_t c = 0; c < M; c++)
        absmax[c] = weight_clip(w, outer, M, inner, c, absmax[c], q->w_qmax, q->o->power_of_two);
    } else {
      float a = weight_clip(w, outer, M, inner, -1, absmax[0], q->w_qmax, q->o->power_of_two);
      for (int64_t c = 0; c < M; c++)
        absmax[c] = a;
    }
  }
  /* bias (float) */
  const float *b = qn->b_tensor >= 0 ? qe_quant_const_f32(g, qn->b_tensor) : NULL;
  for (int64_t c = 0; c < M; c++)
    qn->bias[c] = b ? b[c] : 0.0f;
  int x = qe_node_input(n, 0);
  const float s_in = q->has_qp[x] ? q->qp[x].scale : 1.0f;
  for (int64_t c = 0; c < M; c++) {
    float s = qe_weight_scale(absmax[c], q->w_qmax, q->o->power_of_two);
    /* keep the int32 bias in range (only bites on absurd biases) */
    double need = fabs((double)qn->bias[c]) / ((double)s_in * 2147483000.0);
    if (need > s)
      s = q->o->power_of_two ? (float)exp2(ceil(log2(need))) : (float)need;
    qn->wscale[c] = s;
  }
  if (!per_channel) {
    float s = 0;
    for (int64_t c = 0; c < M; c++)
      s = fmaxf(s, qn->wscale[c]);
    for (int64_t c = 0; c < M; c++)
      qn->wscale[c] = s;
  }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < M; c++)
      for (int64_t k = 0; k < inner; k++) {
        int64_t idx = (o * M + c) * inner + k;
        qn->wq[idx] = (int8_t)qe_quantize_value(w[idx], qn->wscale[c], 0, -q->w_qmax, q->w_qmax);
      }
  /* bias correction: subtract (W_q - W) E[x] */
  if (q->o->bias_correction && q->chan_sum && q->chan_sum[x] && q->chan_n[x]) {
    const qe_tensor *xt = &g->tensors[x];
    int cax = q->chan_axis[x];
    int64_t Cin = xt->dims[cax];
    double per = (double)q->chan_n[x];
    for (int64_t c = 0; c < M; c++) {
      double shift = 0;
      if (n->op == QE_OP_CONV) {
        /* W [M, Cg, k...]: input channel of (c, j) is g(c) * Cg + j */
        int64_t Cg = wt->dims[1], ksz = count / (M * Cg);
        int64_t group = qe_node_int(n, "group", 1);
        int64_t per_group = M / (group ? group : 1);
        int64_t base = per_group ? (c / per_group) * Cg : 0;
        for (int64_t j = 0; j < Cg; j++) {
          double dsum = 0;
          for (int64_t k = 0; k < ksz; k++) {
            int64_t idx = (c * Cg + j) * ksz + k;
            dsum += (double)qn->wq[idx] * qn->wscale[c] - (double)w[idx];
          }
          int64_t ic = base + j;
          if (ic < Cin)
            shift += dsum * (q->chan_sum[x][ic] / per);
        }
      } else {
        /* FC: Gemm W [N, K] (axis 0) or MatMul W [K, N] (axis 1) */
        int64_t K = count / M;
        for (int64_t k = 0; k < K && k < Cin; k++) {
          int64_t idx = axis == 0 ? c * K + k : k * M + c;
          double d = (double)qn->wq[idx] * qn->wscale[c] - (double)w[idx];
          shift += d * (q->chan_sum[x][k] / per);
        }
      }
      qn->bias[c] -= (float)shift;
    }
  }
  for (int64_t c = 0; c < M; c++) {
    qn->bscale[c] = s_in * qn->wscale[c];
    double v = round((double)qn->bias[c] / (double)qn->bscale[c]);
    if (v > 2147483647.0)
      v = 2147483647.0;
    if (v < -2147483647.0)
      v = -2147483647.0;
    qn->bq[c] = (int32_t)v;
  }
  return QE_OK;
}

/* ---- the pipeline ---------------------------------------------------------- */

static void qstate_free(qstate *q)
{
  for (size_t i = 0; q->nodes && i < q->nn; i++) {
    qnode *qn = &q->nodes[i];
    free(qn->reason);
    free(qn->wq);
    free(qn->wscale);
    free(qn->bias);
    free(qn->bq);
    free(qn->bscale);
    free(qn->in_mean);
  }
  free(q->nodes);
  for (size_t i = 0; q->obs && i < q->nt; i++)
    qe_calib_obs_free(q->obs[i]);
  free(q->obs);
  for (size_t i = 0; q->chan_sum && i < q->nt; i++)
    free(q->chan_sum[i]);
  free(q->chan_sum);
  free(q->chan_n);
  free(q->chan_axis);
  free(q->has_qp);
  free(q->qp);
  free(q->lo);
  free(q->hi);
  free(q->rep);
  free(q->prim);
  free(q->prim_nhwc);
}

void qe_quant_result_free(qe_quant_result *r)
{
  if (!r)
    return;
  qe_graph_free(r->graph);
  qe_qmodel_free(r->qmodel);
  qe_graph_free(r->qdq);
  free(r->calibration);
  for (size_t i = 0; i < r->n_layers; i++) {
    free(r->layers[i].name);
    free(r->layers[i].op_type);
    free(r->layers[i].qop);
    free(r->layers[i].float_reason);
    free(r->layers[i].channel_absmax);
  }
  free(r->layers);
  free(r->ranking);
  for (size_t i = 0; i < r->n_ranked; i++)
    free(r->advice[i]);
  free(r->advice);
  for (size_t i = 0; i < r->n_float_ops; i++)
    free(r->float_ops[i]);
  free(r->float_ops);
  free(r->tensor_map);
  free(r->tensor_nhwc);
  if (r->priv) {
    r->priv->q.g = NULL; /* r->graph, freed above */
    qstate_free(&r->priv->q);
    free(r->priv);
  }
  free(r);
}

static qe_status alloc_state(qstate *q)
{
  const size_t nt = q->g->n_tensors, nn = q->g->n_nodes;
  q->nt = nt;
  q->nn = nn;
  q->nodes = calloc(nn ? nn : 1, sizeof *q->nodes);
  q->obs = calloc(nt ? nt : 1, sizeof *q->obs);
  q->has_qp = calloc(nt ? nt : 1, sizeof *q->has_qp);
  q->qp = calloc(nt ? nt : 1, sizeof *q->qp);
  q->lo = calloc(nt ? nt : 1, sizeof *q->lo);
  q->hi = calloc(nt ? nt : 1, sizeof *q->hi);
  q->chan_axis = malloc((nt ? nt : 1) * sizeof *q->chan_axis);
  if (!q->nodes || !q->obs || !q->has_qp || !q->qp || !q->lo || !q->hi || !q->chan_axis)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < nt; i++)
    q->chan_axis[i] = -1;
  for (size_t i = 0; i < nn; i++)
    q->nodes[i].act_node = q->nodes[i].fused_into = q->nodes[i].const_input = -1;
  return QE_OK;
}

static qe_status setup_observers(qstate *q)
{
  qe_graph *g = q->g;
  qe_status st;
  for (size_t t = 0; t < g->n_tensors; t++) {
    const qe_tensor *x = &g->tensors[t];
    if (x->data || x->dtype != QE_DT_F32)
      continue;
    if (qe_graph_use_count(g, (int)t) == 0 && !(x->flags & QE_TENSOR_INPUT))
      continue;
    if ((st = qe_calib_obs_new(q->o->calib.bins, &q->obs[t], q->ctx)) != QE_OK)
      return st;
    qe_calib_obs_set_moving_average(q->obs[t], q->o->calib.moving_average_constant);
  }
  /* graph inputs are observed too (they may lack the INPUT flag) */
  for (size_t i = 0; i < g->n_inputs; i++) {
    int t = g->inputs[i];
    if (!q->obs[t] && g->tensors[t].dtype == QE_DT_F32) {
      if ((st = qe_calib_obs_new(q->o->calib.bins, &q->obs[t], q->ctx)) != QE_OK)
        return st;
      qe_calib_obs_set_moving_average(q->obs[t], q->o->calib.moving_average_constant);
    }
  }
  if (!q->o->bias_correction)
    return QE_OK;
  q->chan_sum = calloc(g->n_tensors, sizeof *q->chan_sum);
  q->chan_n = calloc(g->n_tensors, sizeof *q->chan_n);
  if (!q->chan_sum || !q->chan_n)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qnode *qn = &q->nodes[i];
    if (!qn->has_w || qn->kind != QN_INT8)
      continue;
    int x = qe_node_input(&g->nodes[i], 0);
    const qe_tensor *xt = &g->tensors[x];
    int axis = g->nodes[i].op == QE_OP_CONV ? 1 : xt->rank - 1;
    if (q->chan_sum[x] || xt->rank < 2)
      continue;
    q->chan_axis[x] = axis;
    q->chan_sum[x] = calloc((size_t)xt->dims[axis], sizeof(double));
    if (!q->chan_sum[x])
      return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  }
  return QE_OK;
}

static qe_status fill_layers(qe_quant_result *r, qstate *q)
{
  qe_graph *g = q->g;
  size_t n = 0;
  const char *last_from = NULL;
  for (size_t i = 0; i < g->n_nodes; i++)
    n += q->nodes[i].kind != QN_NONE;
  r->layers = calloc(n ? n : 1, sizeof *r->layers);
  if (!r->layers)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qnode *qn = &q->nodes[i];
    if (qn->kind == QN_NONE)
      continue;
    qe_layer_diag *L = &r->layers[r->n_layers++];
    const qe_node *nd = &g->nodes[i];
    L->node = (int)i;
    L->qop_index = -1;
    L->sqnr_db = L->sqnr_isolated_db = NAN;
    L->name = qe_quant_node_name(g, (int)i);
    if (qn->pattern) {
      L->op_type = qe_strdup(qn->pattern);
    } else if (qn->act_node >= 0) {
      const qe_node *a = &g->nodes[qn->act_node];
      L->op_type = qe_strdup_printf("%s+%s", nd->op_type, a->op_type);
    } else {
      L->op_type = qe_strdup(nd->op_type ? nd->op_type : qe_op_name(nd->op));
    }
    L->qop = qe_strdup(qn->kind == QN_FLOAT ? "float" : qe_qop_name(qn->qop));
    L->in_float = qn->kind == QN_FLOAT;
    L->float_reason = qn->reason ? qe_strdup(qn->reason) : NULL;
    if (!L->name || !L->op_type || !L->qop)
      return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
    int out = qe_node_output(nd, 0);
    if (qn->act_node >= 0)
      out = qe_node_output(&g->nodes[qn->act_node], 0);
    if (out >= 0 && q->obs[out] && qe_calib_obs_count(q->obs[out])) {
      L->seen_min = qe_calib_obs_min(q->obs[out]);
      L->seen_max = qe_calib_obs_max(q->obs[out]);
      L->range_lo = q->lo[out];
      L->range_hi = q->hi[out];
      L->scale = q->qp[out].scale;
      L->zero_point = q->qp[out].zero_point;
      if (q->o->activation_type == QE_DT_U8)
        L->zero_point += 128;
      L->clipped_fraction = qe_calib_obs_clipped_fraction(
          q->obs[out], q->qp[out].scale * (float)(q->qp[out].qmin - q->qp[out].zero_point),
          q->qp[out].scale * (float)(q->qp[out].qmax - q->qp[out].zero_point));
      qe_calib_obs_histogram(q->obs[out], L->seen_min, L->seen_max, QE_DIAG_HIST_BINS, L->hist);
    }
    if (qn->has_w) {
      const qe_tensor *wt = &g->tensors[qn->w_tensor];
      int axis = qn->w_axis;
      int64_t M = wt->dims[axis], inner = 1, outer = 1;
      for (int k = axis + 1; k < wt->rank; k++)
        inner *= wt->dims[k];
      for (int k = 0; k < axis; k++)
        outer *= wt->dims[k];
      L->n_channels = (size_t)M;
      L->channel_absmax = calloc((size_t)M, sizeof(float));
      if (!L->channel_absmax)
        return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
      const float *w = wt->data->data;
      for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < M; c++)
          for (int64_t k = 0; k < inner; k++)
            L->channel_absmax[c] = fmaxf(L->channel_absmax[c], fabsf(w[(o * M + c) * inner + k]));
      L->weight_absmax_min = INFINITY;
      for (int64_t c = 0; c < M; c++) {
        L->weight_absmax_min = fminf(L->weight_absmax_min, L->channel_absmax[c]);
        L->weight_absmax_max = fmaxf(L->weight_absmax_max, L->channel_absmax[c]);
      }
      if (qn->wscale) {
        L->weight_scale_min = INFINITY;
        for (size_t c = 0; c < qn->n_out; c++) {
          L->weight_scale_min = fminf(L->weight_scale_min, qn->wscale[c]);
          L->weight_scale_max = fmaxf(L->weight_scale_max, qn->wscale[c]);
        }
      }
    }
    if (qn->kind == QN_FLOAT) {
      /* a decomposed LayerNormalization is one entry */
      const char *from = decomposed_from(nd);
      const char *prev = last_from;
      last_from = from;
      if (from && prev && strcmp(prev, from) == 0)
        continue;
      char *s = from ? qe_strdup_printf("node '%s' (LayerNormalization) runs in float: %s", from,
                                        qn->reason ? qn->reason : "")
                     : qe_strdup_printf("node '%s' (%s) runs in float: %s", L->name, L->op_type,
                                        qn->reason ? qn->reason : "");
      char **v = realloc(r->float_ops, (r->n_float_ops + 1) * sizeof *v);
      if (!s || !v) {
        free(s);
        if (v)
          r->float_ops = v;
        return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
      }
      r->float_ops = v;
      r->float_ops[r->n_float_ops++] = s;
    }
  }
  return QE_OK;
}

qe_status qe_quantize(const qe_graph *src, qe_samples *samples, const qe_quant_options *o,
                      qe_quant_result **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_status st;
  if (!src || !samples || !o)
    return qe_error(ctx, QE_ERR_INVALID, "qe_quantize: a graph, samples and options are needed");
  if ((st = qe_quant_options_validate(o, ctx)) != QE_OK)
    return st;
  qe_quant_result *r = calloc(1, sizeof *r);
  struct qe_quant_priv *priv = calloc(1, sizeof *priv);
  if (!r || !priv) {
    free(r);
    free(priv);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  r->priv = priv;
  r->options = *o;
  qstate *q = &priv->q;
  q->ctx = ctx;
  q->o = &r->options;
  qe_qgrid(o->activation_bits, false, &q->act_qmin, &q->act_qmax);
  q->w_qmax = o->reduce_range ? 63 : (int32_t)((1u << (o->weight_bits - 1)) - 1);

  if ((st = qe_progress(ctx, 0.0, "preparing")) != QE_OK)
    goto fail;
  if ((st = prepare_graph(src, &r->graph, ctx)) != QE_OK)
    goto fail;
  q->g = r->graph;
  if ((st = alloc_state(q)) != QE_OK || (st = plan(q)) != QE_OK)
    goto fail;
  r->calibration = qe_strdup(qe_samples_description(samples));
  r->random_calibration = qe_samples_is_random(samples);
  if (o->equalize && (st = equalize_pass(q, samples, &r->equalized_pairs)) != QE_OK)
    goto fail;
  if ((st = setup_observers(q)) != QE_OK)
    goto fail;
  calib_run run = { .q = q, .bad_tensor = -1 };
  if ((st = run_pass(q, samples, &run, "calibrating", &r->calibration_samples)) != QE_OK)
    goto fail;
  if ((st = qe_progress(ctx, 0.0, "quantizing")) != QE_OK)
    goto fail;
  if ((st = choose_activation_params(q)) != QE_OK)
    goto fail;
  for (size_t i = 0; i < q->nn; i++) {
    if (q->nodes[i].has_w && q->nodes[i].kind == QN_INT8) {
      if ((st = quantize_weights(q, (int)i)) != QE_OK)
        goto fail;
      if (o->bias_correction && q->chan_sum && q->chan_sum[qe_node_input(&q->g->nodes[i], 0)])
        r->bias_corrected_layers++;
    }
  }
  if ((st = qe_quant_lower(q, NULL, &r->qmodel)) != QE_OK)
    goto fail;
  {
    qe_ctx *quiet = qe_ctx_new();
    st = quiet ? qe_qmodel_prepare(r->qmodel, quiet) : QE_ERR_NOMEM;
    if (st) {
      qe_error(ctx, st, "the int8 model: %s", quiet ? qe_ctx_error(quiet) : "out of memory");
      qe_ctx_free(quiet);
      goto fail;
    }
    qe_ctx_free(quiet);
  }
  r->n_tensor_map = q->nt;
  r->tensor_map = malloc(q->nt * sizeof *r->tensor_map);
  r->tensor_nhwc = malloc(q->nt);
  if (!r->tensor_map || !r->tensor_nhwc) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  memcpy(r->tensor_map, q->prim, q->nt * sizeof *r->tensor_map);
  memcpy(r->tensor_nhwc, q->prim_nhwc, q->nt);
  q->m = r->qmodel;
  if ((st = qe_quant_build_qdq(q, &r->qdq)) != QE_OK)
    goto fail;
  if ((st = fill_layers(r, q)) != QE_OK)
    goto fail;
  if (o->diag_samples &&
      (st = qe_quant_diagnose(r, samples, o->diag_samples, o->diag_isolated, ctx)) != QE_OK)
    goto fail;
  qe_progress(ctx, 1.0, "done");
  *out = r;
  return QE_OK;
fail:
  qe_quant_result_free(r);
  return st;
}
