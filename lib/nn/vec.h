/*
 * vec.h: eight-float vectors (GCC and Clang vector extensions) for the
 * reductions and elementwise loops of the kernels.  A v8f is a pair of
 * four-float halves, so the code is the same on any target with 16-byte
 * vectors (SSE on every x86-64) and no AVX calling convention is needed.
 * Sums run in eight float lanes over short blocks and are carried across
 * blocks in double, so their order, and so their result, is fixed.
 */
#ifndef REPROKIT_NN_VEC_H
#define REPROKIT_NN_VEC_H

#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

struct v8f {
	v4f	lo, hi;
};
typedef struct v8f v8f;

#define VEC_BLOCK	512	/* values summed in float before a flush */

static inline v8f
v8_load(const float *p)
{
	v8f v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
v8_store(float *p, v8f v)
{
	memcpy(p, &v, sizeof(v));
}

static inline v8f
v8_set(float x)
{
	v8f v = { { x, x, x, x }, { x, x, x, x } };

	return v;
}

static inline v8f
v8_add(v8f a, v8f b)
{
	a.lo += b.lo;
	a.hi += b.hi;
	return a;
}

static inline v8f
v8_sub(v8f a, v8f b)
{
	a.lo -= b.lo;
	a.hi -= b.hi;
	return a;
}

static inline v8f
v8_mul(v8f a, v8f b)
{
	a.lo *= b.lo;
	a.hi *= b.hi;
	return a;
}

/* a * b + c */
static inline v8f
v8_fma(v8f a, v8f b, v8f c)
{
	a.lo = a.lo * b.lo + c.lo;
	a.hi = a.hi * b.hi + c.hi;
	return a;
}

/* v where mask > 0, else 0 (also where mask is NaN). */
static inline v8f
v8_where_pos(v8f v, v8f mask)
{
	v4f z = { 0, 0, 0, 0 };

	v.lo = (v4f)((v4i)v.lo & (v4i)(mask.lo > z));
	v.hi = (v4f)((v4i)v.hi & (v4i)(mask.hi > z));
	return v;
}

static inline double
v8_hsum(v8f v)
{
	return ((double)v.lo[0] + v.lo[1] + v.lo[2] + v.lo[3]) +
	    ((double)v.hi[0] + v.hi[1] + v.hi[2] + v.hi[3]);
}

#endif
