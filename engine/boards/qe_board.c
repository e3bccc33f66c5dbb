/* qe_board.c - board description files (the YAML files of targets/).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include "qe/qe_board.h"
#include "qe/qe_yaml.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static const char *const cores[] = { "cortex-m0plus", "cortex-m3",  "cortex-m4",
                                     "cortex-m7",     "cortex-m33", "cortex-m55",
                                     "xtensa-lx7",    "c28x",       NULL };
static const char *const methods[] = { "stlink-msd", "stm32-uart",  "st-flash",
                                       "openocd",    "dfu-util",    "stm32cubeprogrammer",
                                       "esp-rom",    "ccs-project", "qemu",
                                       NULL };
static const char *const usb_kinds[] = { "probe", "bridge", "native", NULL };
static const char *const granularities[] = { "per-channel", "per-tensor", NULL };
static const char *const io_types[] = { "int8", "uint8", "float", NULL };
static const char *const counters[] = { "dwt", "systick", "ccount", NULL };
static const char *const mac_keys[] = { "conv", "depthwise", "fully_connected", "npu", NULL };
static const char *const elem_keys[] = { "elementwise", "pool",     "activation", "softmax",
                                         "movement",    "quantize", NULL };
static const qe_op_class elem_class[] = { QE_OPC_ELEMENTWISE, QE_OPC_POOL,     QE_OPC_ACTIVATION,
                                          QE_OPC_SOFTMAX,     QE_OPC_MOVEMENT, QE_OPC_QUANTIZE };

typedef struct {
  qe_board *b;
  qe_ctx *ctx;
} loader;

static qe_status want_kind(loader *L, const qe_yaml_node *n, qe_yaml_kind k, const char *what)
{
  if (qe_yaml_node_kind(n) != k) {
    char path[256];
    return qe_yaml_error(L->ctx, QE_ERR_PARSE, n, "%s must be %s",
                         qe_yaml_node_path(n, path, sizeof path), what);
  }
  return QE_OK;
}

static qe_status get_str(loader *L, const qe_yaml_node *n, char **out)
{
  const char *s = NULL;
  qe_status st = qe_yaml_node_string(n, &s, L->ctx);
  if (st != QE_OK)
    return st;
  free(*out);
  *out = qe_strdup(s);
  return *out ? QE_OK : qe_error(L->ctx, QE_ERR_NOMEM, "out of memory");
}

static qe_status get_u64(loader *L, const qe_yaml_node *n, uint64_t max, uint64_t *out)
{
  int64_t v = 0;
  qe_status st = qe_yaml_node_int(n, &v, L->ctx);
  if (st != QE_OK)
    return st;
  if (v < 0 || (uint64_t)v > max) {
    char path[256];
    return qe_yaml_error(L->ctx, QE_ERR_PARSE, n, "%s is out of range (0..%llu)",
                         qe_yaml_node_path(n, path, sizeof path), (unsigned long long)max);
  }
  *out = (uint64_t)v;
  return QE_OK;
}

static qe_status get_u32(loader *L, const qe_yaml_node *n, uint32_t *out)
{
  uint64_t v = 0;
  qe_status st = get_u64(L, n, UINT32_MAX, &v);
  if (st == QE_OK)
    *out = (uint32_t)v;
  return st;
}

static qe_status get_int(loader *L, const qe_yaml_node *n, int max, int *out)
{
  uint64_t v = 0;
  qe_status st = get_u64(L, n, (uint64_t)max, &v);
  if (st == QE_OK)
    *out = (int)v;
  return st;
}

static qe_status get_double(loader *L, const qe_yaml_node *n, double *out)
{
  qe_status st = qe_yaml_node_double(n, out, L->ctx);
  if (st == QE_OK && !(*out >= 0 && *out < 1e9)) {
    char path[256];
    return qe_yaml_error(L->ctx, QE_ERR_PARSE, n, "%s must be a non-negative number",
                         qe_yaml_node_path(n, path, sizeof path));
  }
  return st;
}

static qe_status get_enum_str(loader *L, const qe_yaml_node *n, const char *const *choices,
                              char **out)
{
  int idx;
  qe_status st = qe_yaml_node_enum(n, choices, &idx, L->ctx);
  if (st != QE_OK)
    return st;
  free(*out);
  *out = qe_strdup(choices[idx]);
  return QE_OK;
}

static qe_status get_bits(loader *L, const qe_yaml_node *n, int *bits, size_t *count)
{
  qe_status st = want_kind(L, n, QE_YAML_SEQ, "a list of bit widths such as [8, 4]");
  *count = 0;
  for (size_t i = 0; st == QE_OK && i < qe_yaml_node_count(n); i++) {
    qe_yaml_node *it = qe_yaml_node_item(n, i);
    int v = 0;
    st = get_int(L, it, 8, &v);
    if (st == QE_OK && v != 8 && v != 4 && v != 2)
      return qe_yaml_error(L->ctx, QE_ERR_PARSE, it, "bit width must be 8, 4 or 2, not %d", v);
    if (st == QE_OK && *count < 3)
      bits[(*count)++] = v;
  }
  return st;
}

static qe_status get_str_list(loader *L, const qe_yaml_node *n, const char *const *choices,
                              char ***out, size_t *count)
{
  qe_status st = want_kind(L, n, QE_YAML_SEQ, "a list");
  if (st != QE_OK)
    return st;
  size_t k = qe_yaml_node_count(n);
  char **v = calloc(k + 1, sizeof *v);
  if (!v)
    return qe_error(L->ctx, QE_ERR_NOMEM, "out of memory");
  *out = v;
  *count = 0;
  for (size_t i = 0; i < k; i++) {
    qe_yaml_node *it = qe_yaml_node_item(n, i);
    st = choices ? get_enum_str(L, it, choices, &v[i]) : get_str(L, it, &v[i]);
    if (st != QE_OK)
      return st;
    (*count)++;
  }
  return QE_OK;
}

static qe_status unknown(loader *L, const qe_yaml_node *map, size_t i)
{
  char path[256];
  const qe_yaml_node *k = qe_yaml_node_key_node(map, i);
  const char *p = qe_yaml_node_path(map, path, sizeof path);
  return qe_yaml_error(L->ctx, QE_ERR_PARSE, k, "unknown key '%s'%s%s", qe_yaml_node_key(map, i),
                       *p ? " in " : "", p);
}

/* FOR_KEYS walks a map binding key, val and i_; nested maps shadow the
 * outer bindings on purpose (the inner loop only sees its own map). */
