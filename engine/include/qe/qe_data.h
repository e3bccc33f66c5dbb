/* qe_data.h - data sets, preprocessing and the streaming loader.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the data sets users of the STM32 model zoo and TI Tiny ML Tensorlab
 * already have, preprocesses them exactly as those tools do (documented
 * below, field by field) and streams model-ready samples in constant memory:
 *
 *   kind     on disk
 *   -------  ---------------------------------------------------------------
 *   images   class-per-folder trees (root/<class>/<file>, the flower_photos
 *            layout): JPEG, PNG, BMP
 *   audio    WAV files listed in an ESC-50 style CSV (filename, fold, target,
 *            category, ...) beside an audio folder, or class-per-folder WAVs
 *   series   a CSV of rows (one sample per row with a header, or the model
 *            zoo's arc-fault layout: one channel per row, no header, label in
 *            the last column), or class folders of one-sample CSV files
 *   tensors  .npz holding `x` (samples, batch axis first), `y` (integer
 *            labels) and optionally `classes` (names); or a lone .npy (`x`)
 *
 * Which samples calibrate (the model zoo's rule, see qe_calib_source):
 *
 *   quantization_path  training_path  quantization_split  calibration set
 *   -----------------  -------------  ------------------  ---------------------------------
 *   set                any            unset               all of the quantization set
 *   set                any            f in (0,1]          stratified fraction f of it
 *   unset              set            unset               the training samples (what is
 *                                                         left after test/validation splits)
 *   unset              set            f in (0,1]          stratified fraction f of those
 *   unset              unset          any                 random data: random_samples
 *                                                         tensors, uniform in [0,1) (as the
 *                                                         model zoo's "fake" data)
 *
 * The evaluation set is the test set when there is one (test_path or
 * test_split), else the validation set (validation_path or
 * validation_split), as the model zoo's chain_eqe does.
 *
 * Splits are stratified and seeded: within each class, in listing order
 * (files sorted by name, CSV rows in file order), the indices are shuffled
 * with a xoshiro256** generator seeded from `seed` by splitmix64, and the
 * first round(f * n_class) go to the split (at least one when f > 0 and the
 * class has two samples or more). The test split is drawn first from the
 * training pool, then the validation split from what is left, then the
 * calibration fraction from its source. The selected samples are not the
 * ones scikit-learn's train_test_split would pick (a different generator),
 * but the class proportions are the same.
 */
#ifndef QE_DATA_H
#define QE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_json.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- enumerations (each has a name table: qe_data_enum_name/parse) ----- */

/* preprocessing.resizing.interpolation: tf.image.resize methods. */
typedef enum qe_interp {
  QE_INTERP_BILINEAR = 0,  /* "bilinear" */
  QE_INTERP_NEAREST,       /* "nearest" */
  QE_INTERP_BICUBIC,       /* "bicubic" (Keys, a = -0.5) */
  QE_INTERP_AREA,          /* "area" */
  QE_INTERP_LANCZOS3,      /* "lanczos3" */
  QE_INTERP_LANCZOS5,      /* "lanczos5" */
  QE_INTERP_GAUSSIAN,      /* "gaussian" (radius 1.5, sigma 0.5) */
  QE_INTERP_MITCHELLCUBIC, /* "mitchellcubic" (B = C = 1/3) */
  QE_INTERP_COUNT
} qe_interp;

/* preprocessing.resizing.aspect_ratio */
typedef enum qe_aspect {
  QE_ASPECT_FIT = 0, /* "fit": stretch to the target size */
  QE_ASPECT_CROP,    /* "crop": Keras crop_to_aspect_ratio (smart_resize) */
  QE_ASPECT_COUNT
} qe_aspect;

/* preprocessing.color_mode */
typedef enum qe_color_mode {
  QE_COLOR_AUTO = 0,  /* "auto": from the model input's channel count (1, 3, 4) */
  QE_COLOR_GRAYSCALE, /* "grayscale" */
  QE_COLOR_RGB,       /* "rgb" */
  QE_COLOR_RGBA,      /* "rgba" */
  QE_COLOR_COUNT
} qe_color_mode;

