/*
 * jsonio.c: JSON Lines reading and writing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonio.h"
#include "util.h"

#define JSONL_MAX_LINE	(64u << 20)
#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | \
			    JSON_REAL_PRECISION(17))

json_t *
json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int
jsonl_write(FILE *fp, json_t *rec)
{
	if (json_dumpf(rec, fp, DUMP_FLAGS) != 0)
		return -1;
	if (fputc('\n', fp) == EOF || fflush(fp) != 0)
		return -1;
	return 0;
}

void
jsonl_emit(FILE *fp, json_t *rec)
{
	int rc = jsonl_write(fp, rec);

	json_decref(rec);
	if (rc != 0)
		die("write error on output:");
}

int
json_write_pretty(FILE *fp, json_t *doc)
{
	if (json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17)) != 0)
		return -1;
	return fputc('\n', fp) == EOF ? -1 : 0;
}

void
jsonl_open(struct jsonl_reader *r, FILE *fp, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->name = name;
	r->max = JSONL_MAX_LINE;
}

/* Read one line into r->buf without its newline; -1 at EOF, -2 too long. */
static int
read_line(struct jsonl_reader *r, size_t *lenp)
{
	size_t len = 0;
	int c;

	while ((c = getc(r->fp)) != EOF) {
		if (c != '\n' && len >= r->max)
			return -2;
		if (len + 2 > r->cap) {
			r->cap = r->cap == 0 ? 4096 : r->cap * 2;
			r->buf = xrealloc(r->buf, r->cap);
		}
		if (c == '\n')
			break;
		r->buf[len++] = (char)c;
	}
	if (c == EOF && len == 0)
		return -1;
	if (r->buf == NULL)
		r->buf = xmalloc(r->cap = 4096);
	r->buf[len] = '\0';
	*lenp = len;
	return 0;
}

json_t *
jsonl_next(struct jsonl_reader *r, char *err, size_t errlen)
{
	json_error_t je;
	json_t *rec;
	size_t len, i;
	int rc;

	err[0] = '\0';
	for (;;) {
		rc = read_line(r, &len);
		if (rc == -1) {
			if (ferror(r->fp))
				snprintf(err, errlen, "%s: read error: %s",
				    r->name, strerror(errno));
			return NULL;
		}
		r->line++;
		if (rc == -2) {
			snprintf(err, errlen, "%s:%ld: line longer than %zu "
			    "bytes", r->name, r->line, r->max);
			return NULL;
		}
		for (i = 0; i < len; i++)
			if (!strchr(" \t\r", r->buf[i]))
				break;
		if (i < len)
			break;
	}
	rec = json_loadb(r->buf, len, 0, &je);
	if (rec == NULL) {
		snprintf(err, errlen, "%s:%ld: not JSON: %s", r->name,
		    r->line, je.text);
		return NULL;
	}
	return rec;
}

void
jsonl_close(struct jsonl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

json_t *
json_load_path(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	doc = json_loadf(fp, 0, &je);
	if (fp != stdin)
		fclose(fp);
	if (doc == NULL) {
		if (je.line <= 0)
			snprintf(err, errlen, "%s: not JSON: %s",
			    strcmp(path, "-") == 0 ? "stdin" : path, je.text);
		else
			snprintf(err, errlen, "%s:%d: not JSON: %s",
			    strcmp(path, "-") == 0 ? "stdin" : path, je.line,
			    je.text);
	}
	return doc;
}

int
json_get_int(json_t *obj, const char *key, long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

int
json_get_num(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 0;
}

const char *
json_get_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}
