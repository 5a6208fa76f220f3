/*
 * test_cifar.c: unit tests for lib/cifar: the batch reader, the split
 * index file and cifar_load_split, on a small synthetic data set whose
 * every byte follows a formula, so each loaded image can be checked
 * against where it came from.  With REPROKIT_SHARED set, the built-in
 * member digests are compared with cifar-10/SHA256SUMS there.
 * Writes only under a temporary directory it removes.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
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
#include "cifar.h"
#include "hash.h"
#include "util.h"

#define NTRAINF	5
static const uint32_t train_recs[NTRAINF] = { 7, 8, 6, 7, 7 };	/* 35 */
#define NTRAIN	35
#define NTEST	9

static char dir[PATH_MAX];

/* The synthetic data: label and pixel k of training image g. */
static uint8_t
train_label(uint32_t g)
{
	return (uint8_t)(g * 3 % 10);
}

static uint8_t
train_pixel(uint32_t g, uint32_t k)
{
	return (uint8_t)(g * 31 + k * 7 + 3);
}

static uint8_t
test_label(uint32_t g)
{
	return (uint8_t)(g % 10);
}

static uint8_t
test_pixel(uint32_t g, uint32_t k)
{
	return (uint8_t)((g * 13 + k) ^ 0x5a);
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
file_put(const char *name, const void *buf, size_t len)
{
	char *p = path_of(name);

	assert_int_equal(write_file_atomic(p, buf, len), 0);
	free(p);
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 255;
	p[1] = v >> 8 & 255;
	p[2] = v >> 16 & 255;
	p[3] = v >> 24 & 255;
}

/*
 * Hand-made index file bytes (the layout in lib/cifar.h), independent of
 * cifar_index_encode.
 */
static uint8_t *
index_bytes(const uint32_t *tr, uint32_t ntr, const uint32_t *va,
    uint32_t nva, size_t *len)
{
	uint8_t *b;
	uint32_t i;

	*len = 16 + 4 * (size_t)(ntr + nva);
	b = xmalloc(*len);
	memcpy(b, "CIFARIDX", 8);
	le32(b + 8, ntr);
	le32(b + 12, nva);
	for (i = 0; i < ntr; i++)
		le32(b + 16 + 4 * i, tr[i]);
	for (i = 0; i < nva; i++)
		le32(b + 16 + 4 * (ntr + i), va[i]);
	return b;
}

static void
sha_of(const char *name, char *hex)
{
	char *p = path_of(name);

	assert_int_equal(hash_file(p, HASH_SHA256, hex, NULL), 0);
	free(p);
}

/* Write the batch files; fills the files array of a manifest. */
static json_t *
data_write(void)
{
	char name[64], hex[SHA256_HEX_LEN + 1];
	json_t *files = json_array();
	uint32_t f, i, k, g = 0;
	uint8_t *buf, *r;

	for (f = 0; f < NTRAINF; f++) {
		buf = xmalloc(train_recs[f] * CIFAR_REC_BYTES);
		for (i = 0; i < train_recs[f]; i++, g++) {
			r = buf + i * CIFAR_REC_BYTES;
			r[0] = train_label(g);
			for (k = 0; k < CIFAR_IMG_BYTES; k++)
				r[1 + k] = train_pixel(g, k);
		}
		snprintf(name, sizeof(name), "data_batch_%u.bin", f + 1);
		file_put(name, buf, train_recs[f] * CIFAR_REC_BYTES);
		free(buf);
		sha_of(name, hex);
		json_array_append_new(files, json_pack("{s:s,s:s,s:i,s:s}",
		    "name", name, "sha256", hex, "records", train_recs[f],
		    "role", "train"));
	}
	buf = xmalloc(NTEST * CIFAR_REC_BYTES);
	for (i = 0; i < NTEST; i++) {
		r = buf + i * CIFAR_REC_BYTES;
		r[0] = test_label(i);
		for (k = 0; k < CIFAR_IMG_BYTES; k++)
			r[1 + k] = test_pixel(i, k);
	}
	file_put("test_batch.bin", buf, NTEST * CIFAR_REC_BYTES);
	free(buf);
	sha_of("test_batch.bin", hex);
	json_array_append_new(files, json_pack("{s:s,s:s,s:i,s:s}", "name",
	    "test_batch.bin", "sha256", hex, "records", NTEST, "role", "test"));
	file_put("batches.meta.txt", "a\n", 2);
	sha_of("batches.meta.txt", hex);
	json_array_append_new(files, json_pack("{s:s,s:s,s:s}", "name",
	    "batches.meta.txt", "sha256", hex, "role", "meta"));
	return files;
}

/* Val: images 2, 9, 20, 34; train: the other 31. */
static const uint32_t val_idx[4] = { 2, 9, 20, 34 };

static json_t *
split_make(const char *idxname)
{
	uint32_t tr[NTRAIN], ntr = 0, g, j;
	char hex[SHA256_HEX_LEN + 1], *ip = path_of(idxname);
	uint8_t *b;
	size_t len;
	json_t *m;

	for (g = 0; g < NTRAIN; g++) {
		for (j = 0; j < 4 && val_idx[j] != g; j++)
			continue;
		if (j == 4)
			tr[ntr++] = g;
	}
	b = index_bytes(tr, ntr, val_idx, 4, &len);
	file_put(idxname, b, len);
	sha256_hex(b, len, hex);
	free(b);
	m = json_pack("{s:s,s:s,s:o,s:{s:s,s:s},s:{s:{s:i},s:{s:i},s:{s:i}}}",
	    "type", "cifar-split", "directory", dir, "files", data_write(),
	    "index", "path", ip, "sha256", hex,
	    "splits", "train", "n", 31, "val", "n", 4, "test", "n", NTEST);
	free(ip);
	return m;
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_cifar.XXXXXX",
	    t != NULL ? t : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return remove_tree(dir);
}

static void
assert_empty(const struct cifar_set *s)
{
	assert_int_equal(s->n, 0);
	assert_null(s->images);
	assert_null(s->labels);
	assert_null(s->index);
}

static void
test_read_batch(void **state)
{
	struct cifar_set s;
	char err[256], *p;
	uint32_t i, k;

	(void)state;
	json_decref(data_write());
	p = path_of("data_batch_2.bin");
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 8);
	for (i = 0; i < s.n; i++) {
		assert_int_equal(s.index[i], i);
		assert_int_equal(s.labels[i], train_label(7 + i));
		for (k = 0; k < CIFAR_IMG_BYTES; k++)
			assert_int_equal(s.images[i * CIFAR_IMG_BYTES + k],
			    train_pixel(7 + i, k));
	}
	cifar_free(&s);
	assert_empty(&s);
	cifar_free(&s);			/* twice is harmless */
	free(p);
}

