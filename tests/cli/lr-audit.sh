# lr-audit: every finding kind in every log format (logs written by
# tests/data/logs/mklogs.py), damaged files, usage errors, and the real
# Lightning logs when REPROKIT_SHARED names the shared data.
. "$TOP/tests/lib.sh"

logs=$TESTTMP/logs
if ! python3 "$TOP/tests/data/logs/mklogs.py" "$logs" 2>"$TESTTMP/mk.err"
then
	fail "mklogs" "$(cat "$TESTTMP/mk.err")"
	finish
	exit 0
fi
tab=$(printf '\t')

# The table: name, path, status, kind, arguments.
while IFS=$tab read -r name path status kind args; do
	eval "set -- $args"
	run_case "$name" "$status" '' lr-audit -q "$@" "$path" || continue
	if [ "$kind" = "-" ]; then
		check "$name: no finding" "! grep -q '\"type\":\"finding\"' '$out'"
	else
		check "$name: $kind" "grep -q '\"kind\":\"$kind\"' '$out'"
	fi
done <"$logs/manifest"

# A cell that is not a number is skipped, and said so once for its column.
mkdir -p "$TESTTMP/garbage"
printf 'epoch,step,lr-SGD\n0,0,0.1\n0,1,abc\n0,2,x\n0,3,0.1\n' \
    >"$TESTTMP/garbage/metrics.csv"
run_case "csv: a cell not a number" 0 \
    "metrics.csv:3: lr-SGD: 'abc' is not a number; such cells are skipped" \
    lr-audit -s constant:lr=0.1 "$TESTTMP/garbage"
check "... one warning for the column, the run still consistent" \
    "[ \$(grep -c 'not a number' '$err') -eq 1 ] && \
    grep -q '\"verdict\":\"consistent\"' '$out'"

# Every record on stdout is JSON, whatever the input held.
json_ok='python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]"'
S="multistep:lr=0.1,milestones=400/700"
bad=$logs/bad
run_case "tb data crc" 0 'offset 1216: bad data CRC, record skipped' \
    lr-audit -q -i 100 -s "$S" "$bad/tb_datacrc"
run_case "tb length crc" 0 'offset 1216: bad length CRC; 41 bytes skipped' \
    lr-audit -q -i 100 -s "$S" "$bad/tb_lencrc"
run_case "tb truncated last record" 0 '' \
    lr-audit -q -i 100 -s "$S" "$bad/tb_trunc"
run_case "tb absurd length, bad crc" 0 'offset 1216: bad length CRC' \
    lr-audit -q -i 100 -s "$S" "$bad/tb_absurd"
run_case "tb absurd length at the end" 0 \
    'offset [0-9]+: record length 1099511627776 runs past the end' \
    lr-audit -q -i 100 -s "$S" "$bad/tb_absurd_end"
run_case "csv header twice" 0 'header2.csv:22: the header again' \
    lr-audit -q -i 100 -s "$S" "$bad/header2.csv"
run_case "csv new header" 0 'newheader.csv:22: a new header' \
    lr-audit -q -i 100 -s "$S" "$bad/newheader.csv"
run_case "csv invalid utf-8 name" 0 '' \
    lr-audit -q -i 100 -s "$S" "$bad/utf8.csv"
check "csv invalid utf-8: JSON out" "$json_ok '$out'"
check "csv invalid utf-8: name kept" "grep -q 'l?oss' '$out' || \
    lr-audit -q -i 100 -s '$S' -t '$bad/utf8.csv' >/dev/null"
run_case "jsonl invalid utf-8 line" 0 'utf8.jsonl:13: not a JSON object' \
    lr-audit -q -i 100 -s "$S" "$bad/utf8.jsonl"
run_case "jsonl truncated line" 0 'trunc.jsonl:41: not a JSON object' \
    lr-audit -q -i 100 -s "$S" "$bad/trunc.jsonl"
run_case "trainer state cut short" 1 'ends inside log_history' \
    lr-audit -q -i 100 -s "$S" "$bad/hf_trunc.json"
check "trainer state cut short: beyond run" \
    "grep -q '\"kind\":\"beyond_run\"' '$out'"
run_case "empty file" 2 'empty.csv: empty file' lr-audit "$bad/empty.csv"
run_case "binary file" 2 'garbage.bin: binary data' \
    lr-audit "$bad/garbage.bin"
