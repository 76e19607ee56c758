"""PyTorch side of the whole-network benchmark: the reference SKNet (tools/reference) timed like
`./sknet bench`: median ms per batch and images/s, inference (eval, no_grad) or one SGD step.

    /usr/bin/python3 tools/bench/sknet_pytorch.py --arch sknet50 --batch 8 --size 224 --mode train
Last line: `images/s: X`.
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from sknet_reference import build  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="sknet50")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--mode", choices=["inference", "train"], default="inference")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, help="default: 20 for inference, 10 for train (as ./sknet bench)")
    # the same command line serves both sides; PyTorch folds with its own inference path
    ap.add_argument("--fold-bn", action="store_true",
                    help="inference: run torch.jit.freeze of the traced model (PyTorch's own BatchNorm folding)")
    ap.add_argument("--optimize-for-inference", action="store_true",
                    help="inference: torch.jit.optimize_for_inference of the frozen model (oneDNN layouts kept "
                         "between layers)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.warmup is None:
        a.warmup = 20 if a.mode == "inference" else 10
    torch.set_num_threads(a.threads)
    classes = 10 if a.arch == "sknet_cifar" else 1000
    m = build(a.arch, num_classes=classes)
    x = torch.rand(a.batch, 3, a.size, a.size)
    y = torch.arange(a.batch) % classes
    opt = torch.optim.SGD(m.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    if a.mode == "inference":
        m.eval()
        if a.fold_bn or a.optimize_for_inference:
            with torch.no_grad():
                m = torch.jit.freeze(torch.jit.trace(m, x))
                if a.optimize_for_inference:
                    m = torch.jit.optimize_for_inference(m)

        def step():
            with torch.no_grad():
                m(x)
    else:
        m.train()

        def step():
            opt.zero_grad()
            loss_fn(m(x), y).backward()
            opt.step()
    for _ in range(a.warmup):
        step()
    ms = []
    for i in range(a.iters):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
    med = statistics.median(ms)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    how = " (torch.jit.optimize_for_inference)" if a.optimize_for_inference else " (torch.jit.freeze: BatchNorm folded)" if a.fold_bn else ""
    print(f"{a.arch} {a.mode}{how}, batch {a.batch}, {a.size}x{a.size}, {a.threads} threads")
    print(f"median: {med:.1f} ms per batch")
    print(f"peak resident: {peak_mb:.0f} MB")
    print(f"images/s: {a.batch / (med / 1e3):.2f}")


if __name__ == "__main__":
    main()
