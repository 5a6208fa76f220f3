/*
 * rng.h: a seeded generator that yields the same stream on every platform.
 *
 * PCG-XSH-RR 64/32 (O'Neill 2014): 64-bit state, 32-bit outputs, integer
 * arithmetic only, so a seed means the same numbers everywhere.  Streams
 * are split by the increment, which lets each use (shuffle, crop, flip,
 * init) draw from its own sequence.
 */
#ifndef REPROKIT_RNG_H
#define REPROKIT_RNG_H

#include <stdint.h>

struct rng {
	uint64_t	state;
	uint64_t	inc;	/* always odd */
};

void		rng_seed(struct rng *, uint64_t seed, uint64_t stream);
uint32_t	rng_u32(struct rng *);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint32_t	rng_below(struct rng *, uint32_t bound);
/* Uniform double in [0, 1) with 53 random bits. */
double		rng_uniform(struct rng *);
/* Standard normal (Box-Muller on two uniforms, no cached spare). */
double		rng_normal(struct rng *);
/* Fisher-Yates shuffle of an index array. */
void		rng_shuffle(struct rng *, uint32_t *, uint32_t n);

#endif
