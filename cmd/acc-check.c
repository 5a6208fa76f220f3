/*
 * acc-check: compare a training run with a golden reference (golden/),
 * or make a golden file from runs.
 *
 * Reads a golden file and a run log in any format logread knows; writes
 * JSON Lines on stdout, one "finding" record per deviation (a point
 * outside the band, the final accuracy outside its tolerance, a curve that
 * stops early, a split the run lacks) and a closing "summary" record, and
 * a few readable lines on stderr.  With -m it reads runs and writes a
 * golden document instead.  It does not judge the learning rate: that is
 * lr-audit's job.
 */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "golden.h"
#include "hash.h"
#include "jsonio.h"
#include "plotrun.h"
#include "sched.h"
#include "util.h"

#define MAX_SPLITS	16
#define MAX_RUNS	64
#define EPS		1e-9

struct tagmap {
	const char	*split;
	const char	*tag;
};

struct opts {
	int		 make;
	int		 one_sided;
	int		 quiet;
	int		 iter_axis;	/* -m: 1 for -x iter */
	const char	*format;
	const char	*splits[MAX_SPLITS];
	int		 nsplits;
	struct tagmap	 tags[MAX_SPLITS];
	int		 ntags;
	long		 ipe;
	double		 k;
	long		 window;
	double		 spread_pp;
	const char	*name;
	const char	*how;
	int		 argc;
	char		**argv;
};

static const char synopsis[] =
    "[-oq] [-F format] [-I ipe] [-s splits] [-t split=tag] golden run\n"
    "       acc-check -m [-d how] [-F format] [-I ipe] [-k k] [-n name]\n"
    "                 [-p spread] [-s splits] [-t split=tag] [-w window]\n"
    "                 [-x epoch|iter] run ...";

static void
usage(void)
{
	usage_error(synopsis, NULL);
}

static void
add_split(struct opts *o, char *list)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o->nsplits == MAX_SPLITS)
			usage_error(synopsis, "too many splits");
		if (strlen(tok) >= GOLDEN_SPLIT_MAX)
			usage_error(synopsis, "%s: split name too long", tok);
		o->splits[o->nsplits++] = tok;
	}
}

static void
add_tag(struct opts *o, char *arg)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		usage_error(synopsis, "-t %s: want split=tag", arg);
	if (o->ntags == MAX_SPLITS)
		usage_error(synopsis, "too many -t");
	*eq = '\0';
	o->tags[o->ntags].split = arg;
	o->tags[o->ntags++].tag = eq + 1;
}

