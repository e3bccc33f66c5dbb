/* mediapipe-quant-test.c - MediaPipe's float TFLite models (npm
 * @mediapipe/face_detection: BlazeFace short and full range; @mediapipe/
 * hands: hand landmark lite; fp16 weights behind DEQUANTIZE) opened with
 * the model loader, their graphs' Transposes optimized, quantized to int8
 * on real photos, and checked:
 *
 *  - Transposes left after qe_graph_optimize() only at the boundary (on
 *    the NHWC input, or feeding a Reshape / a graph output), none in the
 *    int8 model;
 *  - float vs int8 agreement per output over held-out photos: ST Edge AI's
 *    RMSE, COS, L2R and SQNR (dB, = -20 log10 L2R); for the face detectors
 *    also the top detection: the same anchor (or boxes overlapping, IoU),
 *    its score;
 *  - TFLite 2.9 (libtensorflowlite_c from npm tfjs-tflite-node, dlopen)
 *    runs the written int8 .tflite with outputs bit-identical to the
 *    engine's executor (conv_rounding = QE_ROUND_HALF_UP: ruy's rounding
 *    of CONV_2D / FULLY_CONNECTED on a PC); with the boards' rounding
 *    (QE_ROUND_DOUBLE) the agreement is reported.
 *
 * The photos: the real photographs scikit-image ships (Debian
 * python3-skimage, .ci/apt-packages): an astronaut's portrait, the
 * cameraman, coffee, a cat, a rocket, a motorcycle, coins, the moon - no
 * hands among them, so the hand model is calibrated on real photos that
 * are not of hands. Each gives several crops (whole, centred 70 % and
 * 45 %, the astronaut's face at three scales) and their mirror images;
 * even crops calibrate, odd ones evaluate. Preprocessed as MediaPipe does
 * (bilinear resize to the model's input; [-1, 1] for the face detectors,
 * [0, 1] for the hand model as mediapipe/modules/hand_landmark/
 * hand_landmark_cpu.pbtxt sets). Without the photos, uniform random data
 * is used and every figure says so.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_data_proc.h"
#include "qe/qe_metrics.h"
#include "qe/qe_model.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"

#define PHOTO_DIR "/usr/lib/python3/dist-packages/skimage/data"

static int failures;

#define CHECK(cond, ...)   \
  do {                     \
    if (!(cond)) {         \
      printf("FAIL ");     \
      printf(__VA_ARGS__); \
      printf("\n");        \
      failures++;          \
    }                      \
  } while (0)

/* ---- the models ------------------------------------------------------------ */

typedef enum detector { NOT_A_DETECTOR = 0, SHORT_RANGE, FULL_RANGE } detector;

typedef struct model_info {
  const char *rel; /* under tests/peers/node_modules */
  int size;        /* square input */
  float lo, hi;    /* input range */
  detector det;
  /* agreement floor (COS of each checked output over the evaluation
   * photos), and the outputs not checked, with why */
  double min_cos;
  unsigned unchecked;
  const char *why;
  /* share of the float model's faces the int8 model must find too */
  double min_faces_kept;
} model_info;

static const model_info MODELS[] = {
  /* BlazeFace short range, calibrated on 27 crops: COS 0.988 / 0.962 and
   * 9 of the float model's 10 faces (measured 2026-11) */
  { "@mediapipe/face_detection/face_detection_short_range.tflite", 128, -1, 1, SHORT_RANGE, 0.95, 0,
    NULL, 0.9 },
  { "@mediapipe/face_detection/face_detection_full_range.tflite", 192, -1, 1, FULL_RANGE, 0.99, 0,
    NULL, 1.0 },
  /* outputs 1 (hand presence) and 3 (world landmarks) say nothing on photos
   * without hands: near-constant values whose COS is noise */
  { "@mediapipe/hands/hand_landmark_lite.tflite", 224, 0, 1, NOT_A_DETECTOR, 0.99,
    (1u << 1) | (1u << 3), "no hand in the photos: presence and world landmarks are noise there",
    1.0 },
};

