/*
 * logread_hf.c: Hugging Face Trainer trainer_state.json.  The file is one
 * JSON document, so it is scanned as a stream: the top-level keys other
 * than log_history become the meta (values over 64 KiB are skipped), and
 * each log_history entry is cut out, parsed and handed on by itself.
 * Memory stays bounded by the largest entry, not the file.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

#define HF_MAX_META	65536

enum hf_state { HF_START, HF_KEYS, HF_HISTORY, HF_DONE };

struct hf {
	enum hf_state	 state;
	char		*buf;
	size_t		 len, cap;
	int		 over;
	long long	 entries;
};

static int
peekc(struct lr_in *in)
{
	const unsigned char *p;

	return lr_in_peek(in, 1, &p) == 1 ? *p : -1;
}

static int
getc_in(struct lr_in *in)
{
	unsigned char c;

	if (lr_in_read(in, &c, 1) != 1)
		return -1;
	if (c == '\n')
		in->lineno++;
	return c;
}

static int
skip_ws(struct lr_in *in)
{
	int c;

	while ((c = peekc(in)) != -1 && isspace(c))
		getc_in(in);
	return c;
}

static void
keep(struct hf *st, int c, size_t max)
{
	if (st->over || st->len + 2 > max) {
		st->over = 1;
		return;
	}
	if (st->len + 2 > st->cap) {
		st->cap = st->cap ? 2 * st->cap : 256;
		st->buf = xrealloc(st->buf, st->cap);
	}
	st->buf[st->len++] = (char)c;
	st->buf[st->len] = '\0';
}

/*
 * Copy one JSON value from the input into st->buf (at most max bytes;
 * st->over says it was longer).  Only the structure is followed here:
 * jansson checks the text afterwards.  -1 at a premature end.
 */
static int
grab_value(struct hf *st, struct lr_in *in, size_t max)
{
	int c, depth = 0, instr = 0, esc = 0;

	st->len = 0;
	st->over = 0;
	if (skip_ws(in) == -1)
		return -1;
	for (;;) {
		c = peekc(in);
		if (c == -1)
			return -1;
		if (instr) {
			getc_in(in);
			keep(st, c, max);
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"') {
				instr = 0;
				if (depth == 0)
					return 0;
			}
			continue;
		}
		if (depth == 0 && st->len > 0 && (c == ',' || c == '}' ||
		    c == ']' || isspace(c)))
			return 0;	/* end of a bare scalar */
		getc_in(in);
		keep(st, c, max);
		if (c == '"')
			instr = 1;
		else if (c == '{' || c == '[') {
			if (++depth > 64)
				return -1;
		} else if (c == '}' || c == ']') {
			if (--depth < 0)
				return -1;
			if (depth == 0)
				return 0;
		}
	}
}

static void
entry_points(struct logreader *r, json_t *o, long long line)
{
	const char *key;
	json_t *v;
	long long step = -1;
	double ep = NAN, d;

	v = json_object_get(o, "step");
	if (json_is_integer(v))
		step = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) ==
	    floor(json_real_value(v)) && fabs(json_real_value(v)) < 9e15)
		step = (long long)json_real_value(v);
	if (json_is_number(json_object_get(o, "epoch")))
		ep = json_number_value(json_object_get(o, "epoch"));
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "step") || !strcmp(key, "epoch"))
			continue;
		if (!json_is_number(v)) {
			lr_field(r, key);
			continue;
		}
		d = json_number_value(v);
		lr_push(r, key, strlen(key), step, ep, d, NAN, line);
	}
}

/* After a value: "," (more keys) or "}" (the end). */
static int
after_value(struct logreader *r, struct hf *st, int close)
{
	int c = skip_ws(&r->in);

	if (c == ',') {
		getc_in(&r->in);
		return 1;
	}
	if (c == close) {
		getc_in(&r->in);
		return 0;
	}
	if (c == -1)
		return -2;
	lr_fail(r, "%s:%lld: expected \",\" or \"%c\"", r->curpath,
	    r->in.lineno + 1, close);
	return -1;
}

