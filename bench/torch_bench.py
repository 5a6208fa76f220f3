#!/usr/bin/python3
"""torch_bench.py: the PyTorch side of bench/run.

Times the same CIFAR ResNet (the module of tests/parity/resnet_parity.py)
in PyTorch on random data: SGD steps (forward, backward, update) and
evaluation-mode forward passes, in NCHW and channels_last, and prints one
JSON line per layout with the medians and the peak resident memory.

usage: torch_bench.py [-n blocks] [-b batch] [-t threads] [-r repeats]
                      [-i iters] [--layout nchw|channels_last]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("-b", type=int, default=128)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=5)
    ap.add_argument("-i", type=int, default=3)
    ap.add_argument("--layout", default="nchw",
                    choices=("nchw", "channels_last"))
    a = ap.parse_args()
    torch.set_num_threads(a.t)
    torch.manual_seed(1)
    fmt = (torch.channels_last if a.layout == "channels_last"
           else torch.contiguous_format)
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
