/*
 * ckpt.c: writing and checking checkpoint files (format in ckpt.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "hash.h"
#include "util.h"
#include "nn/ckpt.h"

#define FIXED	24	/* magic, version, header and payload lengths */
#define TRAILER	SHA256_HEX_LEN

static const char *type_names[] = { "f32", "f64", "u32", "u64" };
static const size_t type_sizes[] = { 4, 8, 4, 8 };

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void
ckpt_begin(struct ckpt *ck, json_t *hdr)
{
	memset(ck, 0, sizeof(*ck));
	ck->hdr = hdr;
}

void
ckpt_add(struct ckpt *ck, const char *name, enum ckpt_type type,
    const void *src, size_t count)
{
	struct ckpt_section *s;
	size_t sz = type_sizes[type], need = ck->len + count * sz, i;
	uint32_t u32;
	uint64_t u64;

	if (ck->nsec == CKPT_MAX_SECTIONS)
		die("too many checkpoint sections");
	if (need > ck->cap) {
		ck->cap = need > 2 * ck->cap ? need : 2 * ck->cap;
		ck->buf = xrealloc(ck->buf, ck->cap);
	}
	s = &ck->sec[ck->nsec++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->type = type;
	s->count = count;
	s->off = ck->len;
	for (i = 0; i < count; i++) {
		if (sz == 4)
			memcpy(&u32, (const uint8_t *)src + 4 * i, 4);
		else
			memcpy(&u64, (const uint8_t *)src + 8 * i, 8);
		put_le(ck->buf + ck->len + i * sz, sz == 4 ? u32 : u64,
		    (int)sz);
	}
	ck->len = need;
}

int
ckpt_write(struct ckpt *ck, const char *path)
{
	json_t *secs = json_array(), *hdr = json_deep_copy(ck->hdr);
	char *text;
	uint8_t *file;
	size_t hlen, flen;
	int i, rc;

	for (i = 0; i < ck->nsec; i++)
		json_array_append_new(secs, json_pack("{s:s,s:s,s:I}", "name",
		    ck->sec[i].name, "type", type_names[ck->sec[i].type],
		    "count", (json_int_t)ck->sec[i].count));
	json_object_set_new(hdr, "sections", secs);
	text = json_dumps(hdr, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(hdr);
	if (text == NULL)
		die("cannot encode a checkpoint header");
	hlen = strlen(text);
	flen = FIXED + hlen + ck->len + TRAILER;
	file = xmalloc(flen);
	memcpy(file, CKPT_MAGIC, 8);
	put_le(file + 8, CKPT_VERSION, 4);
	put_le(file + 12, hlen, 4);
	put_le(file + 16, ck->len, 8);
	memcpy(file + FIXED, text, hlen);
	memcpy(file + FIXED + hlen, ck->buf, ck->len);
	sha256_hex(file, flen - TRAILER, (char *)ck->sha256);
	memcpy(file + flen - TRAILER, ck->sha256, TRAILER);
	sha256_hex(file, flen, ck->sha256);
	rc = write_file_atomic(path, file, flen);
	free(text);
	free(file);
	return rc;
}

static int
slurp(const char *path, uint8_t **buf, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CKPT_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a checkpoint (%s)", path,
		    S_ISREG(st.st_mode) ? "too large" : "not a regular file");
		close(fd);
		return -1;
	}
	*buf = xmalloc(st.st_size > 0 ? st.st_size : 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *buf + got, st.st_size - got)) > 0)
		got += n;
	close(fd);
	if (got != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read error", path);
		free(*buf);
		return -1;
	}
	*len = got;
	return 0;
}

