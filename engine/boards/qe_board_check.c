/* qe_board_check.c - will this quantized model run on that board?
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include "qe/qe_board.h"
#include "qe/qe_qmodel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static qe_status add_issue(qe_board_check_result *r, qe_check_severity sev, const qe_qmodel *m,
                           int op, qe_ctx *ctx, const char *fmt, ...) QE_PRINTF(6, 7);

static qe_status add_issue(qe_board_check_result *r, qe_check_severity sev, const qe_qmodel *m,
                           int op, qe_ctx *ctx, const char *fmt, ...)
{
  qe_check_issue *n = realloc(r->issues, (r->n_issues + 1) * sizeof *n);
  if (!n)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->issues = n;
  qe_check_issue *is = &n[r->n_issues];
  memset(is, 0, sizeof *is);
  is->severity = sev;
  is->op = op;
  if (op >= 0) {
    is->op_type = qe_qop_name(m->ops[op].type);
    is->op_name = m->ops[op].name ? qe_strdup(m->ops[op].name) : qe_strdup_printf("op %d", op);
  } else {
    is->op_type = "model";
    is->op_name = qe_strdup("model");
  }
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  is->message = qe_strdup(buf);
  r->n_issues++;
  if (!is->op_name || !is->message)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (sev == QE_CHECK_ERROR)
    r->deployable = false;
  return QE_OK;
}

void qe_board_check_clear(qe_board_check_result *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n_issues; i++) {
    free(r->issues[i].op_name);
    free(r->issues[i].message);
  }
  free(r->issues);
  memset(r, 0, sizeof *r);
}

static bool is_pow2(float s)
{
  int e;
  return s > 0 && frexpf(s, &e) == 0.5f;
}

static bool has_bits(const int *bits, size_t n, int b)
{
  for (size_t i = 0; i < n; i++)
    if (bits[i] == b)
      return true;
  return false;
}

static const qe_qtensor *input_t(const qe_qmodel *m, const qe_qop *op, int i)
{
  if (i >= op->n_inputs || op->inputs[i] < 0)
    return NULL;
  return &m->tensors[op->inputs[i]];
}

static qe_op_class op_class(qe_qop_type t)
{
  switch (t) {
  case QE_QOP_CONV_2D:
    return QE_OPC_CONV;
  case QE_QOP_DEPTHWISE_CONV_2D:
    return QE_OPC_DEPTHWISE;
  case QE_QOP_FULLY_CONNECTED:
    return QE_OPC_FULLY_CONNECTED;
  case QE_QOP_ADD:
  case QE_QOP_MUL:
    return QE_OPC_ELEMENTWISE;
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
  case QE_QOP_MEAN:
    return QE_OPC_POOL;
  case QE_QOP_SOFTMAX:
    return QE_OPC_SOFTMAX;
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_HARD_SWISH:
    return QE_OPC_ACTIVATION;
  case QE_QOP_QUANTIZE:
  case QE_QOP_DEQUANTIZE:
    return QE_OPC_QUANTIZE;
  default:
    return QE_OPC_MOVEMENT;
  }
}

static bool in_list(char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

/* Why the NPU cannot take op @i (NULL when it can). */
static const char *npu_reason(const qe_board_npu *npu, const qe_qmodel *m, int i, bool first_conv,
                              char *buf, size_t cap)
{
  const qe_qop *op = &m->ops[i];
  const char *type = qe_qop_name(op->type);
  if (!in_list(npu->ops, npu->n_ops, type)) {
    snprintf(buf, cap, "the %s accelerates no %s", npu->name ? npu->name : "NPU", type);
    return buf;
  }
  const qe_qtensor *x = input_t(m, op, 0), *w = input_t(m, op, 1), *y = &m->tensors[op->output];
  int cin = x && x->rank >= 1 ? x->dims[x->rank - 1] : 0;
  int cout = y->rank >= 1 ? y->dims[y->rank - 1] : 0;
  int mult = npu->channel_multiple;
  bool conv = op->type == QE_QOP_CONV_2D, dw = op->type == QE_QOP_DEPTHWISE_CONV_2D;
  bool fc = op->type == QE_QOP_FULLY_CONNECTED;
  if (w && (conv || dw || fc)) {
    if (npu->n_weight_bits && !has_bits(npu->weight_bits, npu->n_weight_bits, w->weight_bits)) {
      snprintf(buf, cap, "%d-bit weights (the NPU takes %d-bit)", w->weight_bits,
               npu->weight_bits[0]);
      return buf;
    }
    if (npu->per_tensor_weights && w->n_quant > 1) {
      snprintf(buf, cap, "per-channel weight scales (the NPU takes per-tensor)");
      return buf;
    }
    if (npu->power_of_two_scales && w->weight_bits == 8) {
      for (size_t k = 0; k < w->n_quant; k++)
        if (!is_pow2(w->scale[k])) {
          snprintf(buf, cap,
                   "weight scale %g is not a power of two (8-bit weights on this NPU need "
                   "power-of-two scales: quantize with --power-of-two)",
                   (double)w->scale[k]);
          return buf;
        }
    }
  }
  if (conv && w && w->rank == 4) {
    int kh = w->dims[1], kw = w->dims[2];
    bool is_pw = kh == 1 && kw == 1;
    if (first_conv && npu->first_conv_input_channels && cin == npu->first_conv_input_channels) {
      if (npu->first_conv_max_kernel_w && kw > npu->first_conv_max_kernel_w) {
        snprintf(buf, cap, "first-layer kernel width %d is above %d", kw,
                 npu->first_conv_max_kernel_w);
        return buf;
      }
      if (mult && cout % mult) {
        snprintf(buf, cap, "%d output channels is not a multiple of %d", cout, mult);
        return buf;
      }
      return NULL;
    }
    if (mult && (cin % mult || cout % mult)) {
      snprintf(buf, cap, "%d input / %d output channels are not multiples of %d", cin, cout, mult);
      return buf;
    }
    if (!is_pw && npu->conv_max_kernel_h && kh > npu->conv_max_kernel_h) {
      snprintf(buf, cap, "kernel height %d is above %d", kh, npu->conv_max_kernel_h);
      return buf;
    }
    if (!is_pw && npu->n_conv_strides) {
      bool ok = false;
      for (size_t k = 0; k < npu->n_conv_strides; k++)
        ok |= npu->conv_strides[k][0] == op->opt.stride_h &&
              npu->conv_strides[k][1] == op->opt.stride_w;
      if (!ok) {
        snprintf(buf, cap, "stride (%d,%d) is not one the NPU supports", op->opt.stride_h,
                 op->opt.stride_w);
        return buf;
      }
    }
  }
  if (dw && w && w->rank == 4) {
    if (mult && cout % mult) {
      snprintf(buf, cap, "%d channels is not a multiple of %d", cout, mult);
      return buf;
    }
    if (npu->depthwise_max_kernel_w && w->dims[2] > npu->depthwise_max_kernel_w) {
      snprintf(buf, cap, "depthwise kernel width %d is above %d", w->dims[2],
               npu->depthwise_max_kernel_w);
      return buf;
    }
  }
  if (fc && w && w->rank == 2) {
    int in = w->dims[1];
    int min = w->weight_bits <= 4 ? npu->fc_min_inputs_4 : npu->fc_min_inputs_8;
    if (mult && in % mult) {
      snprintf(buf, cap, "%d inputs is not a multiple of %d", in, mult);
      return buf;
    }
    if (min && in < min) {
      snprintf(buf, cap, "%d inputs is below the NPU's minimum of %d", in, min);
      return buf;
    }
  }
  if (op->type == QE_QOP_MAX_POOL_2D && npu->maxpool_max_kernel &&
      (op->opt.filter_h > npu->maxpool_max_kernel || op->opt.filter_w > npu->maxpool_max_kernel)) {
    snprintf(buf, cap, "max-pool window %dx%d is above %dx%d", op->opt.filter_h, op->opt.filter_w,
             npu->maxpool_max_kernel, npu->maxpool_max_kernel);
    return buf;
  }
  if (op->type == QE_QOP_AVERAGE_POOL_2D && npu->avgpool_min_hw && x && x->rank == 4 &&
      x->dims[1] * x->dims[2] < npu->avgpool_min_hw) {
    snprintf(buf, cap, "average-pool input of %dx%d pixels is below the NPU's minimum", x->dims[1],
             x->dims[2]);
    return buf;
  }
  return NULL;
}

