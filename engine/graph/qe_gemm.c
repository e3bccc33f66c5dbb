/* qe_gemm.c - the reference float GEMM: blocked loops with contiguous
 * inner loops, the definition a SIMD path will be checked against.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe_graph_internal.h"

/* The inner loops are written to be vectorized; GCC only does that at -O3
 * (or with -ftree-vectorize), whatever the build type. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#define KB 128 /* rows of B kept hot in cache */
#define NB 512 /* columns of C/B processed per block */

/* C[i, j0:j1] += sum_k a(i,k) * B[k, j0:j1] for a block, 4 rows of C at a
 * time so each row of B is loaded once per 4 rows. */
static void kernel_nn(int64_t M, int64_t j0, int64_t j1, int64_t k0, int64_t k1, float alpha,
                      const float *A, int64_t lda, const float *B, int64_t ldb, float *C,
                      int64_t ldc)
{
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    float *restrict c0 = C + (i + 0) * ldc;
    float *restrict c1 = C + (i + 1) * ldc;
    float *restrict c2 = C + (i + 2) * ldc;
    float *restrict c3 = C + (i + 3) * ldc;
    for (int64_t k = k0; k < k1; k++) {
      const float a0 = alpha * A[(i + 0) * lda + k];
      const float a1 = alpha * A[(i + 1) * lda + k];
      const float a2 = alpha * A[(i + 2) * lda + k];
      const float a3 = alpha * A[(i + 3) * lda + k];
      const float *restrict b = B + k * ldb;
      for (int64_t j = j0; j < j1; j++) {
        const float bv = b[j];
        c0[j] += a0 * bv;
        c1[j] += a1 * bv;
        c2[j] += a2 * bv;
        c3[j] += a3 * bv;
      }
    }
  }
  for (; i < M; i++) {
    float *restrict c = C + i * ldc;
    for (int64_t k = k0; k < k1; k++) {
      const float a = alpha * A[i * lda + k];
      const float *restrict b = B + k * ldb;
      for (int64_t j = j0; j < j1; j++)
        c[j] += a * b[j];
    }
  }
}

void qe_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
              int64_t ldc)
{
  if (M <= 0 || N <= 0)
    return;
  for (int64_t i = 0; i < M; i++) {
    float *c = C + i * ldc;
    if (beta == 0.0f)
      memset(c, 0, (size_t)N * sizeof(float));
    else if (beta != 1.0f)
      for (int64_t j = 0; j < N; j++)
        c[j] *= beta;
  }
  if (K <= 0 || alpha == 0.0f)
    return;
  if (!trans_a && !trans_b) {
    for (int64_t j0 = 0; j0 < N; j0 += NB) {
      int64_t j1 = QE_MIN(N, j0 + NB);
      for (int64_t k0 = 0; k0 < K; k0 += KB)
        kernel_nn(M, j0, j1, k0, QE_MIN(K, k0 + KB), alpha, A, lda, B, ldb, C, ldc);
    }
  } else if (!trans_a && trans_b) {
    /* Rows of A and rows of B are both contiguous: dot products. */
    for (int64_t i = 0; i < M; i++) {
      const float *restrict a = A + i * lda;
      float *restrict c = C + i * ldc;
      for (int64_t j = 0; j < N; j++) {
        const float *restrict b = B + j * ldb;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t k = 0;
        for (; k + 4 <= K; k += 4) {
          s0 += a[k] * b[k];
          s1 += a[k + 1] * b[k + 1];
          s2 += a[k + 2] * b[k + 2];
          s3 += a[k + 3] * b[k + 3];
        }
        for (; k < K; k++)
          s0 += a[k] * b[k];
        c[j] += alpha * ((s0 + s1) + (s2 + s3));
      }
    }
  } else if (trans_a && !trans_b) {
    for (int64_t k = 0; k < K; k++) {
      const float *restrict b = B + k * ldb;
      for (int64_t i = 0; i < M; i++) {
        const float a = alpha * A[k * lda + i];
        float *restrict c = C + i * ldc;
        for (int64_t j = 0; j < N; j++)
          c[j] += a * b[j];
      }
    }
  } else {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        float s = 0;
        for (int64_t k = 0; k < K; k++)
          s += A[k * lda + i] * B[j * ldb + k];
        C[i * ldc + j] += alpha * s;
      }
  }
}