#pragma GCC diagnostic ignored "-Wshadow"
#define FOR_KEYS(map)                                                    \
  for (size_t i_ = 0; st == QE_OK && i_ < qe_yaml_node_count(map); i_++) \
    for (const char *key = qe_yaml_node_key(map, i_); key; key = NULL)   \
      for (qe_yaml_node *val = qe_yaml_node_item(map, i_); val; val = NULL)
#define KEY(k) (strcmp(key, (k)) == 0)

static qe_status load_usb(loader *L, const qe_yaml_node *n)
{
  qe_status st = want_kind(L, n, QE_YAML_SEQ, "a list of {vid, pid, kind, name}");
  if (st != QE_OK)
    return st;
  size_t k = qe_yaml_node_count(n);
  L->b->usb = calloc(k + 1, sizeof *L->b->usb);
  if (!L->b->usb)
    return qe_error(L->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t j = 0; st == QE_OK && j < k; j++) {
    qe_yaml_node *e = qe_yaml_node_item(n, j);
    qe_board_usb *u = &L->b->usb[j];
    L->b->n_usb++;
    st = want_kind(L, e, QE_YAML_MAP, "a map {vid, pid, kind, name}");
    bool have_vid = false, have_pid = false;
    FOR_KEYS(e)
    {
      uint64_t v = 0;
      if (KEY("vid") || KEY("pid")) {
        st = get_u64(L, val, 0xFFFF, &v);
        if (KEY("vid"))
          u->vid = (uint16_t)v, have_vid = true;
        else
          u->pid = (uint16_t)v, have_pid = true;
      } else if (KEY("kind")) {
        int idx;
        st = qe_yaml_node_enum(val, usb_kinds, &idx, L->ctx);
        u->kind = (qe_usb_kind)idx;
      } else if (KEY("name")) {
        st = get_str(L, val, &u->name);
      } else {
        st = unknown(L, e, i_);
      }
    }
    if (st == QE_OK && (!have_vid || !have_pid))
      st = qe_yaml_error(L->ctx, QE_ERR_PARSE, e, "a usb entry needs vid and pid");
  }
  return st;
}

