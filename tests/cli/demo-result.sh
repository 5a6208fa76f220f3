# The demo's two arms, as rn-train logged them on the real CIFAR-10 (every
# 64th step record kept), against the demo's golden curve and the declared
# schedule: the decayed arm passes both checks, the constant arm fails both.
# A second decayed arm, the same recipe run with the Winograd kernels,
# went into the golden curve too.
. tests/lib.sh

D=$TOP/tests/data/runs
G=$TOP/golden/resnet20-rn-train-demo.json
S="multistep:lr=0.1,milestones=12ep,gamma=0.1,stop=13ep"

run_case "lr-audit: decayed arm" 0 'consistent' lr-audit -s "$S" \
    "$D/demo-decayed.jsonl"
run_case "lr-audit: constant arm" 1 \
    'lr stayed at 0.1 after the declared decay at iteration 4,224' \
    lr-audit -s "$S" "$D/demo-constant.jsonl"
run_case "acc-check: decayed arm" 0 'within' acc-check "$G" \
    "$D/demo-decayed.jsonl"
run_case "acc-check: decayed arm, Winograd kernels" 0 'within' \
    acc-check "$G" "$D/demo-decayed-wino.jsonl"
run_case "acc-check: constant arm" 1 'final test accuracy 79.61% outside' \
    acc-check "$G" "$D/demo-constant.jsonl"
last_test() {
	jq -r 'select(.type == "eval" and .split == "test") | .acc' "$1" |
	    tail -1
}
# The golden's final point is the mean of the decayed arms' last test
# evaluations.
check "golden: made from the two decayed arms" \
    "awk -v g=\$(jq -r '.final.acc' $G) \
    -v a=$(last_test $D/demo-decayed.jsonl) \
    -v b=$(last_test $D/demo-decayed-wino.jsonl) \
    'BEGIN { d = g - (a + b) / 2; exit !(d < 1e-9 && d > -1e-9) }'"
check "the arms part by more than 5 points" \
    "awk -v a=$(last_test $D/demo-decayed.jsonl) \
    -v b=$(last_test $D/demo-constant.jsonl) 'BEGIN { exit !(a - b > 0.05) }'"
finish
