"""Reference SKNet-26/50/101 (docs/reference.md) and a small-image variant in PyTorch, plus the model-level
fixtures the Java sknet-models tests read.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 tools/reference/sknet_reference.py counts     # print params / MACs, check docs/reference.md
    /usr/bin/python3 tools/reference/sknet_reference.py fixtures   # write the files below

`fixtures` writes, into sknet-models/src/test/resources/fixtures/ (numpy.savez, uncompressed; the
state_dict exactly as PyTorch has it, 0-d num_batches_tracked included):

- sknet26_synthetic_logits.npz      x [2,3,64,64] float32, logits [2,10] float32, num_classes [10] int64
- sknet_cifar_synthetic_logits.npz  x [2,3,32,32] float32, logits [2,10] float32, num_classes [10] int64
- <variant>_keys.txt                the state_dict's keys and shapes (key TAB dims), in PyTorch's order
- tiny_state_dict.npz               synthetic state_dict of one small SK unit, keys "stage_1.0.*"
- sknet_counts.json                 params / MACs of every variant and per-layer MACs of SKNet-26 at 224

Weights are never shipped: both logits fixtures use synthetic_state_dict(), a closed-form
function of (sorted key position, flat index) that the Java side recomputes. The input x is
closed-form too (synthetic_input()). Only the logits are the reference result.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from skconv_reference import SKConv  # noqa: E402  (shared with the layer-level fixtures)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sknet-models", "src", "test",
                        "resources", "fixtures")

# One table for every variant, so the Java builders can be checked against it by eye.
#   stem:    "imagenet" = 7x7/2 conv + BN + ReLU + 3x3/2 max pool (docs/reference.md);
#            "cifar"    = 3x3/1 conv (pad 1) + BN + ReLU, no pool (32x32 inputs would be 8x8 after
#                         the ImageNet stem, leaving 1x1 maps in stage 4).
#   stages:  (in, mid, out, stride) of each stage; the first unit is SKUnit(in, mid, out, stride),
#            the others SKUnit(out, mid, out, 1).
#   units:   SK units per stage.
#   image:   input side used for the MAC count; classes: classes used for the counts.
IMAGENET_STAGES = [(64, 128, 256, 1), (256, 256, 512, 2), (512, 512, 1024, 2), (1024, 1024, 2048, 2)]
VARIANTS = {
    "sknet26": dict(stem="imagenet", stages=IMAGENET_STAGES, units=[2, 2, 2, 2], image=224, classes=1000),
    "sknet50": dict(stem="imagenet", stages=IMAGENET_STAGES, units=[3, 4, 6, 3], image=224, classes=1000),
    "sknet101": dict(stem="imagenet", stages=IMAGENET_STAGES, units=[3, 4, 23, 3], image=224, classes=1000),
    "sknet_cifar": dict(stem="cifar", stages=[(64, 64, 128, 1), (128, 128, 256, 2), (256, 256, 512, 2),
                                              (512, 512, 1024, 2)],
                        units=[2, 2, 2, 2], image=32, classes=10),
}

# docs/reference.md figures for 1000 classes at 224x224 (MACs to the precision docs/reference.md gives, in G).
SPEC_PARAMS = {"sknet26": 16_754_088, "sknet50": 27_494_888, "sknet101": 48_768_552}
SPEC_GMACS = {"sknet26": 2.587, "sknet50": 4.463, "sknet101": 8.449}


class SKUnit(nn.Module):
    """Bottleneck with an SKConv in place of the 3x3 conv (docs/reference.md, "SK unit")."""

    def __init__(self, in_channels, mid_channels, out_channels, stride=1, G=32, r=16, L=32):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, mid_channels, 1, bias=False),
                                   nn.BatchNorm2d(mid_channels), nn.ReLU(inplace=False))
        self.conv2_sk = SKConv(mid_channels, mid_channels, M=2, G=G, r=r, L=L, stride=stride)
        self.conv3 = nn.Sequential(nn.Conv2d(mid_channels, out_channels, 1, bias=False),
                                   nn.BatchNorm2d(out_channels))
        # Identity shortcut has no module at all, so no state_dict keys (as in the reference model).
        # Note: docs/reference.md only projects when in != out; a stride-2 unit always changes width here.
        if in_channels == out_channels:
            self.shortcut = None
        else:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x):
        residual = x if self.shortcut is None else self.shortcut(x)
        return self.relu(self.conv3(self.conv2_sk(self.conv1(x))) + residual)


class SKNet(nn.Module):
    def __init__(self, variant="sknet50", num_classes=1000):
        super().__init__()
        cfg = VARIANTS[variant]
        if cfg["stem"] == "imagenet":
            self.basic_conv = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
                                            nn.BatchNorm2d(64), nn.ReLU(inplace=False))
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.basic_conv = nn.Sequential(nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False),
                                            nn.BatchNorm2d(64), nn.ReLU(inplace=False))
            self.maxpool = nn.Identity()
        for s, ((cin, mid, cout, stride), n) in enumerate(zip(cfg["stages"], cfg["units"]), start=1):
            units = [SKUnit(cin, mid, cout, stride)] + [SKUnit(cout, mid, cout, 1) for _ in range(n - 1)]
            setattr(self, f"stage_{s}", nn.Sequential(*units))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(cfg["stages"][-1][2], num_classes)

    def forward(self, x):
        x = self.maxpool(self.basic_conv(x))
        x = self.stage_4(self.stage_3(self.stage_2(self.stage_1(x))))
        return self.classifier(torch.flatten(self.gap(x), 1))


class TinyUnitModel(nn.Module):
    """One small SK unit registered as stage_1[0], so its keys carry the full "stage_1.0." prefix
    and synthetic_state_dict() sorts and numbers them exactly as for a whole model."""

    def __init__(self):
        super().__init__()
        self.stage_1 = nn.Sequential(SKUnit(32, 32, 64, stride=2, G=8, r=16, L=8))

    def forward(self, x):
        return self.stage_1(x)


def build(variant, num_classes=None):
    return SKNet(variant, VARIANTS[variant]["classes"] if num_classes is None else num_classes)


# ---------------------------------------------------------------------------------------------
# Counting


def count_params(model):
    # PyTorch's own notion: parameters only, so BN running statistics and counters are excluded.
    return sum(p.numel() for p in model.parameters())


def count_macs(model, image):
    """Multiply-adds of one image: Conv2d and Linear only (bias, BN, ReLU, pooling, softmax and
    the SK sums/products are not counted). Returns (total, {module name: MACs})."""
    per_layer, hooks = {}, []

    def hook(name):
        def fn(mod, inp, out):
            if isinstance(mod, nn.Conv2d):
                k_h, k_w = mod.kernel_size
                macs = out.numel() * (mod.in_channels // mod.groups) * k_h * k_w
            else:
                macs = mod.in_features * mod.out_features
            per_layer[name] = per_layer.get(name, 0) + macs
        return fn

    names = []
    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            names.append(name)
            hooks.append(mod.register_forward_hook(hook(name)))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, image, image))
    for h in hooks:
        h.remove()
    # Registration order (stem, stage by stage, unit by unit, classifier) reads better than hook order.
    ordered = {n: per_layer[n] for n in names}
    return sum(ordered.values()), ordered


# ---------------------------------------------------------------------------------------------
# Synthetic, closed-form weights and inputs (mirrored in Java; keep the arithmetic order as is)


def synthetic_state_dict(model):
    """Deterministic state_dict of `model` that Java can recompute without shipped weights.

    keys = sorted(state_dict keys) (plain Python str sort, i.e. by code point); for the key at
    position k with shape S and flat C-order index i, in float64:
        base = sin(0.7*i + 1.3*k)                      (evaluated as sin((0.7*i) + (1.3*k)))
        *.num_batches_tracked         -> int64 zeros (left as is)
        *.weight, len(S) >= 2         -> base * sqrt(3.0 / fan_in), fan_in = prod(S[1:])
        *.weight, len(S) == 1 (BN)    -> 1 + 0.2*base
        *.bias                        -> 0.1*base
        *.running_mean                -> 0.1*base
        *.running_var                 -> 1 + (0.5*base)*base
    then cast to float32. The result is loaded into `model` (strict) and returned.

    For the Java mirror: k counts every key, num_batches_tracked included; the sort is by code
    point ("." < digits < "_" < letters), so "stage_3.10.*" sorts before "stage_3.2.*"; i and k
    must be promoted to double before the multiplications. sin() may differ by one double ulp
    between libm and Java, which can flip a rare float32 rounding: compare weights with a tiny
    tolerance rather than bit for bit.
    """
    current = model.state_dict()
    out = {}
    for k, key in enumerate(sorted(current.keys())):
        ref = current[key]
        shape = tuple(ref.shape)
        if key.endswith("num_batches_tracked"):
            out[key] = torch.zeros_like(ref)
            continue
        i = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.float64)
        base = np.sin(0.7 * i + 1.3 * k)
        if key.endswith(".weight") and len(shape) >= 2:
            fan_in = int(np.prod(shape[1:]))
            v = base * math.sqrt(3.0 / fan_in)
        elif key.endswith(".weight") and len(shape) == 1:
            v = 1.0 + 0.2 * base
        elif key.endswith(".bias"):
            v = 0.1 * base
        elif key.endswith("running_mean"):
            v = 0.1 * base
        elif key.endswith("running_var"):
            v = 1.0 + 0.5 * base * base
        else:
            raise ValueError(f"no synthetic rule for {key}")
        out[key] = torch.from_numpy(v.astype(np.float32).reshape(shape))
    model.load_state_dict(out, strict=True)
    return out


def synthetic_input(shape):
    """x[i] = sin(0.05*i) + 0.1*cos(0.17*i) over the flat C-order index i, in float64, then float32."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (np.sin(0.05 * i) + 0.1 * np.cos(0.17 * i)).astype(np.float32).reshape(shape)


