/*
 * acc-plot: draw training runs against each other and against golden
 * references with gnuplot.
 *
 * Reads run logs in any format logread knows, and golden files (golden/);
 * writes a picture chosen by the output name (.png, .svg, .pdf, .txt),
 * and beside it the data (.tsv) and the gnuplot script (.gp) it was drawn
 * from, each atomically.  Without -o it prints a terminal plot on stdout.
 * gnuplot runs as a child process; acc-plot draws nothing itself and
 * does not judge a run (that is acc-check's job).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "golden.h"
#include "jsonio.h"
#include "plotrun.h"
#include "sched.h"
#include "util.h"

#define MAX_RUNS	64
#define MAX_GOLDEN	8
#define MAX_REFS	8
#define MAX_SPLITS	4
#define MAX_MARKS	24
#define MAX_LRS		8
#define EPS		1e-9

enum band { BAND_SD, BAND_SE, BAND_RANGE };

struct ref {
	double		 y;
	const char	*label;
};

struct run {
	struct plotrun	 pr;
	const char	*path;
	char		*label;
	int		 labelled;	/* given as LABEL=PATH */
	int		 group;
};

struct mark {
	double	x;
	double	lr;
};

struct opts {
	int		 aggregate;
	enum band	 band;
	int		 error;
	const char	*format;
	const char	*golden[MAX_GOLDEN];
	int		 ngolden;
	long		 ipe;
	int		 no_lr;
	int		 logx;
	const char	*milestones;
	const char	*output;
	struct ref	 refs[MAX_REFS];
	int		 nrefs;
	const char	*splits[MAX_SPLITS];
	int		 nsplits;
	const char	*tagmap[MAX_SPLITS][2];
	int		 ntags;
	const char	*title;
	int		 iter_axis;
	int		 width, height;
	const char	*yrange;
	int		 argc;
	char		**argv;
};

/* The plot being assembled: data blocks, plot clauses, settings. */
struct plot {
	FILE		*data;
	char		*databuf;
	size_t		 datalen;
	int		 nblock;
	char		*clauses[256];
	int		 nclause;
	double		 xmin, xmax;
	struct mark	 marks[MAX_MARKS];
	int		 nmarks;
	int		 has_lr;
	double		 lrmin, lrmax;
	double		 lrs[MAX_LRS];	/* distinct rates drawn */
	int		 nlrs;		/* MAX_LRS + 1: too many */
	double		 xposmin;	/* smallest x above 0, for -l */
	int		 dumb;
};

static const char *const colors[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf"
};
#define NCOLORS	(sizeof(colors) / sizeof(colors[0]))

static const char synopsis[] =
    "[-aeLl] [-b sd|se|range] [-F format] [-g golden] [-I ipe]\n"
    "                [-M milestones] [-o file] [-r value[:label]] [-S WxH]\n"
    "                [-s splits] [-T title] [-t split=tag] [-x epoch|iter]\n"
    "                [-y lo:hi] [label=]log ...";

static void
usage(void)
{
	usage_error(synopsis, NULL);
}

static void
add_ref(struct opts *o, char *arg)
{
	const char *errstr;
	char *colon = strchr(arg, ':');
	double y;

	if (o->nrefs == MAX_REFS)
		usage_error(synopsis, "too many -r");
	if (colon != NULL)
		*colon = '\0';
	if (parse_double(arg, -1e9, 1e9, &y, &errstr) != 0)
		usage_error(synopsis, "-r %s: %s", arg, errstr);
	o->refs[o->nrefs].y = y;
	o->refs[o->nrefs++].label = colon != NULL ? colon + 1 : NULL;
}

static void
add_splits(struct opts *o, char *list)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o->nsplits == MAX_SPLITS)
			usage_error(synopsis, "at most %d splits", MAX_SPLITS);
		o->splits[o->nsplits++] = tok;
	}
}

static void
parse_size(struct opts *o, const char *arg)
{
	char *end;
	long w, h;

	errno = 0;
	w = strtol(arg, &end, 10);
	if (end == arg || (*end != 'x' && *end != ','))
		usage_error(synopsis, "-S %s: want WIDTHxHEIGHT", arg);
	h = strtol(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || w < 20 || h < 10 || w > 10000 ||
	    h > 10000)
		usage_error(synopsis, "-S %s: want WIDTHxHEIGHT", arg);
	o->width = (int)w;
	o->height = (int)h;
}

/*
 * A y range for gnuplot: lo:hi, each a finite number or "*", lo below
 * hi when both are numbers.
 */
