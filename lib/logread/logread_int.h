/*
 * logread_int.h: what the format readers of logread share: a buffered
 * input that can be peeked at for detection, bounded line reading, the
 * queue of points one record produces, tag interning and warnings.
 */
#ifndef REPROKIT_LOGREAD_INT_H
#define REPROKIT_LOGREAD_INT_H

#include <stdio.h>

#include <jansson.h>

#include "logread.h"

#define LR_PEEK		65536

struct lr_in {
	FILE		*fp;
	int		 own;		/* fclose at the end */
	unsigned char	*buf;
	size_t		 cap, pos, len;
	long long	 off;		/* file offset of buf[pos] */
	int		 eof, ioerr;
	char		*line;		/* lr_getline's buffer */
	size_t		 linecap;
	long long	 lineno;
};

struct lr_tag {
	char		*name;
	unsigned	 hash;
};

struct logreader {
	const char	*fmt;
	struct logread_opts opts;
	char		 err[512];
	int		 failed;
	json_t		*meta, *fields;
	long long	 nwarn;

	/* Files still to read, for directories and multi-file logs. */
	char		**files;
	char		**prefixes;	/* tag prefix per file or NULL */
	int		 nfiles, curfile;
	char		*curpath;	/* the open file, for messages */
	const char	*prefix;
	struct lr_in	 in;
	int		 opened;

	/* Format hooks: begin a file, read more points, clean up. */
	int		(*begin)(struct logreader *);
	int		(*more)(struct logreader *);	/* 1 ok, 0 eof, -1 */
	void		(*fini)(struct logreader *);
	void		*st;

	/* Points waiting to be handed out. */
	struct logpoint	*q;
	size_t		 nq, iq, qcap;

	struct lr_tag	*tags;
	size_t		 ntags, tagcap;
	int		 tagfull;
};

/* Input. */
void	 lr_in_init(struct lr_in *, FILE *, int own);
void	 lr_in_free(struct lr_in *);
/* Make up to n bytes available; returns how many are (n or fewer). */
size_t	 lr_in_peek(struct lr_in *, size_t n, const unsigned char **);
size_t	 lr_in_read(struct lr_in *, void *, size_t);
/* Skip n bytes; returns how many were skipped. */
size_t	 lr_in_skip(struct lr_in *, size_t);
/*
 * Next line without its newline (and \r), NUL-terminated in in->line:
 * 1 a line, 0 end of input, -2 a line over LOGREAD_MAX_LINE (skipped),
 * -1 read error.
 */
int	 lr_getline(struct lr_in *, size_t *len);

/* Reader helpers. */
void	 lr_warn(struct logreader *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 lr_fail(struct logreader *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Interned tag (with the file's prefix); NULL past LOGREAD_MAX_TAGS. */
const char *lr_tag(struct logreader *, const char *name, size_t len);
void	 lr_field(struct logreader *, const char *name);
/* Queue a point; tag is raw (it is interned here). */
void	 lr_push(struct logreader *, const char *tag, size_t taglen,
	    long long step, double epoch, double value, double wall,
	    long long pos);
/* A strict decimal number (no hex, no trailing junk; nan/inf allowed). */
int	 lr_num(const char *, size_t, double *);
/* Valid UTF-8? */
int	 lr_utf8_ok(const char *, size_t);

/* Format setup: fill the hooks for r->fmt. */
int	 lr_setup_jsonl(struct logreader *);
int	 lr_setup_csv(struct logreader *);
int	 lr_setup_tfevents(struct logreader *);
int	 lr_setup_hf(struct logreader *);
int	 lr_setup_mlflow(struct logreader *, const char *rundir);
int	 lr_setup_regex(struct logreader *);

/* hparams.yaml and friends: the block YAML PyYAML dumps, as JSON. */
json_t	*lr_yaml_load(const char *path, char *err, size_t errlen);
json_t	*lr_yaml_parse(const char *text, size_t len, char *err,
	    size_t errlen);

/* CRC-32C (Castagnoli) and TFRecord's masking. */
unsigned lr_crc32c(const void *, size_t);
unsigned lr_crc_mask(unsigned);

#endif
