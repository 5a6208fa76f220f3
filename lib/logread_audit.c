/*
 * logread_audit.c: the checks behind lr-audit.  Reads points (already
 * parsed by logread), keeps each LR tag as runs of equal values (memory
 * grows with the number of changes, not of points), and writes JSON
 * records: findings, the observed schedule, a summary.  It does no I/O.
 *
 * Time: every logged step is mapped to the 0-based update whose rate it
 * shows (doc/FORMATS.md), per format: Lightning's row step s is update s;
 * a Trainer state's step s is update s (next-step LR, before 2025) or
 * s - 1 (after), both accepted unless told; mmengine's step is iter + 1;
 * mmcv counts iterations inside 1-based epochs; Keras and timm log one
 * value per epoch.  A sample matches when it equals the declared rate at
 * its update within a relative tolerance (float32 TensorBoard values,
 * mmcv's five decimals).
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logread_audit.h"
#include "jsonio.h"
#include "util.h"

#define AUDIT_MAX_RUNS		200000
#define AUDIT_MAX_CHANGES	4096
#define AUDIT_MAX_OBSERVED	200
#define AUDIT_MAX_STEP		1000000000000000LL	/* 10^15 */

/* A double as a long long, clamped instead of overflowing. */
static long long
to_ll(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 4e18)
		return LLONG_MAX / 2;
	if (v <= -4e18)
		return LLONG_MIN / 2;
	return (long long)v;
}

enum fmt { F_STEP, F_HF, F_MMCV, F_MMENGINE, F_EPOCHS };

struct run {
	long long	 k0, k1;	/* order keys, see order_key */
	long long	 s0, s1;	/* logged steps (or epochs) */
	double		 e0, e1;	/* logged epochs */
	/* The second and the next-to-last samples, for coverage. */
	long long	 s0b, s1b;
	double		 e0b, e1b;
	double		 v;
	long long	 n;
	int		 back;		/* began with a step going backwards */
};

struct series {
	char		*tag;
	struct run	*r;
	size_t		 n, cap;
	int		 capped;
	long long	 npts;
};

struct tagc {
	const char	*tag;
	int		 epoch;
	long		 series;	/* index in ser, or -1 */
};

#define AUDIT_TAG_CACHE	512

struct audit {
	struct tagc	 cache[AUDIT_TAG_CACHE];
	struct tagc	 spare;
	enum fmt	 fmt;
	enum fmt	 base_fmt;	/* from the file format alone */
	char		*format;
	struct audit_opts o;
	struct series	*ser;
	size_t		 nser;
	json_t		*lrtags;
	long long	 npoints;
	long long	 maxstep;
	double		 maxepoch;
	long long	 ipe_lo, ipe_hi;
	int		 bounds_bad;
	long long	 mmcv_maxiter;
	int		 mmcv_epochs;
	/* Learning rates that are not finite numbers, and the first. */
	long long	 nbad;
	const char	*bad_tag;
	long long	 bad_step;

	/* Set by audit_run. */
	const struct sched *d;
	long long	 ipe;		/* 0: unknown */
	int		 epoch_clock;	/* updates are epochs (ipe 1) */
	struct series	*p;		/* the audited tag */
	json_t		*out;
	int		 nfind;
	char		*headline;	/* the most important finding */
	int		 never;		/* ... is "never decayed" */
	const char	*shape;		/* what the observed rate looks like */
};

/* An observed change between two samples. */
struct change {
	long long	 a, b;		/* updates of the samples around it */
	long long	 sb;		/* logged step of the later sample */
	double		 v0, v1;
	int		 back;
	int		 used;
};

/* ---- tags ---- */

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

int
audit_is_lr_tag(const char *t)
{
	static const char *const exact[] = {
		"lr", "LR", "learning_rate", "learning-rate", "learningrate",
		"epoch_learning_rate", "epoch_lr", "Learning_Rate",
		"batch_learning_rate", NULL
	};
	const char *slash;
	int i;

	if (ends_with(t, "momentum") || ends_with(t, "weight_decay") ||
	    ends_with(t, "base_lr") || !strncmp(t, "eval", 4) ||
	    !strncmp(t, "val", 3) || !strncmp(t, "test", 4))
		return 0;
	for (i = 0; exact[i] != NULL; i++)
		if (!strcmp(t, exact[i]))
			return 1;
	if (!strncmp(t, "lr-", 3) || !strncmp(t, "lr/", 3) ||
	    !strncmp(t, "learning_rate_", 14))
		return 1;
	if ((slash = strrchr(t, '/')) != NULL && (!strcmp(slash, "/lr") ||
	    !strcmp(slash, "/learning_rate") || !strcmp(slash, "/LR") ||
	    !strcmp(slash, "/epoch_learning_rate")))
		return 1;
	return 0;
}

/* ---- collecting ---- */

struct audit *
audit_new(const char *format, const struct audit_opts *o)
{
	struct audit *a;

	a = xcalloc(1, sizeof(*a));
	a->format = xstrdup(format != NULL ? format : "");
	if (o != NULL)
		a->o = *o;
	if (a->o.rel_tol <= 0)
		a->o.rel_tol = 1e-5;
	if (!strcmp(a->format, "hf-trainer-state"))
		a->fmt = F_HF;
	else if (!strcmp(a->format, "mmcv"))
		a->fmt = F_MMCV;
	else if (!strcmp(a->format, "mmengine"))
		a->fmt = F_MMENGINE;
	else if (!strcmp(a->format, "keras-csv") || !strcmp(a->format,
	    "timm"))
		a->fmt = F_EPOCHS;
	else
		a->fmt = F_STEP;
	a->base_fmt = a->fmt;
	if (a->o.abs_tol <= 0)
		a->o.abs_tol = a->fmt == F_MMCV ? 5.000001e-6 : 1e-12;
	a->lrtags = json_array();
	a->maxstep = -1;
	a->maxepoch = -1;
	a->ipe_lo = 1;
	a->ipe_hi = -1;		/* none yet */
	return a;
}

static int
same(const struct audit *a, double x, double y)
{
	double m = fmax(fabs(x), fabs(y));

	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	return fabs(x - y) <= fmax(a->o.rel_tol * m, a->o.abs_tol);
}

static struct series *
series_get(struct audit *a, const char *tag)
{
	size_t i;

	for (i = 0; i < a->nser; i++)
		if (!strcmp(a->ser[i].tag, tag))
			return &a->ser[i];
	if (a->nser >= 256)
		return NULL;
	a->ser = xreallocarray(a->ser, a->nser + 1, sizeof(*a->ser));
	memset(&a->ser[a->nser], 0, sizeof(a->ser[0]));
	a->ser[a->nser].tag = xstrdup(tag);
	json_array_append_new(a->lrtags, json_string(tag));
	return &a->ser[a->nser++];
}

