#!/usr/bin/python3
# test_detect.py - board detection with fake USB serial devices (umockdev).
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `qz boards --json` runs under umockdev-run with the hand-written device
# descriptions of umockdev/probes.umockdev (real VID:PIDs); libserialport
# reads their sysfs attributes; every port must map to its probe and boards.
#
# usage: test_detect.py QZ
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

EXPECT = {
    "/dev/ttyACM0": ("0483:374b", "ST-LINK/V2-1", ["nucleo-f446re"], "066DFF485550755187121234"),
    "/dev/ttyACM1": ("0483:374e", "STLINK-V3", ["b-u585i-iot02a", "nucleo-h743zi2"], "003A00283132510A33353533"),
    "/dev/ttyACM2": ("303a:1001", "Espressif USB-Serial/JTAG", ["esp32-s3-devkitc-1"], "7C:DF:A1:E0:12:34"),
    "/dev/ttyUSB0": ("10c4:ea60", "CP210x USB-serial bridge", ["esp32-s3-devkitc-1"], "9e2ab1f3c4d8ec11b3a2"),
    "/dev/ttyACM3": ("1a86:55d4", "CH343 USB-serial bridge", ["esp32-s3-devkitc-1"], "5434012345"),
    "/dev/ttyUSB1": ("1a86:7523", "CH340 USB-serial bridge", ["esp32-s3-devkitc-1"], "0000"),
    "/dev/ttyACM4": ("0451:bef3", "TI XDS110", ["launchxl-f28p55x"], "L4100123"),
    "/dev/ttyACM9": ("046d:c52b", None, [], None),
}


def main():
    qz = sys.argv[1]
    t = boardlib.Tap()
    if not shutil.which("umockdev-run"):
        t.check(False, "umockdev-run is installed (Debian package umockdev)")
        t.done()
    rc, out = boardlib.run(["umockdev-run", "-d", os.path.join(HERE, "umockdev", "probes.umockdev"),
                            "--", qz, "boards", "--json"], timeout=60)
    t.check(rc == 0, "qz boards --json runs under umockdev (exit %d)" % rc)
    try:
        doc = json.loads(out)
    except ValueError:
        print(out)
        t.check(False, "output is JSON")
        t.done()
    t.check(len(doc["boards"]) >= 11, "%d boards known" % len(doc["boards"]))
    got = {p["port"]: p for p in doc["connected"]}
    for port, (usb, probe, boards, serial) in EXPECT.items():
        p = got.get(port)
        t.check(p is not None and p["usb_id"] == usb and p["probe"] == probe and
                p["boards"] == boards and (serial is None or p["serial"] == serial),
                "%s %s -> %s %s" % (port, usb, probe, boards))
    rc, out = boardlib.run(["umockdev-run", "-d", os.path.join(HERE, "umockdev", "probes.umockdev"),
                            "--", qz, "boards"], timeout=60)
    t.check(rc == 0 and "/dev/ttyACM0     0483:374b ST-LINK/V2-1" in out and "-> nucleo-f446re" in out,
            "plain listing names port, VID:PID, probe and board")
    rc, out = boardlib.run([qz, "boards", "--bogus"], timeout=60)
    t.check(rc == 2, "unknown option is a usage error (exit 2)")
    t.done()


main()
