/*
 * data.h: CIFAR images into network input: normalisation fitted on the
 * training images, the paper's augmentation (zero padding, a random crop,
 * a random horizontal flip), and evaluation over a whole set.
 *
 * Pixels are scaled to [0, 1].  "channel" normalisation subtracts each
 * colour channel's mean and divides by its standard deviation (population,
 * over every pixel of the training images); "pixel" subtracts the mean
 * image, the paper's per-pixel mean subtraction, and scales nothing else.
 * Padding is applied after normalisation, so it is zero in the input the
 * network sees.
 */
#ifndef REPROKIT_NN_DATA_H
#define REPROKIT_NN_DATA_H

#include <stdint.h>

#include "cifar.h"
#include "rng.h"
#include "nn/resnet.h"

enum norm_mode { NORM_CHANNEL, NORM_PIXEL };

struct norm {
	enum norm_mode	 mode;
	float		 mean[CIFAR_IMG_BYTES];	/* channel: [3] */
	float		 scale[3];		/* 1 / std, or 1 */
};

/* Where a training image is cut from its padded copy, and its flip. */
struct crop {
	uint8_t		 dy, dx, flip;
};

struct eval_result {
	uint32_t	 n, correct;
	double		 loss_sum;
	/* [true class][predicted class] */
	uint32_t	 confusion[CIFAR_NCLASS][CIFAR_NCLASS];
};

/* Fit on the first n images of set. */
void	norm_fit(struct norm *, enum norm_mode, const struct cifar_set *,
	    uint32_t n);
const char *norm_name(enum norm_mode);

/* Draw crops for N images: offsets in [0, 2 pad], flips if flip. */
void	crop_draw(struct crop *, int N, struct rng *, int pad, int flip);

/*
 * x [3][N][32][32] from images idx[0..N-1] of set, normalised; cut from a
 * copy zero-padded by pad pixels per crops[i] unless crops is NULL.
 */
void	batch_fill(float *x, int N, const struct cifar_set *,
	    const uint32_t *idx, const struct norm *, const struct crop *,
	    int pad);

/* Evaluation-mode pass over the first n images of set. */
void	evaluate(struct resnet *, const struct cifar_set *, uint32_t n,
	    const struct norm *, struct eval_result *);

#endif