/* Memory layout of the model input (not a model-zoo key: the model says). */
typedef enum qe_layout {
  QE_LAYOUT_NHWC = 0, /* "nhwc" (TFLite, Keras) */
  QE_LAYOUT_NCHW,     /* "nchw" (ONNX from PyTorch) */
  QE_LAYOUT_COUNT
} qe_layout;

/* feature_extraction.window: scipy.signal.get_window(name, N, fftbins=True),
 * i.e. periodic windows, w[n] for n = 0..N-1:
 *   hann      0.5 - 0.5 cos(2 pi n / N)
 *   hamming   0.54 - 0.46 cos(2 pi n / N)
 *   blackman  0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)
 *   boxcar    1 ("ones", "rectangular" are accepted too) */
typedef enum qe_window {
  QE_WINDOW_HANN = 0,
  QE_WINDOW_HAMMING,
  QE_WINDOW_BLACKMAN,
  QE_WINDOW_BOXCAR,
  QE_WINDOW_COUNT
} qe_window;

/* feature_extraction.pad_mode: numpy.pad modes used when center is true. */
typedef enum qe_pad_mode {
  QE_PAD_CONSTANT = 0, /* "constant" (zeros) */
  QE_PAD_REFLECT,      /* "reflect" (d c b | a b c d | c b a) */
  QE_PAD_EDGE,         /* "edge" */
  QE_PAD_SYMMETRIC,    /* "symmetric" (b a | a b c d | d c) */
  QE_PAD_WRAP,         /* "wrap" */
  QE_PAD_COUNT
} qe_pad_mode;

/* feature_extraction.norm: mel filter normalization. */
typedef enum qe_mel_norm {
  QE_MEL_NORM_SLANEY = 0, /* "slaney": each triangle scaled by 2 / (f[i+2] - f[i]) */
  QE_MEL_NORM_NONE,       /* "none" / "None" / null: peak 1 triangles */
  QE_MEL_NORM_COUNT
} qe_mel_norm;

/* Reference of power_to_db / amplitude_to_db (feature_extraction.db_ref). */
typedef enum qe_db_ref {
  QE_DB_REF_MAX = 0, /* "max": the clip's maximum (np.max, the model zoo's default) */
  QE_DB_REF_FIXED,   /* "fixed": db_ref_value (e.g. 1.0, librosa's default) */
  QE_DB_REF_COUNT
} qe_db_ref;

/* preprocessing.lengthen: when a too-short clip is repeated to min_length. */
typedef enum qe_lengthen {
  QE_LENGTHEN_AFTER = 0, /* "after" silence removal (the model zoo's default) */
  QE_LENGTHEN_BEFORE,    /* "before" silence removal */
  QE_LENGTHEN_NONE,      /* "none": never repeat (short clips may give no patch) */
  QE_LENGTHEN_COUNT
} qe_lengthen;

/* preprocessing.normalization for time series. */
typedef enum qe_series_norm {
  QE_SERIES_NORM_NONE = 0, /* false */
  QE_SERIES_NORM_DATASET,  /* true (model zoo): (x - mean) / (std + 1e-8) with mean/std
                            * fitted on the training samples: one scalar pair in the time
                            * domain, one pair per frequency bin in the frequency domain;
                            * population std (ddof 0), statistics over every channel row */
  QE_SERIES_NORM_SAMPLE,   /* "per_sample": z-score of each channel of each sample on its
                            * own, (x - mean) / (std + norm_epsilon), std with ddof 0 */
  QE_SERIES_NORM_COUNT
} qe_series_norm;

/* How a series CSV maps rows to samples. */
typedef enum qe_series_layout {
  QE_SERIES_AUTO = 0,        /* "auto": a header row means ROW_PER_SAMPLE, none ROW_PER_CHANNEL */
  QE_SERIES_ROW_PER_SAMPLE,  /* "row_per_sample": label column + C*L values, channel-major */
  QE_SERIES_ROW_PER_CHANNEL, /* "row_per_channel": model zoo arc-fault CSV: L values and the
                              * integer label last; C consecutive rows form one sample */
  QE_SERIES_LAYOUT_COUNT
} qe_series_layout;

/* time series downsampling method (when preprocessing.downsampling is true). */
typedef enum qe_downsample {
  QE_DOWNSAMPLE_DECIMATE = 0, /* "decimate": keep x[k*i], k = floor(L / target) */
  QE_DOWNSAMPLE_MEAN,         /* "mean": mean of each block of k samples */
  QE_DOWNSAMPLE_COUNT
} qe_downsample;

