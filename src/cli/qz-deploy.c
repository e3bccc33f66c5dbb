/* qz-deploy.c - `qz deploy`: pre-flight check, flash, on-target validation.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   qz deploy MODEL --board ID --check       will it fit and run? (no board needed)
 *   qz deploy --selftest --board ID          flash the prebuilt runner with its
 *                                            built-in self-test model and validate
 *   qz deploy ... --port DEV                 the board's serial port
 *   qz deploy MODEL --board ID               build the runner with the model's
 *                                            generated C code, flash, validate
 *   qz deploy ... --validate N               N samples compared with the host
 *   qz deploy ... --data PATH                those N samples are real ones: an
 *                                            .npz, a data folder or CSV, or a
 *                                            YAML configuration's test set,
 *                                            preprocessed as for evaluation and
 *                                            quantized with the model's input
 *                                            scale (without --data: random
 *                                            int8 inputs, said so)
 *
 * Emulated boards (qemu-*) run in qemu-system-arm when no --port is given;
 * with --port they are reached like real hardware (the tests put an STM32
 * bootloader emulator behind a fake ST-LINK there).
 */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "model_slot.h"
#include "qe/qe.h"
#include "qe/qe_board.h"
#include "qe/qe_board_flash.h"
#include "qe/qe_board_link.h"
#include "qe/qe_config.h"
#include "qe/qe_data.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_json.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"
#include "qe_kernels_s8.h"
#include "qz-cli.h"

typedef struct {
  qe_qmodel *model;
  qe_qexec *exec;
} HostModel;

/* The host reference of the self-test model: the same source as the
 * runner's (targets/runner/selftest_model.c) on the engine's kernels. */
static qe_status host_selftest(void *user, const void *in, size_t in_len, void *out, size_t out_len,
                               qe_ctx *ctx)
{
  const qr_model_info *mi = qr_model_get_info();
  if (in_len != mi->input_bytes || out_len != mi->output_bytes)
    return qe_error(ctx, QE_ERR_SHAPE, "the board's self-test model differs from this qz's");
  memcpy(qr_model_input(), in, in_len);
  if (qr_model_run() != 0)
    return qe_error(ctx, QE_ERR_INTERNAL, "the host self-test model failed");
  memcpy(out, qr_model_output(), out_len);
  return QE_OK;
}

static qe_status host_qmodel(void *user, const void *in, size_t in_len, void *out, size_t out_len,
                             qe_ctx *ctx)
{
  HostModel *h = user;
  memcpy(qe_qexec_input(h->exec, 0), in, in_len);
  qe_status st = qe_qexec_run(h->exec, ctx);
  if (st == QE_OK)
    memcpy(out, qe_qexec_output(h->exec, 0), out_len);
  return st;
}

/* ---- validation samples ------------------------------------------------- */

static gboolean is_yaml(const char *path)
{
  return g_str_has_suffix(path, ".yaml") || g_str_has_suffix(path, ".yml") ||
         g_str_has_suffix(path, ".YAML");
}

/* Up to @n real samples for the board: @path (.npz, a data folder, a CSV,
 * a WAV folder, or a YAML configuration whose test - else validation -
 * samples are taken) read and preprocessed by the data engine as an
 * evaluation reads them, shaped as @model's input, then quantized with the
 * input's scale and zero point exactly as the host engine quantizes a
 * float input (qe_k_quantize_f32). *inputs (g_free) holds *got samples of
 * @input_bytes back to back; *what describes where they came from. */