/* ---- the photos -------------------------------------------------------------- */

static const char *const PHOTOS[] = {
  "astronaut.png", "camera.png",          "coffee.png", "chelsea.png",
  "rocket.jpg",    "motorcycle_left.png", "coins.png",  "moon.png",
};

typedef struct crop {
  float cx, cy, side; /* fractions of the image: centre and side of a square */
  bool flip;
} crop;

/* Crops of every photo (the astronaut's face, around (0.45, 0.21) of her
 * portrait, at three scales too). */
static size_t crops_of(const char *photo, crop *c)
{
  static const crop common[] = {
    { 0.5f, 0.5f, 1.0f, false }, { 0.5f, 0.5f, 1.0f, true },    { 0.5f, 0.5f, 0.7f, false },
    { 0.5f, 0.5f, 0.7f, true },  { 0.5f, 0.45f, 0.45f, false }, { 0.5f, 0.45f, 0.45f, true },
  };
  static const crop face[] = {
    { 0.45f, 0.25f, 0.5f, false }, { 0.45f, 0.25f, 0.5f, true },  { 0.44f, 0.22f, 0.35f, false },
    { 0.44f, 0.22f, 0.35f, true }, { 0.46f, 0.3f, 0.65f, false }, { 0.46f, 0.3f, 0.65f, true },
  };
  size_t n = 0;
  for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
    c[n++] = common[i];
  if (strcmp(photo, "astronaut.png") == 0)
    for (size_t i = 0; i < sizeof face / sizeof face[0]; i++)
      c[n++] = face[i];
  return n;
}

/* A crop of @img (U8 [H, W, 3]) resized to @size x @size, in [lo, hi]. */
static qe_status crop_resize(const qe_array *img, const crop *c, int size, float lo, float hi,
                             float *dst, qe_ctx *ctx)
{
  const int H = (int)img->dims[0], W = (int)img->dims[1];
  int side = (int)(c->side * (float)(H < W ? H : W));
  int x0 = (int)(c->cx * (float)W) - side / 2, y0 = (int)(c->cy * (float)H) - side / 2;
  if (side < 1)
    side = 1;
  x0 = x0 < 0 ? 0 : x0 + side > W ? W - side : x0;
  y0 = y0 < 0 ? 0 : y0 + side > H ? H - side : y0;
  float *src = malloc((size_t)side * (size_t)side * 3 * sizeof(float));
  if (!src)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  const uint8_t *p = img->data;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      for (int k = 0; k < 3; k++) {
        const int sx = c->flip ? x0 + side - 1 - x : x0 + x;
        src[((size_t)y * (size_t)side + (size_t)x) * 3 + (size_t)k] =
            (float)p[((size_t)(y0 + y) * (size_t)W + (size_t)sx) * 3 + (size_t)k];
      }
  qe_status st =
      qe_image_resize(src, side, side, 3, dst, size, size, QE_INTERP_BILINEAR, false, NULL, ctx);
  free(src);
  if (st != QE_OK)
    return st;
  for (size_t i = 0; i < (size_t)size * (size_t)size * 3; i++)
    dst[i] = lo + (hi - lo) * dst[i] / 255.0f;
  return QE_OK;
}

/* Calibration (even crops) and evaluation (odd crops) sets [N, S, S, 3];
 * false when the photos are not installed. */
