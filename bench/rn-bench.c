/*
 * rn-bench.c: training and inference speed of the C ResNet on random
 * data: images per second of whole SGD steps (forward, backward, update)
 * and of evaluation-mode forward passes, a few repeats of each, one JSON
 * line on stdout with the medians and the peak resident memory.  Built
 * and run by bench/run; not part of the test suite.
 *
 * usage: rn-bench [-n blocks] [-b batch] [-t threads] [-r repeats]
 *	[-i iters per repeat] [-G] [-L]
 * -G: the im2col/sgemm kernels only.  -L: instead, time each kind of
 * layer of the model alone (the best of the repeats) and print one JSON
 * line per kind with its kernel and GFLOP/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rng.h"
#include "util.h"
#include "nn/direct.h"
#include "nn/layers.h"
#include "nn/par.h"
#include "nn/resnet.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Multiply-adds of one forward pass of one image: convolutions and fc. */
static double
forward_macs(const struct resnet *r)
{
	const struct block *b;
	double m = 3.0 * 16 * 9 * 1024;
	int i, Ho;

	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		Ho = b->H / b->stride;
		m += (double)b->K * b->C * 9 * Ho * Ho;
		m += (double)b->K * b->K * 9 * Ho * Ho;
		if (b->proj)
			m += (double)b->K * b->C * Ho * Ho;
	}
	return m + 64.0 * RESNET_CLASSES;
}

