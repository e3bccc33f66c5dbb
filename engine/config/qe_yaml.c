/* qe_yaml.c - YAML document tree with source locations (libyaml events).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_yaml.h"

/* Bounds against alias bombs and stack exhaustion in the recursive walks. */
#define QE_YAML_MAX_NODES         (1u << 20)
#define QE_YAML_MAX_DEPTH         512
#define QE_YAML_MAX_RESOLVE_DEPTH 32

struct qe_yaml_node {
  qe_yaml_kind kind;
  qe_yaml_style style;
  char *text;       /* scalars */
  const char *file; /* interned in the document */
  unsigned line, column;
  qe_yaml_node *parent;
  size_t n, cap;
  qe_yaml_node **keys;  /* maps: scalar key nodes */
  qe_yaml_node **items; /* maps: values; sequences: items */
};

struct qe_yaml_doc {
  qe_yaml_node *root;
  char **names;
  size_t n_names, cap_names;
  size_t n_nodes;
  bool over_limit; /* node_new() refused a node: too many */
};

/* ------------------------------------------------------------------------ */
/* Nodes */

static const char *intern(qe_yaml_doc *doc, const char *name)
{
  if (!name)
    name = "";
  for (size_t i = 0; i < doc->n_names; i++)
    if (doc->names[i] == name || strcmp(doc->names[i], name) == 0)
      return doc->names[i];
  if (!qe_grow((void **)&doc->names, &doc->cap_names, doc->n_names + 1, sizeof(char *)))
    return NULL;
  char *copy = qe_strdup(name);
  if (!copy)
    return NULL;
  doc->names[doc->n_names++] = copy;
  return copy;
}

static qe_yaml_node *node_new(qe_yaml_doc *doc, qe_yaml_kind kind, const char *file, unsigned line,
                              unsigned column)
{
  if (doc->n_nodes >= QE_YAML_MAX_NODES) {
    doc->over_limit = true;
    return NULL;
  }
  qe_yaml_node *n = calloc(1, sizeof *n);
  if (!n)
    return NULL;
  n->kind = kind;
  n->file = intern(doc, file);
  if (!n->file) {
    free(n);
    return NULL;
  }
  n->line = line;
  n->column = column;
  doc->n_nodes++;
  return n;
}

static void node_free(qe_yaml_doc *doc, qe_yaml_node *n)
{
  if (!n)
    return;
  for (size_t i = 0; i < n->n; i++) {
    if (n->keys)
      node_free(doc, n->keys[i]);
    node_free(doc, n->items[i]);
  }
  free(n->keys);
  free(n->items);
  free(n->text);
  free(n);
  if (doc && doc->n_nodes > 0)
    doc->n_nodes--;
}

static bool node_append(qe_yaml_node *parent, qe_yaml_node *key, qe_yaml_node *value)
{
  size_t cap = parent->cap;
  if (parent->n + 1 > cap) {
    size_t cap2 = cap;
    if (!qe_grow((void **)&parent->items, &cap2, parent->n + 1, sizeof(qe_yaml_node *)))
      return false;
    if (parent->kind == QE_YAML_MAP) {
      size_t cap3 = cap;
      if (!qe_grow((void **)&parent->keys, &cap3, parent->n + 1, sizeof(qe_yaml_node *)))
        return false;
    }
    parent->cap = cap2;
  }
  if (parent->kind == QE_YAML_MAP) {
    parent->keys[parent->n] = key;
    key->parent = parent;
  }
  parent->items[parent->n++] = value;
  value->parent = parent;
  return true;
}

/* Deep copy of @src into @dst (file names re-interned). */
static qe_yaml_node *node_copy(qe_yaml_doc *dst, const qe_yaml_node *src, int depth)
{
  if (depth > QE_YAML_MAX_DEPTH)
    return NULL;
  qe_yaml_node *n = node_new(dst, src->kind, src->file, src->line, src->column);
  if (!n)
    return NULL;
  n->style = src->style;
  if (src->text && !(n->text = qe_strdup(src->text)))
    goto fail;
  for (size_t i = 0; i < src->n; i++) {
    qe_yaml_node *k = NULL, *v = NULL;
    if (src->kind == QE_YAML_MAP && !(k = node_copy(dst, src->keys[i], depth + 1)))
      goto fail;
    if (!(v = node_copy(dst, src->items[i], depth + 1)) || !node_append(n, k, v)) {
      node_free(dst, k);
      node_free(dst, v);
      goto fail;
    }
  }
  return n;
fail:
  node_free(dst, n);
  return NULL;
}

static qe_yaml_node *scalar_new(qe_yaml_doc *doc, const char *text, qe_yaml_style style,
                                const char *file)
{
  qe_yaml_node *n = node_new(doc, QE_YAML_SCALAR, file, 0, 0);
  if (!n)
    return NULL;
  n->style = style;
  if (!(n->text = qe_strdup(text ? text : ""))) {
    node_free(doc, n);
    return NULL;
  }
  return n;
}

static ptrdiff_t map_find(const qe_yaml_node *map, const char *key)
{
  if (!map || map->kind != QE_YAML_MAP)
    return -1;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i]->text, key) == 0)
      return (ptrdiff_t)i;
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Documents */

qe_yaml_doc *qe_yaml_doc_new(const char *name)
{
  qe_yaml_doc *doc = calloc(1, sizeof *doc);
  if (!doc)
    return NULL;
  doc->root = node_new(doc, QE_YAML_MAP, name ? name : "", 0, 0);
  if (!doc->root) {
    qe_yaml_doc_free(doc);
    return NULL;
  }
  return doc;
}

void qe_yaml_doc_free(qe_yaml_doc *doc)
{
  if (!doc)
    return;
  node_free(doc, doc->root);
  for (size_t i = 0; i < doc->n_names; i++)
    free(doc->names[i]);
  free(doc->names);
  free(doc);
}

qe_yaml_doc *qe_yaml_doc_copy(const qe_yaml_doc *doc)
{
  if (!doc)
    return NULL;
  qe_yaml_doc *copy = calloc(1, sizeof *copy);
  if (!copy)
    return NULL;
  /* Keep the document name first, as qe_yaml_doc_name() reads it. */
  if (doc->n_names > 0 && !intern(copy, doc->names[0]))
    goto fail;
  copy->root = node_copy(copy, doc->root, 0);
  if (!copy->root)
    goto fail;
  return copy;
fail:
  qe_yaml_doc_free(copy);
  return NULL;
}

qe_yaml_node *qe_yaml_root(const qe_yaml_doc *doc)
{
  return doc ? doc->root : NULL;
}

const char *qe_yaml_doc_name(const qe_yaml_doc *doc)
{
  return doc && doc->n_names > 0 ? doc->names[0] : "";
}

/* ------------------------------------------------------------------------ */
/* Loading */

typedef struct {
  char *name;
  qe_yaml_node *node;
  bool complete;
} anchor;

typedef struct {
  qe_yaml_node *node;
  qe_yaml_node *pending_key; /* maps: key read, value not yet */
} frame;

typedef struct {
  qe_yaml_doc *doc;
  const char *file;
  qe_ctx *ctx;
  frame *stack;
  size_t depth, cap_stack;
  anchor *anchors;
  size_t n_anchors, cap_anchors;
  qe_yaml_node *result;
  int documents;
  /* Merge sources detached from the tree; anchors may still point into
   * them, so they are freed only when loading ends. */
  qe_yaml_node **graveyard;
  size_t n_graveyard, cap_graveyard;
} loader;

static qe_status load_error(loader *L, size_t line0, size_t col0, const char *fmt, ...)
    QE_PRINTF(4, 5);

