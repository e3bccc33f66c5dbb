/* npy-dump.c - test helper: print .npy/.npz contents as JSON, or write an
 * .npz with known arrays (for numpy to check).
 *   npy-dump FILE.npy            -> {"dtype":..., "shape":[...], "data":[...]}
 *   npy-dump FILE.npz            -> {"name": {...}, ...} (strings as lists)
 *   npy-dump --write OUT.npz     -> writes a, b, c (see below)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_json.h"
#include "qe/qe_npy.h"

static void dump_array(qe_json *j, const qe_array *a, qe_ctx *ctx)
{
  qe_array *f = NULL;
  qe_json_begin_object(j);
  qe_json_kv_string(j, "dtype", qe_dtype_name(a->dtype));
  qe_json_key(j, "shape");
  qe_json_begin_array(j);
  for (int i = 0; i < a->rank; i++)
    qe_json_int(j, a->dims[i]);
  qe_json_end_array(j);
  qe_json_key(j, "data");
  qe_json_begin_array(j);
  if (qe_array_to_f32(a, &f, ctx) == QE_OK)
    for (int64_t i = 0; i < qe_array_count(f); i++)
      qe_json_number(j, ((float *)f->data)[i]);
  qe_json_end_array(j);
  qe_json_end_object(j);
  qe_array_free(f);
}

int main(int argc, char **argv)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_json *j = qe_json_new(false);
  int rc = 0;
  if (argc == 3 && strcmp(argv[1], "--write") == 0) {
    int64_t d2[2] = { 2, 3 }, d1[1] = { 4 }, d0[1] = { 0 };
    qe_array *a, *b, *c;
    qe_array_new(QE_DT_F32, 2, d2, &a, ctx);
    qe_array_new(QE_DT_I64, 1, d1, &b, ctx);
    qe_array_new(QE_DT_U8, 1, d0, &c, ctx);
    for (int i = 0; i < 6; i++)
      ((float *)a->data)[i] = (float)i * 0.5f - 1.0f;
    for (int i = 0; i < 4; i++)
      ((int64_t *)b->data)[i] = (int64_t)i * 1000000000000LL - 7;
    const char *names[] = { "a", "b", "c" };
    const qe_array *arrays[] = { a, b, c };
    if (qe_npz_write(argv[2], 3, names, arrays, ctx) != QE_OK) {
      fprintf(stderr, "%s\n", qe_ctx_error(ctx));
      rc = 1;
    }
    if (qe_npy_write("/dev/null/x.npy", a, ctx) == QE_OK)
      rc = 1; /* must fail cleanly */
    qe_array_free(a);
    qe_array_free(b);
    qe_array_free(c);
  } else if (argc == 2 && strlen(argv[1]) > 4 &&
             strcmp(argv[1] + strlen(argv[1]) - 4, ".npz") == 0) {
    qe_npz *z;
    if (qe_npz_open(argv[1], &z, ctx) != QE_OK) {
      printf("ERROR %s\n", qe_ctx_error(ctx));
      rc = 1;
    } else {
      qe_json_begin_object(j);
      for (size_t i = 0; i < qe_npz_count(z); i++) {
        const char *name = qe_npz_name(z, i);
        qe_array *a;
        qe_json_key(j, name);
        if (qe_npz_read(z, name, &a, ctx) == QE_OK) {
          dump_array(j, a, ctx);
          qe_array_free(a);
        } else {
          char **v;
          size_t n;
          if (qe_npz_read_strings(z, name, &v, &n, ctx) == QE_OK) {
            qe_json_begin_array(j);
            for (size_t k = 0; k < n; k++)
              qe_json_string(j, v[k]);
            qe_json_end_array(j);
            qe_strv_free(v, n);
          } else {
            qe_json_string(j, qe_ctx_error(ctx));
          }
        }
      }
      qe_json_key(j, "__missing__");
      qe_array *a = NULL;
      qe_npz_read(z, "no_such_array", &a, ctx);
      qe_json_string(j, qe_ctx_error(ctx));
      qe_json_end_object(j);
      qe_npz_close(z);
      printf("%s\n", qe_json_text(j, NULL));
    }
  } else if (argc == 2) {
    qe_array *a;
    if (qe_npy_read(argv[1], &a, ctx) != QE_OK) {
      printf("ERROR %s\n", qe_ctx_error(ctx));
      rc = 1;
    } else {
      dump_array(j, a, ctx);
      printf("%s\n", qe_json_text(j, NULL));
      qe_array_free(a);
    }
  } else {
    fprintf(stderr, "usage: npy-dump FILE | --write OUT.npz\n");
    rc = 2;
  }
  qe_json_free(j);
  qe_ctx_free(ctx);
  return rc;
}
