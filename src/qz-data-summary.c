/* qz-data-summary.c - what the Data page shows about a data set.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data set is opened exactly as a run opens it: from the project's
 * configuration through qe_config_data_options() and
 * qe_dataset_open_config(), so the counts and splits shown are those the
 * run will use.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "qe/qe_config.h"
#include "qe/qe_data.h"
#include "qz-data-summary.h"

G_DEFINE_BOXED_TYPE(QzDataSummary, qz_data_summary, qz_data_summary_ref, qz_data_summary_unref)

#define MAX_PICTURES 12

static void class_count_free(QzClassCount *c)
{
  g_free(c->name);
  g_free(c);
}

static void message_free(QzDataMessage *m)
{
  g_free(m->code);
  g_free(m->text);
  g_free(m);
}

static void skipped_free(QzSkippedFile *s)
{
  g_free(s->path);
  g_free(s->reason);
  g_free(s);
}

static void picture_free(QzSamplePicture *p)
{
  g_free(p->class_name);
  g_free(p->path);
  g_clear_pointer(&p->pixels, g_bytes_unref);
  g_free(p);
}

QzDataSummary *qz_data_summary_ref(QzDataSummary *summary)
{
  g_return_val_if_fail(summary != NULL, NULL);
  g_atomic_ref_count_inc(&summary->ref);
  return summary;
}

void qz_data_summary_unref(QzDataSummary *summary)
{
  g_return_if_fail(summary != NULL);

  if (!g_atomic_ref_count_dec(&summary->ref))
    return;
  g_free(summary->calibration_source);
  g_free(summary->item_shape);
  g_ptr_array_unref(summary->classes);
  g_ptr_array_unref(summary->messages);
  g_ptr_array_unref(summary->skipped);
  g_ptr_array_unref(summary->pictures);
  g_free(summary);
}

static QzDataSummary *qz_data_summary_new(void)
{
  QzDataSummary *s = g_new0(QzDataSummary, 1);

  g_atomic_ref_count_init(&s->ref);
  s->classes = g_ptr_array_new_with_free_func((GDestroyNotify)class_count_free);
  s->messages = g_ptr_array_new_with_free_func((GDestroyNotify)message_free);
  s->skipped = g_ptr_array_new_with_free_func((GDestroyNotify)skipped_free);
  s->pictures = g_ptr_array_new_with_free_func((GDestroyNotify)picture_free);
  return s;
}

/* ---- pictures ----------------------------------------------------------- */

static QzSamplePicture *picture_from_thumbnail(const qe_array *a)
{
  QzSamplePicture *p;

  if (a->rank != 3 || a->dtype != QE_DT_U8 || a->dims[2] != 3)
    return NULL;
  p = g_new0(QzSamplePicture, 1);
  p->width = (int)a->dims[1];
  p->height = (int)a->dims[0];
  p->stride = p->width * 3;
  p->rgb = TRUE;
  p->pixels = g_bytes_new(a->data, (gsize)p->stride * p->height);
  return p;
}

/* Draw @n values (one channel of a sound or series) as a line. */
static QzSamplePicture *picture_from_values(const float *v, size_t n, gboolean waveform)
{
  const int width = 160, height = 96;
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create(surface);
  QzSamplePicture *p;
  float lo = INFINITY, hi = -INFINITY;
  size_t step;

  for (size_t i = 0; i < n; i++) {
    if (isfinite(v[i])) {
      lo = MIN(lo, v[i]);
      hi = MAX(hi, v[i]);
    }
  }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  if (waveform) {
    float m = MAX(fabsf(lo), fabsf(hi));

    lo = -m;
    hi = m;
  }

  /* Adwaita blue 3, as the plots draw the first series. */
  cairo_set_source_rgb(cr, 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0);
  cairo_set_line_width(cr, 1.25);
  step = MAX(n / (size_t)(width * 2), 1);
  for (size_t i = 0; i < n; i += step) {
    double x = 2 + (width - 4) * (double)i / (double)MAX(n - 1, 1);
    double y = 2 + (height - 4) * (1.0 - (v[i] - lo) / (double)(hi - lo));

    if (!isfinite(y))
      continue;
    if (i == 0)
      cairo_move_to(cr, x, y);
    else
      cairo_line_to(cr, x, y);
  }
  cairo_stroke(cr);
  cairo_destroy(cr);
  cairo_surface_flush(surface);

  p = g_new0(QzSamplePicture, 1);
  p->width = width;
  p->height = height;
  p->stride = cairo_image_surface_get_stride(surface);
  p->pixels = g_bytes_new(cairo_image_surface_get_data(surface), (gsize)p->stride * (gsize)height);
  cairo_surface_destroy(surface);
  return p;
}

