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

json_t *
json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
 * Jansson prints reals with a fixed 17 digits, so 0.1 would read
 * 0.10000000000000001.  Print the shortest text that reads back to the same
 * double instead, as jq does, and keep a ".0" so a real stays a real.
 */
static int
put_real(FILE *fp, double v)
{
	char buf[40];
	int prec;

	if (!isfinite(v))
		return fputs("null", fp) == EOF ? -1 : 0;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (strspn(buf, "-0123456789") == strlen(buf))
		strcat(buf, ".0");
	return fputs(buf, fp) == EOF ? -1 : 0;
}

static int
put_indent(FILE *fp, int indent, int depth)
{
	int i;

	if (indent <= 0)
		return 0;
	if (fputc('\n', fp) == EOF)
		return -1;
	for (i = 0; i < indent * depth; i++)
		if (fputc(' ', fp) == EOF)
			return -1;
	return 0;
}

static int
put_value(FILE *fp, json_t *v, int indent, int depth)
{
	const char *key, *sep = indent > 0 ? ": " : ":";
	json_t *item;
	size_t i, n;
	int rc;

	switch (json_typeof(v)) {
	case JSON_REAL:
		return put_real(fp, json_real_value(v));
	case JSON_OBJECT:
		if (json_object_size(v) == 0)
			return fputs("{}", fp) == EOF ? -1 : 0;
		if (fputc('{', fp) == EOF)
			return -1;
		n = 0;
		json_object_foreach(v, key, item) {
			json_t *k = json_string(key);

			if ((n++ > 0 && fputc(',', fp) == EOF) ||
			    put_indent(fp, indent, depth + 1) != 0) {
				json_decref(k);
				return -1;
			}
			rc = json_dumpf(k, fp, JSON_ENCODE_ANY);
			json_decref(k);
			if (rc != 0 || fputs(sep, fp) == EOF ||
			    put_value(fp, item, indent, depth + 1) != 0)
				return -1;
		}
		if (put_indent(fp, indent, depth) != 0)
			return -1;
		return fputc('}', fp) == EOF ? -1 : 0;
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return fputs("[]", fp) == EOF ? -1 : 0;
		if (fputc('[', fp) == EOF)
			return -1;
		json_array_foreach(v, i, item) {
			if ((i > 0 && fputc(',', fp) == EOF) ||
			    put_indent(fp, indent, depth + 1) != 0 ||
			    put_value(fp, item, indent, depth + 1) != 0)
				return -1;
		}
		if (put_indent(fp, indent, depth) != 0)
			return -1;
		return fputc(']', fp) == EOF ? -1 : 0;
	default:
		return json_dumpf(v, fp, JSON_ENCODE_ANY);
	}
}

int
json_print(FILE *fp, json_t *v, int indent)
{
	return put_value(fp, v, indent, 0);
}

int
jsonl_write(FILE *fp, json_t *rec)
{
	if (json_print(fp, rec, 0) != 0)
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
	if (json_print(fp, doc, 2) != 0)
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
