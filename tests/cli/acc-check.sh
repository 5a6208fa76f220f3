# acc-check: runs against golden curves, and golden files made from runs.
# The expected findings are worked out here with jq from the golden band
# and the run's own numbers, not taken from acc-check.
. "$TOP/tests/lib.sh"

G=$TOP/golden/resnet20-pytorch-fork20.json
R=$TOP/tests/data/runs
T=$TESTTMP

# outside SPLIT RUN: the epochs where the run's SPLIT accuracy leaves the
# golden band of $G, comma-separated, computed with jq.
outside() {
	jq -c "select(.type == \"eval\" and .split == \"$1\") |
	    [.epoch, .acc]" "$2" >"$T/pts"
	jq -r -n --slurpfile g "$G" --slurpfile r "$T/pts" --arg s "$1" '
	    [$r[] as [$e, $a] | $g[0].curves[$s].points[] |
	     select(.epoch == $e and ($a < .lo or $a > .hi)) | $e] |
	    map(tostring) | join(",")'
}
# A run that stays inside the band.
run_case "inside: exit 0" 0 'within the golden tolerance' \
    acc-check "$G" "$R/inside.jsonl"
test_in=$(outside test "$R/inside.jsonl")$(outside val "$R/inside.jsonl")
check "inside: jq finds no point outside either" "[ -z '$test_in' ]"
check "inside: summary says within, 23 points compared" \
    "jq -en '[inputs | select(.type == \"summary\")][0] |
    .verdict == \"within\" and
    .findings == 0 and .splits.test.compared == 23 and
    .final.within == true' $out"
check "inside: stdout is JSON Lines" "jq -c . $out >/dev/null"

# A run that falls out of the band mid-way.
run_case "midway: exit 1" 1 \
    'test: 10 of 23 points outside the band \(epochs 14-23\)' \
    acc-check "$G" "$R/midway.jsonl"
want=$(outside test "$R/midway.jsonl")
check "midway: jq puts the first point outside at epoch 14" \
    "[ '${want%%,*}' = 14 ]"
check "midway: test findings are the epochs jq finds" \
    "[ \"\$(jq -r 'select(.kind == \"outside_band\" and
    .split == \"test\") | .epoch' $out | paste -sd, -)\" = '$want' ]"
want=$(outside val "$R/midway.jsonl")
check "midway: val findings are the epochs jq finds" \
    "[ \"\$(jq -r 'select(.kind == \"outside_band\" and
    .split == \"val\") | .epoch' $out | paste -sd, -)\" = '$want' ]"
check "midway: epoch 14 is 4 pp under the reference (81.08 - 77.08)" \
    "jq -en '[inputs | select(.kind == \"outside_band\" and
    .split == \"test\" and .epoch == 14)][0] |
    .side == \"below\" and .diff_pp == -4' $out"

# The never-decayed learning rate: lr 0.1 after epoch 20 (B20).
run_case "never decayed: exit 1" 1 'final test accuracy 83.44% outside' \
    acc-check "$G" "$R/b20.jsonl"
check "never decayed: epochs 21-23 below, as jq finds" \
    "[ \"\$(jq -r 'select(.kind == \"outside_band\" and
    .split == \"test\") | select(.side == \"below\") | .epoch' $out |
    paste -sd, -)\" = '$(outside test "$R/b20.jsonl")' ] &&
    [ '$(outside test "$R/b20.jsonl")' = 21,22,23 ]"
check "never decayed: final 4.71 pp under (83.44 - 88.15)" \
    "jq -en '[inputs | select(.kind == \"final_outside\")][0] |
    .side == \"below\" and .diff_pp == -4.71 and .acc == 0.8344' $out"
check "never decayed: 7 findings in the summary" \
    "jq -en '[inputs | select(.type == \"summary\")][0] | .findings == 7 and
    .verdict == \"deviates\"' $out"

# A run that stops early, and one without a split.
run_case "short: exit 1" 1 'stops at epoch 15, the golden reference at 23' \
    acc-check "$G" "$R/short.jsonl"
check "short: stopped_early with 8 golden points missing" \
    "jq -en '[inputs | select(.kind == \"stopped_early\" and
    .split == \"test\")][0] | .last_epoch == 15 and
    .golden_last_epoch == 23 and .missing_points == 8' $out"
run_case "no val: exit 1" 1 'val: the run has no val_acc' \
    acc-check "$G" "$R/testonly.jsonl"
check "no val: one missing_split finding" \
    "[ \"\$(jq -r 'select(.type == \"finding\") | .kind' $out)\" = \
    missing_split ]"
run_case "no val, -s test: exit 0" 0 'within' \
    acc-check -s test "$G" "$R/testonly.jsonl"

# Above the band: a deviation, unless -o.
run_case "above: exit 1" 1 'worst 0.93 pp above at epoch 23' \
    acc-check "$G" "$R/above.jsonl"
run_case "above, -o: exit 0" 0 'not counted with -o' \
    acc-check -o "$G" "$R/above.jsonl"
run_case "-q: no summary on stderr" 1 '' \
    acc-check -q "$G" "$R/midway.jsonl"

# The paper's final number (Table 6): 91.25% +/- 0.65 at 64k iterations.
run_case "paper ResNet-20: exit 1" 1 'outside \[90.60, 91.90\]' \
    acc-check "$TOP/golden/resnet20-paper.json" "$R/fork20.jsonl"
check "paper ResNet-20: stopped at iteration 8096 of 64000" \
    "jq -en '[inputs | select(.kind == \"stopped_early\")][0] |
    .last_iter == 8096 and .golden_last_iter == 64000' $out"

