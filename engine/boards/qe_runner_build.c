/* qe_runner_build.c - a runner image with a generated model inside.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same recipe as targets/meson.build's prebuilt images, with the
 * self-test model slot replaced by targets/runner/generated_model.c around
 * the C module engine/codegen writes.
 */
#include "qe_internal.h"

#include "qe/qe_board.h"
#include "qe/qe_board_link.h"
#include "qe/qe_codegen.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_qmodel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Run argv; on failure the first line of its standard error names why. */
static qe_status run_tool(char **argv, const char *what, qe_ctx *ctx)
{
  int pipefd[2];
  if (pipe(pipefd) != 0)
    return qe_error(ctx, QE_ERR_IO, "cannot run %s: %s", argv[0], strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    if (rc == ENOENT)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "%s is not installed: building a runner image needs the Arm cross "
                      "compiler (Debian packages gcc-arm-none-eabi and libnewlib-arm-none-eabi)",
                      argv[0]);
    return qe_error(ctx, QE_ERR_IO, "cannot run %s: %s", argv[0], strerror(rc));
  }
  char out[4096];
  size_t n = 0;
  ssize_t k;
  while ((k = read(pipefd[0], out + n, sizeof out - 1 - n)) > 0 && n + (size_t)k < sizeof out - 1)
    n += (size_t)k;
  while (k > 0) {
    char junk[512];
    k = read(pipefd[0], junk, sizeof junk);
  }
  out[n] = '\0';
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return QE_OK;
  /* The first line that says "error" (or the first line). */
  char *line = strstr(out, "error");
  if (line)
    while (line > out && line[-1] != '\n')
      line--;
  else
    line = out;
  line[strcspn(line, "\n")] = '\0';
  return qe_error(ctx, QE_ERR_IO, "%s failed: %s", what, *line ? line : "(no message)");
}

typedef struct {
  char **v;
  size_t n, cap;
  bool oom;
} argv_t;

static void add(argv_t *a, char *s)
{
  if (!s || !qe_grow((void **)&a->v, &a->cap, a->n + 2, sizeof *a->v)) {
    a->oom = true;
    free(s);
    return;
  }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void argv_free(argv_t *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->v[i]);
  free(a->v);
}

