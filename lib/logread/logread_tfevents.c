/*
 * logread_tfevents.c: TensorBoard event files.  Reads TFRecord framing
 * (length, masked CRC-32C of the length, data, masked CRC-32C of the
 * data) and decodes just enough of the Event, Summary and TensorProto
 * protobuf messages, with a wire-format reader of its own, to get the
 * scalars: simple_value, and scalar tensors of the "scalars" plugin.
 * Damaged records are reported with their byte offset and skipped; a
 * short last record ends the file quietly, as TensorBoard itself does.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

#define TB_MAX_PLUGIN_TAGS	8192

/* Per-file memory of which tags carry the "scalars" plugin. */
struct tb_tag {
	char		*name;
	size_t		 len;
	int		 scalar;
};

struct tb {
	unsigned char	*rec;
	size_t		 reccap;
	struct tb_tag	*tags;
	size_t		 ntags, cap;
	long long	 nrec;
};

struct pb {
	const unsigned char *p, *end;
};

enum { DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_INT64 = 9,
	DT_BFLOAT16 = 14, DT_HALF = 19 };

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static double
f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, 4);
	return f;
}

static double
f64(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, 8);
	return d;
}

/* IEEE half precision bits to a double. */
static double
f16(unsigned h)
{
	int e = (h >> 10) & 0x1f;
	double m = h & 0x3ff, v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m == 0 ? INFINITY : NAN;
	else
		v = ldexp(m + 1024, e - 25);
	return h & 0x8000 ? -v : v;
}

