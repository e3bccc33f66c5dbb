#!/usr/bin/python3
# test_runner_images.py - the prebuilt runner images, checked without a
# board: each fits the flash and RAM its board description (targets/*.yaml)
# states, its vector table sits at the board's boot address with the
# initial stack pointer at the top of its RAM and the reset vector on
# Reset_Handler (the ELF's entry point), every handler is a Thumb address
# inside the image, the start-up copies .data and clears .bss before
# main, and the board glue talks to the UART its board wires to the debug
# probe. The images were compiled with -Werror (targets/meson.build).
#
# This is all that can be checked for the STM32 Nucleo/Discovery boards
# here: no emulator models the F446's, H743's or U585's clock tree, power
# controller and USARTs, so clock set-up, UART and cycle counter need the
# real board. The emulated boards are also run (test_qemu_runner.py).
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: test_runner_images.py BOARDS_DIR FIRMWARE_DIR BOARD...
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

# The UART each board's probe (or QEMU's first serial port) is wired to:
# UM1724 (NUCLEO-F446RE: USART2), UM2407 (NUCLEO-H743ZI2: USART3), UM2839
# (B-U585I-IOT02A: USART1), QEMU's machines (netduinoplus2 USART1, MPS2/3
# CMSDK UART0; AN505's at its secure alias).
UART_BASE = {
    "nucleo-f446re": 0x40004400,
    "nucleo-h743zi2": 0x40004800,
    "b-u585i-iot02a": 0x40013800,
    "qemu-netduinoplus2": 0x40011000,
    "qemu-mps2-an386": 0x40004000,
    "qemu-mps2-an500": 0x40004000,
    "qemu-mps2-an505": 0x50200000,
    "qemu-mps3-an547": 0x49303000,
}
STACK_BYTES = 0x2000  # sections.ld's QR_STACK_SIZE


def yaml_int(text, key):
    m = re.search(r"^\s*%s:\s*(0x[0-9A-Fa-f]+|\d+)\s*$" % key, text, re.M)
    return int(m.group(1), 0) if m else None