static bool photo_sets(const model_info *mi, qe_array **calib, qe_array **eval, qe_ctx *ctx)
{
  crop c[32];
  size_t n_total = 0;
  for (size_t i = 0; i < sizeof PHOTOS / sizeof PHOTOS[0]; i++)
    n_total += crops_of(PHOTOS[i], c);
  const int64_t S = mi->size;
  const int64_t dc[4] = { (int64_t)(n_total + 1) / 2, S, S, 3 },
                de[4] = { (int64_t)n_total / 2, S, S, 3 };
  if (qe_array_new(QE_DT_F32, 4, dc, calib, ctx) != QE_OK ||
      qe_array_new(QE_DT_F32, 4, de, eval, ctx) != QE_OK)
    return false;
  size_t k = 0, nc = 0, ne = 0;
  const size_t per = (size_t)(S * S * 3);
  for (size_t i = 0; i < sizeof PHOTOS / sizeof PHOTOS[0]; i++) {
    char path[1024];
    qe_array *img = NULL;
    snprintf(path, sizeof path, "%s/%s", PHOTO_DIR, PHOTOS[i]);
    if (qe_image_decode_file(path, QE_COLOR_RGB, 0, 0, &img, ctx) != QE_OK)
      return false;
    const size_t n = crops_of(PHOTOS[i], c);
    for (size_t j = 0; j < n; j++, k++) {
      float *dst =
          k % 2 == 0 ? (float *)(*calib)->data + per * nc++ : (float *)(*eval)->data + per * ne++;
      if (crop_resize(img, &c[j], mi->size, mi->lo, mi->hi, dst, ctx) != QE_OK) {
        qe_array_free(img);
        return false;
      }
    }
    qe_array_free(img);
  }
  return true;
}

static void random_sets(const model_info *mi, qe_array **calib, qe_array **eval, qe_ctx *ctx)
{
  const int64_t S = mi->size, dc[4] = { 24, S, S, 3 }, de[4] = { 24, S, S, 3 };
  qe_array_new(QE_DT_F32, 4, dc, calib, ctx);
  qe_array_new(QE_DT_F32, 4, de, eval, ctx);
  uint32_t s = 12345;
  for (int w = 0; w < 2; w++) {
    qe_array *a = w ? *eval : *calib;
    float *f = a->data;
    for (int64_t i = 0; i < qe_array_count(a); i++) {
      s = s * 1664525u + 1013904223u;
      f[i] = mi->lo + (mi->hi - mi->lo) * (float)(s >> 8) / 16777216.0f;
    }
  }
}

/* ---- face detection: anchors and the top detection ------------------------------ */

/* SSD anchor centres as mediapipe/modules/face_detection/
 * face_detection_{short,full}_range_common.pbtxt configure them (fixed
 * size 1, offset 0.5): short range strides 8, 16, 16, 16 with two anchors
 * per layer (layers of one stride share the grid); full range one layer of
 * stride 4, one anchor. */
static size_t anchors(detector d, float *ax, float *ay, size_t max)
{
  size_t n = 0;
  const int in = d == SHORT_RANGE ? 128 : 192;
  const int strides[2] = { d == SHORT_RANGE ? 8 : 4, 16 };
  const int per[2] = { d == SHORT_RANGE ? 2 : 1, 6 };
  for (int l = 0; l < (d == SHORT_RANGE ? 2 : 1); l++) {
    const int g = in / strides[l];
    for (int y = 0; y < g; y++)
      for (int x = 0; x < g; x++)
        for (int a = 0; a < per[l] && n < max; a++, n++) {
          ax[n] = ((float)x + 0.5f) / (float)g;
          ay[n] = ((float)y + 0.5f) / (float)g;
        }
  }
  return n;
}

typedef struct detection {
  size_t anchor;
  float score;      /* sigmoid of the clipped logit */
  float x, y, w, h; /* box centre and size, fractions of the input */
} detection;

/* The best box of one sample: @reg [N, 16], @cls [N, 1]. */
static detection top_detection(detector d, const float *reg, const float *cls, size_t n)
{
  static float ax[4096], ay[4096];
  const float scale = d == SHORT_RANGE ? 128.0f : 192.0f;
  anchors(d, ax, ay, 4096);
  detection best = { 0, -1, 0, 0, 0, 0 };
  for (size_t i = 0; i < n; i++) {
    float logit = cls[i] < -100 ? -100 : cls[i] > 100 ? 100 : cls[i];
    float s = 1.0f / (1.0f + expf(-logit));
    if (s > best.score) {
      best.anchor = i;
      best.score = s;
      best.x = reg[i * 16 + 0] / scale + ax[i];
      best.y = reg[i * 16 + 1] / scale + ay[i];
      best.w = reg[i * 16 + 2] / scale;
      best.h = reg[i * 16 + 3] / scale;
    }
  }
  return best;
}

