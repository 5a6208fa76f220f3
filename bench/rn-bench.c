/*
 * rn-bench.c: training and inference speed of the C ResNet on random
 * data: images per second of whole SGD steps (forward, backward, update)
 * and of evaluation-mode forward passes, a few repeats of each, one JSON
 * line on stdout with the medians and the peak resident memory.  Built
 * and run by bench/run; not part of the test suite.
 *
 * usage: rn-bench [-n blocks] [-b batch] [-t threads] [-r repeats]
 *	[-i iters per repeat] [-G]	(-G: the im2col/sgemm kernels only)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rng.h"
#include "util.h"
#include "nn/direct.h"
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
	int c, N = 128, T = 2, R = 5, M = 3, k, i;

	set_progname(argv[0]);
	while ((c = getopt(argc, argv, "b:Gi:n:r:t:")) != -1)
		switch (c) {
		case 'b': N = atoi(optarg); break;
		case 'G': direct_enable(0); break;
		case 'i': M = atoi(optarg); break;
		case 'n': cfg.n = atoi(optarg); break;
		case 'r': R = atoi(optarg); break;
		case 't': T = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: rn-bench [-G] [-b batch] "
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
	    "\"batch\":%d,\"threads\":%d,", direct_available() > 1 ?
	    "direct-avx512" : direct_available() ? "direct-avx2" : "gemm",
	    r->depth, r->nparams, N, T);
	print_list("train_img_per_s", train, R);
	print_list("infer_img_per_s", infer, R);
	printf("\"train_median\":%.1f,\"infer_median\":%.1f,"
	    "\"fwd_macs\":%.0f,\"peak_rss_mb\":%.1f}\n", median(train, R),
	    median(infer, R), macs, ru.ru_maxrss / 1024.0);
	par_shutdown();
	return 0;
}
