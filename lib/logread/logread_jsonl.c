/*
 * logread_jsonl.c: the JSON Lines logs: rn-train, detectron2 metrics.json,
 * mmcv *.log.json, mmengine scalars.json and any JSON Lines with a step
 * key.  Reads one line at a time; a malformed line after the first is a
 * warning (a killed writer leaves half a line), the first is an error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

enum jl_kind { JL_RNTRAIN, JL_D2, JL_MMCV, JL_MMENGINE, JL_ANY };

/*
 * One record as key/value pairs.  Flat objects (the common case) are
 * scanned in place, without building a jansson object per line; lines
 * with nested values, escapes or anything unusual go through jansson.
 */
enum kv_type { KV_NUM, KV_STR, KV_OTHER, KV_JSON };

struct kv {
	const char	*k;
	enum kv_type	 t;
	double		 num;
	long long	 ival;
	int		 isint;
	const char	*s;		/* KV_STR */
	json_t		*j;		/* KV_JSON (nested) */
};

#define JL_MAX_FLAT	64

struct jl {
	enum jl_kind	 kind;
	long long	 good;		/* parsed lines in this file */
	struct kv	*kv;
	int		 nkv, kvcap;
	json_t		*hold;		/* the jansson object, if one */
	char		*scratch;	/* the line, scanned in place */
	size_t		 scap;
};

static const char *const step_keys[] = {
	"step", "iter", "iteration", "global_step", "_step", "epoch", NULL
};

static struct kv *
kv_add(struct jl *st)
{
	if (st->nkv == st->kvcap) {
		st->kvcap = st->kvcap ? 2 * st->kvcap : 32;
		st->kv = xreallocarray(st->kv, (size_t)st->kvcap,
		    sizeof(*st->kv));
	}
	memset(&st->kv[st->nkv], 0, sizeof(st->kv[0]));
	return &st->kv[st->nkv++];
}

static const struct kv *
get(const struct jl *st, const char *key)
{
	int i;

	for (i = 0; i < st->nkv; i++)
		if (!strcmp(st->kv[i].k, key))
			return &st->kv[i];
	return NULL;
}

static int
num(const struct kv *v, double *out)
{
	if (v == NULL || v->t != KV_NUM)
		return 0;
	*out = v->num;
	return 1;
}

static long long
step_of(const struct kv *v)
{
	if (v == NULL || v->t != KV_NUM)
		return -1;
	if (v->isint)
		return v->ival;
	if (v->num == floor(v->num) && fabs(v->num) < 9e15)
		return (long long)v->num;
	return -1;
}

static const char *
str_of(const struct kv *v)
{
	return v != NULL && v->t == KV_STR ? v->s : NULL;
}

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/*
 * A plain string: no escapes, no control bytes, valid UTF-8.  Writes a
 * NUL over the closing quote.  NULL if it is not plain.
 */
static char *
flat_string(char *p, char **end)
{
	char *s = p + 1, *q;

	for (q = s; *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return NULL;
	if (!lr_utf8_ok(s, (size_t)(q - s)))
		return NULL;
	*q = '\0';
	*end = q + 1;
	return s;
}

/* A JSON number, strictly by the grammar. */
static int
flat_number(char *p, char **end, struct kv *v)
{
	char *q = p, save, *e;
	int isint = 1;

	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (*q >= '0' && *q <= '9')
			q++;
	else
		return -1;
	if (*q == '.') {
		isint = 0;
		if (!(*++q >= '0' && *q <= '9'))
			return -1;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		isint = 0;
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!(*q >= '0' && *q <= '9'))
			return -1;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	save = *q;
	*q = '\0';
	v->t = KV_NUM;
	v->isint = isint && q - p < 18;
	if (v->isint) {
		v->ival = strtoll(p, &e, 10);
		v->num = (double)v->ival;
	} else
		v->num = strtod(p, &e);
	*q = save;
	if (!isfinite(v->num))
		return -1;
	*end = q;
	return 0;
}

/* NaN, Infinity or -Infinity, which JSON lacks but Python writes. */
static int
nonfinite(char **p, struct kv *v)
{
	static const struct {
		const char	*tok;
		double		 val;
	} t[] = { { "NaN", NAN }, { "Infinity", INFINITY },
	    { "-Infinity", -INFINITY } };
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].tok);
		if (!strncmp(*p, t[i].tok, n)) {
			v->t = KV_NUM;
			v->isint = 0;
			v->num = t[i].val;
			*p += n;
			return 0;
		}
	}
	return -1;
}

