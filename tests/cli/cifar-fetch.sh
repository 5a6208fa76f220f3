# tests/cli/cifar-fetch.sh: cifar-fetch on small synthetic archives (sound
# and broken in each way the man page lists), downloads from a server of
# our own on 127.0.0.1 (resume, retry, servers that cannot resume), and,
# with REPROKIT_CIFAR10_ARCHIVE set, the real archive: verified, re-run
# without work, and refused when one byte changes or it is cut short.
. "$TOP/tests/lib.sh"

D=$TOP/tests/data/cifar
PY=${REPROKIT_PYTHON:-/usr/bin/python3}
T=$TESTTMP
srv_pid=
H='[0-9a-f]{64}'
SHA1=cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
SHA3=bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
Z=0123456789abcdef0123456789abcdef

# gone PATH...: a test that none of the paths exists, for check.
gone() {
	g=true
	for p in "$@"; do
		g="$g && [ ! -e '$p' ] && [ ! -L '$p' ]"
	done
	echo "$g"
}

# only DIR NAME: a test that DIR holds exactly NAME (no temporary beside).
only() {
	echo "[ \"\$(ls -A '$1')\" = '$2' ]"
}

srv_start() {
	srv_name=$1
	shift
	rm -f "$T/$srv_name.port" "$T/$srv_name.log"
	: >"$T/$srv_name.log"
	"$PY" "$D/httpd.py" --dir "$T/www" --port-file "$T/$srv_name.port" \
	    --log "$T/$srv_name.log" "$@" 2>>"$T/httpd.err" &
	srv_pid=$!
	i=0
	while [ ! -s "$T/$srv_name.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	url=http://127.0.0.1:$(cat "$T/$srv_name.port")
}

srv_stop() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		srv_pid=
	fi
}
trap srv_stop EXIT

# ---- usage ----
run_case "unknown option" 2 '^usage: cifar-fetch ' cifar-fetch --bogus
run_case "operand" 2 'x: unexpected operand' cifar-fetch x
run_case "-a and -u together" 2 'exclude each other' \
    cifar-fetch -a x -u http://127.0.0.1:9/x
run_case "-r not a number" 2 '^cifar-fetch: -r x: not an integer$' \
    cifar-fetch -r x -a x
run_case "-m not an MD5" 2 '^cifar-fetch: -m 12: not 32 lowercase hex' \
    cifar-fetch -m 12 -a x
run_case "missing archive" 2 \
    "^cifar-fetch: $T/none.tgz: No such file or directory\$" \
    cifar-fetch -a "$T/none.tgz" -o "$T/o-none"
check "missing archive: nothing left" "$(gone "$T/o-none")"

if ! "$PY" -c 'import tarfile, http.server' 2>/dev/null; then
	skip "synthetic archives" "no Python at $PY"
	finish
	exit 0
fi
mk() {
	"$PY" "$D/mkarchive.py" "$1" "$T/$1.tgz"
}
for k in good flat evil evil-deep absolute symlink hardlink device fifo \
    extra missing dup badlabel badsize badmeta huge hugemeta; do
	mk "$k" || fail "mkarchive $k"
done

# ---- a sound synthetic archive ----
run_case "synthetic, -N" 0 \
    '^cifar-fetch: warning: checksums not verified \(-N\)$' \
    cifar-fetch -N -a "$T/good.tgz" -o "$T/o"
cp "$out" "$T/good.json"
check "synthetic: manifest matches the files" \
    "'$PY' '$D/check.py' fetch '$T/good.json' no"
check "synthetic: source, archive and records" \
    "'$PY' '$D/check.py' expr '$T/good.json' \
    'm[\"source\"] == \"$T/good.tgz\" and m[\"archive\"][\"path\"] == \
    \"$T/good.tgz\" and not m[\"archive\"][\"official\"] and \
    [f.get(\"records\") for f in m[\"files\"]] == [30] * 6 + [None] and \
    m[\"directory\"] == \"$T/o/cifar-10-batches-bin\"'"