static void
check_yrange(const char *arg)
{
	char end[2][64];
	const char *colon = strchr(arg, ':'), *errstr;
	double v[2];
	int i, num[2];

	if (colon == NULL || colon == arg || colon[1] == '\0' ||
	    strchr(colon + 1, ':') != NULL ||
	    (size_t)(colon - arg) >= sizeof(end[0]) ||
	    strlen(colon + 1) >= sizeof(end[1]))
		usage_error(synopsis, "-y %.40s: want lo:hi", arg);
	snprintf(end[0], sizeof(end[0]), "%.*s", (int)(colon - arg), arg);
	snprintf(end[1], sizeof(end[1]), "%s", colon + 1);
	for (i = 0; i < 2; i++) {
		num[i] = strcmp(end[i], "*") != 0;
		if (num[i] && parse_double(end[i], -1e300, 1e300, &v[i],
		    &errstr) == -1)
			usage_error(synopsis, "-y %.40s: %s: %s", arg,
			    end[i], errstr);
	}
	if (num[0] && num[1] && !(v[0] < v[1]))
		usage_error(synopsis, "-y %.40s: want lo below hi", arg);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "aggregate", no_argument, NULL, 'a' },
		{ "band", required_argument, NULL, 'b' },
		{ "error", no_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'F' },
		{ "golden", required_argument, NULL, 'g' },
		{ "ipe", required_argument, NULL, 'I' },
		{ "no-lr", no_argument, NULL, 'L' },
		{ "logx", no_argument, NULL, 'l' },
		{ "milestones", required_argument, NULL, 'M' },
		{ "output", required_argument, NULL, 'o' },
		{ "ref", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 'S' },
		{ "splits", required_argument, NULL, 's' },
		{ "title", required_argument, NULL, 'T' },
		{ "tag", required_argument, NULL, 't' },
		{ "axis", required_argument, NULL, 'x' },
		{ "yrange", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;
	char *eq;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "ab:eF:g:I:LlM:o:r:S:s:T:t:x:y:",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->aggregate = 1;
			break;
		case 'b':
			if (strcmp(optarg, "sd") == 0)
				o->band = BAND_SD;
			else if (strcmp(optarg, "se") == 0)
				o->band = BAND_SE;
			else if (strcmp(optarg, "range") == 0)
				o->band = BAND_RANGE;
			else
				usage_error(synopsis, "-b %s: want sd, se or "
				    "range", optarg);
			break;
		case 'e':
			o->error = 1;
			break;
		case 'F':
			o->format = optarg;
			break;
		case 'g':
			if (o->ngolden == MAX_GOLDEN)
				usage_error(synopsis, "too many -g");
			o->golden[o->ngolden++] = optarg;
			break;
		case 'I':
			if (parse_long(optarg, 1, 100000000, &o->ipe,
			    &errstr) != 0)
				usage_error(synopsis, "-I %s: %s", optarg,
				    errstr);
			break;
		case 'L':
			o->no_lr = 1;
			break;
		case 'l':
			o->logx = 1;
			break;
		case 'M':
			o->milestones = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'r':
			add_ref(o, optarg);
			break;
		case 'S':
			parse_size(o, optarg);
			break;
		case 's':
			add_splits(o, optarg);
			break;
		case 'T':
			o->title = optarg;
			break;
		case 't':
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == '\0')
				usage_error(synopsis, "-t %s: want split=tag",
				    optarg);
			if (o->ntags == MAX_SPLITS)
				usage_error(synopsis, "too many -t");
			*eq = '\0';
			o->tagmap[o->ntags][0] = optarg;
			o->tagmap[o->ntags++][1] = eq + 1;
			break;
		case 'x':
			if (strcmp(optarg, "iter") == 0)
				o->iter_axis = 1;
			else if (strcmp(optarg, "epoch") != 0)
				usage_error(synopsis, "-x %s: want epoch or "
				    "iter", optarg);
			break;
		case 'y':
			check_yrange(optarg);
			o->yrange = optarg;
			break;
		default:
			usage();
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->argc < 1 && o->ngolden == 0)
		usage();
	if (o->argc > MAX_RUNS)
		usage_error(synopsis, "at most %d logs", MAX_RUNS);
	if (o->nsplits == 0) {
		o->splits[o->nsplits++] = "test";
		o->splits[o->nsplits++] = "val";
	}
}

/* A gnuplot double-quoted string (malloc'd). */
static char *
gp_str(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 3), *p = out;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s == '\n' ? ' ' : *s;
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

