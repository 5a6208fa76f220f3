/*
 * logread_audit.h: compare the learning rate a log shows with the
 * schedule the run declared (lr-audit's engine, kept apart from the
 * program so it can be tested on made-up series).
 *
 * Feed every point of a log to audit_add, then audit_run: it picks the
 * LR tag, works out which update each logged step belongs to for the
 * log's format, and returns JSON records: one per finding, one
 * "observed" record (change points and a shape), one "summary".
 */
#ifndef REPROKIT_LOGREAD_AUDIT_H
#define REPROKIT_LOGREAD_AUDIT_H

#include <jansson.h>

#include "logread.h"
#include "sched.h"

/* How a Trainer-state LR maps to updates (it changed in 2025). */
enum audit_hf { AUDIT_HF_EITHER, AUDIT_HF_NEXT, AUDIT_HF_CURRENT };

struct audit_opts {
	const char	*tag;		/* the LR tag; NULL = choose */
	long long	 ipe;		/* iterations per epoch; 0 unknown */
	const char	*ipe_from;	/* how ipe was found, for the report */
	enum audit_hf	 hf;
	double		 rel_tol;	/* 0 = default 1e-5 */
	double		 abs_tol;	/* 0 = default (5e-6 for mmcv) */
};

struct audit;

struct audit	*audit_new(const char *format, const struct audit_opts *);
/*
 * One point.  Tags are recognised by address: each name must keep one
 * address, valid while the audit lives (logread's interned tags do).
 */
void		 audit_add(struct audit *, const struct logpoint *);
/* Iterations per epoch, when known only after reading (meta). */
void		 audit_set_ipe(struct audit *, long long, const char *from);
/* Names of the LR-like tags seen (borrowed). */
json_t		*audit_lr_tags(struct audit *);
/* How many of their values were NaN or infinite (skipped); the first. */
long long	 audit_nonfinite(const struct audit *, const char **tag,
		    long long *step);
/*
 * Run the checks against declared (NULL: only describe what the log
 * shows).  from says where the declaration came from.  Returns the
 * records (new reference) and sets *nfindings; NULL with a message in
 * err when the log holds no learning rate at all.
 */
json_t		*audit_run(struct audit *, const struct sched *declared,
		    const char *from, int *nfindings, char *err,
		    size_t errlen);
void		 audit_free(struct audit *);

/* Is this tag a learning rate (lr, lr-SGD/pg1, train/learning_rate)? */
int		 audit_is_lr_tag(const char *);

#endif
