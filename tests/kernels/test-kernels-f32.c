/* test-kernels-f32.c - the portable float kernels of the C export: the
 * integer square root against the C library's IEEE sqrtf on every 613th bit
 * pattern of the 2^32 floats plus the special values (bit for bit), and
 * RSQRT as 1 / sqrtf.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "qe_kernels_s8.h"

static uint32_t bits(float f)
{
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float from_bits(uint32_t u)
{
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

int main(void)
{
  static const uint32_t special[] = { 0x00000000u, 0x80000000u, 0x00000001u, 0x007fffffu,
                                      0x00800000u, 0x3f800000u, 0x40000000u, 0x7f7fffffu,
                                      0x7f800000u, 0xff800000u, 0x7fc00000u, 0xbf800000u };
  uint64_t checked = 0, failed = 0;
  for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
    const float x = from_bits(special[i]);
    const float a = qe_k_sqrtf(x), b = sqrtf(x);
    checked++;
    if (bits(a) != bits(b) && !(a != a && b != b)) {
      if (failed++ < 5)
        fprintf(stderr, "FAIL sqrt(%a): %a, libm %a\n", (double)x, (double)a, (double)b);
    }
  }
  for (uint64_t u = 0; u < ((uint64_t)1 << 32); u += 613) {
    const float x = from_bits((uint32_t)u);
    const float a = qe_k_sqrtf(x), b = sqrtf(x);
    checked++;
    if (bits(a) != bits(b) && !(a != a && b != b)) {
      if (failed++ < 5)
        fprintf(stderr, "FAIL sqrt(%a): %a, libm %a\n", (double)x, (double)a, (double)b);
    }
  }
  {
    float in[5] = { 0.25f, 2.0f, 1e-20f, 3.0e30f, 7.0f }, out[5];
    qe_f32_sqrt(1, 5, in, out);
    for (int k = 0; k < 5; k++) {
      checked++;
      if (bits(out[k]) != bits(1.0f / sqrtf(in[k])) && failed++ < 10)
        fprintf(stderr, "FAIL rsqrt(%g)\n", (double)in[k]);
    }
  }
  printf("square roots: %llu values, %llu differ from the C library\n", (unsigned long long)checked,
         (unsigned long long)failed);
  return failed ? 1 : 0;
}
