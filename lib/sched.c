/*
 * sched.c: parse, evaluate and print the learning-rate schedules declared
 * in sched.h.  Reads schedule text ("warmup:...+multistep:..."), writes
 * canonical text and JSON; it keeps no state and does no I/O.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "jsonio.h"
#include "util.h"

#define SCHED_MAX_TEXT	4096

static const char *const kind_names[] = {
	"constant", "multistep", "step", "exp", "cosine", "linear", "onecycle"
};
#define NKINDS	(sizeof(kind_names) / sizeof(kind_names[0]))

static int
sched_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Keys each kind accepts besides lr and stop. */
static int
kind_takes(enum sched_kind k, const char *key)
{
	switch (k) {
	case SCHED_CONSTANT:
		return 0;
	case SCHED_MULTISTEP:
		return !strcmp(key, "milestones") || !strcmp(key, "gamma");
	case SCHED_STEP:
		return !strcmp(key, "every") || !strcmp(key, "gamma");
	case SCHED_EXP:
		return !strcmp(key, "gamma") || !strcmp(key, "every");
	case SCHED_COSINE:
		return !strcmp(key, "total") || !strcmp(key, "min");
	case SCHED_LINEAR:
		return !strcmp(key, "total") || !strcmp(key, "end");
	case SCHED_ONECYCLE:
		return !strcmp(key, "total") || !strcmp(key, "pct") ||
		    !strcmp(key, "div") || !strcmp(key, "final_div");
	}
	return 0;
}

static const char *
kind_keys(enum sched_kind k)
{
	switch (k) {
	case SCHED_CONSTANT:
		return "lr, stop";
	case SCHED_MULTISTEP:
		return "lr, milestones, gamma, stop";
	case SCHED_STEP:
		return "lr, every, gamma, stop";
	case SCHED_EXP:
		return "lr, gamma, every, stop";
	case SCHED_COSINE:
		return "lr, total, min, stop";
	case SCHED_LINEAR:
		return "lr, total, end, stop";
	case SCHED_ONECYCLE:
		return "lr, total, pct, div, final_div, stop";
	}
	return "";
}

/* A finite real; the whole string must be used. */
static int
num_parse(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * A duration: digits with an optional "k" (thousands) and an optional
 * unit, "ep" for epochs or "it" for iterations.  The count must be a
 * whole, positive number once multiplied out.
 */
static int
dur_parse(const char *s, struct dur *d)
{
	char buf[64];
	size_t n;
	double v, mul = 1;

	n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	d->epochs = 0;
	if (n > 2 && !strcmp(buf + n - 2, "ep")) {
		d->epochs = 1;
		buf[n -= 2] = '\0';
	} else if (n > 2 && !strcmp(buf + n - 2, "it"))
		buf[n -= 2] = '\0';
	if (n > 1 && (buf[n - 1] == 'k' || buf[n - 1] == 'K')) {
		mul = 1000;
		buf[--n] = '\0';
	}
	/* strtod would take "0x10", "inf", "1e3": accept plain decimals. */
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '.')
			return -1;
	if (num_parse(buf, &v) == -1)
		return -1;
	v *= mul;
	if (v <= 0 || v > 1e15 || v != floor(v))
		return -1;
	d->v = v;
	return 0;
}

static void
sched_defaults(struct sched *s, enum sched_kind k)
{
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->lr = NAN;
	s->gamma = k == SCHED_EXP ? NAN : 0.1;
	s->pct = 0.3;
	s->div = 25;
	s->final_div = 1e4;
	s->every.v = k == SCHED_EXP ? 1 : 0;
	s->warmup = WARMUP_NONE;
	s->warmup_lr = NAN;
}

