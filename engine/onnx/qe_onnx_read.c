/* qe_onnx_read.c - ONNX model and tensor reader (protobuf-c).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe/qe_onnx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "qe/qe_fileutil.h"
#include "qe_graph_internal.h"
#include "qe_onnx_internal.h"

#define IR_MIN 3
#define IR_MAX 8

/* ---- allocation accounting ------------------------------------------- */

typedef struct pb_alloc {
  uint64_t used, limit;
  bool over;
} pb_alloc;

static void *pb_malloc(void *data, size_t size)
{
  pb_alloc *a = data;
  if (a->used + size > a->limit) {
    a->over = true;
    return NULL;
  }
  size_t *p = malloc(size + sizeof(size_t) * 2);
  if (!p)
    return NULL;
  p[0] = size;
  a->used += size;
  return p + 2;
}

static void pb_free(void *data, void *ptr)
{
  pb_alloc *a = data;
  if (!ptr)
    return;
  size_t *p = (size_t *)ptr - 2;
  a->used -= p[0];
  free(p);
}

/* ---- wire-format scan: finds the byte at fault when unpack fails ------- */

static bool read_varint(const uint8_t *d, size_t len, size_t *pos, uint64_t *v)
{
  uint64_t r = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= len)
      return false;
    uint8_t b = d[(*pos)++];
    if (shift < 64)
      r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

/* Walk fields of one message in d[0..len); returns the offset of the first
 * malformed field or SIZE_MAX when the framing is sound. Recurses into the
 * sub-messages of ModelProto.graph (field 7) and GraphProto's lists. */
static size_t scan_message(const uint8_t *d, size_t len, size_t base, int depth, int kind,
                           char *why, size_t why_size)
{
  size_t pos = 0;
  while (pos < len) {
    size_t start = pos;
    uint64_t key;
    if (!read_varint(d, len, &pos, &key)) {
      snprintf(why, why_size, "truncated field key");
      return base + start;
    }
    unsigned wt = (unsigned)(key & 7);
    uint64_t field = key >> 3;
    if (field == 0) {
      snprintf(why, why_size, "field number 0");
      return base + start;
    }
    uint64_t v;
    switch (wt) {
    case 0:
      if (!read_varint(d, len, &pos, &v)) {
        snprintf(why, why_size, "truncated varint in field %llu", (unsigned long long)field);
        return base + start;
      }
      break;
    case 1:
      if (len - pos < 8) {
        snprintf(why, why_size, "truncated 64-bit field %llu", (unsigned long long)field);
        return base + start;
      }
      pos += 8;
      break;
    case 5:
      if (len - pos < 4) {
        snprintf(why, why_size, "truncated 32-bit field %llu", (unsigned long long)field);
        return base + start;
      }
      pos += 4;
      break;
    case 2: {
      if (!read_varint(d, len, &pos, &v)) {
        snprintf(why, why_size, "truncated length of field %llu", (unsigned long long)field);
        return base + start;
      }
      if (v > len - pos) {
        snprintf(why, why_size,
                 "field %llu claims %llu bytes but only %zu remain (truncated file?)",
                 (unsigned long long)field, (unsigned long long)v, len - pos);
        return base + start;
      }
      /* kind 0 = ModelProto: graph is field 7; kind 1 = GraphProto: node 1,
       * initializer 5, input 11, output 12, value_info 13. */
      int sub = -1;
      if (kind == 0 && field == 7)
        sub = 1;
      else if (kind == 1 && (field == 1 || field == 5 || field == 11 || field == 12 || field == 13))
        sub = 2;
      if (sub >= 0 && depth < 4) {
        size_t r = scan_message(d + pos, (size_t)v, base + pos, depth + 1, sub, why, why_size);
        if (r != SIZE_MAX)
          return r;
      }
      pos += (size_t)v;
      break;
    }
    default:
      snprintf(why, why_size, "unknown wire type %u in field %llu", wt, (unsigned long long)field);
      return base + start;
    }
  }
  return SIZE_MAX;
}