static double
num_arg(const char *s, const char *what, double lo, double hi)
{
	const char *errstr;
	double v;

	if (parse_double(s, lo, hi, &v, &errstr) != 0)
		usage_error(synopsis, "%s %s: %s", what, s, errstr);
	return v;
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "how", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "ipe", required_argument, NULL, 'I' },
		{ "k", required_argument, NULL, 'k' },
		{ "make-golden", no_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'n' },
		{ "one-sided", no_argument, NULL, 'o' },
		{ "spread", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "splits", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 't' },
		{ "window", required_argument, NULL, 'w' },
		{ "axis", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;
	int c;

	memset(o, 0, sizeof(*o));
	o->k = 3;
	o->window = 3;
	while ((c = getopt_long(argc, argv, "d:F:I:k:mn:op:qs:t:w:x:",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->how = optarg;
			break;
		case 'F':
			o->format = optarg;
			break;
		case 'I':
			if (parse_long(optarg, 1, 100000000, &o->ipe,
			    &errstr) != 0)
				usage_error(synopsis, "-I %s: %s", optarg,
				    errstr);
			break;
		case 'k':
			o->k = num_arg(optarg, "-k", 0, 100);
			break;
		case 'm':
			o->make = 1;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'o':
			o->one_sided = 1;
			break;
		case 'p':
			o->spread_pp = num_arg(optarg, "-p", 0, 100);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 's':
			add_split(o, optarg);
			break;
		case 't':
			add_tag(o, optarg);
			break;
		case 'w':
			if (parse_long(optarg, 1, 1000, &o->window,
			    &errstr) != 0)
				usage_error(synopsis, "-w %s: %s", optarg,
				    errstr);
			break;
		case 'x':
			if (strcmp(optarg, "iter") == 0)
				o->iter_axis = 1;
			else if (strcmp(optarg, "epoch") != 0)
				usage_error(synopsis, "-x %s: want epoch or "
				    "iter", optarg);
			break;
		default:
			usage();
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->make ? o->argc < 1 || o->argc > MAX_RUNS : o->argc != 2)
		usage();
}

static int
split_selected(const struct opts *o, const char *split)
{
	int i;

	if (o->nsplits == 0)
		return 1;
	for (i = 0; i < o->nsplits; i++)
		if (strcmp(o->splits[i], split) == 0)
			return 1;
	return 0;
}

/* The tag that holds a split's accuracy in the run. */
static const char *
acc_tag(const struct opts *o, const char *split, char *buf, size_t len)
{
	int i;

	for (i = 0; i < o->ntags; i++)
		if (strcmp(o->tags[i].split, split) == 0)
			return o->tags[i].tag;
	snprintf(buf, len, "%s_acc", split);
	return buf;
}

/*
 * Load a run keeping the rate and the accuracy of the given splits (all
 * tags when splits is NULL: -m finds the splits among them).
 */
static void
load_run(const struct opts *o, const char *path, const char *const *splits,
    int nsplits, struct plotrun *pr)
{
	char err[1024], bufs[MAX_SPLITS + 1][64];
	const char *want[MAX_SPLITS + 4];
	int i, n = 0;

	if (splits != NULL) {
		want[n++] = "lr";
		want[n++] = "lr-*";
		for (i = 0; i < nsplits && i <= MAX_SPLITS; i++)
			want[n++] = acc_tag(o, splits[i], bufs[i],
			    sizeof(bufs[i]));
		want[n] = NULL;
	}
	if (plotrun_load(pr, path, o->format, splits != NULL ? want : NULL,
	    err, sizeof(err)) != 0)
		die("%s", err);
	if (o->ipe > 0)
		pr->ipe = o->ipe;
}

/*
 * A split's accuracy curve on the axis, as fractions; c->n == 0 when the
 * run has no such tag.  Dies when the run has the tag but no point can be
 * placed on the axis.
 */
static void
run_curve(const struct opts *o, struct plotrun *pr, const char *split,
    int iter_axis, struct plotcurve *c)
{
	struct series *s;
	char buf[64];
	const char *tag;
	size_t dropped;

	memset(c, 0, sizeof(*c));
	tag = acc_tag(o, split, buf, sizeof(buf));
	if ((s = plotrun_series(pr, tag)) == NULL || s->n == 0)
		return;
	series_to_fraction(s);
	plotrun_curve(pr, s, iter_axis, c, &dropped);
	if (c->n == 0)
		die("%s: %s: no %s to place the points on (give -I)",
		    pr->path, tag, iter_axis ? "iterations" : "epochs");
}

/* x as an integer when whole, for readable reports. */
static json_t *
xnum(double x)
{
	if (fabs(x - round(x)) < EPS && fabs(x) < 1e15)
		return json_integer((json_int_t)llround(x));
	return json_num(x);
}

static double
pp(double frac)
{
	return round(frac * 1e6) / 1e4;
}

/* Findings and the figures the summary needs. */
struct report {
	json_t	*findings;
	json_t	*splits;
	json_t	*final;
	int	 nfind;
	int	 failed_final;
	char	 lines[8][256];
	int	 nlines;
};

static void
finding(struct report *rep, const char *kind, const char *split, json_t *rec)
{
	json_t *f = json_object();

	json_object_set_new(f, "type", json_string("finding"));
	json_object_set_new(f, "kind", json_string(kind));
	json_object_set_new(f, "split", json_string(split));
	json_object_update(f, rec);
	json_decref(rec);
	json_array_append_new(rep->findings, f);
	rep->nfind++;
}

static void
note(struct report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->nlines == 8)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->lines[rep->nlines++], sizeof(rep->lines[0]), fmt, ap);
	va_end(ap);
}

