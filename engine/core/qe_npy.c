/* qe_npy.c - NumPy .npy and .npz files.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * .npy layout (numpy/lib/format.py, "NEP 1"): the magic "\x93NUMPY", a major
 * and minor version byte, the header length (uint16 LE for 1.0, uint32 LE
 * for 2.0 and 3.0), then a Python dict literal with the keys 'descr',
 * 'fortran_order' and 'shape', padded with spaces and a newline; the data
 * follows. .npz is a zip archive of .npy members (PKWARE APPNOTE 6.3: local
 * headers, a central directory, the end-of-central-directory record and its
 * zip64 variants).
 */
#include "qe/qe_npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qe/qe_fileutil.h"
#include "qe_internal.h"

/* ---- .npy header ------------------------------------------------------ */

typedef struct {
  char kind; /* 'f', 'i', 'u', 'b', 'U', 'S' */
  int itemsize;
  bool big_endian;
  qe_dtype dtype;
  bool fortran;
  int rank;
  int64_t dims[QE_MAX_RANK];
  size_t data_offset;
} npy_header;

static const char *skip_ws(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* Find the value text after 'key': in the dict literal. */
static const char *find_key(const char *h, const char *end, const char *key)
{
  size_t klen = strlen(key);
  for (const char *p = h; p + klen + 2 < end; p++) {
    if ((*p == '\'' || *p == '"') && strncmp(p + 1, key, klen) == 0 && p[klen + 1] == *p) {
      const char *q = skip_ws(p + klen + 2, end);
      if (q < end && *q == ':')
        return skip_ws(q + 1, end);
    }
  }
  return NULL;
}

static qe_status parse_descr(const char *d, size_t len, npy_header *h, const char *name,
                             qe_ctx *ctx)
{
  char code[32];
  if (len == 0 || len >= sizeof code)
    return qe_error(ctx, QE_ERR_PARSE, "%s: invalid dtype in the .npy header", name);
  memcpy(code, d, len);
  code[len] = '\0';
  const char *c = code;
  h->big_endian = false;
  if (*c == '>')
    h->big_endian = true;
  if (*c == '<' || *c == '>' || *c == '|' || *c == '=')
    c++;
  h->kind = *c;
  char *endp;
  long size = strtol(c + 1, &endp, 10);
  if (*endp != '\0' || size <= 0 || size > 1 << 20)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: dtype '%s' is not supported", name, code);
  h->itemsize = (int)size;
  if (h->kind == 'U' || h->kind == 'S') {
    h->dtype = QE_DT_STRING;
    return QE_OK;
  }
  char plain[32];
  snprintf(plain, sizeof plain, "%c%ld", h->kind, size);
  h->dtype = qe_dtype_from_name(plain);
  if (h->dtype == QE_DT_UNDEFINED)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%s: dtype '%s' is not supported (numbers and strings only)", name, code);
  if (h->itemsize == 1)
    h->big_endian = false;
  return QE_OK;
}

static qe_status parse_header(const uint8_t *data, size_t len, const char *name, npy_header *h,
                              qe_ctx *ctx)
{
  memset(h, 0, sizeof *h);
  if (len < 10 || memcmp(data, "\x93NUMPY", 6) != 0)
    return qe_error(ctx, QE_ERR_PARSE, "%s: not a .npy file (wrong magic bytes)", name);
  int major = data[6];
  size_t hlen, start;
  if (major == 1) {
    hlen = (size_t)data[8] | ((size_t)data[9] << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12)
      return qe_error(ctx, QE_ERR_PARSE, "%s: truncated .npy header", name);
    hlen = (size_t)data[8] | ((size_t)data[9] << 8) | ((size_t)data[10] << 16) |
           ((size_t)data[11] << 24);
    start = 12;
  } else {
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: .npy format version %d.%d is not supported", name,
                    major, data[7]);
  }
  if (hlen > len - start)
    return qe_error(ctx, QE_ERR_PARSE, "%s: .npy header of %zu bytes runs past the end of the file",
                    name, hlen);
  const char *hs = (const char *)data + start, *he = hs + hlen;
  h->data_offset = start + hlen;

  const char *v = find_key(hs, he, "descr");
  if (!v || (*v != '\'' && *v != '"'))
    return qe_error(ctx, QE_ERR_PARSE, "%s: .npy header has no 'descr' string", name);
  const char *vend = memchr(v + 1, *v, (size_t)(he - v - 1));
  if (!vend)
    return qe_error(ctx, QE_ERR_PARSE, "%s: unterminated 'descr' in the .npy header", name);
  qe_status st = parse_descr(v + 1, (size_t)(vend - v - 1), h, name, ctx);
  if (st != QE_OK)
    return st;

  v = find_key(hs, he, "fortran_order");
  if (!v)
    return qe_error(ctx, QE_ERR_PARSE, "%s: .npy header has no 'fortran_order'", name);
  h->fortran = (he - v >= 4 && strncmp(v, "True", 4) == 0);

  v = find_key(hs, he, "shape");
  if (!v || *v != '(')
    return qe_error(ctx, QE_ERR_PARSE, "%s: .npy header has no 'shape' tuple", name);
  v++;
  for (;;) {
    v = skip_ws(v, he);
    if (v >= he)
      return qe_error(ctx, QE_ERR_PARSE, "%s: unterminated 'shape' in the .npy header", name);
    if (*v == ')')
      break;
    if (h->rank >= QE_MAX_RANK)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "%s: arrays of more than %d dimensions are not supported", name, QE_MAX_RANK);
    char *endp;
    errno = 0;
    long long d = strtoll(v, &endp, 10);
    if (endp == v || d < 0 || errno == ERANGE || endp > he)
      return qe_error(ctx, QE_ERR_PARSE, "%s: invalid dimension in the .npy 'shape'", name);
    h->dims[h->rank++] = d;
    v = skip_ws(endp, he);
    if (v < he && *v == ',')
      v++;
  }
  return QE_OK;
}