check "synthetic: only the directory, no temporary" \
    "$(only "$T/o" cifar-10-batches-bin)"
check "synthetic: readme.html is not unpacked" \
    "$(gone "$T/o/cifar-10-batches-bin/readme.html")"
check "synthetic: pixels unpacked byte for byte" \
    "mkdir '$T/tar' && tar -xzf '$T/good.tgz' -C '$T/tar' && \
    cmp '$T/tar/cifar-10-batches-bin/data_batch_5.bin' \
    '$T/o/cifar-10-batches-bin/data_batch_5.bin'"
run_case "re-run on the directory does no work" 0 'not verified' \
    cifar-fetch -N -a "$T/nowhere.tgz" -o "$T/o"
check "re-run: the same manifest" "cmp '$out' '$T/good.json'"
run_case "re-run without -N: the directory does not verify" 2 \
    "batches-bin: exists but does not pass the checks \\(data_batch_1.bin: \
sha256 $H, expected $SHA1\\); remove it" \
    cifar-fetch -a "$T/good.tgz" -o "$T/o"
check "re-run without -N: the directory is untouched" \
    "'$PY' '$D/check.py' fetch '$T/good.json' no"
run_case "members at the top level are accepted" 0 'not verified' \
    cifar-fetch -N -a "$T/flat.tgz" -o "$T/flat"

# ---- refused: each leaves nothing behind ----
# refuse NAME KIND REGEX [OPTIONS]
refuse() {
	r_name=$1 r_kind=$2 r_pat=$3
	shift 3
	run_case "$r_name" 2 "$r_pat" \
	    cifar-fetch "$@" -a "$T/$r_kind.tgz" -o "$T/x-$r_kind"
	check "$r_name: nothing left, one line" \
	    "$(gone "$T/x-$r_kind") && [ \$(wc -l <'$err') -eq 1 ]"
}
refuse "unverified members (synthetic data)" good \
    "good.tgz: data_batch_1.bin: sha256 $H, expected $SHA1\$"
refuse "a ../evil member" evil \
    '^cifar-fetch: [^ ]*evil.tgz: \.\./evil: unsafe member path$' -N
check "../evil: nothing written outside" "$(gone "$T/evil" "$T/../evil")"
refuse "a dir/../../evil member" evil-deep \
    'cifar-10-batches-bin/\.\./\.\./evil: unsafe member path$' -N
refuse "an absolute member" absolute \
    '/tmp/reprokit-evil-absolute: unsafe member path$' -N
check "absolute: nothing written" "$(gone /tmp/reprokit-evil-absolute)"
refuse "a symbolic link" symlink 'data_batch_1.bin: not a regular file$' -N
refuse "a hard link" hardlink 'data_batch_2.bin: not a regular file$' -N
refuse "a device" device 'test_batch.bin: not a regular file$' -N
refuse "a fifo" fifo 'test_batch.bin: not a regular file$' -N
refuse "an unexpected member" extra \
    'cifar-10-batches-bin/extra.bin: unexpected member$' -N
refuse "a missing member" missing 'missing member data_batch_4.bin$' -N
refuse "a member twice" dup 'data_batch_1.bin: member appears twice$' -N
refuse "a label above 9" badlabel \
    'data_batch_2.bin: record 3: label 10 is not 0..9$' -N
refuse "a record not 3073 bytes" badsize \
    'data_batch_2.bin: 92290 bytes is not a whole number of 3073-byte' -N
refuse "class names not ten lines" badmeta \
    'batches.meta.txt: not 10 class names' -N
refuse "a member larger than the official one" huge \
    'data_batch_1.bin: 104857600 bytes is too large$'
refuse "a member larger than 64 MiB, -N" huge \
    'data_batch_1.bin: 104857600 bytes is too large$' -N
refuse "class names over 4096 bytes" hugemeta \
    'batches.meta.txt: 5000 bytes is too large$' -N
