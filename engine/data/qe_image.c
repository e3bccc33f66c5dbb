/* qe_image.c - JPEG (libjpeg-turbo), PNG (libpng) and BMP decoding.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conversions follow what TensorFlow's decode_image does with the same
 * number of channels, so preprocessing matches training: libjpeg's own
 * YCbCr->RGB / grayscale output with fancy upsampling and the integer slow
 * DCT, truncated JPEGs refused (TF's try_recover_truncated=false), Adobe
 * CMYK inverted; PNG palettes expanded, 16-bit samples reduced to their high
 * byte, RGB to gray with 0.299/0.587/0.114.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "qe/qe_data_proc.h"
#include "qe/qe_fileutil.h"
#include "qe_data_internal.h"
#include "qe_internal.h"

/* Images above this many pixels are refused (a 30000 x 30000 photo). */
#define QE_IMAGE_MAX_PIXELS ((uint64_t)900000000)

typedef enum { FMT_UNKNOWN, FMT_JPEG, FMT_PNG, FMT_BMP, FMT_GIF, FMT_WEBP, FMT_TIFF } img_format;

static img_format sniff(const uint8_t *d, size_t len)
{
  if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return FMT_JPEG;
  if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return FMT_PNG;
  if (len >= 2 && d[0] == 'B' && d[1] == 'M')
    return FMT_BMP;
  if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
    return FMT_GIF;
  if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
    return FMT_WEBP;
  if (len >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
    return FMT_TIFF;
  return FMT_UNKNOWN;
}

bool qe_data_is_image_bytes(const uint8_t *d, size_t len)
{
  img_format f = sniff(d, len);
  return f == FMT_JPEG || f == FMT_PNG || f == FMT_BMP;
}

const char *qe_data_image_refusal(const uint8_t *d, size_t len)
{
  switch (sniff(d, len)) {
  case FMT_JPEG:
  case FMT_PNG:
  case FMT_BMP:
    return NULL;
  case FMT_GIF:
    return "GIF images are not supported (use JPEG, PNG or BMP)";
  case FMT_WEBP:
    return "WebP images are not supported (use JPEG, PNG or BMP)";
  case FMT_TIFF:
    return "TIFF images are not supported (use JPEG, PNG or BMP)";
  default:
    return "not an image (no JPEG, PNG or BMP signature)";
  }
}

static int out_channels(qe_color_mode mode, int file_channels)
{
  switch (mode) {
  case QE_COLOR_GRAYSCALE:
    return 1;
  case QE_COLOR_RGB:
    return 3;
  case QE_COLOR_RGBA:
    return 4;
  default:
    return file_channels;
  }
}

static qe_status new_image(int w, int h, int c, const char *name, qe_array **out, qe_ctx *ctx)
{
  if (w <= 0 || h <= 0)
    return qe_error(ctx, QE_ERR_PARSE, "%s: image has no pixels (%d x %d)", name, w, h);
  if ((uint64_t)w * (uint64_t)h > QE_IMAGE_MAX_PIXELS)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: image of %d x %d pixels is too large", name, w, h);
  int64_t dims[3] = { h, w, c };
  return qe_array_new(QE_DT_U8, 3, dims, out, ctx);
}

/* ---- JPEG ----------------------------------------------------------------- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
  char msg[JMSG_LENGTH_MAX];
  bool truncated;
} jpeg_err;

static void jpeg_error_exit(j_common_ptr cinfo)
{
  jpeg_err *e = (jpeg_err *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->msg);
  longjmp(e->jb, 1);
}

static void jpeg_emit(j_common_ptr cinfo, int level)
{
  jpeg_err *e = (jpeg_err *)cinfo->err;
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    e->truncated = true;
    (*cinfo->err->format_message)(cinfo, e->msg);
  }
}

static void jpeg_silent(j_common_ptr cinfo)
{
  (void)cinfo;
}

typedef struct {
  struct jpeg_decompress_struct cinfo;
  jpeg_err err;
  qe_array *img;
  uint8_t *row;
} jpeg_job;

static qe_status decode_jpeg(const uint8_t *data, size_t len, const char *name, qe_color_mode mode,
                             int min_w, int min_h, bool header_only, int *pw, int *ph, int *pc,
                             qe_array **out, qe_ctx *ctx)
{
  jpeg_job *job = calloc(1, sizeof *job);
  if (!job)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
  qe_status st = QE_OK;
  job->cinfo.err = jpeg_std_error(&job->err.pub);
  job->err.pub.error_exit = jpeg_error_exit;
  job->err.pub.emit_message = jpeg_emit;
  job->err.pub.output_message = jpeg_silent;
  if (setjmp(job->err.jb)) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: corrupt JPEG: %s", name, job->err.msg);
    goto done;
  }
  jpeg_create_decompress(&job->cinfo);
  if (len > ULONG_MAX) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: file too large", name);
    goto done;
  }
  jpeg_mem_src(&job->cinfo, data, (unsigned long)len);
  jpeg_read_header(&job->cinfo, TRUE);
  struct jpeg_decompress_struct *ci = &job->cinfo;
  int file_c = ci->num_components == 1 ? 1 : 3;
  if (header_only) {
    *pw = (int)ci->image_width;
    *ph = (int)ci->image_height;
    *pc = file_c;
    goto done;
  }
  int c = out_channels(mode, file_c);
  bool cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
  if (cmyk)
    ci->out_color_space = JCS_CMYK;
  else if (c == 1)
    ci->out_color_space = JCS_GRAYSCALE;
  else
    ci->out_color_space = JCS_RGB;
  ci->dct_method = JDCT_ISLOW;
  ci->do_fancy_upsampling = TRUE;
  if ((uint64_t)ci->image_width * ci->image_height > QE_IMAGE_MAX_PIXELS) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: image of %u x %u pixels is too large", name,
                  ci->image_width, ci->image_height);
    goto done;
  }
  if (min_w > 0 && min_h > 0) {
    /* The smallest M/8 whose scaled size still covers the minimum. */
    for (unsigned m = 1; m <= 8; m++) {
      uint64_t sw = ((uint64_t)ci->image_width * m + 7) / 8;
      uint64_t sh = ((uint64_t)ci->image_height * m + 7) / 8;
      if (sw >= (uint64_t)min_w && sh >= (uint64_t)min_h) {
        ci->scale_num = m;
        ci->scale_denom = 8;
        break;
      }
    }
  }
  jpeg_start_decompress(ci);
  int w = (int)ci->output_width, h = (int)ci->output_height;
  int oc = ci->output_components;
  if ((st = new_image(w, h, c, name, &job->img, ctx)))
    goto done;
  job->row = malloc((size_t)w * (size_t)oc);
  if (!job->row) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
    goto done;
  }
  uint8_t *px = job->img->data;
  while (ci->output_scanline < ci->output_height) {
    size_t y = ci->output_scanline;
    JSAMPROW rp = job->row;
    if (jpeg_read_scanlines(ci, &rp, 1) != 1)
      break;
    uint8_t *dst = px + y * (size_t)w * (size_t)c;
    const uint8_t *s = job->row;
    for (int x = 0; x < w; x++, s += oc, dst += c) {
      uint8_t r, g, b;
      if (cmyk) {
        /* Adobe writes inverted CMYK: R = C * K / 255 on the stored values. */
        r = (uint8_t)((s[0] * s[3] + 127) / 255);
        g = (uint8_t)((s[1] * s[3] + 127) / 255);
        b = (uint8_t)((s[2] * s[3] + 127) / 255);
      } else if (oc == 1) {
        r = g = b = s[0];
      } else {
        r = s[0];
        g = s[1];
        b = s[2];
      }
      if (c == 1) {
        dst[0] =
            (cmyk || oc != 1) ? (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 32768) >> 16) : s[0];
      } else {
        dst[0] = r;
        dst[1] = g;
        dst[2] = b;
        if (c == 4)
          dst[3] = 255;
      }
    }
    if (job->err.truncated)
      break;
  }
  if (job->err.truncated || ci->output_scanline < ci->output_height) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: truncated JPEG (%u of %u rows): %s", name,
                  ci->output_scanline, ci->output_height,
                  job->err.msg[0] ? job->err.msg : "premature end of data");
    goto done;
  }
  jpeg_finish_decompress(ci);
  if (job->err.truncated) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: truncated JPEG: %s", name, job->err.msg);
    goto done;
  }
  *out = job->img;
  job->img = NULL;
