/* qe_kernels_s8.h - the portable int8 kernels of the Quantizer engine.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These sources are compiled three ways: into the engine (host), into the C
 * module the code generator writes, and into the Cortex-M runner firmware.
 * So they are C99, include only <stdint.h>, <stddef.h>, <string.h> and
 * <limits.h>, never allocate, never call libm and never print. Scratch memory
 * comes from the caller, sized by the *_get_buffer_size() functions (as
 * CMSIS-NN does). Every multiplier, shift, lookup table and clamp is
 * computed once, on the host, at prepare time (engine/quant/qe_qmodel*.c):
 * the kernels only run loops.
 *
 * THE ROUNDING MODE. Requantization is TFLite's reference arithmetic, bit
 * for bit (qe_requant_s8.h):
 *   real_multiplier = M * 2^shift, M a Q0.31 int32 in [2^30, 2^31) (or 0),
 *   as QuantizeMultiplier() makes it from frexp() (the 1<<31 edge case
 *   folded into shift+1, shifts below -31 flushed to zero);
 *   y = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
 *           x * 2^max(shift,0), M), max(-shift,0))
 * i.e. "double rounding": the high 32 bits of the doubled 64-bit product
 * rounded half up (gemmlowp's nudge: ties toward +infinity), then the right
 * shift rounded half away from zero. This is the default of TFLite's
 * reference kernels, of TFLite Micro and of CMSIS-NN (their optional
 * *_SINGLE_ROUNDING builds are not followed). TFLite on a host runs
 * CONV_2D and FULLY_CONNECTED through ruy, whose x86 kernels round both
 * steps half up; qe_kquant.rounding = QE_K_ROUND_HALF_UP reproduces that
 * for bit-exact checks against TFLite (one LSB apart on rare ties).
 * Signed right shifts are arithmetic on every compiler the engine targets
 * (gcc, clang, arm-none-eabi-gcc), as TFLite also assumes.
 *
 * Lookup tables: LOGISTIC and TANH are a 256-entry int8 table and SOFTMAX
 * an exp table with a float sum, all computed on the host exactly as
 * TFLite's kernels compute them (TFLite Micro's fixed-point softmax and
 * logistic are a different computation; the engine follows TFLite).
 *
 * Layouts: activations NHWC, conv filters OHWI, depthwise filters 1HW(C*M),
 * fully-connected weights [out][in] - TFLite's layouts.
 *
 * Sub-byte weights (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): with
 * QE_KW_8 every weight is one int8 (4-bit and 2-bit values simply stored in
 * int8 containers, as TFLite files hold them); QE_KW_4_PACKED packs two
 * signed 4-bit values per byte and QE_KW_2_PACKED four signed 2-bit values,
 * in the flat element order of the filter, lowest bits first (element 2k in
 * bits 0-3 of byte k). The result is the same as with unpacked values.
 */
#ifndef QE_KERNELS_S8_H
#define QE_KERNELS_S8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result of a kernel. */
typedef enum qe_kstatus {
  QE_K_OK = 0,       /* done */
  QE_K_ERR_ARG = 1,  /* a parameter is out of its documented range */
  QE_K_ERR_SIZE = 2, /* shapes do not fit together, or a bound that keeps
                        the accumulator from overflowing is exceeded */
} qe_kstatus;

/* A 4-D NHWC shape. */
typedef struct qe_kdims {
  int32_t n, h, w, c;
} qe_kdims;

/* Weight storage of conv / depthwise / fully-connected (see above). */
typedef enum qe_kweights {
  QE_KW_8 = 0,
  QE_KW_4_PACKED = 1,
  QE_KW_2_PACKED = 2,
} qe_kweights;

/* Rounding of conv / depthwise / fully-connected requantization.
 * QE_K_ROUND_DOUBLE is THE rounding mode (above). QE_K_ROUND_HALF_UP is
 * what TFLite's host CONV_2D and FULLY_CONNECTED get from ruy's x86
 * kernels: the same two steps, ties rounded toward +infinity
 * (qe_k_mbqm_half_up()); it differs by one LSB on rare ties and exists
 * only so that the engine can be checked against TFLite bit for bit. */
typedef enum qe_kround {
  QE_K_ROUND_DOUBLE = 0,
  QE_K_ROUND_HALF_UP = 1,
} qe_kround;