head -c 300000 "$T/good.tgz" >"$T/trunc.tgz"
refuse "a truncated gzip" trunc 'trunc.tgz: truncated gzip input$' -N
head -c 20 "$T/good.tgz" >"$T/trunc20.tgz"
refuse "a gzip cut in its header" trunc20 'trunc20.tgz: ' -N
printf '{"not": "an archive"}\n' >"$T/json.tgz"
refuse "not an archive" json 'json.tgz: Unrecognized archive format$' -N
: >"$T/empty.tgz"
refuse "an empty file" empty 'empty.tgz: ' -N
mkdir -p "$T/pre"
run_case "a refused archive in an existing directory" 2 'unsafe member' \
    cifar-fetch -N -a "$T/evil.tgz" -o "$T/pre"
check "existing directory: left empty" "[ -z \"\$(ls -A '$T/pre')\" ]"

: >"$T/afile"
run_case "output under a plain file" 2 \
    "^cifar-fetch: $T/afile/sub: Not a directory\$" \
    cifar-fetch -N -a "$T/good.tgz" -o "$T/afile/sub"
# A full disk, as a file size limit: writes fail with EFBIG.
run_case "no room for the output" 2 ': File too large$' \
    sh -c 'trap "" XFSZ; ulimit -f 100; exec "$@"' sh \
    cifar-fetch -N -a "$T/good.tgz" -o "$T/full"
check "no room: nothing left" "$(gone "$T/full")"
if [ "$(id -u)" != 0 ]; then
	mkdir "$T/ro" && chmod 555 "$T/ro"
	run_case "unwritable output directory" 2 'Permission denied$' \
	    cifar-fetch -N -a "$T/good.tgz" -o "$T/ro"
	check "unwritable: nothing left" "[ -z \"\$(ls -A '$T/ro')\" ]"
else
	skip "unwritable output directory" "root ignores permissions"
fi

# ---- downloads from our own server on 127.0.0.1 ----
mkdir -p "$T/www"
cp "$T/good.tgz" "$T/www/good.tgz"
good_md5=$(md5sum <"$T/good.tgz" | cut -c1-32)
good_size=$(wc -c <"$T/good.tgz")

srv_start plain
run_case "download" 0 'not verified' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/d1"
cp "$out" "$T/d1.json"
check "download: manifest matches the files" \
    "'$PY' '$D/check.py' fetch '$T/d1.json' no"
check "download: source, digests, nothing kept" \
    "'$PY' '$D/check.py' expr '$T/d1.json' \
    'm[\"source\"] == \"$url/good.tgz\" and m[\"archive\"][\"path\"] is \
    None and m[\"archive\"][\"md5\"] == \"$good_md5\" and \
    m[\"archive\"][\"bytes\"] == $good_size' && \
    $(only "$T/d1" cifar-10-batches-bin)"
run_case "download, kept" 0 'not verified' \
    cifar-fetch -N -k -u "$url/good.tgz" -o "$T/d2"
check "kept: the archive as served" \
    "cmp '$T/d2/cifar-10-binary.tar.gz' '$T/good.tgz' && \
    '$PY' '$D/check.py' fetch '$out' no"
run_case "download, wrong MD5" 2 \
    "cifar-10-binary.tar.gz.part: MD5 $good_md5, expected $Z\$" \
    cifar-fetch -m $Z -u "$url/good.tgz" \
    -o "$T/d3"
check "wrong MD5: nothing left" "$(gone "$T/d3")"
run_case "download, right MD5, members still checked" 2 \
    "data_batch_1.bin: sha256 $H, expected $SHA1\$" \
    cifar-fetch -m "$good_md5" -u "$url/good.tgz" -o "$T/d4"
check "right MD5, bad members: nothing left" "$(gone "$T/d4")"
run_case "download, 404" 2 '/missing.tgz: .*404' \
    cifar-fetch -N -r 0 -u "$url/missing.tgz" -o "$T/d5"
check "404: nothing left" "$(gone "$T/d5")"
cp "$T/evil.tgz" "$T/www/evil.tgz"
run_case "download of a ../evil archive" 2 '\.\./evil: unsafe member path$' \
    cifar-fetch -N -u "$url/evil.tgz" -o "$T/d6"
