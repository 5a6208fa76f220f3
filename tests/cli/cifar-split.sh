# tests/cli/cifar-split.sh: cifar-split on a small synthetic data set
# (every mode, the same split for the same seed, bad manifests and bad
# output places) and, with REPROKIT_CIFAR10_ARCHIVE set, the real
# pipeline cifar-fetch | cifar-split: 45000 / 5000 / 10000 with per-class
# counts recounted from the batch files and the index file by check.py,
# which also recomputes each choice of val images with its own PRNG model.
. "$TOP/tests/lib.sh"

D=$TOP/tests/data/cifar
PY=${REPROKIT_PYTHON:-/usr/bin/python3}
T=$TESTTMP

# ---- usage ----
run_case "unknown option" 2 '^usage: cifar-split ' cifar-split --bogus
run_case "bad mode" 2 '^cifar-split: -m odd: not random, stratified or tail$' \
    cifar-split -m odd
run_case "negative val" 2 '^cifar-split: -v -1: too small$' cifar-split -v -1
run_case "seed not a number" 2 '^cifar-split: -s 1x: not an integer$' \
    cifar-split -s 1x
run_case "two manifests" 2 'only one manifest' cifar-split a b
run_case "empty stdin" 2 '^cifar-split: stdin:' cifar-split

if ! "$PY" -c 'import tarfile' 2>/dev/null; then
	skip "synthetic data" "no Python at $PY"
	finish
	exit 0
fi
"$PY" "$D/mkarchive.py" good "$T/good.tgz" 30
cifar-fetch -N -a "$T/good.tgz" -o "$T/data" >"$T/fetch.json" 2>/dev/null ||
    fail "synthetic fetch"
S=$T/data/cifar-10-batches-bin

# split NAME ARGS...: run cifar-split on the fetch manifest, check all.
split() {
	s_name=$1
	shift
	run_case "$s_name" 0 '' cifar-split "$@" "$T/fetch.json" &&
	    cp "$out" "$T/$s_name.json" &&
	    check "$s_name: recounted and recomputed" \
	    "'$PY' '$D/check.py' split '$T/$s_name.json' '$T/fetch.json'"
}
split random -v 20
check "random: defaults recorded, index named after them" \
    "'$PY' '$D/check.py' expr '$T/random.json' 'm[\"mode\"] == \"random\" \
    and m[\"seed\"] == 1 and m[\"val\"] == 20 and not m[\"verified\"] and \
    m[\"index\"][\"path\"] == \"$S/split-random-s1-v20.idx\" and \
    m[\"splits\"][\"train\"][\"n\"] == 130 and \
    m[\"splits\"][\"test\"][\"n\"] == 30'"
check "random: the index file is 16 + 4 x 150 bytes" \
    "[ \$(wc -c <'$S/split-random-s1-v20.idx') -eq 616 ]"
run_case_in "the same from stdin" 0 '' "$T/fetch.json" cifar-split -v 20
check "stdin and file give the same manifest" "cmp '$out' '$T/random.json'"
split seed7 -v 20 -s 7 -o "$T/seed7.idx"
check "another seed, another val set" \
    "! cmp -s '$T/seed7.idx' '$S/split-random-s1-v20.idx'"
split stratified -m stratified -v 20
check "stratified: two of each class" \
    "'$PY' '$D/check.py' expr '$T/stratified.json' \
    'm[\"splits\"][\"val\"][\"per_class\"] == [2] * 10'"
split tail -m tail -v 20
check "tail: no seed, the last 20 images" \
    "'$PY' '$D/check.py' expr '$T/tail.json' 'm[\"seed\"] is None and \
    m[\"index\"][\"path\"].endswith(\"/split-tail-v20.idx\")'"
split none -v 0
check "val 0: all for training, recorded" \
    "'$PY' '$D/check.py' expr '$T/none.json' 'm[\"val\"] == 0 and \
    m[\"splits\"][\"val\"] == {\"n\": 0, \"per_class\": [0] * 10} and \
    m[\"splits\"][\"train\"][\"n\"] == 150'"
# The checker itself must catch a wrong count.
sed 's/"n": 130/"n": 131/' "$T/random.json" >"$T/wrong.json"
check "check.py refuses a doctored count" \
    "! '$PY' '$D/check.py' split '$T/wrong.json' '$T/fetch.json'"
run_case "default 5000 is more than 150 images" 2 \
    '^cifar-split: -v 5000: leaves no training images of 150$' \
    cifar-split "$T/fetch.json"
run_case "stratified needs a multiple of 10" 2 \
    'stratified needs a multiple of 10$' \
    cifar-split -m stratified -v 25 "$T/fetch.json"
run_case "stratified beyond a class" 2 'class [0-9] has only [0-9]+ images$' \
    cifar-split -m stratified -v 140 "$T/fetch.json"

# ---- bad manifests: exit 2, one line, no index file ----
ls "$S" >"$T/before"
printf 'not json\n' >"$T/bad.json"
run_case "manifest not JSON" 2 "^cifar-split: $T/bad.json:1: not JSON: " \
    cifar-split -v 20 "$T/bad.json"
run_case "manifest missing" 2 "^cifar-split: $T/nope.json: No such file" \
    cifar-split -v 20 "$T/nope.json"
run_case_in "a split manifest is not a fetch manifest" 2 \
    'stdin: not a cifar-fetch manifest$' "$T/random.json" cifar-split -v 20
