/*
 * test_nn_layers.c: every layer's backward against central finite
 * differences of its forward, and the fast convolution against the loop
 * nest in ref.c.  The objective is L = sum(r * y) for a fixed random r,
 * so dL/dy = r; sums are taken in double.  The differences agree with the
 * analytic gradients to about 1e-4 relative; the tolerances (1e-3, 2e-3
 * for batch norm) catch a 1% error in any coordinate checked.  Set
 * GRADCHECK_VERBOSE to see how close each check came.
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
#include "nn/layers.h"
#include "nn/par.h"
#include "near.h"

#define NCHECK	40	/* coordinates checked per tensor */

static struct rng rng;

static float *
randn(long n, double scale)
{
	float *p = xmalloc(n * sizeof(float));
	long i;

	for (i = 0; i < n; i++)
		p[i] = (float)(rng_normal(&rng) * scale);
	return p;
}

static double
dot(const float *a, const float *b, long n)
{
	double s = 0;
	long i;

	for (i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* A forward pass reduced to the objective, for perturbing inputs. */
typedef double objective_fn(void *);

/*
 * Compare the analytic gradient g of f with respect to p[0..n-1] with
 * central differences at NCHECK coordinates (all when n is small).
 */
static void
check_grad(const char *what, objective_fn *f, void *ctx, float *p,
    const float *g, long n, double h, double rtol)
{
	double gmax = 0, num, ana, fp, fm, tol, worst = 0;
	long i, k, idx;
	float save;

	for (i = 0; i < n; i++)
		if (fabs(g[i]) > gmax)
			gmax = fabs(g[i]);
	for (k = 0; k < (n < NCHECK ? n : NCHECK); k++) {
		idx = n < NCHECK ? k : (long)rng_below(&rng, (uint32_t)n);
		save = p[idx];
		p[idx] = save + (float)h;
		fp = f(ctx);
		p[idx] = save - (float)h;
		fm = f(ctx);
		p[idx] = save;
		num = (fp - fm) / (2 * h);
		ana = g[idx];
		tol = rtol * fmax(fabs(ana), 0.05 * gmax) + 1e-5;
		if (fabs(num - ana) / tol > worst)
			worst = fabs(num - ana) / tol;
		if (fabs(num - ana) > tol) {
			fprintf(stderr, "%s[%ld]: analytic %.7g numeric %.7g\n",
			    what, idx, ana, num);
			fail();
		}
	}
	if (getenv("GRADCHECK_VERBOSE") != NULL)
		fprintf(stderr, "%s: worst %.3f of tolerance\n", what, worst);
}

/* Convolution */

struct conv_case {
	struct conv	 cv;
	int		 N, H, W, Ho, Wo;
	float		*x, *y, *r, *dx;
	int		 ref;
};

static double
conv_obj(void *p)
{
	struct conv_case *t = p;

	if (t->ref)
		conv_forward_ref(&t->cv, t->x, t->y, t->N, t->H, t->W);
	else
		conv_forward(&t->cv, t->x, t->y, t->N, t->H, t->W);
	return dot(t->y, t->r, (long)t->cv.K * t->N * t->Ho * t->Wo);
}

static void
conv_case_init(struct conv_case *t, int C, int K, int ks, int s, int p,
    int N, int H)
{
	long nw = (long)K * C * ks * ks;

	memset(t, 0, sizeof(*t));
	t->cv.C = C;
	t->cv.K = K;
	t->cv.ks = ks;
	t->cv.stride = s;
	t->cv.pad = p;
	t->cv.w = randn(nw, 0.3);
	t->cv.dw = xcalloc(nw, sizeof(float));
	t->N = N;
	t->H = t->W = H;
	t->Ho = t->Wo = conv_out(H, ks, s, p);
	t->x = randn((long)C * N * H * H, 1.0);
	t->y = xcalloc((long)K * N * t->Ho * t->Wo, sizeof(float));
	t->r = randn((long)K * N * t->Ho * t->Wo, 1.0);
	t->dx = xcalloc((long)C * N * H * H, sizeof(float));
}

static void
conv_case_free(struct conv_case *t)
{
	free(t->cv.w);
	free(t->cv.dw);
	free(t->x);
	free(t->y);
	free(t->r);
	free(t->dx);
}

static void
conv_gradcheck(int C, int K, int ks, int s, int p, int N, int H, int ref)
{
	struct conv_case t;

	conv_case_init(&t, C, K, ks, s, p, N, H);
	t.ref = ref;
	(void)conv_obj(&t);
	if (ref)
		conv_backward_ref(&t.cv, t.x, t.r, t.dx, 0, N, H, H);
	else
		conv_backward(&t.cv, t.x, t.r, t.dx, 0, N, H, H);
	check_grad("conv dx", conv_obj, &t, t.x, t.dx,
	    (long)C * N * H * H, 1e-2, 1e-3);
	check_grad("conv dw", conv_obj, &t, t.cv.w, t.cv.dw,
	    (long)K * C * ks * ks, 1e-2, 1e-3);
	conv_case_free(&t);
}

static void
test_conv_gradcheck(void **state)
{
	conv_gradcheck(3, 4, 3, 1, 1, 2, 6, 0);
	conv_gradcheck(4, 8, 3, 2, 1, 3, 8, 0);
	conv_gradcheck(4, 8, 1, 2, 0, 2, 8, 0);
	conv_gradcheck(3, 4, 3, 1, 1, 2, 5, 1);
	conv_gradcheck(4, 8, 3, 2, 1, 2, 6, 1);
}

/* Fast and reference kernels agree on every output, tiled or not. */
static void
conv_vs_ref(int C, int K, int ks, int s, int p, int N, int H, int tile)
{
	struct conv_case t;
	long ny, nx, nw = (long)K * C * ks * ks;
	float *y2, *dx2, *dw2;

	conv_case_init(&t, C, K, ks, s, p, N, H);
	ny = (long)K * N * t.Ho * t.Wo;
	nx = (long)C * N * H * H;
	y2 = xmalloc(ny * sizeof(float));
	dx2 = randn(nx, 1.0);
	dw2 = xmalloc(nw * sizeof(float));
	memcpy(t.dx, dx2, nx * sizeof(float));
	conv_set_tile(tile);
	conv_forward(&t.cv, t.x, t.y, N, H, H);
	conv_forward_ref(&t.cv, t.x, y2, N, H, H);
	assert_true(rel_diff(t.y, y2, ny) < 1e-5);
	/* acc = 1: the gradient is added to what dx holds. */
	conv_backward(&t.cv, t.x, t.r, t.dx, 1, N, H, H);
	memcpy(dw2, t.cv.dw, nw * sizeof(float));
	conv_backward_ref(&t.cv, t.x, t.r, dx2, 1, N, H, H);
	assert_true(rel_diff(t.dx, dx2, nx) < 1e-5);
	assert_true(rel_diff(dw2, t.cv.dw, nw) < 1e-5);
	conv_set_tile(0);
	free(y2);
	free(dx2);
	free(dw2);
	conv_case_free(&t);
}

static void
conv_shapes(void)
{
	conv_vs_ref(3, 16, 3, 1, 1, 5, 8, 64);	/* one image a tile */
	conv_vs_ref(16, 16, 3, 1, 1, 5, 8, 130);	/* two, uneven */
	conv_vs_ref(16, 32, 3, 2, 1, 6, 8, 48);		/* stride 2 */
	conv_vs_ref(16, 32, 1, 2, 0, 3, 8, 1 << 20);	/* one tile */
	conv_vs_ref(5, 7, 3, 1, 1, 3, 7, 20);		/* odd sizes */
	conv_vs_ref(16, 16, 3, 1, 1, 5, 32, 2048);	/* several tiles */
	conv_vs_ref(32, 64, 3, 1, 1, 33, 8, 2048);
	conv_vs_ref(32, 24, 3, 1, 1, 7, 16, 2048);	/* K not 8k */
	conv_vs_ref(8, 16, 3, 1, 1, 3, 4, 2048);	/* below any width */
}

/*
 * Both the im2col/sgemm kernels and, where the CPU has them, each level
 * of the others (AVX2, AVX-512, Winograd), whatever the environment
 * asks of the programs.
 */
static void
test_conv_vs_ref(void **state)
{
	int env = direct_available(), level;

	par_setup(2);
	for (level = 0; level <= direct_best(); level++) {
		direct_enable(level);
		assert_int_equal(direct_available(), level);
		conv_shapes();
	}
	direct_enable(env);
	par_setup(1);
}

/*
 * conv_forward_epi against the reference convolution with the bias, the
 * shortcut and the ReLU applied here, with and without each; *kernel
 * tells which kernel took the layer.
 */
static void
epi_case(int C, int K, int ks, int s, int N, int H, const char **kernel)
{
	struct conv_case t;
	struct conv_epi e;
	long ny, per, i;
	float *bias, *res, *want;
	int k, mode;
	double v;

	conv_case_init(&t, C, K, ks, s, ks / 2, N, H);
	per = (long)N * t.Ho * t.Wo;
	ny = K * per;
	bias = randn(K, 1.0);
	res = randn(ny, 1.0);
	want = xmalloc(ny * sizeof(float));
	for (mode = 0; mode < 4; mode++) {
		e.bias = mode & 1 ? bias : NULL;
		e.res = mode & 2 ? res : NULL;
		e.relu = mode != 0;
		conv_forward_ref(&t.cv, t.x, want, N, H, H);
		for (k = 0; k < K; k++)
			for (i = k * per; i < (k + 1) * per; i++) {
				v = want[i];
				if (e.bias != NULL)
					v += bias[k];
				if (e.res != NULL)
					v += res[i];
				want[i] = e.relu && v < 0 ? 0 : (float)v;
			}
		conv_forward_epi(&t.cv, t.x, t.y, N, H, H, &e);
		assert_true(rel_diff(t.y, want, ny) < 1e-5);
	}
	*kernel = direct_kernel(&t.cv, H, H);
	free(bias);
	free(res);
	free(want);
	conv_case_free(&t);
}

/*
 * Every level finishes its outputs as conv_epi says; Winograd's method
 * takes the 3x3 layers of 8 or more channels 8, 16 and 32 wide, with
 * G = 4, 2, 1 rows of blocks to a vector, and leaves the rest.
 */
static void
test_conv_epi(void **state)
{
	int env = direct_available(), level, w = 0;
	const char *kn[6];

	par_setup(2);
	for (level = 0; level <= direct_best(); level++) {
		direct_enable(level);
		epi_case(16, 16, 3, 1, 5, 32, &kn[0]);
		epi_case(16, 12, 3, 1, 7, 16, &kn[1]);
		epi_case(8, 24, 3, 1, 6, 8, &kn[2]);
		epi_case(16, 32, 3, 2, 3, 8, &kn[3]);
		epi_case(16, 32, 1, 2, 3, 8, &kn[4]);
		epi_case(3, 16, 3, 1, 2, 32, &kn[5]);
		assert_string_equal(kn[3], kn[4]);
		assert_string_equal(kn[3], level < 3 ? "im2col-sgemm" :
		    "im2col-avx512");
		if (level == 3) {
			assert_string_equal(kn[0], "winograd-avx512");
			assert_string_equal(kn[1], "winograd-avx512");
			assert_string_equal(kn[2], "winograd-avx512");
			assert_string_equal(kn[5], "direct-avx512");
			w = 1;
		}
	}
	direct_enable(env);
	par_setup(1);
	if (!w)
		skip();		/* the CPU lacks AVX-512 */
}

/* One convolution's outputs: y, the input gradient dx and dw. */
struct conv_outs {
	float	*y, *dx, *dw;
	long	 ny, nx, nw;
};

static void
outs_init(struct conv_outs *o, const struct conv_case *t)
{
	o->ny = (long)t->cv.K * t->N * t->Ho * t->Wo;
	o->nx = (long)t->cv.C * t->N * t->H * t->W;
	o->nw = (long)t->cv.K * t->cv.C * t->cv.ks * t->cv.ks;
	o->y = xmalloc(o->ny * sizeof(float));
	o->dx = xmalloc(o->nx * sizeof(float));
	o->dw = xmalloc(o->nw * sizeof(float));
}

static void
outs_free(struct conv_outs *o)
{
	free(o->y);
	free(o->dx);
	free(o->dw);
}

/* The forward and backward pass of t's convolution, as things stand. */
static void
outs_run(struct conv_case *t, struct conv_outs *o)
{
	conv_forward(&t->cv, t->x, o->y, t->N, t->H, t->W);
	conv_backward(&t->cv, t->x, t->r, o->dx, 0, t->N, t->H, t->W);
	memcpy(o->dw, t->cv.dw, o->nw * sizeof(float));
}

static void
outs_equal(const struct conv_outs *a, const struct conv_outs *b)
{
	assert_memory_equal(a->y, b->y, a->ny * sizeof(float));
	assert_memory_equal(a->dx, b->dx, a->nx * sizeof(float));
	assert_memory_equal(a->dw, b->dw, a->nw * sizeof(float));
}

/*
 * The AVX-512 kernels sum every output in the AVX2 kernels' order, so the
 * two give the same bits (skipped where the CPU lacks AVX-512).
 */
static void
level_bitwise(int C, int K, int N, int H)
{
	struct conv_case t;
	struct conv_outs a, b;

	conv_case_init(&t, C, K, 3, 1, 1, N, H);
	outs_init(&a, &t);
	outs_init(&b, &t);
	direct_enable(1);
	outs_run(&t, &a);
	direct_enable(2);
	outs_run(&t, &b);
	outs_equal(&a, &b);
	outs_free(&a);
	outs_free(&b);
	conv_case_free(&t);
}

static void
test_conv_levels_bitwise(void **state)
{
	int env = direct_available();

	if (direct_best() < 2)
		skip();		/* the CPU lacks AVX-512 */
	par_setup(2);
	level_bitwise(3, 16, 4, 32);
	level_bitwise(16, 16, 5, 32);
	level_bitwise(5, 7, 3, 7);
	level_bitwise(32, 64, 9, 8);
	level_bitwise(64, 64, 17, 8);
	direct_enable(env);
	par_setup(1);
}

/*
 * Stride-2 im2col and col2im move the same values, and add them in the
 * same order, with and without the AVX-512 permutes (where the CPU lacks
 * them both runs take the plain loops and the test still holds).  Rows
 * of 20 outputs take two steps of the permutes; odd sides leave partial
 * ones.
 */
static void
s2_bitwise(int C, int K, int ks, int p, int N, int H)
{
	struct conv_case t;
	struct conv_outs a, b;

	conv_case_init(&t, C, K, ks, 2, p, N, H);
	outs_init(&a, &t);
	outs_init(&b, &t);
	conv_enable_simd(0);
	outs_run(&t, &a);
	conv_enable_simd(1);
	outs_run(&t, &b);
	outs_equal(&a, &b);
	/* And both are the convolution. */
	conv_forward_ref(&t.cv, t.x, a.y, N, H, H);
	assert_true(rel_diff(b.y, a.y, a.ny) < 1e-5);
	outs_free(&a);
	outs_free(&b);
	conv_case_free(&t);
}

static void
test_conv_s2_simd_bitwise(void **state)
{
	s2_bitwise(3, 4, 3, 1, 2, 40);
	s2_bitwise(4, 8, 3, 1, 3, 7);
	s2_bitwise(16, 32, 3, 1, 5, 32);
	s2_bitwise(4, 8, 1, 0, 3, 9);
	conv_enable_simd(1);
}

/* The number of threads and the tile size do not change a single bit. */
static void
test_conv_threads_bitwise(void **state)
{
	struct conv_case t;
	struct conv_outs a, b;

	conv_case_init(&t, 16, 32, 3, 1, 1, 9, 8);
	outs_init(&a, &t);
	outs_init(&b, &t);
	conv_set_tile(128);
	par_setup(1);
	outs_run(&t, &a);
	par_setup(2);
	outs_run(&t, &b);
	outs_equal(&a, &b);
	par_setup(1);
	conv_set_tile(0);
	outs_free(&a);
	outs_free(&b);
	conv_case_free(&t);
}

/* Batch norm in training mode, with an optional residual and ReLU */

struct bn_case {
	struct bn	 bn;
	int		 N, HW, groups, relu;
	float		*x, *y, *res, *r, *dx, *dy;
	float		*gamma, *beta, *rmean, *rvar;
};

static double
bn_obj(void *p)
{
	struct bn_case *t = p;

	bn_forward_train(&t->bn, t->x, t->y, t->res, t->relu, t->N, t->HW,
	    t->groups);
	return dot(t->y, t->r, (long)t->bn.C * t->N * t->HW);
}

static void
bn_case_init(struct bn_case *t, int C, int N, int HW, int groups, int relu)
{
	long n = (long)C * N * HW, i;

	memset(t, 0, sizeof(*t));
	bn_init(&t->bn, C);
	t->bn.gamma = randn(C, 1.0);
	t->bn.beta = randn(C, 1.0);
	t->bn.dgamma = xcalloc(C, sizeof(float));
	t->bn.dbeta = xcalloc(C, sizeof(float));
	t->bn.rmean = xcalloc(C, sizeof(float));
	t->bn.rvar = xcalloc(C, sizeof(float));
	t->N = N;
	t->HW = HW;
	t->groups = groups;
	t->relu = relu;
	t->x = randn(n, 2.0);
	t->y = xcalloc(n, sizeof(float));
	t->r = randn(n, 1.0);
	t->dx = xcalloc(n, sizeof(float));
	if (!relu)
		return;
	/*
	 * Keep every ReLU input 0.1 or more from zero, so that no step of
	 * the differences crosses the kink.
	 */
	t->res = randn(n, 1.0);
	bn_forward_train(&t->bn, t->x, t->y, t->res, 0, N, HW, groups);
	for (i = 0; i < n; i++)
		if (fabsf(t->y[i]) < 0.1f)
			t->res[i] += t->y[i] >= 0 ? 0.2f : -0.2f;
}

static void
bn_case_free(struct bn_case *t)
{
	free(t->bn.gamma);
	free(t->bn.beta);
	free(t->bn.dgamma);
	free(t->bn.dbeta);
	free(t->bn.rmean);
	free(t->bn.rvar);
	bn_free(&t->bn);
	free(t->x);
	free(t->y);
	free(t->r);
	free(t->dx);
	free(t->res);
}

static void
bn_gradcheck(int C, int N, int HW, int groups, int relu)
{
	struct bn_case t;
	long n = (long)C * N * HW;

	bn_case_init(&t, C, N, HW, groups, relu);
	(void)bn_obj(&t);
	bn_backward(&t.bn, t.x, t.r, relu ? t.y : NULL, t.dx, N, HW);
	check_grad("bn dx", bn_obj, &t, t.x, t.dx, n, 1e-2, 2e-3);
	check_grad("bn dgamma", bn_obj, &t, t.bn.gamma, t.bn.dgamma, C, 1e-2,
	    2e-3);
	check_grad("bn dbeta", bn_obj, &t, t.bn.beta, t.bn.dbeta, C, 1e-2,
	    2e-3);
	bn_case_free(&t);
}

static void
test_bn_gradcheck(void **state)
{
	bn_gradcheck(3, 4, 9, 1, 0);
	bn_gradcheck(3, 6, 4, 2, 0);	/* over two sub-batches */
	bn_gradcheck(2, 5, 9, 1, 1);	/* with residual and ReLU */
}

/* Batch statistics, running statistics and eval mode, by hand. */
static void
test_bn_stats(void **state)
{
	struct bn_case t;
	/* C = 2, N = 2, HW = 2 */
	float x[8] = { 1, 2, 3, 6,  10, 10, 10, 10 };
	float y[8];
	double mean = 3, var = 3.5;	/* channel 0: 1 2 3 6 */

	bn_case_init(&t, 2, 2, 2, 1, 0);
	t.bn.gamma[0] = t.bn.gamma[1] = 1;
	t.bn.beta[0] = t.bn.beta[1] = 0;
	t.bn.rmean[0] = t.bn.rmean[1] = 0;
	t.bn.rvar[0] = t.bn.rvar[1] = 1;
	bn_forward_train(&t.bn, x, y, NULL, 0, 2, 2, 1);
	assert_float_equal(y[0], (1 - mean) / sqrt(var + 1e-5), 1e-6);
	assert_float_equal(y[3], (6 - mean) / sqrt(var + 1e-5), 1e-6);
	assert_float_equal(y[4], 0, 1e-3);	/* constant channel */
	/* running: 0.9 r + 0.1 batch, with the unbiased variance 14/3 */
	assert_float_equal(t.bn.rmean[0], 0.3, 1e-7);
	assert_float_equal(t.bn.rvar[0], 0.9 + 0.1 * 14.0 / 3, 1e-6);
	assert_float_equal(t.bn.rmean[1], 1.0, 1e-7);
	assert_float_equal(t.bn.rvar[1], 0.9, 1e-7);
	bn_forward_eval(&t.bn, x, y, NULL, 0, 2, 2);
	assert_float_equal(y[3], (6 - 0.3) /
	    sqrt(0.9 + 0.1 * 14.0 / 3 + 1e-5), 1e-6);
	/* two groups: images {0} and {1} of channel 0 are {1,2} and {3,6} */
	bn_forward_train(&t.bn, x, y, NULL, 0, 2, 2, 2);
	assert_float_equal(y[0], -0.5 / sqrt(0.25 + 1e-5), 1e-6);
	assert_float_equal(y[3], 1.5 / sqrt(2.25 + 1e-5), 1e-6);
	bn_case_free(&t);
}

/* Option A shortcut, pooling, fully connected, loss */

struct small_case {
	int	 C, K, N, H, W;
	float	*x, *y, *r;
	struct fc fc;
	uint8_t	 labels[8];
	int	 which;
};

static double
small_obj(void *p)
{
	struct small_case *t = p;

	switch (t->which) {
	case 0:
		shortcut_a_forward(t->x, t->y, t->C, t->K, t->N, t->H, t->W);
		return dot(t->y, t->r,
		    (long)t->K * t->N * (t->H / 2) * (t->W / 2));
	case 1:
		avgpool_forward(t->x, t->y, t->C, t->N, t->H * t->W);
		return dot(t->y, t->r, (long)t->C * t->N);
	case 2:
		fc_forward(&t->fc, t->x, t->y, t->N);
		return dot(t->y, t->r, (long)t->N * t->fc.K);
	default:
		return softmax_xent(t->x, t->labels, t->N, t->C, NULL, NULL,
		    NULL);
	}
}

static void
test_shortcut_a(void **state)
{
	struct small_case t = { .C = 2, .K = 4, .N = 3, .H = 4, .W = 4 };
	long nx = 2L * 3 * 16, ny = 4L * 3 * 4;
	float *dx = xcalloc(nx, sizeof(float));

	t.x = randn(nx, 1.0);
	t.y = xmalloc(ny * sizeof(float));
	t.r = randn(ny, 1.0);
	(void)small_obj(&t);
	/* channel 1, image 2, output (1, 1) is input (2, 2); 2, 3 are 0 */
	assert_float_equal(t.y[(1 * 3 + 2) * 4 + 3], t.x[(1 * 3 + 2) * 16 +
	    2 * 4 + 2], 0);
	assert_float_equal(t.y[(2 * 3 + 1) * 4 + 1], 0, 0);
	assert_float_equal(t.y[(3 * 3 + 2) * 4 + 3], 0, 0);
	shortcut_a_backward(t.r, dx, 2, 4, 3, 4, 4);
	check_grad("shortcut dx", small_obj, &t, t.x, dx, nx, 1e-2, 1e-3);
	free(dx);
	free(t.x);
	free(t.y);
	free(t.r);
}

static void
test_avgpool(void **state)
{
	struct small_case t = { .C = 3, .N = 2, .H = 3, .W = 3, .which = 1 };
	long nx = 3L * 2 * 9;
	float *dx = xcalloc(nx, sizeof(float));

	t.x = randn(nx, 1.0);
	t.y = xmalloc(6 * sizeof(float));
	t.r = randn(6, 1.0);
	(void)small_obj(&t);
	assert_float_equal(t.y[4], (t.x[36] + t.x[37] + t.x[38] + t.x[39] +
	    t.x[40] + t.x[41] + t.x[42] + t.x[43] + t.x[44]) / 9, 1e-6);
	avgpool_backward(t.r, dx, 3, 2, 9);
	check_grad("avgpool dx", small_obj, &t, t.x, dx, nx, 1e-2, 1e-3);
	free(dx);
	free(t.x);
	free(t.y);
	free(t.r);
}

static void
test_fc(void **state)
{
	struct small_case t = { .N = 5, .which = 2 };
	float *dx = xcalloc(6L * 5, sizeof(float));

	t.fc.C = 6;
	t.fc.K = 4;
	t.fc.w = randn(24, 1.0);
	t.fc.b = randn(4, 1.0);
	t.fc.dw = xcalloc(24, sizeof(float));
	t.fc.db = xcalloc(4, sizeof(float));
	t.x = randn(30, 1.0);
	t.y = xmalloc(20 * sizeof(float));
	t.r = randn(20, 1.0);
	(void)small_obj(&t);
	fc_backward(&t.fc, t.x, t.r, dx, 5);
	check_grad("fc dx", small_obj, &t, t.x, dx, 30, 1e-2, 1e-3);
	check_grad("fc dw", small_obj, &t, t.fc.w, t.fc.dw, 24, 1e-2, 1e-3);
	check_grad("fc db", small_obj, &t, t.fc.b, t.fc.db, 4, 1e-2, 1e-3);
	free(dx);
	free(t.fc.w);
	free(t.fc.b);
	free(t.fc.dw);
	free(t.fc.db);
	free(t.x);
	free(t.y);
	free(t.r);
}

static void
test_softmax_xent(void **state)
{
	struct small_case t = { .C = 10, .N = 4, .which = 3,
	    .labels = { 3, 0, 9, 3 } };
	float z[20] = { 1, 2, 0, 0, 0, 0, 0, 0, 0, 0 }, dz[20];
	float *g = xmalloc(40 * sizeof(float));
	uint8_t lab[2] = { 1, 0 };
	double loss;
	int hits;

	/* By hand: logits (1, 2, 0...) and (0...): label 1, then label 0. */
	loss = softmax_xent(z, lab, 2, 10, dz, &hits, NULL);
	assert_float_equal(loss, 0.5 * ((log(exp(1) + exp(2) + 8) - 2) +
	    log(10)), 1e-6);
	assert_int_equal(hits, 2);	/* ties go to the first maximum */
	assert_float_equal(dz[1], (exp(2) / (exp(1) + exp(2) + 8) - 1) / 2,
	    1e-7);
	t.x = randn(40, 2.0);
	(void)softmax_xent(t.x, t.labels, 4, 10, g, NULL, NULL);
	check_grad("xent dlogits", small_obj, &t, t.x, g, 40, 1e-2, 1e-3);
	free(g);
	free(t.x);
}

/* Each test draws the same numbers whatever ran before it. */
static int
reseed(void **state)
{
	rng_seed(&rng, 42, 7);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_conv_gradcheck, reseed),
		cmocka_unit_test_setup(test_conv_vs_ref, reseed),
		cmocka_unit_test_setup(test_conv_levels_bitwise, reseed),
		cmocka_unit_test_setup(test_conv_epi, reseed),
		cmocka_unit_test_setup(test_conv_s2_simd_bitwise, reseed),
		cmocka_unit_test_setup(test_conv_threads_bitwise, reseed),
		cmocka_unit_test_setup(test_bn_gradcheck, reseed),
		cmocka_unit_test_setup(test_bn_stats, reseed),
		cmocka_unit_test_setup(test_shortcut_a, reseed),
		cmocka_unit_test_setup(test_avgpool, reseed),
		cmocka_unit_test_setup(test_fc, reseed),
		cmocka_unit_test_setup(test_softmax_xent, reseed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
