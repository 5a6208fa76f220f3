# man-examples: runs the commands of the EXAMPLES section of every man/*.1,
# so that the pages and the programs cannot drift apart, and lints each page
# with mandoc.  The commands are read from the pages, never copied here:
# "$ " lines of .Bd -literal blocks and ".Dl $ " lines, with "\e" and "|"
# line ends joined and the mdoc escapes undone.  Each command runs under
# sh -c in a fresh directory holding the files the examples name.
. tests/lib.sh

A=${REPROKIT_CIFAR10_ARCHIVE:-}
S=${REPROKIT_SHARED:-}
lt=$S/logs/lightning/lr_scheduler-key
fix=$TESTTMP/fixture
mkdir -p "$fix"

# man_commands PAGE: one example command a line.
man_commands() {
	awk '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	!ex { next }
	/^\.Bd -literal/ { lit = 1; next }
	/^\.Ed/ { lit = 0; next }
	/^\.Dl \$ / { sub(/^\.Dl \$ /, ""); print; next }
	!lit { next }
	{
		line = $0
		if (more) {
			sub(/^[ \t]+/, "", line)
			cmd = cmd " " line
		} else if (line ~ /^\$ /)
			cmd = substr(line, 3)
		else
			next
		more = 0
		if (cmd ~ /\\e$/) {
			sub(/[ \t]*\\e$/, "", cmd)
			more = 1
		} else if (cmd ~ /\|[ \t]*$/)
			more = 1
		if (!more)
			print cmd
	}' "$1" | sed -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\(ga/`/g' \
	    -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\e/\\/g'
}