static void byteswap(uint8_t *p, size_t n, int size)
{
  for (size_t i = 0; i < n; i++, p += size)
    for (int a = 0, b = size - 1; a < b; a++, b--) {
      uint8_t t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
}

/* Fortran order → C order, element size @es. */
static qe_status fortran_to_c(qe_array *a, qe_ctx *ctx)
{
  size_t es = qe_dtype_size(a->dtype), n = (size_t)qe_array_count(a);
  if (a->rank < 2 || n == 0)
    return QE_OK;
  uint8_t *src = a->data, *dst;
  qe_status st = qe_alloc(ctx, n, es, "a transposed array", (void **)&dst);
  if (st != QE_OK)
    return st;
  int64_t idx[QE_MAX_RANK] = { 0 };
  for (size_t i = 0; i < n; i++) {
    /* i enumerates C order; compute the Fortran offset. */
    size_t off = 0, stride = 1;
    for (int d = 0; d < a->rank; d++) {
      off += (size_t)idx[d] * stride;
      stride *= (size_t)a->dims[d];
    }
    memcpy(dst + i * es, src + off * es, es);
    for (int d = a->rank - 1; d >= 0; d--) {
      if (++idx[d] < a->dims[d])
        break;
      idx[d] = 0;
    }
  }
  free(a->data);
  a->data = dst;
  return QE_OK;
}

qe_status qe_npy_parse(const uint8_t *data, size_t len, const char *name, qe_array **out,
                       qe_ctx *ctx)
{
  npy_header h;
  *out = NULL;
  if (!name)
    name = "(array)";
  qe_status st = parse_header(data, len, name, &h, ctx);
  if (st != QE_OK)
    return st;
  if (h.dtype == QE_DT_STRING)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: holds strings, not numbers", name);
  qe_array *a;
  st = qe_array_new(h.dtype, h.rank, h.dims, &a, ctx);
  if (st != QE_OK)
    return qe_error_prefix(ctx, "%s", name);
  size_t nbytes = qe_array_nbytes(a);
  if (nbytes > len - h.data_offset) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: truncated: the shape needs %zu data bytes, the file has %zu", name, nbytes,
                    len - h.data_offset);
  }
  memcpy(a->data, data + h.data_offset, nbytes);
  if (h.big_endian)
    byteswap(a->data, (size_t)qe_array_count(a), h.itemsize);
  if (h.fortran && (st = fortran_to_c(a, ctx)) != QE_OK) {
    qe_array_free(a);
    return st;
  }
  *out = a;
  return QE_OK;
}

