/* qe_tflite_write.c - a qe_qmodel as a full-integer TFLite flatbuffer.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_tflite.h"
#include "qe_flatbuf.h"
#include "qe_internal.h"
#include "qe_tflite_schema.h"

static int tfl_type(qe_dtype t)
{
  switch (t) {
  case QE_DT_F32:
    return TFL_FLOAT32;
  case QE_DT_F16:
    return TFL_FLOAT16;
  case QE_DT_I32:
    return TFL_INT32;
  case QE_DT_U8:
    return TFL_UINT8;
  case QE_DT_I64:
    return TFL_INT64;
  case QE_DT_I16:
    return TFL_INT16;
  case QE_DT_I8:
  case QE_DT_I4: /* written unpacked */
    return TFL_INT8;
  case QE_DT_BOOL:
    return TFL_BOOL;
  default:
    return -1;
  }
}

/* Op version: what TFLite's converter would record for these types. */
static int op_version(const qe_qmodel *m, const qe_qop *op)
{
  const qe_qtensor *out = &m->tensors[op->output];
  const qe_qtensor *in = op->n_inputs > 0 && op->inputs[0] >= 0 ? &m->tensors[op->inputs[0]] : out;
  const bool q8 = in->type == QE_DT_I8 || out->type == QE_DT_I8;
  if (op->version > 0)
    return op->version;
  switch (op->type) {
  case QE_QOP_CONV_2D:
  case QE_QOP_DEPTHWISE_CONV_2D:
    if (q8)
      return 3;
    return op->opt.dilation_h != 1 || op->opt.dilation_w != 1 ? 2 : 1;
  case QE_QOP_FULLY_CONNECTED:
    if (op->opt.keep_dims)
      return 5;
    return q8 ? 4 : 1;
  case QE_QOP_TRANSPOSE:
  case QE_QOP_PAD:
    if (in->rank > 4)
      return 4;
    return q8 ? 2 : 1;
  case QE_QOP_QUANTIZE:
    return out->type == QE_DT_I8 || in->type == QE_DT_I8 ? 2 : 1;
  case QE_QOP_DEQUANTIZE:
    return in->type == QE_DT_I8 ? 2 : (in->type == QE_DT_F16 ? 3 : 1);
  case QE_QOP_RESHAPE:
  case QE_QOP_HARD_SWISH:
    return 1;
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    if (op->opt.half_pixel_centers)
      return 3;
    return q8 ? 2 : 1;
  default:
    return q8 ? 2 : 1;
  }
}

typedef struct wctx {
  const qe_qmodel *m;
  qe_fb_builder b;
  qe_ctx *ctx;
} wctx;