# Every golden file shipped reads, and a run is within its own golden.
# (a ResNet-20 run checked against another depth draws a warning).
for f in "$TOP"/golden/*.json; do
	case $f in
	*/resnet20-*) pat='' ;;
	*) pat='a ResNet-20 checked against resnet[0-9]+-paper, a ResNet-' ;;
	esac
	run_case "$(basename "$f") reads" 0 "$pat" \
	    sh -c 'acc-check -q "$1" "$2" >/dev/null; [ $? -le 1 ]' sh \
	    "$f" "$R/fork20.jsonl"
done
run_case "make a golden from inside.jsonl" 0 '' \
    acc-check -m -n inside "$R/inside.jsonl"
cp "$out" "$T/inside.json"
run_case "inside.jsonl is within its own golden" 0 'within' \
    acc-check "$T/inside.json" "$R/inside.jsonl"

# The shipped reference golden is what -m makes of its source log.
run_case "make fork20 again" 0 '' \
    acc-check -m -n resnet20-pytorch-fork20 "$R/fork20.jsonl"
check "the curves and final match golden/resnet20-pytorch-fork20.json" \
    "[ \"\$(jq -cS '[.curves, .final, .recipe]' $out)\" = \
    \"\$(jq -cS '[.curves, .final, .recipe]' $G)\" ]"

# Three seeds: the band is k * sqrt(p(1-p)/n + sd^2) at each epoch,
# here worked out with awk from the three logs.
run_case "make from three seeds, k 2" 0 '' \
    acc-check -m -k 2 "$R/seed1.jsonl" "$R/seed2.jsonl" "$R/seed3.jsonl"
cp "$out" "$T/seeds.json"
for e in 1 2 3 4; do
	exp=$(cat "$R"/seed?.jsonl | jq -r "select(.type == \"eval\" and
	    .split == \"test\" and .epoch == $e) | .acc" |
	    awk '{ s += $1; q += $1 * $1; n++ } END {
		m = s / n; sd = sqrt((q - s * s / n) / (n - 1))
		h = 2 * sqrt(m * (1 - m) / 10000 + sd * sd)
		printf "%.6f %.6f %.6f\n", m, m - h, m + h }')
	check "seeds: epoch $e band is mean +/- 2 sigma ($exp)" \
	    "jq -r '.curves.test.points[] | select(.epoch == $e) |
	    \"\\(.acc) \\(.lo) \\(.hi)\"' $T/seeds.json |
	    awk -v e='$exp' '{ split(e, x, \" \");
	    exit !((\$1 - x[1])^2 < 1e-12 && (\$2 - x[2])^2 < 1e-12 &&
	    (\$3 - x[3])^2 < 1e-12) }'"
done
check "seeds: val n from the logs (1000 images)" \
    "jq -e '.curves.val.n == 1000 and .tolerance.runs == 3' $T/seeds.json"

# Bad input: exit 2 and one line.
printf '{"type":"golden","version":1}\n' >"$T/noname.json"
printf 'not json\n' >"$T/notjson.json"
jq '.curves.test.points[0].hi = 0.1' "$G" >"$T/badband.json"
jq '.curves.test.points[3].epoch = 2' "$G" >"$T/order.json"
run_case "golden without a name" 2 'noname.json: no "name"' \
    acc-check "$T/noname.json" "$R/inside.jsonl"
run_case "golden not JSON" 2 'notjson.json:1: not JSON' \
    acc-check "$T/notjson.json" "$R/inside.jsonl"
run_case "band that misses its acc" 2 'point 1: band .* does not hold' \
    acc-check "$T/badband.json" "$R/inside.jsonl"
run_case "points out of order" 2 'point 4: "epoch" 2 does not ascend' \
    acc-check "$T/order.json" "$R/inside.jsonl"
run_case "run missing" 2 'nosuch.jsonl' \
    acc-check "$G" "$T/nosuch.jsonl"
run_case "split not in the golden" 2 \
    'no curve or final record for split train' \
    acc-check -s train "$G" "$R/inside.jsonl"
run_case "one operand" 2 'usage' acc-check "$G"
run_case "-x bogus" 2 'want epoch or iter' \
    acc-check -m -x bogus "$R/inside.jsonl"
run_case "-k not a number" 2 '-k x' acc-check -m -k x "$R/inside.jsonl"
run_case "make from a log without accuracy" 2 'no accuracy' \
    acc-check -m "$R/lightning/metrics.csv"

# The raw reference runs, read as generic JSON Lines, and the reference
# goldens made again from them.
if [ -n "${REPROKIT_SHARED:-}" ]; then
	ref=$REPROKIT_SHARED/reference-runs
	run_case "raw B20 against fork20" 1 'epochs 21-23' \
	    acc-check -s test "$G" "$ref/pytorch-resnet20-fork/B20.jsonl"
	mkdir -p "$T/remade"
	run_case "make-reference" 0 '' env ACC_CHECK="$BIN/acc-check" \
	    sh "$TOP/golden/make-reference" "$ref" "$T/remade"
	for f in resnet20-pytorch-10ep resnet20-pytorch-fork12 \
	    resnet20-pytorch-fork20; do
		check "$f.json is made again byte for byte" \
		    "cmp $T/remade/$f.json $TOP/golden/$f.json"
	done
else
	skip "reference runs" "REPROKIT_SHARED is not set"
fi

# A log with a learning rate and no accuracy is bad input, not a deviation.
printf 'step,lr\n0,0.1\n100,0.1\n' >"$T/lronly.csv"
run_case "a log without accuracy" 2 'no accuracy for test in the log' \
    acc-check "$TOP/golden/resnet20-paper.json" "$T/lronly.csv"
finish
