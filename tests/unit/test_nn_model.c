/*
 * test_nn_model.c: the assembled ResNet: parameter counts against the
 * paper's architecture counted by hand, the whole network's gradient
 * against finite differences of its loss, SGD against the update written
 * out by hand, and bit-identical training whatever the thread count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"
#include "nn/direct.h"
#include "nn/par.h"
#include "near.h"
#include "nn/resnet.h"

/*
 * By hand: stem conv 3*16*9 + bn 32; stage 1, n blocks of 2 * 16*16*9 +
 * 64; stage 2, first block 16*32*9 + 32*32*9 + 128, then n-1 blocks of
 * 2 * 32*32*9 + 128; stage 3 likewise with 64; head 64*10 + 10.  That is
 * 97216 n - 21926.  Option B adds 1x1 projections with batch norm:
 * 16*32 + 64 and 32*64 + 128.
 */
static void
test_param_counts(void **state)
{
	struct resnet_config a = { .n = 3, .shortcut = 'A' };
	struct resnet_config b = { .n = 3, .shortcut = 'B' };
	int n;

	assert_int_equal(resnet_count_params(&a), 269722);
	for (n = 1; n <= 18; n++) {
		a.n = b.n = n;
		assert_int_equal(resnet_count_params(&a), 97216L * n - 21926);
		assert_int_equal(resnet_count_params(&b),
		    97216L * n - 21926 + 576 + 2176);
	}
	a.n = 18;
	assert_int_equal(resnet_count_params(&a), 1727962);	/* 1.7M */
	assert_int_equal(resnet_depth(18), 110);
}

static void
test_param_layout(void **state)
{
	struct resnet_config cfg = { .n = 1, .shortcut = 'B' };
	struct resnet *r = resnet_new(&cfg, 2);
	size_t off = 0;
	int i;

	/* Tensors tile the arena in order, as PyTorch lists them. */
	for (i = 0; i < r->npinfo; i++) {
		assert_int_equal(r->pinfo[i].off, off);
		off += r->pinfo[i].len;
	}
	assert_int_equal(off, r->nparams);
	assert_string_equal(r->pinfo[0].name, "conv1.weight");
	assert_string_equal(r->pinfo[3].name, "layer1.0.conv1.weight");
	assert_string_equal(r->pinfo[r->npinfo - 1].name, "linear.bias");
	assert_true(r->blk[1].proj && r->blk[2].proj && !r->blk[0].proj);
	/* 7 batch norms (3 blocks of 2, the stem), 2 projections. */
	assert_int_equal(r->nstats, 2 * (16 + 16 + 16 + 32 + 32 + 32 + 64 +
	    64 + 64));
	resnet_free(r);
}

/* He init: the conv weights' spread is sqrt(2 / fan_in). */
static void
test_init(void **state)
{
	struct resnet_config cfg = { .n = 3, .shortcut = 'A' };
	struct resnet *r = resnet_new(&cfg, 1);
	struct conv *cv = &r->blk[8].c2;	/* 64 x 64 x 3 x 3 */
	double s = 0, s2 = 0;
	long i, n = 64L * 64 * 9;

	resnet_init(r, 1, 0);
	for (i = 0; i < n; i++) {
		s += cv->w[i];
		s2 += (double)cv->w[i] * cv->w[i];
	}
	assert_true(fabs(s / n) < 0.003);
	assert_float_equal(sqrt(s2 / n), sqrt(2.0 / 576), 0.002);
	for (i = 0; i < 640; i++)
		assert_true(fabs(r->fc.w[i]) <= 0.125);
	assert_float_equal(r->blk[8].b2.gamma[5], 1, 0);
	assert_float_equal(r->blk[8].b2.rvar[5], 1, 0);
	resnet_free(r);
}

struct net_case {
	struct resnet	*r;
	uint8_t		 labels[8];
	int		 N;
};

static double
net_loss(void *p)
{
	struct net_case *t = p;

	resnet_forward(t->r, t->N, 1);
	return softmax_xent(t->r->logits, t->labels, t->N, RESNET_CLASSES,
	    NULL, NULL, NULL);
}