typedef enum qe_data_enum {
  QE_ENUM_INTERP,
  QE_ENUM_ASPECT,
  QE_ENUM_COLOR_MODE,
  QE_ENUM_LAYOUT,
  QE_ENUM_WINDOW,
  QE_ENUM_PAD_MODE,
  QE_ENUM_MEL_NORM,
  QE_ENUM_DB_REF,
  QE_ENUM_LENGTHEN,
  QE_ENUM_SERIES_NORM,
  QE_ENUM_SERIES_LAYOUT,
  QE_ENUM_DOWNSAMPLE,
  QE_ENUM_COUNT
} qe_data_enum;

/* The canonical name of @value of enumeration @e ("" when out of range). */
const char *qe_data_enum_name(qe_data_enum e, int value);
/* Parse a name (case-insensitive; YAML spellings such as "None", "True",
 * "False" accepted where they mean something) into *value. QE_ERR_INVALID
 * with a message listing the accepted names otherwise. */
qe_status qe_data_enum_parse(qe_data_enum e, const char *name, int *value, qe_ctx *ctx);

/* Parse a number written as YAML users of the model zoo write it: "0.5",
 * "-1", "1/127.5", "1./255", "1/255.0", "2e-3", "-1/3" (one optional
 * division, optional sign, no other operators). QE_ERR_PARSE otherwise. */
qe_status qe_data_parse_number(const char *text, double *out, qe_ctx *ctx);

/* ---- options --------------------------------------------------------- */

/* Every key of the model zoo's dataset / preprocessing / feature_extraction
 * sections, plus the model's input shape. Strings and arrays are borrowed:
 * they must stay valid during the call they are passed to (a dataset copies
 * what it keeps). A double set to a negative value means "unset" where so
 * documented. qe_data_options_init() fills the defaults given here. */
