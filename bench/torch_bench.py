#!/usr/bin/python3
"""torch_bench.py: the PyTorch side of bench/run.

Times the same CIFAR ResNet (the module of tests/parity/resnet_parity.py)
in PyTorch on random data: SGD steps (forward, backward, update) and
evaluation-mode forward passes, in NCHW and channels_last, and prints one
JSON line per layout with the medians and the peak resident memory.
With --layers, instead, each kind of layer of ResNet-20 alone, as
rn-bench -L times them (same names): forward and backward, the best of
the repeats, one JSON line per layer.

usage: torch_bench.py [-n blocks] [-b batch] [-t threads] [-r repeats]
                      [-i iters] [--layout nchw|channels_last] [--layers]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "parity"))
import resnet_parity  # noqa: E402


def timed(fn, repeats, iters, batch):
    fn()                                    # warm-up round
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(iters):
            fn()
        rates.append(batch * iters / (time.perf_counter() - t))
    return rates


def best_ms(fn, repeats):
    fn()                                    # warm-up round
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def layer_times(make, shape, fmt, nodx, repeats):
    """Forward and backward ms of module make() on a batch of shape."""
    mod = make().to(memory_format=fmt)
    x = torch.randn(*shape).to(memory_format=fmt).requires_grad_(not nodx)
    gy = torch.randn_like(mod(x))
    out = {}

    def fwd():
        out["y"] = mod(x)

    def bwd():
        out["y"].backward(gy)

    def both():
        fwd()
        bwd()

    tf = best_ms(fwd, repeats)
    tb = float("inf")
    both()
    for _ in range(repeats):
        fwd()
        t = time.perf_counter()
        bwd()
        tb = min(tb, (time.perf_counter() - t) * 1e3)
    return tf, tb


def layers(a, fmt):
    n = a.b
    convs = [("conv 3->16 32x32", 3, 16, 32, 1, True),
             ("conv 16->16 32x32", 16, 16, 32, 1, False),
             ("conv 16->32 32x32 stride 2", 16, 32, 32, 2, False),
             ("conv 32->32 16x16", 32, 32, 16, 1, False),
             ("conv 32->64 16x16 stride 2", 32, 64, 16, 2, False),
             ("conv 64->64 8x8", 64, 64, 8, 1, False)]
    bns = [("bn+relu 16 32x32", 16, 32), ("bn+relu 32 16x16", 32, 16),
           ("bn+relu 64 8x8", 64, 8)]
    rows = []
    for name, c, k, h, s, nodx in convs:
        tf, tb = layer_times(lambda: torch.nn.Conv2d(c, k, 3, s, 1,
                                                     bias=False),
                             (n, c, h, h), fmt, nodx, a.r)
        rows.append((name, tf, tb))
    for name, c, h in bns:
        tf, tb = layer_times(lambda: torch.nn.Sequential(
            torch.nn.BatchNorm2d(c), torch.nn.ReLU()), (n, c, h, h), fmt,
            False, a.r)
        rows.append((name, tf, tb))
    for name, tf, tb in rows:
        print(json.dumps({"impl": "torch", "layout": a.layout,
                          "layer": name, "threads": torch.get_num_threads(),
                          "fwd_ms": round(tf, 3), "bwd_ms": round(tb, 3)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("-b", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=5)
    ap.add_argument("-i", type=int, default=3)
    ap.add_argument("--layout", default="nchw",
                    choices=("nchw", "channels_last"))
    ap.add_argument("--layers", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.t)
    torch.manual_seed(1)
    fmt = (torch.channels_last if a.layout == "channels_last"
           else torch.contiguous_format)
    if a.layers:
        layers(a, fmt)
        return
    model = resnet_parity.ResNet(a.n, "A", 1).to(memory_format=fmt)
    x = torch.randn(a.b, 3, 32, 32).to(memory_format=fmt)
    y = torch.randint(0, 10, (a.b,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                          weight_decay=1e-4)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            model(x)

    model.train()
    train = timed(step, a.r, a.i, a.b)
    model.eval()
    inf = timed(infer, a.r, a.i, a.b)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "impl": "torch", "layout": a.layout, "torch": torch.__version__,
        "depth": 6 * a.n + 2,
        "params": sum(p.numel() for p in model.parameters()),
        "batch": a.b, "threads": torch.get_num_threads(),
        "train_img_per_s": [round(v, 1) for v in train],
        "infer_img_per_s": [round(v, 1) for v in inf],
        "train_median": round(statistics.median(train), 1),
        "infer_median": round(statistics.median(inf), 1),
        "peak_rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    main()
