/*
 * plotrun.h: one training log held in memory as a series per tag, for
 * acc-plot and acc-check.  The log is read through logread (any format it
 * knows); only the tags asked for are kept.  Nothing is written.
 */
#ifndef REPROKIT_PLOTRUN_H
#define REPROKIT_PLOTRUN_H

#include <stddef.h>

#include <jansson.h>

struct series {
	char		*tag;
	long long	*step;		/* -1 when the log has none */
	double		*epoch;		/* NAN when the log has none */
	double		*v;
	size_t		 n, cap;
};

struct plotrun {
	char		*path;
	char		*format;	/* as logread named it */
	json_t		*meta;		/* the log's declarations, or NULL */
	long long	 ipe;		/* iterations per epoch; 0 unknown */
	struct series	*s;
	size_t		 ns;
};

/*
 * Read path (format NULL = detect) keeping the tags listed in want, a
 * NULL-terminated list where a name ending in '*' matches by prefix
 * (want NULL keeps every tag).  -1 with a message in err otherwise.
 * ipe comes from the meta record's "iters_per_epoch" when there is one.
 */
int	 plotrun_load(struct plotrun *, const char *path, const char *format,
	    const char *const *want, char *err, size_t errlen);
void	 plotrun_free(struct plotrun *);

/* The series of a tag, or NULL; with a '*' suffix the first match. */
struct series *plotrun_series(struct plotrun *, const char *tag);

/*
 * Where point i lies on the iteration axis (iter_axis 1) or the epoch
 * axis: iterations are the step, or epoch * ipe; epochs are step / ipe
 * when ipe is known, else the logged epoch.  NAN when neither is known.
 */
double	 plotrun_x(const struct plotrun *, const struct series *, size_t i,
	    int iter_axis);

/* A series laid out on one axis: ascending x, one value per x. */
struct plotcurve {
	double	*x;		/* the chosen axis */
	double	*x2;		/* the other axis (NAN when unknown) */
	double	*v;
	long long *step;
	size_t	 n;
};

/*
 * The points of s on the iteration or epoch axis, sorted; where x
 * repeats (a resumed run) the point logged last wins.  Points whose x is
 * unknown are left out and counted in *dropped (may be NULL).
 */
void	 plotrun_curve(const struct plotrun *, const struct series *,
	    int iter_axis, struct plotcurve *, size_t *dropped);
void	 plotcurve_free(struct plotcurve *);

/*
 * The value of a per-update series (the learning rate) for the last
 * update before step: the last point logged with a smaller step.  NAN
 * when there is none.
 */
double	 series_before(const struct series *, long long step);

/*
 * Accuracies logged as percentages (any value above 1) are scaled to
 * fractions; returns 1 when it scaled.
 */
int	 series_to_fraction(struct series *);

#endif
