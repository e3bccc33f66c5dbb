/* test-bad-input.c - broken, hostile and unsupported ONNX input gives a
 * status and a one-line message, never a crash, a leak or a huge
 * allocation (run under ASan/UBSan in CI).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onnx.pb-c.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_onnx.h"
#include "qe/qe_runtime.h"
#define QZ_CHECK_STREAM stdout
#include "qz-check.h"

/* The status is @want and the message is one non-empty line holding
 * every string of @needles (NULL-terminated). */
static void expect(const char *what, qe_status got, qe_status want, qe_ctx *ctx,
                   const char *const *needles)
{
  const char *m = qe_ctx_error(ctx);
  printf("%-34s -> %s: %s\n", what, qe_status_to_string(got), m);
  CHECK(got == want, "%s: status %d, expected %d", what, (int)got, (int)want);
  CHECK(m[0] && !strchr(m, '\n'), "%s: message must be one non-empty line", what);
  for (const char *const *n = needles; n && *n; n++)
    CHECK(strstr(m, *n), "%s: message lacks '%s'", what, *n);
}

/* ---- building small models with protobuf-c directly -------------------- */

typedef struct model {
  Onnx__ModelProto m;
  Onnx__GraphProto g;
  Onnx__OperatorSetIdProto op;
  Onnx__OperatorSetIdProto *ops[1];
  Onnx__NodeProto *nodes[8];
  Onnx__NodeProto node_store[8];
  char *node_in[8][3];
  char *node_out[8][1];
  Onnx__TensorProto *inits[4];
  Onnx__TensorProto init_store[4];
  Onnx__ValueInfoProto *vin[2], *vout[2];
  Onnx__ValueInfoProto vi_store[4];
  Onnx__TypeProto tp_store[4];
  Onnx__TypeProto__Tensor tt_store[4];
} model;

static void model_init(model *md, int64_t opset)
{
  memset(md, 0, sizeof *md);
  onnx__model_proto__init(&md->m);
  onnx__graph_proto__init(&md->g);
  onnx__operator_set_id_proto__init(&md->op);
  md->m.has_ir_version = 1;
  md->m.ir_version = 7;
  md->op.domain = (char *)"";
  md->op.has_version = 1;
  md->op.version = opset;
  md->ops[0] = &md->op;
  md->m.opset_import = md->ops;
  md->m.n_opset_import = 1;
  md->m.graph = &md->g;
  md->g.node = md->nodes;
  md->g.initializer = md->inits;
  md->g.input = md->vin;
  md->g.output = md->vout;
}

