#!/usr/bin/python3
# test_flash_tools.py - external flashing tools and their errors in plain
# words. The tools are stand-ins on PATH (shell scripts printing the real
# tools' messages: st-flash from stlink-tools 1.7, OpenOCD 0.12, dfu-util
# 0.11, STM32CubeProgrammer 2.x) since no probe is attached here; what is
# checked is Quantizer's side: the command it runs, success only after
# the tool's verification (or, for dfu-util, an upload read back and
# compared), and the translation of failures.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: test_flash_tools.py BOARD_TOOL WORKDIR
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402


def script(bindir, name, body):
    p = os.path.join(bindir, name)
    with open(p, "w") as f:
        f.write("#!/bin/sh\necho \"$0 $*\" >> \"$QZ_TOOL_LOG\"\n" + body + "\n")
    os.chmod(p, os.stat(p).st_mode | stat.S_IEXEC)


def main():
    tool, work = sys.argv[1:3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    image = os.path.join(work, "image.bin")
    with open(image, "wb") as f:
        f.write(os.urandom(3000))
    t = boardlib.Tap()
    cases = [
        ("st-flash", "echo 'st-flash 1.7.0'; echo 'Flash written and verified! jolly good!'; exit 0",
         0, ["verified by the tool"]),
        ("st-flash", "echo 'st-flash 1.7.0' ; echo 'Failed to connect to target'; exit 255",
         10, ["cannot reach the microcontroller"]),
        ("st-flash", "echo \"WARN common.c: Couldn't find any ST-Link devices\"; exit 255",
         10, ["no ST-LINK probe found"]),
        ("openocd", "echo 'Error: libusb_open() failed with LIBUSB_ERROR_ACCESS'; exit 1",
         10, ["no permission"]),
        ("openocd", "echo '** Programming Finished **'; echo 'Error: checksum mismatch - attempting binary compare'; "
                    "echo '** Verify Failed **'; exit 1", 12, ["verification failed"]),
        ("openocd", "echo 'Info : Target voltage: 0.000000'; echo 'Error: init mode failed (unable to connect to the target)'; exit 1",
         10, ["no power"]),
        ("cubeprog", "echo 'Error: No STM32 target found!'; exit 1", 10, ["cannot reach", "No STM32 target found"]),
        ("cubeprog", "echo 'Download verified successfully'; exit 0", 0, ["verified by the tool"]),
        ("dfu-util", "echo 'dfu-util: No DFU capable USB device available'; exit 74", 10, ["DFU mode"]),
    ]
    programs = {"st-flash": "st-flash", "openocd": "openocd", "dfu-util": "dfu-util",
                "cubeprog": "STM32_Programmer_CLI"}
    for i, (name, body, status, words) in enumerate(cases):
        bindir = os.path.join(work, "bin%d" % i)
        os.makedirs(bindir)
        script(bindir, programs[name], body)
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], QZ_TOOL_LOG=os.path.join(work, "log"))
        rc, out = boardlib.run([tool, "tool", name, image], env=env)
        ok = (rc == 0 and status == 0 and "flashed" in out) or \
             (rc != 0 and status != 0 and "status=%d" % status in out and "flashed" not in out)
        t.check(ok and all(w in out for w in words), "%s: %s" % (name, out.strip()))
    # dfu-util: success only when the upload reads the image back.
    for good in (True, False):
        bindir = os.path.join(work, "dfu-%s" % good)
        os.makedirs(bindir)
        src = image if good else "/dev/zero"
        script(bindir, "dfu-util",
               'case "$*" in *" -U "*) f=$(echo "$*" | sed "s/.* -U //"); head -c 3000 %s > "$f";; esac; exit 0' % src)
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], QZ_TOOL_LOG=os.path.join(work, "log"))
        rc, out = boardlib.run([tool, "tool", "dfu-util", image], env=env)
        if good:
            t.check(rc == 0 and "read back and compared" in out, "dfu-util: read back and compared")
        else:
            t.check(rc != 0 and "status=12" in out, "dfu-util: a read-back that differs is a failure")
    with open(os.path.join(work, "log")) as f:
        log = f.read()
    t.check("st-flash --reset write %s 0x08000000" % image in log and
            "program %s 0x08000000 verify reset exit" % image in log and
            "-w %s 0x08000000 -v -rst" % image in log and "-s 0x08000000:3000 -U" in log,
            "the tools are run with write + verify commands")
    t.done()


main()
