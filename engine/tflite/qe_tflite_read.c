/* qe_tflite_read.c - verify and read a TFLite flatbuffer into a qe_qmodel.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_tflite.h"
#include "qe_flatbuf.h"
#include "qe_internal.h"
#include "qe_tflite_schema.h"

/* BuiltinOperator names 0..126, for messages and op lists. */
static const char *const builtin_names[] = {
  "ADD",
  "AVERAGE_POOL_2D",
  "CONCATENATION",
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "DEPTH_TO_SPACE",
  "DEQUANTIZE",
  "EMBEDDING_LOOKUP",
  "FLOOR",
  "FULLY_CONNECTED",
  "HASHTABLE_LOOKUP",
  "L2_NORMALIZATION",
  "L2_POOL_2D",
  "LOCAL_RESPONSE_NORMALIZATION",
  "LOGISTIC",
  "LSH_PROJECTION",
  "LSTM",
  "MAX_POOL_2D",
  "MUL",
  "RELU",
  "RELU_N1_TO_1",
  "RELU6",
  "RESHAPE",
  "RESIZE_BILINEAR",
  "RNN",
  "SOFTMAX",
  "SPACE_TO_DEPTH",
  "SVDF",
  "TANH",
  "CONCAT_EMBEDDINGS",
  "SKIP_GRAM",
  "CALL",
  "CUSTOM",
  "EMBEDDING_LOOKUP_SPARSE",
  "PAD",
  "UNIDIRECTIONAL_SEQUENCE_RNN",
  "GATHER",
  "BATCH_TO_SPACE_ND",
  "SPACE_TO_BATCH_ND",
  "TRANSPOSE",
  "MEAN",
  "SUB",
  "DIV",
  "SQUEEZE",
  "UNIDIRECTIONAL_SEQUENCE_LSTM",
  "STRIDED_SLICE",
  "BIDIRECTIONAL_SEQUENCE_RNN",
  "EXP",
  "TOPK_V2",
  "SPLIT",
  "LOG_SOFTMAX",
  "DELEGATE",
  "BIDIRECTIONAL_SEQUENCE_LSTM",
  "CAST",
  "PRELU",
  "MAXIMUM",
  "ARG_MAX",
  "MINIMUM",
  "LESS",
  "NEG",
  "PADV2",
  "GREATER",
  "GREATER_EQUAL",
  "LESS_EQUAL",
  "SELECT",
  "SLICE",
  "SIN",
  "TRANSPOSE_CONV",
  "SPARSE_TO_DENSE",
  "TILE",
  "EXPAND_DIMS",
  "EQUAL",
  "NOT_EQUAL",
  "LOG",
  "SUM",
  "SQRT",
  "RSQRT",
  "SHAPE",
  "POW",
  "ARG_MIN",
  "FAKE_QUANT",
  "REDUCE_PROD",
  "REDUCE_MAX",
  "PACK",
  "LOGICAL_OR",
  "ONE_HOT",
  "LOGICAL_AND",
  "LOGICAL_NOT",
  "UNPACK",
  "REDUCE_MIN",
  "FLOOR_DIV",
  "REDUCE_ANY",
  "SQUARE",
  "ZEROS_LIKE",
  "FILL",
  "FLOOR_MOD",
  "RANGE",
  "RESIZE_NEAREST_NEIGHBOR",
  "LEAKY_RELU",
  "SQUARED_DIFFERENCE",
  "MIRROR_PAD",
  "ABS",
  "SPLIT_V",
  "UNIQUE",
  "CEIL",
  "REVERSE_V2",
  "ADD_N",
  "GATHER_ND",
  "COS",
  "WHERE",
  "RANK",
  "ELU",
  "REVERSE_SEQUENCE",
  "MATRIX_DIAG",
  "QUANTIZE",
  "MATRIX_SET_DIAG",
  "ROUND",
  "HARD_SWISH",
  "IF",
  "WHILE",
  "NON_MAX_SUPPRESSION_V4",
  "NON_MAX_SUPPRESSION_V5",
  "SCATTER_ND",
  "SELECT_V2",
  "DENSIFY",
  "SEGMENT_SUM",
  "BATCH_MATMUL",
};

static const char *builtin_name(int code, char *buf, size_t size)
{
  if (code >= 0 && (size_t)code < QE_ARRAY_LEN(builtin_names))
    return builtin_names[code];
  snprintf(buf, size, "builtin %d", code);
  return buf;
}

/* Highest op version of each engine op the reader accepts (the versions
 * TFLite 2.9 registers for the types the engine runs). */
