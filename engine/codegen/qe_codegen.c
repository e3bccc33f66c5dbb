/* qe_codegen.c - C export: the .tflite as a C array, and a standalone C
 * module running the int8 kernels on a static arena.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_codegen.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_plan.h"
#include "qe_codegen_private.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"

/* ---- a growing text buffer ------------------------------------------- */

typedef struct sbuf {
  char *s;
  size_t len, cap;
  bool failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) QE_PRINTF(2, 3);

static void sb_printf(sbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (b->failed)
    return;
  for (;;) {
    va_start(ap, fmt);
    n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->failed = true;
      return;
    }
    if (b->s != NULL && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    {
      size_t nc = b->cap ? b->cap * 2 : 4096;
      char *ns;
      while (nc < b->len + (size_t)n + 1)
        nc *= 2;
      ns = realloc(b->s, nc);
      if (ns == NULL) {
        b->failed = true;
        return;
      }
      b->s = ns;
      b->cap = nc;
    }
  }
}

static bool is_ident(const char *s)
{
  size_t i;
  if (s == NULL || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (i = 1; s[i]; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
      return false;
  return i < 64;
}

static qe_status write_text(const char *dir, const char *name, const sbuf *b, qe_ctx *ctx)
{
  char *path;
  qe_status st;
  if (b->failed)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory generating %s", name);
  path = qe_strdup_printf("%s/%s", dir, name);
  if (path == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  st = qe_write_file_atomic(path, b->s ? b->s : "", b->len, ctx);
  free(path);
  return st;
}

/* ---- (1) the .tflite as a C array ------------------------------------ */

qe_status qe_codegen_tflite_array(const uint8_t *data, size_t size, const char *name,
                                  const char *out_dir, qe_ctx *ctx)
{
  sbuf c = { 0 }, h = { 0 };
  char fname[96];
  size_t i;
  qe_status st;

  if (!is_ident(name))
    return qe_error(ctx, QE_ERR_INVALID, "'%s' is not a C identifier", name ? name : "");
  if (data == NULL || size == 0 || size > 0xffffffffu)
    return qe_error(ctx, QE_ERR_INVALID, "no flatbuffer to export");
  if ((st = qe_mkdir_p(out_dir, ctx)) != QE_OK)
    return st;
  sb_printf(&h,
            "/* %s.h - a TFLite model as a C array, written by Quantizer %s. */\n"
            "#ifndef %s_H_\n#define %s_H_\n\n"
            "/* The flatbuffer, 16-byte aligned as TFLite Micro wants it. */\n"
            "extern const unsigned char %s[];\nextern const unsigned int %s_len;\n\n#endif\n",
            name, qe_version(), name, name, name, name);
  sb_printf(&c,
            "/* %s.c - a TFLite model as a C array, written by Quantizer %s. */\n"
            "#include \"%s.h\"\n\n"
            "#if defined(__GNUC__) || defined(__clang__)\n"
            "#define QE_ALIGNED16 __attribute__((aligned(16)))\n"
            "#else\n#define QE_ALIGNED16\n#endif\n\n"
            "const unsigned char %s[%zu] QE_ALIGNED16 = {",
            name, qe_version(), name, name, size);
  for (i = 0; i < size; i++)
    sb_printf(&c, "%s0x%02x,", i % 16 ? " " : "\n  ", data[i]);
  sb_printf(&c, "\n};\nconst unsigned int %s_len = %zuu;\n", name, size);
  snprintf(fname, sizeof(fname), "%s.h", name);
  st = write_text(out_dir, fname, &h, ctx);
  if (st == QE_OK) {
    snprintf(fname, sizeof(fname), "%s.c", name);
    st = write_text(out_dir, fname, &c, ctx);
  }
  free(c.s);
  free(h.s);
  return st;
}

/* ---- (2) the standalone module --------------------------------------- */

typedef struct gen {
  qe_qmodel *m;
  const char *p;        /* prefix */
  char P[64];           /* upper-case prefix */
  int64_t *off;         /* arena offset of each tensor (-1: constant) */
  int64_t *scratch_off; /* arena offset of each op's scratch (-1: none) */
  size_t arena;
  size_t const_bytes;
  sbuf c;
  qe_ctx *ctx;
} gen;

/* The same plan as the executor's (qe_qmodel_plan). */
static qe_status plan(gen *g)
{
  return qe_qmodel_plan(g->m, &g->off, &g->scratch_off, &g->arena, g->ctx);
}

static const char *ctype(qe_dtype t)
{
  switch (t) {
  case QE_DT_I8:
  case QE_DT_I4:
    return "int8_t";
  case QE_DT_U8:
    return "uint8_t";
  case QE_DT_I16:
    return "int16_t";
  case QE_DT_I32:
    return "int32_t";
  case QE_DT_F32:
    return "float";
  default:
    return NULL;
  }
}

static void emit_comment_name(sbuf *b, const char *s)
{
  /* names go into comments: keep printable, never close the comment */
  for (; s && *s; s++)
    sb_printf(b, "%c", (*s == '*' || !isprint((unsigned char)*s)) ? '_' : *s);
}

/* A constant tensor as a const array named t<index>. */
static void emit_const(gen *g, int t)
{
  const qe_qtensor *x = &g->m->tensors[t];
  size_t i, n, es;
  sb_printf(&g->c, "/* tensor %d '", t);
  emit_comment_name(&g->c, x->name);
  sb_printf(&g->c, "' */\nstatic const %s t%d[] QE_ALIGNED16 = {", ctype(x->type), t);
  if (x->type == QE_DT_I4) {
    n = x->data_size;
    es = 1;
  } else {
    es = qe_qtensor_elem_size(x);
    n = x->data_size / es;
  }
  for (i = 0; i < n && x->type == QE_DT_F32; i++) {
    float f;
    memcpy(&f, (const uint8_t *)x->data + 4 * i, 4);
    sb_printf(&g->c, "%s%af,", i % 8 ? " " : "\n  ", (double)f);
  }
  for (i = 0; i < n && x->type != QE_DT_F32; i++) {
    long long v;
    if (x->type == QE_DT_I32) {
      int32_t w;
      memcpy(&w, (const uint8_t *)x->data + 4 * i, 4);
      v = w;
    } else if (x->type == QE_DT_I16) {
      int16_t w;
      memcpy(&w, (const uint8_t *)x->data + 2 * i, 2);
      v = w;
    } else if (x->type == QE_DT_U8) {
      v = ((const uint8_t *)x->data)[i];
    } else {
      v = ((const int8_t *)x->data)[i];
    }
    if (x->type == QE_DT_I32 && v == INT32_MIN)
      sb_printf(&g->c, "%s(-2147483647 - 1),", i % 16 ? " " : "\n  ");
    else
      sb_printf(&g->c, "%s%lld,", i % 16 ? " " : "\n  ", v);
  }
  sb_printf(&g->c, "\n};\n\n");
  g->const_bytes += n * es;
}

static void emit_ints(gen *g, const char *name, const int32_t *v, size_t n)
{
  size_t i;
  sb_printf(&g->c, "static const int32_t %s[%zu] = {", name, n);
  for (i = 0; i < n; i++)
    sb_printf(&g->c, "%s%ld,", i % 12 ? " " : "\n  ", (long)v[i]);
  sb_printf(&g->c, "\n};\n");
  g->const_bytes += 4 * n;
}

static void emit_dims(gen *g, const char *name, const qe_kdims *d)
{
  sb_printf(&g->c, "    static const qe_kdims %s = { %ld, %ld, %ld, %ld };\n", name, (long)d->n,
            (long)d->h, (long)d->w, (long)d->c);
}

/* Pointer expression to tensor @t's data. */
static void tref(gen *g, char *buf, size_t size, int t, const char *type)
{
  if (t < 0)
    snprintf(buf, size, "NULL");
  else if (g->off[t] < 0)
    snprintf(buf, size, "t%d", t);
  else
    snprintf(buf, size, "(%s *)(arena + %lld)", type, (long long)g->off[t]);
}

static const char *kweights(qe_kweights w)
{
  return w == QE_KW_4_PACKED ? "QE_KW_4_PACKED"
                             : (w == QE_KW_2_PACKED ? "QE_KW_2_PACKED" : "QE_KW_8");
}

static const char *float_text(float v, char *buf, size_t size)
{
  if (v == v && v > -3.4e38f && v < 3.4e38f)
    snprintf(buf, size, "%af", (double)v);
  else
    snprintf(buf, size, "%s", v > 0 ? "3.40282347e+38f" : "-3.40282347e+38f");
  return buf;
}

/* A layer kept in float (the portable float kernels). Ops that need exp,
 * erf or tanh, and the ONNX nodes the engine runs in float, are refused:
 * the kernels have no libm. */
static qe_status emit_float_op(gen *g, size_t i)
{
  qe_qmodel *m = g->m;
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const size_t n = (size_t)qe_qtensor_count(&m->tensors[op->output]);
  char in0[96], in1[96], in2[96], out[96], lo[48], hi[48];
  sbuf *c = &g->c;
  tref(g, in0, sizeof(in0), op->n_inputs > 0 ? op->inputs[0] : -1, "const float");
  tref(g, in1, sizeof(in1), op->n_inputs > 1 ? op->inputs[1] : -1, "const float");
  tref(g, in2, sizeof(in2), op->n_inputs > 2 ? op->inputs[2] : -1, "const float");
  tref(g, out, sizeof(out), op->output, "float");
  float_text(p->act_min_f, lo, sizeof(lo));
  float_text(p->act_max_f, hi, sizeof(hi));
  switch (op->type) {
  case QE_QOP_ADD:
  case QE_QOP_SUB:
  case QE_QOP_MUL:
  case QE_QOP_DIV:
  case QE_QOP_SQUARED_DIFFERENCE:
    emit_dims(g, "d1", &p->in_dims);
    emit_dims(g, "d2", &p->in2_dims);
    emit_dims(g, "od", &p->out_dims);
    sb_printf(c, "    if (qe_f32_binary(%ld, %s, %s, &d1, %s, &d2, %s, &od, %s) != QE_K_OK)\n",
              (long)qe_qmodel_f32_op(op->type), lo, hi, in0, in1, out);
    return QE_OK;
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
    sb_printf(c, "    if (qe_f32_clamp(%s, %s, %zu, %s, %s) != QE_K_OK)\n", lo, hi, n, in0, out);
    return QE_OK;
  case QE_QOP_SQRT:
  case QE_QOP_RSQRT:
    sb_printf(c, "    if (qe_f32_sqrt(%d, %zu, %s, %s) != QE_K_OK)\n", op->type == QE_QOP_RSQRT, n,
              in0, out);
    return QE_OK;
  case QE_QOP_MEAN: {
    int d;
    sb_printf(c, "    static const int32_t dims[%d] = {", p->rank);
    for (d = 0; d < p->rank; d++)
      sb_printf(c, " %ld,", (long)p->dims[d]);
    sb_printf(c, " };\n    if (qe_f32_mean(%d, dims, %ld, %s, %s) != QE_K_OK)\n", p->rank,
              (long)p->mean_axes_mask, in0, out);
    return QE_OK;
  }
  case QE_QOP_FULLY_CONNECTED:
    sb_printf(c,
              "    if (qe_f32_fully_connected(%ld, %ld, %ld, %s, %s, %s, %s, %s, %s) != "
              "QE_K_OK)\n",
              (long)p->fc_batches, (long)p->fc_accum, (long)p->fc_out, lo, hi, in0, in1, in2, out);
    return QE_OK;
  case QE_QOP_BATCH_MATMUL:
    sb_printf(c,
              "    static const qe_kbmm_params prm = { .adj_x = %ld, .adj_y = %ld };\n"
              "    static const int32_t ld[4] = { %ld, %ld, %ld, %ld }, rd[4] = { %ld, %ld, %ld, "
              "%ld };\n"
              "    if (qe_f32_batch_matmul(&prm, ld, %s, rd, %s, %s) != QE_K_OK)\n",
              (long)p->bmm.adj_x, (long)p->bmm.adj_y, (long)p->bmm_lhs[0], (long)p->bmm_lhs[1],
              (long)p->bmm_lhs[2], (long)p->bmm_lhs[3], (long)p->bmm_rhs[0], (long)p->bmm_rhs[1],
              (long)p->bmm_rhs[2], (long)p->bmm_rhs[3], in0, in1, out);
    return QE_OK;
  case QE_QOP_ONNX:
    return qe_error(g->ctx, QE_ERR_UNSUPPORTED,
                    "op %zu '%s' runs in float as an ONNX node (%s) and the C export has no kernel "
                    "for it; export the model as ONNX, or let the quantizer put it in int8",
                    i, op->name ? op->name : "",
                    op->graph && op->graph->n_nodes > 0 && op->graph->nodes[0].op_type
                        ? op->graph->nodes[0].op_type
                        : "?");
  default:
    return qe_error(g->ctx, QE_ERR_UNSUPPORTED,
                    "op %zu '%s' (%s) runs in float and the C export has no float kernel for it "
                    "(it would need libm's exp, erf or tanh); let the quantizer put it in int8",
                    i, op->name ? op->name : "", qe_qop_name(op->type));
  }
}

static qe_status emit_op(gen *g, size_t i)
{
  qe_qmodel *m = g->m;
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const size_t n = (size_t)qe_qtensor_count(&m->tensors[op->output]);
  char in0[96], in1[96], in2[96], out[96];
  sbuf *c = &g->c;

  tref(g, in0, sizeof(in0), op->n_inputs > 0 ? op->inputs[0] : -1, "const int8_t");
  tref(g, in1, sizeof(in1), op->n_inputs > 1 ? op->inputs[1] : -1, "const int8_t");
  tref(g, in2, sizeof(in2), op->n_inputs > 2 ? op->inputs[2] : -1, "const int32_t");
  tref(g, out, sizeof(out), op->output, "int8_t");
  sb_printf(c, "  /* op %zu: %s", i, qe_qop_name(op->type));
  if (op->name) {
    sb_printf(c, " '");
    emit_comment_name(c, op->name);
    sb_printf(c, "'");
  }
  sb_printf(c, " */\n  {\n");
  /* float data movement: the int8 kernels with 4-byte elements */
  switch (op->type == QE_QOP_TRANSPOSE || op->type == QE_QOP_PAD ||
                  op->type == QE_QOP_CONCATENATION || op->type == QE_QOP_GATHER
              ? QE_QIMPL_S8
              : p->impl) {
  case QE_QIMPL_S8:
    switch (op->type) {
    case QE_QOP_CONV_2D:
    case QE_QOP_DEPTHWISE_CONV_2D: {
      const qe_kconv_params *k = &p->conv;
      sb_printf(c,
                "    static const qe_kconv_params prm = { .input_offset = %ld, .output_offset = "
                "%ld, .stride_h = %ld, .stride_w = %ld, .pad_h = %ld, .pad_w = %ld, .dilation_h "
                "= %ld, .dilation_w = %ld, .depth_multiplier = %ld, .act_min = %ld, .act_max = "
                "%ld, .weights = %s };\n",
                (long)k->input_offset, (long)k->output_offset, (long)k->stride_h, (long)k->stride_w,
                (long)k->pad_h, (long)k->pad_w, (long)k->dilation_h, (long)k->dilation_w,
                (long)k->depth_multiplier, (long)k->act_min, (long)k->act_max,
                kweights(k->weights));
      sb_printf(c, "    static const qe_kquant q = { op%zu_mult, op%zu_shift, %ld, %ld };\n", i, i,
                (long)p->quant.per_channel, (long)p->quant.rounding);
      emit_dims(g, "id", &p->in_dims);
      emit_dims(g, "fd", &p->filter_dims);
      emit_dims(g, "od", &p->out_dims);
      if (op->type == QE_QOP_CONV_2D)
        sb_printf(c,
                  "    if (qe_s8_conv(&prm, &q, &id, %s, &fd, %s, %s, &od, %s, arena + %lld) != "
                  "QE_K_OK)\n",
                  in0, in1, in2, out, (long long)g->scratch_off[i]);
      else
        sb_printf(c,
                  "    if (qe_s8_depthwise_conv(&prm, &q, &id, %s, &fd, %s, %s, &od, %s) != "
                  "QE_K_OK)\n",
                  in0, in1, in2, out);
      break;
    }
    case QE_QOP_FULLY_CONNECTED:
      sb_printf(c,
                "    static const qe_kfc_params prm = { .input_offset = %ld, .filter_offset = "
                "%ld, .output_offset = %ld, .act_min = %ld, .act_max = %ld, .weights = %s };\n",
                (long)p->fc.input_offset, (long)p->fc.filter_offset, (long)p->fc.output_offset,
                (long)p->fc.act_min, (long)p->fc.act_max, kweights(p->fc.weights));
      sb_printf(c, "    static const qe_kquant q = { op%zu_mult, op%zu_shift, %ld, %ld };\n", i, i,
                (long)p->quant.per_channel, (long)p->quant.rounding);
      sb_printf(c,
                "    if (qe_s8_fully_connected(&prm, &q, %ld, %ld, %ld, %s, %s, %s, %s) != "
                "QE_K_OK)\n",
                (long)p->fc_batches, (long)p->fc_accum, (long)p->fc_out, in0, in1, in2, out);
      break;
    case QE_QOP_ADD:
    case QE_QOP_SUB:
    case QE_QOP_SQUARED_DIFFERENCE: {
      const qe_kadd_params *a = &p->add;
      sb_printf(c,
                "    static const qe_kadd_params prm = { .input1_offset = %ld, .input2_offset = "
                "%ld, .output_offset = %ld, .left_shift = %ld, .input1_multiplier = %ld, "
                ".input1_shift = %ld, .input2_multiplier = %ld, .input2_shift = %ld, "
                ".output_multiplier = %ld, .output_shift = %ld, .act_min = %ld, .act_max = %ld "
                "};\n",
                (long)a->input1_offset, (long)a->input2_offset, (long)a->output_offset,
                (long)a->left_shift, (long)a->input1_multiplier, (long)a->input1_shift,
                (long)a->input2_multiplier, (long)a->input2_shift, (long)a->output_multiplier,
                (long)a->output_shift, (long)a->act_min, (long)a->act_max);
      emit_dims(g, "d1", &p->in_dims);
      emit_dims(g, "d2", &p->in2_dims);
      emit_dims(g, "od", &p->out_dims);
      sb_printf(c, "    if (%s(&prm, &d1, %s, &d2, %s, &od, %s) != QE_K_OK)\n",
                op->type == QE_QOP_SUB                  ? "qe_s8_sub"
                : op->type == QE_QOP_SQUARED_DIFFERENCE ? "qe_s8_squared_difference"
                                                        : "qe_s8_add",
                in0, in1, out);
      break;
    }
    case QE_QOP_BATCH_MATMUL: {
      const qe_kbmm_params *k = &p->bmm;
      sb_printf(c,
                "    static const qe_kbmm_params prm = { .lhs_offset = %ld, .rhs_offset = %ld, "
                ".output_offset = %ld, .multiplier = %ld, .shift = %ld, .rounding = %ld, .adj_x "
                "= %ld, .adj_y = %ld, .act_min = %ld, .act_max = %ld };\n",
                (long)k->lhs_offset, (long)k->rhs_offset, (long)k->output_offset,
                (long)k->multiplier, (long)k->shift, (long)k->rounding, (long)k->adj_x,
                (long)k->adj_y, (long)k->act_min, (long)k->act_max);
      sb_printf(c,
                "    static const int32_t ld[4] = { %ld, %ld, %ld, %ld }, rd[4] = { %ld, %ld, %ld, "
                "%ld };\n",
                (long)p->bmm_lhs[0], (long)p->bmm_lhs[1], (long)p->bmm_lhs[2], (long)p->bmm_lhs[3],
                (long)p->bmm_rhs[0], (long)p->bmm_rhs[1], (long)p->bmm_rhs[2], (long)p->bmm_rhs[3]);
      sb_printf(c, "    if (qe_s8_batch_matmul(&prm, ld, %s, rd, %s, %s) != QE_K_OK)\n", in0, in1,
                out);
      break;
    }
    case QE_QOP_GATHER: {
      int k;
      sb_printf(c, "    static const int32_t idx[%ld] = {",
                (long)(p->gather_n > 0 ? p->gather_n : 1));
      for (k = 0; k < p->gather_n; k++)
        sb_printf(c, " %ld,", (long)p->gather_indices[k]);
      sb_printf(c, "%s };\n    if (qe_k_gather(%zu, %ld, %ld, %ld, idx, %ld, %s, %s) != QE_K_OK)\n",
                p->gather_n > 0 ? "" : " 0", p->elem_size, (long)p->gather_outer,
                (long)p->gather_axis_dim, (long)p->gather_inner, (long)p->gather_n, in0, out);
      break;
    }
    case QE_QOP_MUL: {
      const qe_kmul_params *a = &p->mul;
      sb_printf(c,
                "    static const qe_kmul_params prm = { .input1_offset = %ld, .input2_offset = "
                "%ld, .output_offset = %ld, .output_multiplier = %ld, .output_shift = %ld, "
                ".act_min = %ld, .act_max = %ld };\n",
                (long)a->input1_offset, (long)a->input2_offset, (long)a->output_offset,
                (long)a->output_multiplier, (long)a->output_shift, (long)a->act_min,
                (long)a->act_max);
      emit_dims(g, "d1", &p->in_dims);
      emit_dims(g, "d2", &p->in2_dims);
      emit_dims(g, "od", &p->out_dims);
      sb_printf(c, "    if (qe_s8_mul(&prm, &d1, %s, &d2, %s, &od, %s) != QE_K_OK)\n", in0, in1,
                out);
      break;
    }
    case QE_QOP_AVERAGE_POOL_2D:
    case QE_QOP_MAX_POOL_2D: {
      const qe_kpool_params *k = &p->pool;
      sb_printf(c,
                "    static const qe_kpool_params prm = { .stride_h = %ld, .stride_w = %ld, "
                ".filter_h = %ld, .filter_w = %ld, .pad_h = %ld, .pad_w = %ld, .act_min = %ld, "
                ".act_max = %ld };\n",
                (long)k->stride_h, (long)k->stride_w, (long)k->filter_h, (long)k->filter_w,
                (long)k->pad_h, (long)k->pad_w, (long)k->act_min, (long)k->act_max);
      emit_dims(g, "id", &p->in_dims);
      emit_dims(g, "od", &p->out_dims);
      sb_printf(c, "    if (%s(&prm, &id, %s, &od, %s) != QE_K_OK)\n",
                op->type == QE_QOP_MAX_POOL_2D ? "qe_s8_max_pool" : "qe_s8_avg_pool", in0, out);
      break;
    }
    case QE_QOP_MEAN: {
      const qe_kmean_params *k = &p->mean;
      sb_printf(c,
                "    static const qe_kmean_params prm = { .mode = %ld, .input_zero_point = %ld, "
                ".output_zero_point = %ld, .multiplier = %ld, .shift = %ld, .scale = %af };\n",
                (long)k->mode, (long)k->input_zero_point, (long)k->output_zero_point,
                (long)k->multiplier, (long)k->shift, (double)k->scale);
      if (p->mean_general) {
        int d;
        sb_printf(c, "    static const int32_t dims[%d] = {", p->rank);
        for (d = 0; d < p->rank; d++)
          sb_printf(c, " %ld,", (long)p->dims[d]);
        sb_printf(c, " };\n    if (qe_s8_mean(&prm, %d, dims, %ld, %s, %s) != QE_K_OK)\n", p->rank,
                  (long)p->mean_axes_mask, in0, out);
        break;
      }
      emit_dims(g, "id", &p->in_dims);
      sb_printf(c, "    if (qe_s8_mean_hw(&prm, &id, %s, %s) != QE_K_OK)\n", in0, out);
      break;
    }
    case QE_QOP_SOFTMAX:
      sb_printf(c,
                "    static const qe_ksoftmax_params prm = { op%zu_table, %af, %ld };\n"
                "    if (qe_s8_softmax(&prm, %ld, %ld, %s, %s) != QE_K_OK)\n",
                i, (double)p->softmax.output_scale, (long)p->softmax.output_zero_point,
                (long)p->rows, (long)p->depth, in0, out);
      break;
    case QE_QOP_LOGISTIC:
    case QE_QOP_TANH:
    case QE_QOP_RSQRT:
    case QE_QOP_GELU:
      sb_printf(c, "    if (qe_s8_lut(op%zu_lut, %zu, %s, %s) != QE_K_OK)\n", i, n, in0, out);
      break;
    case QE_QOP_HARD_SWISH: {
      const qe_khard_swish_params *h = &p->hswish;
      sb_printf(c,
                "    static const qe_khard_swish_params prm = { .input_zero_point = %ld, "
                ".output_zero_point = %ld, .reluish_multiplier_fixedpoint_int16 = %d, "
                ".reluish_multiplier_exponent = %ld, .output_multiplier_fixedpoint_int16 = %d, "
                ".output_multiplier_exponent = %ld };\n"
                "    if (qe_s8_hard_swish(&prm, %zu, %s, %s) != QE_K_OK)\n",
                (long)h->input_zero_point, (long)h->output_zero_point,
                (int)h->reluish_multiplier_fixedpoint_int16, (long)h->reluish_multiplier_exponent,
                (int)h->output_multiplier_fixedpoint_int16, (long)h->output_multiplier_exponent, n,
                in0, out);
      break;
    }
    case QE_QOP_PAD:
    case QE_QOP_TRANSPOSE: {
      int d;
      sb_printf(c, "    static const int32_t dims[%d] = {", p->rank);
      for (d = 0; d < p->rank; d++)
        sb_printf(c, " %ld,", (long)p->dims[d]);
      if (op->type == QE_QOP_TRANSPOSE) {
        sb_printf(c, " };\n    static const int32_t perm[%d] = {", p->rank);
        for (d = 0; d < p->rank; d++)
          sb_printf(c, " %ld,", (long)p->perm[d]);
        sb_printf(c, " };\n    if (qe_k_transpose(%zu, %d, dims, perm, %s, %s) != QE_K_OK)\n",
                  p->elem_size, p->rank, in0, out);
      } else {
        sb_printf(c, " };\n    static const int32_t before[%d] = {", p->rank);
        for (d = 0; d < p->rank; d++)
          sb_printf(c, " %ld,", (long)p->pad_before[d]);
        sb_printf(c, " };\n    static const int32_t after[%d] = {", p->rank);
        for (d = 0; d < p->rank; d++)
          sb_printf(c, " %ld,", (long)p->pad_after[d]);
        sb_printf(c,
                  " };\n    static const %s value = %ld;\n"
                  "    if (qe_k_pad(%zu, %d, dims, before, after, &value, %s, %s) != QE_K_OK)\n",
                  p->elem_size == 1 ? "int8_t" : "int32_t",
                  (long)(p->elem_size == 1 ? p->pad_value_i8 : 0), p->elem_size, p->rank, in0, out);
      }
      break;
    }
    case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    case QE_QOP_RESIZE_BILINEAR: {
      int k;
      emit_dims(g, "id", &p->in_dims);
      if (op->type == QE_QOP_RESIZE_BILINEAR) {
        sb_printf(c,
                  "    static const qe_kresize_params prm = { %ld, %ld, %ld };\n"
                  "    if (qe_s8_resize_bilinear(&prm, &id, %ld, %ld, %s, %s) != QE_K_OK)\n",
                  (long)p->resize.scale_10_h, (long)p->resize.scale_10_w,
                  (long)p->resize.half_pixel_centers, (long)p->resize_h, (long)p->resize_w, in0,
                  out);
        break;
      }
      sb_printf(c, "    static const int32_t ymap[%ld] = {", (long)p->resize_h);
      for (k = 0; k < p->resize_h; k++)
        sb_printf(c, " %ld,", (long)p->resize_ymap[k]);
      sb_printf(c, " };\n    static const int32_t xmap[%ld] = {", (long)p->resize_w);
      for (k = 0; k < p->resize_w; k++)
        sb_printf(c, " %ld,", (long)p->resize_xmap[k]);
      sb_printf(c,
                " };\n    if (qe_k_resize_nearest(%zu, &id, %ld, %ld, ymap, xmap, %s, %s) != "
                "QE_K_OK)\n",
                p->elem_size, (long)p->resize_h, (long)p->resize_w, in0, out);
      break;
    }
    case QE_QOP_CONCATENATION: {
      int k;
      sb_printf(c, "    static const int32_t axis_dims[%d] = {", op->n_inputs);
      for (k = 0; k < op->n_inputs; k++)
        sb_printf(c, " %ld,", (long)p->concat_axis_dims[k]);
      sb_printf(c, " };\n    const void *const ins[%d] = {", op->n_inputs);
      for (k = 0; k < op->n_inputs; k++) {
        char r[96];
        tref(g, r, sizeof(r), op->inputs[k], "const int8_t");
        sb_printf(c, " %s,", r);
      }
      sb_printf(c, " };\n    if (qe_k_concat(%zu, %d, ins, axis_dims, %ld, %ld, %s) != QE_K_OK)\n",
                p->elem_size, op->n_inputs, (long)p->concat_outer, (long)p->concat_inner, out);
      break;
    }
    default:
      return qe_error(g->ctx, QE_ERR_UNSUPPORTED, "op %zu (%s): no C export", i,
                      qe_qop_name(op->type));
    }
    break;
  case QE_QIMPL_REQUANT: {
    const qe_krequant_params *r = &p->requant;
    sb_printf(c,
              "    static const qe_krequant_params prm = { .input_zero_point = %ld, "
              ".output_zero_point = %ld, .multiplier = %ld, .shift = %ld, .in_unsigned = %ld, "
              ".out_unsigned = %ld, .act_min = %ld, .act_max = %ld };\n"
              "    if (qe_k_requantize(&prm, %zu, %s, %s) != QE_K_OK)\n",
              (long)r->input_zero_point, (long)r->output_zero_point, (long)r->multiplier,
              (long)r->shift, (long)r->in_unsigned, (long)r->out_unsigned, (long)r->act_min,
              (long)r->act_max, n, in0, out);
    break;
  }
  case QE_QIMPL_COPY:
    sb_printf(c, "    if (qe_k_copy(%zu, %s, %s) != QE_K_OK)\n", n * p->elem_size, in0, out);
    break;
  case QE_QIMPL_QUANTIZE:
    tref(g, in0, sizeof(in0), op->inputs[0], "const float");
    sb_printf(c, "    if (qe_k_quantize_f32(%s, %zu, %af, %ld, %ld, %s) != QE_K_OK)\n", in0, n,
              (double)p->q_scale, (long)p->q_zero_point, (long)p->q_unsigned, out);
    break;
  case QE_QIMPL_DEQUANT:
    tref(g, out, sizeof(out), op->output, "float");
    sb_printf(c, "    if (qe_k_dequantize_f32(%s, %ld, %zu, %af, %ld, %s) != QE_K_OK)\n", in0,
              (long)p->q_unsigned, n, (double)p->q_scale, (long)p->q_zero_point, out);
    break;
  case QE_QIMPL_F32: {
    qe_status fst = emit_float_op(g, i);
    if (fst != QE_OK)
      return fst;
    break;
  }
  default:
    return qe_error(g->ctx, QE_ERR_INTERNAL, "op %zu (%s): unknown implementation", i,
                    qe_qop_name(op->type));
  }
  sb_printf(c, "      return %zu;\n  }\n", i + 1);
  return QE_OK;
}

/* Tables and multipliers of op @i, before the run function. */
static void emit_op_data(gen *g, size_t i)
{
  const qe_qop *op = &g->m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(g->m, i);
  char name[64];
  int k;
  if (p->impl != QE_QIMPL_S8)
    return;
  if (op->type == QE_QOP_CONV_2D || op->type == QE_QOP_DEPTHWISE_CONV_2D ||
      op->type == QE_QOP_FULLY_CONNECTED) {
    snprintf(name, sizeof(name), "op%zu_mult", i);
    emit_ints(g, name, p->multiplier, (size_t)p->n_channels);
    snprintf(name, sizeof(name), "op%zu_shift", i);
    emit_ints(g, name, p->shift, (size_t)p->n_channels);
    sb_printf(&g->c, "\n");
  } else if (op->type == QE_QOP_SOFTMAX) {
    sb_printf(&g->c, "static const float op%zu_table[256] = {", i);
    for (k = 0; k < 256; k++)
      sb_printf(&g->c, "%s%af,", k % 4 ? " " : "\n  ", (double)p->softmax_table[k]);
    sb_printf(&g->c, "\n};\n\n");
    g->const_bytes += 1024;
  } else if (op->type == QE_QOP_LOGISTIC || op->type == QE_QOP_TANH || op->type == QE_QOP_RSQRT ||
             op->type == QE_QOP_GELU) {
    sb_printf(&g->c, "static const int8_t op%zu_lut[256] = {", i);
    for (k = 0; k < 256; k++)
      sb_printf(&g->c, "%s%d,", k % 16 ? " " : "\n  ", p->lut[k]);
    sb_printf(&g->c, "\n};\n\n");
    g->const_bytes += 256;
  }
}

static bool const_used_by_kernel(const qe_qmodel *m, int t)
{
  size_t i;
  for (i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    int k;
    for (k = 0; k < op->n_inputs; k++) {
      if (op->inputs[k] != t)
        continue;
      /* shape operands are folded into the op's parameters */
      if ((op->type == QE_QOP_PAD || op->type == QE_QOP_TRANSPOSE || op->type == QE_QOP_MEAN ||
           op->type == QE_QOP_RESHAPE || op->type == QE_QOP_RESIZE_BILINEAR ||
           op->type == QE_QOP_RESIZE_NEAREST_NEIGHBOR || op->type == QE_QOP_GATHER) &&
          k == 1)
        continue;
      return true;
    }
  }
  return false;
}

static qe_status check_io(gen *g, const char *what, int t)
{
  const qe_qtensor *x = &g->m->tensors[t];
  if (x->type != QE_DT_I8 && x->type != QE_DT_U8)
    return qe_error(g->ctx, QE_ERR_UNSUPPORTED,
                    "the C export needs an int8 or uint8 %s; '%s' is %s (quantize the model "
                    "with int8 input and output)",
                    what, x->name, qe_dtype_name(x->type));
  return QE_OK;
}

static void emit_io_macros(gen *g, sbuf *h, const char *what, int t)
{
  const qe_qtensor *x = &g->m->tensors[t];
  int d;
  sb_printf(h, "/* %s '", what);
  emit_comment_name(h, x->name);
  sb_printf(h, "' (%s) */\n", qe_dtype_name(x->type));
  sb_printf(h, "#define %s_%s_SIZE %lld\n", g->P, what, (long long)qe_qtensor_count(x));
  sb_printf(h, "#define %s_%s_RANK %d\n", g->P, what, x->rank);
  sb_printf(h, "#define %s_%s_SHAPE {", g->P, what);
  for (d = 0; d < x->rank; d++)
    sb_printf(h, "%s%ld", d ? ", " : " ", (long)x->dims[d]);
  sb_printf(h, " }\n#define %s_%s_UNSIGNED %d\n", g->P, what, x->type == QE_DT_U8);
  if (x->n_quant > 0)
    sb_printf(h, "#define %s_%s_SCALE %.9gf\n#define %s_%s_ZERO_POINT %ld\n", g->P, what,
              (double)x->scale[0], g->P, what, (long)x->zero_point[0]);
  sb_printf(h, "\n");
}

static qe_status generate(gen *g)
{
  qe_qmodel *m = g->m;
  sbuf *c = &g->c;
  size_t i;
  qe_status st;
  const int in = m->inputs[0], out = m->outputs[0];

  if ((st = plan(g)) != QE_OK)
    return st;
  sb_printf(c,
            "/* %s.c - int8 inference, generated by Quantizer %s. Do not edit: export the\n"
            " * model again. The kernels (qe_*.c) are the engine's own sources. */\n"
            "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
            "#include \"%s.h\"\n#include \"qe_kernels_s8.h\"\n\n"
            "#if defined(__GNUC__) || defined(__clang__)\n"
            "#define QE_ALIGNED16 __attribute__((aligned(16)))\n"
            "#else\n#define QE_ALIGNED16\n#endif\n\n",
            g->p, qe_version(), g->p);
  for (i = 0; i < m->n_tensors; i++)
    if (m->tensors[i].data != NULL && const_used_by_kernel(m, (int)i)) {
      if (ctype(m->tensors[i].type) == NULL)
        return qe_error(g->ctx, QE_ERR_UNSUPPORTED,
                        "tensor %zu '%s': %s constants cannot be exported", i, m->tensors[i].name,
                        qe_dtype_name(m->tensors[i].type));
      emit_const(g, (int)i);
    }
  for (i = 0; i < m->n_ops; i++)
    emit_op_data(g, i);
  sb_printf(c, "/* activations and scratch: %zu bytes, planned greedy by size */\n", g->arena);
  sb_printf(c, "static int8_t arena[%zu] QE_ALIGNED16;\n\n", g->arena > 0 ? g->arena : 16);
  sb_printf(c,
            "int %s_run(const int8_t *in, int8_t *out)\n{\n"
            "  if (in == NULL || out == NULL)\n    return -1;\n"
            "  memcpy(arena + %lld, in, %s_INPUT_SIZE);\n",
            g->p, (long long)g->off[in], g->P);
  for (i = 0; i < m->n_ops; i++)
    if ((st = emit_op(g, i)) != QE_OK)
      return st;
  sb_printf(c, "  memcpy(out, arena + %lld, %s_OUTPUT_SIZE);\n  return 0;\n}\n",
            (long long)g->off[out], g->P);
  return QE_OK;
}

static qe_status check_model(qe_qmodel *m, qe_ctx *ctx)
{
  qe_status st;
  if (m == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no model");
  if (m->prep == NULL && (st = qe_qmodel_prepare(m, ctx)) != QE_OK)
    return st;
  if (m->n_inputs != 1 || m->n_outputs != 1)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "the C export takes one input and one output (the model has %zu and %zu)",
                    m->n_inputs, m->n_outputs);
  return QE_OK;
}

qe_status qe_codegen_sizes(qe_qmodel *m, size_t *const_bytes, size_t *arena_bytes, qe_ctx *ctx)
{
  gen g;
  qe_status st;
  if ((st = check_model(m, ctx)) != QE_OK)
    return st;
  memset(&g, 0, sizeof(g));
  g.m = m;
  g.p = "model";
  strcpy(g.P, "MODEL");
  g.ctx = ctx;
  st = generate(&g);
  if (st == QE_OK) {
    *const_bytes = g.const_bytes;
    *arena_bytes = g.arena;
  }
  free(g.c.s);
  free(g.off);
  free(g.scratch_off);
  return st;
}

qe_status qe_codegen_c_module(qe_qmodel *m, const qe_codegen_options *opt, const char *out_dir,
                              qe_ctx *ctx)
{
  gen g;
  sbuf h = { 0 }, readme = { 0 };
  char fname[96];
  size_t i;
  qe_status st;

  if ((st = check_model(m, ctx)) != QE_OK)
    return st;
  memset(&g, 0, sizeof(g));
  g.m = m;
  g.p = opt != NULL && opt->prefix != NULL ? opt->prefix : "model";
  g.ctx = ctx;
  if (!is_ident(g.p))
    return qe_error(ctx, QE_ERR_INVALID, "prefix '%s' is not a C identifier", g.p);
  for (i = 0; g.p[i] && i + 1 < sizeof(g.P); i++)
    g.P[i] = (char)toupper((unsigned char)g.p[i]);
  if ((st = check_io(&g, "input", m->inputs[0])) != QE_OK ||
      (st = check_io(&g, "output", m->outputs[0])) != QE_OK)
    return st;
  if ((st = generate(&g)) != QE_OK)
    goto out;

  sb_printf(&h,
            "/* %s.h - int8 inference, generated by Quantizer %s. */\n"
            "#ifndef %s_H_\n#define %s_H_\n\n#include <stdint.h>\n\n",
            g.p, qe_version(), g.P, g.P);
  emit_io_macros(&g, &h, "INPUT", m->inputs[0]);
  emit_io_macros(&g, &h, "OUTPUT", m->outputs[0]);
  sb_printf(&h,
            "/* Bytes of the static activation arena and of the constant data. */\n"
            "#define %s_ARENA_SIZE %zu\n#define %s_CONST_SIZE %zu\n\n"
            "/* Run the model once: @in holds %s_INPUT_SIZE quantized values, @out\n"
            " * receives %s_OUTPUT_SIZE (uint8 models: cast the byte buffers). Returns 0,\n"
            " * or the 1-based index of a layer whose kernel refused its arguments.\n"
            " * Not reentrant: one static arena. */\n"
            "int %s_run(const int8_t *in, int8_t *out);\n\n#endif\n",
            g.P, g.arena, g.P, g.const_bytes, g.P, g.P, g.p);
  sb_printf(&readme,
            "# %s: int8 inference in C\n\n"
            "Generated by Quantizer %s from a model of %zu layers.\n\n"
            "* `%s.h`, `%s.c`: the model. Weights are `const` arrays (flash), the\n"
            "  activations live in one static arena of %zu bytes (RAM).\n"
            "* `qe_*.c`, `qe_*.h`: the int8 kernels, the same sources the Quantizer\n"
            "  engine is built from, so outputs match the engine bit for bit.\n\n"
            "Build with any C99 compiler, e.g.\n\n"
            "    cc -std=c99 -O2 -c *.c\n"
            "    arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -std=c99 -O2 -c *.c\n\n"
            "and call `%s_run(input, output)`; shapes and quantization parameters are\n"
            "in `%s.h` (real value = scale * (q - zero_point)).\n",
            g.p, qe_version(), m->n_ops, g.p, g.p, g.arena, g.p, g.p);
  if ((st = qe_mkdir_p(out_dir, ctx)) != QE_OK)
    goto out;
  for (i = 0; qe_kernel_sources[i].name != NULL; i++) {
    char *path = qe_strdup_printf("%s/%s", out_dir, qe_kernel_sources[i].name);
    if (path == NULL) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto out;
    }
    st = qe_write_file_atomic(path, qe_kernel_sources[i].data, qe_kernel_sources[i].size, ctx);
    free(path);
    if (st != QE_OK)
      goto out;
  }
  snprintf(fname, sizeof(fname), "%s.h", g.p);
  if ((st = write_text(out_dir, fname, &h, ctx)) != QE_OK)
    goto out;
  snprintf(fname, sizeof(fname), "%s.c", g.p);
  if ((st = write_text(out_dir, fname, &g.c, ctx)) != QE_OK)
    goto out;
  st = write_text(out_dir, "README.md", &readme, ctx);
out:
  free(g.c.s);
  free(g.off);
  free(g.scratch_off);
  free(h.s);
  free(readme.s);
  return st;
}
