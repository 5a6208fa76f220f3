#!/usr/bin/python3
"""resnet_parity.py: the PyTorch side of test_nn_parity.

Reads IN (written by the C test): the model shape, the initial weights and
batch-norm statistics in the flat order of lib/nn/resnet.h, a batch (NCHW)
and its labels, and the SGD settings.  Builds the same CIFAR ResNet in
PyTorch, runs two training steps and one evaluation, and writes OUT: the
float32 arrays listed in OUTPUT_ORDER, concatenated.

MASKS holds, for each training step, which outputs of each ReLU the C side
found positive (one byte per value, NCHW, in the order the forward pass
meets the ReLUs).  A ReLU input within rounding of zero can fall either
way in two libraries, and one such value changes the gradients upstream
by a percent; so the training steps here take the C side's decisions,
after checking that every disagreement with PyTorch's own is at an input
closer to zero than TIE (else the script fails).

usage: resnet_parity.py IN MASKS OUT
"""
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUTPUT_ORDER = ("logits1", "loss1", "grads1", "params1", "stats1",
                "logits2", "loss2", "params2", "eval_logits")


TIE = 1e-4


class Relu:
    """The ReLUs of a forward pass, optionally following given masks."""

    def __init__(self):
        self.masks = None
        self.pos = 0
        self.ties = 0

    def use(self, masks):
        self.masks = masks
        self.pos = 0

    def __call__(self, x):
        if self.masks is None:
            return F.relu(x)
        n = x.numel()
        m = torch.from_numpy(self.masks[self.pos:self.pos + n].copy())
        m = m.reshape(x.shape).bool()
        self.pos += n
        with torch.no_grad():
            bad = (x > 0) != m
            if bad.any():
                worst = x[bad].abs().max().item()
                if worst > TIE:
                    sys.exit("a ReLU input of %g is on the other side of "
                             "zero in C" % worst)
                self.ties += int(bad.sum())
        return x * m


RELU = Relu()


class GroupBN(nn.BatchNorm2d):
    """Batch norm whose statistics are taken over `groups` sub-batches of
    consecutive images; running statistics move towards their average."""

    def __init__(self, c, groups):
        super().__init__(c)
        self.groups = groups

    def forward(self, x):
        if not self.training or self.groups == 1:
            return super().forward(x)
        n, g = x.shape[0], self.groups
        sizes = [n // g + (1 if i < n % g else 0) for i in range(g)]
        parts = torch.split(x, sizes)
        out = [F.batch_norm(p, None, None, self.weight, self.bias, True,
                            0.0, self.eps) for p in parts]
        with torch.no_grad():
            m = torch.stack([p.mean((0, 2, 3)) for p in parts]).mean(0)
            v = torch.stack([p.var((0, 2, 3), unbiased=True)
                             for p in parts]).mean(0)
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * m)
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * v)
        return torch.cat(out)


class Block(nn.Module):
    def __init__(self, c, k, stride, option, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(c, k, 3, stride, 1, bias=False)
        self.bn1 = GroupBN(k, groups)
        self.conv2 = nn.Conv2d(k, k, 3, 1, 1, bias=False)
        self.bn2 = GroupBN(k, groups)
        self.pad = 0
        self.shortcut = nn.Sequential()
        if stride != 1 or c != k:
            if option == "B":
                self.shortcut = nn.Sequential(
                    nn.Conv2d(c, k, 1, stride, bias=False),
                    GroupBN(k, groups))
            else:
                self.pad = k - c

    def forward(self, x):
        y = RELU(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.pad:
            s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 0, self.pad))
        else:
            s = self.shortcut(x)
        return RELU(y + s)


class ResNet(nn.Module):
    def __init__(self, n, option, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = GroupBN(16, groups)
        c = 16
        for s, k in enumerate((16, 32, 64)):
            blocks = []
            for i in range(n):
                blocks.append(Block(c, k, 2 if s > 0 and i == 0 else 1,
                                    option, groups))
                c = k
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*blocks))
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        x = RELU(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


def bn_modules(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def stats_of(model):
    return flat(t for m in bn_modules(model)
                for t in (m.running_mean, m.running_var))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: resnet_parity.py IN MASKS OUT")
    torch.set_num_threads(1)
    raw = open(sys.argv[1], "rb").read()
    n, option, groups, batch, nparams, nstats = struct.unpack_from("<6i", raw)
    lr, momentum, wd = struct.unpack_from("<3d", raw, 24)
    off = 48
    arrays = []
    for count in (nparams, nstats, batch * 3 * 32 * 32):
        arrays.append(np.frombuffer(raw, "<f4", count, off))
        off += 4 * count
    params, stats, images = arrays
    labels = np.frombuffer(raw, "<i4", batch, off)
    masks = np.fromfile(sys.argv[2], np.uint8)
    if masks.size % 2:
        sys.exit("odd mask file")
    masks = (masks[:masks.size // 2], masks[masks.size // 2:])

    model = ResNet(n, "B" if option else "A", groups)
    plist = list(model.parameters())
    if sum(p.numel() for p in plist) != nparams:
        sys.exit("parameter count %d, C has %d" %
                 (sum(p.numel() for p in plist), nparams))
    with torch.no_grad():
        i = 0
        for p in plist:
            p.copy_(torch.from_numpy(params[i:i + p.numel()].copy())
                    .reshape(p.shape))
            i += p.numel()
        i = 0
        for m in bn_modules(model):
            for t in (m.running_mean, m.running_var):
                t.copy_(torch.from_numpy(stats[i:i + t.numel()].copy()))
                i += t.numel()
    x = torch.from_numpy(images.copy()).reshape(batch, 3, 32, 32)
    y = torch.from_numpy(labels.astype(np.int64))
    opt = torch.optim.SGD(plist, lr=lr, momentum=momentum, weight_decay=wd)
    out = {}
    model.train()
    for step in (1, 2):
        RELU.use(masks[step - 1])
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        out["logits%d" % step] = logits.detach().reshape(-1)
        out["loss%d" % step] = loss.detach().reshape(1)
        if step == 1:
            out["grads1"] = flat(p.grad for p in plist)
        opt.step()
        out["params%d" % step] = flat(plist)
        if step == 1:
            out["stats1"] = stats_of(model)
        if RELU.pos != masks[step - 1].size:
            sys.exit("mask file does not match the model")
    RELU.use(None)
    model.eval()
    with torch.no_grad():
        out["eval_logits"] = model(x).reshape(-1)
    if RELU.ties:
        print("resnet_parity: %d ReLU ties followed C" % RELU.ties,
              file=sys.stderr)
    with open(sys.argv[3], "wb") as f:
        for name in OUTPUT_ORDER:
            f.write(out[name].numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main()
