/*
 * par.h: a small fixed pool of worker threads for the network kernels.
 *
 * par_for() hands out tasks 0..ntasks-1 to the pool (the calling thread
 * takes part as worker 0) and returns when all are done.  Which worker runs
 * which task varies from call to call, so a kernel must make its results
 * depend on the task number only; the worker number is for choosing
 * scratch memory.  OpenBLAS is put in single-threaded mode: each worker
 * calls sgemm on its own tile, so the two never compete for cores.
 */
#ifndef REPROKIT_NN_PAR_H
#define REPROKIT_NN_PAR_H

#define PAR_MAX_THREADS	64

typedef void	par_fn(void *arg, int task, int worker);

/* Start nthreads - 1 workers (nthreads >= 1); may be called again. */
void	par_setup(int nthreads);
int	par_nthreads(void);
void	par_for(int ntasks, par_fn *, void *arg);
/* Stop the workers (at exit; par_for runs inline afterwards). */
void	par_shutdown(void);

/* A float buffer for each worker, 64-byte aligned, grown before a job. */
struct par_bufs {
	float	*buf[PAR_MAX_THREADS];
	size_t	 cap;
	int	 nthreads;
};

void	par_bufs_reserve(struct par_bufs *, size_t n);
/*
 * out[i] = part[0][i] + part[1][i] + ..., the parts of length len laid end
 * to end, always added in part order so the sum has the same bits
 * whatever the number of threads.
 */
void	par_sum_parts(float *out, const float *part, long len, int nparts);
void	par_sum_parts_d(double *out, const double *part, long len,
	    int nparts);
/* Grow one 64-byte aligned float buffer to hold n (contents not kept). */
void	par_grow(float **, size_t *cap, size_t n);

/* Split [0, n) into ntasks near-equal ranges; range of task t. */
void	par_range(long n, int ntasks, int t, long *lo, long *hi);

#endif
