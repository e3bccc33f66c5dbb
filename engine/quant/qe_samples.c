/* qe_samples.c - calibration sample streams: callbacks, .npz/.npy rows,
 * in-memory arrays and seeded random data.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe/qe_data.h"
#include "qe/qe_npy.h"
#include "qe/qe_quantize.h"
#include "qe_internal.h"

struct qe_samples {
  qe_samples_vtable vt;
  void *user_data;
  size_t n_inputs;
  size_t count;
  char *description;
  bool random;
};

qe_status qe_samples_new(const qe_samples_vtable *vt, void *user_data, size_t n_inputs,
                         size_t count, const char *description, qe_samples **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!vt || !vt->begin || !vt->next)
    return qe_error(ctx, QE_ERR_INVALID, "sample source without begin/next callbacks");
  qe_samples *s = calloc(1, sizeof *s);
  if (!s || !(s->description = qe_strdup(description ? description : "samples"))) {
    free(s);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for a sample source");
  }
  s->vt = *vt;
  s->user_data = user_data;
  s->n_inputs = n_inputs;
  s->count = count;
  *out = s;
  return QE_OK;
}

void qe_samples_free(qe_samples *s)
{
  if (!s)
    return;
  if (s->vt.free)
    s->vt.free(s->user_data);
  free(s->description);
  free(s);
}

size_t qe_samples_count(const qe_samples *s)
{
  return s->count;
}

bool qe_samples_is_random(const qe_samples *s)
{
  return s->random;
}

const char *qe_samples_description(const qe_samples *s)
{
  return s->description;
}

/* Internal: used by the quantizer. */
qe_status qe_samples_begin(qe_samples *s, qe_ctx *ctx);
qe_status qe_samples_next(qe_samples *s, const qe_array *const **inputs, size_t *n_inputs,
                          bool *done, qe_ctx *ctx);

qe_status qe_samples_begin(qe_samples *s, qe_ctx *ctx)
{
  return s->vt.begin(s->user_data, ctx);
}

qe_status qe_samples_next(qe_samples *s, const qe_array *const **inputs, size_t *n_inputs,
                          bool *done, qe_ctx *ctx)
{
  *n_inputs = s->n_inputs;
  return s->vt.next(s->user_data, inputs, done, ctx);
}

/* ---- rows of an array ---------------------------------------------------- */

typedef struct rows_src {
  qe_array *x;   /* all samples (owned) */
  qe_array *row; /* the current one: [1, ...] */
  size_t n, next;
  const qe_array *vec[1];
} rows_src;

static qe_status rows_begin(void *ud, qe_ctx *ctx)
{
  (void)ctx;
  ((rows_src *)ud)->next = 0;
  return QE_OK;
}

static qe_status rows_next(void *ud, const qe_array *const **inputs, bool *done, qe_ctx *ctx)
{
  rows_src *r = ud;
  (void)ctx;
  if (r->next >= r->n) {
    *done = true;
    return QE_OK;
  }
  const size_t bytes = qe_array_nbytes(r->row);
  memcpy(r->row->data, (const uint8_t *)r->x->data + r->next * bytes, bytes);
  r->next++;
  r->vec[0] = r->row;
  *inputs = r->vec;
  *done = false;
  return QE_OK;
}

static void rows_free(void *ud)
{
  rows_src *r = ud;
  if (!r)
    return;
  qe_array_free(r->x);
  qe_array_free(r->row);
  free(r);
}

