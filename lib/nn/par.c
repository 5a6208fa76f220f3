/*
 * par.c: the worker pool behind par_for().  Workers spin briefly after a
 * job and then sleep on a condition variable, so an idle trainer costs no
 * CPU while short back-to-back kernels do not pay a wake-up each time.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "util.h"
#include "nn/blas.h"
#include "nn/par.h"

#define SPIN_ROUNDS	20000

/*
 * A pause between polls.  (sched_yield would need the system <sched.h>,
 * which lib/sched.h hides on this project's include path.)
 */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static struct {
	pthread_t	 tid[PAR_MAX_THREADS];
	int		 nthreads;	/* including the caller */
	pthread_mutex_t	 mu;
	pthread_cond_t	 go, done;
	atomic_uint	 gen;
	atomic_int	 next;
	atomic_int	 active;
	int		 ntasks;
	par_fn		*fn;
	void		*arg;
	int		 quit;
	unsigned	 start_gen;	/* gen when workers started */
} pool = {
	.nthreads = 1,
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.go = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER
};

static void
run_tasks(int worker)
{
	int t;

	while ((t = atomic_fetch_add(&pool.next, 1)) < pool.ntasks)
		pool.fn(pool.arg, t, worker);
}

static void *
worker_main(void *p)
{
	int id = (int)(long)p, i;
	unsigned seen = pool.start_gen;

	for (;;) {
		for (i = 0; i < SPIN_ROUNDS &&
		    atomic_load(&pool.gen) == seen; i++)
			cpu_relax();
		pthread_mutex_lock(&pool.mu);
		while (atomic_load(&pool.gen) == seen && !pool.quit)
			pthread_cond_wait(&pool.go, &pool.mu);
		pthread_mutex_unlock(&pool.mu);
		if (pool.quit)
			return NULL;
		seen = atomic_load(&pool.gen);
		run_tasks(id);
		if (atomic_fetch_sub(&pool.active, 1) == 1) {
			pthread_mutex_lock(&pool.mu);
			pthread_cond_signal(&pool.done);
			pthread_mutex_unlock(&pool.mu);
		}
	}
}

void
par_shutdown(void)
{
	int i;

	if (pool.nthreads <= 1)
		return;
	pthread_mutex_lock(&pool.mu);
	pool.quit = 1;
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.mu);
	for (i = 1; i < pool.nthreads; i++)
		pthread_join(pool.tid[i], NULL);
	pool.nthreads = 1;
	pool.quit = 0;
}

void
par_setup(int nthreads)
{
	int i;

	openblas_set_num_threads(1);
	par_shutdown();
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > PAR_MAX_THREADS)
		nthreads = PAR_MAX_THREADS;
	pool.start_gen = atomic_load(&pool.gen);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&pool.tid[i], NULL, worker_main,
		    (void *)(long)i) != 0)
			die("cannot start a worker thread");
	pool.nthreads = nthreads;
}

int
par_nthreads(void)
{
	return pool.nthreads;
}

void
par_for(int ntasks, par_fn *fn, void *arg)
{
	int i, t;

	if (ntasks <= 0)
		return;
	if (pool.nthreads == 1 || ntasks == 1) {
		for (t = 0; t < ntasks; t++)
			fn(arg, t, 0);
		return;
	}
	pool.fn = fn;
	pool.arg = arg;
	pool.ntasks = ntasks;
	atomic_store(&pool.next, 0);
	atomic_store(&pool.active, pool.nthreads - 1);
	pthread_mutex_lock(&pool.mu);
	atomic_fetch_add(&pool.gen, 1);
	pthread_cond_broadcast(&pool.go);
	pthread_mutex_unlock(&pool.mu);
	run_tasks(0);
	for (i = 0; i < SPIN_ROUNDS && atomic_load(&pool.active) > 0; i++)
		cpu_relax();
	pthread_mutex_lock(&pool.mu);
	while (atomic_load(&pool.active) > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}

void
par_range(long n, int ntasks, int t, long *lo, long *hi)
{
	long q = n / ntasks, r = n % ntasks;

	*lo = t * q + (t < r ? t : r);
	*hi = *lo + q + (t < r);
}

void
par_grow(float **p, size_t *cap, size_t n)
{
	if (n <= *cap)
		return;
	free(*p);
	*p = xaligned_alloc(64, n * sizeof(float));
	*cap = n;
}

void
par_bufs_reserve(struct par_bufs *b, size_t n)
{
	int i;

	if (n <= b->cap && par_nthreads() <= b->nthreads)
		return;
	if (n < b->cap)
		n = b->cap;
	for (i = 0; i < PAR_MAX_THREADS; i++) {
		free(b->buf[i]);
		b->buf[i] = NULL;
	}
	b->nthreads = par_nthreads();
	for (i = 0; i < b->nthreads; i++)
		b->buf[i] = xaligned_alloc(64, n * sizeof(float));
	b->cap = n;
}

struct sum_job {
	const float	*part;		/* floats, or */
	const double	*dpart;		/* doubles */
	float		*out;
	double		*dout;
	long		 len;
	int		 nparts, ntasks;
};

static void
sum_task(void *arg, int t, int worker)
{
	const struct sum_job *s = arg;
	long lo, hi, i;
	int p;

	(void)worker;
	par_range(s->len, s->ntasks, t, &lo, &hi);
	if (s->dpart != NULL) {
		for (i = lo; i < hi; i++)
			s->dout[i] = s->dpart[i];
		for (p = 1; p < s->nparts; p++)
			for (i = lo; i < hi; i++)
				s->dout[i] += s->dpart[p * s->len + i];
		return;
	}
	for (i = lo; i < hi; i++)
		s->out[i] = s->part[i];
	for (p = 1; p < s->nparts; p++)
		for (i = lo; i < hi; i++)
			s->out[i] += s->part[p * s->len + i];
}

static void
sum_parts(struct sum_job *s, long len, int nparts)
{
	s->len = len;
	s->nparts = nparts;
	s->ntasks = len >= 8192 ? par_nthreads() : 1;
	par_for(s->ntasks, sum_task, s);
}

void
par_sum_parts(float *out, const float *part, long len, int nparts)
{
	struct sum_job s = { .part = part, .out = out };

	sum_parts(&s, len, nparts);
}

void
par_sum_parts_d(double *out, const double *part, long len, int nparts)
{
	struct sum_job s = { .dpart = part, .dout = out };

	sum_parts(&s, len, nparts);
}
