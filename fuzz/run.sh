#!/bin/sh
# fuzz/run.sh: build the libFuzzer targets with clang and the address and
# undefined-behaviour sanitizers, and fuzz them one after the other.
#
#   sh fuzz/run.sh [seconds-per-target [target ...]]
#
# Corpus: fuzz/corpus/<target>/ (kept small: merged after each run);
# crashers: fuzz/crashers/<target>/.  Runs at nice 19, one job at a time.
# tests/unit/test_logread_fuzz.c replays both in the normal build.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-60}
[ $# -gt 0 ] && shift
all="detect tensorboard csv lightning-csv jsonl mmcv hf-trainer-state mlflow
    regex yaml sched audit"
targets=${*:-$all}
CC=${FUZZ_CC:-clang}
out=build/fuzz
mkdir -p "$out"
src="lib/logread.c lib/logread/*.c lib/logread_audit.c lib/sched.c
    lib/util.c lib/jsonio.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=undefined -D_DEFAULT_SOURCE
    -D_POSIX_C_SOURCE=200809L -Ilib -Ifuzz"
for t in $targets; do
	bin=$out/fuzz-$t
	# shellcheck disable=SC2086
	$CC $flags -DFUZZ_TARGET="\"$t\"" -o "$bin" fuzz/fuzz.c $src \
	    -ljansson -lm -lpthread
	mkdir -p "fuzz/corpus/$t" "fuzz/crashers/$t" "$out/new-$t"
	echo "fuzzing $t for $secs s"
	nice -n 19 "$bin" -max_total_time="$secs" -max_len=8192 \
	    -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix="fuzz/crashers/$t/" "$out/new-$t" \
	    "fuzz/corpus/$t" 2>"$out/$t.log" || {
		echo "fuzz-$t stopped: see $out/$t.log and fuzz/crashers/$t/"
		tail -5 "$out/$t.log"
	}
	grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' \
	    "$out/$t.log" || true
	# Keep only inputs that add coverage, and only small ones.
	rm -rf "$out/min-$t"
	mkdir -p "$out/min-$t"
	nice -n 19 "$bin" -merge=1 -max_len=4096 "$out/min-$t" \
	    "fuzz/corpus/$t" "$out/new-$t" >/dev/null 2>&1 || true
	rm -rf "fuzz/corpus/$t" "$out/new-$t"
	mv "$out/min-$t" "fuzz/corpus/$t"
	# A budget of 64 KiB and 250 inputs per target: the smallest stay.
	ls -rS "fuzz/corpus/$t" | awk -v d="fuzz/corpus/$t" '
	    { cmd = "wc -c < \"" d "/" $0 "\""; cmd | getline n; close(cmd)
	      total += n; if (total > 65536 || NR > 250) print d "/" $0 }' |
	    while read -r f; do rm -f "$f"; done
	echo "$t: $(ls "fuzz/corpus/$t" | wc -l) inputs kept"
done
