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
#include "nn/vec.h"

struct bn_job {
	struct bn	*bn;
	const float	*x, *res, *dy, *mask;
	float		*y, *dx, *dz;
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

/* The end of the next block of whole 16-value steps from i. */
static long
block_end(long i, long n)
{
	return i + VEC_BLOCK <= n ? i + VEC_BLOCK : n - (n - i) % 16;
}

/* sum x, and sum (x - mean)^2 when sq; over n values. */
static double
seg_sum(const float *x, long n, int sq, float mean)
{
	v8f a, b, m = v8_set(mean), d, e;
	double total = 0;
	long i = 0, end;

	while (i + 16 <= n) {
		end = block_end(i, n);
		a = b = v8_set(0);
		for (; i < end; i += 16) {
			d = v8_load(x + i);
			e = v8_load(x + i + 8);
			if (sq) {
				d = v8_sub(d, m);
				e = v8_sub(e, m);
				d = v8_mul(d, d);
				e = v8_mul(e, e);
			}
			a = v8_add(a, d);
			b = v8_add(b, e);
		}
		total += v8_hsum(v8_add(a, b));
	}
	for (; i < n; i++)
		total += sq ? (double)(x[i] - mean) * (x[i] - mean) : x[i];
	return total;
}

void
vec_affine(const float *x, float *y, const float *res, long n, float a,
    float b, int relu)
{
	v8f va = v8_set(a), vb = v8_set(b), v;
	long i;

	for (i = 0; i + 8 <= n; i += 8) {
		v = v8_fma(v8_load(x + i), va, vb);
		if (res != NULL)
			v = v8_add(v, v8_load(res + i));
		v8_store(y + i, relu ? v8_where_pos(v, v) : v);
	}
	for (; i < n; i++) {
		y[i] = x[i] * a + b;
		if (res != NULL)
			y[i] += res[i];
		if (relu && !(y[i] > 0))
			y[i] = 0;
	}
}

static void
train_task(void *arg, int c, int worker)
{
	const struct bn_job *j = arg;
	struct bn *bn = j->bn;
	long base = (long)c * j->N * j->HW, lo, hi, m;
	double sum, mean, var, smean = 0, svar = 0, invstd, a;
	int g;

	for (g = 0; g < j->groups; g++) {
		par_range(j->N, j->groups, g, &lo, &hi);
		lo = base + lo * j->HW;
		hi = base + hi * j->HW;
		m = hi - lo;
		sum = seg_sum(j->x + lo, m, 0, 0);
		mean = sum / m;
		/* A second pass about the mean, as float rounds it. */
		var = seg_sum(j->x + lo, m, 1, (float)mean);
		var = var / m - ((float)mean - mean) * ((float)mean - mean);
		invstd = 1 / sqrt(var + bn->eps);
		bn->smean[g * bn->C + c] = (float)mean;
		bn->sinvstd[g * bn->C + c] = (float)invstd;
		a = bn->gamma[c] * invstd;
		vec_affine(j->x + lo, j->y + lo, j->res ? j->res + lo : NULL, m,
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

	vec_affine(j->x + base, j->y + base, j->res ? j->res + base : NULL, n,
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

/* dy where mask > 0 (all of dy without a mask). */
static inline v8f
v8_masked(const float *dy, const float *mask, long i)
{
	v8f g = v8_load(dy + i);

	return mask == NULL ? g : v8_where_pos(g, v8_load(mask + i));
}

/*
 * sum g and sum g (x - mean) invstd over n values, g the masked dy;
 * g is stored in dz unless that is NULL.
 */
static void
grad_sums(const float *x, const float *dy, const float *mask, float *dz,
    long n, float mean, float invstd, double *sdy, double *sdyx)
{
	v8f a, b, g, vm = v8_set(mean), vs = v8_set(invstd);
	long i = 0, end;
	float gi;

	*sdy = *sdyx = 0;
	while (i + 8 <= n) {
		end = i + VEC_BLOCK <= n ? i + VEC_BLOCK : n - (n - i) % 8;
		a = b = v8_set(0);
		for (; i < end; i += 8) {
			g = v8_masked(dy, mask, i);
			if (dz != NULL)
				v8_store(dz + i, g);
			a = v8_add(a, g);
			b = v8_fma(g, v8_mul(v8_sub(v8_load(x + i), vm), vs),
			    b);
		}
		*sdy += v8_hsum(a);
		*sdyx += v8_hsum(b);
	}
	for (; i < n; i++) {
		gi = mask == NULL || mask[i] > 0 ? dy[i] : 0;
		if (dz != NULL)
			dz[i] = gi;
		*sdy += gi;
		*sdyx += gi * (double)((x[i] - mean) * invstd);
	}
}

/* dx = k (g - b - (x - mean) a) over n values. */
static void
grad_input(const float *x, const float *dy, const float *mask, float *dx,
    long n, float mean, float k, float a, float b)
{
	v8f vk = v8_set(k), va = v8_set(a), vb = v8_set(b), vm = v8_set(mean);
	long i;
	float g;

	for (i = 0; i + 8 <= n; i += 8)
		v8_store(dx + i, v8_mul(vk, v8_sub(v8_sub(v8_masked(dy, mask,
		    i), vb), v8_mul(v8_sub(v8_load(x + i), vm), va))));
	for (; i < n; i++) {
		g = mask == NULL || mask[i] > 0 ? dy[i] : 0;
		dx[i] = k * (g - b - (x[i] - mean) * a);
	}
}

static void
backward_task(void *arg, int c, int worker)
{
	const struct bn_job *j = arg;
	struct bn *bn = j->bn;
	long base = (long)c * j->N * j->HW, lo, hi;
	double sdy, sdyx, dg = 0, db = 0, m;
	float mean, invstd;
	int grp;

	for (grp = 0; grp < bn->groups; grp++) {
		par_range(j->N, bn->groups, grp, &lo, &hi);
		lo = base + lo * j->HW;
		hi = base + hi * j->HW;
		m = (double)(hi - lo);
		mean = bn->smean[grp * bn->C + c];
		invstd = bn->sinvstd[grp * bn->C + c];
		grad_sums(j->x + lo, j->dy + lo, j->mask ? j->mask + lo : NULL,
		    j->dz ? j->dz + lo : NULL, hi - lo, mean, invstd, &sdy,
		    &sdyx);
		dg += sdyx;
		db += sdy;
		/* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) */
		grad_input(j->x + lo, j->dy + lo, j->mask ? j->mask + lo :
		    NULL, j->dx + lo, hi - lo, mean, bn->gamma[c] * invstd,
		    (float)(sdyx / m) * invstd, (float)(sdy / m));
	}
	bn->dgamma[c] = (float)dg;
	bn->dbeta[c] = (float)db;
}

void
bn_backward(struct bn *bn, const float *x, const float *dy,
    const float *mask, float *dx, int N, int HW)
{
	bn_backward_relu(bn, x, dy, mask, NULL, dx, N, HW);
}

void
bn_backward_relu(struct bn *bn, const float *x, const float *dy,
    const float *mask, float *dz, float *dx, int N, int HW)
{
	struct bn_job j = { .bn = bn, .x = x, .dy = dy, .mask = mask,
	    .dz = dz, .dx = dx, .N = N, .HW = HW };

	par_for(bn->C, backward_task, &j);
}