static const char *guess_format(const uint8_t *d, size_t len)
{
  if (len >= 8 && memcmp(d + 4, "TFL3", 4) == 0)
    return "a TFLite model";
  if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
    return "a zip archive (.npz, .pt or .keras?)";
  if (len >= 8 && memcmp(d, "\x89HDF\r\n\x1a\n", 8) == 0)
    return "an HDF5 file (a Keras .h5 model?)";
  if (len >= 6 && memcmp(d, "\x93NUMPY", 6) == 0)
    return "a NumPy .npy file";
  if (len >= 2 && d[0] == 0x80 && d[1] <= 5)
    return "a Python pickle";
  return NULL;
}

/* ---- tensors ----------------------------------------------------------- */

static qe_status read_external(const Onnx__TensorProto *t, const char *what, const char *base_dir,
                               size_t need, uint8_t *dst, qe_ctx *ctx)
{
  const char *location = NULL;
  int64_t offset = 0, length = -1;
  for (size_t i = 0; i < t->n_external_data; i++) {
    const Onnx__StringStringEntryProto *e = t->external_data[i];
    if (!e->key || !e->value)
      continue;
    if (strcmp(e->key, "location") == 0)
      location = e->value;
    else if (strcmp(e->key, "offset") == 0)
      offset = strtoll(e->value, NULL, 10);
    else if (strcmp(e->key, "length") == 0)
      length = strtoll(e->value, NULL, 10);
  }
  if (!location || !*location)
    return qe_error(ctx, QE_ERR_PARSE, "%s: external data without a location", what);
  if (!base_dir)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: external data needs the model's directory", what);
  /* Safe paths only: relative, inside the model's directory. */
  if (location[0] == '/' || strstr(location, "..") || strchr(location, '\\') ||
      strchr(location, ':'))
    return qe_error(ctx, QE_ERR_INVALID,
                    "%s: external data location '%s' is not a plain relative path inside the "
                    "model's folder",
                    what, location);
  if (offset < 0 || (length >= 0 && (uint64_t)length != need))
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: external data length %lld does not match the %zu bytes its shape needs",
                    what, (long long)length, need);
  char *path = qe_strdup_printf("%s/%s", base_dir, location);
  if (!path)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  FILE *f = fopen(path, "rb");
  if (!f) {
    qe_status st = qe_error(ctx, QE_ERR_IO, "%s: cannot open external data file '%s'", what, path);
    free(path);
    return st;
  }
  qe_status st = QE_OK;
  if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || fread(dst, 1, need, f) != need)
    st = qe_error(ctx, QE_ERR_IO, "%s: external data file '%s' is shorter than offset %lld + %zu",
                  what, path, (long long)offset, need);
  fclose(f);
  free(path);
  return st;
}