/* Scan a flat object in place; -1 to let jansson decide. */
static int
flat_parse(struct jl *st, char *line)
{
	char *p = (char *)ws(line), *k;
	struct kv *v;
	int i;

	st->nkv = 0;
	if (*p++ != '{')
		return -1;
	p = (char *)ws(p);
	if (*p == '}')
		return *ws(p + 1) == '\0' ? 0 : -1;
	for (;;) {
		if (*p != '"' || st->nkv == JL_MAX_FLAT ||
		    (k = flat_string(p, &p)) == NULL)
			return -1;
		for (i = 0; i < st->nkv; i++)
			if (!strcmp(st->kv[i].k, k))
				return -1;	/* duplicate: jansson says */
		p = (char *)ws(p);
		if (*p++ != ':')
			return -1;
		p = (char *)ws(p);
		v = kv_add(st);
		v->k = k;
		if (*p == '"') {
			v->t = KV_STR;
			if ((v->s = flat_string(p, &p)) == NULL)
				return -1;
		} else if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
			v->t = KV_OTHER;
			p += 4;
		} else if (!strncmp(p, "false", 5)) {
			v->t = KV_OTHER;
			p += 5;
		} else if (nonfinite(&p, v) == 0) {
			/* Python's json module writes these. */
		} else if (flat_number(p, &p, v) == -1)
			return -1;
		p = (char *)ws(p);
		if (*p == '}')
			return *ws(p + 1) == '\0' ? 0 : -1;
		if (*p++ != ',')
			return -1;
		p = (char *)ws(p);
	}
}

/* The same pairs from a jansson object. */
static void
from_json(struct jl *st, json_t *o)
{
	const char *key;
	json_t *x;
	struct kv *v;

	st->nkv = 0;
	json_object_foreach(o, key, x) {
		v = kv_add(st);
		v->k = key;
		if (json_is_integer(x)) {
			v->t = KV_NUM;
			v->isint = 1;
			v->ival = json_integer_value(x);
			v->num = (double)v->ival;
		} else if (json_is_real(x)) {
			v->t = KV_NUM;
			v->num = json_real_value(x);
		} else if (json_is_string(x)) {
			v->t = KV_STR;
			v->s = json_string_value(x);
		} else if (json_is_object(x)) {
			v->t = KV_JSON;
			v->j = x;
		} else
			v->t = KV_OTHER;
	}
}

static void
push_key(struct logreader *r, const char *pre, const char *key, double v,
    long long step, double epoch, double wall)
{
	char *t;

	if (pre == NULL) {
		lr_push(r, key, strlen(key), step, epoch, v, wall,
		    r->in.lineno);
		return;
	}
	t = xasprintf("%s%s", pre, key);
	lr_push(r, t, strlen(t), step, epoch, v, wall, r->in.lineno);
	free(t);
}

static int
skip_key(const char *key, const char *const *skip)
{
	for (; *skip != NULL; skip++)
		if (!strcmp(key, *skip))
			return 1;
	return 0;
}

/* Every numeric value whose key is not in skip. */
static void
push_all(struct logreader *r, const struct jl *st, const char *pre,
    const char *const *skip, long long step, double epoch, double wall)
{
	const struct kv *v;
	const char *k2;
	json_t *w;
	char *p;
	int i;

	for (i = 0; i < st->nkv; i++) {
		v = &st->kv[i];
		if (skip_key(v->k, skip))
			continue;
		if (v->t == KV_NUM)
			push_key(r, pre, v->k, v->num, step, epoch, wall);
		else if (v->t == KV_JSON && !strcmp(v->k, "lr")) {
			/* mmcv, several optimizers: {"name": lr, ...} */
			json_object_foreach(v->j, k2, w) {
				if (!json_is_number(w))
					continue;
				p = xasprintf("lr/%s", k2);
				push_key(r, pre, p, json_number_value(w), step,
				    epoch, wall);
				free(p);
			}
		} else
			lr_field(r, v->k);
	}
}