/* Per-channel (or per-tensor, count 1) requantization: real scale of output
 * channel i = multiplier[i] * 2^(shift[i] - 31). */
typedef struct qe_kquant {
  const int32_t *multiplier;
  const int32_t *shift;
  int32_t per_channel; /* 0: multiplier[0]/shift[0] for every channel */
  int32_t rounding;    /* a qe_kround */
} qe_kquant;

/* Largest number of products a conv / depthwise / fully-connected output
 * sums: |w| <= 128 and |x - zp| <= 255, so each product is at most 32640 <
 * 2^15 in magnitude and 65536 of them stay below 2^31 - 2^23. The bias is
 * then added with saturation, so the int32 accumulator never wraps. */
#define QE_K_MAX_ACCUM 65536

/* ---- convolution ---------------------------------------------------- */

typedef struct qe_kconv_params {
  int32_t input_offset;  /* -input zero point */
  int32_t output_offset; /* output zero point */
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w; /* top and left padding (TFLite's SAME puts any
                           odd pixel at the bottom/right) */
  int32_t dilation_h, dilation_w;
  int32_t depth_multiplier; /* depthwise only */
  int32_t act_min, act_max; /* fused RELU / RELU6 as a clamp */
  qe_kweights weights;
} qe_kconv_params;

/* Bytes of scratch qe_s8_conv() needs for a filter of @filter dims
 * (O, H, W, I): one int16 column of H*W*I input values. */
size_t qe_s8_conv_get_buffer_size(const qe_kdims *filter);
/* CONV_2D: out[n,y,x,o] = requant(bias[o] + sum w[o,ky,kx,i] * (in + offset)).
 * @bias may be NULL. @scratch holds qe_s8_conv_get_buffer_size() bytes,
 * aligned for int16_t. */
qe_kstatus qe_s8_conv(const qe_kconv_params *p, const qe_kquant *q, const qe_kdims *in_dims,
                      const int8_t *in, const qe_kdims *filter_dims, const int8_t *filter,
                      const int32_t *bias, const qe_kdims *out_dims, int8_t *out, void *scratch);

/* Always 0: the depthwise kernel needs no scratch (kept for the API). */
size_t qe_s8_depthwise_conv_get_buffer_size(const qe_kdims *filter);
/* DEPTHWISE_CONV_2D with depth multiplier p->depth_multiplier: output
 * channel c*M+m reads input channel c. Filter dims (1, H, W, C*M). */
qe_kstatus qe_s8_depthwise_conv(const qe_kconv_params *p, const qe_kquant *q,
                                const qe_kdims *in_dims, const int8_t *in,
                                const qe_kdims *filter_dims, const int8_t *filter,
                                const int32_t *bias, const qe_kdims *out_dims, int8_t *out);

/* ---- fully connected ------------------------------------------------- */

typedef struct qe_kfc_params {
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -weights zero point (0 for symmetric weights) */
  int32_t output_offset; /* output zero point */
  int32_t act_min, act_max;
  qe_kweights weights;
} qe_kfc_params;

/* FULLY_CONNECTED: @batches rows of @accum_depth inputs, weights
 * [out_depth][accum_depth], per-tensor or per-channel (q->per_channel). */
qe_kstatus qe_s8_fully_connected(const qe_kfc_params *p, const qe_kquant *q, int32_t batches,
                                 int32_t accum_depth, int32_t out_depth, const int8_t *in,
                                 const int8_t *filter, const int32_t *bias, int8_t *out);

/* ---- elementwise binary (TFLite's 4-D broadcast) ---------------------- */

typedef struct qe_kadd_params {
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t output_offset;
  int32_t left_shift; /* 20 for int8 */
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} qe_kadd_params;

/* ADD. Each input dim equals the output's or is 1 (broadcast). */
qe_kstatus qe_s8_add(const qe_kadd_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out);

typedef struct qe_kmul_params {
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} qe_kmul_params;

/* MUL, broadcasting as ADD does. */
qe_kstatus qe_s8_mul(const qe_kmul_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out);

/* ---- pooling and reduction ------------------------------------------- */

typedef struct qe_kpool_params {
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_h, pad_w;
  int32_t act_min, act_max;
} qe_kpool_params;

/* AVERAGE_POOL_2D: the mean of the window's pixels inside the image,
 * rounded half away from zero (padding is not counted). */
