#!/usr/bin/python3
# test_stlink_msd.py - flashing through the ST-LINK mass-storage drive.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A folder stands in for the drive (QZ_MSD_ROOTS points the search at it;
# DETAILS.TXT and MBED.HTM as a NUCLEO's drive has them) and a small
# process plays the probe: it takes a .bin once its size is stable, keeps
# it as "programmed" and removes it - or, as a failing probe does, writes
# FAIL.TXT - or never takes it. Checked: the drive is found by its label,
# the image arrives intact, FAIL.TXT and a probe that never answers are
# failures with the probe's words, a missing drive is named.
#
# usage: test_stlink_msd.py BOARD_TOOL WORKDIR
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

PROBE = r'''
import os, sys, time
drive, mode, out = sys.argv[1:4]
while True:
    bins = [f for f in os.listdir(drive) if f.upper().endswith(".BIN")]
    if bins:
        p = os.path.join(drive, bins[0])
        s1 = os.path.getsize(p); time.sleep(0.2); s2 = os.path.getsize(p)
        if s1 != s2 or s1 == 0:
            continue
        if mode == "ok":
            shutil_data = open(p, "rb").read()
            open(out, "wb").write(shutil_data)
            os.unlink(p)
        elif mode == "fail":
            os.unlink(p)
            open(os.path.join(drive, "FAIL.TXT"), "w").write("The interface firmware FAILED to reset/halt the target MCU\r\n")
        sys.exit(0)
    time.sleep(0.05)
'''


def main():
    tool, work = sys.argv[1:3]
    shutil.rmtree(work, ignore_errors=True)
    root = os.path.join(work, "media")
    drive = os.path.join(root, "NODE_F446RE")
    os.makedirs(drive)
    for name, text in (("DETAILS.TXT", "Version: V2J40M27\r\n"), ("MBED.HTM", "<html></html>\r\n")):
        with open(os.path.join(drive, name), "w") as f:
            f.write(text)
    image = os.path.join(work, "image.bin")
    data = os.urandom(40000)
    with open(image, "wb") as f:
        f.write(data)
    got = os.path.join(work, "programmed.bin")
    env = dict(os.environ, QZ_MSD_ROOTS=root)
    t = boardlib.Tap()

    def flash(mode, label="NODE_F446RE", timeout_ms="5000"):
        probe = subprocess.Popen([sys.executable, "-c", PROBE, drive, mode, got])
        try:
            return boardlib.run([tool, "msd", label, image, timeout_ms], env=env, timeout=60)
        finally:
            probe.terminate()
            probe.wait()

    rc, out = flash("ok")
    t.check(rc == 0 and "flashed bytes=40000" in out and open(got, "rb").read() == data,
            "copied to NODE_F446RE, taken by the probe intact: %s" % out.strip())
    rc, out = flash("ok", label="-")
    t.check(rc == 0, "found without a label by DETAILS.TXT in a NODE_* folder")
    rc, out = flash("fail")
    t.check(rc != 0 and "status=10" in out and "FAILED to reset/halt" in out and "flashed" not in out,
            "FAIL.TXT -> failure with the probe's words: %s" % out.strip())
    os.unlink(os.path.join(drive, "FAIL.TXT"))
    rc, out = flash("never", timeout_ms="1500")
    t.check(rc != 0 and "status=11" in out and "did not take the image" in out,
            "a probe that never takes the file -> timeout: %s" % out.strip())
    for f in os.listdir(drive):
        if f.upper().endswith(".BIN"):
            os.unlink(os.path.join(drive, f))
    rc, out = flash("ok", label="DIS_U585AI")
    t.check(rc != 0 and "no ST-LINK drive DIS_U585AI" in out, "missing drive named: %s" % out.strip())
    t.done()


main()