static qe_status load_npu(loader *L, const qe_yaml_node *n)
{
  qe_board_npu *p = &L->b->npu;
  qe_status st = want_kind(L, n, QE_YAML_MAP, "a map");
  L->b->has_npu = true;
  FOR_KEYS(n)
  {
    if (KEY("name"))
      st = get_str(L, val, &p->name);
    else if (KEY("ops"))
      st = get_str_list(L, val, NULL, &p->ops, &p->n_ops);
    else if (KEY("weight_granularity") || KEY("activation_granularity")) {
      char *g = NULL;
      st = get_enum_str(L, val, granularities, &g);
      bool pt = g && strcmp(g, "per-tensor") == 0;
      if (KEY("weight_granularity")) {
        p->per_tensor_weights = pt;
        p->per_channel_weights = !pt;
      } else {
        p->per_tensor_activations = pt;
      }
      free(g);
    } else if (KEY("weight_bits"))
      st = get_bits(L, val, p->weight_bits, &p->n_weight_bits);
    else if (KEY("power_of_two_scales"))
      st = qe_yaml_node_bool(val, &p->power_of_two_scales, L->ctx);
    else if (KEY("channel_multiple"))
      st = get_int(L, val, 1024, &p->channel_multiple);
    else if (KEY("first_conv_input_channels"))
      st = get_int(L, val, 1024, &p->first_conv_input_channels);
    else if (KEY("first_conv_max_kernel_w"))
      st = get_int(L, val, 1024, &p->first_conv_max_kernel_w);
    else if (KEY("conv_max_kernel_h"))
      st = get_int(L, val, 1024, &p->conv_max_kernel_h);
    else if (KEY("depthwise_max_kernel_w"))
      st = get_int(L, val, 1024, &p->depthwise_max_kernel_w);
    else if (KEY("maxpool_max_kernel"))
      st = get_int(L, val, 1024, &p->maxpool_max_kernel);
    else if (KEY("avgpool_min_hw"))
      st = get_int(L, val, 1 << 20, &p->avgpool_min_hw);
    else if (KEY("conv_strides")) {
      st = want_kind(L, val, QE_YAML_SEQ, "a list of [h, w] strides");
      for (size_t j = 0; st == QE_OK && j < qe_yaml_node_count(val) && j < 8; j++) {
        qe_yaml_node *s = qe_yaml_node_item(val, j);
        st = want_kind(L, s, QE_YAML_SEQ, "a [h, w] pair");
        if (st == QE_OK && qe_yaml_node_count(s) != 2)
          st = qe_yaml_error(L->ctx, QE_ERR_PARSE, s, "a stride is a [h, w] pair");
        if (st == QE_OK)
          st = get_int(L, qe_yaml_node_item(s, 0), 64, &p->conv_strides[j][0]);
        if (st == QE_OK)
          st = get_int(L, qe_yaml_node_item(s, 1), 64, &p->conv_strides[j][1]);
        if (st == QE_OK)
          p->n_conv_strides++;
      }
    } else if (KEY("fc_min_inputs")) {
      st = want_kind(L, val, QE_YAML_MAP, "a map {8: N, 4: N}");
      for (size_t j = 0; st == QE_OK && j < qe_yaml_node_count(val); j++) {
        const char *bits = qe_yaml_node_key(val, j);
        int *dst = strcmp(bits, "8") == 0   ? &p->fc_min_inputs_8
                   : strcmp(bits, "4") == 0 ? &p->fc_min_inputs_4
                                            : NULL;
        if (!dst)
          st = unknown(L, val, j);
        else
          st = get_int(L, qe_yaml_node_item(val, j), 1 << 20, dst);
      }
    } else
      st = unknown(L, n, i_);
  }
  return st;
}

