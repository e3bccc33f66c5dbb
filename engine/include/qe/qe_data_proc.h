/* qe_data_proc.h - the preprocessing building blocks of qe_data.h, one
 * function per step, with their exact semantics. The loader composes them;
 * tests compare each against an independent numpy implementation.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_DATA_PROC_H
#define QE_DATA_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_data.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- images --------------------------------------------------------------- */

/* Decode a JPEG, PNG or BMP (detected from its first bytes) into U8
 * [H, W, C] with C = 1 (grayscale), 3 (rgb) or 4 (rgba; QE_COLOR_AUTO keeps
 * the file's own: 1, 3 or 4). Conversions: gray = 0.299 R + 0.587 G +
 * 0.114 B (libjpeg's own fixed-point for JPEG, libpng's rgb_to_gray with
 * those weights for PNG, rounded for BMP); gray to rgb replicates; alpha is
 * 255 when the file has none and dropped for rgb/grayscale. 16-bit PNG
 * samples keep their high byte; palettes are expanded.
 * @min_w/@min_h > 0 let JPEG decoding scale by M/8 in the DCT domain so the
 * result is still at least that large (0 = full size). @name is used in
 * messages. */
qe_status qe_image_decode(const uint8_t *data, size_t len, const char *name, qe_color_mode mode,
                          int min_w, int min_h, qe_array **out, qe_ctx *ctx);
qe_status qe_image_decode_file(const char *path, qe_color_mode mode, int min_w, int min_h,
                               qe_array **out, qe_ctx *ctx);
/* The image size from the header only (cheap). */
qe_status qe_image_probe(const uint8_t *data, size_t len, const char *name, int *width, int *height,
                         int *channels, qe_ctx *ctx);

/* tf.image.resize(images, [oh, ow], method, antialias) on one float image
 * [h, w, c] (row-major, channels last) into @dst [oh, ow, c]:
 *  - bilinear (no antialias): ResizeBilinear with half_pixel_centers: source
 *    coordinate (x + 0.5) * in/out - 0.5, neighbours clamped to the edge.
 *  - nearest: ResizeNearestNeighbor with half_pixel_centers:
 *    src = min(floor((x + 0.5) * in/out), in - 1) (no -0.5, as TF does).
 *  - bicubic (no antialias): ResizeBicubic with half_pixel_centers: Keys
 *    cubic a = -0.5, the fractional offset rounded to 1/1024 (TF's weight
 *    table), taps outside the image get weight 0 and the rest are
 *    renormalized to sum 1.
 *  - area: ResizeArea: each output pixel is the average of the input pixels
 *    its box [x * in/out, (x + 1) * in/out) covers, weighted by overlap.
 *  - lanczos3, lanczos5, gaussian, mitchellcubic, and bilinear/bicubic with
 *    antialias: ScaleAndTranslate: sample at (x + 0.5) * in/out, kernel
 *    taps at source centres (i + 0.5), kernel widened by in/out when
 *    downscaling with antialias, weights renormalized, samples outside
 *    [0, in] produce 0.
 * Scales and coordinates are computed in single precision as TF does.
 * @scratch: NULL, or qe_image_resize_scratch_size() floats the caller
 * keeps across calls (avoids allocation per image). */
size_t qe_image_resize_scratch_size(int h, int w, int c, int oh, int ow);
qe_status qe_image_resize(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                          qe_interp method, bool antialias, float *scratch, qe_ctx *ctx);

/* Keras smart_resize's crop box for target (th, tw) in an (h, w) image:
 * crop_h = min(h, int(float(w * th) / tw)), crop_w = min(w, int(float(h *
 * tw) / th)), centred (offsets truncated). */
void qe_image_crop_box(int h, int w, int th, int tw, int *y0, int *x0, int *ch, int *cw);

/* ---- audio ------------------------------------------------------------------ */

/* Read a sound file (libsndfile: WAV and the rest it knows), mixed to mono
 * by averaging the channels, at most @max_seconds (<= 0: all) counted at the
 * file's rate, as F32 [n] in [-1, 1]. */
qe_status qe_audio_read(const char *path, double max_seconds, qe_array **out, int *rate,
                        qe_ctx *ctx);