static QzSamplePicture *sample_picture(qe_dataset *ds, size_t index, const char *path, qe_ctx *ctx)
{
  qe_preview *preview = NULL;
  QzSamplePicture *p = NULL;

  if (qe_dataset_kind(ds) == QE_DATA_IMAGES && path != NULL) {
    qe_array *thumb = NULL;

    if (qe_image_thumbnail(path, 96, &thumb, ctx) == QE_OK)
      p = picture_from_thumbnail(thumb);
    qe_array_free(thumb);
    return p;
  }
  if (qe_dataset_preview(ds, index, &preview, ctx) != QE_OK)
    return NULL;
  if (preview->raw != NULL && preview->raw->dtype == QE_DT_F32) {
    const qe_array *raw = preview->raw;
    size_t n = (size_t)qe_array_count(raw);

    /* Series: the first channel of [channels, L]. Sounds: the waveform.
     * Tensors: all values in order. */
    if (preview->kind == QE_DATA_SERIES && raw->rank == 2)
      n = (size_t)raw->dims[1];
    p = picture_from_values(raw->data, n, preview->kind == QE_DATA_AUDIO);
  }
  qe_preview_free(preview);
  return p;
}

/* ---- loading ------------------------------------------------------------ */

static void fill_model_input(qe_data_options *o, const QzModelInfo *model)
{
  const QzTensorInfo *in;

  if (o->input_rank > 0 || model == NULL || model->inputs->len == 0)
    return;
  in = g_ptr_array_index(model->inputs, 0);
  if (in->rank <= 0 || in->rank > QE_MAX_RANK)
    return;
  o->input_rank = in->rank;
  for (int i = 0; i < in->rank; i++)
    o->input_shape[i] = in->dims[i];
  /* PyTorch exports (N, C, H, W); TFLite and Keras (N, H, W, C). */
  if (in->rank == 4 && in->dims[1] >= 1 && in->dims[1] <= 4 && in->dims[3] > 4)
    o->layout = QE_LAYOUT_NCHW;
}

/* Opens the examples @doc names as a run would, prepared for @model's
 * input, without checking the files beforehand. *@cfg outlives *@ds. */
static gboolean open_examples(const qe_yaml_doc *doc, const QzModelInfo *model, qe_config **cfg,
                              qe_dataset **ds, qe_ctx *ctx)
{
  qe_config_options copt;
  qe_data_options opts;
  qe_data_kind kind = QE_DATA_AUTO;

  qe_config_options_init(&copt);
  copt.check_files = false;
  if (qe_config_load_doc(doc, &copt, cfg, ctx) != QE_OK ||
      qe_config_data_options(*cfg, &opts, &kind, ctx) != QE_OK)
    return FALSE;
  fill_model_input(&opts, model);
  return qe_dataset_open_config(&opts, kind, ds, ctx) == QE_OK;
}