qe_status qe_onnx_tensor_to_array(const Onnx__TensorProto *t, const char *what,
                                  const char *base_dir, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  int32_t onnx_type = t->has_data_type ? t->data_type : 0;
  qe_dtype dt = qe_dtype_from_onnx(onnx_type);
  if (dt == QE_DT_UNDEFINED || dt == QE_DT_STRING)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: element type %d (%s) is not supported", what,
                    onnx_type, dt == QE_DT_STRING ? "string" : "unknown or complex");
  if (t->n_dims > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: rank %zu is above the limit of %d", what,
                    t->n_dims, QE_MAX_RANK);
  if (t->segment)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: segmented tensors are not supported", what);
  int64_t dims[QE_MAX_RANK];
  for (size_t i = 0; i < t->n_dims; i++) {
    dims[i] = t->dims[i];
    if (dims[i] < 0)
      return qe_error(ctx, QE_ERR_PARSE, "%s: negative dimension %lld", what, (long long)dims[i]);
  }
  int rank = (int)t->n_dims;
  int64_t count = qe_dims_count(dims, rank);
  size_t es = qe_dtype_size(dt);
  char buf[200];
  if (count < 0 || (uint64_t)count > qe_ctx_alloc_limit(ctx) / es)
    return qe_error(ctx, QE_ERR_NOMEM, "%s: shape %s is too large", what,
                    qe_dims_to_string(dims, rank, buf, sizeof buf));
  size_t need = (size_t)count * es;
  bool external =
      t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  /* Check the data present before allocating, so absurd dims in a small
   * file never cause a huge allocation. */
  size_t have = 0;
  int source = 0; /* 1 raw, 2 float, 3 int32, 4 int64, 5 double, 6 uint64 */
  if (external) {
    have = need;
  } else if (t->has_raw_data) {
    source = 1;
    have = t->raw_data.len;
    if (have != need)
      return qe_error(ctx, QE_ERR_PARSE, "%s: raw_data has %zu bytes, shape %s of %s needs %zu",
                      what, have, qe_dims_to_string(dims, rank, buf, sizeof buf), qe_dtype_name(dt),
                      need);
  } else {
    size_t n = 0;
    switch (dt) {
    case QE_DT_F32:
      source = 2, n = t->n_float_data;
      break;
    case QE_DT_I32:
    case QE_DT_I16:
    case QE_DT_I8:
    case QE_DT_U16:
    case QE_DT_U8:
    case QE_DT_BOOL:
    case QE_DT_F16:
    case QE_DT_BF16:
      source = 3, n = t->n_int32_data;
      break;
    case QE_DT_I64:
      source = 4, n = t->n_int64_data;
      break;
    case QE_DT_F64:
      source = 5, n = t->n_double_data;
      break;
    case QE_DT_U32:
    case QE_DT_U64:
      source = 6, n = t->n_uint64_data;
      break;
    default:
      break;
    }
    if ((int64_t)n != count)
      return qe_error(ctx, QE_ERR_PARSE, "%s: %zu values stored, shape %s needs %lld", what, n,
                      qe_dims_to_string(dims, rank, buf, sizeof buf), (long long)count);
  }
  qe_array *a;
  qe_status st = qe_array_new(dt, rank, dims, &a, ctx);
  if (st != QE_OK)
    return qe_error_prefix(ctx, "%s", what);
  if (external) {
    st = read_external(t, what, base_dir, need, a->data, ctx);
    if (st != QE_OK) {
      qe_array_free(a);
      return st;
    }
  } else if (source == 1) {
    if (need)
      memcpy(a->data, t->raw_data.data, need); /* little-endian hosts */
  } else {
    for (int64_t i = 0; i < count; i++) {
      size_t k = (size_t)i;
      switch (source) {
      case 2:
        ((float *)a->data)[k] = t->float_data[k];
        break;
      case 3:
        if (dt == QE_DT_F16 || dt == QE_DT_BF16)
          ((uint16_t *)a->data)[k] = (uint16_t)t->int32_data[k];
        else
          qe_array_set_i64(a, k, t->int32_data[k]);
        break;
      case 4:
        ((int64_t *)a->data)[k] = t->int64_data[k];
        break;
      case 5:
        ((double *)a->data)[k] = t->double_data[k];
        break;
      case 6:
        qe_array_set_i64(a, k, (int64_t)t->uint64_data[k]);
        break;
      default:
        break;
      }
    }
  }
  *out = a;
  return QE_OK;
}

static size_t count_nonfinite(const qe_array *a)
{
  size_t n = (size_t)qe_array_count(a), bad = 0;
  if (a->dtype == QE_DT_F32) {
    const float *f = a->data;
    for (size_t i = 0; i < n; i++)
      bad += !isfinite(f[i]);
  } else if (a->dtype == QE_DT_F64 || a->dtype == QE_DT_F16) {
    for (size_t i = 0; i < n; i++)
      bad += !isfinite(qe_array_get_f64(a, i));
  }
  return bad;
}

/* ---- value infos -------------------------------------------------------- */