static double iou(const detection *a, const detection *b)
{
  const double ix = fmin(a->x + a->w / 2, b->x + b->w / 2) - fmax(a->x - a->w / 2, b->x - b->w / 2);
  const double iy = fmin(a->y + a->h / 2, b->y + b->h / 2) - fmax(a->y - a->h / 2, b->y - b->h / 2);
  const double inter = ix > 0 && iy > 0 ? ix * iy : 0;
  const double uni = (double)a->w * a->h + (double)b->w * b->h - inter;
  return uni > 0 ? inter / uni : 0;
}

/* ---- the checks ---------------------------------------------------------------- */

static size_t count_transposes(const qe_graph *g)
{
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    c += g->nodes[i].op == QE_OP_TRANSPOSE;
  return c;
}

/* A Transpose at the boundary reads a graph input, or is read only by
 * Reshapes and graph outputs. */
static size_t inner_transposes(const qe_graph *g)
{
  size_t inner = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *t = &g->nodes[i];
    if (t->op != QE_OP_TRANSPOSE)
      continue;
    bool from_input = false, to_reshape = true;
    for (size_t k = 0; k < g->n_inputs; k++)
      from_input |= g->inputs[k] == t->inputs[0];
    for (size_t j = 0; j < g->n_nodes; j++)
      for (int k = 0; k < g->nodes[j].n_inputs; k++)
        if (g->nodes[j].inputs[k] == t->outputs[0] && g->nodes[j].op != QE_OP_RESHAPE)
          to_reshape = false;
    inner += !from_input && !to_reshape;
  }
  return inner;
}

/* Engine (@rounding) on every evaluation sample into @outs (floats). */
static qe_status run_engine(qe_qmodel *m, qe_rounding rounding, const qe_array *x, float **outs,
                            qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  m->conv_rounding = rounding;
  qe_status st;
  if ((st = qe_qmodel_prepare(m, ctx)) != QE_OK || (st = qe_qexec_new(m, &e, ctx)) != QE_OK)
    return st;
  const size_t per = (size_t)qe_array_count(x) / (size_t)x->dims[0];
  for (int64_t s = 0; s < x->dims[0] && st == QE_OK; s++) {
    memcpy(qe_qexec_input(e, 0), (const float *)x->data + per * (size_t)s, per * sizeof(float));
    if ((st = qe_qexec_run(e, ctx)) != QE_OK)
      break;
    for (size_t o = 0; o < m->n_outputs; o++) {
      const size_t n = (size_t)qe_qtensor_count(&m->tensors[m->outputs[o]]);
      memcpy(outs[o] + n * (size_t)s, qe_qexec_output(e, o), n * sizeof(float));
    }
  }
  qe_qexec_free(e);
  return st;
}