static qe_status rows_make(qe_array *x, size_t max, const char *what, qe_samples **out, qe_ctx *ctx)
{
  static const qe_samples_vtable vt = { rows_begin, rows_next, rows_free };
  qe_status st;
  if (x->rank < 1 || x->dims[0] <= 0) {
    qe_array_free(x);
    return qe_error(ctx, QE_ERR_DATA, "%s: no samples (the first axis of x is empty)", what);
  }
  if (!qe_dtype_is_float(x->dtype) && !qe_dtype_is_int(x->dtype)) {
    qe_dtype t = x->dtype;
    qe_array_free(x);
    return qe_error(ctx, QE_ERR_DATA, "%s: x holds %s values, expected numbers", what,
                    qe_dtype_name(t));
  }
  if (x->dtype != QE_DT_F32) {
    qe_array *f = NULL;
    st = qe_array_to_f32(x, &f, ctx);
    qe_array_free(x);
    if (st)
      return st;
    x = f;
  }
  rows_src *r = calloc(1, sizeof *r);
  if (!r) {
    qe_array_free(x);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  r->x = x;
  r->n = (size_t)x->dims[0];
  if (max && r->n > max)
    r->n = max;
  int64_t dims[QE_MAX_RANK];
  memcpy(dims, x->dims, sizeof dims);
  dims[0] = 1;
  if ((st = qe_array_new(QE_DT_F32, x->rank, dims, &r->row, ctx)) != QE_OK) {
    rows_free(r);
    return st;
  }
  char *desc = qe_strdup_printf("%zu samples of %s", r->n, what);
  st = qe_samples_new(&vt, r, 1, r->n, desc, out, ctx);
  free(desc);
  if (st)
    rows_free(r);
  return st;
}

static const char *base_name(const char *p)
{
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

qe_status qe_samples_from_npz(const char *path, size_t max, qe_samples **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_array *x = NULL;
  qe_status st;
  size_t len = strlen(path);
  if (len >= 4 && strcmp(path + len - 4, ".npy") == 0) {
    st = qe_npy_read(path, &x, ctx);
  } else {
    qe_npz *z = NULL;
    if ((st = qe_npz_open(path, &z, ctx)) != QE_OK)
      return st;
    st = qe_npz_read(z, "x", &x, ctx);
    qe_npz_close(z);
  }
  if (st)
    return qe_error_prefix(ctx, "calibration data");
  return rows_make(x, max, base_name(path), out, ctx);
}

qe_status qe_samples_from_array(const qe_array *x, size_t max, const char *description,
                                qe_samples **out, qe_ctx *ctx)
{
  qe_array *c = NULL;
  qe_status st = qe_array_new(x->dtype, x->rank, x->dims, &c, ctx);
  if (st)
    return st;
  memcpy(c->data, x->data, qe_array_nbytes(x));
  return rows_make(c, max, description ? description : "an array", out, ctx);
}

/* ---- random data -------------------------------------------------------- */

typedef struct rand_src {
  qe_array **in;
  size_t n_in;
  size_t count, next;
  bool normal;
  float a, b;
  uint64_t seed, state;
} rand_src;

static uint64_t splitmix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s)
{
  return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

static qe_status rand_begin(void *ud, qe_ctx *ctx)
{
  rand_src *r = ud;
  (void)ctx;
  r->next = 0;
  r->state = r->seed;
  return QE_OK;
}

static qe_status rand_next(void *ud, const qe_array *const **inputs, bool *done, qe_ctx *ctx)
{
  rand_src *r = ud;
  (void)ctx;
  if (r->next >= r->count) {
    *done = true;
    return QE_OK;
  }
  for (size_t i = 0; i < r->n_in; i++) {
    float *d = r->in[i]->data;
    int64_t n = qe_array_count(r->in[i]);
    for (int64_t k = 0; k < n; k++) {
      if (r->normal) {
        double u1 = unif(&r->state), u2 = unif(&r->state);
        if (u1 < 1e-300)
          u1 = 1e-300;
        d[k] = (float)(r->a + r->b * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
      } else {
        d[k] = (float)(r->a + (r->b - r->a) * unif(&r->state));
      }
    }
  }
  r->next++;
  *inputs = (const qe_array *const *)r->in;
  *done = false;
  return QE_OK;
}

static void rand_free(void *ud)
{
  rand_src *r = ud;
  if (!r)
    return;
  for (size_t i = 0; i < r->n_in; i++)
    qe_array_free(r->in[i]);
  free(r->in);
  free(r);
}

qe_status qe_samples_random(const qe_graph *g, size_t count, bool normal, float lo, float hi,
                            uint64_t seed, qe_samples **out, qe_ctx *ctx)
{
  static const qe_samples_vtable vt = { rand_begin, rand_next, rand_free };
  *out = NULL;
  if (count == 0)
    return qe_error(ctx, QE_ERR_INVALID, "random calibration needs at least one sample");
  if (!normal && !(hi > lo))
    return qe_error(ctx, QE_ERR_INVALID, "random calibration range [%g, %g) is empty", (double)lo,
                    (double)hi);
  rand_src *r = calloc(1, sizeof *r);
  if (!r || !(r->in = calloc(g->n_inputs ? g->n_inputs : 1, sizeof *r->in))) {
    free(r);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  r->n_in = g->n_inputs;
  r->count = count;
  r->normal = normal;
  r->a = lo;
  r->b = hi;
  r->seed = seed;
  qe_status st = QE_OK;
  for (size_t i = 0; i < g->n_inputs && !st; i++) {
    const qe_tensor *t = &g->tensors[g->inputs[i]];
    int64_t dims[QE_MAX_RANK];
    if (t->rank < 0) {
      st = qe_error(ctx, QE_ERR_SHAPE, "input '%s' has no known shape for random data", t->name);
      break;
    }
    for (int k = 0; k < t->rank; k++)
      dims[k] = t->dims[k] > 0 ? t->dims[k] : 1;
    st = qe_array_new(QE_DT_F32, t->rank, dims, &r->in[i], ctx);
  }
  if (st) {
    rand_free(r);
    return st;
  }
  char *desc = normal ? qe_strdup_printf("random data: %zu samples, normal (mean %g, deviation %g)",
                                         count, (double)lo, (double)hi)
                      : qe_strdup_printf("random data: %zu samples, uniform in [%g, %g)", count,
                                         (double)lo, (double)hi);
  st = qe_samples_new(&vt, r, g->n_inputs, count, desc, out, ctx);
  free(desc);
  if (st) {
    rand_free(r);
    return st;
  }
  (*out)->random = true;
  return QE_OK;
}

/* ---- the data engine's streaming loader ------------------------------------ */

typedef struct loader_src {
  qe_dataset *ds; /* borrowed */
  qe_subset subset;
  qe_loader *l;
  qe_array *row;
  const qe_array *vec[1];
  size_t index;
} loader_src;

static qe_status loader_begin(void *ud, qe_ctx *ctx)
{
  loader_src *r = ud;
  qe_loader_free(r->l);
  r->l = NULL;
  r->index = 0;
  return qe_loader_new(r->ds, r->subset, 0, &r->l, ctx);
}

static qe_status loader_next(void *ud, const qe_array *const **inputs, bool *done, qe_ctx *ctx)
{
  loader_src *r = ud;
  qe_data_item item;
  qe_status st = qe_loader_next(r->l, &item, done, ctx);
  if (st || *done)
    return st;
  const int64_t want = qe_array_count(r->row);
  if ((int64_t)item.count != want) {
    char got[96], exp[96];
    return qe_error(ctx, QE_ERR_DATA,
                    "calibration data: sample %zu is shaped %s (%zu values), the model's input "
                    "takes %s",
                    r->index, qe_dims_to_string(item.dims, item.rank, got, sizeof got), item.count,
                    qe_dims_to_string(r->row->dims, r->row->rank, exp, sizeof exp));
  }
  memcpy(r->row->data, item.data, item.count * sizeof(float));
  r->index++;
  r->vec[0] = r->row;
  *inputs = r->vec;
  return QE_OK;
}

static void loader_free(void *ud)
{
  loader_src *r = ud;
  if (!r)
    return;
  qe_loader_free(r->l);
  qe_array_free(r->row);
  free(r);
}

qe_status qe_samples_from_dataset(qe_dataset *ds, int subset, const int64_t *dims, int rank,
                                  const char *description, qe_samples **out, qe_ctx *ctx)
{
  static const qe_samples_vtable vt = { loader_begin, loader_next, loader_free };
  *out = NULL;
  if ((unsigned)subset >= QE_SUBSET_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "data subset %d is not known", subset);
  size_t n = 0;
  qe_dataset_subset(ds, (qe_subset)subset, &n);
  if (n == 0 && qe_dataset_calibration_source(ds) != QE_CALIB_RANDOM)
    return qe_error(ctx, QE_ERR_DATA, "calibration data: %s holds no samples",
                    description ? description : "the data set");
  loader_src *r = calloc(1, sizeof *r);
  if (!r)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->ds = ds;
  r->subset = (qe_subset)subset;
  int64_t d[QE_MAX_RANK];
  for (int k = 0; k < rank; k++)
    d[k] = dims[k] > 0 ? dims[k] : 1;
  qe_status st = qe_array_new(QE_DT_F32, rank, d, &r->row, ctx);
  if (st) {
    loader_free(r);
    return st;
  }
  char *desc = qe_strdup_printf("%zu samples of %s", n, description ? description : "a data set");
  st = qe_samples_new(&vt, r, 1, n, desc, out, ctx);
  free(desc);
  if (st)
    loader_free(r);
  return st;
}