static qe_status load_error(loader *L, size_t line0, size_t col0, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return qe_error(L->ctx, QE_ERR_PARSE, "%s:%zu:%zu: %s", L->file, line0 + 1, col0 + 1, msg);
}

static qe_status nomem(loader *L)
{
  if (L->doc->over_limit)
    return qe_error(L->ctx, QE_ERR_NOMEM, "%s: more than %u values (aliases expanding too much?)",
                    L->file, QE_YAML_MAX_NODES);
  return qe_error(L->ctx, QE_ERR_NOMEM, "%s: out of memory", L->file);
}

/* Apply "<<" merge keys of @map: the merged maps' pairs are inserted where
 * the merge key was, unless the key is already present. */
static qe_status apply_merges(loader *L, qe_yaml_node *map)
{
  ptrdiff_t at;
  while ((at = map_find(map, "<<")) >= 0 && map->keys[at]->style == QE_YAML_PLAIN) {
    qe_yaml_node *mkey = map->keys[at];
    qe_yaml_node *src = map->items[at];
    /* Detach the merge pair. */
    memmove(map->keys + at, map->keys + at + 1, (map->n - at - 1) * sizeof(qe_yaml_node *));
    memmove(map->items + at, map->items + at + 1, (map->n - at - 1) * sizeof(qe_yaml_node *));
    map->n--;
    size_t n_src = src->kind == QE_YAML_SEQ ? src->n : 1;
    qe_status st = QE_OK;
    size_t insert_at = (size_t)at;
    for (size_t s = 0; s < n_src && st == QE_OK; s++) {
      qe_yaml_node *m = src->kind == QE_YAML_SEQ ? src->items[s] : src;
      if (m->kind != QE_YAML_MAP) {
        st = load_error(L, m->line - 1, m->column - 1,
                        "a merge key '<<' takes a map or a list of maps");
        break;
      }
      for (size_t i = 0; i < m->n; i++) {
        if (map_find(map, m->keys[i]->text) >= 0)
          continue;
        qe_yaml_node *k = node_copy(L->doc, m->keys[i], 0);
        qe_yaml_node *v = k ? node_copy(L->doc, m->items[i], 0) : NULL;
        if (!v || !node_append(map, k, v)) {
          node_free(L->doc, k);
          node_free(L->doc, v);
          st = nomem(L);
          break;
        }
        /* Move the appended pair to the merge position. */
        size_t last = map->n - 1;
        memmove(map->keys + insert_at + 1, map->keys + insert_at,
                (last - insert_at) * sizeof(qe_yaml_node *));
        memmove(map->items + insert_at + 1, map->items + insert_at,
                (last - insert_at) * sizeof(qe_yaml_node *));
        map->keys[insert_at] = k;
        map->items[insert_at] = v;
        insert_at++;
      }
    }
    if (qe_grow((void **)&L->graveyard, &L->cap_graveyard, L->n_graveyard + 2,
                sizeof(qe_yaml_node *))) {
      L->graveyard[L->n_graveyard++] = mkey;
      L->graveyard[L->n_graveyard++] = src;
    } else {
      /* No room to keep them: drop the anchors that point into them. */
      for (size_t i = 0; i < L->n_anchors; i++)
        L->anchors[i].complete = false;
      node_free(L->doc, mkey);
      node_free(L->doc, src);
      if (st == QE_OK)
        st = nomem(L);
    }
    if (st != QE_OK)
      return st;
  }
  return QE_OK;
}

/* Attach a completed node to the open collection (or make it the root). */
static qe_status attach(loader *L, qe_yaml_node *node)
{
  if (L->depth == 0) {
    L->result = node;
    return QE_OK;
  }
  frame *f = &L->stack[L->depth - 1];
  if (f->node->kind == QE_YAML_SEQ) {
    if (!node_append(f->node, NULL, node)) {
      node_free(L->doc, node);
      return nomem(L);
    }
    return QE_OK;
  }
  if (!f->pending_key) {
    if (node->kind != QE_YAML_SCALAR) {
      qe_status st =
          load_error(L, node->line - 1, node->column - 1, "a key must be a simple value, not a %s",
                     node->kind == QE_YAML_MAP ? "map" : "list");
      node_free(L->doc, node);
      return st;
    }
    ptrdiff_t dup = map_find(f->node, node->text);
    if (dup >= 0 && strcmp(node->text, "<<") != 0) {
      qe_status st =
          load_error(L, node->line - 1, node->column - 1, "duplicate key '%s' (first at line %u)",
                     node->text, f->node->keys[dup]->line);
      node_free(L->doc, node);
      return st;
    }
    f->pending_key = node;
    return QE_OK;
  }
  qe_yaml_node *key = f->pending_key;
  f->pending_key = NULL;
  if (!node_append(f->node, key, node)) {
    node_free(L->doc, key);
    node_free(L->doc, node);
    return nomem(L);
  }
  return QE_OK;
}

static qe_status add_anchor(loader *L, const yaml_char_t *name, qe_yaml_node *node, bool complete)
{
  if (!name)
    return QE_OK;
  /* A later anchor of the same name replaces the earlier one. */
  for (size_t i = 0; i < L->n_anchors; i++)
    if (strcmp(L->anchors[i].name, (const char *)name) == 0) {
      L->anchors[i].node = node;
      L->anchors[i].complete = complete;
      return QE_OK;
    }
  if (!qe_grow((void **)&L->anchors, &L->cap_anchors, L->n_anchors + 1, sizeof(anchor)))
    return nomem(L);
  char *copy = qe_strdup((const char *)name);
  if (!copy)
    return nomem(L);
  L->anchors[L->n_anchors++] = (anchor){ copy, node, complete };
  return QE_OK;
}

static void complete_anchor(loader *L, qe_yaml_node *node)
{
  for (size_t i = 0; i < L->n_anchors; i++)
    if (L->anchors[i].node == node)
      L->anchors[i].complete = true;
}

static qe_status handle_event(loader *L, yaml_event_t *ev)
{
  unsigned line = (unsigned)ev->start_mark.line + 1;
  unsigned col = (unsigned)ev->start_mark.column + 1;
  qe_status st;

  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++L->documents > 1)
      return load_error(L, ev->start_mark.line, ev->start_mark.column,
                        "a second YAML document ('---') is not supported here");
    return QE_OK;
  case YAML_SCALAR_EVENT: {
    qe_yaml_node *n = node_new(L->doc, QE_YAML_SCALAR, L->file, line, col);
    if (!n)
      return nomem(L);
    if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
      node_free(L->doc, n);
      return load_error(L, ev->start_mark.line, ev->start_mark.column,
                        "a value contains a NUL character");
    }
    n->text = qe_strdup((const char *)ev->data.scalar.value);
    if (!n->text) {
      node_free(L->doc, n);
      return nomem(L);
    }
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
      n->style = QE_YAML_QUOTED;
      break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE:
      n->style = QE_YAML_BLOCK_TEXT;
      break;
    default:
      n->style = QE_YAML_PLAIN;
      break;
    }
    if (ev->data.scalar.tag &&
        (strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG) == 0 ||
         strcmp((const char *)ev->data.scalar.tag, "!!str") == 0) &&
        n->style == QE_YAML_PLAIN)
      n->style = QE_YAML_QUOTED;
    if ((st = add_anchor(L, ev->data.scalar.anchor, n, true)) != QE_OK) {
      node_free(L->doc, n);
      return st;
    }
    return attach(L, n);
  }
  case YAML_ALIAS_EVENT: {
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = L->n_anchors; i-- > 0;) {
      if (strcmp(L->anchors[i].name, name) != 0)
        continue;
      if (!L->anchors[i].complete)
        return load_error(L, ev->start_mark.line, ev->start_mark.column,
                          "alias '*%s' refers to a value that contains it", name);
      qe_yaml_node *n = node_copy(L->doc, L->anchors[i].node, 0);
      if (!n)
        return nomem(L);
      /* The copy is located where the alias is written. */
      n->line = line;
      n->column = col;
      n->file = intern(L->doc, L->file);
      return attach(L, n);
    }
    return load_error(L, ev->start_mark.line, ev->start_mark.column,
                      "alias '*%s' has no anchor '&%s' before it", name, name);
  }
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    bool is_map = ev->type == YAML_MAPPING_START_EVENT;
    if (L->depth >= QE_YAML_MAX_DEPTH)
      return load_error(L, ev->start_mark.line, ev->start_mark.column,
                        "nested more than %d levels deep", QE_YAML_MAX_DEPTH);
    qe_yaml_node *n = node_new(L->doc, is_map ? QE_YAML_MAP : QE_YAML_SEQ, L->file, line, col);
    if (!n)
      return nomem(L);
    const yaml_char_t *anchor_name =
        is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    if ((st = add_anchor(L, anchor_name, n, false)) != QE_OK) {
      node_free(L->doc, n);
      return st;
    }
    if (!qe_grow((void **)&L->stack, &L->cap_stack, L->depth + 1, sizeof(frame))) {
      node_free(L->doc, n);
      return nomem(L);
    }
    L->stack[L->depth++] = (frame){ n, NULL };
    return QE_OK;
  }
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT: {
    frame f = L->stack[--L->depth];
    if (f.pending_key) /* cannot happen with a well-formed event stream */
      node_free(L->doc, f.pending_key);
    if (f.node->kind == QE_YAML_MAP && (st = apply_merges(L, f.node)) != QE_OK) {
      node_free(L->doc, f.node);
      return st;
    }
    complete_anchor(L, f.node);
    return attach(L, f.node);
  }
  default:
    return QE_OK;
  }
}

