#!/usr/bin/python3
# check_report.py - report.json carries the DESIGN.md fields with the values
# of the sample report (tests/eval/sample-report.h), and the effective
# configuration of the flowers example, as valid JSON (Python's parser).
# Usage: check_report.py REPORT_TOOL CONFIG.yaml OUT.json
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import subprocess
import sys

tool, config, out = sys.argv[1:4]
subprocess.run([tool, config, out], check=True)
with open(out) as f:
    r = json.load(f)
problems = []


def expect(cond, what):
    if not cond:
        problems.append(what)


for key in ("model", "float", "quantized", "size", "output_error", "layers", "config",
            "board", "warnings", "classes", "quantizer_version", "run"):
    expect(key in r, f"missing top-level key {key}")
m = r["model"]
expect(set(("path", "format", "params", "macs")) <= set(m), "model fields")
expect(m["params"] == 410208 and m["macs"] == 15400000 and m["format"] == "onnx", "model values")
classes = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
expect(r["classes"] == classes, "classes")
for side in ("float", "quantized"):
    e = r[side]
    for key in ("accuracy", "per_class", "confusion", "latency_ms"):
        expect(key in e, f"{side}.{key} missing")
    expect(list(e["per_class"]) == classes, f"{side}.per_class names")
    for name, pc in e["per_class"].items():
        expect(set(pc) == {"precision", "recall", "f1", "support"}, f"{side}.per_class.{name}")
    conf = e["confusion"]
    expect(len(conf) == 5 and all(len(row) == 5 for row in conf), f"{side}.confusion shape")
    total = sum(map(sum, conf))
    expect(total == 200 == e["samples"], f"{side} samples")
    acc = sum(conf[i][i] for i in range(5)) / total
    expect(abs(acc - e["accuracy"]) < 1e-12, f"{side}.accuracy matches the confusion matrix")
    for i, name in enumerate(classes):
        expect(e["per_class"][name]["support"] == sum(conf[i]), f"{side} support of {name}")
expect(r["float"]["latency_ms"] == 4.25 and r["quantized"]["latency_ms"] == 1.75, "latency_ms")
expect(r["quantized"]["per_class"]["tulips"]["precision"] == 0, "zero division gives 0")
s = r["size"]
expect(s == {"float_bytes": 1640832, "quantized_bytes": 498000, "weights_bytes": 410208,
             "arena_bytes": 196608}, "size")
oe = r["output_error"]
expect(set(("rmse", "mae", "l2r", "cos", "nse")) <= set(oe) and oe["cos"] == 0.9991, "output_error")
expect(len(r["layers"]) == 24 and set(r["layers"][0]) == {"name", "op", "sqnr_db"}, "layers")
expect(r["layers"][17]["sqnr_db"] == 9.5, "layer 17")
b = r["board"]
expect(b["id"] == "NUCLEO-H743ZI2" and b["fits_flash"] is True and b["fits_ram"] is True, "board")
expect(b["latency_source"] == "estimate", "board latency is labelled an estimate")
c = r["config"]
expect(c["operation_mode"] == "quantization", "config.operation_mode")
q = c["quantization"]
expect(q["quantizer"] == "TFlite_converter" and q["weight_bits"] == 8 and
       q["optimize"] is False and q["calibration_method"] == "minmax", "config.quantization")
expect(c["preprocessing"]["rescaling"]["scale"] == "1/127.5", "fractions stay text")
expect(c["preprocessing"]["rescaling"]["offset"] == -1, "config numbers")
expect(c["dataset"]["class_names"][0] == "daisy", "config lists")
expect(any("mlflow" in w for w in r["warnings"]), "configuration warnings in the report")
expect(r["run"]["started"] == "2024-03-05T06:07:08Z", "run.started")

with open(out + ".empty") as f:
    e = json.load(f)
expect(e["float"] is None and e["model"]["params"] is None and e["size"]["arena_bytes"] is None
       and e["output_error"] is None and e["board"] is None and e["layers"] == [],
       "empty report: unknowns are null")
for p in problems:
    print("FAIL:", p)
print(f"report.json: {len(problems)} problems")
sys.exit(1 if problems else 0)
