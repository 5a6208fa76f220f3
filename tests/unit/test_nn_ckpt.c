/*
 * test_nn_ckpt.c: the checkpoint container: sections of every type come
 * back as written, the layout on disk is the documented one, and any
 * flipped byte, a truncation or a wrong version is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"
#include "nn/ckpt.h"

static char dir[] = "/tmp/nn-ckpt.XXXXXX";
static char path[64];

static uint8_t *
slurp(const char *p, size_t *len)
{
	FILE *fp = fopen(p, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = xmalloc(n);
	assert_int_equal(fread(buf, 1, n, fp), n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
spill(const char *p, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(p, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
write_sample(void)
{
	struct ckpt ck;
	float f[3] = { 1.5f, -2, 1e-30f };
	double d[2] = { 0.1, -1e300 };
	uint32_t u[2] = { 7, 0xdeadbeef };
	uint64_t q[1] = { 0x0123456789abcdefULL };

	ckpt_begin(&ck, json_pack("{s:s,s:i}", "program", "test", "iter", 42));
	ckpt_add(&ck, "f", CKPT_F32, f, 3);
	ckpt_add(&ck, "d", CKPT_F64, d, 2);
	ckpt_add(&ck, "u", CKPT_U32, u, 2);
	ckpt_add(&ck, "q", CKPT_U64, q, 1);
	assert_int_equal(ckpt_write(&ck, path), 0);
	ckpt_free(&ck);
}

static void
test_roundtrip(void **state)
{
	struct ckpt ck;
	char err[256];
	float f[3];
	double d[2];
	uint32_t u[2];
	uint64_t q;

	write_sample();
	assert_int_equal(ckpt_read(&ck, path, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(ck.hdr, "iter")),
	    42);
	assert_int_equal(ckpt_get(&ck, "f", CKPT_F32, f, 3, err,
	    sizeof(err)), 0);
	assert_true(f[0] == 1.5f && f[1] == -2 && f[2] == 1e-30f);
	assert_int_equal(ckpt_get(&ck, "d", CKPT_F64, d, 2, err,
	    sizeof(err)), 0);
	assert_true(d[0] == 0.1 && d[1] == -1e300);
	assert_int_equal(ckpt_get(&ck, "u", CKPT_U32, u, 2, err,
	    sizeof(err)), 0);
	assert_true(u[0] == 7 && u[1] == 0xdeadbeef);
	assert_int_equal(ckpt_get(&ck, "q", CKPT_U64, &q, 1, err,
	    sizeof(err)), 0);
	assert_true(q == 0x0123456789abcdefULL);
	/* Asking for the wrong size or type, or a missing section. */
	assert_int_equal(ckpt_get(&ck, "f", CKPT_F32, f, 2, err,
	    sizeof(err)), -1);
	assert_int_equal(ckpt_get(&ck, "u", CKPT_F32, f, 2, err,
	    sizeof(err)), -1);
	assert_int_equal(ckpt_get(&ck, "zz", CKPT_F32, f, 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "section zz: missing"));
	ckpt_free(&ck);
}

/* The bytes on disk, by hand: magic, lengths, LE values, the digest. */
static void
test_layout(void **state)
{
	uint8_t *buf;
	size_t len, hlen, plen;
	char sum[SHA256_HEX_LEN + 1];
	const uint8_t *p;

	write_sample();
	buf = slurp(path, &len);
	assert_memory_equal(buf, "RNCKPT\r\n", 8);
	assert_true(buf[8] == 1 && buf[9] == 0 && buf[10] == 0 &&
	    buf[11] == 0);
	hlen = buf[12] | buf[13] << 8 | buf[14] << 16 | (size_t)buf[15] << 24;
	plen = buf[16] | buf[17] << 8;
	assert_int_equal(plen, 3 * 4 + 2 * 8 + 2 * 4 + 8);
	assert_int_equal(len, 24 + hlen + plen + 64);
	assert_int_equal(buf[24], '{');
	p = buf + 24 + hlen;		/* 1.5f is 0x3fc00000 */
	assert_true(p[0] == 0 && p[1] == 0 && p[2] == 0xc0 && p[3] == 0x3f);
	p += 12 + 16;			/* 7, then 0xdeadbeef */
	assert_true(p[0] == 7 && p[4] == 0xef && p[7] == 0xde);
	sha256_hex(buf, len - 64, sum);
	assert_memory_equal(buf + len - 64, sum, 64);
	free(buf);
}

static void
expect_refused(const uint8_t *buf, size_t len, const char *why)
{
	struct ckpt ck;
	char err[256];

	spill(path, buf, len);
	assert_int_equal(ckpt_read(&ck, path, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL) {
		fprintf(stderr, "message \"%s\", expected \"%s\"\n", err, why);
		fail();
	}
}

static void
test_refused(void **state)
{
	uint8_t *buf;
	size_t len, i;

	write_sample();
	buf = slurp(path, &len);
	/* Every byte after the fixed header, flipped one at a time. */
	for (i = 24; i < len; i++) {
		buf[i] ^= 0x20;
		expect_refused(buf, len, "");
		buf[i] ^= 0x20;
	}
	buf[30] ^= 1;
	expect_refused(buf, len, "checksum mismatch");
	buf[30] ^= 1;
	expect_refused(buf, len - 1, "truncated or corrupt");
	expect_refused(buf, 20, "truncated checkpoint");
	expect_refused(buf, 0, "not an rn-train checkpoint");
	buf[16] += 1;
	expect_refused(buf, len, "truncated or corrupt");
	buf[16] -= 1;
	buf[8] = 2;
	expect_refused(buf, len, "version 2");
	buf[8] = 1;
	buf[0] = 'X';
	expect_refused(buf, len, "not an rn-train checkpoint");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refused),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp:");
	snprintf(path, sizeof(path), "%s/c.rnck", dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	rmdir(dir);
	return rc;
}
