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
 * The level of direct kernels in use: 0 none (im2col and OpenBLAS's
 * sgemm), 1 AVX2 and FMA, 2 AVX-512 (F and VL), 3 AVX-512 with
 * Winograd's F(2x2, 3x3) and F(3x3, 2x2) (wino.c) for the 3x3 stride-1
 * layers of 8 or more input channels and gemm.c's products for the other
 * layers' im2col instead of OpenBLAS.  By default the highest the CPU
 * runs, lowered by REPROKIT_NO_DIRECT_CONV (to 0), REPROKIT_NO_AVX512 (to
 * at most 1) or REPROKIT_NO_WINOGRAD (to at most 2) in the environment.
 * Levels 1 and 2 give the same bits; level 3 agrees with them to float
 * rounding.
 */
int	direct_available(void);
/* Use the given level, or the highest the CPU runs if that is lower. */
void	direct_enable(int level);
/* The highest level the CPU runs, whatever the environment says. */
int	direct_best(void);
/* The level in use, by name: "winograd-avx512", "direct-avx512",
   "direct-avx2" or "im2col-sgemm" (as in rn-train's meta record). */
const char *direct_level_name(void);

/*
 * The kernel a forward pass of this convolution on H x W images takes:
 * "winograd-avx512", "direct-avx512", "direct-avx2", "im2col-avx512"
 * (gemm.c's products) or "im2col-sgemm" (OpenBLAS's).
 */
const char *direct_kernel(const struct conv *, int H, int W);
/* epi may be NULL. */
void	direct_forward(const struct conv *, const float *x, float *y,
	    int N, int H, int W, const struct conv_epi *epi);
void	direct_backward(struct conv *, const float *x, const float *dy,
	    float *dx, int acc, int N, int H, int W);

#endif