typedef struct qe_data_options {
  /* -- dataset section ------------------------------------------------- */
  const char *name;               /* dataset.name / dataset.dataset_name (free text) */
  const char *const *class_names; /* dataset.class_names; NULL = infer from the data */
  size_t n_class_names;
  /* When labels are names (class folders, ESC-50 categories, text labels)
   * dataset.class_names are sorted (byte order, as Python's sorted()) before
   * indices are given, as the model zoo's image and audio loaders do.
   * Integer labels (series CSV, .npz y) are the model's output indices:
   * class_names then stay in the listed order, label k = class_names[k].
   * Default true. */
  bool sort_class_names;
  /* Paths. For audio the model zoo splits each into *_audio_path (a folder)
   * and *_csv_path (the ESC-50 CSV): map training_audio_path onto
   * training_path and training_csv_path onto training_csv_path, and so on.
   * For images and series a single path each. NULL = unset. */
  const char *training_path;     /* dataset.training_path | training_audio_path */
  const char *training_csv_path; /* dataset.training_csv_path */
  const char *validation_path;   /* dataset.validation_path | validation_audio_path */
  const char *validation_csv_path;
  const char *quantization_path; /* dataset.quantization_path | quantization_audio_path */
  const char *quantization_csv_path;
  const char *test_path; /* dataset.test_path | test_audio_path */
  const char *test_csv_path;
  double validation_split;    /* dataset.validation_split; default 0.2 (model zoo); <0 unset */
  double quantization_split;  /* dataset.quantization_split; default unset (-1) */
  double test_split;          /* dataset.test_split; default unset (-1) */
  uint64_t seed;              /* dataset.seed; default 123 (model zoo) */
  bool to_cache;              /* dataset.to_cache; default false: keep loaded samples in
                               * memory for the next pass while they fit cache_limit */
  const char *file_extension; /* dataset.file_extension, added to ESC-50 file names that
                               * lack it; default ".wav" */

  /* -- model input ------------------------------------------------------ */
  /* model.input_shape or the model file's input: with or without the batch
   * axis (a leading 1, 0 or -1 on a rank-4 image shape, or on a shape one
   * rank longer than the kind needs, is dropped). rank 0 = unknown: images
   * keep their decoded size, series and audio follow the options. Meaning:
   *   images   NHWC (H, W, C) / NCHW (C, H, W)
   *   audio    (n_mels, patch_length[, 1]) / NCHW (1, n_mels, patch_length)
   *   series   (channels, seq_len[, 1]) / NCHW (1, channels, seq_len); (seq_len).
   *            Rank 3 is read by which end is 1, whatever the layout: (C, L, 1)
   *            and (1, C, L) -- NCHW, or (N, C, L) with the batch axis kept --
   *            are both C channels of L values
   *   tensors  any shape with the element count of one sample of x */
  int input_rank;
  int64_t input_shape[QE_MAX_RANK];
  qe_layout layout; /* default NHWC */

  /* -- images: preprocessing -------------------------------------------- */
  double rescale_scale;     /* preprocessing.rescaling.scale; default 1/255 */
  double rescale_offset;    /* preprocessing.rescaling.offset; default 0.
                             * value = pixel * scale + offset (Keras Rescaling), after resizing */
  qe_interp interpolation;  /* preprocessing.resizing.interpolation; default bilinear */
  qe_aspect aspect_ratio;   /* preprocessing.resizing.aspect_ratio; default fit */
  bool antialias;           /* tf.image.resize antialias; default false */
  qe_color_mode color_mode; /* preprocessing.color_mode; default auto (rgb for 3 channels) */
  /* JPEG only: let libjpeg-turbo scale by M/8 in the DCT domain when the
   * target is much smaller: the largest reduction that keeps at least four
   * times the target size (after the crop) in both axes, so only large
   * photos are reduced. Faster, but then not bit-identical to decoding in
   * full and resizing (about one level of 255 on average). Default true. */
  bool jpeg_dct_scaling;

  /* -- time series: preprocessing --------------------------------------- */
  /* preprocessing.downsampling: false keeps the first target samples of
   * each channel (error when fewer); true reduces each channel of L values
   * to the target length T (seq_len in the time domain, 2*seq_len in the
   * frequency domain) by downsample_method with k = floor(L / T). */
  bool downsampling;
  qe_downsample downsample_method; /* default decimate */
  qe_series_norm normalization;    /* preprocessing.normalization; default none */
  double norm_epsilon;             /* per_sample z-score epsilon; default 1e-8 */
  /* preprocessing.time_domain: true feeds the (downsampled) values; false
   * feeds |rfft(x)| of T = 2*seq_len values, bins 0..seq_len-1 (no scaling,
   * numpy.fft.rfft's unnormalized sum). Default true. */
  bool time_domain;
  qe_series_layout series_layout; /* default auto */
  /* Label column of a series CSV with a header: its name. NULL: the column
   * named label, class, target, category or y (case-insensitive), else the
   * first column. Files without a header: the last column. */
  const char *label_column;

  /* -- audio: temporal preprocessing (model zoo `preprocessing`) --------- */
  double min_length;     /* preprocessing.min_length, seconds; default 1 */
  double max_length;     /* preprocessing.max_length, seconds; default 10: only the first
                          * max_length seconds of the file are read (librosa duration=) */
  int target_rate;       /* preprocessing.target_rate, Hz; default 16000 (0 = keep the file's) */
  double top_db;         /* preprocessing.top_db: silence removal threshold, librosa.effects
                          * .split semantics; default 60; <= 0 disables silence removal */
  int frame_length;      /* preprocessing.frame_length (silence removal); default 2048 */
  int hop_length;        /* preprocessing.hop_length (silence removal); default 512 */
  bool trim_last_second; /* preprocessing.trim_last_second; default false */
  qe_lengthen lengthen;  /* preprocessing.lengthen; default after */

  /* -- audio: feature extraction (model zoo `feature_extraction`) -------- */
  int patch_length;        /* feature_extraction.patch_length, frames; default 96 */
  int n_mels;              /* feature_extraction.n_mels; default 64 */
  double overlap;          /* feature_extraction.overlap in [0,1); default 0.25 */
  int n_fft;               /* feature_extraction.n_fft; default 512 */
  int spec_hop_length;     /* feature_extraction.hop_length; default 160 */
  int window_length;       /* feature_extraction.window_length; default 400 (0 = n_fft) */
  qe_window window;        /* feature_extraction.window; default hann */
  bool center;             /* feature_extraction.center; default true */
  qe_pad_mode pad_mode;    /* feature_extraction.pad_mode; default constant */
  double power;            /* feature_extraction.power: 1 (magnitude) or 2 (power); default 2 */
  double fmin;             /* feature_extraction.fmin, Hz; default 20 */
  double fmax;             /* feature_extraction.fmax, Hz; default 20000 (clamped to sr/2
                            * is NOT done: librosa keeps it; <0 = sr/2) */
  qe_mel_norm norm;        /* feature_extraction.norm; default slaney */
  bool htk;                /* feature_extraction.htk; default false (Slaney mel scale) */
  bool to_db;              /* feature_extraction.to_db; default true. false: ln(mel + 1e-4) */
  double fe_top_db;        /* feature_extraction.top_db: dB floor below the peak of the clip's
                            * spectrogram (librosa's top_db, 80); <0 = none */
  qe_db_ref db_ref;        /* feature_extraction.db_ref; default max */
  double db_ref_value;     /* feature_extraction.db_ref_value when db_ref is fixed; default 1 */
  bool include_last_patch; /* feature_extraction.include_last_patch; default false */

  /* -- loader ----------------------------------------------------------- */
  int threads;           /* worker threads; 0 = number of online CPUs (at most 8) */
  size_t queue_depth;    /* samples decoded ahead; 0 = 4 per thread */
  uint64_t cache_limit;  /* bytes kept when to_cache; default 1 GiB */
  size_t random_samples; /* random calibration tensors when there is no data; default 5 */
} qe_data_options;