static qe_status load_latency(loader *L, const qe_yaml_node *n)
{
  qe_board *b = L->b;
  qe_status st = want_kind(L, n, QE_YAML_MAP, "a map");
  FOR_KEYS(n)
  {
    if (KEY("cycles_per_layer")) {
      st = get_double(L, val, &b->cycles_per_layer);
    } else if (KEY("cycles_per_mac") || KEY("cycles_per_element")) {
      bool mac = KEY("cycles_per_mac");
      st = want_kind(L, val, QE_YAML_MAP, "a map of op class to cycles");
      for (size_t j = 0; st == QE_OK && j < qe_yaml_node_count(val); j++) {
        const char *const *keys = mac ? mac_keys : elem_keys;
        int idx = -1;
        for (int k = 0; keys[k]; k++)
          if (strcmp(keys[k], qe_yaml_node_key(val, j)) == 0)
            idx = k;
        if (idx < 0) {
          st = unknown(L, val, j);
          break;
        }
        double *dst = mac ? (idx == 3 ? &b->npu_cycles_per_mac : &b->cycles_per_mac[idx])
                          : &b->cycles_per_element[elem_class[idx]];
        st = get_double(L, qe_yaml_node_item(val, j), dst);
      }
    } else {
      st = unknown(L, n, i_);
    }
  }
  return st;
}