/*
 * The whole network, shortcut A or B, batch-norm groups 1 or 2: each
 * parameter tensor's gradient at its largest coordinate against central
 * differences of the loss.  With float forward passes and thousands of
 * ReLU kinks within reach of a step, the differences are good to a few
 * percent for the stem's batch norm (far better elsewhere), so this
 * catches wiring mistakes; test_nn_parity is the precise check.
 */
static void
net_gradcheck(char shortcut, int groups)
{
	struct resnet_config cfg = { .n = 1, .shortcut = shortcut,
	    .bn_groups = groups };
	struct net_case t = { .N = 6 };
	struct rng g;
	float *grads, save, *w;
	double num, gmax, fp, fm;
	size_t i, best;
	int p;

	t.r = resnet_new(&cfg, t.N);
	resnet_init(t.r, 9, 0);
	rng_seed(&g, 1, 2);
	for (i = 0; i < (size_t)t.N * 3072; i++)
		t.r->input[i] = (float)rng_normal(&g);
	for (i = 0; i < (size_t)t.N; i++)
		t.labels[i] = (uint8_t)rng_below(&g, 10);
	resnet_forward(t.r, t.N, 1);
	(void)resnet_backward(t.r, t.labels, t.N, NULL);
	grads = xmalloc(t.r->nparams * sizeof(float));
	memcpy(grads, t.r->grads, t.r->nparams * sizeof(float));
	for (p = 0; p < t.r->npinfo; p++) {
		w = t.r->params + t.r->pinfo[p].off;
		gmax = 0;
		best = 0;
		for (i = 0; i < t.r->pinfo[p].len; i++)
			if (fabs(grads[t.r->pinfo[p].off + i]) > gmax) {
				gmax = fabs(grads[t.r->pinfo[p].off + i]);
				best = i;
			}
		save = w[best];
		w[best] = save + 1e-3f;
		fp = net_loss(&t);
		w[best] = save - 1e-3f;
		fm = net_loss(&t);
		w[best] = save;
		num = (fp - fm) / ((double)(save + 1e-3f) - (save - 1e-3f));
		if (fabs(num - gmax * (grads[t.r->pinfo[p].off + best] > 0 ?
		    1 : -1)) > 0.05 * gmax + 1e-4) {
			fprintf(stderr, "%s[%zu]: analytic %g numeric %g\n",
			    t.r->pinfo[p].name, best,
			    grads[t.r->pinfo[p].off + best], num);
			fail();
		}
		if (getenv("GRADCHECK_VERBOSE") != NULL)
			fprintf(stderr, "%-24s %.2e\n", t.r->pinfo[p].name,
			    fabs(fabs(num) - gmax) / gmax);
	}
	free(grads);
	resnet_free(t.r);
}

static void
test_net_gradcheck(void **state)
{
	par_setup(2);
	net_gradcheck('A', 1);
	net_gradcheck('B', 2);
	par_setup(1);
}

/* Two steps of SGD on known values, with and without decay on bn/bias. */
static void
test_sgd(void **state)
{
	struct resnet_config cfg = { .n = 1, .shortcut = 'A' };
	struct resnet *r = resnet_new(&cfg, 1);
	struct sgd o;
	float *w = r->params, *g = r->grads;
	float *gamma = r->bn0.gamma, *dgamma = r->bn0.dgamma;
	double b;

	memset(g, 0, r->nparams * sizeof(float));
	w[0] = 2;
	g[0] = 0.5f;
	gamma[0] = 1;
	dgamma[0] = 0.25f;
	sgd_init(&o, r, 0.9, 0.01, 0);
	sgd_step(&o, r, 0.1);
	/* g = 0.5 + 0.01 * 2 = 0.52; buf = g; w = 2 - 0.1 * 0.52 */
	assert_float_equal(w[0], 2 - 0.052, 1e-6);
	assert_float_equal(gamma[0], 1 - 0.025, 1e-7);	/* no decay */
	sgd_step(&o, r, 0.1);
	b = 0.9 * 0.52 + (0.5 + 0.01 * (2 - 0.052));
	assert_float_equal(w[0], 2 - 0.052 - 0.1 * b, 1e-6);
	assert_float_equal(gamma[0], 1 - 0.025 - 0.1 * (0.9 * 0.25 + 0.25),
	    1e-6);
	sgd_free(&o);
	sgd_init(&o, r, 0.9, 0.01, 1);
	gamma[0] = 1;
	sgd_step(&o, r, 0.1);
	assert_float_equal(gamma[0], 1 - 0.1 * (0.25 + 0.01), 1e-7);
	sgd_free(&o);
	resnet_free(r);
}

