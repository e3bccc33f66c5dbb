/* qz-data-summary.h - what the Data page shows about a data set.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qe/qe_yaml.h"
#include "qz-model-info.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  gsize count;       /* usable samples */
  gsize calibration; /* of them, used to tune (calibrate) */
  gsize evaluation;  /* of them, used to measure */
} QzClassCount;

typedef struct {
  int level;  /* qe_diag_level: 0 info, 1 warning, 2 error */
  char *code; /* the engine's stable id: "imbalance", "leakage", ... */
  char *text; /* the engine's English sentence */
} QzDataMessage;

typedef struct {
  char *path;
  char *reason;
} QzSkippedFile;

/* A picture of one sample: a thumbnail of an image, or a drawing of a
 * sound's waveform or of a series, as premultiplied BGRA (cairo's ARGB32 on
 * little-endian machines, GDK_MEMORY_DEFAULT) or RGB8. */
typedef struct {
  char *class_name;
  char *path;
  GBytes *pixels;
  int width, height, stride;
  gboolean rgb; /* TRUE: 3 bytes a pixel, RGB; FALSE: cairo ARGB32 */
} QzSamplePicture;

typedef struct _QzDataSummary QzDataSummary;

struct _QzDataSummary {
  /*< private >*/
  gatomicrefcount ref;

  /*< public, read-only >*/
  int kind; /* qe_data_kind */
  gsize total, calibration, evaluation;
  gboolean calibration_random; /* no examples: random data calibrates */
  char *calibration_source;    /* the engine's sentence */
  char *item_shape;            /* "[1, 28, 28]" as the model gets it */
  GPtrArray *classes;          /* QzClassCount */
  GPtrArray *messages;         /* QzDataMessage */
  GPtrArray *skipped;          /* QzSkippedFile */
  GPtrArray *pictures;         /* QzSamplePicture, one per class (at most 12) */
  gboolean have_values;
  double min, max, mean, std; /* of the preprocessed values decoded */
};

#define QZ_TYPE_DATA_SUMMARY (qz_data_summary_get_type())
GType qz_data_summary_get_type(void);
QzDataSummary *qz_data_summary_ref(QzDataSummary *summary);
void qz_data_summary_unref(QzDataSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QzDataSummary, qz_data_summary_unref)

/* Open the data set the configuration @doc names (its dataset and
 * preprocessing sections; the model input from @model when the file does
 * not give model.input_shape), count it, check it with the engine's
 * diagnostics (decoding at most @max_decode samples, 0 = all) and draw a
 * picture of one sample per class. Runs in a worker thread; @progress
 * (a qe_progress_fn) reports and cancels. */
QzDataSummary *qz_data_summary_load(const qe_yaml_doc *doc, const QzModelInfo *model,
                                    gsize max_decode, int (*progress)(void *, double, const char *),
                                    void *progress_data, GError **error);

/* One example before and after preprocessing (Preprocessing page). */
typedef struct {
  int kind;                /* qe_data_kind */
  gsize index, count;      /* the example shown, of how many */
  char *class_name;        /* or NULL */
  char *path;              /* the file it came from */
  QzSamplePicture *before; /* as stored: the picture, the sound, the series */
  QzSamplePicture *after;  /* as the model gets it */
  char *input_shape;       /* "[1, 28, 28]" */
  double min, max, mean;
} QzDataPreview;

void qz_data_preview_free(QzDataPreview *preview);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QzDataPreview, qz_data_preview_free)

/* Open the data set @doc names and prepare example @index (modulo the
 * count) as a run would. Worker thread. */
QzDataPreview *qz_data_preview_load(const qe_yaml_doc *doc, const QzModelInfo *model, gsize index,
                                    int (*progress)(void *, double, const char *),
                                    void *progress_data, GError **error);

G_END_DECLS
