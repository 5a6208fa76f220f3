/*
 * logread_yaml.c: the small part of YAML that hparams.yaml files use
 * (PyYAML's and OmegaConf's block style): mappings, sequences (also
 * "indentless" ones under a key), flow [..] and {..} of scalars, plain
 * and quoted scalars, comments, "!!python/tuple"-style tags.  Turns it
 * into JSON.  Anchors, multi-line strings and complex keys are not
 * understood: such values come out as strings or null.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

#define YAML_MAX_BYTES	(1 << 20)
#define YAML_MAX_DEPTH	32

struct yline {
	int	 indent;
	char	*text;		/* without indent, comment or trailing space */
};

struct yaml {
	struct yline	*l;
	int		 n, i;
	char		*err;
	size_t		 errlen;
	int		 failed;
};

static json_t *y_block(struct yaml *, int indent, int depth);
static json_t *y_flow(const char **, int depth);

static void
y_fail(struct yaml *y, int line, const char *what)
{
	if (!y->failed)
		snprintf(y->err, y->errlen, "line %d: %s", line, what);
	y->failed = 1;
}

/* Cut a comment (" #" outside quotes) and trailing blanks. */
static void
y_trim(char *s)
{
	char q = 0, *p, *end;

	for (p = s; *p != '\0'; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '\'' || *p == '"')
			q = *p;
		else if (*p == '#' && (p == s ||
		    isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

static json_t *
y_scalar_text(const char *s, size_t n)
{
	char buf[128], *end;
	long long ll;
	double d;

	if (n == 0 || (n == 1 && *s == '~') || (n == 4 && !strncmp(s, "null",
	    4)) || (n == 4 && !strncmp(s, "Null", 4)))
		return json_null();
	if ((n == 4 && (!strncmp(s, "true", 4) || !strncmp(s, "True", 4))))
		return json_true();
	if ((n == 5 && (!strncmp(s, "false", 5) || !strncmp(s, "False",
	    5))))
		return json_false();
	if (n < sizeof(buf)) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (!strcmp(buf, ".inf") || !strcmp(buf, "-.inf") ||
		    !strcmp(buf, ".nan"))
			return json_null();
		if (strpbrk(buf, "xXpP") == NULL && buf[0] != '+') {
			errno = 0;
			ll = strtoll(buf, &end, 10);
			if (*end == '\0' && end != buf && errno == 0)
				return json_integer(ll);
			d = strtod(buf, &end);
			if (*end == '\0' && end != buf && isfinite(d) &&
			    strpbrk(buf, "0123456789") != NULL)
				return json_real(d);
		}
	}
	return json_stringn(s, n);	/* NULL when not UTF-8 */
}

/* A quoted scalar at *sp; advances past it. */
static json_t *
y_quoted(const char **sp)
{
	const char *s = *sp;
	char q = *s++, *buf;
	size_t o = 0, cap = strlen(s) + 1;
	json_t *j;

	buf = xmalloc(cap);
	while (*s != '\0') {
		if (*s == q) {
			if (q == '\'' && s[1] == '\'') {
				buf[o++] = '\'';
				s += 2;
				continue;
			}
			s++;
			break;
		}
		if (q == '"' && *s == '\\' && s[1] != '\0') {
			s++;
			buf[o++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
			s++;
			continue;
		}
		buf[o++] = *s++;
	}
	*sp = s;
	j = lr_utf8_ok(buf, o) ? json_stringn(buf, o) : json_null();
	free(buf);
	return j;
}

static json_t *
y_value_text(const char *s)
{
	json_t *j;

	while (*s == '!') {		/* a tag: "!!python/tuple" */
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (*s == '[' || *s == '{')
		return y_flow(&s, 0);
	if (*s == '\'' || *s == '"')
		return y_quoted(&s);
	j = y_scalar_text(s, strlen(s));
	if (j == NULL)
		j = json_null();	/* invalid UTF-8 */
	return j;
}

/* Flow collections: [a, b], {k: v}, nested a few levels. */
static json_t *
y_flow(const char **sp, int depth)
{
	const char *s = *sp, *t;
	char open = *s, close = open == '[' ? ']' : '}';
	json_t *c, *v, *k;

	c = open == '[' ? json_array() : json_object();
	s++;
	for (;;) {
		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (*s == '\0' || *s == close) {
			if (*s)
				s++;
			break;
		}
		k = NULL;
		if (open == '{') {
			t = s;
			while (*s != '\0' && *s != ':' && *s != close)
				s++;
			k = y_scalar_text(t, (size_t)(s - t));
			if (*s == ':')
				s++;
			while (isspace((unsigned char)*s))
				s++;
		}
		if ((*s == '[' || *s == '{') && depth < YAML_MAX_DEPTH)
			v = y_flow(&s, depth + 1);
		else if (*s == '\'' || *s == '"')
			v = y_quoted(&s);
		else {
			t = s;
			while (*s != '\0' && *s != ',' && *s != close &&
			    *s != '[' && *s != '{')
				s++;
			while (s > t && isspace((unsigned char)s[-1]))
				s--;
			v = y_scalar_text(t, (size_t)(s - t));
			while (*s != '\0' && *s != ',' && *s != close)
				s++;
		}
		if (v == NULL)
			v = json_null();
		if (open == '[')
			json_array_append_new(c, v);
		else if (json_is_string(k))
			json_object_set_new(c, json_string_value(k), v);
		else
			json_decref(v);
		json_decref(k);
	}
	*sp = s;
	return c;
}

/* "key: rest" -> the key's end (the colon), or NULL. */
static char *
y_colon(char *s)
{
	char q = 0, *p;

	for (p = s; *p != '\0'; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (p == s && (*p == '\'' || *p == '"'))
			q = *p;
		else if (*p == ':' && (p[1] == '\0' || p[1] == ' '))
			return p;
	}
	return NULL;
}

static int
y_is_item(const char *t)
{
	return t[0] == '-' && (t[1] == '\0' || t[1] == ' ');
}

static json_t *
y_seq(struct yaml *y, int indent, int depth)
{
	json_t *a = json_array();
	struct yline *l;
	char *t;

	while (y->i < y->n && (l = &y->l[y->i])->indent == indent &&
	    y_is_item(l->text)) {
		t = l->text + 1;
		while (*t == ' ')
			t++;
		if (*t == '\0') {
			y->i++;
			json_array_append_new(a, y_block(y, indent + 1,
			    depth + 1));
		} else if (y_colon(t) != NULL && *t != '[' && *t != '{') {
			/* "- k: v": a mapping that starts on this line. */
			l->indent = indent + (int)(t - l->text);
			l->text = t;
			json_array_append_new(a, y_block(y, l->indent,
			    depth + 1));
		} else {
			y->i++;
			json_array_append_new(a, y_value_text(t));
		}
	}
	return a;
}

static json_t *
y_map(struct yaml *y, int indent, int depth)
{
	json_t *o = json_object(), *k, *v;
	struct yline *l;
	char *c, *rest;

	while (y->i < y->n && (l = &y->l[y->i])->indent == indent) {
		if (y_is_item(l->text) || (c = y_colon(l->text)) == NULL) {
			y_fail(y, y->i + 1, "expected \"key: value\"");
			break;
		}
		*c = '\0';
		rest = c + 1;
		while (*rest == ' ')
			rest++;
		k = y_value_text(l->text);
		y->i++;
		if (*rest == '\0' || (*rest == '!' && strchr(rest, ' ') ==
		    NULL)) {
			/* The value is the block below (or an indentless
			 * sequence at this same indent). */
			if (y->i < y->n && y->l[y->i].indent == indent &&
			    y_is_item(y->l[y->i].text))
				v = y_seq(y, indent, depth + 1);
			else
				v = y_block(y, indent + 1, depth + 1);
		} else
			v = y_value_text(rest);
		if (json_is_string(k))
			json_object_set_new(o, json_string_value(k), v);
		else {
			char *ks = json_dumps(k, JSON_ENCODE_ANY);

			json_object_set_new(o, ks != NULL ? ks : "?", v);
			free(ks);
		}
		json_decref(k);
	}
	return o;
}

/* The block at indent >= min_indent starting at the current line. */
static json_t *
y_block(struct yaml *y, int min_indent, int depth)
{
	struct yline *l;
	int ind;

	if (y->i >= y->n || y->l[y->i].indent < min_indent)
		return json_null();
	if (depth > YAML_MAX_DEPTH) {
		y_fail(y, y->i + 1, "nested too deeply");
		return json_null();
	}
	l = &y->l[y->i];
	ind = l->indent;
	if (y_is_item(l->text))
		return y_seq(y, ind, depth);
	if (y_colon(l->text) != NULL)
		return y_map(y, ind, depth);
	/* A lone scalar (or a multi-line one: its first line). */
	y->i++;
	while (y->i < y->n && y->l[y->i].indent > ind)
		y->i++;
	return y_value_text(l->text);
}

json_t *
lr_yaml_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct yaml y;
	char *buf, *p, *nl;
	json_t *j;
	int ind;

	memset(&y, 0, sizeof(y));
	y.err = err;
	y.errlen = errlen;
	buf = xmalloc(len + 1);
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (p = buf; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		for (ind = 0; p[ind] == ' '; ind++)
			;
		if (p[ind] == '\t') {
			free(y.l);
			free(buf);
			snprintf(err, errlen, "line %d: a tab in the "
			    "indentation", y.n + 1);
			return NULL;
		}
		y_trim(p + ind);
		if (p[ind] == '\0' || !strcmp(p + ind, "---") ||
		    !strcmp(p + ind, "..."))
			continue;
		y.l = xreallocarray(y.l, (size_t)y.n + 1, sizeof(*y.l));
		y.l[y.n].indent = ind;
		y.l[y.n++].text = p + ind;
	}
	j = y.n == 0 ? json_object() : y_block(&y, 0, 0);
	if (!y.failed && y.i < y.n)
		y_fail(&y, y.i + 1, "unexpected indentation");
	free(y.l);
	free(buf);
	if (y.failed) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *
lr_yaml_load(const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *buf, msg[200];
	size_t n;
	json_t *j;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(YAML_MAX_BYTES + 1);
	n = fread(buf, 1, YAML_MAX_BYTES + 1, fp);
	fclose(fp);
	if (n > YAML_MAX_BYTES) {
		free(buf);
		snprintf(err, errlen, "%s: over %d bytes, not read", path,
		    YAML_MAX_BYTES);
		return NULL;
	}
	j = lr_yaml_parse(buf, n, msg, sizeof(msg));
	free(buf);
	if (j == NULL)
		snprintf(err, errlen, "%s: %s", path, msg);
	return j;
}
