#!/usr/bin/python3
# Provenance: written for Quantizer's benchmarks. Builds a MobileNetV2 with
# width 0.35, 128x128 RGB input and 5 classes (the model zoo's flowers
# model shape, ~0.4 M parameters) with seeded random weights and BatchNorm
# statistics (no training: the figures are about time and memory, not
# accuracy), exports it to ONNX, and in the same run measures:
#   * `qz quantize` (calibration + quantization + TFLite export, no
#     diagnostics) on 200 calibration samples, wall time;
#   * PyTorch FX post-training quantization (onednn qconfig: prepare_fx,
#     the same 200 samples, convert_fx), wall time, and the ratio;
#   * the peak RSS of `qz quantize` calibrating on 200 and on 2000 streamed
#     samples (random calibration, generated one at a time): histograms,
#     not stored activations, so it must stay flat.
# Prints the figures; never asserts on time. Exit 0, or 77 when torch is
# missing. Usage: quant-bench.py QZ
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("SKIP: torch is not installed")
    sys.exit(77)


def make_divisible(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


class Block(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hid = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), nn.ReLU6()]
        layers += [nn.Conv2d(hid, hid, 3, stride, 1, groups=hid, bias=False),
                   nn.BatchNorm2d(hid), nn.ReLU6(),
                   nn.Conv2d(hid, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.res else y


class MobileNetV2(nn.Module):
    def __init__(self, width=0.35, classes=5):
        super().__init__()
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
               (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        c = make_divisible(32 * width)
        feats = [nn.Conv2d(3, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU6()]
        for t, ch, n, s in cfg:
            out = make_divisible(ch * width)
            for i in range(n):
                feats.append(Block(c, out, s if i == 0 else 1, t))
                c = out
        last = 1280
        feats += [nn.Conv2d(c, last, 1, bias=False), nn.BatchNorm2d(last), nn.ReLU6()]
        self.features = nn.Sequential(*feats)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(last, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def build(path):
    torch.manual_seed(0)
    m = MobileNetV2()
    g = torch.Generator().manual_seed(1)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.5)
            mod.weight.data.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            mod.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
    m.eval()
    params = sum(p.numel() for p in m.parameters())
    torch.onnx.export(m, torch.zeros(1, 3, 128, 128), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    return m, params


def child_peak_rss_mb(cmd):
    """Run @cmd in a fresh Python child that reports its child's peak RSS."""
    code = ("import resource,subprocess,sys,time;t=time.time();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,"
            "stderr=subprocess.PIPE);"
            "print(r.returncode, time.time()-t,"
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "sys.stderr.write(r.stderr.decode()[-2000:])")
    r = subprocess.run([sys.executable, "-c", code] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    rc, secs, kb = r.stdout.split()
    if int(rc) != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    return float(secs), int(kb) / 1024.0


def main():
    qz = sys.argv[1]
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="qz-quant-bench-")
    try:
        onnx_path = os.path.join(tmp, "mbv2_035_128.onnx")
        model, params = build(onnx_path)
        rng = np.random.RandomState(0)
        # smooth random "images", normalized as the model zoo does ([-1, 1])
        x = rng.rand(200, 3, 16, 16).astype(np.float32)
        x = np.repeat(np.repeat(x, 8, axis=2), 8, axis=3) * 2.0 - 1.0
        x += rng.randn(*x.shape).astype(np.float32) * 0.05
        calib = os.path.join(tmp, "calib.npz")
        np.savez(calib, x=x, y=np.zeros(200, np.int64))

        out = os.path.join(tmp, "out")
        t_engine, rss = child_peak_rss_mb(
            [qz, "quantize", onnx_path, "--data", calib, "-o", out, "--quiet",
             "--diagnostic-samples", "0"])

        from torch.ao.quantization import get_default_qconfig_mapping
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
        torch.backends.quantized.engine = "onednn"
        xt = torch.from_numpy(x)
        t0 = time.time()
        prepared = prepare_fx(model, get_default_qconfig_mapping("onednn"), (xt[:1],))
        with torch.no_grad():
            for i in range(0, 200, 50):
                prepared(xt[i:i + 50])
        convert_fx(prepared)
        t_torch = time.time() - t0

        t200, rss200 = child_peak_rss_mb(
            [qz, "quantize", onnx_path, "--random-samples", "200", "-o",
             os.path.join(tmp, "r200"), "--quiet", "--diagnostic-samples", "0"])
        t2000, rss2000 = child_peak_rss_mb(
            [qz, "quantize", onnx_path, "--random-samples", "2000", "-o",
             os.path.join(tmp, "r2000"), "--quiet", "--diagnostic-samples", "0"])
        size = os.path.getsize(os.path.join(out, "quantized_models", "model_quantized.tflite"))
        res = {
            "model": "MobileNetV2 0.35, 128x128x3, 5 classes",
            "params": params,
            "calibration_samples": 200,
            "engine_s": round(t_engine, 3),
            "engine_peak_rss_mb": round(rss, 1),
            "torch_fx_ptq_s": round(t_torch, 3),
            "engine_vs_torch_time_ratio": round(t_engine / t_torch, 3),
            "tflite_bytes": size,
            "streamed_200": {"s": round(t200, 3), "peak_rss_mb": round(rss200, 1)},
            "streamed_2000": {"s": round(t2000, 3), "peak_rss_mb": round(rss2000, 1)},
            "rss_ratio_2000_vs_200": round(rss2000 / rss200, 3),
        }
        print(json.dumps(res, indent=2))
        print("qz quantize %.2f s vs PyTorch FX PTQ %.2f s (ratio %.2f); peak RSS "
              "%.1f MB with 200 samples, %.1f MB with 2000 (x%.3f)" % (
                  t_engine, t_torch, t_engine / t_torch, rss200, rss2000,
                  rss2000 / rss200))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
