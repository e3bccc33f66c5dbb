#!/usr/bin/python3
# test_qemu_runner.py - the runner firmware in QEMU, checked against the
# host engine: bit-identical outputs of the built-in self-test model (the
# engine's int8 kernels cross-compiled for Cortex-M vs. the same kernels on
# the host) and cycle counts repeatable under -icount shift=0.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: test_qemu_runner.py BOARD_TOOL FIRMWARE_DIR BOARD...
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

MACHINES = {
    "qemu-netduinoplus2": "netduinoplus2",
    "qemu-mps2-an386": "mps2-an386",
    "qemu-mps2-an500": "mps2-an500",
    "qemu-mps2-an505": "mps2-an505",  # secure world, booted from its ELF
    "qemu-mps3-an547": "mps3-an547",
}
ELF_IMAGE = {"qemu-mps2-an505"}


def main():
    tool, fwdir, boards = sys.argv[1], sys.argv[2], sys.argv[3:]
    t = boardlib.Tap()
    for board in boards:
        image = os.path.join(fwdir, "runner-%s.%s" % (board, "elf" if board in ELF_IMAGE else "bin"))
        runs = []
        for attempt in range(2):
            with boardlib.Qemu(MACHINES[board], image) as q:
                rc, out = boardlib.run([tool, "selftest", q.pty, "8", "20", "7"], timeout=120)
            print(out.strip())
            hello = boardlib.line_starting(out, "hello")
            val = boardlib.line_starting(out, "validate")
            t.check(rc == 0 and hello and val, "%s: runner answers and validates (run %d)" % (board, attempt + 1))
            if not (hello and val):
                continue
            t.check(hello["board"] == board, "%s: HELLO names the board" % board)
            t.check(val["samples"] == "8" and val["mismatched_samples"] == "0",
                    "%s: 8 samples bit-identical to the host int8 kernels" % board)
            runs.append(val)
        if len(runs) == 2:
            a, b = runs
            # Under -icount every instruction is 1 ns of virtual time: the
            # inference itself always takes the same time. SysTick's phase at
            # the start of an inference depends on when the host's bytes
            # arrived, so one inference may read one tick more or less.
            # (Different inputs take different paths through the kernels'
            # clamps and max-pooling, so min and max differ from each other.)
            t.check(abs(int(a["ticks_min"]) - int(b["ticks_min"])) <= 1 and
                    abs(int(a["ticks_max"]) - int(b["ticks_max"])) <= 1 and
                    abs(float(a["ticks_mean"]) - float(b["ticks_mean"])) <= 1.0,
                    "%s: cycle counts repeatable under -icount (%s..%s vs %s..%s)" % (
                        board, a["ticks_min"], a["ticks_max"], b["ticks_min"], b["ticks_max"]))
    t.done()


main()