/* "21-23" style list of the x values, shortened past a few groups. */
static void
xlist(const double *x, size_t n, char *buf, size_t len)
{
	size_t i, j, groups = 0;
	int whole;

	buf[0] = '\0';
	for (i = 0; i < n; i = j + 1) {
		whole = fabs(x[i] - round(x[i])) < EPS;
		j = i;
		while (whole && j + 1 < n && fabs(x[j + 1] - x[j] - 1) < EPS)
			j++;
		if (++groups > 4) {
			snprintf(buf + strlen(buf), len - strlen(buf), ", ...");
			return;
		}
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%g",
		    i > 0 ? ", " : "", x[i]);
		if (j > i)
			snprintf(buf + strlen(buf), len - strlen(buf), "-%g",
			    x[j]);
	}
}

static void
check_points(const struct opts *o, const struct golden *g,
    const struct golden_curve *gc, const struct plotcurve *c,
    struct report *rep, json_t *st)
{
	const char *axis = golden_axis_name(g->axis);
	struct golden_point b;
	double *bad, worst = 0, worst_x = NAN, by;
	size_t i, compared = 0, nbad = 0, below = 0, above = 0;
	char list[128];
	json_t *f;

	bad = xcalloc(c->n + 1, sizeof(*bad));
	for (i = 0; i < c->n; i++) {
		if (golden_band(gc, c->x[i], &b) != 0)
			continue;
		compared++;
		if (c->v[i] < b.lo - EPS)
			by = b.lo - c->v[i];
		else if (c->v[i] > b.hi + EPS)
			by = -(c->v[i] - b.hi);
		else
			continue;
		if (by < 0)
			above++;
		else
			below++;
		if (by < 0 && o->one_sided)
			continue;
		bad[nbad++] = c->x[i];
		if (fabs(by) > fabs(worst)) {
			worst = by;
			worst_x = c->x[i];
		}
		f = json_object();
		json_object_set_new(f, axis, xnum(c->x[i]));
		json_object_set_new(f, g->axis == GOLDEN_ITER ? "epoch" :
		    "iter", xnum(c->x2[i]));
		json_object_set_new(f, "acc", json_num(c->v[i]));
		json_object_set_new(f, "golden", json_num(b.acc));
		json_object_set_new(f, "lo", json_num(b.lo));
		json_object_set_new(f, "hi", json_num(b.hi));
		json_object_set_new(f, "side", json_string(by > 0 ? "below" :
		    "above"));
		json_object_set_new(f, "by_pp", json_num(pp(fabs(by))));
		json_object_set_new(f, "diff_pp", json_num(pp(c->v[i] -
		    b.acc)));
		finding(rep, "outside_band", gc->split, f);
	}
	json_object_set_new(st, "golden_points", json_integer(gc->n));
	json_object_set_new(st, "run_points", json_integer(c->n));
	json_object_set_new(st, "compared", json_integer(compared));
	json_object_set_new(st, "below", json_integer(below));
	json_object_set_new(st, "above", json_integer(above));
	json_object_set_new(st, "outside", json_integer(nbad));
	if (nbad > 0) {
		json_object_set_new(st, "worst_pp", json_num(pp(fabs(worst))));
		json_object_set_new(st, "worst_at", xnum(worst_x));
		xlist(bad, nbad, list, sizeof(list));
		note(rep, "%s: %zu of %zu points outside the band (%s%s %s), "
		    "worst %.2f pp %s at %s %g", gc->split, nbad, compared,
		    axis, nbad > 1 ? "s" : "", list, pp(fabs(worst)),
		    worst > 0 ? "below" :
		    "above", axis, worst_x);
	} else if (above > 0)
		note(rep, "%s: no point below the band; %zu of %zu above it "
		    "(not counted with -o)", gc->split, above, compared);
	else
		note(rep, "%s: %zu of %zu points inside the band", gc->split,
		    compared, compared);
	free(bad);
}