static void
test_read_batch_bad(void **state)
{
	uint8_t rec[2 * CIFAR_REC_BYTES];
	struct cifar_set s;
	char err[256], *p;

	(void)state;
	memset(rec, 0, sizeof(rec));
	p = path_of("bad.bin");
	/* A record not 3073 bytes. */
	file_put("bad.bin", rec, CIFAR_REC_BYTES + 3072);
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), -1);
	assert_empty(&s);
	assert_non_null(strstr(err, "bad.bin: 6145 bytes is not a whole "
	    "number of 3073-byte records"));
	/* A label above 9, in the second record. */
	rec[CIFAR_REC_BYTES] = 10;
	file_put("bad.bin", rec, sizeof(rec));
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "record 1: label 10 is not 0..9"));
	rec[CIFAR_REC_BYTES] = 9;
	file_put("bad.bin", rec, sizeof(rec));
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.labels[1], 9);
	cifar_free(&s);
	file_put("bad.bin", "", 0);
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	free(p);
	p = path_of("none.bin");
	assert_int_equal(cifar_read_batch(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "none.bin: No such file or directory"));
	free(p);
	assert_int_equal(cifar_read_batch(dir, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void
test_check_batch_counts(void **state)
{
	uint8_t buf[5 * CIFAR_REC_BYTES];
	uint32_t pc[CIFAR_NCLASS] = { 0 };
	char err[128];
	int i;

	(void)state;
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 5; i++)
		buf[i * CIFAR_REC_BYTES] = (uint8_t)(i == 4 ? 7 : 3);
	assert_int_equal(cifar_check_batch(buf, sizeof(buf), "x", pc, err,
	    sizeof(err)), 0);
	assert_int_equal(pc[3], 4);
	assert_int_equal(pc[7], 1);
	assert_int_equal(pc[0], 0);
}

static void
test_index_format(void **state)
{
	static const uint32_t tr[3] = { 0, 1, 70000 }, va[2] = { 5, 65536 };
	uint32_t *t, *v, nt, nv;
	uint8_t *enc, *hand;
	size_t elen, hlen;
	char err[256];

	(void)state;
	enc = cifar_index_encode(tr, 3, va, 2, &elen);
	hand = index_bytes(tr, 3, va, 2, &hlen);
	assert_int_equal(elen, 36);
	assert_int_equal(hlen, elen);
	assert_memory_equal(enc, hand, elen);
	/* 65536 is 00 00 01 00 little-endian, at offset 16 + 4 * 4. */
	assert_int_equal(enc[32], 0);
	assert_int_equal(enc[34], 1);
	assert_int_equal(cifar_index_decode(enc, elen, 70001, &t, &nt, &v,
	    &nv, err, sizeof(err)), 0);
	assert_int_equal(nt, 3);
	assert_int_equal(nv, 2);
	assert_memory_equal(t, tr, sizeof(tr));
	assert_memory_equal(v, va, sizeof(va));
	free(t);
	free(v);
	/* 70000 is not below a total of 70000. */
	assert_int_equal(cifar_index_decode(enc, elen, 70000, &t, &nt, &v,
	    &nv, err, sizeof(err)), -1);
	assert_null(t);
	assert_non_null(strstr(err, "beyond"));
	assert_int_equal(cifar_index_decode(enc, elen - 1, 70001, &t, &nt,
	    &v, &nv, err, sizeof(err)), -1);
	assert_int_equal(cifar_index_decode(enc, 10, 70001, &t, &nt, &v, &nv,
	    err, sizeof(err)), -1);
	enc[0] = 'X';
	assert_int_equal(cifar_index_decode(enc, elen, 70001, &t, &nt, &v,
	    &nv, err, sizeof(err)), -1);
	assert_string_equal(err, "not a split index file");
	free(enc);
	free(hand);
}

static void
test_index_bad_lists(void **state)
{
	static const uint32_t up[2] = { 4, 3 }, a[2] = { 1, 2 }, b[1] = { 2 };
	uint32_t *t, *v, nt, nv;
	uint8_t *buf;
	size_t len;
	char err[256];

	(void)state;
	buf = index_bytes(up, 2, NULL, 0, &len);	/* not ascending */
	assert_int_equal(cifar_index_decode(buf, len, 10, &t, &nt, &v, &nv,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not above"));
	free(buf);
	buf = index_bytes(a, 2, b, 1, &len);		/* 2 twice */
	assert_int_equal(cifar_index_decode(buf, len, 10, &t, &nt, &v, &nv,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "image 2 is in both train and val");
	free(buf);
	buf = index_bytes(a, 2, b, 1, &len);		/* 3 > total 2 */
	assert_int_equal(cifar_index_decode(buf, len, 2, &t, &nt, &v, &nv,
	    err, sizeof(err)), -1);
	free(buf);
	buf = index_bytes(NULL, 0, NULL, 0, &len);	/* empty is valid */
	assert_int_equal(cifar_index_decode(buf, len, 2, &t, &nt, &v, &nv,
	    err, sizeof(err)), 0);
	assert_int_equal(nt + nv, 0);
	free(t);
	free(v);
	free(buf);
}

static void
test_load_split(void **state)
{
	struct cifar_set tr, va, te;
	json_t *m = split_make("s.idx");
	uint32_t i, k, g, j;
	char err[256];

	(void)state;
	assert_int_equal(cifar_load_split(m, &tr, &va, &te, err,
	    sizeof(err)), 0);
	assert_int_equal(tr.n, 31);
	assert_int_equal(va.n, 4);
	assert_int_equal(te.n, NTEST);
	for (i = 0; i < va.n; i++) {
		assert_int_equal(va.index[i], val_idx[i]);
		assert_int_equal(va.labels[i], train_label(val_idx[i]));
		for (k = 0; k < CIFAR_IMG_BYTES; k++)
			assert_int_equal(va.images[i * CIFAR_IMG_BYTES + k],
			    train_pixel(val_idx[i], k));
	}
	for (i = 0, g = 0; i < tr.n; i++, g++) {
		for (j = 0; j < 4; j++)		/* skip the val images */
			if (g == val_idx[j])
				g++;
		assert_int_equal(tr.index[i], g);
		assert_int_equal(tr.labels[i], train_label(g));
		assert_int_equal(tr.images[i * CIFAR_IMG_BYTES + 100],
		    train_pixel(g, 100));
		assert_int_equal(tr.images[i * CIFAR_IMG_BYTES + 3071],
		    train_pixel(g, 3071));
	}
	for (i = 0; i < te.n; i++) {
		assert_int_equal(te.index[i], i);
		assert_int_equal(te.labels[i], test_label(i));
		assert_int_equal(te.images[i * CIFAR_IMG_BYTES + 7],
		    test_pixel(i, 7));
	}
	cifar_free(&tr);
	cifar_free(&va);
	cifar_free(&te);
	/* Any set may be skipped. */
	assert_int_equal(cifar_load_split(m, NULL, &va, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(va.n, 4);
	assert_int_equal(va.index[3], 34);
	cifar_free(&va);
	assert_int_equal(cifar_load_split(m, NULL, NULL, &te, err,
	    sizeof(err)), 0);
	assert_int_equal(te.n, NTEST);
	cifar_free(&te);
	json_decref(m);
}

static void
test_load_split_no_val(void **state)
{
	uint32_t all[NTRAIN], g;
	struct cifar_set tr, va;
	char hex[SHA256_HEX_LEN + 1], err[256], *ip;
	json_t *m = split_make("s0.idx");
	uint8_t *b;
	size_t len;

	(void)state;
	for (g = 0; g < NTRAIN; g++)
		all[g] = g;
	b = index_bytes(all, NTRAIN, NULL, 0, &len);
	file_put("s0.idx", b, len);
	sha256_hex(b, len, hex);
	free(b);
	ip = path_of("s0.idx");
	json_object_set_new(m, "index", json_pack("{s:s,s:s}", "path", ip,
	    "sha256", hex));
	json_object_del(m, "splits");
	assert_int_equal(cifar_load_split(m, &tr, &va, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(tr.n, NTRAIN);
	assert_int_equal(va.n, 0);
	assert_int_equal(tr.labels[34], train_label(34));
	cifar_free(&tr);
	cifar_free(&va);
	free(ip);
	json_decref(m);
}

static void
test_load_split_refuses(void **state)
{
	struct cifar_set tr, va, te;
	json_t *m = split_make("s.idx"), *bad;
	uint8_t one = 0;
	char err[256], *p;
	FILE *fp;

	(void)state;
	/* One byte changed in data_batch_3.bin after the manifest. */
	p = path_of("data_batch_3.bin");
	fp = fopen(p, "r+b");
	assert_non_null(fp);
	fseek(fp, 5000, SEEK_SET);
	assert_int_equal(fread(&one, 1, 1, fp), 1);
	one ^= 1;
	fseek(fp, 5000, SEEK_SET);
	fwrite(&one, 1, 1, fp);
	fclose(fp);
	assert_int_equal(cifar_load_split(m, &tr, &va, &te, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "data_batch_3.bin: sha256"));
	assert_empty(&tr);
	assert_empty(&va);
	assert_empty(&te);
	/* The test set alone does not need data_batch_3. */
	assert_int_equal(cifar_load_split(m, NULL, NULL, &te, err,
	    sizeof(err)), 0);
	cifar_free(&te);
	free(p);
	json_decref(m);

	/* A missing file. */
	m = split_make("s.idx");
	p = path_of("data_batch_5.bin");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(cifar_load_split(m, &tr, NULL, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "data_batch_5.bin: No such file"));
	free(p);
	json_decref(m);

	/* The index file's digest, and the counts, must match. */
	m = split_make("s.idx");
	bad = json_deep_copy(m);
	json_object_set_new(json_object_get(bad, "index"), "sha256",
	    json_string("0000000000000000000000000000000000000000000000000000"
	    "000000000000"));
	assert_int_equal(cifar_load_split(bad, &tr, &va, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "s.idx: sha256"));
	json_decref(bad);
	bad = json_deep_copy(m);
	json_object_set_new(json_object_get(json_object_get(bad, "splits"),
	    "val"), "n", json_integer(5));
	assert_int_equal(cifar_load_split(bad, &tr, &va, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "splits.val.n"));
	json_decref(bad);
	bad = json_deep_copy(m);
	json_object_del(bad, "index");
	assert_int_equal(cifar_load_split(bad, &tr, &va, &te, err,
	    sizeof(err)), -1);
	json_decref(bad);
	bad = json_string("x");
	assert_int_equal(cifar_load_split(bad, &tr, &va, &te, err,
	    sizeof(err)), -1);
	json_decref(bad);
	bad = json_deep_copy(m);	/* a name that leaves the directory */
	json_object_set_new(json_array_get(json_object_get(bad, "files"), 0),
	    "name", json_string("../data_batch_1.bin"));
	assert_int_equal(cifar_load_split(bad, &tr, &va, &te, err,
	    sizeof(err)), -1);
	json_decref(bad);
	json_decref(m);
}

static void
test_members(void **state)
{
	int i, j;

	(void)state;
	assert_string_equal(cifar_class_names[0], "airplane");
	assert_string_equal(cifar_class_names[9], "truck");
	for (i = 0; i < CIFAR_NMEMBER; i++) {
		assert_ptr_equal(cifar_member_find(cifar_members[i].name),
		    &cifar_members[i]);
		assert_int_equal(strlen(cifar_members[i].sha256), 64);
		for (j = 0; j < i; j++)
			assert_string_not_equal(cifar_members[i].name,
			    cifar_members[j].name);
	}
	assert_null(cifar_member_find("readme.html"));
	assert_null(cifar_member_find("../data_batch_1.bin"));
}

/* The built-in digests against the published list, when it is at hand. */
static void
test_member_sums(void **state)
{
	const char *shared = getenv("REPROKIT_SHARED");
	char line[256], hex[65], name[128], *p;
	int found = 0;
	FILE *fp;

	(void)state;
	if (shared == NULL) {
		skip();
		return;
	}
	p = xasprintf("%s/cifar-10/SHA256SUMS", shared);
	fp = fopen(p, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		const struct cifar_member *m;

		if (sscanf(line, "%64s %127s", hex, name) != 2)
			continue;
		if ((m = cifar_member_find(name)) == NULL)
			continue;
		assert_string_equal(m->sha256, hex);
		found++;
	}
	fclose(fp);
	free(p);
	assert_int_equal(found, CIFAR_NMEMBER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_batch),
		cmocka_unit_test(test_read_batch_bad),
		cmocka_unit_test(test_check_batch_counts),
		cmocka_unit_test(test_index_format),
		cmocka_unit_test(test_index_bad_lists),
		cmocka_unit_test(test_load_split),
		cmocka_unit_test(test_load_split_no_val),
		cmocka_unit_test(test_load_split_refuses),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_member_sums),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
