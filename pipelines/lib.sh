# pipelines/lib.sh: small helpers the pipelines share.  POSIX sh; needs jq.

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "$*"; exit 2; }

# Run from a checkout, the programs built beside the pipelines come first.
[ -x "$top/bin/rn-train" ] && PATH=$top/bin:$PATH && export PATH

command -v jq >/dev/null 2>&1 || die "jq is needed (apt-get install jq)"

# jq_int FILE FILTER: an integer field of a JSON file.
jq_int() { jq -er "$2 | floor" "$1"; }

# step NAME OUT CMD...: run CMD with stdout to OUT, unless OUT is already
# there.  The output appears under its name only when CMD succeeded.
step() {
	_name=$1 _out=$2
	shift 2
	if [ -s "$_out" ]; then
		say "$_name: done already ($_out)"
		return 0
	fi
	say "$_name"
	if "$@" >"$_out.part"; then
		mv "$_out.part" "$_out"
	else
		_rc=$?
		rm -f "$_out.part"
		die "$_name failed (status $_rc)"
	fi
}

# fetch_data RUN ARCHIVE: unpack and verify CIFAR-10 into RUN/data, from
# ARCHIVE when given, else by download.
fetch_data() {
	if [ -n "$2" ]; then
		step "fetch" "$1/fetch.json" cifar-fetch -a "$2" -o "$1/data"
	else
		step "fetch" "$1/fetch.json" cifar-fetch -o "$1/data"
	fi
}

# audit LOG SCHEDULE OUT: lr-audit's report; its verdict (0 consistent,
# 1 findings) is kept in the report, a usage or input error stops us.
audit() {
	_rc=0
	lr-audit -s "$2" "$1" >"$3.part" 2>"$3.txt" || _rc=$?
	[ "$_rc" -le 1 ] || { cat "$3.txt" >&2; die "lr-audit $1 failed"; }
	mv "$3.part" "$3"
	cat "$3.txt" >&2
}

# golden_check LOG GOLDEN OUT: acc-check's report, kept whatever the verdict.
golden_check() {
	_rc=0
	acc-check "$2" "$1" >"$3.part" 2>"$3.txt" || _rc=$?
	[ "$_rc" -le 1 ] || { cat "$3.txt" >&2; die "acc-check $1 failed"; }
	mv "$3.part" "$3"
	cat "$3.txt" >&2
}

# plot OUT TITLE LOG...: accuracy and LR of labelled logs (label=path),
# with the paper's ResNet-20 number as a reference line.
plot() {
	_out=$1 _title=$2
	shift 2
	acc-plot -s test,val -r 91.25:"paper, 64k iterations" -T "$_title" \
	    -o "$_out" "$@" >/dev/null || die "acc-plot $_out failed"
}

# pct FILE FILTER: a fraction in a JSON file as a percentage, 2 decimals.
pct() { jq -r "($2) * 10000 | round / 100" "$1"; }