qe_status qe_board_check(const qe_board *b, qe_qmodel *m, qe_board_check_result *r, qe_ctx *ctx)
{
  memset(r, 0, sizeof *r);
  r->deployable = true;
  qe_status st = qe_qmodel_prepare(m, ctx);
  if (st != QE_OK)
    return st;
  qe_qexec *e = NULL;
  st = qe_qexec_new(m, &e, ctx);
  if (st != QE_OK)
    return st;
  r->arena_bytes = qe_qexec_arena_size(e);
  qe_qexec_free(e);
  for (size_t t = 0; t < m->n_tensors; t++)
    if (m->tensors[t].data) {
      const qe_qtensor *x = &m->tensors[t];
      /* Sub-byte weights are packed two or four to a byte on the board. */
      uint64_t bytes = x->data_size;
      if (x->type == QE_DT_I8 && (x->weight_bits == 4 || x->weight_bits == 2))
        bytes = (bytes * (uint64_t)x->weight_bits + 7) / 8;
      r->weights_bytes += bytes;
    }
  r->flash_available = b->flash_bytes;
  r->ram_available = b->ram_bytes;
  r->flash_needed = r->weights_bytes + QE_RUNNER_FLASH_BYTES;
  r->ram_needed = r->arena_bytes + QE_RUNNER_RAM_BYTES;
  r->n_layers = m->n_ops;
  if (r->flash_needed > r->flash_available)
    st = add_issue(r, QE_CHECK_ERROR, m, -1, ctx,
                   "needs %llu KiB of flash (weights %llu KiB + runner %u KiB), the board has "
                   "%llu KiB: use 4-bit weights or a smaller model",
                   (unsigned long long)(r->flash_needed + 1023) / 1024,
                   (unsigned long long)(r->weights_bytes + 1023) / 1024,
                   QE_RUNNER_FLASH_BYTES / 1024, (unsigned long long)r->flash_available / 1024);
  if (st == QE_OK && r->ram_needed > r->ram_available)
    st = add_issue(r, QE_CHECK_ERROR, m, -1, ctx,
                   "needs %llu KiB of RAM (activations %llu KiB + runner %u KiB), the board has "
                   "%llu KiB: use a smaller input or fewer channels",
                   (unsigned long long)(r->ram_needed + 1023) / 1024,
                   (unsigned long long)(r->arena_bytes + 1023) / 1024, QE_RUNNER_RAM_BYTES / 1024,
                   (unsigned long long)r->ram_available / 1024);
  bool first_conv = true;
  double cycles = 0;
  /* A tensor shared by two layers is reported once. */
  bool *seen = calloc(m->n_tensors + 1, sizeof *seen);
  if (!seen && st == QE_OK)
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; st == QE_OK && i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    const qe_qtensor *w = input_t(m, op, 1), *y = &m->tensors[op->output];
    bool weighted = op->type == QE_QOP_CONV_2D || op->type == QE_QOP_DEPTHWISE_CONV_2D ||
                    op->type == QE_QOP_FULLY_CONNECTED;
    int64_t out_elems = qe_qtensor_count(y);
    uint64_t macs = 0;
    if (weighted && w && w->rank >= 2) {
      int64_t per_out = 1;
      if (op->type == QE_QOP_CONV_2D && w->rank == 4)
        per_out = (int64_t)w->dims[1] * w->dims[2] * w->dims[3];
      else if (op->type == QE_QOP_DEPTHWISE_CONV_2D && w->rank == 4)
        per_out = (int64_t)w->dims[1] * w->dims[2];
      else if (op->type == QE_QOP_FULLY_CONNECTED)
        per_out = w->dims[w->rank - 1];
      macs = (uint64_t)(out_elems > 0 ? out_elems : 0) * (uint64_t)per_out;
    }
    r->macs += macs;
    /* Constraints every layer must meet. */
    if (weighted && w && w->data) {
      if (b->n_weight_bits && !has_bits(b->weight_bits, b->n_weight_bits, w->weight_bits))
        st = add_issue(r, QE_CHECK_ERROR, m, (int)i, ctx,
                       "%d-bit weights: %s runs %s-bit weights only", w->weight_bits, b->name,
                       b->n_weight_bits == 1 ? "8" : "8/4/2");
      if (st == QE_OK && b->c_per_tensor_weights && w->n_quant > 1)
        st = add_issue(r, QE_CHECK_ERROR, m, (int)i, ctx,
                       "per-channel weight scales: %s needs per-tensor quantization "
                       "(quantize with --granularity per-tensor)",
                       b->name);
    }
    if (st == QE_OK && b->c_power_of_two_scales) {
      for (int k = -1; k < op->n_inputs && st == QE_OK; k++) {
        int ti = k < 0 ? op->output : (k < op->n_inputs ? op->inputs[k] : -1);
        const qe_qtensor *t = ti >= 0 ? &m->tensors[ti] : NULL;
        if (!t || !t->n_quant || t->type == QE_DT_I32 || seen[ti])
          continue;
        seen[ti] = true;
        for (size_t q = 0; q < t->n_quant; q++)
          if (!is_pow2(t->scale[q])) {
            st = add_issue(r, QE_CHECK_ERROR, m, (int)i, ctx,
                           "tensor '%s' has scale %g, not a power of two: %s needs "
                           "power-of-two scales (quantize with --power-of-two)",
                           t->name ? t->name : "?", (double)t->scale[q], b->name);
            break;
          }
      }
    }
    /* NPU or CPU, and the latency estimate. */
    bool on_npu = false;
    if (st == QE_OK && b->has_npu) {
      char why[256];
      const char *reason = npu_reason(&b->npu, m, (int)i, first_conv, why, sizeof why);
      on_npu = reason == NULL;
      if (on_npu)
        r->npu_layers++;
      else if (weighted || op->type == QE_QOP_MAX_POOL_2D || op->type == QE_QOP_AVERAGE_POOL_2D)
        st = add_issue(r, QE_CHECK_NPU_FALLBACK, m, (int)i, ctx, "runs on the CPU: %s", reason);
    }
    if (op->type == QE_QOP_CONV_2D)
      first_conv = false;
    qe_op_class c = op_class(op->type);
    if (macs && on_npu && b->npu_cycles_per_mac > 0)
      cycles += (double)macs * b->npu_cycles_per_mac;
    else if (macs)
      cycles += (double)macs * b->cycles_per_mac[c];
    else
      cycles += (double)(out_elems > 0 ? out_elems : 0) * b->cycles_per_element[c];
    cycles += b->cycles_per_layer;
  }
  free(seen);
  r->est_cycles = cycles;
  r->est_ms = b->clock_hz ? cycles * 1000.0 / (double)b->clock_hz : 0;
  if (st != QE_OK) {
    qe_board_check_clear(r);
    return st;
  }
  return QE_OK;
}