/* Where the golden expects the split to end, on its axis; NAN if open. */
static double
golden_end(const struct golden *g, const struct golden_curve *gc,
    const char *split, long long ipe)
{
	double end = gc != NULL ? gc->pt[gc->n - 1].x : NAN, fx;

	if (!g->final.present || strcmp(g->final.split, split) != 0)
		return end;
	fx = g->axis == GOLDEN_ITER ? g->final.iter : g->final.epoch;
	if (isnan(fx) && ipe > 0)
		fx = g->axis == GOLDEN_ITER ? g->final.epoch * ipe :
		    g->final.iter / ipe;
	if (isnan(end) || fx > end)
		end = fx;
	return end;
}

static void
check_end(const struct golden *g, const struct golden_curve *gc,
    const char *split, const struct plotcurve *c, long long ipe,
    struct report *rep)
{
	const char *axis = golden_axis_name(g->axis);
	double end = golden_end(g, gc, split, ipe), last;
	size_t i, missing = 0;
	char key[32];
	json_t *f;

	if (isnan(end) || c->n == 0)
		return;
	last = c->x[c->n - 1];
	if (last >= end - EPS)
		return;
	if (gc != NULL)
		for (i = 0; i < gc->n; i++)
			if (gc->pt[i].x > last + EPS)
				missing++;
	f = json_object();
	snprintf(key, sizeof(key), "last_%s", axis);
	json_object_set_new(f, key, xnum(last));
	snprintf(key, sizeof(key), "golden_last_%s", axis);
	json_object_set_new(f, key, xnum(end));
	json_object_set_new(f, "missing_points", json_integer(missing));
	finding(rep, "stopped_early", split, f);
	note(rep, "%s: the run stops at %s %g, the golden reference at %g",
	    split, axis, last, end);
}

static void
check_final(const struct opts *o, const struct golden *g,
    const struct plotcurve *c, long long ipe, struct report *rep)
{
	const struct golden_final *gf = &g->final;
	const char *axis = golden_axis_name(g->axis);
	double end, acc, by = 0;
	size_t k = c->n - 1;
	json_t *f;

	/* A run that goes on past the golden's end is judged at its end. */
	end = golden_end(g, golden_find(g, gf->split), gf->split, ipe);
	while (!isnan(end) && k > 0 && c->x[k] > end + EPS)
		k--;
	acc = c->v[k];
	f = json_object();
	json_object_set_new(f, "split", json_string(gf->split));
	json_object_set_new(f, axis, xnum(c->x[k]));
	json_object_set_new(f, "acc", json_num(acc));
	json_object_set_new(f, "golden", json_num(gf->acc));
	json_object_set_new(f, "lo", json_num(gf->lo));
	json_object_set_new(f, "hi", json_num(gf->hi));
	if (acc < gf->lo - EPS)
		by = gf->lo - acc;
	else if (acc > gf->hi + EPS && !o->one_sided)
		by = -(acc - gf->hi);
	json_object_set_new(f, "within", json_boolean(by == 0));
	rep->final = json_deep_copy(f);
	if (by == 0) {
		json_decref(f);
		note(rep, "final %s accuracy %.2f%% %s [%.2f, %.2f]%s",
		    gf->split, pp(acc), acc > gf->hi + EPS ? "above" :
		    "within", pp(gf->lo), pp(gf->hi), acc > gf->hi + EPS ?
		    " (not counted with -o)" : "");
		return;
	}
	json_object_del(f, "split");
	json_object_del(f, "within");
	json_object_set_new(f, "side", json_string(by > 0 ? "below" :
	    "above"));
	json_object_set_new(f, "by_pp", json_num(pp(fabs(by))));
	json_object_set_new(f, "diff_pp", json_num(pp(acc - gf->acc)));
	finding(rep, "final_outside", gf->split, f);
	rep->failed_final = 1;
	note(rep, "final %s accuracy %.2f%% outside [%.2f, %.2f] (golden "
	    "%.2f%%)", gf->split, pp(acc), pp(gf->lo), pp(gf->hi),
	    pp(gf->acc));
}