/* Fill @o with the defaults documented above. */
void qe_data_options_init(qe_data_options *o);
/* Check ranges and combinations (split fractions, n_fft >= window_length,
 * power 1 or 2, ...). The message names the YAML key at fault. */
qe_status qe_data_options_validate(const qe_data_options *o, qe_ctx *ctx);

/* ---- data sets ------------------------------------------------------- */

typedef enum qe_data_kind {
  QE_DATA_AUTO = 0, /* detect from the path */
  QE_DATA_IMAGES,
  QE_DATA_AUDIO,
  QE_DATA_SERIES,
  QE_DATA_TENSORS,
  QE_DATA_KIND_COUNT
} qe_data_kind;
const char *qe_data_kind_name(qe_data_kind kind); /* "images", "audio", ... */

/* What a sample is for. A sample may be in several subsets at once (a
 * calibration fraction drawn from the training samples is still training). */
typedef enum qe_subset {
  QE_SUBSET_ALL = 0,     /* every usable sample */
  QE_SUBSET_TRAINING,    /* training_path minus the test and validation splits */
  QE_SUBSET_VALIDATION,  /* validation_path or the validation split */
  QE_SUBSET_TEST,        /* test_path or the test split */
  QE_SUBSET_CALIBRATION, /* see the table at the top */
  QE_SUBSET_EVALUATION,  /* test if any, else validation */
  QE_SUBSET_COUNT
} qe_subset;
const char *qe_subset_name(qe_subset s);

/* Where the calibration samples come from (the table at the top). */
typedef enum qe_calib_source {
  QE_CALIB_QUANTIZATION_SET = 0,
  QE_CALIB_QUANTIZATION_SPLIT,
  QE_CALIB_TRAINING_SET,
  QE_CALIB_TRAINING_SPLIT,
  QE_CALIB_RANDOM,
  QE_CALIB_SOURCE_COUNT
} qe_calib_source;
/* A sentence such as "all 120 samples of the quantization set". */
const char *qe_calib_source_name(qe_calib_source s);

typedef struct qe_dataset qe_dataset;

/* Open the one data set at @path (a folder, a CSV, a WAV folder with its
 * CSV, an .npz/.npy); @kind QE_DATA_AUTO detects it. Every sample goes to
 * the training pool, so splits apply as for training_path (pass @o with
 * validation_split = -1 to keep all of it). Files that cannot be used are
 * skipped and listed (qe_dataset_skipped_*); QE_ERR_DATA when nothing
 * usable is left. @o may be NULL (defaults). */
qe_status qe_dataset_open(const char *path, qe_data_kind kind, const qe_data_options *o,
                          qe_dataset **out, qe_ctx *ctx);
/* Open the sets named by @o's training/validation/quantization/test paths
 * (a model-zoo dataset section) as one data set with subsets. */