static qe_status load_samples(const char *path, qe_qmodel *model, size_t n, size_t input_bytes,
                              uint8_t **inputs, size_t *got, char **what, qe_ctx *ctx)
{
  const qe_qtensor *t = &model->tensors[model->inputs[0]];
  *inputs = NULL;
  *got = 0;
  *what = NULL;
  if (t->type != QE_DT_I8 && t->type != QE_DT_U8)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "the model's input '%s' is not int8 or uint8",
                    t->name);
  if (t->n_quant < 1 || !(t->scale[0] > 0.0f))
    return qe_error(ctx, QE_ERR_INVALID, "the model's input '%s' has no quantization scale",
                    t->name);
  qe_config *cfg = NULL;
  qe_dataset *ds = NULL;
  qe_loader *ld = NULL;
  qe_data_options o;
  qe_data_kind kind = QE_DATA_AUTO;
  qe_subset subset = QE_SUBSET_ALL;
  qe_status st = QE_OK;
  if (is_yaml(path)) {
    st = qe_config_load_file(path, NULL, &cfg, ctx);
    if (st == QE_OK)
      st = qe_config_data_options(cfg, &o, &kind, ctx);
  } else {
    qe_data_options_init(&o);
    o.validation_split = -1;
    o.test_split = -1;
    o.quantization_split = -1;
  }
  if (st == QE_OK) {
    /* One sample's shape: the model input without its batch axis. TFLite
     * models are NHWC, except those quantized from an NCHW ONNX model,
     * which keep its input as it was (channels first, a Transpose inside):
     * an image whose last axis cannot be channels is taken as NCHW. */
    int skip = t->rank >= 2 && t->dims[0] == 1 ? 1 : 0;
    o.input_rank = t->rank - skip;
    for (int k = skip; k < t->rank; k++)
      o.input_shape[k - skip] = t->dims[k];
    o.layout = QE_LAYOUT_NHWC;
    if (o.input_rank == 3) {
      const int64_t first = o.input_shape[0], last = o.input_shape[2];
      const bool last_is_c = last == 1 || last == 3 || last == 4;
      const bool first_is_c = first == 1 || first == 3 || first == 4;
      if (!last_is_c && first_is_c)
        o.layout = QE_LAYOUT_NCHW;
    }
    st = cfg ? qe_dataset_open_config(&o, kind, &ds, ctx)
             : qe_dataset_open(path, QE_DATA_AUTO, &o, &ds, ctx);
  }
  if (st == QE_OK) {
    size_t k = 0;
    if (cfg && qe_dataset_subset(ds, QE_SUBSET_TEST, &k) && k > 0)
      subset = QE_SUBSET_TEST;
    else if (cfg && qe_dataset_subset(ds, QE_SUBSET_VALIDATION, &k) && k > 0)
      subset = QE_SUBSET_VALIDATION;
    st = qe_loader_new(ds, subset, 1, &ld, ctx);
  }
  uint8_t *buf = st == QE_OK ? g_malloc0((gsize)n * input_bytes + 1) : NULL;
  size_t i = 0;
  while (st == QE_OK && i < n) {
    qe_data_item item;
    bool done = false;
    st = qe_loader_next(ld, &item, &done, ctx);
    if (st != QE_OK || done)
      break;
    if (item.count != input_bytes) {
      st = qe_error(ctx, QE_ERR_SHAPE, "a sample has %zu values, the model's input '%s' takes %zu",
                    item.count, t->name, input_bytes);
      break;
    }
    if (qe_k_quantize_f32(item.data, item.count, t->scale[0], (int32_t)t->zero_point[0],
                          t->type == QE_DT_U8, buf + i * input_bytes) != QE_K_OK) {
      st = qe_error(ctx, QE_ERR_INVALID, "cannot quantize a sample for '%s'", t->name);
      break;
    }
    i++;
  }
  if (st == QE_OK && i == 0)
    st = qe_error(ctx, QE_ERR_DATA, "no samples to validate with");
  if (st == QE_OK) {
    *inputs = buf;
    buf = NULL;
    *got = i;
    *what = g_strdup_printf("%zu %s sample%s of %s", i,
                            subset == QE_SUBSET_TEST         ? "test"
                            : subset == QE_SUBSET_VALIDATION ? "validation"
                                                             : "real",
                            i == 1 ? "" : "s", path);
  }
  g_free(buf);
  qe_loader_free(ld);
  qe_dataset_free(ds);
  qe_config_free(cfg);
  return st;
}

/* ---- QEMU ------------------------------------------------------------- */

typedef struct {
  GSubprocess *proc;
  char *pty;
} Qemu;

static gboolean qemu_start(Qemu *q, const qe_board *b, const char *image, GError **error)
{
  g_autofree char *kernel = g_strdup(image);
  q->proc =
      g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                           G_SUBPROCESS_FLAGS_STDIN_PIPE,
                       error, "qemu-system-arm", "-M", b->qemu_machine, "-nographic", "-monitor",
                       "none", "-icount", "shift=0,align=off,sleep=off", "-chardev", "pty,id=uart0",
                       "-serial", "chardev:uart0", "-kernel", kernel, NULL);
  if (!q->proc)
    return FALSE;
  GInputStream *out = g_subprocess_get_stdout_pipe(q->proc);
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new(out);
  for (int i = 0; i < 20 && !q->pty; i++) {
    g_autofree char *line = g_data_input_stream_read_line(lines, NULL, NULL, error);
    if (!line)
      break;
    const char *p = strstr(line, "redirected to /dev/pts/");
    if (p) {
      p += strlen("redirected to ");
      size_t n = strcspn(p, " \t");
      q->pty = g_strndup(p, n);
    }
  }
  if (!q->pty) {
    if (error && !*error)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                  "qemu-system-arm did not start the %s machine", b->qemu_machine);
    g_subprocess_force_exit(q->proc);
    return FALSE;
  }
  return TRUE;
}

static void qemu_stop(Qemu *q)
{
  if (q->proc) {
    g_subprocess_force_exit(q->proc);
    g_subprocess_wait(q->proc, NULL, NULL);
    g_clear_object(&q->proc);
  }
  g_clear_pointer(&q->pty, g_free);
}

/* ---- output ----------------------------------------------------------- */

static void print_check(const qe_board *b, const qe_board_check_result *r)
{
  printf("Pre-flight check for %s:\n", b->name);
  printf("  flash  %7.1f KiB of %7.1f KiB  (weights %.1f KiB + runner %u KiB)%s\n",
         r->flash_needed / 1024.0, r->flash_available / 1024.0, r->weights_bytes / 1024.0,
         QE_RUNNER_FLASH_BYTES / 1024, r->flash_needed > r->flash_available ? "  TOO BIG" : "");
  printf("  RAM    %7.1f KiB of %7.1f KiB  (activations %.1f KiB + runner %u KiB)%s\n",
         r->ram_needed / 1024.0, r->ram_available / 1024.0, r->arena_bytes / 1024.0,
         QE_RUNNER_RAM_BYTES / 1024, r->ram_needed > r->ram_available ? "  TOO BIG" : "");
  printf("  %zu layers, %.2f M multiply-accumulates, estimated %.2f ms at %.0f MHz\n", r->n_layers,
         r->macs / 1e6, r->est_ms, b->clock_hz / 1e6);
  if (b->has_npu)
    printf("  %zu of %zu layers on the %s\n", r->npu_layers, r->n_layers,
           b->npu.name ? b->npu.name : "NPU");
  for (size_t i = 0; i < r->n_issues; i++) {
    const qe_check_issue *is = &r->issues[i];
    printf("  %s %s (%s): %s\n", is->severity == QE_CHECK_ERROR ? "ERROR" : "note ", is->op_name,
           is->op_type, is->message);
  }
  printf("  %s\n", r->deployable ? "The model can be deployed to this board."
                                 : "The model cannot be deployed to this board as it is.");
}

