"""Fixtures for importing timm's SK models and PyTorch state_dict files (issue 13).

Run from the repository root with Debian's PyTorch 1.13 and timm 1.0.29 on PYTHONPATH:

    /usr/bin/python3 -m pip download --no-deps timm==1.0.29 -d /tmp/timm
    mkdir -p /tmp/timmpkg && (cd /tmp/timmpkg && unzip -q -o /tmp/timm/timm-1.0.29-py3-none-any.whl)
    PYTHONPATH=/tmp/timmpkg /usr/bin/python3 tools/reference/timm_reference.py

Writes into sknet-models/src/test/resources/fixtures/torch/:

- <model>.npz.gz.gz          numpy.savez_compressed(path, **{k: v.numpy() for k, v in sd.items()})
- <model>.safetensors.gz.gz  the safetensors file (written here byte for byte as the `safetensors`
                             package writes it; the package is not installed here)
- <model>.pth.gz.gz          torch.save(model.state_dict(), path)
- <model>_logits.npz         x [2,3,S,S] float32, the eval-mode logits [2,10] float32 and the same
                             logits computed in float64 (logits64)
  for <model> in skresnet18, skresnet34, skresnext50_32x4d (timm, num_classes=10) and
  sknet_cifar (the reference SKNet of sknet_reference.py, saved with plain numpy.savez as
  `import-torch --help` says, 0-d num_batches_tracked included; .npz.gz.gz)
- dtypes.npz / dtypes.safetensors / dtypes.pth  small state_dict-like files exercising every
  dtype, byte order, memory order, 0-d arrays and (pth) views with storage offsets and strides,
  with their expected values in dtypes_expected.npz (float64 / int64, C order)
- timm_counts.json         parameters at 1000 classes and multiply-adds at 224 of the three models

The double gzip wrapping (.gz.gz) is only for the repository's size: the Java tests gunzip twice into
a temporary directory and read the files exactly as PyTorch / numpy wrote them.

Weights. A 12-27M parameter model is 48-110 MB of float32, so the weights are made compressible:
each conv / linear weight is a slice of one random 31-value table (a period of 31 over the flat
index, random per-tensor phase and a He-style scale); BatchNorm weights and biases, the classifier
bias and the running statistics are fully random (running statistics: measured on random images in
train mode, then perturbed at random). Inputs are random normal.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "sknet-models", "src", "test", "resources", "fixtures", "torch")
PERIOD = 31
TIMM_MODELS = {"skresnet18": 64, "skresnet34": 64, "skresnext50_32x4d": 64}


def fill(model, seed):
    g = np.random.default_rng(seed)
    table = g.standard_normal(PERIOD)
    with torch.no_grad():
        for name, p in model.named_parameters():
            n = p.numel()
            if p.dim() >= 2:
                fan_in = p[0].numel()
                phase = int(g.integers(PERIOD))
                v = table[(phase + np.arange(n)) % PERIOD] * np.sqrt(2.0 / fan_in) * g.uniform(0.7, 1.0)
            elif name.endswith("weight"):
                v = g.uniform(0.6, 1.4, n)
            else:
                v = g.normal(0.0, 0.1, n)
            p.copy_(torch.from_numpy(v.astype(np.float32).reshape(p.shape)))
        # running statistics: measured on random images, then perturbed
        bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        for m in bns:
            m.momentum = None  # cumulative average
        model.train()
        for _ in range(3):
            model(torch.from_numpy(g.standard_normal((2, 3, 64, 64)).astype(np.float32)))
        for m in bns:
            c = m.num_features
            m.running_mean.add_(torch.from_numpy(g.normal(0, 0.05, c).astype(np.float32)))
            m.running_var.mul_(torch.from_numpy(g.uniform(0.8, 1.25, c).astype(np.float32)))
            m.momentum = 0.1
    model.eval()
    return g


# --- safetensors, by hand (https://github.com/huggingface/safetensors: 8-byte little-endian header
# length, JSON header {name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, raw
# little-endian C-order data; tensors laid out by descending dtype size, then name, as the
# safetensors package does)
ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
             np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint8"): "U8",
             np.dtype("int8"): "I8", np.dtype("bool"): "BOOL", np.dtype("int16"): "I16"}


def save_safetensors(path, tensors, metadata=None):
    """tensors: name -> (safetensors dtype string, shape, little-endian C-order bytes)."""
    order = sorted(tensors.items(), key=lambda kv: (-item_size(kv[1][0]), kv[0]))
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in order:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def item_size(st_dtype):
    return {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2, "U8": 1, "I8": 1,
            "BOOL": 1}[st_dtype]


def torch_to_st(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return "BF16", tuple(t.shape), t.view(torch.int16).numpy().astype("<i2").tobytes()
    a = t.numpy()
    return ST_DTYPES[a.dtype], a.shape, a.astype(a.dtype.newbyteorder("<")).tobytes()


def gz(path):
    """path -> path.gz.gz (gzip applied twice: the second pass halves these periodic-weight files again)."""
    with open(path, "rb") as f:
        data = f.read()
    once = gzip.compress(data, compresslevel=9, mtime=0)
    with open(path + ".gz.gz", "wb") as f:
        f.write(gzip.compress(once, compresslevel=9, mtime=0))
    os.remove(path)
    return path + ".gz.gz", len(data)


def write_model(name, model, size, seed, plain_npz=False):
    g = fill(model, seed)
    x = g.standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()
        logits64 = model.double()(torch.from_numpy(x).double()).numpy()
        model.float()
    assert np.all(np.isfinite(logits))
    sd = model.state_dict()
    np.savez(os.path.join(OUT, f"{name}_logits.npz"), x=x, logits=logits, logits64=logits64)
    files = []
    npz = os.path.join(OUT, f"{name}.npz")
    arrays = {k: v.numpy() for k, v in sd.items()}
    if plain_npz:
        np.savez(npz, **arrays)
        files.append(gz(npz))
    else:
        np.savez_compressed(npz, **arrays)
        files.append(gz(npz))
        st = os.path.join(OUT, f"{name}.safetensors")
        save_safetensors(st, {k: torch_to_st(v) for k, v in sd.items()}, {"format": "pt"})
        files.append(gz(st))
        pth = os.path.join(OUT, f"{name}.pth")
        torch.save(sd, pth)
        files.append(gz(pth))
    rel = np.max(np.abs(logits - logits64)) / np.max(np.abs(logits64))
    print(f"{name}: {len(sd)} keys, max|logit| {np.max(np.abs(logits)):.4g}, float32 vs float64 rel {rel:.1e}")
    for path, raw in files:
        print(f"  {os.path.basename(path)}: {os.path.getsize(path):,} bytes ({raw:,} unpacked)")


def dtype_fixtures():
    """Every dtype / byte order / layout the readers must handle, with the values they must yield."""
    g = np.random.default_rng(7)
    base = g.standard_normal((3, 4)).astype(np.float32)
    expected = {
        "f32": base.astype(np.float64),
        "f16": base.astype(np.float16).astype(np.float64),
        "f64": base.astype(np.float64) * 1.5,
        "i64": np.arange(12, dtype=np.int64).reshape(3, 4) - 5,
        "scalar_i64": np.array(1234567, dtype=np.int64),
        "scalar_f32": np.array(0.25, dtype=np.float64),
        "vec": np.linspace(-1, 1, 5),
    }
    # bfloat16: values exactly representable
    bf = torch.from_numpy(base).to(torch.bfloat16)
    expected["bf16"] = bf.to(torch.float64).numpy()
    np.savez(os.path.join(OUT, "dtypes_expected.npz"), **expected)

    # .npz: every array as numpy writes it, including big-endian and Fortran order
    npz = {
        "f32": base,
        "f16": base.astype(np.float16),
        "f64": base.astype(np.float64) * 1.5,
        "i64": expected["i64"],
        "scalar_i64": np.array(1234567, dtype=np.int64),
        "scalar_f32": np.array(0.25, dtype=np.float32),
        "vec": np.linspace(-1, 1, 5).astype(">f8"),
        "big_endian_f32": base.astype(">f4"),
        "big_endian_i64": expected["i64"].astype(">i8"),
        "fortran_f32": np.asfortranarray(base),
        "fortran_i64": np.asfortranarray(expected["i64"]),
    }
    assert npz["fortran_f32"].flags.f_contiguous and not npz["fortran_f32"].flags.c_contiguous
    np.savez(os.path.join(OUT, "dtypes.npz"), **npz)
    np.savez_compressed(os.path.join(OUT, "dtypes_compressed.npz"), **npz)

    # .safetensors
    st = {
        "f32": torch_to_st(torch.from_numpy(base)),
        "f16": torch_to_st(torch.from_numpy(base.astype(np.float16))),
        "bf16": torch_to_st(bf),
        "f64": torch_to_st(torch.from_numpy(base.astype(np.float64) * 1.5)),
        "i64": torch_to_st(torch.from_numpy(expected["i64"])),
        "scalar_i64": torch_to_st(torch.tensor(1234567, dtype=torch.int64)),
        "scalar_f32": torch_to_st(torch.tensor(0.25, dtype=torch.float32)),
        "vec": torch_to_st(torch.from_numpy(np.linspace(-1, 1, 5))),
    }
    save_safetensors(os.path.join(OUT, "dtypes.safetensors"), st, {"format": "pt"})

    # .pth: torch.save of an OrderedDict of tensors, some of them views (storage offset, strides)
    big = torch.from_numpy(np.concatenate([g.standard_normal(7), base.reshape(-1)]).astype(np.float32))
    from collections import OrderedDict
    sd = OrderedDict()
    sd["f32"] = big[7:].view(3, 4)                       # storage offset 7 into a shared storage
    sd["f32_transposed"] = big[7:].view(3, 4).t()         # strides (1, 4), same storage
    sd["f16"] = torch.from_numpy(base.astype(np.float16))
    sd["bf16"] = bf
    sd["f64"] = torch.from_numpy(base.astype(np.float64) * 1.5)
    sd["i64"] = torch.from_numpy(expected["i64"])
    sd["scalar_i64"] = torch.tensor(1234567, dtype=torch.int64)
    sd["scalar_f32"] = torch.tensor(0.25)
    sd["vec"] = torch.from_numpy(np.linspace(-1, 1, 5))
    sd._metadata = OrderedDict([("", {"version": 1})])
    torch.save(sd, os.path.join(OUT, "dtypes.pth"))
    print("dtypes fixtures:", ", ".join(f"{f} {os.path.getsize(os.path.join(OUT, f)):,} B" for f in
                                        ["dtypes.npz", "dtypes_compressed.npz", "dtypes.safetensors", "dtypes.pth"]))


def count_macs(model, image):
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            total[0] += out.numel() // out.shape[0] * (mod.in_channels // mod.groups) * \
                mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            total[0] += mod.in_features * mod.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, image, image))
    for h in hs:
        h.remove()
    return total[0]


def main():
    import timm
    assert timm.__version__ == "1.0.29", timm.__version__
    torch.set_num_threads(1)  # shared 2-core machine
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:]
    if not only or "dtypes" in only:
        dtype_fixtures()
    if not only or "counts" in only:
        counts = {}
        for name in TIMM_MODELS:
            m = timm.create_model(name)
            counts[name] = {"params": sum(p.numel() for p in m.parameters()), "macs": count_macs(m, 224)}
            print(name, counts[name])
        with open(os.path.join(OUT, "timm_counts.json"), "w") as f:
            json.dump(counts, f, indent=1)
            f.write("\n")
    for seed, (name, size) in enumerate(TIMM_MODELS.items()):
        if not only or name in only:
            write_model(name, timm.create_model(name, num_classes=10), size, 100 + seed)
    if not only or "sknet_cifar" in only:
        sys.path.insert(0, HERE)
        import sknet_reference
        write_model("sknet_cifar", sknet_reference.build("sknet_cifar", num_classes=10), 32, 200, plain_npz=True)


if __name__ == "__main__":
    main()
