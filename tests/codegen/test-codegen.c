/* test-codegen.c - the C export: generated modules compile warnings-free
 * with -std=c99 -Wall -Wextra -Werror under gcc and clang on the host (and
 * arm-none-eabi-gcc for Cortex-M4/M7/M33/M55, compile only), and the host
 * programs give the engine's outputs bit for bit; the .tflite C array holds
 * the exact bytes, 16-byte aligned. Compilers that are absent are skipped
 * with a note.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qe/qe_codegen.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_tflite.h"
#include "single-op.h"
#include "qz-check.h"
#include "qz-shell.h"

static int compiled, arm_compiled;

static bool have(const char *prog)
{
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
  return system(cmd) == 0;
}

static const char *host_cc[2] = { "gcc", "clang" };
static const char *arm_cpus[4] = { "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55" };
static bool have_cc[2], have_arm;
/* The kernel sources are the same in every module (checked with cmp):
 * they are compiled once per compiler, into kobj-<cc>/ of the first one. */
static char kernels_dir[1024];
static bool kernels_built[2];

#define CFLAGS "-std=c99 -Wall -Wextra -Werror -pedantic -O1"

/* Export @m as a module, compile it with each host compiler, run it on
 * @input and compare with the engine. */
static void check_module(qe_qmodel *m, const char *dir, const char *prefix, const int8_t *input,
                         bool arm, bool clang)
{
  qe_codegen_options opt = { prefix };
  qe_ctx *ctx = qe_ctx_new();
  qe_qexec *e = NULL;
  const qe_qtensor *it = &m->tensors[m->inputs[0]], *ot = &m->tensors[m->outputs[0]];
  const size_t n_in = (size_t)qe_qtensor_count(it), n_out = (size_t)qe_qtensor_count(ot);
  int8_t *want = malloc(n_out + 1);
  char path[2048];
  FILE *f;
  size_t i;
  int c;

  CHECK(qe_qexec_new(m, &e, ctx) == QE_OK, "%s: executor: %s", prefix, qe_ctx_error(ctx));
  if (e == NULL)
    goto out;
  memcpy(qe_qexec_input(e, 0), input, n_in);
  CHECK(qe_qexec_run(e, ctx) == QE_OK, "%s: run: %s", prefix, qe_ctx_error(ctx));
  memcpy(want, qe_qexec_output(e, 0), n_out);
  if (qe_codegen_c_module(m, &opt, dir, ctx) != QE_OK) {
    CHECK(0, "%s: export: %s", prefix, qe_ctx_error(ctx));
    goto out;
  }
  snprintf(path, sizeof(path), "%s/main.c", dir);
  f = fopen(path, "w");
  fprintf(f, "#include <stdio.h>\n#include \"%s.h\"\nstatic const int8_t input[] = {", prefix);
  for (i = 0; i < n_in; i++)
    fprintf(f, "%s%d,", i % 20 ? "" : "\n", input[i]);
  fprintf(f,
          "};\nint main(void)\n{\n  static int8_t out[%zu];\n  int rc = %s_run(input, out);\n"
          "  if (rc != 0)\n    return 100 + rc;\n  fwrite(out, 1, sizeof(out), stdout);\n"
          "  return 0;\n}\n",
          n_out, prefix);
  fclose(f);
  for (c = 0; c < 2; c++) {
    uint8_t *got = NULL;
    size_t got_size = 0;
    if (!have_cc[c] || (c == 1 && !clang))
      continue;
    if (kernels_dir[0] == '\0')
      snprintf(kernels_dir, sizeof(kernels_dir), "%s", dir);
    else
      CHECK(sh("cd '%s' && for f in qe_*.c qe_*.h; do cmp -s \"$f\" \"%s/$f\" || exit 1; done", dir,
               kernels_dir) == 0,
            "%s: the kernel sources differ between exports", prefix);
    if (!kernels_built[c]) {
      kernels_built[c] = true;
      if (sh("cd '%s' && mkdir -p kobj-%s && cd kobj-%s && %s " CFLAGS
             " -c ../qe_*.c 2> ../kcc-%s.log",
             kernels_dir, host_cc[c], host_cc[c], host_cc[c], host_cc[c]) != 0) {
        CHECK(0, "%s does not compile the kernels cleanly (%s/kcc-%s.log)", host_cc[c], kernels_dir,
              host_cc[c]);
        continue;
      }
    }
    if (sh("cd '%s' && %s " CFLAGS " -o prog-%s %s.c main.c '%s'/kobj-%s/*.o 2> cc-%s.log", dir,
           host_cc[c], host_cc[c], prefix, kernels_dir, host_cc[c], host_cc[c]) != 0) {
      CHECK(0, "%s: %s does not compile it cleanly (see %s/cc-%s.log)", prefix, host_cc[c], dir,
            host_cc[c]);
      sh("head -20 '%s/cc-%s.log' >&2", dir, host_cc[c]);
      continue;
    }
    compiled++;
    CHECK(sh("cd '%s' && ./prog-%s > out-%s.bin", dir, host_cc[c], host_cc[c]) == 0,
          "%s: the %s-built program failed", prefix, host_cc[c]);
    snprintf(path, sizeof(path), "%s/out-%s.bin", dir, host_cc[c]);
    if (qe_read_file(path, &got, &got_size, ctx) == QE_OK) {
      CHECK(got_size == n_out && memcmp(got, want, n_out) == 0,
            "%s: %s-built output differs from the engine", prefix, host_cc[c]);
      free(got);
    }
  }
  if (arm && have_arm)
    for (c = 0; c < 4; c++) {
      if (sh("cd '%s' && arm-none-eabi-gcc -mcpu=%s -mthumb " CFLAGS
             " -O2 -c %s.c qe_*.c 2> arm.log",
             dir, arm_cpus[c], prefix) != 0) {
        CHECK(0, "%s: arm-none-eabi-gcc -mcpu=%s fails (%s/arm.log)", prefix, arm_cpus[c], dir);
        sh("head -20 '%s/arm.log' >&2", dir);
      } else {
        arm_compiled++;
        if (c == 0 && strcmp(prefix, "net") == 0) {
          /* flash and RAM of the module on a Cortex-M4 against the plan */
          size_t cb = 0, ab = 0;
          qe_codegen_sizes(m, &cb, &ab, ctx);
          printf("Cortex-M4 -O2 size of the 11-op network (text data bss dec hex):\n");
          fflush(stdout);
          sh("cd '%s' && arm-none-eabi-size -t %s.o qe_*.o | tail -1", dir, prefix);
          printf("planned: %zu bytes of constants, %zu bytes of arena\n", cb, ab);
        }
      }
    }
out:
  qe_qexec_free(e);
  free(want);
  qe_ctx_free(ctx);
}