qe_status qe_dataset_open_config(const qe_data_options *o, qe_data_kind kind, qe_dataset **out,
                                 qe_ctx *ctx);
void qe_dataset_free(qe_dataset *ds);

qe_data_kind qe_dataset_kind(const qe_dataset *ds);
/* The options in force (copied at open, strings included). */
const qe_data_options *qe_dataset_options(const qe_dataset *ds);

size_t qe_dataset_class_count(const qe_dataset *ds);
const char *qe_dataset_class_name(const qe_dataset *ds, size_t index);

/* Usable samples: files (images, audio clips), CSV samples or .npz rows. */
size_t qe_dataset_count(const qe_dataset *ds);
typedef struct qe_sample_info {
  const char *path; /* file (UTF-8; undecodable bytes shown as \xNN) */
  size_t row;       /* CSV data row (1-based, counting lines) or .npz index; 0 = n/a */
  int32_t label;    /* class index, -1 when unlabeled */
  uint32_t subsets; /* bit (1u << qe_subset) for each subset holding it */
} qe_sample_info;
qe_status qe_dataset_sample(const qe_dataset *ds, size_t index, qe_sample_info *out, qe_ctx *ctx);
/* Indices of the samples of @subset (in listing order), valid while @ds
 * lives. For QE_SUBSET_CALIBRATION with a random source, *n is 0. */
const size_t *qe_dataset_subset(const qe_dataset *ds, qe_subset subset, size_t *n);
qe_calib_source qe_dataset_calibration_source(const qe_dataset *ds);

/* Files and rows left out, with the reason ("not an image: ...",
 * "truncated JPEG", "row 12: 513 values, expected 1025", "label 'x' is not
 * in class_names", ...). Decoding failures found later by a loader or by
 * qe_data_diagnose() are added here too (thread-safe). */
size_t qe_dataset_skipped_count(const qe_dataset *ds);
const char *qe_dataset_skipped_path(const qe_dataset *ds, size_t index);
const char *qe_dataset_skipped_reason(const qe_dataset *ds, size_t index);

/* The shape of one model input (no batch axis) as the loader will produce
 * it; rank 0 when it varies (images without an input shape). */
int qe_dataset_item_shape(const qe_dataset *ds, int64_t dims[QE_MAX_RANK]);

/* Preprocessed time series statistics fitted for QE_SERIES_NORM_DATASET are
 * computed at open from the training samples (or, without any, from all
 * samples, with a warning on @ctx). */

/* ---- streaming loader -------------------------------------------------- */

/* Worker threads decode and preprocess samples into a bounded queue;
 * qe_loader_next() hands them out in subset order whatever the thread
 * count, so results are deterministic. Memory stays bounded by
 * queue_depth samples (plus the cache when to_cache is set). An audio
 * clip yields one item per patch. A sample that fails to decode is
 * skipped and added to the dataset's skipped list. */
typedef struct qe_loader qe_loader;

typedef struct qe_data_item {
  const float *data; /* the model input, item_shape elements; valid until the next call */
  size_t count;      /* elements */
  int rank;
  int64_t dims[QE_MAX_RANK];
  int32_t label;                 /* class index or -1 */
  const int32_t *channel_labels; /* row_per_channel series: one label per channel */
  size_t n_channel_labels;
  size_t sample; /* dataset sample index (SIZE_MAX for random data) */
  size_t patch;  /* patch number within an audio clip, else 0 */
} qe_data_item;

/* @threads 0 = the options' value. @ctx receives progress ("loading data")
 * from qe_loader_next and may cancel. */
qe_status qe_loader_new(qe_dataset *ds, qe_subset subset, int threads, qe_loader **out,
                        qe_ctx *ctx);
/* The next item, or *done = true at the end. QE_ERR_CANCELLED when the
 * progress callback asked to stop. */
qe_status qe_loader_next(qe_loader *l, qe_data_item *item, bool *done, qe_ctx *ctx);
/* Samples handed out so far / in the subset (audio: clips, not patches). */
size_t qe_loader_samples_done(const qe_loader *l);
size_t qe_loader_samples_total(const qe_loader *l);
void qe_loader_free(qe_loader *l);

/* ---- preview (GUI Data page, thumbnails) --------------------------------- */

