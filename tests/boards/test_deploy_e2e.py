#!/usr/bin/python3
# test_deploy_e2e.py - `qz deploy` end to end, with no hardware.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# netduinoplus2 (STM32F405), the way a real board goes:
#   a umockdev testbed shows a fake ST-LINK/V2-1 (0483:374B) whose
#   /dev/ttyACM0 is a pty; behind it the AN3155 bootloader emulator (vetted
#   by stm32flash in test_stm32_flash.py) takes the runner image; on GO it
#   boots the flashed bytes in qemu-system-arm -M netduinoplus2 -icount
#   shift=0 and bridges the same line to the board's USART1. `qz boards`
#   must detect the probe (libserialport reading the testbed's sysfs);
#   `qz deploy --selftest --port /dev/ttyACM0` must flash, read back, GO,
#   and validate on the board: outputs bit-identical to the host int8
#   engine, cycle counts repeatable. (The port is a pty, so qz opens it
#   with termios: libserialport 0.1.1 refuses to set parity on a pty even
#   under tests/boards/ptyshim.c; stm32flash's 8E1 is checked in
#   test_stm32_flash.py.)
# mps3-an547 (Cortex-M55): `qz deploy --selftest` boots it in QEMU itself.
#
# usage: test_deploy_e2e.py QZ FIRMWARE_DIR WORKDIR MAKE_TEST_MODEL
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, "an3155_emu.py")


def preload_lib():
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        p = os.path.join(d, "libumockdev-preload.so.0")
        if os.path.exists(p):
            return p
    return None


def deploy_json(out):
    try:
        return json.loads(out[out.index("{"):])
    except ValueError:
        return None


def main():
    qz, fwdir, work, maker = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    t = boardlib.Tap()
    try:
        import gi
        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev
    except (ImportError, ValueError):
        t.check(False, "umockdev's GObject bindings (Debian gir1.2-umockdev-1.0) are installed")
        t.done()
    preload = preload_lib()
    t.check(preload is not None, "libumockdev-preload.so.0 found")

    # -- netduinoplus2 through the fake ST-LINK and the bootloader ----------
    cnn = os.path.join(work, "cnn.tflite")
    boardlib.run([maker, "cnn", cnn])
    runs = []
    for attempt in range(3):
        # Runs 0 and 1: the prebuilt self-test runner; run 2: a model built
        # into the runner from its generated C code.
        what = ["--selftest"] if attempt < 2 else [cnn]
        tb = UMockdev.Testbed.new()
        t.check(tb.add_from_file(os.path.join(HERE, "umockdev", "stlink-v2-1.umockdev")),
                "testbed with a fake ST-LINK/V2-1")
        master = tb.get_dev_fd("/dev/ttyACM0")
        image = os.path.join(work, "flashed-%d.bin" % attempt)
        ready = os.path.join(work, "emu.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        emu = subprocess.Popen([sys.executable, EMU, "--ready", ready, "--fd", str(master),
                                "--image", image, "--go-qemu", "netduinoplus2"], pass_fds=[master])
        env = dict(os.environ, UMOCKDEV_DIR=tb.get_root_dir(), LD_PRELOAD=preload,
                   QZ_FIRMWARE_DIR=fwdir)
        try:
            if attempt == 0:
                rc, out = boardlib.run([qz, "boards", "--json"], env=env, timeout=60)
                doc = deploy_json(out)
                ports = {p["port"]: p for p in doc["connected"]} if doc else {}
                p = ports.get("/dev/ttyACM0")
                t.check(rc == 0 and p and p["probe"] == "ST-LINK/V2-1" and p["usb_id"] == "0483:374b",
                        "qz boards detects the fake ST-LINK/V2-1 on /dev/ttyACM0")
            rc, out = boardlib.run([qz, "deploy"] + what + ["--board", "qemu-netduinoplus2",
                                    "--port", "/dev/ttyACM0", "--validate", "8", "--iterations", "5",
                                    "--json"], env=env, timeout=240)
        finally:
            emu.terminate()
            emu.wait()
            os.close(master)
        print(out.strip())
        doc = deploy_json(out)
        ok = rc == 0 and doc and doc.get("ok")
        t.check(ok and doc["method"] == "stm32-uart" and doc["flash"]["verified"],
                "qz deploy flashed the runner through the STM32 bootloader, read back and verified")
        if attempt < 2:
            with open(os.path.join(fwdir, "runner-qemu-netduinoplus2.bin"), "rb") as f:
                want = f.read()
            with open(image, "rb") as f:
                got = f.read()
            t.check(got == want.rstrip(b"\xff"), "the emulated flash holds the runner image byte for byte")
        if ok:
            v = doc["validation"]
            t.check(v["bit_identical"] and v["samples"] == 8 and doc["runner"]["board"] == "qemu-netduinoplus2",
                    "the flashed board runs %s bit-identical to the host (8 samples)" % doc["runner"]["model"])
            if attempt < 2:
                runs.append(v)
        elif attempt == 2:
            t.check(False, "the generated model flashed through the bootloader runs on the board")
    if len(runs) == 2:
        a, b = runs
        t.check(abs(a["ticks_min"] - b["ticks_min"]) <= 1 and abs(a["ticks_max"] - b["ticks_max"]) <= 1
                and abs(a["ticks_mean"] - b["ticks_mean"]) <= 1,
                "cycle counts repeatable across two flash+boot runs (%.1f vs %.1f ticks)" % (
                    a["ticks_mean"], b["ticks_mean"]))
        print("# netduinoplus2 self-test: %.1f SysTick ticks at 168 MHz = %.4f ms virtual" % (
            a["ticks_mean"], a["latency_ms"]))

    # -- mps3-an547 (Cortex-M55) booted by qz itself --------------------------
    env = dict(os.environ, QZ_FIRMWARE_DIR=fwdir)
    means = []
    for attempt in range(2):
        rc, out = boardlib.run([qz, "deploy", "--selftest", "--board", "qemu-mps3-an547", "--validate", "8",
                                "--iterations", "5", "--json"], env=env, timeout=240)
        doc = deploy_json(out)
        ok = rc == 0 and doc and doc.get("ok") and doc["validation"]["bit_identical"]
        t.check(ok and doc["method"] == "qemu" and doc["runner"]["board"] == "qemu-mps3-an547",
                "mps3-an547 (M55): self-test bit-identical to the host (run %d)" % (attempt + 1))
        if ok:
            means.append(doc["validation"]["ticks_mean"])
    if len(means) == 2:
        t.check(abs(means[0] - means[1]) <= 1, "M55 cycle counts repeatable (%s)" % means)
        print("# mps3-an547 self-test: %.1f SysTick ticks at 32 MHz" % means[0])
    t.done()


main()
