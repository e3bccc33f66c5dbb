#!/usr/bin/python3
# Provenance: written for Quantizer's test suite. `qz quantize` on good and
# bad input: every failure must exit 1 with one line naming the culprit and
# leave nothing in the output folder; random calibration is labelled.
# Models: tests/models/fashion_cnn.onnx, and a Relu-only model made here
# with onnx's helper (no quantizable op).
#
# Usage: test_cli.py QZ
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ.get("QZ_SOURCE_ROOT",
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
MODEL = os.path.join(SRC, "tests", "models", "fashion_cnn.onnx")
CALIB = os.path.join(SRC, "tests", "models", "fashion_cnn_calib.npz")

failures = []


def qz(*args):
    r = subprocess.run([QZ, "quantize", "--quiet"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    return r.returncode, r.stdout, r.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (": " + detail if detail and not cond else ""))
    if not cond:
        failures.append(name)


def expect_fail(name, outdir, words, *args):
    rc, out, err = qz(*args, "-o", outdir)
    lines = [ln for ln in err.strip().splitlines() if ln]
    check(name + " exits 1", rc == 1, "rc=%d err=%r" % (rc, err))
    check(name + " says one line", len(lines) == 1, repr(err))
    msg = lines[-1] if lines else ""
    for w in words:
        check(name + " names '%s'" % w, w in msg, msg)
    left = []
    if os.path.isdir(outdir):
        for root, _, files in os.walk(outdir):
            left += files
    check(name + " writes nothing", not left, repr(left))


def npz(path, x, y=None):
    arrays = {"x": x}
    if y is not None:
        arrays["y"] = y
    np.savez(path, **arrays)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="qz-quant-cli-")
    try:
        good = np.load(CALIB)["x"][:20]
        # wrong shape
        p = npz(os.path.join(tmp, "shape.npz"), np.zeros((5, 3, 28, 28), np.float32))
        expect_fail("wrong shape", os.path.join(tmp, "o1"), ["[1, 3, 28, 28]", "input"],
                    MODEL, "--data", p)
        # wrong type: strings
        p = npz(os.path.join(tmp, "type.npz"), np.array(["a", "b"]))
        expect_fail("wrong type", os.path.join(tmp, "o2"), ["x"], MODEL, "--data", p)
        # empty data set
        p = npz(os.path.join(tmp, "empty.npz"), np.zeros((0, 1, 28, 28), np.float32))
        expect_fail("empty data", os.path.join(tmp, "o3"), ["no samples"], MODEL, "--data", p)
        # no x member
        p = os.path.join(tmp, "nox.npz")
        np.savez(p, y=np.zeros(3, np.int64))
        expect_fail("missing x", os.path.join(tmp, "o4"), ["x"], MODEL, "--data", p)
        # NaN and infinity in the activations
        bad = good.copy()
        bad[3, 0, 5, 5] = np.nan
        p = npz(os.path.join(tmp, "nan.npz"), bad)
        expect_fail("NaN", os.path.join(tmp, "o5"), ["sample 3", "'input'", "NaN"], MODEL,
                    "--data", p)
        bad = good.copy()
        bad[0, 0, 1, 1] = np.inf
        p = npz(os.path.join(tmp, "inf.npz"), bad)
        expect_fail("infinity", os.path.join(tmp, "o6"), ["sample 0", "infinite"], MODEL,
                    "--data", p)
        # a model with no quantizable op
        import onnx
        from onnx import TensorProto, helper
        g = helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"], name="only_relu")], "relu_only",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
        mp = os.path.join(tmp, "relu.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), mp)
        p = npz(os.path.join(tmp, "relu.npz"), np.random.RandomState(0).randn(8, 1, 4)
                .astype(np.float32))
        expect_fail("no quantizable op", os.path.join(tmp, "o7"), ["no operator"], mp,
                    "--data", p)
        # bit widths the board cannot take
        expect_fail("board bits", os.path.join(tmp, "o8"),
                    ["weight bits 4", "esp32-s3-devkitc-1"], MODEL, "--data", CALIB,
                    "--board", "esp32-s3-devkitc-1", "--weight-bits", "4")
        expect_fail("4-bit activations in TFLite", os.path.join(tmp, "o9"),
                    ["4-bit activations", "onnx"], MODEL, "--data", CALIB,
                    "--activation-bits", "4")
        expect_fail("3-bit activations", os.path.join(tmp, "o9b"), ["activation bits 3"],
                    MODEL, "--data", CALIB, "--activation-bits", "3", "--format", "onnx")
        expect_fail("unknown board", os.path.join(tmp, "o10"), ["nosuchboard"], MODEL,
                    "--data", CALIB, "--board", "nosuchboard")
        expect_fail("bad method", os.path.join(tmp, "o11"), ["median"], MODEL, "--data", CALIB,
                    "--calib-method", "median")
        garbage = os.path.join(tmp, "garbage.onnx")
        with open(garbage, "wb") as f:
            f.write(b"\x08\x07\x12\xff\xff\xff")
        expect_fail("corrupt model", os.path.join(tmp, "o12"), ["garbage.onnx"], garbage,
                    "--data", CALIB)

        # 4-bit activations in the ONNX export: Clip before QuantizeLinear
        out = os.path.join(tmp, "ok0")
        rc, _, err = qz(MODEL, "--data", CALIB, "-o", out, "--activation-bits", "4",
                        "--format", "onnx", "--diagnostic-samples", "0")
        check("4-bit activations in ONNX succeed", rc == 0, err)
        m = onnx.load(os.path.join(out, "quantized_models", "model_quantized.onnx"))
        check("4-bit clips in the QDQ model",
              sum(1 for n in m.graph.node if n.op_type == "Clip" and "clip4" in n.name) >= 3)

        # constant activations (all-zero data): zero ranges are handled
        p = npz(os.path.join(tmp, "zeros.npz"), np.zeros((8, 1, 28, 28), np.float32))
        out = os.path.join(tmp, "ok1")
        rc, _, err = qz(MODEL, "--data", p, "-o", out, "--diagnostic-samples", "4")
        check("constant activations succeed", rc == 0, err)
        check("constant activations model", os.path.exists(
            os.path.join(out, "quantized_models", "model_quantized.tflite")))

        # random calibration is labelled as such; ONNX export
        out = os.path.join(tmp, "ok2")
        rc, _, err = qz(MODEL, "--random-samples", "16", "--format", "onnx", "-o", out,
                        "--diagnostic-samples", "0")
        check("random calibration succeeds", rc == 0, err)
        rep = json.load(open(os.path.join(out, "report.json")))
        check("report says random data", rep["quantization"]["calibration"]["random_data"])
        check("report warns", any("random" in w for w in rep["warnings"]))
        out2 = os.path.join(tmp, "ok2n")
        rc, _, err = qz(MODEL, "--random-samples", "8", "--random-range", "normal:0,1", "-o",
                        out2, "--diagnostic-samples", "0")
        check("random normal succeeds", rc == 0, err)
        rep2 = json.load(open(os.path.join(out2, "report.json")))
        check("report names the distribution",
              "normal" in rep2["quantization"]["calibration"]["data"])
        rc, _, err = qz(MODEL, "--random-range", "5,1", "-o", os.path.join(tmp, "bad"))
        check("bad random range is a usage error", rc == 2, err)
        check("onnx written", os.path.exists(
            os.path.join(out, "quantized_models", "model_quantized.onnx")))

        # the model zoo / Tensorlab keys reach the quantizer
        out = os.path.join(tmp, "ok3")
        rc, _, err = qz(MODEL, "--data", CALIB, "-o", out, "--set", "quantization=2",
                        "--set", "quantization_weight_bitwidth=4", "--set",
                        "extra_options=calib_moving_average", "--input-type", "uint8",
                        "--output-type", "int8", "--diagnostic-samples", "8")
        check("Tensorlab keys succeed", rc == 0, err)
        rep = json.load(open(os.path.join(out, "report.json")))
        qd = rep["quantization"]
        check("power of two", qd["power_of_two"] is True)
        check("4-bit weights", qd["weight_bits"] == 4)
        check("moving average", qd["calibration"]["method"] == "moving-average")
        check("uint8 input", qd["input_type"] == "uint8")
        scales = [L["scale"] for L in rep["layers"] if L.get("scale")]
        check("scales are powers of two",
              scales and all(abs(np.log2(s) - round(np.log2(s))) < 1e-6 for s in scales),
              repr(scales))
        check("layers have SQNR", all("sqnr_db" in L for L in rep["layers"]))

        # a board's recommended settings (targets/esp32-s3-devkitc-1.yaml:
        # per-tensor, power-of-two, int8 I/O) and equalization + bias
        # correction that per-tensor weights call for
        out = os.path.join(tmp, "ok4")
        rc, _, err = qz(MODEL, "--data", CALIB, "-o", out, "--board", "esp32-s3-devkitc-1",
                        "--diagnostic-samples", "0")
        check("board defaults succeed", rc == 0, err)
        qd = json.load(open(os.path.join(out, "report.json")))["quantization"]
        check("board: per-tensor", qd["granularity"] == "per_tensor")
        check("board: power of two", qd["power_of_two"] is True)
        check("board: int8 input", qd["input_type"] == "int8")
        check("board: equalization on", qd["equalization"]["enabled"] is True)
        check("board: bias correction on", qd["bias_correction"]["enabled"] is True)
        check("advice present", len(rep["advice"]) > 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    QZ = sys.argv[1]
    sys.exit(main())
