/*
 * near.h: how near two float arrays are, for the network tests.
 */
#ifndef REPROKIT_TESTS_NEAR_H
#define REPROKIT_TESTS_NEAR_H

#include <math.h>
#include <stddef.h>

/* max |a - b| / max |b| over n values (b not all zero). */
static inline double
rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0, m = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		m = fmax(m, fabs((double)b[i]));
	}
	return d / fmax(m, 1e-30);
}

#endif
