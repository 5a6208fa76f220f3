# tests/cli/rn-train.sh: rn-train on a small synthetic data set (a
# ResNet-8 on 40 images a batch file): the log's shape, determinism,
# resuming bit for bit (after --iters and after kill -9), a changed
# schedule on resume, refused checkpoints, divergence, usage errors; and,
# with REPROKIT_CIFAR10_ARCHIVE set, a short run on the real CIFAR-10
# that has to learn.
. "$TOP/tests/lib.sh"

PY=${REPROKIT_PYTHON:-/usr/bin/python3}
T=$TESTTMP

# ---- usage ----
run_case "unknown option" 2 '^usage: rn-train ' rn-train --bogus
run_case "depth not 6n+2" 2 'rn-train: -d 21: not 6n\+2' rn-train -d 21
run_case "bad shortcut" 2 'rn-train: -S C: not A or B' rn-train -S C
run_case "bad batch" 2 'rn-train: -b 0: ' rn-train -b 0
run_case "stray argument" 2 'unexpected argument' rn-train extra
run_case "empty stdin" 2 '^rn-train: -:' rn-train
mkdir -p "$T/adir"
run_case "a directory as the manifest" 2 \
    "^rn-train: $T/adir: Is a directory\$" rn-train -m "$T/adir"

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

# A small, fast recipe: ResNet-8, batch 16, 180 training images.
train() {
	rn-train -m "$M" -n 1 -b 16 -X 20 -t 2 "$@"
}
# The log without its timings, for comparing runs.
NOTIME="jq -c 'del(.img_per_s, .wall_s)'"

# ---- the log ----
run_case "a short run" 0 '' train -i 14 -s 'constant:lr=0.05'
cp "$out" "$T/short.jsonl"
check "meta first, with the model and recipe" "head -1 '$T/short.jsonl' | \
    jq -e '.type == \"meta\" and .depth == 8 and .params == 75290 and \
    .batch == 16 and .iters == 14 and .iters_per_epoch == 12 and \
    .train_size == 180 and .schedule == \"constant:lr=0.05\" and \
    .seed == 1 and .momentum == 0.9 and .weight_decay == 0.0001 and \
    .shortcut == \"A\" and .schedule_json.kind == \"constant\" and \
    .resumed_from == null and (.data.split_sha256 | length) == 64' \
    >/dev/null"
# The kernels are recorded; each environment variable of rn-train(1)
# lowers them to what it names, never raises them.
kernels() {
	env "$@" rn-train -m "$M" -n 1 -b 16 -X 20 -t 2 -i 1 |
	    head -1 | jq -r .versions.conv_kernels
}
k0=$(kernels)
k1=$(kernels REPROKIT_NO_WINOGRAD=1)
k2=$(kernels REPROKIT_NO_AVX512=1)
k3=$(kernels REPROKIT_NO_DIRECT_CONV=1)
check "meta: the convolution kernels, as the environment chooses" \
    "echo '$k0' | grep -Eqx 'winograd-avx512|direct-avx(512|2)|im2col-sgemm' \
    && [ '$k1' != winograd-avx512 ] && [ '$k3' = im2col-sgemm ] && \
    ! echo '$k2' | grep -q avx512"
check "one step record per iteration, with the lr used" \
    "[ \$(jq -c 'select(.type == \"step\" and .lr == 0.05)' \
    '$T/short.jsonl' | wc -l) -eq 14 ] && \
    jq -s -e '[.[] | select(.type == \"step\") | .iter] == [range(14)]' \
    '$T/short.jsonl' >/dev/null"
check "an epoch record and a val eval after 12 iterations" \
    "jq -s -e 'map(select(.type == \"epoch\" or .type == \"eval\")) | \
    .[0].type == \"epoch\" and .[0].iter == 12 and .[0].n == 180 and \
    .[1].split == \"val\" and .[1].iter == 12 and .[1].epoch == 1 and \
    .[1].n == 20' '$T/short.jsonl' >/dev/null"