static int max_version(qe_qop_type t)
{
  switch (t) {
  case QE_QOP_CONV_2D:
    return 6;
  case QE_QOP_DEPTHWISE_CONV_2D:
    return 6;
  case QE_QOP_FULLY_CONNECTED:
    return 9;
  case QE_QOP_ADD:
  case QE_QOP_MUL:
    return 4;
  case QE_QOP_PAD:
  case QE_QOP_TRANSPOSE:
  case QE_QOP_QUANTIZE:
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    return 4;
  case QE_QOP_GATHER:
  case QE_QOP_BATCH_MATMUL:
    return 4;
  case QE_QOP_SUB:
    return 3;
  case QE_QOP_DIV:
  case QE_QOP_RSQRT:
  case QE_QOP_SQUARED_DIFFERENCE:
  case QE_QOP_GELU:
    return 2;
  case QE_QOP_SOFTMAX:
  case QE_QOP_CONCATENATION:
  case QE_QOP_MEAN:
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
  case QE_QOP_DEQUANTIZE:
    return 3;
  default:
    return 1;
  }
}

typedef struct rctx {
  qe_fb_reader r;
  const char *name;
  qe_ctx *ctx;
} rctx;

static qe_status bad(rctx *c, const char *fmt, ...) QE_PRINTF(2, 3);