# ---------------------------------------------------------------------------------------------
# Commands


def counts():
    results, layers = {}, None
    for variant, cfg in VARIANTS.items():
        model = build(variant)
        params = count_params(model)
        macs, per_layer = count_macs(model, cfg["image"])
        results[variant] = {"params": params, "macs": macs}
        if variant == "sknet26":
            layers = per_layer
        line = f"{variant:12s} classes={cfg['classes']:5d} image={cfg['image']:3d}  params={params:,}  " \
               f"MACs={macs:,} ({macs / 1e9:.3f} G)"
        if variant in SPEC_PARAMS:
            ok_p = params == SPEC_PARAMS[variant]
            ok_m = round(macs / 1e9, 3) == SPEC_GMACS[variant]
            line += f"  | SPEC {SPEC_PARAMS[variant]:,} {'OK' if ok_p else 'MISMATCH'}, " \
                    f"{SPEC_GMACS[variant]} G {'OK' if ok_m else 'MISMATCH'}"
        print(line)
        del model
    return results, layers


def save_npz(name, arrays):
    path = os.path.join(FIXTURES, name)
    np.savez(path, **arrays)
    return path


def logits_fixture(variant, shape):
    model = build(variant, num_classes=10)
    synthetic_state_dict(model)
    model.eval()
    x = synthetic_input(shape)
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()
        # Same weights in float64: tells the Java side how much float32 noise to tolerate.
        logits64 = model.double()(torch.from_numpy(x).double()).numpy()
    assert np.all(np.isfinite(logits))
    path = save_npz(f"{variant}_synthetic_logits.npz",
                    {"x": x, "logits": logits.astype(np.float32), "num_classes": np.array([10], dtype=np.int64)})
    rel = np.max(np.abs(logits - logits64)) / np.max(np.abs(logits64))
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes; x{list(x.shape)} float32, "
          f"logits{list(logits.shape)} float32, num_classes[1] int64; max|logit|={np.max(np.abs(logits)):.6g}; "
          f"float32 vs float64 max rel diff={rel:.2e}")
    print("  logits[0] =", np.array2string(logits[0], precision=5, max_line_width=200))
    # The reference's own key names and shapes, so the Java test rebuilds exactly this state_dict
    # (key order and naming are part of what the importer must get right).
    keys_path = os.path.join(FIXTURES, f"{variant}_keys.txt")
    with open(keys_path, "w") as f:
        for k, v in model.state_dict().items():
            f.write(k + "\t" + ",".join(str(d) for d in v.shape) + "\n")
    print(f"  {os.path.basename(keys_path)}: {len(model.state_dict())} keys")


