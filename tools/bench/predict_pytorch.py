"""PyTorch side of the end-to-end predict benchmark: the job `./sknet predict --model M.zip --input DIR`
does, as one plain PyTorch script: load the state_dict, decode and prepare every image in the folder
(shorter side to 256 bicubic, centre crop 224, ImageNet mean/std: what `import-torch
--imagenet-preprocessing` records), one eval-mode forward pass over all of them, print the top-5 of each.

    /usr/bin/python3 tools/bench/predict_pytorch.py --arch sknet50 --weights sknet50.pth --input DIR
"""
import argparse
import os
import sys

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from sknet_reference import build  # noqa: E402

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="sknet50")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--size", type=int, default=224)
    a = ap.parse_args()
    m = build(a.arch, num_classes=1000)
    m.load_state_dict(torch.load(a.weights, map_location="cpu"))
    m.eval()
    prep = transforms.Compose([
        transforms.Resize(int(a.size / 0.875), interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(a.size),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(a.input) for f in fs
                   if f.lower().endswith(IMAGE_SUFFIXES))
    x = torch.stack([prep(Image.open(f).convert("RGB")) for f in files])
    with torch.no_grad():
        prob = torch.softmax(m(x), dim=1)
    top = prob.topk(5, dim=1)
    for f, p, i in zip(files, top.values, top.indices):
        print(f + ":" + "".join(f"  {int(c)} {float(v):.3f}" for v, c in zip(p, i)))


if __name__ == "__main__":
    main()