QzDataSummary *qz_data_summary_load(const qe_yaml_doc *doc, const QzModelInfo *model,
                                    gsize max_decode, int (*progress)(void *, double, const char *),
                                    void *progress_data, GError **error)
{
  g_autoptr(QzDataSummary) s = qz_data_summary_new();
  qe_ctx *ctx = qe_ctx_new();
  qe_config *cfg = NULL;
  qe_dataset *ds = NULL;
  qe_data_report *rep = NULL;
  qe_diag_options dopt = { 0 };
  const qe_diag_histogram *hist;
  int64_t dims[QE_MAX_RANK];
  int rank;
  char buf[128];
  gboolean ok = FALSE;
  gboolean *pictured = NULL;
  size_t n_pictured = 0;

  g_return_val_if_fail(doc != NULL, NULL);

  if (progress != NULL)
    qe_ctx_set_progress(ctx, progress, progress_data);

  if (!open_examples(doc, model, &cfg, &ds, ctx))
    goto out;

  dopt.max_decode = max_decode;
  if (qe_data_diagnose(ds, &dopt, &rep, ctx) != QE_OK)
    goto out;

  s->kind = qe_dataset_kind(ds);
  s->total = qe_data_report_usable(rep);
  qe_dataset_subset(ds, QE_SUBSET_CALIBRATION, &s->calibration);
  qe_dataset_subset(ds, QE_SUBSET_EVALUATION, &s->evaluation);
  s->calibration_random = qe_dataset_calibration_source(ds) == QE_CALIB_RANDOM;
  s->calibration_source = g_strdup(qe_calib_source_name(qe_dataset_calibration_source(ds)));
  rank = qe_dataset_item_shape(ds, dims);
  if (rank > 0)
    s->item_shape = g_strdup(qe_dims_to_string(dims, rank, buf, sizeof buf));

  for (size_t i = 0; i < qe_data_report_class_count(rep); i++) {
    const qe_diag_class *dc = qe_data_report_class(rep, i);
    QzClassCount *c = g_new0(QzClassCount, 1);

    c->name = g_strdup(dc->name);
    c->count = dc->count;
    c->calibration = dc->per_subset[QE_SUBSET_CALIBRATION];
    c->evaluation = dc->per_subset[QE_SUBSET_EVALUATION];
    g_ptr_array_add(s->classes, c);
  }
  for (size_t i = 0; i < qe_data_report_message_count(rep); i++) {
    const qe_diag_message *dm = qe_data_report_message(rep, i);
    QzDataMessage *m = g_new0(QzDataMessage, 1);

    m->level = dm->level;
    m->code = g_strdup(dm->code);
    m->text = g_strdup(dm->text);
    g_ptr_array_add(s->messages, m);
  }
  for (size_t i = 0; i < qe_dataset_skipped_count(ds); i++) {
    QzSkippedFile *f = g_new0(QzSkippedFile, 1);

    f->path = g_strdup(qe_dataset_skipped_path(ds, i));
    f->reason = g_strdup(qe_dataset_skipped_reason(ds, i));
    g_ptr_array_add(s->skipped, f);
  }
  hist = qe_data_report_histogram(rep);
  if (hist != NULL && hist->count > 0) {
    s->have_values = TRUE;
    s->min = hist->min;
    s->max = hist->max;
    s->mean = hist->mean;
    s->std = hist->std;
  }

  /* One picture of each class (the first of its samples). */
  pictured = g_new0(gboolean, qe_dataset_class_count(ds) + 1);
  for (size_t i = 0; i < qe_dataset_count(ds) && n_pictured < MAX_PICTURES; i++) {
    qe_sample_info info;
    QzSamplePicture *p;

    if (qe_dataset_sample(ds, i, &info, ctx) != QE_OK)
      goto out;
    if (info.label < 0 || (size_t)info.label >= qe_dataset_class_count(ds) || pictured[info.label])
      continue;
    if (qe_progress(ctx, -1.0, "drawing examples") != QE_OK)
      goto out;
    pictured[info.label] = TRUE;
    n_pictured++;
    p = sample_picture(ds, i, info.path, ctx);
    if (p == NULL)
      continue;
    p->class_name = g_strdup(qe_dataset_class_name(ds, (size_t)info.label));
    p->path = g_strdup(info.path);
    g_ptr_array_add(s->pictures, p);
  }
  ok = TRUE;

out:
  if (!ok)
    qz_set_engine_error(error, ctx);
  g_free(pictured);
  qe_data_report_free(rep);
  qe_dataset_free(ds);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
  return ok ? g_steal_pointer(&s) : NULL;
}

