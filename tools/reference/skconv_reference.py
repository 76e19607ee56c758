"""Reference SKConv (docs/reference.md) in PyTorch, and the parity fixtures the Java tests read.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 tools/reference/skconv_reference.py
Writes sknet-layer/src/test/resources/fixtures/skconv/<case>.npz (float64, small shapes).

Every fixture holds: the hyper-parameters, the input x, the initial parameters under the
reference state_dict names (with random BatchNorm statistics so inference mode is tested),
the eval-mode output and attention [N, M, C], the train-mode output, the running statistics after that train step,
the upstream gradient R of loss = sum(V * R), and the gradients of that loss w.r.t. x and
every trainable parameter (prefix "grad.").
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "sknet-layer", "src", "test", "resources",
                   "fixtures", "skconv")


class SKConv(nn.Module):
    """docs/reference.md's SKConv, with the optional flavours the Java layer offers."""

    def __init__(self, in_channels, channels, M=2, G=32, r=16, L=32, stride=1, kernels=None,
                 dilated=True, select="reference", split_input=False, d=None):
        super().__init__()
        self.M, self.C, self.split_input = M, channels, split_input
        d = d if d is not None else max(int(channels / r), L)
        kernels = kernels if kernels is not None else [3 + 2 * i for i in range(M)]
        branch_in = in_channels // M if split_input else in_channels
        self.convs = nn.ModuleList()
        for k in kernels:
            if dilated:
                ks, dil, pad = 3, (k - 1) // 2, (k - 1) // 2
            else:
                ks, dil, pad = k, 1, (k - 1) // 2
            self.convs.append(nn.Sequential(
                nn.Conv2d(branch_in, channels, ks, stride=stride, padding=pad, dilation=dil, groups=G, bias=False),
                nn.BatchNorm2d(channels), nn.ReLU(inplace=False)))
        self.fc = nn.Sequential(nn.Conv2d(channels, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU(inplace=False))
        self.select = select
        if select == "reference":
            self.fcs = nn.ModuleList([nn.Conv2d(d, channels, 1) for _ in range(M)])
        else:  # the authors' Caffe flavour: one bias-free d -> M*C projection
            self.fcs = nn.Conv2d(d, M * channels, 1, bias=False)

    def attention_logits(self, z):
        if self.select == "reference":
            return torch.cat([fc(z) for fc in self.fcs], dim=1)
        return self.fcs(z)

    def forward(self, x):
        n = x.shape[0]
        xs = torch.chunk(x, self.M, dim=1) if self.split_input else [x] * self.M
        feats = torch.stack([conv(xi) for conv, xi in zip(self.convs, xs)], dim=1)  # [N, M, C, H, W]
        u = feats.sum(dim=1)
        s = u.mean(dim=(2, 3), keepdim=True)
        z = self.fc(s)
        a = self.attention_logits(z).view(n, self.M, self.C, 1, 1)
        a = torch.softmax(a, dim=1)
        self.last_attention = a.detach().view(n, self.M, self.C)
        return (feats * a).sum(dim=1)


CASES = {
    # name: (N, in_channels, H, W, kwargs)
    "default": (2, 64, 8, 8, dict(channels=64, M=2, G=32)),
    "stride2": (2, 64, 9, 9, dict(channels=64, M=2, G=32, stride=2)),
    "m3": (2, 32, 7, 7, dict(channels=32, M=3, G=8, r=4, L=8)),
    "g1": (2, 16, 6, 6, dict(channels=16, M=2, G=1, r=4, L=4)),
    "depthwise": (2, 32, 7, 7, dict(channels=32, M=2, G=32, r=8, L=4)),
    "true5x5": (2, 32, 8, 8, dict(channels=32, M=2, G=8, r=4, L=8, dilated=False)),
    "odd13x11": (3, 32, 13, 11, dict(channels=32, M=2, G=16, r=4, L=8)),
    "batch1": (1, 32, 6, 6, dict(channels=32, M=2, G=8, r=4, L=8)),
    "caffe": (2, 32, 6, 6, dict(channels=32, M=2, G=8, r=4, L=8, select="caffe")),
    "split_timm": (2, 32, 6, 6, dict(channels=32, M=2, G=4, r=4, L=8, split_input=True, select="caffe", d=8)),
    "in_out_stride2": (2, 16, 8, 8, dict(channels=32, M=2, G=8, r=4, L=8, stride=2)),
}


def make_case(name, n, cin, h, w, kw, seed):
    torch.manual_seed(seed)
    m = SKConv(cin, **kw).double()
    with torch.no_grad():  # non-trivial BN parameters and statistics
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.3, 0.3)
                mod.running_var.uniform_(0.5, 2.0)
    x = torch.randn(n, cin, h, w, dtype=torch.float64)
    init = {k: v.detach().clone() for k, v in m.state_dict().items()}

    m.eval()
    with torch.no_grad():
        y_eval = m(x)
        attention_eval = m.last_attention.clone()

    out = {}
    if n > 1:  # PyTorch refuses BatchNorm training on a single value per channel
        m.train()
        xg = x.clone().requires_grad_(True)
        y_train = m(xg)
        r = torch.randn_like(y_train)
        (y_train * r).sum().backward()
        out["y_train"] = y_train.detach()
        out["upstream"] = r
        out["grad.x"] = xg.grad
        for k, p in m.named_parameters():
            out["grad." + k] = p.grad
        for k, v in m.state_dict().items():
            if "running" in k:
                out["after." + k] = v

    kernels = kw.get("kernels") or [3 + 2 * i for i in range(kw.get("M", 2))]
    hp = dict(N=n, in_channels=cin, H=h, W=w, channels=kw["channels"], M=kw.get("M", 2), G=kw.get("G", 32),
              r=kw.get("r", 16), L=kw.get("L", 32), stride=kw.get("stride", 1),
              dilated=int(kw.get("dilated", True)), caffe=int(kw.get("select", "reference") == "caffe"),
              split_input=int(kw.get("split_input", False)), d=kw.get("d") or 0)
    arrays = {"hp." + k: np.array([v], dtype=np.int64) for k, v in hp.items()}  # 1-d: ND4J reads no 0-d npy
    arrays["hp.kernels"] = np.array(kernels, dtype=np.int64)
    arrays["x"] = x.numpy()
    arrays["y_eval"] = y_eval.numpy()
    arrays["attention_eval"] = attention_eval.numpy()
    for k, v in init.items():
        if "num_batches_tracked" not in k:
            arrays["param." + k] = v.numpy()
    for k, v in out.items():
        arrays[k] = v.detach().numpy()
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, name + ".npz"), **arrays)
    print(f"{name}: x{list(x.shape)} -> y{list(y_eval.shape)}, {len(arrays)} arrays")


def main():
    print("torch", torch.__version__, file=sys.stderr)
    for i, (name, (n, cin, h, w, kw)) in enumerate(CASES.items()):
        make_case(name, n, cin, h, w, kw, seed=1000 + i)


if __name__ == "__main__":
    main()