/* Three training steps; the weights and statistics afterwards. */
static void
train_steps(int threads, int tile, float *out_params, float *out_stats)
{
	struct resnet_config cfg = { .n = 1, .shortcut = 'B', .bn_groups = 2 };
	struct resnet *r;
	struct sgd o;
	struct rng g;
	uint8_t labels[10];
	int step, i;

	par_setup(threads);
	conv_set_tile(tile);
	r = resnet_new(&cfg, 10);
	resnet_init(r, 4, 1);
	sgd_init(&o, r, 0.9, 1e-4, 1);
	rng_seed(&g, 8, 8);
	for (step = 0; step < 3; step++) {
		for (i = 0; i < 10 * 3072; i++)
			r->input[i] = (float)rng_normal(&g);
		for (i = 0; i < 10; i++)
			labels[i] = (uint8_t)rng_below(&g, 10);
		resnet_forward(r, 10, 1);
		(void)resnet_backward(r, labels, 10, NULL);
		sgd_step(&o, r, 0.1);
	}
	memcpy(out_params, r->params, r->nparams * sizeof(float));
	memcpy(out_stats, r->stats, r->nstats * sizeof(float));
	sgd_free(&o);
	resnet_free(r);
	conv_set_tile(0);
	par_setup(1);
}

static void
test_threads_bitwise(void **state)
{
	struct resnet_config cfg = { .n = 1, .shortcut = 'B' };
	size_t P = resnet_count_params(&cfg), S = 2 * (16 * 3 + 32 * 3 +
	    64 * 3);
	float *p1 = xmalloc(P * 4), *p2 = xmalloc(P * 4);
	float *s1 = xmalloc(S * 4), *s2 = xmalloc(S * 4);

	train_steps(1, 0, p1, s1);
	train_steps(2, 0, p2, s2);
	assert_memory_equal(p1, p2, P * 4);
	assert_memory_equal(s1, s2, S * 4);
	train_steps(3, 0, p2, s2);
	assert_memory_equal(p1, p2, P * 4);
	free(p1);
	free(p2);
	free(s1);
	free(s2);
}

/*
 * Whole training steps, option-B projections included: the AVX2 and
 * AVX-512 direct kernels give the same bits, and Winograd's method with
 * its own products (level 3) agrees with them to float rounding.
 */
static void
test_levels(void **state)
{
	struct resnet_config cfg = { .n = 1, .shortcut = 'B' };
	size_t P = resnet_count_params(&cfg), S = 2 * (16 * 3 + 32 * 3 +
	    64 * 3);
	float *p1, *p2, *s1, *s2;
	int env = direct_available(), best = direct_best();

	if (best < 2)
		skip();		/* the CPU lacks AVX-512 */
	p1 = xmalloc(P * 4);
	p2 = xmalloc(P * 4);
	s1 = xmalloc(S * 4);
	s2 = xmalloc(S * 4);
	direct_enable(1);
	train_steps(2, 0, p1, s1);
	direct_enable(2);
	train_steps(2, 0, p2, s2);
	assert_memory_equal(p1, p2, P * 4);
	assert_memory_equal(s1, s2, S * 4);
	if (best >= 3) {
		direct_enable(3);
		train_steps(2, 0, p2, s2);
		print_message("level 3 against 2: weights %.2g, statistics "
		    "%.2g\n", rel_diff(p2, p1, P), rel_diff(s2, s1, S));
		assert_true(rel_diff(p2, p1, P) < 1e-5);
		assert_true(rel_diff(s2, s1, S) < 1e-5);
		assert_true(memcmp(p1, p2, P * 4) != 0);
	}
	direct_enable(env);
	free(p1);
	free(p2);
	free(s1);
	free(s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_counts),
		cmocka_unit_test(test_param_layout),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_net_gradcheck),
		cmocka_unit_test(test_sgd),
		cmocka_unit_test(test_threads_bitwise),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
