"""PyTorch side of the SKConv benchmark: the reference SKConv (tools/reference) timed on the same
workloads as SKConvBenchmark, float32. Prints {"workload": median ms} as JSON.

    /usr/bin/python3 tools/bench/skconv_pytorch.py [--threads 2] [--iters 10] > torch.json
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from skconv_reference import SKConv  # noqa: E402


def timed(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=20)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {}
    for n, c, s in [(8, 128, 56), (8, 256, 28)]:
        key = f"N={n} C={c} {s}x{s}"
        m = SKConv(c, c)
        x = torch.rand(n, c, s, s)
        m.eval()
        with torch.no_grad():
            out[f"skconv {key} inference"] = timed(lambda: m(x), a.warmup, a.iters)
        m.train()
        # the block's whole backward, as inside a network: gradients of its parameters and of its input
        # (DL4J computes the input gradient of every layer; without requires_grad PyTorch would skip it)
        xg = x.clone().requires_grad_(True)

        def step():
            m.zero_grad()
            xg.grad = None
            y = m(xg)
            ((y - x) ** 2).mean().backward()
        out[f"skconv {key} training"] = timed(step, a.warmup, a.iters)
        for d in (1, 2):
            w = torch.rand(c, c // 32, 3, 3)
            with torch.no_grad():
                out[f"conv {key} d={d}"] = timed(lambda: F.conv2d(x, w, padding=d, dilation=d, groups=32),
                                                 a.warmup, a.iters)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
