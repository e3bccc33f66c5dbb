/* qe_json.c - a small streaming JSON writer.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe/qe_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qe/qe_fileutil.h"
#include "qe_internal.h"

#define QE_JSON_MAX_DEPTH 64

struct qe_json {
  char *buf;
  size_t len, cap;
  bool oom;
  bool pretty;
  int depth;
  /* Per level: number of values written so far; whether a key is pending. */
  int count[QE_JSON_MAX_DEPTH];
  bool after_key;
};

qe_json *qe_json_new(bool pretty)
{
  qe_json *j = calloc(1, sizeof *j);
  if (!j)
    return NULL;
  j->pretty = pretty;
  if (!qe_grow((void **)&j->buf, &j->cap, 256, 1)) {
    free(j);
    return NULL;
  }
  j->buf[0] = '\0';
  return j;
}

void qe_json_free(qe_json *j)
{
  if (!j)
    return;
  free(j->buf);
  free(j);
}

static void put(qe_json *j, const char *s, size_t n)
{
  if (j->oom)
    return;
  if (!qe_grow((void **)&j->buf, &j->cap, j->len + n + 1, 1)) {
    j->oom = true;
    return;
  }
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void puts_(qe_json *j, const char *s)
{
  put(j, s, strlen(s));
}

static void newline(qe_json *j)
{
  if (!j->pretty)
    return;
  put(j, "\n", 1);
  for (int i = 0; i < j->depth; i++)
    put(j, "  ", 2);
}

/* Called before every value and every key. */
static void before_item(qe_json *j)
{
  if (j->after_key) {
    j->after_key = false;
    return;
  }
  if (j->depth > 0) {
    if (j->count[j->depth - 1] > 0)
      put(j, ",", 1);
    j->count[j->depth - 1]++;
    newline(j);
  }
}

static void open_(qe_json *j, const char *c)
{
  before_item(j);
  puts_(j, c);
  if (j->depth < QE_JSON_MAX_DEPTH) {
    j->count[j->depth] = 0;
    j->depth++;
  }
}

static void close_(qe_json *j, const char *c)
{
  if (j->depth > 0) {
    int had = j->count[j->depth - 1];
    j->depth--;
    if (had)
      newline(j);
  }
  puts_(j, c);
}

void qe_json_begin_object(qe_json *j)
{
  open_(j, "{");
}

void qe_json_end_object(qe_json *j)
{
  close_(j, "}");
}

void qe_json_begin_array(qe_json *j)
{
  open_(j, "[");
}

void qe_json_end_array(qe_json *j)
{
  close_(j, "]");
}

/* Length of a valid UTF-8 sequence at @s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
      return 0;
    if (c == 0xE0 && s[1] < 0xA0)
      return 0;
    if (c == 0xED && s[1] > 0x9F)
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && s[1] < 0x90)
      return 0;
    if (c == 0xF4 && s[1] > 0x8F)
      return 0;
    return 4;
  }
  return 0;
}

static void put_escaped(qe_json *j, const char *str)
{
  const unsigned char *s = (const unsigned char *)str;
  put(j, "\"", 1);
  while (*s) {
    unsigned char c = *s;
    char esc[8];
    switch (c) {
    case '"':
      put(j, "\\\"", 2);
      s++;
      continue;
    case '\\':
      put(j, "\\\\", 2);
      s++;
      continue;
    case '\n':
      put(j, "\\n", 2);
      s++;
      continue;
    case '\r':
      put(j, "\\r", 2);
      s++;
      continue;
    case '\t':
      put(j, "\\t", 2);
      s++;
      continue;
    default:
      break;
    }
    if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(j, esc);
      s++;
      continue;
    }
    size_t n = utf8_len(s);
    if (n == 0) {
      puts_(j, "\xEF\xBF\xBD");
      s++;
      continue;
    }
    put(j, (const char *)s, n);
    s += n;
  }
  put(j, "\"", 1);
}

void qe_json_key(qe_json *j, const char *key)
{
  before_item(j);
  put_escaped(j, key ? key : "");
  put(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
  j->after_key = true;
}

void qe_json_string(qe_json *j, const char *s)
{
  before_item(j);
  if (!s)
    puts_(j, "null");
  else
    put_escaped(j, s);
}

void qe_json_number(qe_json *j, double v)
{
  char tmp[40];
  before_item(j);
  if (!isfinite(v)) {
    puts_(j, "null");
    return;
  }
  if (v == floor(v) && fabs(v) < 1e15) {
    snprintf(tmp, sizeof tmp, "%.0f", v);
  } else {
    /* Shortest of %.15g/%.17g that reads back exactly. */
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v)
      snprintf(tmp, sizeof tmp, "%.17g", v);
  }
  if (strcmp(tmp, "-0") == 0)
    strcpy(tmp, "0");
  puts_(j, tmp);
}

void qe_json_int(qe_json *j, int64_t v)
{
  char tmp[32];
  before_item(j);
  snprintf(tmp, sizeof tmp, "%" PRId64, v);
  puts_(j, tmp);
}

void qe_json_bool(qe_json *j, bool v)
{
  before_item(j);
  puts_(j, v ? "true" : "false");
}

void qe_json_null(qe_json *j)
{
  before_item(j);
  puts_(j, "null");
}

void qe_json_raw(qe_json *j, const char *json)
{
  before_item(j);
  puts_(j, json ? json : "null");
}

void qe_json_kv_string(qe_json *j, const char *key, const char *s)
{
  qe_json_key(j, key);
  qe_json_string(j, s);
}

void qe_json_kv_number(qe_json *j, const char *key, double v)
{
  qe_json_key(j, key);
  qe_json_number(j, v);
}

void qe_json_kv_int(qe_json *j, const char *key, int64_t v)
{
  qe_json_key(j, key);
  qe_json_int(j, v);
}

void qe_json_kv_bool(qe_json *j, const char *key, bool v)
{
  qe_json_key(j, key);
  qe_json_bool(j, v);
}

void qe_json_kv_count(qe_json *j, const char *key, int64_t v)
{
  qe_json_key(j, key);
  if (v < 0)
    qe_json_null(j);
  else
    qe_json_int(j, v);
}

void qe_json_kv_time(qe_json *j, const char *key, double t)
{
  qe_json_key(j, key);
  if (isnan(t) || t < 0 || t >= 9.0e18) { /* unknown (or beyond time_t) */
    qe_json_null(j);
    return;
  }
  char buf[64];
  struct tm tm;
  time_t tt = (time_t)t;
  if (gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
    qe_json_string(j, buf);
  else
    qe_json_null(j);
}

const char *qe_json_text(const qe_json *j, size_t *len)
{
  if (!j || j->oom)
    return NULL;
  if (len)
    *len = j->len;
  return j->buf;
}

qe_status qe_json_write_file(const qe_json *j, const char *path, qe_ctx *ctx)
{
  size_t len;
  const char *text = qe_json_text(j, &len);
  if (!text)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory building JSON", path);
  char *withnl = malloc(len + 2);
  if (!withnl)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", path);
  memcpy(withnl, text, len);
  withnl[len] = '\n';
  qe_status st = qe_write_file_atomic(path, withnl, len + 1, ctx);
  free(withnl);
  return st;
}
