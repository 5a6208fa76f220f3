/*
 * rng.c: PCG32 and the few distributions the toolkit needs.
 */
#include <math.h>
#include <stdint.h>

#include "rng.h"

#define PCG_MULT	6364136223846793005ULL

void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = 0;
	r->inc = (stream << 1) | 1;
	(void)rng_u32(r);
	r->state += seed;
	(void)rng_u32(r);
}

uint32_t
rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	uint32_t xorshifted, rot;

	r->state = old * PCG_MULT + r->inc;
	xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	rot = (uint32_t)(old >> 59);
	return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

uint32_t
rng_below(struct rng *r, uint32_t bound)
{
	/* Reject the low values that would make the modulo uneven. */
	uint32_t threshold = (uint32_t)(-bound) % bound;
	uint32_t x;

	do
		x = rng_u32(r);
	while (x < threshold);
	return x % bound;
}

double
rng_uniform(struct rng *r)
{
	uint64_t hi = rng_u32(r) >> 5, lo = rng_u32(r) >> 6;

	return ((double)hi * 67108864.0 + (double)lo) / 9007199254740992.0;
}

double
rng_normal(struct rng *r)
{
	double u1, u2;

	do
		u1 = rng_uniform(r);
	while (u1 <= 0.0);
	u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void
rng_shuffle(struct rng *r, uint32_t *a, uint32_t n)
{
	uint32_t i, j, t;

	for (i = n; i > 1; i--) {
		j = rng_below(r, i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}
