/*
 * logread_csv.c: CSV logs: Lightning CSVLogger metrics.csv, Keras
 * CSVLogger, timm summary.csv, and any CSV with a step column.  Reads
 * one line at a time (RFC 4180 quoting inside a line), columns by header
 * name.  A line equal to the header is skipped (timm writes one per
 * restart); a line that looks like a new header replaces it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

enum csv_kind { CSV_LIGHTNING, CSV_KERAS, CSV_TIMM, CSV_ANY };

struct csv {
	enum csv_kind	 kind;
	char		 sep;
	char		**hdr;		/* column names */
	char		*told;		/* per column: bad cell warned of */
	int		 ncol;
	int		 stepcol, epochcol;
	/* The split fields of the current line. */
	char		*buf;
	size_t		 bufcap;
	char		**f;
	int		 nf, fcap;
};

static const char *const step_keys[] = {
	"step", "iter", "iteration", "global_step", "_step", "epoch", NULL
};

/* Split line into st->f; -1 on an unterminated quote. */
static int
csv_split(struct csv *st, const char *line, size_t len)
{
	size_t i = 0, o = 0;
	int quoted;

	if (len + 1 > st->bufcap) {
		st->bufcap = 2 * len + 64;
		st->buf = xrealloc(st->buf, st->bufcap);
	}
	st->nf = 0;
	for (;;) {
		if (st->nf == st->fcap) {
			st->fcap = st->fcap ? 2 * st->fcap : 16;
			st->f = xreallocarray(st->f, (size_t)st->fcap,
			    sizeof(*st->f));
		}
		st->f[st->nf++] = st->buf + o;
		quoted = i < len && line[i] == '"';
		if (quoted) {
			for (i++; ; i++) {
				if (i >= len)
					return -1;
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"')
						i++;
					else
						break;
				}
				st->buf[o++] = line[i];
			}
			i++;
			if (i < len && line[i] != st->sep)
				return -1;
		} else
			while (i < len && line[i] != st->sep)
				st->buf[o++] = line[i++];
		st->buf[o++] = '\0';
		if (i >= len)
			break;
		i++;		/* the separator */
	}
	return 0;
}

static void
hdr_free(struct csv *st)
{
	int i;

	for (i = 0; i < st->ncol; i++)
		free(st->hdr[i]);
	free(st->hdr);
	free(st->told);
	st->hdr = NULL;
	st->told = NULL;
	st->ncol = 0;
}

static int
col_of(struct csv *st, const char *name)
{
	int i;

	for (i = 0; i < st->ncol; i++)
		if (!strcmp(st->hdr[i], name))
			return i;
	return -1;
}

/* Take the split fields as the header. */
static int
hdr_set(struct logreader *r, struct csv *st)
{
	int i;

	hdr_free(st);
	st->hdr = xcalloc((size_t)st->nf, sizeof(*st->hdr));
	st->told = xcalloc((size_t)st->nf, 1);
	for (i = 0; i < st->nf; i++) {
		st->hdr[i] = xstrdup(st->f[i]);
		lr_field(r, st->hdr[i]);
	}
	st->ncol = st->nf;
	st->stepcol = st->epochcol = -1;
	st->epochcol = col_of(st, "epoch");
	switch (st->kind) {
	case CSV_LIGHTNING:
		st->stepcol = col_of(st, "step");
		if (st->stepcol == -1)
			return lr_fail(r, "%s:%lld: no \"step\" column in the "
			    "header", r->curpath, r->in.lineno);
		break;
	case CSV_KERAS:
	case CSV_TIMM:
		if (st->epochcol == -1)
			return lr_fail(r, "%s:%lld: no \"epoch\" column in "
			    "the header", r->curpath, r->in.lineno);
		break;
	case CSV_ANY:
		if (r->opts.step_key != NULL) {
			st->stepcol = col_of(st, r->opts.step_key);
			if (st->stepcol == -1)
				return lr_fail(r, "%s: no column \"%s\"",
				    r->curpath, r->opts.step_key);
		} else
			for (i = 0; step_keys[i] != NULL; i++)
				if ((st->stepcol = col_of(st,
				    step_keys[i])) != -1)
					break;
		if (st->stepcol == st->epochcol)
			st->stepcol = -1;
		break;
	}
	return 0;
}

static int
is_header_again(struct csv *st)
{
	int i;

	if (st->nf != st->ncol)
		return 0;
	for (i = 0; i < st->nf; i++)
		if (strcmp(st->f[i], st->hdr[i]))
			return 0;
	return 1;
}

/* No cell is a number and one names the step or epoch column. */
static int
looks_like_header(struct csv *st)
{
	double d;
	int i, named = 0;

	for (i = 0; i < st->nf; i++) {
		if (st->f[i][0] == '\0' ||
		    lr_num(st->f[i], strlen(st->f[i]), &d) == 0)
			return 0;
		if (!strcmp(st->f[i], "step") || !strcmp(st->f[i], "epoch"))
			named = 1;
	}
	return named;
}