static void
clause(struct plot *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
clause(struct plot *p, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	if (p->nclause == (int)(sizeof(p->clauses) / sizeof(p->clauses[0])))
		die("too many curves to draw");
	va_start(ap, fmt);
	if (vsnprintf(buf, sizeof(buf), fmt, ap) >= (int)sizeof(buf))
		die("a label is too long");
	va_end(ap);
	p->clauses[p->nclause++] = xstrdup(buf);
}

/* Start a data block; returns its gnuplot index. */
static int
block(struct plot *p, const char *what, const char *columns)
{
	if (p->nblock > 0)
		fputs("\n\n", p->data);
	fprintf(p->data, "# %s\n# %s\n", what, columns);
	return p->nblock++;
}

static void
see_x(struct plot *p, double x)
{
	if (x < p->xmin)
		p->xmin = x;
	if (x > p->xmax)
		p->xmax = x;
	if (x > 0 && x < p->xposmin)
		p->xposmin = x;
}

/* Remember the distinct rates, for the ticks of the second axis. */
static void
see_lr(struct plot *p, double lr)
{
	int i;

	if (p->nlrs > MAX_LRS)
		return;
	for (i = 0; i < p->nlrs; i++)
		if (fabs(p->lrs[i] - lr) <= 1e-9 * lr)
			return;
	if (p->nlrs < MAX_LRS)
		p->lrs[p->nlrs] = lr;
	p->nlrs++;
}

/* A fraction as the y the plot shows: accuracy or error, in percent. */
static double
yval(const struct opts *o, double frac)
{
	return o->error ? 100 * (1 - frac) : 100 * frac;
}

static const char *
acc_tag(const struct opts *o, const char *split, char *buf, size_t len)
{
	int i;

	for (i = 0; i < o->ntags; i++)
		if (strcmp(o->tagmap[i][0], split) == 0)
			return o->tagmap[i][1];
	snprintf(buf, len, "%s_acc", split);
	return buf;
}

static const char *
axis_name(const struct opts *o)
{
	return o->iter_axis ? "iteration" : "epoch";
}

/* A split's accuracy curve of one run; c->n == 0 when it has none. */
static void
run_split(const struct opts *o, struct run *r, const char *split,
    struct plotcurve *c)
{
	struct series *s;
	char buf[64];
	const char *tag = acc_tag(o, split, buf, sizeof(buf));
	size_t dropped;

	memset(c, 0, sizeof(*c));
	if ((s = plotrun_series(&r->pr, tag)) == NULL || s->n == 0)
		return;
	series_to_fraction(s);
	plotrun_curve(&r->pr, s, o->iter_axis, c, &dropped);
	if (c->n == 0)
		die("%s: %s: no %s to place the points on (give -I)", r->path,
		    tag, o->iter_axis ? "iterations" : "epochs");
}

static const char *
style_of(const char *split, size_t npoints)
{
	int dense = npoints > 60;

	if (strcmp(split, "test") == 0)
		return dense ? "lines lw 2" : "linespoints lw 2 pt 7 ps 0.6";
	return dense ? "lines lw 1.5 dt 2" : "linespoints lw 1.5 dt 2 pt 6 "
	    "ps 0.6";
}

static void
draw_run_split(const struct opts *o, struct plot *p, struct run *r,
    const char *split, const char *color)
{
	struct plotcurve c;
	char *what, *title;
	size_t i;
	int idx;

	run_split(o, r, split, &c);
	if (c.n == 0)
		return;
	what = xasprintf("%s %s %s: %s (%%)", r->label, split,
	    o->error ? "error" : "accuracy", r->path);
	idx = block(p, what, o->iter_axis ? "iter\tvalue" : "epoch\tvalue");
	for (i = 0; i < c.n; i++) {
		fprintf(p->data, "%.10g\t%.6f\n", c.x[i], yval(o, c.v[i]));
		see_x(p, c.x[i]);
	}
	free(what);
	what = xasprintf("%s %s", r->label, split);
	title = gp_str(what);
	clause(p, "datafile index %d using 1:2 with %s lc rgb \"%s\" "
	    "title %s", idx, style_of(split, c.n), color, title);
	free(what);
	free(title);
	plotcurve_free(&c);
}

/* The learning rate as steps on the second axis. */
/* Where a run ends on the axis: the largest x of any of its series. */
static double
run_end(const struct opts *o, struct run *r)
{
	double end = NAN, x;
	size_t i;

	for (i = 0; i < r->pr.ns; i++) {
		if (r->pr.s[i].n == 0)
			continue;
		x = plotrun_x(&r->pr, &r->pr.s[i], r->pr.s[i].n - 1,
		    o->iter_axis);
		if (!isnan(x) && (isnan(end) || x > end))
			end = x;
	}
	return end;
}

static void
draw_lr(const struct opts *o, struct plot *p, struct run *r,
    const char *color)
{
	struct series *s;
	struct plotcurve c;
	char *what, *title;
	double last = NAN, end;
	size_t i;
	int idx;

	if ((s = plotrun_series(&r->pr, "lr")) == NULL &&
	    (s = plotrun_series(&r->pr, "lr-*")) == NULL)
		return;
	plotrun_curve(&r->pr, s, o->iter_axis, &c, NULL);
	if (c.n == 0) {
		warnmsg("%s: %s: no %s to place the rate on (give -I, or "
		    "-x iter)", r->path, s->tag, o->iter_axis ? "iterations" :
		    "epochs");
		plotcurve_free(&c);
		return;
	}
	what = xasprintf("%s learning rate (%s): %s", r->label, s->tag,
	    r->path);
	idx = block(p, what, o->iter_axis ? "iter\tlr" : "epoch\tlr");
	/* Only the points where the rate changes, then the run's end. */
	for (i = 0; i < c.n; i++) {
		if (!(c.v[i] > 0) || c.v[i] == last)
			continue;
		fprintf(p->data, "%.10g\t%.10g\n", c.x[i], c.v[i]);
		last = c.v[i];
		p->lrmin = fmin(p->lrmin, last);
		p->lrmax = fmax(p->lrmax, last);
		see_lr(p, last);
		see_x(p, c.x[i]);
	}
	/* Hold the last rate to the end of the run (steps need a point). */
	end = fmax(run_end(o, r), c.x[c.n - 1]);
	if (last > 0)
		fprintf(p->data, "%.10g\t%.10g\n", end, last);
	free(what);
	what = xasprintf("%s lr", r->label);
	title = gp_str(what);
	clause(p, "datafile index %d using 1:2 axes x1y2 with steps lw 1.5 "
	    "dt (3,3) lc rgb \"%s\" title %s", idx, color, title);
	free(what);
	free(title);
	p->has_lr = 1;
	plotcurve_free(&c);
}

static const char *
band_text(enum band b)
{
	switch (b) {
	case BAND_SE:
		return "mean \xc2\xb1 1 standard error";
	case BAND_RANGE:
		return "mean, band from min to max";
	default:
		return "mean \xc2\xb1 1 sd";
	}
}

/*
 * A band from columns 3 and 4 of a block: filled, or as two dotted
 * lines on a terminal plot.  title NULL: none in the key.
 */
static void
draw_band(struct plot *p, int idx, const char *color, const char *alpha,
    const char *title)
{
	if (!p->dumb)
		clause(p, "datafile index %d using 1:3:4 with filledcurves "
		    "fs transparent solid %s noborder lc rgb \"%s\" %s%s",
		    idx, alpha, color, title != NULL ? "title " : "notitle",
		    title != NULL ? title : "");
	else
		clause(p, "datafile index %d using 1:3 with lines dt 3 lc "
		    "rgb \"%s\" %s%s, datafile index %d using 1:4 with lines "
		    "dt 3 lc rgb \"%s\" notitle", idx, color,
		    title != NULL ? "title " : "notitle",
		    title != NULL ? title : "", idx, color);
}

/* Do the runs declare seeds, all different? */
static int
distinct_seeds(struct run *runs, const int *members, int n)
{
	json_t *a, *b;
	int i, j;

	for (i = 0; i < n; i++) {
		a = runs[members[i]].pr.meta != NULL ?
		    json_object_get(runs[members[i]].pr.meta, "seed") : NULL;
		if (a == NULL)
			return 0;
		for (j = 0; j < i; j++) {
			b = json_object_get(runs[members[j]].pr.meta, "seed");
			if (json_equal(a, b))
				return 0;
		}
	}
	return 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Every x any of the curves has, ascending, once; returns the count. */
static size_t
union_x(const struct plotcurve *c, int nc, double **out)
{
	double *xs;
	size_t n = 0, i, m;
	int r;

	for (r = 0; r < nc; r++)
		n += c[r].n;
	xs = xcalloc(n + 1, sizeof(*xs));
	for (r = 0, n = 0; r < nc; r++)
		for (i = 0; i < c[r].n; i++)
			xs[n++] = c[r].x[i];
	qsort(xs, n, sizeof(*xs), cmp_double);
	for (i = 0, m = 0; i < n; i++)
		if (m == 0 || xs[i] - xs[m - 1] > EPS)
			xs[m++] = xs[i];
	*out = xs;
	return m;
}

/*
 * The mean and band at x over the curves that have a point there (in
 * the plot's units); returns how many do.
 */
static size_t
group_row(const struct opts *o, const struct plotcurve *c, int nc, double x,
    double *mean, double *lo, double *hi)
{
	double sum = 0, sq = 0, v, sd;
	size_t k, m = 0;
	int r;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (r = 0; r < nc; r++) {
		for (k = 0; k < c[r].n; k++)
			if (fabs(c[r].x[k] - x) <= EPS)
				break;
		if (k == c[r].n)
			continue;
		v = yval(o, c[r].v[k]);
		sum += v;
		sq += v * v;
		*lo = fmin(*lo, v);
		*hi = fmax(*hi, v);
		m++;
	}
	*mean = sum / m;
	/* The sample standard deviation; 0 for a single run. */
	sd = m > 1 ? sqrt(fmax(0, (sq - sum * sum / m) / (m - 1))) : 0;
	if (o->band == BAND_SE)
		sd /= sqrt((double)m);
	if (o->band != BAND_RANGE) {
		*lo = *mean - sd;
		*hi = *mean + sd;
	}
	return m;
}

/*
 * Several runs of one group as their mean with a band, one split.  The
 * key says what the band is and over how many runs.
 */
static void
draw_group(const struct opts *o, struct plot *p, struct run *runs, int g,
    const char *split, const char *color)
{
	struct plotcurve c[MAX_RUNS];
	double *xs, lo, hi, mean;
	size_t nx, i, m, mmin = 0, mmax = 0;
	int r, nr = 0, idx, members[MAX_RUNS];
	const char *label, *unit;
	char *what, *title;

	for (r = 0; r < o->argc; r++) {
		if (runs[r].group != g)
			continue;
		run_split(o, &runs[r], split, &c[nr]);
		if (c[nr].n == 0)
			plotcurve_free(&c[nr]);
		else
			members[nr++] = r;
	}
	if (nr == 0)
		return;
	label = runs[members[0]].label;
	nx = union_x(c, nr, &xs);
	what = xasprintf("%s %s %s over %d runs: x, mean, band low, band "
	    "high, runs (%s, %%)", label, split, o->error ? "error" :
	    "accuracy", nr, band_text(o->band));
	idx = block(p, what, o->iter_axis ? "iter\tmean\tlo\thi\tn" :
	    "epoch\tmean\tlo\thi\tn");
	free(what);
	for (i = 0; i < nx; i++) {
		m = group_row(o, c, nr, xs[i], &mean, &lo, &hi);
		fprintf(p->data, "%.10g\t%.6f\t%.6f\t%.6f\t%zu\n", xs[i],
		    mean, lo, hi, m);
		see_x(p, xs[i]);
		mmin = mmin == 0 || m < mmin ? m : mmin;
		mmax = m > mmax ? m : mmax;
	}
	unit = distinct_seeds(runs, members, nr) ? "seeds" : "runs";
	if (mmin == mmax)
		what = xasprintf("%s %s: %s over %zu %s", label, split,
		    band_text(o->band), mmax, unit);
	else
		what = xasprintf("%s %s: %s over %zu-%zu %s", label, split,
		    band_text(o->band), mmin, mmax, unit);
	title = gp_str(what);
	draw_band(p, idx, color, "0.2", NULL);
	clause(p, "datafile index %d using 1:2 with %s lc rgb \"%s\" "
	    "title %s", idx, style_of(split, nx), color, title);
	free(what);
	free(title);
	free(xs);
	for (r = 0; r < nr; r++)
		plotcurve_free(&c[r]);
}

/* A golden point's x on the plot's axis, or NAN. */
static double
golden_x(const struct opts *o, const struct golden *g,
    const struct golden_point *pt)
{
	if ((g->axis == GOLDEN_ITER) == o->iter_axis)
		return pt->x;
	return o->iter_axis ? pt->iter : pt->epoch;
}

static void
draw_golden_curve(const struct opts *o, struct plot *p,
    const struct golden *g, const struct golden_curve *gc, int shade)
{
	static const char *const fills[] = { "#888888", "#b07a30", "#30a0a0" };
	const char *fill = fills[shade % 3];
	int test = strcmp(gc->split, "test") == 0;
	char *what, *title;
	size_t i, n = 0;
	double x, lo, hi;
	int idx;

	what = xasprintf("golden %s %s %s (%%): x, value, band low, band "
	    "high", g->name, gc->split, o->error ? "error" : "accuracy");
	idx = block(p, what, o->iter_axis ? "iter\tvalue\tlo\thi" :
	    "epoch\tvalue\tlo\thi");
	free(what);
	for (i = 0; i < gc->n; i++) {
		x = golden_x(o, g, &gc->pt[i]);
		if (isnan(x))
			continue;
		lo = yval(o, o->error ? gc->pt[i].hi : gc->pt[i].lo);
		hi = yval(o, o->error ? gc->pt[i].lo : gc->pt[i].hi);
		fprintf(p->data, "%.10g\t%.6f\t%.6f\t%.6f\n", x,
		    yval(o, gc->pt[i].acc), lo, hi);
		see_x(p, x);
		n++;
	}
	if (n == 0) {
		warnmsg("%s: curve %s has no %s to draw it on", g->name,
		    gc->split, axis_name(o));
		return;
	}
	what = xasprintf("golden %s %s \xc2\xb1 tolerance", g->name,
	    gc->split);
	title = gp_str(what);
	draw_band(p, idx, fill, test ? "0.35" : "0.18", title);
	clause(p, "datafile index %d using 1:2 with lines lw 1 dt %d lc "
	    "rgb \"#444444\" notitle", idx, test ? 1 : 2);
	free(what);
	free(title);
}

/* A golden final with no curve: a level band across the plot. */
static void
draw_golden_final(const struct opts *o, struct plot *p,
    const struct golden *g, int shade)
{
	static const char *const fills[] = { "#888888", "#b07a30", "#30a0a0" };
	const struct golden_final *f = &g->final;
	double lo = yval(o, o->error ? f->hi : f->lo);
	double hi = yval(o, o->error ? f->lo : f->hi), y = yval(o, f->acc);
	double x0 = p->xmin, x1 = p->xmax;
	char *what, *title;
	int idx;

	if (!(x0 < x1)) {
		/* Nothing else drawn: from 0 to where the golden ends. */
		x0 = isfinite(x0) ? x0 : 0;
		x1 = o->iter_axis ? f->iter : f->epoch;
		if (!(x1 > x0))
			x1 = x0 + 1;
	}
	see_x(p, x0);
	see_x(p, x1);
	what = xasprintf("golden %s final %s %s (%%): x, value, band low, "
	    "band high", g->name, f->split, o->error ? "error" : "accuracy");
	idx = block(p, what, o->iter_axis ? "iter\tvalue\tlo\thi" :
	    "epoch\tvalue\tlo\thi");
	free(what);
	fprintf(p->data, "%.10g\t%.6f\t%.6f\t%.6f\n", x0, y, lo, hi);
	fprintf(p->data, "%.10g\t%.6f\t%.6f\t%.6f\n", x1, y, lo, hi);
	what = xasprintf("%s final %s %.2f%% [%.2f, %.2f]", g->name, f->split,
	    y, lo, hi);
	title = gp_str(what);
	if (!p->dumb)
		clause(p, "datafile index %d using 1:3:4 with filledcurves "
		    "fs transparent solid 0.2 noborder lc rgb \"%s\" notitle",
		    idx, fills[shade % 3]);
	clause(p, "datafile index %d using 1:2 with lines lw 1.5 dt 4 lc "
	    "rgb \"#444444\" title %s", idx, title);
	free(what);
	free(title);
}

static void
draw_refs(const struct opts *o, struct plot *p)
{
	char *what, *title;
	int i;

	for (i = 0; i < o->nrefs; i++) {
		if (o->refs[i].label != NULL)
			what = xasprintf("%s (%g%%)", o->refs[i].label,
			    o->refs[i].y);
		else
			what = xasprintf("%g%%", o->refs[i].y);
		title = gp_str(what);
		clause(p, "%.10g with lines lw 1.5 dt (8,4,2,4) lc rgb "
		    "\"#000000\" title %s", o->refs[i].y, title);
		free(what);
		free(title);
	}
}

static void
add_mark(struct plot *p, double x, double lr)
{
	int i;

	for (i = 0; i < p->nmarks; i++)
		if (fabs(p->marks[i].x - x) <= 1e-6 * fmax(1, fabs(x)))
			return;
	if (p->nmarks < MAX_MARKS) {
		p->marks[p->nmarks].x = x;
		p->marks[p->nmarks++].lr = lr;
	}
}

/*
 * The steps of the schedule a run declares (its meta "schedule"), where
 * the rate changes at least twofold: the milestones, not every epoch of
 * a cosine.
 */
static void
marks_from_meta(const struct opts *o, struct plot *p, struct run *r)
{
	long long iters[256], limit, end, ipe = r->pr.ipe;
	double lrs[256];
	struct sched s;
	const char *text;
	char err[256];
	int i, n;

	if (r->pr.meta == NULL ||
	    (text = json_get_str(r->pr.meta, "schedule")) == NULL)
		return;
	if (sched_parse(text, &s, err, sizeof(err)) != 0) {
		warnmsg("%s: schedule \"%s\": %s", r->path, text, err);
		return;
	}
	if (!sched_is_piecewise(&s))
		return;
	if (ipe <= 0) {
		warnmsg("%s: no iterations per epoch: milestones not drawn "
		    "(give -I)", r->path);
		return;
	}
	/*
	 * A resumed run's log starts with the first part's meta record, whose
	 * length may stop short of where the log ends: take the longer.
	 */
	end = (long long)ceil(run_end(o, r) * (o->iter_axis ? 1 : ipe));
	if (json_get_int(r->pr.meta, "iters", &limit) != 0 || limit < end)
		limit = end + 1;
	n = sched_changes(&s, ipe, limit, iters, lrs, 256);
	for (i = 1; i < n; i++) {
		if (lrs[i] / lrs[i - 1] > 0.5 && lrs[i] / lrs[i - 1] < 2)
			continue;
		add_mark(p, o->iter_axis ? (double)iters[i] :
		    (double)iters[i] / ipe, lrs[i]);
	}
}

/* -M: milestones in the schedule grammar's durations ("32k/48k"). */
static void
marks_from_flag(const struct opts *o, struct plot *p, long long ipe)
{
	struct sched s;
	char err[256], *text, *c;
	double x;
	int i;

	text = xasprintf("multistep:lr=1,milestones=%s", o->milestones);
	for (c = strstr(text, "milestones="); *c != '\0'; c++)
		if (*c == ',')
			*c = '/';
	if (sched_parse(text, &s, err, sizeof(err)) != 0)
		usage_error(synopsis, "-M %s: %s", o->milestones, err);
	free(text);
	for (i = 0; i < s.nmilestones; i++) {
		struct dur d = s.milestones[i];

		if (d.epochs == o->iter_axis && ipe <= 0)
			usage_error(synopsis, "-M %s: give -I to convert "
			    "between epochs and iterations", o->milestones);
		if (o->iter_axis)
			x = d.epochs ? d.v * ipe : d.v;
		else
			x = d.epochs ? d.v : d.v / ipe;
		add_mark(p, x, NAN);
	}
}

enum term { TERM_PNG, TERM_SVG, TERM_PDF, TERM_TXT, TERM_STDOUT };

static enum term
term_of(const char *out)
{
	const char *dot;

	if (out == NULL)
		return TERM_STDOUT;
	dot = strrchr(out, '.');
	if (dot != NULL && strchr(dot, '/') == NULL) {
		if (strcmp(dot, ".png") == 0)
			return TERM_PNG;
		if (strcmp(dot, ".svg") == 0)
			return TERM_SVG;
		if (strcmp(dot, ".pdf") == 0)
			return TERM_PDF;
		if (strcmp(dot, ".txt") == 0)
			return TERM_TXT;
	}
	usage_error(synopsis, "%s: the name must end in .png, .svg, .pdf "
	    "or .txt", out);
}

static void
write_terminal(FILE *fp, const struct opts *o, enum term t)
{
	int w = o->width, h = o->height;

	switch (t) {
	case TERM_PNG:
		fprintf(fp, "set terminal pngcairo size %d,%d noenhanced "
		    "font \"Sans,11\"\n", w ? w : 1024, h ? h : 640);
		break;
	case TERM_SVG:
		fprintf(fp, "set terminal svg size %d,%d noenhanced "
		    "font \"Sans,11\" background rgb \"white\"\n",
		    w ? w : 1024, h ? h : 640);
		break;
	case TERM_PDF:
		fprintf(fp, "set terminal pdfcairo size %.2fin,%.2fin "
		    "noenhanced font \"Sans,9\"\n", (w ? w : 1024) / 128.0,
		    (h ? h : 640) / 128.0);
		break;
	default:
		fprintf(fp, "set terminal dumb size %d,%d noenhanced\n",
		    w ? w : 100, h ? h : 32);
		break;
	}
}

/* Ranges, the rate's axis and the milestone markers. */
static void
write_axes(FILE *fp, const struct opts *o, const struct plot *p)
{
	int i;

	fputs("set ytics nomirror\n", fp);
	if (o->logx)
		fprintf(fp, "set logscale x\nset xrange [%.10g:%.10g]\n",
		    p->xposmin, p->xmax);
	else if (p->xmin < p->xmax)
		fprintf(fp, "set xrange [%.10g:%.10g]\n", p->xmin, p->xmax);
	if (o->yrange != NULL)
		fprintf(fp, "set yrange [%s]\n", o->yrange);
	if (p->has_lr) {
		/* Keep the rate in the lower half, under the curves. */
		fprintf(fp, "set logscale y2\nset y2range [%.10g:%.10g]\n"
		    "set y2tics nomirror format \"%%g\"\n", p->lrmin / 3,
		    p->lrmax * 30);
		if (!p->dumb)
			fputs("set y2label \"learning rate\"\n", fp);
		/* Tick the rates the runs used, when they are few. */
		if (p->nlrs <= MAX_LRS) {
			fputs("set y2tics (", fp);
			for (i = 0; i < p->nlrs; i++)
				fprintf(fp, "%s%.10g", i > 0 ? ", " : "",
				    p->lrs[i]);
			fputs(")\n", fp);
		}
	}
	for (i = 0; i < p->nmarks; i++) {
		/* A milestone past the runs would be drawn off the plot. */
		if (p->marks[i].x < p->xmin || p->marks[i].x > p->xmax ||
		    (o->logx && p->marks[i].x <= 0))
			continue;
		fprintf(fp, "set arrow from %.10g, graph 0 to %.10g, graph 1 "
		    "nohead lw 1 dt 2 lc rgb \"#777777\" back\n",
		    p->marks[i].x, p->marks[i].x);
		if (!isnan(p->marks[i].lr))
			fprintf(fp, "set label \"lr %g\" at %.10g, graph 0.97 "
			    "offset 0.5,0 left tc rgb \"#555555\"\n",
			    p->marks[i].lr, p->marks[i].x);
	}
}

static void
write_script(FILE *fp, const struct opts *o, struct plot *p, enum term t,
    const char *dataname, const char *outname, const char *title)
{
	char *q;
	int i, keys;

	fprintf(fp, "# Drawn by acc-plot %s.  To draw it again, run gnuplot "
	    "on this file\n# in its directory; set datafile and outfile "
	    "(gnuplot -e) to use other names.\n", REPROKIT_VERSION);
	q = gp_str(dataname);
	fprintf(fp, "if (!exists(\"datafile\")) datafile = %s\n", q);
	free(q);
	q = gp_str(outname);
	fprintf(fp, "if (!exists(\"outfile\")) outfile = %s\n", q);
	free(q);
	fputs("set encoding utf8\n", fp);
	write_terminal(fp, o, t);
	fputs("if (outfile eq \"\") { set output } else { set output outfile "
	    "}\n", fp);
	if (title != NULL) {
		q = gp_str(title);
		fprintf(fp, "set title %s\n", q);
		free(q);
	}
	fprintf(fp, "set xlabel \"%s\"\n", axis_name(o));
	fprintf(fp, "set ylabel \"%s (%%)\"\n", o->error ? "error" :
	    "accuracy");
	if (!p->dumb)
		fputs("set grid xtics ytics lc rgb \"#dddddd\" lw 1 dt 1\n",
		    fp);
	for (i = 0, keys = 0; i < p->nclause; i++)
		keys += strstr(p->clauses[i], " title ") != NULL;
	/* The key goes under the plot, three entries a row. */
	fprintf(fp, "set key outside below center horizontal Left reverse "
	    "box lc rgb \"#cccccc\" samplen 2 width 1 maxcols 2\n");
	fprintf(fp, "set bmargin %d\n", (keys + 1) / 2 + (p->dumb ? 4 : 5));
	write_axes(fp, o, p);
	fputs("plot ", fp);
	for (i = 0; i < p->nclause; i++)
		fprintf(fp, "%s%s", i > 0 ? ", \\\n     " : "",
		    p->clauses[i]);
	fputc('\n', fp);
}

/*
 * Read fd to its end, keeping the last part of it (at most len - 1
 * bytes, NUL-terminated) in buf; returns its length.
 */
static size_t
read_tail(int fd, char *buf, size_t len)
{
	char chunk[4096];
	size_t have = 0, keep;
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (have + n >= len) {
			keep = len / 2 < have ? len / 2 : have;
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
		if ((size_t)n >= len - have)
			n = len - have - 1;
		memcpy(buf + have, chunk, n);
		have += n;
	}
	buf[have] = '\0';
	return have;
}

/*
 * Run gnuplot on script with datafile and outfile set; its messages are
 * collected and shown only when it fails.  Dies (status 2) when gnuplot
 * cannot be started or fails; name is what the messages call the plot.
 */
static void
run_gnuplot(const char *script, const char *datafile, const char *outfile,
    const char *name)
{
	const char *bin = getenv("GNUPLOT");
	char *dq, *oq, *e, msg[8192];
	int errp[2], execp[2], status, code;
	size_t mlen;
	pid_t pid;

	if (bin == NULL || *bin == '\0')
		bin = "gnuplot";
	dq = gp_str(datafile);
	oq = gp_str(outfile);
	e = xasprintf("datafile=%s; outfile=%s", dq, oq);
	free(dq);
	free(oq);
	if (pipe(errp) != 0 || pipe(execp) != 0)
		die("pipe:");
	(void)fcntl(execp[1], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	if ((pid = fork()) == -1)
		die("fork:");
	if (pid == 0) {
		close(errp[0]);
		close(execp[0]);
		dup2(errp[1], STDERR_FILENO);
		close(errp[1]);
		execlp(bin, bin, "-e", e, script, (char *)NULL);
		code = errno;
		(void)!write(execp[1], &code, sizeof(code));
		_exit(127);
	}
	free(e);
	close(errp[1]);
	close(execp[1]);
	if (read(execp[0], &code, sizeof(code)) == (ssize_t)sizeof(code)) {
		close(execp[0]);
		close(errp[0]);
		waitpid(pid, &status, 0);
		errno = code;
		die("%s: cannot run gnuplot (install gnuplot-nox):", bin);
	}
	close(execp[0]);
	mlen = read_tail(errp[0], msg, sizeof(msg));
	close(errp[0]);
	if (waitpid(pid, &status, 0) == -1)
		die("waitpid:");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
		msg[--mlen] = '\0';
	if (mlen > 0)
		fprintf(stderr, "%s\n", msg);
	if (WIFEXITED(status))
		die("%s: gnuplot failed (exit status %d)", name,
		    WEXITSTATUS(status));
	die("%s: gnuplot killed by signal %d", name, WTERMSIG(status));
}

/* Temporary files to remove if the program dies half-way. */
static struct afile tmp_data, tmp_script;
static char *tmp_picture, *tmp_files[3];

static void
cleanup(void)
{
	int i;

	afile_abort(&tmp_data);
	afile_abort(&tmp_script);
	if (tmp_picture != NULL) {
		unlink(tmp_picture);
		free(tmp_picture);
		tmp_picture = NULL;
	}
	for (i = 0; i < 3; i++)
		if (tmp_files[i] != NULL) {
			unlink(tmp_files[i]);
			free(tmp_files[i]);
			tmp_files[i] = NULL;
		}
}

/* "dir/name.png" -> "dir/name" + ext. */
static char *
beside(const char *out, const char *ext)
{
	const char *dot = strrchr(out, '.');

	return xasprintf("%.*s%s", (int)(dot - out), out, ext);
}

static const char *
base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL ? p + 1 : path;
}

static void
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fsync(fd) != 0)
		die("%s:", path);
	close(fd);
}