static void loader_cleanup(loader *L)
{
  /* Free the open collections from the innermost out: each is not yet
   * attached to its parent. */
  while (L->depth > 0) {
    frame f = L->stack[--L->depth];
    node_free(L->doc, f.pending_key);
    node_free(L->doc, f.node);
  }
  free(L->stack);
  for (size_t i = 0; i < L->n_graveyard; i++)
    node_free(L->doc, L->graveyard[i]);
  free(L->graveyard);
  for (size_t i = 0; i < L->n_anchors; i++)
    free(L->anchors[i].name);
  free(L->anchors);
}

/* Parse @text into a root node of @doc, located in @file. An empty stream
 * gives a null scalar. */
static qe_status parse_into(qe_yaml_doc *doc, const char *text, size_t len, const char *file,
                            qe_yaml_node **out, qe_ctx *ctx)
{
  yaml_parser_t parser;
  loader L = { .doc = doc, .file = file, .ctx = ctx };
  qe_status st = QE_OK;
  bool done = false;

  *out = NULL;
  if (!yaml_parser_initialize(&parser))
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", file);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  while (!done && st == QE_OK) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      if (parser.error == YAML_READER_ERROR)
        st = qe_error(ctx, QE_ERR_PARSE, "%s: byte %zu: %s", file, parser.problem_offset,
                      parser.problem ? parser.problem : "unreadable text");
      else if (parser.error == YAML_MEMORY_ERROR)
        st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", file);
      else if (parser.context)
        st = load_error(&L, parser.problem_mark.line, parser.problem_mark.column,
                        "%s %s (line %zu)", parser.problem ? parser.problem : "syntax error",
                        parser.context, parser.context_mark.line + 1);
      else
        st = load_error(&L, parser.problem_mark.line, parser.problem_mark.column, "%s",
                        parser.problem ? parser.problem : "syntax error");
      break;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    st = handle_event(&L, &ev);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  if (st != QE_OK) {
    node_free(doc, L.result);
    loader_cleanup(&L);
    return st;
  }
  loader_cleanup(&L);
  if (!L.result) {
    L.result = scalar_new(doc, "", QE_YAML_PLAIN, file);
    if (!L.result)
      return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", file);
    L.result->line = 1;
    L.result->column = 1;
  }
  *out = L.result;
  return QE_OK;
}

qe_status qe_yaml_load_string(const char *text, size_t len, const char *name, qe_yaml_doc **out,
                              qe_ctx *ctx)
{
  if (!out || (!text && len))
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_load_string: no text or no output");
  *out = NULL;
  if (!name)
    name = "<string>";
  qe_yaml_doc *doc = calloc(1, sizeof *doc);
  if (!doc || !intern(doc, name)) {
    qe_yaml_doc_free(doc);
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
  }
  qe_status st = parse_into(doc, text ? text : "", len, name, &doc->root, ctx);
  if (st != QE_OK) {
    qe_yaml_doc_free(doc);
    return st;
  }
  /* An empty file is an empty map: a configuration with nothing set. */
  if (qe_yaml_node_is_null(doc->root)) {
    qe_yaml_node *map = node_new(doc, QE_YAML_MAP, name, 1, 1);
    if (!map) {
      qe_yaml_doc_free(doc);
      return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", name);
    }
    node_free(doc, doc->root);
    doc->root = map;
  }
  *out = doc;
  return QE_OK;
}

qe_status qe_yaml_load_file(const char *path, qe_yaml_doc **out, qe_ctx *ctx)
{
  uint8_t *data = NULL;
  size_t len = 0;
  if (!out || !path)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_load_file: no path or no output");
  *out = NULL;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st != QE_OK)
    return st;
  st = qe_yaml_load_string((const char *)data, len, path, out, ctx);
  free(data);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Inspection */

qe_yaml_kind qe_yaml_node_kind(const qe_yaml_node *node)
{
  return node ? node->kind : QE_YAML_SCALAR;
}

const char *qe_yaml_node_text(const qe_yaml_node *node)
{
  return node && node->kind == QE_YAML_SCALAR ? node->text : NULL;
}

qe_yaml_style qe_yaml_node_style(const qe_yaml_node *node)
{
  return node ? node->style : QE_YAML_PLAIN;
}

static bool text_is_null(const char *s)
{
  return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
         strcmp(s, "NULL") == 0;
}

bool qe_yaml_node_is_null(const qe_yaml_node *node)
{
  return node && node->kind == QE_YAML_SCALAR && node->style == QE_YAML_PLAIN &&
         text_is_null(node->text);
}

size_t qe_yaml_node_count(const qe_yaml_node *node)
{
  return node && node->kind != QE_YAML_SCALAR ? node->n : 0;
}

qe_yaml_node *qe_yaml_node_item(const qe_yaml_node *node, size_t i)
{
  return node && node->kind != QE_YAML_SCALAR && i < node->n ? node->items[i] : NULL;
}

const char *qe_yaml_node_key(const qe_yaml_node *node, size_t i)
{
  return node && node->kind == QE_YAML_MAP && i < node->n ? node->keys[i]->text : NULL;
}

qe_yaml_node *qe_yaml_node_key_node(const qe_yaml_node *node, size_t i)
{
  return node && node->kind == QE_YAML_MAP && i < node->n ? node->keys[i] : NULL;
}

qe_yaml_node *qe_yaml_node_get(const qe_yaml_node *node, const char *key)
{
  ptrdiff_t i = key ? map_find(node, key) : -1;
  return i >= 0 ? node->items[i] : NULL;
}

qe_yaml_node *qe_yaml_node_parent(const qe_yaml_node *node)
{
  return node ? node->parent : NULL;
}

