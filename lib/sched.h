/*
 * sched.h: the learning-rate schedule grammar shared by rn-train (which
 * follows a schedule) and lr-audit (which checks a log against one).
 *
 *	schedule = [ warmup "+" ] main
 *	warmup	 = "warmup:" params	keys: lr (starting lr), len,
 *					mode=linear|constant (default linear)
 *	main	 = kind ":" params
 *	params	 = key "=" value { "," key "=" value }
 *
 * Kinds and their keys (lr is always the base rate):
 *	constant   lr
 *	multistep  lr, milestones=M1/M2/..., gamma (default 0.1)
 *	step	   lr, every=S, gamma (default 0.1)
 *	exp	   lr, gamma, every (default 1)	(lr * gamma^floor(t/every))
 *	cosine	   lr, total=T, min (default 0)
 *	linear	   lr, total=T, end (default 0)	(straight line to end at T)
 *	onecycle   lr (the peak), total=T, pct (0.3), div (25), final_div (1e4)
 * Every kind also takes stop=T, the run's length (checked, not applied).
 * A key may be given once; gamma is required for exp.  cosine and linear
 * hold their final rate after total; onecycle follows PyTorch's OneCycleLR
 * (cosine annealing, two phases), which ends at total - 1.  A linear
 * warm-up blends from its lr to the main schedule's rate: at t < len the
 * rate is lr + (main(t) - lr) * t / len.
 *
 * Durations (milestones, every, total, len, stop) are iterations unless
 * suffixed "ep" for epochs; "it" may be written, and "k" multiplies by
 * 1000: "32k", "91ep", "400it"; the count must be whole and positive
 * once multiplied out.  One schedule may mix units.  A schedule
 * in epochs changes only at epoch boundaries, as a scheduler stepped once
 * per epoch does: t = floor(iter / iters_per_epoch).
 *
 * Semantics of time: sched_lr(s, i, ipe) is the rate of update i (0-based),
 * so a milestone at 32000 first affects update 32000.  The warm-up runs for
 * updates 0..len-1; the main schedule's clock starts at 0 with the warm-up
 * (the warm-up overrides it, it does not delay it), as in the paper's
 * ResNet-110 recipe.
 *
 * Presets (sched_preset): "paper" is He et al. 2016 §4.2, lr 0.1 divided by
 * 10 at 32k and 48k iterations, stop at 64k; "paper-110" adds a constant
 * 0.01 warm-up for the first 400 iterations.
 */
#ifndef REPROKIT_SCHED_H
#define REPROKIT_SCHED_H

#include <stddef.h>

#include <jansson.h>

#define SCHED_MAX_MILESTONES	64

enum sched_kind {
	SCHED_CONSTANT, SCHED_MULTISTEP, SCHED_STEP, SCHED_EXP,
	SCHED_COSINE, SCHED_LINEAR, SCHED_ONECYCLE
};

enum warmup_mode { WARMUP_NONE, WARMUP_LINEAR, WARMUP_CONSTANT };

/* A duration: a count of iterations or of epochs. */
struct dur {
	double	v;
	int	epochs;		/* 1 when written with "ep" */
};

struct sched {
	enum sched_kind	kind;
	double		lr;
	double		gamma;
	struct dur	milestones[SCHED_MAX_MILESTONES];
	int		nmilestones;
	struct dur	every;		/* step */
	struct dur	total;		/* cosine, linear, onecycle */
	double		min_lr;		/* cosine min, linear end */
	double		pct, div, final_div;	/* onecycle */
	struct dur	stop;		/* v == 0: not given */
	enum warmup_mode warmup;
	double		warmup_lr;
	struct dur	warmup_len;
};

/* Parse a schedule or a preset name; -1 and a message in err otherwise. */
int	 sched_parse(const char *, struct sched *, char *err, size_t errlen);
int	 sched_preset(const char *name, struct sched *);

/* The rate of update iter (0-based); ipe = iterations per epoch (> 0). */
double	 sched_lr(const struct sched *, long long iter, long long ipe);

/* Canonical text that sched_parse reads back to the same schedule. */
char	*sched_format(const struct sched *);	/* malloc'd */
/* A structured description for logs and reports. */
json_t	*sched_json(const struct sched *);

/* Iteration count of a duration. */
double	 dur_iters(struct dur, long long ipe);

/*
 * The iterations in [0, limit) at which the rate changes, ascending, with
 * the rate from there on; returns how many were found (at most max).
 * The first entry is always iteration 0 with the starting rate.
 * Continuous schedules (cosine, linear, exp per iteration, onecycle) change
 * at every iteration: callers check sched_is_piecewise() first.
 */
int	 sched_changes(const struct sched *, long long ipe, long long limit,
	    long long *iters, double *lrs, int max);
int	 sched_is_piecewise(const struct sched *);

/*
 * Iterations per epoch for a training set of n images at batch b:
 * ceil(n / b) when the last partial batch is kept, floor when dropped.
 */
long long iters_per_epoch(long long n, long long b, int drop_last);

#endif