/* Resample with libsoxr, "HQ" quality (the recipe librosa's default
 * res_type "soxr_hq" uses); output length ceil(n * to / from). Rates must be
 * in [1, 768000] and within a factor of 256 of each other. */
qe_status qe_audio_resample(const float *x, size_t n, int from, int to, qe_array **out,
                            qe_ctx *ctx);

/* librosa.effects.split(y, top_db, frame_length, hop_length) followed by
 * concatenating the non-silent intervals, in place. RMS per frame of the
 * zero-padded signal (center=True), dB = 20 log10(max(1e-5, rms)) relative
 * to the loudest frame, a frame is kept when dB > -top_db; frame i covers
 * samples [i*hop, min(n, (i+1)*hop)) when its run starts/ends there. */
qe_status qe_audio_trim_silence(float *y, size_t *n, double top_db, int frame_length,
                                int hop_length, qe_ctx *ctx);

/* The model zoo's load_and_reformat() after reading: optional lengthen
 * "before", silence removal, trim_last_second, lengthen "after" (repeat the
 * clip n // len + 1 times and cut to floor(min_length * rate)). Takes and
 * returns ownership of *y (may be reallocated). */
qe_status qe_audio_temporal(float **y, size_t *n, int rate, const qe_data_options *o, qe_ctx *ctx);

/* librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm) as F32
 * [n_mels, n_fft/2 + 1] into @out; fmax < 0 means sr / 2. */
qe_status qe_mel_filterbank(int sr, int n_fft, int n_mels, double fmin, double fmax, bool htk,
                            qe_mel_norm norm, float *out, qe_ctx *ctx);

/* The model zoo's compute_mel_spectrogram(): librosa.stft (window padded
 * to n_fft at the centre, frames of n_fft every spec_hop_length samples,
 * center padding n_fft/2 with pad_mode), |X|^power, mel filterbank, then
 * power_to_db (power 2) / amplitude_to_db (power 1) with the reference of
 * db_ref, amin 1e-10 (power) / 1e-5 (amplitude) and fe_top_db, or
 * ln(mel + 1e-4) when to_db is false. Output F32 [n_mels, frames]. */
typedef struct qe_mel_plan qe_mel_plan;
qe_status qe_mel_plan_new(int sr, const qe_data_options *o, qe_mel_plan **out, qe_ctx *ctx);
void qe_mel_plan_free(qe_mel_plan *p);
/* Frames for @n samples (0 when too short). */
size_t qe_mel_frames(const qe_mel_plan *p, size_t n);
qe_status qe_mel_spectrogram(qe_mel_plan *p, const float *y, size_t n, qe_array **out, qe_ctx *ctx);

/* 10 log10(max(amin, S)) - 10 log10(max(amin, ref)), then floored at the
 * result's maximum minus @top_db (skip when top_db < 0); in place. */
void qe_power_to_db(float *s, size_t n, double ref, double amin, double top_db);

/* The model zoo's get_patches(): with ov = floor(patch_length * overlap),
 * count = 1 + (frames - patch_length) // (patch_length - ov) when frames >=
 * patch_length, else 0; patch i starts at frame i * (patch_length - ov);
 * include_last_patch adds one more ending at the last frame. */
size_t qe_patch_count(size_t frames, int patch_length, double overlap, bool include_last);
size_t qe_patch_start(size_t frames, int patch_length, double overlap, bool include_last,
                      size_t index);

/* ---- time series ------------------------------------------------------------ */

/* Reduce @n values to @target by @method with k = floor(n / target) (error
 * when n < target). */
qe_status qe_series_downsample(const float *x, size_t n, size_t target, qe_downsample method,
                               float *out, qe_ctx *ctx);
/* |numpy.fft.rfft(x)| (length n), the first @bins values (bins <= n/2 + 1). */
typedef struct qe_rfft_plan qe_rfft_plan;
qe_status qe_rfft_plan_new(size_t n, qe_rfft_plan **out, qe_ctx *ctx);
void qe_rfft_plan_free(qe_rfft_plan *p);
qe_status qe_rfft_magnitude(qe_rfft_plan *p, const float *x, float *out, size_t bins, qe_ctx *ctx);
/* (x - mean) / (std + eps), population std, in place. */
void qe_series_zscore(float *x, size_t n, double eps);

#ifdef __cplusplus
}
#endif
#endif /* QE_DATA_PROC_H */