static void
rntrain_rec(struct logreader *r, struct jl *st, char *line, size_t len)
{
	const char *type, *split;
	json_error_t je;
	long long it;
	double ep, d;
	char name[128];

	type = str_of(get(st, "type"));
	if (type == NULL)
		return;
	if (!strcmp(type, "meta")) {
		if (r->meta == NULL)
			r->meta = st->hold != NULL ? json_incref(st->hold) :
			    json_loadb(line, len, 0, &je);
		return;
	}
	it = step_of(get(st, "iter"));
	if (!num(get(st, "epoch"), &ep))
		ep = NAN;
	if (!strcmp(type, "step")) {
		if (num(get(st, "lr"), &d))
			lr_push(r, "lr", 2, it, ep, d, NAN, r->in.lineno);
		if (num(get(st, "loss"), &d))
			lr_push(r, "loss", 4, it, ep, d, NAN, r->in.lineno);
		if (num(get(st, "acc"), &d))
			lr_push(r, "acc", 3, it, ep, d, NAN, r->in.lineno);
	} else if (!strcmp(type, "epoch")) {
		if (num(get(st, "train_loss"), &d))
			lr_push(r, "train_loss", 10, it, ep, d, NAN,
			    r->in.lineno);
		if (num(get(st, "train_acc"), &d))
			lr_push(r, "train_acc", 9, it, ep, d, NAN,
			    r->in.lineno);
	} else if (!strcmp(type, "warmup_end")) {
		if (num(get(st, "lr"), &d))
			lr_push(r, "warmup_end", 10, it, ep, d, NAN,
			    r->in.lineno);
	} else if (!strcmp(type, "eval")) {
		split = str_of(get(st, "split"));
		if (split == NULL || strlen(split) > 100)
			split = "eval";
		if (num(get(st, "acc"), &d)) {
			snprintf(name, sizeof(name), "%s_acc", split);
			lr_push(r, name, strlen(name), it, ep, d, NAN,
			    r->in.lineno);
		}
		if (num(get(st, "loss"), &d)) {
			snprintf(name, sizeof(name), "%s_loss", split);
			lr_push(r, name, strlen(name), it, ep, d, NAN,
			    r->in.lineno);
		}
	}
}

static void
mmcv_rec(struct logreader *r, struct jl *st, char *line, size_t len)
{
	static const char *const tskip[] = { "mode", "epoch", "iter", NULL };
	static const char *const vskip[] = { "mode", "epoch", "iter", "lr",
		"time", "data_time", "memory", NULL };
	const char *mode;
	json_error_t je;
	long long it;
	double ep;

	mode = str_of(get(st, "mode"));
	if (mode == NULL) {
		if (r->meta == NULL && st->good == 1)
			r->meta = st->hold != NULL ? json_incref(st->hold) :
			    json_loadb(line, len, 0, &je);
		return;
	}
	it = step_of(get(st, "iter"));
	if (!num(get(st, "epoch"), &ep))
		ep = NAN;
	if (!strcmp(mode, "train"))
		push_all(r, st, NULL, tskip, it, ep - 1, NAN);
	else
		push_all(r, st, "val/", vskip, it, ep, NAN);
}

static void
mmengine_rec(struct logreader *r, struct jl *st)
{
	static const char *const tskip[] = { "step", "epoch", "iter", NULL };
	static const char *const vskip[] = { "step", NULL };
	long long step;
	double ep;

	step = step_of(get(st, "step"));
	if (get(st, "lr") || get(st, "iter") || get(st, "time")) {
		if (!num(get(st, "epoch"), &ep))
			ep = NAN;
		else
			ep -= 1;
		push_all(r, st, NULL, tskip, step, ep, NAN);
	} else
		push_all(r, st, NULL, vskip, -1, step >= 0 ? (double)step :
		    NAN, NAN);
}