/* QE_ERR_PARSE with "<name>: <where>: <reader's detail>". */
static qe_status bad(rctx *c, const char *fmt, ...)
{
  char where[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(where, sizeof(where), fmt, ap);
  va_end(ap);
  if (c->r.err[0] != '\0')
    return qe_error(c->ctx, QE_ERR_PARSE, "%s: %s: %s", c->name, where, c->r.err);
  return qe_error(c->ctx, QE_ERR_PARSE, "%s: %s", c->name, where);
}

static bool ivec(rctx *c, const qe_fb_vec *v, uint32_t i, int32_t *out)
{
  (void)c;
  *out = qe_fb_read_i32(c->r.buf + v->pos + 4 * (size_t)i);
  return true;
}

static qe_dtype map_type(int t)
{
  switch (t) {
  case TFL_FLOAT32:
    return QE_DT_F32;
  case TFL_FLOAT16:
    return QE_DT_F16;
  case TFL_INT32:
    return QE_DT_I32;
  case TFL_UINT8:
    return QE_DT_U8;
  case TFL_INT64:
    return QE_DT_I64;
  case TFL_INT16:
    return QE_DT_I16;
  case TFL_INT8:
    return QE_DT_I8;
  case TFL_BOOL:
    return QE_DT_BOOL;
  default:
    return QE_DT_UNDEFINED;
  }
}

typedef struct opcode_info {
  int code;
  int version;
  const char *custom;
} opcode_info;

static qe_status read_opcodes(rctx *c, const qe_fb_table *model, opcode_info **out, uint32_t *n)
{
  qe_fb_vec v;
  opcode_info *codes;
  uint32_t i;
  *out = NULL;
  if (!qe_fb_vector_field(&c->r, model, TFL_MODEL_OPERATOR_CODES, 4, &v))
    return bad(c, "model.operator_codes");
  codes = calloc((size_t)v.count + 1, sizeof(*codes));
  if (codes == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  for (i = 0; i < v.count; i++) {
    qe_fb_table t;
    uint8_t dep = 0;
    int32_t code = 0, ver = 1;
    if (!qe_fb_vector_table(&c->r, &v, i, &t) ||
        !qe_fb_u8(&c->r, &t, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0, &dep) ||
        !qe_fb_i32(&c->r, &t, TFL_OPCODE_BUILTIN_CODE, 0, &code) ||
        !qe_fb_i32(&c->r, &t, TFL_OPCODE_VERSION, 1, &ver) ||
        !qe_fb_string_field(&c->r, &t, TFL_OPCODE_CUSTOM_CODE, &codes[i].custom, NULL)) {
      free(codes);
      return bad(c, "operator_codes[%u]", i);
    }
    /* As TFLite's GetBuiltinCode: the larger of the two fields. */
    codes[i].code = code > (int32_t)(int8_t)dep ? code : (int32_t)(int8_t)dep;
    codes[i].version = ver;
  }
  *out = codes;
  *n = v.count;
  return QE_OK;
}

static qe_status subgraph0(rctx *c, qe_fb_table *model, qe_fb_table *sg)
{
  qe_fb_vec v;
  uint32_t version = 0;
  if (!qe_fb_u32(&c->r, model, TFL_MODEL_VERSION, 0, &version))
    return bad(c, "model.version");
  if (version != TFL_SCHEMA_VERSION)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "%s: schema version %u (expected 3)", c->name,
                    version);
  if (!qe_fb_vector_field(&c->r, model, TFL_MODEL_SUBGRAPHS, 4, &v))
    return bad(c, "model.subgraphs");
  if (v.count < 1)
    return qe_error(c->ctx, QE_ERR_PARSE, "%s: the model has no subgraph", c->name);
  if (!qe_fb_vector_table(&c->r, &v, 0, sg))
    return bad(c, "subgraph 0");
  return QE_OK;
}

qe_status qe_tflite_list_ops(const void *data, size_t size, const char *name, char **out,
                             qe_ctx *ctx)
{
  rctx c;
  qe_fb_table model, sg;
  qe_fb_vec ops;
  opcode_info *codes = NULL;
  uint32_t n_codes = 0, i, *counts = NULL;
  char *s = NULL;
  size_t len = 0, cap = 0;
  qe_status st;

  *out = NULL;
  qe_fb_reader_init(&c.r, data, size);
  c.name = name ? name : "tflite";
  c.ctx = ctx;
  if (!qe_fb_root(&c.r, TFL_IDENT, &model))
    return bad(&c, "header");
  if ((st = subgraph0(&c, &model, &sg)) != QE_OK ||
      (st = read_opcodes(&c, &model, &codes, &n_codes)) != QE_OK)
    return st;
  if (!qe_fb_vector_field(&c.r, &sg, TFL_SUBGRAPH_OPERATORS, 4, &ops)) {
    free(codes);
    return bad(&c, "subgraph 0: operators");
  }
  counts = calloc((size_t)n_codes + 1, sizeof(uint32_t));
  if (counts == NULL) {
    free(codes);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (i = 0; i < ops.count; i++) {
    qe_fb_table t;
    uint32_t idx = 0;
    if (!qe_fb_vector_table(&c.r, &ops, i, &t) ||
        !qe_fb_u32(&c.r, &t, TFL_OP_OPCODE_INDEX, 0, &idx)) {
      free(codes);
      free(counts);
      return bad(&c, "subgraph 0: operator %u", i);
    }
    if (idx >= n_codes) {
      free(codes);
      free(counts);
      return qe_error(ctx, QE_ERR_PARSE, "%s: operator %u: opcode_index %u out of range (%u)",
                      c.name, i, idx, n_codes);
    }
    counts[idx]++;
  }
  for (i = 0; i < n_codes; i++) {
    char buf[320], nb[32];
    int n;
    char *ns;
    if (counts[i] == 0)
      continue;
    if (codes[i].code == TFL_BUILTIN_CUSTOM)
      n = snprintf(buf, sizeof(buf), "%sCUSTOM(%s) x%u", len ? ", " : "",
                   codes[i].custom ? codes[i].custom : "?", counts[i]);
    else
      n = snprintf(buf, sizeof(buf), "%s%s v%d x%u", len ? ", " : "",
                   builtin_name(codes[i].code, nb, sizeof(nb)), codes[i].version, counts[i]);
    if (len + (size_t)n + 1 > cap) {
      cap = (len + (size_t)n + 1) * 2;
      ns = realloc(s, cap);
      if (ns == NULL) {
        free(s);
        free(codes);
        free(counts);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
      s = ns;
    }
    memcpy(s + len, buf, (size_t)n + 1);
    len += (size_t)n;
  }
  free(codes);
  free(counts);
  *out = s ? s : qe_strdup("");
  return *out ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
}

static qe_status read_tensor(rctx *c, qe_qmodel *m, const qe_fb_vec *buffers, const qe_fb_table *t,
                             uint32_t index)
{
  qe_fb_vec shape, scale, zp, data;
  qe_fb_table quant, buf;
  const char *tname = NULL;
  uint8_t type = 0;
  uint32_t buffer = 0;
  int32_t qdim = 0, dims[QE_QMAX_RANK];
  qe_dtype dt;
  float *sc = NULL;
  int32_t *z = NULL;
  size_t n_quant = 0;
  uint32_t k;
  int64_t count = 1;
  qe_status st;

  memset(&data, 0, sizeof(data));
  if (!qe_fb_vector_field(&c->r, t, TFL_TENSOR_SHAPE, 4, &shape) ||
      !qe_fb_u8(&c->r, t, TFL_TENSOR_TYPE, 0, &type) ||
      !qe_fb_u32(&c->r, t, TFL_TENSOR_BUFFER, 0, &buffer) ||
      !qe_fb_string_field(&c->r, t, TFL_TENSOR_NAME, &tname, NULL) ||
      !qe_fb_subtable(&c->r, t, TFL_TENSOR_QUANTIZATION, &quant))
    return bad(c, "tensor %u", index);
  if (shape.count > QE_QMAX_RANK)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "%s: tensor %u '%s': rank %u (at most %d)", c->name,
                    index, tname ? tname : "", shape.count, QE_QMAX_RANK);
  for (k = 0; k < shape.count; k++) {
    ivec(c, &shape, k, &dims[k]);
    if (dims[k] < 0)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                      "%s: tensor %u '%s': dynamic dimension %u (%d) not supported", c->name, index,
                      tname ? tname : "", k, (int)dims[k]);
    if (dims[k] > 0 && count > INT32_MAX / dims[k])
      return qe_error(c->ctx, QE_ERR_NOMEM, "%s: tensor %u '%s' is too large", c->name, index,
                      tname ? tname : "");
    count *= dims[k];
  }
  if (qe_fb_field(&c->r, t, TFL_TENSOR_SPARSITY) != 0)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                    "%s: tensor %u '%s': sparse tensors (DENSIFY) are not supported", c->name,
                    index, tname ? tname : "");
  dt = map_type(type);
  if (dt == QE_DT_UNDEFINED)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "%s: tensor %u '%s': tensor type %u", c->name,
                    index, tname ? tname : "", type);
  if (buffer >= buffers->count)
    return qe_error(c->ctx, QE_ERR_PARSE, "%s: tensor %u '%s': buffer %u out of range (%u)",
                    c->name, index, tname ? tname : "", buffer, buffers->count);
  if (buffer != 0) {
    uint64_t off = 0;
    if (!qe_fb_vector_table(&c->r, buffers, buffer, &buf) ||
        !qe_fb_vector_field(&c->r, &buf, TFL_BUFFER_DATA, 1, &data) ||
        !qe_fb_u64(&c->r, &buf, TFL_BUFFER_OFFSET, 0, &off))
      return bad(c, "buffer %u of tensor %u", buffer, index);
    if (off != 0)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                      "%s: tensor %u '%s': buffers stored outside the flatbuffer (offset %llu)",
                      c->name, index, tname ? tname : "", (unsigned long long)off);
    if (data.count > 0) {
      const size_t es = dt == QE_DT_F16 ? 2 : dt == QE_DT_BOOL ? 1 : qe_dtype_size(dt);
      if ((uint64_t)count * es != data.count)
        return qe_error(c->ctx, QE_ERR_PARSE,
                        "%s: tensor %u '%s': buffer %u has %u bytes, the shape needs %llu", c->name,
                        index, tname ? tname : "", buffer, data.count,
                        (unsigned long long)((uint64_t)count * es));
    }
  }
  if (quant.pos != 0) {
    if (!qe_fb_vector_field(&c->r, &quant, TFL_QUANT_SCALE, 4, &scale) ||
        !qe_fb_vector_field(&c->r, &quant, TFL_QUANT_ZERO_POINT, 8, &zp) ||
        !qe_fb_i32(&c->r, &quant, TFL_QUANT_QUANTIZED_DIMENSION, 0, &qdim))
      return bad(c, "tensor %u quantization", index);
    if (scale.count > 0) {
      if (zp.count != scale.count && zp.count != 0)
        return qe_error(c->ctx, QE_ERR_PARSE, "%s: tensor %u '%s': %u scales but %u zero points",
                        c->name, index, tname ? tname : "", scale.count, zp.count);
      if (scale.count > 1 &&
          (qdim < 0 || qdim >= (int32_t)shape.count || (uint32_t)dims[qdim] != scale.count))
        return qe_error(c->ctx, QE_ERR_PARSE,
                        "%s: tensor %u '%s': %u scales do not match quantized_dimension %d",
                        c->name, index, tname ? tname : "", scale.count, (int)qdim);
      n_quant = scale.count;
      sc = malloc(n_quant * sizeof(float));
      z = calloc(n_quant, sizeof(int32_t));
      if (sc == NULL || z == NULL) {
        free(sc);
        free(z);
        return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
      }
      for (k = 0; k < scale.count; k++) {
        memcpy(&sc[k], c->r.buf + scale.pos + 4 * (size_t)k, 4);
        if (zp.count > 0) {
          const int64_t v =
              (int64_t)((uint64_t)qe_fb_read_u32(c->r.buf + zp.pos + 8 * (size_t)k) |
                        ((uint64_t)qe_fb_read_u32(c->r.buf + zp.pos + 8 * (size_t)k + 4) << 32));
          if (v < INT32_MIN || v > INT32_MAX) {
            free(sc);
            free(z);
            return qe_error(c->ctx, QE_ERR_PARSE, "%s: tensor %u: zero point %lld", c->name, index,
                            (long long)v);
          }
          z[k] = (int32_t)v;
        }
      }
    }
  }
  st = qe_qmodel_add_tensor(m, tname ? tname : "", dt, (int)shape.count, dims,
                            data.count ? c->r.buf + data.pos : NULL, data.count, n_quant, sc, z,
                            qdim, NULL, c->ctx);
  free(sc);
  free(z);
  return st;
}