/*
 * Write data and script beside the picture and draw it: everything goes
 * to temporary names first and is renamed only once gnuplot succeeded.
 */
static void
render_file(const struct opts *o, struct plot *p, enum term t,
    const char *title)
{
	char *dpath = beside(o->output, ".tsv");
	char *spath = beside(o->output, ".gp");
	mode_t mask;
	int fd;

	atexit_cleanup(cleanup);
	if (afile_open(&tmp_data, dpath) != 0)
		die("%s:", dpath);
	if (afile_open(&tmp_script, spath) != 0)
		die("%s:", spath);
	tmp_picture = xasprintf("%s.tmp.XXXXXX", o->output);
	if ((fd = mkstemp(tmp_picture)) == -1)
		die("%s:", o->output);
	/* mkstemp makes 0600; the picture is an ordinary file. */
	mask = umask(022);
	umask(mask);
	(void)fchmod(fd, 0644 & ~mask);
	close(fd);
	if (fwrite(p->databuf, 1, p->datalen, tmp_data.fp) != p->datalen ||
	    fflush(tmp_data.fp) != 0)
		die("%s:", dpath);
	write_script(tmp_script.fp, o, p, t, base_name(dpath),
	    base_name(o->output), title);
	if (fflush(tmp_script.fp) != 0 || ferror(tmp_script.fp))
		die("%s:", spath);
	run_gnuplot(tmp_script.tmp, tmp_data.tmp, tmp_picture, o->output);
	fsync_path(tmp_picture);
	if (afile_commit(&tmp_data) != 0)
		die("%s:", dpath);
	if (afile_commit(&tmp_script) != 0)
		die("%s:", spath);
	if (rename(tmp_picture, o->output) != 0)
		die("%s:", o->output);
	(void)fsync_parent(o->output);
	free(tmp_picture);
	tmp_picture = NULL;
	free(dpath);
	free(spath);
}

