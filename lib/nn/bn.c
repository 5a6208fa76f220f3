/*
 * bn.c: batch normalisation over CNHW activations (Ioffe and Szegedy
 * 2015), with PyTorch's conventions: eps 1e-5, running statistics
 * r = (1 - m) r + m s with m = 0.1 and the unbiased batch variance.
 *
 * One task per channel, so each channel's sums are taken in one fixed
 * order by one thread.  With groups > 1 the batch is split into that many
 * sub-batches of consecutive images, each normalised by its own
 * statistics, as separate devices would do; the running statistics then
 * move towards the average of the groups' statistics.
 */
#include <math.h>
#include <stdlib.h>

#include "util.h"
#include "nn/layers.h"
#include "nn/par.h"

struct bn_job {
	struct bn	*bn;
	const float	*x, *res, *dy, *mask;
	float		*y, *dx;
	int		 relu, N, HW, groups;
};

void
bn_init(struct bn *bn, int C)
{
	bn->C = C;
	bn->eps = BN_EPS;
	bn->momentum = BN_MOMENTUM;
	bn->groups = 1;
	bn->smean = xcalloc((size_t)BN_MAX_GROUPS * C, sizeof(float));
	bn->sinvstd = xcalloc((size_t)BN_MAX_GROUPS * C, sizeof(float));
}

void
bn_free(struct bn *bn)
{
	free(bn->smean);
	free(bn->sinvstd);
	bn->smean = bn->sinvstd = NULL;
}

/* y = x * a + b (+ res), then the ReLU, over n values. */
static void
affine(const float *x, float *y, const float *res, long n, float a, float b,
    int relu)
{
	long i;
	float v;

	for (i = 0; i < n; i++) {
		v = x[i] * a + b;
		if (res != NULL)
			v += res[i];
		y[i] = relu && !(v > 0) ? 0 : v;
	}
}

static void
train_task(void *arg, int c, int worker)
{
	const struct bn_job *j = arg;
	struct bn *bn = j->bn;
	long base = (long)c * j->N * j->HW, lo, hi, i, m;
	double sum, mean, var, smean = 0, svar = 0, invstd, a;
	int g;

	for (g = 0; g < j->groups; g++) {
		par_range(j->N, j->groups, g, &lo, &hi);
		lo = base + lo * j->HW;
		hi = base + hi * j->HW;
		m = hi - lo;
		sum = 0;
		for (i = lo; i < hi; i++)
			sum += j->x[i];
		mean = sum / m;
		var = 0;
		for (i = lo; i < hi; i++)
			var += (j->x[i] - mean) * (j->x[i] - mean);
		var /= m;
		invstd = 1 / sqrt(var + bn->eps);
		bn->smean[g * bn->C + c] = (float)mean;
		bn->sinvstd[g * bn->C + c] = (float)invstd;
		a = bn->gamma[c] * invstd;
		affine(j->x + lo, j->y + lo, j->res ? j->res + lo : NULL, m,
		    (float)a, (float)(bn->beta[c] - mean * a), j->relu);
		smean += mean;
		svar += m > 1 ? var * m / (m - 1) : var;
	}
	smean /= j->groups;
	svar /= j->groups;
	bn->rmean[c] = (float)(bn->momentum * smean +
	    (1 - (double)bn->momentum) * bn->rmean[c]);
	bn->rvar[c] = (float)(bn->momentum * svar +
	    (1 - (double)bn->momentum) * bn->rvar[c]);
}

void
bn_forward_train(struct bn *bn, const float *x, float *y, const float *res,
    int relu, int N, int HW, int groups)
{
	struct bn_job j = { .bn = bn, .x = x, .y = y, .res = res,
	    .relu = relu, .N = N, .HW = HW };

	if (groups < 1)
		groups = 1;
	if (groups > BN_MAX_GROUPS)
		groups = BN_MAX_GROUPS;
	if (groups > N)
		groups = N;
	j.groups = bn->groups = groups;
	par_for(bn->C, train_task, &j);
}

static void
eval_task(void *arg, int c, int worker)
{
	const struct bn_job *j = arg;
	const struct bn *bn = j->bn;
	long base = (long)c * j->N * j->HW, n = (long)j->N * j->HW;
	double a = bn->gamma[c] / sqrt((double)bn->rvar[c] + bn->eps);

	affine(j->x + base, j->y + base, j->res ? j->res + base : NULL, n,
	    (float)a, (float)(bn->beta[c] - bn->rmean[c] * a), j->relu);
}

void
bn_forward_eval(const struct bn *bn, const float *x, float *y,
    const float *res, int relu, int N, int HW)
{
	struct bn_job j = { .bn = (struct bn *)bn, .x = x, .y = y,
	    .res = res, .relu = relu, .N = N, .HW = HW };

	par_for(bn->C, eval_task, &j);
}

static void
backward_task(void *arg, int c, int worker)
{
	const struct bn_job *j = arg;
	struct bn *bn = j->bn;
	const float *dy = j->dy, *mask = j->mask, *x = j->x;
	long base = (long)c * j->N * j->HW, lo, hi, i;
	double sdy, sdyx, dg = 0, db = 0, m;
	float mean, invstd, k, a, b, g;
	int grp;

	for (grp = 0; grp < bn->groups; grp++) {
		par_range(j->N, bn->groups, grp, &lo, &hi);
		lo = base + lo * j->HW;
		hi = base + hi * j->HW;
		m = (double)(hi - lo);
		mean = bn->smean[grp * bn->C + c];
		invstd = bn->sinvstd[grp * bn->C + c];
		sdy = sdyx = 0;
		for (i = lo; i < hi; i++) {
			g = mask == NULL || mask[i] > 0 ? dy[i] : 0;
			sdy += g;
			sdyx += g * (double)((x[i] - mean) * invstd);
		}
		dg += sdyx;
		db += sdy;
		/* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) */
		k = bn->gamma[c] * invstd;
		a = (float)(sdyx / m) * invstd;
		b = (float)(sdy / m);
		for (i = lo; i < hi; i++) {
			g = mask == NULL || mask[i] > 0 ? dy[i] : 0;
			j->dx[i] = k * (g - b - (x[i] - mean) * a);
		}
	}
	bn->dgamma[c] = (float)dg;
	bn->dbeta[c] = (float)db;
}

void
bn_backward(struct bn *bn, const float *x, const float *dy,
    const float *mask, float *dx, int N, int HW)
{
	struct bn_job j = { .bn = bn, .x = x, .dy = dy, .mask = mask,
	    .dx = dx, .N = N, .HW = HW };

	par_for(bn->C, backward_task, &j);
}