static qe_status apply_value_info(qe_graph *g, int t, const Onnx__ValueInfoProto *vi,
                                  const char *where, qe_ctx *ctx)
{
  qe_tensor *tt = &g->tensors[t];
  if (vi->doc_string && vi->doc_string[0] && !tt->doc && !(tt->doc = qe_strdup(vi->doc_string)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  const Onnx__TypeProto *tp = vi->type;
  if (!tp)
    return QE_OK;
  if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%s '%s' is not a tensor (sequences, maps and optionals are not supported)",
                    where, vi->name);
  const Onnx__TypeProto__Tensor *tt_ = tp->tensor_type;
  if (!tt_)
    return QE_OK;
  if (tt_->has_elem_type && tt_->elem_type != 0) {
    qe_dtype dt = qe_dtype_from_onnx(tt_->elem_type);
    if (dt == QE_DT_UNDEFINED)
      return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s '%s' has element type %d, not supported", where,
                      vi->name, tt_->elem_type);
    if (!tt->data)
      tt->dtype = dt;
  }
  if (!tt_->shape || tt->data)
    return QE_OK;
  if (tt_->shape->n_dim > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s '%s' has rank %zu, above the limit of %d", where,
                    vi->name, tt_->shape->n_dim, QE_MAX_RANK);
  tt->rank = (int)tt_->shape->n_dim;
  for (int i = 0; i < tt->rank; i++) {
    const Onnx__TensorShapeProto__Dimension *d = tt_->shape->dim[i];
    tt->dims[i] = -1;
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      if (d->dim_value < 0)
        return qe_error(ctx, QE_ERR_PARSE, "%s '%s': negative dimension %lld", where, vi->name,
                        (long long)d->dim_value);
      tt->dims[i] = d->dim_value;
    } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
               d->dim_param && d->dim_param[0]) {
      if (qe_graph_set_dim_param(g, t, i, d->dim_param, ctx) != QE_OK)
        return qe_ctx_status(ctx);
    }
  }
  return QE_OK;
}

/* ---- attributes ----------------------------------------------------------- */

static qe_status read_attr(const Onnx__AttributeProto *ap, qe_attr *at, const char *node,
                           qe_ctx *ctx)
{
  memset(at, 0, sizeof *at);
  at->name = qe_strdup(ap->name ? ap->name : "");
  if (!at->name)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  int type = ap->has_type ? (int)ap->type : 0;
  if (type == 0) {
    /* IR < 3 style: infer the type from the field that is set. */
    if (ap->has_f)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    else if (ap->has_i)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    else if (ap->has_s)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    else if (ap->t)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    else if (ap->g)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
    else if (ap->n_floats)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    else if (ap->n_ints)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    else if (ap->n_strings)
      type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  }
  switch (type) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
    at->type = QE_ATTR_FLOAT;
    at->f = ap->f;
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
    at->type = QE_ATTR_INT;
    at->i = ap->i;
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
    at->type = QE_ATTR_STRING;
    at->s_len = ap->s.len;
    at->s = malloc(ap->s.len + 1);
    if (!at->s)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (ap->s.len)
      memcpy(at->s, ap->s.data, ap->s.len);
    at->s[ap->s.len] = '\0';
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
    at->type = QE_ATTR_FLOATS;
    at->n = ap->n_floats;
    at->floats = malloc((at->n ? at->n : 1) * sizeof(float));
    if (!at->floats)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (at->n)
      memcpy(at->floats, ap->floats, at->n * sizeof(float));
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
    at->type = QE_ATTR_INTS;
    at->n = ap->n_ints;
    at->ints = malloc((at->n ? at->n : 1) * sizeof(int64_t));
    if (!at->ints)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (at->n)
      memcpy(at->ints, ap->ints, at->n * sizeof(int64_t));
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
    at->type = QE_ATTR_STRINGS;
    at->strings = calloc(ap->n_strings ? ap->n_strings : 1, sizeof(char *));
    if (!at->strings)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ap->n_strings; i++) {
      at->strings[i] = qe_strndup((const char *)ap->strings[i].data, ap->strings[i].len);
      if (!at->strings[i] && ap->strings[i].len)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      if (!at->strings[i] && !(at->strings[i] = qe_strdup("")))
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      at->n++;
    }
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
    if (!ap->t)
      return qe_error(ctx, QE_ERR_PARSE, "node '%s': attribute '%s' has no tensor", node, at->name);
    char what[300];
    snprintf(what, sizeof what, "node '%s' attribute '%s'", node, at->name);
    at->type = QE_ATTR_TENSOR;
    qe_status st = qe_onnx_tensor_to_array(ap->t, what, NULL, &at->t, ctx);
    if (st == QE_ERR_UNSUPPORTED) {
      /* Keep the node readable (qz info); running it reports the type. */
      qe_ctx_clear(ctx);
      at->type = QE_ATTR_UNDEFINED;
      return QE_OK;
    }
    return st;
  }
  default:
    /* Graphs, sparse tensors, type protos: kept as markers. */
    at->type = type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH ||
                       type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS
                   ? QE_ATTR_GRAPH
                   : QE_ATTR_UNDEFINED;
    break;
  }
  return QE_OK;
}

