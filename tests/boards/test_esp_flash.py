#!/usr/bin/python3
# test_esp_flash.py - the ESP32-S3 ROM loader client.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# 1. Vetting: npm esptool-js (Espressif's flasher, under node, through a
#    Web Serial stand-in over a Unix socket) connects to the emulator
#    (tests/boards/esprom_emu.py), identifies an ESP32-S3, writes an image
#    and checks the flash MD5; the emulator's flash must hold exactly the
#    image, and esptool-js must see the MD5 mismatch of a corrupting flash.
# 2. Quantizer's loader (engine/boards/qe_esprom.c, via board-tool) against
#    the vetted emulator on a pty: a clean flash, then faults: checksum
#    errors and lost answers (retried, success), corrupted flash (MD5
#    mismatch: never success), unplugged mid-write, silence, wrong chip,
#    image larger than flash.
#
# usage: test_esp_flash.py BOARD_TOOL NODE PEERS_NODE_MODULES WORKDIR
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, "esprom_emu.py")
CLIENT = os.path.join(HERE, "esptool_js_flash.mjs")
OFFSET = 0x10000


def main():
    tool, node, modules, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    t = boardlib.Tap()
    rnd = random.Random(32)
    data = bytes(rnd.getrandbits(8) for _ in range(40003))
    image = os.path.join(work, "image.bin")
    with open(image, "wb") as f:
        f.write(data)
    out_img = os.path.join(work, "flash.bin")
    sock = os.path.join(work, "esp.sock")

    def held():
        with open(out_img, "rb") as f:
            flash = f.read()
        return flash[OFFSET:OFFSET + len(data)] == data

    # -- 1. vetting with esptool-js -------------------------------------------
    if not os.path.isdir(os.path.join(modules, "esptool-js")):
        t.check(False, "esptool-js is installed in tests/peers/node_modules")
        t.done()
    with boardlib.Emulator(EMU, work, "--socket", sock, "--image", out_img):
        rc, out = boardlib.run([node, CLIENT, modules, sock, image, hex(OFFSET)], timeout=120)
    print(out.strip())
    t.check(rc == 0 and "CHIP ESP32-S3" in out and "RESULT verified" in out,
            "esptool-js identifies an ESP32-S3, writes and MD5-verifies through the emulator")
    t.check(os.path.exists(out_img) and held(), "the emulator's flash holds exactly what esptool-js wrote")
    with boardlib.Emulator(EMU, work, "--socket", sock, "--corrupt-flash"):
        rc, out = boardlib.run([node, CLIENT, modules, sock, image, hex(OFFSET)], timeout=120)
    t.check(rc != 0 and "MD5 mismatch" in out, "esptool-js sees the emulator's corrupted-flash fault")
    if t.failed:
        print("emulator not vetted: Quantizer's loader is not tested against it")
        t.done()

    # -- 2. Quantizer's ROM loader client ------------------------------------------
    def ours(emu, img=image):
        return boardlib.run([tool, "esp", emu.pty, img, hex(OFFSET), str(8 << 20)], timeout=120)

    os.unlink(out_img)
    with boardlib.Emulator(EMU, work, "--image", out_img) as emu:
        rc, out = ours(emu)
    print(out.strip())
    r = boardlib.line_starting(out, "flashed")
    t.check(rc == 0 and r and r["retries"] == "0" and "MD5 verified" in out and held(),
            "clean flash: MD5 verified, the emulator holds exactly the image")
    if r:
        print("# speed over a pty: %s KiB/s" % r["kib_per_s"])
    for fault in (["--nack-data", "5"], ["--drop-reply", "12"]):
        if os.path.exists(out_img):
            os.unlink(out_img)
        with boardlib.Emulator(EMU, work, "--image", out_img, *fault) as emu:
            rc, out = ours(emu)
        r = boardlib.line_starting(out, "flashed")
        t.check(rc == 0 and r and int(r["retries"]) >= 1 and held(),
                "%s: block sent again, MD5 verified (%s)" % (" ".join(fault), out.strip()))

    def fails(args, status, words, what, **kw):
        with boardlib.Emulator(EMU, work, *args) as emu:
            rc, out = ours(emu, **kw)
        e = boardlib.line_starting(out, "error")
        t.check(rc != 0 and "flashed" not in out and e is not None and e["status"] == str(status)
                and all(w in out for w in words), "%s -> %s" % (what, out.strip()))

    fails(["--corrupt-flash"], 12, ["MD5"], "corrupted flash: MD5 mismatch, never success")
    fails(["--unplug-after", "10"], 10, ["disconnected", "incomplete"], "unplugged mid-write")
    fails(["--silent"], 11, ["no answer from the ESP32 ROM loader"], "nothing answers: timeout")
    fails(["--chip-id", "5"], 10, ["wrong chip", "ESP32-C3"], "wrong chip (an ESP32-C3)")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(b"\0" * (8 << 20))
    fails([], 1, ["does not fit"], "image larger than flash", img=big)
    t.done()


main()