/* (step, epoch) pairs bound the iterations per epoch. */
static void
bound_ipe(struct audit *a, long long s, double e)
{
	long long lo, hi;

	if (a->fmt != F_STEP || s < 0 || !(e >= 0) || e != floor(e) ||
	    e > 1e9)
		return;
	lo = s / ((long long)e + 1) + 1;
	if (lo > a->ipe_lo)
		a->ipe_lo = lo;
	if (e > 0) {
		hi = s / (long long)e;
		if (a->ipe_hi < 0 || hi < a->ipe_hi)
			a->ipe_hi = hi;
	}
}

/*
 * What a tag is, remembered by its address: readers intern their tags,
 * so the name is looked at once, not at every point.
 */
static const struct tagc *
tag_class(struct audit *a, const char *tag)
{
	struct tagc *c;
	struct series *sp;
	size_t i, h = ((uintptr_t)tag >> 4) % AUDIT_TAG_CACHE;

	for (i = 0; i < AUDIT_TAG_CACHE; i++) {
		c = &a->cache[(h + i) % AUDIT_TAG_CACHE];
		if (c->tag == tag)
			return c;
		if (c->tag == NULL)
			break;
	}
	if (i == AUDIT_TAG_CACHE)	/* full: look, don't remember */
		c = &a->spare;
	c->tag = tag;
	c->epoch = !strcmp(tag, "epoch") || ends_with(tag, "/epoch");
	c->series = -1;
	/* -T names the rate's column even when its name does not say so. */
	if ((audit_is_lr_tag(tag) || (a->o.tag != NULL &&
	    strcmp(tag, a->o.tag) == 0)) && (sp = series_get(a, tag)) != NULL)
		c->series = sp - a->ser;
	return c;
}

/*
 * A key that grows with time: the step, or for mmcv (iterations counted
 * inside epochs) epoch and iteration together, or the epoch alone.
 */
static long long
order_key(const struct audit *a, long long step, double epoch)
{
	long long e = isfinite(epoch) && epoch >= 0 && epoch < 1e9 ?
	    to_ll(floor(epoch)) : 0;

	if (a->fmt == F_MMCV && step >= 0)
		return (e << 31) + step;
	if (step < 0 && isfinite(epoch))
		return e;
	return step;
}

void
audit_add(struct audit *a, const struct logpoint *pt)
{
	const struct tagc *c;
	struct series *s;
	struct run *r;
	long long key, step;

	a->npoints++;
	/* No log counts this far; such a step is damage, not data. */
	if (pt->step > AUDIT_MAX_STEP || pt->step < -1 ||
	    (isfinite(pt->epoch) && fabs(pt->epoch) > AUDIT_MAX_STEP))
		return;
	key = order_key(a, pt->step, pt->epoch);
	step = pt->step;
	if (step < 0 && isfinite(pt->epoch))
		step = to_ll(floor(pt->epoch));
	if (pt->step > a->maxstep)
		a->maxstep = pt->step;
	if (isfinite(pt->epoch) && pt->epoch > a->maxepoch)
		a->maxepoch = pt->epoch;
	if (a->fmt == F_MMCV && isfinite(pt->epoch)) {
		if (pt->epoch > 0)
			a->mmcv_epochs = 1;
		if (pt->step > a->mmcv_maxiter)
			a->mmcv_maxiter = pt->step;
	}
	c = tag_class(a, pt->tag);
	if (isfinite(pt->epoch))
		bound_ipe(a, pt->step, pt->epoch);
	else if (c->epoch)
		bound_ipe(a, pt->step, pt->value);
	if (c->series < 0 || key < 0)
		return;
	if (!isfinite(pt->value)) {
		if (a->nbad++ == 0) {
			a->bad_tag = pt->tag;
			a->bad_step = step;
		}
		return;
	}
	s = &a->ser[c->series];
	s->npts++;
	r = s->n > 0 ? &s->r[s->n - 1] : NULL;
	if (r != NULL && key >= r->k1 && same(a, pt->value, r->v)) {
		if (r->n == 1) {
			r->s0b = step;
			r->e0b = pt->epoch;
		}
		r->s1b = r->s1;
		r->e1b = r->e1;
		r->k1 = key;
		r->s1 = step;
		r->e1 = pt->epoch;
		r->n++;
		return;
	}
	if (s->n >= AUDIT_MAX_RUNS) {
		s->capped = 1;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->r = xreallocarray(s->r, s->cap, sizeof(*s->r));
	}
	r = &s->r[s->n++];
	r->k0 = r->k1 = key;
	r->s0 = r->s1 = r->s0b = r->s1b = step;
	r->e0 = r->e1 = r->e0b = r->e1b = pt->epoch;
	r->v = pt->value;
	r->n = 1;
	r->back = s->n > 1 && key < s->r[s->n - 2].k1;
}

void
audit_set_ipe(struct audit *a, long long ipe, const char *from)
{
	a->o.ipe = ipe;
	a->o.ipe_from = from;
}

json_t *
audit_lr_tags(struct audit *a)
{
	return a->lrtags;
}

long long
audit_nonfinite(const struct audit *a, const char **tag, long long *step)
{
	*tag = a->bad_tag;
	*step = a->bad_step;
	return a->nbad;
}

/* ---- time ---- */

/* The update (and an alternative) a logged sample shows the rate of. */
static void
update_of(const struct audit *a, long long step, double epoch,
    long long *idx, long long *alt)
{
	long long ipe = a->ipe > 0 ? a->ipe : 1, e;

	switch (a->fmt) {
	case F_HF:
		*idx = step;
		*alt = a->o.hf == AUDIT_HF_EITHER ? step - 1 : step;
		if (a->o.hf == AUDIT_HF_CURRENT)
			*idx = *alt = step - 1;
		break;
	case F_MMENGINE:
		*idx = *alt = step - 1;
		break;
	case F_MMCV:
		/* In doubles: epochs times epoch lengths may be huge. */
		e = isfinite(epoch) && epoch > 0 ? to_ll(epoch) : 0;
		*idx = *alt = to_ll((double)e * (double)ipe + (double)step -
		    1);
		break;
	case F_EPOCHS:
		e = step;		/* the epoch, see audit_add */
		*idx = to_ll((double)e * (double)ipe);
		*alt = to_ll(((double)e + 1) * (double)ipe - 1);
		break;
	case F_STEP:
		*idx = *alt = step;
		break;
	}
	if (*idx < 0)
		*idx = 0;
	if (*alt < 0)
		*alt = 0;
}

static double
expect(const struct audit *a, long long idx)
{
	return sched_lr(a->d, idx, a->ipe > 0 ? a->ipe : 1);
}

static int
matches(const struct audit *a, double v, long long idx, long long alt)
{
	return same(a, v, expect(a, idx)) ||
	    (alt != idx && same(a, v, expect(a, alt)));
}

/* ---- output helpers ---- */

