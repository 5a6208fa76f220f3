/*
 * test_core.c: unit tests for the core library: lib/util (messages, exit
 * statuses, number parsing), lib/atomic, lib/jsonio, lib/rng and lib/hash.
 * Expected values come from published test vectors (FIPS 180-2, RFC 1321,
 * the PCG reference demo) or from properties, not from the code itself.
 * Writes only under a temporary directory it removes.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "atomic.h"
#include "hash.h"
#include "jsonio.h"
#include "rng.h"
#include "util.h"

static char tmproot[PATH_MAX];

static int
setup_tmp(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	umask(022);
	snprintf(tmproot, sizeof(tmproot), "%s/test_core.XXXXXX",
	    t != NULL ? t : "/tmp");
	return mkdtemp(tmproot) == NULL ? -1 : 0;
}

static int
teardown_tmp(void **state)
{
	(void)state;
	return remove_tree(tmproot);
}

/* Count the entries of a directory, . and .. aside. */
static int
dir_count(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(1 << 16);
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, (1 << 16) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* ---- util ---- */

static void
test_parse_long(void **state)
{
	const char *e;
	long v;

	(void)state;
	assert_int_equal(parse_long("42", 0, 100, &v, &e), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_long("-7", -10, 10, &v, &e), 0);
	assert_int_equal(v, -7);
	assert_int_equal(parse_long("100", 0, 100, &v, &e), 0);
	assert_int_equal(parse_long("101", 0, 100, &v, &e), -1);
	assert_string_equal(e, "too large");
	assert_int_equal(parse_long("-1", 0, 100, &v, &e), -1);
	assert_string_equal(e, "too small");
	assert_int_equal(parse_long("", 0, 100, &v, &e), -1);
	assert_string_equal(e, "empty");
	assert_int_equal(parse_long("4x", 0, 100, &v, &e), -1);
	assert_string_equal(e, "not an integer");
	assert_int_equal(parse_long("4 ", 0, 100, &v, &e), -1);
	assert_int_equal(parse_long(" 4", 0, 100, &v, &e), -1);
	assert_int_equal(parse_long("1.5", 0, 100, &v, &e), -1);
	assert_int_equal(parse_long("99999999999999999999", 0, LONG_MAX,
	    &v, &e), -1);
	assert_int_equal(parse_long("9223372036854775807", 0, LONG_MAX, &v,
	    &e), 0);
	assert_true(v == LONG_MAX);
	v = 5;
	assert_int_equal(parse_long("x", 0, 9, &v, &e), -1);
	assert_int_equal(v, 5);		/* untouched on failure */
}

static void
test_parse_double(void **state)
{
	const char *e;
	double v;

	(void)state;
	assert_int_equal(parse_double("0.1", 0, 1, &v, &e), 0);
	assert_true(v == 0.1);
	assert_int_equal(parse_double("1e-4", 0, 1, &v, &e), 0);
	assert_true(v == 1e-4);
	assert_int_equal(parse_double("2", 0, 1, &v, &e), -1);
	assert_string_equal(e, "too large");
	assert_int_equal(parse_double("-0.5", 0, 1, &v, &e), -1);
	assert_string_equal(e, "too small");
	assert_int_equal(parse_double("nan", -1e9, 1e9, &v, &e), -1);
	assert_int_equal(parse_double("inf", -1e9, 1e9, &v, &e), -1);
	assert_int_equal(parse_double("1e999", -1e9, 1e9, &v, &e), -1);
	assert_int_equal(parse_double("0.1x", 0, 1, &v, &e), -1);
	assert_string_equal(e, "not a number");
	assert_int_equal(parse_double(" 0.1", 0, 1, &v, &e), -1);
	assert_int_equal(parse_double("", 0, 1, &v, &e), -1);
}

static void
test_progname(void **state)
{
	(void)state;
	set_progname("/usr/local/bin/cifar-split");
	assert_string_equal(progname(), "cifar-split");
	set_progname("");
	assert_string_equal(progname(), "cifar-split");
	set_progname("rn-train");
	assert_string_equal(progname(), "rn-train");
}

static void
test_xasprintf(void **state)
{
	char *s;

	(void)state;
	s = xasprintf("%s-%03d", "run", 7);
	assert_string_equal(s, "run-007");
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);
	s = xaligned_alloc(64, 100);
	assert_int_equal((uintptr_t)s % 64, 0);
	free(s);
}