static qe_status load_root(loader *L, const qe_yaml_node *root)
{
  qe_board *b = L->b;
  qe_status st = want_kind(L, root, QE_YAML_MAP, "a map of board properties");
  FOR_KEYS(root)
  {
    if (KEY("id"))
      st = get_str(L, val, &b->id);
    else if (KEY("name"))
      st = get_str(L, val, &b->name);
    else if (KEY("vendor"))
      st = get_str(L, val, &b->vendor);
    else if (KEY("mcu"))
      st = get_str(L, val, &b->mcu);
    else if (KEY("core"))
      st = get_enum_str(L, val, cores, &b->core);
    else if (KEY("fpu"))
      st = qe_yaml_node_bool(val, &b->fpu, L->ctx);
    else if (KEY("clock_hz"))
      st = get_u64(L, val, 10000000000ull, &b->clock_hz);
    else if (KEY("memory")) {
      st = want_kind(L, val, QE_YAML_MAP, "a map {flash_bytes, ram_bytes, flash_base}");
      const qe_yaml_node *m = val;
      FOR_KEYS(m)
      {
        if (KEY("flash_bytes"))
          st = get_u64(L, val, 1ull << 40, &b->flash_bytes);
        else if (KEY("ram_bytes"))
          st = get_u64(L, val, 1ull << 40, &b->ram_bytes);
        else if (KEY("flash_base"))
          st = get_u64(L, val, UINT32_MAX, &b->flash_base);
        else
          st = unknown(L, m, i_);
      }
    } else if (KEY("usb"))
      st = load_usb(L, val);
    else if (KEY("flash_methods"))
      st = get_str_list(L, val, methods, &b->flash_methods, &b->n_flash_methods);
    else if (KEY("mass_storage_label"))
      st = get_str(L, val, &b->mass_storage_label);
    else if (KEY("stm32_bootloader")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map {product_id, baud}");
      FOR_KEYS(m)
      {
        if (KEY("product_id"))
          st = get_u32(L, val, &b->stm32_pid);
        else if (KEY("baud"))
          st = get_u32(L, val, &b->stm32_baud);
        else
          st = unknown(L, m, i_);
      }
    } else if (KEY("esp_rom")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map {chip_magic, app_offset, baud}");
      FOR_KEYS(m)
      {
        if (KEY("chip_magic"))
          st = get_u32(L, val, &b->esp_chip_magic);
        else if (KEY("app_offset"))
          st = get_u32(L, val, &b->esp_app_offset);
        else if (KEY("baud"))
          st = get_u32(L, val, &b->esp_baud);
        else
          st = unknown(L, m, i_);
      }
    } else if (KEY("emulator")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map {qemu_machine, image_base}");
      FOR_KEYS(m)
      {
        if (KEY("qemu_machine"))
          st = get_str(L, val, &b->qemu_machine);
        else if (KEY("image_base"))
          st = get_u64(L, val, UINT32_MAX, &b->image_base);
        else
          st = unknown(L, m, i_);
      }
    } else if (KEY("runner")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map {image, baud, counter}");
      FOR_KEYS(m)
      {
        if (KEY("image"))
          st = get_str(L, val, &b->runner_image);
        else if (KEY("baud"))
          st = get_u32(L, val, &b->runner_baud);
        else if (KEY("counter"))
          st = get_enum_str(L, val, counters, &b->counter);
        else if (KEY("cpu"))
          st = get_str(L, val, &b->runner_cpu);
        else if (KEY("glue"))
          st = get_str(L, val, &b->runner_glue);
        else if (KEY("linker_script"))
          st = get_str(L, val, &b->runner_ld);
        else if (KEY("defines"))
          st = get_str_list(L, val, NULL, &b->runner_defines, &b->n_runner_defines);
        else
          st = unknown(L, m, i_);
      }
    } else if (KEY("weight_bits"))
      st = get_bits(L, val, b->weight_bits, &b->n_weight_bits);
    else if (KEY("activation_bits"))
      st = get_bits(L, val, b->activation_bits, &b->n_activation_bits);
    else if (KEY("quantization")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map");
      FOR_KEYS(m)
      {
        if (KEY("granularity"))
          st = get_enum_str(L, val, granularities, &b->q_granularity);
        else if (KEY("weight_bits"))
          st = get_int(L, val, 8, &b->q_weight_bits);
        else if (KEY("activation_bits"))
          st = get_int(L, val, 8, &b->q_activation_bits);
        else if (KEY("power_of_two"))
          st = qe_yaml_node_bool(val, &b->q_power_of_two, L->ctx);
        else if (KEY("input_type"))
          st = get_enum_str(L, val, io_types, &b->q_input_type);
        else if (KEY("output_type"))
          st = get_enum_str(L, val, io_types, &b->q_output_type);
        else if (KEY("calib_method")) {
          static const char *const calib[] = { "minmax",     "moving-average",
                                               "percentile", "entropy",
                                               "mse",        NULL };
          int idx;
          st = qe_yaml_node_enum(val, calib, &idx, L->ctx);
        } else if (KEY("equalize") || KEY("bias_correction") || KEY("reduce_range") ||
                   KEY("activation_symmetric")) {
          bool v; /* read by qe_quant_options_from_board() */
          st = qe_yaml_node_bool(val, &v, L->ctx);
        } else
          st = unknown(L, m, i_);
      }
    } else if (KEY("constraints")) {
      const qe_yaml_node *m = val;
      st = want_kind(L, m, QE_YAML_MAP, "a map");
      FOR_KEYS(m)
      {
        char *g = NULL;
        if (KEY("weight_granularity")) {
          st = get_enum_str(L, val, granularities, &g);
          b->c_per_tensor_weights = g && strcmp(g, "per-tensor") == 0;
        } else if (KEY("activation_granularity")) {
          st = get_enum_str(L, val, granularities, &g);
          b->c_per_tensor_activations = g && strcmp(g, "per-tensor") == 0;
        } else if (KEY("power_of_two_scales"))
          st = qe_yaml_node_bool(val, &b->c_power_of_two_scales, L->ctx);
        else
          st = unknown(L, m, i_);
        free(g);
      }
    } else if (KEY("npu"))
      st = load_npu(L, val);
    else if (KEY("latency"))
      st = load_latency(L, val);
    else
      st = unknown(L, root, i_);
  }
  if (st != QE_OK)
    return st;
  const char *missing = !b->id                ? "id"
                        : !b->name            ? "name"
                        : !b->vendor          ? "vendor"
                        : !b->core            ? "core"
                        : !b->clock_hz        ? "clock_hz"
                        : !b->flash_bytes     ? "memory.flash_bytes"
                        : !b->ram_bytes       ? "memory.ram_bytes"
                        : !b->n_flash_methods ? "flash_methods"
                                              : NULL;
  if (missing)
    return qe_yaml_error(L->ctx, QE_ERR_PARSE, root, "the board description has no %s", missing);
  if (qe_board_has_method(b, "qemu") && !b->qemu_machine)
    return qe_yaml_error(L->ctx, QE_ERR_PARSE, root,
                         "flash method qemu needs emulator.qemu_machine");
  if (!b->runner_baud)
    b->runner_baud = 115200;
  return QE_OK;
}