static void check_model(const char *root, const model_info *mi)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_model *mdl = NULL;
  qe_graph *opt = NULL;
  qe_array *calib = NULL, *eval = NULL;
  qe_samples *samples = NULL;
  qe_quant_result *r = NULL;
  qe_runtime *rt = NULL;
  uint8_t *fb = NULL;
  size_t fb_size = 0;
  float *ref[8] = { 0 }, *mine[8] = { 0 }, *board[8] = { 0 }, *theirs[8] = { 0 };
  tfl_interp tr = { 0 };
  TfLiteInterpreter *in = NULL;
  const char *name = strrchr(mi->rel, '/') + 1;

  snprintf(path, sizeof path, "%s/tests/peers/node_modules/%s", root, mi->rel);
  if (qe_model_load(path, &mdl, ctx) != QE_OK) {
    CHECK(0, "%s: %s", name, qe_ctx_error(ctx));
    goto out;
  }
  CHECK(mdl->kind == QE_MODEL_TFLITE_FLOAT && mdl->graph,
        "%s: the loader should give a float TFLite graph, gave %s", name,
        qe_model_kind_name(mdl->kind));
  if (!mdl->graph)
    goto out;
  qe_graph *g = mdl->graph;
  size_t n_out = g->n_outputs;
  if (n_out > 8) {
    CHECK(0, "%s: %zu outputs", name, n_out);
    goto out;
  }

  /* 1. the Transposes */
  if (qe_graph_clone(g, &opt, ctx) != QE_OK || qe_graph_optimize(opt, ctx) != QE_OK) {
    CHECK(0, "%s: optimize: %s", name, qe_ctx_error(ctx));
    goto out;
  }
  const size_t t0 = count_transposes(g), t1 = count_transposes(opt), inner = inner_transposes(opt);
  printf("%s: Transposes %zu -> %zu after the graph passes (nodes %zu -> %zu), %zu not at the "
         "boundary\n",
         name, t0, t1, g->n_nodes, opt->n_nodes, inner);
  CHECK(inner == 0, "%s: %zu Transposes left inside the graph", name, inner);

  /* 2. quantize on the photos */
  const bool real = photo_sets(mi, &calib, &eval, ctx);
  if (!real) {
    qe_array_free(calib);
    qe_array_free(eval);
    calib = eval = NULL;
    printf("%s: the photos of python3-skimage are missing (%s): RANDOM DATA, the agreement "
           "figures below mean little\n",
           name, PHOTO_DIR);
    random_sets(mi, &calib, &eval, ctx);
  }
  const char *data = real ? "photos" : "random data";
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.diag_samples = 0;
  if (qe_samples_from_array(calib, 0, real ? "scikit-image photos" : "random data", &samples,
                            ctx) != QE_OK ||
      qe_quantize(g, samples, &o, &r, ctx) != QE_OK ||
      qe_tflite_write(r->qmodel, &fb, &fb_size, ctx) != QE_OK) {
    CHECK(0, "%s: quantize: %s", name, qe_ctx_error(ctx));
    goto out;
  }
  qe_qmodel *m = r->qmodel;
  size_t n_tr = 0, n_float = 0;
  for (size_t i = 0; i < m->n_ops; i++)
    n_tr += m->ops[i].type == QE_QOP_TRANSPOSE;
  n_float = r->n_float_ops;
  printf("%s: int8 model of %zu ops (%zu TRANSPOSE, %zu in float), %zu bytes as .tflite; "
         "calibrated on %lld %s, evaluated on %lld others\n",
         name, m->n_ops, n_tr, n_float, fb_size, (long long)calib->dims[0], data,
         (long long)eval->dims[0]);
  CHECK(n_tr == 0 && n_float == 0, "%s: %zu TRANSPOSE and %zu float ops in the int8 model", name,
        n_tr, n_float);
  CHECK(m->n_outputs == n_out, "%s: the int8 model has %zu outputs", name, m->n_outputs);

  /* 3. float reference and the engine's int8 outputs */
  const int64_t ns = eval->dims[0];
  const size_t per = (size_t)qe_array_count(eval) / (size_t)ns;
  size_t out_n[8];
  for (size_t o2 = 0; o2 < n_out; o2++) {
    out_n[o2] = (size_t)qe_qtensor_count(&m->tensors[m->outputs[o2]]);
    ref[o2] = malloc(out_n[o2] * (size_t)ns * sizeof(float));
    mine[o2] = malloc(out_n[o2] * (size_t)ns * sizeof(float));
    board[o2] = malloc(out_n[o2] * (size_t)ns * sizeof(float));
    theirs[o2] = malloc(out_n[o2] * (size_t)ns * sizeof(float));
  }
  {
    const int64_t d1[4] = { 1, mi->size, mi->size, 3 };
    qe_array *x1 = NULL;
    if (qe_array_new(QE_DT_F32, 4, d1, &x1, ctx) != QE_OK || qe_runtime_new(g, &rt, ctx) != QE_OK) {
      qe_array_free(x1);
      CHECK(0, "%s: float runtime: %s", name, qe_ctx_error(ctx));
      goto out;
    }
    for (int64_t s = 0; s < ns; s++) {
      const qe_array *ins[1] = { x1 };
      memcpy(x1->data, (const float *)eval->data + per * (size_t)s, per * sizeof(float));
      if (qe_runtime_run(rt, 1, ins, ctx) != QE_OK) {
        qe_array_free(x1);
        CHECK(0, "%s: float run: %s", name, qe_ctx_error(ctx));
        goto out;
      }
      for (size_t o2 = 0; o2 < n_out; o2++)
        memcpy(ref[o2] + out_n[o2] * (size_t)s, qe_runtime_output(rt, o2)->data,
               out_n[o2] * sizeof(float));
    }
    qe_array_free(x1);
  }
  if (run_engine(m, QE_ROUND_HALF_UP, eval, mine, ctx) != QE_OK ||
      run_engine(m, QE_ROUND_DOUBLE, eval, board, ctx) != QE_OK) {
    CHECK(0, "%s: int8 run: %s", name, qe_ctx_error(ctx));
    goto out;
  }
  for (size_t o2 = 0; o2 < n_out; o2++) {
    qe_err_metrics *em = NULL;
    qe_err_result er;
    if (qe_err_metrics_new(0, &em, ctx) != QE_OK ||
        qe_err_metrics_add(em, ref[o2], mine[o2], out_n[o2] * (size_t)ns, ctx) != QE_OK ||
        qe_err_metrics_compute(em, &er, ctx) != QE_OK) {
      qe_err_metrics_free(em);
      CHECK(0, "%s: metrics: %s", name, qe_ctx_error(ctx));
      goto out;
    }
    qe_err_metrics_free(em);
    const double sqnr = er.l2r > 0 ? -20.0 * log10(er.l2r) : INFINITY;
    printf("  int8 vs float, output '%s' [%zu] on %lld %s: RMSE %.4g  COS %.5f  L2R %.4f  SQNR "
           "%.1f dB\n",
           m->tensors[m->outputs[o2]].name, out_n[o2], (long long)ns, data, er.rmse, er.cos, er.l2r,
           sqnr);
    if (real && (mi->unchecked & (1u << o2)))
      printf("  (output %zu not checked: %s)\n", o2, mi->why);
    else if (real)
      CHECK(er.cos >= mi->min_cos, "%s: output %zu: COS %.5f below %.2f", name, o2, er.cos,
            mi->min_cos);
  }
  /* the top detection of each photo */
  if (mi->det != NOT_A_DETECTOR) {
    size_t reg = 0, cls = 1;
    if (out_n[0] < out_n[1]) {
      reg = 1;
      cls = 0;
    }
    const size_t nb = out_n[cls];
    size_t same = 0, overlap = 0, faces = 0, faces_kept = 0;
    double dscore = 0, min_iou = 1;
    for (int64_t s = 0; s < ns; s++) {
      const detection a =
          top_detection(mi->det, ref[reg] + out_n[reg] * (size_t)s, ref[cls] + nb * (size_t)s, nb);
      const detection b = top_detection(mi->det, mine[reg] + out_n[reg] * (size_t)s,
                                        mine[cls] + nb * (size_t)s, nb);
      const double ov = iou(&a, &b);
      same += a.anchor == b.anchor;
      overlap += ov >= 0.5;
      dscore = fmax(dscore, fabs((double)a.score - b.score));
      if (a.score >= 0.5) { /* MediaPipe's threshold: a face */
        faces++;
        faces_kept += b.score >= 0.5 && ov >= 0.5;
        min_iou = fmin(min_iou, ov);
      }
    }
    printf("  top detection on %lld %s: same anchor %zu, boxes overlapping (IoU >= 0.5) %zu; "
           "score differs by at most %.3f; faces found in float %zu, by int8 too (same place) "
           "%zu, least IoU %.3f\n",
           (long long)ns, data, same, overlap, dscore, faces, faces_kept, faces ? min_iou : 0);
    if (real) {
      CHECK(faces > 0, "%s: the float model finds no face in the photos (preprocessing?)", name);
      CHECK((double)faces_kept >= mi->min_faces_kept * (double)faces,
            "%s: int8 loses %zu of %zu faces", name, faces - faces_kept, faces);
    }
  }

  /* 4. TFLite 2.9 runs the written model */
  in = tfl_open_allocated(&tr, fb, fb_size);
  if (!in || (size_t)tfl.GetOutputTensorCount(in) != n_out) {
    CHECK(0, "%s: TFLite refused the int8 model", name);
    goto out;
  }
  for (int64_t s = 0; s < ns; s++) {
    if (tfl.CopyFromBuffer(tfl.GetInputTensor(in, 0), (const float *)eval->data + per * (size_t)s,
                           per * sizeof(float)) != kTfLiteOk ||
        tfl.Invoke(in) != kTfLiteOk) {
      CHECK(0, "%s: TFLite could not run sample %lld", name, (long long)s);
      goto out;
    }
    for (size_t o2 = 0; o2 < n_out; o2++) {
      const TfLiteTensor *ot = tfl.GetOutputTensor(in, (int32_t)o2);
      if (tfl.ByteSize(ot) != out_n[o2] * sizeof(float) ||
          tfl.CopyToBuffer(ot, theirs[o2] + out_n[o2] * (size_t)s, out_n[o2] * sizeof(float)) !=
              kTfLiteOk) {
        CHECK(0, "%s: TFLite output %zu", name, o2);
        goto out;
      }
    }
  }
  {
    size_t total = 0, same_host = 0, same_board = 0;
    for (size_t o2 = 0; o2 < n_out; o2++)
      for (size_t i = 0; i < out_n[o2] * (size_t)ns; i++) {
        total++;
        same_host += memcmp(&mine[o2][i], &theirs[o2][i], sizeof(float)) == 0;
        same_board += memcmp(&board[o2][i], &theirs[o2][i], sizeof(float)) == 0;
      }
    printf("  TFLite 2.9 on the written .tflite: %zu of %zu output values bit-identical to the "
           "engine (ruy's rounding); %zu (%.2f %%) with the boards' rounding\n",
           same_host, total, same_board, 100.0 * (double)same_board / (double)total);
    CHECK(same_host == total, "%s: TFLite and the engine differ on %zu of %zu values", name,
          total - same_host, total);
  }
out:
  for (size_t o2 = 0; o2 < 8; o2++) {
    free(ref[o2]);
    free(mine[o2]);
    free(board[o2]);
    free(theirs[o2]);
  }
  tfl_close(&tr);
  free(fb);
  qe_runtime_free(rt);
  qe_quant_result_free(r);
  qe_samples_free(samples);
  qe_array_free(calib);
  qe_array_free(eval);
  qe_graph_free(opt);
  qe_model_free(mdl);
  qe_ctx_free(ctx);
}

int main(void)
{
  const char *root = getenv("QZ_SOURCE_ROOT");
  char probe[4096];
  FILE *f;
  if (!root)
    root = ".";
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(probe, sizeof(probe), "%s/tests/peers/node_modules/%s", root, MODELS[2].rel);
  if ((f = fopen(probe, "rb")) == NULL) {
    printf("SKIP: the @mediapipe models are not installed in tests/peers\n");
    return 77;
  }
  fclose(f);
  if (!tfl_load_or_skip(root))
    return 77;
  if (!tfl_bitexact_or_skip())
    return 77;
  for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++)
    check_model(root, &MODELS[i]);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