/* A terminal plot on stdout: the data and script live in $TMPDIR. */
static void
render_stdout(const struct opts *o, struct plot *p, const char *title)
{
	const char *dir = getenv("TMPDIR");
	char buf[8192];
	FILE *fp;
	size_t n;
	int fd, i;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	atexit_cleanup(cleanup);
	for (i = 0; i < 3; i++) {
		tmp_files[i] = xasprintf("%s/acc-plot.XXXXXX", dir);
		if ((fd = mkstemp(tmp_files[i])) == -1) {
			free(tmp_files[i]);
			tmp_files[i] = NULL;
			die("%s:", dir);
		}
		close(fd);
	}
	if ((fp = fopen(tmp_files[0], "w")) == NULL ||
	    fwrite(p->databuf, 1, p->datalen, fp) != p->datalen ||
	    fclose(fp) != 0)
		die("%s:", tmp_files[0]);
	if ((fp = fopen(tmp_files[1], "w")) == NULL)
		die("%s:", tmp_files[1]);
	write_script(fp, o, p, TERM_STDOUT, "", "", title);
	if (fclose(fp) != 0)
		die("%s:", tmp_files[1]);
	/*
	 * gnuplot does not report a failed write, so the plot goes to a file
	 * first and from there to standard output, where close_stdout() sees
	 * a full disk or a closed pipe.
	 */
	run_gnuplot(tmp_files[1], tmp_files[0], tmp_files[2], "terminal plot");
	if ((fp = fopen(tmp_files[2], "r")) == NULL)
		die("%s:", tmp_files[2]);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			break;
	fclose(fp);
	cleanup();
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error on standard output:");
}

