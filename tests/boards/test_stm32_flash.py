#!/usr/bin/python3
# test_stm32_flash.py - the STM32 UART bootloader flasher (ST AN3155).
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# 1. Vetting: the real `stm32flash` (Debian) writes an image into the
#    emulator (tests/boards/an3155_emu.py), verifies it and reads it back;
#    the emulator's flash must then hold exactly the image, and stm32flash
#    must fail on an emulator whose flash rots. Only then is the emulator
#    trusted for step 2. stm32flash runs under tests/boards/ptyshim.c
#    (LD_PRELOAD), since a Linux pty refuses 8E1 and modem ioctls.
# 2. Quantizer's flasher (engine/boards/qe_stm32boot.c, via board-tool)
#    against the vetted emulator: a clean flash, then faults - NACKs, lost
#    ACKs, corrupted reads, dropped bytes (verified retries, success), rotten
#    flash (verification failure, never success), unplugged mid-write,
#    silence, wrong chip, image larger than flash, port held by another
#    program.
#
# usage: test_stm32_flash.py BOARD_TOOL PTYSHIM_SO WORKDIR
import os
import random
import subprocess
import sys
import fcntl
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, "an3155_emu.py")


def main():
    tool, shim, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    t = boardlib.Tap()
    rnd = random.Random(3155)
    image = os.path.join(work, "image.bin")
    data = bytes(rnd.getrandbits(8) for _ in range(50001))
    with open(image, "wb") as f:
        f.write(data)
    out_img = os.path.join(work, "flash.bin")
    env = dict(os.environ, LD_PRELOAD=shim, QZ_PTYSHIM_LOG=os.path.join(work, "shim.log"))

    # -- 1. vetting with stm32flash ---------------------------------------
    have = shutil.which("stm32flash")
    t.check(have is not None, "stm32flash is installed (Debian package stm32flash)")
    if not have:
        t.done()
    with boardlib.Emulator(EMU, work, "--image", out_img) as emu:
        rc, out = boardlib.run(["stm32flash", "-b", "115200", "-w", image, "-v", "-S", "0x08000000",
                                emu.pty], env=env, timeout=120)
        t.check(rc == 0 and "Device ID    : 0x0413" in out,
                "stm32flash identifies the emulator as an STM32F405 (0x413) and writes + verifies")
        back = os.path.join(work, "readback.bin")
        rc, out = boardlib.run(["stm32flash", "-b", "115200", "-r", back, "-S", "0x08000000:%d" % len(data),
                                emu.pty], env=env, timeout=120)
        t.check(rc == 0 and open(back, "rb").read() == data, "stm32flash reads the image back intact")
    t.check(open(out_img, "rb").read() == data, "the emulator's flash holds exactly the image stm32flash wrote")
    with open(os.path.join(work, "shim.log")) as f:
        t.check("cflag PARENB=1 PARODD=0 CS8=1 CSTOPB=0" in f.read(), "stm32flash asked for 8E1")
    with boardlib.Emulator(EMU, work, "--bitrot") as emu:
        rc, out = boardlib.run(["stm32flash", "-b", "115200", "-w", image, "-v", emu.pty], env=env, timeout=120)
        t.check(rc != 0, "stm32flash fails on the emulator's rotten-flash fault")
    if t.failed:
        print("emulator not vetted: Quantizer's flasher is not tested against it")
        t.done()

    # -- 2. Quantizer's flasher ---------------------------------------------
    def ours(emu, pid="0x413", go="1", extra_env=None, img=image):
        e = dict(os.environ, **(extra_env or {}))
        return boardlib.run([tool, "stm32", emu.pty, img, pid, go], env=e, timeout=180)

    with boardlib.Emulator(EMU, work, "--image", out_img) as emu:
        rc, out = ours(emu)
    print(out.strip())
    r = boardlib.line_starting(out, "flashed")
    t.check(rc == 0 and r and r["retries"] == "0", "clean flash succeeds without retries")
    t.check(open(out_img, "rb").read() == data, "the emulator holds exactly the image Quantizer wrote")
    if r:
        print("# speed over a pty: %s KiB/s (a 115200-baud UART tops out near 10 KiB/s)" % r["kib_per_s"])

    # (The libserialport path, 8E1 through a real port's code, is run by
    # test_deploy_e2e.py under umockdev, where the pty has a sysfs node.)

    for fault in (["--nack-write", "7"], ["--drop-ack", "5"], ["--corrupt-read", "9"],
                  ["--drop-bytes", "12001"]):
        with boardlib.Emulator(EMU, work, "--image", out_img, *fault) as emu:
            rc, out = ours(emu)
        r = boardlib.line_starting(out, "flashed")
        t.check(rc == 0 and r and int(r["retries"]) >= 1 and open(out_img, "rb").read() == data,
                "%s: verified retry, then success (%s)" % (" ".join(fault), out.strip()))

    def fails(fault_args, status, words, what, **kw):
        with boardlib.Emulator(EMU, work, *fault_args) as emu:
            rc, out = ours(emu, **kw)
        e = boardlib.line_starting(out, "error")
        ok = rc != 0 and "flashed" not in out and e is not None and e["status"] == str(status) \
            and all(w in out for w in words)
        t.check(ok, "%s -> %s" % (what, out.strip()))

    # qe_status numbers: 1 INVALID, 10 DEVICE, 11 TIMEOUT, 12 VERIFY, 13 BUSY
    fails(["--bitrot"], 12, ["verification failed"], "rotten flash: verification failure, never success")
    fails(["--unplug-after-writes", "20"], 10, ["disconnected", "incomplete"], "unplugged mid-write")
    fails(["--silent"], 11, ["no answer from the STM32 bootloader"], "nothing answers: timeout")
    fails(["--pid", "0x421"], 10, ["wrong chip", "0x421"], "wrong chip ID")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(b"\0" * (1024 * 1024 + 4))
    fails([], 1, ["does not fit"], "image larger than flash", img=big)

    # A second program holding the port (flock, as our own flasher does).
    with boardlib.Emulator(EMU, work) as emu:
        holder = subprocess.Popen([sys.executable, "-c",
                                   "import fcntl,os,sys,time\n"
                                   "fd=os.open(sys.argv[1],os.O_RDWR|os.O_NOCTTY)\n"
                                   "fcntl.flock(fd,fcntl.LOCK_EX)\nprint('held',flush=True)\ntime.sleep(30)",
                                   emu.pty], stdout=subprocess.PIPE)
        holder.stdout.readline()
        rc, out = ours(emu)
        holder.terminate()
        holder.wait()
    e = boardlib.line_starting(out, "error")
    t.check(rc != 0 and e and e["status"] == "13" and "in use by another program" in out,
            "port held by another program -> %s" % out.strip())
    t.done()


main()