def tool(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode(errors="replace")


def symbols(elf):
    rc, out = tool(["arm-none-eabi-nm", elf])
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    return syms


def sections(elf):
    rc, out = tool(["arm-none-eabi-readelf", "-S", "-W", elf])
    secs = {}
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            secs[m.group(1)] = (int(m.group(2), 16), int(m.group(4), 16))
    return secs


def entry(elf):
    rc, out = tool(["arm-none-eabi-readelf", "-h", elf])
    m = re.search(r"Entry point address:\s+(0x[0-9a-f]+)", out)
    return int(m.group(1), 16) if m else None


def function_text(dis, name):
    start = dis.find("<%s>:" % name)
    if start < 0:
        return ""
    end = dis.find("\n\n", start)
    return dis[start:end if end > 0 else len(dis)]


def uart_access(dis, name, base):
    """Does function @name load or store within 0x30 bytes of @base? Base
    addresses come from literal words, mov.w immediates or movw/movt
    pairs; offsets from [rN, #imm] operands."""
    text = function_text(dis, name)
    if not text:
        return False
    consts = set()
    for m in re.finditer(r"@ 0x([0-9a-f]+)", text):
        consts.add(int(m.group(1), 16))
    for m in re.finditer(r"\.word\s+0x([0-9a-f]+)", text):
        consts.add(int(m.group(1), 16))
    lo = {m.group(1): int(m.group(2), 0) for m in re.finditer(r"movw\s+(r\d+), #(\d+)", text)}
    for m in re.finditer(r"movt\s+(r\d+), #(\d+)", text):
        if m.group(1) in lo:
            consts.add(int(m.group(2), 0) << 16 | lo[m.group(1)])
    offsets = {0} | set(int(x, 0) for x in re.findall(r"\[r\d+, #(-?\d+)\]", text))
    return any(base <= c + o < base + 0x30 for c in consts for o in offsets)


def main():
    boards_dir, fwdir, boards = sys.argv[1], sys.argv[2], sys.argv[3:]
    t = boardlib.Tap()
    for b in boards:
        with open(os.path.join(boards_dir, b + ".yaml")) as f:
            y = f.read()
        flash_bytes, ram_bytes = yaml_int(y, "flash_bytes"), yaml_int(y, "ram_bytes")
        boot = yaml_int(y, "image_base")
        if boot is None:
            boot = yaml_int(y, "flash_base")
        elf = os.path.join(fwdir, "runner-%s.elf" % b)
        binf = os.path.join(fwdir, "runner-%s.bin" % b)
        syms, secs = symbols(elf), sections(elf)
        text, data, bss = secs.get(".text"), secs.get(".data"), secs.get(".bss")
        if not t.check(text and data and bss and "qr_vectors" in syms and "Reset_Handler" in syms,
                       "%s: the ELF has .text, .data, .bss, the vector table and Reset_Handler" % b):
            continue
        exidx = secs.get(".ARM.exidx", (0, 0))[1]
        flash_used = text[1] + exidx + data[1]
        ram_used = data[1] + bss[1] + STACK_BYTES
        bin_size = os.path.getsize(binf)
        print("# %s: flash %d of %d bytes, RAM %d of %d bytes (static %d + stack %d)" % (
            b, flash_used, flash_bytes, ram_used, ram_bytes, data[1] + bss[1], STACK_BYTES))
        t.check(flash_used <= flash_bytes and bin_size == flash_used,
                "%s: image (%d bytes, .bin %d) fits the board's %d bytes of flash" % (
                    b, flash_used, bin_size, flash_bytes))
        top = syms.get("__qr_stack_top", 0)
        ram_origin = data[0]
        t.check(ram_used <= ram_bytes and top - ram_origin <= ram_bytes,
                "%s: static data and stack (%d bytes) fit the board's %d bytes of RAM" % (
                    b, ram_used, ram_bytes))
        t.check(syms["qr_vectors"] == boot and text[0] == boot,
                "%s: vector table first in .text at the boot address 0x%08x" % (b, boot))
        with open(binf, "rb") as f:
            img = f.read(64)
        if b.startswith("qemu-mps2-an505"):
            # the image is the ELF; read the table from its .text
            img = subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", elf,
                                  "/dev/stdout"], stdout=subprocess.PIPE).stdout[:64]
        vec = struct.unpack("<16I", img[:64])
        t.check(vec[0] == top and top % 8 == 0 and ram_origin < top <= ram_origin + ram_bytes,
                "%s: initial SP 0x%08x = top of RAM, 8-byte aligned" % (b, vec[0]))
        ent = entry(elf)
        t.check(vec[1] == syms["Reset_Handler"] | 1 and ent is not None and ent | 1 == vec[1],
                "%s: reset vector 0x%08x = Reset_Handler | 1 = ELF entry" % (b, vec[1]))
        end = text[0] + text[1]
        handlers = [v for i, v in enumerate(vec[1:], 1) if v and i not in (7,)]
        t.check(all(v & 1 and text[0] <= (v & ~1) < end for v in handlers),
                "%s: every exception vector is a Thumb address inside the image" % b)
        rc, dis = tool(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf])
        rh = dis[dis.find("<Reset_Handler>:"):]
        rh = rh[:rh.find("\n\n")]
        t.check(re.search(r"\bbl\s+[0-9a-f]+ <main>", rh) is not None,
                "%s: Reset_Handler calls main after copying .data and clearing .bss" % b)
        base = UART_BASE.get(b)
        t.check(base is not None and all(uart_access(dis, f, base) for f in
                                          ("board_uart_putc", "board_uart_getc")),
                "%s: board_uart_putc/getc access the UART at 0x%08x" % (b, base or 0))
    t.done()


main()