typedef struct qe_preview {
  qe_data_kind kind;
  /* Raw: images U8 [H, W, C] as decoded in the color mode (C 1, 3 or 4);
   * audio F32 [n] mono at raw_rate Hz (after max_length); series F32
   * [channels, L] as read; tensors F32 shaped like one sample of x. */
  qe_array *raw;
  int raw_rate;
  /* Audio only: the whole log-mel spectrogram F32 [n_mels, frames]. */
  qe_array *features;
  /* The first model input, F32 shaped like qe_dataset_item_shape(). */
  qe_array *input;
  size_t n_inputs; /* audio: patches of the clip; else 1 */
  int32_t label;
} qe_preview;

qe_status qe_dataset_preview(qe_dataset *ds, size_t index, qe_preview **out, qe_ctx *ctx);
void qe_preview_free(qe_preview *p);

/* Decode an image file for display, at most @max_side pixels on its longer
 * side (DCT scaling for JPEG, then area resampling), U8 [H, W, 3] RGB. */
qe_status qe_image_thumbnail(const char *path, int max_side, qe_array **out, qe_ctx *ctx);

/* ---- diagnostics --------------------------------------------------------- */

typedef enum qe_diag_level { QE_DIAG_INFO = 0, QE_DIAG_WARNING, QE_DIAG_ERROR } qe_diag_level;

typedef struct qe_diag_message {
  qe_diag_level level;
  const char *code; /* stable id: "imbalance", "empty-class", "calibration-small", ... */
  const char *text; /* one English sentence */
} qe_diag_message;

typedef struct qe_diag_class {
  const char *name;
  size_t count; /* usable samples */
  size_t per_subset[QE_SUBSET_COUNT];
} qe_diag_class;

#define QE_DIAG_BINS 64
typedef struct qe_diag_histogram {
  double min, max, mean, std; /* over every preprocessed value seen (std: population) */
  /* QE_DIAG_BINS equal bins over [bin_lo, bin_lo + QE_DIAG_BINS * bin_width): a range
   * holding every finite value (it doubles exactly, merging bins, as values arrive) */
  double bin_lo, bin_width;
  uint64_t bins[QE_DIAG_BINS];
  uint64_t count;
  uint64_t non_finite;
} qe_diag_histogram;

typedef struct qe_data_report qe_data_report;

typedef struct qe_diag_options {
  /* Decode at most this many samples (spread evenly) for the value
   * histograms and content hashes; 0 = all. */
  size_t max_decode;
  int threads; /* 0 = the data set's option */
} qe_diag_options;

/* Count, check and decode the data set: samples per class and subset,
 * imbalance, size guidance from the model zoo and TFLite-Micro guides,
 * duplicate contents (file bytes, or CSV/.npz values) inside the data set
 * and between calibration and evaluation (leakage), value histograms of the
 * preprocessed inputs, unreadable files. Progress "checking data". */
qe_status qe_data_diagnose(qe_dataset *ds, const qe_diag_options *opt, qe_data_report **out,
                           qe_ctx *ctx);
void qe_data_report_free(qe_data_report *r);

/* Samples that are usable after decoding (listed ones minus decode failures). */
size_t qe_data_report_usable(const qe_data_report *r);
size_t qe_data_report_class_count(const qe_data_report *r);
const qe_diag_class *qe_data_report_class(const qe_data_report *r, size_t index);
/* Largest class count / smallest (infinite when a class is empty). */
double qe_data_report_imbalance(const qe_data_report *r);
size_t qe_data_report_message_count(const qe_data_report *r);
const qe_diag_message *qe_data_report_message(const qe_data_report *r, size_t index);
const qe_diag_histogram *qe_data_report_histogram(const qe_data_report *r);
/* Pairs of samples with identical content: within the data set, and the
 * subset of them where one is in calibration and the other in evaluation. */
size_t qe_data_report_duplicate_count(const qe_data_report *r);
size_t qe_data_report_leak_count(const qe_data_report *r);
/* The i-th duplicate pair (sample indices); *leak true for a leak. */
bool qe_data_report_duplicate(const qe_data_report *r, size_t i, size_t *a, size_t *b, bool *leak);
/* Write the whole report as one JSON object (the `qz data --json` form). */
void qe_data_report_to_json(const qe_data_report *r, const qe_dataset *ds, qe_json *j);

#ifdef __cplusplus
}
#endif
#endif /* QE_DATA_H */
