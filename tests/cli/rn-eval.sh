# tests/cli/rn-eval.sh: rn-eval on checkpoints of a ResNet-8 trained on a
# small synthetic data set: its figures agree with rn-train's own
# evaluation and with each other (the confusion matrix against the
# manifest's class counts), -a sets the exit status, bad input exits 2.
. "$TOP/tests/lib.sh"

PY=${REPROKIT_PYTHON:-/usr/bin/python3}
T=$TESTTMP

run_case "no checkpoint" 2 'no checkpoint' rn-eval
run_case "bad split" 2 'rn-eval: -s dev: not test, val or train' \
    rn-eval -s dev x.ck
run_case "bad threshold" 2 'rn-eval: -a 2: ' rn-eval -a 2 x.ck
run_case "missing checkpoint" 2 'rn-eval: nope.ck: No such file' \
    rn-eval -m /dev/null nope.ck

if ! command -v jq >/dev/null 2>&1 ||
    ! "$PY" -c 'import tarfile' 2>/dev/null; then
	skip "synthetic data" "needs jq and Python at $PY"
	finish
	exit 0
fi
"$PY" "$TOP/tests/data/cifar/mkarchive.py" good "$T/syn.tgz" 40
cifar-fetch -N -a "$T/syn.tgz" -o "$T/data" 2>/dev/null |
    cifar-split -v 20 >"$T/split.json" || fail "synthetic data set"
M=$T/split.json
rn-train -m "$M" -n 1 -b 16 -i 24 -s 'constant:lr=0.05' -c "$T/r8.ck" \
    >"$T/train.jsonl" || fail "training the checkpoint"

run_case "test split" 0 '' rn-eval -m "$M" "$T/r8.ck"
cp "$out" "$T/test.json"
check "one record, on the 40 test images" "[ \$(wc -l <'$T/test.json') \
    -eq 1 ] && jq -e '.type == \"rn-eval\" and .split == \"test\" and \
    .n == 40 and .checkpoint.iter == 24 and .checkpoint.model.depth == 8 \
    and .same_split' '$T/test.json' >/dev/null"
check "accuracy and loss as rn-train measured them" \
    "jq -s -e '(.[0]) as \$e | (.[1:] | map(select(.type == \"eval\" and \
    .split == \"test\")) | .[0]) as \$t | \$e.acc == \$t.acc and \
    \$e.loss == \$t.loss' '$T/test.json' '$T/train.jsonl' >/dev/null"
check "confusion rows: the manifest's test class counts" \
    "jq -s -e '.[0].confusion | map(add)' '$T/test.json' >'$T/rows' && \
    jq -c '.splits.test.per_class' '$M' >'$T/want' && \
    [ \"\$(jq -c . '$T/rows')\" = \"\$(cat '$T/want')\" ]"
check "accuracy, per class and overall, from the diagonal" \
    "jq -e '.confusion as \$c | ([range(10) | \$c[.][.]] | add) as \$d | \
    \$d == .correct and .acc == \$d / .n and ([range(10) | \
    if (\$c[.] | add) > 0 then \$c[.][.] / (\$c[.] | add) else null end] \
    == .per_class_acc)' '$T/test.json' >/dev/null"
check "the checkpoint hash is the file's" "[ \"\$(jq -r .checkpoint.sha256 \
    '$T/test.json')\" = \"\$(sha256sum '$T/r8.ck' | cut -c1-64)\" ]"
run_case_in "val split, manifest on stdin" 0 '' "$M" rn-eval -s val \
    "$T/r8.ck"
check "val: as rn-train measured it" \
    "jq -s -e '(.[0]) as \$e | (.[1:] | map(select(.type == \"eval\" and \
    .split == \"val\")) | last) as \$t | \$e.n == 20 and \
    \$e.acc == \$t.acc and \$e.loss == \$t.loss' '$out' \
    '$T/train.jsonl' >/dev/null"
run_case "threshold met" 0 '' rn-eval -m "$M" -a 0 "$T/r8.ck"
run_case "threshold missed" 1 'r8.ck: test accuracy .* is below 100.00%' \
    rn-eval -m "$M" -a 1 "$T/r8.ck"
run_case "the first 10 images" 0 '' rn-eval -m "$M" -X 10 -b 3 "$T/r8.ck"
check "-X 10: n is 10" "jq -e '.n == 10' '$out' >/dev/null"

cp "$T/r8.ck" "$T/flip.ck"
printf 'Z' | dd of="$T/flip.ck" bs=1 seek=70000 conv=notrunc 2>/dev/null
run_case "a flipped byte" 2 'flip.ck: checksum mismatch' \
    rn-eval -m "$M" "$T/flip.ck"
head -c 100000 "$T/r8.ck" >"$T/cut.ck"
run_case "a truncated checkpoint" 2 'cut.ck: truncated or corrupt' \
    rn-eval -m "$M" "$T/cut.ck"
run_case "not a checkpoint" 2 'split.json: not an rn-train checkpoint' \
    rn-eval -m "$M" "$M"
echo '{"type": "cifar-split"' >"$T/bad.json"
run_case "a broken manifest" 2 'bad.json:' rn-eval -m "$T/bad.json" \
    "$T/r8.ck"
mkdir -p "$T/adir"
run_case "a directory as the manifest" 2 \
    "^rn-eval: $T/adir: Is a directory\$" rn-eval -m "$T/adir" "$T/r8.ck"
truncate -s 17M "$T/huge.json"
run_case "a manifest over 16 MiB" 2 \
    "^rn-eval: $T/huge.json: over 16777216 bytes\$" \
    rn-eval -m "$T/huge.json" "$T/r8.ck"
# Numeric options are checked whole and within range, named in the error.
run_case "-t out of range" 2 '^rn-eval: -t 999: too large$' \
    rn-eval -t 999 x.ck
run_case "-b not a number" 2 '^rn-eval: -b 12x: not an integer$' \
    rn-eval -b 12x x.ck
finish