static Onnx__ValueInfoProto *vi(model *md, int k, const char *name)
{
  Onnx__ValueInfoProto *v = &md->vi_store[k];
  onnx__value_info_proto__init(v);
  onnx__type_proto__init(&md->tp_store[k]);
  onnx__type_proto__tensor__init(&md->tt_store[k]);
  v->name = (char *)name;
  v->type = &md->tp_store[k];
  md->tp_store[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  md->tp_store[k].tensor_type = &md->tt_store[k];
  md->tt_store[k].has_elem_type = 1;
  md->tt_store[k].elem_type = 1;
  return v;
}

static void add_node(model *md, const char *name, const char *op, const char *domain,
                     const char *in, const char *out)
{
  size_t k = md->g.n_node;
  Onnx__NodeProto *n = &md->node_store[k];
  onnx__node_proto__init(n);
  n->name = (char *)name;
  n->op_type = (char *)op;
  n->domain = (char *)domain;
  md->node_in[k][0] = (char *)in;
  md->node_out[k][0] = (char *)out;
  n->input = md->node_in[k];
  n->n_input = 1;
  n->output = md->node_out[k];
  n->n_output = 1;
  md->nodes[k] = n;
  md->g.n_node++;
}

static Onnx__TensorProto *add_init(model *md, const char *name, size_t n_dims, int64_t *dims)
{
  Onnx__TensorProto *t = &md->init_store[md->g.n_initializer];
  onnx__tensor_proto__init(t);
  t->name = (char *)name;
  t->has_data_type = 1;
  t->data_type = 1;
  t->n_dims = n_dims;
  t->dims = dims;
  md->inits[md->g.n_initializer++] = t;
  return t;
}

static uint8_t *pack(model *md, size_t *len)
{
  *len = onnx__model_proto__get_packed_size(&md->m);
  uint8_t *b = malloc(*len ? *len : 1);
  onnx__model_proto__pack(&md->m, b);
  return b;
}

/* x -> Relu -> y */
static void relu_model(model *md, int64_t opset)
{
  model_init(md, opset);
  md->vin[0] = vi(md, 0, "x");
  md->g.n_input = 1;
  md->vout[0] = vi(md, 1, "y");
  md->g.n_output = 1;
  add_node(md, "relu", "Relu", "", "x", "y");
}

/* ---- the cases -------------------------------------------------------- */

static void test_truncated_and_corrupt(void)
{
  model md;
  relu_model(&md, 13);
  float w[64];
  for (int i = 0; i < 64; i++)
    w[i] = (float)i;
  int64_t wd[1] = { 64 };
  Onnx__TensorProto *t = add_init(&md, "w", 1, wd);
  t->n_float_data = 64;
  t->float_data = w;
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  /* Every truncation point: a status, never a crash. */
  int parse_errors = 0;
  for (size_t cut = 1; cut < len; cut++) {
    qe_status st = qe_onnx_load_buffer(buf, cut, "cut.onnx", NULL, &g, ctx);
    parse_errors += st == QE_ERR_PARSE;
    qe_graph_free(g);
    g = NULL;
  }
  CHECK(parse_errors > 0, "truncations should give parse errors");
  qe_status st = qe_onnx_load_buffer(buf, len - 3, "truncated.onnx", NULL, &g, ctx);
  expect("truncated protobuf", st, QE_ERR_PARSE, ctx,
         (const char *const[]){ "truncated.onnx", "byte", NULL });
  /* Corrupt: an invalid wire type where the graph starts. */
  uint8_t *bad = malloc(len);
  memcpy(bad, buf, len);
  for (size_t i = 0; i < len; i++)
    if (bad[i] == 0x3a) { /* field 7 (graph), wire type 2 */
      bad[i] = 0x3f;      /* field 7, wire type 7: invalid */
      break;
    }
  st = qe_onnx_load_buffer(bad, len, "corrupt.onnx", NULL, &g, ctx);
  expect("corrupt protobuf", st, QE_ERR_PARSE, ctx,
         (const char *const[]){ "corrupt.onnx", "byte", NULL });
  /* Single-byte flips everywhere: never a crash or leak. */
  for (size_t i = 0; i < len; i++) {
    memcpy(bad, buf, len);
    bad[i] ^= 0xA5;
    if (qe_onnx_load_buffer(bad, len, "flip", NULL, &g, ctx) == QE_OK) {
      qe_runtime *rt = NULL;
      if (qe_runtime_new(g, &rt, ctx) == QE_OK)
        qe_runtime_free(rt);
      qe_graph_free(g);
      g = NULL;
    }
  }
  free(bad);
  free(buf);
  qe_ctx_free(ctx);
}

static void test_wrong_magic(void)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  static const uint8_t tflite[16] = { 0x1c, 0, 0, 0, 'T', 'F', 'L', '3', 0, 0, 0, 0, 0, 0, 0, 0 };
  expect("TFLite file", qe_onnx_load_buffer(tflite, sizeof tflite, "m.tflite", NULL, &g, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "TFLite", NULL });
  static const uint8_t zip[8] = { 'P', 'K', 3, 4, 0, 0, 0, 0 };
  expect("zip file", qe_onnx_load_buffer(zip, sizeof zip, "m.npz", NULL, &g, ctx), QE_ERR_PARSE,
         ctx, (const char *const[]){ "zip", NULL });
  const char *text = "this is just some text, not a model\n";
  expect("text file",
         qe_onnx_load_buffer((const uint8_t *)text, strlen(text), "notes.txt", NULL, &g, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "notes.txt", NULL });
  expect("empty file", qe_onnx_load_buffer((const uint8_t *)"", 0, "empty.onnx", NULL, &g, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "empty", NULL });
  /* A valid protobuf that is no model (no graph). */
  static const uint8_t nograph[2] = { 0x08, 0x07 };
  expect("protobuf without graph", qe_onnx_load_buffer(nograph, 2, "x.onnx", NULL, &g, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "no graph", NULL });
  qe_ctx_free(ctx);
}