done:
  jpeg_destroy_decompress(&job->cinfo);
  qe_array_free(job->img);
  free(job->row);
  free(job);
  return st;
}

/* ---- PNG ------------------------------------------------------------------ */

typedef struct {
  const uint8_t *data;
  size_t len, pos;
  char msg[256];
  jmp_buf jb;
  png_structp png;
  png_infop info;
  qe_array *img;
  png_bytep *rows;
} png_job;

static void png_err_fn(png_structp png, png_const_charp msg)
{
  png_job *job = png_get_error_ptr(png);
  snprintf(job->msg, sizeof job->msg, "%s", msg ? msg : "error");
  longjmp(job->jb, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
  (void)png;
  (void)msg;
}

static void png_read_fn(png_structp png, png_bytep out, png_size_t n)
{
  png_job *job = png_get_io_ptr(png);
  if (n > job->len - job->pos)
    png_error(png, "unexpected end of file (truncated PNG)");
  memcpy(out, job->data + job->pos, n);
  job->pos += n;
}

static qe_status decode_png(const uint8_t *data, size_t len, const char *name, qe_color_mode mode,
                            bool header_only, int *pw, int *ph, int *pc, qe_array **out,
                            qe_ctx *ctx)
{
  png_job *job = calloc(1, sizeof *job);
  if (!job)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
  qe_status st = QE_OK;
  job->data = data;
  job->len = len;
  job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_err_fn, png_warn_fn);
  if (!job->png || !(job->info = png_create_info_struct(job->png))) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
    goto done;
  }
  if (setjmp(job->jb)) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: corrupt PNG: %s", name, job->msg);
    goto done;
  }
  png_set_read_fn(job->png, job, png_read_fn);
  png_set_user_limits(job->png, 1000000, 1000000);
  png_read_info(job->png, job->info);
  png_uint_32 w, h;
  int bit_depth, color_type, interlace;
  png_get_IHDR(job->png, job->info, &w, &h, &bit_depth, &color_type, &interlace, NULL, NULL);
  bool has_color = (color_type & PNG_COLOR_MASK_COLOR) != 0;
  bool has_alpha =
      (color_type & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(job->png, job->info, PNG_INFO_tRNS);
  int file_c = (has_color ? 3 : 1) + (has_alpha ? 1 : 0);
  if (file_c == 2)
    file_c = 4; /* gray + alpha comes out as RGBA in auto mode */
  if (header_only) {
    *pw = (int)w;
    *ph = (int)h;
    *pc = file_c;
    goto done;
  }
  int c = out_channels(mode, file_c);
  if ((uint64_t)w * h > QE_IMAGE_MAX_PIXELS) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: image of %u x %u pixels is too large", name, (unsigned)w,
                  (unsigned)h);
    goto done;
  }
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb(job->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(job->png);
  if (png_get_valid(job->png, job->info, PNG_INFO_tRNS)) {
    if (c == 4)
      png_set_tRNS_to_alpha(job->png);
  }
  if (bit_depth == 16)
    png_set_strip_16(job->png);
  if (c == 1) {
    if (has_color)
      png_set_rgb_to_gray_fixed(job->png, 1, 29900, 58700);
    png_set_strip_alpha(job->png);
  } else {
    if (!has_color)
      png_set_gray_to_rgb(job->png);
    if (c == 3)
      png_set_strip_alpha(job->png);
    else if (!has_alpha)
      png_set_add_alpha(job->png, 0xFF, PNG_FILLER_AFTER);
  }
  png_set_interlace_handling(job->png);
  png_read_update_info(job->png, job->info);
  if ((int)png_get_channels(job->png, job->info) != c ||
      png_get_bit_depth(job->png, job->info) != 8) {
    st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: PNG colour conversion to %d channels failed", name,
                  c);
    goto done;
  }
  if ((st = new_image((int)w, (int)h, c, name, &job->img, ctx)))
    goto done;
  job->rows = malloc(sizeof(png_bytep) * h);
  if (!job->rows) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
    goto done;
  }
  for (png_uint_32 y = 0; y < h; y++)
    job->rows[y] = (uint8_t *)job->img->data + (size_t)y * w * (size_t)c;
  png_read_image(job->png, job->rows);
  png_read_end(job->png, NULL);
  *out = job->img;
  job->img = NULL;
