/*
 * wino.h: 3x3, stride-1, pad-1 convolutions by Winograd's minimal
 * filtering F(2x2, 3x3), for AVX-512 CPUs (see wino.c).  Internal to
 * lib/nn: direct.c chooses it per layer and owns the threads, the tiling
 * of the batch and the scratch memory.
 */
#ifndef REPROKIT_NN_WINO_H
#define REPROKIT_NN_WINO_H

#include <stddef.h>

#include "nn/layers.h"

/* Whether the CPU runs the kernels (AVX-512 F). */
int	wino_cpu(void);
/* Whether the kernels take H x W images with C input channels. */
int	wino_fits(int C, int H, int W);

/* Floats of the transformed weights of a K x C x 3 x 3 convolution. */
size_t	wino_weights_len(int K, int C);
/*
 * U = G g G^T of each 3x3 kernel g of w [K][C][3][3], laid out
 * [16][K/8][C][8] (zeros past K); with flip, of wf [C][K][3][3],
 * wf[c][k][8 - t] = w[k][c][t] (the input gradient's kernel), and the
 * roles of K and C swapped.
 */
void	wino_pack(const float *w, int K, int C, int flip, float *U);

/* Where a tile's images come from and go. */
struct wino_tile {
	const float	*x;		/* [C][N][H][W] */
	const float	*dy;		/* [K][N][H][W], for wino_dw_run */
	int		 C, K;		/* input, output channels */
	int		 H, W, N;
	int		 n0, nimg;	/* the tile: images n0 .. n0+nimg-1 */
	float		*out;		/* [K][N][H][W] */
	int		 acc;		/* add to out instead of writing */
	const struct conv_epi *epi;	/* or NULL */
};

/* Floats of scratch wino_run needs for a tile of these sizes. */
size_t	wino_scratch(int C, int K, int H, int W, int nimg);
void	wino_run(const struct wino_tile *, const float *U, float *scratch);

/*
 * The weight gradient by F(3x3, 2x2), the same method turned around:
 * dW = G^T [sum over blocks of (B^T X B) (.) (A D A^T)] G, X the 4x4
 * input patch and D the 2x2 block of dy.  wino_dw_run writes the tile's
 * sum in brackets to S (wino_dw_sums_len doubles); the tiles' S added up,
 * wino_dw_finish turns them into dw [K][C][3][3].  Takes the images
 * wino_fits takes, any C.
 */
size_t	wino_dw_scratch(int C, int K, int H, int W, int nimg);
size_t	wino_dw_sums_len(int K, int C);
void	wino_dw_run(const struct wino_tile *, double *S, float *scratch);
void	wino_dw_finish(const double *S, int K, int C, float *dw);

#endif
