/* qe_yaml.h - a YAML document tree with source locations (libyaml based).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A document is a tree of maps, sequences and scalars. Every node remembers
 * the file, line and column (1-based) it came from, so that whoever reads
 * the tree can say "user_config.yaml:12:5: quantization.granularity must be
 * one of per_channel, per_tensor, not 'per-chanel'".
 *
 * Reading: qe_yaml_load_file() / qe_yaml_load_string(), then qe_yaml_path()
 * with a dotted path ("quantization.quantizer"; a number selects a sequence
 * item: "dataset.class_names.0") and the typed getters below. A getter whose
 * path is absent, or whose value is a YAML null ("", "~", "null"), leaves
 * *out untouched and returns QE_OK: callers put the default in *out first.
 * A value of the wrong type is an error naming location, path and value.
 *
 * Anchors and aliases (&a / *a) are expanded into copies; merge keys
 * ("<<: *base") are applied, keys already present winning. Duplicate keys
 * are an error. Only the first document of a stream is read; a stream with
 * more than one is an error.
 *
 * Writing: qe_yaml_set_*() create the maps on the way to a dotted path;
 * qe_yaml_override() applies a Hydra-style command-line override
 * ("key.sub=value", "+key=value", "++key=value", "~key");
 * qe_yaml_emit()/qe_yaml_save() write the tree back as YAML (comments of the
 * original file are not kept: libyaml does not report them).
 *
 * Interpolation: "${now:%Y_%m_%d}" (strftime of a time the caller gives, so
 * every occurrence in a run gets the same value), "${oc.env:NAME}" or
 * "${oc.env:NAME,default}" and "${other.key}" (the scalar at that path) are
 * resolved by qe_yaml_resolve() / qe_yaml_resolve_all(), as OmegaConf does.
 */
#ifndef QE_YAML_H
#define QE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qe_yaml_kind {
  QE_YAML_SCALAR = 0,
  QE_YAML_MAP,
  QE_YAML_SEQ,
} qe_yaml_kind;

/* How a scalar was written; the emitter keeps quoted strings quoted. */
typedef enum qe_yaml_style {
  QE_YAML_PLAIN = 0,  /* as typed: may be null, bool, number or string */
  QE_YAML_QUOTED,     /* a string, whatever it looks like */
  QE_YAML_BLOCK_TEXT, /* literal (|) or folded (>) block: a string */
} qe_yaml_style;

typedef struct qe_yaml_doc qe_yaml_doc;
typedef struct qe_yaml_node qe_yaml_node;

/* Loading. @name is used in locations (usually the path). */
qe_status qe_yaml_load_file(const char *path, qe_yaml_doc **out, qe_ctx *ctx);
qe_status qe_yaml_load_string(const char *text, size_t len, const char *name, qe_yaml_doc **out,
                              qe_ctx *ctx);
/* A new document whose root is an empty map; @name is used in locations. */
qe_yaml_doc *qe_yaml_doc_new(const char *name);
void qe_yaml_doc_free(qe_yaml_doc *doc);
/* A deep copy (NULL when memory ran out). */
qe_yaml_doc *qe_yaml_doc_copy(const qe_yaml_doc *doc);

qe_yaml_node *qe_yaml_root(const qe_yaml_doc *doc);
const char *qe_yaml_doc_name(const qe_yaml_doc *doc);

/* Node inspection. All accept NULL (and then return 0/NULL/false). */
qe_yaml_kind qe_yaml_node_kind(const qe_yaml_node *node);
/* The text of a scalar, NULL for maps and sequences. */
const char *qe_yaml_node_text(const qe_yaml_node *node);
qe_yaml_style qe_yaml_node_style(const qe_yaml_node *node);
/* true for a plain scalar "", "~", "null", "Null" or "NULL". */
bool qe_yaml_node_is_null(const qe_yaml_node *node);
/* Number of map pairs or sequence items (0 for scalars). */
size_t qe_yaml_node_count(const qe_yaml_node *node);
/* The i-th sequence item, or the i-th map value. */
qe_yaml_node *qe_yaml_node_item(const qe_yaml_node *node, size_t i);
/* The i-th key of a map (NULL for sequences). */
const char *qe_yaml_node_key(const qe_yaml_node *node, size_t i);
/* The key as a node (for its location). */
qe_yaml_node *qe_yaml_node_key_node(const qe_yaml_node *node, size_t i);
/* The value of @key in map @node (one level, no dots). */
qe_yaml_node *qe_yaml_node_get(const qe_yaml_node *node, const char *key);
/* The node at a dotted path below @node, NULL if absent. "" is @node. */
qe_yaml_node *qe_yaml_path(const qe_yaml_node *node, const char *path);
qe_yaml_node *qe_yaml_node_parent(const qe_yaml_node *node);

/* Source location: file (or "override 'k=v'" for command-line values),
 * 1-based line and column (0 when the node was made by the program). */
const char *qe_yaml_node_file(const qe_yaml_node *node);
unsigned qe_yaml_node_line(const qe_yaml_node *node);
unsigned qe_yaml_node_column(const qe_yaml_node *node);
/* "file:line:column" (or "file" when there is no line) into @buf. */
const char *qe_yaml_node_where(const qe_yaml_node *node, char *buf, size_t size);
/* The dotted path from the root to @node ("quantization.granularity",
 * sequence items by index) into @buf. */
const char *qe_yaml_node_path(const qe_yaml_node *node, char *buf, size_t size);

/* Report an error at @node: "<where>: <message>". Returns @status. */
qe_status qe_yaml_error(qe_ctx *ctx, qe_status status, const qe_yaml_node *node, const char *fmt,
                        ...) QE_PRINTF(4, 5);