static qe_activation map_act(uint8_t a, bool *ok)
{
  *ok = a <= 3;
  return (qe_activation)a;
}

static qe_status read_options(rctx *c, const qe_fb_table *op, qe_qop_type type, uint32_t index,
                              qe_qop_options *o)
{
  qe_fb_table t;
  uint8_t u8 = 0, act = 0, pad = 0;
  bool ok = true, act_ok = true;
  qe_qop_options_init(o);
  if (!qe_fb_subtable(&c->r, op, TFL_OP_BUILTIN_OPTIONS, &t))
    return bad(c, "operator %u (%s): builtin_options", index, qe_qop_name(type));
  switch (type) {
  case QE_QOP_CONV_2D:
    ok = qe_fb_u8(&c->r, &t, TFL_CONV_PADDING, 0, &pad) &&
         qe_fb_i32(&c->r, &t, TFL_CONV_STRIDE_W, 1, &o->stride_w) &&
         qe_fb_i32(&c->r, &t, TFL_CONV_STRIDE_H, 1, &o->stride_h) &&
         qe_fb_u8(&c->r, &t, TFL_CONV_ACT, 0, &act) &&
         qe_fb_i32(&c->r, &t, TFL_CONV_DIL_W, 1, &o->dilation_w) &&
         qe_fb_i32(&c->r, &t, TFL_CONV_DIL_H, 1, &o->dilation_h);
    break;
  case QE_QOP_DEPTHWISE_CONV_2D:
    ok = qe_fb_u8(&c->r, &t, TFL_DW_PADDING, 0, &pad) &&
         qe_fb_i32(&c->r, &t, TFL_DW_STRIDE_W, 1, &o->stride_w) &&
         qe_fb_i32(&c->r, &t, TFL_DW_STRIDE_H, 1, &o->stride_h) &&
         qe_fb_i32(&c->r, &t, TFL_DW_DEPTH_MULTIPLIER, 1, &o->depth_multiplier) &&
         qe_fb_u8(&c->r, &t, TFL_DW_ACT, 0, &act) &&
         qe_fb_i32(&c->r, &t, TFL_DW_DIL_W, 1, &o->dilation_w) &&
         qe_fb_i32(&c->r, &t, TFL_DW_DIL_H, 1, &o->dilation_h);
    break;
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
    ok = qe_fb_u8(&c->r, &t, TFL_POOL_PADDING, 0, &pad) &&
         qe_fb_i32(&c->r, &t, TFL_POOL_STRIDE_W, 1, &o->stride_w) &&
         qe_fb_i32(&c->r, &t, TFL_POOL_STRIDE_H, 1, &o->stride_h) &&
         qe_fb_i32(&c->r, &t, TFL_POOL_FILTER_W, 1, &o->filter_w) &&
         qe_fb_i32(&c->r, &t, TFL_POOL_FILTER_H, 1, &o->filter_h) &&
         qe_fb_u8(&c->r, &t, TFL_POOL_ACT, 0, &act);
    break;
  case QE_QOP_FULLY_CONNECTED:
    ok = qe_fb_u8(&c->r, &t, TFL_FC_ACT, 0, &act) &&
         qe_fb_u8(&c->r, &t, TFL_FC_WEIGHTS_FORMAT, 0, &u8);
    if (ok && u8 != 0)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                      "%s: operator %u (FULLY_CONNECTED): shuffled weights format %u", c->name,
                      index, u8);
    ok = ok && qe_fb_u8(&c->r, &t, TFL_FC_KEEP_NUM_DIMS, 0, &u8);
    o->keep_dims = u8 != 0;
    break;
  case QE_QOP_SOFTMAX:
    ok = qe_fb_f32(&c->r, &t, TFL_SOFTMAX_BETA, 1.0f, &o->beta);
    break;
  case QE_QOP_CONCATENATION:
    ok = qe_fb_i32(&c->r, &t, TFL_CONCAT_AXIS, 0, &o->axis) &&
         qe_fb_u8(&c->r, &t, TFL_CONCAT_ACT, 0, &act);
    break;
  case QE_QOP_ADD:
    ok = qe_fb_u8(&c->r, &t, TFL_ADD_ACT, 0, &act);
    break;
  case QE_QOP_MUL:
    ok = qe_fb_u8(&c->r, &t, TFL_MUL_ACT, 0, &act);
    break;
  case QE_QOP_MEAN:
    ok = qe_fb_u8(&c->r, &t, TFL_REDUCER_KEEP_DIMS, 0, &u8);
    o->keep_dims = u8 != 0;
    break;
  case QE_QOP_SUB:
    ok = qe_fb_u8(&c->r, &t, TFL_SUB_ACT, 0, &act);
    break;
  case QE_QOP_DIV:
    ok = qe_fb_u8(&c->r, &t, TFL_DIV_ACT, 0, &act);
    break;
  case QE_QOP_GATHER: {
    int32_t bd = 0;
    ok = qe_fb_i32(&c->r, &t, TFL_GATHER_AXIS, 0, &o->axis) &&
         qe_fb_i32(&c->r, &t, TFL_GATHER_BATCH_DIMS, 0, &bd);
    if (ok && bd != 0)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "%s: operator %u (GATHER): batch_dims %d",
                      c->name, index, (int)bd);
    break;
  }
  case QE_QOP_BATCH_MATMUL: {
    uint8_t ax = 0, ay = 0, asym = 0;
    ok = qe_fb_u8(&c->r, &t, TFL_BMM_ADJ_X, 0, &ax) && qe_fb_u8(&c->r, &t, TFL_BMM_ADJ_Y, 0, &ay) &&
         qe_fb_u8(&c->r, &t, TFL_BMM_ASYMMETRIC_QUANTIZE_INPUTS, 0, &asym);
    o->adj_x = ax != 0;
    o->adj_y = ay != 0;
    break;
  }
  case QE_QOP_GELU:
    ok = qe_fb_u8(&c->r, &t, TFL_GELU_APPROXIMATE, 0, &u8);
    o->approximate = u8 != 0;
    break;
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR: {
    const bool bl = type == QE_QOP_RESIZE_BILINEAR;
    uint8_t ac = 0, hp = 0;
    ok = qe_fb_u8(&c->r, &t, bl ? TFL_RB_ALIGN_CORNERS : TFL_RNN_ALIGN_CORNERS, 0, &ac) &&
         qe_fb_u8(&c->r, &t, bl ? TFL_RB_HALF_PIXEL_CENTERS : TFL_RNN_HALF_PIXEL_CENTERS, 0, &hp);
    o->align_corners = ac != 0;
    o->half_pixel_centers = hp != 0;
    break;
  }
  default:
    break;
  }
  if (!ok)
    return bad(c, "operator %u (%s): options", index, qe_qop_name(type));
  if (pad > 1)
    return qe_error(c->ctx, QE_ERR_PARSE, "%s: operator %u (%s): padding %u", c->name, index,
                    qe_qop_name(type), pad);
  o->padding = pad == 1 ? QE_PAD_VALID : QE_PAD_SAME;
  o->activation = map_act(act, &act_ok);
  if (!act_ok)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                    "%s: operator %u (%s): fused activation %u is not supported", c->name, index,
                    qe_qop_name(type), act);
  return QE_OK;
}