static int
milestones_parse(const char *v, struct sched *s, char *err, size_t errlen)
{
	char buf[SCHED_MAX_TEXT];
	char *p, *tok;
	int i;

	if (strlen(v) >= sizeof(buf))
		return sched_err(err, errlen, "milestones: list too long");
	strcpy(buf, v);
	s->nmilestones = 0;
	for (p = buf; (tok = strsep(&p, "/")) != NULL; ) {
		if (s->nmilestones == SCHED_MAX_MILESTONES)
			return sched_err(err, errlen,
			    "milestones: more than %d", SCHED_MAX_MILESTONES);
		if (dur_parse(tok, &s->milestones[s->nmilestones]) == -1)
			return sched_err(err, errlen, "milestones: \"%s\" is "
			    "not a positive whole count (e.g. 32000, 32k, "
			    "91ep)", tok);
		s->nmilestones++;
	}
	for (i = 1; i < s->nmilestones; i++) {
		const struct dur *a = &s->milestones[i - 1];
		const struct dur *b = &s->milestones[i];

		if (a->epochs == b->epochs && b->v <= a->v)
			return sched_err(err, errlen, "milestones must "
			    "increase: %g after %g", b->v, a->v);
	}
	return 0;
}

static int
dur_key(const char *key, const char *v, struct dur *d, char *err,
    size_t errlen)
{
	if (dur_parse(v, d) == -1)
		return sched_err(err, errlen, "%s: \"%s\" is not a positive "
		    "whole count (e.g. 64000, 64k, 182ep)", key, v);
	return 0;
}

static int
real_key(const char *key, const char *v, double lo, int lo_open, double hi,
    double *out, char *err, size_t errlen)
{
	double x;

	if (num_parse(v, &x) == -1)
		return sched_err(err, errlen, "%s: \"%s\" is not a number",
		    key, v);
	if (x < lo || (lo_open && x == lo) || x > hi)
		return sched_err(err, errlen, "%s: %s is out of range", key,
		    v);
	*out = x;
	return 0;
}

/* One "key=value" of the main part. */
static int
main_key(struct sched *s, const char *key, const char *v, char *err,
    size_t errlen)
{
	if (!strcmp(key, "lr"))
		return real_key(key, v, 0, 1, 1e6, &s->lr, err, errlen);
	if (!strcmp(key, "stop"))
		return dur_key(key, v, &s->stop, err, errlen);
	if (!kind_takes(s->kind, key))
		return sched_err(err, errlen, "%s: unknown key \"%s\" "
		    "(keys: %s)", kind_names[s->kind], key,
		    kind_keys(s->kind));
	if (!strcmp(key, "milestones"))
		return milestones_parse(v, s, err, errlen);
	if (!strcmp(key, "gamma"))
		return real_key(key, v, 0, 1, 1e6, &s->gamma, err, errlen);
	if (!strcmp(key, "every"))
		return dur_key(key, v, &s->every, err, errlen);
	if (!strcmp(key, "total"))
		return dur_key(key, v, &s->total, err, errlen);
	if (!strcmp(key, "min") || !strcmp(key, "end"))
		return real_key(key, v, 0, 0, 1e6, &s->min_lr, err, errlen);
	if (!strcmp(key, "pct"))
		return real_key(key, v, 0, 1, 1, &s->pct, err, errlen);
	if (!strcmp(key, "div"))
		return real_key(key, v, 0, 1, 1e12, &s->div, err, errlen);
	return real_key(key, v, 0, 1, 1e12, &s->final_div, err, errlen);
}

static int
warmup_key(struct sched *s, const char *key, const char *v, char *err,
    size_t errlen)
{
	if (!strcmp(key, "lr"))
		return real_key("warmup lr", v, 0, 0, 1e6, &s->warmup_lr, err,
		    errlen);
	if (!strcmp(key, "len"))
		return dur_key("warmup len", v, &s->warmup_len, err, errlen);
	if (!strcmp(key, "mode")) {
		if (!strcmp(v, "linear"))
			s->warmup = WARMUP_LINEAR;
		else if (!strcmp(v, "constant"))
			s->warmup = WARMUP_CONSTANT;
		else
			return sched_err(err, errlen, "warmup mode: \"%s\" "
			    "(expected linear or constant)", v);
		return 0;
	}
	return sched_err(err, errlen, "warmup: unknown key \"%s\" (keys: lr, "
	    "len, mode)", key);
}

/*
 * Split "k1=v1,k2=v2" in place and hand each pair to fn.  Repeated keys
 * are refused: a schedule that says gamma twice is a typo, not a choice.
 */