check "val and test at the end, then the end record" \
    "tail -3 '$T/short.jsonl' | jq -s -e '.[0].split == \"val\" and \
    .[0].iter == 14 and .[1].split == \"test\" and .[2].type == \"end\" \
    and .[2].iter == 14' >/dev/null"
check "accuracies are fractions, losses finite numbers" \
    "jq -s -e 'map(select(.acc != null)) | all(.acc >= 0 and .acc <= 1 \
    and (.loss | type) == \"number\")' '$T/short.jsonl' >/dev/null"
run_case_in "the manifest on stdin" 0 '' "$M" rn-train -n 1 -b 16 -X 20 \
    -i 14 -s 'constant:lr=0.05'
check "stdin and -m give the same run" \
    "[ \"\$(jq -c 'del(.img_per_s, .wall_s, .argv)' '$out')\" = \
    \"\$(jq -c 'del(.img_per_s, .wall_s, .argv)' '$T/short.jsonl')\" ]"
run_case "log every 5" 0 '' train -i 14 -s 'constant:lr=0.05' -l 5
check "steps 0, 5, 10 and the last" "jq -s -e '[.[] | select(.type == \
    \"step\") | .iter] == [0, 5, 10, 13]' '$out' >/dev/null"
run_case "drop the last partial batch" 0 '' train -i 2 -L -x 100 -e 0
check "-x 100 -L: 6 iterations an epoch" "head -1 '$out' | jq -e \
    '.iters_per_epoch == 6 and .train_size == 100 and .drop_last' \
    >/dev/null"
run_case "the paper's schedule by default" 0 '' train -i 1
check "paper: lr 0.1, 32k/48k, stop 64k" "head -1 '$out' | jq -e \
    '.schedule == \"multistep:lr=0.1,milestones=32000/48000,gamma=0.1,\
stop=64000\" and .lr == 0.1 and .iters == 1' >/dev/null"
run_case "a schedule in epochs" 0 '' train -s \
    'multistep:lr=0.1,milestones=1ep,stop=2ep' -e 0
check "decays at the epoch boundary, stops after 2 epochs" \
    "jq -s -e '[.[] | select(.type == \"step\")] | length == 24 and \
    .[11].lr == 0.1 and (.[12].lr - 0.01 | fabs) < 1e-12' '$out' \
    >/dev/null"
run_case "no stop without -i" 2 'no stop=' train -s 'constant:lr=0.1'
run_case "-C without a place" 2 'give -o or -c' train -i 2 -C 1

# ---- determinism ----
train -i 14 -s 'constant:lr=0.05' -c "$T/d1.ck" >"$T/d1.jsonl"
train -i 14 -s 'constant:lr=0.05' -c "$T/d2.ck" -t 1 >"$T/d2.jsonl"
train -i 14 -s 'constant:lr=0.05' -r 2 >"$T/d3.jsonl"
check "same seed: the same log" \
    "$NOTIME '$T/d1.jsonl' | grep -v '\"checkpoint\"' | \
    jq -c 'del(.argv, .threads)' >'$T/d1.s' && \
    $NOTIME '$T/d2.jsonl' | grep -v '\"checkpoint\"' | \
    jq -c 'del(.argv, .threads)' >'$T/d2.s' && cmp '$T/d1.s' '$T/d2.s'"
check "same seed: the same checkpoint, one thread or two" \
    "cmp '$T/d1.ck' '$T/d2.ck'"
check "another seed: another run" \
    "$NOTIME '$T/d3.jsonl' >'$T/d3.s' && ! cmp -s '$T/d1.s' '$T/d3.s'"
check "the checkpoint record names the file and its hash" \
    "jq -s -e 'map(select(.type == \"checkpoint\")) | length == 1 and \
    .[0].iter == 14 and .[0].path == \"$T/d1.ck\" and .[0].sha256 == \
    \"'\$(sha256sum '$T/d1.ck' | cut -c1-64)'\"' '$T/d1.jsonl' >/dev/null"

# ---- resume ----
# Records after a checkpoint at k: steps from k on, the rest after k.
AFTER='select(.type != "checkpoint" and .type != "meta" and
    (.iter > $k or (.type == "step" and .iter == $k)))'
