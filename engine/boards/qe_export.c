/* qe_export.c - ready-to-build firmware projects for boards Quantizer
 * cannot compile for itself: an ESP-IDF project for the ESP32-S3 (Debian
 * has no Xtensa compiler) and a Code Composer Studio project for the TI
 * C2000 LaunchPad (TI's cl2000 compiler).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both hold the same pieces as a Cortex-M runner image: the portable
 * protocol loop (targets/runner/runner.c, runner_crc.c), the model slot
 * around the generated C module (generated_model.c + engine/codegen's
 * model.c/model.h and the engine's own int8 kernels), and the board's glue
 * (targets/runner/boards/esp32s3.c, targets/runner/ti/).
 */
#include "qe_internal.h"

#include "qe/qe_board.h"
#include "qe/qe_board_link.h"
#include "qe/qe_codegen.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_qmodel.h"
#include "qe_qmodel_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

typedef struct {
  char *s;
  size_t len, cap;
  bool oom;
} text_t;

static void tx(text_t *t, const char *fmt, ...) QE_PRINTF(2, 3);

static void tx(text_t *t, const char *fmt, ...)
{
  va_list ap;
  if (t->oom)
    return;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !qe_grow((void **)&t->s, &t->cap, t->len + (size_t)n + 1, 1)) {
    t->oom = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

static qe_status write_text(const char *dir, const char *name, text_t *t, qe_ctx *ctx)
{
  if (t->oom)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory writing %s", name);
  char *path = qe_strdup_printf("%s/%s", dir, name);
  if (!path)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = qe_write_file_atomic(path, t->s ? t->s : "", t->len, ctx);
  free(path);
  free(t->s);
  memset(t, 0, sizeof *t);
  return st;
}

/* Copy @name from @from_dir (optionally a sub-folder path) to @to_dir/@as. */
static qe_status copy_file(const char *from_dir, const char *name, const char *to_dir,
                           const char *as, qe_ctx *ctx)
{
  char *src = qe_strdup_printf("%s/%s", from_dir, name);
  char *dst = qe_strdup_printf("%s/%s", to_dir, as ? as : name);
  uint8_t *data = NULL;
  size_t len = 0;
  qe_status st = src && dst ? qe_read_file(src, &data, &len, ctx)
                            : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (st == QE_OK)
    st = qe_write_file_atomic(dst, data, len, ctx);
  free(data);
  free(src);
  free(dst);
  return st;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of @dir's files ending in @suffix, sorted. */
static qe_status list_dir_suffix(const char *dir, const char *suffix, char ***out, size_t *n,
                                 qe_ctx *ctx)
{
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d)
    return qe_error(ctx, QE_ERR_IO, "%s: %s", dir, strerror(errno));
  size_t cap = 0, sl = strlen(suffix);
  qe_status st = QE_OK;
  struct dirent *e;
  while (st == QE_OK && (e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
      continue;
    char *copy = qe_strdup(e->d_name);
    if (!copy || !qe_grow((void **)out, &cap, *n + 1, sizeof **out)) {
      free(copy);
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    (*out)[(*n)++] = copy;
  }
  closedir(d);
  if (*n > 1)
    qsort(*out, *n, sizeof **out, cmp_str);
  return st;
}

/* The model name as the runner shows it: 48 characters, no quotes,
 * backslashes or control characters (it goes into a C string literal). */
static void clean_name(const char *in, char out[49])
{
  size_t k = 0;
  for (const char *p = in ? in : "model"; *p && k < 48; p++)
    out[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
  out[k] = '\0';
}

/* Generate the model module into @dir and give its id (CRC-32 of model.c,
 * what the runner reports in HELLO). */
static qe_status gen_model(qe_qmodel *m, const char *dir, uint32_t *id, qe_ctx *ctx)
{
  qe_codegen_options co = { "model" };
  qe_status st = qe_mkdir_p(dir, ctx);
  if (st == QE_OK)
    st = qe_codegen_c_module(m, &co, dir, ctx);
  char *model_c = qe_strdup_printf("%s/model.c", dir);
  uint8_t *src = NULL;
  size_t len = 0;
  if (st == QE_OK)
    st = model_c ? qe_read_file(model_c, &src, &len, ctx)
                 : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (st == QE_OK && id)
    *id = qe_crc32(0, src, len);
  free(src);
  free(model_c);
  return st;
}

qe_status qe_runner_model_id(struct qe_qmodel *model, const char *work_dir, uint32_t *model_id,
                             qe_ctx *ctx)
{
  char *dir = qe_strdup_printf("%s/model-id", work_dir);
  if (!dir)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = gen_model(model, dir, model_id, ctx);
  free(dir);
  return st;
}

/* The kernel and model sources engine/codegen wrote into @dir, for a build
 * file: every *.c, in a stable order. */
static const char *const runner_files[] = { "runner.c",     "runner_crc.c",   "board.h",
                                            "model_slot.h", "runner_proto.h", "generated_model.c" };

/* ---- ESP-IDF ----------------------------------------------------------------- */

qe_status qe_export_esp_idf(const qe_board *b, struct qe_qmodel *m, const char *model_name,
                            const char *runner_dir, const char *out_dir, uint32_t *model_id,
                            qe_ctx *ctx)
{
  char name[49];
  clean_name(model_name, name);
  char *main_dir = qe_strdup_printf("%s/main", out_dir);
  if (!main_dir)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  uint32_t id = 0;
  qe_status st = qe_progress(ctx, 0.0, "writing the ESP-IDF project");
  if (st == QE_OK)
    st = gen_model(m, main_dir, &id, ctx);
  for (size_t i = 0; st == QE_OK && i < QE_ARRAY_LEN(runner_files); i++)
    st = copy_file(runner_dir, runner_files[i], main_dir, NULL, ctx);
  if (st == QE_OK)
    st = copy_file(runner_dir, "boards/esp32s3.c", main_dir, "board_esp32s3.c", ctx);

  /* main/CMakeLists.txt: every C file of main/, listed. */
  text_t t = { 0 };
  if (st == QE_OK) {
    char **names = NULL;
    size_t n = 0;
    st = list_dir_suffix(main_dir, ".c", &names, &n, ctx);
    tx(&t,
       "# The runner component: protocol loop, board glue, the generated model and\n"
       "# the engine's int8 kernels. Written by Quantizer %s.\n"
       "idf_component_register(\n  SRCS",
       QE_VERSION_STRING);
    for (size_t i = 0; st == QE_OK && i < n; i++)
      tx(&t, " \"%s\"", names[i]);
    tx(&t,
       "\n  INCLUDE_DIRS \".\"\n  REQUIRES driver esp_hw_support heap freertos)\n"
       "target_compile_definitions(${COMPONENT_LIB} PRIVATE\n"
       "  QR_NO_MAIN\n"
       "  \"QR_FIRMWARE_VERSION=\\\"%s\\\"\"\n"
       "  \"QR_BOARD_ID=\\\"%s\\\"\"\n"
       "  \"QR_MODEL_NAME=\\\"%s\\\"\"\n"
       "  \"QR_MODEL_ID=0x%08Xu\")\n"
       "# The kernels' loops at -O2, as in the Cortex-M images.\n"
       "target_compile_options(${COMPONENT_LIB} PRIVATE -O2 -std=gnu11 -Wno-unused-parameter)\n",
       QE_VERSION_STRING, b->id, name, (unsigned)id);
    for (size_t i = 0; i < n; i++)
      free(names[i]);
    free(names);
  }
  if (st == QE_OK)
    st = write_text(main_dir, "CMakeLists.txt", &t, ctx);
  if (st == QE_OK) {
    tx(&t,
       "# ESP-IDF project of the Quantizer runner for %s, written by Quantizer %s.\n"
       "cmake_minimum_required(VERSION 3.16)\n"
       "include($ENV{IDF_PATH}/tools/cmake/project.cmake)\n"
       "project(quantizer_runner)\n",
       b->name, QE_VERSION_STRING);
    st = write_text(out_dir, "CMakeLists.txt", &t, ctx);
  }
  if (st == QE_OK) {
    tx(&t,
       "# Quantizer runner on the %s (written by Quantizer %s).\n"
       "CONFIG_IDF_TARGET=\"esp32s3\"\n"
       "CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_240=y\n"
       "CONFIG_COMPILER_OPTIMIZATION_PERF=y\n"
       "CONFIG_ESPTOOLPY_FLASHSIZE_8MB=y\n"
       "# The USB-Serial/JTAG port carries the runner's frames only: the console\n"
       "# (boot and log messages) goes to UART0, the board's \"UART\" connector.\n"
       "CONFIG_ESP_CONSOLE_UART_DEFAULT=y\n"
       "CONFIG_ESP_CONSOLE_SECONDARY_NONE=y\n"
       "# An inference, or the wait for the host, may outlast the task watchdog.\n"
       "CONFIG_ESP_TASK_WDT_INIT=n\n"
       "CONFIG_ESP_TASK_WDT_EN=n\n",
       b->name, QE_VERSION_STRING);
    st = write_text(out_dir, "sdkconfig.defaults", &t, ctx);
  }
  if (st == QE_OK) {
    tx(&t,
       "# Quantizer runner for the %s\n\n"
       "Model: %s (model id %08X, what the runner reports to `qz deploy`).\n"
       "Written by Quantizer %s.\n\n"
       "Quantizer cannot build this firmware itself: the ESP32-S3 has an Xtensa\n"
       "core and Debian has no compiler for it. Build and flash it with\n"
       "Espressif's ESP-IDF (version 5.0 or later):\n\n"
       "    . $IDF_PATH/export.sh\n"
       "    idf.py set-target esp32s3\n"
       "    idf.py build flash          # the board on its \"UART\" or \"USB\" connector\n\n"
       "Then check it from Quantizer, with the board's \"USB\" connector plugged in\n"
       "(the chip's USB-Serial/JTAG port, USB id 303A:1001, e.g. /dev/ttyACM0):\n\n"
       "    qz deploy MODEL --board %s --port /dev/ttyACM0 --method none\n\n"
       "or let Quantizer flash the application image it built (at 0x%X, over the\n"
       "ROM loader; the bootloader and partition table come from one `idf.py flash`):\n\n"
       "    qz deploy MODEL --board %s --port /dev/ttyACM0 \\\n"
       "        --image build/quantizer_runner.bin\n\n"
       "What is inside:\n\n"
       "* `main/runner.c`, `runner_crc.c`, `runner_proto.h`, `model_slot.h`,\n"
       "  `board.h`: the runner's protocol loop (Quantizer's targets/PROTOCOL.md).\n"
       "* `main/board_esp32s3.c`: the board glue: USB-Serial/JTAG through\n"
       "  ESP-IDF's driver, the CCOUNT cycle counter, `app_main()`.\n"
       "* `main/generated_model.c`, `model.c`, `model.h`: the quantized model.\n"
       "* `main/qe_*.c`, `qe_*.h`: the engine's int8 kernels, the same sources\n"
       "  Quantizer's host engine is built from: outputs match it bit for bit.\n"
       "* `sdkconfig.defaults`: 240 MHz, console on UART0, no task watchdog.\n\n"
       "What Quantizer checked without the board: these C sources compile and\n"
       "run on a PC against stand-ins for the four ESP-IDF calls the glue uses,\n"
       "and give the host engine's outputs bit for bit over the same protocol;\n"
       "the CMake files were read by CMake with stand-ins for ESP-IDF's\n"
       "functions. Not checked here: the Xtensa build itself and the board.\n",
       b->name, name, (unsigned)id, QE_VERSION_STRING, b->id,
       (unsigned)(b->esp_app_offset ? b->esp_app_offset : 0x10000), b->id);
    st = write_text(out_dir, "README.md", &t, ctx);
  }
  free(t.s);
  free(main_dir);
  if (st == QE_OK && model_id)
    *model_id = id;
  return st;
}

/* ---- Code Composer Studio (TI C2000) ------------------------------------- */

/* XML attribute text: & < > " escaped. */
static void tx_xml(text_t *t, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&':
      tx(t, "&amp;");
      break;
    case '<':
      tx(t, "&lt;");
      break;
    case '>':
      tx(t, "&gt;");
      break;
    case '"':
      tx(t, "&quot;");
      break;
    default:
      tx(t, "%c", *s);
    }
  }
}

/* What the C28x storage of int8 values (targets/runner/ti/qe_c28x_int8.h)
 * cannot keep exact: int8 input and output only, and data movement of
 * 8-bit elements only (element sizes are counted in 8-bit bytes). */
static qe_status ccs_model_ok(qe_qmodel *m, qe_ctx *ctx)
{
  qe_status st = m->prep ? QE_OK : qe_qmodel_prepare(m, ctx);
  if (st != QE_OK)
    return st;
  if (m->n_inputs != 1 || m->n_outputs != 1)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "the TI export takes one input and one output (the model has %zu and %zu)",
                    m->n_inputs, m->n_outputs);
  const int io[2] = { m->inputs[0], m->outputs[0] };
  for (int k = 0; k < 2; k++)
    if (m->tensors[io[k]].type != QE_DT_I8)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "the TI C28x export needs int8 %s; '%s' is %s (quantize with int8 input "
                      "and output, as the board's defaults say)",
                      k ? "output" : "input", m->tensors[io[k]].name,
                      qe_dtype_name(m->tensors[io[k]].type));
  for (size_t i = 0; i < m->n_ops; i++) {
    const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
    qe_qop_type ty = m->ops[i].type;
    bool moves = p->impl == QE_QIMPL_COPY || ty == QE_QOP_PAD || ty == QE_QOP_TRANSPOSE ||
                 ty == QE_QOP_CONCATENATION || ty == QE_QOP_RESIZE_NEAREST_NEIGHBOR;
    if (moves && p->elem_size != 1)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "op %zu (%s) moves %zu-byte elements; on the C28x (16-bit chars) the "
                      "exported code counts them in 8-bit bytes, so the TI export refuses it",
                      i, qe_qop_name(ty), p->elem_size);
  }
  return QE_OK;
}