/* The header's section list, checked against the payload length. */
static int
parse_sections(struct ckpt *ck, const char *path, char *err, size_t errlen)
{
	json_t *secs = json_object_get(ck->hdr, "sections"), *s;
	const char *name, *type;
	json_int_t count;
	size_t i, off = 0;
	int t;

	if (!json_is_array(secs) || json_array_size(secs) > CKPT_MAX_SECTIONS)
		goto bad;
	json_array_foreach(secs, i, s) {
		if (json_unpack(s, "{s:s,s:s,s:I}", "name", &name, "type",
		    &type, "count", &count) != 0 || count < 0 ||
		    strlen(name) >= sizeof(ck->sec[0].name))
			goto bad;
		for (t = 0; t < 4 && strcmp(type, type_names[t]) != 0; t++)
			;
		if (t == 4 || (size_t)count > (ck->len - off) /
		    type_sizes[t])
			goto bad;
		snprintf(ck->sec[i].name, sizeof(ck->sec[i].name), "%s",
		    name);
		ck->sec[i].type = t;
		ck->sec[i].count = count;
		ck->sec[i].off = off;
		off += count * type_sizes[t];
	}
	ck->nsec = (int)json_array_size(secs);
	if (off == ck->len)
		return 0;
bad:
	snprintf(err, errlen, "%s: corrupt checkpoint header (sections)",
	    path);
	return -1;
}

int
ckpt_read(struct ckpt *ck, const char *path, char *err, size_t errlen)
{
	uint8_t *file;
	size_t len;
	uint64_t hlen, plen;
	char sum[SHA256_HEX_LEN + 1];
	json_error_t je;

	memset(ck, 0, sizeof(*ck));
	if (slurp(path, &file, &len, err, errlen) == -1)
		return -1;
	if (len < 8 || memcmp(file, CKPT_MAGIC, 8) != 0) {
		snprintf(err, errlen, "%s: not an rn-train checkpoint", path);
		goto fail;
	}
	if (len < FIXED + TRAILER) {
		snprintf(err, errlen, "%s: truncated checkpoint", path);
		goto fail;
	}
	if (get_le(file + 8, 4) != CKPT_VERSION) {
		snprintf(err, errlen, "%s: checkpoint format version %llu, "
		    "expected %d", path,
		    (unsigned long long)get_le(file + 8, 4), CKPT_VERSION);
		goto fail;
	}
	hlen = get_le(file + 12, 4);
	plen = get_le(file + 16, 8);
	if (hlen > len || plen > len || FIXED + hlen + plen + TRAILER != len) {
		snprintf(err, errlen, "%s: truncated or corrupt checkpoint "
		    "(%zu bytes; its header describes %llu)", path, len,
		    (unsigned long long)(FIXED + hlen + plen + TRAILER));
		goto fail;
	}
	sha256_hex(file, len - TRAILER, sum);
	if (memcmp(sum, file + len - TRAILER, TRAILER) != 0) {
		snprintf(err, errlen, "%s: checksum mismatch: the checkpoint "
		    "is corrupt", path);
		goto fail;
	}
	ck->hdr = json_loadb((const char *)file + FIXED, hlen, 0, &je);
	if (!json_is_object(ck->hdr)) {
		snprintf(err, errlen, "%s: corrupt checkpoint header", path);
		goto fail;
	}
	ck->len = ck->cap = plen;
	ck->buf = xmalloc(plen > 0 ? plen : 1);
	memcpy(ck->buf, file + FIXED + hlen, plen);
	sha256_hex(file, len, ck->sha256);
	free(file);
	return parse_sections(ck, path, err, errlen) == 0 ? 0 :
	    (ckpt_free(ck), -1);
fail:
	free(file);
	ckpt_free(ck);
	return -1;
}

int
ckpt_get(const struct ckpt *ck, const char *name, enum ckpt_type type,
    void *dst, size_t count, char *err, size_t errlen)
{
	const struct ckpt_section *s = NULL;
	size_t sz = type_sizes[type], i;
	uint32_t u32;
	uint64_t u64;
	int k;

	for (k = 0; k < ck->nsec; k++)
		if (strcmp(ck->sec[k].name, name) == 0)
			s = &ck->sec[k];
	if (s == NULL || s->type != type || s->count != count) {
		snprintf(err, errlen, "section %s: %s", name, s == NULL ?
		    "missing" : "wrong type or size");
		return -1;
	}
	for (i = 0; i < count; i++) {
		u64 = get_le(ck->buf + s->off + i * sz, (int)sz);
		if (sz == 4) {
			u32 = (uint32_t)u64;
			memcpy((uint8_t *)dst + 4 * i, &u32, 4);
		} else
			memcpy((uint8_t *)dst + 8 * i, &u64, 8);
	}
	return 0;
}

