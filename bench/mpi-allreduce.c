/*
 * mpi-allreduce.c: how long the ranks of an MPI job take to combine one
 * step of a CIFAR ResNet: dist_step_combine() over its gradients and
 * batch-norm running statistics (what rn-train-mpi does after every
 * step), and for comparison one MPI_Allreduce of as many floats.
 *
 *	mpirun -np N mpi-allreduce [-r repeats] depth ...
 *
 * Rank 0 prints one JSON line per depth: the float count and the median
 * and fastest of the repeats, in milliseconds.  Built and run by
 * bench/mpi-run; not part of the test suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "util.h"
#include "nn/dist.h"
#include "nn/resnet.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and minimum of t[0..n), sorted in place. */
static void
stats(double *t, int n, double *median, double *min)
{
	qsort(t, n, sizeof(*t), cmp_double);
	*median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	*min = t[0];
}

static void
bench_depth(int depth, int repeats)
{
	struct resnet_config cfg = { (depth - 2) / 6, 'A', 1 };
	struct resnet *net = resnet_new(&cfg, 1);
	size_t m = net->nparams + net->nstats;
	float *sum = xmalloc(m * sizeof(*sum));
	double *tc = xmalloc(repeats * sizeof(*tc));
	double *ta = xmalloc(repeats * sizeof(*ta));
	double loss = 1, t, cmed, cmin, amed, amin;
	long share = 64;
	int correct = 1, i;
	size_t j;

	for (j = 0; j < net->nparams; j++)
		net->grads[j] = (float)(j % 97) * 1e-3f;
	/* One untimed round of each: connections, buffers. */
	for (i = -1; i < repeats; i++) {
		MPI_Barrier(MPI_COMM_WORLD);
		t = MPI_Wtime();
		dist_step_combine(net->grads, net->nparams, net->stats,
		    net->nstats, share, share * dist_size(), &loss, &correct);
		t = MPI_Wtime() - t;
		if (i >= 0)
			tc[i] = t * 1e3;
		MPI_Barrier(MPI_COMM_WORLD);
		t = MPI_Wtime();
		MPI_Allreduce(net->grads, sum, (int)m, MPI_FLOAT, MPI_SUM,
		    MPI_COMM_WORLD);
		t = MPI_Wtime() - t;
		if (i >= 0)
			ta[i] = t * 1e3;
	}
	/* The slowest rank's time is the step's. */
	MPI_Allreduce(MPI_IN_PLACE, tc, repeats, MPI_DOUBLE, MPI_MAX,
	    MPI_COMM_WORLD);
	MPI_Allreduce(MPI_IN_PLACE, ta, repeats, MPI_DOUBLE, MPI_MAX,
	    MPI_COMM_WORLD);
	stats(tc, repeats, &cmed, &cmin);
	stats(ta, repeats, &amed, &amin);
	if (dist_rank() == 0)
		printf("{\"depth\":%d,\"ranks\":%d,\"floats\":%zu,"
		    "\"bytes\":%zu,\"combine_ms_median\":%.4f,"
		    "\"combine_ms_min\":%.4f,\"allreduce_ms_median\":%.4f,"
		    "\"allreduce_ms_min\":%.4f,\"repeats\":%d}\n", depth,
		    dist_size(), m, m * sizeof(float), cmed, cmin, amed, amin,
		    repeats);
	fflush(stdout);
	free(sum);
	free(tc);
	free(ta);
	resnet_free(net);
}

int
main(int argc, char **argv)
{
	long repeats = 20, d;
	int c;

	set_progname(argv[0]);
	dist_init(&argc, &argv);
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || (repeats = strtol(optarg, NULL, 10)) < 1)
			die("usage: mpi-allreduce [-r repeats] depth ...");
	}
	for (; optind < argc; optind++) {
		d = strtol(argv[optind], NULL, 10);
		if (d < 8 || (d - 2) % 6 != 0)
			die("%s: not a depth 6n+2", argv[optind]);
		bench_depth((int)d, (int)repeats);
	}
	dist_finish();
	return 0;
}