static void
csv_row(struct logreader *r, struct csv *st)
{
	long long step = -1;
	double ep = NAN, d;
	const char *c;
	int i;

	if (st->stepcol >= 0) {
		c = st->f[st->stepcol];
		if (lr_num(c, strlen(c), &d) == -1 || d != floor(d) ||
		    fabs(d) > 9e15) {
			if (*c != '\0')
				lr_warn(r, "%s:%lld: step \"%.40s\" is not a "
				    "whole number, line skipped", r->curpath,
				    r->in.lineno, c);
			return;
		}
		step = (long long)d;
	}
	if (st->epochcol >= 0) {
		c = st->f[st->epochcol];
		if (lr_num(c, strlen(c), &d) == 0)
			ep = d;
	}
	for (i = 0; i < st->nf; i++) {
		if (i == st->stepcol || i == st->epochcol)
			continue;
		c = st->f[i];
		if (*c == '\0' || !strcmp(c, "NA"))
			continue;
		if (lr_num(c, strlen(c), &d) == -1) {
			/* Once a column: a log can hold many. */
			if (!st->told[i])
				lr_warn(r, "%s:%lld: %s: '%.40s' is not a "
				    "number; such cells are skipped",
				    r->curpath, r->in.lineno, st->hdr[i], c);
			st->told[i] = 1;
			continue;
		}
		lr_push(r, st->hdr[i], strlen(st->hdr[i]), step, ep, d, NAN,
		    r->in.lineno);
	}
}

static int
csv_more(struct logreader *r)
{
	struct csv *st = r->st;
	size_t len;
	char *line;
	int rc;

	for (;;) {
		rc = lr_getline(&r->in, &len);
		if (rc == 0 || rc == -1)
			return 0;
		if (rc == -2) {
			lr_warn(r, "%s:%lld: line longer than %d bytes, "
			    "skipped", r->curpath, r->in.lineno,
			    LOGREAD_MAX_LINE);
			continue;
		}
		if (len > 0)
			break;
	}
	line = r->in.line;
	if (st->ncol == 0 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	if (csv_split(st, line, len) == -1) {
		if (st->ncol == 0)
			return lr_fail(r, "%s:%lld: unterminated quote in the "
			    "header", r->curpath, r->in.lineno);
		lr_warn(r, "%s:%lld: unterminated quote, line skipped",
		    r->curpath, r->in.lineno);
		return 1;
	}
	if (st->ncol == 0)
		return hdr_set(r, st) == -1 ? -1 : 1;
	if (is_header_again(st)) {
		if (st->kind != CSV_TIMM)
			lr_warn(r, "%s:%lld: the header again (a restart "
			    "appending to the file?)", r->curpath,
			    r->in.lineno);
		return 1;
	}
	if (looks_like_header(st)) {
		lr_warn(r, "%s:%lld: a new header; columns from here on are "
		    "read by it", r->curpath, r->in.lineno);
		return hdr_set(r, st) == -1 ? -1 : 1;
	}
	if (st->nf != st->ncol) {
		lr_warn(r, "%s:%lld: %d fields where the header has %d, line "
		    "skipped", r->curpath, r->in.lineno, st->nf, st->ncol);
		return 1;
	}
	csv_row(r, st);
	return 1;
}

static int
csv_begin(struct logreader *r)
{
	struct csv *st = r->st;
	const unsigned char *p;
	size_t n, i;

	hdr_free(st);
	n = lr_in_peek(&r->in, 4096, &p);
	if (n == 0)
		return lr_fail(r, "%s: empty file", r->curpath);
	st->sep = ',';
	for (i = 0; i < n && p[i] != '\n'; i++)
		if (p[i] == ',')
			break;
	if (i == n || p[i] == '\n') {
		if (memchr(p, '\t', i) != NULL)
			st->sep = '\t';
		else if (memchr(p, ';', i) != NULL)
			st->sep = ';';
	}
	return 0;
}

static void
csv_fini(struct logreader *r)
{
	struct csv *st = r->st;

	if (st == NULL)
		return;
	hdr_free(st);
	free(st->buf);
	free(st->f);
	free(st);
	r->st = NULL;
}

int
lr_setup_csv(struct logreader *r)
{
	struct csv *st;

	st = xcalloc(1, sizeof(*st));
	if (!strcmp(r->fmt, "lightning-csv"))
		st->kind = CSV_LIGHTNING;
	else if (!strcmp(r->fmt, "keras-csv"))
		st->kind = CSV_KERAS;
	else if (!strcmp(r->fmt, "timm"))
		st->kind = CSV_TIMM;
	else
		st->kind = CSV_ANY;
	r->st = st;
	r->begin = csv_begin;
	r->more = csv_more;
	r->fini = csv_fini;
	return 0;
}
