#!/usr/bin/python3
# report-numbers.py REPORT.json - the numbers the Compare page shows, as
# `qz run` wrote them: one "key value" a line.
import json
import sys

r = json.load(open(sys.argv[1]))
print("float_accuracy", r["float"]["accuracy"])
print("quantized_accuracy", r["quantized"]["accuracy"])
print("float_bytes", r["size"]["float_bytes"])
print("quantized_bytes", r["size"]["quantized_bytes"])
print("arena_bytes", r["size"]["arena_bytes"])
print("params", r["model"]["params"])
print("macs", r["model"]["macs"])
for i, layer in enumerate(r.get("layers", [])):
    print("sqnr_%d" % i, layer["sqnr_db"])
