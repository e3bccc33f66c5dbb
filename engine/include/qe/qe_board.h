/* qe_board.h - board descriptions, detection and the pre-flight check.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A board is described by one YAML file in targets/ (installed to
 * $datadir/quantizer/boards). The keys (all sizes in bytes, clocks in Hz):
 *
 *   id, name, vendor, mcu       strings; id is what --board takes
 *   core                        cortex-m4 | cortex-m7 | cortex-m33 | cortex-m55 |
 *                               xtensa-lx7 | c28x
 *   fpu                         bool
 *   clock_hz                    core clock
 *   memory: flash_bytes, ram_bytes, flash_base
 *   usb: [{vid, pid, kind: probe|bridge|native, name}]   what detection matches
 *   flash_methods: [stlink-msd | stm32-uart | st-flash | openocd | dfu-util |
 *                   stm32cubeprogrammer | esp-rom | ccs-project | qemu]
 *   mass_storage_label          ST-LINK drive label (NODE_F446RE)
 *   stm32_bootloader: {product_id, baud}
 *   esp_rom: {chip_magic, app_offset, baud}
 *   emulator: {qemu_machine, image_base}
 *   runner: {image, baud, counter: dwt|systick|ccount, cpu, glue,
 *            linker_script, defines}   how qz builds a runner image here:
 *            arm-none-eabi-gcc -mcpu=CPU with targets/runner/boards/GLUE.c,
 *            boards/LINKER_SCRIPT and -D for each define
 *   weight_bits, activation_bits          supported widths: [8, 4, 2]
 *   quantization: {granularity, weight_bits, activation_bits, power_of_two,
 *                  input_type, output_type}   recommended defaults
 *   constraints: {weight_granularity: per-tensor, activation_granularity,
 *                 power_of_two_scales}        what every layer must meet
 *   npu: {name, ops, weight_granularity, activation_granularity, weight_bits,
 *         power_of_two_scales, channel_multiple, first_conv_input_channels,
 *         first_conv_max_kernel_w, conv_max_kernel_h, conv_strides,
 *         depthwise_max_kernel_w, maxpool_max_kernel, avgpool_min_hw,
 *         fc_min_inputs: {8: N, 4: N}}        what a layer must meet to run on
 *                                              the NPU (else it runs on the CPU)
 *   latency: {cycles_per_mac: {conv, depthwise, fully_connected, npu},
 *             cycles_per_element: {elementwise, pool, activation, softmax,
 *                                  movement, quantize}, cycles_per_layer}
 *
 * Unknown keys and values of the wrong type are errors naming
 * file:line:column.
 */
#ifndef QE_BOARD_H
#define QE_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QE_USB_PROBE = 0, /* debug probe with a virtual COM port (ST-LINK, XDS110) */
  QE_USB_BRIDGE,    /* USB-serial bridge chip (CP210x, CH340, CH343) */
  QE_USB_NATIVE,    /* the MCU's own USB (ESP32-S3 USB-Serial/JTAG) */
} qe_usb_kind;

typedef struct {
  uint16_t vid, pid;
  qe_usb_kind kind;
  char *name;
} qe_board_usb;

/* Op classes of the latency model. */
typedef enum {
  QE_OPC_CONV = 0,
  QE_OPC_DEPTHWISE,
  QE_OPC_FULLY_CONNECTED,
  QE_OPC_ELEMENTWISE,
  QE_OPC_POOL,
  QE_OPC_ACTIVATION,
  QE_OPC_SOFTMAX,
  QE_OPC_MOVEMENT,
  QE_OPC_QUANTIZE,
  QE_OPC_COUNT
} qe_op_class;

typedef struct {
  char *name;
  char **ops; /* TFLite op names the NPU runs */
  size_t n_ops;
  bool per_tensor_weights, per_channel_weights;
  bool per_tensor_activations;
  bool power_of_two_scales;
  int weight_bits[3];
  size_t n_weight_bits;
  int channel_multiple;          /* 0: none */
  int first_conv_input_channels; /* 0: none */
  int first_conv_max_kernel_w;
  int conv_max_kernel_h;
  int conv_strides[8][2];
  size_t n_conv_strides;
  int depthwise_max_kernel_w;
  int maxpool_max_kernel;
  int avgpool_min_hw;
  int fc_min_inputs_8, fc_min_inputs_4;
} qe_board_npu;

