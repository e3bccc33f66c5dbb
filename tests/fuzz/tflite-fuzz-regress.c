/* tflite-fuzz-regress.c - drives the TFLite fuzz entry point from a main()
 * for a bounded time, so the normal suite (gcc, sanitizers) feeds the
 * reader hostile input: seeds are single-op models of every kind written by
 * the engine and any .tflite files given, each run as is, truncated, and
 * with seeded mutations (bit flips, byte sets, 32-bit offset stress).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: tflite-fuzz-regress SECONDS [FILE.tflite...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_tflite.h"
#include "single-op.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t runs;

static void fuzz_seed(const uint8_t *seed, size_t len, double until, so_rng *r)
{
  uint8_t *buf = malloc(len + 8);
  size_t cut;
  int i;
  LLVMFuzzerTestOneInput(seed, len);
  runs++;
  for (cut = 0; cut < len; cut += 1 + len / 13) {
    LLVMFuzzerTestOneInput(seed, cut);
    runs++;
  }
  for (i = 0; i < 400 && now() < until; i++) {
    const int n = 1 + (int)(so_next(r) % 4);
    int k;
    memcpy(buf, seed, len);
    for (k = 0; k < n; k++) {
      const size_t at = so_next(r) % len;
      switch (so_next(r) % 3) {
      case 0:
        buf[at] ^= (uint8_t)(1u << (so_next(r) % 8));
        break;
      case 1:
        buf[at] = (uint8_t)so_next(r);
        break;
      default: { /* an offset or count set to an extreme */
        static const uint32_t v[] = { 0, 1, 4, 0x7fffffffu, 0xffffffffu, 0x10000u };
        const uint32_t x = v[so_next(r) % 6];
        if (at + 4 <= len)
          memcpy(buf + (at & ~(size_t)3), &x, 4);
      }
      }
    }
    LLVMFuzzerTestOneInput(buf, len);
    runs++;
  }
  free(buf);
}

int main(int argc, char **argv)
{
  const double seconds = argc > 1 ? atof(argv[1]) : 10.0;
  const double start = now();
  so_rng r = { 4242 };
  int k, a, seeds = 0;
  /* Seeds written by the engine: every op kind. */
  for (k = 0; k < SO_COUNT; k++) {
    int c;
    for (c = 0; c < 2; c++) {
      qe_qmodel *m = so_make((so_kind)k, &r);
      uint8_t *fb = NULL;
      size_t size = 0;
      if (m == NULL)
        continue;
      if (qe_tflite_write(m, &fb, &size, NULL) == QE_OK) {
        const double budget = seconds * 0.6 / (2.0 * SO_COUNT);
        fuzz_seed(fb, size, now() + budget, &r);
        seeds++;
      }
      free(fb);
      qe_qmodel_free(m);
    }
  }
  for (a = 2; a < argc; a++) {
    uint8_t *data = NULL;
    size_t size = 0;
    if (qe_read_file(argv[a], &data, &size, NULL) != QE_OK) {
      printf("SKIP seed %s (unreadable)\n", argv[a]);
      continue;
    }
    fuzz_seed(data, size, now() + seconds * 0.4 / (argc - 2), &r);
    seeds++;
    free(data);
  }
  printf("%zu inputs from %d seeds in %.1f s, no crash\n", runs, seeds, now() - start);
  return 0;
}