static int
pb_varint(struct pb *b, uint64_t *v)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return -1;
		x |= (uint64_t)(*b->p & 0x7f) << shift;
		if (!(*b->p++ & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/*
 * The next field: its number and wire type; a varint or fixed value in
 * *v, a length-delimited one in *d and *n.  0 at the end, -1 if broken.
 */
static int
pb_next(struct pb *b, unsigned *field, int *wt, uint64_t *v,
    const unsigned char **d, size_t *n)
{
	uint64_t key, len;

	if (b->p >= b->end)
		return 0;
	if (pb_varint(b, &key) == -1 || (key >> 3) == 0 || key >> 32)
		return -1;
	*field = (unsigned)(key >> 3);
	*wt = (int)(key & 7);
	switch (*wt) {
	case 0:
		return pb_varint(b, v) == -1 ? -1 : 1;
	case 1:
		if (b->end - b->p < 8)
			return -1;
		*v = le64(b->p);
		b->p += 8;
		return 1;
	case 5:
		if (b->end - b->p < 4)
			return -1;
		*v = le32(b->p);
		b->p += 4;
		return 1;
	case 2:
		if (pb_varint(b, &len) == -1 ||
		    len > (uint64_t)(b->end - b->p))
			return -1;
		*d = b->p;
		*n = (size_t)len;
		b->p += len;
		return 1;
	}
	return -1;			/* groups (3, 4) and unknown types */
}

static struct tb_tag *
plugin_find(struct tb *st, const unsigned char *name, size_t len, int add)
{
	size_t i;

	for (i = 0; i < st->ntags; i++)
		if (st->tags[i].len == len &&
		    !memcmp(st->tags[i].name, name, len))
			return &st->tags[i];
	if (!add || st->ntags >= TB_MAX_PLUGIN_TAGS)
		return NULL;
	if (st->ntags == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->tags = xreallocarray(st->tags, st->cap, sizeof(*st->tags));
	}
	st->tags[st->ntags].name = xmalloc(len + 1);
	memcpy(st->tags[st->ntags].name, name, len);
	st->tags[st->ntags].len = len;
	st->tags[st->ntags].scalar = -1;
	return &st->tags[st->ntags++];
}

static void
plugin_free(struct tb *st)
{
	size_t i;

	for (i = 0; i < st->ntags; i++)
		free(st->tags[i].name);
	free(st->tags);
	st->tags = NULL;
	st->ntags = st->cap = 0;
}

/* SummaryMetadata: 1 for the scalars plugin, 0 for another, -1 none. */
static int
meta_scalar(const unsigned char *d, size_t n)
{
	struct pb b = { d, d + n }, c;
	const unsigned char *x, *name = NULL;
	size_t xn, namelen = 0;
	uint64_t v;
	unsigned f, g;
	int wt, rc, data_class = 0;

	while ((rc = pb_next(&b, &f, &wt, &v, &x, &xn)) == 1) {
		if (f == 1 && wt == 2) {
			c.p = x;
			c.end = x + xn;
			while (pb_next(&c, &g, &wt, &v, &x, &xn) == 1)
				if (g == 1 && wt == 2) {
					name = x;
					namelen = xn;
				}
		} else if (f == 4 && wt == 0)
			data_class = (int)v;
	}
	if (name != NULL && namelen > 0)
		return namelen == 7 && !memcmp(name, "scalars", 7);
	if (data_class != 0)
		return data_class == 1;
	return -1;
}

/* A scalar TensorProto's value; -1 if not a numeric scalar. */
static int
tensor_value(const unsigned char *d, size_t n, double *out)
{
	struct pb b = { d, d + n }, c;
	const unsigned char *x, *content = NULL;
	size_t xn, clen = 0;
	uint64_t v, first = 0;
	unsigned f, g;
	int wt, dtype = 0, dims = 0, have = 0, rc;
	enum { NONE, FV, DV, IV, I64, HV } kind = NONE;

	while ((rc = pb_next(&b, &f, &wt, &v, &x, &xn)) == 1) {
		switch (f) {
		case 1:
			dtype = wt == 0 ? (int)v : dtype;
			break;
		case 2:		/* TensorShapeProto: count dims > 1 */
			if (wt != 2)
				break;
			c.p = x;
			c.end = x + xn;
			while (pb_next(&c, &g, &wt, &v, &x, &xn) == 1)
				if (g == 2)
					dims++;
			break;
		case 4:
			if (wt == 2) {
				content = x;
				clen = xn;
			}
			break;
		case 5: case 6: case 7: case 10: case 13:
			if (have)
				break;
			kind = f == 5 ? FV : f == 6 ? DV : f == 7 ? IV :
			    f == 10 ? I64 : HV;
			if (wt == 2) {		/* packed */
				c.p = x;
				c.end = x + xn;
				if (kind == FV && xn >= 4)
					first = le32(x), have = 1;
				else if (kind == DV && xn >= 8)
					first = le64(x), have = 1;
				else if (kind != FV && kind != DV &&
				    pb_varint(&c, &first) == 0)
					have = 1;
			} else {
				first = v;
				have = 1;
			}
			break;
		}
	}
	if (rc == -1 || dims > 0)
		return -1;
	if (have) {
		switch (kind) {
		case FV:
			*out = f32((uint32_t)first);
			return 0;
		case DV:
			*out = f64(first);
			return 0;
		case IV:
			*out = (double)(int32_t)(uint32_t)first;
			return 0;
		case I64:
			*out = (double)(int64_t)first;
			return 0;
		case HV:
			*out = dtype == DT_BFLOAT16 ?
			    f32((uint32_t)(first & 0xffff) << 16) :
			    f16((unsigned)(first & 0xffff));
			return 0;
		case NONE:
			break;
		}
		return -1;
	}
	if (content == NULL)
		return -1;
	switch (dtype) {
	case DT_FLOAT:
		if (clen != 4)
			return -1;
		*out = f32(le32(content));
		return 0;
	case DT_DOUBLE:
		if (clen != 8)
			return -1;
		*out = f64(le64(content));
		return 0;
	case DT_INT32:
		if (clen != 4)
			return -1;
		*out = (double)(int32_t)le32(content);
		return 0;
	case DT_INT64:
		if (clen != 8)
			return -1;
		*out = (double)(int64_t)le64(content);
		return 0;
	case DT_HALF:
	case DT_BFLOAT16:
		if (clen != 2)
			return -1;
		v = (uint64_t)content[0] | (uint64_t)content[1] << 8;
		*out = dtype == DT_HALF ? f16((unsigned)v) :
		    f32((uint32_t)v << 16);
		return 0;
	}
	return -1;
}

/* One Summary.Value: push it if it is a scalar. */
static int
value_read(struct logreader *r, struct tb *st, const unsigned char *d,
    size_t n, long long step, double wall, long long off)
{
	struct pb b = { d, d + n };
	const unsigned char *x, *tag = NULL, *node = NULL, *tensor = NULL;
	const unsigned char *meta = NULL;
	size_t xn, taglen = 0, nodelen = 0, tensorlen = 0, metalen = 0;
	struct tb_tag *pt;
	uint64_t v;
	unsigned f;
	int wt, rc, have_simple = 0, scalar = -1;
	double val = 0;

	while ((rc = pb_next(&b, &f, &wt, &v, &x, &xn)) == 1) {
		if (f == 1 && wt == 2)
			tag = x, taglen = xn;
		else if (f == 7 && wt == 2)
			node = x, nodelen = xn;
		else if (f == 2 && wt == 5) {
			val = f32((uint32_t)v);
			have_simple = 1;
		} else if (f == 8 && wt == 2)
			tensor = x, tensorlen = xn;
		else if (f == 9 && wt == 2)
			meta = x, metalen = xn;
	}
	if (rc == -1)
		return -1;
	if (tag == NULL || taglen == 0) {
		tag = node;
		taglen = nodelen;
	}
	if (tag == NULL || taglen == 0)
		return 0;
	if (meta != NULL)
		scalar = meta_scalar(meta, metalen);
	pt = plugin_find(st, tag, taglen, scalar != -1);
	if (pt != NULL && scalar != -1)
		pt->scalar = scalar;
	else if (pt != NULL)
		scalar = pt->scalar;
	if (have_simple) {
		lr_push(r, (const char *)tag, taglen, step, NAN, val, wall,
		    off);
		return 0;
	}
	/* A tensor of another plugin (text, histograms, hparams) is not
	 * ours; one with no plugin said anywhere is taken if scalar. */
	if (tensor == NULL || scalar == 0)
		return 0;
	if (tensor_value(tensor, tensorlen, &val) == 0)
		lr_push(r, (const char *)tag, taglen, step, NAN, val, wall,
		    off);
	return 0;
}

/* An Event: wall_time 1, step 2, summary 5 (Summary.value 1). */
static int
event_read(struct logreader *r, struct tb *st, const unsigned char *d,
    size_t n, long long off)
{
	struct pb b = { d, d + n }, s;
	const unsigned char *x, *y;
	size_t xn, yn;
	uint64_t v;
	unsigned f, g;
	int wt, rc;
	long long step = 0;
	double wall = NAN;

	while ((rc = pb_next(&b, &f, &wt, &v, &x, &xn)) == 1) {
		if (f == 1 && wt == 1)
			wall = f64(v);
		else if (f == 2 && wt == 0)
			step = (long long)v;
	}
	if (rc == -1)
		return -1;
	b.p = d;
	while (pb_next(&b, &f, &wt, &v, &x, &xn) == 1) {
		if (f != 5 || wt != 2)
			continue;
		s.p = x;
		s.end = x + xn;
		while ((rc = pb_next(&s, &g, &wt, &v, &y, &yn)) == 1)
			if (g == 1 && wt == 2 &&
			    value_read(r, st, y, yn, step, wall, off) == -1)
				return -1;
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* A plausible record header at the input's position? */
static int
header_ok(struct lr_in *in)
{
	const unsigned char *p;

	if (lr_in_peek(in, 12, &p) < 12)
		return 0;
	return lr_crc_mask(lr_crc32c(p, 8)) == le32(p + 8);
}

static int
tb_more(struct logreader *r)
{
	struct tb *st = r->st;
	const unsigned char *p;
	unsigned char hdr[12], crc[4];
	uint64_t len;
	long long off = r->in.off, skipped;
	size_t got, keep;

	got = lr_in_peek(&r->in, 12, &p);
	if (got == 0)
		return 0;
	if (got < 12)
		return 0;		/* a short last record: normal */
	if (!header_ok(&r->in)) {
		/* Find the next header whose CRC holds. */
		for (skipped = 0; lr_in_skip(&r->in, 1) == 1; skipped++)
			if (header_ok(&r->in))
				break;
		lr_warn(r, "%s: offset %lld: bad length CRC; %lld bytes "
		    "skipped to the next good record", r->curpath, off,
		    skipped + 1);
		return 1;
	}
	lr_in_read(&r->in, hdr, 12);
	len = le64(hdr);
	if (len > LOGREAD_MAX_RECORD) {
		if (lr_in_skip(&r->in, len + 4 < len ? len : len + 4) <
		    len + 4)
			lr_warn(r, "%s: offset %lld: record length %llu runs "
			    "past the end of the file", r->curpath, off,
			    (unsigned long long)len);
		return 1;	/* a big graph or image: not ours */
	}
	if (len > st->reccap) {
		st->reccap = len + 1024;
		st->rec = xrealloc(st->rec, st->reccap);
	}
	if (lr_in_read(&r->in, st->rec, len) < len ||
	    lr_in_read(&r->in, crc, 4) < 4)
		return 0;		/* truncated last record */
	st->nrec++;
	if (lr_crc_mask(lr_crc32c(st->rec, len)) != le32(crc)) {
		lr_warn(r, "%s: offset %lld: bad data CRC, record skipped",
		    r->curpath, off);
		return 1;
	}
	keep = r->nq;
	if (event_read(r, st, st->rec, len, off) == -1) {
		r->nq = keep;	/* all of the record or none of it */
		lr_warn(r, "%s: offset %lld: malformed Event, record "
		    "skipped", r->curpath, off);
	}
	return 1;
}

static int
tb_begin(struct logreader *r)
{
	struct tb *st = r->st;

	plugin_free(st);
	st->nrec = 0;
	return 0;
}

static void
tb_fini(struct logreader *r)
{
	struct tb *st = r->st;

	if (st == NULL)
		return;
	plugin_free(st);
	free(st->rec);
	free(st);
	r->st = NULL;
}

int
lr_setup_tfevents(struct logreader *r)
{
	struct tb *st;

	st = xcalloc(1, sizeof(*st));
	/* Never NULL, even for an empty first record. */
	st->reccap = 1024;
	st->rec = xmalloc(st->reccap);
	r->st = st;
	r->begin = tb_begin;
	r->more = tb_more;
	r->fini = tb_fini;
	return 0;
}