qe_status qe_board_load(const char *path, qe_board **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_yaml_doc *doc = NULL;
  qe_status st = qe_yaml_load_file(path, &doc, ctx);
  if (st != QE_OK)
    return st;
  qe_board *b = calloc(1, sizeof *b);
  if (!b) {
    qe_yaml_doc_free(doc);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  b->path = qe_strdup(path);
  loader L = { b, ctx };
  st = load_root(&L, qe_yaml_root(doc));
  qe_yaml_doc_free(doc);
  if (st != QE_OK) {
    qe_board_free(b);
    return st;
  }
  *out = b;
  return QE_OK;
}

static void free_strv(char **v, size_t n)
{
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void qe_board_free(qe_board *b)
{
  if (!b)
    return;
  free(b->path);
  free(b->id);
  free(b->name);
  free(b->vendor);
  free(b->mcu);
  free(b->core);
  for (size_t i = 0; i < b->n_usb; i++)
    free(b->usb[i].name);
  free(b->usb);
  free_strv(b->flash_methods, b->n_flash_methods);
  free(b->mass_storage_label);
  free(b->qemu_machine);
  free(b->runner_image);
  free(b->counter);
  free(b->runner_cpu);
  free(b->runner_glue);
  free(b->runner_ld);
  free_strv(b->runner_defines, b->n_runner_defines);
  free(b->q_granularity);
  free(b->q_input_type);
  free(b->q_output_type);
  free(b->npu.name);
  free_strv(b->npu.ops, b->npu.n_ops);
  free(b);
}

bool qe_board_has_method(const qe_board *b, const char *m)
{
  for (size_t i = 0; b && i < b->n_flash_methods; i++)
    if (strcmp(b->flash_methods[i], m) == 0)
      return true;
  return false;
}

static int cmp_board(const void *a, const void *b)
{
  return strcmp((*(qe_board *const *)a)->id, (*(qe_board *const *)b)->id);
}

qe_status qe_board_list_load(const char *dir, qe_board_list **out, qe_ctx *ctx)
{
  *out = NULL;
  DIR *d = opendir(dir);
  if (!d)
    return qe_error(ctx, QE_ERR_IO, "%s: cannot open the board descriptions folder", dir);
  qe_board_list *l = calloc(1, sizeof *l);
  size_t cap = 0;
  qe_status st = l ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  struct dirent *e;
  while (st == QE_OK && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
      continue;
    char *path = qe_strdup_printf("%s/%s", dir, e->d_name);
    qe_board *b = NULL;
    st = path ? qe_board_load(path, &b, ctx) : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    free(path);
    if (st == QE_OK && !qe_grow((void **)&l->boards, &cap, l->n + 1, sizeof *l->boards)) {
      qe_board_free(b);
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    if (st == QE_OK) {
      for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->boards[i]->id, b->id) == 0) {
          st = qe_error(ctx, QE_ERR_PARSE, "%s: board id '%s' is also used by %s", b->path, b->id,
                        l->boards[i]->path);
          qe_board_free(b);
          b = NULL;
          break;
        }
      if (b)
        l->boards[l->n++] = b;
    }
  }
  closedir(d);
  if (st != QE_OK) {
    qe_board_list_free(l);
    return st;
  }
  qsort(l->boards, l->n, sizeof *l->boards, cmp_board);
  *out = l;
  return QE_OK;
}

void qe_board_list_free(qe_board_list *l)
{
  if (!l)
    return;
  for (size_t i = 0; i < l->n; i++)
    qe_board_free(l->boards[i]);
  free(l->boards);
  free(l);
}

const qe_board *qe_board_list_find(const qe_board_list *l, const char *id)
{
  for (size_t i = 0; l && id && i < l->n; i++)
    if (strcmp(l->boards[i]->id, id) == 0)
      return l->boards[i];
  return NULL;
}