/* "label=path" names a run, unless a file has that very name. */
static void
split_operand(char *arg, struct run *r)
{
	char *eq = strchr(arg, '=');

	if (eq != NULL && eq != arg && memchr(arg, '/', eq - arg) == NULL &&
	    access(arg, F_OK) != 0) {
		*eq = '\0';
		r->label = xstrdup(arg);
		r->path = eq + 1;
		r->labelled = 1;
		return;
	}
	r->path = arg;
	r->label = xstrdup(base_name(arg));
	if (strchr(r->label, '.') != NULL && r->label[0] != '.')
		r->label[strcspn(r->label, ".")] = '\0';
}

static void
load_runs(const struct opts *o, struct run *runs)
{
	const char *want[2 * MAX_SPLITS + 3];
	char bufs[MAX_SPLITS][64], err[1024];
	int i, j, n = 0, g;

	want[n++] = "lr";
	want[n++] = "lr-*";
	for (i = 0; i < o->nsplits; i++)
		want[n++] = acc_tag(o, o->splits[i], bufs[i], sizeof(bufs[i]));
	want[n] = NULL;
	for (i = 0; i < o->argc; i++) {
		split_operand(o->argv[i], &runs[i]);
		if (plotrun_load(&runs[i].pr, runs[i].path, o->format, want,
		    err, sizeof(err)) != 0)
			die("%s", err);
		if (o->ipe > 0)
			runs[i].pr.ipe = o->ipe;
		/* With -a, runs that share a label form one group. */
		g = i;
		if (o->aggregate) {
			if (!runs[i].labelled) {
				free(runs[i].label);
				runs[i].label = xstrdup("runs");
			}
			for (j = 0; j < i; j++)
				if (strcmp(runs[j].label, runs[i].label) == 0) {
					g = runs[j].group;
					break;
				}
		}
		runs[i].group = g;
	}
}

