/* qe_flatbuf.c - FlatBuffers builder and verifying reader.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe_flatbuf.h"

#define FB_MAX_SIZE ((size_t)0x7fffffff)

void qe_fb_init(qe_fb_builder *b)
{
  memset(b, 0, sizeof(*b));
  b->min_align = 1;
}

void qe_fb_free(qe_fb_builder *b)
{
  free(b->buf);
  free(b->vtables);
  memset(b, 0, sizeof(*b));
}

/* Make room for @n more bytes at the front. */
static bool reserve(qe_fb_builder *b, size_t n)
{
  size_t ncap;
  uint8_t *nb;
  if (b->failed)
    return false;
  if (n > FB_MAX_SIZE - b->size) {
    b->failed = true;
    return false;
  }
  if (b->size + n <= b->cap)
    return true;
  ncap = b->cap ? b->cap : 1024;
  while (ncap < b->size + n)
    ncap *= 2;
  nb = malloc(ncap);
  if (nb == NULL) {
    b->failed = true;
    return false;
  }
  if (b->size > 0)
    memcpy(nb + ncap - b->size, b->buf + b->cap - b->size, b->size);
  free(b->buf);
  b->buf = nb;
  b->cap = ncap;
  return true;
}

static uint8_t *front(qe_fb_builder *b)
{
  return b->buf + b->cap - b->size;
}

static void push_bytes(qe_fb_builder *b, const void *p, size_t n)
{
  if (n == 0 || !reserve(b, n))
    return;
  b->size += n;
  if (n > 0)
    memcpy(front(b), p, n);
}

static void push_zeros(qe_fb_builder *b, size_t n)
{
  if (n == 0 || !reserve(b, n))
    return;
  b->size += n;
  memset(front(b), 0, n);
}

/* Pad so that after @len more bytes the size is a multiple of @align. */
static void prealign(qe_fb_builder *b, size_t len, size_t align)
{
  size_t pad;
  if (align > b->min_align)
    b->min_align = align;
  pad = (align - ((b->size + len) % align)) % align;
  push_zeros(b, pad);
}

static void push_u32(qe_fb_builder *b, uint32_t v)
{
  uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
  push_bytes(b, x, 4);
}

static void push_u16(qe_fb_builder *b, uint16_t v)
{
  uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
  push_bytes(b, x, 2);
}

/* A uoffset at the current front pointing to @ref. */
static void push_ref(qe_fb_builder *b, qe_fb_ref ref)
{
  prealign(b, 4, 4);
  push_u32(b, (uint32_t)(b->size + 4 - ref));
}

qe_fb_ref qe_fb_string(qe_fb_builder *b, const char *s)
{
  const size_t n = s ? strlen(s) : 0;
  prealign(b, n + 1, 4);
  push_zeros(b, 1);
  push_bytes(b, s, n);
  push_u32(b, (uint32_t)n);
  return b->failed ? 0 : (qe_fb_ref)b->size;
}

qe_fb_ref qe_fb_vector(qe_fb_builder *b, const void *data, size_t count, size_t elem_size,
                       size_t align)
{
  size_t bytes;
  if (align < elem_size)
    align = elem_size;
  if (align < 4)
    align = 4;
  if (elem_size != 0 && count > FB_MAX_SIZE / elem_size) {
    b->failed = true;
    return 0;
  }
  bytes = count * elem_size;
  /* The data must start aligned: the 4-byte length sits right before it. */
  prealign(b, bytes, align);
  prealign(b, bytes + 4, 4);
  push_bytes(b, data, bytes);
  push_u32(b, (uint32_t)count);
  return b->failed ? 0 : (qe_fb_ref)b->size;
}

qe_fb_ref qe_fb_vector_refs(qe_fb_builder *b, const qe_fb_ref *refs, size_t count)
{
  size_t i;
  prealign(b, count * 4 + 4, 4);
  for (i = count; i > 0; i--)
    push_ref(b, refs[i - 1]);
  push_u32(b, (uint32_t)count);
  return b->failed ? 0 : (qe_fb_ref)b->size;
}

void qe_fb_table_start(qe_fb_builder *b)
{
  b->in_table = true;
  b->n_fields = 0;
  memset(b->field_pos, 0, sizeof(b->field_pos));
  b->table_start = b->size;
}