static void check_tflite_array(qe_qmodel *m, const char *dir)
{
  qe_ctx *ctx = qe_ctx_new();
  uint8_t *fb = NULL, *got = NULL;
  size_t size = 0, got_size = 0;
  char path[2048];
  FILE *f;
  CHECK(qe_tflite_write(m, &fb, &size, ctx) == QE_OK, "write: %s", qe_ctx_error(ctx));
  CHECK(qe_codegen_tflite_array(fb, size, "g_model", dir, ctx) == QE_OK, "array: %s",
        qe_ctx_error(ctx));
  snprintf(path, sizeof(path), "%s/dump.c", dir);
  f = fopen(path, "w");
  fprintf(f, "#include <stdint.h>\n#include <stdio.h>\n#include \"g_model.h\"\n"
             "int main(void)\n{\n  if ((uintptr_t)g_model %% 16 != 0)\n    return 3;\n"
             "  fwrite(g_model, 1, g_model_len, stdout);\n  return 0;\n}\n");
  fclose(f);
  if (have_cc[0]) {
    CHECK(sh("cd '%s' && gcc " CFLAGS " -o dump dump.c g_model.c 2> cc.log && ./dump > "
             "bytes.bin",
             dir) == 0,
          "the .tflite array does not build or is misaligned (%s)", dir);
    snprintf(path, sizeof(path), "%s/bytes.bin", dir);
    if (qe_read_file(path, &got, &got_size, ctx) == QE_OK) {
      CHECK(got_size == size && memcmp(got, fb, size) == 0, "the C array differs from the file");
      free(got);
    }
  }
  if (have_arm)
    CHECK(sh("cd '%s' && arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb " CFLAGS " -c g_model.c", dir) ==
              0,
          "the .tflite array does not build for Cortex-M4");
  free(fb);
  qe_ctx_free(ctx);
}