static void
print_list(const char *key, const double *v, int n)
{
	int i;

	printf("\"%s\":[", key);
	for (i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", v[i]);
	printf("],");
}

static float *
bench_buf(long n, struct rng *g)
{
	float *p = xmalloc(n * sizeof(float));
	long i;

	for (i = 0; i < n; i++)
		p[i] = (float)rng_normal(g);
	return p;
}

/*
 * One convolution alone on N images of side H: forward, and backward with
 * the input gradient unless nodx; the best of R rounds.
 */
static void
bench_conv(const char *name, struct conv *cv, int N, int H, int nodx,
    int R, struct rng *g)
{
	int Ho = conv_out(H, cv->ks, cv->stride, cv->pad), k;
	long nx = (long)cv->C * N * H * H, ny = (long)cv->K * N * Ho * Ho;
	float *x = bench_buf(nx, g), *y = bench_buf(ny, g);
	float *dx = bench_buf(nx, g);
	double t, tf = 1e30, tb = 1e30, flop;

	for (k = -1; k < R; k++) {
		t = now_s();
		conv_forward(cv, x, y, N, H, H);
		t = now_s() - t;
		if (k >= 0 && t < tf)
			tf = t;
		t = now_s();
		conv_backward(cv, x, y, nodx ? NULL : dx, 0, N, H, H);
		t = now_s() - t;
		if (k >= 0 && t < tb)
			tb = t;
	}
	flop = 2.0 * cv->K * cv->C * cv->ks * cv->ks * Ho * Ho * N;
	printf("{\"impl\":\"c\",\"layer\":\"%s\",\"kernel\":\"%s\","
	    "\"threads\":%d,\"fwd_ms\":%.3f,\"bwd_ms\":%.3f,"
	    "\"fwd_gflops\":%.1f,\"bwd_gflops\":%.1f}\n", name,
	    direct_kernel(cv, H, H), par_nthreads(), tf * 1e3, tb * 1e3,
	    flop / tf / 1e9, flop * (nodx ? 1 : 2) / tb / 1e9);
	free(x);
	free(y);
	free(dx);
}

/* Batch norm (training, with ReLU) alone over C channels of side H. */
static void
bench_bn(const char *name, struct bn *bn, int N, int H, int R,
    struct rng *g)
{
	long n = (long)bn->C * N * H * H;
	float *x = bench_buf(n, g), *y = bench_buf(n, g);
	float *dy = bench_buf(n, g), *dx = bench_buf(n, g);
	double t, tf = 1e30, tb = 1e30;
	int k;

	for (k = -1; k < R; k++) {
		t = now_s();
		bn_forward_train(bn, x, y, NULL, 1, N, H * H, 1);
		t = now_s() - t;
		if (k >= 0 && t < tf)
			tf = t;
		t = now_s();
		bn_backward(bn, x, dy, y, dx, N, H * H);
		t = now_s() - t;
		if (k >= 0 && t < tb)
			tb = t;
	}
	/* GB/s of the arrays read and written: x, y; x, dy, y, dx. */
	printf("{\"impl\":\"c\",\"layer\":\"%s\",\"kernel\":\"bn\","
	    "\"threads\":%d,\"fwd_ms\":%.3f,\"bwd_ms\":%.3f,"
	    "\"fwd_gbytes\":%.1f,\"bwd_gbytes\":%.1f}\n", name,
	    par_nthreads(), tf * 1e3, tb * 1e3, 3.0 * n * 4 / tf / 1e9,
	    4.0 * n * 4 / tb / 1e9);
	free(x);
	free(y);
	free(dy);
	free(dx);
}

/* Each kind of layer of r alone, N images a batch. */
static void
bench_layers(struct resnet *r, int N, int R, struct rng *g)
{
	struct block *b;
	char name[64];
	int i;

	bench_conv("conv 3->16 32x32", &r->conv0, N, 32, 1, R, g);
	for (i = 0; i < r->nblocks; i++) {
		b = &r->blk[i];
		if (i > 0 && b->stride == 1)
			continue;	/* a shape already timed */
		snprintf(name, sizeof(name), "conv %d->%d %dx%d%s", b->C,
		    b->K, b->H, b->H, b->stride == 2 ? " stride 2" : "");
		bench_conv(name, &b->c1, N, b->H, 0, R, g);
		if (b->stride == 2) {
			snprintf(name, sizeof(name), "conv %d->%d %dx%d",
			    b->K, b->K, b->H / 2, b->H / 2);
			bench_conv(name, &b->c2, N, b->H / 2, 0, R, g);
		}
		snprintf(name, sizeof(name), "bn+relu %d %dx%d", b->K,
		    b->H / b->stride, b->H / b->stride);
		bench_bn(name, &b->b1, N, b->H / b->stride, R, g);
	}
}

int
main(int argc, char **argv)
{
	struct resnet_config cfg = { .n = 3, .shortcut = 'A', .bn_groups = 1 };
	struct resnet *r;
	struct sgd o;
	struct rng g;
	struct rusage ru;
	uint8_t *labels;
	double train[64], infer[64], t, macs;
	int c, N = 128, T = 2, R = 5, M = 3, k, i, layers = 0;

	set_progname(argv[0]);
	while ((c = getopt(argc, argv, "b:GLi:n:r:t:")) != -1)
		switch (c) {
		case 'b': N = atoi(optarg); break;
		case 'G': direct_enable(0); break;
		case 'L': layers = 1; break;
		case 'i': M = atoi(optarg); break;
		case 'n': cfg.n = atoi(optarg); break;
		case 'r': R = atoi(optarg); break;
		case 't': T = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: rn-bench [-GL] [-b batch] "
			    "[-i iters] [-n blocks] [-r repeats] "
			    "[-t threads]\n");
			return 2;
		}
	if (N < 1 || cfg.n < 1 || T < 1 || R < 1 || R > 64 || M < 1)
		die("bad arguments");
	par_setup(T);
	r = resnet_new(&cfg, N);
	resnet_init(r, 1, 0);
	sgd_init(&o, r, 0.9, 1e-4, 1);
	labels = xmalloc(N);
	rng_seed(&g, 1, 1);
	for (i = 0; i < N * 3072; i++)
		r->input[i] = (float)rng_normal(&g);
	for (i = 0; i < N; i++)
		labels[i] = (uint8_t)rng_below(&g, RESNET_CLASSES);
	if (layers) {
		bench_layers(r, N, R, &g);
		par_shutdown();
		return 0;
	}
	for (k = -1; k < R; k++) {	/* the first round warms up */
		t = now_s();
		for (i = 0; i < M; i++) {
			resnet_forward(r, N, 1);
			(void)resnet_backward(r, labels, N, NULL);
			sgd_step(&o, r, 0.01);
		}
		if (k >= 0)
			train[k] = (double)N * M / (now_s() - t);
	}
	for (k = -1; k < R; k++) {
		t = now_s();
		for (i = 0; i < M; i++)
			resnet_forward(r, N, 0);
		if (k >= 0)
			infer[k] = (double)N * M / (now_s() - t);
	}
	getrusage(RUSAGE_SELF, &ru);
	macs = forward_macs(r);
	printf("{\"impl\":\"c\",\"kernels\":\"%s\",\"depth\":%d,\"params\":%zu,"
	    "\"batch\":%d,\"threads\":%d,", direct_level_name(),
	    r->depth, r->nparams, N, T);
	print_list("train_img_per_s", train, R);
	print_list("infer_img_per_s", infer, R);
	printf("\"train_median\":%.1f,\"infer_median\":%.1f,"
	    "\"fwd_macs\":%.0f,\"peak_rss_mb\":%.1f}\n", median(train, R),
	    median(infer, R), macs, ru.ru_maxrss / 1024.0);
	par_shutdown();
	return 0;
}