qe_status qe_runner_build(const qe_board *b, struct qe_qmodel *m, const char *model_name,
                          const char *runner_dir, const char *work_dir, char **image_path,
                          uint32_t *model_id, qe_ctx *ctx)
{
  *image_path = NULL;
  if (!b->runner_cpu || !b->runner_glue || !b->runner_ld)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "Quantizer has no runner recipe for %s (runner images are built for the "
                    "qemu-* boards and the STM32 Nucleo and Discovery boards)",
                    b->id);
  char *model_dir = qe_strdup_printf("%s/model", work_dir);
  char *elf = qe_strdup_printf("%s/runner-%s.elf", work_dir, b->id);
  char *bin = qe_strdup_printf("%s/runner-%s.bin", work_dir, b->id);
  char *model_c = qe_strdup_printf("%s/model/model.c", work_dir);
  uint8_t *src = NULL;
  size_t src_len = 0;
  argv_t a = { 0 };
  qe_status st =
      model_dir && elf && bin && model_c ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (st == QE_OK)
    st = qe_progress(ctx, 0.0, "generating the model's C code");
  if (st == QE_OK)
    st = qe_mkdir_p(model_dir, ctx);
  qe_codegen_options co = { "model" };
  if (st == QE_OK)
    st = qe_codegen_c_module(m, &co, model_dir, ctx);
  if (st == QE_OK)
    st = qe_read_file(model_c, &src, &src_len, ctx);
  uint32_t id = st == QE_OK ? qe_crc32(0, src, src_len) : 0;
  free(src);
  if (st == QE_OK)
    st = qe_progress(ctx, 0.3, "compiling the runner image");
  if (st == QE_OK) {
    char name[49];
    size_t k = 0;
    for (const char *p = model_name ? model_name : "model"; *p && k < sizeof name - 1; p++)
      name[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
    name[k] = '\0';
    add(&a, qe_strdup("arm-none-eabi-gcc"));
    add(&a, qe_strdup_printf("-mcpu=%s", b->runner_cpu));
    static const char *const flags[] = {
      "-mthumb",         "-mfloat-abi=soft",   "-std=c11",         "-O2",   "-ffunction-sections",
      "-fdata-sections", "-ffreestanding",     "-fno-common",      "-Wall", "-Wno-unused-parameter",
      "-nostartfiles",   "--specs=nano.specs", "-Wl,--gc-sections"
    };
    for (size_t i = 0; i < QE_ARRAY_LEN(flags); i++)
      add(&a, qe_strdup(flags[i]));
    add(&a, qe_strdup_printf("-DQR_FIRMWARE_VERSION=\"%s\"", QE_VERSION_STRING));
    add(&a, qe_strdup_printf("-DQR_BOARD_ID=\"%s\"", b->id));
    add(&a, qe_strdup_printf("-DQR_MODEL_NAME=\"%s\"", name));
    add(&a, qe_strdup_printf("-DQR_MODEL_ID=0x%08Xu", (unsigned)id));
    for (size_t i = 0; i < b->n_runner_defines; i++)
      add(&a, qe_strdup_printf("-D%s", b->runner_defines[i]));
    add(&a, qe_strdup_printf("-I%s", runner_dir));
    add(&a, qe_strdup_printf("-I%s", model_dir));
    static const char *const runner_src[] = { "runner.c", "startup.c", "cortexm_counter.c",
                                              "runner_crc.c", "generated_model.c" };
    for (size_t i = 0; i < QE_ARRAY_LEN(runner_src); i++)
      add(&a, qe_strdup_printf("%s/%s", runner_dir, runner_src[i]));
    add(&a, qe_strdup_printf("%s/boards/%s.c", runner_dir, b->runner_glue));
    DIR *d = opendir(model_dir);
    if (!d) {
      st = qe_error(ctx, QE_ERR_IO, "%s: %s", model_dir, strerror(errno));
    } else {
      struct dirent *e;
      while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 2 && strcmp(e->d_name + n - 2, ".c") == 0)
          add(&a, qe_strdup_printf("%s/%s", model_dir, e->d_name));
      }
      closedir(d);
    }
    add(&a, qe_strdup_printf("-L%s", runner_dir));
    add(&a, qe_strdup_printf("-T%s/boards/%s", runner_dir, b->runner_ld));
    add(&a, qe_strdup("-o"));
    add(&a, qe_strdup(elf));
    if (a.oom && st == QE_OK)
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (st == QE_OK)
      st = run_tool(a.v, "compiling the runner image", ctx);
  }
  if (st == QE_OK)
    st = qe_progress(ctx, 0.9, "compiling the runner image");
  if (st == QE_OK) {
    char *oc[] = {
      (char *)"arm-none-eabi-objcopy", (char *)"-O", (char *)"binary", elf, bin, NULL
    };
    st = run_tool(oc, "arm-none-eabi-objcopy", ctx);
  }
  argv_free(&a);
  /* Boards whose image is the ELF (mps2-an505: QEMU fills its secure
   * alias only from an ELF) get the ELF, the others the raw binary. */
  size_t il = b->runner_image ? strlen(b->runner_image) : 0;
  if (st == QE_OK && il > 4 && strcmp(b->runner_image + il - 4, ".elf") == 0) {
    char *t = bin;
    bin = elf;
    elf = t;
  }
  if (st == QE_OK) {
    *image_path = bin;
    bin = NULL;
    if (model_id)
      *model_id = id;
  }
  free(model_dir);
  free(elf);
  free(bin);
  free(model_c);
  return st;
}
