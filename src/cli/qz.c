/* qz.c - the `qz` command-line tool: sub-command dispatch.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe.h"
#include "qz-cli.h"

static const QzCommand commands[] = {
  { "info", "MODEL [--json]", "Show a model's inputs, outputs, operators, parameters and MACs",
    qz_cmd_info },
  { "infer", "MODEL --input FILE [--input FILE...] [-o DIR] [--rounding micro|tflite|ort]",
    "Run a model (float, QDQ or int8) on input tensors", qz_cmd_infer },
  { "quantize", "MODEL --data PATH [OPTIONS] -o OUTDIR",
    "Quantize a float model to integers and write report.json", qz_cmd_quantize },
  { "evaluate", "MODEL --data PATH [--json]", "Measure the accuracy of one model",
    qz_cmd_evaluate },
  { "run", "--config-path DIR --config-name FILE.yaml [key.sub=value...]",
    "Run a model-zoo style YAML configuration", qz_cmd_run },
  { "data", "PATH [--json]", "Describe a data set and warn about problems in it", qz_cmd_data },
  { "history", "[--json] [--db PATH] [show|config|delete ID]",
    "List, show or delete past runs; print the settings of one to repeat it", qz_cmd_history },
  { "boards", "[--json]", "List known boards and the boards connected now", qz_cmd_boards },
  { "deploy", "MODEL --board ID [--port DEV] [--validate N] [--check]",
    "Flash a quantized model to a board and validate it there", qz_cmd_deploy },
};

static void print_help(FILE *out)
{
  fprintf(out,
          "Usage: qz COMMAND [OPTIONS...]\n"
          "\n"
          "Quantizer %s: turn a trained float network into an integer model that\n"
          "fits a microcontroller, compare both, and put it on a board.\n"
          "\n"
          "Commands:\n",
          PACKAGE_VERSION);
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n"
               "Options:\n"
               "  -h, --help     Show this help, or a command's help after its name\n"
               "  --version      Show the version of qz and of its engine\n"
               "\n"
               "Exit status: 0 on success, 1 when the input is wrong (the reason is\n"
               "printed on one line), 2 when the command line is wrong.\n"
               "Run 'qz COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  /* Numbers in files and --json output always use '.' as decimal point. */
  setlocale(LC_NUMERIC, "C");

  if (argc < 2) {
    print_help(stderr);
    return QZ_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    if (argc > 2 && strcmp(argv[1], "help") == 0) {
      for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(argv[2], commands[i].name) == 0) {
          char help_opt[] = "--help";
          char *sub_argv[] = { argv[2], help_opt, NULL };
          return commands[i].func(2, sub_argv);
        }
    }
    print_help(stdout);
    return QZ_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("qz %s (engine %s)\n", PACKAGE_VERSION, qe_version());
    return QZ_EXIT_OK;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].func(argc - 1, argv + 1);
  }
  fprintf(stderr, "qz: unknown command '%s'\nTry 'qz --help' for the list of commands.\n", argv[1]);
  return QZ_EXIT_USAGE;
}
