# mkarchive.py: build small synthetic CIFAR-10-shaped archives, sound or
# broken in one chosen way, for the cifar-fetch and cifar-split tests.
#
#   mkarchive.py KIND OUT.tar.gz [RECORDS]
#
# Every archive holds cifar-10-batches-bin/ with data_batch_1..5.bin and
# test_batch.bin of RECORDS (default 30) records each, batches.meta.txt
# and readme.html; labels and pixels come from a seeded generator.  KIND
# names the defect (see KINDS below); "good" has none.
import io
import random
import sys
import tarfile

D = "cifar-10-batches-bin/"
CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck"]
KINDS = ["good", "flat", "evil", "evil-deep", "absolute", "symlink",
         "hardlink", "device", "fifo", "extra", "missing", "dup",
         "badlabel", "badsize", "badmeta", "huge", "hugemeta"]


def batch(rng, n):
    out = bytearray()
    for _ in range(n):
        out.append(rng.randrange(10))
        out += rng.randbytes(3072)
    return bytes(out)


def members(n):
    rng = random.Random(20240601)
    m = [("data_batch_%d.bin" % i, batch(rng, n)) for i in range(1, 6)]
    m.append(("test_batch.bin", batch(rng, n)))
    m.append(("batches.meta.txt", ("\n".join(CLASSES) + "\n\n").encode()))
    m.append(("readme.html", b"<meta http-equiv=\"refresh\" content=\"0\">\n"))
    return m


def add_file(tf, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1243987200
    tf.addfile(ti, io.BytesIO(data))


def add_special(tf, name, kind, target=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    ti.mtime = 1243987200
    tf.addfile(ti)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    if kind not in KINDS:
        sys.exit("mkarchive.py: unknown kind " + kind)
    prefix = "" if kind == "flat" else D
    mem = members(n)
    with tarfile.open(out, "w:gz", compresslevel=1,
                      format=tarfile.GNU_FORMAT) as tf:
        if kind != "flat":
            ti = tarfile.TarInfo(D.rstrip("/"))
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            tf.addfile(ti)
        for name, data in mem:
            if kind == "missing" and name == "data_batch_4.bin":
                continue
            if kind == "symlink" and name == "data_batch_1.bin":
                add_special(tf, prefix + name, tarfile.SYMTYPE,
                            "/etc/passwd")
                continue
            if kind == "hardlink" and name == "data_batch_2.bin":
                add_special(tf, prefix + name, tarfile.LNKTYPE,
                            prefix + "data_batch_1.bin")
                continue
            if kind == "device" and name == "test_batch.bin":
                add_special(tf, prefix + name, tarfile.CHRTYPE)
                continue
            if kind == "fifo" and name == "test_batch.bin":
                add_special(tf, prefix + name, tarfile.FIFOTYPE)
                continue
            if kind == "huge" and name == "data_batch_1.bin":
                # Only a header claiming 100 MiB: the size is refused
                # before any data would be read.
                ti = tarfile.TarInfo(prefix + name)
                ti.size = 100 << 20
                tf.addfile(ti)
                break
            if kind == "hugemeta" and name == "batches.meta.txt":
                data = b"x" * 5000
            if kind == "badlabel" and name == "data_batch_2.bin":
                b = bytearray(data)
                b[3 * 3073] = 10
                data = bytes(b)
            if kind == "badsize" and name == "data_batch_2.bin":
                data = data + bytes(100)
            if kind == "badmeta" and name == "batches.meta.txt":
                data = b"airplane\nautomobile\n\n"
            add_file(tf, prefix + name, data)
            if kind == "dup" and name == "data_batch_1.bin":
                add_file(tf, prefix + name, data)
        if kind == "evil":
            add_file(tf, "../evil", b"evil\n")
        if kind == "evil-deep":
            add_file(tf, D + "../../evil", b"evil\n")
        if kind == "absolute":
            add_file(tf, "/tmp/reprokit-evil-absolute", b"evil\n")
        if kind == "extra":
            add_file(tf, D + "extra.bin", b"x" * 3073)


main()