# Every page gets a lint case; the commands go to one list.
all=$TESTTMP/commands
: >"$all"
for page in "$TOP"/man/*.1; do
	p=$(basename "$page" .1)
	run_case "$p: mandoc -Tlint is silent" 0 '' \
	    sh -c 'mandoc -Tlint -Wwarning "$0" >&2' "$page"
	man_commands "$page" | sed "s/^/$p	/" >>"$all"
done
check "man pages: the EXAMPLES sections hold commands" "[ -s $all ]"

# Files that need neither the archive nor the shared logs: the repository's
# test data and golden curves, a log of rn-train, and a plain-text log in the
# paper's schedule (0.1, then 0.01 at 32k and 0.001 at 48k, to 64k).
ln -s "$TOP/tests" "$fix/tests"
ln -s "$TOP/golden" "$fix/golden"
cp "$TOP/tests/data/runs/demo-decayed.jsonl" "$fix/run.jsonl"
awk 'BEGIN {
	for (i = 0; i <= 64000; i += 100)
		printf "iter %d loss 1.25 lr %s\n", i,
		    i < 32000 ? "0.1" : i < 48000 ? "0.01" : "0.001"
}' >"$fix/train.log"

# The archive's files, and one small checkpoint (a ResNet-8 trained two
# iterations, so that a full test-set evaluation stays within seconds)
# copied to every checkpoint name the examples read.
have_archive=0
if [ -n "$A" ]; then
	ln -s "$A" "$fix/cifar-10-binary.tar.gz"
	if cifar-fetch -q -a "$A" -o "$TESTTMP/data" >"$fix/fetch.json" \
	    2>"$TESTTMP/fix.err" &&
	    cifar-split "$fix/fetch.json" >"$fix/split.json" \
	    2>>"$TESTTMP/fix.err" &&
	    rn-train -q -m "$fix/split.json" -d 8 -i 2 -x 256 -X 100 \
	    -c "$TESTTMP/ck.rnck" >/dev/null 2>>"$TESTTMP/fix.err"; then
		have_archive=1
		cut -f2 "$all" | tr ' ' '\n' |
		    awk 'prev != "-c" && /\.rnck$/ { print } { prev = $0 }' |
		    sort -u | while read -r ck; do
			mkdir -p "$fix/$(dirname "$ck")"
			cp "$TESTTMP/ck.rnck" "$fix/$ck"
		done
	else
		fail "fixture: the archive's manifests and a checkpoint" \
		    "$(head -c 400 "$TESTTMP/fix.err")"
	fi
fi

# The Lightning run, and its TensorBoard twin under each name an example
# gives a TensorBoard run (runs/<Mon><dd>_...).
have_shared=0
if [ -n "$S" ] && [ -d "$lt/version_0" ] && [ -d "$lt/version_1" ]; then
	have_shared=1
	mkdir -p "$fix/lightning_logs"
	cp -R "$lt/version_0" "$fix/lightning_logs/version_0"
	cut -f2 "$all" | tr ' ' '\n' | grep -E '^runs/[A-Z][a-z]{2}[0-9]+_' |
	    sort -u | while read -r tb; do
		mkdir -p "$fix/runs"
		cp -R "$lt/version_1" "$fix/$tb"
	done
fi

if [ -n "${OMPI_ALLOW_RUN_AS_ROOT:-}" ] || [ "$(id -u)" -eq 0 ]; then
	OMPI_ALLOW_RUN_AS_ROOT=1
	OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
# Shared memory only, and no socket beyond the loopback.
OMPI_MCA_btl=self,vader
OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_btl OMPI_MCA_oob_tcp_if_include

# example_fail NAME WHY: the failure, with the command and its stderr.
example_fail() {
	fail "$1" "command: $cmd" "$2" \
	    "stderr: $(head -c 600 "$box.err")"
}

# run_example PAGE N COMMAND
run_example() {
	page=$1 cmd=$3
	name="$page #$2: $(echo "$cmd" | cut -d" " -f1-6)"
	case $cmd in
	*cifar-fetch\ -a*) ;;
	*cifar-fetch*)
		skip "$name" "downloads the data set (no network here)"
		return
		;;
	esac
	case $cmd in
	*mpirun*)
		if ! command -v mpirun >/dev/null 2>&1 ||
		    [ ! -x "$BIN/rn-train-mpi" ]; then
			skip "$name" "needs mpirun and bin/rn-train-mpi"
			return
		fi
		;;
	esac
	case $cmd in
	*split.json* | *fetch.json* | *cifar-10-binary* | *.rnck*)
		if [ -z "$A" ]; then
			skip "$name" "REPROKIT_CIFAR10_ARCHIVE unset"
			return
		elif [ "$have_archive" -eq 0 ]; then
			skip "$name" "no fixture from the archive"
			return
		fi
		;;
	esac
	case $cmd in
	*lightning_logs* | *runs/[A-Z][a-z][a-z][0-9]*)
		if [ "$have_shared" -eq 0 ]; then
			skip "$name" "REPROKIT_SHARED unset or lacks the logs"
			return
		fi
		;;
	esac

	box=$TESTTMP/box$2
	rm -rf "$box"
	cp -R "$fix" "$box"
	# Absolute paths outside the sandbox (/data, /tmp/all.idx) are moved
	# into it, so that no example writes anywhere else.
	for a in $(echo "$cmd" | tr ' ' '\n' | grep '^/[A-Za-z]'); do
		mkdir -p "$box$(dirname "$a")"
	done
	cmd=$(echo "$cmd" | sed "s# /\([A-Za-z]\)# $box/\1#g")

	# Training, evaluation: ten seconds, then a run still going must have
	# written something.  Checkers may find a deviation (1).
	long=0 checker=0
	case $cmd in
	*rn-train* | *rn-eval* | *mpirun*) long=1 ;;
	esac
	case $cmd in
	acc-check* | lr-audit* | *"| lr-audit"* | rn-eval*" -a "*) checker=1 ;;
	esac
	touch "$box/.stamp"
	if [ "$long" -eq 1 ]; then
		(cd "$box" && timeout 10 sh -c "$cmd") \
		    >"$box.out" 2>"$box.err" </dev/null
	else
		(cd "$box" && sh -c "$cmd") >"$box.out" 2>"$box.err" </dev/null
	fi
	st=$?
	if [ "$st" -eq 124 ] && [ "$long" -eq 1 ]; then
		if [ -s "$box.out" ] || [ -n "$(find "$box" -newer \
		    "$box/.stamp" -type f -size +0c | head -1)" ]; then
			pass "$name (still running at 10 s, output begun)"
		else
			example_fail "$name" \
			    "still running at 10 s with no output yet"
		fi
	elif [ "$st" -eq 0 ] || { [ "$st" -eq 1 ] && [ "$checker" -eq 1 ]; }
	then
		# A success says nothing that reads as an error; this also
		# catches a failing first stage of a pipeline (sh has no
		# pipefail).
		bad='usage:|^[a-z-]+: .*(error|invalid|cannot|No such)'
		if grep -Eq "$bad" "$box.err"; then
			example_fail "$name" "exit status $st, with an error"
		else
			pass "$name"
		fi
	else
		example_fail "$name" "exit status $st"
	fi
	rm -rf "$box" "$box.out" "$box.err"
}

n=0
while IFS='	' read -r page cmd; do
	n=$((n + 1))
	run_example "$page" "$n" "$cmd" </dev/null
done <"$all"

finish
