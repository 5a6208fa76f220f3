/*
 * dist.h: data-parallel training over MPI ranks, for rn-train.
 *
 * lib/nn/dist.c is built twice.  In the library it is the single-process
 * layer: one rank, every call a no-op, no MPI at run time.  Built again
 * with -DWITH_MPI (by mpicc, into bin/rn-train-mpi only) it runs on
 * Open MPI: each rank takes a contiguous share of every batch, and
 * dist_step_combine() turns the ranks' gradients, batch-norm running
 * statistics, losses and hits into the whole batch's, bit for bit the
 * same on every rank and from run to run.
 */
#ifndef REPROKIT_NN_DIST_H
#define REPROKIT_NN_DIST_H

#include <stddef.h>

/*
 * Start (MPI_Init); on ranks other than 0 stdout goes to /dev/null.
 * Any exit before dist_finish() aborts the whole job.
 */
void	 dist_init(int *argc, char ***argv);
/* Stop (MPI_Finalize), collectively; then exit as usual. */
void	 dist_finish(void);
/* 1 in the MPI build, 0 in the single-process one. */
int	 dist_enabled(void);
int	 dist_rank(void);
int	 dist_size(void);
/* Worker threads a rank should start by default: ncpu over the ranks
   on this host, at least 1. */
long	 dist_default_threads(long ncpu);

/* Rank 0's len bytes of buf (which holds cap) to every rank. */
void	 dist_bcast_bytes(char *buf, size_t *len, size_t cap);
/* This rank's share [lo, hi) of a batch of n images, and the largest. */
void	 dist_share(long n, long *lo, long *hi);
long	 dist_share_max(long n);

/* Die on every rank unless all ranks hold the same len bytes at buf. */
void	 dist_check_same(const void *buf, size_t len, const char *what);
/* v[i] becomes the sum over the ranks of their v[i], in rank order. */
void	 dist_sum(double *v, int n);

/*
 * After a rank's forward and backward over its n images of a batch of
 * N: grad becomes sum_r (n_r / N) grad_r, stats the mean of the ranks'
 * stats, *loss the batch's mean loss and *correct its hits.  Each value
 * is summed in rank order by one rank and sent to all.
 */
void	 dist_step_combine(float *grad, size_t ngrad, float *stats,
	    size_t nstats, long n, long N, double *loss, int *correct);

#endif
