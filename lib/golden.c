/*
 * golden.c: read golden reference files, look up their bands, and build
 * golden curves from runs.  Reads JSON documents; writes nothing itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "golden.h"
#include "jsonio.h"
#include "util.h"

const char *
golden_axis_name(enum golden_axis a)
{
	return a == GOLDEN_ITER ? "iter" : "epoch";
}

static double
num_or_nan(json_t *obj, const char *key)
{
	double v;

	return json_get_num(obj, key, &v) == 0 ? v : NAN;
}

/*
 * The accuracy and its band from a point or the final record: "acc" with
 * either "lo" and "hi" or a symmetric "tol".
 */
static int
parse_band(json_t *o, double *acc, double *lo, double *hi, const char *what,
    char *err, size_t errlen)
{
	double tol;

	if (json_get_num(o, "acc", acc) != 0) {
		snprintf(err, errlen, "%s: no numeric \"acc\"", what);
		return -1;
	}
	if (json_get_num(o, "lo", lo) == 0 && json_get_num(o, "hi", hi) == 0)
		;
	else if (json_get_num(o, "tol", &tol) == 0 && tol >= 0) {
		*lo = *acc - tol;
		*hi = *acc + tol;
	} else {
		snprintf(err, errlen, "%s: needs \"lo\" and \"hi\", or \"tol\"",
		    what);
		return -1;
	}
	if (!(*acc >= 0 && *acc <= 1)) {
		snprintf(err, errlen, "%s: \"acc\" %g is not a fraction in "
		    "[0, 1]", what, *acc);
		return -1;
	}
	if (!(*lo <= *acc && *acc <= *hi)) {
		snprintf(err, errlen, "%s: band [%g, %g] does not hold "
		    "\"acc\" %g", what, *lo, *hi, *acc);
		return -1;
	}
	return 0;
}

static int
parse_curve(json_t *cj, const char *split, enum golden_axis axis,
    struct golden_curve *c, char *err, size_t errlen)
{
	json_t *pts, *p;
	size_t i;
	char what[96];

	if (strlen(split) >= sizeof(c->split)) {
		snprintf(err, errlen, "curve name \"%.20s...\" too long",
		    split);
		return -1;
	}
	strcpy(c->split, split);
	pts = json_object_get(cj, "points");
	if (!json_is_array(pts) || json_array_size(pts) == 0) {
		snprintf(err, errlen, "curve \"%s\": no \"points\" array",
		    split);
		return -1;
	}
	c->n = json_array_size(pts);
	c->pt = xcalloc(c->n, sizeof(*c->pt));
	json_array_foreach(pts, i, p) {
		struct golden_point *g = &c->pt[i];

		snprintf(what, sizeof(what), "curve \"%s\" point %zu",
		    split, i + 1);
		if (!json_is_object(p)) {
			snprintf(err, errlen, "%s: not an object", what);
			return -1;
		}
		g->epoch = num_or_nan(p, "epoch");
		g->iter = num_or_nan(p, "iter");
		g->x = axis == GOLDEN_ITER ? g->iter : g->epoch;
		if (!isfinite(g->x)) {
			snprintf(err, errlen, "%s: no numeric \"%s\"", what,
			    golden_axis_name(axis));
			return -1;
		}
		if (i > 0 && !(g->x > c->pt[i - 1].x)) {
			snprintf(err, errlen, "%s: \"%s\" %g does not ascend",
			    what, golden_axis_name(axis), g->x);
			return -1;
		}
		if (parse_band(p, &g->acc, &g->lo, &g->hi, what, err,
		    errlen) != 0)
			return -1;
	}
	return 0;
}

static int
parse_final(json_t *f, struct golden_final *gf, char *err, size_t errlen)
{
	const char *split;

	if (!json_is_object(f)) {
		snprintf(err, errlen, "\"final\" is not an object");
		return -1;
	}
	split = json_get_str(f, "split");
	if (split == NULL)
		split = "test";
	if (strlen(split) >= sizeof(gf->split)) {
		snprintf(err, errlen, "\"final\": split name too long");
		return -1;
	}
	strcpy(gf->split, split);
	gf->epoch = num_or_nan(f, "epoch");
	gf->iter = num_or_nan(f, "iter");
	if (parse_band(f, &gf->acc, &gf->lo, &gf->hi, "\"final\"", err,
	    errlen) != 0)
		return -1;
	gf->present = 1;
	return 0;
}

