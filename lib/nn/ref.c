/*
 * ref.c: the convolution written as the textbook loop nest, with double
 * accumulators.  It is the portable reference the im2col/sgemm kernels
 * are tested against; nothing in training calls it.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "nn/layers.h"

/* x [C][N][H][W] -> y [K][N][Ho][Wo] */
void
conv_forward_ref(const struct conv *cv, const float *x, float *y, int N,
    int H, int W)
{
	int Ho = conv_out(H, cv->ks, cv->stride, cv->pad);
	int Wo = conv_out(W, cv->ks, cv->stride, cv->pad);
	int k, n, oy, ox, c, kh, kw, iy, ix;
	double sum;

	for (k = 0; k < cv->K; k++)
	for (n = 0; n < N; n++)
	for (oy = 0; oy < Ho; oy++)
	for (ox = 0; ox < Wo; ox++) {
		sum = 0;
		for (c = 0; c < cv->C; c++)
		for (kh = 0; kh < cv->ks; kh++)
		for (kw = 0; kw < cv->ks; kw++) {
			iy = oy * cv->stride - cv->pad + kh;
			ix = ox * cv->stride - cv->pad + kw;
			if (iy < 0 || iy >= H || ix < 0 || ix >= W)
				continue;
			sum += (double)cv->w[((k * cv->C + c) * cv->ks + kh) *
			    cv->ks + kw] *
			    x[(((long)c * N + n) * H + iy) * W + ix];
		}
		y[(((long)k * N + n) * Ho + oy) * Wo + ox] = (float)sum;
	}
}

/* dy [K][N][Ho][Wo] -> dw [K][C][ks][ks], dx [C][N][H][W] (unless NULL) */
void
conv_backward_ref(struct conv *cv, const float *x, const float *dy,
    float *dx, int acc, int N, int H, int W)
{
	int Ho = conv_out(H, cv->ks, cv->stride, cv->pad);
	int Wo = conv_out(W, cv->ks, cv->stride, cv->pad);
	long nx = (long)cv->C * N * H * W, i;
	long nw = (long)cv->K * cv->C * cv->ks * cv->ks;
	int k, n, oy, ox, c, kh, kw, iy, ix;
	double *gw = xcalloc(nw, sizeof(double)), *gx = NULL, g;

	if (dx != NULL)
		gx = xcalloc(nx, sizeof(double));
	for (k = 0; k < cv->K; k++)
	for (n = 0; n < N; n++)
	for (oy = 0; oy < Ho; oy++)
	for (ox = 0; ox < Wo; ox++) {
		g = dy[(((long)k * N + n) * Ho + oy) * Wo + ox];
		for (c = 0; c < cv->C; c++)
		for (kh = 0; kh < cv->ks; kh++)
		for (kw = 0; kw < cv->ks; kw++) {
			long wi = ((k * cv->C + c) * cv->ks + kh) * cv->ks +
			    kw, xi;

			iy = oy * cv->stride - cv->pad + kh;
			ix = ox * cv->stride - cv->pad + kw;
			if (iy < 0 || iy >= H || ix < 0 || ix >= W)
				continue;
			xi = (((long)c * N + n) * H + iy) * W + ix;
			gw[wi] += g * x[xi];
			if (gx != NULL)
				gx[xi] += g * cv->w[wi];
		}
	}
	for (i = 0; i < nw; i++)
		cv->dw[i] = (float)gw[i];
	for (i = 0; gx != NULL && i < nx; i++)
		dx[i] = (float)(acc ? dx[i] + gx[i] : gx[i]);
	free(gw);
	free(gx);
}