qe_status qe_npy_read(const char *path, qe_array **out, qe_ctx *ctx)
{
  uint8_t *data;
  size_t len;
  *out = NULL;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st != QE_OK)
    return st;
  st = qe_npy_parse(data, len, path, out, ctx);
  free(data);
  return st;
}

static char *npy_header_text(const qe_array *a, size_t *total_len)
{
  char shape[256];
  size_t off = 0;
  shape[0] = '\0';
  for (int i = 0; i < a->rank; i++)
    off += (size_t)snprintf(shape + off, sizeof shape - off, "%lld%s", (long long)a->dims[i],
                            (a->rank == 1 || i < a->rank - 1) ? ", " : "");
  if (a->rank == 1)
    shape[off - 1] = '\0'; /* "(3,)" */
  static const char *const codes[QE_DT_COUNT] = {
    [QE_DT_F32] = "<f4", [QE_DT_F16] = "<f2", [QE_DT_F64] = "<f8", [QE_DT_I8] = "|i1",
    [QE_DT_U8] = "|u1",  [QE_DT_I16] = "<i2", [QE_DT_U16] = "<u2", [QE_DT_I32] = "<i4",
    [QE_DT_U32] = "<u4", [QE_DT_I64] = "<i8", [QE_DT_U64] = "<u8", [QE_DT_BOOL] = "|b1",
  };
  const char *code = (unsigned)a->dtype < QE_DT_COUNT ? codes[a->dtype] : NULL;
  if (!code)
    return NULL;
  char *dict =
      qe_strdup_printf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", code, shape);
  if (!dict)
    return NULL;
  size_t dlen = strlen(dict);
  size_t hlen = 10 + dlen + 1;
  size_t padded = (hlen + 63) / 64 * 64;
  char *buf = malloc(padded + 1);
  if (!buf) {
    free(dict);
    return NULL;
  }
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  size_t hl = padded - 10;
  buf[8] = (char)(hl & 0xFF);
  buf[9] = (char)(hl >> 8);
  memcpy(buf + 10, dict, dlen);
  memset(buf + 10 + dlen, ' ', padded - 10 - dlen - 1);
  buf[padded - 1] = '\n';
  buf[padded] = '\0';
  free(dict);
  *total_len = padded;
  return buf;
}

/* The whole .npy image of @a in memory. */
static qe_status npy_image(const qe_array *a, uint8_t **out, size_t *len, qe_ctx *ctx)
{
  size_t hlen;
  char *hdr = npy_header_text(a, &hlen);
  if (!hdr)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "cannot write %s arrays to .npy",
                    qe_dtype_name(a->dtype));
  if (hlen > 65535 + 10) {
    free(hdr);
    return qe_error(ctx, QE_ERR_UNSUPPORTED, ".npy header too long");
  }
  size_t nbytes = qe_array_nbytes(a);
  uint8_t *buf = malloc(hlen + nbytes + 1);
  if (!buf) {
    free(hdr);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory writing .npy");
  }
  memcpy(buf, hdr, hlen);
  if (nbytes)
    memcpy(buf + hlen, a->data, nbytes);
  free(hdr);
  *out = buf;
  *len = hlen + nbytes;
  return QE_OK;
}

qe_status qe_npy_write(const char *path, const qe_array *a, qe_ctx *ctx)
{
  uint8_t *img;
  size_t len;
  qe_status st = npy_image(a, &img, &len, ctx);
  if (st != QE_OK)
    return qe_error_prefix(ctx, "%s", path);
  st = qe_write_file_atomic(path, img, len, ctx);
  free(img);
  return st;
}

/* ---- .npz (zip) ------------------------------------------------------- */

typedef struct {
  char *name; /* without .npy */
  uint16_t method;
  uint32_t crc;
  uint64_t comp_size, size, local_offset;
} npz_member;

struct qe_npz {
  char *path;
  FILE *f;
  uint64_t file_size;
  npz_member *members;
  size_t n, cap;
};

static uint16_t rd16(const uint8_t *p)
{
  return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p)
{
  return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

static qe_status read_at(qe_npz *z, uint64_t off, void *buf, size_t n, qe_ctx *ctx)
{
  if (off > z->file_size || n > z->file_size - off)
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: byte %llu: zip structure points past the end of the file", z->path,
                    (unsigned long long)off);
  if (fseeko(z->f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, n, z->f) != n)
    return qe_error(ctx, QE_ERR_IO, "%s: read failed at byte %llu", z->path,
                    (unsigned long long)off);
  return QE_OK;
}