static void track(qe_fb_builder *b, int field)
{
  if (field < 0 || field >= QE_FB_MAX_FIELDS || !b->in_table) {
    b->failed = true;
    return;
  }
  b->field_pos[field] = (uint32_t)b->size;
  if (field + 1 > b->n_fields)
    b->n_fields = field + 1;
}

void qe_fb_add_u8(qe_fb_builder *b, int field, uint8_t v, uint8_t def)
{
  if (v == def)
    return;
  prealign(b, 1, 1);
  push_bytes(b, &v, 1);
  track(b, field);
}

void qe_fb_add_u32(qe_fb_builder *b, int field, uint32_t v, uint32_t def)
{
  if (v == def)
    return;
  prealign(b, 4, 4);
  push_u32(b, v);
  track(b, field);
}

void qe_fb_add_i32(qe_fb_builder *b, int field, int32_t v, int32_t def)
{
  qe_fb_add_u32(b, field, (uint32_t)v, (uint32_t)def);
}

void qe_fb_add_f32(qe_fb_builder *b, int field, float v, float def)
{
  uint32_t u, d;
  memcpy(&u, &v, 4);
  memcpy(&d, &def, 4);
  qe_fb_add_u32(b, field, u, d);
}

void qe_fb_add_ref(qe_fb_builder *b, int field, qe_fb_ref ref)
{
  if (ref == 0)
    return;
  push_ref(b, ref);
  track(b, field);
}

qe_fb_ref qe_fb_table_end(qe_fb_builder *b)
{
  uint8_t vt[4 + 2 * QE_FB_MAX_FIELDS];
  size_t vt_size, i, table_size;
  qe_fb_ref table;
  int f;

  if (!b->in_table) {
    b->failed = true;
    return 0;
  }
  b->in_table = false;
  /* soffset to the vtable, patched below. */
  prealign(b, 4, 4);
  push_u32(b, 0);
  if (b->failed)
    return 0;
  table = (qe_fb_ref)b->size;
  table_size = table - b->table_start;
  vt_size = 4 + 2 * (size_t)b->n_fields;
  vt[0] = (uint8_t)vt_size;
  vt[1] = (uint8_t)(vt_size >> 8);
  vt[2] = (uint8_t)table_size;
  vt[3] = (uint8_t)(table_size >> 8);
  if (table_size > 0xffff) {
    b->failed = true;
    return 0;
  }
  for (f = 0; f < b->n_fields; f++) {
    const uint16_t off = b->field_pos[f] ? (uint16_t)(table - b->field_pos[f]) : 0;
    vt[4 + 2 * f] = (uint8_t)off;
    vt[5 + 2 * f] = (uint8_t)(off >> 8);
  }
  /* Share an identical vtable written before. */
  for (i = 0; i < b->n_vtables; i++) {
    const uint8_t *old = b->buf + b->cap - b->vtables[i];
    if (qe_fb_read_u16(old) == vt_size && memcmp(old, vt, vt_size) == 0) {
      /* vtable at a higher address: soffset = table - vtable < 0 */
      const int32_t soff = (int32_t)((int64_t)b->vtables[i] - (int64_t)table);
      uint8_t *tp = b->buf + b->cap - table;
      tp[0] = (uint8_t)soff;
      tp[1] = (uint8_t)((uint32_t)soff >> 8);
      tp[2] = (uint8_t)((uint32_t)soff >> 16);
      tp[3] = (uint8_t)((uint32_t)soff >> 24);
      return table;
    }
  }
  /* A new vtable right before the table (lower address): soffset > 0. */
  for (i = vt_size / 2; i > 0; i--)
    push_u16(b, qe_fb_read_u16(vt + 2 * (i - 1)));
  if (b->failed)
    return 0;
  {
    const int32_t soff = (int32_t)(b->size - table);
    uint8_t *tp = b->buf + b->cap - table;
    uint32_t *nv;
    tp[0] = (uint8_t)soff;
    tp[1] = (uint8_t)((uint32_t)soff >> 8);
    tp[2] = (uint8_t)((uint32_t)soff >> 16);
    tp[3] = (uint8_t)((uint32_t)soff >> 24);
    if (b->n_vtables == b->cap_vtables) {
      const size_t nc = b->cap_vtables ? b->cap_vtables * 2 : 16;
      nv = realloc(b->vtables, nc * sizeof(uint32_t));
      if (nv == NULL) {
        b->failed = true;
        return 0;
      }
      b->vtables = nv;
      b->cap_vtables = nc;
    }
    b->vtables[b->n_vtables++] = (uint32_t)b->size;
  }
  return table;
}