static void json_check(qe_json *j, const qe_board_check_result *r)
{
  qe_json_key(j, "check");
  qe_json_begin_object(j);
  qe_json_kv_bool(j, "deployable", r->deployable);
  qe_json_kv_int(j, "weights_bytes", (int64_t)r->weights_bytes);
  qe_json_kv_int(j, "flash_needed", (int64_t)r->flash_needed);
  qe_json_kv_int(j, "flash_available", (int64_t)r->flash_available);
  qe_json_kv_int(j, "arena_bytes", (int64_t)r->arena_bytes);
  qe_json_kv_int(j, "ram_needed", (int64_t)r->ram_needed);
  qe_json_kv_int(j, "ram_available", (int64_t)r->ram_available);
  qe_json_kv_int(j, "macs", (int64_t)r->macs);
  qe_json_kv_number(j, "estimated_ms", r->est_ms);
  qe_json_kv_int(j, "layers", (int64_t)r->n_layers);
  qe_json_kv_int(j, "npu_layers", (int64_t)r->npu_layers);
  qe_json_key(j, "issues");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_issues; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "severity",
                      r->issues[i].severity == QE_CHECK_ERROR ? "error" : "npu-fallback");
    qe_json_kv_int(j, "op", r->issues[i].op);
    qe_json_kv_string(j, "layer", r->issues[i].op_name);
    qe_json_kv_string(j, "op_type", r->issues[i].op_type);
    qe_json_kv_string(j, "message", r->issues[i].message);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_end_object(j);
}

/* The "flash" object: what was written and how it was checked. */
static void json_flash(qe_json *j, const qe_flash_report *rep, gboolean with_retries)
{
  qe_json_key(j, "flash");
  qe_json_begin_object(j);
  qe_json_kv_int(j, "bytes", (int64_t)rep->bytes);
  qe_json_kv_number(j, "seconds", rep->seconds);
  if (with_retries)
    qe_json_kv_int(j, "retries", rep->retries);
  qe_json_kv_bool(j, "verified", true);
  qe_json_kv_string(j, "detail", rep->detail);
  qe_json_end_object(j);
}

/* Flashed, but nothing to validate with: say which port --port wants. */
static void say_port_needed(gboolean json, gboolean quiet, const char *which)
{
  if (!json && !quiet)
    printf("Pass --port (%s, see qz boards) to validate on the board.\n", which);
}

/* ---- the command -------------------------------------------------------- */