sed "s|$T/data|$T/gone|" "$T/fetch.json" >"$T/moved.json"
run_case "manifest points at missing files" 2 \
    "^cifar-split: $T/gone/cifar-10-batches-bin/data_batch_1.bin: \
No such file or directory\$" \
    cifar-split -v 20 "$T/moved.json"
"$PY" -c 'import json, sys
m = json.load(open(sys.argv[1]))
m["files"][2]["sha256"] = "0" * 64
json.dump(m, open(sys.argv[2], "w"))' "$T/fetch.json" "$T/badsha.json"
run_case "a file that does not match its sha256" 2 \
    'data_batch_3.bin: sha256 [0-9a-f]{64}, the manifest says 0{64}$' \
    cifar-split -v 20 "$T/badsha.json"
# A label above 9, in a copy whose manifest carries the matching digest.
mkdir "$T/lab"
cp -r "$S" "$T/lab/"
rm -f "$T/lab/cifar-10-batches-bin/"*.idx
"$PY" -c 'import hashlib, json, sys
p = sys.argv[2] + "/cifar-10-batches-bin/data_batch_2.bin"
b = bytearray(open(p, "rb").read()); b[5 * 3073] = 12
open(p, "wb").write(b)
m = json.load(open(sys.argv[1]))
m["directory"] = sys.argv[2] + "/cifar-10-batches-bin"
m["files"][1]["sha256"] = hashlib.sha256(b).hexdigest()
json.dump(m, open(sys.argv[3], "w"))' "$T/fetch.json" "$T/lab" "$T/lab.json"
run_case "a label above 9" 2 \
    'data_batch_2.bin: record 5: label 12 is not 0..9$' \
    cifar-split -v 20 "$T/lab.json"
check "lab: no index file" "! ls '$T/lab/cifar-10-batches-bin/'*.idx"
check "bad manifests: no index file written" \
    "ls '$S' | cmp - '$T/before'"

# ---- bad output places ----
: >"$T/afile"
run_case "index under a plain file" 2 \
    "^cifar-split: $T/afile/x.idx: Not a directory\$" \
    cifar-split -v 20 -o "$T/afile/x.idx" "$T/fetch.json"
mkdir "$T/full"
run_case "no room for the index" 2 \
    "^cifar-split: $T/full/x.idx: File too large\$" \
    sh -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' sh \
    cifar-split -v 20 -o "$T/full/x.idx" "$T/fetch.json"
check "no room: nothing left" "[ -z \"\$(ls -A '$T/full')\" ]"
run_case "stdout full" 2 '^cifar-split: write error on standard output: ' \
    sh -c 'exec "$@" >/dev/full' sh cifar-split -v 20 -o "$T/f.idx" \
    "$T/fetch.json"

# ---- the real pipeline ----
A=${REPROKIT_CIFAR10_ARCHIVE:-}
if [ -z "$A" ]; then
	skip "real archive" "REPROKIT_CIFAR10_ARCHIVE is not set"
	finish
	exit 0
fi
run_case "real: cifar-fetch | cifar-split" 0 '' \
    sh -c 'cifar-fetch -a "$1" -o "$2" | tee "$3" | cifar-split' sh \
    "$A" "$T/real" "$T/real-fetch.json"
cp "$out" "$T/real-random.json"
check "real: 45000 / 5000 / 10000, verified" \
    "'$PY' '$D/check.py' expr '$T/real-random.json' \
    '[m[\"splits\"][k][\"n\"] for k in (\"train\", \"val\", \"test\")] == \
    [45000, 5000, 10000] and m[\"verified\"] and \
    m[\"splits\"][\"test\"][\"per_class\"] == [1000] * 10'"
check "real: per-class counts recounted, val set recomputed" \
    "'$PY' '$D/check.py' split '$T/real-random.json' '$T/real-fetch.json'"
# real NAME ARGS...: a split of the real data, checked the same way.
real() {
	r_name=$1
	shift
	run_case "real: $r_name" 0 '' cifar-split "$@" "$T/real-fetch.json" &&
	    cp "$out" "$T/real-$r_name.json" &&
	    check "real $r_name: recounted and recomputed" \
	    "'$PY' '$D/check.py' split '$T/real-$r_name.json' \
	    '$T/real-fetch.json'"
}
real tail -m tail
check "real tail: the PyTorch reference runs' val, images 45000..49999" \
    "'$PY' '$D/check.py' expr '$T/real-tail.json' \
    'm[\"splits\"][\"val\"][\"n\"] == 5000 and m[\"seed\"] is None'"
real stratified -m stratified
check "real stratified: 500 of each class" \
    "'$PY' '$D/check.py' expr '$T/real-stratified.json' \
    'm[\"splits\"][\"val\"][\"per_class\"] == [500] * 10 and \
    m[\"splits\"][\"train\"][\"per_class\"] == [4500] * 10'"
real all -v 0
check "real val 0: 50000 for training" \
    "'$PY' '$D/check.py' expr '$T/real-all.json' \
    'm[\"splits\"][\"train\"][\"n\"] == 50000 and m[\"val\"] == 0'"
real seed2 -s 2
check "real: the same seed twice, the same split" \
    "cifar-split '$T/real-fetch.json' | cmp - '$T/real-random.json'"
check "real: seed 2 differs from seed 1" \
    "! cmp -s '$T/real/cifar-10-batches-bin/split-random-s1-v5000.idx' \
    '$T/real/cifar-10-batches-bin/split-random-s2-v5000.idx'"
rm -rf "$T/real"
finish