/* A DEQUANTIZE of a constant: replace its output by a float32 constant. */
static qe_status fold_dequantize(rctx *c, qe_qmodel *m, int in, int out, uint32_t index)
{
  qe_qtensor *ti = &m->tensors[in], *to = &m->tensors[out];
  const int64_t n = qe_qtensor_count(ti);
  float *f;
  int64_t k;
  if (n < 0 || qe_qtensor_count(to) != n)
    return qe_error(c->ctx, QE_ERR_SHAPE, "%s: operator %u (DEQUANTIZE): shapes differ", c->name,
                    index);
  f = malloc((size_t)n * sizeof(float) + 1);
  if (f == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  for (k = 0; k < n; k++) {
    if (ti->type == QE_DT_F16) {
      uint16_t h;
      memcpy(&h, (const uint8_t *)ti->data + 2 * k, 2);
      f[k] = qe_half_to_float(h);
    } else {
      /* int8 / uint8, per-tensor or per-channel */
      int64_t ch = 0;
      int32_t q;
      if (ti->n_quant == 0) {
        free(f);
        return qe_error(c->ctx, QE_ERR_INVALID,
                        "%s: operator %u (DEQUANTIZE): input '%s' has no quantization", c->name,
                        index, ti->name);
      }
      if (ti->n_quant > 1) {
        int64_t inner = 1;
        int d;
        for (d = ti->quantized_dimension + 1; d < ti->rank; d++)
          inner *= ti->dims[d];
        ch = (k / inner) % ti->dims[ti->quantized_dimension];
      }
      q = ti->type == QE_DT_U8 ? ((const uint8_t *)ti->data)[k] : ((const int8_t *)ti->data)[k];
      f[k] = (float)((double)ti->scale[ch] * (q - ti->zero_point[ch]));
    }
  }
  free(to->data);
  to->data = f;
  to->data_size = (size_t)n * sizeof(float);
  to->type = QE_DT_F32;
  return QE_OK;
}

/* Parse one JSON string literal at *p (escapes \" \\ \/ \n \t \uXXXX
 * below 0x80); malloc'ed result, NULL on a syntax error. */
static char *json_string(const char **p, const char *end)
{
  const char *s = *p;
  char *out, *o;
  if (s >= end || *s != '"')
    return NULL;
  out = malloc((size_t)(end - s) + 1);
  if (out == NULL)
    return NULL;
  o = out;
  for (s++; s < end && *s != '"'; s++) {
    if (*s == '\\') {
      if (++s >= end)
        break;
      if (*s == 'u' && end - s >= 5) {
        unsigned v = 0;
        int k;
        for (k = 1; k <= 4; k++) {
          const char h = s[k];
          v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
        }
        *o++ = (char)(v < 0x80 ? v : '?');
        s += 4;
      } else {
        *o++ = *s == 'n' ? '\n' : (*s == 't' ? '\t' : *s);
      }
    } else {
      *o++ = *s;
    }
  }
  if (s >= end) {
    free(out);
    return NULL;
  }
  *o = '\0';
  *p = s + 1;
  return out;
}

static const char *json_skip(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == ':' || *p == ','))
    p++;
  return p;
}

