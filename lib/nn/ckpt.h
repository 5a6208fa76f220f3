/*
 * ckpt.h: the checkpoint file of rn-train, read by rn-train --resume and
 * by rn-eval.
 *
 *	8 bytes		magic "RNCKPT\r\n"
 *	uint32		format version (1)
 *	uint32		header length H
 *	uint64		payload length P
 *	H bytes		header: one JSON object (the run's settings,
 *			and "sections": [{"name", "type", "count"}, ...])
 *	P bytes		the sections, in that order, little-endian
 *			(type f32, f64, u32 or u64)
 *	64 bytes	SHA-256, in hex, of everything before it
 *
 * All integers little-endian.  A file is written whole, to a temporary
 * name, and renamed into place, so a reader never sees half of one.
 */
#ifndef REPROKIT_NN_CKPT_H
#define REPROKIT_NN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nn/data.h"
#include "nn/resnet.h"

#define CKPT_MAGIC	"RNCKPT\r\n"
#define CKPT_VERSION	1
#define CKPT_MAX_BYTES	(4LL << 30)
#define CKPT_MAX_SECTIONS 32

enum ckpt_type { CKPT_F32, CKPT_F64, CKPT_U32, CKPT_U64 };

struct ckpt_section {
	char		 name[32];
	enum ckpt_type	 type;
	size_t		 count, off;	/* off: into the payload */
};

struct ckpt {
	json_t		*hdr;		/* owned */
	uint8_t		*buf;		/* the payload */
	size_t		 len, cap;
	struct ckpt_section sec[CKPT_MAX_SECTIONS];
	int		 nsec;
	char		 sha256[65];	/* of the whole file */
};

/* Writing: hdr is taken over; add sections, then write. */
void	ckpt_begin(struct ckpt *, json_t *hdr);
void	ckpt_add(struct ckpt *, const char *name, enum ckpt_type,
	    const void *, size_t count);
/* Atomic write; -1 and errno on failure.  Fills ck->sha256. */
int	ckpt_write(struct ckpt *, const char *path);

/* Reading: -1 with a one-line message ("path: reason") on failure. */
int	ckpt_read(struct ckpt *, const char *path, char *err, size_t errlen);
/* Copy section name into dst, which holds count values of type. */
int	ckpt_get(const struct ckpt *, const char *name, enum ckpt_type,
	    void *dst, size_t count, char *err, size_t errlen);
void	ckpt_free(struct ckpt *);

/*
 * The model part, shared by rn-train and rn-eval: the architecture in
 * the header, the weights, the batch-norm statistics, the normalisation.
 */
void	ckpt_put_model(struct ckpt *, const struct resnet *,
	    const struct norm *);
int	ckpt_model_config(const struct ckpt *, struct resnet_config *,
	    char *err, size_t errlen);
int	ckpt_get_model(const struct ckpt *, struct resnet *, struct norm *,
	    char *err, size_t errlen);

#endif