/* Parse a sequence index segment; false when not all digits. */
static bool parse_index(const char *s, size_t len, size_t *out)
{
  size_t v = 0;
  if (len == 0 || len > 9)
    return false;
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)s[i]))
      return false;
    v = v * 10 + (size_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

/* One step of a dotted path: the child of @node named by s[0..len). */
static qe_yaml_node *child_segment(const qe_yaml_node *node, const char *s, size_t len,
                                   ptrdiff_t *index)
{
  *index = -1;
  if (!node)
    return NULL;
  if (node->kind == QE_YAML_MAP) {
    for (size_t i = 0; i < node->n; i++)
      if (strncmp(node->keys[i]->text, s, len) == 0 && node->keys[i]->text[len] == '\0') {
        *index = (ptrdiff_t)i;
        return node->items[i];
      }
  } else if (node->kind == QE_YAML_SEQ) {
    size_t idx;
    if (parse_index(s, len, &idx) && idx < node->n) {
      *index = (ptrdiff_t)idx;
      return node->items[idx];
    }
  }
  return NULL;
}

qe_yaml_node *qe_yaml_path(const qe_yaml_node *node, const char *path)
{
  if (!node || !path)
    return NULL;
  const char *p = path;
  qe_yaml_node *cur = (qe_yaml_node *)node;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    ptrdiff_t idx;
    cur = child_segment(cur, p, len, &idx);
    if (!cur)
      return NULL;
    p += len;
    if (*p == '.')
      p++;
  }
  return cur;
}

const char *qe_yaml_node_file(const qe_yaml_node *node)
{
  return node && node->file ? node->file : "";
}

unsigned qe_yaml_node_line(const qe_yaml_node *node)
{
  return node ? node->line : 0;
}

unsigned qe_yaml_node_column(const qe_yaml_node *node)
{
  return node ? node->column : 0;
}

const char *qe_yaml_node_where(const qe_yaml_node *node, char *buf, size_t size)
{
  if (!buf || size == 0)
    return "";
  /* Nodes made by the program have no line: use the nearest located
   * ancestor, so messages still point somewhere useful. */
  const qe_yaml_node *n = node;
  while (n && n->line == 0 && n->parent && n->parent->file == n->file)
    n = n->parent;
  if (!n)
    snprintf(buf, size, "%s", "");
  else if (n->line > 0)
    snprintf(buf, size, "%s:%u:%u", n->file, n->line, n->column);
  else
    snprintf(buf, size, "%s", n->file);
  return buf;
}

const char *qe_yaml_node_path(const qe_yaml_node *node, char *buf, size_t size)
{
  if (!buf || size == 0)
    return "";
  buf[0] = '\0';
  if (!node)
    return buf;
  /* Collect the segments from @node up, then write them in order. */
  const qe_yaml_node *chain[QE_YAML_MAX_DEPTH + 2];
  size_t depth = 0;
  for (const qe_yaml_node *n = node; n->parent && depth < QE_ARRAY_LEN(chain); n = n->parent)
    chain[depth++] = n;
  size_t used = 0;
  for (size_t d = depth; d-- > 0;) {
    const qe_yaml_node *n = chain[d], *p = n->parent;
    char seg[256];
    seg[0] = '\0';
    for (size_t i = 0; i < p->n; i++)
      if (p->items[i] == n || (p->keys && p->keys[i] == n)) {
        if (p->kind == QE_YAML_MAP)
          snprintf(seg, sizeof seg, "%s", p->keys[i]->text);
        else
          snprintf(seg, sizeof seg, "%zu", i);
        break;
      }
    int w = snprintf(buf + used, size - used, "%s%s", used ? "." : "", seg);
    if (w < 0 || (size_t)w >= size - used)
      break;
    used += (size_t)w;
  }
  return buf;
}

qe_status qe_yaml_error(qe_ctx *ctx, qe_status status, const qe_yaml_node *node, const char *fmt,
                        ...)
{
  char where[512], msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  qe_yaml_node_where(node, where, sizeof where);
  if (where[0])
    return qe_error(ctx, status, "%s: %s", where, msg);
  return qe_error(ctx, status, "%s", msg);
}

void qe_yaml_warn(qe_ctx *ctx, const qe_yaml_node *node, const char *fmt, ...)
{
  char where[512], msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  qe_yaml_node_where(node, where, sizeof where);
  if (where[0])
    qe_warn(ctx, "%s: %s", where, msg);
  else
    qe_warn(ctx, "%s", msg);
}

/* ------------------------------------------------------------------------ */
/* Typed conversion */

static const char *kind_name(const qe_yaml_node *n)
{
  return n->kind == QE_YAML_MAP ? "a map" : "a list";
}

/* "quantization.granularity" or, for the root, "the document". */
static const char *path_or_root(const qe_yaml_node *node, char *buf, size_t size)
{
  qe_yaml_node_path(node, buf, size);
  if (!buf[0])
    snprintf(buf, size, "%s", "the value");
  return buf;
}

static qe_status type_error(const qe_yaml_node *node, const char *what, qe_ctx *ctx)
{
  char path[256];
  path_or_root(node, path, sizeof path);
  if (node->kind != QE_YAML_SCALAR)
    return qe_yaml_error(ctx, QE_ERR_INVALID, node, "%s must be %s, not %s", path, what,
                         kind_name(node));
  if (qe_yaml_node_is_null(node))
    return qe_yaml_error(ctx, QE_ERR_INVALID, node, "%s must be %s, but it is empty", path, what);
  return qe_yaml_error(ctx, QE_ERR_INVALID, node, "%s must be %s, not '%s'", path, what,
                       node->text);
}

static bool text_to_bool(const char *s, bool *out)
{
  static const char *const yes[] = {
    "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"
  };
  static const char *const no[] = {
    "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"
  };
  for (size_t i = 0; i < QE_ARRAY_LEN(yes); i++) {
    if (strcmp(s, yes[i]) == 0) {
      *out = true;
      return true;
    }
    if (strcmp(s, no[i]) == 0) {
      *out = false;
      return true;
    }
  }
  return false;
}

/* Copy @s without '_' separators into @buf; false when too long or empty. */
static bool strip_underscores(const char *s, char *buf, size_t size)
{
  size_t n = 0;
  for (; *s; s++) {
    if (*s == '_')
      continue;
    if (n + 1 >= size)
      return false;
    buf[n++] = *s;
  }
  buf[n] = '\0';
  return n > 0;
}

static bool text_to_int(const char *text, int64_t *out)
{
  char buf[96];
  if (!strip_underscores(text, buf, sizeof buf))
    return false;
  const char *p = buf;
  bool neg = false;
  if (*p == '+' || *p == '-')
    neg = *p++ == '-';
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
    base = 8;
    p += 2;
  } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
    base = 2;
    p += 2;
  }
  if (!*p)
    return false;
  uint64_t v = 0;
  for (; *p; p++) {
    int d;
    if (*p >= '0' && *p <= '9')
      d = *p - '0';
    else if (*p >= 'a' && *p <= 'f')
      d = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F')
      d = *p - 'A' + 10;
    else
      return false;
    if (d >= base)
      return false;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
      return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  if (neg) {
    if (v > (uint64_t)INT64_MAX + 1)
      return false;
    *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  } else {
    if (v > (uint64_t)INT64_MAX)
      return false;
    *out = (int64_t)v;
  }
  return true;
}