bool qe_fb_finish(qe_fb_builder *b, qe_fb_ref root, const char *ident, const uint8_t **out,
                  size_t *size)
{
  const size_t extra = ident ? 8 : 4;
  prealign(b, extra, b->min_align < 4 ? 4 : b->min_align);
  if (ident != NULL)
    push_bytes(b, ident, 4);
  push_ref(b, root);
  if (b->failed)
    return false;
  *out = front(b);
  *size = b->size;
  return true;
}

/* ---- reader ----------------------------------------------------------- */

#if defined(__GNUC__)
static bool fail(qe_fb_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif

static bool fail(qe_fb_reader *r, const char *fmt, ...)
{
  va_list ap;
  if (r->err[0] != '\0')
    return false; /* keep the first error */
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
  return false;
}

void qe_fb_reader_init(qe_fb_reader *r, const void *buf, size_t size)
{
  memset(r, 0, sizeof(*r));
  r->buf = buf;
  r->size = size;
  r->max_vector = size; /* no vector can hold more elements than bytes */
}

static bool in_range(const qe_fb_reader *r, size_t pos, size_t len)
{
  return pos <= r->size && len <= r->size - pos;
}

/* Follow the uoffset stored at @pos. */
static bool follow(qe_fb_reader *r, size_t pos, size_t *target)
{
  uint32_t off;
  if (pos % 4 != 0 || !in_range(r, pos, 4))
    return fail(r, "byte %zu: offset out of range or misaligned", pos);
  off = qe_fb_read_u32(r->buf + pos);
  if (off == 0)
    return fail(r, "byte %zu: zero offset (a cycle)", pos);
  if ((size_t)off > r->size - pos)
    return fail(r, "byte %zu: offset %u points past the end (%zu bytes)", pos, off, r->size);
  *target = pos + off;
  return true;
}

static bool table_at(qe_fb_reader *r, size_t pos, qe_fb_table *t)
{
  int64_t vt;
  int32_t soff;
  if (pos % 4 != 0 || !in_range(r, pos, 4))
    return fail(r, "byte %zu: table out of range or misaligned", pos);
  soff = qe_fb_read_i32(r->buf + pos);
  vt = (int64_t)pos - soff;
  if (vt < 0 || vt % 2 != 0 || !in_range(r, (size_t)vt, 4))
    return fail(r, "byte %zu: table's vtable at %lld is out of range", pos, (long long)vt);
  t->pos = pos;
  t->vt = (size_t)vt;
  t->vt_size = qe_fb_read_u16(r->buf + vt);
  t->size = qe_fb_read_u16(r->buf + vt + 2);
  if (t->vt_size < 4 || t->vt_size % 2 != 0 || !in_range(r, t->vt, t->vt_size))
    return fail(r, "byte %zu: vtable of %u bytes is invalid", (size_t)vt, t->vt_size);
  if (t->size < 4 || !in_range(r, pos, t->size))
    return fail(r, "byte %zu: table of %u bytes runs past the end", pos, t->size);
  return true;
}

bool qe_fb_root(qe_fb_reader *r, const char *ident, qe_fb_table *t)
{
  size_t root;
  memset(t, 0, sizeof(*t));
  if (r->size < 8 || r->size > FB_MAX_SIZE)
    return fail(r, "%zu bytes is not a flatbuffer", r->size);
  if (ident != NULL && memcmp(r->buf + 4, ident, 4) != 0)
    return fail(r, "byte 4: file identifier is not \"%.4s\"", ident);
  if (!follow(r, 0, &root))
    return false;
  return table_at(r, root, t);
}

size_t qe_fb_field(const qe_fb_reader *r, const qe_fb_table *t, int field)
{
  size_t slot;
  uint16_t off;
  if (t->pos == 0 || field < 0)
    return 0;
  slot = 4 + 2 * (size_t)field;
  if (slot + 2 > t->vt_size)
    return 0;
  off = qe_fb_read_u16(r->buf + t->vt + slot);
  return off == 0 ? 0 : t->pos + off;
}

/* Position of a scalar field of @len bytes inside the table, 0 if absent. */
static bool scalar(qe_fb_reader *r, const qe_fb_table *t, int field, size_t len, size_t *pos)
{
  *pos = qe_fb_field(r, t, field);
  if (*pos == 0)
    return true;
  if (*pos + len > t->pos + t->size || !in_range(r, *pos, len))
    return fail(r, "byte %zu: field %d runs past its table", *pos, field);
  return true;
}

bool qe_fb_u8(qe_fb_reader *r, const qe_fb_table *t, int field, uint8_t def, uint8_t *v)
{
  size_t pos;
  if (!scalar(r, t, field, 1, &pos))
    return false;
  *v = pos ? r->buf[pos] : def;
  return true;
}

bool qe_fb_u32(qe_fb_reader *r, const qe_fb_table *t, int field, uint32_t def, uint32_t *v)
{
  size_t pos;
  if (!scalar(r, t, field, 4, &pos))
    return false;
  *v = pos ? qe_fb_read_u32(r->buf + pos) : def;
  return true;
}

bool qe_fb_i32(qe_fb_reader *r, const qe_fb_table *t, int field, int32_t def, int32_t *v)
{
  uint32_t u;
  if (!qe_fb_u32(r, t, field, (uint32_t)def, &u))
    return false;
  *v = (int32_t)u;
  return true;
}

bool qe_fb_u64(qe_fb_reader *r, const qe_fb_table *t, int field, uint64_t def, uint64_t *v)
{
  size_t pos;
  if (!scalar(r, t, field, 8, &pos))
    return false;
  *v = pos ? ((uint64_t)qe_fb_read_u32(r->buf + pos) |
              ((uint64_t)qe_fb_read_u32(r->buf + pos + 4) << 32))
           : def;
  return true;
}

bool qe_fb_f32(qe_fb_reader *r, const qe_fb_table *t, int field, float def, float *v)
{
  uint32_t u, d;
  memcpy(&d, &def, 4);
  if (!qe_fb_u32(r, t, field, d, &u))
    return false;
  memcpy(v, &u, 4);
  return true;
}

bool qe_fb_subtable(qe_fb_reader *r, const qe_fb_table *t, int field, qe_fb_table *sub)
{
  size_t pos = qe_fb_field(r, t, field), target;
  memset(sub, 0, sizeof(*sub));
  if (pos == 0)
    return true;
  if (!follow(r, pos, &target))
    return false;
  return table_at(r, target, sub);
}

static bool vector_at(qe_fb_reader *r, size_t pos, size_t elem_size, qe_fb_vec *v)
{
  uint32_t n;
  if (pos % 4 != 0 || !in_range(r, pos, 4))
    return fail(r, "byte %zu: vector out of range or misaligned", pos);
  n = qe_fb_read_u32(r->buf + pos);
  if (n > r->max_vector || (elem_size > 0 && (size_t)n > (r->size - pos - 4) / elem_size))
    return fail(r, "byte %zu: vector of %u elements of %zu bytes runs past the end", pos, n,
                elem_size);
  v->pos = pos + 4;
  v->count = n;
  return true;
}

bool qe_fb_vector_field(qe_fb_reader *r, const qe_fb_table *t, int field, size_t elem_size,
                        qe_fb_vec *v)
{
  size_t pos = qe_fb_field(r, t, field), target;
  memset(v, 0, sizeof(*v));
  if (pos == 0)
    return true;
  if (!follow(r, pos, &target))
    return false;
  return vector_at(r, target, elem_size, v);
}

bool qe_fb_vector_table(qe_fb_reader *r, const qe_fb_vec *v, uint32_t i, qe_fb_table *t)
{
  size_t target;
  memset(t, 0, sizeof(*t));
  if (i >= v->count)
    return fail(r, "vector index %u out of range (%u)", i, v->count);
  if (!follow(r, v->pos + 4 * (size_t)i, &target))
    return false;
  return table_at(r, target, t);
}

bool qe_fb_string_field(qe_fb_reader *r, const qe_fb_table *t, int field, const char **s,
                        size_t *len)
{
  qe_fb_vec v;
  *s = NULL;
  if (len != NULL)
    *len = 0;
  if (!qe_fb_vector_field(r, t, field, 1, &v))
    return false;
  if (v.pos == 0)
    return true;
  if (!in_range(r, v.pos, (size_t)v.count + 1) || r->buf[v.pos + v.count] != '\0')
    return fail(r, "byte %zu: string is not NUL-terminated", v.pos);
  *s = (const char *)r->buf + v.pos;
  if (len != NULL)
    *len = v.count;
  return true;
}
