"""PyTorch's BatchNorm on its own, and the parity fixtures BatchNormParityTest reads.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 tools/reference/batchnorm_reference.py
Writes sknet-layer/src/test/resources/fixtures/batchnorm/<case>.npz (float64, small shapes).

Every fixture holds: eps and momentum, the input x, gamma/beta and random running statistics, the
eval-mode output, the train-mode output (with ReLU after it where the case says so), the running
statistics after that train step, the upstream gradient R of loss = sum(y * R), and the gradients of
that loss w.r.t. x, gamma and beta.
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "sknet-layer", "src", "test", "resources",
                   "fixtures", "batchnorm")

CASES = {
    # name: (input shape, relu, eps, momentum)
    "nchw": ((3, 5, 4, 6), False, 1e-5, 0.1),
    "nchw_relu": ((2, 4, 7, 5), True, 1e-5, 0.1),
    "nchw_batch1": ((1, 3, 5, 5), True, 1e-5, 0.1),       # batch statistics over H x W only
    "nc": ((6, 7), False, 1e-5, 0.1),                      # [N, C], after a dense layer
    "nc_relu_eps": ((5, 4), True, 1e-3, 0.3),
}


def case(name, shape, relu, eps, momentum, seed):
    torch.manual_seed(seed)
    c = shape[1]
    bn = nn.BatchNorm2d(c, eps=eps, momentum=momentum) if len(shape) == 4 else nn.BatchNorm1d(c, eps=eps,
                                                                                             momentum=momentum)
    bn = bn.double()
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c, dtype=torch.float64) + 0.5)
        bn.bias.copy_(torch.rand(c, dtype=torch.float64) - 0.5)
        bn.running_mean.copy_(torch.rand(c, dtype=torch.float64) - 0.5)
        bn.running_var.copy_(torch.rand(c, dtype=torch.float64) + 0.5)
    out = {"eps": np.array([eps]), "momentum": np.array([momentum]), "relu": np.array([1 if relu else 0]),
           "gamma": bn.weight.detach().numpy().copy(), "beta": bn.bias.detach().numpy().copy(),
           "running_mean": bn.running_mean.numpy().copy(), "running_var": bn.running_var.numpy().copy()}
    x = (torch.rand(*shape, dtype=torch.float64) * 4 - 1).requires_grad_(True)
    out["x"] = x.detach().numpy().copy()
    act = (lambda t: torch.relu(t)) if relu else (lambda t: t)
    bn.eval()
    with torch.no_grad():
        out["y_eval"] = act(bn(x)).numpy()
    bn.train()
    y = act(bn(x))
    r = torch.rand(*shape, dtype=torch.float64) - 0.5
    (y * r).sum().backward()
    out.update({"y_train": y.detach().numpy(), "upstream": r.numpy(), "grad_x": x.grad.numpy(),
                "grad_gamma": bn.weight.grad.numpy(), "grad_beta": bn.bias.grad.numpy(),
                "after_running_mean": bn.running_mean.numpy(), "after_running_var": bn.running_var.numpy()})
    np.savez(os.path.join(OUT, name + ".npz"), **out)


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (name, (shape, relu, eps, momentum)) in enumerate(CASES.items()):
        case(name, shape, relu, eps, momentum, 100 + i)
        print("wrote", name)


if __name__ == "__main__":
    main()