static void
missing_split(struct report *rep, const char *split, const char *tag)
{
	json_t *f = json_object();

	json_object_set_new(f, "tag", json_string(tag));
	finding(rep, "missing_split", split, f);
	note(rep, "%s: the run has no %s", split, tag);
}

/* Check one split of the golden (a curve, the final record, or both). */
static void
check_split(const struct opts *o, const struct golden *g, const char *split,
    struct plotrun *pr, struct report *rep)
{
	const struct golden_curve *gc = golden_find(g, split);
	struct plotcurve c;
	char buf[64];
	json_t *st;

	run_curve(o, pr, split, g->axis == GOLDEN_ITER, &c);
	if (c.n == 0) {
		missing_split(rep, split, acc_tag(o, split, buf, sizeof(buf)));
		return;
	}
	st = json_object();
	if (gc != NULL)
		check_points(o, g, gc, &c, rep, st);
	check_end(g, gc, split, &c, pr->ipe, rep);
	if (g->final.present && strcmp(g->final.split, split) == 0)
		check_final(o, g, &c, pr->ipe, rep);
	json_object_set_new(rep->splits, split, st);
	plotcurve_free(&c);
}

static int
do_check(const struct opts *o)
{
	const char *gpath = o->argv[0], *rpath = o->argv[1];
	const char *splits[MAX_SPLITS + 1];
	struct report rep;
	struct golden g;
	struct plotrun pr;
	char err[1024];
	json_t *sum, *f;
	long long depth;
	size_t i;
	int j, nsplits = 0;

	if (golden_read(gpath, &g, err, sizeof(err)) != 0)
		die("%s", err);
	for (i = 0; i < g.ncurve && i < MAX_SPLITS; i++)
		splits[nsplits++] = g.curve[i].split;
	if (g.final.present)
		splits[nsplits++] = g.final.split;
	/* More curves than that: keep every tag. */
	load_run(o, rpath, g.ncurve < MAX_SPLITS ? splits : NULL, nsplits,
	    &pr);
	/* A log without any of the accuracies is not a run to judge. */
	for (j = 0; j < nsplits; j++) {
		struct series *se = plotrun_series(&pr, acc_tag(o, splits[j],
		    err, sizeof(err)));

		if (se != NULL && se->n > 0)
			break;
	}
	if (j == nsplits)
		die("%s: no accuracy for %s%s in the log (see -t)", rpath,
		    splits[0], nsplits > 1 ? " or the golden's other splits" :
		    "");
	if (g.depth > 0 && pr.meta != NULL &&
	    json_get_int(pr.meta, "depth", &depth) == 0 && depth != g.depth)
		warnmsg("%s: a ResNet-%lld checked against %s, a ResNet-%lld",
		    rpath, depth, g.name, g.depth);
	for (j = 0; j < o->nsplits; j++)
		if (golden_find(&g, o->splits[j]) == NULL &&
		    !(g.final.present &&
		    strcmp(g.final.split, o->splits[j]) == 0))
			die("%s: no curve or final record for split %s",
			    gpath, o->splits[j]);
	memset(&rep, 0, sizeof(rep));
	rep.findings = json_array();
	rep.splits = json_object();
	for (i = 0; i < g.ncurve; i++)
		if (split_selected(o, g.curve[i].split))
			check_split(o, &g, g.curve[i].split, &pr, &rep);
	if (g.final.present && golden_find(&g, g.final.split) == NULL &&
	    split_selected(o, g.final.split))
		check_split(o, &g, g.final.split, &pr, &rep);

	json_array_foreach(rep.findings, i, f)
		jsonl_emit(stdout, json_incref(f));
	sum = json_object();
	json_object_set_new(sum, "type", json_string("summary"));
	json_object_set_new(sum, "golden", json_string(gpath));
	json_object_set_new(sum, "golden_name", json_string(g.name));
	json_object_set_new(sum, "run", json_string(rpath));
	json_object_set_new(sum, "format", json_string(pr.format));
	json_object_set_new(sum, "axis",
	    json_string(golden_axis_name(g.axis)));
	json_object_set_new(sum, "one_sided", json_boolean(o->one_sided));
	json_object_set_new(sum, "splits", rep.splits);
	json_object_set_new(sum, "final", rep.final != NULL ? rep.final :
	    json_null());
	json_object_set_new(sum, "findings", json_integer(rep.nfind));
	json_object_set_new(sum, "verdict", json_string(rep.nfind > 0 ?
	    "deviates" : "within"));
	jsonl_emit(stdout, sum);
	if (!o->quiet) {
		warnmsg("%s against %s: %s", rpath, g.name, rep.nfind > 0 ?
		    "deviates" : "within the golden tolerance");
		for (j = 0; j < rep.nlines; j++)
			warnmsg("%s", rep.lines[j]);
	}
	json_decref(rep.findings);
	plotrun_free(&pr);
	golden_free(&g);
	close_stdout();
	return rep.nfind > 0 ? EXIT_FOUND : EXIT_OK;
}