static void
any_rec(struct logreader *r, struct jl *st)
{
	const char *skip[5] = { NULL };
	const char *sk = r->opts.step_key;
	long long step = -1;
	double ep = NAN, wall = NAN;
	int i;

	if (sk == NULL)
		for (i = 0; step_keys[i] != NULL; i++)
			if (num(get(st, step_keys[i]), &wall)) {
				sk = step_keys[i];
				break;
			}
	wall = NAN;
	i = 0;
	if (sk != NULL) {
		skip[i++] = sk;
		if (!strcmp(sk, "epoch"))
			num(get(st, "epoch"), &ep);
		else
			step = step_of(get(st, sk));
	}
	if (num(get(st, "epoch"), &ep))
		skip[i++] = "epoch";
	if (num(get(st, "_timestamp"), &wall))
		skip[i++] = "_timestamp";
	push_all(r, st, NULL, skip, step, ep, wall);
}

static int
jl_more(struct logreader *r)
{
	static const char *const d2skip[] = { "iteration", NULL };
	struct jl *st = r->st;
	json_error_t je;
	json_t *o = NULL;
	size_t len, i;
	int rc;

	for (;;) {
		rc = lr_getline(&r->in, &len);
		if (rc == 0 || rc == -1)
			return 0;	/* the core reports read errors */
		if (rc == -2) {
			lr_warn(r, "%s:%lld: line longer than %d bytes, "
			    "skipped", r->curpath, r->in.lineno,
			    LOGREAD_MAX_LINE);
			continue;
		}
		for (i = 0; i < len && strchr(" \t\r", r->in.line[i]); i++)
			;
		if (i < len)
			break;
	}
	/* Scan a copy in place; jansson reads the original if need be. */
	if (len + 1 > st->scap) {
		st->scap = 2 * len + 64;
		st->scratch = xrealloc(st->scratch, st->scap);
	}
	memcpy(st->scratch, r->in.line, len + 1);
	st->hold = NULL;
	if (memchr(r->in.line, '\0', len) != NULL ||
	    flat_parse(st, st->scratch) == -1) {
		o = json_loadb(r->in.line, len, JSON_REJECT_DUPLICATES, &je);
		if (o == NULL || !json_is_object(o)) {
			json_decref(o);
			if (st->good == 0)
				return lr_fail(r, "%s:%lld: not a JSON "
				    "object%s%s", r->curpath, r->in.lineno,
				    o ? "" : ": ", o ? "" : je.text);
			lr_warn(r, "%s:%lld: not a JSON object, skipped",
			    r->curpath, r->in.lineno);
			return 1;
		}
		st->hold = o;
		from_json(st, o);
	}
	st->good++;
	switch (st->kind) {
	case JL_RNTRAIN:
		rntrain_rec(r, st, r->in.line, len);
		break;
	case JL_D2:
		push_all(r, st, NULL, d2skip, step_of(get(st, "iteration")),
		    NAN, NAN);
		break;
	case JL_MMCV:
		mmcv_rec(r, st, r->in.line, len);
		break;
	case JL_MMENGINE:
		mmengine_rec(r, st);
		break;
	case JL_ANY:
		any_rec(r, st);
		break;
	}
	json_decref(st->hold);
	st->hold = NULL;
	return 1;
}

static int
jl_begin(struct logreader *r)
{
	struct jl *st = r->st;

	st->good = 0;
	return 0;
}

static void
jl_fini(struct logreader *r)
{
	struct jl *st = r->st;

	if (st == NULL)
		return;
	free(st->kv);
	free(st->scratch);
	free(st);
	r->st = NULL;
}

int
lr_setup_jsonl(struct logreader *r)
{
	struct jl *st;

	st = xcalloc(1, sizeof(*st));
	if (!strcmp(r->fmt, "rn-train"))
		st->kind = JL_RNTRAIN;
	else if (!strcmp(r->fmt, "detectron2"))
		st->kind = JL_D2;
	else if (!strcmp(r->fmt, "mmcv"))
		st->kind = JL_MMCV;
	else if (!strcmp(r->fmt, "mmengine"))
		st->kind = JL_MMENGINE;
	else
		st->kind = JL_ANY;
	r->st = st;
	r->begin = jl_begin;
	r->more = jl_more;
	r->fini = jl_fini;
	return 0;
}
