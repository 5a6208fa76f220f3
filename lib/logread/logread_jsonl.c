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

struct jl {
	enum jl_kind	 kind;
	long long	 good;		/* parsed lines in this file */
};

static const char *const step_keys[] = {
	"step", "iter", "iteration", "global_step", "_step", "epoch", NULL
};

static int
num(json_t *v, double *out)
{
	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}

static long long
step_of(json_t *v)
{
	double d;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (num(v, &d) && d == floor(d) && fabs(d) < 9e15)
		return (long long)d;
	return -1;
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

/* Every numeric value of o whose key is not in skip. */
static void
push_all(struct logreader *r, json_t *o, const char *pre,
    const char *const *skip, long long step, double epoch, double wall)
{
	const char *key;
	json_t *v, *w;
	const char *k2;
	double d;
	char *p;

	json_object_foreach(o, key, v) {
		if (skip_key(key, skip))
			continue;
		if (num(v, &d))
			push_key(r, pre, key, d, step, epoch, wall);
		else if (json_is_object(v) && !strcmp(key, "lr")) {
			/* mmcv, several optimizers: {"name": lr, ...} */
			json_object_foreach(v, k2, w) {
				if (!num(w, &d))
					continue;
				p = xasprintf("lr/%s", k2);
				push_key(r, pre, p, d, step, epoch, wall);
				free(p);
			}
		} else
			lr_field(r, key);
	}
}

static void
rntrain_rec(struct logreader *r, json_t *o)
{
	const char *type, *split;
	long long it;
	double ep, d;
	char name[128];

	type = json_string_value(json_object_get(o, "type"));
	if (type == NULL)
		return;
	if (!strcmp(type, "meta")) {
		if (r->meta == NULL)
			r->meta = json_incref(o);
		return;
	}
	it = step_of(json_object_get(o, "iter"));
	if (!num(json_object_get(o, "epoch"), &ep))
		ep = NAN;
	if (!strcmp(type, "step")) {
		if (num(json_object_get(o, "lr"), &d))
			lr_push(r, "lr", 2, it, ep, d, NAN, r->in.lineno);
		if (num(json_object_get(o, "loss"), &d))
			lr_push(r, "loss", 4, it, ep, d, NAN, r->in.lineno);
		if (num(json_object_get(o, "acc"), &d))
			lr_push(r, "acc", 3, it, ep, d, NAN, r->in.lineno);
	} else if (!strcmp(type, "eval")) {
		split = json_string_value(json_object_get(o, "split"));
		if (split == NULL || strlen(split) > 100)
			split = "eval";
		if (num(json_object_get(o, "acc"), &d)) {
			snprintf(name, sizeof(name), "%s_acc", split);
			lr_push(r, name, strlen(name), it, ep, d, NAN,
			    r->in.lineno);
		}
		if (num(json_object_get(o, "loss"), &d)) {
			snprintf(name, sizeof(name), "%s_loss", split);
			lr_push(r, name, strlen(name), it, ep, d, NAN,
			    r->in.lineno);
		}
	}
}

static void
mmcv_rec(struct logreader *r, struct jl *st, json_t *o)
{
	static const char *const tskip[] = { "mode", "epoch", "iter", NULL };
	static const char *const vskip[] = { "mode", "epoch", "iter", "lr",
		"time", "data_time", "memory", NULL };
	const char *mode;
	long long it;
	double ep;

	mode = json_string_value(json_object_get(o, "mode"));
	if (mode == NULL) {
		if (r->meta == NULL && st->good == 1)
			r->meta = json_incref(o);
		return;
	}
	it = step_of(json_object_get(o, "iter"));
	if (!num(json_object_get(o, "epoch"), &ep))
		ep = NAN;
	if (!strcmp(mode, "train"))
		push_all(r, o, NULL, tskip, it, ep - 1, NAN);
	else
		push_all(r, o, "val/", vskip, it, ep, NAN);
}

static void
mmengine_rec(struct logreader *r, json_t *o)
{
	static const char *const tskip[] = { "step", "epoch", "iter", NULL };
	static const char *const vskip[] = { "step", NULL };
	long long step;
	double ep;

	step = step_of(json_object_get(o, "step"));
	if (json_object_get(o, "lr") || json_object_get(o, "iter") ||
	    json_object_get(o, "time")) {
		if (!num(json_object_get(o, "epoch"), &ep))
			ep = NAN;
		else
			ep -= 1;
		push_all(r, o, NULL, tskip, step, ep, NAN);
	} else
		push_all(r, o, NULL, vskip, -1, step >= 0 ? (double)step :
		    NAN, NAN);
}

static void
any_rec(struct logreader *r, json_t *o)
{
	const char *skip[5] = { NULL };
	const char *sk = r->opts.step_key;
	long long step = -1;
	double ep = NAN, wall = NAN;
	int i;

	if (sk == NULL)
		for (i = 0; step_keys[i] != NULL; i++)
			if (json_is_number(json_object_get(o, step_keys[i]))) {
				sk = step_keys[i];
				break;
			}
	i = 0;
	if (sk != NULL) {
		skip[i++] = sk;
		if (!strcmp(sk, "epoch"))
			num(json_object_get(o, "epoch"), &ep);
		else
			step = step_of(json_object_get(o, sk));
	}
	if (num(json_object_get(o, "epoch"), &ep))
		skip[i++] = "epoch";
	if (num(json_object_get(o, "_timestamp"), &wall))
		skip[i++] = "_timestamp";
	push_all(r, o, NULL, skip, step, ep, wall);
}

static int
jl_more(struct logreader *r)
{
	struct jl *st = r->st;
	json_error_t je;
	json_t *o;
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
	o = json_loadb(r->in.line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		if (st->good == 0)
			return lr_fail(r, "%s:%lld: not a JSON object%s%s",
			    r->curpath, r->in.lineno, o ? "" : ": ",
			    o ? "" : je.text);
		lr_warn(r, "%s:%lld: not a JSON object, skipped", r->curpath,
		    r->in.lineno);
		return 1;
	}
	st->good++;
	switch (st->kind) {
	case JL_RNTRAIN:
		rntrain_rec(r, o);
		break;
	case JL_D2: {
		static const char *const skip[] = { "iteration", NULL };

		push_all(r, o, NULL, skip,
		    step_of(json_object_get(o, "iteration")), NAN, NAN);
		break;
	}
	case JL_MMCV:
		mmcv_rec(r, st, o);
		break;
	case JL_MMENGINE:
		mmengine_rec(r, o);
		break;
	case JL_ANY:
		any_rec(r, o);
		break;
	}
	json_decref(o);
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
	free(r->st);
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