void
ckpt_free(struct ckpt *ck)
{
	json_decref(ck->hdr);
	free(ck->buf);
	ck->hdr = NULL;
	ck->buf = NULL;
	ck->len = ck->cap = 0;
	ck->nsec = 0;
}

void
ckpt_put_model(struct ckpt *ck, const struct resnet *r,
    const struct norm *nm)
{
	char sc[2] = { r->cfg.shortcut, 0 };

	json_object_set_new(ck->hdr, "model", json_pack(
	    "{s:s,s:i,s:i,s:s,s:i,s:I,s:I,s:s}", "arch", "cifar-resnet",
	    "depth", r->depth, "n", r->cfg.n, "shortcut", sc, "bn_groups",
	    r->cfg.bn_groups, "params", (json_int_t)r->nparams, "bn_stats",
	    (json_int_t)r->nstats, "normalize", norm_name(nm->mode)));
	ckpt_add(ck, "params", CKPT_F32, r->params, r->nparams);
	ckpt_add(ck, "bn_stats", CKPT_F32, r->stats, r->nstats);
	ckpt_add(ck, "norm_mean", CKPT_F32, nm->mean, CIFAR_IMG_BYTES);
	ckpt_add(ck, "norm_scale", CKPT_F32, nm->scale, 3);
}

int
ckpt_model_config(const struct ckpt *ck, struct resnet_config *cfg,
    char *err, size_t errlen)
{
	json_t *m = json_object_get(ck->hdr, "model");
	const char *arch, *sc;
	int n, depth, groups;

	if (json_unpack(m, "{s:s,s:i,s:i,s:s,s:i}", "arch", &arch, "depth",
	    &depth, "n", &n, "shortcut", &sc, "bn_groups", &groups) != 0 ||
	    strcmp(arch, "cifar-resnet") != 0 || n < 1 || n > 10000 ||
	    depth != resnet_depth(n) || (strcmp(sc, "A") != 0 &&
	    strcmp(sc, "B") != 0) || groups < 1 || groups > BN_MAX_GROUPS) {
		snprintf(err, errlen, "no valid model description");
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->n = n;
	cfg->shortcut = sc[0];
	cfg->bn_groups = groups;
	return 0;
}

int
ckpt_get_model(const struct ckpt *ck, struct resnet *r, struct norm *nm,
    char *err, size_t errlen)
{
	const char *mode = NULL;

	json_unpack(json_object_get(ck->hdr, "model"), "{s:s}", "normalize",
	    &mode);
	if (mode == NULL || (strcmp(mode, "channel") != 0 &&
	    strcmp(mode, "pixel") != 0)) {
		snprintf(err, errlen, "no valid normalisation");
		return -1;
	}
	memset(nm, 0, sizeof(*nm));
	nm->mode = strcmp(mode, "pixel") == 0 ? NORM_PIXEL : NORM_CHANNEL;
	if (ckpt_get(ck, "params", CKPT_F32, r->params, r->nparams, err,
	    errlen) == -1 || ckpt_get(ck, "bn_stats", CKPT_F32, r->stats,
	    r->nstats, err, errlen) == -1 || ckpt_get(ck, "norm_mean",
	    CKPT_F32, nm->mean, CIFAR_IMG_BYTES, err, errlen) == -1 ||
	    ckpt_get(ck, "norm_scale", CKPT_F32, nm->scale, 3, err,
	    errlen) == -1)
		return -1;
	return 0;
}