static void rm_rf(GFile *f)
{
  g_autoptr(GFileEnumerator) en = g_file_enumerate_children(
      f, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (en) {
    GFileInfo *info;
    while ((info = g_file_enumerator_next_file(en, NULL, NULL))) {
      g_autoptr(GFile) child = g_file_get_child(f, g_file_info_get_name(info));
      rm_rf(child);
      g_object_unref(info);
    }
  }
  g_file_delete(f, NULL, NULL);
}

/* Where the runner sources are: the tested source tree, the installed
 * copy, the source tree this qz was built from. */
static char *qz_runner_dir(void)
{
  const char *env = g_getenv("QZ_SOURCE_ROOT");
  if (env && *env)
    return g_build_filename(env, "targets", "runner", NULL);
  char *inst = g_build_filename(PKGDATADIR, "runner", NULL);
  if (g_file_test(inst, G_FILE_TEST_IS_DIR))
    return inst;
  g_free(inst);
  return g_build_filename(SOURCE_ROOT, "targets", "runner", NULL);
}

typedef struct {
  char *board_id, *port, *method, *image, *build_dir, *data, *export_dir;
  int validate, iterations;
  gboolean check, selftest, json, quiet;
} Opts;

static int deploy(const Opts *o, const char *model_path, qe_ctx *ctx, qe_json *j, QzProgress *prog)
{
  g_autofree char *dir = qz_boards_dir();
  qe_board_list *list = NULL;
  qe_qmodel *model = NULL;
  qe_board_check_result chk = { 0 };
  qe_link *link = NULL;
  Qemu qemu = { 0 };
  uint8_t *image = NULL, *inputs = NULL;
  size_t image_len = 0;
  HostModel host = { 0 };
  int rc = QZ_EXIT_ERROR;
  g_autofree char *image_path = NULL;
  char *build_dir = NULL, *built_image = NULL;
  char *inputs_what = NULL;
  size_t n_data = 0;
  gboolean remove_build_dir = FALSE;

  if (qe_board_list_load(dir, &list, ctx) != QE_OK) {
    rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
    goto out;
  }
  const qe_board *b = qe_board_list_find(list, o->board_id);
  if (!b) {
    GString *ids = g_string_new(NULL);
    for (size_t i = 0; i < list->n; i++)
      g_string_append_printf(ids, "%s%s", i ? ", " : "", list->boards[i]->id);
    rc = qz_fail("deploy", "unknown board '%s' (known: %s)", o->board_id, ids->str);
    g_string_free(ids, TRUE);
    goto out;
  }
  if (j) {
    qe_json_kv_string(j, "board", b->id);
  }

  /* 1. Pre-flight check of the model. */
  if (model_path) {
    if (qe_tflite_load(model_path, &model, ctx) != QE_OK ||
        qe_board_check(b, model, &chk, ctx) != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    if (j)
      json_check(j, &chk);
    else if (!o->quiet)
      print_check(b, &chk);
    if (o->check) {
      rc = chk.deployable ? QZ_EXIT_OK : QZ_EXIT_ERROR;
      if (!chk.deployable && !j)
        fprintf(stderr, "qz deploy: %s: the model does not fit or breaks a constraint of %s\n",
                model_path, b->id);
      goto out;
    }
    if (!chk.deployable) {
      rc = qz_fail("deploy", "%s: not deployable to %s (see the check above)", model_path, b->id);
      goto out;
    }
  }

  /* Real validation samples, read now so that bad data stops the
   * deployment before anything is built or flashed. */
  if (model_path && o->data && o->validate > 0) {
    const qe_qtensor *in0 = &model->tensors[model->inputs[0]];
    size_t in_bytes = (size_t)qe_qtensor_count(in0) * qe_qtensor_elem_size(in0);
    if (load_samples(o->data, model, (size_t)o->validate, in_bytes, &inputs, &n_data, &inputs_what,
                     ctx) != QE_OK) {
      rc = qz_fail("deploy", "%s: %s", o->data, qe_ctx_error(ctx));
      goto out;
    }
  }

  /* 2. The image: the runner with the generated model, a prebuilt runner
   * with its self-test model, or what --image names. Boards Quantizer
   * cannot compile for get a project to build with their vendor's tools. */
  uint32_t expect_id = 0;
  gboolean esp = qe_board_has_method(b, "esp-rom"), ti = qe_board_has_method(b, "ccs-project");
  gboolean no_flash = o->method && strcmp(o->method, "none") == 0;
  if (model_path && !o->image && !no_flash && (esp || ti)) {
    g_autofree char *runner_dir = qz_runner_dir();
    g_autofree char *base = g_path_get_basename(model_path);
    g_autofree char *stem = g_strdup(base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
      *dot = '\0';
    g_autofree char *dest =
        o->export_dir ? g_strdup(o->export_dir) : g_strdup_printf("%s-%s", stem, b->id);
    uint32_t id = 0;
    qe_status st = esp ? qe_export_esp_idf(b, model, base, runner_dir, dest, &id, ctx)
                       : qe_export_ccs(b, model, base, runner_dir, dest, &id, ctx);
    qz_progress_done(prog);
    if (st != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    if (j) {
      qe_json_kv_string(j, "method", esp ? "esp-idf-project" : "ccs-project");
      qe_json_kv_string(j, "project", dest);
      qe_json_kv_bool(j, "flashed", false);
      char idbuf[16];
      g_snprintf(idbuf, sizeof idbuf, "%08x", id);
      qe_json_kv_string(j, "model_id", idbuf);
    } else if (!o->quiet && esp) {
      printf(
          "Quantizer cannot build firmware for the %s itself: its ESP32-S3 has an Xtensa\n"
          "core and Debian has no compiler for it. It wrote a ready ESP-IDF project to\n"
          "  %s\n"
          "Build and flash it with Espressif's ESP-IDF (5.0 or later):\n"
          "  cd %s && idf.py set-target esp32s3 && idf.py build flash\n"
          "Then validate it on the board (its \"USB\" connector) with\n"
          "  qz deploy %s --board %s --port /dev/ttyACM0 --method none\n"
          "or let Quantizer flash the image you built, and validate:\n"
          "  qz deploy %s --board %s --port /dev/ttyACM0 --image %s/build/quantizer_runner.bin\n",
          b->name, dest, dest, model_path, b->id, model_path, b->id, dest);
    } else if (!o->quiet) {
      printf("Quantizer cannot build or flash firmware for the %s: its C28x core needs TI's\n"
             "C2000 compiler, and flashing is done in Code Composer Studio or UniFlash. It\n"
             "wrote a ready Code Composer Studio project to\n"
             "  %s\n"
             "Import it in CCS (File > Import > Code Composer Studio > CCS Projects), build,\n"
             "and flash through the LaunchPad's XDS110 (or flash the .out with UniFlash).\n"
             "Read %s/README.md first: it says what was checked without TI's compiler.\n"
             "Then validate it on the board (the XDS110's application/user UART port) with\n"
             "  qz deploy %s --board %s --port /dev/ttyACM0 --method none\n",
             b->name, dest, dest, model_path, b->id);
    }
    rc = QZ_EXIT_OK;
    goto out;
  }
  if (model_path && !o->image && !no_flash) {
    g_autofree char *runner_dir = qz_runner_dir();
    g_autoptr(GError) err = NULL;
    if (o->build_dir) {
      build_dir = g_strdup(o->build_dir);
    } else {
      build_dir = g_dir_make_tmp("qz-deploy-XXXXXX", &err);
      remove_build_dir = TRUE;
    }
    if (!build_dir) {
      rc = qz_fail("deploy", "cannot make a build folder: %s", err->message);
      goto out;
    }
    g_autofree char *base = g_path_get_basename(model_path);
    if (qe_runner_build(b, model, base, runner_dir, build_dir, &built_image, &expect_id, ctx) !=
        QE_OK) {
      qz_progress_done(prog);
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    qz_progress_done(prog);
    image_path = g_strdup(built_image);
    if (!o->quiet && !j)
      printf("Built the runner image with the model: %s\n", built_image);
  }
  if (model_path && !image_path) {
    /* An image built elsewhere (--image, or already on the board with
     * --method none): the runner must report this model's id. */
    g_autoptr(GError) err = NULL;
    g_autofree char *tmp = g_dir_make_tmp("qz-deploy-id-XXXXXX", &err);
    if (!tmp) {
      rc = qz_fail("deploy", "cannot make a temporary folder: %s", err->message);
      goto out;
    }
    qe_status st = qe_runner_model_id(model, tmp, &expect_id, ctx);
    g_autoptr(GFile) tf = g_file_new_for_path(tmp);
    rm_rf(tf);
    if (st != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
  }
  if (no_flash) {
    /* nothing to read: the board runs its firmware already */
  } else if (image_path) {
    /* built above */
  } else if (o->image) {
    image_path = g_strdup(o->image);
  } else {
    if (!b->runner_image) {
      rc = qz_fail(
          "deploy", "%s",
          esp  ? "there is no prebuilt runner for the ESP32-S3 (Debian has no Xtensa compiler): "
                 "give a MODEL to get an ESP-IDF project to build with idf.py, or flash an image "
                 "you built with --image"
          : ti ? "there is no prebuilt runner for the TI LaunchPad: give a MODEL to get a Code "
                 "Composer Studio project, and flash it in CCS or UniFlash"
               : "there is no prebuilt runner for this board; pass --image");
      goto out;
    }
    g_autofree char *fw = qz_firmware_dir();
    image_path = g_build_filename(fw, b->runner_image, NULL);
  }
  if (!no_flash && qe_read_file(image_path, &image, &image_len, ctx) != QE_OK) {
    rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
    goto out;
  }

  /* 3. Flash (or boot in QEMU). */
  const char *method = o->method;
  if (!method)
    method = (!o->port && qe_board_has_method(b, "qemu"))      ? "qemu"
             : qe_board_has_method(b, "stlink-msd")            ? "stlink-msd"
             : qe_board_has_method(b, "stm32-uart") && o->port ? "stm32-uart"
             : qe_board_has_method(b, "esp-rom") && o->port    ? "esp-rom"
                                                               : b->flash_methods[0];
  if (strcmp(method, "none") == 0) {
    if (!o->port) {
      rc = qz_usage_error("deploy", "--method none (validate what the board runs) needs --port");
      goto out;
    }
  } else if (!qe_board_has_method(b, method)) {
    rc = qz_fail("deploy", "%s cannot be flashed with '%s'", b->id, method);
    goto out;
  }
  if (j)
    qe_json_kv_string(j, "method", method);
  const char *runner_port = o->port;
  if (strcmp(method, "none") == 0) {
    if (!o->quiet && !j)
      printf("Not flashing: validating the firmware the board runs now (%s).\n", o->port);
  } else if (strcmp(method, "qemu") == 0) {
    g_autoptr(GError) err = NULL;
    if (!qemu_start(&qemu, b, image_path, &err)) {
      rc = qz_fail("deploy", "cannot start the emulator: %s", err->message);
      goto out;
    }
    runner_port = qemu.pty;
    if (!o->quiet && !j)
      printf("Started %s in qemu-system-arm (-M %s) with its UART on %s.\n", b->name,
             b->qemu_machine, qemu.pty);
  } else if (strcmp(method, "stm32-uart") == 0 || strcmp(method, "esp-rom") == 0) {
    if (!o->port) {
      rc = qz_usage_error("deploy", "--method %s needs --port", method);
      goto out;
    }
    bool stm = strcmp(method, "stm32-uart") == 0;
    qe_port_config cfg = { stm ? (b->stm32_baud ? b->stm32_baud : 115200)
                               : (b->esp_baud ? b->esp_baud : 115200),
                           stm ? QE_PARITY_EVEN : QE_PARITY_NONE };
    qe_port *port = NULL;
    qe_flash_report rep;
    qe_status st = qe_port_open(o->port, &cfg, &port, ctx);
    if (st == QE_OK && stm) {
      qe_stm32_options so = { 0 };
      so.address = (uint32_t)(b->flash_base ? b->flash_base : 0x08000000u);
      so.expect_pid = (uint16_t)b->stm32_pid;
      so.flash_bytes = (uint32_t)b->flash_bytes;
      so.go = true;
      st = qe_stm32_flash(port, &so, image, image_len, &rep, ctx);
    } else if (st == QE_OK) {
      qe_esp_options eo = { 0 };
      eo.offset = b->esp_app_offset ? b->esp_app_offset : 0x10000;
      eo.flash_bytes = (uint32_t)b->flash_bytes;
      eo.reset = qe_port_is_virtual(port) ? QE_ESP_RESET_NONE : QE_ESP_RESET_CLASSIC;
      eo.run = true;
      st = qe_esp_flash(port, &eo, image, image_len, &rep, ctx);
    }
    qe_port_close(port);
    qz_progress_done(prog);
    if (st != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    if (j) {
      json_flash(j, &rep, TRUE);
    } else if (!o->quiet) {
      printf("Flashed %zu bytes in %.1f s (%.1f KiB/s) and verified them by %s (%s%s).\n",
             rep.bytes, rep.seconds, rep.seconds > 0 ? rep.bytes / 1024.0 / rep.seconds : 0.0,
             stm ? "reading them back" : "the chip's MD5", rep.detail,
             rep.retries ? ", with retries" : "");
    }
  } else if (strcmp(method, "stlink-msd") == 0) {
    char *drive = NULL;
    qe_flash_report rep;
    qe_status st = qe_stlink_msd_find(b->mass_storage_label, &drive, ctx);
    if (st == QE_OK)
      st = qe_stlink_msd_flash(drive, image, image_len, 60000, &rep, ctx);
    free(drive);
    qz_progress_done(prog);
    if (st != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    if (j) {
      json_flash(j, &rep, FALSE);
    } else if (!o->quiet) {
      printf("Copied %zu bytes to the ST-LINK drive; the probe programmed and checked them "
             "(%s).\n",
             rep.bytes, rep.detail);
    }
    if (!o->port && o->validate > 0) {
      say_port_needed(j != NULL, o->quiet, "the ST-LINK's serial port");
      rc = QZ_EXIT_OK;
      goto out;
    }
  } else if (strcmp(method, "st-flash") == 0 || strcmp(method, "openocd") == 0 ||
             strcmp(method, "dfu-util") == 0 || strcmp(method, "stm32cubeprogrammer") == 0) {
    qe_flash_tool tool = method[0] == 's' && method[1] == 't' && method[2] == '-' ? QE_TOOL_ST_FLASH
                         : method[0] == 'o'                                       ? QE_TOOL_OPENOCD
                         : method[0] == 'd'                                       ? QE_TOOL_DFU_UTIL
                                            : QE_TOOL_CUBEPROG;
    /* OpenOCD's target script from the part's family (STM32F4 -> stm32f4x). */
    char target[64] = "target/stm32f4x.cfg";
    if (b->mcu && g_str_has_prefix(b->mcu, "STM32") && strlen(b->mcu) >= 7)
      g_snprintf(target, sizeof target, "target/stm32%c%cx.cfg", g_ascii_tolower(b->mcu[5]),
                 b->mcu[6]);
    qe_flash_report rep;
    qe_status st = qe_flash_with_tool(tool, image_path,
                                      (uint32_t)(b->flash_base ? b->flash_base : 0x08000000u),
                                      target, &rep, ctx);
    qz_progress_done(prog);
    if (st != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    if (j) {
      json_flash(j, &rep, FALSE);
    } else if (!o->quiet) {
      printf("Flashed %zu bytes (%s).\n", rep.bytes, rep.detail);
    }
    if (!o->port && o->validate > 0) {
      say_port_needed(j != NULL, o->quiet, "the board's serial port");
      rc = QZ_EXIT_OK;
      goto out;
    }
  } else {
    rc = qz_fail("deploy",
                 "%s is flashed with '%s', which qz cannot do (for the TI board: open the "
                 "project in Code Composer Studio or UniFlash and flash it there)",
                 b->id, method);
    goto out;
  }

  /* 4. On-target validation. */
  if (o->validate <= 0) {
    rc = QZ_EXIT_OK;
    goto out;
  }
  qe_port *port = NULL;
  qe_port_config rcfg = { b->runner_baud, QE_PARITY_NONE };
  /* A board that resets into its new firmware over its own USB (the
   * ESP32-S3's USB-Serial/JTAG) leaves the bus for a moment: its port may
   * be missing for a few seconds. */
  qe_status pst = qe_port_open(runner_port, &rcfg, &port, ctx);
  for (int tries = 0; pst != QE_OK && strcmp(method, "esp-rom") == 0 && tries < 20; tries++) {
    g_usleep(250000);
    pst = qe_port_open(runner_port, &rcfg, &port, ctx);
  }
  if (pst != QE_OK) {
    rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
    goto out;
  }
  link = qe_link_new(port);
  qe_runner_info info;
  if (qe_link_hello(link, 15000, &info, ctx) != QE_OK) {
    rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
    goto out;
  }
  qe_host_run_fn fn = host_selftest;
  void *user = NULL;
  if (model_path) {
    if (qe_qexec_new(model, &host.exec, ctx) != QE_OK) {
      rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
      goto out;
    }
    host.model = model;
    fn = host_qmodel;
    user = &host;
    if (expect_id && info.model_id != expect_id) {
      rc = qz_fail("deploy", "%s: the board runs model %08x ('%s'), not the one just built (%08x)",
                   runner_port, info.model_id, info.model_name, expect_id);
      goto out;
    }
    if (info.input_bytes != (uint32_t)qe_qtensor_count(&model->tensors[model->inputs[0]]) *
                                qe_qtensor_elem_size(&model->tensors[model->inputs[0]]) ||
        info.output_bytes != (uint32_t)qe_qtensor_count(&model->tensors[model->outputs[0]]) *
                                 qe_qtensor_elem_size(&model->tensors[model->outputs[0]])) {
      rc = qz_fail("deploy", "%s: the board's model has other input/output sizes than %s",
                   runner_port, model_path);
      goto out;
    }
  } else {
    qr_model_init();
    if (info.model_id != qr_model_id()) {
      rc = qz_fail("deploy",
                   "%s: the board runs model %08x ('%s'), not this qz's self-test model %08x",
                   runner_port, info.model_id, info.model_name, qr_model_id());
      goto out;
    }
  }
  size_t n = (size_t)o->validate;
  if (inputs) {
    n = n_data; /* read before anything was built or flashed */
  } else {
    /* No data: random int8 inputs (a fixed sequence), and said so. */
    inputs = g_malloc((gsize)n * info.input_bytes + 1);
    guint32 seed = 0x51A7u;
    for (size_t i = 0; i < n * info.input_bytes; i++) {
      seed = seed * 1103515245u + 12345u;
      inputs[i] = (uint8_t)(seed >> 16);
    }
    inputs_what =
        g_strdup_printf("%zu random int8 input%s (no --data given)", n, n == 1 ? "" : "s");
  }
  qe_validation v;
  if (qe_link_validate(link, &info, inputs, n, (uint32_t)o->iterations, fn, user, &v, ctx) !=
      QE_OK) {
    qz_progress_done(prog);
    rc = qz_fail("deploy", "%s", qe_ctx_error(ctx));
    goto out;
  }
  qz_progress_done(prog);
  const char *unit = info.counter == QE_COUNTER_SYSTICK ? "SysTick ticks" : "cycles";
  if (j) {
    qe_json_key(j, "runner");
    qe_json_begin_object(j);
    qe_json_kv_string(j, "board", info.board_id);
    qe_json_kv_string(j, "firmware", info.firmware_version);
    qe_json_kv_string(j, "model", info.model_name);
    qe_json_kv_int(j, "clock_hz", info.clock_hz);
    qe_json_kv_int(j, "free_ram", info.free_ram);
    qe_json_kv_int(j, "arena_bytes", info.arena_bytes);
    qe_json_end_object(j);
    qe_json_key(j, "validation");
    qe_json_begin_object(j);
    qe_json_kv_int(j, "samples", (int64_t)v.samples);
    qe_json_kv_string(j, "inputs", o->data && model_path ? "data" : "random");
    qe_json_kv_string(j, "inputs_detail", inputs_what);
    qe_json_kv_int(j, "mismatched_samples", (int64_t)v.mismatched_samples);
    qe_json_kv_bool(j, "bit_identical", v.mismatched_samples == 0);
    qe_json_kv_string(j, "counter", unit);
    qe_json_kv_int(j, "ticks_min", (int64_t)v.ticks_min);
    qe_json_kv_int(j, "ticks_max", (int64_t)v.ticks_max);
    qe_json_kv_number(j, "ticks_mean", v.ticks_mean);
    qe_json_kv_number(j, "latency_ms", v.ms_mean);
    if (model_path)
      qe_json_kv_number(j, "estimated_ms", chk.est_ms);
    qe_json_kv_int(j, "link_retries", v.link_retries);
    qe_json_end_object(j);
  } else if (!o->quiet) {
    printf("Board: %s, runner %s, model '%s', %u KiB RAM free.\n", info.board_id,
           info.firmware_version, info.model_name, info.free_ram / 1024);
    printf("Inputs: %s.\n", inputs_what);
    if (v.mismatched_samples == 0)
      printf("On-target validation: %zu of %zu samples bit-identical to the host int8 engine.\n",
             v.samples, v.samples);
    else
      printf("On-target validation: %zu of %zu samples DIFFER from the host (first: sample %ld, "
             "byte %ld: board %d, host %d).\n",
             v.mismatched_samples, v.samples, v.first_mismatch_sample, v.first_mismatch_byte,
             v.first_board_value, v.first_host_value);
    printf("Latency on the board: %.3f ms (%.0f %s per inference, %llu..%llu)%s", v.ms_mean,
           v.ticks_mean, unit, (unsigned long long)v.ticks_min, (unsigned long long)v.ticks_max,
           info.counter == QE_COUNTER_SYSTICK ? " [emulated: QEMU virtual time]" : "");
    if (model_path)
      printf("; estimate %.3f ms", chk.est_ms);
    printf(".\n");
  }
  rc = v.mismatched_samples ? QZ_EXIT_ERROR : QZ_EXIT_OK;
  if (rc != QZ_EXIT_OK && !j)
    fprintf(stderr, "qz deploy: the board's outputs differ from the host's\n");

out:
  if (remove_build_dir && build_dir) {
    g_autoptr(GFile) d = g_file_new_for_path(build_dir);
    rm_rf(d);
  }
  g_free(build_dir);
  g_free(inputs_what);
  free(built_image);
  qe_link_free(link);
  qemu_stop(&qemu);
  qe_qexec_free(host.exec);
  g_free(inputs);
  free(image);
  qe_board_check_clear(&chk);
  qe_qmodel_free(model);
  qe_board_list_free(list);
  return rc;
}

int qz_cmd_deploy(int argc, char **argv)
{
  Opts o = { 0 };
  o.validate = -1;
  o.iterations = 1;
  const GOptionEntry entries[] = {
    { "board", 'b', 0, G_OPTION_ARG_STRING, &o.board_id, "Target board (see qz boards)", "ID" },
    { "port", 'p', 0, G_OPTION_ARG_FILENAME, &o.port, "The board's serial port", "DEV" },
    { "validate", 0, 0, G_OPTION_ARG_INT, &o.validate,
      "Run N samples on the board and compare with the host (default 10, 0 to skip)", "N" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &o.data,
      "Validate with real samples: .npz, data folder, CSV, or a YAML configuration (its test "
      "set)",
      "PATH" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &o.iterations,
      "Runs per sample for the latency figures (default 1)", "K" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &o.check,
      "Only check that the model fits and meets the board's constraints", NULL },
    { "selftest", 0, 0, G_OPTION_ARG_NONE, &o.selftest,
      "Deploy the runner's built-in self-test model instead of MODEL", NULL },
    { "method", 0, 0, G_OPTION_ARG_STRING, &o.method,
      "How to flash: qemu, stlink-msd, stm32-uart, st-flash, openocd, dfu-util, "
      "stm32cubeprogrammer, esp-rom; none: do not flash, validate what the board runs",
      "M" },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, &o.export_dir,
      "ESP32-S3 and TI boards: write the firmware project here (default MODEL-BOARD)", "DIR" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &o.image, "Flash this runner image", "FILE" },
    { "build-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.build_dir,
      "Build the runner image here (and keep it)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print JSON on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "No progress output", NULL },
    G_OPTION_ENTRY_NULL,
  };
  int rc;
  if (!qz_parse_options("deploy", "[MODEL]",
                        "Check a quantized model against a board, flash it and validate it on "
                        "the board:\n"
                        "the board's outputs are compared bit for bit with the host int8 engine "
                        "on N samples\n"
                        "(--data: real ones; else random inputs, said so), and the latency "
                        "measured on the\n"
                        "board is shown beside the estimate.\n"
                        "\n"
                        "Boards:\n"
                        "  qemu-*             run in qemu-system-arm, no hardware needed\n"
                        "  nucleo-f446re, nucleo-h743zi2, b-u585i-iot02a\n"
                        "                     runner image built here (prebuilt for --selftest), "
                        "flashed\n"
                        "                     through the ST-LINK drive or a flash tool; needs "
                        "--port (the\n"
                        "                     ST-LINK's serial port) to validate. Checked without "
                        "the board:\n"
                        "                     build, size, memory layout; the clock and UART "
                        "set-up need the board.\n"
                        "  esp32-s3-devkitc-1 Quantizer cannot compile for it (no Xtensa compiler "
                        "in Debian):\n"
                        "                     it writes an ESP-IDF project (build it with idf.py "
                        "build flash);\n"
                        "                     --image flashes what you built, over the ROM "
                        "loader.\n"
                        "  launchxl-f28p55x   it writes a Code Composer Studio project; flashing "
                        "is done in\n"
                        "                     CCS or UniFlash.\n"
                        "  stm32n6570-dk      pre-flight check only (ST's signed boot image is "
                        "not built).\n"
                        "--method none validates the firmware a board already runs.",
                        entries, &argc, &argv, &rc))
    return rc;
  const char *model = argc > 1 ? argv[1] : NULL;
  if (argc > 2)
    rc = qz_usage_error("deploy", "unexpected argument '%s'", argv[2]);
  else if (!o.board_id)
    rc = qz_usage_error("deploy", "--board is required (see qz boards)");
  else if (!model && !o.selftest)
    rc = qz_usage_error("deploy", "give a MODEL, or --selftest");
  else if (model && o.selftest)
    rc = qz_usage_error("deploy", "--selftest takes no MODEL");
  else if (o.check && !model)
    rc = qz_usage_error("deploy", "--check needs a MODEL");
  else if (o.data && !model)
    rc = qz_usage_error("deploy", "--data needs a MODEL (the self-test model takes random inputs)");
  else if (o.data && !g_file_test(o.data, G_FILE_TEST_EXISTS))
    rc = qz_fail("deploy", "%s: no such file or folder", o.data);
  else if (o.iterations < 1 || o.iterations > 1000)
    rc = qz_usage_error("deploy", "--iterations must be within 1..1000");
  else
    rc = -1;
  if (rc < 0) {
    if (o.validate < 0)
      o.validate = 10;
    qe_ctx *ctx = qe_ctx_new();
    QzProgress *prog = qz_progress_new(o.quiet || o.json);
    qe_ctx_set_progress(ctx, qz_progress_cb, prog);
    qe_json *j = o.json ? qe_json_new(true) : NULL;
    if (j)
      qe_json_begin_object(j);
    rc = deploy(&o, model, ctx, j, prog);
    if (j) {
      qe_json_kv_bool(j, "ok", rc == QZ_EXIT_OK);
      qe_json_end_object(j);
      printf("%s\n", qe_json_text(j, NULL));
      qe_json_free(j);
    }
    qz_progress_free(prog);
    qe_ctx_free(ctx);
  }
  g_free(o.board_id);
  g_free(o.port);
  g_free(o.method);
  g_free(o.image);
  g_free(o.build_dir);
  g_free(o.data);
  g_free(o.export_dir);
  return rc;
}
