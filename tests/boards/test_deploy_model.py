#!/usr/bin/python3
# test_deploy_model.py - `qz deploy MODEL`: pre-flight checks, and a model
# built into the runner with its generated C code, run in QEMU and compared
# with the host int8 engine bit for bit.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: test_deploy_model.py QZ MAKE_TEST_MODEL WORKDIR
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402


def js(out):
    try:
        return json.loads(out[out.index("{"):])
    except ValueError:
        return None


def main():
    qz, maker, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    t = boardlib.Tap()
    cnn = os.path.join(work, "cnn.tflite")
    big = os.path.join(work, "big.tflite")
    for kind, path in (("cnn", cnn), ("big", big)):
        rc, out = boardlib.run([maker, kind, path])
        t.check(rc == 0, "made the %s test model" % kind)

    # Pre-flight checks.
    rc, out = boardlib.run([qz, "deploy", big, "--board", "qemu-netduinoplus2", "--check", "--json"])
    d = js(out)
    t.check(rc == 1 and d and not d["check"]["deployable"] and
            any(i["severity"] == "error" and "flash" in i["message"] for i in d["check"]["issues"]),
            "1.5 MiB of weights do not fit netduinoplus2's 1 MiB flash: error naming flash")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "esp32-s3-devkitc-1", "--check", "--json"])
    d = js(out)
    msgs = [i for i in (d["check"]["issues"] if d else []) if i["severity"] == "error"]
    t.check(rc == 1 and any(i["op_type"] == "CONV_2D" and "per-tensor" in i["message"] for i in msgs) and
            any("power of two" in i["message"] for i in msgs),
            "ESP32-S3: per-channel weights and non-power-of-two scales are errors naming the layer")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "launchxl-f28p55x", "--check", "--json"])
    d = js(out)
    notes = [i for i in (d["check"]["issues"] if d else []) if i["severity"] == "npu-fallback"]
    t.check(rc == 0 and d["check"]["deployable"] and
            any(i["op_type"] == "CONV_2D" and "power of two" in i["message"] for i in notes),
            "TI F28P55: fits; layers with non-power-of-two scales fall back to the CPU (named)")
    t.check(d and d["check"]["npu_layers"] >= 1, "TI F28P55: the max pool runs on the NPU")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "qemu-mps3-an547", "--check"])
    t.check(rc == 0 and "can be deployed" in out and "estimated" in out,
            "plain check output names fit and the estimate")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "no-such-board", "--check"])
    t.check(rc == 1 and "unknown board 'no-such-board'" in out and "qemu-mps3-an547" in out,
            "unknown board: exit 1 naming the known ones")

    # The generated model in the runner, in QEMU.
    for board in ("qemu-mps3-an547", "qemu-netduinoplus2", "qemu-mps2-an505"):
        rc, out = boardlib.run([qz, "deploy", cnn, "--board", board, "--validate", "6", "--json"],
                               timeout=300)
        d = js(out)
        ok = rc == 0 and d and d.get("ok")
        t.check(ok and d["validation"]["bit_identical"] and d["validation"]["samples"] == 6 and
                d["runner"]["model"] == "cnn.tflite",
                "%s: generated model built into the runner, 6 samples bit-identical to the host" % board)
        if ok:
            v = d["validation"]
            t.check(v["inputs"] == "random" and "random int8" in v["inputs_detail"],
                    "%s: without --data the inputs are random and said so" % board)
            print("# %s cnn.tflite: %.0f ticks/inference (%s), estimate %.3f ms" % (
                board, v["ticks_mean"], v["counter"], v["estimated_ms"]))

    # Real samples (--data): an .npz of preprocessed float inputs, and a
    # YAML configuration whose test set is that .npz; each sample is
    # quantized with the model's input scale and must come back from the
    # board bit-identical to the host engine.
    import numpy as np
    rng = np.random.RandomState(7)
    npz = os.path.join(work, "samples.npz")
    np.savez(npz, x=rng.uniform(-1, 1, (5, 16, 16, 1)).astype(np.float32),
             y=np.arange(5, dtype=np.int64))
    cfg = os.path.join(work, "deploy-config.yaml")
    with open(cfg, "w") as f:
        f.write("general:\n  model_path: %s\noperation_mode: evaluation\n"
                "dataset:\n  test_path: %s\n" % (cnn, npz))
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "qemu-mps3-an547", "--validate", "8",
                            "--data", npz, "--json"], timeout=300)
    d = js(out)
    v = d.get("validation", {}) if d else {}
    t.check(rc == 0 and v.get("inputs") == "data" and v.get("samples") == 5 and
            v.get("bit_identical") and "samples.npz" in v.get("inputs_detail", ""),
            "--data NPZ: the 5 real samples (of 8 asked) ran on the board, bit-identical")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "qemu-mps2-an505", "--validate", "3",
                            "--data", cfg], timeout=300)
    t.check(rc == 0 and "3 test samples of" in out and "3 of 3 samples bit-identical" in out and
            "estimate" in out,
            "--data CONFIG.yaml: 3 of its test samples on the secure-world AN505, measured "
            "latency shown beside the estimate")
    bad = os.path.join(work, "bad.npz")
    np.savez(bad, x=np.zeros((2, 8, 8, 1), np.float32), y=np.zeros(2, np.int64))
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", "qemu-mps3-an547", "--data", bad],
                           timeout=300)
    t.check(rc == 1 and "bad.npz" in out, "--data with samples of the wrong shape: exit 1 naming the file")
    rc, out = boardlib.run([qz, "deploy", "--selftest", "--board", "qemu-mps3-an547", "--data", npz])
    t.check(rc == 2, "--data without a model is a usage error")

    # The STM32 boards, up to the flash: the model built into their runner
    # and copied to the ST-LINK drive (a folder with the probe's label; a
    # process plays the probe, as in test_stlink_msd.py), and the prebuilt
    # self-test image. What the board then does needs the board.
    import subprocess
    import time
    probe_src = ("import os, sys, time\n"
                 "drive, out = sys.argv[1:3]\n"
                 "while True:\n"
                 "    b = [f for f in os.listdir(drive) if f.upper().endswith('.BIN')]\n"
                 "    if b:\n"
                 "        p = os.path.join(drive, b[0]); s1 = os.path.getsize(p); time.sleep(0.2)\n"
                 "        if s1 and s1 == os.path.getsize(p):\n"
                 "            open(out, 'wb').write(open(p, 'rb').read()); os.unlink(p)\n"
                 "    time.sleep(0.05)\n")
    for board, label in (("nucleo-f446re", "NODE_F446RE"), ("nucleo-h743zi2", "NOD_H743ZI"),
                         ("b-u585i-iot02a", "DIS_U585AI")):
        root = os.path.join(work, "msd-" + board)
        drive = os.path.join(root, label)
        os.makedirs(drive, exist_ok=True)
        with open(os.path.join(drive, "DETAILS.TXT"), "w") as f:
            f.write("Version: V3J7M3\r\n")
        got = os.path.join(work, "programmed-%s.bin" % board)
        build = os.path.join(work, "build-" + board)
        env = dict(os.environ, QZ_MSD_ROOTS=root)
        probe = subprocess.Popen([sys.executable, "-c", probe_src, drive, got])
        try:
            rc, out = boardlib.run([qz, "deploy", cnn, "--board", board, "--build-dir", build,
                                    "--json"], timeout=300, env=env)
            d = js(out)
            img = os.path.join(build, "runner-%s.bin" % board)
            same = os.path.exists(got) and os.path.exists(img) and \
                open(got, "rb").read() == open(img, "rb").read()
            t.check(rc == 0 and d and d.get("method") == "stlink-msd" and same,
                    "%s: the model built into its runner, copied to the ST-LINK drive intact "
                    "(the board itself is not emulated)" % board)
            if os.path.exists(got):
                os.unlink(got)
            rc, out = boardlib.run([qz, "deploy", "--selftest", "--board", board, "--json"],
                                   timeout=120, env=env)
            d = js(out)
            t.check(rc == 0 and d and d.get("flash", {}).get("bytes", 0) > 4096,
                    "%s: the prebuilt self-test runner flashes with no toolchain" % board)
        finally:
            probe.terminate()
            probe.wait()
    t.done()


main()
