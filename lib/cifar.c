/*
 * cifar.c: reads CIFAR-10 batch files and split index files, and loads the
 * train, val and test sets a cifar-split manifest describes, checking every
 * file against the sha256 the manifest records.  It writes nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cifar.h"
#include "hash.h"
#include "jsonio.h"
#include "util.h"

const char *const cifar_class_names[CIFAR_NCLASS] = {
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck"
};

/* SHA-256 of the official members (checked against the published lists). */
const struct cifar_member cifar_members[CIFAR_NMEMBER] = {
	{ "data_batch_1.bin",
	  "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
	  10000, "train" },
	{ "data_batch_2.bin",
	  "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
	  10000, "train" },
	{ "data_batch_3.bin",
	  "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
	  10000, "train" },
	{ "data_batch_4.bin",
	  "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
	  10000, "train" },
	{ "data_batch_5.bin",
	  "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
	  10000, "train" },
	{ "test_batch.bin",
	  "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
	  10000, "test" },
	{ "batches.meta.txt",
	  "558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033",
	  0, "meta" }
};

/* Where each training image goes while a split is loaded. */
enum { DEST_NONE, DEST_TRAIN, DEST_VAL };

const struct cifar_member *
cifar_member_find(const char *name)
{
	int i;

	for (i = 0; i < CIFAR_NMEMBER; i++)
		if (strcmp(cifar_members[i].name, name) == 0)
			return &cifar_members[i];
	return NULL;
}

int
cifar_slurp(const char *path, long max, uint8_t **bufp, size_t *lenp,
    char *sha256, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t len, got = 0;
	ssize_t n;
	int fd;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %ld "
		    "allowed", path, (long long)st.st_size, max);
		close(fd);
		return -1;
	}
	len = (size_t)st.st_size;
	buf = xmalloc(len);
	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, n == 0 ?
			    "file shrank while being read" : strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	if (sha256 != NULL)
		sha256_hex(buf, len, sha256);
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
cifar_check_batch(const uint8_t *buf, size_t len, const char *name,
    uint32_t per_class[CIFAR_NCLASS], char *err, size_t errlen)
{
	size_t i, n;

	if (len == 0) {
		snprintf(err, errlen, "%s: empty batch file", name);
		return -1;
	}
	if (len % CIFAR_REC_BYTES != 0) {
		snprintf(err, errlen, "%s: %zu bytes is not a whole number of "
		    "%d-byte records", name, len, CIFAR_REC_BYTES);
		return -1;
	}
	n = len / CIFAR_REC_BYTES;
	for (i = 0; i < n; i++) {
		uint8_t label = buf[i * CIFAR_REC_BYTES];

		if (label >= CIFAR_NCLASS) {
			snprintf(err, errlen, "%s: record %zu: label %u is "
			    "not 0..9", name, i, label);
			return -1;
		}
		if (per_class != NULL)
			per_class[label]++;
	}
	return 0;
}

static void
set_alloc(struct cifar_set *s, uint32_t n)
{
	s->n = n;
	s->images = xreallocarray(NULL, n, CIFAR_IMG_BYTES);
	s->labels = xmalloc(n);
	s->index = xreallocarray(NULL, n, sizeof(uint32_t));
}

static void
set_put(struct cifar_set *s, uint32_t at, const uint8_t *rec, uint32_t idx)
{
	s->labels[at] = rec[0];
	memcpy(s->images + (size_t)at * CIFAR_IMG_BYTES, rec + 1,
	    CIFAR_IMG_BYTES);
	s->index[at] = idx;
}

void
cifar_free(struct cifar_set *s)
{
	if (s == NULL)
		return;
	free(s->images);
	free(s->labels);
	free(s->index);
	memset(s, 0, sizeof(*s));
}

