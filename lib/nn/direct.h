/*
 * direct.h: 3x3, stride-1, pad-1 convolutions on CNHW activations with
 * AVX2/FMA or AVX-512 micro-kernels instead of im2col and sgemm (see
 * direct.c).  conv_forward() and conv_backward() use them when
 * direct_available().
 */
#ifndef REPROKIT_NN_DIRECT_H
#define REPROKIT_NN_DIRECT_H

#include "nn/layers.h"

/*
 * The level of direct kernels in use: 0 none (im2col and sgemm), 1 AVX2
 * and FMA, 2 AVX-512 (F and VL).  By default the highest the CPU runs,
 * lowered by REPROKIT_NO_DIRECT_CONV (to 0) or REPROKIT_NO_AVX512 (to at
 * most 1) in the environment.  Levels 1 and 2 give the same bits.
 */
int	direct_available(void);
/* Use the given level, or the highest the CPU runs if that is lower. */
void	direct_enable(int level);

void	direct_forward(const struct conv *, const float *x, float *y,
	    int N, int H, int W);
void	direct_backward(struct conv *, const float *x, const float *dy,
	    float *dx, int acc, int N, int H, int W);

#endif
