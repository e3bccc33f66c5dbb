/* qe_c28x_int8.h - int8 tensors on the TI C28x, where a char is 16 bits.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pre-included into every C file of the exported Code Composer Studio
 * project (--preinclude). The C28x addresses memory in 16-bit words:
 * CHAR_BIT is 16 and <stdint.h> has no int8_t or uint8_t. Quantizer's
 * kernels, generated model and runner are written for int8 *values*, so
 * here each int8 value is stored in one 16-bit word:
 *
 *   int8_t  -> int_least8_t  (16 bits, holds -128..127)
 *   uint8_t -> uint_least8_t (16 bits, holds 0..255)
 *
 * Why the results stay exact (checked in the kernel sources):
 *  - every store into an int8 tensor is clamped to -128..127 first
 *    (qe_k_clamp, act_min/act_max), so no value needs the 8-bit wrap;
 *  - where the sources rely on an 8-bit wrap they mask it explicitly
 *    (packed 4-bit weights: (b >> 4) & 0x0f; the LUT index: & 0xFF; the
 *    runner's wire bytes: & 0xFF both ways);
 *  - byte counts given to memcpy/memmove/memset are counts of chars, and
 *    an int8 element is one char here as on any 8-bit-char machine
 *    (element size 1); the one sizeof-based count (the conv kernel's
 *    int16 scratch column) is sizeof(int16_t) chars on both;
 *  - constants of 2^15 and more are INT32_C(1) << n (int is 16 bits on
 *    the C28x); tests/boards compiles the kernels for a 16-bit-int target
 *    (clang --target=msp430) with every shift/overflow warning an error.
 * Models whose data-movement ops (PAD, TRANSPOSE, CONCATENATION,
 * RESIZE_NEAREST_NEIGHBOR, RESHAPE copies) move anything but 8-bit
 * elements are refused by the export: their element sizes are counted in
 * 8-bit bytes.
 *
 * QE_EMULATE_C28X_INT8 builds the same storage on a PC (tests/boards):
 * int8_t and uint8_t become 16-bit types and memcpy/memmove count in
 * 16-bit units, as they do on the C28x. CHAR_BIT itself cannot be
 * emulated; sizeof-based counts other than the one above would show up
 * as mismatches there.
 */
#ifndef QE_C28X_INT8_H
#define QE_C28X_INT8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qr_build.h"

#if defined(__TMS320C28XX__)
#ifndef INT8_MAX
typedef int_least8_t int8_t;
typedef uint_least8_t uint8_t;
#define INT8_MIN  (-128)
#define INT8_MAX  127
#define UINT8_MAX 255
#endif
#elif defined(QE_EMULATE_C28X_INT8)
typedef int16_t qe_c28x_s8;
typedef uint16_t qe_c28x_u8;
#define int8_t           qe_c28x_s8
#define uint8_t          qe_c28x_u8
static inline void *qe_c28x_memcpy(void *d, const void *s, size_t n)
{
  return memcpy(d, s, n * sizeof(int16_t));
}
static inline void *qe_c28x_memmove(void *d, const void *s, size_t n)
{
  return memmove(d, s, n * sizeof(int16_t));
}
#define memcpy(d, s, n)  qe_c28x_memcpy((d), (s), (n))
#define memmove(d, s, n) qe_c28x_memmove((d), (s), (n))
#else
#error "qe_c28x_int8.h is for the TI C28x (or QE_EMULATE_C28X_INT8 on a PC)"
#endif

#endif /* QE_C28X_INT8_H */