/* ---- preview of one example --------------------------------------------- */

void qz_data_preview_free(QzDataPreview *p)
{
  if (p == NULL)
    return;
  g_free(p->class_name);
  g_free(p->path);
  g_clear_pointer(&p->before, picture_free);
  g_clear_pointer(&p->after, picture_free);
  g_free(p->input_shape);
  g_free(p);
}

/* An RGB picture of a decoded image [H, W, C] (C 1, 3 or 4), U8. */
static QzSamplePicture *picture_from_u8(const qe_array *a)
{
  QzSamplePicture *p;
  guint8 *rgb;
  int h, w, c;

  if (a->rank != 3 || a->dtype != QE_DT_U8)
    return NULL;
  h = (int)a->dims[0];
  w = (int)a->dims[1];
  c = (int)a->dims[2];
  if (h <= 0 || w <= 0 || c < 1 || c > 4 || (gint64)h * w > 4096 * 4096)
    return NULL;
  rgb = g_malloc((gsize)h * w * 3);
  for (gsize i = 0; i < (gsize)h * w; i++)
    for (int k = 0; k < 3; k++)
      rgb[i * 3 + k] = ((const guint8 *)a->data)[i * c + (c >= 3 ? k : 0)];
  p = g_new0(QzSamplePicture, 1);
  p->width = w;
  p->height = h;
  p->stride = w * 3;
  p->rgb = TRUE;
  p->pixels = g_bytes_new_take(rgb, (gsize)h * w * 3);
  return p;
}

/* A picture of float values [rows, cols] (or [H, W, C] / [C, H, W] when
 * @channels is 3), stretched from their minimum to their maximum. With
 * @heat, low values are dark blue and high ones light, for spectrograms. */
static QzSamplePicture *picture_from_f32(const float *v, int rows, int cols, int channels,
                                         gboolean chw, gboolean heat)
{
  QzSamplePicture *p;
  guint8 *rgb;
  float lo = INFINITY, hi = -INFINITY;
  gsize n = (gsize)rows * cols * channels;

  if (rows <= 0 || cols <= 0 || (gint64)rows * cols > 4096 * 4096)
    return NULL;
  for (gsize i = 0; i < n; i++)
    if (isfinite(v[i])) {
      lo = MIN(lo, v[i]);
      hi = MAX(hi, v[i]);
    }
  if (!(hi > lo))
    hi = lo + 1.0f;
  rgb = g_malloc((gsize)rows * cols * 3);
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++) {
      /* Spectrograms: low frequencies at the bottom. */
      int src_y = heat ? rows - 1 - y : y;
      guint8 *dst = rgb + ((gsize)y * cols + x) * 3;

      for (int k = 0; k < 3; k++) {
        int ch = channels == 3 ? k : 0;
        gsize at =
            chw ? ((gsize)ch * rows + src_y) * cols + x : ((gsize)src_y * cols + x) * channels + ch;
        float t = isfinite(v[at]) ? (v[at] - lo) / (hi - lo) : 0.0f;

        if (heat) {
          /* From Adwaita's dark blue to light yellow. */
          static const float from[3] = { 0x24 / 255.f, 0x1f / 255.f, 0x31 / 255.f };
          static const float mid[3] = { 0x35 / 255.f, 0x84 / 255.f, 0xe4 / 255.f };
          static const float to[3] = { 0xf9 / 255.f, 0xf0 / 255.f, 0x6b / 255.f };
          float c = t < 0.5f ? from[k] + (mid[k] - from[k]) * t * 2
                             : mid[k] + (to[k] - mid[k]) * (t - 0.5f) * 2;

          dst[k] = (guint8)(c * 255.0f + 0.5f);
        } else {
          dst[k] = (guint8)(t * 255.0f + 0.5f);
        }
      }
    }
  p = g_new0(QzSamplePicture, 1);
  p->width = cols;
  p->height = rows;
  p->stride = cols * 3;
  p->rgb = TRUE;
  p->pixels = g_bytes_new_take(rgb, (gsize)rows * cols * 3);
  return p;
}

