/* data-bench.c - streams a data set through the loader and reports items
 * per second and the peak resident memory of this process.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   data-bench PATH THREADS [key=value...]
 * keys: input_shape=1,128,128,3 jpeg_dct_scaling=0|1 interpolation=NAME
 *       patch_length=N n_mels=N target_rate=N
 * Prints: "items N samples N seconds S per_second R peak_rss_kb K".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "qe/qe_data.h"

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: data-bench PATH THREADS [key=value...]\n");
    return 2;
  }
  qe_ctx *ctx = qe_ctx_new();
  qe_data_options o;
  qe_data_options_init(&o);
  o.validation_split = -1;
  for (int i = 3; i < argc; i++) {
    const char *kv = argv[i], *v = strchr(kv, '=');
    if (!v)
      continue;
    v++;
    int e;
    if (strncmp(kv, "input_shape=", 12) == 0) {
      char *copy = strdup(v), *save = NULL;
      o.input_rank = 0;
      for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        o.input_shape[o.input_rank++] = atoll(t);
      free(copy);
    } else if (strncmp(kv, "jpeg_dct_scaling=", 17) == 0) {
      o.jpeg_dct_scaling = atoi(v) != 0;
    } else if (strncmp(kv, "interpolation=", 14) == 0 &&
               qe_data_enum_parse(QE_ENUM_INTERP, v, &e, ctx) == QE_OK) {
      o.interpolation = (qe_interp)e;
    } else if (strncmp(kv, "patch_length=", 13) == 0) {
      o.patch_length = atoi(v);
    } else if (strncmp(kv, "n_mels=", 7) == 0) {
      o.n_mels = atoi(v);
    } else if (strncmp(kv, "target_rate=", 12) == 0) {
      o.target_rate = atoi(v);
    }
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  qe_dataset *ds;
  qe_loader *l;
  if (qe_dataset_open(argv[1], QE_DATA_AUTO, &o, &ds, ctx) ||
      qe_loader_new(ds, QE_SUBSET_ALL, atoi(argv[2]), &l, ctx)) {
    fprintf(stderr, "data-bench: %s\n", qe_ctx_error(ctx));
    return 1;
  }
  size_t items = 0;
  double check = 0;
  qe_data_item it;
  bool done;
  while (qe_loader_next(l, &it, &done, ctx) == QE_OK && !done) {
    items++;
    check += it.data[it.count / 2];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  /* VmHWM: the peak of this program's own address space (getrusage's
   * ru_maxrss would include the parent's pages copied before exec) */
  long hwm = -1;
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0)
      hwm = atol(line + 6);
  if (f)
    fclose(f);
  if (hwm < 0) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    hwm = ru.ru_maxrss;
  }
  printf("items %zu samples %zu seconds %.3f per_second %.1f peak_rss_kb %ld checksum %.3f\n",
         items, qe_loader_samples_done(l), secs, items / secs, hwm, check);
  qe_loader_free(l);
  qe_dataset_free(ds);
  qe_ctx_free(ctx);
  return 0;
}