check "downloaded ../evil: nothing left" "$(gone "$T/d6" "$T/evil")"
mkdir -p "$T/d7"
cp "$T/good.tgz" "$T/d7/cifar-10-binary.tar.gz.part"
run_case "a whole .part (416 on resume)" 0 'not verified' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/d7"
check "whole .part: one request for bytes=$good_size-" \
    "grep -qx '/good.tgz bytes=$good_size-' '$T/plain.log' && \
    $(only "$T/d7" cifar-10-batches-bin)"
if script -qec true /dev/null >/dev/null 2>&1; then
	check "progress on a terminal" \
	    "script -qec \"cifar-fetch -N -u '$url/good.tgz' -o '$T/d8' \
	    >/dev/null\" /dev/null | \
	    grep -q 'cifar-fetch: [0-9.]* of [0-9.]* MiB'"
	run_case "no progress when stderr is not a terminal" 0 \
	    '^cifar-fetch: warning: checksums not verified \(-N\)$' \
	    cifar-fetch -N -u "$url/good.tgz" -o "$T/d9"
else
	skip "progress on a terminal" "no script(1)"
fi
srv_stop
run_case "connection refused" 2 "127.0.0.1:${url##*:}" \
    cifar-fetch -N -r 0 -u "$url/good.tgz" -o "$T/d10"
check "connection refused: nothing left" "$(gone "$T/d10")"

# Interrupted: the server drops the first connection after 200000 bytes.
srv_start drop --drop-first 200000
run_case "cut transfer, no retries" 2 'transfer closed' \
    cifar-fetch -N -r 0 -u "$url/good.tgz" -o "$T/r1"
check "cut transfer: only the .part, of 200000 bytes" \
    "$(only "$T/r1" cifar-10-binary.tar.gz.part) && \
    [ \$(wc -c <'$T/r1/cifar-10-binary.tar.gz.part') -eq 200000 ]"
run_case "restarted: resumes from byte 200000" 0 'not verified' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/r1"
check "restarted: asked for bytes=200000- and got the archive" \
    "grep -qx '/good.tgz bytes=200000-' '$T/drop.log' && \
    '$PY' '$D/check.py' expr '$out' 'm[\"archive\"][\"md5\"] == \
    \"$good_md5\"' && $(only "$T/r1" cifar-10-batches-bin)"
srv_stop
srv_start drop2 --drop-first 100000
run_case "cut transfer, retried in the same run" 0 \
    'transfer closed with [0-9]+ bytes remaining to read; resuming' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/r2"
check "retried: second request resumed at 100000" \
    "[ \"\$(cat '$T/drop2.log')\" = '/good.tgz none
/good.tgz bytes=100000-' ] && '$PY' '$D/check.py' fetch '$out' no"
srv_stop

# A server that cannot resume: a stale .part is thrown away.
srv_start norange --no-range
mkdir -p "$T/r3"
head -c 5000 /dev/zero >"$T/r3/cifar-10-binary.tar.gz.part"
run_case "server without ranges: starts again" 0 'Cannot resume' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/r3"
check "without ranges: the archive is whole" \
    "'$PY' '$D/check.py' expr '$out' 'm[\"archive\"][\"md5\"] == \
    \"$good_md5\"' && $(only "$T/r3" cifar-10-batches-bin)"
srv_stop

# Interrupted by a signal in the middle of a slow download.
srv_start slow --slow-first 40000
cifar-fetch -N -q -u "$url/good.tgz" -o "$T/r4" >"$T/r4.out" \
    2>"$T/r4.err" &