run_case "no lr" 2 \
    'no learning rate in the csv log; it has: \["step","loss","val_acc"\]' \
    lr-audit -s paper "$bad/nolr.csv"
run_case "missing file" 2 'nope.csv: No such file' lr-audit nope.csv
check "nothing on stdout for bad input" "! test -s '$out'"

# stdin, detected from its content.
run_case_in "stdin" 1 'never_decayed' "$logs/rn-train/never/run.jsonl" \
    lr-audit
run_case "text output" 1 '' lr-audit -t "$logs/rn-train/never/run.jsonl"
check "text output: the consequence" \
    "grep -q 'lr stayed at 0.1 after the declared decay at iteration 400 (epoch 4.0); runs like this typically end near 86% instead of 91%' '$out'"

# The founding case, at full length: 64k iterations logged every 10.
python3 -c '
import json
print(json.dumps({"type": "meta", "program": "rn-train",
    "schedule": "multistep:lr=0.1,milestones=32000/48000,gamma=0.1",
    "iters_per_epoch": 352}))
for i in range(0, 64000, 10):
    print(json.dumps({"type": "step", "iter": i, "epoch": i // 352,
        "lr": 0.1, "loss": 0.2}))' >"$TESTTMP/founding.jsonl"
run_case "founding case" 1 \
    'lr stayed at 0.1 after the declared decay at iteration 32,000 \(epoch 90.9\); runs like this typically end near 86% instead of 91%' \
    lr-audit "$TESTTMP/founding.jsonl"
run_case "paper preset" 1 '' lr-audit -q -s paper "$TESTTMP/founding.jsonl"
check "paper preset: never decayed at 32k" \
    "grep -q '\"kind\":\"never_decayed\".*\"iter\":32000' '$out'"

# No declaration: the observed schedule only.
run_case "undeclared" 0 'a new header' lr-audit -q -f csv \
    "$bad/newheader.csv"
check "undeclared: shape" "grep -q '\"shape\":\"multistep\"' '$out' && \
    grep -q '\"verdict\":\"undeclared\"' '$out'"

# Conversions: 45k at 128 is 352 iterations per epoch with the last
# partial batch kept, 351 with it dropped.
awk 'BEGIN { print "step,lr"; for (s = 0; s < 1500; s++)
    printf "%d,%s\n", s, s < 704 ? "0.1" : "0.01" }' >"$TESTTMP/ipe.csv"
run_case "train size, last batch kept" 0 '' lr-audit -q -n 45000 -b 128 \
    -s 'multistep:lr=0.1,milestones=2ep' "$TESTTMP/ipe.csv"
check "train size: 352 per epoch" \
    "grep -q '\"iters_per_epoch\":352,' '$out'"
run_case "train size, last batch dropped" 1 '' lr-audit -q -n 45000 \
    -b 128 -d -s 'multistep:lr=0.1,milestones=2ep' "$TESTTMP/ipe.csv"
check "dropped: decay 2 iterations late" \
    "grep -q '\"kind\":\"shifted\".*exactly 2 iterations late' '$out'"
# NaN and infinite rates are skipped, and counted on standard error.
mkdir -p "$TESTTMP/nonfinite"
printf 'epoch,step,lr-SGD\n0,0,0.1\n0,1,nan\n0,2,1e999\n0,3,0.1\n%s\n' \
    0,4,-inf >"$TESTTMP/nonfinite/metrics.csv"
run_case "csv: rates not finite" 0 \
    '3 learning-rate values are not finite numbers, skipped' \
    lr-audit -s constant:lr=0.1 "$TESTTMP/nonfinite"
check "... the first named" "grep -q '(the first: lr-SGD at step 1)' '$err'"
mkdir -p "$TESTTMP/allnan"
awk 'BEGIN { print "epoch,step,lr-SGD"
    for (s = 0; s < 20; s++) printf "0,%d,%s\n", s, (s % 2 ? "nan" : "inf") }' \
    >"$TESTTMP/allnan/metrics.csv"
run_case "csv: no finite rate at all" 2 \
    'no finite learning rate in the log: 20 values are NaN or infinite' \
    lr-audit -s constant:lr=0.1 "$TESTTMP/allnan"
