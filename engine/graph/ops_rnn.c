/* ops_rnn.c - RNN, GRU and LSTM (float32), forward, reverse and
 * bidirectional, with sequence_lens, initial states, peepholes, clip,
 * layout 0/1 and the activation functions Sigmoid, Tanh, Relu,
 * HardSigmoid, LeakyRelu, ThresholdedRelu, ScaledTanh, Affine, Elu,
 * Softsign, Softplus.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Gate layout as ONNX: LSTM iofc, GRU zrh, weights W [dirs, G*H, I],
 * R [dirs, G*H, H], B [dirs, 2*G*H] (Wb then Rb).
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

typedef struct act {
  int kind;
  float alpha, beta;
} act;

enum {
  A_SIGMOID,
  A_TANH,
  A_RELU,
  A_HSIG,
  A_LRELU,
  A_TRELU,
  A_STANH,
  A_AFFINE,
  A_ELU,
  A_SSIGN,
  A_SPLUS
};

static int gates_of(qe_op op)
{
  return op == QE_OP_LSTM ? 4 : op == QE_OP_GRU ? 3 : 1;
}

static int acts_per_dir(qe_op op)
{
  return op == QE_OP_LSTM ? 3 : op == QE_OP_GRU ? 2 : 1;
}

static bool parse_acts(const qe_node *n, int dirs, act *out)
{
  static const struct {
    const char *name;
    int kind;
    float alpha, beta;
  } table[] = {
    { "Sigmoid", A_SIGMOID, 0, 0 },
    { "Tanh", A_TANH, 0, 0 },
    { "Relu", A_RELU, 0, 0 },
    { "HardSigmoid", A_HSIG, 0.2f, 0.5f },
    { "LeakyRelu", A_LRELU, 0.01f, 0 },
    { "ThresholdedRelu", A_TRELU, 1.0f, 0 },
    { "ScaledTanh", A_STANH, 1.0f, 1.0f },
    { "Affine", A_AFFINE, 1.0f, 0 },
    { "Elu", A_ELU, 1.0f, 0 },
    { "Softsign", A_SSIGN, 0, 0 },
    { "Softplus", A_SPLUS, 0, 0 },
  };
  int per = acts_per_dir(n->op), total = per * dirs;
  const qe_attr *at = qe_node_attr(n, "activations");
  size_t na, nb;
  const float *alphas = qe_node_floats(n, "activation_alpha", &na);
  const float *betas = qe_node_floats(n, "activation_beta", &nb);
  for (int i = 0; i < total; i++) {
    const char *name;
    if (at && at->type == QE_ATTR_STRINGS && at->n == (size_t)total)
      name = at->strings[i];
    else if (at)
      return false;
    else
      name = (n->op == QE_OP_RNN) ? "Tanh" : ((i % per) == 0 ? "Sigmoid" : "Tanh");
    size_t k;
    for (k = 0; k < QE_ARRAY_LEN(table); k++)
      if (strcmp(table[k].name, name) == 0)
        break;
    if (k == QE_ARRAY_LEN(table))
      return false;
    out[i].kind = table[k].kind;
    out[i].alpha = (alphas && (size_t)i < na) ? alphas[i] : table[k].alpha;
    out[i].beta = (betas && (size_t)i < nb) ? betas[i] : table[k].beta;
  }
  return true;
}

static float apply(const act *f, float x)
{
  switch (f->kind) {
  case A_SIGMOID:
    return 1.0f / (1.0f + expf(-x));
  case A_TANH:
    return tanhf(x);
  case A_RELU:
    return x > 0 ? x : 0;
  case A_HSIG: {
    float v = f->alpha * x + f->beta;
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
  case A_LRELU:
    return x < 0 ? f->alpha * x : x;
  case A_TRELU:
    return x > f->alpha ? x : 0;
  case A_STANH:
    return f->alpha * tanhf(f->beta * x);
  case A_AFFINE:
    return f->alpha * x + f->beta;
  case A_ELU:
    return x < 0 ? f->alpha * (expf(x) - 1) : x;
  case A_SSIGN:
    return x / (1 + fabsf(x));
  default:
    return logf(1 + expf(x));
  }
}

static int num_dirs(const qe_node *n)
{
  const char *d = qe_node_string(n, "direction", "forward");
  if (strcmp(d, "bidirectional") == 0)
    return 2;
  if (strcmp(d, "forward") == 0 || strcmp(d, "reverse") == 0)
    return 1;
  return 0;
}

static qe_status rnn_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  for (int i = 0; i < a->n_in; i++)
    if (i != 4 && a->in[i].present && a->in[i].dtype != QE_DT_UNDEFINED &&
        a->in[i].dtype != QE_DT_F32)
      return UNSUP("input %d of type %s", i, qe_dtype_name(a->in[i].dtype));
  int dirs = num_dirs(n);
  if (!dirs)
    return UNSUP("direction '%s'", qe_node_string(n, "direction", ""));
  act acts[6];
  if (!parse_acts(n, dirs, acts))
    return UNSUP("these activations");
  if (n->op == QE_OP_LSTM && qe_node_int(n, "input_forget", 0))
    return UNSUP("input_forget");
  int64_t H = qe_node_int(n, "hidden_size", -1);
  const qe_vinfo *x = &a->in[0], *w = &a->in[1], *r = &a->in[2];
  int G = gates_of(n->op);
  if (w->rank >= 0 && (w->rank != 3 || (w->dims[0] >= 0 && w->dims[0] != dirs)))
    return ERR("W must be [%d, %d*hidden, input]", dirs, G);
  if (H < 0 && w->rank == 3 && w->dims[1] >= 0)
    H = w->dims[1] / G;
  if (H <= 0)
    return ERR("hidden_size is unknown");
  if (w->rank == 3 && w->dims[1] >= 0 && w->dims[1] != G * H)
    return ERR("W has %lld rows, expected %lld", (long long)w->dims[1], (long long)(G * H));
  if (r->rank >= 0 && (r->rank != 3 || (r->dims[1] >= 0 && r->dims[1] != G * H) ||
                       (r->dims[2] >= 0 && r->dims[2] != H)))
    return ERR("R must be [%d, %lld, %lld]", dirs, (long long)(G * H), (long long)H);
  int layout = (int)qe_node_int(n, "layout", 0);
  int64_t T = -1, B = -1, I = -1;
  if (x->rank >= 0) {
    if (x->rank != 3)
      return ERR("X must be 3-D");
    T = x->dims[layout ? 1 : 0];
    B = x->dims[layout ? 0 : 1];
    I = x->dims[2];
  }
  if (I >= 0 && w->rank == 3 && w->dims[2] >= 0 && w->dims[2] != I)
    return ERR("W expects %lld inputs, X has %lld", (long long)w->dims[2], (long long)I);
  for (int o = 0; o < a->n_out; o++) {
    if (o == 0) {
      int64_t d[4] = { T, dirs, B, H };
      if (layout)
        d[0] = B, d[1] = T, d[2] = dirs;
      qe_vinfo_set(&a->out[0], QE_DT_F32, 4, d);
    } else {
      int64_t d[3] = { dirs, B, H };
      if (layout)
        d[0] = B, d[1] = dirs;
      qe_vinfo_set(&a->out[o], QE_DT_F32, 3, d);
    }
  }
  return QE_OK;
}

static qe_status rnn_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  qe_op op = n->op;
  int G = gates_of(op), dirs = num_dirs(n), per = acts_per_dir(op);
  int layout = (int)qe_node_int(n, "layout", 0);
  bool reverse = strcmp(qe_node_string(n, "direction", "forward"), "reverse") == 0;
  const qe_array *X = a->in[0], *W = a->in[1], *R = a->in[2];
  const qe_array *Bi = a->n_in > 3 ? a->in[3] : NULL, *SL = a->n_in > 4 ? a->in[4] : NULL;
  const qe_array *H0 = a->n_in > 5 ? a->in[5] : NULL, *C0 = a->n_in > 6 ? a->in[6] : NULL;
  const qe_array *P = a->n_in > 7 ? a->in[7] : NULL;
  int64_t T = X->dims[layout ? 1 : 0], Bn = X->dims[layout ? 0 : 1], I = X->dims[2];
  int64_t H = W->dims[1] / G;
  float clip = qe_node_float(n, "clip", 0.0f);
  bool lbr = op == QE_OP_GRU && qe_node_int(n, "linear_before_reset", 0) != 0;
  act acts[6];
  parse_acts(n, dirs, acts);
  /* scratch: h, c, gates x-part, gates h-part */
  size_t need = (size_t)(Bn * H * 2 + Bn * G * H * 2 + 3 * H) * sizeof(float);
  float *sc = qe_scratch_get(a, need);
  if (!sc)
    return QE_ERR_NOMEM;
  float *h = sc, *c = h + Bn * H, *gx = c + Bn * H, *gh = gx + Bn * G * H;
  float *hnew = gh + Bn * G * H, *zg = hnew + H, *rg = zg + H;
  qe_array *Y = a->out[0], *YH = a->n_out > 1 ? a->out[1] : NULL;
  qe_array *YC = a->n_out > 2 ? a->out[2] : NULL;
  if (Y)
    memset(Y->data, 0, qe_array_nbytes(Y));
  const float *x = X->data;
  for (int dir = 0; dir < dirs; dir++) {
    bool back = dirs == 2 ? dir == 1 : reverse;
    const float *w = (const float *)W->data + dir * G * H * I;
    const float *rw = (const float *)R->data + dir * G * H * H;
    const float *wb = Bi ? (const float *)Bi->data + dir * 2 * G * H : NULL;
    const float *rb = wb ? wb + G * H : NULL;
    const float *pp = P ? (const float *)P->data + dir * 3 * H : NULL;
    const act *f = &acts[dir * per];
    for (int64_t b = 0; b < Bn; b++)
      for (int64_t j = 0; j < H; j++) {
        size_t hi = (size_t)((dir * Bn + b) * H + j);
        if (layout)
          hi = (size_t)((b * dirs + dir) * H + j);
        h[b * H + j] = H0 ? ((const float *)H0->data)[hi] : 0.0f;
        c[b * H + j] = C0 ? ((const float *)C0->data)[hi] : 0.0f;
      }
    for (int64_t step = 0; step < T; step++) {
      for (int64_t b = 0; b < Bn; b++) {
        int64_t len = SL ? qe_array_get_i64(SL, (size_t)b) : T;
        if (len > T)
          len = T;
        int64_t t = back ? len - 1 - step : step;
        if (step >= len)
          continue;
        const float *xt = x + (layout ? (b * T + t) * I : (t * Bn + b) * I);
        float *hb = h + b * H, *cb = c + b * H;
        float *gxb = gx + b * G * H, *ghb = gh + b * G * H;
        for (int64_t g = 0; g < G * H; g++) {
          float sx = wb ? wb[g] : 0.0f, sh = rb ? rb[g] : 0.0f;
          const float *wr = w + g * I, *rr = rw + g * H;
          for (int64_t k = 0; k < I; k++)
            sx += wr[k] * xt[k];
          for (int64_t k = 0; k < H; k++)
            sh += rr[k] * hb[k];
          gxb[g] = sx;
          ghb[g] = sh;
        }
#define CLIP(v) (clip > 0 ? ((v) < -clip ? -clip : ((v) > clip ? clip : (v))) : (v))
        if (op == QE_OP_GRU)
          for (int64_t j = 0; j < H; j++) {
            zg[j] = apply(&f[0], CLIP(gxb[j] + ghb[j]));
            rg[j] = apply(&f[0], CLIP(gxb[H + j] + ghb[H + j]));
          }
        for (int64_t j = 0; j < H; j++) {
          if (op == QE_OP_RNN) {
            hnew[j] = apply(&f[0], CLIP(gxb[j] + ghb[j]));
          } else if (op == QE_OP_GRU) {
            float hh;
            if (lbr) {
              hh = apply(&f[1], CLIP(gxb[2 * H + j] + rg[j] * ghb[2 * H + j]));
            } else {
              /* (r .* h) R_h^T + Rb_h */
              float s = rb ? rb[2 * H + j] : 0.0f;
              const float *rr = rw + (2 * H + j) * H;
              for (int64_t k = 0; k < H; k++)
                s += rr[k] * rg[k] * hb[k];
              hh = apply(&f[1], CLIP(gxb[2 * H + j] + s));
            }
            hnew[j] = (1 - zg[j]) * hh + zg[j] * hb[j];
          } else {
            float ig = gxb[j] + ghb[j] + (pp ? pp[j] * cb[j] : 0.0f);
            float fg = gxb[2 * H + j] + ghb[2 * H + j] + (pp ? pp[2 * H + j] * cb[j] : 0.0f);
            float cg = gxb[3 * H + j] + ghb[3 * H + j];
            ig = apply(&f[0], CLIP(ig));
            fg = apply(&f[0], CLIP(fg));
            cg = apply(&f[1], CLIP(cg));
            float cn = fg * cb[j] + ig * cg;
            float og = gxb[H + j] + ghb[H + j] + (pp ? pp[H + j] * cn : 0.0f);
            og = apply(&f[0], CLIP(og));
            hnew[j] = og * apply(&f[2], cn);
            cb[j] = cn;
          }
        }
        memcpy(hb, hnew, (size_t)H * sizeof(float));
        if (Y) {
          float *yp = Y->data;
          size_t off = layout ? (size_t)(((b * T + t) * dirs + dir) * H)
                              : (size_t)(((t * dirs + dir) * Bn + b) * H);
          memcpy(yp + off, hb, (size_t)H * sizeof(float));
        }
      }
    }
    for (int64_t b = 0; b < Bn; b++)
      for (int64_t j = 0; j < H; j++) {
        size_t o = layout ? (size_t)((b * dirs + dir) * H + j) : (size_t)((dir * Bn + b) * H + j);
        if (YH)
          ((float *)YH->data)[o] = h[b * H + j];
        if (YC)
          ((float *)YC->data)[o] = c[b * H + j];
      }
  }
  return QE_OK;
}

static int64_t rnn_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                        int n_out)
{
  if (in[0].rank != 3 || in[1].rank != 3 || in[2].rank != 3)
    return 0;
  int64_t T = in[0].dims[0] * in[0].dims[1]; /* T * batch in either layout */
  int64_t per = qe_dims_prod(in[1].dims, 0, 3) + qe_dims_prod(in[2].dims, 0, 3);
  return T < 0 || per < 0 ? 0 : T * per;
}

const qe_op_def qe_ops_rnn[] = {
  { QE_OP_RNN, rnn_infer, rnn_exec, rnn_macs, 3, 6, 0, 2 },
  { QE_OP_GRU, rnn_infer, rnn_exec, rnn_macs, 3, 6, 0, 2 },
  { QE_OP_LSTM, rnn_infer, rnn_exec, rnn_macs, 3, 8, 0, 3 },
};
const size_t qe_ops_rnn_count = QE_ARRAY_LEN(qe_ops_rnn);
