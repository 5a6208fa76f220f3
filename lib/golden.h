/*
 * golden.h: golden reference curves, the files under golden/ (their
 * format is golden/README.md).  A golden file names its source (the
 * paper, or a reference run and how it was made), the recipe, one
 * accuracy curve per split with a tolerance band at every point, and the
 * final accuracy with its tolerance.  Accuracies are fractions in [0, 1].
 *
 * This module reads and checks such files, looks up the band at any
 * point of a curve, and builds curves from one or more runs by the
 * tolerance rule stated in golden/README.md.
 */
#ifndef REPROKIT_GOLDEN_H
#define REPROKIT_GOLDEN_H

#include <stddef.h>

#include <jansson.h>

#define GOLDEN_VERSION		1
#define GOLDEN_SPLIT_MAX	16

enum golden_axis { GOLDEN_EPOCH, GOLDEN_ITER };

struct golden_point {
	double	x;		/* on the file's axis */
	double	epoch, iter;	/* NAN when the file does not say */
	double	acc, lo, hi;
};

struct golden_curve {
	char			 split[GOLDEN_SPLIT_MAX];
	struct golden_point	*pt;	/* ascending x */
	size_t			 n;
};

struct golden_final {
	int	present;
	char	split[GOLDEN_SPLIT_MAX];
	double	epoch, iter;	/* NAN when not stated */
	double	acc, lo, hi;
};

struct golden {
	json_t			*doc;	/* the whole document */
	const char		*name;	/* points into doc */
	enum golden_axis	 axis;
	long long		 depth;	/* 0 when not stated */
	struct golden_curve	*curve;
	size_t			 ncurve;
	struct golden_final	 final;
};

/*
 * Read and validate a golden file; -1 with a message in err (starting
 * with the path) otherwise.  golden_parse takes its own reference to doc.
 */
int	 golden_read(const char *path, struct golden *, char *err,
	    size_t errlen);
int	 golden_parse(json_t *doc, struct golden *, char *err, size_t errlen);
void	 golden_free(struct golden *);

const char *golden_axis_name(enum golden_axis);
const struct golden_curve *golden_find(const struct golden *,
	    const char *split);

/*
 * The band at x, linearly interpolated between the two nearest points;
 * -1 when x lies outside the curve's first and last point.
 */
int	 golden_band(const struct golden_curve *, double x,
	    struct golden_point *);

/* The tolerance rule (golden/README.md, "Making a golden curve"). */

/* Binomial standard error of an accuracy p measured on n images. */
double	 golden_binom_se(double p, double n);

/*
 * Epoch-to-epoch jitter of one curve: for each point, the root mean
 * square of the second-difference residuals x[j] - (x[j-1] + x[j+1]) / 2,
 * divided by sqrt(1.5), over the interior points j within w places of i
 * that share i's learning rate with both neighbours.  lr may be NULL (one
 * phase).  Points with no such residual get 0.
 */
void	 golden_jitter(const double *v, const double *lr, size_t n, int w,
	    double *s);

/* One run's curve for one split, as golden_make_curve reads it. */
struct golden_run {
	const double	*x;	/* ascending, on the chosen axis */
	const double	*x2;	/* the other axis, or NULL */
	const double	*acc;
	const double	*lr;	/* the rate in force at each point, or NULL */
	size_t		 n;
};

struct golden_rule {
	double	k;		/* band half-width in standard deviations */
	int	window;		/* jitter window, points either side */
	double	spread;		/* floor for the spread s (fraction) */
	double	nimages;	/* images the accuracy is measured on */
};

/*
 * Build a curve from nrun runs of one split: the mean at every x that any
 * run reaches, and the band k * sqrt(p(1-p)/n + s^2), where s is the
 * sample standard deviation across the runs at that x when at least two
 * runs reach it, and the jitter of the mean curve otherwise, never less
 * than rule->spread.  axis_epoch says which of epoch/iter x is.  The
 * points are malloc'd into out.
 */
void	 golden_make_curve(const struct golden_run *, size_t nrun,
	    const struct golden_rule *, int axis_epoch,
	    struct golden_curve *out);

/* A curve as the "points" array of a golden file. */
json_t	*golden_curve_json(const struct golden_curve *);

/*
 * Write a golden document indented, with each point of a curve and the
 * final record on one line; -1 on a write error.
 */
int	 golden_write(FILE *, json_t *doc);

#endif
