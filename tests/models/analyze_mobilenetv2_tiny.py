#!/usr/bin/python3
# Provenance: analysis of the committed tests/models/mobilenetv2_tiny.pt
# (no training); writes mobilenetv2_tiny_analysis.json. Run:
#   /usr/bin/python3 tests/models/analyze_mobilenetv2_tiny.py
"""Where mobilenetv2_tiny's per-tensor collapse comes from, in float
PyTorch (weights fake-quantized to int8, activations kept float, on the
1000 test samples):

- folded depthwise weight ranges per layer (BN folded as the engine and
  FX do: w * gamma / sqrt(running_var + eps));
- "dead" channels: BN running_var < 1e-10, i.e. the conv's output is a
  constant on the training data (its input channel is always 0);
- accuracy with per-tensor and per-channel symmetric int8 weights, as is
  and after zeroing the weights of dead channels (exact: they multiply
  an all-zero input; only the folded bias remains);
- float accuracy with every ReLU6 replaced by ReLU, the usual
  precondition of cross-layer equalization (Nagel et al. 2019): it
  shows whether an equalization pass may ignore the clip at 6.
"""

import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import models  # noqa: E402


def fold(block):
    conv, bn = block[0], block[1]
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    c = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                  conv.stride, conv.padding, groups=conv.groups, bias=True)
    c.weight.data = (conv.weight * s[:, None, None, None]).detach().clone()
    c.bias.data = (bn.bias - bn.running_mean * s).detach().clone()
    dead = (bn.running_var < 1e-10).detach()
    block[0] = c
    block[1] = nn.Identity()
    return c, dead


def fake_quant_weights(model, per_channel):
    q = copy.deepcopy(model)
    for mod in q.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            w = mod.weight.data
            if per_channel:
                r = w.abs().flatten(1).amax(1).clamp_min(1e-12)
                sc = (r / 127.0).view([-1] + [1] * (w.dim() - 1))
            else:
                sc = w.abs().max() / 127.0
            mod.weight.data = torch.round(w / sc).clamp(-127, 127) * sc
    return q


@torch.no_grad()
def acc(model, x, y):
    p = torch.cat([model(torch.from_numpy(x[i:i + 250])).argmax(1)
                   for i in range(0, len(x), 250)]).numpy()
    return round(float((p == y).mean()), 4)


def main():
    torch.set_num_threads(1)
    m = models.load("mobilenetv2_tiny",
                    os.path.join(HERE, "mobilenetv2_tiny.pt"))
    with np.load(os.path.join(HERE, "mobilenetv2_tiny_test.npz")) as z:
        x, y = z["x"], z["y"]
    f = copy.deepcopy(m)
    layers, dead_all = [], []
    for name, mod in f.named_modules():
        if isinstance(mod, models.ConvBNAct):
            c, dead = fold(mod)
            dead_all.append((c, dead))
            if c.groups > 1:
                r = c.weight.detach().abs().flatten(1).amax(1).numpy()
                layers.append({
                    "layer": name + ".0",
                    "channels": int(r.size),
                    "max": float(r.max()), "min": float(r.min()),
                    "median": float(np.median(r)),
                    "max_over_median": float(r.max() / np.median(r)),
                    "dead_channels": [int(i) for i in
                                      np.flatnonzero(dead.numpy())],
                })
    out = {"float": acc(f, x, y),
           "weights_per_tensor": acc(fake_quant_weights(f, False), x, y),
           "weights_per_channel": acc(fake_quant_weights(f, True), x, y)}
    g = copy.deepcopy(f)
    n_dead = 0
    for (c, dead), c2 in zip(dead_all, [mm for mm in g.modules()
                                        if isinstance(mm, nn.Conv2d)]):
        c2.weight.data[dead] = 0.0
        n_dead += int(dead.sum())
    out["dead_channels_total"] = n_dead
    out["dead_zeroed_float"] = acc(g, x, y)
    out["dead_zeroed_weights_per_tensor"] = acc(
        fake_quant_weights(g, False), x, y)
    r = copy.deepcopy(f)
    for mod in r.modules():
        for k, ch in mod.named_children():
            if isinstance(ch, nn.ReLU6):
                setattr(mod, k, nn.ReLU())
    out["float_relu6_replaced_by_relu"] = acc(r, x, y)
    out["depthwise_layers"] = layers
    out["note"] = ("weights fake-quantized (symmetric int8), activations "
                   "float, on the %d samples of mobilenetv2_tiny_test.npz"
                   % len(y))
    path = os.path.join(HERE, "mobilenetv2_tiny_analysis.json")
    with open(path + ".tmp", "w") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    os.replace(path + ".tmp", path)
    print(json.dumps({k: v for k, v in out.items()
                      if k != "depthwise_layers"}, indent=2))


if __name__ == "__main__":
    main()
