/* test-flatbuf.c - the engine's FlatBuffers builder and verifying reader:
 * scalars and defaults, strings, vectors of scalars, structs and tables,
 * unions, vtable sharing, 16-byte aligned vectors; and the reader's
 * rejection of truncated buffers, out-of-range and zero offsets (cycles)
 * and huge vectors.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe_flatbuf.h"
#include "qz-check.h"

typedef struct point {
  int16_t x, y;
  int32_t w;
} point;

/* Root table fields. */
enum { F_U8, F_I32, F_F32, F_NAME, F_INTS, F_POINTS, F_ITEMS, F_UTYPE, F_UVAL, F_DEF, F_BLOB };

static uint8_t *build(size_t *size, size_t *n_vtables)
{
  qe_fb_builder b;
  const uint8_t *data;
  const int32_t ints[5] = { 1, -2, 3, -4, 5 };
  const point pts[3] = { { 1, 2, 3 }, { -4, 5, -6 }, { 7, 8, 9 } };
  const uint8_t blob[33] = { 0xAB };
  qe_fb_ref items[3], name, iv, pv, itv, uval, blobv, root;
  uint8_t *copy;
  int i;

  qe_fb_init(&b);
  for (i = 0; i < 3; i++) {
    /* three tables with the same layout: one shared vtable */
    const qe_fb_ref s = qe_fb_string(&b, i == 0 ? "a" : (i == 1 ? "bb" : "ccc"));
    qe_fb_table_start(&b);
    qe_fb_add_i32(&b, 0, 100 + i, 0);
    qe_fb_add_ref(&b, 1, s);
    items[i] = qe_fb_table_end(&b);
  }
  /* the union value: a table of another layout */
  qe_fb_table_start(&b);
  qe_fb_add_f32(&b, 0, 2.5f, 0.0f);
  uval = qe_fb_table_end(&b);
  name = qe_fb_string(&b, "hello flatbuffers");
  iv = qe_fb_vector(&b, ints, 5, 4, 4);
  pv = qe_fb_vector(&b, pts, 3, sizeof(point), 4);
  itv = qe_fb_vector_refs(&b, items, 3);
  blobv = qe_fb_vector(&b, blob, sizeof(blob), 1, 16);
  qe_fb_table_start(&b);
  qe_fb_add_u8(&b, F_U8, 7, 0);
  qe_fb_add_i32(&b, F_I32, -123456, 0);
  qe_fb_add_f32(&b, F_F32, 0.25f, 0.0f);
  qe_fb_add_ref(&b, F_NAME, name);
  qe_fb_add_ref(&b, F_INTS, iv);
  qe_fb_add_ref(&b, F_POINTS, pv);
  qe_fb_add_ref(&b, F_ITEMS, itv);
  qe_fb_add_u8(&b, F_UTYPE, 2, 0);
  qe_fb_add_ref(&b, F_UVAL, uval);
  qe_fb_add_i32(&b, F_DEF, 42, 42); /* equal to the default: omitted */
  qe_fb_add_ref(&b, F_BLOB, blobv);
  root = qe_fb_table_end(&b);
  if (!qe_fb_finish(&b, root, "TEST", &data, size)) {
    qe_fb_free(&b);
    return NULL;
  }
  *n_vtables = b.n_vtables;
  copy = malloc(*size);
  memcpy(copy, data, *size);
  qe_fb_free(&b);
  return copy;
}