static int
parse_doc(json_t *doc, struct golden *g, char *err, size_t errlen)
{
	json_t *curves, *cj, *src;
	const char *s, *key;
	long long v;
	size_t i;

	if (!json_is_object(doc)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	s = json_get_str(doc, "type");
	if (s == NULL || strcmp(s, "golden") != 0) {
		snprintf(err, errlen, "not a golden file (\"type\" is not "
		    "\"golden\")");
		return -1;
	}
	if (json_get_int(doc, "version", &v) != 0 || v != GOLDEN_VERSION) {
		snprintf(err, errlen, "unsupported \"version\" (this reads %d)",
		    GOLDEN_VERSION);
		return -1;
	}
	g->name = json_get_str(doc, "name");
	if (g->name == NULL) {
		snprintf(err, errlen, "no \"name\"");
		return -1;
	}
	src = json_object_get(doc, "source");
	if (!json_is_object(src) || json_get_str(src, "kind") == NULL) {
		snprintf(err, errlen, "no \"source\" object with a \"kind\"");
		return -1;
	}
	if (json_get_int(doc, "depth", &g->depth) != 0)
		g->depth = 0;
	s = json_get_str(doc, "axis");
	if (s != NULL && strcmp(s, "epoch") == 0)
		g->axis = GOLDEN_EPOCH;
	else if (s != NULL && strcmp(s, "iter") == 0)
		g->axis = GOLDEN_ITER;
	else {
		snprintf(err, errlen, "\"axis\" must be \"epoch\" or \"iter\"");
		return -1;
	}
	curves = json_object_get(doc, "curves");
	if (curves != NULL && !json_is_object(curves)) {
		snprintf(err, errlen, "\"curves\" is not an object");
		return -1;
	}
	g->ncurve = json_object_size(curves);
	g->curve = xcalloc(g->ncurve + 1, sizeof(*g->curve));
	i = 0;
	json_object_foreach(curves, key, cj) {
		if (parse_curve(cj, key, g->axis, &g->curve[i++], err,
		    errlen) != 0)
			return -1;
	}
	if (json_object_get(doc, "final") != NULL &&
	    parse_final(json_object_get(doc, "final"), &g->final, err,
	    errlen) != 0)
		return -1;
	if (g->ncurve == 0 && !g->final.present) {
		snprintf(err, errlen, "neither \"curves\" nor \"final\"");
		return -1;
	}
	return 0;
}

int
golden_parse(json_t *doc, struct golden *g, char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->final.epoch = g->final.iter = NAN;
	g->doc = json_incref(doc);
	if (parse_doc(doc, g, err, errlen) != 0) {
		golden_free(g);
		return -1;
	}
	return 0;
}

int
golden_read(const char *path, struct golden *g, char *err, size_t errlen)
{
	char msg[512];
	json_t *doc;
	int rc;

	doc = json_load_path(path, err, errlen);
	if (doc == NULL)
		return -1;
	rc = golden_parse(doc, g, msg, sizeof(msg));
	json_decref(doc);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

void
golden_free(struct golden *g)
{
	size_t i;

	if (g->curve != NULL)
		for (i = 0; i < g->ncurve; i++)
			free(g->curve[i].pt);
	free(g->curve);
	json_decref(g->doc);
	memset(g, 0, sizeof(*g));
}

const struct golden_curve *
golden_find(const struct golden *g, const char *split)
{
	size_t i;

	for (i = 0; i < g->ncurve; i++)
		if (strcmp(g->curve[i].split, split) == 0)
			return &g->curve[i];
	return NULL;
}

int
golden_band(const struct golden_curve *c, double x, struct golden_point *out)
{
	const struct golden_point *a, *b;
	size_t lo, hi, mid;
	double t;

	/* A tolerance of 1e-9 lets epochs computed as iter / ipe match. */
	if (c->n == 0 || x < c->pt[0].x - 1e-9 || x > c->pt[c->n - 1].x + 1e-9)
		return -1;
	lo = 0;
	hi = c->n - 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (c->pt[mid].x <= x)
			lo = mid;
		else
			hi = mid;
	}
	a = &c->pt[lo];
	b = &c->pt[hi];
	if (fabs(x - a->x) <= 1e-9 || lo == hi) {
		*out = *a;
		return 0;
	}
	if (fabs(x - b->x) <= 1e-9) {
		*out = *b;
		return 0;
	}
	t = (x - a->x) / (b->x - a->x);
	out->x = x;
	out->epoch = a->epoch + t * (b->epoch - a->epoch);
	out->iter = a->iter + t * (b->iter - a->iter);
	out->acc = a->acc + t * (b->acc - a->acc);
	out->lo = a->lo + t * (b->lo - a->lo);
	out->hi = a->hi + t * (b->hi - a->hi);
	return 0;
}

double
golden_binom_se(double p, double n)
{
	if (!(n > 0) || !(p >= 0 && p <= 1))
		return NAN;
	return sqrt(p * (1 - p) / n);
}

/* Two points share a learning-rate phase (unknown rates match). */
static int
same_rate(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

void
golden_jitter(const double *v, const double *lr, size_t n, int w, double *s)
{
	double *r2, sum;
	size_t i, j, lo, hi, cnt;

	r2 = xcalloc(n + 1, sizeof(*r2));
	/* r2[j] < 0 marks a point with no residual. */
	for (j = 0; j < n; j++) {
		r2[j] = -1;
		if (j == 0 || j + 1 >= n)
			continue;
		if (lr != NULL && (!same_rate(lr[j - 1], lr[j]) ||
		    !same_rate(lr[j + 1], lr[j])))
			continue;
		sum = v[j] - (v[j - 1] + v[j + 1]) / 2;
		/* Var(x - (a + b) / 2) = 1.5 sigma^2 for independent noise. */
		r2[j] = sum * sum / 1.5;
	}
	for (i = 0; i < n; i++) {
		lo = i > (size_t)w ? i - w : 0;
		hi = i + w < n - 1 ? i + w : n - 1;
		sum = 0;
		cnt = 0;
		for (j = lo; j <= hi; j++) {
			if (r2[j] < 0)
				continue;
			if (lr != NULL && !same_rate(lr[j], lr[i]))
				continue;
			sum += r2[j];
			cnt++;
		}
		s[i] = cnt > 0 ? sqrt(sum / cnt) : 0;
	}
	free(r2);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Index of x in run r, or -1. */
static long
run_find(const struct golden_run *r, double x)
{
	size_t lo = 0, hi = r->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->x[mid] < x - 1e-9)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n && fabs(r->x[lo] - x) <= 1e-9)
		return (long)lo;
	return -1;
}

void
golden_make_curve(const struct golden_run *run, size_t nrun,
    const struct golden_rule *rule, int axis_epoch, struct golden_curve *out)
{
	double *xs, *mean, *sd, *lr, *jit, x2, sum, sq, half, s;
	size_t i, r, nx, total, m;
	long k;

	total = 0;
	for (r = 0; r < nrun; r++)
		total += run[r].n;
	xs = xcalloc(total + 1, sizeof(*xs));
	nx = 0;
	for (r = 0; r < nrun; r++)
		for (i = 0; i < run[r].n; i++)
			xs[nx++] = run[r].x[i];
	qsort(xs, nx, sizeof(*xs), cmp_double);
	for (i = 0, m = 0; i < nx; i++)
		if (m == 0 || xs[i] - xs[m - 1] > 1e-9)
			xs[m++] = xs[i];
	nx = m;

	mean = xcalloc(nx + 1, sizeof(*mean));
	sd = xcalloc(nx + 1, sizeof(*sd));
	lr = xcalloc(nx + 1, sizeof(*lr));
	jit = xcalloc(nx + 1, sizeof(*jit));
	out->n = nx;
	out->pt = xcalloc(nx + 1, sizeof(*out->pt));
	for (i = 0; i < nx; i++) {
		sum = sq = 0;
		m = 0;
		x2 = NAN;
		lr[i] = NAN;
		for (r = 0; r < nrun; r++) {
			if ((k = run_find(&run[r], xs[i])) < 0)
				continue;
			sum += run[r].acc[k];
			sq += run[r].acc[k] * run[r].acc[k];
			if (isnan(x2) && run[r].x2 != NULL)
				x2 = run[r].x2[k];
			if (isnan(lr[i]) && run[r].lr != NULL)
				lr[i] = run[r].lr[k];
			m++;
		}
		mean[i] = sum / m;
		/* Sample variance; clamp the rounding error below zero. */
		sd[i] = m >= 2 ? sqrt(fmax(0, (sq - sum * sum / m) /
		    (m - 1))) : NAN;
		out->pt[i].x = xs[i];
		out->pt[i].epoch = axis_epoch ? xs[i] : x2;
		out->pt[i].iter = axis_epoch ? x2 : xs[i];
	}
	golden_jitter(mean, lr, nx, rule->window, jit);
	for (i = 0; i < nx; i++) {
		s = isnan(sd[i]) ? jit[i] : sd[i];
		if (s < rule->spread)
			s = rule->spread;
		half = rule->k * sqrt(pow(golden_binom_se(mean[i],
		    rule->nimages), 2) + s * s);
		out->pt[i].acc = mean[i];
		out->pt[i].lo = fmax(0, mean[i] - half);
		out->pt[i].hi = fmin(1, mean[i] + half);
	}
	free(xs);
	free(mean);
	free(sd);
	free(lr);
	free(jit);
}

/* Round to 6 decimals so the file stays readable. */
static json_t *
num6(double v)
{
	return json_num(round(v * 1e6) / 1e6);
}

/* An epoch count: an integer when whole, else 6 decimals. */
static json_t *
count_json(double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return num6(v);
}

json_t *
golden_curve_json(const struct golden_curve *c)
{
	json_t *arr, *p;
	size_t i;

	arr = json_array();
	for (i = 0; i < c->n; i++) {
		const struct golden_point *g = &c->pt[i];

		p = json_object();
		if (isfinite(g->epoch))
			json_object_set_new(p, "epoch", count_json(g->epoch));
		if (isfinite(g->iter))
			json_object_set_new(p, "iter",
			    json_integer((json_int_t)llround(g->iter)));
		json_object_set_new(p, "acc", num6(g->acc));
		json_object_set_new(p, "lo", num6(g->lo));
		json_object_set_new(p, "hi", num6(g->hi));
		json_array_append_new(arr, p);
	}
	return arr;
}

#define ONELINE	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static int
all_objects(json_t *a)
{
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (!json_is_object(e))
			return 0;
	return json_array_size(a) > 0;
}

/*
 * Objects open up to depth 1, and a curve's object below "curves";
 * arrays of objects get one element a line; everything else is compact.
 */
static void
write_value(FILE *fp, json_t *v, int depth, const char *key,
    const char *parent)
{
	const char *k;
	json_t *e, *ks;
	size_t i, n;

	if (json_is_object(v) && json_object_size(v) > 0 &&
	    (depth < 2 || strcmp(parent, "curves") == 0) &&
	    strcmp(key, "final") != 0) {
		fputs("{\n", fp);
		n = json_object_size(v);
		i = 0;
		json_object_foreach(v, k, e) {
			fprintf(fp, "%*s", 2 * (depth + 1), "");
			ks = json_string_nocheck(k);
			json_dumpf(ks, fp, JSON_ENCODE_ANY);
			json_decref(ks);
			fputs(": ", fp);
			write_value(fp, e, depth + 1, k, key);
			fputs(++i < n ? ",\n" : "\n", fp);
		}
		fprintf(fp, "%*s}", 2 * depth, "");
	} else if (json_is_array(v) && all_objects(v)) {
		fputs("[\n", fp);
		n = json_array_size(v);
		json_array_foreach(v, i, e) {
			fprintf(fp, "%*s", 2 * (depth + 1), "");
			json_dumpf(e, fp, ONELINE);
			fputs(i + 1 < n ? ",\n" : "\n", fp);
		}
		fprintf(fp, "%*s]", 2 * depth, "");
	} else
		json_dumpf(v, fp, ONELINE | JSON_ENCODE_ANY);
}

int
golden_write(FILE *fp, json_t *doc)
{
	write_value(fp, doc, 0, "", "");
	fputc('\n', fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