export AFTER
# The uninterrupted run checkpoints at 6 and at the end (20).
train -i 20 -s 'constant:lr=0.05' -e 5 -C 6 -o "$T/full" >"$T/full.jsonl"
train -i 6 -s 'constant:lr=0.05' -e 5 -c "$T/r6.ck" >"$T/r1.jsonl"
run_case "resume mid-epoch" 0 '' train -R "$T/r6.ck" -i 20 -e 5 \
    -c "$T/r20.ck"
cp "$out" "$T/r2.jsonl"
check "resumed: the final checkpoint is byte-identical" \
    "cmp '$T/full/ckpt-20.rnck' '$T/r20.ck'"
check "resumed: the log from iteration 6 on is identical" \
    "$NOTIME '$T/full.jsonl' | jq -c \"\$AFTER\" --argjson k 6 >'$T/f.s' && \
    $NOTIME '$T/r2.jsonl' | jq -c 'select(.type != \"checkpoint\" and \
    .type != \"meta\")' >'$T/r.s' && cmp '$T/f.s' '$T/r.s' && \
    [ \$(wc -l <'$T/r.s') -ge 16 ]"
check "resumed: meta says from where" "head -1 '$T/r2.jsonl' | jq -e \
    '.resumed_from.iter == 6 and .resumed_from.path == \"$T/r6.ck\" and \
    .resumed_from.schedule_changed == false and \
    .resumed_from.iters == 6 and .iters == 20' >/dev/null"

# Killed: a long run with a checkpoint every 5 iterations, killed -9.
rn-train -m "$M" -n 1 -b 16 -X 20 -t 2 -i 100000 -s 'constant:lr=0.05' \
    -e 5 -C 5 -o "$T/kill" >"$T/kill.jsonl" 2>/dev/null &