static char *
default_title(const struct opts *o, struct run *runs, struct golden *g)
{
	long long depth = 0;
	int i;

	if (o->title != NULL)
		return *o->title != '\0' ? xstrdup(o->title) : NULL;
	if (o->argc > 0 && runs[0].pr.meta != NULL)
		(void)json_get_int(runs[0].pr.meta, "depth", &depth);
	for (i = 0; i < o->ngolden; i++) {
		if (depth == 0)
			depth = g[i].depth;
		/* Goldens of several depths: no network to name. */
		if (g[i].depth > 0 && g[i].depth != depth)
			return NULL;
	}
	return depth > 0 ? xasprintf("ResNet-%lld on CIFAR-10", depth) : NULL;
}

/* Move the last clause to the front, so that it is drawn first. */
static void
clause_to_front(struct plot *p)
{
	char *last = p->clauses[p->nclause - 1];

	memmove(p->clauses + 1, p->clauses, (p->nclause - 1) *
	    sizeof(p->clauses[0]));
	p->clauses[0] = last;
}

static void
draw_all(const struct opts *o, struct plot *p, struct run *runs,
    struct golden *goldens)
{
	const struct golden_curve *gc;
	int i, j, k, ncol = 0, drawn;

	for (i = 0; i < o->ngolden; i++)
		for (j = 0; j < o->nsplits; j++)
			if ((gc = golden_find(&goldens[i], o->splits[j])) !=
			    NULL)
				draw_golden_curve(o, p, &goldens[i], gc, i);
	drawn = 0;
	for (i = 0; i < o->argc; i++) {
		const char *color = colors[ncol % NCOLORS];
		int members = 0;

		if (runs[i].group != i)
			continue;
		for (k = i; k < o->argc; k++)
			members += runs[k].group == i;
		for (j = 0; j < o->nsplits; j++) {
			k = p->nclause;
			if (members > 1)
				draw_group(o, p, runs, i, o->splits[j], color);
			else
				draw_run_split(o, p, &runs[i], o->splits[j],
				    color);
			drawn += p->nclause > k;
		}
		if (!o->no_lr)
			draw_lr(o, p, &runs[i], color);
		ncol++;
	}
	if (o->argc > 0 && drawn == 0)
		die("nothing to draw: the logs have no accuracy for %s%s "
		    "(see -s and -t)", o->splits[0], o->nsplits > 1 ?
		    " or the other splits" : "");
	draw_refs(o, p);
	for (i = 0; i < o->ngolden; i++)
		if (goldens[i].final.present &&
		    golden_find(&goldens[i], goldens[i].final.split) == NULL) {
			draw_golden_final(o, p, &goldens[i], i);
			clause_to_front(p);
			if (!p->dumb)
				clause_to_front(p);
		}
}