static int
hf_key(struct logreader *r, struct hf *st)
{
	json_error_t je;
	json_t *k, *v;
	int c, rc;

	c = skip_ws(&r->in);
	if (c == '}') {
		getc_in(&r->in);
		st->state = HF_DONE;
		return 1;
	}
	if (c != '"' || grab_value(st, &r->in, 4096) == -1 || st->over)
		return lr_fail(r, "%s:%lld: expected a key", r->curpath,
		    r->in.lineno + 1);
	k = json_loadb(st->buf, st->len, JSON_DECODE_ANY, &je);
	if (!json_is_string(k)) {
		json_decref(k);
		return lr_fail(r, "%s:%lld: bad key", r->curpath,
		    r->in.lineno + 1);
	}
	if (skip_ws(&r->in) != ':') {
		json_decref(k);
		return lr_fail(r, "%s:%lld: expected \":\"", r->curpath,
		    r->in.lineno + 1);
	}
	getc_in(&r->in);
	if (!strcmp(json_string_value(k), "log_history")) {
		json_decref(k);
		if (skip_ws(&r->in) != '[')
			return lr_fail(r, "%s:%lld: log_history is not a "
			    "list", r->curpath, r->in.lineno + 1);
		getc_in(&r->in);
		st->state = HF_HISTORY;
		return 1;
	}
	lr_field(r, json_string_value(k));
	if (grab_value(st, &r->in, HF_MAX_META) == -1) {
		json_decref(k);
		lr_warn(r, "%s: ends inside the value of a key", r->curpath);
		st->state = HF_DONE;
		return 1;
	}
	if (!st->over && (v = json_loadb(st->buf, st->len, JSON_DECODE_ANY,
	    &je)) != NULL)
		json_object_set_new(r->meta, json_string_value(k), v);
	json_decref(k);
	rc = after_value(r, st, '}');
	if (rc == -1)
		return -1;
	if (rc != 1)
		st->state = HF_DONE;
	return 1;
}

static int
hf_entry(struct logreader *r, struct hf *st)
{
	json_error_t je;
	json_t *o;
	long long line;
	int c, rc;

	c = skip_ws(&r->in);
	if (c == ']') {
		getc_in(&r->in);
		rc = after_value(r, st, '}');
		if (rc == -1)
			return -1;
		st->state = rc == 1 ? HF_KEYS : HF_DONE;
		return 1;
	}
	line = r->in.lineno + 1;
	if (grab_value(st, &r->in, LOGREAD_MAX_LINE) == -1) {
		lr_warn(r, "%s:%lld: the file ends inside log_history",
		    r->curpath, line);
		st->state = HF_DONE;
		return 1;
	}
	o = st->over ? NULL : json_loadb(st->buf, st->len, 0, &je);
	if (!json_is_object(o))
		lr_warn(r, "%s:%lld: log_history entry is not a JSON object%s",
		    r->curpath, line, st->over ? " (too long)" : "");
	else {
		entry_points(r, o, line);
		st->entries++;
	}
	json_decref(o);
	rc = after_value(r, st, ']');
	if (rc == -1)
		return -1;
	if (rc == -2)
		st->state = HF_DONE;
	else if (rc == 0) {
		rc = after_value(r, st, '}');
		if (rc == -1)
			return -1;
		st->state = rc == 1 ? HF_KEYS : HF_DONE;
	}
	return 1;
}

static int
hf_more(struct logreader *r)
{
	struct hf *st = r->st;
	int c;

	switch (st->state) {
	case HF_START:
		c = skip_ws(&r->in);
		if (c == 0xef) {	/* a byte-order mark */
			getc_in(&r->in);
			getc_in(&r->in);
			getc_in(&r->in);
			c = skip_ws(&r->in);
		}
		if (c != '{')
			return lr_fail(r, "%s: not a JSON object (a "
			    "trainer_state.json starts with \"{\")",
			    r->curpath);
		getc_in(&r->in);
		st->state = HF_KEYS;
		return 1;
	case HF_KEYS:
		return hf_key(r, st);
	case HF_HISTORY:
		return hf_entry(r, st);
	case HF_DONE:
		break;
	}
	return 0;
}

static int
hf_begin(struct logreader *r)
{
	struct hf *st = r->st;

	st->state = HF_START;
	if (r->meta == NULL)
		r->meta = json_object();
	return 0;
}

static void
hf_fini(struct logreader *r)
{
	struct hf *st = r->st;

	if (st == NULL)
		return;
	free(st->buf);
	free(st);
	r->st = NULL;
}

int
lr_setup_hf(struct logreader *r)
{
	r->st = xcalloc(1, sizeof(struct hf));
	r->begin = hf_begin;
	r->more = hf_more;
	r->fini = hf_fini;
	return 0;
}
