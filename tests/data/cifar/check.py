# check.py: independent checks of cifar-fetch and cifar-split output for the
# command-line tests.  Each subcommand prints nothing and exits 0 when the
# check holds, or prints why and exits 1.
#
#   check.py fetch MANIFEST yes|no   the manifest matches the files on disk
#                                    (sha256, records, classes, roles) and
#                                    "verified" is as given
#   check.py split MANIFEST [FETCH]  recount everything a split manifest
#                                    claims from the batch files and the
#                                    index file, and recompute the choice
#                                    of val images with a model of the PRNG
#   check.py expr MANIFEST EXPR      the Python expression EXPR, on the
#                                    parsed manifest m, is true
import hashlib
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcg  # noqa: E402

REC = 3073
errors = []


def expect(cond, msg):
    if not cond:
        errors.append(msg)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def labels_of(path):
    with open(path, "rb") as f:
        data = f.read()
    expect(len(data) % REC == 0, "%s: size %d" % (path, len(data)))
    return data[0::REC]


def check_fetch(m, verified):
    expect(m.get("type") == "cifar-fetch", "type")
    expect(m.get("dataset") == "cifar-10", "dataset")
    expect(m.get("verified") is (verified == "yes"), "verified")
    d = m["directory"]
    expect(os.path.isabs(d) and os.path.isdir(d), "directory " + d)
    names = [f["name"] for f in m["files"]]
    want = ["data_batch_%d.bin" % i for i in range(1, 6)]
    want += ["test_batch.bin", "batches.meta.txt"]
    expect(names == want, "file names %s" % names)
    for f in m["files"]:
        p = os.path.join(d, f["name"])
        expect(sha256(p) == f["sha256"], "sha256 of " + f["name"])
        role = ("meta" if f["name"].endswith(".txt") else
                "test" if f["name"].startswith("test") else "train")
        expect(f["role"] == role, "role of " + f["name"])
        if role != "meta":
            expect(f["records"] == os.path.getsize(p) // REC and
                   os.path.getsize(p) % REC == 0, "records of " + f["name"])
    with open(os.path.join(d, "batches.meta.txt")) as f:
        classes = [ln for ln in f.read().split("\n") if ln]
    expect(m["classes"] == classes, "classes")
    a = m.get("archive")
    if a is not None and a.get("path"):
        expect(sha256(a["path"]) == a["sha256"], "archive sha256")
        expect(os.path.getsize(a["path"]) == a["bytes"], "archive bytes")
        with open(a["path"], "rb") as f:
            md5 = hashlib.md5(f.read()).hexdigest()
        expect(md5 == a["md5"], "archive md5")


def read_index(path):
    with open(path, "rb") as f:
        data = f.read()
    expect(data[:8] == b"CIFARIDX", "index magic")
    ntr, nva = struct.unpack("<II", data[8:16])
    expect(len(data) == 16 + 4 * (ntr + nva), "index length")
    vals = struct.unpack("<%dI" % (ntr + nva), data[16:])
    return list(vals[:ntr]), list(vals[ntr:])


def counts(labels, idx):
    c = [0] * 10
    for i in idx:
        c[labels[i]] += 1
    return c


def check_split(m, fetch_path):
    expect(m.get("type") == "cifar-split", "type")
    d = m["directory"]
    if fetch_path:
        with open(fetch_path, "rb") as f:
            raw = f.read()
        expect(hashlib.sha256(raw).hexdigest() == m["fetch_sha256"],
               "fetch_sha256")
        fm = json.loads(raw)
        expect(m["files"] == fm["files"], "files copied")
        expect(m["classes"] == fm["classes"], "classes copied")
        expect(m["directory"] == fm["directory"], "directory copied")
    labels = b""
    test = b""
    for f in m["files"]:
        p = os.path.join(d, f["name"])
        expect(sha256(p) == f["sha256"], "sha256 of " + f["name"])
        if f["role"] == "train":
            labels += labels_of(p)
        elif f["role"] == "test":
            test += labels_of(p)
    n = len(labels)
    ip = m["index"]["path"]
    expect(os.path.isabs(ip), "index path absolute")
    expect(sha256(ip) == m["index"]["sha256"], "index sha256")
    tr, va = read_index(ip)
    expect(tr == sorted(set(tr)) and va == sorted(set(va)), "ascending")
    expect(sorted(tr + va) == list(range(n)), "train + val = all images")
    s = m["splits"]
    expect(s["train"]["n"] == len(tr), "train n")
    expect(s["val"]["n"] == len(va) == m["val"], "val n")
    expect(s["test"]["n"] == len(test), "test n")
    expect(s["train"]["per_class"] == counts(labels, tr), "train per_class")
    expect(s["val"]["per_class"] == counts(labels, va), "val per_class")
    expect(s["test"]["per_class"] == counts(test, range(len(test))),
           "test per_class")
    want = pcg.val_set(m["mode"], m["seed"], m["val"], labels)
    expect(set(va) == want, "val images are not the %s choice" % m["mode"])
    if m["mode"] == "stratified":
        expect(len(set(counts(labels, va))) == 1, "stratified counts")
    if m["mode"] == "tail":
        expect(m["seed"] is None, "tail records no seed")


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        m = json.load(f)
    if cmd == "fetch":
        check_fetch(m, sys.argv[3])
    elif cmd == "split":
        check_split(m, sys.argv[3] if len(sys.argv) > 3 else None)
    elif cmd == "expr":
        expect(eval(sys.argv[3], {"m": m}), "false: " + sys.argv[3])
    else:
        sys.exit("check.py: unknown command " + cmd)
    for e in errors:
        print("check.py: " + e)
    sys.exit(1 if errors else 0)


main()