fpid=$!
i=0
while [ $i -lt 100 ] && ! [ -s "$T/r4/cifar-10-binary.tar.gz.part" ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$fpid"
wait "$fpid"
rc=$?
check "SIGTERM: exit 2, one line" \
    "[ $rc -eq 2 ] && [ \"\$(cat '$T/r4.err')\" = 'cifar-fetch: interrupted' ]"
check "SIGTERM: only a partial .part left" \
    "$(only "$T/r4" cifar-10-binary.tar.gz.part) && \
    [ \$(wc -c <'$T/r4/cifar-10-binary.tar.gz.part') -lt $good_size ]"
run_case "after SIGTERM: resumes" 0 'not verified' \
    cifar-fetch -N -u "$url/good.tgz" -o "$T/r4"
check "after SIGTERM: resumed with a range, archive whole" \
    "grep -q '^/good.tgz bytes=[1-9][0-9]*-\$' '$T/slow.log' && \
    '$PY' '$D/check.py' expr '$out' 'm[\"archive\"][\"md5\"] == \
    \"$good_md5\"'"
srv_stop

# ---- the real archive ----
A=${REPROKIT_CIFAR10_ARCHIVE:-}
if [ -z "$A" ]; then
	skip "real archive" "REPROKIT_CIFAR10_ARCHIVE is not set"
	finish
	exit 0
fi
cat >"$T/published.sha256" <<'EOF'
cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5  data_batch_1.bin
a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed  data_batch_2.bin
bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67  data_batch_3.bin
014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48  data_batch_4.bin
755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add  data_batch_5.bin
8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b  test_batch.bin
558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033  batches.meta.txt
EOF
R=$T/real/cifar-10-batches-bin
run_case "real: fetch" 0 '' cifar-fetch -a "$A" -o "$T/real"
cp "$out" "$T/real.json"
check "real: the published digests" \
    "cd '$R' && sha256sum --quiet -c '$T/published.sha256'"
check "real: manifest matches the files, verified" \
    "'$PY' '$D/check.py' fetch '$T/real.json' yes"
check "real: 10000 records a batch, the ten classes" \
    "'$PY' '$D/check.py' expr '$T/real.json' \
    '[f.get(\"records\") for f in m[\"files\"]] == [10000] * 6 + [None] \
    and m[\"classes\"][0] == \"airplane\" and m[\"classes\"][9] == \"truck\"'"
run_case "real: re-run does no work" 0 '' \
    cifar-fetch -a "$T/nowhere.tgz" -o "$T/real"
check "real: re-run prints the same manifest" "cmp '$out' '$T/real.json'"

# Repacked copies of the real members.
mkdir "$T/copy"
cp -r "$R" "$T/copy/"
rm -f "$T/copy/cifar-10-batches-bin/cifar-fetch.json"
flip() {
	"$PY" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1234567); b = f.read(1); f.seek(1234567)
    f.write(bytes([b[0] ^ 1]))' "$T/copy/cifar-10-batches-bin/data_batch_3.bin"
}
flip
(cd "$T/copy" && tar -cf - cifar-10-batches-bin | gzip -1) >"$T/corrupt.tgz"
run_case "real: one byte changed in data_batch_3.bin" 2 \
    "^cifar-fetch: [^ ]*corrupt.tgz: data_batch_3.bin: sha256 $H, \
expected $SHA3\$" \
    cifar-fetch -a "$T/corrupt.tgz" -o "$T/rc"
check "real, changed byte: nothing left" "$(gone "$T/rc")"
rm -f "$T/corrupt.tgz"
flip
(cd "$T/copy" && tar -cf - cifar-10-batches-bin) >"$T/repack.tar"
rm -rf "$T/copy"
run_case "real: a byte-identical repack is accepted" 0 '' \
    cifar-fetch -a "$T/repack.tar" -o "$T/rp"
check "real repack: verified, not the official archive" \
    "'$PY' '$D/check.py' fetch '$out' yes && '$PY' '$D/check.py' expr \
    '$out' 'm[\"verified\"] and not m[\"archive\"][\"official\"]'"
rm -rf "$T/rp" "$T/repack.tar"
head -c 100000000 "$A" >"$T/cut.tgz"
run_case "real: truncated gzip" 2 'cut.tgz: truncated gzip input$' \
    cifar-fetch -a "$T/cut.tgz" -o "$T/rt"
check "real, truncated: nothing left" "$(gone "$T/rt")"
rm -rf "$T/cut.tgz" "$T/real"
finish
