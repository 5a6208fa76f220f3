/*
 * data.c: normalisation, augmentation and batch assembly for CIFAR
 * images, and evaluation of a model over a set.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn/data.h"
#include "nn/par.h"

#define SIDE	CIFAR_SIDE
#define PLANE	(SIDE * SIDE)

void
norm_fit(struct norm *nm, enum norm_mode mode, const struct cifar_set *set,
    uint32_t n)
{
	double sum[CIFAR_IMG_BYTES], ss[3], m;
	const uint8_t *img;
	uint32_t i;
	int c, p;

	memset(nm, 0, sizeof(*nm));
	nm->mode = mode;
	memset(sum, 0, sizeof(sum));
	memset(ss, 0, sizeof(ss));
	if (n > set->n)
		n = set->n;
	for (i = 0; i < n; i++) {
		img = set->images + (size_t)i * CIFAR_IMG_BYTES;
		for (p = 0; p < CIFAR_IMG_BYTES; p++) {
			sum[p] += img[p];
			ss[p / PLANE] += (double)img[p] * img[p];
		}
	}
	if (mode == NORM_PIXEL) {
		for (p = 0; p < CIFAR_IMG_BYTES; p++)
			nm->mean[p] = (float)(n ? sum[p] / n / 255 : 0);
		for (c = 0; c < 3; c++)
			nm->scale[c] = 1;
		return;
	}
	for (c = 0; c < 3; c++) {
		m = 0;
		for (p = 0; p < PLANE; p++)
			m += sum[c * PLANE + p];
		m = n ? m / ((double)n * PLANE) : 0;	/* in 0..255 */
		nm->mean[c] = (float)(m / 255);
		ss[c] = n ? ss[c] / ((double)n * PLANE) - m * m : 0;
		nm->scale[c] = ss[c] > 0 ? (float)(255 / sqrt(ss[c])) : 1;
	}
}

const char *
norm_name(enum norm_mode mode)
{
	return mode == NORM_PIXEL ? "pixel" : "channel";
}

void
crop_draw(struct crop *cr, int N, struct rng *g, int pad, int flip)
{
	int i;

	for (i = 0; i < N; i++) {
		cr[i].dy = (uint8_t)rng_below(g, 2 * pad + 1);
		cr[i].dx = (uint8_t)rng_below(g, 2 * pad + 1);
		cr[i].flip = flip ? (uint8_t)rng_below(g, 2) : 0;
	}
}

struct fill_job {
	float			*x;
	int			 N, pad;
	const struct cifar_set	*set;
	const uint32_t		*idx;
	const struct norm	*nm;
	const struct crop	*crops;
};

/* Image i of the batch, one channel plane at a time. */
static void
fill_task(void *arg, int i, int worker)
{
	const struct fill_job *j = arg;
	const uint8_t *img = j->set->images + (size_t)j->idx[i] *
	    CIFAR_IMG_BYTES;
	const struct norm *nm = j->nm;
	int c, y, x, sy, sx, dy = j->pad, dx = j->pad, flip = 0;
	float *out, mean, s;

	if (j->crops != NULL) {
		dy = j->crops[i].dy;
		dx = j->crops[i].dx;
		flip = j->crops[i].flip;
	}
	for (c = 0; c < 3; c++) {
		out = j->x + ((size_t)c * j->N + i) * PLANE;
		s = nm->scale[c];
		for (y = 0; y < SIDE; y++)
			for (x = 0; x < SIDE; x++) {
				sy = y + dy - j->pad;
				sx = (flip ? SIDE - 1 - x : x) + dx - j->pad;
				if (sy < 0 || sy >= SIDE || sx < 0 ||
				    sx >= SIDE) {
					out[y * SIDE + x] = 0;
					continue;
				}
				mean = nm->mode == NORM_PIXEL ?
				    nm->mean[c * PLANE + sy * SIDE + sx] :
				    nm->mean[c];
				out[y * SIDE + x] = (img[c * PLANE + sy * SIDE +
				    sx] / 255.0f - mean) * s;
			}
	}
}

void
batch_fill(float *x, int N, const struct cifar_set *set,
    const uint32_t *idx, const struct norm *nm, const struct crop *crops,
    int pad)
{
	struct fill_job j = { .x = x, .N = N, .pad = pad, .set = set,
	    .idx = idx, .nm = nm, .crops = crops };

	par_for(N, fill_task, &j);
}

void
evaluate(struct resnet *r, const struct cifar_set *set, uint32_t n,
    const struct norm *nm, struct eval_result *res)
{
	uint32_t *idx = xmalloc((size_t)r->cap * sizeof(*idx));
	double *loss = xmalloc((size_t)r->cap * sizeof(*loss));
	uint32_t at, i;
	int N, k, best;
	const float *z;

	memset(res, 0, sizeof(*res));
	if (n > set->n)
		n = set->n;
	for (at = 0; at < n; at += N) {
		N = n - at < (uint32_t)r->cap ? (int)(n - at) : r->cap;
		for (i = 0; i < (uint32_t)N; i++)
			idx[i] = at + i;
		batch_fill(r->input, N, set, idx, nm, NULL, 0);
		resnet_forward(r, N, 0);
		(void)softmax_xent(r->logits, set->labels + at, N,
		    RESNET_CLASSES, NULL, NULL, loss);
		for (i = 0; i < (uint32_t)N; i++) {
			z = r->logits + (size_t)i * RESNET_CLASSES;
			best = 0;
			for (k = 1; k < RESNET_CLASSES; k++)
				if (z[k] > z[best])
					best = k;
			res->confusion[set->labels[at + i]][best]++;
			res->correct += best == set->labels[at + i];
			res->loss_sum += loss[i];
		}
	}
	res->n = n;
	free(idx);
	free(loss);
}