done:
  if (job->png)
    png_destroy_read_struct(&job->png, job->info ? &job->info : NULL, NULL);
  qe_array_free(job->img);
  free(job->rows);
  free(job);
  return st;
}

/* ---- BMP (by hand) -------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static int mask_shift(uint32_t m)
{
  int s = 0;
  if (!m)
    return 0;
  while (!(m & 1)) {
    m >>= 1;
    s++;
  }
  return s;
}

static uint8_t mask_value(uint32_t px, uint32_t m)
{
  if (!m)
    return 255;
  uint32_t v = (px & m) >> mask_shift(m);
  uint32_t maxv = m >> mask_shift(m);
  return (uint8_t)((v * 255 + maxv / 2) / maxv);
}

static qe_status decode_bmp(const uint8_t *d, size_t len, const char *name, qe_color_mode mode,
                            bool header_only, int *pw, int *ph, int *pc, qe_array **out,
                            qe_ctx *ctx)
{
  if (len < 26)
    return qe_error(ctx, QE_ERR_PARSE, "%s: truncated BMP header (%zu bytes)", name, len);
  uint32_t off = rd32(d + 10);
  uint32_t hsize = rd32(d + 14);
  int32_t w, h;
  int bpp;
  uint32_t comp = 0, ncolors = 0;
  uint32_t rm = 0, gm = 0, bm = 0, am = 0;
  if (hsize == 12) {
    w = rd16(d + 18);
    h = (int16_t)rd16(d + 20);
    bpp = rd16(d + 24);
  } else if (hsize >= 40 && hsize <= 124) {
    if (len < 14 + (size_t)hsize)
      return qe_error(ctx, QE_ERR_PARSE, "%s: truncated BMP header", name);
    w = (int32_t)rd32(d + 18);
    h = (int32_t)rd32(d + 22);
    bpp = rd16(d + 28);
    comp = rd32(d + 30);
    ncolors = rd32(d + 46);
    if (comp == 3 || comp == 6) {
      /* BI_BITFIELDS: masks follow a 40-byte header or sit inside V2+. */
      if (len < 14 + 40 + 12)
        return qe_error(ctx, QE_ERR_PARSE, "%s: truncated BMP bit fields", name);
      rm = rd32(d + 54);
      gm = rd32(d + 58);
      bm = rd32(d + 62);
      if (hsize >= 56 || comp == 6)
        am = len >= 70 ? rd32(d + 66) : 0;
    } else if (hsize >= 108) {
      am = rd32(d + 66); /* V4+ alpha mask, honoured for 32-bit BI_RGB */
    }
  } else {
    return qe_error(ctx, QE_ERR_PARSE, "%s: unknown BMP header size %u", name, (unsigned)hsize);
  }
  bool top_down = h < 0;
  if (h == INT32_MIN || w <= 0 || h == 0)
    return qe_error(ctx, QE_ERR_PARSE, "%s: BMP of %d x %d pixels", name, (int)w, (int)h);
  if (top_down)
    h = -h;
  if (comp != 0 && comp != 3 && comp != 6)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: compressed BMP (method %u) is not supported",
                    name, (unsigned)comp);
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: BMP with %d bits per pixel", name, bpp);
  if (bpp == 16 && comp == 0) {
    rm = 0x7C00;
    gm = 0x03E0;
    bm = 0x001F;
  }
  bool bitfields = (bpp == 16) || (bpp == 32 && (comp == 3 || comp == 6));
  bool alpha = (bpp == 32 && am != 0) || (bitfields && am != 0);
  int file_c = alpha ? 4 : 3;
  if (header_only) {
    *pw = w;
    *ph = h;
    *pc = file_c;
    return QE_OK;
  }
  if ((uint64_t)w * (uint64_t)h > QE_IMAGE_MAX_PIXELS)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: image of %d x %d pixels is too large", name, (int)w,
                    (int)h);
  uint8_t pal[256][3];
  int npal = 0;
  if (bpp <= 8) {
    npal = ncolors ? (int)QE_MIN(ncolors, 256u) : 1 << bpp;
    size_t entry = hsize == 12 ? 3 : 4;
    size_t pstart = 14 + (size_t)hsize;
    if (pstart + (size_t)npal * entry > len)
      return qe_error(ctx, QE_ERR_PARSE, "%s: truncated BMP palette", name);
    for (int i = 0; i < npal; i++) {
      const uint8_t *p = d + pstart + (size_t)i * entry;
      pal[i][0] = p[2];
      pal[i][1] = p[1];
      pal[i][2] = p[0];
    }
  }
  uint64_t stride = (((uint64_t)w * (uint64_t)bpp + 31) / 32) * 4;
  if (off > len || stride * (uint64_t)h > len - off)
    return qe_error(ctx, QE_ERR_PARSE, "%s: truncated BMP: %zu bytes of pixel data, %llu expected",
                    name, off > len ? (size_t)0 : len - off,
                    (unsigned long long)(stride * (uint64_t)h));
  int c = out_channels(mode, file_c);
  qe_array *img;
  qe_status st = new_image(w, h, c, name, &img, ctx);
  if (st)
    return st;
  uint8_t *px = img->data;
  for (int32_t y = 0; y < h; y++) {
    const uint8_t *row = d + off + stride * (uint64_t)(top_down ? y : h - 1 - y);
    uint8_t *dst = px + (size_t)y * (size_t)w * (size_t)c;
    for (int32_t x = 0; x < w; x++, dst += c) {
      uint8_t r, g, b, a = 255;
      if (bpp <= 8) {
        int idx;
        if (bpp == 8)
          idx = row[x];
        else if (bpp == 4)
          idx = (row[x / 2] >> ((x & 1) ? 0 : 4)) & 0xF;
        else
          idx = (row[x / 8] >> (7 - (x & 7))) & 1;
        if (idx >= npal) {
          qe_array_free(img);
          return qe_error(ctx, QE_ERR_PARSE, "%s: BMP palette index %d out of range", name, idx);
        }
        r = pal[idx][0];
        g = pal[idx][1];
        b = pal[idx][2];
      } else if (bpp == 24) {
        b = row[3 * x];
        g = row[3 * x + 1];
        r = row[3 * x + 2];
      } else if (bitfields) {
        uint32_t v = bpp == 16 ? rd16(row + 2 * x) : rd32(row + 4 * x);
        r = mask_value(v, rm);
        g = mask_value(v, gm);
        b = mask_value(v, bm);
        a = am ? mask_value(v, am) : 255;
      } else { /* 32-bit BI_RGB: B G R X */
        b = row[4 * x];
        g = row[4 * x + 1];
        r = row[4 * x + 2];
        a = am ? row[4 * x + 3] : 255;
      }
      if (c == 1) {
        dst[0] = (uint8_t)((r * 299 + g * 587 + b * 114 + 500) / 1000);
      } else {
        dst[0] = r;
        dst[1] = g;
        dst[2] = b;
        if (c == 4)
          dst[3] = a;
      }
    }
  }
  *out = img;
  return QE_OK;
}