static void test_unknown_ops_and_domains(void)
{
  model md;
  model_init(&md, 13);
  md.vin[0] = vi(&md, 0, "x");
  md.g.n_input = 1;
  md.vout[0] = vi(&md, 1, "d");
  md.g.n_output = 1;
  add_node(&md, "first_unknown", "FancyOp", "", "x", "a");
  add_node(&md, "ok_relu", "Relu", "", "a", "b");
  add_node(&md, "ms_node", "FusedConv", "com.microsoft", "b", "c");
  add_node(&md, "ml_node", "Scaler", "ai.onnx.ml", "c", "d");
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  CHECK(qe_onnx_load_buffer(buf, len, "unknown.onnx", NULL, &g, ctx) == QE_OK,
        "a model with unknown ops still loads (for qz info): %s", qe_ctx_error(ctx));
  if (g) {
    qe_runtime *rt = NULL;
    expect("unknown ops and domains", qe_runtime_new(g, &rt, ctx), QE_ERR_UNSUPPORTED, ctx,
           (const char *const[]){ "3 unsupported nodes", "first_unknown", "FancyOp", "ms_node",
                                  "com.microsoft.FusedConv", "ml_node", "ai.onnx.ml.Scaler",
                                  NULL });
    CHECK(rt == NULL, "no runtime for unsupported models");
    qe_model_stats *st = NULL;
    CHECK(qe_graph_stats(g, &st, ctx) == QE_OK && st->n_unsupported == 3,
          "stats list 3 unsupported nodes");
    qe_model_stats_free(st);
  }
  qe_graph_free(g);
  free(buf);
  /* Opset outside 7..17. */
  relu_model(&md, 18);
  buf = pack(&md, &len);
  expect("opset 18", qe_onnx_load_buffer(buf, len, "new.onnx", NULL, &g, ctx), QE_ERR_UNSUPPORTED,
         ctx, (const char *const[]){ "opset 18", NULL });
  free(buf);
  relu_model(&md, 13);
  md.m.ir_version = 10;
  buf = pack(&md, &len);
  expect("IR version 10", qe_onnx_load_buffer(buf, len, "ir.onnx", NULL, &g, ctx),
         QE_ERR_UNSUPPORTED, ctx, (const char *const[]){ "IR version 10", NULL });
  free(buf);
  qe_ctx_free(ctx);
}

