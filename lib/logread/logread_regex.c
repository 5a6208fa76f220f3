/*
 * logread_regex.c: plain-text logs through a POSIX extended regular
 * expression.  With two groups the first is the step and the second the
 * value; with one, the value (step -1).  Lines that do not match are
 * passed over.
 */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

struct rx {
	regex_t		 re;
	int		 ngroups;
	const char	*tag;
};

static int
rx_more(struct logreader *r)
{
	struct rx *st = r->st;
	regmatch_t m[3];
	long long step = -1;
	size_t len;
	double v, s;
	int rc;

	for (;;) {
		rc = lr_getline(&r->in, &len);
		if (rc == 0 || rc == -1)
			return 0;
		if (rc == 1)
			break;
	}
	if (regexec(&st->re, r->in.line, 3, m, 0) != 0)
		return 1;
	if (st->ngroups >= 2) {
		if (m[1].rm_so < 0 || lr_num(r->in.line + m[1].rm_so,
		    (size_t)(m[1].rm_eo - m[1].rm_so), &s) == -1 ||
		    !(fabs(s) < 9e15) || s != floor(s))
			return 1;
		step = (long long)s;
	}
	rc = st->ngroups >= 2 ? 2 : 1;
	if (m[rc].rm_so < 0 || lr_num(r->in.line + m[rc].rm_so,
	    (size_t)(m[rc].rm_eo - m[rc].rm_so), &v) == -1)
		return 1;
	lr_push(r, st->tag, strlen(st->tag), step, NAN, v, NAN,
	    r->in.lineno);
	return 1;
}

static void
rx_fini(struct logreader *r)
{
	struct rx *st = r->st;

	if (st == NULL)
		return;
	regfree(&st->re);
	free(st);
	r->st = NULL;
}

int
lr_setup_regex(struct logreader *r)
{
	struct rx *st;
	char msg[200];
	int rc;

	if (r->opts.regex == NULL)
		return lr_fail(r, "the regex format needs a pattern");
	st = xcalloc(1, sizeof(*st));
	if ((rc = regcomp(&st->re, r->opts.regex, REG_EXTENDED)) != 0) {
		regerror(rc, &st->re, msg, sizeof(msg));
		free(st);
		return lr_fail(r, "bad pattern \"%s\": %s", r->opts.regex,
		    msg);
	}
	st->ngroups = (int)st->re.re_nsub;
	if (st->ngroups == 0) {
		regfree(&st->re);
		free(st);
		return lr_fail(r, "pattern \"%s\" needs a group around the "
		    "value, e.g. \"lr=([0-9.e-]+)\"", r->opts.regex);
	}
	st->tag = r->opts.regex_tag != NULL ? r->opts.regex_tag : "lr";
	r->st = st;
	r->more = rx_more;
	r->fini = rx_fini;
	return 0;
}