def tiny_fixture():
    model = TinyUnitModel()
    sd = synthetic_state_dict(model)
    # exactly as `import-torch --help` says: 0-d int64 num_batches_tracked included
    arrays = {k: v.numpy() for k, v in model.state_dict().items()}
    assert arrays["stage_1.0.conv1.1.num_batches_tracked"].ndim == 0
    path = save_npz("tiny_state_dict.npz", arrays)
    size = os.path.getsize(path)
    assert size < 200_000
    print(f"{os.path.basename(path)}: {size} bytes; {len(arrays)} keys: "
          + ", ".join(f"{k}{list(v.shape)}" for k, v in arrays.items()))


def fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    logits_fixture("sknet26", (2, 3, 64, 64))
    logits_fixture("sknet_cifar", (2, 3, 32, 32))
    tiny_fixture()
    results, layers = counts()
    path = os.path.join(FIXTURES, "sknet_counts.json")
    with open(path, "w") as f:
        json.dump({**results, "sknet26_layers": layers}, f, indent=1)
        f.write("\n")
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes; {len(results)} variants, "
          f"{len(layers)} sknet26 layers (sum {sum(layers.values()):,})")


def main():
    torch.set_num_threads(1)  # shared 2-core machine
    cmd = sys.argv[1] if len(sys.argv) > 1 else "counts"
    if cmd == "counts":
        counts()
    elif cmd == "fixtures":
        fixtures()
    else:
        sys.exit(f"usage: {sys.argv[0]} counts|fixtures")


if __name__ == "__main__":
    main()