/* ---- the model ----------------------------------------------------------- */

static int tensor_for(qe_graph *g, const char *name, qe_ctx *ctx)
{
  int t = qe_graph_find_tensor(g, name);
  if (t >= 0)
    return t;
  if (qe_graph_add_tensor(g, name, QE_DT_UNDEFINED, -1, NULL, &t, ctx) != QE_OK)
    return -2;
  return t;
}

static qe_status build_graph(const Onnx__ModelProto *m, const char *name, const char *base_dir,
                             qe_graph *g, qe_ctx *ctx)
{
  const Onnx__GraphProto *gp = m->graph;
  qe_status st;
  /* Model-level fields. */
  g->ir_version = m->has_ir_version ? m->ir_version : 0;
  g->model_version = m->has_model_version ? m->model_version : 0;
  if ((m->producer_name && !(g->producer_name = qe_strdup(m->producer_name))) ||
      (m->producer_version && !(g->producer_version = qe_strdup(m->producer_version))) ||
      (m->domain && !(g->domain = qe_strdup(m->domain))) ||
      (m->doc_string && !(g->doc = qe_strdup(m->doc_string))) ||
      (gp->name && !(g->name = qe_strdup(gp->name))) ||
      (gp->doc_string && !(g->graph_doc = qe_strdup(gp->doc_string))) ||
      !(g->source_format = qe_strdup("onnx")))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < m->n_metadata_props; i++) {
    const Onnx__StringStringEntryProto *p = m->metadata_props[i];
    if (p->key && (st = qe_graph_set_metadata(g, p->key, p->value ? p->value : "", ctx)) != QE_OK)
      return st;
  }
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[i];
    const char *d = o->domain ? o->domain : "";
    if (strcmp(d, "ai.onnx") == 0)
      d = "";
    if ((st = qe_graph_set_opset(g, d, o->has_version ? o->version : 0, ctx)) != QE_OK)
      return st;
  }
  int64_t opset = qe_graph_opset(g, "");
  if (m->n_opset_import == 0)
    return qe_error(ctx, QE_ERR_PARSE, "%s: the model imports no opset", name);
  /* Opsets 1-6 are read too: ops whose meaning changed before 7 in ways
   * the kernels do not follow are refused per node (qe_node_supported). */
  if (opset != 0 && (opset < 1 || opset > QE_OPSET_MAX))
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%s: opset %lld of the default ONNX domain is not supported (%d to %d are)",
                    name, (long long)opset, QE_OPSET_MIN, QE_OPSET_MAX);
  if (gp->n_sparse_initializer)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: sparse initializers are not supported", name);

  /* Initializers. */
  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *tp = gp->initializer[i];
    char what[300];
    snprintf(what, sizeof what, "%s: initializer '%s'", name, tp->name ? tp->name : "");
    if (!tp->name || !tp->name[0])
      return qe_error(ctx, QE_ERR_PARSE, "%s: initializer %zu has no name", name, i);
    if (qe_graph_find_tensor(g, tp->name) >= 0)
      return qe_error(ctx, QE_ERR_PARSE, "%s: initializer '%s' is defined twice", name, tp->name);
    qe_array *a;
    if ((st = qe_onnx_tensor_to_array(tp, what, base_dir, &a, ctx)) != QE_OK)
      return st;
    size_t bad = count_nonfinite(a);
    if (bad)
      qe_warn(ctx, "%s: %zu of %lld values are NaN or infinite", what, bad,
              (long long)qe_array_count(a));
    int t;
    if ((st = qe_graph_add_initializer_owned(g, tp->name, a, &t, ctx)) != QE_OK)
      return st;
    if (tp->doc_string && tp->doc_string[0] && !(g->tensors[t].doc = qe_strdup(tp->doc_string)))
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if ((i & 63) == 0 && (st = qe_progress(ctx, 0.5 * (double)i / (double)gp->n_initializer,
                                           "reading the model")) != QE_OK)
      return st;
  }
  /* Graph inputs (those that are initializers are defaults, IR < 4). */
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    if (!vi->name || !vi->name[0])
      return qe_error(ctx, QE_ERR_PARSE, "%s: graph input %zu has no name", name, i);
    int t = qe_graph_find_tensor(g, vi->name);
    if (t >= 0 && g->tensors[t].data)
      continue;
    if (t >= 0)
      return qe_error(ctx, QE_ERR_PARSE, "%s: graph input '%s' is listed twice", name, vi->name);
    if ((st = qe_graph_add_tensor(g, vi->name, QE_DT_UNDEFINED, -1, NULL, &t, ctx)) != QE_OK)
      return st;
    if ((st = apply_value_info(g, t, vi, "graph input", ctx)) != QE_OK)
      return qe_error_prefix(ctx, "%s", name);
    if ((st = qe_graph_add_input(g, t, ctx)) != QE_OK)
      return st;
  }
  /* Nodes: first every output, so inputs can refer to them in any order. */
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    for (size_t k = 0; k < np->n_output; k++) {
      const char *on = np->output[k];
      if (!on || !on[0])
        continue;
      int t = qe_graph_find_tensor(g, on);
      if (t >= 0)
        return qe_error(ctx, QE_ERR_PARSE,
                        "%s: node %zu ('%s', %s): output '%s' is already defined", name, i,
                        np->name ? np->name : "", np->op_type ? np->op_type : "?", on);
      if ((st = qe_graph_add_tensor(g, on, QE_DT_UNDEFINED, -1, NULL, &t, ctx)) != QE_OK)
        return st;
    }
  }
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    if (!np->op_type || !np->op_type[0])
      return qe_error(ctx, QE_ERR_PARSE, "%s: node %zu has no op_type", name, i);
    if (np->n_input > 100000 || np->n_output > 100000)
      return qe_error(ctx, QE_ERR_PARSE, "%s: node %zu has too many inputs", name, i);
    int *ins = malloc((np->n_input ? np->n_input : 1) * sizeof(int));
    int *outs = malloc((np->n_output ? np->n_output : 1) * sizeof(int));
    if (!ins || !outs) {
      free(ins);
      free(outs);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    char nodename[256];
    if (np->name && np->name[0])
      snprintf(nodename, sizeof nodename, "%s", np->name);
    else
      snprintf(nodename, sizeof nodename, "%s_%zu", np->op_type, i);
    st = QE_OK;
    for (size_t k = 0; k < np->n_input && st == QE_OK; k++) {
      const char *in = np->input[k];
      ins[k] = -1;
      if (!in || !in[0])
        continue;
      ins[k] = qe_graph_find_tensor(g, in);
      if (ins[k] < 0)
        st = qe_error(ctx, QE_ERR_PARSE,
                      "%s: node '%s' (%s): input '%s' is not a graph input, an initializer or "
                      "a node output",
                      name, nodename, np->op_type, in);
    }
    for (size_t k = 0; k < np->n_output && st == QE_OK; k++)
      outs[k] = (np->output[k] && np->output[k][0]) ? qe_graph_find_tensor(g, np->output[k]) : -1;
    int idx = -1;
    if (st == QE_OK)
      st = qe_graph_add_node_typed(g, np->op_type, np->domain ? np->domain : "", nodename,
                                   (int)np->n_input, ins, (int)np->n_output, outs, &idx, ctx);
    free(ins);
    free(outs);
    if (st != QE_OK)
      return st;
    qe_node *n = &g->nodes[idx];
    if (np->doc_string && np->doc_string[0] && !(n->doc = qe_strdup(np->doc_string)))
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (np->n_attribute) {
      n->attrs = calloc(np->n_attribute, sizeof(qe_attr));
      if (!n->attrs)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      for (size_t k = 0; k < np->n_attribute; k++) {
        st = read_attr(np->attribute[k], &n->attrs[k], nodename, ctx);
        n->n_attrs = k + 1;
        if (st != QE_OK)
          return qe_error_prefix(ctx, "%s", name);
      }
    }
  }
  /* Value infos and outputs. */
  for (size_t i = 0; i < gp->n_value_info; i++) {
    const Onnx__ValueInfoProto *vi = gp->value_info[i];
    int t = vi->name ? qe_graph_find_tensor(g, vi->name) : -1;
    if (t < 0)
      continue; /* info about a tensor the graph does not have: ignore */
    if ((st = apply_value_info(g, t, vi, "value_info", ctx)) != QE_OK) {
      if (st != QE_ERR_UNSUPPORTED)
        return qe_error_prefix(ctx, "%s", name);
      qe_ctx_clear(ctx);
    }
  }
  for (size_t i = 0; i < gp->n_output; i++) {
    const Onnx__ValueInfoProto *vi = gp->output[i];
    if (!vi->name || !vi->name[0])
      return qe_error(ctx, QE_ERR_PARSE, "%s: graph output %zu has no name", name, i);
    int t = qe_graph_find_tensor(g, vi->name);
    if (t < 0)
      return qe_error(ctx, QE_ERR_PARSE, "%s: graph output '%s' is never computed", name, vi->name);
    if ((st = apply_value_info(g, t, vi, "graph output", ctx)) != QE_OK)
      return qe_error_prefix(ctx, "%s", name);
    if ((st = qe_graph_add_output(g, t, ctx)) != QE_OK)
      return st;
  }
  (void)tensor_for;
  return QE_OK;
}