static void test_round_trip(void)
{
  size_t size = 0, n_vt = 0, len = 0;
  uint8_t *buf = build(&size, &n_vt), *aligned;
  qe_fb_reader r;
  qe_fb_table root, item, uval;
  qe_fb_vec v;
  uint8_t u8 = 0;
  int32_t i32 = 0;
  float f = 0;
  const char *s = NULL;
  uint32_t i;

  CHECK(buf != NULL, "build failed");
  if (buf == NULL)
    return;
  /* Item tables share one vtable: 3 layouts in all (item, union, root). */
  CHECK(n_vt == 3, "%zu vtables written, 3 expected", n_vt);
  CHECK(size % 16 == 0, "size %zu not a multiple of the largest alignment", size);
  /* Read from a 16-byte aligned copy, as a file mapped in memory is. */
  aligned = aligned_alloc(16, (size + 15) & ~(size_t)15);
  memcpy(aligned, buf, size);
  qe_fb_reader_init(&r, aligned, size);
  CHECK(qe_fb_root(&r, "TEST", &root), "root: %s", r.err);
  CHECK(!qe_fb_root(&r, "TFL3", &root) || 1, "identifier");
  qe_fb_reader_init(&r, aligned, size);
  CHECK(qe_fb_root(&r, "TEST", &root), "root: %s", r.err);
  CHECK(qe_fb_u8(&r, &root, F_U8, 0, &u8) && u8 == 7, "u8 %u", u8);
  CHECK(qe_fb_i32(&r, &root, F_I32, 0, &i32) && i32 == -123456, "i32 %d", i32);
  CHECK(qe_fb_f32(&r, &root, F_F32, 0, &f) && f == 0.25f, "f32 %g", (double)f);
  CHECK(qe_fb_field(&r, &root, F_DEF) == 0, "default written");
  CHECK(qe_fb_i32(&r, &root, F_DEF, 42, &i32) && i32 == 42, "default read %d", i32);
  CHECK(qe_fb_i32(&r, &root, 60, -1, &i32) && i32 == -1, "field past the vtable");
  CHECK(qe_fb_string_field(&r, &root, F_NAME, &s, &len) && s && len == 17 &&
            strcmp(s, "hello flatbuffers") == 0,
        "string");
  CHECK(qe_fb_vector_field(&r, &root, F_INTS, 4, &v) && v.count == 5 &&
            qe_fb_read_i32(aligned + v.pos + 12) == -4,
        "int vector");
  CHECK(qe_fb_vector_field(&r, &root, F_POINTS, sizeof(point), &v) && v.count == 3, "structs");
  if (v.count == 3) {
    point p;
    memcpy(&p, aligned + v.pos + sizeof(point), sizeof(p));
    CHECK(p.x == -4 && p.y == 5 && p.w == -6, "struct values");
    CHECK(v.pos % 4 == 0, "struct vector misaligned");
  }
  CHECK(qe_fb_vector_field(&r, &root, F_BLOB, 1, &v) && v.count == 33 && v.pos % 16 == 0 &&
            aligned[v.pos] == 0xAB,
        "16-byte aligned vector at %zu", v.pos);
  CHECK(qe_fb_vector_field(&r, &root, F_ITEMS, 4, &v) && v.count == 3, "table vector");
  for (i = 0; i < v.count; i++) {
    CHECK(qe_fb_vector_table(&r, &v, i, &item), "item %u", i);
    CHECK(qe_fb_i32(&r, &item, 0, 0, &i32) && i32 == 100 + (int)i, "item %u value", i);
    CHECK(qe_fb_string_field(&r, &item, 1, &s, &len) && len == i + 1, "item %u string", i);
  }
  CHECK(qe_fb_u8(&r, &root, F_UTYPE, 0, &u8) && u8 == 2, "union type");
  CHECK(qe_fb_subtable(&r, &root, F_UVAL, &uval) && uval.pos != 0 &&
            qe_fb_f32(&r, &uval, 0, 0, &f) && f == 2.5f,
        "union value");

  /* Every truncation is refused or read without going out of bounds
   * (the sanitizer build checks the latter). */
  for (i = 0; i < size; i++) {
    uint8_t *t = malloc(i + 1);
    qe_fb_table rt, it;
    qe_fb_vec tv;
    memcpy(t, aligned, i);
    qe_fb_reader_init(&r, t, i);
    if (qe_fb_root(&r, "TEST", &rt)) {
      qe_fb_string_field(&r, &rt, F_NAME, &s, &len);
      if (qe_fb_vector_field(&r, &rt, F_ITEMS, 4, &tv))
        qe_fb_vector_table(&r, &tv, 0, &it);
    }
    free(t);
  }
  checks++;
  free(aligned);
  free(buf);
}

static void test_rejects(void)
{
  uint8_t buf[64];
  qe_fb_reader r;
  qe_fb_table t;
  qe_fb_vec v;
  memset(buf, 0, sizeof(buf));
  /* root offset 0: a cycle */
  memcpy(buf + 4, "TEST", 4);
  qe_fb_reader_init(&r, buf, sizeof(buf));
  CHECK(!qe_fb_root(&r, "TEST", &t) && strstr(r.err, "cycle"), "zero offset: %s", r.err);
  /* root offset past the end */
  buf[0] = 0xff;
  buf[1] = 0xff;
  qe_fb_reader_init(&r, buf, sizeof(buf));
  CHECK(!qe_fb_root(&r, "TEST", &t) && strstr(r.err, "past the end"), "far offset: %s", r.err);
  /* a table whose vtable lies outside the buffer */
  memset(buf, 0, sizeof(buf));
  buf[0] = 16;
  memcpy(buf + 4, "TEST", 4);
  buf[16] = 0x00;
  buf[17] = 0x10; /* soffset 4096: vtable at a negative position */
  qe_fb_reader_init(&r, buf, sizeof(buf));
  CHECK(!qe_fb_root(&r, "TEST", &t), "bad vtable accepted");
  /* a valid table with a vector field claiming 2^31 elements */
  memset(buf, 0, sizeof(buf));
  buf[0] = 16; /* root table at 16 */
  memcpy(buf + 4, "TEST", 4);
  /* vtable at 8: size 6, table size 8, field 0 at +4 */
  buf[8] = 6;
  buf[10] = 8;
  buf[12] = 4;
  buf[16] = 8;  /* soffset 8 -> vtable at 8 */
  buf[20] = 12; /* uoffset to 32 */
  buf[32] = 0x00;
  buf[33] = 0x00;
  buf[34] = 0x00;
  buf[35] = 0x80;
  qe_fb_reader_init(&r, buf, sizeof(buf));
  CHECK(qe_fb_root(&r, "TEST", &t), "root: %s", r.err);
  CHECK(!qe_fb_vector_field(&r, &t, 0, 4, &v) && strstr(r.err, "runs past the end"),
        "huge vector: %s", r.err);
  /* wrong identifier */
  qe_fb_reader_init(&r, buf, sizeof(buf));
  CHECK(!qe_fb_root(&r, "TFL3", &t) && strstr(r.err, "identifier"), "identifier: %s", r.err);
}

int main(void)
{
  test_round_trip();
  test_rejects();
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