qe_kstatus qe_s8_avg_pool(const qe_kpool_params *p, const qe_kdims *in_dims, const int8_t *in,
                          const qe_kdims *out_dims, int8_t *out);
/* MAX_POOL_2D. */
qe_kstatus qe_s8_max_pool(const qe_kpool_params *p, const qe_kdims *in_dims, const int8_t *in,
                          const qe_kdims *out_dims, int8_t *out);

typedef struct qe_kmean_params {
  int32_t mode; /* a qe_kmean_mode, as TFLite picks its path */
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift; /* input_scale / output_scale (REQUANT) */
  float scale;               /* input_scale / output_scale in float (FLOAT) */
} qe_kmean_params;

/* MEAN over H and W of an NHWC tensor (global average pooling): output
 * (N, 1, 1, C) or (N, C). */
qe_kstatus qe_s8_mean_hw(const qe_kmean_params *p, const qe_kdims *in_dims, const int8_t *in,
                         int8_t *out);

/* ---- activations ------------------------------------------------------ */

/* Table lookup: out[i] = table[(uint8_t)in[i]]. LOGISTIC and TANH (and any
 * other int8 -> int8 function) run this way, with the 256-entry table
 * computed at prepare time exactly as TFLite's PopulateLookupTable does. */
qe_kstatus qe_s8_lut(const int8_t *table, size_t count, const int8_t *in, int8_t *out);

typedef struct qe_ksoftmax_params {
  /* table[255 - d] = exp(-input_scale * beta * d) for d = 0..255 (float
   * arithmetic, computed on the host as TFLite's
   * PopulateSoftmaxLookupTable). */
  const float *table;
  float output_scale;
  int32_t output_zero_point;
} qe_ksoftmax_params;

/* SOFTMAX over the last axis of @rows x @depth values, int8 -> int8.
 * This is TFLite's int8 kernel on hosts (the exp lookup table, a float sum
 * and round-half-away-from-zero of p / output_scale), so the engine is bit
 * for bit TFLite's; it needs single-precision float arithmetic on the
 * target, no libm. */
qe_kstatus qe_s8_softmax(const qe_ksoftmax_params *p, int32_t rows, int32_t depth, const int8_t *in,
                         int8_t *out);

typedef struct qe_khard_swish_params {
  int32_t input_zero_point, output_zero_point;
  int16_t reluish_multiplier_fixedpoint_int16;
  int32_t reluish_multiplier_exponent;
  int16_t output_multiplier_fixedpoint_int16;
  int32_t output_multiplier_exponent; /* <= 0 */
} qe_khard_swish_params;

/* HARD_SWISH, TFLite's 16-bit fixed-point reference. */
qe_kstatus qe_s8_hard_swish(const qe_khard_swish_params *p, size_t count, const int8_t *in,
                            int8_t *out);

/* ---- type conversion -------------------------------------------------- */

/* QUANTIZE float -> int8/uint8: clamp(round_half_away(x / scale) + zp),
 * the division in double precision as TFLite does.
 * @out_min/@out_max: -128/127 for int8, 0/255 for uint8; out is int8 or
 * uint8 storage of @count elements (@out_unsigned selects). */
qe_kstatus qe_k_quantize_f32(const float *in, size_t count, float scale, int32_t zero_point,
                             int32_t out_unsigned, void *out);
/* DEQUANTIZE int8/uint8 -> float: (float)((double)scale * (q - zp)) as
 * TFLite computes it in double precision (soft-double on Cortex-M). */
qe_kstatus qe_k_dequantize_f32(const void *in, int32_t in_unsigned, size_t count, float scale,
                               int32_t zero_point, float *out);

typedef struct qe_krequant_params {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift; /* input_scale / output_scale */
  int32_t in_unsigned, out_unsigned;
  int32_t act_min, act_max; /* the output type's range, or a RELU clamp */
} qe_krequant_params;

/* QUANTIZE int8/uint8 -> int8/uint8 (requantize), and standalone int8 RELU
 * / RELU6 (TFLite's ReluX: requantize, then clamp). */
qe_kstatus qe_k_requantize(const qe_krequant_params *p, size_t count, const void *in, void *out);

/* ---- data movement (any element size) -------------------------------- */

/* CONCATENATION along @axis of @n_inputs tensors of the same rank: @outer =
 * product of dims before the axis, @inner = product after; input i holds
 * outer * axis_dims[i] * inner elements. Quantized inputs must share the
 * output's scale and zero point (as TFLite requires). */