/* Images behind a split's accuracy: the log's <split>_size, else CIFAR's. */
static double
split_images(const struct plotrun *pr, const char *split)
{
	char key[64];
	long long n;

	snprintf(key, sizeof(key), "%s_size", split);
	if (pr->meta != NULL && json_get_int(pr->meta, key, &n) == 0 && n > 0)
		return (double)n;
	if (strcmp(split, "val") == 0)
		return 5000;
	return 10000;
}

/*
 * The learning rate in force for the updates just before each point:
 * from the logged rate, else from the schedule the log declares, else
 * NULL (the jitter then ignores phases).
 */
static double *
point_lrs(struct plotrun *pr, const struct plotcurve *c, const char **how)
{
	struct series *lr;
	struct sched sc;
	const char *text;
	char err[256];
	double *out;
	size_t i;

	lr = plotrun_series(pr, "lr");
	if (lr == NULL)
		lr = plotrun_series(pr, "lr-*");
	text = pr->meta != NULL ? json_get_str(pr->meta, "schedule") : NULL;
	if (lr == NULL && (text == NULL || pr->ipe <= 0 ||
	    sched_parse(text, &sc, err, sizeof(err)) != 0)) {
		*how = "none";
		return NULL;
	}
	*how = lr != NULL ? "logged" : "declared";
	out = xcalloc(c->n + 1, sizeof(*out));
	for (i = 0; i < c->n; i++) {
		if (c->step[i] < 1)
			out[i] = NAN;
		else if (lr != NULL)
			out[i] = series_before(lr, c->step[i]);
		else
			out[i] = sched_lr(&sc, c->step[i] - 1, pr->ipe);
	}
	return out;
}

static json_t *
recipe_of(json_t *meta)
{
	static const char *const keys[] = {
		"depth", "n", "shortcut", "params", "schedule", "batch", "lr",
		"momentum", "weight_decay", "iters", "iters_per_epoch",
		"drop_last", "train_size", "val_size", "test_size", "seed",
		"normalize", "augment", "bn_groups", "threads", NULL
	};
	json_t *r = json_object(), *v;
	int i;

	for (i = 0; meta != NULL && keys[i] != NULL; i++)
		if ((v = json_object_get(meta, keys[i])) != NULL)
			json_object_set(r, keys[i], v);
	return r;
}

static const char *
base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL && p[1] != '\0' ? p + 1 : path;
}