qe_status qe_onnx_load_buffer(const uint8_t *data, size_t len, const char *name,
                              const char *base_dir, qe_graph **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!name)
    name = "model";
  if (len == 0)
    return qe_error(ctx, QE_ERR_PARSE, "%s: the file is empty", name);
  const char *other = guess_format(data, len);
  if (other)
    return qe_error(ctx, QE_ERR_PARSE, "%s: this is %s, not an ONNX model", name, other);
  pb_alloc acc = { 0, qe_ctx_alloc_limit(ctx), false };
  if (acc.limit < 4 * (uint64_t)len + (1u << 20))
    acc.limit = qe_ctx_alloc_limit(ctx);
  ProtobufCAllocator allocator = { pb_malloc, pb_free, &acc };
  Onnx__ModelProto *m = onnx__model_proto__unpack(&allocator, len, data);
  if (!m) {
    if (acc.over)
      return qe_error(ctx, QE_ERR_NOMEM, "%s: decoding would need more than %llu bytes", name,
                      (unsigned long long)acc.limit);
    char why[200] = "";
    size_t at = scan_message(data, len, 0, 0, 0, why, sizeof why);
    if (at != SIZE_MAX)
      return qe_error(ctx, QE_ERR_PARSE, "%s: byte %zu: %s; not a valid ONNX model", name, at, why);
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: not a valid ONNX model (protobuf fields have the wrong types)", name);
  }
  qe_status st = QE_OK;
  qe_graph *g = NULL;
  if (!m->graph) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: not an ONNX model (no graph)", name);
    goto out;
  }
  if (!m->has_ir_version || m->ir_version < IR_MIN || m->ir_version > IR_MAX) {
    st = qe_error(ctx, QE_ERR_UNSUPPORTED,
                  "%s: ONNX IR version %lld is not supported (%d to %d are)", name,
                  (long long)(m->has_ir_version ? m->ir_version : 0), IR_MIN, IR_MAX);
    goto out;
  }
  if ((st = qe_graph_new(&g, ctx)) != QE_OK)
    goto out;
  if ((st = build_graph(m, name, base_dir, g, ctx)) != QE_OK)
    goto out;
  if ((st = qe_graph_toposort(g, ctx)) != QE_OK) {
    qe_error_prefix(ctx, "%s", name);
    goto out;
  }
  if ((st = qe_graph_validate(g, ctx)) != QE_OK) {
    qe_error_prefix(ctx, "%s", name);
    goto out;
  }
