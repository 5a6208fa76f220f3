/*
 * dist.c: data-parallel training over MPI ranks (see dist.h).
 *
 * Without WITH_MPI this is the single-process layer in the library.  With
 * it (bin/rn-train-mpi) a step's results are combined in a fixed order:
 * the ranks' buffers (gradients, then running statistics) are cut into
 * one slice per rank; MPI_Alltoallv brings every rank's copy of slice s to
 * rank s, which sums them in rank order in double; MPI_Allgatherv then
 * hands each summed slice to all.  Each value is thus added up once, in
 * one order that depends on nothing but the number of ranks, and every
 * rank receives the same bits, so the weights never drift apart and the
 * same job gives the same checkpoints run after run.  MPI_Allreduce
 * promises neither.  The traffic per rank is about twice the buffer, as
 * a ring allreduce's is.  Errors are fatal: MPI_ERRORS_ARE_FATAL, and any
 * exit before dist_finish() (die(), a usage error) calls MPI_Abort, so
 * one rank's failure ends the job instead of leaving the others waiting.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WITH_MPI
#include <mpi.h>
#endif

#include "hash.h"
#include "util.h"
#include "nn/dist.h"
#include "nn/par.h"

static int	 d_rank, d_size = 1, d_local = 1;

#ifdef WITH_MPI
static int	 d_live;		/* between MPI_Init and Finalize */
static float	*d_send, *d_recv;
static size_t	 d_cap;
static double	*d_info;

static void
dist_atexit(void)
{
	if (!d_live)
		return;
	d_live = 0;
	fflush(stderr);
	MPI_Abort(MPI_COMM_WORLD, EXIT_BAD);
}

void
dist_init(int *argc, char ***argv)
{
	MPI_Comm node;
	int provided;

	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) !=
	    MPI_SUCCESS)
		die("MPI_Init failed");
	d_live = 1;
	atexit(dist_atexit);
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	MPI_Comm_rank(MPI_COMM_WORLD, &d_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &d_size);
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, d_rank,
	    MPI_INFO_NULL, &node);
	MPI_Comm_size(node, &d_local);
	MPI_Comm_free(&node);
	d_info = xcalloc((size_t)d_size * 3, sizeof(*d_info));
	if (d_rank != 0 && freopen("/dev/null", "w", stdout) == NULL)
		die("/dev/null:");
}

void
dist_finish(void)
{
	if (!d_live)
		return;
	d_live = 0;
	MPI_Finalize();
}

int
dist_enabled(void)
{
	return 1;
}

void
dist_bcast_bytes(char *buf, size_t *len, size_t cap)
{
	unsigned long long n = *len;

	MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
	if (n > cap || n > INT_MAX)
		die("rank %d: %llu bytes from rank 0: too many", d_rank, n);
	MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
	*len = (size_t)n;
}

/* The slice of m values that rank s sums: [lo, lo + count). */
static void
slice(size_t m, int s, int *lo, int *count)
{
	long a, b;

	par_range((long)m, d_size, s, &a, &b);
	*lo = (int)a;
	*count = (int)(b - a);
}

/* Send and receive buffers for m values. */
static void
reserve(size_t m)
{
	if (m <= d_cap)
		return;
	free(d_send);
	free(d_recv);
	d_send = xmalloc(m * sizeof(*d_send));
	d_recv = xmalloc((m / (size_t)d_size + 1) * (size_t)d_size *
	    sizeof(*d_recv));
	d_cap = m;
}