static json_t *
source_of(const struct opts *o, struct plotrun *runs, int argc, char **argv)
{
	char hex[SHA256_HEX_LEN + 1], *cmd, *t;
	json_t *src, *arr, *r;
	long long size;
	int i;

	src = json_object();
	json_object_set_new(src, "kind", json_string("run"));
	json_object_set_new(src, "how", json_string(o->how != NULL ? o->how :
	    "not stated (acc-check -m without -d)"));
	arr = json_array();
	for (i = 0; i < o->argc; i++) {
		r = json_object();
		json_object_set_new(r, "file",
		    json_string(base_name(o->argv[i])));
		if (strcmp(o->argv[i], "-") != 0 &&
		    hash_file(o->argv[i], HASH_SHA256, hex, &size) == 0)
			json_object_set_new(r, "sha256", json_string(hex));
		json_object_set_new(r, "format", json_string(runs[i].format));
		if (runs[i].meta != NULL &&
		    json_object_get(runs[i].meta, "seed") != NULL)
			json_object_set(r, "seed",
			    json_object_get(runs[i].meta, "seed"));
		json_array_append_new(arr, r);
	}
	json_object_set_new(src, "runs", arr);
	/*
	 * The command, with the runs named as in "runs" and without -d,
	 * whose text is "how"; arguments with blanks are quoted for sh.
	 */
	cmd = xstrdup("acc-check");
	for (i = 1; i < argc; i++) {
		const char *a = i >= argc - o->argc ? base_name(argv[i]) :
		    argv[i];

		if (o->how != NULL && (argv[i] == o->how ||
		    strncmp(a, "-d", 2) == 0 || strncmp(a, "--how", 5) == 0))
			continue;
		if (a[0] == '\0' || strpbrk(a, " \t\n'\"\\$`*?[]#;&|<>()") !=
		    NULL)
			t = strchr(a, '\'') == NULL ?
			    xasprintf("%s '%s'", cmd, a) :
			    xasprintf("%s <argument with a quote>", cmd);
		else
			t = xasprintf("%s %s", cmd, a);
		free(cmd);
		cmd = t;
	}
	json_object_set_new(src, "command", json_string(cmd));
	free(cmd);
	return src;
}

/* Splits to make: -s, else every <split>_acc of the first run. */
static int
make_splits(struct opts *o, struct plotrun *pr, char names[][GOLDEN_SPLIT_MAX])
{
	size_t i, len;
	int n = 0, j;

	if (o->nsplits > 0) {
		for (j = 0; j < o->nsplits; j++)
			snprintf(names[n++], GOLDEN_SPLIT_MAX, "%s",
			    o->splits[j]);
		return n;
	}
	for (j = 0; j < o->ntags && n < MAX_SPLITS; j++)
		snprintf(names[n++], GOLDEN_SPLIT_MAX, "%s", o->tags[j].split);
	for (i = 0; i < pr->ns && n < MAX_SPLITS; i++) {
		len = strlen(pr->s[i].tag);
		if (len <= 4 || len - 4 >= GOLDEN_SPLIT_MAX ||
		    strcmp(pr->s[i].tag + len - 4, "_acc") != 0)
			continue;
		snprintf(names[n], GOLDEN_SPLIT_MAX, "%.*s", (int)(len - 4),
		    pr->s[i].tag);
		for (j = 0; j < n; j++)
			if (strcmp(names[j], names[n]) == 0)
				break;
		if (j == n)
			n++;
	}
	/* The test split first: the final record comes from it. */
	for (j = 1; j < n; j++)
		if (strcmp(names[j], "test") == 0) {
			char tmp[GOLDEN_SPLIT_MAX];

			memcpy(tmp, names[0], sizeof(tmp));
			memcpy(names[0], names[j], sizeof(tmp));
			memcpy(names[j], tmp, sizeof(tmp));
		}
	return n;
}