qe_status qe_export_ccs(const qe_board *b, struct qe_qmodel *m, const char *model_name,
                        const char *runner_dir, const char *out_dir, uint32_t *model_id,
                        qe_ctx *ctx)
{
  char name[49];
  clean_name(model_name, name);
  uint32_t id = 0;
  qe_status st = ccs_model_ok(m, ctx);
  if (st == QE_OK)
    st = qe_progress(ctx, 0.0, "writing the Code Composer Studio project");
  if (st == QE_OK)
    st = gen_model(m, out_dir, &id, ctx);
  for (size_t i = 0; st == QE_OK && i < QE_ARRAY_LEN(runner_files); i++)
    st = copy_file(runner_dir, runner_files[i], out_dir, NULL, ctx);
  static const char *const ti_files[] = { "board_c28x.c", "qe_c28x_int8.h", "f28p55x_runner.cmd" };
  char *ti_dir = qe_strdup_printf("%s/ti", runner_dir);
  if (!ti_dir && st == QE_OK)
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; st == QE_OK && i < QE_ARRAY_LEN(ti_files); i++)
    st = copy_file(ti_dir, ti_files[i], out_dir, NULL, ctx);
  free(ti_dir);

  text_t t = { 0 };
  if (st == QE_OK) {
    tx(&t,
       "/* qr_build.h - build settings of this Quantizer runner (pre-included\n"
       " * through qe_c28x_int8.h). Written by Quantizer %s. */\n"
       "#ifndef QR_BUILD_H\n#define QR_BUILD_H\n"
       "#define QR_FIRMWARE_VERSION \"%s\"\n"
       "#define QR_BOARD_ID \"%s\"\n"
       "#define QR_MODEL_NAME \"%s\"\n"
       "#define QR_MODEL_ID 0x%08XUL\n"
       "#endif\n",
       QE_VERSION_STRING, QE_VERSION_STRING, b->id, name, (unsigned)id);
    st = write_text(out_dir, "qr_build.h", &t, ctx);
  }
  char **srcs = NULL;
  size_t n_srcs = 0;
  if (st == QE_OK)
    st = list_dir_suffix(out_dir, ".c", &srcs, &n_srcs, ctx);
  char **hdrs = NULL;
  size_t n_hdrs = 0;
  if (st == QE_OK)
    st = list_dir_suffix(out_dir, ".h", &hdrs, &n_hdrs, ctx);
  if (st == QE_OK) {
    tx(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<!-- Code Composer Studio project specification of the Quantizer runner for the ");
    tx_xml(&t, b->name);
    tx(&t,
       ", written by Quantizer %s.\n"
       "     Import: File > Import > Code Composer Studio > CCS Projects, select this\n"
       "     folder. Needs C2000Ware (driverlib, device support) installed. -->\n"
       "<projectSpec>\n"
       "  <project\n"
       "    name=\"quantizer_runner\"\n"
       "    title=\"Quantizer runner: ",
       QE_VERSION_STRING);
    tx_xml(&t, name);
    tx(&t, "\"\n"
           "    device=\"TMS320F28P550SJ9\"\n"
           "    outputFormat=\"ELF\"\n"
           "    products=\"C2000WARE\"\n"
           "    linkerCommandFile=\"f28p55x_runner.cmd\"\n"
           "    compilerBuildOptions=\"-v28 -ml -mt --float_support=fpu32 --tmu_support=tmu1 "
           "--opt_level=2 --c11 --preinclude=qe_c28x_int8.h --define=_FLASH "
           "--define=_LAUNCHXL_F28P55X -I${PROJECT_ROOT} "
           "-I${C2000WARE_ROOT}/driverlib/f28p55x/driverlib "
           "-I${C2000WARE_ROOT}/device_support/f28p55x/common/include\"\n"
           "    linkerBuildOptions=\"--stack_size=0x800 --heap_size=0 --entry_point=code_start "
           "-i${C2000WARE_ROOT}/driverlib/f28p55x/driverlib/ccs/Debug -ldriverlib.lib\"\n"
           "    description=\"The Quantizer runner: protocol loop on SCI-A (XDS110 UART), the "
           "model ");
    tx_xml(&t, name);
    tx(&t, " on the engine's int8 kernels.\">\n"
           "    <pathVariable name=\"C2000WARE_ROOT\" path=\"${COM_TI_C2000WARE_INSTALL_DIR}\" "
           "scope=\"project\"/>\n");
    for (size_t i = 0; i < n_srcs; i++)
      tx(&t, "    <file action=\"copy\" path=\"%s\" targetDirectory=\"\"/>\n", srcs[i]);
    for (size_t i = 0; i < n_hdrs; i++)
      tx(&t, "    <file action=\"copy\" path=\"%s\" targetDirectory=\"\"/>\n", hdrs[i]);
    tx(&t, "    <file action=\"copy\" path=\"f28p55x_runner.cmd\" targetDirectory=\"\"/>\n"
           "    <file action=\"copy\" path=\"README.md\" targetDirectory=\"\"/>\n"
           "    <file action=\"link\" "
           "path=\"C2000WARE_ROOT/device_support/f28p55x/common/source/device.c\" "
           "targetDirectory=\"device\"/>\n"
           "    <file action=\"link\" "
           "path=\"C2000WARE_ROOT/device_support/f28p55x/common/source/"
           "f28p55x_codestartbranch.asm\" targetDirectory=\"device\"/>\n"
           "  </project>\n"
           "</projectSpec>\n");
    st = write_text(out_dir, "quantizer_runner.projectspec", &t, ctx);
  }
  for (size_t i = 0; i < n_srcs; i++)
    free(srcs[i]);
  free(srcs);
  for (size_t i = 0; i < n_hdrs; i++)
    free(hdrs[i]);
  free(hdrs);
  if (st == QE_OK) {
    tx(&t,
       "# Quantizer runner for the %s\n\n"
       "Model: %s (model id %08X, what the runner reports to `qz deploy`).\n"
       "Written by Quantizer %s.\n\n"
       "Quantizer cannot build or flash this board itself: its C28x core needs TI's\n"
       "C2000 compiler, and flashing is done in Code Composer Studio (CCS) or\n"
       "UniFlash through the LaunchPad's XDS110 probe.\n\n"
       "## Build and flash\n\n"
       "1. Install CCS (12.x or later) with the C2000 compiler (22.6 LTS or later)\n"
       "   and C2000Ware (5.x or later: driverlib and the F28P55x device support).\n"
       "2. File > Import > Code Composer Studio > CCS Projects, select this folder\n"
       "   (it finds `quantizer_runner.projectspec`).\n"
       "3. Build, then Run > Debug (or flash the `.out` with UniFlash). The board\n"
       "   boots from flash (boot-mode switches on flash boot).\n"
       "4. Validate it from Quantizer on the XDS110's application UART (the\n"
       "   first of its two serial ports, e.g. /dev/ttyACM0):\n\n"
       "       qz deploy MODEL --board %s --port /dev/ttyACM0 --method none\n\n"
       "## What is inside\n\n"
       "* `runner.c`, `runner_crc.c`, `runner_proto.h`, `model_slot.h`, `board.h`:\n"
       "  the runner's protocol loop (Quantizer's targets/PROTOCOL.md).\n"
       "* `board_c28x.c`: the board glue on C2000Ware's driverlib: Device_init()\n"
       "  (150 MHz, watchdog off, flash wait states), SCI-A at 115200 8N1 on the\n"
       "  pins device.h names for the LaunchPad (_LAUNCHXL_F28P55X), CPU timer 1\n"
       "  as the cycle counter.\n"
       "* `generated_model.c`, `model.c`, `model.h`: the quantized model;\n"
       "  `qe_*.c`, `qe_*.h`: the engine's int8 kernels (the same sources as\n"
       "  Quantizer's host engine).\n"
       "* `qe_c28x_int8.h` (pre-included everywhere) and `qr_build.h`: the C28x\n"
       "  has no 8-bit type (a char is 16 bits), so each int8 value is kept in a\n"
       "  16-bit word; that header explains why the results stay exact.\n"
       "* `f28p55x_runner.cmd`: the linker command file (flash from 0x080000; model\n"
       "  arena in RAMGS0-3 + RAMLS8-9, 96 KiB; stack in RAMLS6-7).\n\n"
       "## What was checked without TI's tools, and what was not\n\n"
       "Checked by Quantizer's tests on a PC:\n\n"
       "* the runner, model and kernel sources compiled with int8 storage emulated\n"
       "  as 16-bit words (and memcpy/memmove counting 16-bit units, as on the\n"
       "  C28x) run the protocol and give the host engine's outputs bit for bit;\n"
       "* the kernels compile warning-free for a 16-bit-int target (clang\n"
       "  --target=msp430), so no constant or shift depends on a 32-bit int;\n"
       "* this project specification is well-formed XML and lists every source.\n\n"
       "Not checked (needs TI's compiler, C2000Ware and the board):\n\n"
       "* compiling with cl2000 (16-bit char and int, EABI): the files that need it\n"
       "  are all of them, but only `board_c28x.c` uses TI's driverlib and\n"
       "  `device.h` - its pin, clock and timer calls are the unverified part;\n"
       "* the linker command file against the real device memory map;\n"
       "* the project options in `quantizer_runner.projectspec` (compiler 22.6\n"
       "  LTS, EABI, fpu32/tmu1) as CCS imports them;\n"
       "* the SCI link and the cycle counts on the board. Layers the TI NPU could\n"
       "  run execute here on the C28x CPU: this runner does not use the NPU.\n",
       b->name, name, (unsigned)id, QE_VERSION_STRING, b->id);
    st = write_text(out_dir, "README.md", &t, ctx);
  }
  free(t.s);
  if (st == QE_OK && model_id)
    *model_id = id;
  return st;
}
