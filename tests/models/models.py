# Model classes of Quantizer's trained test models.
#
# Provenance: written for Quantizer's test suite. Every <name>.pt beside
# this file is a state_dict of one of these classes (see MODELS below), so
# torch_ptq.py can reload it for PyTorch's own FX post-training quantizer.
# Only torch.nn modules and FX-traceable code: no data-dependent control
# flow, so torch.ao.quantization.quantize_fx can trace every model.
"""nn.Module definitions for the models in tests/models/."""

import math

import torch
import torch.nn as nn


class FashionCNN(nn.Module):
    """conv-bn-relu-maxpool x2 then one Gemm; input (N,1,28,28) in [0,1].

    The convolutions keep their bias (bias + BatchNormalization), so the
    engine's BN folding has to merge an existing bias too.
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=True)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(32)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        return self.fc(self.flatten(x))


def _make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout, k, stride=1, groups=1, act=True):
        layers = [
            nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups,
                      bias=False),
            nn.BatchNorm2d(cout),
        ]
        if act:
            layers.append(nn.ReLU6())
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 linear project."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers.append(ConvBNAct(cin, hidden, 1))
        layers.append(ConvBNAct(hidden, hidden, 3, stride, groups=hidden))
        layers.append(ConvBNAct(hidden, cout, 1, act=False))
        self.conv = nn.Sequential(*layers)
        self.use_res = stride == 1 and cin == cout

    def forward(self, x):
        if self.use_res:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2Tiny(nn.Module):
    """MobileNetV2 (width 0.35) for 3x32x32 inputs scaled to [-1, 1].

    Same block settings as MobileNetV2 (t, c, n, s), with the strides of
    the stem and the second stage set for 32x32 inputs; last 1x1 conv has
    `last_channels` outputs instead of 1280 to keep the file small.
    """

    SETTINGS = [
        # t, c, n, s
        (1, 16, 1, 1),
        (6, 24, 2, 1),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]

    def __init__(self, num_classes=10, width=0.35, last_channels=640,
                 stem_stride=2, in_channels=3):
        super().__init__()
        cin = _make_divisible(32 * width)
        layers = [ConvBNAct(in_channels, cin, 3, stem_stride)]
        for t, c, n, s in self.SETTINGS:
            cout = _make_divisible(c * width)
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, s if i == 0 else 1,
                                               t))
                cin = cout
        layers.append(ConvBNAct(cin, last_channels, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(last_channels, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.pool(self.features(x))))


class Conv1dSeries(nn.Module):
    """1D-conv classifier for multi-channel series, input (N, C, L)."""

    def __init__(self, in_channels=4, num_classes=2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(in_channels, 16, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm1d(16), nn.ReLU(),
            nn.Conv1d(16, 32, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm1d(32), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(32, 32, 3, padding=1, bias=False),
            nn.BatchNorm1d(32), nn.ReLU(),
            nn.Conv1d(32, 64, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm1d(64), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        return self.net(x)


class DSBlock(nn.Sequential):
    """Depthwise 3x3 + BN + ReLU, pointwise 1x1 + BN + ReLU."""

    def __init__(self, ch, stride=1):
        super().__init__(
            nn.Conv2d(ch, ch, 3, stride, 1, groups=ch, bias=False),
            nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch, 1, bias=False),
            nn.BatchNorm2d(ch), nn.ReLU(),
        )


class DSCNN(nn.Module):
    """DS-CNN keyword spotter (Zhang et al., "Hello Edge", DS-CNN-S shape)
    on log-mel patches, input (N, 1, n_mels, n_frames)."""

    def __init__(self, num_classes=10, ch=64, blocks=4, first_stride=2,
                 block_strides=None):
        super().__init__()
        strides = block_strides or [1] * blocks
        layers = [nn.Conv2d(1, ch, 3, first_stride, 1, bias=False),
                  nn.BatchNorm2d(ch), nn.ReLU()]
        for s in strides:
            layers.append(DSBlock(ch, s))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(ch, num_classes)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.features(x))))


class Attention(nn.Module):
    """Multi-head self-attention written with MatMul + Softmax."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.dh = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.softmax = nn.Softmax(dim=-1)
        self.scale = 1.0 / math.sqrt(self.dh)

    def forward(self, x):
        # shapes by indexing, not unpacking, so torch.fx can trace it
        n = x.shape[0]
        qkv = self.qkv(x).reshape(n, -1, 3, self.heads, self.dh)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = self.softmax(torch.matmul(q, k.transpose(-2, -1)) * self.scale)
        y = torch.matmul(att, v).transpose(1, 2)
        return self.proj(y.reshape(n, -1, self.heads * self.dh))


class EncoderBlock(nn.Module):
    """Pre-LN transformer encoder block with an erf-GELU MLP."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.gelu = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(self.gelu(self.fc1(self.ln2(x))))


class TinyTransformer(nn.Module):
    """Encoder-only transformer on token sequences, input (N, T, F)."""

    def __init__(self, tokens=8, features=8, dim=32, heads=2, hidden=64,
                 depth=2, num_classes=10):
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.pos = nn.Parameter(torch.zeros(1, tokens, dim))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.Sequential(
            *[EncoderBlock(dim, heads, hidden) for _ in range(depth)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.embed(x) + self.pos
        x = self.ln(self.blocks(x))
        return self.head(x.mean(dim=1))


# name -> (class, constructor kwargs). torch_ptq.py and the training
# scripts build models only through this table.
MODELS = {
    "fashion_cnn": (FashionCNN, {}),
    "mobilenetv2_tiny": (MobileNetV2Tiny, {}),
    "conv1d_series": (Conv1dSeries, {"in_channels": 4, "num_classes": 2}),
    "audio_kws": (DSCNN, {"num_classes": 10,
                          "block_strides": [2, 1, 1, 1]}),
    "audio_kws_zoo": (DSCNN, {"num_classes": 10,
                              "block_strides": [2, 2, 1, 1]}),
    "tiny_transformer": (TinyTransformer, {}),
}


def build(name):
    cls, kwargs = MODELS[name]
    return cls(**kwargs)


def load(name, path):
    model = build(name)
    model.load_state_dict(torch.load(path, map_location="cpu"))
    model.eval()
    return model
