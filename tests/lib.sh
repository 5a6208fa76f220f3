# tests/lib.sh: helpers for the table-driven command-line tests.
# Sourced by tests/cli/*.sh; the driver tests/run sets BIN and TESTTMP.
#
#   run_case NAME STATUS ERR_REGEX CMD [ARG ...]
#	runs CMD, keeps stdout in $out and stderr in $err, and passes when
#	the exit status is STATUS and stderr matches the extended regular
#	expression ERR_REGEX ('' means stderr must be empty, '.' anything).
#   check NAME COMMAND-STRING	passes when the command string succeeds.
set -u
LC_ALL=C
export LC_ALL
PATH="$BIN:$PATH"
export PATH

npass=0
nfail=0
nskip=0
out=$TESTTMP/stdout
err=$TESTTMP/stderr

pass() { npass=$((npass + 1)); echo "ok - $1"; }
skip() { nskip=$((nskip + 1)); echo "skip - $1: $2"; }
fail() {
	nfail=$((nfail + 1))
	echo "not ok - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

run_case() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$out" 2>"$err" </dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name" "exit status $got, want $want" \
		    "stderr: $(head -c 400 "$err")"
		return 1
	fi
	if [ -z "$pat" ]; then
		if [ -s "$err" ]; then
			fail "$name" "unexpected stderr: $(head -c 400 "$err")"
			return 1
		fi
	elif ! grep -Eq -- "$pat" "$err"; then
		fail "$name" "stderr does not match /$pat/" \
		    "stderr: $(head -c 400 "$err")"
		return 1
	fi
	pass "$name"
}

# Like run_case, with stdin from a file.
run_case_in() {
	name=$1 want=$2 pat=$3 input=$4
	shift 4
	run_case "$name" "$want" "$pat" sh -c '"$@" <"$0"' "$input" "$@"
}

check() {
	if sh -c "$2" >"$TESTTMP/check.out" 2>&1; then
		pass "$1"
	else
		fail "$1" "failed: $2" "$(head -c 400 "$TESTTMP/check.out")"
	fi
}

# The last line is read by the driver.
finish() {
	echo "# $npass passed, $nfail failed, $nskip skipped"
}