static qe_fb_ref options(wctx *w, const qe_qop *op, uint8_t *type)
{
  qe_fb_builder *b = &w->b;
  const qe_qop_options *o = &op->opt;
  const uint8_t pad = o->padding == QE_PAD_VALID ? 1 : 0;
  const uint8_t act = (uint8_t)o->activation;

  *type = TFL_OPT_NONE;
  switch (op->type) {
  case QE_QOP_CONV_2D:
    *type = TFL_OPT_CONV2D;
    qe_fb_table_start(b);
    qe_fb_add_i32(b, TFL_CONV_STRIDE_W, o->stride_w, 0);
    qe_fb_add_i32(b, TFL_CONV_STRIDE_H, o->stride_h, 0);
    qe_fb_add_i32(b, TFL_CONV_DIL_W, o->dilation_w, 1);
    qe_fb_add_i32(b, TFL_CONV_DIL_H, o->dilation_h, 1);
    qe_fb_add_u8(b, TFL_CONV_PADDING, pad, 0);
    qe_fb_add_u8(b, TFL_CONV_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_DEPTHWISE_CONV_2D: {
    const qe_qtensor *in = &w->m->tensors[op->inputs[0]];
    const qe_qtensor *f = &w->m->tensors[op->inputs[1]];
    const int32_t mult = in->rank == 4 && in->dims[3] > 0 ? f->dims[3] / in->dims[3] : 1;
    *type = TFL_OPT_DEPTHWISE_CONV2D;
    qe_fb_table_start(b);
    qe_fb_add_i32(b, TFL_DW_STRIDE_W, o->stride_w, 0);
    qe_fb_add_i32(b, TFL_DW_STRIDE_H, o->stride_h, 0);
    qe_fb_add_i32(b, TFL_DW_DEPTH_MULTIPLIER, mult, 0);
    qe_fb_add_i32(b, TFL_DW_DIL_W, o->dilation_w, 1);
    qe_fb_add_i32(b, TFL_DW_DIL_H, o->dilation_h, 1);
    qe_fb_add_u8(b, TFL_DW_PADDING, pad, 0);
    qe_fb_add_u8(b, TFL_DW_ACT, act, 0);
    return qe_fb_table_end(b);
  }
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
    *type = TFL_OPT_POOL2D;
    qe_fb_table_start(b);
    qe_fb_add_i32(b, TFL_POOL_STRIDE_W, o->stride_w, 0);
    qe_fb_add_i32(b, TFL_POOL_STRIDE_H, o->stride_h, 0);
    qe_fb_add_i32(b, TFL_POOL_FILTER_W, o->filter_w, 0);
    qe_fb_add_i32(b, TFL_POOL_FILTER_H, o->filter_h, 0);
    qe_fb_add_u8(b, TFL_POOL_PADDING, pad, 0);
    qe_fb_add_u8(b, TFL_POOL_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_FULLY_CONNECTED:
    *type = TFL_OPT_FULLY_CONNECTED;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_FC_ACT, act, 0);
    qe_fb_add_u8(b, TFL_FC_KEEP_NUM_DIMS, o->keep_dims ? 1 : 0, 0);
    return qe_fb_table_end(b);
  case QE_QOP_SOFTMAX:
    *type = TFL_OPT_SOFTMAX;
    qe_fb_table_start(b);
    qe_fb_add_f32(b, TFL_SOFTMAX_BETA, o->beta, 0.0f);
    return qe_fb_table_end(b);
  case QE_QOP_CONCATENATION:
    *type = TFL_OPT_CONCATENATION;
    qe_fb_table_start(b);
    qe_fb_add_i32(b, TFL_CONCAT_AXIS, o->axis, 0);
    qe_fb_add_u8(b, TFL_CONCAT_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_ADD:
    *type = TFL_OPT_ADD;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_ADD_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_MUL:
    *type = TFL_OPT_MUL;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_MUL_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_RESHAPE: {
    const qe_qtensor *out = &w->m->tensors[op->output];
    const qe_fb_ref shape = qe_fb_vector(b, out->dims, (size_t)out->rank, 4, 4);
    *type = TFL_OPT_RESHAPE;
    qe_fb_table_start(b);
    qe_fb_add_ref(b, TFL_RESHAPE_NEW_SHAPE, shape);
    return qe_fb_table_end(b);
  }
  case QE_QOP_MEAN:
    *type = TFL_OPT_REDUCER;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_REDUCER_KEEP_DIMS, o->keep_dims ? 1 : 0, 0);
    return qe_fb_table_end(b);
  case QE_QOP_RESIZE_BILINEAR:
    *type = TFL_OPT_RESIZE_BILINEAR;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_RB_ALIGN_CORNERS, o->align_corners, 0);
    qe_fb_add_u8(b, TFL_RB_HALF_PIXEL_CENTERS, o->half_pixel_centers, 0);
    return qe_fb_table_end(b);
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    *type = TFL_OPT_RESIZE_NEAREST_NEIGHBOR;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_RNN_ALIGN_CORNERS, o->align_corners, 0);
    qe_fb_add_u8(b, TFL_RNN_HALF_PIXEL_CENTERS, o->half_pixel_centers, 0);
    return qe_fb_table_end(b);
  case QE_QOP_SUB:
    *type = TFL_OPT_SUB;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_SUB_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_DIV:
    *type = TFL_OPT_DIV;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_DIV_ACT, act, 0);
    return qe_fb_table_end(b);
  case QE_QOP_GATHER:
    *type = TFL_OPT_GATHER;
    qe_fb_table_start(b);
    qe_fb_add_i32(b, TFL_GATHER_AXIS, o->axis, 0);
    return qe_fb_table_end(b);
  case QE_QOP_BATCH_MATMUL:
    *type = TFL_OPT_BATCH_MATMUL;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_BMM_ADJ_X, o->adj_x ? 1 : 0, 0);
    qe_fb_add_u8(b, TFL_BMM_ADJ_Y, o->adj_y ? 1 : 0, 0);
    return qe_fb_table_end(b);
  case QE_QOP_GELU:
    *type = TFL_OPT_GELU;
    qe_fb_table_start(b);
    qe_fb_add_u8(b, TFL_GELU_APPROXIMATE, o->approximate ? 1 : 0, 0);
    return qe_fb_table_end(b);
  case QE_QOP_SQUARED_DIFFERENCE:
    *type = TFL_OPT_SQUARED_DIFFERENCE;
    break;
  case QE_QOP_PAD:
    *type = TFL_OPT_PAD;
    break;
  case QE_QOP_TRANSPOSE:
    *type = TFL_OPT_TRANSPOSE;
    break;
  case QE_QOP_QUANTIZE:
    *type = TFL_OPT_QUANTIZE;
    break;
  case QE_QOP_DEQUANTIZE:
    *type = TFL_OPT_DEQUANTIZE;
    break;
  case QE_QOP_HARD_SWISH:
    *type = TFL_OPT_HARD_SWISH;
    break;
  default:
    return 0;
  }
  /* Options tables without fields. */
  qe_fb_table_start(b);
  return qe_fb_table_end(b);
}

