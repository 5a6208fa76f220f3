/*
 * resnet.h: the CIFAR ResNets of He et al. 2016, section 4.2, and SGD.
 *
 * ResNet-(6n+2): a 3x3 convolution to 16 channels, three stages of n
 * basic blocks (two 3x3 convolutions each) on 32x32, 16x16 and 8x8 maps
 * with 16, 32 and 64 channels, global average pooling and a 10-way fully
 * connected layer.  Batch norm follows every convolution; a block's ReLU
 * comes after the addition.  Where a stage doubles the channels the
 * shortcut is option A (stride-2 subsampling, zero channels appended; no
 * parameters) or option B (a 1x1 stride-2 convolution and batch norm).
 *
 * Parameters live in one flat array in the order PyTorch's
 * model.parameters() lists them for the module in tests/parity, so a
 * checkpoint, a gradient or a weight file lines up with it element for
 * element; the batch-norm running statistics live in a second array.
 */
#ifndef REPROKIT_NN_RESNET_H
#define REPROKIT_NN_RESNET_H

#include <stddef.h>
#include <stdint.h>

#include "nn/layers.h"

#define RESNET_CLASSES	10
#define RESNET_SIDE	32
#define RESNET_NAME_MAX	64

struct resnet_config {
	int	n;		/* blocks per stage: depth 6n + 2 */
	char	shortcut;	/* 'A' or 'B' */
	int	bn_groups;	/* batch-norm statistics over this many
				   sub-batches (1: the whole batch) */
};

/* One named parameter tensor: params[off .. off + len). */
struct param_info {
	char	 name[RESNET_NAME_MAX];
	size_t	 off, len;
	int	 is_bn_or_bias;	/* exempt from decay with -D */
};

struct block {
	int		 C, K, H, stride;	/* H: input side */
	int		 proj;		/* option-B projection */
	struct conv	 c1, c2, sc;
	struct bn	 b1, b2, bs;
	/* Saved activations, [K][N][Ho][Wo]: conv outputs before batch
	   norm, the first ReLU, the block output, the projection. */
	float		*c1o, *a1, *c2o, *out, *sco;
};

struct resnet {
	struct resnet_config cfg;
	int		 depth, nblocks, cap;	/* cap: largest batch */
	struct conv	 conv0;
	struct bn	 bn0;
	struct block	*blk;
	struct fc	 fc;
	float		*params, *grads;
	size_t		 nparams;
	float		*stats;		/* running statistics */
	size_t		 nstats;
	float		*fold;		/* evaluation: batch norm folded
					   into the convolutions */
	struct param_info *pinfo;
	int		 npinfo;
	/* Activations for a batch of up to cap images. */
	float		*input;		/* [3][N][32][32] */
	float		*c0, *a0, *pool, *logits, *dlogits, *dpool;
	float		*res;		/* shortcut scratch */
	float		*g[4];		/* gradient scratch */
};

/* Depth 6n + 2 and the parameter count, without building anything. */
int	 resnet_depth(int n);
size_t	 resnet_count_params(const struct resnet_config *);

struct resnet *resnet_new(const struct resnet_config *, int batch_cap);
void	 resnet_free(struct resnet *);
/*
 * He et al. 2015 ("Delving deep into rectifiers") normal init of every
 * convolution, std sqrt(2 / fan) with fan = C k k (fan_out = 0, PyTorch's
 * kaiming_normal_ default) or K k k (fan_out = 1); the linear layer as
 * PyTorch's default, U(-1/sqrt(64), 1/sqrt(64)) for weights and bias;
 * batch norm gamma 1, beta 0, running mean 0, variance 1.
 */
void	 resnet_init(struct resnet *, uint64_t seed, int fan_out);

/* Logits [N][10] of input [3][N][32][32] in r->input, train or eval. */
void	 resnet_forward(struct resnet *, int N, int train);
/*
 * Loss and gradients after a training forward: fills r->dlogits and
 * r->grads, returns the mean loss and the top-1 hits in *correct.
 */
double	 resnet_backward(struct resnet *, const uint8_t *labels, int N,
	    int *correct);

/* SGD with momentum in PyTorch's form (see sgd_step). */
struct sgd {
	float	*buf;		/* momentum, one per parameter */
	int	 started;	/* 0 until the first step fills buf */
	double	 momentum, wd;
	int	 decay_bn;	/* weight decay on batch norm and biases */
};

void	 sgd_init(struct sgd *, const struct resnet *, double momentum,
	    double wd, int decay_bn);
void	 sgd_free(struct sgd *);
/* g += wd w; buf = momentum buf + g (buf = g at first); w -= lr buf. */
void	 sgd_step(struct sgd *, struct resnet *, double lr);

#endif