/* Add a warning at @node: "<where>: <message>". */
void qe_yaml_warn(qe_ctx *ctx, const qe_yaml_node *node, const char *fmt, ...) QE_PRINTF(3, 4);

/* Typed conversion of one node. Errors (QE_ERR_INVALID) read
 * "file:3:5: general.global_seed must be an integer, not 'abc'".
 * Booleans: true/false, yes/no, on/off in any of the YAML 1.1 spellings.
 * Integers: decimal, 0x hex, 0o octal, with optional sign and '_'.
 * Numbers: decimal or exponent notation, .inf, .nan, and the model zoo's
 * fractions such as "1/127.5". */
qe_status qe_yaml_node_bool(const qe_yaml_node *node, bool *out, qe_ctx *ctx);
qe_status qe_yaml_node_int(const qe_yaml_node *node, int64_t *out, qe_ctx *ctx);
qe_status qe_yaml_node_double(const qe_yaml_node *node, double *out, qe_ctx *ctx);
/* A scalar (numbers and booleans are also accepted, as their text). */
qe_status qe_yaml_node_string(const qe_yaml_node *node, const char **out, qe_ctx *ctx);
/* One of the NULL-terminated @choices (exact match); *out is its index. */
qe_status qe_yaml_node_enum(const qe_yaml_node *node, const char *const *choices, int *out,
                            qe_ctx *ctx);

/* Getters by dotted path below @node: absent or null leaves *out as is. */
qe_status qe_yaml_get_bool(const qe_yaml_node *node, const char *path, bool *out, qe_ctx *ctx);
qe_status qe_yaml_get_int(const qe_yaml_node *node, const char *path, int64_t *out, qe_ctx *ctx);
/* As qe_yaml_get_int, and the value must lie in [min, max]. */
qe_status qe_yaml_get_int_range(const qe_yaml_node *node, const char *path, int64_t min,
                                int64_t max, int64_t *out, qe_ctx *ctx);
qe_status qe_yaml_get_double(const qe_yaml_node *node, const char *path, double *out, qe_ctx *ctx);
qe_status qe_yaml_get_string(const qe_yaml_node *node, const char *path, const char **out,
                             qe_ctx *ctx);
qe_status qe_yaml_get_enum(const qe_yaml_node *node, const char *path, const char *const *choices,
                           int *out, qe_ctx *ctx);

/* Building and editing. Paths are dotted; the maps on the way are created
 * (an existing scalar on the way is an error). A set replaces whatever was
 * at the path. */
qe_status qe_yaml_set_string(qe_yaml_doc *doc, const char *path, const char *value, qe_ctx *ctx);
qe_status qe_yaml_set_int(qe_yaml_doc *doc, const char *path, int64_t value, qe_ctx *ctx);
qe_status qe_yaml_set_double(qe_yaml_doc *doc, const char *path, double value, qe_ctx *ctx);
qe_status qe_yaml_set_bool(qe_yaml_doc *doc, const char *path, bool value, qe_ctx *ctx);
qe_status qe_yaml_set_null(qe_yaml_doc *doc, const char *path, qe_ctx *ctx);
/* An empty map or sequence at @path; *out (may be NULL) receives it. */
qe_status qe_yaml_set_map(qe_yaml_doc *doc, const char *path, qe_yaml_node **out, qe_ctx *ctx);
qe_status qe_yaml_set_seq(qe_yaml_doc *doc, const char *path, qe_yaml_node **out, qe_ctx *ctx);
/* Append a string (plain when @quoted is false) to sequence @seq. */
qe_status qe_yaml_seq_append_string(qe_yaml_doc *doc, qe_yaml_node *seq, const char *value,
                                    bool quoted, qe_ctx *ctx);
/* Parse @yaml_text as a YAML value (flow or block; "[1, 2]", "{a: 1}",
 * "per_tensor") and put it at @path. Locations in the new nodes name
 * @origin (e.g. "override 'a.b=[1,2]'"); NULL means "value of a.b". */
qe_status qe_yaml_set_yaml(qe_yaml_doc *doc, const char *path, const char *yaml_text,
                           const char *origin, qe_ctx *ctx);
/* Remove the node at @path; QE_ERR_INVALID when absent. */
qe_status qe_yaml_remove(qe_yaml_doc *doc, const char *path, qe_ctx *ctx);

/* A Hydra command-line override:
 *   key.sub=value   set (creating the key when absent)
 *   +key.sub=value  add a key that must not exist yet
 *   ++key.sub=value add or replace
 *   ~key.sub        delete (~key.sub=value deletes only when equal)
 * The value is YAML ("[a, b]", "null", "'quoted'"); nodes made from it are
 * located as "override 'ARG'". */
qe_status qe_yaml_override(qe_yaml_doc *doc, const char *arg, qe_ctx *ctx);

/* Interpolation of ${...} in the scalar @node: *out is a new string (free()).
 * @now is the time used by ${now:FORMAT}. Unknown resolvers, missing
 * references and cycles are errors at @node's location. */
qe_status qe_yaml_resolve(const qe_yaml_doc *doc, const qe_yaml_node *node, time_t now, char **out,
                          qe_ctx *ctx);
/* Resolve every scalar of @doc in place. */
qe_status qe_yaml_resolve_all(qe_yaml_doc *doc, time_t now, qe_ctx *ctx);

/* Write @node (and below) as a YAML document into a new string (free()). */
qe_status qe_yaml_emit(const qe_yaml_node *node, char **out, size_t *len, qe_ctx *ctx);
/* Write the document to @path atomically. */
qe_status qe_yaml_save(const qe_yaml_doc *doc, const char *path, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_YAML_H */