static json_t *
make_curve(struct opts *o, struct plotrun *runs, const char *split,
    json_t **final, const char **lrhow)
{
	struct golden_run gr[MAX_RUNS];
	struct plotcurve c[MAX_RUNS];
	struct golden_rule rule;
	struct golden_curve gc;
	double *lrs[MAX_RUNS];
	char buf[64];
	json_t *cj;
	int r;

	for (r = 0; r < o->argc; r++) {
		run_curve(o, &runs[r], split, o->iter_axis, &c[r]);
		if (c[r].n == 0)
			die("%s: no %s", runs[r].path,
			    acc_tag(o, split, buf, sizeof(buf)));
		lrs[r] = point_lrs(&runs[r], &c[r], lrhow);
		gr[r].x = c[r].x;
		gr[r].x2 = c[r].x2;
		gr[r].acc = c[r].v;
		gr[r].lr = lrs[r];
		gr[r].n = c[r].n;
	}
	rule.k = o->k;
	rule.window = (int)o->window;
	rule.spread = o->spread_pp / 100;
	rule.nimages = split_images(&runs[0], split);
	golden_make_curve(gr, o->argc, &rule, !o->iter_axis, &gc);
	cj = json_object();
	json_object_set_new(cj, "n", json_integer((json_int_t)rule.nimages));
	json_object_set_new(cj, "points", golden_curve_json(&gc));
	if (*final == NULL) {
		*final = json_object();
		json_object_set_new(*final, "split", json_string(split));
		json_object_update(*final, json_array_get(json_object_get(cj,
		    "points"), gc.n - 1));
	}
	for (r = 0; r < o->argc; r++) {
		plotcurve_free(&c[r]);
		free(lrs[r]);
	}
	free(gc.pt);
	return cj;
}

static int
do_make(struct opts *o, int argc, char **argv)
{
	struct plotrun runs[MAX_RUNS];
	char names[MAX_SPLITS][GOLDEN_SPLIT_MAX], *name;
	const char *lrhow = "none";
	json_t *doc, *curves, *final = NULL, *tol, *v;
	long long depth;
	int i, n;

	for (i = 0; i < o->argc; i++)
		load_run(o, o->argv[i], o->nsplits > 0 ? o->splits : NULL,
		    o->nsplits, &runs[i]);
	if ((n = make_splits(o, &runs[0], names)) == 0)
		die("%s: no accuracy (no tag ending in _acc; see -t)",
		    o->argv[0]);
	curves = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(curves, names[i], make_curve(o, runs,
		    names[i], &final, &lrhow));

	doc = json_object();
	json_object_set_new(doc, "type", json_string("golden"));
	json_object_set_new(doc, "version", json_integer(GOLDEN_VERSION));
	if (o->name != NULL)
		name = xstrdup(o->name);
	else {
		name = xstrdup(base_name(o->argv[0]));
		name[strcspn(name, ".")] = '\0';
	}
	json_object_set_new(doc, "name", json_string(name));
	free(name);
	json_object_set_new(doc, "source", source_of(o, runs, argc, argv));
	v = runs[0].meta;
	if (v != NULL && json_get_int(v, "depth", &depth) == 0)
		json_object_set_new(doc, "depth", json_integer(depth));
	json_object_set_new(doc, "recipe", recipe_of(v));
	json_object_set_new(doc, "axis", json_string(o->iter_axis ? "iter" :
	    "epoch"));
	tol = json_object();
	json_object_set_new(tol, "rule", json_string("half-width k * sqrt("
	    "p(1-p)/n + s^2); s is the sample sd across the runs where two "
	    "or more reach the point, else the jitter of the mean curve "
	    "within its learning-rate phase, never below spread "
	    "(golden/README.md)"));
	json_object_set_new(tol, "k", json_real(o->k));
	json_object_set_new(tol, "window", json_integer(o->window));
	json_object_set_new(tol, "spread_pp", json_real(o->spread_pp));
	json_object_set_new(tol, "runs", json_integer(o->argc));
	json_object_set_new(tol, "lr_phases", json_string(lrhow));
	json_object_set_new(doc, "tolerance", tol);
	json_object_set_new(doc, "curves", curves);
	json_object_set_new(doc, "final", final);
	if (golden_write(stdout, doc) != 0)
		die("write error on output:");
	json_decref(doc);
	for (i = 0; i < o->argc; i++)
		plotrun_free(&runs[i]);
	close_stdout();
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o;

	set_progname(argv[0]);
	parse_args(&o, argc, argv);
	return o.make ? do_make(&o, argc, argv) : do_check(&o);
}
