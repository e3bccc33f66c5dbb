/* fuzz-onnx-regress.c - runs the ONNX fuzz entry point from a main() over
 * a corpus and deterministic mutations of it, for a bounded time, so the
 * normal test suite (gcc, ASan) exercises the reader on hostile input.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-onnx-regress SECONDS FILE_OR_DIR...
 * Each seed is run as is, truncated at several points, and with N seeded
 * mutations (byte flips, insertions, deletions, varint-size stress). Seeds
 * are the committed regression inputs (tests/fuzz/corpus-onnx) and real
 * models (tests/models, a sample of the ONNX conformance data).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "qe/qe_core.h"
#include "qe/qe_fileutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rng = 0x12345678u;

static uint32_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static size_t runs;
static double deadline;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(const uint8_t *d, size_t n)
{
  LLVMFuzzerTestOneInput(d, n);
  runs++;
}

static void fuzz_seed(const uint8_t *seed, size_t len)
{
  if (len > (4u << 20))
    return; /* keep it quick: big models only as seeds of the real fuzzer */
  run(seed, len);
  uint8_t *buf = malloc(len + 64);
  if (!buf)
    return;
  for (int k = 1; k < 16 && now() < deadline; k++)
    run(seed, len * (size_t)k / 16);
  for (int it = 0; it < 200 && now() < deadline; it++) {
    memcpy(buf, seed, len);
    size_t n = len;
    int muts = 1 + (int)(next() % 4);
    for (int m = 0; m < muts && n > 0; m++) {
      size_t pos = next() % n;
      switch (next() % 5) {
      case 0:
        buf[pos] ^= (uint8_t)(1u << (next() % 8));
        break;
      case 1:
        buf[pos] = (uint8_t)next();
        break;
      case 2: /* a huge varint: length or dimension stress */
        if (n + 5 <= len + 64) {
          memmove(buf + pos + 5, buf + pos, n - pos);
          memcpy(buf + pos, "\xff\xff\xff\xff\x0f", 5);
          n += 5;
        }
        break;
      case 3:
        memmove(buf + pos, buf + pos + 1, n - pos - 1);
        n--;
        break;
      default:
        if (n + 1 <= len + 64) {
          memmove(buf + pos + 1, buf + pos, n - pos);
          buf[pos] = (uint8_t)next();
          n++;
        }
      }
    }
    run(buf, n);
  }
  free(buf);
}

static void visit(const char *path, int depth)
{
  struct stat sb;
  if (now() >= deadline || stat(path, &sb) != 0)
    return;
  if (S_ISDIR(sb.st_mode)) {
    if (depth > 3)
      return;
    DIR *d = opendir(path);
    if (!d)
      return;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.')
        continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 64;
        names = realloc(names, cap * sizeof *names);
      }
      names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
      char sub[4096];
      snprintf(sub, sizeof sub, "%.2000s/%.1000s", path, names[i]);
      visit(sub, depth + 1);
      free(names[i]);
    }
    free(names);
    return;
  }
  size_t l = strlen(path);
  if (!(l > 5 && (strcmp(path + l - 5, ".onnx") == 0 || strcmp(path + l - 3, ".pb") == 0 ||
                  strstr(path, "corpus"))))
    return;
  uint8_t *data;
  size_t len;
  qe_ctx *ctx = qe_ctx_new();
  if (qe_read_file(path, &data, &len, ctx) == QE_OK) {
    fuzz_seed(data, len);
    free(data);
  }
  qe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s SECONDS FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  deadline = now() + atof(argv[1]);
  for (int i = 2; i < argc; i++)
    visit(argv[i], 0);
  printf("%zu inputs run through the ONNX reader without a crash\n", runs);
  return runs > 0 ? 0 : 77;
}