kpid=$!
i=0
while [ ! -f "$T/kill/ckpt-10.rnck" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
run_case "resume after kill -9" 0 '' train -R "$T/kill/ckpt-10.rnck" \
    -i 20 -e 5 -c "$T/k20.ck"
cp "$out" "$T/k2.jsonl"
check "after kill -9: the final checkpoint is byte-identical" \
    "cmp '$T/full/ckpt-20.rnck' '$T/k20.ck'"
check "after kill -9: the log from iteration 10 on is identical" \
    "$NOTIME '$T/full.jsonl' | jq -c \"\$AFTER\" --argjson k 10 \
    >'$T/f10.s' && \
    $NOTIME '$T/k2.jsonl' | jq -c 'select(.type != \"checkpoint\" and \
    .type != \"meta\")' >'$T/k.s' && cmp '$T/f10.s' '$T/k.s'"
check "after kill -9: every checkpoint left is whole" \
    "for f in '$T/kill'/ckpt-*.rnck; do rn-eval -m '$M' -X 4 \"\$f\" \
    >/dev/null || exit 1; done"

# A fork: the same trunk, then a new schedule.
run_case "resume with another schedule" 0 '' train -R "$T/r6.ck" -i 12 \
    -s 'constant:lr=0.005'
check "the new schedule is logged, and used" "head -1 '$out' | jq -e \
    '.schedule == \"constant:lr=0.005\" and \
    .resumed_from.schedule == \"constant:lr=0.05\" and \
    .resumed_from.schedule_changed' >/dev/null && \
    jq -s -e '[.[] | select(.type == \"step\")] | length == 6 and \
    .[0].iter == 6 and all(.lr == 0.005)' '$out' >/dev/null"
run_case "resume: -i not past the checkpoint" 2 'at 6 already' \
    train -R "$T/r6.ck" -i 6
run_case "resume: another depth" 2 'holds a ResNet-8, not a ResNet-20' \
    train -R "$T/r6.ck" -d 20 -i 12
run_case "resume: another batch size" 2 '-b differs from the checkpoint' \
    train -R "$T/r6.ck" -b 32 -i 12
run_case "resume: another seed" 2 '-r differs from the checkpoint' \
    train -R "$T/r6.ck" -r 9 -i 12
cifar-split -v 30 "$T/data/cifar-10-batches-bin/cifar-fetch.json" \
    >"$T/split30.json" 2>/dev/null
run_case "resume: another split" 2 'trained on another split' \
    rn-train -m "$T/split30.json" -R "$T/r6.ck" -i 12

# ---- bad checkpoints ----
cp "$T/r6.ck" "$T/flip.ck"
printf 'X' | dd of="$T/flip.ck" bs=1 seek=5000 conv=notrunc 2>/dev/null
run_case "a flipped byte" 2 'flip.ck: checksum mismatch' \
    train -R "$T/flip.ck" -i 12
head -c 3000 "$T/r6.ck" >"$T/trunc.ck"
run_case "a truncated checkpoint" 2 'trunc.ck: truncated or corrupt' \
    train -R "$T/trunc.ck" -i 12
run_case "not a checkpoint" 2 'split.json: not an rn-train checkpoint' \
    train -R "$M" -i 12
run_case "no such checkpoint" 2 'nonexistent.ck: No such file' \
    train -R "$T/nonexistent.ck" -i 12
: >"$T/empty.ck"
run_case "an empty file" 2 'empty.ck: not an rn-train checkpoint' \
    train -R "$T/empty.ck" -i 12

# ---- divergence, warm-up ----
run_case "divergence" 1 'diverged at iteration' train -i 20 \
    -s 'constant:lr=1e6'
check "a diverged record, last, with a null loss" \
    "tail -1 '$out' | jq -e '.type == \"diverged\" and .loss == null' \
    >/dev/null"
run_case "warm-up" 0 '' train -i 12 -W -s 'constant:lr=0.1'
check "warm-up: 0.01 while the error stays high" "head -1 '$out' | \
    jq -e '.warmup.lr == 0.01 and .warmup.until_train_err == 0.8' \
    >/dev/null && jq -s -e '[.[] | select(.type == \"step\")] | \
    .[0].lr == 0.01' '$out' >/dev/null"

# ---- the real CIFAR-10 ----
if [ -z "${REPROKIT_CIFAR10_ARCHIVE:-}" ]; then
	skip "real CIFAR-10" "REPROKIT_CIFAR10_ARCHIVE is not set"
	finish
	exit 0
fi
cifar-fetch -a "$REPROKIT_CIFAR10_ARCHIVE" -o "$T/real" 2>/dev/null |
    cifar-split -m tail -v 5000 >"$T/real.json" || fail "real data set"
# ResNet-8, 220 iterations of 64 on 5000 images (2.8 epochs), 1000
# tested: about 25 s of CPU.  Chance is 10%; this reaches about 35%.
run_case "a short run on CIFAR-10" 0 '' rn-train -m "$T/real.json" -n 1 \
    -b 64 -x 5000 -X 1000 -i 220 -s 'constant:lr=0.1' -e 0 \
    -c "$T/real.ck"
cp "$out" "$T/real.jsonl"
check "CIFAR-10: the loss falls by a fifth" \
    "jq -s -e '[.[] | select(.type == \"step\") | .loss] | \
    (.[0:20] | add / 20) as \$a | (.[200:220] | add / 20) as \$b | \
    \$b < 0.8 * \$a' '$T/real.jsonl' >/dev/null"
check "CIFAR-10: test accuracy well above chance (> 30%)" \
    "jq -s -e 'map(select(.type == \"eval\" and .split == \"test\")) | \
    length == 1 and .[0].n == 1000 and .[0].acc > 0.3' '$T/real.jsonl' \
    >/dev/null"
# An unwritable checkpoint place stops the run before it trains.
: >"$T/plainfile"
run_case "checkpoint under a file: refused before training" 2 \
    'plainfile/x.rnck: Not a directory' \
    rn-train -m "$M" -n 1 -b 16 -x 64 -X 20 -i 2 -c "$T/plainfile/x.rnck"
check "checkpoint under a file: no log written" "[ ! -s '$out' ]"
run_case "-b 0" 2 '^rn-train: -b 0: too small$' rn-train -b 0
run_case "-M 1.5" 2 '^rn-train: -M 1.5: too large$' rn-train -M 1.5
finish