qe_kstatus qe_k_concat(size_t elem_size, int32_t n_inputs, const void *const *inputs,
                       const int32_t *axis_dims, int32_t outer, int32_t inner, void *out);

#define QE_K_MAX_RANK 6

typedef enum qe_kmean_mode {
  QE_K_MEAN_REQUANT = 0, /* keep_dims MEAN over H,W: integer rescale, then
                            the sum divided rounding half away from zero */
  QE_K_MEAN_SAME = 1,    /* same scale and zero point in and out: the raw
                            sum divided, truncating */
  QE_K_MEAN_FLOAT = 2,   /* otherwise (TFLite's QuantizedMeanOrSum): float
                            mean, scale and round */
} qe_kmean_mode;

/* TRANSPOSE: out dims[i] = in dims[perm[i]], rank <= QE_K_MAX_RANK. */
qe_kstatus qe_k_transpose(size_t elem_size, int32_t rank, const int32_t *in_dims,
                          const int32_t *perm, const void *in, void *out);

/* PAD with @pad_value (one element of @elem_size bytes; the zero point for
 * quantized tensors): before[i]/after[i] per dim, rank <= QE_K_MAX_RANK. */
qe_kstatus qe_k_pad(size_t elem_size, int32_t rank, const int32_t *in_dims, const int32_t *before,
                    const int32_t *after, const void *pad_value, const void *in, void *out);

/* RESIZE_NEAREST_NEIGHBOR of an NHWC tensor: output pixel (y, x) copies
 * input pixel (y_map[y], x_map[x]); the maps are made at prepare time. */
qe_kstatus qe_k_resize_nearest(size_t elem_size, const qe_kdims *in_dims, int32_t out_h,
                               int32_t out_w, const int32_t *y_map, const int32_t *x_map,
                               const void *in, void *out);

typedef struct qe_kresize_params {
  int32_t scale_10_h, scale_10_w; /* input / output size in Q10 (TFLite's rounding) */
  int32_t half_pixel_centers;
} qe_kresize_params;

/* RESIZE_BILINEAR int8, TFLite's integer reference: Q10 coordinates, the
 * four products summed in 64 bits and divided by 2^20 rounding half away
 * from zero. Input and output share scale and zero point. */
qe_kstatus qe_s8_resize_bilinear(const qe_kresize_params *p, const qe_kdims *in_dims, int32_t out_h,
                                 int32_t out_w, const int8_t *in, int8_t *out);

/* RESHAPE (and SQUEEZE, EXPAND_DIMS): a copy, in place when in == out. */
qe_kstatus qe_k_copy(size_t bytes, const void *in, void *out);

/* ---- transformer operators (SUB, SQUARED_DIFFERENCE, BATCH_MATMUL, MEAN
 * over any axes, GATHER); RSQRT and GELU run as qe_s8_lut() tables ----- */

/* SUB: a - b, broadcasting as ADD does, TFLite's reference integer Sub
 * (ADD's parameters with left_shift 20: both inputs rescaled by their
 * positive multipliers, then the difference rescaled). */
qe_kstatus qe_s8_sub(const qe_kadd_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out);

/* SQUARED_DIFFERENCE: (a - b)^2, TFLite's integer kernel: ADD's parameters
 * with left_shift 7, the rescaled difference squared in int32 (at most
 * 2^30), then rescaled by output_multiplier (< 1). Broadcasts as ADD. */
qe_kstatus qe_s8_squared_difference(const qe_kadd_params *p, const qe_kdims *in1_dims,
                                    const int8_t *in1, const qe_kdims *in2_dims, const int8_t *in2,
                                    const qe_kdims *out_dims, int8_t *out);

typedef struct qe_kbmm_params {
  int32_t lhs_offset, rhs_offset; /* -zero points */
  int32_t output_offset;
  int32_t multiplier, shift; /* lhs_scale * rhs_scale / output_scale */
  int32_t rounding;          /* a qe_kround (TFLite's host kernel is ruy's) */
  int32_t adj_x, adj_y;      /* transpose the last two dims of lhs / rhs */
  int32_t act_min, act_max;  /* -128, 127 (narrower for narrow activations) */
} qe_kbmm_params;

