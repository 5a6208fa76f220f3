# acc-plot: pictures, the data and script beside them, and failures of
# gnuplot.  Data values are checked against the logs, read here with jq.
. "$TOP/tests/lib.sh"

G=$TOP/golden/resnet20-pytorch-fork20.json
R=$TOP/tests/data/runs
T=$TESTTMP

# row TSV BLOCK-PATTERN X: the row for x in the first block whose header
# matches the pattern.
row() {
	awk -v pat="$2" -v x="$3" '
	    /^# / && index($0, pat) { inblk = 1; next }
	    /^$/ { inblk = 0 }
	    inblk && $1 == x { print; exit }' "$1"
}
# block_rows TSV BLOCK-PATTERN: the number of data rows in that block.
block_rows() {
	awk -v pat="$2" '
	    /^# / && index($0, pat) { inblk = 1; next }
	    /^$/ { inblk = 0 }
	    inblk && !/^#/ { n++ }
	    END { print n + 0 }' "$1"
}
# expect NAME GOT WANT: passes when the two numbers agree.
expect() {
	if awk -v a="$2" -v b="$3" \
	    'BEGIN { exit !(a != "" && (a - b)^2 < 1e-9) }'; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

if ! command -v gnuplot >/dev/null 2>&1; then
	skip "acc-plot" "gnuplot is not installed"
	finish
	exit 0
fi

mkdir -p "$T/p"
run_case "png: two runs, a golden, a reference line" 0 '' \
    acc-plot -o "$T/p/demo.png" -g "$G" -r 91.25:paper \
    A20="$R/fork20.jsonl" B20="$R/b20.jsonl"
check "png: a PNG file" \
    "[ \"\$(head -c 8 $T/p/demo.png | od -An -tx1 | tr -d ' \n')\" = \
    89504e470d0a1a0a ]"
check "png: data and script beside it, no temporary files" \
    "[ -s $T/p/demo.tsv ] && [ -s $T/p/demo.gp ] &&
    [ \$(ls $T/p | wc -l) -eq 3 ]"
check "png: the picture is an ordinary 0644 file" \
    "[ \"\$(stat -c %a $T/p/demo.png)\" = \"\$(stat -c %a $T/p/demo.tsv)\" ]"
acc=$(jq -r 'select(.type == "eval" and .split == "test" and
    .epoch == 21) | .acc * 100' "$R/b20.jsonl")
expect "tsv: B20 test at epoch 21 is the log's $acc" \
    "$(row "$T/p/demo.tsv" 'B20 test accuracy' 21 | cut -f2)" "$acc"
lo=$(jq -r '.curves.test.points[] | select(.epoch == 21) | .lo * 100' "$G")
expect "tsv: golden band low at epoch 21 is the file's $lo" \
    "$(row "$T/p/demo.tsv" 'golden resnet20-pytorch-fork20 test' 21 |
    cut -f3)" "$lo"
expect "tsv: the A20 rate keeps only its changes and the end (3 rows)" \
    "$(block_rows "$T/p/demo.tsv" 'A20 learning rate')" 3
expect "tsv: the A20 rate is 0.01 from epoch 20" \
    "$(row "$T/p/demo.tsv" 'A20 learning rate' 20 | cut -f2)" 0.01
check "gp: milestone from the declared schedule at epoch 20" \
    "grep -q '^set arrow from 20, graph 0 to 20, graph 1' $T/p/demo.gp &&
    grep -q 'lr 0.01' $T/p/demo.gp"
check "gp: the reference line and its key" \
    "grep -q '91.25 with lines.*title \"paper (91.25%)\"' $T/p/demo.gp"
check "gp: labels name the runs" \
    "grep -q 'title \"A20 test\"' $T/p/demo.gp &&
    grep -q 'title \"B20 val\"' $T/p/demo.gp"
