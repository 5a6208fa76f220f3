/*
 * direct.h: 3x3, stride-1, pad-1 convolutions on CNHW activations with
 * AVX2/FMA micro-kernels instead of im2col and sgemm (see direct.c).
 * conv_forward() and conv_backward() use them when direct_available().
 */
#ifndef REPROKIT_NN_DIRECT_H
#define REPROKIT_NN_DIRECT_H

#include "nn/layers.h"

/* Nonzero when the CPU has AVX2 and FMA and they are not switched off
 * (direct_enable(0), or REPROKIT_NO_DIRECT_CONV in the environment). */
int	direct_available(void);
void	direct_enable(int);

void	direct_forward(const struct conv *, const float *x, float *y,
	    int N, int H, int W);
void	direct_backward(struct conv *, const float *x, const float *dy,
	    float *dx, int acc, int N, int H, int W);

#endif
