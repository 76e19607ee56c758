#!/usr/bin/env python3
"""The PyTorch baseline for `sknet train --data DIR`: the same sknet_small (docs/reference.md SK units, the Java
SKNetVariant.SKNET_SMALL table) trained on the same image folder, to tell a DL4J bug from a weak recipe.

    /usr/bin/python3 tools/reference/train_folder_pytorch.py DIR [--size 28] [--epochs 5] [--recipe adam|sgd]
        [--no-shuffle] [--threads 2]

DIR/train and DIR/val are used as given. Prints per epoch: training loss, training-mode accuracy during
the epoch, eval-mode accuracy on the training images and on val. `--recipe adam` is the old
`sknet train` (Adam 2e-3, no augmentation); `--recipe sgd` is the default recipe of `sknet train`
(TrainingRecipe.java): SGD Nesterov 0.9, lr 0.1 x batch/64, one epoch of linear warm-up then cosine per
iteration, label smoothing 0.1, weight decay 5e-4 without BatchNorm and biases, random-resized-crop
(scale 0.6-1, ratio 3/4-4/3) without flips. (What differs: sknet train also recomputes the BatchNorm
statistics after each epoch; torchvision's crop interpolates with PIL.)"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sknet_reference import SKUnit  # noqa: E402

SMALL_STAGES = [(32, 32, 64, 1), (64, 64, 128, 2), (128, 128, 256, 2)]


class SKNetSmall(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.basic_conv = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.stages = nn.Sequential(*[SKUnit(i, m, o, s) for i, m, o, s in SMALL_STAGES])
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(SMALL_STAGES[-1][2], classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.gap(self.stages(self.basic_conv(x))), 1))


def accuracy(model, loader):
    model.eval()
    right = total = 0
    with torch.no_grad():
        for x, y in loader:
            right += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    return right / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--recipe", choices=["adam", "sgd"], default="adam")
    ap.add_argument("--no-shuffle", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    plain = transforms.Compose([transforms.Resize((a.size, a.size)), transforms.ToTensor()])
    if a.recipe == "sgd":
        aug = transforms.Compose([transforms.RandomResizedCrop(a.size, scale=(0.6, 1.0)), transforms.ToTensor()])
    else:
        aug = plain
    train = torchvision.datasets.ImageFolder(os.path.join(a.dir, "train"), aug)
    train_plain = torchvision.datasets.ImageFolder(os.path.join(a.dir, "train"), plain)
    val = torchvision.datasets.ImageFolder(os.path.join(a.dir, "val"), plain)
    loader = torch.utils.data.DataLoader(train, a.batch, shuffle=not a.no_shuffle, drop_last=False)
    eval_train = torch.utils.data.DataLoader(train_plain, 256)
    eval_val = torch.utils.data.DataLoader(val, 256)
    model = SKNetSmall(len(train.classes))
    steps = a.epochs * len(loader)
    if a.recipe == "adam":
        opt = torch.optim.Adam(model.parameters(), 2e-3)
        schedule = lambda step: 1.0
        loss_fn = nn.CrossEntropyLoss()
    else:
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
        lr = 0.1 * a.batch / 64
        opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                              lr=lr, momentum=0.9, nesterov=True)
        warm = len(loader)
        schedule = lambda step: (step + 1) / warm if step < warm else \
            0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm)))
        loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    print(f"pytorch {torch.__version__}, {len(train)} training / {len(val)} val images, recipe {a.recipe}")
    for e in range(1, a.epochs + 1):
        model.train()
        t0, loss_sum, right, seen = time.time(), 0.0, 0, 0
        for x, y in loader:
            out = model(x)
            loss = loss_fn(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(y)
            right += (out.argmax(1) == y).sum().item()
            seen += len(y)
        secs = time.time() - t0
        print(f"epoch {e}: loss {loss_sum / seen:.4f}, training-mode accuracy {right / seen:.4f}, "
              f"eval-mode on training images {accuracy(model, eval_train):.4f}, val {accuracy(model, eval_val):.4f} "
              f"({secs:.1f} s, {seen / secs:.0f} images/s)", flush=True)


if __name__ == "__main__":
    main()