run_case "... nor with the tag named" 2 \
    'no finite learning rate in the log: 20 values are NaN or infinite' \
    lr-audit -T lr-SGD -s constant:lr=0.1 "$TESTTMP/allnan"
run_case "a tag not in the log" 2 'no learning rate tag "nosuch" in the log' \
    lr-audit -T nosuch -s constant:lr=0.1 "$TESTTMP/nonfinite"

# JSON Lines as Python writes them: NaN and Infinity, which JSON lacks,
# first on line 1 (an infinite grad_norm) and then in the rate itself.
awk 'BEGIN { for (s = 0; s < 100; s++)
    printf "{\"step\": %d, \"grad_norm\": %s, \"lr\": %s}\n", s,
	(s == 0 ? "Infinity" : "1.0"),
	(s >= 20 && s < 30 ? "NaN" : (s < 50 ? "0.1" : "0.01")) }' \
    >"$TESTTMP/python.jsonl"
run_case "jsonl: Python's NaN and Infinity" 0 \
    '10 learning-rate values are not finite numbers, skipped' \
    lr-audit -s 'multistep:lr=0.1,milestones=50' "$TESTTMP/python.jsonl"
check "... the rest audited: consistent" \
    "grep -q '\"format\":\"jsonl\".*\"verdict\":\"consistent\"' '$out'"

# A Trainer state written on one line, given as a file under any name.
mkdir -p "$TESTTMP/hf1"
awk 'BEGIN { printf "{\"log_history\": ["
    for (s = 1; s <= 200; s++)
	printf "%s{\"step\": %d, \"learning_rate\": %s, \"loss\": 1.0}",
	    (s > 1 ? ", " : ""), s, (s <= 100 ? "0.1" : "0.01")
    printf "], \"global_step\": 200}\n" }' >"$TESTTMP/hf1/state.json"
run_case "hf: one line, as a file" 0 'hf-trainer-state, tag learning_rate' \
    lr-audit -s 'multistep:lr=0.1,milestones=100' "$TESTTMP/hf1/state.json"
check "... consistent" "grep -q '\"verdict\":\"consistent\"' '$out'"
# More lines after a first one with a log_history: JSON Lines after all.
{ echo '{"log_history": [{"step": 0, "learning_rate": 0.5}]}'
  awk 'BEGIN { for (s = 0; s < 100; s++)
	printf "{\"step\": %d, \"lr\": %s}\n", s, (s < 50 ? "0.1" : "0.01") }'
} >"$TESTTMP/hf1/lines.jsonl"
run_case "jsonl: a first line with log_history" 0 'jsonl, tag lr, consistent' \
    lr-audit -s 'multistep:lr=0.1,milestones=50' "$TESTTMP/hf1/lines.jsonl"
echo '{"global_step": 5, "log_history": {"a": 1}}' >"$TESTTMP/hf1/obj.json"
run_case "hf: one line, log_history not a list" 2 \
    'obj.json:1: log_history is not a list' lr-audit "$TESTTMP/hf1/obj.json"

# A log stepped by epochs (Keras) counts a shift in epochs, and one of a
# single epoch is "off by one epoch".
mkdir -p "$TESTTMP/keras2" "$TESTTMP/keras1"
for k in 1 2; do
	awk -v k=$k 'BEGIN { print "epoch,accuracy,loss,lr"
	    for (e = 0; e < 20; e++)
		printf "%d,0.5,1.0,%s\n", e, e < 10 + k ? "0.1" : "0.01" }' \
	    >"$TESTTMP/keras$k/training.log"
done
run_case "keras: a decay 2 epochs late" 1 \
    'every decay came exactly 2 epochs late \(a constant offset\)' \
    lr-audit -s 'multistep:lr=0.1,milestones=10ep' \
    "$TESTTMP/keras2/training.log"
run_case "keras: a decay 1 epoch late" 1 \
    'every decay came exactly 1 epoch late \(off by one epoch\)' \
    lr-audit -s 'multistep:lr=0.1,milestones=10ep' \
    "$TESTTMP/keras1/training.log"
run_case "iters per epoch" 0 '' lr-audit -q -i 352 \
    -s 'multistep:lr=0.1,milestones=2ep' "$TESTTMP/ipe.csv"