void qe_npz_close(qe_npz *z)
{
  if (!z)
    return;
  if (z->f)
    fclose(z->f);
  for (size_t i = 0; i < z->n; i++)
    free(z->members[i].name);
  free(z->members);
  free(z->path);
  free(z);
}

static qe_status parse_central(qe_npz *z, uint64_t cd_off, uint64_t cd_size, uint64_t count,
                               qe_ctx *ctx)
{
  uint8_t *cd;
  if (cd_size > z->file_size || cd_off > z->file_size - cd_size)
    return qe_error(ctx, QE_ERR_PARSE, "%s: the zip central directory lies outside the file",
                    z->path);
  qe_status st = qe_alloc(ctx, (size_t)cd_size + 1, 1, "the zip directory", (void **)&cd);
  if (st != QE_OK)
    return st;
  if ((st = read_at(z, cd_off, cd, (size_t)cd_size, ctx)) != QE_OK) {
    free(cd);
    return st;
  }
  size_t p = 0;
  for (uint64_t i = 0; i < count; i++) {
    if (p + 46 > cd_size || rd32(cd + p) != 0x02014b50u) {
      free(cd);
      return qe_error(ctx, QE_ERR_PARSE, "%s: byte %llu: corrupt zip central directory entry %llu",
                      z->path, (unsigned long long)(cd_off + p), (unsigned long long)i);
    }
    npz_member m = { 0 };
    m.method = rd16(cd + p + 10);
    m.crc = rd32(cd + p + 16);
    m.comp_size = rd32(cd + p + 20);
    m.size = rd32(cd + p + 24);
    size_t nlen = rd16(cd + p + 28), xlen = rd16(cd + p + 30), clen = rd16(cd + p + 32);
    m.local_offset = rd32(cd + p + 42);
    if (p + 46 + nlen + xlen + clen > cd_size) {
      free(cd);
      return qe_error(ctx, QE_ERR_PARSE, "%s: zip directory entry %llu is truncated", z->path,
                      (unsigned long long)i);
    }
    /* zip64 extended information: present fields are those saturated. */
    const uint8_t *x = cd + p + 46 + nlen, *xe = x + xlen;
    while (x + 4 <= xe) {
      uint16_t id = rd16(x), sz = rd16(x + 2);
      const uint8_t *d = x + 4;
      if (d + sz > xe)
        break;
      if (id == 0x0001) {
        const uint8_t *q = d;
        if (m.size == 0xFFFFFFFFu && q + 8 <= d + sz) {
          m.size = rd64(q);
          q += 8;
        }
        if (m.comp_size == 0xFFFFFFFFu && q + 8 <= d + sz) {
          m.comp_size = rd64(q);
          q += 8;
        }
        if (m.local_offset == 0xFFFFFFFFu && q + 8 <= d + sz)
          m.local_offset = rd64(q);
      }
      x = d + sz;
    }
    const char *nm = (const char *)cd + p + 46;
    size_t keep = nlen;
    if (keep >= 4 && memcmp(nm + keep - 4, ".npy", 4) == 0)
      keep -= 4;
    m.name = qe_strndup(nm, keep);
    if (!m.name || !qe_grow((void **)&z->members, &z->cap, z->n + 1, sizeof *z->members)) {
      free(m.name);
      free(cd);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    z->members[z->n++] = m;
    p += 46 + nlen + xlen + clen;
  }
  free(cd);
  return QE_OK;
}

qe_status qe_npz_open(const char *path, qe_npz **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_npz *z = calloc(1, sizeof *z);
  if (!z || !(z->path = qe_strdup(path))) {
    free(z);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  z->f = fopen(path, "rb");
  if (!z->f) {
    qe_status st = qe_error(ctx, QE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    qe_npz_close(z);
    return st;
  }
  if (fseeko(z->f, 0, SEEK_END) != 0) {
    qe_npz_close(z);
    return qe_error(ctx, QE_ERR_IO, "%s: cannot seek", path);
  }
  z->file_size = (uint64_t)ftello(z->f);
  /* The end-of-central-directory record is in the last 22 + 65535 bytes. */
  size_t tail = (size_t)QE_MIN(z->file_size, (uint64_t)(22 + 65535 + 20));
  uint8_t *buf = malloc(tail ? tail : 1);
  qe_status st;
  if (!buf) {
    qe_npz_close(z);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  if ((st = read_at(z, z->file_size - tail, buf, tail, ctx)) != QE_OK) {
    free(buf);
    qe_npz_close(z);
    return st;
  }
  long eocd = -1;
  for (long i = (long)tail - 22; i >= 0; i--)
    if (rd32(buf + i) == 0x06054b50u) {
      eocd = i;
      break;
    }
  if (eocd < 0) {
    free(buf);
    qe_npz_close(z);
    return qe_error(ctx, QE_ERR_PARSE, "%s: not an .npz file (no zip directory found)", path);
  }
  uint64_t count = rd16(buf + eocd + 10);
  uint64_t cd_size = rd32(buf + eocd + 12);
  uint64_t cd_off = rd32(buf + eocd + 16);
  /* zip64: the locator sits right before the EOCD record. */
  if (eocd >= 20 && rd32(buf + eocd - 20) == 0x07064b50u) {
    uint64_t z64_off = rd64(buf + eocd - 20 + 8);
    uint8_t rec[56];
    if ((st = read_at(z, z64_off, rec, sizeof rec, ctx)) != QE_OK || rd32(rec) != 0x06064b50u) {
      free(buf);
      qe_npz_close(z);
      return st != QE_OK ? st : qe_error(ctx, QE_ERR_PARSE, "%s: corrupt zip64 end record", path);
    }
    count = rd64(rec + 32);
    cd_size = rd64(rec + 40);
    cd_off = rd64(rec + 48);
  }
  free(buf);
  if (count > 1000000) {
    qe_npz_close(z);
    return qe_error(ctx, QE_ERR_PARSE, "%s: implausible number of zip members (%llu)", path,
                    (unsigned long long)count);
  }
  if ((st = parse_central(z, cd_off, cd_size, count, ctx)) != QE_OK) {
    qe_npz_close(z);
    return st;
  }
  *out = z;
  return QE_OK;
}

size_t qe_npz_count(const qe_npz *z)
{
  return z ? z->n : 0;
}

const char *qe_npz_name(const qe_npz *z, size_t index)
{
  return z && index < z->n ? z->members[index].name : NULL;
}

/* The uncompressed bytes of member @name. */
static qe_status member_bytes(qe_npz *z, const char *name, uint8_t **out, size_t *len, qe_ctx *ctx)
{
  npz_member *m = NULL;
  *out = NULL;
  for (size_t i = 0; i < z->n; i++)
    if (strcmp(z->members[i].name, name) == 0)
      m = &z->members[i];
  if (!m) {
    char list[512];
    size_t off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < z->n && off < sizeof list; i++)
      off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                              z->members[i].name);
    return qe_error(ctx, QE_ERR_INVALID, "%s: has no array named '%s' (it has: %s)", z->path, name,
                    z->n ? list : "nothing");
  }
  uint8_t lh[30];
  qe_status st = read_at(z, m->local_offset, lh, sizeof lh, ctx);
  if (st != QE_OK)
    return st;
  if (rd32(lh) != 0x04034b50u)
    return qe_error(ctx, QE_ERR_PARSE, "%s: byte %llu: corrupt zip header of '%s'", z->path,
                    (unsigned long long)m->local_offset, name);
  uint64_t data_off = m->local_offset + 30 + rd16(lh + 26) + rd16(lh + 28);
  if (m->method != 0 && m->method != 8)
    return qe_error(
        ctx, QE_ERR_UNSUPPORTED,
        "%s: '%s' uses zip compression method %u (only stored and deflate are supported)", z->path,
        name, m->method);
  if (m->size >= SIZE_MAX || m->comp_size >= SIZE_MAX)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: '%s' is too large", z->path, name);
  uint8_t *comp, *raw;
  if ((st = qe_alloc(ctx, (size_t)m->comp_size + 1, 1, name, (void **)&comp)) != QE_OK)
    return st;
  if ((st = read_at(z, data_off, comp, (size_t)m->comp_size, ctx)) != QE_OK) {
    free(comp);
    return st;
  }
  if (m->method == 0) {
    if (m->comp_size != m->size) {
      free(comp);
      return qe_error(ctx, QE_ERR_PARSE, "%s: '%s' has inconsistent sizes", z->path, name);
    }
    raw = comp;
  } else {
    if ((st = qe_alloc(ctx, (size_t)m->size + 1, 1, name, (void **)&raw)) != QE_OK) {
      free(comp);
      return st;
    }
    z_stream zs = { 0 };
    int zr = inflateInit2(&zs, -MAX_WBITS);
    if (zr == Z_OK) {
      /* Feed in chunks so sizes above UINT_MAX work too. */
      size_t in_left = (size_t)m->comp_size, out_done = 0;
      zs.next_in = comp;
      zs.next_out = raw;
      do {
        if (zs.avail_in == 0) {
          zs.avail_in = (uInt)QE_MIN(in_left, (size_t)1 << 30);
          in_left -= zs.avail_in;
        }
        size_t room = (size_t)m->size - out_done;
        zs.avail_out = (uInt)QE_MIN(room, (size_t)1 << 30);
        size_t before = zs.avail_out;
        zr = inflate(&zs, Z_NO_FLUSH);
        out_done += before - zs.avail_out;
      } while (zr == Z_OK && (zs.avail_in > 0 || in_left > 0) && out_done < m->size);
      inflateEnd(&zs);
      if (zr != Z_STREAM_END && !(zr == Z_OK && out_done == m->size))
        zr = Z_DATA_ERROR;
      else if (out_done != m->size)
        zr = Z_DATA_ERROR;
      else
        zr = Z_OK;
    }
    free(comp);
    if (zr != Z_OK) {
      free(raw);
      return qe_error(ctx, QE_ERR_PARSE, "%s: '%s' is corrupt (deflate data does not decompress)",
                      z->path, name);
    }
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t left = (size_t)m->size;
  const uint8_t *cp = raw;
  while (left) {
    uInt chunk = (uInt)QE_MIN(left, (size_t)1 << 30);
    crc = crc32(crc, cp, chunk);
    cp += chunk;
    left -= chunk;
  }
  if ((uint32_t)crc != m->crc) {
    free(raw);
    return qe_error(ctx, QE_ERR_PARSE, "%s: '%s' is corrupt (CRC mismatch)", z->path, name);
  }
  *out = raw;
  *len = (size_t)m->size;
  return QE_OK;
}

qe_status qe_npz_read(qe_npz *z, const char *name, qe_array **out, qe_ctx *ctx)
{
  uint8_t *bytes;
  size_t len;
  *out = NULL;
  qe_status st = member_bytes(z, name, &bytes, &len, ctx);
  if (st != QE_OK)
    return st;
  char *label = qe_strdup_printf("%s: '%s'", z->path, name);
  st = qe_npy_parse(bytes, len, label ? label : name, out, ctx);
  free(label);
  free(bytes);
  return st;
}

void qe_strv_free(char **v, size_t n)
{
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

/* Append code point @cp as UTF-8. */
static size_t put_utf8(char *o, uint32_t cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF)
    cp = 0xFFFD;
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  if (cp > 0x10FFFF)
    return put_utf8(o, 0xFFFD);
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

qe_status qe_npz_read_strings(qe_npz *z, const char *name, char ***out, size_t *n, qe_ctx *ctx)
{
  uint8_t *bytes;
  size_t len;
  npy_header h;
  *out = NULL;
  *n = 0;
  qe_status st = member_bytes(z, name, &bytes, &len, ctx);
  if (st != QE_OK)
    return st;
  char *label = qe_strdup_printf("%s: '%s'", z->path, name);
  const char *lbl = label ? label : name;
  if ((st = parse_header(bytes, len, lbl, &h, ctx)) != QE_OK)
    goto done;
  if (h.dtype != QE_DT_STRING) {
    st = qe_error(ctx, QE_ERR_INVALID, "%s: holds numbers, not strings", lbl);
    goto done;
  }
  int64_t count = qe_dims_count(h.dims, h.rank);
  size_t unit = h.kind == 'U' ? 4 : 1;
  size_t need;
  if (count < 0 || !qe_mul_size((size_t)count, (size_t)h.itemsize * unit, &need) ||
      need > len - h.data_offset) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: truncated string array", lbl);
    goto done;
  }
  char **v = calloc((size_t)count + 1, sizeof *v);
  if (!v) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto done;
  }
  const uint8_t *p = bytes + h.data_offset;
  for (int64_t i = 0; i < count; i++) {
    char *s = malloc((size_t)h.itemsize * 4 + 1);
    if (!s) {
      qe_strv_free(v, (size_t)i);
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto done;
    }
    size_t o = 0;
    for (int c = 0; c < h.itemsize; c++, p += unit) {
      uint32_t cp;
      if (unit == 4)
        cp = h.big_endian
                 ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                 : rd32(p);
      else
        cp = p[0];
      if (cp == 0) {
        p += unit * (size_t)(h.itemsize - c);
        break;
      }
      if (unit == 1)
        s[o++] = (char)cp; /* bytes are kept as they are */
      else
        o += put_utf8(s + o, cp);
    }
    s[o] = '\0';
    v[i] = s;
  }
  *out = v;
  *n = (size_t)count;
  st = QE_OK;
done:
  free(label);
  free(bytes);
  return st;
}

static void wr16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
  wr16(p, (uint16_t)v);
  wr16(p + 2, (uint16_t)(v >> 16));
}

qe_status qe_npz_write(const char *path, size_t n, const char *const *names,
                       const qe_array *const *arrays, qe_ctx *ctx)
{
  uint8_t *zip = NULL, *cd = NULL;
  size_t zlen = 0, zcap = 0, cdlen = 0, cdcap = 0;
  qe_status st = QE_OK;
  for (size_t i = 0; i < n && st == QE_OK; i++) {
    uint8_t *img;
    size_t ilen;
    if ((st = npy_image(arrays[i], &img, &ilen, ctx)) != QE_OK)
      break;
    char *fname = qe_strdup_printf("%s.npy", names[i]);
    size_t flen = fname ? strlen(fname) : 0;
    if (!fname || ilen >= 0xFFFFFFFFu || zlen + ilen + 30 + flen >= 0xFFFFFFFFu || flen > 0xFFFF) {
      free(fname);
      free(img);
      st = qe_error(ctx, fname ? QE_ERR_UNSUPPORTED : QE_ERR_NOMEM,
                    "%s: arrays above 4 GiB are not supported when writing .npz", path);
      break;
    }
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), img, (uInt)ilen);
    if (!qe_grow((void **)&zip, &zcap, zlen + 30 + flen + ilen, 1) ||
        !qe_grow((void **)&cd, &cdcap, cdlen + 46 + flen, 1)) {
      free(fname);
      free(img);
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    uint8_t *lh = zip + zlen;
    memset(lh, 0, 30);
    wr32(lh, 0x04034b50u);
    wr16(lh + 4, 20);
    wr32(lh + 14, crc);
    wr32(lh + 18, (uint32_t)ilen);
    wr32(lh + 22, (uint32_t)ilen);
    wr16(lh + 26, (uint16_t)flen);
    memcpy(lh + 30, fname, flen);
    memcpy(lh + 30 + flen, img, ilen);
    uint8_t *ch = cd + cdlen;
    memset(ch, 0, 46);
    wr32(ch, 0x02014b50u);
    wr16(ch + 4, 20);
    wr16(ch + 6, 20);
    wr32(ch + 16, crc);
    wr32(ch + 20, (uint32_t)ilen);
    wr32(ch + 24, (uint32_t)ilen);
    wr16(ch + 28, (uint16_t)flen);
    wr32(ch + 42, (uint32_t)zlen);
    memcpy(ch + 46, fname, flen);
    cdlen += 46 + flen;
    zlen += 30 + flen + ilen;
    free(fname);
    free(img);
  }
  if (st == QE_OK) {
    if (!qe_grow((void **)&zip, &zcap, zlen + cdlen + 22, 1)) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    } else {
      memcpy(zip + zlen, cd, cdlen);
      uint8_t *e = zip + zlen + cdlen;
      memset(e, 0, 22);
      wr32(e, 0x06054b50u);
      wr16(e + 8, (uint16_t)n);
      wr16(e + 10, (uint16_t)n);
      wr32(e + 12, (uint32_t)cdlen);
      wr32(e + 16, (uint32_t)zlen);
      st = qe_write_file_atomic(path, zip, zlen + cdlen + 22, ctx);
    }
  }
  free(zip);
  free(cd);
  return st;
}