/* The "settings" object of the engine's "quantizer" metadata back into
 * key/value pairs (other tools' metadata is left alone). */
static void read_settings(qe_qmodel *m, const char *json, size_t len, qe_ctx *ctx)
{
  const char *end = json + len;
  const char *p = json;
  const char *key = "\"settings\"";
  const size_t klen = strlen(key);
  for (; p + klen <= end; p++)
    if (memcmp(p, key, klen) == 0)
      break;
  if (p + klen > end)
    return;
  p = json_skip(p + klen, end);
  if (p >= end || *p != '{')
    return;
  p = json_skip(p + 1, end);
  while (p < end && *p == '"') {
    char *k = json_string(&p, end), *v;
    p = json_skip(p, end);
    v = k ? json_string(&p, end) : NULL;
    if (k != NULL && v != NULL)
      qe_qmodel_set_metadata(m, k, v, ctx);
    free(k);
    free(v);
    if (v == NULL)
      return;
    p = json_skip(p, end);
  }
}

/* Verify what the model refers to beyond subgraph 0: every buffer's
 * table and data, every metadata entry; read our own settings back. */
static qe_status verify_buffers(rctx *c, const qe_fb_table *model, const qe_fb_vec *buffers,
                                qe_qmodel *m)
{
  qe_fb_vec md;
  uint32_t i;
  for (i = 0; i < buffers->count; i++) {
    qe_fb_table b;
    qe_fb_vec d;
    if (!qe_fb_vector_table(&c->r, buffers, i, &b) ||
        !qe_fb_vector_field(&c->r, &b, TFL_BUFFER_DATA, 1, &d))
      return bad(c, "buffer %u", i);
  }
  if (!qe_fb_vector_field(&c->r, model, TFL_MODEL_METADATA, 4, &md))
    return bad(c, "model.metadata");
  for (i = 0; i < md.count; i++) {
    qe_fb_table t, b;
    qe_fb_vec d;
    const char *name = NULL;
    uint32_t buf = 0;
    if (!qe_fb_vector_table(&c->r, &md, i, &t) ||
        !qe_fb_string_field(&c->r, &t, TFL_METADATA_NAME, &name, NULL) ||
        !qe_fb_u32(&c->r, &t, TFL_METADATA_BUFFER, 0, &buf))
      return bad(c, "metadata %u", i);
    if (buf >= buffers->count)
      return qe_error(c->ctx, QE_ERR_PARSE, "%s: metadata %u '%s': buffer %u out of range (%u)",
                      c->name, i, name ? name : "", buf, buffers->count);
    if (name != NULL && strcmp(name, "quantizer") == 0 &&
        qe_fb_vector_table(&c->r, buffers, buf, &b) &&
        qe_fb_vector_field(&c->r, &b, TFL_BUFFER_DATA, 1, &d) && d.count > 0)
      read_settings(m, (const char *)c->r.buf + d.pos, d.count, c->ctx);
  }
  return QE_OK;
}