static int
params_parse(char *p, const char *what, struct sched *s,
    int (*fn)(struct sched *, const char *, const char *, char *, size_t),
    char *err, size_t errlen)
{
	char seen[16][16];
	int nseen = 0, i;
	char *tok, *eq;

	if (*p == '\0')
		return sched_err(err, errlen, "%s: no parameters", what);
	while ((tok = strsep(&p, ",")) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL || eq == tok)
			return sched_err(err, errlen, "%s: \"%s\" is not "
			    "key=value", what, tok);
		*eq++ = '\0';
		for (i = 0; i < nseen; i++)
			if (!strcmp(seen[i], tok))
				return sched_err(err, errlen, "%s: key \"%s\" "
				    "given twice", what, tok);
		if (nseen < 16 && strlen(tok) < sizeof(seen[0]))
			strcpy(seen[nseen++], tok);
		if (fn(s, tok, eq, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
sched_check(struct sched *s, char *err, size_t errlen)
{
	const char *k = kind_names[s->kind];

	if (isnan(s->lr))
		return sched_err(err, errlen, "%s: lr is required", k);
	switch (s->kind) {
	case SCHED_MULTISTEP:
		if (s->nmilestones == 0)
			return sched_err(err, errlen, "multistep: milestones "
			    "is required (e.g. milestones=32k/48k)");
		break;
	case SCHED_STEP:
		if (s->every.v == 0)
			return sched_err(err, errlen, "step: every is "
			    "required (e.g. every=30ep)");
		break;
	case SCHED_EXP:
		if (isnan(s->gamma))
			return sched_err(err, errlen, "exp: gamma is "
			    "required");
		break;
	case SCHED_COSINE:
	case SCHED_LINEAR:
	case SCHED_ONECYCLE:
		if (s->total.v == 0)
			return sched_err(err, errlen, "%s: total is required "
			    "(e.g. total=64k)", k);
		if (s->kind == SCHED_COSINE && s->min_lr > s->lr)
			return sched_err(err, errlen, "cosine: min %g is above "
			    "lr %g", s->min_lr, s->lr);
		break;
	case SCHED_CONSTANT:
		break;
	}
	if (s->warmup != WARMUP_NONE) {
		if (isnan(s->warmup_lr))
			return sched_err(err, errlen, "warmup: lr is required");
		if (s->warmup_len.v == 0)
			return sched_err(err, errlen, "warmup: len is "
			    "required (e.g. len=400)");
	}
	return 0;
}

int
sched_preset(const char *name, struct sched *s)
{
	/* He et al. 2016, section 4.2: 0.1, /10 at 32k and 48k, stop 64k. */
	if (strcmp(name, "paper") && strcmp(name, "paper-110"))
		return -1;
	sched_defaults(s, SCHED_MULTISTEP);
	s->lr = 0.1;
	s->gamma = 0.1;
	s->milestones[0].v = 32000;
	s->milestones[1].v = 48000;
	s->nmilestones = 2;
	s->stop.v = 64000;
	if (!strcmp(name, "paper-110")) {
		/* Same section: 0.01 for about 400 iterations first. */
		s->warmup = WARMUP_CONSTANT;
		s->warmup_lr = 0.01;
		s->warmup_len.v = 400;
	}
	return 0;
}

int
sched_parse(const char *text, struct sched *s, char *err, size_t errlen)
{
	char buf[SCHED_MAX_TEXT];
	char *main_part, *colon, *plus;
	struct sched w;
	size_t i;

	if (text == NULL || *text == '\0')
		return sched_err(err, errlen, "empty schedule");
	if (sched_preset(text, s) == 0)
		return 0;
	if (strlen(text) >= sizeof(buf))
		return sched_err(err, errlen, "schedule text too long");
	for (i = 0; text[i] != '\0'; i++)
		if (isspace((unsigned char)text[i]))
			return sched_err(err, errlen, "schedule contains "
			    "white space");
	strcpy(buf, text);

	/* The warm-up part, if any, is parsed into a scratch copy. */
	memset(&w, 0, sizeof(w));
	main_part = buf;
	if (!strncmp(buf, "warmup:", 7)) {
		if ((plus = strchr(buf, '+')) == NULL)
			return sched_err(err, errlen, "warmup needs a main "
			    "schedule after \"+\" (e.g. "
			    "warmup:lr=0.01,len=400+multistep:...)");
		*plus = '\0';
		main_part = plus + 1;
		w.warmup = WARMUP_LINEAR;
		w.warmup_lr = NAN;
		if (params_parse(buf + 7, "warmup", &w, warmup_key, err,
		    errlen) == -1)
			return -1;
	}
	if ((colon = strchr(main_part, ':')) == NULL)
		return sched_err(err, errlen, "\"%s\": expected kind:params "
		    "or a preset (paper, paper-110)", main_part);
	*colon = '\0';
	for (i = 0; i < NKINDS; i++)
		if (!strcmp(main_part, kind_names[i]))
			break;
	if (i == NKINDS)
		return sched_err(err, errlen, "unknown schedule kind \"%s\" "
		    "(expected constant, multistep, step, exp, cosine, "
		    "linear, onecycle or warmup)", main_part);
	sched_defaults(s, (enum sched_kind)i);
	if (params_parse(colon + 1, kind_names[i], s, main_key, err,
	    errlen) == -1)
		return -1;
	s->warmup = w.warmup;
	s->warmup_lr = w.warmup_lr;
	s->warmup_len = w.warmup_len;
	return sched_check(s, err, errlen);
}

double
dur_iters(struct dur d, long long ipe)
{
	return d.epochs ? d.v * (double)ipe : d.v;
}

/* The clock a duration is measured on: iterations, or whole epochs. */
static double
dur_clock(struct dur d, long long iter, long long ipe)
{
	if (!d.epochs)
		return (double)iter;
	return (double)(ipe > 0 ? iter / ipe : iter);
}

/* PyTorch OneCycleLR with cosine annealing, two phases. */
static double
onecycle_lr(const struct sched *s, double t, double total)
{
	double start = s->lr / s->div, floor_lr = start / s->final_div;
	double end1 = s->pct * total - 1, end2 = total - 1, p;

	if (t >= end2)
		return floor_lr;
	if (t <= end1) {
		p = end1 > 0 ? t / end1 : 1;
		return s->lr + (start - s->lr) / 2 * (cos(M_PI * p) + 1);
	}
	p = (t - end1) / (end2 - end1);
	return floor_lr + (s->lr - floor_lr) / 2 * (cos(M_PI * p) + 1);
}

static double
main_lr(const struct sched *s, long long iter, long long ipe)
{
	double t, T;
	int i, n;

	switch (s->kind) {
	case SCHED_CONSTANT:
		return s->lr;
	case SCHED_MULTISTEP:
		for (i = n = 0; i < s->nmilestones; i++)
			if (dur_clock(s->milestones[i], iter, ipe) >=
			    s->milestones[i].v)
				n++;
		return s->lr * pow(s->gamma, n);
	case SCHED_STEP:
	case SCHED_EXP:
		t = dur_clock(s->every, iter, ipe);
		return s->lr * pow(s->gamma, floor(t / s->every.v));
	case SCHED_COSINE:
		t = dur_clock(s->total, iter, ipe);
		T = s->total.v;
		if (t >= T)
			return s->min_lr;
		return s->min_lr + (s->lr - s->min_lr) *
		    (1 + cos(M_PI * t / T)) / 2;
	case SCHED_LINEAR:
		t = dur_clock(s->total, iter, ipe);
		T = s->total.v;
		if (t >= T)
			return s->min_lr;
		return s->lr + (s->min_lr - s->lr) * t / T;
	case SCHED_ONECYCLE:
		return onecycle_lr(s, dur_clock(s->total, iter, ipe),
		    s->total.v);
	}
	return NAN;
}

double
sched_lr(const struct sched *s, long long iter, long long ipe)
{
	double m, t;

	if (iter < 0)
		iter = 0;
	m = main_lr(s, iter, ipe);
	if (s->warmup == WARMUP_NONE)
		return m;
	t = dur_clock(s->warmup_len, iter, ipe);
	if (t >= s->warmup_len.v)
		return m;
	if (s->warmup == WARMUP_CONSTANT)
		return s->warmup_lr;
	return s->warmup_lr + (m - s->warmup_lr) * t / s->warmup_len.v;
}

int
sched_is_piecewise(const struct sched *s)
{
	if (s->warmup == WARMUP_LINEAR && !s->warmup_len.epochs)
		return 0;
	switch (s->kind) {
	case SCHED_CONSTANT:
	case SCHED_MULTISTEP:
	case SCHED_STEP:
		return 1;
	case SCHED_EXP:
		return s->every.epochs || s->every.v > 1;
	case SCHED_COSINE:
	case SCHED_LINEAR:
	case SCHED_ONECYCLE:
		return s->total.epochs;
	}
	return 0;
}

/* Iterations as a long long; past its range, "never" (LLONG_MAX). */
static long long
clamp_ll(double v)
{
	return v >= 9e18 ? LLONG_MAX : (long long)v;
}

/*
 * The next iteration after cur at which a piecewise schedule may change:
 * a milestone, a multiple of every, an epoch boundary (epoch-unit
 * continuous kinds), the end of the warm-up.  Continuous schedules get
 * cur + 1.
 */
static long long
next_candidate(const struct sched *s, long long cur, long long ipe)
{
	long long best = LLONG_MAX, c;
	double step;
	int i;

	if (!sched_is_piecewise(s))
		return cur + 1;
	if (s->warmup != WARMUP_NONE) {
		if (s->warmup == WARMUP_LINEAR)
			step = (double)ipe;	/* linear in epochs */
		else
			step = dur_iters(s->warmup_len, ipe);
		c = clamp_ll((floor((double)cur / step) + 1) * step);
		if (c > cur && c < best)
			best = c;
	}
	switch (s->kind) {
	case SCHED_MULTISTEP:
		for (i = 0; i < s->nmilestones; i++) {
			c = clamp_ll(dur_iters(s->milestones[i], ipe));
			if (c > cur && c < best)
				best = c;
		}
		break;
	case SCHED_STEP:
	case SCHED_EXP:
		step = dur_iters(s->every, ipe);
		c = clamp_ll((floor((double)cur / step) + 1) * step);
		if (c < best)
			best = c;
		break;
	case SCHED_COSINE:
	case SCHED_LINEAR:
	case SCHED_ONECYCLE:
		c = (cur / ipe + 1) * ipe;
		if (c < best)
			best = c;
		break;
	case SCHED_CONSTANT:
		break;
	}
	return best;
}

int
sched_changes(const struct sched *s, long long ipe, long long limit,
    long long *iters, double *lrs, int max)
{
	long long cur;
	double prev, v;
	int n = 0;

	if (ipe < 1)
		ipe = 1;
	if (limit <= 0 || max <= 0)
		return 0;
	prev = sched_lr(s, 0, ipe);
	iters[n] = 0;
	lrs[n++] = prev;
	for (cur = 0; n < max; ) {
		cur = next_candidate(s, cur, ipe);
		if (cur >= limit || cur == LLONG_MAX)
			break;
		v = sched_lr(s, cur, ipe);
		if (v != prev) {
			iters[n] = cur;
			lrs[n++] = v;
			prev = v;
		}
	}
	return n;
}

long long
iters_per_epoch(long long n, long long b, int drop_last)
{
	if (n <= 0 || b <= 0)
		return 0;
	return drop_last ? n / b : (n + b - 1) / b;
}

/* Shortest decimal text that reads back to the same double. */
static void
num_format(char *buf, size_t len, double v)
{
	int prec;

	char *p;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* "1e+01" would split the text at "+": write "1e01". */
	if ((p = strchr(buf, '+')) != NULL)
		memmove(p, p + 1, strlen(p));
}

static void
dur_format(char *buf, size_t len, struct dur d)
{
	snprintf(buf, len, "%.0f%s", d.v, d.epochs ? "ep" : "");
}

struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sbuf_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sbuf_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = 2 * b->cap + (size_t)n;
		b->p = xrealloc(b->p, b->cap);
	}
	b->len += (size_t)n;
}

char *
sched_format(const struct sched *s)
{
	struct sbuf b = { xmalloc(128), 0, 128 };
	char x[40], y[40];
	int i;

	b.p[0] = '\0';
	if (s->warmup != WARMUP_NONE) {
		num_format(x, sizeof(x), s->warmup_lr);
		dur_format(y, sizeof(y), s->warmup_len);
		sbuf_add(&b, "warmup:lr=%s,len=%s,mode=%s+", x, y,
		    s->warmup == WARMUP_LINEAR ? "linear" : "constant");
	}
	num_format(x, sizeof(x), s->lr);
	sbuf_add(&b, "%s:lr=%s", kind_names[s->kind], x);
	switch (s->kind) {
	case SCHED_MULTISTEP:
		sbuf_add(&b, ",milestones=");
		for (i = 0; i < s->nmilestones; i++) {
			dur_format(y, sizeof(y), s->milestones[i]);
			sbuf_add(&b, "%s%s", i ? "/" : "", y);
		}
		num_format(x, sizeof(x), s->gamma);
		sbuf_add(&b, ",gamma=%s", x);
		break;
	case SCHED_STEP:
	case SCHED_EXP:
		dur_format(y, sizeof(y), s->every);
		num_format(x, sizeof(x), s->gamma);
		if (s->kind == SCHED_STEP)
			sbuf_add(&b, ",every=%s,gamma=%s", y, x);
		else
			sbuf_add(&b, ",gamma=%s,every=%s", x, y);
		break;
	case SCHED_COSINE:
	case SCHED_LINEAR:
		dur_format(y, sizeof(y), s->total);
		num_format(x, sizeof(x), s->min_lr);
		sbuf_add(&b, ",total=%s,%s=%s", y,
		    s->kind == SCHED_COSINE ? "min" : "end", x);
		break;
	case SCHED_ONECYCLE:
		dur_format(y, sizeof(y), s->total);
		sbuf_add(&b, ",total=%s", y);
		num_format(x, sizeof(x), s->pct);
		sbuf_add(&b, ",pct=%s", x);
		num_format(x, sizeof(x), s->div);
		sbuf_add(&b, ",div=%s", x);
		num_format(x, sizeof(x), s->final_div);
		sbuf_add(&b, ",final_div=%s", x);
		break;
	case SCHED_CONSTANT:
		break;
	}
	if (s->stop.v > 0) {
		dur_format(y, sizeof(y), s->stop);
		sbuf_add(&b, ",stop=%s", y);
	}
	return b.p;
}

static json_t *
dur_json(struct dur d)
{
	return json_pack("{s:I}", d.epochs ? "epochs" : "iters",
	    (json_int_t)d.v);
}

json_t *
sched_json(const struct sched *s)
{
	json_t *o, *a;
	char *text;
	int i;

	text = sched_format(s);
	o = json_pack("{s:s,s:s,s:o}", "text", text, "kind",
	    kind_names[s->kind], "lr", json_num(s->lr));
	free(text);
	switch (s->kind) {
	case SCHED_MULTISTEP:
		a = json_array();
		for (i = 0; i < s->nmilestones; i++)
			json_array_append_new(a, dur_json(s->milestones[i]));
		json_object_set_new(o, "milestones", a);
		json_object_set_new(o, "gamma", json_num(s->gamma));
		break;
	case SCHED_STEP:
	case SCHED_EXP:
		json_object_set_new(o, "every", dur_json(s->every));
		json_object_set_new(o, "gamma", json_num(s->gamma));
		break;
	case SCHED_COSINE:
	case SCHED_LINEAR:
		json_object_set_new(o, "total", dur_json(s->total));
		json_object_set_new(o, s->kind == SCHED_COSINE ? "min" : "end",
		    json_num(s->min_lr));
		break;
	case SCHED_ONECYCLE:
		json_object_set_new(o, "total", dur_json(s->total));
		json_object_set_new(o, "pct", json_num(s->pct));
		json_object_set_new(o, "div", json_num(s->div));
		json_object_set_new(o, "final_div", json_num(s->final_div));
		break;
	case SCHED_CONSTANT:
		break;
	}
	json_object_set_new(o, "stop", s->stop.v > 0 ? dur_json(s->stop) :
	    json_null());
	if (s->warmup != WARMUP_NONE)
		json_object_set_new(o, "warmup", json_pack("{s:s,s:o,s:o}",
		    "mode", s->warmup == WARMUP_LINEAR ? "linear" :
		    "constant", "lr", json_num(s->warmup_lr), "len",
		    dur_json(s->warmup_len)));
	else
		json_object_set_new(o, "warmup", json_null());
	return o;
}
