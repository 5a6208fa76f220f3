/*
 * jsonio.h: JSON and JSON Lines on jansson.
 *
 * Writing: one compact record per line, flushed, with keys in insertion
 * order and reals in the shortest form that reads back exactly.  NaN and
 * infinities never reach the output: json_num() turns them into null.
 *
 * Reading: jsonl_next() hands out one record per line, with the line
 * number for messages ("prog: file:line: reason").  Lines are bounded so a
 * hostile file cannot exhaust memory.
 */
#ifndef REPROKIT_JSONIO_H
#define REPROKIT_JSONIO_H

#include <stdio.h>

#include <jansson.h>

/* A real, or null when the value is not finite. */
json_t	*json_num(double);

/*
 * Print a value: compact when indent is 0, else pretty with that many
 * spaces a level.  Reals in their shortest round-trip form.
 */
int	 json_print(FILE *, json_t *, int indent);
/* Write one compact record and a newline, then flush; -1 on error. */
int	 jsonl_write(FILE *, json_t *);
/* jsonl_write, then json_decref; dies with the program's error style. */
void	 jsonl_emit(FILE *, json_t *);
/* Pretty JSON with a trailing newline (for manifests and reports). */
int	 json_write_pretty(FILE *, json_t *);

struct jsonl_reader {
	FILE		*fp;
	const char	*name;	/* for messages: a path or "-" */
	long		 line;	/* 1-based number of the last line read */
	char		*buf;
	size_t		 cap;
	size_t		 max;	/* longest line accepted */
};

void	 jsonl_open(struct jsonl_reader *, FILE *, const char *name);
/*
 * Next record, or NULL at end of input.  Blank lines are skipped.  On a
 * malformed or over-long line it returns NULL and fills err (which then
 * starts with the name and line number).
 */
json_t	*jsonl_next(struct jsonl_reader *, char *err, size_t errlen);
void	 jsonl_close(struct jsonl_reader *);

/* Load a whole JSON document from a path ("-" for stdin); NULL + err. */
json_t	*json_load_path(const char *path, char *err, size_t errlen);

/* Typed getters that accept only the named type; return -1 otherwise. */
int	 json_get_int(json_t *, const char *key, long long *);
int	 json_get_num(json_t *, const char *key, double *);
const char *json_get_str(json_t *, const char *key);

#endif
