/*
 * plotrun.c: load a training log into per-tag series for acc-plot and
 * acc-check.  Reads one log; writes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonio.h"
#include "logread.h"
#include "logread_audit.h"
#include "plotrun.h"
#include "util.h"

static int
tag_wanted(const char *tag, const char *const *want)
{
	size_t len;

	if (want == NULL)
		return 1;
	for (; *want != NULL; want++) {
		len = strlen(*want);
		if (len > 0 && (*want)[len - 1] == '*') {
			if (strncmp(tag, *want, len - 1) == 0)
				return 1;
		} else if (strcmp(tag, *want) == 0)
			return 1;
	}
	return 0;
}

static struct series *
series_get(struct plotrun *pr, const char *tag)
{
	struct series *s;
	size_t i;

	for (i = 0; i < pr->ns; i++)
		if (strcmp(pr->s[i].tag, tag) == 0)
			return &pr->s[i];
	pr->s = xreallocarray(pr->s, pr->ns + 1, sizeof(*pr->s));
	s = &pr->s[pr->ns++];
	memset(s, 0, sizeof(*s));
	s->tag = xstrdup(tag);
	return s;
}

static void
series_push(struct series *s, long long step, double epoch, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->step = xreallocarray(s->step, s->cap, sizeof(*s->step));
		s->epoch = xreallocarray(s->epoch, s->cap, sizeof(*s->epoch));
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->step[s->n] = step;
	s->epoch[s->n] = epoch;
	s->v[s->n] = v;
	s->n++;
}

/*
 * Lightning, Keras and timm write the 0-based epoch in progress on the
 * record of an evaluation made at that epoch's end; rn-train and the golden
 * files count the epochs completed.  Their accuracies move one epoch on;
 * their learning rates, the rate in force during that epoch, stay.
 */
static int
epoch_in_progress(const char *format)
{
	return strcmp(format, "lightning-csv") == 0 ||
	    strcmp(format, "keras-csv") == 0 || strcmp(format, "timm") == 0;
}

int
plotrun_load(struct plotrun *pr, const char *path, const char *format,
    const char *const *want, char *err, size_t errlen)
{
	struct logreader *r;
	struct logpoint p;
	json_t *meta;
	long long ipe;
	int rc, shift;

	memset(pr, 0, sizeof(*pr));
	if ((r = logread_open(path, format, err, errlen)) == NULL)
		return -1;
	shift = epoch_in_progress(logread_format(r));
	while ((rc = logread_next(r, &p)) == 1) {
		if (!tag_wanted(p.tag, want) || !isfinite(p.value))
			continue;
		if (shift && isfinite(p.epoch) && !audit_is_lr_tag(p.tag))
			p.epoch += 1;
		series_push(series_get(pr, p.tag), p.step, p.epoch, p.value);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", logread_error(r));
		logread_close(r);
		plotrun_free(pr);
		return -1;
	}
	pr->path = xstrdup(path);
	pr->format = xstrdup(logread_format(r));
	meta = logread_meta(r);
	if (meta != NULL) {
		pr->meta = json_deep_copy(meta);
		if (json_get_int(meta, "iters_per_epoch", &ipe) == 0 && ipe > 0)
			pr->ipe = ipe;
	}
	logread_close(r);
	return 0;
}

void
plotrun_free(struct plotrun *pr)
{
	size_t i;

	for (i = 0; i < pr->ns; i++) {
		free(pr->s[i].tag);
		free(pr->s[i].step);
		free(pr->s[i].epoch);
		free(pr->s[i].v);
	}
	free(pr->s);
	free(pr->path);
	free(pr->format);
	json_decref(pr->meta);
	memset(pr, 0, sizeof(*pr));
}

struct series *
plotrun_series(struct plotrun *pr, const char *tag)
{
	const char *one[2];
	size_t i;

	one[0] = tag;
	one[1] = NULL;
	for (i = 0; i < pr->ns; i++)
		if (tag_wanted(pr->s[i].tag, one))
			return &pr->s[i];
	return NULL;
}

double
plotrun_x(const struct plotrun *pr, const struct series *s, size_t i,
    int iter_axis)
{
	long long step = s->step[i];
	double ep = s->epoch[i];

	if (iter_axis) {
		if (step >= 0)
			return (double)step;
		return pr->ipe > 0 && isfinite(ep) ? ep * pr->ipe : NAN;
	}
	if (pr->ipe > 0 && step >= 0)
		return (double)step / pr->ipe;
	return ep;
}

int
series_to_fraction(struct series *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] > 1)
			break;
	if (i == s->n)
		return 0;
	for (i = 0; i < s->n; i++)
		s->v[i] /= 100;
	return 1;
}

struct order {
	double	x;
	size_t	i;
};

static int
cmp_order(const void *a, const void *b)
{
	const struct order *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->i > q->i) - (p->i < q->i);
}

void
plotrun_curve(const struct plotrun *pr, const struct series *s,
    int iter_axis, struct plotcurve *c, size_t *dropped)
{
	struct order *o;
	size_t i, n, m;

	o = xcalloc(s->n + 1, sizeof(*o));
	n = 0;
	for (i = 0; i < s->n; i++) {
		o[n].x = plotrun_x(pr, s, i, iter_axis);
		o[n].i = i;
		if (!isnan(o[n].x))
			n++;
	}
	if (dropped != NULL)
		*dropped = s->n - n;
	/* Stable by log order, so the last of equal x ends each group. */
	qsort(o, n, sizeof(*o), cmp_order);
	memset(c, 0, sizeof(*c));
	c->x = xcalloc(n + 1, sizeof(*c->x));
	c->x2 = xcalloc(n + 1, sizeof(*c->x2));
	c->v = xcalloc(n + 1, sizeof(*c->v));
	c->step = xcalloc(n + 1, sizeof(*c->step));
	for (i = 0, m = 0; i < n; i++) {
		if (i + 1 < n && o[i + 1].x == o[i].x)
			continue;
		c->x[m] = o[i].x;
		c->x2[m] = plotrun_x(pr, s, o[i].i, !iter_axis);
		c->v[m] = s->v[o[i].i];
		c->step[m] = s->step[o[i].i];
		m++;
	}
	c->n = m;
	free(o);
}

void
plotcurve_free(struct plotcurve *c)
{
	free(c->x);
	free(c->x2);
	free(c->v);
	free(c->step);
	memset(c, 0, sizeof(*c));
}

double
series_before(const struct series *s, long long step)
{
	double v = NAN;
	long long best = -1;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->step[i] >= 0 && s->step[i] < step &&
		    s->step[i] >= best) {
			best = s->step[i];
			v = s->v[i];
		}
	return v;
}
