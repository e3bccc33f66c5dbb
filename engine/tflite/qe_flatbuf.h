/* qe_flatbuf.h - a small FlatBuffers builder and a verifying reader
 * (engine internal; used by the TFLite writer and reader).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The builder writes back to front as the FlatBuffers reference builder
 * does: children first, so every uoffset points forward. Offsets returned
 * (qe_fb_ref) count bytes from the end of the buffer. Tables are built
 * between qe_fb_table_start() and qe_fb_table_end(); identical vtables are
 * shared. Vectors are aligned to their element size (or more, e.g. the
 * 16 bytes TFLite wants for buffer data); the finished buffer is aligned
 * to the largest alignment used.
 *
 * The reader checks every access: offsets inside the buffer, tables'
 * vtables in range, vector lengths that fit, strings NUL-terminated. As
 * uoffsets are unsigned and must be non-zero, following references always
 * moves forward: no cycle can be followed.
 */
#ifndef QE_FLATBUF_H
#define QE_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t qe_fb_ref;

#define QE_FB_MAX_FIELDS 64

typedef struct qe_fb_builder {
  uint8_t *buf; /* capacity bytes; data lives in [buf + cap - size, buf + cap) */
  size_t cap;
  size_t size;
  size_t min_align;
  bool failed; /* out of memory or over 2 GiB: every later call is a no-op */
  /* the table being built */
  bool in_table;
  size_t table_start;
  uint32_t field_pos[QE_FB_MAX_FIELDS]; /* size when the field was written, 0 = absent */
  int n_fields;
  /* offsets (from the end) of the vtables written so far, for sharing */
  uint32_t *vtables;
  size_t n_vtables, cap_vtables;
} qe_fb_builder;

void qe_fb_init(qe_fb_builder *b);
void qe_fb_free(qe_fb_builder *b);

qe_fb_ref qe_fb_string(qe_fb_builder *b, const char *s);
/* A vector of @count elements of @elem_size bytes (scalars or structs, in
 * little-endian layout), aligned to max(@align, elem_size, 4). */
qe_fb_ref qe_fb_vector(qe_fb_builder *b, const void *data, size_t count, size_t elem_size,
                       size_t align);
/* A vector of offsets (tables or strings). */
qe_fb_ref qe_fb_vector_refs(qe_fb_builder *b, const qe_fb_ref *refs, size_t count);

void qe_fb_table_start(qe_fb_builder *b);
/* Scalars are written only when different from @def (as the reference
 * builder does unless forced). */
void qe_fb_add_u8(qe_fb_builder *b, int field, uint8_t v, uint8_t def);
void qe_fb_add_i32(qe_fb_builder *b, int field, int32_t v, int32_t def);
void qe_fb_add_u32(qe_fb_builder *b, int field, uint32_t v, uint32_t def);
void qe_fb_add_f32(qe_fb_builder *b, int field, float v, float def);
void qe_fb_add_ref(qe_fb_builder *b, int field, qe_fb_ref ref);
qe_fb_ref qe_fb_table_end(qe_fb_builder *b);

/* Finish with @root and a 4-character file identifier (or NULL). On
 * success *out points into the builder (valid until qe_fb_free). */
bool qe_fb_finish(qe_fb_builder *b, qe_fb_ref root, const char *ident, const uint8_t **out,
                  size_t *size);

/* ---- reader ----------------------------------------------------------- */

typedef struct qe_fb_reader {
  const uint8_t *buf;
  size_t size;
  size_t max_vector; /* largest element count accepted */
  char err[256];     /* what went wrong, with the byte */
} qe_fb_reader;

/* A table: its position and vtable. pos == 0 means absent. */
typedef struct qe_fb_table {
  size_t pos;
  size_t vt;
  uint16_t vt_size;
  uint16_t size;
} qe_fb_table;

typedef struct qe_fb_vec {
  size_t pos; /* first element */
  uint32_t count;
} qe_fb_vec;

void qe_fb_reader_init(qe_fb_reader *r, const void *buf, size_t size);
/* The root table (after checking the identifier when @ident != NULL). */
bool qe_fb_root(qe_fb_reader *r, const char *ident, qe_fb_table *t);

/* Field position in @t, 0 when absent. */
size_t qe_fb_field(const qe_fb_reader *r, const qe_fb_table *t, int field);
bool qe_fb_u8(qe_fb_reader *r, const qe_fb_table *t, int field, uint8_t def, uint8_t *v);
bool qe_fb_i32(qe_fb_reader *r, const qe_fb_table *t, int field, int32_t def, int32_t *v);
bool qe_fb_u32(qe_fb_reader *r, const qe_fb_table *t, int field, uint32_t def, uint32_t *v);
bool qe_fb_u64(qe_fb_reader *r, const qe_fb_table *t, int field, uint64_t def, uint64_t *v);
bool qe_fb_f32(qe_fb_reader *r, const qe_fb_table *t, int field, float def, float *v);
/* A sub-table (absent: t->pos == 0). */
bool qe_fb_subtable(qe_fb_reader *r, const qe_fb_table *t, int field, qe_fb_table *sub);
/* A vector of @elem_size elements (absent: count 0, pos 0). */
bool qe_fb_vector_field(qe_fb_reader *r, const qe_fb_table *t, int field, size_t elem_size,
                        qe_fb_vec *v);
/* Element @i of a vector of tables. */
bool qe_fb_vector_table(qe_fb_reader *r, const qe_fb_vec *v, uint32_t i, qe_fb_table *t);
/* A string (NULL when absent); *len its length. Points into the buffer. */
bool qe_fb_string_field(qe_fb_reader *r, const qe_fb_table *t, int field, const char **s,
                        size_t *len);

static inline uint32_t qe_fb_read_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t qe_fb_read_i32(const uint8_t *p)
{
  return (int32_t)qe_fb_read_u32(p);
}
static inline uint16_t qe_fb_read_u16(const uint8_t *p)
{
  return (uint16_t)(p[0] | (p[1] << 8));
}

#endif /* QE_FLATBUF_H */
