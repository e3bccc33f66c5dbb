/* qe_json.h - a small streaming JSON writer (report.json, --json output).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes into a growing memory buffer; commas and nesting are tracked, so
 * callers only say what comes next. Non-finite numbers are written as null
 * (JSON has no NaN). Strings are escaped as RFC 8259 asks; invalid UTF-8
 * bytes are replaced by U+FFFD.
 */
#ifndef QE_JSON_H
#define QE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qe_json qe_json;

/* @pretty: indent with two spaces and newlines. */
qe_json *qe_json_new(bool pretty);
void qe_json_free(qe_json *j);

void qe_json_begin_object(qe_json *j);
void qe_json_end_object(qe_json *j);
void qe_json_begin_array(qe_json *j);
void qe_json_end_array(qe_json *j);
/* Inside an object: the key of the next value. */
void qe_json_key(qe_json *j, const char *key);

void qe_json_string(qe_json *j, const char *s); /* NULL writes null */
void qe_json_number(qe_json *j, double v);      /* shortest round-trip form */
void qe_json_int(qe_json *j, int64_t v);
void qe_json_bool(qe_json *j, bool v);
void qe_json_null(qe_json *j);
/* Insert already-valid JSON text as the next value. */
void qe_json_raw(qe_json *j, const char *json);

/* Convenience: key + value. */
void qe_json_kv_string(qe_json *j, const char *key, const char *s);
void qe_json_kv_number(qe_json *j, const char *key, double v);
void qe_json_kv_int(qe_json *j, const char *key, int64_t v);
void qe_json_kv_bool(qe_json *j, const char *key, bool v);
/* key + @v, or null when @v is negative (a count or size not known). */
void qe_json_kv_count(qe_json *j, const char *key, int64_t v);
/* key + the time @t (seconds since 1970) in UTC as "2026-01-31T12:00:00Z",
 * or null when @t is NaN or negative (not known). */
void qe_json_kv_time(qe_json *j, const char *key, double t);

/* The text so far (NUL-terminated) and its length; NULL if memory ran out. */
const char *qe_json_text(const qe_json *j, size_t *len);
/* Write the text to @path atomically (temporary file + rename). */
qe_status qe_json_write_file(const qe_json *j, const char *path, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_JSON_H */