run_case "epochs without iters per epoch" 2 'give --iters-per-epoch' \
    lr-audit -q -s 'multistep:lr=0.1,milestones=2ep' "$TESTTMP/ipe.csv"
run_case "usage: bad option" 2 'usage: lr-audit' lr-audit -Z x.csv
run_case "usage: bad schedule" 2 \
    'unknown schedule kind "nope"' lr-audit -s nope:lr=1 "$bad/nolr.csv"
run_case "usage: regex without pattern" 2 'needs --regex' \
    lr-audit -f regex x.log
run_case "usage: unknown format" 2 'unknown format "xml"' \
    lr-audit -f xml x.log
run_case "usage: train size alone" 2 'go together' lr-audit -n 5 x
run_case "usage: bad interval" 2 'expected epoch or step' lr-audit -u x y

# The real Lightning logs: what each run declared, and the verdict.
if [ -z "${REPROKIT_SHARED:-}" ]; then
	skip "lightning logs" "REPROKIT_SHARED is not set"
else
	L=$REPROKIT_SHARED/logs/lightning
	for v in 0 1; do
		run_case "scheduler key ignored, version_$v" 1 \
		    'lr stayed at 0.1 after the declared decay at iteration 32 \(epoch 2.0\); runs like this' \
		    lr-audit "$L/scheduler-key/version_$v"
		run_case "lr_scheduler key, version_$v" 0 \
		    'consistent: the lr follows the declared schedule' \
		    lr-audit "$L/lr_scheduler-key/version_$v"
		run_case "step interval, version_$v" 1 \
		    'wrong_unit.*milestones meant as epochs were applied as iterations' \
		    lr-audit "$L/step-interval/version_$v"
		check "step interval, version_$v: beyond run" \
		    "grep -q '\"kind\":\"beyond_run\"' '$out'"
	done
	run_case "csv file alone, hparams beside it" 0 '' lr-audit -q \
	    "$L/lr_scheduler-key/version_0/metrics.csv"
	run_case "interval step flag" 1 'never decayed|never_decayed' \
	    lr-audit -u step "$L/scheduler-key/version_0"
	# Four hand-encoded records: the version, a simple_value, tensor
	# scalars in tensor_content and float_val.
	T=$REPROKIT_SHARED/logs/synthetic/events.out.tfevents.1700000000.synthhost.4242.0
	run_case "synthetic event file" 0 '' lr-audit -q -T lr-SGD \
	    -s constant:lr=0.1 "$T"
	check "synthetic: three lr tags" \
	    "grep -q '\"lr_tags\":\\[\"lr-SGD\",\"epoch_learning_rate\",\"lr\"\\]' '$out'"
	run_case "synthetic: tensor_content" 0 '' lr-audit -q \
	    -T epoch_learning_rate "$T"
	check "synthetic: 0.01 at epoch 3" \
	    "grep -q '\"step\":3,\"epoch\":3,\"lr\":0.0099999997764825' '$out'"
	run_case "synthetic: float_val" 0 '' lr-audit -q -T lr "$T"
	check "synthetic: 0.001 at 32000" \
	    "grep -q '\"step\":32000,\"iter\":32000,\"lr\":0.00100000004749' '$out'"
fi
# -T names a rate column whose name does not say it is one.
printf 'it,train_loss,my_lr\n' >"$TESTTMP/gen.csv"
i=0
while [ $i -le 200 ]; do
	if [ $i -lt 100 ]; then l=0.1; elif [ $i -lt 150 ]; then l=0.01
	else l=0.001; fi
	echo "$i,1.0,$l"
	i=$((i + 1))
done >>"$TESTTMP/gen.csv"
run_case "-T: a column of any name" 0 'tag my_lr, consistent' lr-audit \
    -k it -T my_lr -s multistep:lr=0.1,milestones=100/150,gamma=0.1 \
    "$TESTTMP/gen.csv"
run_case "-T: the same column, decayed late" 1 'my_lr' lr-audit \
    -k it -T my_lr -s multistep:lr=0.1,milestones=90/150,gamma=0.1 \
    "$TESTTMP/gen.csv"
run_case "usage: one usage line" 2 '^usage: lr-audit \[-dqt\]' lr-audit -Z
finish