typedef struct qe_board {
  char *path; /* the description file */
  char *id, *name, *vendor, *mcu, *core;
  bool fpu;
  uint64_t clock_hz;
  uint64_t flash_bytes, ram_bytes, flash_base;
  qe_board_usb *usb;
  size_t n_usb;
  char **flash_methods;
  size_t n_flash_methods;
  char *mass_storage_label;
  uint32_t stm32_pid, stm32_baud;
  uint32_t esp_chip_magic, esp_app_offset, esp_baud;
  char *qemu_machine;
  uint64_t image_base;
  char *runner_image; /* prebuilt runner file name, NULL when none */
  uint32_t runner_baud;
  char *counter;
  char *runner_cpu, *runner_glue, *runner_ld;
  char **runner_defines;
  size_t n_runner_defines;
  int weight_bits[3];
  size_t n_weight_bits;
  int activation_bits[3];
  size_t n_activation_bits;
  /* recommended quantization */
  char *q_granularity, *q_input_type, *q_output_type;
  int q_weight_bits, q_activation_bits;
  bool q_power_of_two;
  /* constraints on every layer */
  bool c_per_tensor_weights, c_per_tensor_activations, c_power_of_two_scales;
  bool has_npu;
  qe_board_npu npu;
  double cycles_per_mac[QE_OPC_COUNT]; /* conv, depthwise, FC */
  double cycles_per_element[QE_OPC_COUNT];
  double npu_cycles_per_mac; /* 0 without NPU */
  double cycles_per_layer;
} qe_board;

qe_status qe_board_load(const char *path, qe_board **out, qe_ctx *ctx);
void qe_board_free(qe_board *board);
bool qe_board_has_method(const qe_board *board, const char *method);

struct qe_qmodel;

typedef struct {
  qe_board **boards; /* sorted by id */
  size_t n;
} qe_board_list;

/* Every *.yaml of @dir. */
qe_status qe_board_list_load(const char *dir, qe_board_list **out, qe_ctx *ctx);
void qe_board_list_free(qe_board_list *list);
const qe_board *qe_board_list_find(const qe_board_list *list, const char *id);

/* ---- runner images ----------------------------------------------------- */

/* Build a runner image for @board with @model in its model slot: the C
 * module of engine/codegen (model_run() on the engine's kernels) is
 * written to @work_dir and compiled with the runner sources of
 * @runner_dir (targets/runner) by arm-none-eabi-gcc. *image_path (free())
 * names the raw binary; *model_id is the id the runner will report in
 * HELLO (CRC-32 of the generated model source); @model_name (shown by
 * the runner) is cut to 48 characters. QE_ERR_UNSUPPORTED when
 * the board has no runner recipe or the cross compiler is missing. */
qe_status qe_runner_build(const qe_board *board, struct qe_qmodel *model, const char *model_name,
                          const char *runner_dir, const char *work_dir, char **image_path,
                          uint32_t *model_id, qe_ctx *ctx);

/* The id a runner built with @model reports in HELLO (CRC-32 of its
 * generated model.c), computed by generating the module under @work_dir.
 * For images built elsewhere (ESP-IDF, CCS, or passed with --image). */
qe_status qe_runner_model_id(struct qe_qmodel *model, const char *work_dir, uint32_t *model_id,
                             qe_ctx *ctx);

/* ---- firmware projects for boards Quantizer cannot build for ------------- */

/* Write a ready ESP-IDF project into @out_dir (created if needed): the
 * runner's protocol loop, the ESP32-S3 glue (USB-Serial/JTAG console,
 * CCOUNT cycles: targets/runner/boards/esp32s3.c), the generated model
 * and the engine's kernels under main/, CMakeLists.txt files,
 * sdkconfig.defaults and a README saying how to build (`idf.py build
 * flash`). *model_id (may be NULL) is the id the runner will report. */