rm -f "$T/p/again.png"
check "gp: the script draws the picture again on its own" \
    "cd $T/p && gnuplot -e 'outfile=\"again.png\"' demo.gp &&
    [ \"\$(head -c 4 again.png | od -An -tx1 | tr -d ' \n')\" = 89504e47 ]"

run_case "svg" 0 '' acc-plot -s test -o "$T/p/x.svg" "$R/fork20.jsonl"
check "svg: an SVG document" "grep -q '<svg' $T/p/x.svg"
run_case "pdf" 0 '' acc-plot -o "$T/p/x.pdf" "$R/fork20.jsonl"
check "pdf: a PDF document" "[ \"\$(head -c 4 $T/p/x.pdf)\" = %PDF ]"
run_case "txt" 0 '' acc-plot -o "$T/p/x.txt" "$R/fork20.jsonl"
check "txt: a terminal plot with an epoch axis" "grep -q epoch $T/p/x.txt"
run_case "terminal plot on stdout" 0 '' acc-plot -S 90x25 "$R/fork20.jsonl"
check "stdout: 25 lines of plot" "[ \$(wc -l <$out) -eq 25 ] &&
    grep -q 'fork20 test' $out"

# Error instead of accuracy; iterations; log x; y range.
run_case "-y reversed" 2 'acc-plot: -y 50:10: want lo below hi' \
    acc-plot -y 50:10 -o "$T/y.png" "$R/fork20.jsonl"
run_case "-y one end" 2 'acc-plot: -y :5: want lo:hi' \
    acc-plot -y :5 -o "$T/y.png" "$R/fork20.jsonl"
run_case "-y not a number" 2 'acc-plot: -y abc:5: abc: not a number' \
    acc-plot -y abc:5 -o "$T/y.png" "$R/fork20.jsonl"
check "... and no picture" "[ ! -e '$T/y.png' ]"
run_case "-y open above" 0 '' acc-plot -y '5:*' -o "$T/y.png" \
    "$R/fork20.jsonl"
run_case "error axis" 0 '' acc-plot -e -x iter -l -y 5:60 \
    -o "$T/p/err.png" "$R/fork20.jsonl"
errval=$(jq -r 'select(.type == "eval" and .split == "test" and
    .epoch == 21) | 100 - .acc * 100' "$R/fork20.jsonl")
expect "error: at iteration 7392 the error is $errval" \
    "$(row "$T/p/err.tsv" 'fork20 test error' 7392 | cut -f2)" "$errval"
check "error: log x, y range, error label" \
    "grep -q '^set logscale x' $T/p/err.gp &&
    grep -q '^set yrange \[5:60\]' $T/p/err.gp &&
    grep -q 'set ylabel \"error (%)\"' $T/p/err.gp"
run_case "-M milestones in epochs" 0 '' acc-plot -M 5ep,8ep \
    -o "$T/p/m.png" "$R/fork20.jsonl"
check "-M: markers at 5 and 8, not at 20" \
    "grep -q 'set arrow from 5, graph 0' $T/p/m.gp &&
    grep -q 'set arrow from 8, graph 0' $T/p/m.gp &&
    ! grep -q 'set arrow from 20,' $T/p/m.gp"
run_case "-M in iterations on the epoch axis" 0 '' acc-plot -M 1760 \
    -o "$T/p/m2.png" "$R/fork20.jsonl"
check "-M 1760: 1760 / 352 = epoch 5" \
    "grep -q 'set arrow from 5, graph 0' $T/p/m2.gp"

# Seeds as mean and band; the key says what the band is.
run_case "three seeds as mean +/- sd" 0 '' acc-plot -a -s test \
    -o "$T/p/seeds.png" "$R/seed1.jsonl" "$R/seed2.jsonl" "$R/seed3.jsonl"
exp=$(cat "$R"/seed?.jsonl | jq -r 'select(.type == "eval" and
    .split == "test" and .epoch == 2) | .acc * 100' |
    awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n
	sd = sqrt((q - s * s / n) / (n - 1)); print m, m - sd, m + sd, n }')
got=$(row "$T/p/seeds.tsv" 'runs test accuracy over 3 runs' 2)
set -- $exp
expect "seeds: epoch 2 mean is $1" "$(echo "$got" | cut -f2)" "$1"
expect "seeds: epoch 2 mean - sd is $2" "$(echo "$got" | cut -f3)" "$2"
expect "seeds: epoch 2 mean + sd is $3" "$(echo "$got" | cut -f4)" "$3"
expect "seeds: epoch 2 over $4 runs" "$(echo "$got" | cut -f5)" "$4"
check "seeds: the key states the band" \
    "grep -q 'mean ± 1 sd over 3 seeds' $T/p/seeds.gp"
run_case "seeds, band from min to max" 0 '' acc-plot -a -b range -s test \
    -o "$T/p/range.png" "$R/seed1.jsonl" "$R/seed2.jsonl" "$R/seed3.jsonl"
got=$(row "$T/p/range.tsv" 'runs test accuracy' 2)
expect "range: epoch 2 band from the lowest seed, 57" \
    "$(echo "$got" | cut -f3)" 57
expect "range: epoch 2 band to the highest seed, 63" \
    "$(echo "$got" | cut -f4)" 63
run_case "labels group runs with -a" 0 '' acc-plot -a -s test \
    -o "$T/p/groups.png" a="$R/seed1.jsonl" a="$R/seed2.jsonl" \
    b="$R/seed3.jsonl"