static void test_shape_mismatch(void)
{
  /* Conv whose weights expect 4 input channels, fed 3. */
  model md;
  model_init(&md, 13);
  md.vin[0] = vi(&md, 0, "x");
  md.g.n_input = 1;
  Onnx__TensorShapeProto shape;
  onnx__tensor_shape_proto__init(&shape);
  Onnx__TensorShapeProto__Dimension dd[4], *dp[4];
  int64_t xd[4] = { 1, 3, 8, 8 };
  for (int i = 0; i < 4; i++) {
    onnx__tensor_shape_proto__dimension__init(&dd[i]);
    dd[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    dd[i].dim_value = xd[i];
    dp[i] = &dd[i];
  }
  shape.dim = dp;
  shape.n_dim = 4;
  md.tt_store[0].shape = &shape;
  md.vout[0] = vi(&md, 1, "y");
  md.g.n_output = 1;
  float w[2 * 4 * 3 * 3] = { 0 };
  int64_t wd[4] = { 2, 4, 3, 3 };
  Onnx__TensorProto *t = add_init(&md, "w", 4, wd);
  t->n_float_data = 72;
  t->float_data = w;
  add_node(&md, "conv_mismatch", "Conv", "", "x", "y");
  char *cin[2] = { (char *)"x", (char *)"w" };
  md.node_store[0].input = cin;
  md.node_store[0].n_input = 2;
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  CHECK(qe_onnx_load_buffer(buf, len, "mismatch.onnx", NULL, &g, ctx) == QE_OK, "load: %s",
        qe_ctx_error(ctx));
  if (g) {
    qe_runtime *rt = NULL;
    expect("shape mismatch", qe_runtime_new(g, &rt, ctx), QE_ERR_SHAPE, ctx,
           (const char *const[]){ "conv_mismatch", "channels", NULL });
    qe_runtime_free(rt);
  }
  qe_graph_free(g);
  free(buf);
  /* Wrong input shape at run time. */
  relu_model(&md, 13);
  md.tt_store[0].shape = &shape;
  buf = pack(&md, &len);
  qe_onnx_load_buffer(buf, len, "relu.onnx", NULL, &g, ctx);
  qe_runtime *rt = NULL;
  CHECK(g && qe_runtime_new(g, &rt, ctx) == QE_OK, "relu runtime");
  qe_array *in = NULL;
  qe_array_new(QE_DT_F32, 4, (int64_t[]){ 1, 3, 9, 8 }, &in, ctx);
  if (rt)
    expect("wrong input shape", qe_runtime_run(rt, 1, (const qe_array *const *)&in, ctx),
           QE_ERR_SHAPE, ctx, (const char *const[]){ "'x'", "[1, 3, 9, 8]", "[1, 3, 8, 8]", NULL });
  qe_array_free(in);
  qe_runtime_free(rt);
  qe_graph_free(g);
  free(buf);
  qe_ctx_free(ctx);
}

static void test_absurd_dims(void)
{
  model md;
  relu_model(&md, 13);
  int64_t huge[3] = { (int64_t)1 << 30, (int64_t)1 << 30, 1 << 20 };
  Onnx__TensorProto *t = add_init(&md, "huge", 3, huge);
  float four[4] = { 1, 2, 3, 4 };
  t->n_float_data = 4;
  t->float_data = four;
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_ctx_set_alloc_limit(ctx, 256u << 20);
  qe_graph *g = NULL;
  qe_status st = qe_onnx_load_buffer(buf, len, "huge.onnx", NULL, &g, ctx);
  expect("absurd initializer dims", st, QE_ERR_NOMEM, ctx,
         (const char *const[]){ "'huge'", "too large", NULL });
  free(buf);
  /* Plausible-looking dims that do not match the data. */
  relu_model(&md, 13);
  int64_t d2[2] = { 1000, 1000 };
  t = add_init(&md, "short", 2, d2);
  t->has_raw_data = 1;
  t->raw_data.data = (uint8_t *)four;
  t->raw_data.len = sizeof four;
  buf = pack(&md, &len);
  expect("raw_data too short", qe_onnx_load_buffer(buf, len, "short.onnx", NULL, &g, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "'short'", "raw_data", NULL });
  free(buf);
  /* A declared input shape with absurd dims: refused by shape inference
   * before any arithmetic could overflow. */
  relu_model(&md, 13);
  Onnx__TensorShapeProto hs;
  onnx__tensor_shape_proto__init(&hs);
  Onnx__TensorShapeProto__Dimension hd[2], *hdp[2];
  for (int i = 0; i < 2; i++) {
    onnx__tensor_shape_proto__dimension__init(&hd[i]);
    hd[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    hd[i].dim_value = (int64_t)1 << 40;
    hdp[i] = &hd[i];
  }
  hs.dim = hdp;
  hs.n_dim = 2;
  md.tt_store[0].shape = &hs;
  buf = pack(&md, &len);
  CHECK(qe_onnx_load_buffer(buf, len, "bigdims.onnx", NULL, &g, ctx) == QE_OK, "load bigdims");
  if (g) {
    qe_runtime *rt = NULL;
    expect("absurd declared input dims", qe_runtime_new(g, &rt, ctx), QE_ERR_SHAPE, ctx,
           (const char *const[]){ "relu", "1099511627776", NULL });
    qe_model_stats *ms = NULL;
    CHECK(qe_graph_stats(g, &ms, ctx) == QE_OK && !ms->shapes_known, "stats survive absurd dims");
    qe_model_stats_free(ms);
    qe_graph_free(g);
    g = NULL;
  }
  free(buf);
  /* Reshape to an absurd size at run time: refused by the limit. */
  qe_graph *rg;
  qe_graph_new(&rg, NULL);
  qe_graph_set_opset(rg, "", 13, NULL);
  int x, s, y, e;
  qe_graph_add_tensor(rg, "x", QE_DT_F32, 1, (int64_t[]){ 1 }, &x, NULL);
  qe_graph_add_input(rg, x, NULL);
  qe_array *sh;
  qe_array_new(QE_DT_I64, 1, (int64_t[]){ 2 }, &sh, NULL);
  ((int64_t *)sh->data)[0] = (int64_t)1 << 20;
  ((int64_t *)sh->data)[1] = (int64_t)1 << 20;
  qe_graph_add_initializer_owned(rg, "shape", sh, &s, NULL);
  qe_graph_add_tensor(rg, "y", QE_DT_UNDEFINED, -1, NULL, &y, NULL);
  qe_graph_add_tensor(rg, "e", QE_DT_UNDEFINED, -1, NULL, &e, NULL);
  qe_graph_add_node(rg, QE_OP_EXPAND, "expand_huge", 2, (int[]){ x, s }, 1, &y, NULL, NULL);
  qe_graph_add_node(rg, QE_OP_RELU, "relu", 1, &y, 1, &e, NULL, NULL);
  qe_graph_add_output(rg, e, NULL);
  qe_array *in;
  qe_array_new(QE_DT_F32, 1, (int64_t[]){ 1 }, &in, NULL);
  qe_array **outs = NULL;
  st = qe_run_graph(rg, 1, (const qe_array *const *)&in, &outs, ctx);
  expect("absurd shape at run time", st, QE_ERR_NOMEM, ctx, (const char *const[]){ "limit", NULL });
  qe_array_free(in);
  qe_graph_free(rg);
  qe_ctx_free(ctx);
}

static void test_external_data(void)
{
  char dir[] = "/tmp/qz-ext-XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp");
    return;
  }
  model md;
  relu_model(&md, 13);
  int64_t wd[1] = { 4 };
  Onnx__TensorProto *t = add_init(&md, "w_ext", 1, wd);
  Onnx__StringStringEntryProto loc, *locs[2];
  onnx__string_string_entry_proto__init(&loc);
  loc.key = (char *)"location";
  loc.value = (char *)"weights.bin";
  locs[0] = &loc;
  t->external_data = locs;
  t->n_external_data = 1;
  t->has_data_location = 1;
  t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  expect("missing external data file", qe_onnx_load_buffer(buf, len, "ext.onnx", dir, &g, ctx),
         QE_ERR_IO, ctx, (const char *const[]){ "w_ext", "weights.bin", NULL });
  /* Now present: loads, values read. */
  char path[256];
  snprintf(path, sizeof path, "%s/weights.bin", dir);
  float vals[4] = { 1.5f, -2, 3, 4 };
  qe_write_file_atomic(path, vals, sizeof vals, ctx);
  CHECK(qe_onnx_load_buffer(buf, len, "ext.onnx", dir, &g, ctx) == QE_OK, "external data: %s",
        qe_ctx_error(ctx));
  if (g) {
    int w = qe_graph_find_tensor(g, "w_ext");
    CHECK(w >= 0 && ((float *)g->tensors[w].data->data)[0] == 1.5f, "external values read");
  }
  qe_graph_free(g);
  g = NULL;
  free(buf);
  /* Unsafe locations. */
  loc.value = (char *)"../../etc/passwd";
  buf = pack(&md, &len);
  expect("external data outside the folder",
         qe_onnx_load_buffer(buf, len, "ext.onnx", dir, &g, ctx), QE_ERR_INVALID, ctx,
         (const char *const[]){ "../../etc/passwd", NULL });
  free(buf);
  loc.value = (char *)"/etc/passwd";
  buf = pack(&md, &len);
  expect("absolute external data path", qe_onnx_load_buffer(buf, len, "ext.onnx", dir, &g, ctx),
         QE_ERR_INVALID, ctx, (const char *const[]){ "/etc/passwd", NULL });
  free(buf);
  unlink(path);
  rmdir(dir);
  qe_ctx_free(ctx);
}