/* ---- entry points --------------------------------------------------------- */

qe_status qe_image_decode(const uint8_t *data, size_t len, const char *name, qe_color_mode mode,
                          int min_w, int min_h, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!name)
    name = "image";
  switch (sniff(data, len)) {
  case FMT_JPEG:
    return decode_jpeg(data, len, name, mode, min_w, min_h, false, NULL, NULL, NULL, out, ctx);
  case FMT_PNG:
    return decode_png(data, len, name, mode, false, NULL, NULL, NULL, out, ctx);
  case FMT_BMP:
    return decode_bmp(data, len, name, mode, false, NULL, NULL, NULL, out, ctx);
  default:
    return qe_error(ctx, QE_ERR_PARSE, "%s: %s", name, qe_data_image_refusal(data, len));
  }
}

qe_status qe_image_probe(const uint8_t *data, size_t len, const char *name, int *width, int *height,
                         int *channels, qe_ctx *ctx)
{
  if (!name)
    name = "image";
  switch (sniff(data, len)) {
  case FMT_JPEG:
    return decode_jpeg(data, len, name, QE_COLOR_AUTO, 0, 0, true, width, height, channels, NULL,
                       ctx);
  case FMT_PNG:
    return decode_png(data, len, name, QE_COLOR_AUTO, true, width, height, channels, NULL, ctx);
  case FMT_BMP:
    return decode_bmp(data, len, name, QE_COLOR_AUTO, true, width, height, channels, NULL, ctx);
  default:
    return qe_error(ctx, QE_ERR_PARSE, "%s: %s", name, qe_data_image_refusal(data, len));
  }
}

qe_status qe_image_decode_file(const char *path, qe_color_mode mode, int min_w, int min_h,
                               qe_array **out, qe_ctx *ctx)
{
  uint8_t *data;
  size_t len;
  *out = NULL;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st)
    return st;
  st = qe_image_decode(data, len, path, mode, min_w, min_h, out, ctx);
  free(data);
  return st;
}
