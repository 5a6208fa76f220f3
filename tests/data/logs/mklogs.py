#!/usr/bin/env python3
"""Write small training logs, in every format lr-audit reads, for every
kind of learning-rate finding, and a manifest saying what lr-audit must
answer for each.  Standard library only: TensorBoard records, protobuf
and CRC-32C are encoded here by hand.

usage: mklogs.py DIR    writes DIR/<case>/... and DIR/manifest

Manifest lines (tab-separated): name, path, expected exit status,
expected finding kind ("-" for none), extra lr-audit arguments.

The made-up run: 1,000 updates, 100 per epoch, lr 0.1 divided by 10 at
epochs 4 and 7 (updates 400 and 700)."""

import json
import os
import struct
import sys

IPE = 100
N = 1000
DECLARED = "multistep:lr=0.1,milestones=4ep/7ep,gamma=0.1"


def multistep(i, at=(400, 700), gamma=0.1, lr=0.1):
    return lr * gamma ** sum(1 for m in at if i >= m)


# Each scenario: the lr of update i (0-based), and what lr-audit says.
SCEN = {
    "ok": (lambda i: multistep(i), None),
    "never": (lambda i: 0.1, "never_decayed"),
    "late": (lambda i: multistep(i, (500, 800)), "shifted"),
    "factor": (lambda i: multistep(i, gamma=0.2), "wrong_factor"),
    "base": (lambda i: multistep(i, lr=0.05), "wrong_lr"),
    "extra": (lambda i: multistep(i, (200, 400, 700)), "extra_decay"),
    "missing": (lambda i: multistep(i, (400,)), "missing_decay"),
    "twice": (lambda i: multistep(i, (200, 350)), "stepped_twice"),
    "unit": (lambda i: multistep(i, (300, 600)), "wrong_unit"),
    "wu_missing": (lambda i: multistep(i), "warmup_missing"),
    "wu_stuck": (lambda i: multistep(i, lr=0.01), "warmup_not_undone"),
    "beyond": (lambda i: multistep(i), "beyond_run"),
    "sparse": (lambda i: multistep(i), "unverifiable"),
    "resume": (lambda i: multistep(i), "resume_jump"),
    "reset": (lambda i: multistep(i) if i < 500 else 0.1, "lr_reset"),
    "groups": (lambda i: multistep(i), "groups_disagree"),
}
# What each scenario declares (when the format carries no schedule).
SCHED = {
    "unit": "multistep:lr=0.1,milestones=300ep/600ep,gamma=0.1",
    "wu_missing": "warmup:lr=0.01,len=100,mode=constant+" + DECLARED,
    "wu_stuck": "warmup:lr=0.01,len=100,mode=constant+" + DECLARED,
    "beyond": "multistep:lr=0.1,milestones=4ep/7ep/15ep,gamma=0.1",
}
# Scenarios that need more than one LR tag, or step-level detail.
NEEDS_GROUPS = {"groups"}
STEP_ONLY = {"unit", "sparse", "wu_missing", "wu_stuck"}


def updates(scen, every, first):
    """The logged updates: every `every` from `first`; resume and sparse
    change the pattern."""
    if scen == "sparse":
        return list(range(0, N, 300))
    seq = list(range(first, N, every))
    if scen == "resume":
        cut = [i for i in seq if i < 600]
        again = [i for i in seq if i >= 500]
        return cut + again
    return seq