/* 32000 -> "32,000" */
static const char *
grouped(char *buf, size_t len, long long v)
{
	char tmp[32];
	size_t n, i, o = 0;

	snprintf(tmp, sizeof(tmp), "%lld", v < 0 ? -v : v);
	n = strlen(tmp);
	if (v < 0 && o + 1 < len)
		buf[o++] = '-';
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "iteration 32,000 (epoch 91.0)" or "epoch 3". */
static char *
when(const struct audit *a, long long idx)
{
	char b[40];

	if (a->epoch_clock)
		return xasprintf("epoch %lld", idx);
	if (a->ipe > 0)
		return xasprintf("iteration %s (epoch %.1f)",
		    grouped(b, sizeof(b), idx), (double)idx / (double)a->ipe);
	return xasprintf("iteration %s", grouped(b, sizeof(b), idx));
}

static void
finding(struct audit *a, const char *kind, const char *sev, long long step,
    long long idx, double want, double got, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void
finding(struct audit *a, const char *kind, const char *sev, long long step,
    long long idx, double want, double got, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	json_t *o;

	msg = xmalloc(1024);
	va_start(ap, fmt);
	vsnprintf(msg, 1024, fmt, ap);
	va_end(ap);
	o = json_pack("{s:s,s:s,s:s,s:s}", "type", "finding", "kind", kind,
	    "severity", sev, "tag", a->p != NULL ? a->p->tag : "");
	json_object_set_new(o, "step", step >= 0 ? json_integer(step) :
	    json_null());
	if (a->epoch_clock) {
		json_object_set_new(o, "iter", json_null());
		json_object_set_new(o, "epoch", json_num((double)idx));
	} else {
		json_object_set_new(o, "iter", idx >= 0 ? json_integer(idx) :
		    json_null());
		json_object_set_new(o, "epoch", a->ipe > 0 && idx >= 0 ?
		    json_num((double)idx / (double)a->ipe) : json_null());
	}
	json_object_set_new(o, "expected_lr", json_num(want));
	json_object_set_new(o, "observed_lr", json_num(got));
	json_object_set_new(o, "message", json_string(msg));
	json_array_append_new(a->out, o);
	if (a->headline == NULL || (!a->never && !strcmp(kind,
	    "never_decayed"))) {
		free(a->headline);
		a->headline = xstrdup(msg);
		a->never = !strcmp(kind, "never_decayed");
	}
	free(msg);
	a->nfind++;
}

/* ---- the checks ---- */

static void
run_updates(const struct audit *a, const struct run *r, long long *i0,
    long long *i1, long long *lo0, long long *hi1)
{
	long long x0, y0, x1, y1;

	update_of(a, r->s0, r->e0, &x0, &y0);
	update_of(a, r->s1, r->e1, &x1, &y1);
	*i0 = x0 < y0 ? x0 : y0;
	*lo0 = x0 > y0 ? x0 : y0;	/* latest the first sample can be */
	*i1 = x1 > y1 ? x1 : y1;
	*hi1 = x1 < y1 ? x1 : y1;	/* earliest the last sample can be */
}

/* Does the declared rate change in (from, to]? */
static int
changes_in(const struct audit *a, long long from, long long to,
    const long long *cp, int ncp)
{
	int k;

	for (k = 1; k < ncp; k++)
		if (cp[k] > from && cp[k] <= to)
			return 1;
	return 0;
}

/* Is run r consistent with the declared schedule? */
static int
run_ok(const struct audit *a, const struct run *r, const long long *cp,
    int ncp, int piecewise)
{
	long long x, y, i0, i1, lo0, hi1;

	update_of(a, r->s0, r->e0, &x, &y);
	if (!matches(a, r->v, x, y))
		return 0;
	update_of(a, r->s1, r->e1, &x, &y);
	if (!matches(a, r->v, x, y))
		return 0;
	run_updates(a, r, &i0, &i1, &lo0, &hi1);
	if (piecewise && lo0 < hi1 && changes_in(a, lo0, hi1, cp, ncp))
		return 0;
	return 1;
}

static int
build_changes(const struct audit *a, const struct series *s,
    struct change *c, int max)
{
	long long i0, i1, lo0, hi1, pi0, pi1, plo0, phi1;
	size_t k;
	int n = 0;

	for (k = 1; k < s->n && n < max; k++) {
		run_updates(a, &s->r[k - 1], &pi0, &pi1, &plo0, &phi1);
		run_updates(a, &s->r[k], &i0, &i1, &lo0, &hi1);
		c[n].a = phi1;
		c[n].b = lo0;
		c[n].sb = s->r[k].s0;
		c[n].v0 = s->r[k - 1].v;
		c[n].v1 = s->r[k].v;
		c[n].back = s->r[k].back;
		c[n].used = 0;
		n++;
	}
	return n;
}

static long long
run_end(const struct audit *a)
{
	long long idx, alt, e;

	if (a->fmt == F_EPOCHS || (a->maxstep < 0 && a->maxepoch >= 0)) {
		e = a->maxepoch >= 0 ? to_ll(floor(a->maxepoch)) :
		    a->maxstep;
		update_of(a, e, e, &idx, &alt);
		return alt + 1;
	}
	update_of(a, a->maxstep, a->maxepoch, &idx, &alt);
	return (idx > alt ? idx : alt) + 1;
}

/*
 * Which smooth decay fits the samples best (largest relative error under
 * 15%): a straight line, a half cosine or an exponential between the
 * first and the last sample.
 */
static const char *
smooth_shape(const struct audit *a, const struct series *s, long long i0,
    long long i1)
{
	double v0 = s->r[0].v, v1 = s->r[s->n - 1].v, t, f, e[3] = { 0 };
	long long idx, alt;
	size_t k, best = 0;
	static const char *const names[] = {
		"linear decay", "cosine decay", "exponential decay"
	};

	if (i1 <= i0 || v0 <= 0)
		return "smooth decay";
	for (k = 0; k < s->n; k++) {
		update_of(a, s->r[k].s0, s->r[k].e0, &idx, &alt);
		t = (double)(idx - i0) / (double)(i1 - i0);
		f = v0 + (v1 - v0) * t;
		e[0] = fmax(e[0], fabs(s->r[k].v - f) / fmax(v0 * 0.05, f));
		f = v1 + (v0 - v1) * (1 + cos(M_PI * t)) / 2;
		e[1] = fmax(e[1], fabs(s->r[k].v - f) / fmax(v0 * 0.05, f));
		f = v1 > 0 ? v0 * pow(v1 / v0, t) : 0;
		e[2] = fmax(e[2], fabs(s->r[k].v - f) / fmax(v0 * 0.05, f));
	}
	for (k = 1; k < 3; k++)
		if (e[k] < e[best])
			best = k;
	return e[best] < 0.15 ? names[best] : "smooth decay";
}

/* Observed change points and a guess at the shape. */
static void
describe(struct audit *a, const struct series *s)
{
	json_t *o, *pts;
	long long idx, alt, first = -1, lastidx = 0;
	size_t k, nchg = 0, ndown = 0, nup = 0, single = 0;
	double ratio = 0, r;
	int eqratio = 1;
	const char *shape;

	pts = json_array();
	for (k = 0; k < s->n; k++) {
		update_of(a, s->r[k].s0, s->r[k].e0, &idx, &alt);
		if (k < AUDIT_MAX_OBSERVED)
			json_array_append_new(pts, json_pack("{s:I,s:o,s:o}",
			    "step", (json_int_t)s->r[k].s0, a->epoch_clock ?
			    "epoch" : "iter", json_integer(idx), "lr",
			    json_num(s->r[k].v)));
		if (s->r[k].n == 1)
			single++;
		if (k == 0) {
			first = idx;
			continue;
		}
		lastidx = idx;
		nchg++;
		r = s->r[k].v / s->r[k - 1].v;
		if (s->r[k].v < s->r[k - 1].v)
			ndown++;
		else
			nup++;
		if (nchg == 1)
			ratio = r;
		else if (fabs(r / ratio - 1) > 1e-3)
			eqratio = 0;
	}
	if (s->n <= 1)
		shape = "constant";
	else if (nup == 0 && nchg <= 30 && single * 2 < s->n)
		shape = eqratio ? "multistep" : "steps (uneven factors)";
	else if (nup == 0)
		shape = smooth_shape(a, s, first, lastidx);
	else if (ndown == 0)
		shape = "rising";
	else if (s->r[0].v < s->r[1].v && nup * 4 < nchg + 4)
		shape = "warm-up then decay";
	else
		shape = "irregular";
	o = json_pack("{s:s,s:s,s:o,s:I,s:b}", "type", "observed", "tag",
	    s->tag, "changes", pts, "runs", (json_int_t)s->n, "truncated",
	    s->n > AUDIT_MAX_OBSERVED || s->capped);
	json_object_set_new(o, "shape", json_string(shape));
	a->shape = shape;
	if (!strcmp(shape, "multistep") && nchg > 0)
		json_object_set_new(o, "gamma", json_num(ratio));
	json_array_append_new(a->out, o);
}

/* Does every observed change sit at a declared one times scale? */
static int
scaled_match(const struct audit *a, const struct change *c, int nc,
    const long long *cp, int ncp, double scale, long long end)
{
	int k, j = 0, n = 0;
	double m;

	for (k = 1; k < ncp; k++) {
		m = (double)cp[k] * scale;
		if (m >= (double)end)
			break;
		for (; j < nc && c[j].back; j++)
			;
		if (j >= nc)
			return 0;
		/* Within the sampling gap, or one update of rounding. */
		if (!(m > (double)c[j].a - 1 && m <= (double)c[j].b + 1))
			return 0;
		j++;
		n++;
	}
	for (; j < nc; j++)
		if (!c[j].back)
			return 0;
	return n > 0;
}

/*
 * Constant offset: each change k happened in (a_k, b_k], so the offset
 * lies in [a_k + 1 - c_k, b_k - c_k]; intersect them.
 */
static int
common_offset(const struct change *c, int nc, const long long *cp, int ncp,
    long long *lo, long long *hi)
{
	int k, j = 0;

	*lo = LLONG_MIN / 2;
	*hi = LLONG_MAX / 2;
	for (k = 1; k < ncp && j < nc; k++, j++) {
		if (c[j].back)
			return 0;
		if (c[j].a + 1 - cp[k] > *lo)
			*lo = c[j].a + 1 - cp[k];
		if (c[j].b - cp[k] < *hi)
			*hi = c[j].b - cp[k];
	}
	return k == ncp && j == nc && *lo <= *hi;
}

static void
check_warmup(struct audit *a, const struct series *s, int *explained)
{
	const struct sched *d = a->d;
	long long len, idx, alt;
	size_t k;
	int in = 0, in_main = 0, after = 0, after_stuck = 0;
	double ratio = d->warmup_lr / d->lr, m;

	len = to_ll(dur_iters(d->warmup_len, a->ipe > 0 ? a->ipe : 1));
	for (k = 0; k < s->n; k++) {
		update_of(a, s->r[k].s0, s->r[k].e0, &idx, &alt);
		if (idx < len && d->warmup_lr != d->lr) {
			in++;
			m = sched_lr(d, idx, a->ipe > 0 ? a->ipe : 1);
			(void)m;
			if (same(a, s->r[k].v, d->lr) && !same(a, d->lr,
			    expect(a, idx)))
				in_main++;
		}
		update_of(a, s->r[k].s1, s->r[k].e1, &idx, &alt);
		if (idx >= len) {
			after++;
			if (same(a, s->r[k].v, expect(a, idx) * ratio) &&
			    !same(a, s->r[k].v, expect(a, idx)))
				after_stuck++;
		}
	}
	if (in > 0 && in_main == in) {
		update_of(a, s->r[0].s0, s->r[0].e0, &idx, &alt);
		finding(a, "warmup_missing", "error", s->r[0].s0, idx,
		    expect(a, idx), s->r[0].v, "no warm-up: lr was %g from the "
		    "start where the declared warm-up begins at %g",
		    s->r[0].v, d->warmup_lr);
		*explained = 1;
	}
	if (after > 0 && after_stuck == after) {
		char *w = when(a, len);

		finding(a, "warmup_not_undone", "error", -1, len, expect(a,
		    len), expect(a, len) * ratio, "the warm-up rate was never "
		    "undone: after the warm-up ends at %s the lr stayed %g "
		    "times the declared schedule (%g instead of %g)", w, ratio,
		    expect(a, len) * ratio, expect(a, len));
		free(w);
		*explained = 1;
	}
}

/* Steps going backwards, or the rate climbing back up. */
static void
check_resume(struct audit *a, const struct change *c, int nc, int *explained)
{
	char b1[40], b2[40];
	int k;

	for (k = 0; k < nc; k++) {
		if (c[k].back) {
			finding(a, "resume_jump", "warning", c[k].sb, c[k].b,
			    a->d != NULL ? expect(a, c[k].b) : NAN, c[k].v1,
			    "the log goes back to step %s after step %s (a "
			    "resumed or restarted run appending to the same "
			    "log)", grouped(b1, sizeof(b1), c[k].sb),
			    grouped(b2, sizeof(b2), c[k].a));
			continue;
		}
		if (c[k].v1 > c[k].v0 * (1 + 1e-3) && (a->d == NULL ||
		    expect(a, c[k].b) < c[k].v1 * (1 - 1e-3))) {
			char *w = when(a, c[k].b);

			finding(a, "lr_reset", "error", c[k].sb, c[k].b,
			    a->d != NULL ? expect(a, c[k].b) : NAN, c[k].v1,
			    "the lr jumped up from %g to %g at %s (a resume "
			    "that restarted the schedule?)", c[k].v0, c[k].v1,
			    w);
			free(w);
			if (a->d != NULL)
				*explained = 1;
		}
	}
}

/* The value a series has at order key k, or NAN between runs. */
static double
value_at(const struct series *s, long long k, size_t *hint)
{
	size_t i = *hint < s->n ? *hint : 0;

	if (i > 0 && s->r[i].k0 > k)
		i = 0;
	for (; i < s->n; i++) {
		if (s->r[i].back)
			break;
		if (s->r[i].k0 <= k && k <= s->r[i].k1) {
			*hint = i;
			return s->r[i].v;
		}
		if (s->r[i].k0 > k)
			break;
	}
	return NAN;
}

/*
 * Other groups of the same optimizer (lr-SGD/pg1, lr-SGD/pg2) must move
 * together: their ratio to the audited tag stays what it was at first.
 * Checked at every change of either.
 */
static void
check_groups(struct audit *a)
{
	const struct series *p = a->p, *g, *x;
	size_t i, k, hp, hg;
	double r0, r, vp, vg;
	long long idx, alt, key, stp;
	char *w;
	int side, done;

	for (i = 0; i < a->nser; i++) {
		g = &a->ser[i];
		if (g == p || g->n == 0)
			continue;
		if (strchr(g->tag, '/') == NULL && strchr(p->tag, '/') == NULL)
			continue;	/* separate optimizers */
		if (strncmp(g->tag, p->tag, strcspn(p->tag, "/")) != 0)
			continue;
		r0 = NAN;
		done = 0;
		for (side = 0; side < 2 && !done; side++) {
			x = side == 0 ? p : g;
			hp = hg = 0;
			for (k = 0; k < x->n && !done; k++) {
				key = x->r[k].k0;
				stp = x->r[k].s0;
				vp = value_at(p, key, &hp);
				vg = value_at(g, key, &hg);
				if (isnan(vp) || isnan(vg) || vp == 0)
					continue;
				r = vg / vp;
				if (isnan(r0))
					r0 = r;
				if (fabs(r / r0 - 1) <= 10 * a->o.rel_tol)
					continue;
				update_of(a, stp, x->r[k].e0, &idx, &alt);
				w = when(a, idx);
				finding(a, "groups_disagree", "error", stp, idx,
				    vp * r0, vg, "parameter groups disagree: "
				    "%s is %g at %s where %s is %g (ratio %g, "
				    "was %g)", g->tag, vg, w, p->tag, vp, r,
				    r0);
				free(w);
				done = 1;
			}
		}
	}
}

/* Changes of a piecewise schedule, out to well past the run. */
/* The first update after the declared warm-up (0 without one). */
static long long
warmup_end(const struct audit *a)
{
	if (a->d == NULL || a->d->warmup == WARMUP_NONE)
		return 0;
	return to_ll(dur_iters(a->d->warmup_len, a->ipe > 0 ? a->ipe :
	    1));
}

static int
declared_changes(const struct audit *a, long long end, long long *cp,
    double *lv)
{
	long long lim = end, m, wend;
	struct sched main;
	int i, j, n;

	for (i = 0; i < a->d->nmilestones; i++) {
		m = to_ll(dur_iters(a->d->milestones[i], a->ipe > 0 ?
		    a->ipe : 1)) + 1;
		if (m > lim)
			lim = m;
	}
	if (a->d->stop.v > 0 && (m = to_ll(dur_iters(a->d->stop,
	    a->ipe > 0 ? a->ipe : 1))) > lim)
		lim = m;
	if (end < AUDIT_MAX_STEP && lim < 4 * end)
		lim = 4 * end + 1;
	if (a->d->warmup == WARMUP_NONE)
		return sched_changes(a->d, a->ipe > 0 ? a->ipe : 1, lim, cp,
		    lv, AUDIT_MAX_CHANGES);
	/*
	 * With a warm-up, the changes of the main schedule after it; the
	 * warm-up itself is checked sample by sample and by check_warmup.
	 * Entry 0 carries the rate the warm-up hands over.
	 */
	main = *a->d;
	main.warmup = WARMUP_NONE;
	n = sched_changes(&main, a->ipe > 0 ? a->ipe : 1, lim, cp, lv,
	    AUDIT_MAX_CHANGES);
	wend = warmup_end(a);
	lv[0] = expect(a, wend);
	for (i = 1, j = 1; i < n; i++)
		if (cp[i] > wend) {
			cp[j] = cp[i];
			lv[j++] = lv[i];
		}
	return j;
}

static void
unit_finding(struct audit *a, const long long *cp, const struct change *c,
    double scale)
{
	char *w = when(a, c[0].b), *dw = when(a, cp[1]);
	int twice = scale < 0.75 && scale > 0.25;

	finding(a, twice ? "stepped_twice" : "wrong_unit", "error", c[0].sb,
	    c[0].b, expect(a, c[0].b), c[0].v1, "%s: the first decay came at "
	    "%s, declared at %s", twice ? "the scheduler was stepped twice, "
	    "decays came at half the declared times" : scale < 1 ? "right "
	    "count, wrong unit: milestones meant as epochs were applied as "
	    "iterations" : "right count, wrong unit: milestones meant as "
	    "iterations were applied as epochs", w, dw);
	free(w);
	free(dw);
}

/* The whole run at k times the declared rate: a wrong base rate. */
static int
check_scaled(struct audit *a)
{
	const struct series *s = a->p;
	long long idx, alt;
	double k = NAN, r;
	size_t i;
	char *w;

	for (i = 0; i < s->n; i++) {
		update_of(a, s->r[i].s0, s->r[i].e0, &idx, &alt);
		r = s->r[i].v / expect(a, idx);
		if (isnan(k))
			k = r;
		else if (!same(a, r, k))
			return 0;
		update_of(a, s->r[i].s1, s->r[i].e1, &idx, &alt);
		if (!same(a, s->r[i].v / expect(a, idx), k))
			return 0;
	}
	if (isnan(k) || same(a, k, 1) || !isfinite(k))
		return 0;
	update_of(a, s->r[0].s0, s->r[0].e0, &idx, &alt);
	w = when(a, idx);
	finding(a, "wrong_lr", "error", s->r[0].s0, idx, expect(a, idx),
	    s->r[0].v, "the lr was %g times the declared schedule all along: "
	    "%g at %s instead of %g", k, s->r[0].v, w, expect(a, idx));
	free(w);
	return 1;
}

/* Bad samples no check above could explain: report the first. */
static void
check_leftover(struct audit *a, const long long *cp, int ncp,
    int piecewise)
{
	const struct series *s = a->p;
	long long idx, alt;
	size_t i;
	char *w;

	for (i = 0; i < s->n; i++) {
		if (run_ok(a, &s->r[i], cp, ncp, piecewise))
			continue;
		update_of(a, s->r[i].s0, s->r[i].e0, &idx, &alt);
		if (matches(a, s->r[i].v, idx, alt))
			update_of(a, s->r[i].s1, s->r[i].e1, &idx, &alt);
		w = when(a, idx);
		finding(a, "mismatch", "error", s->r[i].s0, idx, expect(a,
		    idx), s->r[i].v, "the lr leaves the declared schedule "
		    "near %s: %g instead of %g", w, s->r[i].v, expect(a, idx));
		free(w);
		return;
	}
}

static void
check_piecewise(struct audit *a, struct change *c, int nc,
    const long long *cp, const double *lv, int ncp, long long end)
{
	const struct series *s = a->p;
	long long lo, hi, d;
	size_t r0;
	int k, j, inrun = 0, nreal = 0, matched;
	char *w, b[40];

	for (k = 1; k < ncp; k++)
		if (cp[k] < end)
			inrun++;
	for (j = 0; j < nc; j++)
		if (!c[j].back)
			nreal++;
	if (check_scaled(a))
		return;

	/* Never decayed: one value all along (after any warm-up), the
	 * declared one at the start. */
	for (r0 = 0; r0 + 1 < s->n; r0++) {
		update_of(a, s->r[r0].s1, s->r[r0].e1, &lo, &hi);
		if (lo >= warmup_end(a))
			break;
	}
	if (nreal == 0 && inrun > 0 && same(a, s->r[r0].v, lv[0])) {
		w = when(a, cp[1]);
		finding(a, "never_decayed", "error", -1, cp[1], lv[1],
		    s->r[r0].v, "lr stayed at %g after the declared decay at "
		    "%s", s->r[r0].v, w);
		free(w);
		return;
	}
	/* Right count, wrong unit; or a scheduler stepped twice. */
	if (a->ipe > 1 && !a->epoch_clock && nreal > 0) {
		if (scaled_match(a, c, nc, cp, ncp, 1.0 / (double)a->ipe,
		    end)) {
			unit_finding(a, cp, c, 1.0 / (double)a->ipe);
			return;
		}
		if (scaled_match(a, c, nc, cp, ncp, (double)a->ipe, end)) {
			unit_finding(a, cp, c, (double)a->ipe);
			return;
		}
	}
	if (nreal > 0 && scaled_match(a, c, nc, cp, ncp, 0.5, end)) {
		unit_finding(a, cp, c, 0.5);
		return;
	}
	/* A constant offset (same count, same factors, shifted). */
	if (nreal == inrun && nreal > 0 && common_offset(c, nc, cp, ncp < nc +
	    1 ? ncp : nc + 1, &lo, &hi) && !(lo <= 0 && hi >= 0)) {
		d = lo > 0 ? lo : hi;
		if (a->ipe > 0 && lo <= a->ipe && a->ipe <= hi)
			d = a->ipe;
		else if (a->ipe > 0 && lo <= -a->ipe && -a->ipe <= hi)
			d = -a->ipe;
		w = when(a, cp[1]);
		/* A log stepped by epochs counts its shift in epochs. */
		finding(a, "shifted", "error", c[0].sb, c[0].b, lv[1],
		    c[0].v0, "every decay came %s %s %s%s %s (%s): the "
		    "first declared at %s", lo == hi ? "exactly" : "about",
		    grouped(b, sizeof(b), d < 0 ? -d : d), a->epoch_clock ?
		    "epoch" : "iteration", d == 1 || d == -1 ? "" : "s",
		    d < 0 ? "early" : "late", (a->ipe > 0 && (d == a->ipe ||
		    d == -a->ipe)) || (a->epoch_clock && (d == 1 || d == -1)) ?
		    "off by one epoch" : "a constant offset", w);
		free(w);
		return;
	}
	/* Change by change: wrong factor, missing and extra decays. */
	for (k = 1; k < ncp && cp[k] < end; k++) {
		matched = 0;
		for (j = 0; j < nc; j++) {
			if (c[j].used || c[j].back || !(cp[k] > c[j].a &&
			    cp[k] <= c[j].b))
				continue;
			c[j].used = 1;
			matched = 1;
			if (!same(a, c[j].v1 / c[j].v0, lv[k] / lv[k - 1])) {
				w = when(a, cp[k]);
				finding(a, "wrong_factor", "error", c[j].sb,
				    c[j].b, lv[k], c[j].v1, "the decay at %s "
				    "multiplied the lr by %g, not the declared "
				    "%g", w, c[j].v1 / c[j].v0,
				    lv[k] / lv[k - 1]);
				free(w);
			}
			break;
		}
		if (!matched) {
			w = when(a, cp[k]);
			finding(a, "missing_decay", "error", -1, cp[k], lv[k],
			    NAN, "no change of the lr at the declared decay "
			    "at %s (to %g)", w, lv[k]);
			free(w);
		}
	}
	for (j = 0; j < nc; j++) {
		if (c[j].used || c[j].back || c[j].v1 > c[j].v0)
			continue;
		w = when(a, c[j].b);
		finding(a, "extra_decay", "error", c[j].sb, c[j].b,
		    expect(a, c[j].b), c[j].v1, "the lr changed from %g to "
		    "%g by %s where the declared schedule has no change",
		    c[j].v0, c[j].v1, w);
		free(w);
	}
}

/* Values agree; are the declared changes pinned down by samples? */
static void
check_coverage(struct audit *a, const long long *cp, const double *lv,
    int ncp, long long end)
{
	const struct series *s = a->p;
	long long before, after, idx, alt, next, win, lo, hi;
	size_t r;
	int k;
	char *w, b[40];

	for (k = 1; k < ncp; k++) {
		if (cp[k] >= end) {
			w = when(a, cp[k]);
			finding(a, "beyond_run", "warning", -1, cp[k], lv[k],
			    NAN, "the declared change to %g at %s lies "
			    "beyond the run's last step (%s)", lv[k], w,
			    grouped(b, sizeof(b), end - 1));
			free(w);
			continue;
		}
		next = k + 1 < ncp ? cp[k + 1] : LLONG_MAX;
		before = -1;
		after = -1;
		/* A sample surely before it, one surely after it. */
		for (r = 0; r < 4 * s->n; r++) {
			const struct run *q = &s->r[r / 4];

			switch (r % 4) {
			case 0:
				update_of(a, q->s0, q->e0, &idx, &alt);
				break;
			case 1:
				update_of(a, q->s0b, q->e0b, &idx, &alt);
				break;
			case 2:
				update_of(a, q->s1b, q->e1b, &idx, &alt);
				break;
			default:
				update_of(a, q->s1, q->e1, &idx, &alt);
				break;
			}
			lo = idx < alt ? idx : alt;
			hi = idx < alt ? alt : idx;
			if (hi < cp[k] && hi > before)
				before = hi;
			if (lo >= cp[k] && lo < next &&
			    (after < 0 || lo < after))
				after = lo;
		}
		/*
		 * Close enough to tell a decay one epoch late; without the
		 * epoch length, within a twentieth of the milestone.
		 */
		win = a->ipe > 0 && !a->epoch_clock ? a->ipe : 1;
		if (a->ipe <= 0 && !a->epoch_clock && win < cp[k] / 20)
			win = cp[k] / 20;
		if (after < 0 || before < 0 || after - before > win) {
			w = when(a, cp[k]);
			finding(a, "unverifiable", "warning", -1, cp[k], lv[k],
			    NAN, "the declared change at %s cannot be checked: "
			    "%s", w, after < 0 ? "no lr sample between it and "
			    "the next change" : before < 0 ? "no lr sample "
			    "before it" : "the samples around it are too far "
			    "apart");
			free(w);
		}
	}
}

/* Continuous schedules: report where samples leave the curve. */
static void
check_curve(struct audit *a)
{
	const struct series *s = a->p;
	long long idx, alt, nbad = 0, firststep = -1, firstidx = -1;
	double want = 0, got = 0;
	size_t k;
	char *w;
	int constant = s->n == 1;

	for (k = 0; k < s->n; k++) {
		update_of(a, s->r[k].s0, s->r[k].e0, &idx, &alt);
		if (!matches(a, s->r[k].v, idx, alt)) {
			if (nbad++ == 0) {
				firststep = s->r[k].s0;
				firstidx = idx;
				want = expect(a, idx);
				got = s->r[k].v;
			}
		}
		update_of(a, s->r[k].s1, s->r[k].e1, &idx, &alt);
		if (!matches(a, s->r[k].v, idx, alt) && nbad++ == 0) {
			firststep = s->r[k].s1;
			firstidx = idx;
			want = expect(a, idx);
			got = s->r[k].v;
		}
	}
	if (nbad == 0)
		return;
	w = when(a, firstidx);
	if (constant && same(a, s->r[0].v, expect(a, 0)))
		finding(a, "never_decayed", "error", firststep, firstidx, want,
		    got, "lr stayed at %g where the declared schedule had "
		    "fallen to %g by %s", got, want, w);
	else
		finding(a, "mismatch", "error", firststep, firstidx, want, got,
		    "the lr leaves the declared schedule at %s: %g instead "
		    "of %g", w, got, want);
	free(w);
}

/* The audited tag: the one given, else the first LR tag whose first
 * value fits the declaration, else the first. */
static struct series *
pick(struct audit *a)
{
	size_t i;

	if (a->o.tag != NULL) {
		for (i = 0; i < a->nser; i++)
			if (!strcmp(a->ser[i].tag, a->o.tag) &&
			    a->ser[i].n > 0)
				return &a->ser[i];
		return NULL;
	}
	if (a->d != NULL)
		for (i = 0; i < a->nser; i++)
			if (a->ser[i].n > 0 && (same(a, a->ser[i].r[0].v,
			    sched_lr(a->d, 0, a->ipe > 0 ? a->ipe : 1)) ||
			    same(a, a->ser[i].r[0].v, a->d->lr)))
				return &a->ser[i];
	for (i = 0; i < a->nser; i++)
		if (a->ser[i].n > 0)
			return &a->ser[i];
	return NULL;
}

static int
uses_iters(const struct sched *d)
{
	int i;

	if (d->warmup != WARMUP_NONE && !d->warmup_len.epochs)
		return 1;
	for (i = 0; i < d->nmilestones; i++)
		if (!d->milestones[i].epochs)
			return 1;
	if ((d->kind == SCHED_STEP || d->kind == SCHED_EXP) &&
	    !d->every.epochs)
		return 1;
	if ((d->kind == SCHED_COSINE || d->kind == SCHED_LINEAR ||
	    d->kind == SCHED_ONECYCLE) && !d->total.epochs)
		return 1;
	return 0;
}

static int
uses_epochs(const struct sched *d)
{
	int i;

	if (d->warmup != WARMUP_NONE && d->warmup_len.epochs)
		return 1;
	for (i = 0; i < d->nmilestones; i++)
		if (d->milestones[i].epochs)
			return 1;
	return ((d->kind == SCHED_STEP || d->kind == SCHED_EXP) &&
	    d->every.epochs) || ((d->kind == SCHED_COSINE ||
	    d->kind == SCHED_LINEAR || d->kind == SCHED_ONECYCLE) &&
	    d->total.epochs);
}

/* Settle the iterations per epoch: given, from the log, or none. */
static int
settle_ipe(struct audit *a, const char **from, char *err, size_t errlen)
{
	a->ipe = a->o.ipe;
	*from = a->o.ipe_from != NULL ? a->o.ipe_from : "given";
	if (a->ipe <= 0 && a->fmt == F_STEP && a->ipe_hi > 0 &&
	    a->ipe_lo <= a->ipe_hi) {
		a->ipe = a->ipe_lo;
		*from = a->ipe_lo == a->ipe_hi ? "the log's step and epoch "
		    "columns" : "the log's step and epoch columns (lower "
		    "bound)";
	}
	if (a->ipe <= 0 && a->fmt == F_MMCV && a->mmcv_epochs &&
	    a->mmcv_maxiter > 0) {
		a->ipe = a->mmcv_maxiter;
		*from = "the largest iteration logged in an epoch "
		    "(an estimate)";
	}
	if (a->ipe > 0)
		return 0;
	*from = "unknown";
	if (a->fmt == F_EPOCHS) {
		if (a->d != NULL && uses_iters(a->d)) {
			snprintf(err, errlen, "the log counts epochs and the "
			    "schedule iterations: give --iters-per-epoch or "
			    "--train-size and --batch");
			return -1;
		}
		a->epoch_clock = 1;
		return 0;
	}
	if (a->fmt == F_MMCV && a->mmcv_epochs) {
		snprintf(err, errlen, "mmcv counts iterations inside epochs: "
		    "give --iters-per-epoch");
		return -1;
	}
	if (a->d != NULL && uses_epochs(a->d)) {
		snprintf(err, errlen, "the schedule is in epochs and the log "
		    "does not say how many iterations an epoch has: give "
		    "--iters-per-epoch or --train-size and --batch");
		return -1;
	}
	return 0;
}

/* "no schedule declared; observed multistep: 0.1, 0.01 from step ..." */
static char *
observed_text(const struct audit *a)
{
	const struct series *s = a->p;
	char buf[600], b[40];
	size_t k, off;

	off = (size_t)snprintf(buf, sizeof(buf), "no schedule declared; "
	    "observed %s: %g", a->shape, s->r[0].v);
	for (k = 1; k < s->n && k < 6 && off < sizeof(buf); k++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    ", %g from step %s", s->r[k].v, grouped(b, sizeof(b),
		    s->r[k].s0));
	if (k < s->n && off < sizeof(buf))
		snprintf(buf + off, sizeof(buf) - off, ", ... (%zu values)",
		    s->n);
	return xstrdup(buf);
}

static void
summary(struct audit *a, const char *from, const char *ipe_from)
{
	json_t *o;
	char *text = NULL;
	const char *verdict;

	verdict = a->d == NULL ? (a->nfind ? "findings" : "undeclared") :
	    a->nfind ? "findings" : "consistent";
	o = json_pack("{s:s,s:s,s:s,s:O}", "type", "summary", "format",
	    a->format, "tag", a->p->tag, "lr_tags", a->lrtags);
	json_object_set_new(o, "declared", a->d != NULL ? sched_json(a->d) :
	    json_null());
	json_object_set_new(o, "declared_from", from != NULL ?
	    json_string(from) : json_null());
	json_object_set_new(o, "iters_per_epoch", a->ipe > 0 && !a->epoch_clock
	    ? json_integer(a->ipe) : json_null());
	json_object_set_new(o, "iters_per_epoch_from", json_string(ipe_from));
	json_object_set_new(o, "points", json_integer(a->npoints));
	json_object_set_new(o, "lr_points", json_integer(a->p->npts));
	json_object_set_new(o, "last_step", a->maxstep >= 0 ?
	    json_integer(a->maxstep) : json_null());
	json_object_set_new(o, "findings", json_integer(a->nfind));
	json_object_set_new(o, "verdict", json_string(verdict));
	if (a->headline != NULL && a->never)
		/* CIFAR-10 ResNets left at 0.1 plateau at 83-89% test
		 * accuracy in public re-runs; decayed ones reach 91% or
		 * more (He et al. 2016, Table 6). */
		text = xasprintf("%s; runs like this typically end near 86%% "
		    "instead of 91%%", a->headline);
	else if (a->headline != NULL)
		text = xstrdup(a->headline);
	else if (a->d != NULL)
		text = xasprintf("the lr follows the declared schedule");
	else
		text = observed_text(a);
	json_object_set_new(o, "message", json_string(text));
	free(text);
	json_array_append_new(a->out, o);
}

/*
 * Some tags carry their producer's time semantics whatever the file
 * format: the Trainer's callbacks write "train/learning_rate" (to
 * TensorBoard, MLflow, W&B) with its step meaning; Keras's TensorBoard
 * callback writes "epoch_learning_rate" at step = epoch.  Returns 1 when
 * that changed how steps are read.
 */
static int
tag_fmt(struct audit *a, const char *tag)
{
	const char *base = strrchr(tag, '/');
	enum fmt old = a->fmt;

	base = base != NULL ? base + 1 : tag;
	if (a->base_fmt != F_STEP)
		return 0;
	if (ends_with(tag, "train/learning_rate") || !strcmp(tag,
	    "learning_rate"))
		a->fmt = F_HF;
	else if (!strncmp(base, "epoch_", 6))
		a->fmt = F_EPOCHS;
	else
		a->fmt = F_STEP;
	return a->fmt != old;
}

json_t *
audit_run(struct audit *a, const struct sched *d, const char *from,
    int *nfindings, char *err, size_t errlen)
{
	static long long cp[AUDIT_MAX_CHANGES];
	static double lv[AUDIT_MAX_CHANGES];
	struct change *c;
	const char *ipe_from;
	long long end;
	int nc, ncp = 0, explained = 0, piecewise, bad = 0, before;
	struct sched main;
	size_t k;

	a->d = d;
	a->out = json_array();
	a->nfind = 0;
	if (a->nser == 0) {
		snprintf(err, errlen, "no learning rate in the log");
		json_decref(a->out);
		a->out = NULL;
		return NULL;
	}
	/* A first guess at the tag, by name, for its time semantics. */
	for (k = 0; k < a->nser && a->o.tag == NULL; k++)
		if (a->ser[k].n > 0) {
			tag_fmt(a, a->ser[k].tag);
			break;
		}
	if (a->o.tag != NULL)
		tag_fmt(a, a->o.tag);
	if (settle_ipe(a, &ipe_from, err, errlen) == -1) {
		json_decref(a->out);
		a->out = NULL;
		return NULL;
	}
	if ((a->p = pick(a)) == NULL) {
		for (k = 0; k < a->nser && a->ser[k].n == 0; k++)
			;
		if (k == a->nser && a->nbad > 0)
			snprintf(err, errlen, "no finite learning rate in the "
			    "log: %lld values are NaN or infinite", a->nbad);
		else if (a->o.tag == NULL)
			snprintf(err, errlen, "no learning rate in the log");
		else
			snprintf(err, errlen, "no learning rate tag \"%s\" in "
			    "the log", a->o.tag);
		json_decref(a->out);
		a->out = NULL;
		return NULL;
	}
	if (tag_fmt(a, a->p->tag) && settle_ipe(a, &ipe_from, err,
	    errlen) == -1) {
		json_decref(a->out);
		a->out = NULL;
		return NULL;
	}
	end = run_end(a);
	c = xcalloc(a->p->n + 1, sizeof(*c));
	nc = build_changes(a, a->p, c, (int)a->p->n);
	describe(a, a->p);
	check_resume(a, c, nc, &explained);
	check_groups(a);
	if (d != NULL) {
		main = *d;
		main.warmup = WARMUP_NONE;
		piecewise = sched_is_piecewise(&main);
		if (piecewise)
			ncp = declared_changes(a, end, cp, lv);
		/* The warm-up's own ramp is no decay to match. */
		for (k = 0; k < (size_t)nc; k++)
			if (c[k].a < warmup_end(a))
				c[k].back = 2;
		for (k = 0; k < a->p->n; k++)
			if (!run_ok(a, &a->p->r[k], cp, ncp, piecewise))
				bad++;
		if (d->warmup != WARMUP_NONE && bad > 0)
			check_warmup(a, a->p, &explained);
		if (bad > 0 && !explained) {
			before = a->nfind;
			if (piecewise)
				check_piecewise(a, c, nc, cp, lv, ncp, end);
			else if (!check_scaled(a))
				check_curve(a);
			if (a->nfind == before)
				check_leftover(a, cp, ncp, piecewise);
		}
		if (piecewise && (bad == 0 || explained))
			check_coverage(a, cp, lv, ncp, end);
		else if (piecewise)
			for (k = 1; k < (size_t)ncp; k++)
				if (cp[k] >= end) {
					check_coverage(a, cp + k - 1,
					    lv + k - 1, ncp - (int)k + 1, end);
					break;
				}
	}
	free(c);
	summary(a, from, ipe_from);
	*nfindings = a->nfind;
	return json_incref(a->out);
}

void
audit_free(struct audit *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nser; i++) {
		free(a->ser[i].tag);
		free(a->ser[i].r);
	}
	free(a->ser);
	free(a->format);
	free(a->headline);
	json_decref(a->lrtags);
	json_decref(a->out);
	free(a);
}