/* JSON string literal of @s appended to @buf (grown). */
static bool json_append(char **buf, size_t *len, size_t *cap, const char *s, bool quote)
{
  size_t need = *len + strlen(s) * 6 + 4;
  char *p;
  if (need > *cap) {
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
      nc *= 2;
    p = realloc(*buf, nc);
    if (p == NULL)
      return false;
    *buf = p;
    *cap = nc;
  }
  p = *buf + *len;
  if (quote)
    *p++ = '"';
  for (; *s; s++) {
    const unsigned char c = (unsigned char)*s;
    if (quote && (c == '"' || c == '\\')) {
      *p++ = '\\';
      *p++ = (char)c;
    } else if (quote && c < 0x20) {
      p += sprintf(p, "\\u%04x", c);
    } else {
      *p++ = (char)c;
    }
  }
  if (quote)
    *p++ = '"';
  *p = '\0';
  *len = (size_t)(p - *buf);
  return true;
}

static char *settings_json(const qe_qmodel *m)
{
  char *buf = NULL;
  size_t len = 0, cap = 0, i;
  bool ok = json_append(&buf, &len, &cap, "{\"tool\": \"Quantizer\", \"version\": ", false) &&
            json_append(&buf, &len, &cap, qe_version(), true);
  if (ok)
    ok = json_append(&buf, &len, &cap, ", \"settings\": {", false);
  for (i = 0; ok && i < m->n_meta; i++)
    ok = json_append(&buf, &len, &cap, i ? ", " : "", false) &&
         json_append(&buf, &len, &cap, m->meta_keys[i], true) &&
         json_append(&buf, &len, &cap, ": ", false) &&
         json_append(&buf, &len, &cap, m->meta_values[i], true);
  if (ok)
    ok = json_append(&buf, &len, &cap, "}}", false);
  if (!ok) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* Unpack int4 (two per byte, low nibble first) into int8 containers. */
static int8_t *unpack_i4(const qe_qtensor *t, size_t *bytes)
{
  const int64_t n = qe_qtensor_count(t);
  int8_t *v;
  int64_t i;
  if (n < 0 || (size_t)(n + 1) / 2 > t->data_size)
    return NULL;
  v = malloc((size_t)n + 1);
  if (v == NULL)
    return NULL;
  for (i = 0; i < n; i++) {
    const uint8_t b = ((const uint8_t *)t->data)[i >> 1];
    const int x = (i & 1) ? (b >> 4) : (b & 15);
    v[i] = (int8_t)(x >= 8 ? x - 16 : x);
  }
  *bytes = (size_t)n;
  return v;
}

qe_status qe_tflite_write(const qe_qmodel *m, uint8_t **out, size_t *size, qe_ctx *ctx)
{
  wctx w;
  qe_fb_builder *b = &w.b;
  qe_fb_ref *tensor_refs = NULL, *op_refs = NULL, *buf_refs = NULL, *code_refs = NULL;
  uint32_t *buffer_of = NULL;
  int *codes = NULL, *versions = NULL, *opcode_of = NULL;
  size_t n_codes = 0, n_buffers = 1, i;
  char *json = NULL;
  const uint8_t *data;
  size_t data_size;
  qe_status st = QE_OK;
  const size_t n_meta_buffers = 2;

  *out = NULL;
  *size = 0;
  if (m == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no model to write");
  /* Validate first: the writer relies on indices being in range. */
  {
    qe_qmodel *mm = (qe_qmodel *)m;
    if (m->prep == NULL && (st = qe_qmodel_prepare(mm, ctx)) != QE_OK)
      return qe_error_prefix(ctx, "cannot write TFLite");
  }
  /* What TFLite cannot hold: narrow (e.g. 4-bit) activations, whose clamp
   * the ops that write them apply but a .tflite file has no field for (TFLite
   * would compute full int8 values there), and ONNX nodes kept in float. */
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (t->data == NULL && t->type == QE_DT_I8 && t->weight_bits >= 2 && t->weight_bits < 8)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "cannot write TFLite: tensor %zu '%s' holds %d-bit activations (clamped to "
                      "%d..%d); a .tflite file cannot carry that clamp, so TFLite would compute "
                      "other values: export the model as ONNX, or use 8-bit activations",
                      i, t->name, t->weight_bits, -(1 << (t->weight_bits - 1)),
                      (1 << (t->weight_bits - 1)) - 1);
  }
  for (i = 0; i < m->n_ops; i++)
    if (qe_qop_tflite_code(m->ops[i].type) < 0)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "cannot write TFLite: op %zu '%s' (%s) runs in float as an ONNX node and "
                      "TFLite has no operator for it; export the model as ONNX instead",
                      i, m->ops[i].name ? m->ops[i].name : "",
                      m->ops[i].graph && m->ops[i].graph->n_nodes > 0 &&
                              m->ops[i].graph->nodes[0].op_type
                          ? m->ops[i].graph->nodes[0].op_type
                          : qe_qop_name(m->ops[i].type));
  w.m = m;
  w.ctx = ctx;
  qe_fb_init(b);

  tensor_refs = calloc(m->n_tensors + 1, sizeof(qe_fb_ref));
  op_refs = calloc(m->n_ops + 1, sizeof(qe_fb_ref));
  buffer_of = calloc(m->n_tensors + 1, sizeof(uint32_t));
  codes = calloc(m->n_ops + 1, sizeof(int));
  versions = calloc(m->n_ops + 1, sizeof(int));
  opcode_of = calloc(m->n_ops + 1, sizeof(int));
  buf_refs = calloc(m->n_tensors + n_meta_buffers + 1, sizeof(qe_fb_ref));
  code_refs = calloc(m->n_ops + 1, sizeof(qe_fb_ref));
  if (!tensor_refs || !op_refs || !buffer_of || !codes || !versions || !opcode_of || !buf_refs ||
      !code_refs) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory writing TFLite");
    goto out;
  }

  /* Buffers: 0 is the empty buffer of activations; then one per constant,
   * then the metadata buffers. Data vectors are 16-byte aligned. */
  buf_refs[0] = 0;
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (t->data == NULL)
      continue;
    if (t->type == QE_DT_I4) {
      size_t nb = 0;
      int8_t *v = unpack_i4(t, &nb);
      if (v == NULL) {
        st = qe_error(ctx, QE_ERR_NOMEM, "tensor '%s': cannot unpack int4 data", t->name);
        goto out;
      }
      buf_refs[n_buffers] = qe_fb_vector(b, v, nb, 1, 16);
      free(v);
    } else {
      buf_refs[n_buffers] = qe_fb_vector(b, t->data, t->data_size, 1, 16);
    }
    buffer_of[i] = (uint32_t)n_buffers++;
  }
  {
    /* min_runtime_version: TFLite's converter writes a 16-byte string. */
    char ver[16] = "1.14.0";
    const uint32_t ver_buf = (uint32_t)n_buffers;
    const uint32_t json_buf = (uint32_t)n_buffers + 1;
    qe_fb_ref md[2], name;
    json = settings_json(m);
    if (json == NULL) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory writing TFLite metadata");
      goto out;
    }
    buf_refs[n_buffers++] = qe_fb_vector(b, ver, sizeof(ver), 1, 16);
    buf_refs[n_buffers++] = qe_fb_vector(b, json, strlen(json), 1, 16);
    /* Buffer tables. */
    for (i = 0; i < n_buffers; i++) {
      const qe_fb_ref d = buf_refs[i];
      qe_fb_table_start(b);
      qe_fb_add_ref(b, TFL_BUFFER_DATA, d);
      buf_refs[i] = qe_fb_table_end(b);
    }
    name = qe_fb_string(b, "min_runtime_version");
    qe_fb_table_start(b);
    qe_fb_add_ref(b, TFL_METADATA_NAME, name);
    qe_fb_add_u32(b, TFL_METADATA_BUFFER, ver_buf, 0);
    md[0] = qe_fb_table_end(b);
    name = qe_fb_string(b, "quantizer");
    qe_fb_table_start(b);
    qe_fb_add_ref(b, TFL_METADATA_NAME, name);
    qe_fb_add_u32(b, TFL_METADATA_BUFFER, json_buf, 0);
    md[1] = qe_fb_table_end(b);
    code_refs[0] = qe_fb_vector_refs(b, md, 2); /* kept for the model table */
  }

  /* Tensors. */
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    const int type = tfl_type(t->type);
    qe_fb_ref shape, name, quant = 0;
    if (type < 0) {
      st = qe_error(ctx, QE_ERR_UNSUPPORTED, "tensor %zu '%s': type %s cannot be written", i,
                    t->name, qe_dtype_name(t->type));
      goto out;
    }
    if (t->n_quant > 0) {
      int64_t *zp = malloc(t->n_quant * sizeof(int64_t));
      qe_fb_ref sc, zr;
      size_t k;
      if (zp == NULL) {
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        goto out;
      }
      for (k = 0; k < t->n_quant; k++)
        zp[k] = t->zero_point[k];
      sc = qe_fb_vector(b, t->scale, t->n_quant, 4, 4);
      zr = qe_fb_vector(b, zp, t->n_quant, 8, 8);
      free(zp);
      qe_fb_table_start(b);
      qe_fb_add_ref(b, TFL_QUANT_SCALE, sc);
      qe_fb_add_ref(b, TFL_QUANT_ZERO_POINT, zr);
      qe_fb_add_i32(b, TFL_QUANT_QUANTIZED_DIMENSION, t->n_quant > 1 ? t->quantized_dimension : 0,
                    0);
      quant = qe_fb_table_end(b);
    }
    shape = qe_fb_vector(b, t->dims, (size_t)t->rank, 4, 4);
    name = qe_fb_string(b, t->name);
    qe_fb_table_start(b);
    qe_fb_add_ref(b, TFL_TENSOR_SHAPE, shape);
    qe_fb_add_ref(b, TFL_TENSOR_NAME, name);
    qe_fb_add_u32(b, TFL_TENSOR_BUFFER, buffer_of[i], 0);
    qe_fb_add_ref(b, TFL_TENSOR_QUANTIZATION, quant);
    qe_fb_add_u8(b, TFL_TENSOR_TYPE, (uint8_t)type, 0);
    tensor_refs[i] = qe_fb_table_end(b);
  }

  /* Operator codes: one per (op, version). */
  for (i = 0; i < m->n_ops; i++) {
    const int code = qe_qop_tflite_code(m->ops[i].type);
    const int ver = op_version(m, &m->ops[i]);
    size_t k;
    for (k = 0; k < n_codes; k++)
      if (codes[k] == code && versions[k] == ver)
        break;
    if (k == n_codes) {
      codes[n_codes] = code;
      versions[n_codes] = ver;
      n_codes++;
    }
    opcode_of[i] = (int)k;
  }

  /* Operators. */
  for (i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    uint8_t opt_type;
    const qe_fb_ref opt = options(&w, op, &opt_type);
    const qe_fb_ref ins = qe_fb_vector(b, op->inputs, (size_t)op->n_inputs, 4, 4);
    const qe_fb_ref outs = qe_fb_vector(b, &op->output, 1, 4, 4);
    qe_fb_table_start(b);
    qe_fb_add_u32(b, TFL_OP_OPCODE_INDEX, (uint32_t)opcode_of[i], 0);
    qe_fb_add_ref(b, TFL_OP_INPUTS, ins);
    qe_fb_add_ref(b, TFL_OP_OUTPUTS, outs);
    qe_fb_add_ref(b, TFL_OP_BUILTIN_OPTIONS, opt);
    qe_fb_add_u8(b, TFL_OP_BUILTIN_OPTIONS_TYPE, opt_type, 0);
    op_refs[i] = qe_fb_table_end(b);
  }

  {
    qe_fb_ref tv, ov, iv, outv, sg, sgv, codesv, bufv, desc, mdv = code_refs[0], root;
    qe_fb_ref *crefs = code_refs + 1;
    tv = qe_fb_vector_refs(b, tensor_refs, m->n_tensors);
    ov = qe_fb_vector_refs(b, op_refs, m->n_ops);
    iv = qe_fb_vector(b, m->inputs, m->n_inputs, 4, 4);
    outv = qe_fb_vector(b, m->outputs, m->n_outputs, 4, 4);
    {
      const qe_fb_ref sgname = qe_fb_string(b, "main");
      qe_fb_table_start(b);
      qe_fb_add_ref(b, TFL_SUBGRAPH_TENSORS, tv);
      qe_fb_add_ref(b, TFL_SUBGRAPH_INPUTS, iv);
      qe_fb_add_ref(b, TFL_SUBGRAPH_OUTPUTS, outv);
      qe_fb_add_ref(b, TFL_SUBGRAPH_OPERATORS, ov);
      qe_fb_add_ref(b, TFL_SUBGRAPH_NAME, sgname);
      sg = qe_fb_table_end(b);
    }
    sgv = qe_fb_vector_refs(b, &sg, 1);
    for (i = 0; i < n_codes; i++) {
      qe_fb_table_start(b);
      qe_fb_add_i32(b, TFL_OPCODE_BUILTIN_CODE, codes[i], 0);
      qe_fb_add_i32(b, TFL_OPCODE_VERSION, versions[i], 1);
      qe_fb_add_u8(b, TFL_OPCODE_DEPRECATED_BUILTIN_CODE,
                   (uint8_t)(codes[i] < TFL_PLACEHOLDER_FOR_GREATER_OP_CODES
                                 ? codes[i]
                                 : TFL_PLACEHOLDER_FOR_GREATER_OP_CODES),
                   0);
      crefs[i] = qe_fb_table_end(b);
    }
    codesv = qe_fb_vector_refs(b, crefs, n_codes);
    bufv = qe_fb_vector_refs(b, buf_refs, n_buffers);
    desc = qe_fb_string(b, m->description ? m->description : "Quantizer " QE_VERSION_STRING);
    qe_fb_table_start(b);
    qe_fb_add_u32(b, TFL_MODEL_VERSION, TFL_SCHEMA_VERSION, 0);
    qe_fb_add_ref(b, TFL_MODEL_OPERATOR_CODES, codesv);
    qe_fb_add_ref(b, TFL_MODEL_SUBGRAPHS, sgv);
    qe_fb_add_ref(b, TFL_MODEL_DESCRIPTION, desc);
    qe_fb_add_ref(b, TFL_MODEL_BUFFERS, bufv);
    qe_fb_add_ref(b, TFL_MODEL_METADATA, mdv);
    root = qe_fb_table_end(b);
    if (!qe_fb_finish(b, root, TFL_IDENT, &data, &data_size)) {
      st =
          qe_error(ctx, QE_ERR_NOMEM, "the TFLite flatbuffer would exceed 2 GiB or memory ran out");
      goto out;
    }
  }
  *out = malloc(data_size);
  if (*out == NULL) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  memcpy(*out, data, data_size);
  *size = data_size;
out:
  qe_fb_free(b);
  free(tensor_refs);
  free(op_refs);
  free(buffer_of);
  free(codes);
  free(versions);
  free(opcode_of);
  free(buf_refs);
  free(code_refs);
  free(json);
  return st;
}

qe_status qe_tflite_save(const qe_qmodel *m, const char *path, qe_ctx *ctx)
{
  uint8_t *data = NULL;
  size_t size = 0;
  qe_status st = qe_tflite_write(m, &data, &size, ctx);
  if (st != QE_OK)
    return st;
  st = qe_write_file_atomic(path, data, size, ctx);
  free(data);
  return st;
}