def epochs(scen):
    """The logged epochs of a one-row-per-epoch log."""
    if scen == "resume":
        return list(range(0, 6)) + list(range(4, N // IPE))
    return list(range(N // IPE))


def groups_lr(scen, i):
    """(group 1, group 2) rates; group 2 never decays in "groups"."""
    f = SCEN[scen][0]
    return f(i), (0.1 if scen == "groups" else f(i))


# ---- CRC-32C and TFRecord ----

def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_T = _crc_table()


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = (c >> 8) ^ CRC_T[(c ^ x) & 0xFF]
    return c ^ 0xFFFFFFFF


def masked(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) \
        & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wt, payload):
    key = varint(num << 3 | wt)
    if wt == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def tb_scalar(tag, value, step, wall=1.7e9, tensor=False):
    if tensor:
        # TF2 style: a DT_FLOAT tensor in tensor_content, with metadata.
        t = field(1, 0, varint(1)) + field(2, 2, b"") + \
            field(4, 2, struct.pack("<f", value))
        meta = field(1, 2, field(1, 2, b"scalars"))
        val = field(1, 2, tag.encode()) + field(8, 2, t) + \
            field(9, 2, meta)
    else:
        val = field(1, 2, tag.encode()) + \
            field(2, 5, struct.pack("<f", value))
    summ = field(1, 2, val)
    return field(1, 1, struct.pack("<d", wall)) + \
        field(2, 0, varint(step)) + field(5, 2, summ)


def tfrecord(data):
    ln = struct.pack("<Q", len(data))
    return ln + struct.pack("<I", masked(crc32c(ln))) + data + \
        struct.pack("<I", masked(crc32c(data)))


def tb_version():
    return field(1, 1, struct.pack("<d", 1.7e9)) + \
        field(3, 2, b"brain.Event:2")


# ---- writers, one per format ----

def w_rntrain(d, scen):
    p = os.path.join(d, "run.jsonl")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        meta = {"type": "meta", "program": "rn-train",
                "schedule": SCHED.get(scen, DECLARED), "iters": N,
                "iters_per_epoch": IPE, "batch": 128}
        o.write(json.dumps(meta) + "\n")
        for i in updates(scen, 10, 0):
            o.write(json.dumps({"type": "step", "iter": i,
                                "epoch": i // IPE, "lr": f(i),
                                "loss": 1.0, "acc": 0.5}) + "\n")
            if (i + 10) % IPE == 0:
                o.write(json.dumps({"type": "eval", "split": "val",
                                    "iter": i + 10,
                                    "epoch": (i + 10) // IPE,
                                    "acc": 0.6, "loss": 1.1,
                                    "n": 500}) + "\n")
    return p, []


def w_lightning(d, scen):
    p = os.path.join(d, "metrics.csv")
    groups = scen in NEEDS_GROUPS
    cols = ["epoch", "step", "train_loss"] + \
        (["lr-SGD/pg1", "lr-SGD/pg2"] if groups else ["lr-SGD"])
    with open(p, "w") as o:
        o.write(",".join(sorted(cols)) + "\n")
        order = sorted(cols)
        for i in updates(scen, 50, 49):
            row = dict.fromkeys(cols, "")
            row["step"] = str(i)
            if groups:
                a, b = groups_lr(scen, i)
                row["lr-SGD/pg1"], row["lr-SGD/pg2"] = repr(a), repr(b)
            else:
                row["lr-SGD"] = repr(SCEN[scen][0](i))
            o.write(",".join(row[c] for c in order) + "\n")
            row = dict.fromkeys(cols, "")
            row["step"], row["epoch"] = str(i), str(i // IPE)
            row["train_loss"] = "1.5"
            o.write(",".join(row[c] for c in order) + "\n")
    sched = SCHED.get(scen)
    with open(os.path.join(d, "hparams.yaml"), "w") as o:
        if sched is None or sched.startswith("multistep"):
            ms = [4, 7] if sched is None else \
                [int(x[:-2]) for x in
                 sched.split("milestones=")[1].split(",")[0].split("/")]
            o.write("batch_size: 128\ngamma: 0.1\nlr: 0.1\nmilestones:\n")
            for m in ms:
                o.write("- %d\n" % m)
            o.write("momentum: 0.9\n")
            return d, []
        o.write("lr: 0.1\n")
    return d, ["-s", sched]


def w_tb(d, scen):
    p = os.path.join(d, "events.out.tfevents.1700000000.host.1.0")
    groups = scen in NEEDS_GROUPS
    with open(p, "wb") as o:
        o.write(tfrecord(tb_version()))
        for k, i in enumerate(updates(scen, 10, 0)):
            if groups:
                a, b = groups_lr(scen, i)
                o.write(tfrecord(tb_scalar("lr-SGD/pg1", a, i)))
                o.write(tfrecord(tb_scalar("lr-SGD/pg2", b, i)))
            else:
                o.write(tfrecord(tb_scalar("lr", SCEN[scen][0](i), i,
                                           tensor=k % 2 == 1)))
            o.write(tfrecord(tb_scalar("epoch", float(i // IPE), i)))
    return d, ["-s", SCHED.get(scen, DECLARED)]


def w_tb_keras(d, scen):
    """Keras's TensorBoard callback: train/ and validation/ run dirs,
    epoch_learning_rate as a tensor at step = epoch."""
    f = SCEN[scen][0]
    for sub in ("train", "validation"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    with open(os.path.join(d, "train", "events.out.tfevents.1.h.v2"),
              "wb") as o:
        o.write(tfrecord(tb_version()))
        for e in epochs(scen):
            o.write(tfrecord(tb_scalar("epoch_learning_rate", f(e * IPE),
                                       e, tensor=True)))
            o.write(tfrecord(tb_scalar("epoch_loss", 1.0, e,
                                       tensor=True)))
    with open(os.path.join(d, "validation", "events.out.tfevents.1.h.v2"),
              "wb") as o:
        o.write(tfrecord(tb_version()))
        for e in epochs(scen):
            o.write(tfrecord(tb_scalar("epoch_accuracy", 0.5, e,
                                       tensor=True)))
    return d, ["-s", SCHED.get(scen, DECLARED)]


def w_hf(d, scen):
    p = os.path.join(d, "trainer_state.json")
    f = SCEN[scen][0]
    hist = []
    for i in updates(scen, 10, 10):
        # Before 2025 the logged rate is the next update's: at step s
        # (s updates done) it is the rate of 0-based update s.
        hist.append({"epoch": i / IPE, "learning_rate": f(i),
                     "loss": 1.0, "step": i})
    state = {"best_metric": None, "epoch": N / IPE, "global_step": N,
             "log_history": hist, "logging_steps": 10, "max_steps": N}
    with open(p, "w") as o:
        o.write(json.dumps(state, indent=2, sort_keys=True) + "\n")
    return p, ["-s", SCHED.get(scen, DECLARED), "-i", str(IPE)]


def w_keras(d, scen):
    p = os.path.join(d, "training.log")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        o.write("epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n")
        for e in epochs(scen):
            o.write("%d,0.5,%r,1.0,0.5,1.1\n" % (e, f(e * IPE)))
    return p, ["-s", SCHED.get(scen, DECLARED)]


def w_timm(d, scen):
    p = os.path.join(d, "summary.csv")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        hdr = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n"
        o.write(hdr)
        for k, e in enumerate(epochs(scen)):
            if k == 5:
                o.write(hdr)    # a restart into the same folder
            o.write("%d,1.0,1.1,50.0,90.0,%r\n" % (e, f(e * IPE)))
    return p, ["-s", SCHED.get(scen, DECLARED)]


def w_mlflow(d, scen):
    run = os.path.join(d, "mlruns", "0", "0123456789abcdef")
    groups = scen in NEEDS_GROUPS
    names = ["lr-SGD/pg1", "lr-SGD/pg2"] if groups else ["lr-SGD"]
    for n in names:
        os.makedirs(os.path.dirname(os.path.join(run, "metrics", n)),
                    exist_ok=True)
    os.makedirs(os.path.join(run, "params"), exist_ok=True)
    files = [open(os.path.join(run, "metrics", n), "w") for n in names]
    for i in updates(scen, 50, 49):
        vals = groups_lr(scen, i) if groups else (SCEN[scen][0](i),)
        for fo, v in zip(files, vals):
            fo.write("%d %r %d\n" % (1700000000000 + i, v, i))
    for fo in files:
        fo.close()
    with open(os.path.join(run, "params", "lr"), "w") as o:
        o.write("0.1")
    return os.path.join(d, "mlruns"), ["-s", SCHED.get(scen, DECLARED),
                                       "-i", str(IPE)]


def w_d2(d, scen):
    p = os.path.join(d, "metrics.json")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        for i in updates(scen, 20, 19):
            o.write(json.dumps({"data_time": 0.003, "iteration": i,
                                "lr": f(i), "total_loss": 1.2},
                               sort_keys=True) + "\n")
    return p, ["-s", SCHED.get(scen, DECLARED), "-i", str(IPE)]


def w_mmcv(d, scen):
    p = os.path.join(d, "20220719_151219.log.json")
    groups = scen in NEEDS_GROUPS
    with open(p, "w") as o:
        o.write(json.dumps({"env_info": "sys.platform: linux",
                            "config": "model = dict()", "seed": 0}) + "\n")
        for i in updates(scen, 10, 9):
            if groups:
                a, b = groups_lr(scen, i)
                lr = {"pg1": round(a, 5), "pg2": round(b, 5)}
            else:
                lr = round(SCEN[scen][0](i), 5)
            o.write(json.dumps({"mode": "train", "epoch": i // IPE + 1,
                                "iter": i % IPE + 1, "lr": lr,
                                "loss": 1.0, "time": 0.4}) + "\n")
            if (i + 1) % IPE == 0:
                o.write(json.dumps({"mode": "val", "epoch": i // IPE + 1,
                                    "iter": 50, "lr": 0.01,
                                    "accuracy_top-1": 55.0}) + "\n")
    return p, ["-s", SCHED.get(scen, DECLARED)]


def w_mmengine(d, scen):
    p = os.path.join(d, "scalars.json")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        for i in updates(scen, 10, 9):
            o.write(json.dumps({"lr": f(i), "data_time": 0.004,
                                "loss": 1.1, "time": 0.3,
                                "epoch": i // IPE + 1, "iter": i + 1,
                                "memory": 4210, "step": i + 1}) + "\n")
            if (i + 1) % IPE == 0:
                o.write(json.dumps({"accuracy/top1": 55.0,
                                    "step": (i + 1) // IPE}) + "\n")
    return p, ["-s", SCHED.get(scen, DECLARED), "-i", str(IPE)]


def w_csv(d, scen):
    p = os.path.join(d, "log.csv")
    groups = scen in NEEDS_GROUPS
    with open(p, "w") as o:
        o.write("step,loss,lr/pg0,lr/pg1\n" if groups else "step,loss,lr\n")
        for i in updates(scen, 25, 0):
            if groups:
                a, b = groups_lr(scen, i)
                o.write("%d,1.0,%r,%r\n" % (i, a, b))
            else:
                o.write("%d,1.0,%r\n" % (i, SCEN[scen][0](i)))
    args = ["-s", SCHED.get(scen, DECLARED), "-i", str(IPE)]
    return p, args


def w_jsonl(d, scen):
    p = os.path.join(d, "log.jsonl")
    groups = scen in NEEDS_GROUPS
    with open(p, "w") as o:
        for i in updates(scen, 25, 0):
            rec = {"global_step": i, "loss": 1.0}
            if groups:
                rec["lr/pg0"], rec["lr/pg1"] = groups_lr(scen, i)
            else:
                rec["train/lr"] = SCEN[scen][0](i)
            o.write(json.dumps(rec) + "\n")
    return p, ["-s", SCHED.get(scen, DECLARED), "-i", str(IPE)]


def w_regex(d, scen):
    p = os.path.join(d, "train.log")
    f = SCEN[scen][0]
    with open(p, "w") as o:
        o.write("starting\n")
        for i in updates(scen, 50, 0):
            o.write("iter %d loss 1.000 lr %.6g\n" % (i, f(i)))
    return p, ["-r", r"iter ([0-9]+) .* lr ([0-9.e-]+)", "-s",
               SCHED.get(scen, DECLARED), "-i", str(IPE)]


WRITERS = {
    "rn-train": (w_rntrain, set()),
    "lightning-csv": (w_lightning, set()),
    "tensorboard": (w_tb, set()),
    "tensorboard-keras": (w_tb_keras, STEP_ONLY | NEEDS_GROUPS),
    "hf-trainer-state": (w_hf, NEEDS_GROUPS),
    "keras-csv": (w_keras, STEP_ONLY | NEEDS_GROUPS),
    "timm": (w_timm, STEP_ONLY | NEEDS_GROUPS),
    "mlflow": (w_mlflow, set()),
    "detectron2": (w_d2, NEEDS_GROUPS),
    "mmcv": (w_mmcv, set()),
    "mmengine": (w_mmengine, NEEDS_GROUPS),
    "csv": (w_csv, set()),
    "jsonl": (w_jsonl, set()),
    "regex": (w_regex, NEEDS_GROUPS),
}
# Logs too coarse for a kind: the epoch formats see one value per epoch.
SKIP = {("rn-train", "groups")}


def write_bad(top):
    """Damaged and odd files: lr-audit must warn and go on, or refuse
    with one clear line."""
    d = os.path.join(top, "bad")
    os.makedirs(d, exist_ok=True)
    f = SCEN["ok"][0]
    recs = [tfrecord(tb_version())] + \
        [tfrecord(tb_scalar("lr", f(i), i)) for i in range(0, N, 10)]

    def tb(name, data):
        sub = os.path.join(d, name)
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "events.out.tfevents.1.h"), "wb") as o:
            o.write(data)

    bad = bytearray(recs[30])
    bad[-1] ^= 0xFF                             # the data CRC
    tb("tb_datacrc", b"".join(recs[:30]) + bad + b"".join(recs[31:]))
    bad = bytearray(recs[30])
    bad[9] ^= 0xFF                              # the length CRC
    tb("tb_lencrc", b"".join(recs[:30]) + bad + b"".join(recs[31:]))
    tb("tb_trunc", b"".join(recs) + recs[5][:len(recs[5]) // 2])
    absurd = struct.pack("<Q", 1 << 40)
    # An absurd length whose CRC does not hold, mid-file...
    tb("tb_absurd", b"".join(recs[:30]) + absurd + b"\0\0\0\0" +
       b"".join(recs[30:]))
    # ...and one whose CRC holds, at the end.
    tb("tb_absurd_end", b"".join(recs) + absurd +
       struct.pack("<I", masked(crc32c(absurd))) + b"xx")
    with open(os.path.join(d, "header2.csv"), "w") as o:
        o.write("epoch,lr-SGD,step\n")
        for i in range(49, N, 50):
            if i == 549:
                o.write("epoch,lr-SGD,step\n")
            o.write(",%r,%d\n%d,,%d\n" % (f(i), i, i // IPE, i))
    with open(os.path.join(d, "newheader.csv"), "w") as o:
        o.write("step,lr\n")
        for i in range(0, N, 25):
            if i == 500:
                o.write("step,loss,lr\n")
            o.write("%d,%s%r\n" % (i, "1.0," if i >= 500 else "", f(i)))
    with open(os.path.join(d, "utf8.csv"), "wb") as o:
        o.write(b"step,l\xffoss,lr\n")
        for i in range(0, N, 25):
            o.write(b"%d,1.0,%r\n" % (i, f(i)))
    with open(os.path.join(d, "utf8.jsonl"), "wb") as o:
        for i in range(0, N, 25):
            if i == 300:
                o.write(b'{"step": 300, "lr\xfe": 1}\n')
            o.write(b'{"step": %d, "lr": %r}\n' % (i, f(i)))
    with open(os.path.join(d, "trunc.jsonl"), "w") as o:
        for i in range(0, N, 25):
            o.write('{"step": %d, "lr": %r}\n' % (i, f(i)))
        o.write('{"step": 1000, "l')
    open(os.path.join(d, "empty.csv"), "w").close()
    with open(os.path.join(d, "nolr.csv"), "w") as o:
        o.write("step,loss,val_acc\n1,2.0,0.1\n2,1.9,0.2\n")
    with open(os.path.join(d, "garbage.bin"), "wb") as o:
        o.write(bytes((i * 37 + 11) % 251 for i in range(3000)))
    with open(os.path.join(d, "hf_trunc.json"), "w") as o:
        text = json.dumps({"global_step": 500, "log_history": [
            {"learning_rate": f(i), "loss": 1.0, "step": i}
            for i in range(10, 500, 10)]}, indent=2, sort_keys=True)
        o.write(text[:len(text) * 2 // 3])


def warm(i, base=0.1, ratio=0.001, length=100, at=(400, 700)):
    """Linear warm-up from base * ratio (detectron2, mmcv, mmengine all
    scale the rate by a factor rising linearly to 1)."""
    main = multistep(i, at, lr=base)
    if i < length:
        return main * (ratio + (1 - ratio) * i / length)
    return main


def write_configs(top, rows):
    """Logs whose schedule is declared by the framework's own config."""
    for scen in ("ok", "never"):
        f = warm if scen == "ok" else (lambda i: warm(i, at=()))
        kind = None if scen == "ok" else "never_decayed"
        # detectron2: config.yaml beside metrics.json.
        d = os.path.join(top, "cfg", "detectron2", scen)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.yaml"), "w") as o:
            o.write("MODEL:\n  WEIGHTS: ''\nSOLVER:\n  BASE_LR: 0.1\n"
                    "  GAMMA: 0.1\n  MAX_ITER: 1000\n  STEPS:\n"
                    "  - 400\n  - 700\n  WARMUP_FACTOR: 0.001\n"
                    "  WARMUP_ITERS: 100\n  WARMUP_METHOD: linear\n")
        with open(os.path.join(d, "metrics.json"), "w") as o:
            for i in range(0, N, 5):
                o.write(json.dumps({"iteration": i, "lr": f(i),
                                    "total_loss": 1.0}) + "\n")
        rows.append(("cfg/detectron2/" + scen, d, kind, []))
        # mmcv: the config inside the first line.
        d = os.path.join(top, "cfg", "mmcv", scen)
        os.makedirs(d, exist_ok=True)
        cfg = ("optimizer = dict(type='SGD', lr=0.1, momentum=0.9)\n"
               "lr_config = dict(\n    policy='step',\n"
               "    warmup='linear',\n    warmup_iters=100,\n"
               "    warmup_ratio=0.001,\n    step=[4, 7])\n"
               "runner = dict(type='EpochBasedRunner', max_epochs=10)\n")
        with open(os.path.join(d, "20220101_000000.log.json"), "w") as o:
            o.write(json.dumps({"env_info": "linux", "config": cfg,
                                "seed": 0}) + "\n")
            for i in range(4, N, 5):
                o.write(json.dumps({"mode": "train", "epoch": i // IPE + 1,
                                    "iter": i % IPE + 1,
                                    "lr": round(f(i), 5)}) + "\n")
        rows.append(("cfg/mmcv/" + scen, d, kind, []))
        # mmengine: vis_data/config.py beside scalars.json.
        d = os.path.join(top, "cfg", "mmengine", scen, "vis_data")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.py"), "w") as o:
            o.write("optim_wrapper = dict(\n    type='OptimWrapper',\n"
                    "    optimizer=dict(type='SGD', lr=0.1, "
                    "momentum=0.9))\nparam_scheduler = [\n"
                    "    dict(type='LinearLR', start_factor=0.001, "
                    "by_epoch=False, begin=0, end=100),\n"
                    "    dict(type='MultiStepLR', by_epoch=True, "
                    "milestones=[4, 7], gamma=0.1)\n]\n")
        with open(os.path.join(d, "scalars.json"), "w") as o:
            for i in range(4, N, 5):
                o.write(json.dumps({"lr": f(i), "loss": 1.0,
                                    "epoch": i // IPE + 1, "iter": i + 1,
                                    "step": i + 1}) + "\n")
        rows.append(("cfg/mmengine/" + scen, os.path.dirname(d), kind,
                     ["-i", str(IPE)]))


def write_rntrain_warmup(top, rows):
    """rn-train -W: 0.01 until the training error is under 80%, said by a
    warmup_end record; then the schedule, or (stuck) 0.01 for good."""
    for scen, kind in (("ok", None), ("stuck", "warmup_not_undone")):
        d = os.path.join(top, "cfg", "rn-train-W", scen)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "run.jsonl"), "w") as o:
            o.write(json.dumps({"type": "meta", "program": "rn-train",
                                "schedule": DECLARED, "iters": N,
                                "iters_per_epoch": IPE,
                                "warmup": {"lr": 0.01,
                                           "until_train_err": 0.8,
                                           "window": 20}}) + "\n")
            for i in range(N):
                lr = 0.01 if i < 137 else multistep(i)
                if scen == "stuck":
                    lr = multistep(i, lr=0.01)
                o.write(json.dumps({"type": "step", "iter": i,
                                    "epoch": i // IPE, "lr": lr,
                                    "loss": 2.0}) + "\n")
                if i == 136:
                    o.write(json.dumps({"type": "warmup_end", "iter": 137,
                                        "epoch": 1, "train_err": 0.79,
                                        "lr": 0.1}) + "\n")
        rows.append(("cfg/rn-train-W/" + scen, os.path.join(d, "run.jsonl"),
                     kind, []))


def main():
    top = sys.argv[1]
    write_bad(top)
    cfgrows = []
    write_configs(top, cfgrows)
    write_rntrain_warmup(top, cfgrows)
    rows = []
    for fmt, (writer, skip) in WRITERS.items():
        for scen, (_, kind) in SCEN.items():
            if scen in skip or (fmt, scen) in SKIP:
                continue
            d = os.path.join(top, fmt, scen)
            os.makedirs(d, exist_ok=True)
            path, args = writer(d, scen)
            status = 0 if kind is None else 1
            rows.append("\t".join([fmt + "/" + scen, path, str(status),
                                   kind or "-", " ".join(
                                       "'%s'" % a for a in args)]))
    for name, path, kind, args in cfgrows:
        rows.append("\t".join([name, path, "0" if kind is None else "1",
                               kind or "-", " ".join(
                                   "'%s'" % a for a in args)]))
    with open(os.path.join(top, "manifest"), "w") as o:
        o.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