static void test_nan_weights(void)
{
  model md;
  relu_model(&md, 13);
  float w[4] = { 1, NAN, INFINITY, 2 };
  int64_t wd[1] = { 4 };
  Onnx__TensorProto *t = add_init(&md, "w_nan", 1, wd);
  t->n_float_data = 4;
  t->float_data = w;
  size_t len;
  uint8_t *buf = pack(&md, &len);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  CHECK(qe_onnx_load_buffer(buf, len, "nan.onnx", NULL, &g, ctx) == QE_OK,
        "NaN weights still load: %s", qe_ctx_error(ctx));
  CHECK(qe_ctx_warning_count(ctx) == 1 && strstr(qe_ctx_warning(ctx, 0), "w_nan") &&
            strstr(qe_ctx_warning(ctx, 0), "2 of 4"),
        "one warning naming the initializer and counting 2 of 4");
  if (qe_ctx_warning_count(ctx))
    printf("%-34s -> warning: %s\n", "NaN/Inf weights", qe_ctx_warning(ctx, 0));
  qe_graph_free(g);
  free(buf);
  qe_ctx_free(ctx);
}

static void test_bad_tensor_files(void)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_array *a = NULL;
  static const uint8_t junk[5] = { 0x0a, 0xff, 0xff, 0xff, 0x0f };
  expect("corrupt TensorProto", qe_onnx_parse_tensor(junk, sizeof junk, "x.pb", &a, NULL, ctx),
         QE_ERR_PARSE, ctx, (const char *const[]){ "x.pb", NULL });
  expect("missing .pb file", qe_onnx_read_tensor("/nonexistent/in.pb", &a, NULL, ctx), QE_ERR_IO,
         ctx, (const char *const[]){ "/nonexistent/in.pb", NULL });
  qe_ctx_free(ctx);
}

int main(void)
{
  test_truncated_and_corrupt();
  test_wrong_magic();
  test_unknown_ops_and_domains();
  test_shape_mismatch();
  test_absurd_dims();
  test_external_data();
  test_nan_weights();
  test_bad_tensor_files();
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
