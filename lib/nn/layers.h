/*
 * layers.h: the layers of a CIFAR ResNet, each a forward/backward pair.
 *
 * Activations are laid out CNHW: x[c][n][h][w], so that one channel's
 * values over the whole batch are contiguous.  A convolution over the
 * batch is then a few large matrix products (weights [K x C*k*k] times
 * im2col columns), and batch-norm statistics run over one contiguous
 * stretch per channel.  Backward functions write (never add to) their
 * parameter gradients, since no parameter is used twice.
 *
 * The *_ref functions are plain loops with double accumulation: slow,
 * portable, and what the tests hold the fast kernels to.
 */
#ifndef REPROKIT_NN_LAYERS_H
#define REPROKIT_NN_LAYERS_H

#include <stdint.h>

#define BN_EPS		1e-5f
#define BN_MOMENTUM	0.1f
#define BN_MAX_GROUPS	16

struct conv {
	int	 C, K;		/* input, output channels */
	int	 ks, stride, pad;
	float	*w, *dw;	/* [K][C][ks][ks], as PyTorch's OIHW */
};

struct bn {
	int	 C;
	float	*gamma, *beta;	/* [C] */
	float	*dgamma, *dbeta;
	float	*rmean, *rvar;	/* running statistics, [C] */
	float	 eps, momentum;
	/* Saved by the training forward for the backward: [groups][C]. */
	float	*smean, *sinvstd;
	int	 groups;
};

struct fc {
	int	 C, K;		/* in, out features */
	float	*w, *b;		/* w [K][C], b [K] */
	float	*dw, *db;
};

/*
 * What a forward convolution does to its outputs before storing them:
 * y = conv(x) + bias[k] + res, then max(0, y) if relu (bias and res may
 * be NULL; res has y's layout).  Batch norm in evaluation mode folds into
 * the weights and bias, so a block needs no pass of its own after the
 * convolution.
 */
struct conv_epi {
	const float	*bias;
	const float	*res;
	int		 relu;
};

int	conv_out(int size, int ks, int stride, int pad);

/* x [C][N][H][W] -> y [K][N][Ho][Wo] */
void	conv_forward(const struct conv *, const float *x, float *y,
	    int N, int H, int W);
/* conv_forward with its outputs finished as epi says. */
void	conv_forward_epi(const struct conv *, const float *x, float *y,
	    int N, int H, int W, const struct conv_epi *epi);
/*
 * dy [K][N][Ho][Wo] -> dw, and dx [C][N][H][W] unless dx is NULL; with
 * acc the input gradient is added to dx instead of written.
 */
void	conv_backward(struct conv *, const float *x, const float *dy,
	    float *dx, int acc, int N, int H, int W);
void	conv_forward_ref(const struct conv *, const float *x, float *y,
	    int N, int H, int W);
void	conv_backward_ref(struct conv *, const float *x, const float *dy,
	    float *dx, int acc, int N, int H, int W);
/* Columns per im2col tile (a tuning knob; results do not depend on it
 * as long as it is the same for both runs compared). */
void	conv_set_tile(int cols);
/*
 * Whether the stride-2 rows of im2col and col2im use AVX-512 permutes
 * (by default where the CPU has AVX-512F, unless REPROKIT_NO_AVX512 is
 * in the environment); the results are the same bits either way.
 */
void	conv_enable_simd(int);

/*
 * Batch norm over x [C][N][HW] in `groups` sub-batches (1 = the whole
 * batch); y = bn(x) + res (res may be NULL), then max(0, .) if relu.
 * y may be x.  Training mode updates the running statistics as PyTorch
 * does (momentum 0.1, unbiased variance).
 */
/* Sets C, eps, momentum and allocates the saved statistics only. */
void	bn_init(struct bn *, int C);
void	bn_free(struct bn *);
void	bn_forward_train(struct bn *, const float *x, float *y,
	    const float *res, int relu, int N, int HW, int groups);
void	bn_forward_eval(const struct bn *, const float *x, float *y,
	    const float *res, int relu, int N, int HW);
/*
 * dy [C][N][HW] is the gradient of bn's output; where mask is given the
 * output went through a ReLU whose result was mask, and dy counts only
 * where mask > 0.  dx may be dy.
 */
void	bn_backward(struct bn *, const float *x, const float *dy,
	    const float *mask, float *dx, int N, int HW);
/* bn_backward that also stores the masked dy in dz (for a shortcut). */
void	bn_backward_relu(struct bn *, const float *x, const float *dy,
	    const float *mask, float *dz, float *dx, int N, int HW);

/* dz = dy where out > 0, else 0 (the ReLU backward). */
void	relu_backward(const float *out, const float *dy, float *dz, long n);
/* Option A shortcut: stride-2 subsampling, channels C..K-1 zero. */
void	shortcut_a_forward(const float *x, float *y, int C, int K,
	    int N, int H, int W);
/* dx [C][N][H][W] += the shortcut's share of dy [K][N][H/2][W/2]. */
void	shortcut_a_backward(const float *dy, float *dx, int C, int K,
	    int N, int H, int W);
/* dx += dy over n values. */
void	vec_add(float *dx, const float *dy, long n);
/* y = x a + b (+ res), then max(0, .) if relu, over n values (in one
   thread; y may be x, res may be NULL). */
void	vec_affine(const float *x, float *y, const float *res, long n,
	    float a, float b, int relu);

/* Global average pooling: x [C][N][HW] -> y [C][N]. */
void	avgpool_forward(const float *x, float *y, int C, int N, int HW);
void	avgpool_backward(const float *dy, float *dx, int C, int N, int HW);

/* x [C][N] -> y [N][K] = x^T w^T + b. */
void	fc_forward(const struct fc *, const float *x, float *y, int N);
void	fc_backward(struct fc *, const float *x, const float *dy,
	    float *dx, int N);

/*
 * Mean softmax cross-entropy of logits [N][K] against labels; writes
 * dlogits (the gradient of the mean) unless NULL and counts the top-1
 * hits in *correct unless NULL.  Per-sample losses go to loss_n unless
 * NULL.
 */
double	softmax_xent(const float *logits, const uint8_t *labels, int N,
	    int K, float *dlogits, int *correct, double *loss_n);

#endif