qe_status qe_export_esp_idf(const qe_board *board, struct qe_qmodel *model, const char *model_name,
                            const char *runner_dir, const char *out_dir, uint32_t *model_id,
                            qe_ctx *ctx);

/* Write a ready Code Composer Studio project for the TI LAUNCHXL-F28P55X
 * into @out_dir: a .projectspec (CCS imports it; C2000Ware's driverlib and
 * device support are referenced), the linker command file, the runner, the
 * C28x glue (targets/runner/ti/), the generated model and the kernels with
 * int8 values kept in 16-bit words (qe_c28x_int8.h), and a README saying
 * what was checked without TI's tools. Models with uint8 I/O or moving
 * elements wider than 8 bits are refused (QE_ERR_UNSUPPORTED). */
qe_status qe_export_ccs(const qe_board *board, struct qe_qmodel *model, const char *model_name,
                        const char *runner_dir, const char *out_dir, uint32_t *model_id,
                        qe_ctx *ctx);

/* ---- detection ---------------------------------------------------------- */

typedef struct {
  char *port;        /* /dev/ttyACM0 */
  uint16_t vid, pid; /* 0 when not a USB port */
  char *manufacturer, *product, *serial;
  const char *probe;       /* "ST-LINK/V2-1", "CP210x USB-serial bridge", or NULL */
  const qe_board **boards; /* boards whose description lists vid:pid */
  size_t n_boards;
} qe_detected_port;

/* The serial ports present now (libserialport), with what is known of
 * them. Free with qe_detected_free(). */
qe_status qe_board_detect(const qe_board_list *list, qe_detected_port **out, size_t *n,
                          qe_ctx *ctx);
void qe_detected_free(qe_detected_port *ports, size_t n);
/* The name of a known probe or bridge (ST-LINK, XDS110, CP210x...), or NULL. */
const char *qe_usb_probe_name(uint16_t vid, uint16_t pid);

/* ---- pre-flight check -------------------------------------------------- */

/* Flash and RAM the runner itself takes beside the model: code of the
 * protocol loop, start-up and every int8 kernel, its frame buffers and an
 * 8 KiB stack. Measured from the runner images (text about 7 KiB with
 * three kernels; all kernels about 16 KiB), rounded up. */
#define QE_RUNNER_FLASH_BYTES (24u * 1024u)
#define QE_RUNNER_RAM_BYTES   (12u * 1024u)

typedef enum {
  QE_CHECK_ERROR = 0,    /* the model cannot run on the board as it is */
  QE_CHECK_NPU_FALLBACK, /* the layer runs, but on the CPU instead of the NPU */
} qe_check_severity;

typedef struct {
  qe_check_severity severity;
  int op;        /* op index, -1 for the whole model */
  char *op_name; /* the layer's name, or "op N" */
  const char *op_type;
  char *message; /* plain words: what breaks which limit, and what to do */
} qe_check_issue;

typedef struct {
  bool deployable;        /* fits and no QE_CHECK_ERROR */
  uint64_t weights_bytes; /* constant tensors */
  uint64_t flash_needed, flash_available;
  uint64_t arena_bytes; /* planned activations */
  uint64_t ram_needed, ram_available;
  uint64_t macs;
  double est_cycles, est_ms; /* the board's latency model */
  size_t n_layers, npu_layers;
  qe_check_issue *issues;
  size_t n_issues;
} qe_board_check_result;

/* Does @model (a prepared or preparable full-integer model) fit @board's
 * flash and RAM, do its ops and quantization meet the board's constraints,
 * and which layers would the NPU run? Issues name the layer. The result is
 * filled even when the model does not fit (that is not an error of this
 * call); free with qe_board_check_clear(). */
qe_status qe_board_check(const qe_board *board, struct qe_qmodel *model,
                         qe_board_check_result *result, qe_ctx *ctx);
void qe_board_check_clear(qe_board_check_result *result);

#ifdef __cplusplus
}
#endif
#endif /* QE_BOARD_H */
