/* qe_tensor.c - element types and plain dense arrays.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe/qe_tensor.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe_internal.h"

typedef struct {
  const char *name;
  size_t size;
  bool is_float;
  bool is_int;
} dtype_traits;

static const dtype_traits traits[] = {
  [QE_DT_UNDEFINED] = { .name = "undefined", .size = 0 },
  [QE_DT_F32] = { .name = "float32", .size = 4, .is_float = true },
  [QE_DT_F16] = { .name = "float16", .size = 2, .is_float = true },
  [QE_DT_F64] = { .name = "float64", .size = 8, .is_float = true },
  [QE_DT_BF16] = { .name = "bfloat16", .size = 2, .is_float = true },
  [QE_DT_I8] = { .name = "int8", .size = 1, .is_int = true },
  [QE_DT_U8] = { .name = "uint8", .size = 1, .is_int = true },
  [QE_DT_I16] = { .name = "int16", .size = 2, .is_int = true },
  [QE_DT_U16] = { .name = "uint16", .size = 2, .is_int = true },
  [QE_DT_I32] = { .name = "int32", .size = 4, .is_int = true },
  [QE_DT_U32] = { .name = "uint32", .size = 4, .is_int = true },
  [QE_DT_I64] = { .name = "int64", .size = 8, .is_int = true },
  [QE_DT_U64] = { .name = "uint64", .size = 8, .is_int = true },
  [QE_DT_BOOL] = { .name = "bool", .size = 1 },
  [QE_DT_I4] = { .name = "int4", .size = 0, .is_int = true },
  [QE_DT_STRING] = { .name = "string", .size = 0 },
};
static_assert(QE_ARRAY_LEN(traits) == QE_DT_COUNT, "every qe_dtype needs traits");

size_t qe_dtype_size(qe_dtype t)
{
  return (unsigned)t < QE_DT_COUNT ? traits[t].size : 0;
}

const char *qe_dtype_name(qe_dtype t)
{
  return (unsigned)t < QE_DT_COUNT ? traits[t].name : "undefined";
}

bool qe_dtype_is_float(qe_dtype t)
{
  return (unsigned)t < QE_DT_COUNT && traits[t].is_float;
}

bool qe_dtype_is_int(qe_dtype t)
{
  return (unsigned)t < QE_DT_COUNT && traits[t].is_int;
}

qe_dtype qe_dtype_from_name(const char *name)
{
  static const struct {
    const char *code;
    qe_dtype t;
  } numpy[] = {
    { "f4", QE_DT_F32 }, { "f2", QE_DT_F16 }, { "f8", QE_DT_F64 }, { "i1", QE_DT_I8 },
    { "u1", QE_DT_U8 },  { "i2", QE_DT_I16 }, { "u2", QE_DT_U16 }, { "i4", QE_DT_I32 },
    { "u4", QE_DT_U32 }, { "i8", QE_DT_I64 }, { "u8", QE_DT_U64 }, { "b1", QE_DT_BOOL },
  };
  if (!name)
    return QE_DT_UNDEFINED;
  for (int t = 1; t < QE_DT_COUNT; t++)
    if (strcmp(name, traits[t].name) == 0)
      return (qe_dtype)t;
  const char *code = name;
  if (*code == '<' || *code == '>' || *code == '|' || *code == '=')
    code++;
  for (size_t i = 0; i < QE_ARRAY_LEN(numpy); i++)
    if (strcmp(code, numpy[i].code) == 0)
      return numpy[i].t;
  if (strcmp(name, "float") == 0)
    return QE_DT_F32;
  return QE_DT_UNDEFINED;
}

float qe_half_to_float(uint16_t h)
{
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      /* Subnormal: normalise. */
      int e = -1;
      do {
        e++;
        mant <<= 1;
      } while (!(mant & 0x400));
      mant &= 0x3FF;
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (mant << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t qe_float_to_half(float f)
{
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xFF;
  uint32_t mant = x & 0x7FFFFF;
  if (exp == 0xFF) /* Inf or NaN (keep a quiet NaN) */
    return (uint16_t)(sign | 0x7C00 | (mant ? 0x200 | (mant >> 13) : 0));
  int32_t e = (int32_t)exp - 127 + 15;
  if (e >= 0x1F)
    return (uint16_t)(sign | 0x7C00);
  if (e <= 0) {
    if (e < -10)
      return (uint16_t)sign;
    mant |= 0x800000;
    uint32_t shift = (uint32_t)(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      half++;
    return (uint16_t)(sign | half);
  }
  uint32_t half = sign | ((uint32_t)e << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    half++; /* may carry into the exponent, which is right */
  return (uint16_t)half;
}

float qe_bf16_to_float(uint16_t h)
{
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

int64_t qe_dims_count(const int64_t *dims, int rank)
{
  int64_t n = 1;
  if (rank < 0 || rank > QE_MAX_RANK)
    return -1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0)
      return -1;
    if (dims[i] != 0 && n > INT64_MAX / dims[i])
      return -1;
    n *= dims[i];
  }
  return n;
}

int64_t qe_array_count(const qe_array *a)
{
  return a ? qe_dims_count(a->dims, a->rank) : -1;
}

size_t qe_array_nbytes(const qe_array *a)
{
  int64_t n = qe_array_count(a);
  if (n < 0)
    return 0;
  if (a->dtype == QE_DT_I4)
    return (size_t)((n + 1) / 2);
  return (size_t)n * qe_dtype_size(a->dtype);
}

qe_status qe_array_new(qe_dtype dtype, int rank, const int64_t *dims, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (rank < 0 || rank > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "arrays of rank %d are not supported (at most %d)",
                    rank, QE_MAX_RANK);
  if ((dtype == QE_DT_UNDEFINED || qe_dtype_size(dtype) == 0) && dtype != QE_DT_I4)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "cannot make an array of %s", qe_dtype_name(dtype));
  int64_t count = qe_dims_count(dims, rank);
  if (count < 0) {
    char buf[160];
    return qe_error(ctx, QE_ERR_SHAPE, "invalid array shape %s",
                    qe_dims_to_string(dims, rank, buf, sizeof buf));
  }
  qe_array *a = calloc(1, sizeof *a);
  if (!a)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  a->dtype = dtype;
  a->rank = rank;
  for (int i = 0; i < rank; i++)
    a->dims[i] = dims[i];
  size_t bytes = dtype == QE_DT_I4 ? (size_t)((count + 1) / 2) : 0;
  qe_status st;
  if (dtype == QE_DT_I4)
    st = qe_alloc(ctx, bytes, 1, "an array", &a->data);
  else if ((uint64_t)count > SIZE_MAX)
    st = qe_error(ctx, QE_ERR_NOMEM, "array too large");
  else
    st = qe_alloc(ctx, (size_t)count, qe_dtype_size(dtype), "an array", &a->data);
  if (st != QE_OK) {
    free(a);
    return st;
  }
  *out = a;
  return QE_OK;
}

void qe_array_free(qe_array *a)
{
  if (!a)
    return;
  free(a->data);
  free(a);
}

static double load_as_double(const void *data, qe_dtype t, size_t i)
{
  switch (t) {
  case QE_DT_F32:
    return ((const float *)data)[i];
  case QE_DT_F16:
    return qe_half_to_float(((const uint16_t *)data)[i]);
  case QE_DT_BF16:
    return qe_bf16_to_float(((const uint16_t *)data)[i]);
  case QE_DT_F64:
    return ((const double *)data)[i];
  case QE_DT_I8:
    return ((const int8_t *)data)[i];
  case QE_DT_U8:
  case QE_DT_BOOL:
    return ((const uint8_t *)data)[i];
  case QE_DT_I16:
    return ((const int16_t *)data)[i];
  case QE_DT_U16:
    return ((const uint16_t *)data)[i];
  case QE_DT_I32:
    return ((const int32_t *)data)[i];
  case QE_DT_U32:
    return ((const uint32_t *)data)[i];
  case QE_DT_I64:
    return (double)((const int64_t *)data)[i];
  case QE_DT_U64:
    return (double)((const uint64_t *)data)[i];
  case QE_DT_I4: {
    uint8_t b = ((const uint8_t *)data)[i / 2];
    int v = (i & 1) ? (b >> 4) : (b & 0xF);
    return v >= 8 ? v - 16 : v;
  }
  default:
    return 0.0;
  }
}

qe_status qe_array_to_f32(const qe_array *a, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!qe_dtype_is_float(a->dtype) && !qe_dtype_is_int(a->dtype) && a->dtype != QE_DT_BOOL)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "cannot convert %s values to float32",
                    qe_dtype_name(a->dtype));
  qe_array *f;
  qe_status st = qe_array_new(QE_DT_F32, a->rank, a->dims, &f, ctx);
  if (st != QE_OK)
    return st;
  size_t n = (size_t)qe_array_count(a);
  float *dst = f->data;
  if (a->dtype == QE_DT_F32)
    memcpy(dst, a->data, n * sizeof(float));
  else
    for (size_t i = 0; i < n; i++)
      dst[i] = (float)load_as_double(a->data, a->dtype, i);
  *out = f;
  return QE_OK;
}

const char *qe_dims_to_string(const int64_t *dims, int rank, char *buf, size_t size)
{
  size_t off = 0;
  if (!buf || size == 0)
    return "";
  buf[0] = '\0';
  off += (size_t)snprintf(buf + off, size - off, "[");
  for (int i = 0; i < rank && off < size; i++) {
    if (dims[i] < 0)
      off += (size_t)snprintf(buf + off, size - off, "%s?", i ? ", " : "");
    else
      off += (size_t)snprintf(buf + off, size - off, "%s%lld", i ? ", " : "", (long long)dims[i]);
  }
  if (off < size)
    snprintf(buf + off, size - off, "]");
  return buf;
}