int
cifar_read_batch(const char *path, struct cifar_set *s, char *err,
    size_t errlen)
{
	uint8_t *buf;
	size_t len;
	uint32_t i, n;

	memset(s, 0, sizeof(*s));
	if (cifar_slurp(path, CIFAR_BATCH_MAX, &buf, &len, NULL, err,
	    errlen) != 0)
		return -1;
	if (cifar_check_batch(buf, len, path, NULL, err, errlen) != 0) {
		free(buf);
		return -1;
	}
	n = (uint32_t)(len / CIFAR_REC_BYTES);
	set_alloc(s, n);
	for (i = 0; i < n; i++)
		set_put(s, i, buf + (size_t)i * CIFAR_REC_BYTES, i);
	free(buf);
	return 0;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

uint8_t *
cifar_index_encode(const uint32_t *train, uint32_t ntrain,
    const uint32_t *val, uint32_t nval, size_t *len)
{
	uint8_t *buf, *p;
	uint32_t i;

	*len = CIFAR_IDX_HEADER + 4 * ((size_t)ntrain + nval);
	p = buf = xmalloc(*len);
	memcpy(p, CIFAR_IDX_MAGIC, 8);
	put_u32(p + 8, ntrain);
	put_u32(p + 12, nval);
	p += CIFAR_IDX_HEADER;
	for (i = 0; i < ntrain; i++, p += 4)
		put_u32(p, train[i]);
	for (i = 0; i < nval; i++, p += 4)
		put_u32(p, val[i]);
	return buf;
}

/* Decode one ascending list, marking each index in seen[]. */
static int
index_list(const uint8_t *p, uint32_t n, uint32_t total, uint8_t *seen,
    uint32_t *out, const char *what, char *err, size_t errlen)
{
	uint32_t i, v;

	for (i = 0; i < n; i++, p += 4) {
		v = get_u32(p);
		if (v >= total) {
			snprintf(err, errlen, "%s index %u is %u, beyond the "
			    "%u training images", what, i, v, total);
			return -1;
		}
		if (i > 0 && v <= out[i - 1]) {
			snprintf(err, errlen, "%s index %u is not above the "
			    "one before it", what, i);
			return -1;
		}
		if (seen[v]) {
			snprintf(err, errlen, "image %u is in both train and "
			    "val", v);
			return -1;
		}
		seen[v] = 1;
		out[i] = v;
	}
	return 0;
}

int
cifar_index_decode(const uint8_t *buf, size_t len, uint32_t total,
    uint32_t **trainp, uint32_t *ntrainp, uint32_t **valp, uint32_t *nvalp,
    char *err, size_t errlen)
{
	uint32_t ntrain, nval, *train, *val;
	uint8_t *seen;
	int rc;

	*trainp = *valp = NULL;
	*ntrainp = *nvalp = 0;
	if (len < CIFAR_IDX_HEADER || memcmp(buf, CIFAR_IDX_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a split index file");
		return -1;
	}
	ntrain = get_u32(buf + 8);
	nval = get_u32(buf + 12);
	if ((uint64_t)ntrain + nval > total ||
	    len != CIFAR_IDX_HEADER + 4 * ((size_t)ntrain + nval)) {
		snprintf(err, errlen, "index file of %zu bytes does not hold "
		    "%u + %u indices of %u images", len, ntrain, nval, total);
		return -1;
	}
	train = xreallocarray(NULL, ntrain, sizeof(uint32_t));
	val = xreallocarray(NULL, nval, sizeof(uint32_t));
	seen = xcalloc(total, 1);
	rc = index_list(buf + CIFAR_IDX_HEADER, ntrain, total, seen, train,
	    "train", err, errlen);
	if (rc == 0)
		rc = index_list(buf + CIFAR_IDX_HEADER + 4 * (size_t)ntrain,
		    nval, total, seen, val, "val", err, errlen);
	free(seen);
	if (rc != 0) {
		free(train);
		free(val);
		return -1;
	}
	*trainp = train;
	*ntrainp = ntrain;
	*valp = val;
	*nvalp = nval;
	return 0;
}

/* A data file named in a manifest. */
struct mfile {
	char		*path;
	const char	*name;
	const char	*sha256;
};

struct mfiles {
	struct mfile	 train[16];
	int		 ntrain;
	struct mfile	 test[4];
	int		 ntest;
};

static void
mfiles_free(struct mfiles *m)
{
	int i;

	for (i = 0; i < m->ntrain; i++)
		free(m->train[i].path);
	for (i = 0; i < m->ntest; i++)
		free(m->test[i].path);
}

/* Collect the train and test files of a manifest, in manifest order. */
static int
mfiles_get(json_t *man, struct mfiles *m, char *err, size_t errlen)
{
	const char *dir, *name, *sha, *role;
	json_t *files, *f;
	struct mfile *mf;
	size_t i;

	memset(m, 0, sizeof(*m));
	dir = json_get_str(man, "directory");
	files = json_object_get(man, "files");
	if (dir == NULL || !json_is_array(files)) {
		snprintf(err, errlen, "split manifest: no \"directory\" or "
		    "\"files\"");
		return -1;
	}
	json_array_foreach(files, i, f) {
		name = json_get_str(f, "name");
		sha = json_get_str(f, "sha256");
		role = json_get_str(f, "role");
		if (name == NULL || role == NULL || *name == '\0' ||
		    strchr(name, '/') != NULL || sha == NULL ||
		    strlen(sha) != SHA256_HEX_LEN) {
			snprintf(err, errlen, "split manifest: files[%zu]: "
			    "needs a plain name, a role and a sha256", i);
			goto fail;
		}
		if (strcmp(role, "train") == 0 && m->ntrain < 16)
			mf = &m->train[m->ntrain++];
		else if (strcmp(role, "test") == 0 && m->ntest < 4)
			mf = &m->test[m->ntest++];
		else if (strcmp(role, "train") == 0 ||
		    strcmp(role, "test") == 0) {
			snprintf(err, errlen, "split manifest: too many %s "
			    "files", role);
			goto fail;
		} else
			continue;
		mf->path = xasprintf("%s/%s", dir, name);
		mf->name = name;
		mf->sha256 = sha;
	}
	if (m->ntrain == 0 || m->ntest == 0) {
		snprintf(err, errlen, "split manifest: needs train and test "
		    "files");
		goto fail;
	}
	return 0;
fail:
	mfiles_free(m);
	return -1;
}

/* Read a file of the manifest, check its digest, records and labels. */
static int
load_checked(const struct mfile *mf, uint8_t **buf, size_t *len,
    char *err, size_t errlen)
{
	char hex[SHA256_HEX_LEN + 1];

	if (cifar_slurp(mf->path, CIFAR_BATCH_MAX, buf, len, hex, err,
	    errlen) != 0)
		return -1;
	if (strcmp(hex, mf->sha256) != 0) {
		snprintf(err, errlen, "%s: sha256 %s, the manifest says %s",
		    mf->path, hex, mf->sha256);
		goto fail;
	}
	if (cifar_check_batch(*buf, *len, mf->path, NULL, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	free(*buf);
	*buf = NULL;
	return -1;
}

static int
load_test(const struct mfiles *m, struct cifar_set *test, char *err,
    size_t errlen)
{
	uint8_t *buf[4];
	size_t len[4], j;
	uint32_t n = 0, at = 0;
	int i, k;

	for (i = 0; i < m->ntest; i++) {
		if (load_checked(&m->test[i], &buf[i], &len[i], err,
		    errlen) != 0) {
			for (k = 0; k < i; k++)
				free(buf[k]);
			return -1;
		}
		n += (uint32_t)(len[i] / CIFAR_REC_BYTES);
	}
	set_alloc(test, n);
	for (i = 0; i < m->ntest; i++) {
		for (j = 0; j < len[i] / CIFAR_REC_BYTES; j++, at++)
			set_put(test, at, buf[i] + j * CIFAR_REC_BYTES, at);
		free(buf[i]);
	}
	return 0;
}

/* Total training records, from the file sizes. */
static int
train_total(const struct mfiles *m, uint32_t *total, char *err,
    size_t errlen)
{
	struct stat st;
	uint64_t n = 0;
	int i;

	for (i = 0; i < m->ntrain; i++) {
		if (stat(m->train[i].path, &st) == -1) {
			snprintf(err, errlen, "%s: %s", m->train[i].path,
			    strerror(errno));
			return -1;
		}
		if (st.st_size % CIFAR_REC_BYTES != 0 || st.st_size == 0 ||
		    st.st_size > CIFAR_BATCH_MAX) {
			snprintf(err, errlen, "%s: %lld bytes is not a whole "
			    "number of %d-byte records", m->train[i].path,
			    (long long)st.st_size, CIFAR_REC_BYTES);
			return -1;
		}
		n += (uint64_t)st.st_size / CIFAR_REC_BYTES;
	}
	*total = (uint32_t)n;
	return 0;
}

/* Read and check the index file the manifest names. */
static int
load_index(json_t *man, uint32_t total, uint32_t **tr, uint32_t *ntr,
    uint32_t **va, uint32_t *nva, char *err, size_t errlen)
{
	char hex[SHA256_HEX_LEN + 1], sub[256];
	const char *path, *sha;
	json_t *idx = json_object_get(man, "index");
	uint8_t *buf;
	size_t len;
	int rc;

	path = json_get_str(idx, "path");
	sha = json_get_str(idx, "sha256");
	if (path == NULL || sha == NULL) {
		snprintf(err, errlen, "split manifest: no \"index\" with "
		    "\"path\" and \"sha256\"");
		return -1;
	}
	if (cifar_slurp(path, CIFAR_IDX_HEADER + 4L * total, &buf, &len, hex,
	    err, errlen) != 0)
		return -1;
	if (strcmp(hex, sha) != 0) {
		snprintf(err, errlen, "%s: sha256 %s, the manifest says %s",
		    path, hex, sha);
		free(buf);
		return -1;
	}
	rc = cifar_index_decode(buf, len, total, tr, ntr, va, nva, sub,
	    sizeof(sub));
	free(buf);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, sub);
	return rc;
}

/* Check a split's size against "splits" in the manifest, when present. */
static int
check_count(json_t *man, const char *split, uint32_t n, char *err,
    size_t errlen)
{
	json_t *s = json_object_get(json_object_get(man, "splits"), split);
	long long want;

	if (s == NULL)
		return 0;
	if (json_get_int(s, "n", &want) != 0 || want != (long long)n) {
		snprintf(err, errlen, "split manifest: splits.%s.n does not "
		    "match the index file's %u", split, n);
		return -1;
	}
	return 0;
}

/* Read the training files once, sending each image to train or val. */
static int
load_trainval(const struct mfiles *m, uint32_t total, const uint32_t *tr,
    uint32_t ntr, const uint32_t *va, uint32_t nva, struct cifar_set *train,
    struct cifar_set *val, char *err, size_t errlen)
{
	uint8_t *dest, *buf;
	uint32_t *pos, i, base = 0, g;
	size_t len, j;
	int f;

	dest = xcalloc(total, 1);
	pos = xreallocarray(NULL, total, sizeof(uint32_t));
	for (i = 0; i < ntr; i++) {
		dest[tr[i]] = train != NULL ? DEST_TRAIN : DEST_NONE;
		pos[tr[i]] = i;
	}
	for (i = 0; i < nva; i++) {
		dest[va[i]] = val != NULL ? DEST_VAL : DEST_NONE;
		pos[va[i]] = i;
	}
	if (train != NULL)
		set_alloc(train, ntr);
	if (val != NULL)
		set_alloc(val, nva);
	for (f = 0; f < m->ntrain; f++) {
		if (load_checked(&m->train[f], &buf, &len, err, errlen) != 0)
			goto fail;
		for (j = 0; j < len / CIFAR_REC_BYTES; j++) {
			g = base + (uint32_t)j;
			if (g >= total)
				break;
			if (dest[g] == DEST_TRAIN)
				set_put(train, pos[g], buf +
				    j * CIFAR_REC_BYTES, g);
			else if (dest[g] == DEST_VAL)
				set_put(val, pos[g], buf +
				    j * CIFAR_REC_BYTES, g);
		}
		base += (uint32_t)(len / CIFAR_REC_BYTES);
		free(buf);
	}
	if (base != total) {
		snprintf(err, errlen, "training files changed while being "
		    "read");
		goto fail;
	}
	free(dest);
	free(pos);
	return 0;
fail:
	free(dest);
	free(pos);
	cifar_free(train);
	cifar_free(val);
	return -1;
}

int
cifar_load_split(json_t *man, struct cifar_set *train, struct cifar_set *val,
    struct cifar_set *test, char *err, size_t errlen)
{
	struct mfiles m;
	uint32_t total, *tr = NULL, *va = NULL, ntr = 0, nva = 0;
	int rc = -1;

	if (train != NULL)
		memset(train, 0, sizeof(*train));
	if (val != NULL)
		memset(val, 0, sizeof(*val));
	if (test != NULL)
		memset(test, 0, sizeof(*test));
	if (!json_is_object(man)) {
		snprintf(err, errlen, "split manifest: not a JSON object");
		return -1;
	}
	if (mfiles_get(man, &m, err, errlen) != 0)
		return -1;
	if (train_total(&m, &total, err, errlen) != 0 ||
	    load_index(man, total, &tr, &ntr, &va, &nva, err, errlen) != 0 ||
	    check_count(man, "train", ntr, err, errlen) != 0 ||
	    check_count(man, "val", nva, err, errlen) != 0)
		goto out;
	if ((train != NULL || val != NULL) && load_trainval(&m, total, tr,
	    ntr, va, nva, train, val, err, errlen) != 0)
		goto out;
	if (test != NULL) {
		if (load_test(&m, test, err, errlen) != 0 ||
		    check_count(man, "test", test->n, err, errlen) != 0) {
			cifar_free(train);
			cifar_free(val);
			cifar_free(test);
			goto out;
		}
	}
	rc = 0;
out:
	free(tr);
	free(va);
	mfiles_free(&m);
	return rc;
}
