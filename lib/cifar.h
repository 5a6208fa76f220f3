/*
 * cifar.h: the CIFAR-10 binary batches, the split index file, and loading
 * a split described by a cifar-split manifest (doc/FORMATS.md).
 *
 * A batch file is a run of 3073-byte records: one label byte (0..9), then
 * the 32x32 image as three planes, red, green, blue, row by row.
 *
 * The split index file (written by cifar-split) is little-endian binary:
 *	8 bytes		magic "CIFARIDX"
 *	uint32		n_train
 *	uint32		n_val
 *	uint32[n_train]	train indices, strictly ascending
 *	uint32[n_val]	val indices, strictly ascending
 * Indices number the training images in file order (data_batch_1 record 0
 * is 0, data_batch_5 record 9999 is 49999); no index appears twice.
 */
#ifndef REPROKIT_CIFAR_H
#define REPROKIT_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CIFAR_IMG_BYTES	3072	/* 3 planes of 32x32, R then G then B */
#define CIFAR_REC_BYTES	3073	/* label byte + image */
#define CIFAR_NCLASS	10
#define CIFAR_SIDE	32

#define CIFAR_IDX_MAGIC		"CIFARIDX"
#define CIFAR_IDX_HEADER	16	/* magic + two counts */

/* Largest batch file the reader accepts (the official ones are 30.7 MB). */
#define CIFAR_BATCH_MAX		(64L << 20)

struct cifar_set {
	uint32_t	 n;
	uint8_t		*images;	/* n * 3072 bytes, as in the files */
	uint8_t		*labels;	/* n labels, each 0..9 */
	uint32_t	*index;		/* n source indices (0..49999 for
					   train/val, 0..9999 for test) */
};

/* A member of the official cifar-10-batches-bin directory. */
struct cifar_member {
	const char	*name;
	const char	*sha256;
	uint32_t	 records;	/* 0 for the metadata file */
	const char	*role;		/* "train", "test" or "meta" */
};

#define CIFAR_NMEMBER	7
extern const struct cifar_member cifar_members[CIFAR_NMEMBER];
extern const char *const cifar_class_names[CIFAR_NCLASS];

#define CIFAR_DIRNAME	"cifar-10-batches-bin"
#define CIFAR_URL "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
#define CIFAR_ARCHIVE_MD5	"c32a1d4ab5d03f1284b67883e8d87530"
#define CIFAR_ARCHIVE_BYTES	170052171LL

/*
 * Functions returning int give 0 on success and -1 on failure, with a
 * one-line message in err that starts with the subject ("path: reason").
 * On failure the sets they fill are left empty (nothing to free).
 */

/* Read a whole batch file; validates size (multiple of 3073) and labels. */
int	cifar_read_batch(const char *path, struct cifar_set *, char *err,
	    size_t errlen);
/*
 * Check an in-memory batch: size a non-zero multiple of 3073, every label
 * 0..9.  Adds the label counts into per_class when it is not NULL.
 */
int	cifar_check_batch(const uint8_t *, size_t, const char *name,
	    uint32_t per_class[CIFAR_NCLASS], char *err, size_t errlen);

/*
 * Given a cifar-split manifest (doc/FORMATS.md), load train, val and test
 * (any of the three pointers may be NULL to skip it).  Verifies each file's
 * sha256 and the index file's sha256 against the manifest.
 */
int	cifar_load_split(json_t *split_manifest, struct cifar_set *train,
	    struct cifar_set *val, struct cifar_set *test, char *err,
	    size_t errlen);
void	cifar_free(struct cifar_set *);

/*
 * The index file.  cifar_index_encode returns a malloc'd buffer of *len
 * bytes; cifar_index_decode checks the magic, the length, the order and
 * that every index is below total, and returns malloc'd arrays.
 */
uint8_t	*cifar_index_encode(const uint32_t *train, uint32_t ntrain,
	    const uint32_t *val, uint32_t nval, size_t *len);
int	cifar_index_decode(const uint8_t *, size_t, uint32_t total,
	    uint32_t **train, uint32_t *ntrain, uint32_t **val,
	    uint32_t *nval, char *err, size_t errlen);

/* The official member called name, or NULL. */
const struct cifar_member *cifar_member_find(const char *name);

/*
 * Read a file whole into a malloc'd buffer, refusing files over max bytes;
 * fills *sha256 (65 bytes) when it is not NULL.
 */
int	cifar_slurp(const char *path, long max, uint8_t **buf, size_t *len,
	    char *sha256, char *err, size_t errlen);

#endif