QzDataPreview *qz_data_preview_load(const qe_yaml_doc *doc, const QzModelInfo *model, gsize index,
                                    int (*progress)(void *, double, const char *),
                                    void *progress_data, GError **error)
{
  g_autoptr(QzDataPreview) out = g_new0(QzDataPreview, 1);
  qe_ctx *ctx = qe_ctx_new();
  qe_config *cfg = NULL;
  qe_dataset *ds = NULL;
  qe_preview *pv = NULL;
  qe_sample_info info;
  gboolean ok = FALSE;
  char buf[128];

  if (progress != NULL)
    qe_ctx_set_progress(ctx, progress, progress_data);
  if (!open_examples(doc, model, &cfg, &ds, ctx))
    goto out;
  out->count = qe_dataset_count(ds);
  if (out->count == 0) {
    qe_error(ctx, QE_ERR_DATA, "no usable example");
    goto out;
  }
  out->index = index % out->count;
  out->kind = qe_dataset_kind(ds);
  if (qe_dataset_sample(ds, out->index, &info, ctx) != QE_OK ||
      qe_dataset_preview(ds, out->index, &pv, ctx) != QE_OK)
    goto out;
  out->path = g_strdup(info.path);
  if (info.label >= 0 && (size_t)info.label < qe_dataset_class_count(ds))
    out->class_name = g_strdup(qe_dataset_class_name(ds, (size_t)info.label));

  /* Before */
  if (pv->raw != NULL) {
    const qe_array *raw = pv->raw;

    if (out->kind == QE_DATA_IMAGES)
      out->before = picture_from_u8(raw);
    else if (raw->dtype == QE_DT_F32)
      out->before = picture_from_values(raw->data,
                                        out->kind == QE_DATA_SERIES && raw->rank == 2
                                            ? (size_t)raw->dims[1]
                                            : (size_t)qe_array_count(raw),
                                        out->kind == QE_DATA_AUDIO);
  }
  /* After: what the model gets */
  if (pv->input != NULL && pv->input->dtype == QE_DT_F32) {
    const qe_array *in = pv->input;
    const float *v = in->data;
    gsize n = (gsize)qe_array_count(in);
    double sum = 0;

    out->min = INFINITY;
    out->max = -INFINITY;
    for (gsize i = 0; i < n; i++) {
      out->min = MIN(out->min, v[i]);
      out->max = MAX(out->max, v[i]);
      sum += v[i];
    }
    out->mean = n > 0 ? sum / n : 0;
    out->input_shape = g_strdup(qe_dims_to_string(in->dims, in->rank, buf, sizeof buf));
    if (out->kind == QE_DATA_IMAGES && in->rank == 3) {
      gboolean chw = in->dims[0] <= 4 && in->dims[2] > 4;
      int c = (int)(chw ? in->dims[0] : in->dims[2]);
      int rows = (int)(chw ? in->dims[1] : in->dims[0]);
      int cols = (int)(chw ? in->dims[2] : in->dims[1]);

      out->after = picture_from_f32(v, rows, cols, c == 3 ? 3 : 1, chw, FALSE);
    } else if (out->kind == QE_DATA_AUDIO && in->rank >= 2) {
      /* (n_mels, frames[, 1]) or (1, n_mels, frames) */
      int r = in->rank == 3 && in->dims[0] == 1 ? 1 : 0;

      out->after = picture_from_f32(v, (int)in->dims[r], (int)in->dims[r + 1], 1, FALSE, TRUE);
    } else {
      out->after = picture_from_values(v, n, FALSE);
    }
  }
  ok = TRUE;

out:
  if (!ok)
    qz_set_engine_error(error, ctx);
  qe_preview_free(pv);
  qe_dataset_free(ds);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
  return ok ? g_steal_pointer(&out) : NULL;
}
