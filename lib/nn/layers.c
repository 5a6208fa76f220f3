/*
 * layers.c: the small layers of a CIFAR ResNet on CNHW activations: the
 * ReLU backward, the option-A shortcut, global average pooling, the fully
 * connected head and softmax cross-entropy.
 */
#include <math.h>
#include <stdlib.h>

#include "util.h"
#include "nn/layers.h"
#include "nn/par.h"

#define CHUNK	(1L << 15)	/* values per elementwise task */

struct ew_job {
	const float	*a, *b;
	float		*out;
	long		 n;
	int		 ntasks;
	int		 C, K, N, H, W;
};

static int
ew_tasks(long n)
{
	long t = (n + CHUNK - 1) / CHUNK;

	return t < 1 ? 1 : (int)t;
}

static void
relu_task(void *arg, int t, int worker)
{
	const struct ew_job *j = arg;
	long lo, hi, i;

	par_range(j->n, j->ntasks, t, &lo, &hi);
	for (i = lo; i < hi; i++)
		j->out[i] = j->a[i] > 0 ? j->b[i] : 0;
}

void
relu_backward(const float *out, const float *dy, float *dz, long n)
{
	struct ew_job j = { .a = out, .b = dy, .out = dz, .n = n };

	j.ntasks = ew_tasks(n);
	par_for(j.ntasks, relu_task, &j);
}

static void
add_task(void *arg, int t, int worker)
{
	const struct ew_job *j = arg;
	long lo, hi, i;

	par_range(j->n, j->ntasks, t, &lo, &hi);
	for (i = lo; i < hi; i++)
		j->out[i] += j->a[i];
}

void
vec_add(float *dx, const float *dy, long n)
{
	struct ew_job j = { .a = dy, .out = dx, .n = n };

	j.ntasks = ew_tasks(n);
	par_for(j.ntasks, add_task, &j);
}

/* One task per output channel. */
static void
sca_fwd_task(void *arg, int k, int worker)
{
	const struct ew_job *j = arg;
	int Ho = j->H / 2, Wo = j->W / 2, n, y, x;
	float *d = j->out + (long)k * j->N * Ho * Wo;
	const float *s;

	if (k >= j->C) {
		for (n = 0; n < j->N * Ho * Wo; n++)
			d[n] = 0;
		return;
	}
	for (n = 0; n < j->N; n++) {
		s = j->a + ((long)k * j->N + n) * j->H * j->W;
		for (y = 0; y < Ho; y++)
			for (x = 0; x < Wo; x++)
				*d++ = s[2 * y * j->W + 2 * x];
	}
}

void
shortcut_a_forward(const float *x, float *y, int C, int K, int N, int H,
    int W)
{
	struct ew_job j = { .a = x, .out = y, .C = C, .K = K, .N = N,
	    .H = H, .W = W };

	par_for(K, sca_fwd_task, &j);
}

static void
sca_bwd_task(void *arg, int c, int worker)
{
	const struct ew_job *j = arg;
	int Ho = j->H / 2, Wo = j->W / 2, n, y, x;
	const float *s = j->a + (long)c * j->N * Ho * Wo;
	float *d;

	for (n = 0; n < j->N; n++) {
		d = j->out + ((long)c * j->N + n) * j->H * j->W;
		for (y = 0; y < Ho; y++)
			for (x = 0; x < Wo; x++)
				d[2 * y * j->W + 2 * x] += *s++;
	}
}

void
shortcut_a_backward(const float *dy, float *dx, int C, int K, int N, int H,
    int W)
{
	struct ew_job j = { .a = dy, .out = dx, .C = C, .K = K, .N = N,
	    .H = H, .W = W };

	par_for(C, sca_bwd_task, &j);
}

void
avgpool_forward(const float *x, float *y, int C, int N, int HW)
{
	long cn, i;
	double sum;

	for (cn = 0; cn < (long)C * N; cn++) {
		sum = 0;
		for (i = 0; i < HW; i++)
			sum += x[cn * HW + i];
		y[cn] = (float)(sum / HW);
	}
}

void
avgpool_backward(const float *dy, float *dx, int C, int N, int HW)
{
	long cn, i;
	float g;

	for (cn = 0; cn < (long)C * N; cn++) {
		g = dy[cn] / HW;
		for (i = 0; i < HW; i++)
			dx[cn * HW + i] = g;
	}
}

/* x [C][N] -> y [N][K] */
void
fc_forward(const struct fc *fc, const float *x, float *y, int N)
{
	int n, k, c;
	double sum;

	for (n = 0; n < N; n++)
		for (k = 0; k < fc->K; k++) {
			sum = fc->b[k];
			for (c = 0; c < fc->C; c++)
				sum += (double)fc->w[k * fc->C + c] *
				    x[(long)c * N + n];
			y[(long)n * fc->K + k] = (float)sum;
		}
}

/* dy [N][K] -> dw [K][C], db [K], dx [C][N] (unless NULL) */
void
fc_backward(struct fc *fc, const float *x, const float *dy, float *dx,
    int N)
{
	int n, k, c;
	double sum;

	for (k = 0; k < fc->K; k++) {
		sum = 0;
		for (n = 0; n < N; n++)
			sum += dy[(long)n * fc->K + k];
		fc->db[k] = (float)sum;
		for (c = 0; c < fc->C; c++) {
			sum = 0;
			for (n = 0; n < N; n++)
				sum += (double)dy[(long)n * fc->K + k] *
				    x[(long)c * N + n];
			fc->dw[k * fc->C + c] = (float)sum;
		}
	}
	if (dx == NULL)
		return;
	for (c = 0; c < fc->C; c++)
		for (n = 0; n < N; n++) {
			sum = 0;
			for (k = 0; k < fc->K; k++)
				sum += (double)fc->w[k * fc->C + c] *
				    dy[(long)n * fc->K + k];
			dx[(long)c * N + n] = (float)sum;
		}
}

double
softmax_xent(const float *logits, const uint8_t *labels, int N, int K,
    float *dlogits, int *correct, double *loss_n)
{
	const float *z;
	double total = 0, max, sum, l;
	int n, k, best, hits = 0;

	for (n = 0; n < N; n++) {
		z = logits + (long)n * K;
		max = z[0];
		best = 0;
		for (k = 1; k < K; k++)
			if (z[k] > max) {
				max = z[k];
				best = k;
			}
		/* NaN logits never win the comparison: count them wrong. */
		if (best == labels[n] && !isnan(z[best]))
			hits++;
		sum = 0;
		for (k = 0; k < K; k++)
			sum += exp(z[k] - max);
		l = log(sum) + max - z[labels[n]];
		total += l;
		if (loss_n != NULL)
			loss_n[n] = l;
		if (dlogits == NULL)
			continue;
		for (k = 0; k < K; k++)
			dlogits[(long)n * K + k] = (float)((exp(z[k] - max) /
			    sum - (k == labels[n])) / N);
	}
	if (correct != NULL)
		*correct = hits;
	return total / N;
}
