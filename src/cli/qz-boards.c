/* qz-boards.c - `qz boards`: boards known and boards connected now.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "qe/qe.h"
#include "qe/qe_board.h"
#include "qe/qe_json.h"
#include "qz-cli.h"

/* Where the board descriptions are: $QZ_BOARDS_DIR, the source tree of a
 * build being tested ($QZ_SOURCE_ROOT/targets), the installed copy, and
 * finally the source tree this qz was built from. */
char *qz_boards_dir(void)
{
  const char *env = g_getenv("QZ_BOARDS_DIR");
  if (env && *env)
    return g_strdup(env);
  env = g_getenv("QZ_SOURCE_ROOT");
  if (env && *env)
    return g_build_filename(env, "targets", NULL);
  char *inst = g_build_filename(PKGDATADIR, "boards", NULL);
  if (g_file_test(inst, G_FILE_TEST_IS_DIR))
    return inst;
  g_free(inst);
  return g_build_filename(SOURCE_ROOT, "targets", NULL);
}

/* Where prebuilt runner images are: $QZ_FIRMWARE_DIR, the build tree
 * ($QZ_BUILD_ROOT/targets, then BUILD_ROOT/targets), the installed copy. */
char *qz_firmware_dir(void)
{
  const char *env = g_getenv("QZ_FIRMWARE_DIR");
  if (env && *env)
    return g_strdup(env);
  env = g_getenv("QZ_BUILD_ROOT");
  if (env && *env)
    return g_build_filename(env, "targets", NULL);
  char *inst = g_build_filename(PKGDATADIR, "firmware", NULL);
  if (g_file_test(inst, G_FILE_TEST_IS_DIR))
    return inst;
  g_free(inst);
  return g_build_filename(BUILD_ROOT, "targets", NULL);
}

static void json_board(qe_json *j, const qe_board *b)
{
  qe_json_begin_object(j);
  qe_json_kv_string(j, "id", b->id);
  qe_json_kv_string(j, "name", b->name);
  qe_json_kv_string(j, "vendor", b->vendor);
  qe_json_kv_string(j, "mcu", b->mcu);
  qe_json_kv_string(j, "core", b->core);
  qe_json_kv_int(j, "clock_hz", (int64_t)b->clock_hz);
  qe_json_kv_int(j, "flash_bytes", (int64_t)b->flash_bytes);
  qe_json_kv_int(j, "ram_bytes", (int64_t)b->ram_bytes);
  qe_json_key(j, "flash_methods");
  qe_json_begin_array(j);
  for (size_t i = 0; i < b->n_flash_methods; i++)
    qe_json_string(j, b->flash_methods[i]);
  qe_json_end_array(j);
  qe_json_key(j, "usb");
  qe_json_begin_array(j);
  for (size_t i = 0; i < b->n_usb; i++) {
    char id[16];
    qe_json_begin_object(j);
    g_snprintf(id, sizeof id, "%04x:%04x", b->usb[i].vid, b->usb[i].pid);
    qe_json_kv_string(j, "id", id);
    qe_json_kv_string(j, "name", b->usb[i].name);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_key(j, "weight_bits");
  qe_json_begin_array(j);
  for (size_t i = 0; i < b->n_weight_bits; i++)
    qe_json_int(j, b->weight_bits[i]);
  qe_json_end_array(j);
  qe_json_kv_bool(j, "npu", b->has_npu);
  qe_json_kv_bool(j, "emulated", b->qemu_machine != NULL);
  qe_json_end_object(j);
}

static void json_port(qe_json *j, const qe_detected_port *d)
{
  char id[16];
  qe_json_begin_object(j);
  qe_json_kv_string(j, "port", d->port);
  if (d->vid || d->pid) {
    g_snprintf(id, sizeof id, "%04x:%04x", d->vid, d->pid);
    qe_json_kv_string(j, "usb_id", id);
  } else {
    qe_json_key(j, "usb_id");
    qe_json_null(j);
  }
  qe_json_kv_string(j, "manufacturer", d->manufacturer);
  qe_json_kv_string(j, "product", d->product);
  qe_json_kv_string(j, "serial", d->serial);
  qe_json_kv_string(j, "probe", d->probe);
  qe_json_key(j, "boards");
  qe_json_begin_array(j);
  for (size_t k = 0; k < d->n_boards; k++)
    qe_json_string(j, d->boards[k]->id);
  qe_json_end_array(j);
  qe_json_end_object(j);
}

int qz_cmd_boards(int argc, char **argv)
{
  gboolean json = FALSE, all_ports = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON on stdout", NULL },
    { "all-ports", 0, 0, G_OPTION_ARG_NONE, &all_ports,
      "Also list serial ports that are not USB boards", NULL },
    G_OPTION_ENTRY_NULL,
  };
  int rc;
  if (!qz_parse_options("boards", "",
                        "List the boards Quantizer knows and the ones plugged in now.", entries,
                        &argc, &argv, &rc))
    return rc;
  if (argc > 1)
    return qz_usage_error("boards", "unexpected argument '%s'", argv[1]);
  g_autofree char *dir = qz_boards_dir();
  qe_ctx *ctx = qe_ctx_new();
  qe_board_list *list = NULL;
  qe_detected_port *ports = NULL;
  size_t n = 0;
  if (qe_board_list_load(dir, &list, ctx) != QE_OK ||
      qe_board_detect(list, &ports, &n, ctx) != QE_OK) {
    rc = qz_fail("boards", "%s", qe_ctx_error(ctx));
    qe_board_list_free(list);
    qe_ctx_free(ctx);
    return rc;
  }
  if (json) {
    qe_json *j = qe_json_new(true);
    qe_json_begin_object(j);
    qe_json_key(j, "boards");
    qe_json_begin_array(j);
    for (size_t i = 0; i < list->n; i++)
      json_board(j, list->boards[i]);
    qe_json_end_array(j);
    qe_json_key(j, "connected");
    qe_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
      if (all_ports || ports[i].vid || ports[i].pid)
        json_port(j, &ports[i]);
    qe_json_end_array(j);
    qe_json_end_object(j);
    printf("%s\n", qe_json_text(j, NULL));
    qe_json_free(j);
  } else {
    printf("Boards Quantizer knows (%zu):\n", list->n);
    for (size_t i = 0; i < list->n; i++) {
      const qe_board *b = list->boards[i];
      printf("  %-20s %-26s %-11s %4.0f MHz  flash %6.0f KiB  RAM %5.0f KiB%s\n", b->id, b->name,
             b->core, b->clock_hz / 1e6, b->flash_bytes / 1024.0, b->ram_bytes / 1024.0,
             b->has_npu ? "  NPU" : "");
    }
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
      const qe_detected_port *d = &ports[i];
      if (!all_ports && !d->vid && !d->pid)
        continue;
      if (shown++ == 0)
        printf("\nConnected now:\n");
      printf("  %-16s", d->port);
      if (d->vid || d->pid)
        printf(" %04x:%04x", d->vid, d->pid);
      printf(" %s", d->probe ? d->probe : d->product ? d->product : "serial port");
      if (d->serial)
        printf(" (serial %s)", d->serial);
      if (d->n_boards) {
        printf(" -> ");
        for (size_t k = 0; k < d->n_boards; k++)
          printf("%s%s", k ? ", " : "", d->boards[k]->id);
      }
      printf("\n");
    }
    if (shown == 0)
      printf(
          "\nNo boards connected (emulated boards need none: try --board qemu-netduinoplus2).\n");
  }
  qe_detected_free(ports, n);
  qe_board_list_free(list);
  qe_ctx_free(ctx);
  return QZ_EXIT_OK;
}