qe_status qe_tflite_read(const void *data, size_t size, const char *name, qe_qmodel **out,
                         qe_ctx *ctx)
{
  rctx c;
  qe_fb_table model, sg;
  qe_fb_vec tensors, ops, ins, outs, buffers;
  opcode_info *codes = NULL;
  uint32_t n_codes = 0, i;
  qe_qmodel *m = NULL;
  qe_status st;

  *out = NULL;
  qe_fb_reader_init(&c.r, data, size);
  c.name = name ? name : "tflite";
  c.ctx = ctx;
  if (!qe_fb_root(&c.r, TFL_IDENT, &model))
    return bad(&c, "header");
  if ((st = subgraph0(&c, &model, &sg)) != QE_OK)
    return st;
  if ((st = read_opcodes(&c, &model, &codes, &n_codes)) != QE_OK)
    return st;
  if (!qe_fb_vector_field(&c.r, &model, TFL_MODEL_BUFFERS, 4, &buffers) ||
      !qe_fb_vector_field(&c.r, &sg, TFL_SUBGRAPH_TENSORS, 4, &tensors) ||
      !qe_fb_vector_field(&c.r, &sg, TFL_SUBGRAPH_OPERATORS, 4, &ops) ||
      !qe_fb_vector_field(&c.r, &sg, TFL_SUBGRAPH_INPUTS, 4, &ins) ||
      !qe_fb_vector_field(&c.r, &sg, TFL_SUBGRAPH_OUTPUTS, 4, &outs)) {
    st = bad(&c, "subgraph 0");
    goto fail;
  }
  if ((st = qe_qmodel_new(&m, ctx)) != QE_OK)
    goto fail;
  if ((st = verify_buffers(&c, &model, &buffers, m)) != QE_OK)
    goto fail;
  {
    const char *desc = NULL;
    if (!qe_fb_string_field(&c.r, &model, TFL_MODEL_DESCRIPTION, &desc, NULL)) {
      st = bad(&c, "model.description");
      goto fail;
    }
    if (desc != NULL && (st = qe_qmodel_set_description(m, desc, ctx)) != QE_OK)
      goto fail;
  }
  for (i = 0; i < tensors.count; i++) {
    qe_fb_table t;
    if (!qe_fb_vector_table(&c.r, &tensors, i, &t)) {
      st = bad(&c, "subgraph 0: tensor %u", i);
      goto fail;
    }
    if ((st = read_tensor(&c, m, &buffers, &t, i)) != QE_OK)
      goto fail;
    if ((i & 63) == 63 &&
        (st = qe_progress(ctx, 0.5 * i / tensors.count, "reading TFLite")) != QE_OK)
      goto fail;
  }
  for (i = 0; i < ops.count; i++) {
    qe_fb_table t;
    qe_fb_vec oi, oo;
    uint32_t idx = 0, k;
    qe_qop_type type;
    qe_qop_options opt;
    int *inputs = NULL;
    int output;
    char nb[32];

    if (!qe_fb_vector_table(&c.r, &ops, i, &t) ||
        !qe_fb_u32(&c.r, &t, TFL_OP_OPCODE_INDEX, 0, &idx) ||
        !qe_fb_vector_field(&c.r, &t, TFL_OP_INPUTS, 4, &oi) ||
        !qe_fb_vector_field(&c.r, &t, TFL_OP_OUTPUTS, 4, &oo)) {
      st = bad(&c, "subgraph 0: operator %u", i);
      goto fail;
    }
    if (idx >= n_codes) {
      st = qe_error(ctx, QE_ERR_PARSE, "%s: operator %u: opcode_index %u out of range (%u codes)",
                    c.name, i, idx, n_codes);
      goto fail;
    }
    if (codes[idx].code == TFL_BUILTIN_CUSTOM) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: operator %u: custom op '%s' is not supported",
                    c.name, i, codes[idx].custom ? codes[idx].custom : "");
      goto fail;
    }
    type = qe_qop_from_tflite_code(codes[idx].code);
    if (type == QE_QOP_COUNT) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: operator %u: %s is not supported", c.name, i,
                    builtin_name(codes[idx].code, nb, sizeof(nb)));
      goto fail;
    }
    if (codes[idx].version < 1 || codes[idx].version > max_version(type)) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: operator %u (%s): version %d is not supported",
                    c.name, i, qe_qop_name(type), codes[idx].version);
      goto fail;
    }
    if (oo.count != 1) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: operator %u (%s): %u outputs (expected 1)",
                    c.name, i, qe_qop_name(type), oo.count);
      goto fail;
    }
    {
      int32_t o32;
      ivec(&c, &oo, 0, &o32);
      output = o32;
    }
    if (output < 0 || (uint32_t)output >= tensors.count) {
      st = qe_error(ctx, QE_ERR_PARSE, "%s: operator %u (%s): output tensor %d out of range",
                    c.name, i, qe_qop_name(type), output);
      goto fail;
    }
    inputs = calloc((size_t)oi.count + 1, sizeof(int));
    if (inputs == NULL) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto fail;
    }
    for (k = 0; k < oi.count; k++) {
      int32_t v;
      ivec(&c, &oi, k, &v);
      if (v < -1 || (v >= 0 && (uint32_t)v >= tensors.count)) {
        free(inputs);
        st = qe_error(ctx, QE_ERR_PARSE, "%s: operator %u (%s): input %u: tensor %d out of range",
                      c.name, i, qe_qop_name(type), k, (int)v);
        goto fail;
      }
      inputs[k] = v;
    }
    if ((st = read_options(&c, &t, type, i, &opt)) != QE_OK) {
      free(inputs);
      goto fail;
    }
    /* fp16 / int8 weights feeding DEQUANTIZE: fold into float constants. */
    if (type == QE_QOP_DEQUANTIZE && oi.count == 1 && inputs[0] >= 0 &&
        m->tensors[inputs[0]].data != NULL) {
      st = fold_dequantize(&c, m, inputs[0], output, i);
      free(inputs);
      if (st != QE_OK)
        goto fail;
      continue;
    }
    st = qe_qmodel_add_op(m, type, (int)oi.count, inputs, output, &opt, NULL, NULL, ctx);
    free(inputs);
    if (st != QE_OK)
      goto fail;
    m->ops[m->n_ops - 1].version = codes[idx].version;
  }
  for (i = 0; i < ins.count; i++) {
    int32_t v;
    ivec(&c, &ins, i, &v);
    if ((st = qe_qmodel_add_input(m, v, ctx)) != QE_OK) {
      qe_error_prefix(ctx, "%s: subgraph 0 input %u", c.name, i);
      goto fail;
    }
  }
  for (i = 0; i < outs.count; i++) {
    int32_t v;
    ivec(&c, &outs, i, &v);
    if ((st = qe_qmodel_add_output(m, v, ctx)) != QE_OK) {
      qe_error_prefix(ctx, "%s: subgraph 0 output %u", c.name, i);
      goto fail;
    }
  }
  free(codes);
  if ((st = qe_qmodel_prepare(m, ctx)) != QE_OK) {
    qe_error_prefix(ctx, "%s", c.name);
    qe_qmodel_free(m);
    return st;
  }
  *out = m;
  return QE_OK;
fail:
  free(codes);
  qe_qmodel_free(m);
  return st;
}

qe_status qe_tflite_load(const char *path, qe_qmodel **out, qe_ctx *ctx)
{
  uint8_t *data = NULL;
  size_t size = 0;
  qe_status st;
  *out = NULL;
  if ((st = qe_read_file(path, &data, &size, ctx)) != QE_OK)
    return st;
  st = qe_tflite_read(data, size, path, out, ctx);
  free(data);
  return st;
}