check "groups: a is a mean of 2, b one run" \
    "grep -q 'a test: mean ± 1 sd over 2 seeds' $T/p/groups.gp &&
    grep -q 'title \"b test\"' $T/p/groups.gp"

# A golden with only a final number: a level band across the plot.
run_case "paper golden" 0 '' acc-plot -s test -o "$T/p/paper.png" \
    -g "$TOP/golden/resnet20-paper.json" "$R/fork20.jsonl"
got=$(row "$T/p/paper.tsv" 'golden resnet20-paper final' 0)
expect "paper: level 91.25" "$(echo "$got" | cut -f2)" 91.25
expect "paper: band low 90.60" "$(echo "$got" | cut -f3)" 90.6
expect "paper: band high 91.90" "$(echo "$got" | cut -f4)" 91.9
expect "paper: band across the plot, epochs 0 (the first rate) to 23" \
    "$(row "$T/p/paper.tsv" 'golden resnet20-paper final' 23 | cut -f1)" 23

# Other formats: Lightning CSV with the accuracy in percent; its
# LearningRateMonitor rows have no epoch, so the rate needs -x iter.
run_case "lightning csv, -t" 0 'lr-SGD: no epochs to place the rate on' \
    acc-plot -s val -t val=val/acc -o "$T/p/pl.png" \
    "$R/lightning/metrics.csv"
# Its epoch column is the 0-based epoch in progress: the evaluation at the
# end of epoch 1 (steps 100-199) is drawn at 2 epochs completed.
expect "lightning: percent values read as percent (55.25 at epoch 2)" \
    "$(row "$T/p/pl.tsv" 'metrics val accuracy' 2 | cut -f2)" 55.25
expect "lightning: the first evaluation after one epoch" \
    "$(row "$T/p/pl.tsv" 'metrics val accuracy' 1 | cut -f2)" 41.5
run_case "lightning csv, -x iter" 0 '' acc-plot -x iter -s val \
    -t val=val/acc -o "$T/p/pli.png" "$R/lightning/metrics.csv"
expect "lightning: the lr-SGD column is the rate, 0.01 from step 249" \
    "$(row "$T/p/pli.tsv" 'learning rate (lr-SGD)' 249 | cut -f2)" 0.01

# gnuplot missing or failing: exit 2, nothing left behind, nothing
# overwritten.
mkdir -p "$T/q"
echo old >"$T/q/keep.png"
run_case "gnuplot missing" 2 'cannot run gnuplot' \
    env GNUPLOT=/nonexistent/gnuplot acc-plot -o "$T/q/keep.png" \
    "$R/fork20.jsonl"
cat >"$T/fakegp" <<'EOF'
#!/bin/sh
echo 'line 12: boom' >&2
exit 1
EOF
chmod +x "$T/fakegp"
run_case "gnuplot fails" 2 'gnuplot failed \(exit status 1\)' \
    env GNUPLOT="$T/fakegp" acc-plot -o "$T/q/keep.png" "$R/fork20.jsonl"
check "gnuplot fails: its message is shown" "grep -q boom $err"
check "nothing left behind, the old picture untouched" \
    "[ \"\$(ls $T/q)\" = keep.png ] && [ \"\$(cat $T/q/keep.png)\" = old ]"
run_case "gnuplot fails, stdout plot" 2 'gnuplot failed' \
    env GNUPLOT="$T/fakegp" TMPDIR="$T/q" acc-plot "$R/fork20.jsonl"
check "no temporary files left in TMPDIR" "[ \"\$(ls $T/q)\" = keep.png ]"

# Bad input.
run_case "unknown picture type" 2 'must end in .png, .svg, .pdf or .txt' \
    acc-plot -o "$T/p/x.jpg" "$R/fork20.jsonl"
run_case "missing log" 2 'nosuch.jsonl' acc-plot "$T/nosuch.jsonl"
run_case "no accuracy in the log" 2 'nothing to draw' \
    acc-plot -s train "$R/fork20.jsonl"
echo '{"type": "run"}' >"$T/notgolden.json"
run_case "bad golden" 2 'notgolden.json: not a golden file' \
    acc-plot -g "$T/notgolden.json" "$R/fork20.jsonl"
run_case "bad -r" 2 '-r x' acc-plot -r x "$R/fork20.jsonl"
run_case "bad -S" 2 'WIDTHxHEIGHT' acc-plot -S 10 "$R/fork20.jsonl"
run_case "no operands" 2 'usage' acc-plot

# The terminal plot reaches a full disk through acc-plot, which says so.
run_case "terminal plot to a full disk" 2 'write error on standard output' \
    sh -c 'acc-plot -s test "$1" >/dev/full' sh "$R/seed1.jsonl"
finish