int
main(int argc, char **argv)
{
	static struct run runs[MAX_RUNS];
	struct golden goldens[MAX_GOLDEN];
	struct plot p;
	struct opts o;
	char err[1024], *title;
	enum term t;
	int i;

	set_progname(argv[0]);
	parse_args(&o, argc, argv);
	t = term_of(o.output);
	for (i = 0; i < o.ngolden; i++)
		if (golden_read(o.golden[i], &goldens[i], err,
		    sizeof(err)) != 0)
			die("%s", err);
	load_runs(&o, runs);

	memset(&p, 0, sizeof(p));
	p.xmin = p.xposmin = p.lrmin = INFINITY;
	p.xmax = p.lrmax = -INFINITY;
	p.dumb = t == TERM_TXT || t == TERM_STDOUT;
	if ((p.data = open_memstream(&p.databuf, &p.datalen)) == NULL)
		die("open_memstream:");
	fprintf(p.data, "# acc-plot %s data: blocks separated by two blank "
	    "lines (gnuplot's index), values in percent.\n",
	    REPROKIT_VERSION);
	draw_all(&o, &p, runs, goldens);
	if (o.milestones != NULL)
		marks_from_flag(&o, &p, o.ipe > 0 ? o.ipe : o.argc > 0 ?
		    runs[0].pr.ipe : 0);
	else
		for (i = 0; i < o.argc; i++)
			marks_from_meta(&o, &p, &runs[i]);
	if (fclose(p.data) != 0)
		die("out of memory");
	if (!(p.xmin <= p.xmax))
		die("nothing to draw");
	title = default_title(&o, runs, goldens);
	if (t == TERM_STDOUT)
		render_stdout(&o, &p, title);
	else
		render_file(&o, &p, t, title);
	free(title);
	free(p.databuf);
	for (i = 0; i < p.nclause; i++)
		free(p.clauses[i]);
	for (i = 0; i < o.argc; i++) {
		plotrun_free(&runs[i].pr);
		free(runs[i].label);
	}
	for (i = 0; i < o.ngolden; i++)
		golden_free(&goldens[i]);
	close_stdout();
	return EXIT_OK;
}