out:
  onnx__model_proto__free_unpacked(m, &allocator);
  if (st != QE_OK) {
    qe_graph_free(g);
    return st;
  }
  *out = g;
  return QE_OK;
}

qe_status qe_onnx_load(const char *path, qe_graph **out, qe_ctx *ctx)
{
  uint8_t *data;
  size_t len;
  *out = NULL;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st != QE_OK)
    return st;
  char *dir = qe_strdup(path);
  if (!dir) {
    free(data);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    strcpy(dir, ".");
  st = qe_onnx_load_buffer(data, len, path, dir, out, ctx);
  free(data);
  free(dir);
  if (st == QE_OK && !((*out)->source_path = qe_strdup(path))) {
    qe_graph_free(*out);
    *out = NULL;
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return st;
}

/* ---- TensorProto files ------------------------------------------------------ */

qe_status qe_onnx_parse_tensor(const uint8_t *data, size_t len, const char *what, qe_array **out,
                               char **name, qe_ctx *ctx)
{
  *out = NULL;
  if (name)
    *name = NULL;
  pb_alloc acc = { 0, qe_ctx_alloc_limit(ctx), false };
  ProtobufCAllocator allocator = { pb_malloc, pb_free, &acc };
  Onnx__TensorProto *t = onnx__tensor_proto__unpack(&allocator, len, data);
  if (!t) {
    char why[200] = "";
    size_t at = scan_message(data, len, 0, 0, 2, why, sizeof why);
    if (at != SIZE_MAX)
      return qe_error(ctx, QE_ERR_PARSE, "%s: byte %zu: %s; not an ONNX TensorProto", what, at,
                      why);
    return qe_error(ctx, QE_ERR_PARSE, "%s: not an ONNX TensorProto", what);
  }
  qe_status st = QE_OK;
  if (!t->has_data_type)
    st = qe_error(ctx, QE_ERR_PARSE, "%s: not an ONNX TensorProto (no data type)", what);
  else
    st = qe_onnx_tensor_to_array(t, what, NULL, out, ctx);
  if (st == QE_OK && name && t->name && !(*name = qe_strdup(t->name))) {
    qe_array_free(*out);
    *out = NULL;
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  onnx__tensor_proto__free_unpacked(t, &allocator);
  return st;
}

qe_status qe_onnx_read_tensor(const char *path, qe_array **out, char **name, qe_ctx *ctx)
{
  uint8_t *data;
  size_t len;
  *out = NULL;
  if (name)
    *name = NULL;
  qe_status st = qe_read_file(path, &data, &len, ctx);
  if (st != QE_OK)
    return st;
  st = qe_onnx_parse_tensor(data, len, path, out, name, ctx);
  free(data);
  return st;
}