/* A decimal floating-point literal (no hex floats, no "inf"/"nan" words). */
static bool text_to_real(const char *text, double *out)
{
  char buf[128];
  if (!strip_underscores(text, buf, sizeof buf))
    return false;
  const char *p = buf;
  const char *body = (*p == '+' || *p == '-') ? p + 1 : p;
  if (strcmp(body, ".inf") == 0 || strcmp(body, ".Inf") == 0 || strcmp(body, ".INF") == 0) {
    *out = *p == '-' ? -INFINITY : INFINITY;
    return true;
  }
  if (p == body &&
      (strcmp(body, ".nan") == 0 || strcmp(body, ".NaN") == 0 || strcmp(body, ".NAN") == 0)) {
    *out = NAN;
    return true;
  }
  bool digits = false;
  for (const char *q = body; *q; q++) {
    if (isdigit((unsigned char)*q))
      digits = true;
    else if (!strchr(".eE+-", *q))
      return false;
  }
  if (!digits)
    return false;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (*end || end == buf)
    return false;
  if (errno == ERANGE && isinf(v))
    return false;
  *out = v;
  return true;
}

static bool text_to_double(const char *text, double *out)
{
  if (text_to_real(text, out))
    return true;
  int64_t i;
  if (text_to_int(text, &i)) {
    *out = (double)i;
    return true;
  }
  /* The model zoo writes rescaling factors as fractions: "1/127.5". */
  const char *slash = strchr(text, '/');
  if (slash && !strchr(slash + 1, '/')) {
    char num[128], den[128];
    size_t nl = (size_t)(slash - text);
    if (nl == 0 || nl >= sizeof num || strlen(slash + 1) >= sizeof den)
      return false;
    memcpy(num, text, nl);
    num[nl] = '\0';
    snprintf(den, sizeof den, "%s", slash + 1);
    /* Allow spaces around the slash. */
    char *a = num, *b = den;
    while (*a == ' ')
      a++;
    while (nl > 0 && num[nl - 1] == ' ')
      num[--nl] = '\0';
    while (*b == ' ')
      b++;
    size_t dl = strlen(b);
    while (dl > 0 && b[dl - 1] == ' ')
      b[--dl] = '\0';
    double x, y;
    if (!text_to_real(a, &x) && !(text_to_int(a, &i) && ((x = (double)i), true)))
      return false;
    if (!text_to_real(b, &y) && !(text_to_int(b, &i) && ((y = (double)i), true)))
      return false;
    if (y == 0.0)
      return false;
    *out = x / y;
    return true;
  }
  return false;
}