static int cleaned;

static void
mark_cleaned(void)
{
	cleaned = 1;
	fputs("[cleanup]", stderr);
}

/* Run fn in a child with stderr captured; returns its exit status. */
static int
capture(void (*fn)(void), char *buf, size_t len)
{
	int fds[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		_exit(99);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
die_with_errno(void)
{
	set_progname("prog");
	atexit_cleanup(mark_cleaned);
	errno = ENOENT;
	die("%s:", "data/x.bin");
}

static void
die_plain(void)
{
	set_progname("prog");
	die("%s:%d: missing \"lr\"", "run.jsonl", 12);
}

static void
die_found(void)
{
	set_progname("lr-audit");
	die_status(EXIT_FOUND, "deviation");
}

static void
usage_bad(void)
{
	set_progname("prog");
	usage_error("[-q] file", "-x: unknown");
}

static void
overflow(void)
{
	set_progname("prog");
	(void)xreallocarray(NULL, SIZE_MAX / 2, 4);
}

static void
test_messages(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(capture(die_with_errno, buf, sizeof(buf)), 2);
	assert_string_equal(buf,
	    "prog: data/x.bin: No such file or directory\n[cleanup]");
	assert_int_equal(capture(die_plain, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "prog: run.jsonl:12: missing \"lr\"\n");
	assert_int_equal(capture(die_found, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "lr-audit: deviation\n");
	assert_int_equal(capture(usage_bad, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "prog: -x: unknown\nusage: prog [-q] file\n");
	assert_int_equal(capture(overflow, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "prog: out of memory"));
	assert_int_equal(cleaned, 0);	/* only the child ran it */
}

/* ---- atomic ---- */

static void
test_atomic_write(void **state)
{
	char *path = xasprintf("%s/a/out.bin", tmproot), *dir, *got;
	struct stat st;
	size_t len;

	(void)state;
	dir = xasprintf("%s/a", tmproot);
	/* The directory is missing: fails, nothing created. */
	assert_int_equal(write_file_atomic(path, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(write_file_atomic(path, "hello\n", 6), 0);
	got = read_all(path, &len);
	assert_int_equal(len, 6);
	assert_string_equal(got, "hello\n");
	free(got);
	/* Replacing keeps exactly one file, with the new content. */
	assert_int_equal(write_file_atomic(path, "", 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 0777, 0644);	/* umask 022 */
	assert_int_equal(dir_count(dir), 1);
	free(path);
	free(dir);
}

static void
test_atomic_abort(void **state)
{
	char *dir = xasprintf("%s/b", tmproot), *path;
	struct afile af;

	(void)state;
	path = xasprintf("%s/part.json", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(afile_open(&af, path), 0);
	fputs("{\"half\":", af.fp);
	assert_int_equal(dir_count(dir), 1);	/* the temporary */
	assert_int_equal(access(path, F_OK), -1);
	afile_abort(&af);
	afile_abort(&af);			/* twice is safe */
	assert_int_equal(dir_count(dir), 0);
	/* Committed: the target exists and the temporary is gone. */
	assert_int_equal(afile_open(&af, path), 0);
	fputs("{}\n", af.fp);
	assert_int_equal(afile_commit(&af), 0);
	assert_null(af.tmp);
	assert_int_equal(dir_count(dir), 1);
	assert_int_equal(access(path, F_OK), 0);
	free(path);
	free(dir);
}

static void
test_remove_tree(void **state)
{
	char *top = xasprintf("%s/t", tmproot), *p, *link, *keep;
	FILE *fp;

	(void)state;
	keep = xasprintf("%s/keep", tmproot);
	assert_int_equal(mkdir(keep, 0755), 0);
	assert_int_equal(mkdir(top, 0755), 0);
	p = xasprintf("%s/sub", top);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/sub/f", top);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fclose(fp);
	free(p);
	/* A link to a directory outside is removed, not followed. */
	link = xasprintf("%s/sub/l", top);
	assert_int_equal(symlink(keep, link), 0);
	p = xasprintf("%s/kept", keep);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(remove_tree(top), 0);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	free(link);
	free(keep);
	free(top);
}

/* ---- jsonio ---- */

static void
test_json_write(void **state)
{
	char *path = xasprintf("%s/w.jsonl", tmproot), *got;
	json_t *rec;
	FILE *fp;

	(void)state;
	fp = fopen(path, "w");
	assert_non_null(fp);
	rec = json_pack("{s:s, s:i, s:o, s:o, s:o}", "type", "step", "iter",
	    0, "lr", json_num(0.1), "loss", json_num(NAN), "x",
	    json_num(-INFINITY));
	assert_int_equal(jsonl_write(fp, rec), 0);
	json_decref(rec);
	jsonl_emit(fp, json_pack("{s:[i,i]}", "a", 1, 2));
	fclose(fp);
	got = read_all(path, NULL);
	/* Reals are printed in their shortest round-trip form. */
	assert_non_null(strstr(got, "\"lr\":0.1,"));
	assert_true(strtod(strstr(got, "\"lr\":") + 5, NULL) == 0.1);
	assert_non_null(strstr(got, "\"loss\":null,\"x\":null}\n"
	    "{\"a\":[1,2]}\n"));
	assert_memory_equal(got, "{\"type\":\"step\",\"iter\":0,\"lr\":", 29);
	free(got);
	free(path);
}

/* Shortest text that reads back to the same double, and reals stay reals. */
static void
test_json_shortest_reals(void **state)
{
	static const struct {
		double		 v;
		const char	*want;
	} cases[] = {
		{ 0.1, "0.1" }, { 1.0, "1.0" }, { 1e-4, "0.0001" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ -2.5, "-2.5" }, { 1e300, "1e+300" }, { 3.0e-5, "3e-05" },
		{ 0.1f, "0.10000000149011612" }, { 269722.0, "269722.0" },
	};
	char *path = xasprintf("%s/r.json", tmproot), *got;
	json_t *num;
	size_t i;
	FILE *fp;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp = fopen(path, "w");
		assert_non_null(fp);
		num = json_real(cases[i].v);
		assert_int_equal(json_print(fp, num, 0), 0);
		json_decref(num);
		fclose(fp);
		got = read_all(path, NULL);
		assert_string_equal(got, cases[i].want);
		assert_true(strtod(got, NULL) == cases[i].v);
		free(got);
	}
	free(path);
}

static void
test_jsonl_read(void **state)
{
	static char text[] = "{\"a\":1}\n\n  \t\n{\"a\":2}\r\n[3]\n{\"a\":\n";
	struct jsonl_reader r;
	char err[256];
	long long v;
	json_t *rec;
	FILE *fp;

	(void)state;
	fp = fmemopen(text, strlen(text), "r");
	jsonl_open(&r, fp, "log.jsonl");
	rec = jsonl_next(&r, err, sizeof(err));
	assert_non_null(rec);
	assert_int_equal(json_get_int(rec, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(r.line, 1);
	json_decref(rec);
	rec = jsonl_next(&r, err, sizeof(err));	/* blank lines skipped */
	assert_non_null(rec);
	assert_int_equal(r.line, 4);
	json_decref(rec);
	rec = jsonl_next(&r, err, sizeof(err));
	assert_true(json_is_array(rec));
	json_decref(rec);
	rec = jsonl_next(&r, err, sizeof(err));
	assert_null(rec);
	assert_non_null(strstr(err, "log.jsonl:6: not JSON"));
	jsonl_close(&r);
	fclose(fp);
}

static void
test_jsonl_end_and_limit(void **state)
{
	static char text[] = "{\"a\":1}";	/* no final newline */
	static char longer[] = "{\"k\":\"0123456789abcdef\"}\n{}\n";
	struct jsonl_reader r;
	char err[256];
	json_t *rec;
	FILE *fp;

	(void)state;
	fp = fmemopen(text, strlen(text), "r");
	jsonl_open(&r, fp, "-");
	rec = jsonl_next(&r, err, sizeof(err));
	assert_non_null(rec);
	json_decref(rec);
	assert_null(jsonl_next(&r, err, sizeof(err)));
	assert_string_equal(err, "");		/* plain end of input */
	jsonl_close(&r);
	fclose(fp);

	fp = fmemopen(longer, strlen(longer), "r");
	jsonl_open(&r, fp, "big");
	r.max = 16;
	assert_null(jsonl_next(&r, err, sizeof(err)));
	assert_non_null(strstr(err, "big:1: line longer than 16"));
	jsonl_close(&r);
	fclose(fp);
}

static void
test_json_load_and_get(void **state)
{
	char *path = xasprintf("%s/doc.json", tmproot), err[256];
	const char *doc = "{\"n\": 3, \"x\": 1.5, \"s\": \"t\"}\n";
	long long i;
	json_t *j;
	double d;

	(void)state;
	assert_null(json_load_path(path, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(write_file_atomic(path, doc, strlen(doc)), 0);
	j = json_load_path(path, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_get_int(j, "n", &i), 0);
	assert_int_equal(i, 3);
	assert_int_equal(json_get_int(j, "x", &i), -1);
	assert_int_equal(json_get_int(j, "missing", &i), -1);
	assert_int_equal(json_get_num(j, "x", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(json_get_num(j, "n", &d), 0);
	assert_true(d == 3.0);
	assert_int_equal(json_get_num(j, "s", &d), -1);
	assert_string_equal(json_get_str(j, "s"), "t");
	assert_null(json_get_str(j, "n"));
	json_decref(j);
	assert_int_equal(write_file_atomic(path, "{} x", 4), 0);
	assert_null(json_load_path(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not JSON"));
	free(path);
}

/* ---- rng ---- */

static void
test_rng_vectors(void **state)
{
	/* pcg32-demo of the PCG reference code: seed 42, stream 54. */
	static const uint32_t want[6] = { 0xa15c02b7, 0x7b47f409,
	    0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e };
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 42, 54);
	for (i = 0; i < 6; i++)
		assert_int_equal(rng_u32(&r), want[i]);
}

static void
test_rng_below_shuffle(void **state)
{
	/*
	 * From an independent Python model of PCG32 with the same
	 * rejection rule and Fisher-Yates order (tests/data/cifar/pcg.py).
	 */
	static const uint32_t below[5] = { 251, 708, 972, 130, 699 };
	static const uint32_t perm[10] = { 1, 6, 4, 9, 0, 8, 2, 5, 7, 3 };
	uint32_t a[10], i, counts[3] = { 0, 0, 0 };
	struct rng r;

	(void)state;
	rng_seed(&r, 7, 3);
	for (i = 0; i < 5; i++)
		assert_int_equal(rng_below(&r, 1000), below[i]);
	rng_seed(&r, 1, 0x73706c6974ULL);
	for (i = 0; i < 10; i++)
		a[i] = i;
	rng_shuffle(&r, a, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(a[i], perm[i]);
	rng_seed(&r, 9, 9);
	for (i = 0; i < 30000; i++)
		counts[rng_below(&r, 3)]++;
	for (i = 0; i < 3; i++)		/* 10000 +- 5 sigma (82) */
		assert_true(counts[i] > 9590 && counts[i] < 10410);
	assert_int_equal(rng_below(&r, 1), 0);
}

static void
test_rng_streams(void **state)
{
	struct rng a, b, c;
	int i, same_ab = 0, same_ac = 0;

	(void)state;
	rng_seed(&a, 1, 1);
	rng_seed(&b, 1, 1);
	rng_seed(&c, 1, 2);
	for (i = 0; i < 100; i++) {
		uint32_t x = rng_u32(&a);

		same_ab += x == rng_u32(&b);
		same_ac += x == rng_u32(&c);
	}
	assert_int_equal(same_ab, 100);
	assert_true(same_ac < 3);
}

static void
test_rng_distributions(void **state)
{
	double s = 0, s2 = 0, x, lo = 1, hi = 0;
	struct rng r;
	int i, n = 200000;

	(void)state;
	rng_seed(&r, 123, 0);
	for (i = 0; i < n; i++) {
		x = rng_uniform(&r);
		assert_true(x >= 0.0 && x < 1.0);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		s += x;
	}
	/* mean 1/2, sd of the mean sqrt(1/12/n) = 6.5e-4 */
	assert_true(fabs(s / n - 0.5) < 0.004);
	assert_true(lo < 1e-4 && hi > 1 - 1e-4);
	s = 0;
	for (i = 0; i < n; i++) {
		x = rng_normal(&r);
		assert_true(isfinite(x));
		s += x;
		s2 += x * x;
	}
	/* mean 0 (sd 2.2e-3), variance 1 (sd 3.2e-3) */
	assert_true(fabs(s / n) < 0.015);
	assert_true(fabs(s2 / n - 1.0) < 0.02);
}

/* ---- hash ---- */

static void
test_hash_vectors(void **state)
{
	char hex[SHA256_HEX_LEN + 1];
	struct hasher *h;

	(void)state;
	sha256_hex("abc", 3, hex);	/* FIPS 180-2 B.1 */
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	h = hasher_new(HASH_SHA256);	/* FIPS 180-2 B.2, in pieces */
	hasher_update(h, "abcdbcdecdefdefgefghfghighijhijk", 32);
	hasher_update(h, "ijkljklmklmnlmnomnopnopq", 24);
	hasher_final(h, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	h = hasher_new(HASH_MD5);	/* RFC 1321 appendix A.5 */
	hasher_update(h, "message digest", 14);
	hasher_final(h, hex);
	assert_int_equal(strlen(hex), MD5_HEX_LEN);
	assert_string_equal(hex, "f96b697d7cb7938d525a2f31aaf161d0");
}

static void
test_hash_file(void **state)
{
	char *path = xasprintf("%s/h.bin", tmproot), hex[SHA256_HEX_LEN + 1];
	unsigned char *buf = malloc(200000);
	long long size = -1;
	size_t i;

	(void)state;
	/* One million 'a' is the FIPS 180-2 B.3 vector; use 200000 x 5. */
	memset(buf, 'a', 200000);
	{
		FILE *fp = fopen(path, "wb");

		assert_non_null(fp);
		for (i = 0; i < 5; i++)
			fwrite(buf, 1, 200000, fp);
		fclose(fp);
	}
	assert_int_equal(hash_file(path, HASH_SHA256, hex, &size), 0);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	assert_true(size == 1000000);
	assert_int_equal(hash_file(path, HASH_MD5, hex, NULL), 0);
	assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
	free(path);
	path = xasprintf("%s/none", tmproot);
	assert_int_equal(hash_file(path, HASH_SHA256, hex, &size), -1);
	assert_int_equal(errno, ENOENT);
	free(path);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_progname),
		cmocka_unit_test(test_xasprintf),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_atomic_abort),
		cmocka_unit_test(test_remove_tree),
		cmocka_unit_test(test_json_write),
		cmocka_unit_test(test_json_shortest_reals),
		cmocka_unit_test(test_jsonl_read),
		cmocka_unit_test(test_jsonl_end_and_limit),
		cmocka_unit_test(test_json_load_and_get),
		cmocka_unit_test(test_rng_vectors),
		cmocka_unit_test(test_rng_below_shuffle),
		cmocka_unit_test(test_rng_streams),
		cmocka_unit_test(test_rng_distributions),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_file),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