/* BATCH_MATMUL of two int8 tensors, TFLite's integer BatchMatMul: lhs
 * [b0, b1, M, K] (adj_x: [b0, b1, K, M]) times rhs [c0, c1, K, N] (adj_y:
 * [c0, c1, N, K]) into out [max(b0,c0), max(b1,c1), M, N]; the batch dims
 * broadcast (each pair equal, or one of them 1). Dims are given as 4
 * values (leading 1s for lower ranks). K <= QE_K_MAX_ACCUM / 2: products
 * of two offset int8 values stay below 2^16. */
qe_kstatus qe_s8_batch_matmul(const qe_kbmm_params *p, const int32_t *lhs_dims, const int8_t *lhs,
                              const int32_t *rhs_dims, const int8_t *rhs, int8_t *out);

/* MEAN over any set of axes (bit i of @axes_mask: axis i reduced) of a
 * tensor of rank <= QE_K_MAX_RANK, int8, in TFLite's two general paths:
 * QE_K_MEAN_SAME (the int32 sum divided by the count, truncating) and
 * QE_K_MEAN_FLOAT (QuantizedMeanOrSum: float mean, scale, round). The
 * output holds the kept axes in order. Sums stay exact: at most 2^23
 * values per output. */
qe_kstatus qe_s8_mean(const qe_kmean_params *p, int32_t rank, const int32_t *dims,
                      int32_t axes_mask, const int8_t *in, int8_t *out);

/* GATHER along one axis (any element size): the input seen as [outer,
 * axis_dim, inner], out[o][i][k] = in[o][indices[i]][k] for the
 * @n_indices indices (each in [0, axis_dim); checked). */
qe_kstatus qe_k_gather(size_t elem_size, int32_t outer, int32_t axis_dim, int32_t inner,
                       const int32_t *indices, int32_t n_indices, const void *in, void *out);

/* ---- float32 kernels (layers kept in float) ----------------------------
 * Portable float arithmetic in the order the engine's executor uses (and
 * TFLite's reference float kernels): no libm, no contraction (ISO C
 * modes). The square root is computed exactly rounded with integer
 * arithmetic, the same value as an IEEE sqrtf. Ops that need exp, erf or
 * tanh have no kernel here: the C export refuses them in float. */

typedef enum qe_kf32_op {
  QE_KF32_ADD = 0,
  QE_KF32_SUB = 1,
  QE_KF32_MUL = 2,
  QE_KF32_DIV = 3,
  QE_KF32_SQUARED_DIFFERENCE = 4,
} qe_kf32_op;

/* The IEEE square root of @x, correctly rounded (NaN for x < 0). */
float qe_k_sqrtf(float x);

/* out = clamp(a op b, act_min, act_max), 4-D broadcast as qe_s8_add(). */
qe_kstatus qe_f32_binary(int32_t op, float act_min, float act_max, const qe_kdims *in1_dims,
                         const float *in1, const qe_kdims *in2_dims, const float *in2,
                         const qe_kdims *out_dims, float *out);
/* out = clamp(in, lo, hi) (RELU, RELU6). */
qe_kstatus qe_f32_clamp(float lo, float hi, size_t count, const float *in, float *out);
/* SQRT (@reciprocal 0) or RSQRT (1 / sqrt, @reciprocal 1). */
qe_kstatus qe_f32_sqrt(int32_t reciprocal, size_t count, const float *in, float *out);
/* MEAN over the axes of @axes_mask: each sum in input order, then divided
 * by the count. */
qe_kstatus qe_f32_mean(int32_t rank, const int32_t *dims, int32_t axes_mask, const float *in,
                       float *out);
/* FULLY_CONNECTED: each sum in order of the input, then the bias, then the
 * clamp. @bias may be NULL. */
qe_kstatus qe_f32_fully_connected(int32_t batches, int32_t accum_depth, int32_t out_depth,
                                  float act_min, float act_max, const float *in,
                                  const float *weights, const float *bias, float *out);
/* BATCH_MATMUL as qe_s8_batch_matmul() (p: adj_x / adj_y only), each sum
 * in order of k. */
qe_kstatus qe_f32_batch_matmul(const qe_kbmm_params *p, const int32_t *lhs_dims, const float *lhs,
                               const int32_t *rhs_dims, const float *rhs, float *out);

#ifdef __cplusplus
}
#endif
#endif /* QE_KERNELS_S8_H */