qe_status qe_yaml_node_bool(const qe_yaml_node *node, bool *out, qe_ctx *ctx)
{
  if (!node || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_node_bool: no node");
  if (node->kind != QE_YAML_SCALAR || !text_to_bool(node->text, out))
    return type_error(node, "true or false", ctx);
  return QE_OK;
}

qe_status qe_yaml_node_int(const qe_yaml_node *node, int64_t *out, qe_ctx *ctx)
{
  if (!node || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_node_int: no node");
  if (node->kind != QE_YAML_SCALAR || !text_to_int(node->text, out))
    return type_error(node, "an integer", ctx);
  return QE_OK;
}

qe_status qe_yaml_node_double(const qe_yaml_node *node, double *out, qe_ctx *ctx)
{
  if (!node || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_node_double: no node");
  if (node->kind != QE_YAML_SCALAR || !text_to_double(node->text, out))
    return type_error(node, "a number", ctx);
  return QE_OK;
}

qe_status qe_yaml_node_string(const qe_yaml_node *node, const char **out, qe_ctx *ctx)
{
  if (!node || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_node_string: no node");
  if (node->kind != QE_YAML_SCALAR)
    return type_error(node, "a text value", ctx);
  *out = node->text;
  return QE_OK;
}

qe_status qe_yaml_node_enum(const qe_yaml_node *node, const char *const *choices, int *out,
                            qe_ctx *ctx)
{
  if (!node || !out || !choices)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_node_enum: no node");
  if (node->kind == QE_YAML_SCALAR) {
    for (int i = 0; choices[i]; i++)
      if (strcmp(node->text, choices[i]) == 0) {
        *out = i;
        return QE_OK;
      }
    /* The model zoo itself compares some names without case. */
    for (int i = 0; choices[i]; i++)
      if (strcasecmp(node->text, choices[i]) == 0) {
        *out = i;
        return QE_OK;
      }
  }
  char list[512];
  size_t used = 0;
  list[0] = '\0';
  for (int i = 0; choices[i]; i++) {
    int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
    if (w < 0 || (size_t)w >= sizeof list - used)
      break;
    used += (size_t)w;
  }
  char what[600];
  snprintf(what, sizeof what, "one of %s", list);
  return type_error(node, what, ctx);
}

qe_status qe_yaml_get_bool(const qe_yaml_node *node, const char *path, bool *out, qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  return !n || qe_yaml_node_is_null(n) ? QE_OK : qe_yaml_node_bool(n, out, ctx);
}

qe_status qe_yaml_get_int(const qe_yaml_node *node, const char *path, int64_t *out, qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  return !n || qe_yaml_node_is_null(n) ? QE_OK : qe_yaml_node_int(n, out, ctx);
}

qe_status qe_yaml_get_int_range(const qe_yaml_node *node, const char *path, int64_t min,
                                int64_t max, int64_t *out, qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  int64_t v;
  if (!n || qe_yaml_node_is_null(n))
    return QE_OK;
  qe_status st = qe_yaml_node_int(n, &v, ctx);
  if (st != QE_OK)
    return st;
  if (v < min || v > max) {
    char p[256];
    return qe_yaml_error(ctx, QE_ERR_INVALID, n,
                         "%s must be between %" PRId64 " and %" PRId64 ", not %" PRId64,
                         path_or_root(n, p, sizeof p), min, max, v);
  }
  *out = v;
  return QE_OK;
}

qe_status qe_yaml_get_double(const qe_yaml_node *node, const char *path, double *out, qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  return !n || qe_yaml_node_is_null(n) ? QE_OK : qe_yaml_node_double(n, out, ctx);
}

qe_status qe_yaml_get_string(const qe_yaml_node *node, const char *path, const char **out,
                             qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  return !n || qe_yaml_node_is_null(n) ? QE_OK : qe_yaml_node_string(n, out, ctx);
}

qe_status qe_yaml_get_enum(const qe_yaml_node *node, const char *path, const char *const *choices,
                           int *out, qe_ctx *ctx)
{
  qe_yaml_node *n = qe_yaml_path(node, path);
  return !n || qe_yaml_node_is_null(n) ? QE_OK : qe_yaml_node_enum(n, choices, out, ctx);
}

/* ------------------------------------------------------------------------ */
/* Editing */

/* Find (creating maps on the way) the parent of the last segment of @path;
 * *last / *last_len name that segment. */
static qe_status walk_create(qe_yaml_doc *doc, const char *path, qe_yaml_node **parent,
                             const char **last, size_t *last_len, qe_ctx *ctx)
{
  if (!doc || !path || !*path)
    return qe_error(ctx, QE_ERR_INVALID, "an empty key path");
  qe_yaml_node *cur = doc->root;
  const char *p = path;
  for (;;) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    if (len == 0)
      return qe_error(ctx, QE_ERR_INVALID, "'%s': a key path has an empty part", path);
    if (!dot) {
      *parent = cur;
      *last = p;
      *last_len = len;
      return QE_OK;
    }
    ptrdiff_t idx;
    qe_yaml_node *next = child_segment(cur, p, len, &idx);
    if (!next) {
      if (cur->kind != QE_YAML_MAP)
        return qe_error(ctx, QE_ERR_INVALID, "'%s': '%.*s' is not a key of a map", path, (int)len,
                        p);
      char *key = qe_strndup(p, len);
      qe_yaml_node *k = key ? scalar_new(doc, key, QE_YAML_PLAIN, cur->file) : NULL;
      free(key);
      next = k ? node_new(doc, QE_YAML_MAP, cur->file, 0, 0) : NULL;
      if (!next || !node_append(cur, k, next)) {
        node_free(doc, k);
        node_free(doc, next);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
    } else if (next->kind == QE_YAML_SCALAR) {
      if (!qe_yaml_node_is_null(next)) {
        char where[512];
        return qe_error(ctx, QE_ERR_INVALID, "%s: '%.*s' holds a value, not a map of keys",
                        qe_yaml_node_where(next, where, sizeof where), (int)(dot - path), path);
      }
      /* "section:" with nothing under it becomes a map. */
      next->kind = QE_YAML_MAP;
      free(next->text);
      next->text = NULL;
      next->style = QE_YAML_PLAIN;
    }
    cur = next;
    p = dot + 1;
  }
}

/* Put @node at @path, replacing what is there. Takes @node in all cases. */
static qe_status put_node(qe_yaml_doc *doc, const char *path, qe_yaml_node *node, qe_ctx *ctx)
{
  qe_yaml_node *parent;
  const char *last;
  size_t len;
  qe_status st = walk_create(doc, path, &parent, &last, &len, ctx);
  if (st != QE_OK) {
    node_free(doc, node);
    return st;
  }
  if (parent->kind == QE_YAML_SCALAR && qe_yaml_node_is_null(parent)) {
    parent->kind = QE_YAML_MAP;
    free(parent->text);
    parent->text = NULL;
  }
  ptrdiff_t idx;
  qe_yaml_node *old = child_segment(parent, last, len, &idx);
  if (old) {
    /* Keep the key (and its location); the new value takes the old one's
     * location when it has none of its own. */
    if (node->line == 0 && node->file == parent->file) {
      node->line = old->line;
      node->column = old->column;
    }
    node_free(doc, old);
    parent->items[idx] = node;
    node->parent = parent;
    return QE_OK;
  }
  if (parent->kind == QE_YAML_SEQ) {
    size_t i;
    if (parse_index(last, len, &i) && i == parent->n) {
      if (!node_append(parent, NULL, node)) {
        node_free(doc, node);
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      }
      return QE_OK;
    }
    node_free(doc, node);
    return qe_error(ctx, QE_ERR_INVALID, "'%s': '%.*s' is not an item of the list", path, (int)len,
                    last);
  }
  if (parent->kind != QE_YAML_MAP) {
    node_free(doc, node);
    return qe_error(ctx, QE_ERR_INVALID, "'%s': the parent is a value, not a map", path);
  }
  char *key = qe_strndup(last, len);
  qe_yaml_node *k = key ? scalar_new(doc, key, QE_YAML_PLAIN, node->file) : NULL;
  free(key);
  if (!k || !node_append(parent, k, node)) {
    node_free(doc, k);
    node_free(doc, node);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return QE_OK;
}

static qe_status set_scalar(qe_yaml_doc *doc, const char *path, const char *text,
                            qe_yaml_style style, qe_ctx *ctx)
{
  if (!doc)
    return qe_error(ctx, QE_ERR_INVALID, "no YAML document");
  qe_yaml_node *n = scalar_new(doc, text, style, qe_yaml_doc_name(doc));
  if (!n)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return put_node(doc, path, n, ctx);
}

qe_status qe_yaml_set_string(qe_yaml_doc *doc, const char *path, const char *value, qe_ctx *ctx)
{
  return value ? set_scalar(doc, path, value, QE_YAML_QUOTED, ctx)
               : set_scalar(doc, path, "null", QE_YAML_PLAIN, ctx);
}

qe_status qe_yaml_set_int(qe_yaml_doc *doc, const char *path, int64_t value, qe_ctx *ctx)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, value);
  return set_scalar(doc, path, buf, QE_YAML_PLAIN, ctx);
}

/* Shortest text that reads back as @v, always with a '.' or an exponent
 * sign so that YAML 1.1 readers (PyYAML) see a float. */
static void format_double(double v, char *buf, size_t size)
{
  if (isnan(v)) {
    snprintf(buf, size, ".nan");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, size, v < 0 ? "-.inf" : ".inf");
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      break;
  }
  if (!strchr(buf, '.')) {
    char *e = strchr(buf, 'e');
    char tmp[96];
    if (e) {
      snprintf(tmp, sizeof tmp, "%.*s.0%s", (int)(e - buf), buf, e);
    } else {
      snprintf(tmp, sizeof tmp, "%s.0", buf);
    }
    size_t n = strlen(tmp);
    if (n < size)
      memcpy(buf, tmp, n + 1);
  }
}

qe_status qe_yaml_set_double(qe_yaml_doc *doc, const char *path, double value, qe_ctx *ctx)
{
  char buf[64];
  format_double(value, buf, sizeof buf);
  return set_scalar(doc, path, buf, QE_YAML_PLAIN, ctx);
}

qe_status qe_yaml_set_bool(qe_yaml_doc *doc, const char *path, bool value, qe_ctx *ctx)
{
  /* "True"/"False" as the model zoo's own files write them. */
  return set_scalar(doc, path, value ? "True" : "False", QE_YAML_PLAIN, ctx);
}

qe_status qe_yaml_set_null(qe_yaml_doc *doc, const char *path, qe_ctx *ctx)
{
  return set_scalar(doc, path, "", QE_YAML_PLAIN, ctx);
}

static qe_status set_collection(qe_yaml_doc *doc, const char *path, qe_yaml_kind kind,
                                qe_yaml_node **out, qe_ctx *ctx)
{
  if (!doc)
    return qe_error(ctx, QE_ERR_INVALID, "no YAML document");
  qe_yaml_node *n = node_new(doc, kind, qe_yaml_doc_name(doc), 0, 0);
  if (!n)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = put_node(doc, path, n, ctx);
  if (out)
    *out = st == QE_OK ? n : NULL;
  return st;
}

qe_status qe_yaml_set_map(qe_yaml_doc *doc, const char *path, qe_yaml_node **out, qe_ctx *ctx)
{
  return set_collection(doc, path, QE_YAML_MAP, out, ctx);
}

qe_status qe_yaml_set_seq(qe_yaml_doc *doc, const char *path, qe_yaml_node **out, qe_ctx *ctx)
{
  return set_collection(doc, path, QE_YAML_SEQ, out, ctx);
}

qe_status qe_yaml_seq_append_string(qe_yaml_doc *doc, qe_yaml_node *seq, const char *value,
                                    bool quoted, qe_ctx *ctx)
{
  if (!doc || !seq || seq->kind != QE_YAML_SEQ)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_seq_append_string: not a list");
  qe_yaml_node *n = scalar_new(doc, value, quoted ? QE_YAML_QUOTED : QE_YAML_PLAIN, seq->file);
  if (!n || !node_append(seq, NULL, n)) {
    node_free(doc, n);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return QE_OK;
}

/* Parse @text as a value of @doc located in @origin. */
static qe_status parse_value(qe_yaml_doc *doc, const char *text, const char *origin,
                             qe_yaml_node **out, qe_ctx *ctx)
{
  if (!*text) {
    /* Hydra reads "key=" as the empty string. */
    *out = scalar_new(doc, "", QE_YAML_QUOTED, origin);
    return *out ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  qe_status st = parse_into(doc, text, strlen(text), origin, out, ctx);
  if (st != QE_OK)
    return st;
  return QE_OK;
}

qe_status qe_yaml_set_yaml(qe_yaml_doc *doc, const char *path, const char *yaml_text,
                           const char *origin, qe_ctx *ctx)
{
  if (!doc || !yaml_text)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_set_yaml: no document or no text");
  char fallback[300];
  if (!origin) {
    snprintf(fallback, sizeof fallback, "value of %s", path ? path : "");
    origin = fallback;
  }
  qe_yaml_node *n = NULL;
  qe_status st = parse_value(doc, yaml_text, origin, &n, ctx);
  if (st != QE_OK)
    return st;
  return put_node(doc, path, n, ctx);
}

qe_status qe_yaml_remove(qe_yaml_doc *doc, const char *path, qe_ctx *ctx)
{
  qe_yaml_node *n = doc ? qe_yaml_path(doc->root, path) : NULL;
  if (!n || n == doc->root)
    return qe_error(ctx, QE_ERR_INVALID, "'%s' is not in the configuration", path ? path : "");
  qe_yaml_node *p = n->parent;
  for (size_t i = 0; i < p->n; i++) {
    if (p->items[i] != n)
      continue;
    if (p->keys)
      node_free(doc, p->keys[i]);
    node_free(doc, n);
    memmove(p->items + i, p->items + i + 1, (p->n - i - 1) * sizeof(qe_yaml_node *));
    if (p->keys)
      memmove(p->keys + i, p->keys + i + 1, (p->n - i - 1) * sizeof(qe_yaml_node *));
    p->n--;
    return QE_OK;
  }
  return qe_error(ctx, QE_ERR_INTERNAL, "'%s': node not found under its parent", path);
}

qe_status qe_yaml_override(qe_yaml_doc *doc, const char *arg, qe_ctx *ctx)
{
  if (!doc || !arg)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_override: no document or no argument");
  char origin[600];
  snprintf(origin, sizeof origin, "override '%s'", arg);
  int mode = 0; /* 0 set, 1 add, 2 add-or-replace, 3 delete */
  const char *p = arg;
  if (strncmp(p, "++", 2) == 0) {
    mode = 2;
    p += 2;
  } else if (*p == '+') {
    mode = 1;
    p++;
  } else if (*p == '~') {
    mode = 3;
    p++;
  }
  const char *eq = strchr(p, '=');
  if (!eq && mode != 3)
    return qe_error(ctx, QE_ERR_INVALID, "%s: expected key.sub=value", origin);
  size_t klen = eq ? (size_t)(eq - p) : strlen(p);
  if (klen == 0)
    return qe_error(ctx, QE_ERR_INVALID, "%s: the key is missing before '='", origin);
  char *key = qe_strndup(p, klen);
  if (!key)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < klen; i++)
    if (isspace((unsigned char)key[i]) || (i + 1 < klen && key[i] == '.' && key[i + 1] == '.') ||
        key[0] == '.' || key[klen - 1] == '.') {
      free(key);
      return qe_error(ctx, QE_ERR_INVALID, "%s: '%.*s' is not a valid key path", origin, (int)klen,
                      p);
    }
  qe_status st = QE_OK;
  qe_yaml_node *existing = qe_yaml_path(doc->root, key);
  if (mode == 3) {
    if (!existing)
      st = qe_error(ctx, QE_ERR_INVALID, "%s: %s is not in the configuration", origin, key);
    else if (eq && (existing->kind != QE_YAML_SCALAR || strcmp(existing->text, eq + 1) != 0))
      st = qe_error(ctx, QE_ERR_INVALID, "%s: %s is not '%s'", origin, key, eq + 1);
    else
      st = qe_yaml_remove(doc, key, ctx);
  } else if (mode == 1 && existing) {
    st = qe_error(ctx, QE_ERR_INVALID, "%s: %s is already set; use ++%s to replace it", origin, key,
                  arg + 1);
  } else {
    st = qe_yaml_set_yaml(doc, key, eq + 1, origin, ctx);
  }
  free(key);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Interpolation */

typedef struct {
  char *buf;
  size_t len, cap;
} sbuf;

static bool sb_add(sbuf *b, const char *s, size_t n)
{
  if (!qe_grow((void **)&b->buf, &b->cap, b->len + n + 1, 1))
    return false;
  memcpy(b->buf + b->len, s, n);
  b->len += n;
  b->buf[b->len] = '\0';
  return true;
}

static qe_status resolve_text(const qe_yaml_doc *doc, const qe_yaml_node *node, const char *text,
                              time_t now, int depth, sbuf *out, qe_ctx *ctx);

static qe_status resolve_one(const qe_yaml_doc *doc, const qe_yaml_node *node, const char *expr,
                             size_t len, time_t now, int depth, sbuf *out, qe_ctx *ctx)
{
  char e[512];
  if (len >= sizeof e)
    return qe_yaml_error(ctx, QE_ERR_INVALID, node, "interpolation '${%.40s...}' is too long",
                         expr);
  memcpy(e, expr, len);
  e[len] = '\0';
  char *colon = strchr(e, ':');
  if (colon) {
    *colon = '\0';
    const char *name = e, *args = colon + 1;
    if (strcmp(name, "now") == 0) {
      struct tm tm;
      char t[256];
      if (!localtime_r(&now, &tm))
        return qe_yaml_error(ctx, QE_ERR_INVALID, node, "the clock time cannot be formatted");
/* The format comes from the configuration, as in OmegaConf's ${now:}. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      size_t n = strftime(t, sizeof t, args, &tm);
#pragma GCC diagnostic pop
      if (n == 0 && *args)
        return qe_yaml_error(ctx, QE_ERR_INVALID, node, "'${now:%s}' gives no text", args);
      return sb_add(out, t, n) ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    if (strcmp(name, "oc.env") == 0 || strcmp(name, "env") == 0) {
      char var[256];
      const char *comma = strchr(args, ',');
      size_t vl = comma ? (size_t)(comma - args) : strlen(args);
      if (vl == 0 || vl >= sizeof var)
        return qe_yaml_error(ctx, QE_ERR_INVALID, node, "'${%s:%s}' names no variable", name, args);
      memcpy(var, args, vl);
      var[vl] = '\0';
      const char *v = getenv(var);
      if (!v && comma) {
        v = comma + 1;
        while (*v == ' ')
          v++;
      }
      if (!v)
        return qe_yaml_error(ctx, QE_ERR_INVALID, node,
                             "environment variable %s is not set (used in '${%s:%s}')", var, name,
                             args);
      return sb_add(out, v, strlen(v)) ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    return qe_yaml_error(ctx, QE_ERR_INVALID, node,
                         "unknown resolver '%s' in '${%s:%s}' (known: now, oc.env)", name, name,
                         args);
  }
  /* A reference to another key: absolute, or relative with leading dots. */
  const qe_yaml_node *base = doc->root;
  const char *path = e;
  if (*path == '.') {
    base = node->parent;
    path++;
    while (*path == '.' && base) {
      base = base->parent;
      path++;
    }
  }
  const qe_yaml_node *target = base ? qe_yaml_path(base, path) : NULL;
  if (!target)
    return qe_yaml_error(ctx, QE_ERR_INVALID, node, "'${%s}' refers to a key that is not set", e);
  if (target->kind != QE_YAML_SCALAR)
    return qe_yaml_error(ctx, QE_ERR_INVALID, node,
                         "'${%s}' refers to %s; only single values can be inserted", e,
                         kind_name(target));
  return resolve_text(doc, target, target->text, now, depth + 1, out, ctx);
}

static qe_status resolve_text(const qe_yaml_doc *doc, const qe_yaml_node *node, const char *text,
                              time_t now, int depth, sbuf *out, qe_ctx *ctx)
{
  if (depth > QE_YAML_MAX_RESOLVE_DEPTH)
    return qe_yaml_error(ctx, QE_ERR_INVALID, node,
                         "interpolation refers to itself (a cycle of ${...} references)");
  const char *p = text;
  while (*p) {
    const char *d = strstr(p, "${");
    if (!d) {
      if (!sb_add(out, p, strlen(p)))
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    if (d > p && d[-1] == '\\') {
      /* "\${" is a literal "${". */
      if (!sb_add(out, p, (size_t)(d - p - 1)) || !sb_add(out, "${", 2))
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      p = d + 2;
      continue;
    }
    if (!sb_add(out, p, (size_t)(d - p)))
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    const char *close = strchr(d + 2, '}');
    if (!close)
      return qe_yaml_error(ctx, QE_ERR_INVALID, node, "'${' without a closing '}' in '%s'", text);
    qe_status st = resolve_one(doc, node, d + 2, (size_t)(close - d - 2), now, depth, out, ctx);
    if (st != QE_OK)
      return st;
    p = close + 1;
  }
  if (!out->buf && !sb_add(out, "", 0))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return QE_OK;
}

qe_status qe_yaml_resolve(const qe_yaml_doc *doc, const qe_yaml_node *node, time_t now, char **out,
                          qe_ctx *ctx)
{
  if (!doc || !node || !out || node->kind != QE_YAML_SCALAR)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_resolve: not a single value");
  sbuf b = { 0 };
  qe_status st = resolve_text(doc, node, node->text, now, 0, &b, ctx);
  if (st != QE_OK) {
    free(b.buf);
    *out = NULL;
    return st;
  }
  *out = b.buf;
  return QE_OK;
}

typedef struct {
  qe_yaml_node *node;
  char *text;
} pending_text;

static qe_status collect_resolved(qe_yaml_doc *doc, qe_yaml_node *n, time_t now,
                                  pending_text **list, size_t *count, size_t *cap, qe_ctx *ctx)
{
  if (n->kind == QE_YAML_SCALAR) {
    if (!strstr(n->text, "${"))
      return QE_OK;
    char *t;
    qe_status st = qe_yaml_resolve(doc, n, now, &t, ctx);
    if (st != QE_OK)
      return st;
    if (!qe_grow((void **)list, cap, *count + 1, sizeof(pending_text))) {
      free(t);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    (*list)[(*count)++] = (pending_text){ n, t };
    return QE_OK;
  }
  for (size_t i = 0; i < n->n; i++) {
    qe_status st = collect_resolved(doc, n->items[i], now, list, count, cap, ctx);
    if (st != QE_OK)
      return st;
  }
  return QE_OK;
}

qe_status qe_yaml_resolve_all(qe_yaml_doc *doc, time_t now, qe_ctx *ctx)
{
  if (!doc)
    return qe_error(ctx, QE_ERR_INVALID, "no YAML document");
  pending_text *list = NULL;
  size_t count = 0, cap = 0;
  /* Resolve everything against the original text first, then assign, so a
   * literal "${" produced by an escape is never resolved twice. */
  qe_status st = collect_resolved(doc, doc->root, now, &list, &count, &cap, ctx);
  for (size_t i = 0; i < count; i++) {
    if (st == QE_OK) {
      free(list[i].node->text);
      list[i].node->text = list[i].text;
      /* A resolved value is a plain string now. */
      if (list[i].node->style == QE_YAML_PLAIN && text_is_null(list[i].text))
        list[i].node->style = QE_YAML_QUOTED;
    } else {
      free(list[i].text);
    }
  }
  free(list);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Emitting */

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
  sbuf *b = data;
  return sb_add(b, (const char *)buffer, size) ? 1 : 0;
}

/* Would a plain scalar with this text be read back as something other than
 * a string? */
static bool looks_typed(const char *s)
{
  bool b;
  int64_t i;
  double d;
  return text_is_null(s) || text_to_bool(s, &b) || text_to_int(s, &i) || text_to_real(s, &d);
}

static bool emit_scalar(yaml_emitter_t *em, const qe_yaml_node *n)
{
  yaml_event_t ev;
  yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
  if (n->style == QE_YAML_QUOTED && looks_typed(n->text))
    style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
  else if (n->style == QE_YAML_BLOCK_TEXT && strchr(n->text, '\n'))
    style = YAML_LITERAL_SCALAR_STYLE;
  else if (n->style == QE_YAML_PLAIN && !*n->text && n->parent && n->parent->kind == QE_YAML_SEQ)
    /* An empty plain item is a null; written as "null" it stays one. */
    return yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)"null", 4, 1, 1,
                                        YAML_PLAIN_SCALAR_STYLE) &&
           yaml_emitter_emit(em, &ev);
  if (style == YAML_ANY_SCALAR_STYLE && n->style == QE_YAML_PLAIN)
    style = YAML_PLAIN_SCALAR_STYLE;
  if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->text, (int)strlen(n->text),
                                    1, 1, style))
    return false;
  return yaml_emitter_emit(em, &ev);
}

/* Short lists of simple values are written in flow style: [a, b, c]. */
static bool flow_list(const qe_yaml_node *n)
{
  size_t total = 0;
  if (n->n == 0)
    return true;
  for (size_t i = 0; i < n->n; i++) {
    const qe_yaml_node *c = n->items[i];
    if (c->kind != QE_YAML_SCALAR || !*c->text || strchr(c->text, '\n'))
      return false;
    total += strlen(c->text) + 2;
  }
  return total < 72;
}

static bool emit_node(yaml_emitter_t *em, const qe_yaml_node *n, int depth)
{
  yaml_event_t ev;
  if (depth > QE_YAML_MAX_DEPTH)
    return false;
  switch (n->kind) {
  case QE_YAML_SCALAR:
    return emit_scalar(em, n);
  case QE_YAML_SEQ:
    if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                              flow_list(n) ? YAML_FLOW_SEQUENCE_STYLE
                                                           : YAML_BLOCK_SEQUENCE_STYLE) ||
        !yaml_emitter_emit(em, &ev))
      return false;
    for (size_t i = 0; i < n->n; i++)
      if (!emit_node(em, n->items[i], depth + 1))
        return false;
    return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
  case QE_YAML_MAP:
    if (!yaml_mapping_start_event_initialize(
            &ev, NULL, NULL, 1, n->n == 0 ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE) ||
        !yaml_emitter_emit(em, &ev))
      return false;
    for (size_t i = 0; i < n->n; i++)
      if (!emit_scalar(em, n->keys[i]) || !emit_node(em, n->items[i], depth + 1))
        return false;
    return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
  }
  return false;
}

qe_status qe_yaml_emit(const qe_yaml_node *node, char **out, size_t *len, qe_ctx *ctx)
{
  if (!node || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_emit: no node");
  *out = NULL;
  yaml_emitter_t em;
  yaml_event_t ev;
  sbuf b = { 0 };
  if (!yaml_emitter_initialize(&em))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  yaml_emitter_set_output(&em, write_handler, &b);
  yaml_emitter_set_unicode(&em, 1);
  yaml_emitter_set_indent(&em, 2);
  yaml_emitter_set_width(&em, 100);
  bool ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
            yaml_emitter_emit(&em, &ev) &&
            yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
            yaml_emitter_emit(&em, &ev) && emit_node(&em, node, 0) &&
            yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
            yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) &&
            yaml_emitter_flush(&em);
  const char *problem = em.problem;
  yaml_emitter_delete(&em);
  if (!ok || !b.buf) {
    free(b.buf);
    return qe_error(ctx, problem ? QE_ERR_INTERNAL : QE_ERR_NOMEM, "writing YAML: %s",
                    problem ? problem : "out of memory");
  }
  if (len)
    *len = b.len;
  *out = b.buf;
  return QE_OK;
}

qe_status qe_yaml_save(const qe_yaml_doc *doc, const char *path, qe_ctx *ctx)
{
  char *text = NULL;
  size_t len = 0;
  if (!doc || !path)
    return qe_error(ctx, QE_ERR_INVALID, "qe_yaml_save: no document or no path");
  qe_status st = qe_yaml_emit(doc->root, &text, &len, ctx);
  if (st != QE_OK)
    return st;
  st = qe_write_file_atomic(path, text, len, ctx);
  free(text);
  return st;
}
