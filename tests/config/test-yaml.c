/* test-yaml.c - the YAML document tree: locations, paths, typed getters,
 * anchors and merges, overrides, interpolation and the emitter.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_yaml.h"
#include "qz-check-fatal.h"

#define CHECK_MSG(ctx, expected)                                                              \
  do {                                                                                        \
    if (strcmp(qe_ctx_error(ctx), (expected)) != 0) {                                         \
      fprintf(stderr, "%s:%d: message\n  got:      %s\n  expected: %s\n", __FILE__, __LINE__, \
              qe_ctx_error(ctx), (expected));                                                 \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

static qe_yaml_doc *load(const char *text, qe_ctx *ctx)
{
  qe_yaml_doc *doc = NULL;
  qe_status st = qe_yaml_load_string(text, strlen(text), "cfg.yaml", &doc, ctx);
  if (st != QE_OK) {
    fprintf(stderr, "load failed: %s\n", qe_ctx_error(ctx));
    exit(1);
  }
  return doc;
}

static qe_status load_fail(const char *text, qe_ctx *ctx)
{
  qe_yaml_doc *doc = NULL;
  qe_status st = qe_yaml_load_string(text, strlen(text), "cfg.yaml", &doc, ctx);
  CHECK(st != QE_OK && doc == NULL);
  return st;
}

static void test_tree_and_locations(qe_ctx *ctx)
{
  const char *text = "general:\n"
                     "  project_name: flowers\n"
                     "  global_seed: 123\n"
                     "  display_figures: True\n"
                     "dataset:\n"
                     "  class_names: [daisy, dandelion, roses]\n"
                     "  quantization_split: 0.4\n"
                     "  test_path:\n"
                     "preprocessing:\n"
                     "  rescaling: { scale: 1/127.5, offset: -1 }\n"
                     "quantization:\n"
                     "  granularity: per-chanel\n"
                     "  target_opset: '17'\n"
                     "  note: |\n"
                     "    two\n"
                     "    lines\n";
  qe_yaml_doc *doc = load(text, ctx);
  qe_yaml_node *root = qe_yaml_root(doc);
  CHECK(qe_yaml_node_kind(root) == QE_YAML_MAP && qe_yaml_node_count(root) == 4);
  CHECK(strcmp(qe_yaml_node_key(root, 2), "preprocessing") == 0);
  CHECK(strcmp(qe_yaml_doc_name(doc), "cfg.yaml") == 0);

  qe_yaml_node *n = qe_yaml_path(root, "general.global_seed");
  CHECK(n && qe_yaml_node_line(n) == 3 && qe_yaml_node_column(n) == 16);
  char buf[256];
  CHECK(strcmp(qe_yaml_node_where(n, buf, sizeof buf), "cfg.yaml:3:16") == 0);
  CHECK(strcmp(qe_yaml_node_path(n, buf, sizeof buf), "general.global_seed") == 0);
  n = qe_yaml_path(root, "dataset.class_names.2");
  CHECK(n && strcmp(qe_yaml_node_text(n), "roses") == 0);
  CHECK(strcmp(qe_yaml_node_path(n, buf, sizeof buf), "dataset.class_names.2") == 0);
  CHECK(qe_yaml_path(root, "dataset.class_names.3") == NULL);
  CHECK(qe_yaml_path(root, "dataset.nothing") == NULL);
  CHECK(qe_yaml_path(root, "") == root);
  CHECK(qe_yaml_node_is_null(qe_yaml_path(root, "dataset.test_path")));
  CHECK(qe_yaml_node_style(qe_yaml_path(root, "quantization.note")) == QE_YAML_BLOCK_TEXT);
  CHECK(strcmp(qe_yaml_node_text(qe_yaml_path(root, "quantization.note")), "two\nlines\n") == 0);

  int64_t seed = 0;
  CHECK(qe_yaml_get_int(root, "general.global_seed", &seed, ctx) == QE_OK && seed == 123);
  bool figs = false;
  CHECK(qe_yaml_get_bool(root, "general.display_figures", &figs, ctx) == QE_OK && figs);
  double split = 0, scale = 0, offset = 0;
  CHECK(qe_yaml_get_double(root, "dataset.quantization_split", &split, ctx) == QE_OK &&
        split == 0.4);
  CHECK(qe_yaml_get_double(root, "preprocessing.rescaling.scale", &scale, ctx) == QE_OK &&
        scale == 1 / 127.5);
  CHECK(qe_yaml_get_double(root, "preprocessing.rescaling.offset", &offset, ctx) == QE_OK &&
        offset == -1);
  /* Quoted numbers are still numbers when a number is asked for. */
  int64_t opset = 0;
  CHECK(qe_yaml_get_int_range(root, "quantization.target_opset", 7, 17, &opset, ctx) == QE_OK &&
        opset == 17);
  CHECK(qe_yaml_get_int_range(root, "general.global_seed", 0, 100, &seed, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:3:16: general.global_seed must be between 0 and 100, not 123");

  /* Absent and null leave the default. */
  const char *path = "default";
  CHECK(qe_yaml_get_string(root, "dataset.test_path", &path, ctx) == QE_OK &&
        strcmp(path, "default") == 0);
  CHECK(qe_yaml_get_string(root, "dataset.nope", &path, ctx) == QE_OK &&
        strcmp(path, "default") == 0);

  static const char *const gran[] = { "per_channel", "per_tensor", NULL };
  int g = -1;
  CHECK(qe_yaml_get_enum(root, "quantization.granularity", gran, &g, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:12:16: quantization.granularity must be one of per_channel, "
                 "per_tensor, not 'per-chanel'");
  CHECK(g == -1);
  CHECK(qe_yaml_get_int(root, "general.project_name", &seed, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:2:17: general.project_name must be an integer, not 'flowers'");
  CHECK(qe_yaml_get_bool(root, "dataset", &figs, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:6:3: dataset must be true or false, not a map");
  CHECK(qe_yaml_get_double(root, "dataset.class_names", &split, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:6:16: dataset.class_names must be a number, not a list");
  CHECK(qe_yaml_node_int(qe_yaml_path(root, "dataset.test_path"), &seed, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:8:13: dataset.test_path must be an integer, but it is empty");
  qe_yaml_doc_free(doc);
}

static void test_scalars(qe_ctx *ctx)
{
  qe_yaml_doc *doc = load("a: 0x1F\nb: -0o17\nc: 1_000\nd: 1e-3\ne: .inf\nf: -.Inf\n"
                          "g: .nan\nh: 'yes'\ni: off\nj: 9223372036854775808\nk: 1.5\n"
                          "l: 1 / 4\nm: 3/0\nn: ~\no: \"null\"\np: !!str 12\n",
                          ctx);
  qe_yaml_node *r = qe_yaml_root(doc);
  int64_t v = 0;
  double d = 0;
  bool b = false;
  CHECK(qe_yaml_get_int(r, "a", &v, ctx) == QE_OK && v == 31);
  CHECK(qe_yaml_get_int(r, "b", &v, ctx) == QE_OK && v == -15);
  CHECK(qe_yaml_get_int(r, "c", &v, ctx) == QE_OK && v == 1000);
  CHECK(qe_yaml_get_double(r, "d", &d, ctx) == QE_OK && d == 1e-3);
  CHECK(qe_yaml_get_double(r, "e", &d, ctx) == QE_OK && isinf(d) && d > 0);
  CHECK(qe_yaml_get_double(r, "f", &d, ctx) == QE_OK && isinf(d) && d < 0);
  CHECK(qe_yaml_get_double(r, "g", &d, ctx) == QE_OK && isnan(d));
  CHECK(qe_yaml_get_bool(r, "h", &b, ctx) == QE_OK && b);
  CHECK(qe_yaml_get_bool(r, "i", &b, ctx) == QE_OK && !b);
  CHECK(qe_yaml_get_int(r, "j", &v, ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_get_int(r, "k", &v, ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_get_double(r, "l", &d, ctx) == QE_OK && d == 0.25);
  CHECK(qe_yaml_get_double(r, "m", &d, ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_node_is_null(qe_yaml_path(r, "n")));
  CHECK(!qe_yaml_node_is_null(qe_yaml_path(r, "o")));
  CHECK(qe_yaml_node_style(qe_yaml_path(r, "p")) == QE_YAML_QUOTED);
  /* Case-insensitive enum fallback ("onnx_quantizer" as in the AFD guide). */
  static const char *const q[] = { "TFlite_converter", "Onnx_quantizer", NULL };
  qe_yaml_doc *d2 = load("quantizer: onnx_quantizer\n", ctx);
  int e = -1;
  CHECK(qe_yaml_get_enum(qe_yaml_root(d2), "quantizer", q, &e, ctx) == QE_OK && e == 1);
  qe_yaml_doc_free(d2);
  qe_yaml_doc_free(doc);
}

static void test_anchors(qe_ctx *ctx)
{
  const char *text = "base: &b\n"
                     "  bits: 8\n"
                     "  method: minmax\n"
                     "names: &n [a, b]\n"
                     "run:\n"
                     "  <<: *b\n"
                     "  method: entropy\n"
                     "  classes: *n\n"
                     "multi:\n"
                     "  <<: [*b, {extra: 1, bits: 4}]\n";
  qe_yaml_doc *doc = load(text, ctx);
  qe_yaml_node *r = qe_yaml_root(doc);
  int64_t bits = 0;
  CHECK(qe_yaml_get_int(r, "run.bits", &bits, ctx) == QE_OK && bits == 8);
  const char *m = NULL;
  CHECK(qe_yaml_get_string(r, "run.method", &m, ctx) == QE_OK && strcmp(m, "entropy") == 0);
  CHECK(qe_yaml_node_count(qe_yaml_path(r, "run.classes")) == 2);
  CHECK(qe_yaml_path(r, "run.<<") == NULL);
  /* The alias copy is located where the alias is written. */
  CHECK(qe_yaml_node_line(qe_yaml_path(r, "run.classes")) == 8);
  CHECK(qe_yaml_get_int(r, "multi.bits", &bits, ctx) == QE_OK && bits == 8);
  CHECK(qe_yaml_get_int(r, "multi.extra", &bits, ctx) == QE_OK && bits == 1);
  CHECK(strcmp(qe_yaml_node_key(qe_yaml_path(r, "run"), 0), "bits") == 0);
  qe_yaml_doc *copy = qe_yaml_doc_copy(doc);
  qe_yaml_doc_free(doc);
  CHECK(copy && qe_yaml_get_int(qe_yaml_root(copy), "multi.bits", &bits, ctx) == QE_OK);
  char buf[64];
  CHECK(strcmp(qe_yaml_node_where(qe_yaml_path(qe_yaml_root(copy), "multi.bits"), buf, sizeof buf),
               "cfg.yaml:2:9") == 0);
  qe_yaml_doc_free(copy);

  /* An anchor defined inside a merge source stays usable afterwards. */
  doc = load("x:\n  <<: &m {a: 1}\ny: *m\n", ctx);
  CHECK(qe_yaml_get_int(qe_yaml_root(doc), "y.a", &bits, ctx) == QE_OK && bits == 1);
  qe_yaml_doc_free(doc);

  /* An alias bomb is refused, not expanded. */
  const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
  CHECK(load_fail(bomb, ctx) == QE_ERR_NOMEM);
  CHECK(strstr(qe_ctx_error(ctx), "aliases") != NULL);
  CHECK(load_fail("a: *nope\n", ctx) == QE_ERR_PARSE);
  CHECK_MSG(ctx, "cfg.yaml:1:4: alias '*nope' has no anchor '&nope' before it");
  CHECK(load_fail("a: &x\n  b: *x\n", ctx) == QE_ERR_PARSE);
  CHECK_MSG(ctx, "cfg.yaml:2:6: alias '*x' refers to a value that contains it");
}

static void test_errors(qe_ctx *ctx)
{
  CHECK(load_fail("general:\n  name: a\n  seed: [1, 2\nother: 1\n", ctx) == QE_ERR_PARSE);
  CHECK(strncmp(qe_ctx_error(ctx), "cfg.yaml:4:", 11) == 0);
  CHECK(load_fail("a: 1\nb: 2: 3\n", ctx) == QE_ERR_PARSE);
  CHECK_MSG(ctx, "cfg.yaml:2:5: mapping values are not allowed in this context");
  CHECK(load_fail("a: 1\na: 2\n", ctx) == QE_ERR_PARSE);
  CHECK_MSG(ctx, "cfg.yaml:2:1: duplicate key 'a' (first at line 1)");
  CHECK(load_fail("a: 1\n---\nb: 2\n", ctx) == QE_ERR_PARSE);
  CHECK(strncmp(qe_ctx_error(ctx), "cfg.yaml:2:1: a second YAML document", 36) == 0);
  CHECK(load_fail("? [a]\n: 1\n", ctx) == QE_ERR_PARSE);
  CHECK_MSG(ctx, "cfg.yaml:1:3: a key must be a simple value, not a list");
  CHECK(load_fail("a: \"x\\0y\"\n", ctx) == QE_ERR_PARSE);
  CHECK(load_fail("a: \xff\xfe\n", ctx) == QE_ERR_PARSE);
  CHECK(strncmp(qe_ctx_error(ctx), "cfg.yaml: byte ", 15) == 0);

  /* Deep nesting is bounded. */
  char deep[4000];
  size_t n = 0;
  for (int i = 0; i < 1000; i++)
    deep[n++] = '[';
  for (int i = 0; i < 1000; i++)
    deep[n++] = ']';
  deep[n] = '\0';
  CHECK(load_fail(deep, ctx) == QE_ERR_PARSE);
  CHECK(strstr(qe_ctx_error(ctx), "nested more than") != NULL);

  qe_yaml_doc *doc = NULL;
  CHECK(qe_yaml_load_file("/nonexistent/user_config.yaml", &doc, ctx) == QE_ERR_IO);
  CHECK(strstr(qe_ctx_error(ctx), "/nonexistent/user_config.yaml") != NULL);

  /* An empty file is an empty map. */
  doc = load("# only a comment\n", ctx);
  CHECK(qe_yaml_node_kind(qe_yaml_root(doc)) == QE_YAML_MAP);
  CHECK(qe_yaml_node_count(qe_yaml_root(doc)) == 0);
  qe_yaml_doc_free(doc);
}

static void test_overrides(qe_ctx *ctx)
{
  qe_yaml_doc *doc = load("quantization:\n  granularity: per_channel\n  export_dir: q\n"
                          "dataset:\n  test_path:\n",
                          ctx);
  qe_yaml_node *r = qe_yaml_root(doc);
  const char *s = NULL;
  CHECK(qe_yaml_override(doc, "quantization.granularity=per_tensor", ctx) == QE_OK);
  r = qe_yaml_root(doc);
  CHECK(qe_yaml_get_string(r, "quantization.granularity", &s, ctx) == QE_OK &&
        strcmp(s, "per_tensor") == 0);
  CHECK(qe_yaml_override(doc, "operation_mode=chain_eqe", ctx) == QE_OK);
  CHECK(qe_yaml_override(doc, "general.global_seed=7", ctx) == QE_OK);
  int64_t seed = 0;
  CHECK(qe_yaml_get_int(r, "general.global_seed", &seed, ctx) == QE_OK && seed == 7);
  CHECK(qe_yaml_override(doc, "dataset.test_path.sub=1", ctx) == QE_OK);
  CHECK(qe_yaml_override(doc, "+quantization.export_dir=x", ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "override '+quantization.export_dir=x': quantization.export_dir is already set; "
                 "use ++quantization.export_dir=x to replace it");
  CHECK(qe_yaml_override(doc, "++quantization.export_dir=x", ctx) == QE_OK);
  CHECK(qe_yaml_override(doc, "+quantization.optimize=True", ctx) == QE_OK);
  CHECK(qe_yaml_override(doc, "dataset.class_names=[a, 'b c', \"1\"]", ctx) == QE_OK);
  qe_yaml_node *cn = qe_yaml_path(r, "dataset.class_names");
  CHECK(qe_yaml_node_count(cn) == 3);
  CHECK(strcmp(qe_yaml_node_text(qe_yaml_node_item(cn, 1)), "b c") == 0);
  char buf[256];
  CHECK(strcmp(qe_yaml_node_where(cn, buf, sizeof buf),
               "override 'dataset.class_names=[a, 'b c', \"1\"]':1:1") == 0);
  CHECK(qe_yaml_override(doc, "quantization.granularity=per-chanel", ctx) == QE_OK);
  static const char *const gran[] = { "per_channel", "per_tensor", NULL };
  int g;
  CHECK(qe_yaml_get_enum(r, "quantization.granularity", gran, &g, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "override 'quantization.granularity=per-chanel':1:1: quantization.granularity "
                 "must be one of per_channel, per_tensor, not 'per-chanel'");
  CHECK(qe_yaml_override(doc, "~quantization.optimize", ctx) == QE_OK);
  CHECK(qe_yaml_path(r, "quantization.optimize") == NULL);
  CHECK(qe_yaml_override(doc, "~quantization.optimize", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "~quantization.export_dir=y", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "~quantization.export_dir=x", ctx) == QE_OK);
  CHECK(qe_yaml_override(doc, "noequals", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "=1", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "a..b=1", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "x=[1, 2", ctx) == QE_ERR_PARSE);
  CHECK(strncmp(qe_ctx_error(ctx), "override 'x=[1, 2':", 19) == 0);
  CHECK(qe_yaml_override(doc, "general.global_seed.x=1", ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_override(doc, "empty=", ctx) == QE_OK);
  CHECK(strcmp(qe_yaml_node_text(qe_yaml_path(r, "empty")), "") == 0 &&
        !qe_yaml_node_is_null(qe_yaml_path(r, "empty")));
  CHECK(qe_yaml_override(doc, "dataset.class_names.3=d", ctx) == QE_OK);
  CHECK(qe_yaml_node_count(cn) == 4);
  CHECK(qe_yaml_override(doc, "dataset.class_names.9=d", ctx) == QE_ERR_INVALID);
  qe_yaml_doc_free(doc);
}

static void test_interpolation(qe_ctx *ctx)
{
  setenv("QE_TEST_ROOT", "/data", 1);
  unsetenv("QE_TEST_UNSET");
  qe_yaml_doc *doc =
      load("hydra:\n  run:\n    dir: ./experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}\n"
           "general:\n  project_name: afd\n  logs_dir: ${general.project_name}_logs\n"
           "  rel: ${.project_name}/x\n"
           "paths:\n  a: ${oc.env:QE_TEST_ROOT}/a\n  b: ${oc.env:QE_TEST_UNSET, /tmp}/b\n"
           "  c: cost \\${not} resolved\n"
           "bad:\n  cycle1: ${bad.cycle2}\n  cycle2: ${bad.cycle1}\n  unknown: ${foo:bar}\n"
           "  missing: ${nope.nope}\n  env: ${oc.env:QE_TEST_UNSET}\n  open: ${now:%Y\n"
           "  list: ${dataset}\n"
           "dataset: [1, 2]\n",
           ctx);
  qe_yaml_node *r = qe_yaml_root(doc);
  /* 2024-03-05 06:07:08 local time. */
  struct tm tm = { .tm_year = 124,
                   .tm_mon = 2,
                   .tm_mday = 5,
                   .tm_hour = 6,
                   .tm_min = 7,
                   .tm_sec = 8,
                   .tm_isdst = -1 };
  time_t now = mktime(&tm);
  char *out = NULL;
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "hydra.run.dir"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "./experiments_outputs/2024_03_05_06_07_08") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "general.logs_dir"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "afd_logs") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "general.rel"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "afd/x") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "paths.a"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "/data/a") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "paths.b"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "/tmp/b") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "paths.c"), now, &out, ctx) == QE_OK);
  CHECK(strcmp(out, "cost ${not} resolved") == 0);
  free(out);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.cycle1"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "cycle") != NULL);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.unknown"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:15:12: unknown resolver 'foo' in '${foo:bar}' (known: now, oc.env)");
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.missing"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK_MSG(ctx, "cfg.yaml:16:12: '${nope.nope}' refers to a key that is not set");
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.env"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "QE_TEST_UNSET is not set") != NULL);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.open"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_resolve(doc, qe_yaml_path(r, "bad.list"), now, &out, ctx) == QE_ERR_INVALID);
  CHECK(qe_yaml_resolve_all(doc, now, ctx) == QE_ERR_INVALID);
  /* Nothing changed after a failed resolve_all. */
  CHECK(strstr(qe_yaml_node_text(qe_yaml_path(r, "hydra.run.dir")), "${now:") != NULL);
  CHECK(qe_yaml_remove(doc, "bad", ctx) == QE_OK);
  CHECK(qe_yaml_resolve_all(doc, now, ctx) == QE_OK);
  CHECK(strcmp(qe_yaml_node_text(qe_yaml_path(r, "hydra.run.dir")),
               "./experiments_outputs/2024_03_05_06_07_08") == 0);
  CHECK(strcmp(qe_yaml_node_text(qe_yaml_path(r, "paths.c")), "cost ${not} resolved") == 0);
  qe_yaml_doc_free(doc);
}

static void test_emit_roundtrip(qe_ctx *ctx)
{
  qe_yaml_doc *doc = qe_yaml_doc_new("project.yaml");
  CHECK(doc);
  CHECK(qe_yaml_set_string(doc, "general.project_name", "my project", ctx) == QE_OK);
  CHECK(qe_yaml_set_string(doc, "general.tricky", "true", ctx) == QE_OK);
  CHECK(qe_yaml_set_string(doc, "general.num", "017", ctx) == QE_OK);
  CHECK(qe_yaml_set_string(doc, "general.colon", "a: b # c", ctx) == QE_OK);
  CHECK(qe_yaml_set_string(doc, "general.multi", "line 1\nline 2", ctx) == QE_OK);
  CHECK(qe_yaml_set_int(doc, "general.global_seed", -5, ctx) == QE_OK);
  CHECK(qe_yaml_set_double(doc, "dataset.quantization_split", 0.1, ctx) == QE_OK);
  CHECK(qe_yaml_set_double(doc, "dataset.whole", 3.0, ctx) == QE_OK);
  CHECK(qe_yaml_set_double(doc, "dataset.tiny", 1e-20, ctx) == QE_OK);
  CHECK(qe_yaml_set_double(doc, "dataset.third", 1.0 / 3.0, ctx) == QE_OK);
  CHECK(qe_yaml_set_double(doc, "dataset.inf", -INFINITY, ctx) == QE_OK);
  CHECK(qe_yaml_set_bool(doc, "quantization.optimize", false, ctx) == QE_OK);
  CHECK(qe_yaml_set_null(doc, "dataset.test_path", ctx) == QE_OK);
  qe_yaml_node *seq = NULL;
  CHECK(qe_yaml_set_seq(doc, "dataset.class_names", &seq, ctx) == QE_OK);
  CHECK(qe_yaml_seq_append_string(doc, seq, "daisy", false, ctx) == QE_OK);
  CHECK(qe_yaml_seq_append_string(doc, seq, "no", true, ctx) == QE_OK);
  CHECK(qe_yaml_set_map(doc, "empty", NULL, ctx) == QE_OK);
  CHECK(qe_yaml_set_yaml(doc, "preprocessing.rescaling", "{scale: 1/127.5, offset: -1}", NULL,
                         ctx) == QE_OK);
  CHECK(qe_yaml_set_int(doc, "general.project_name.sub", 1, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "holds a value") != NULL);
  CHECK(qe_yaml_set_int(doc, "", 1, ctx) == QE_ERR_INVALID);

  char *text = NULL;
  size_t len = 0;
  CHECK(qe_yaml_emit(qe_yaml_root(doc), &text, &len, ctx) == QE_OK);
  CHECK(strlen(text) == len);
  CHECK(strstr(text, "class_names: [daisy, 'no']") != NULL);
  CHECK(strstr(text, "quantization_split: 0.1\n") != NULL);
  CHECK(strstr(text, "whole: 3.0\n") != NULL);
  CHECK(strstr(text, "tiny: 1.0e-20\n") != NULL);
  CHECK(strstr(text, "optimize: False\n") != NULL);
  CHECK(strstr(text, "tricky: 'true'\n") != NULL);

  /* Read back: same values, same kinds. */
  qe_yaml_doc *back = NULL;
  CHECK(qe_yaml_load_string(text, len, "back.yaml", &back, ctx) == QE_OK);
  qe_yaml_node *r = qe_yaml_root(back);
  const char *s = NULL;
  CHECK(qe_yaml_get_string(r, "general.project_name", &s, ctx) == QE_OK &&
        strcmp(s, "my project") == 0);
  bool b = true;
  CHECK(qe_yaml_get_string(r, "general.tricky", &s, ctx) == QE_OK && strcmp(s, "true") == 0);
  CHECK(qe_yaml_node_style(qe_yaml_path(r, "general.tricky")) == QE_YAML_QUOTED);
  CHECK(qe_yaml_node_style(qe_yaml_path(r, "general.num")) == QE_YAML_QUOTED);
  CHECK(qe_yaml_get_string(r, "general.colon", &s, ctx) == QE_OK && strcmp(s, "a: b # c") == 0);
  CHECK(qe_yaml_get_string(r, "general.multi", &s, ctx) == QE_OK &&
        strcmp(s, "line 1\nline 2") == 0);
  int64_t i = 0;
  CHECK(qe_yaml_get_int(r, "general.global_seed", &i, ctx) == QE_OK && i == -5);
  double d = 0;
  CHECK(qe_yaml_get_double(r, "dataset.third", &d, ctx) == QE_OK && d == 1.0 / 3.0);
  CHECK(qe_yaml_get_double(r, "dataset.tiny", &d, ctx) == QE_OK && d == 1e-20);
  CHECK(qe_yaml_get_double(r, "dataset.inf", &d, ctx) == QE_OK && isinf(d) && d < 0);
  CHECK(qe_yaml_get_bool(r, "quantization.optimize", &b, ctx) == QE_OK && !b);
  CHECK(qe_yaml_node_is_null(qe_yaml_path(r, "dataset.test_path")));
  CHECK(qe_yaml_get_double(r, "preprocessing.rescaling.scale", &d, ctx) == QE_OK && d == 1 / 127.5);
  CHECK(qe_yaml_node_kind(qe_yaml_path(r, "empty")) == QE_YAML_MAP);
  CHECK(qe_yaml_node_style(qe_yaml_node_item(qe_yaml_path(r, "dataset.class_names"), 1)) ==
        QE_YAML_QUOTED);

  /* Emit again: a fixed point. */
  char *text2 = NULL;
  CHECK(qe_yaml_emit(r, &text2, NULL, ctx) == QE_OK);
  CHECK(strcmp(text, text2) == 0);
  free(text2);
  free(text);

  /* Save + load through a file. */
  const char *dir = getenv("QZ_BUILD_ROOT");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/config/roundtrip.yaml", dir ? dir : ".");
  CHECK(qe_yaml_save(back, path, ctx) == QE_OK);
  qe_yaml_doc *again = NULL;
  CHECK(qe_yaml_load_file(path, &again, ctx) == QE_OK);
  CHECK(qe_yaml_get_int(qe_yaml_root(again), "general.global_seed", &i, ctx) == QE_OK && i == -5);
  qe_yaml_doc_free(again);
  qe_yaml_doc_free(back);
  qe_yaml_doc_free(doc);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  CHECK(ctx);
  test_tree_and_locations(ctx);
  test_scalars(ctx);
  test_anchors(ctx);
  test_errors(ctx);
  test_overrides(ctx);
  test_interpolation(ctx);
  test_emit_roundtrip(ctx);
  /* NULL is accepted everywhere. */
  qe_yaml_doc_free(NULL);
  CHECK(qe_yaml_path(NULL, "a") == NULL);
  CHECK(qe_yaml_node_count(NULL) == 0);
  qe_ctx_free(ctx);
  printf("ok\n");
  return 0;
}