int main(void)
{
  char tmpl[] = "/tmp/qz-codegen-XXXXXX";
  char *root = mkdtemp(tmpl);
  so_rng r = { 2024 };
  int k, c;
  qe_ctx *ctx = qe_ctx_new();

  have_cc[0] = have("gcc");
  have_cc[1] = have("clang");
  have_arm = have("arm-none-eabi-gcc");
  if (!have_cc[0] && !have_cc[1]) {
    printf("SKIP: no host C compiler\n");
    return 77;
  }
  if (!have_arm)
    printf("note: arm-none-eabi-gcc absent, Cortex-M builds skipped\n");

  /* A small network of many ops, three sets of weights and inputs. */
  for (c = 0; c < 3; c++) {
    qe_qmodel *m = so_make_net(&r);
    int8_t input[12 * 12 * 3];
    char dir[1024];
    size_t i;
    for (i = 0; i < sizeof(input); i++)
      input[i] = (int8_t)so_int(&r, -128, 127);
    snprintf(dir, sizeof(dir), "%s/net%d", root, c);
    CHECK(m != NULL, "net");
    if (m != NULL) {
      check_module(m, dir, "net", input, c == 0, true);
      if (c == 0)
        check_tflite_array(m, dir);
    }
    qe_qmodel_free(m);
  }
  /* Every single-op kind with an int8 input and output. */
  for (k = 0; k < SO_COUNT; k++) {
    qe_qmodel *m = NULL;
    int8_t *input;
    size_t i, n;
    char dir[1024];
    if (k == SO_QUANTIZE_FLOAT || k == SO_DEQUANTIZE)
      continue;
    for (c = 0; c < 50 && m == NULL; c++)
      m = so_make((so_kind)k, &r);
    if (m == NULL)
      continue;
    so_freeze_extra_inputs(m, &r);
    n = (size_t)qe_qtensor_count(&m->tensors[m->inputs[0]]);
    input = malloc(n + 1);
    for (i = 0; i < n; i++)
      input[i] = (int8_t)so_int(&r, -128, 127);
    snprintf(dir, sizeof(dir), "%s/%s", root, so_kind_name(k));
    /* clang for a few kinds only: keep the suite quick */
    check_module(m, dir, "model", input, k == SO_CONV_PACKED4 || k == SO_SOFTMAX,
                 k == SO_CONV || k == SO_MEAN || k == SO_HARD_SWISH || k == SO_CONCAT);
    free(input);
    qe_qmodel_free(m);
  }
  /* A model with a float layer is refused, naming it. */
  {
    qe_qmodel *m = NULL;
    for (c = 0; c < 50 && m == NULL; c++)
      m = so_make(SO_DEQUANTIZE, &r);
    if (m != NULL) {
      qe_codegen_options opt = { "model" };
      char dir[1024];
      snprintf(dir, sizeof(dir), "%s/refused", root);
      CHECK(qe_codegen_c_module(m, &opt, dir, ctx) == QE_ERR_UNSUPPORTED &&
                strstr(qe_ctx_error(ctx), "output") != NULL,
            "float output not refused: %s", qe_ctx_error(ctx));
      qe_qmodel_free(m);
    }
  }
  printf("%d host builds run bit-exact checks, %d Cortex-M builds\n", compiled, arm_compiled);
  printf("%d checks, %d failed\n", checks, failures);
  if (failures == 0)
    sh("rm -rf '%s'", root);
  else
    printf("generated sources kept in %s\n", root);
  qe_ctx_free(ctx);
  return failures ? 1 : 0;
}
