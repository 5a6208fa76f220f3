# pipelines/: the demo, reproduce and audit compositions, made small.
. tests/lib.sh

P=$TOP/pipelines
A=${REPROKIT_CIFAR10_ARCHIVE:-}
S=${REPROKIT_SHARED:-}

run_case "demo: bad option" 2 'usage: demo' sh "$P/demo" -Q
run_case "reproduce: stray operand" 2 'usage: reproduce' sh "$P/reproduce" x
run_case "audit: no log" 2 'usage: audit' sh "$P/audit"

if [ -z "$A" ]; then
	skip "demo on CIFAR-10" "REPROKIT_CIFAR10_ARCHIVE unset"
	skip "reproduce resumes" "REPROKIT_CIFAR10_ARCHIVE unset"
else
	d=$TESTTMP/demo
	run_case "demo: a ResNet-8 fork" 0 'never_decayed' sh "$P/demo" \
	    -a "$A" -d "$d" -D 8 -e 2 -f 1 -x 512 -X 300
	# The decayed arm follows the declared schedule, the constant arm
	# is caught, and both arms share the trunk's records.
	check "demo: decayed arm audits clean" \
	    "jq -e 'select(.type == \"summary\") | .verdict == \"consistent\"' \
	    $d/decayed-audit.json"
	check "demo: constant arm never decayed at the fork" \
	    "jq -se 'map(select(.kind == \"never_decayed\")) | .[0].iter == 8' \
	    $d/constant-audit.json"
	check "demo: arms start with the trunk" \
	    "head -n \$(wc -l <$d/trunk.jsonl) $d/constant.jsonl |
	    cmp - $d/trunk.jsonl"
	check "demo: the constant arm keeps lr 0.1 after the fork" \
	    "[ \$(jq -r 'select(.type == \"step\" and .iter >= 8) | .lr' \
	    $d/constant-arm.jsonl | sort -u) = 0.1 ]"
	check "demo: report and picture" \
	    "grep -q '| constant | 0.1 |' $d/report.md && [ -s $d/demo.png ]"
	run_case "demo: a second run redoes nothing" 0 'done already' \
	    sh "$P/demo" -a "$A" -d "$d" -D 8 -e 2 -f 1 -x 512 -X 300

	# Kill training after its first checkpoint, run again: the resumed
	# log must match an uninterrupted run's record for record (timings
	# aside), wherever the kill fell.
	r=$TESTTMP/rep
	set -- -a "$A" -D 8 -i 40 -C 10 -x 512 -X 300
	sh "$P/reproduce" "$@" -d "$r.full" >/dev/null 2>&1
	sh "$P/reproduce" "$@" -d "$r.cut" >/dev/null 2>&1 &
	i=0
	while [ $i -lt 600 ] &&
	    ! grep -q '"type":"checkpoint"' "$r.cut/train.jsonl" 2>/dev/null
	do
		sleep 0.05
		i=$((i + 1))
	done
	pkill -KILL -f "rn-train -m $r.cut/" 2>/dev/null
	wait
	run_case "reproduce: resumes from the last checkpoint" 0 'resuming' \
	    sh "$P/reproduce" "$@" -d "$r.cut"
	strip='select(.type == "step" or .type == "eval") |
	    del(.img_per_s, .wall_s)'
	check "reproduce: resumed run equals the uninterrupted one" \
	    "jq -c '$strip' $r.full/train.jsonl >$r.a &&
	    jq -c '$strip' $r.cut/train.jsonl >$r.b && cmp $r.a $r.b"
fi

# A log that declares no schedule is held to the paper's; the programs are
# found beside the pipelines without PATH's help.
printf 'step,lr\n' >"$TESTTMP/flat.csv"
i=0
while [ $i -le 40000 ]; do
	echo "$i,0.1"
	i=$((i + 400))
done >>"$TESTTMP/flat.csv"
run_case "audit: no declared schedule: the paper's" 1 \
    "declares no schedule" env PATH=/usr/bin:/bin \
    sh "$P/audit" -o "$TESTTMP/a0" "$TESTTMP/flat.csv"
check "audit: never decayed at 32k against the paper" \
    "jq -se 'map(select(.kind == \"never_decayed\")) | .[0].iter == 32000' \
    $TESTTMP/a0/audit.json"
touch "$TESTTMP/plain"
run_case "audit: output under a file" 2 'cannot make the output directory' \
    sh "$P/audit" -o "$TESTTMP/plain/out" "$TESTTMP/flat.csv"
run_case "audit: missing log" 2 'No such file' \
    sh "$P/audit" -o "$TESTTMP/a3" "$TESTTMP/nonexistent"
check "audit: nothing left of a failed audit" \
    "[ -z \"\$(ls -A $TESTTMP/a3)\" ]"

if [ -z "$S" ]; then
	skip "audit: Lightning logs" "REPROKIT_SHARED unset"
else
	L=$S/logs/lightning
	run_case "audit: the 'scheduler' key" 1 'never_decayed' \
	    sh "$P/audit" -o "$TESTTMP/a1" "$L/scheduler-key/version_0"
	run_case "audit: the 'lr_scheduler' key" 0 'consistent' \
	    sh "$P/audit" -o "$TESTTMP/a2" "$L/lr_scheduler-key/version_1"
	check "audit: report and picture" \
	    "[ -s $TESTTMP/a1/audit.json ] && [ -s $TESTTMP/a1/audit.png ]"
fi
finish