void
dist_step_combine(float *grad, size_t ngrad, float *stats, size_t nstats,
    long n, long N, double *loss, int *correct)
{
	static int *sc, *sd, *rc, *rd;
	double mine[3] = { (double)n, *loss * (double)n, *correct };
	double hits = 0, sum = 0, acc, w[64], *wp;
	size_t m = ngrad + nstats, i;
	int lo, len, q;

	if (d_size == 1)
		return;
	if (m > INT_MAX / 2)
		die("%zu values: too many to combine over MPI", m);
	MPI_Allgather(mine, 3, MPI_DOUBLE, d_info, 3, MPI_DOUBLE,
	    MPI_COMM_WORLD);
	wp = d_size <= 64 ? w : xmalloc((size_t)d_size * sizeof(*wp));
	for (q = 0; q < d_size; q++) {
		wp[q] = d_info[3 * q] / (double)N;
		sum += d_info[3 * q + 1];
		hits += d_info[3 * q + 2];
	}
	*loss = sum / (double)N;
	*correct = (int)hits;

	reserve(m);
	if (sc == NULL) {
		sc = xmalloc((size_t)d_size * sizeof(*sc));
		sd = xmalloc((size_t)d_size * sizeof(*sd));
		rc = xmalloc((size_t)d_size * sizeof(*rc));
		rd = xmalloc((size_t)d_size * sizeof(*rd));
	}
	memcpy(d_send, grad, ngrad * sizeof(*grad));
	memcpy(d_send + ngrad, stats, nstats * sizeof(*stats));
	for (q = 0; q < d_size; q++)
		slice(m, q, &sd[q], &sc[q]);
	slice(m, d_rank, &lo, &len);
	for (q = 0; q < d_size; q++) {
		rc[q] = len;
		rd[q] = q * len;
	}
	MPI_Alltoallv(d_send, sc, sd, MPI_FLOAT, d_recv, rc, rd, MPI_FLOAT,
	    MPI_COMM_WORLD);
	for (i = 0; i < (size_t)len; i++) {
		acc = 0;
		if (lo + i < ngrad)
			for (q = 0; q < d_size; q++)
				acc += wp[q] * d_recv[(size_t)q * len + i];
		else {
			for (q = 0; q < d_size; q++)
				acc += d_recv[(size_t)q * len + i];
			acc /= d_size;
		}
		d_send[lo + i] = (float)acc;
	}
	MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, d_send, sc, sd,
	    MPI_FLOAT, MPI_COMM_WORLD);
	memcpy(grad, d_send, ngrad * sizeof(*grad));
	memcpy(stats, d_send + ngrad, nstats * sizeof(*stats));
	if (wp != w)
		free(wp);
}

void
dist_check_same(const void *buf, size_t len, const char *what)
{
	char mine[SHA256_HEX_LEN + 1], *all;
	int q;

	if (d_size == 1)
		return;
	sha256_hex(buf, len, mine);
	all = xmalloc((size_t)d_size * sizeof(mine));
	MPI_Allgather(mine, sizeof(mine), MPI_CHAR, all, sizeof(mine),
	    MPI_CHAR, MPI_COMM_WORLD);
	for (q = 1; q < d_size; q++)
		if (memcmp(all, all + q * sizeof(mine), sizeof(mine)) != 0)
			die("rank %d: its %s differ from rank 0's", q, what);
	free(all);
}

void
dist_sum(double *v, int n)
{
	double *all, acc;
	int i, q;

	if (d_size == 1)
		return;
	all = xmalloc((size_t)n * d_size * sizeof(*all));
	MPI_Allgather(v, n, MPI_DOUBLE, all, n, MPI_DOUBLE, MPI_COMM_WORLD);
	for (i = 0; i < n; i++) {
		acc = 0;
		for (q = 0; q < d_size; q++)
			acc += all[(size_t)q * n + i];
		v[i] = acc;
	}
	free(all);
}

#else /* the single-process layer */

void
dist_init(int *argc, char ***argv)
{
}

void
dist_finish(void)
{
}

int
dist_enabled(void)
{
	return 0;
}

void
dist_bcast_bytes(char *buf, size_t *len, size_t cap)
{
}

void
dist_step_combine(float *grad, size_t ngrad, float *stats, size_t nstats,
    long n, long N, double *loss, int *correct)
{
}

void
dist_check_same(const void *buf, size_t len, const char *what)
{
}

void
dist_sum(double *v, int n)
{
}

#endif

int
dist_rank(void)
{
	return d_rank;
}

int
dist_size(void)
{
	return d_size;
}

long
dist_default_threads(long ncpu)
{
	long t = ncpu / d_local;

	return t > 0 ? t : 1;
}

void
dist_share(long n, long *lo, long *hi)
{
	par_range(n, d_size, d_rank, lo, hi);
}

long
dist_share_max(long n)
{
	return (n + d_size - 1) / d_size;
}
