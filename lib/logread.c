/*
 * logread.c: open a training log of any supported kind, tell which kind
 * it is, and hand out its scalars one point at a time.  Reads files,
 * directories or stdin; writes nothing.  The format readers live in
 * lib/logread/; this file holds detection, the buffered input they share,
 * tag interning and the point queue.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logread.h"
#include "logread/logread_int.h"
#include "util.h"

const char *const logread_formats[] = {
	"rn-train", "lightning-csv", "tensorboard", "hf-trainer-state",
	"keras-csv", "mlflow", "detectron2", "mmcv", "mmengine", "timm",
	"csv", "jsonl", "regex", NULL
};

/* ---- buffered input ---- */

void
lr_in_init(struct lr_in *in, FILE *fp, int own)
{
	memset(in, 0, sizeof(*in));
	in->fp = fp;
	in->own = own;
	in->cap = LR_PEEK;
	in->buf = xmalloc(in->cap);
}

void
lr_in_free(struct lr_in *in)
{
	if (in->fp != NULL && in->own)
		fclose(in->fp);
	free(in->buf);
	free(in->line);
	memset(in, 0, sizeof(*in));
}

/* Keep at least n bytes (n <= cap) in the buffer if the file has them. */
static void
in_fill(struct lr_in *in, size_t n)
{
	size_t got;

	if (in->len - in->pos >= n || in->eof)
		return;
	if (in->pos > 0) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	while (in->len < n && !in->eof) {
		got = fread(in->buf + in->len, 1, in->cap - in->len, in->fp);
		in->len += got;
		if (got == 0) {
			in->eof = 1;
			if (ferror(in->fp))
				in->ioerr = errno ? errno : EIO;
		}
	}
}

size_t
lr_in_peek(struct lr_in *in, size_t n, const unsigned char **p)
{
	if (n > in->cap)
		n = in->cap;
	in_fill(in, n);
	*p = in->buf + in->pos;
	return in->len - in->pos < n ? in->len - in->pos : n;
}

size_t
lr_in_read(struct lr_in *in, void *dst, size_t n)
{
	size_t done = 0, k;

	while (done < n) {
		in_fill(in, 1);
		k = in->len - in->pos;
		if (k == 0)
			break;
		if (k > n - done)
			k = n - done;
		memcpy((char *)dst + done, in->buf + in->pos, k);
		in->pos += k;
		in->off += (long long)k;
		done += k;
	}
	return done;
}

size_t
lr_in_skip(struct lr_in *in, size_t n)
{
	size_t done = 0, k;

	while (done < n) {
		in_fill(in, 1);
		k = in->len - in->pos;
		if (k == 0)
			break;
		if (k > n - done)
			k = n - done;
		in->pos += k;
		in->off += (long long)k;
		done += k;
	}
	return done;
}

int
lr_getline(struct lr_in *in, size_t *lenp)
{
	size_t len = 0, k;
	unsigned char *nl;
	int toolong = 0;

	for (;;) {
		in_fill(in, 1);
		k = in->len - in->pos;
		if (k == 0) {
			if (in->ioerr)
				return -1;
			if (len == 0 && !toolong)
				return 0;
			break;
		}
		nl = memchr(in->buf + in->pos, '\n', k);
		if (nl != NULL)
			k = (size_t)(nl - (in->buf + in->pos));
		if (!toolong && len + k > LOGREAD_MAX_LINE)
			toolong = 1;
		if (!toolong) {
			if (len + k + 1 > in->linecap) {
				in->linecap = 2 * (len + k + 1) + 64;
				in->line = xrealloc(in->line, in->linecap);
			}
			memcpy(in->line + len, in->buf + in->pos, k);
			len += k;
		}
		in->pos += k;
		in->off += (long long)k;
		if (nl != NULL) {
			in->pos++;
			in->off++;
			break;
		}
	}
	in->lineno++;
	if (toolong)
		return -2;
	if (len > 0 && in->line[len - 1] == '\r')
		len--;
	if (in->line == NULL) {
		in->linecap = 64;
		in->line = xmalloc(in->linecap);
	}
	in->line[len] = '\0';
	*lenp = len;
	return 1;
}

/* ---- helpers for the readers ---- */

void
lr_warn(struct logreader *r, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->nwarn++;
	if (r->opts.warn != NULL)
		r->opts.warn(r->opts.warn_arg, msg);
	else
		warnmsg("%s", msg);
}

int
lr_fail(struct logreader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->failed = 1;
	return -1;
}

int
lr_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, j;
	unsigned c;

	while (i < n) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return 0;
		if (n - i < k + 1)
			return 0;
		for (j = 1; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		/* Overlong three/four-byte forms, surrogates, > U+10FFFF. */
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		i += k + 1;
	}
	return 1;
}

int
lr_num(const char *s, size_t n, double *out)
{
	char buf[64], *end;
	size_t i;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] == 'x' || s[i] == 'X' || s[i] == 'p' || s[i] == 'P')
			return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end != '\0' || end == buf)
		return -1;
	return 0;
}

static unsigned
tag_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
tag_grow(struct logreader *r)
{
	struct lr_tag *old = r->tags;
	size_t oldcap = r->tagcap, i, j;

	r->tagcap = oldcap ? 2 * oldcap : 64;
	r->tags = xcalloc(r->tagcap, sizeof(*r->tags));
	for (i = 0; i < oldcap; i++) {
		if (old[i].name == NULL)
			continue;
		for (j = old[i].hash & (r->tagcap - 1); r->tags[j].name;
		    j = (j + 1) & (r->tagcap - 1))
			;
		r->tags[j] = old[i];
	}
	free(old);
}

/* Intern a complete name; new names are also recorded as fields. */
static const char *
tag_intern(struct logreader *r, const char *name)
{
	unsigned h = tag_hash(name);
	size_t j;

	if (r->tagcap == 0 || 2 * (r->ntags + 1) > r->tagcap)
		tag_grow(r);
	for (j = h & (r->tagcap - 1); r->tags[j].name != NULL;
	    j = (j + 1) & (r->tagcap - 1))
		if (r->tags[j].hash == h && !strcmp(r->tags[j].name, name))
			return r->tags[j].name;
	if (r->ntags >= LOGREAD_MAX_TAGS) {
		if (!r->tagfull)
			lr_warn(r, "%s: more than %d distinct names; the rest "
			    "are ignored", r->curpath, LOGREAD_MAX_TAGS);
		r->tagfull = 1;
		return NULL;
	}
	r->tags[j].name = xstrdup(name);
	r->tags[j].hash = h;
	r->ntags++;
	json_array_append_new(r->fields, json_string(r->tags[j].name));
	return r->tags[j].name;
}

/* Names become JSON strings later: invalid UTF-8 turns into '?'. */
static char *
name_clean(struct logreader *r, const char *name, size_t len)
{
	const char *pre = r->prefix != NULL ? r->prefix : "";
	size_t pl = strlen(pre), i;
	char *s;

	s = xmalloc(pl + len + 2);
	memcpy(s, pre, pl);
	if (pl > 0 && len > 0)
		s[pl++] = '/';
	memcpy(s + pl, name, len);
	s[pl + len] = '\0';
	for (i = 0; i < pl + len; i++)
		if (s[i] == '\0')
			s[i] = '?';
	if (!lr_utf8_ok(s, pl + len))
		for (i = 0; i < pl + len; i++)
			if ((unsigned char)s[i] >= 0x80)
				s[i] = '?';
	return s;
}

const char *
lr_tag(struct logreader *r, const char *name, size_t len)
{
	const char *t;
	char *s;

	s = name_clean(r, name, len);
	t = tag_intern(r, s);
	free(s);
	return t;
}

void
lr_field(struct logreader *r, const char *name)
{
	(void)lr_tag(r, name, strlen(name));
}

void
lr_push(struct logreader *r, const char *tag, size_t taglen, long long step,
    double epoch, double value, double wall, long long pos)
{
	struct logpoint *p;
	const char *t;

	if ((t = lr_tag(r, tag, taglen)) == NULL)
		return;
	if (r->nq == r->qcap) {
		r->qcap = r->qcap ? 2 * r->qcap : 32;
		r->q = xreallocarray(r->q, r->qcap, sizeof(*r->q));
	}
	p = &r->q[r->nq++];
	p->tag = t;
	p->step = step;
	p->epoch = epoch;
	p->value = value;
	p->wall = wall;
	p->src = r->curpath;
	p->pos = pos;
}

/* ---- directories ---- */

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
path_join(const char *a, const char *b)
{
	size_t n = strlen(a);

	return xasprintf("%s%s%s", a, n > 0 && a[n - 1] == '/' ? "" : "/",
	    b);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory, sorted; NULL-terminated; NULL on error. */
static char **
dir_list(const char *dir, int *np)
{
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	int n = 0, cap = 0;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			v = xreallocarray(v, (size_t)cap, sizeof(*v));
		}
		v[n++] = xstrdup(e->d_name);
		if (n > 100000)
			break;
	}
	closedir(d);
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	qsort(v, (size_t)n, sizeof(*v), str_cmp);
	v[n] = NULL;
	*np = n;
	return v;
}

static void
list_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static void
add_file(struct logreader *r, const char *path, const char *prefix)
{
	r->files = xreallocarray(r->files, (size_t)r->nfiles + 1,
	    sizeof(*r->files));
	r->prefixes = xreallocarray(r->prefixes, (size_t)r->nfiles + 1,
	    sizeof(*r->prefixes));
	r->files[r->nfiles] = xstrdup(path);
	r->prefixes[r->nfiles] = prefix != NULL && *prefix != '\0' ?
	    xstrdup(prefix) : NULL;
	r->nfiles++;
}

/* Event files under dir (depth-first, names sorted), with prefixes. */
static void
find_events(struct logreader *r, const char *dir, const char *prefix,
    int depth)
{
	char **v, *p, *pre;
	int n, i;

	if (depth > 4 || (v = dir_list(dir, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		p = path_join(dir, v[i]);
		if (strstr(v[i], "tfevents") != NULL && is_file(p))
			add_file(r, p, prefix);
		free(p);
	}
	for (i = 0; i < n; i++) {
		p = path_join(dir, v[i]);
		if (is_dir(p)) {
			pre = *prefix ? xasprintf("%s/%s", prefix, v[i]) :
			    xstrdup(v[i]);
			find_events(r, p, pre, depth + 1);
			free(pre);
		}
		free(p);
	}
	list_free(v);
}

/* The checkpoint-N directory with the largest N that has the file. */
static char *
hf_latest(const char *dir)
{
	char **v, *p, *best = NULL, *end;
	long long n, bestn = -1;
	int cnt, i;

	if ((v = dir_list(dir, &cnt)) == NULL)
		return NULL;
	for (i = 0; i < cnt; i++) {
		if (strncmp(v[i], "checkpoint-", 11))
			continue;
		n = strtoll(v[i] + 11, &end, 10);
		if (*end != '\0' || n <= bestn)
			continue;
		p = xasprintf("%s/%s/trainer_state.json", dir, v[i]);
		if (is_file(p)) {
			free(best);
			best = p;
			bestn = n;
		} else
			free(p);
	}
	list_free(v);
	return best;
}

/* A directory holding exactly one MLflow run (run, experiment, mlruns). */
static char *
mlflow_run(const char *dir, int depth, int *nruns)
{
	char **v, *p, *m, *found = NULL, *sub;
	int n, i;

	m = path_join(dir, "metrics");
	if (is_dir(m)) {
		free(m);
		(*nruns)++;
		return xstrdup(dir);
	}
	free(m);
	if (depth >= 3 || (v = dir_list(dir, &n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		p = path_join(dir, v[i]);
		if (is_dir(p) && (sub = mlflow_run(p, depth + 1, nruns))) {
			free(found);
			found = sub;
		}
		free(p);
	}
	list_free(v);
	return found;
}

static int
suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* Lightning's hparams.yaml beside the log becomes the meta. */
static void
load_hparams(struct logreader *r, const char *dir)
{
	char *p, err[256];

	p = path_join(dir, "hparams.yaml");
	if (is_file(p)) {
		json_decref(r->meta);
		r->meta = lr_yaml_load(p, err, sizeof(err));
		if (r->meta == NULL)
			lr_warn(r, "%s", err);
	}
	free(p);
}

static int
detect_dir(struct logreader *r, const char *dir)
{
	char *p, **v;
	int n, i, nruns = 0;

	if (is_file(p = path_join(dir, "metrics.csv"))) {
		r->fmt = "lightning-csv";
		add_file(r, p, NULL);
		load_hparams(r, dir);
		free(p);
		return 0;
	}
	free(p);
	find_events(r, dir, "", 0);
	if (r->nfiles > 0) {
		r->fmt = "tensorboard";
		load_hparams(r, dir);
		return 0;
	}
	if (is_file(p = path_join(dir, "trainer_state.json")) ||
	    (free(p), p = hf_latest(dir)) != NULL) {
		r->fmt = "hf-trainer-state";
		add_file(r, p, NULL);
		free(p);
		return 0;
	}
	if ((p = mlflow_run(dir, 0, &nruns)) != NULL) {
		if (nruns > 1) {
			free(p);
			return lr_fail(r, "%s: holds %d MLflow runs; name one "
			    "run directory", dir, nruns);
		}
		r->fmt = "mlflow";
		i = lr_setup_mlflow(r, p);
		free(p);
		return i;
	}
	if (is_file(p = path_join(dir, "metrics.json"))) {
		r->fmt = "detectron2";
		add_file(r, p, NULL);
		free(p);
		return 0;
	}
	free(p);
	if (is_file(p = path_join(dir, "summary.csv"))) {
		r->fmt = "timm";
		add_file(r, p, NULL);
		free(p);
		return 0;
	}
	free(p);
	if (is_file(p = path_join(dir, "scalars.json")) ||
	    (free(p), is_file(p = path_join(dir, "vis_data/scalars.json")))) {
		r->fmt = "mmengine";
		add_file(r, p, NULL);
		free(p);
		return 0;
	}
	free(p);
	if ((v = dir_list(dir, &n)) == NULL)
		return lr_fail(r, "%s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++)
		if (suffix(v[i], ".log.json")) {
			p = path_join(dir, v[i]);
			add_file(r, p, NULL);
			free(p);
		}
	if (r->nfiles > 0) {
		list_free(v);
		r->fmt = "mmcv";
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!strncmp(v[i], "version_", 8))
			break;
	list_free(v);
	if (i < n)
		return lr_fail(r, "%s: holds Lightning version directories; "
		    "name one", dir);
	return lr_fail(r, "%s: no log found (looked for metrics.csv, "
	    "events.out.tfevents.*, trainer_state.json, an MLflow run, "
	    "metrics.json, summary.csv, scalars.json, *.log.json)", dir);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* Split a CSV header on sep into at most max names (no quotes). */
static int
header_has(const char *line, size_t len, char sep, const char *name,
    int prefix)
{
	size_t i = 0, j, nl = strlen(name);

	while (i <= len) {
		for (j = i; j < len && line[j] != sep; j++)
			;
		if (line[i] == '"' && j > i + 1 && line[j - 1] == '"') {
			if (prefix ? j - i - 2 >= nl &&
			    !strncmp(line + i + 1, name, nl) :
			    j - i - 2 == nl && !strncmp(line + i + 1, name, nl))
				return 1;
		} else if (prefix ? j - i >= nl && !strncmp(line + i, name, nl)
		    : j - i == nl && !strncmp(line + i, name, nl))
			return 1;
		i = j + 1;
	}
	return 0;
}

static int
first_col(const char *line, size_t len, char sep, const char *name)
{
	size_t nl = strlen(name);

	return len >= nl && !strncmp(line, name, nl) &&
	    (len == nl || line[nl] == sep);
}

static int
has_bytes(const char *s, size_t len, const char *pat)
{
	size_t n = strlen(pat), i;

	for (i = 0; i + n <= len; i++)
		if (s[i] == pat[0] && !memcmp(s + i, pat, n))
			return 1;
	return 0;
}

/* Whether s[0..len) is only white space. */
static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The first of the later whole lines of s that is a JSON object. */
static json_t *
next_object(const char *s, size_t len)
{
	const char *p = memchr(s, '\n', len), *e, *end = s + len;
	json_error_t je;
	json_t *o;

	for (; p != NULL && p + 1 < end; p = e) {
		p++;
		if ((e = memchr(p, '\n', end - p)) == NULL)
			return NULL;	/* cut by the sample's end */
		if ((o = json_loadb(p, e - p, 0, &je)) != NULL &&
		    json_is_object(o))
			return o;
		json_decref(o);
	}
	return NULL;
}

static int
detect_json(struct logreader *r, const char *name, const char *s,
    size_t len)
{
	json_t *o;
	json_error_t je;
	const char *t, *nl;
	size_t linelen;
	int one;		/* the first line is all the file holds */

	nl = memchr(s, '\n', len);
	linelen = nl != NULL ? (size_t)(nl - s) : len;
	o = json_loadb(s, linelen, 0, &je);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		/* One pretty document: a Trainer state if it says so. */
		if (has_bytes(s, len, "\"log_history\"") ||
		    !strcmp(base_name(name), "trainer_state.json")) {
			r->fmt = "hf-trainer-state";
			return 0;
		}
		/*
		 * JSON Lines whose first record JSON cannot hold (a NaN
		 * written by Python): judged by the next line that parses.
		 */
		o = next_object(s, len);
		if (o == NULL)
			return lr_fail(r, "%s: JSON but neither JSON Lines of "
			    "objects nor a trainer_state.json", name);
		one = 0;
	} else
		one = blank(s + linelen, len - linelen);
	/* A Trainer state written on one line is still one document. */
	if (one && (json_object_get(o, "log_history") != NULL ||
	    !strcmp(base_name(name), "trainer_state.json")))
		r->fmt = "hf-trainer-state";
	else if ((t = json_string_value(json_object_get(o, "type"))) != NULL &&
	    (!strcmp(t, "meta") || !strcmp(t, "step") || !strcmp(t, "eval")))
		r->fmt = "rn-train";
	else if (json_object_get(o, "iteration") != NULL)
		r->fmt = "detectron2";
	else if (suffix(name, ".log.json") || json_object_get(o, "mode") ||
	    json_object_get(o, "env_info") || json_object_get(o, "exp_name"))
		r->fmt = "mmcv";
	else if (!strcmp(base_name(name), "scalars.json") ||
	    (json_object_get(o, "step") && (json_object_get(o, "data_time") ||
	    json_object_get(o, "iter"))))
		r->fmt = "mmengine";
	else
		r->fmt = "jsonl";
	json_decref(o);
	return 0;
}

/* "1700000012250 0.1 49": an MLflow metric file line. */
static int
mlflow_line(const char *s, size_t len)
{
	size_t i = 0, fields = 0;

	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		fields++;
		while (i < len && s[i] != ' ') {
			if (fields != 2 && !isdigit((unsigned char)s[i]) &&
			    s[i] != '-')
				return 0;
			i++;
		}
	}
	return fields == 2 || fields == 3;
}

/* At most one byte in a hundred outside valid UTF-8 sequences. */
static int
utf8_mostly(const char *s, size_t n)
{
	size_t i, bad = 0, k;

	for (i = 0; i < n; i += k) {
		for (k = 1; k <= 4 && i + k <= n; k++)
			if (lr_utf8_ok(s + i, k))
				break;
		if (k > 4 || i + k > n) {
			bad++;
			k = 1;
		}
	}
	return bad * 100 <= n;
}

/* Text: no NUL, few control bytes, mostly valid UTF-8. */
static int
looks_like_text(const char *s, size_t n)
{
	size_t i, ctl = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			return 0;
		if ((unsigned char)s[i] < 0x20 && !strchr("\t\r\n\f", s[i]))
			ctl++;
	}
	if (ctl * 100 > n)
		return 0;
	/* A cut at the end of the peek may split a character. */
	return lr_utf8_ok(s, n > 4 ? n - 4 : n) || n < 64 ||
	    utf8_mostly(s, n);
}

static int
detect_content(struct logreader *r, const char *name)
{
	const unsigned char *p;
	const char *s, *nl;
	size_t n, linelen;
	char sep;
	unsigned c;

	n = lr_in_peek(&r->in, LR_PEEK, &p);
	if (n >= 12) {
		c = (unsigned)p[8] | (unsigned)p[9] << 8 |
		    (unsigned)p[10] << 16 | (unsigned)p[11] << 24;
		if (lr_crc_mask(lr_crc32c(p, 8)) == c) {
			r->fmt = "tensorboard";
			return 0;
		}
	}
	if (strstr(base_name(name), "tfevents") != NULL) {
		r->fmt = "tensorboard";
		return 0;
	}
	if (n == 0)
		return lr_fail(r, "%s: empty file", name);
	s = (const char *)p;
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n == 0)
		return lr_fail(r, "%s: no data, only white space", name);
	if (!looks_like_text(s, n))
		return lr_fail(r, "%s: binary data of no known log format",
		    name);
	if (*s == '{' || *s == '[')
		return detect_json(r, name, s, n);
	nl = memchr(s, '\n', n);
	linelen = nl != NULL ? (size_t)(nl - s) : n;
	if (linelen > 0 && s[linelen - 1] == '\r')
		linelen--;
	if (mlflow_line(s, linelen) && (strstr(name, "/metrics/") ||
	    memchr(s, ',', linelen) == NULL)) {
		r->fmt = "mlflow";
		return lr_setup_mlflow(r, NULL);
	}
	sep = memchr(s, ',', linelen) ? ',' : memchr(s, '\t', linelen) ?
	    '\t' : memchr(s, ';', linelen) ? ';' : 0;
	if (sep == 0)
		return lr_fail(r, "%s: cannot tell the log format (plain text "
		    "needs -f regex with a pattern)", name);
	if (!strcmp(base_name(name), "metrics.csv") ||
	    (header_has(s, linelen, sep, "step", 0) &&
	    header_has(s, linelen, sep, "lr-", 1)))
		r->fmt = "lightning-csv";
	else if (first_col(s, linelen, sep, "epoch") &&
	    (!strcmp(base_name(name), "summary.csv") ||
	    header_has(s, linelen, sep, "eval_top1", 0) ||
	    header_has(s, linelen, sep, "eval_loss", 0)))
		r->fmt = "timm";
	else if (first_col(s, linelen, sep, "epoch"))
		r->fmt = "keras-csv";
	else
		r->fmt = "csv";
	return 0;
}

/* ---- open, next, close ---- */

static int
fmt_known(const char *f)
{
	int i;

	for (i = 0; logread_formats[i] != NULL; i++)
		if (!strcmp(f, logread_formats[i]))
			return i;
	return -1;
}

static int
setup(struct logreader *r)
{
	const char *f = r->fmt;

	if (r->begin != NULL || r->more != NULL)
		return 0;		/* set up during detection */
	if (!strcmp(f, "tensorboard"))
		return lr_setup_tfevents(r);
	if (!strcmp(f, "hf-trainer-state"))
		return lr_setup_hf(r);
	if (!strcmp(f, "mlflow"))
		return lr_setup_mlflow(r, NULL);
	if (!strcmp(f, "regex"))
		return lr_setup_regex(r);
	if (!strcmp(f, "lightning-csv") || !strcmp(f, "keras-csv") ||
	    !strcmp(f, "timm") || !strcmp(f, "csv"))
		return lr_setup_csv(r);
	return lr_setup_jsonl(r);
}

static struct logreader *
reader_new(const char *format, const struct logread_opts *o)
{
	struct logreader *r;

	r = xcalloc(1, sizeof(*r));
	if (o != NULL)
		r->opts = *o;
	r->fields = json_array();
	r->curfile = -1;
	if (format != NULL)
		r->fmt = logread_formats[fmt_known(format)];
	return r;
}

static struct logreader *
open_fail(struct logreader *r, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", r->err);
	logread_close(r);
	return NULL;
}

static struct logreader *
open_fail_msg(struct logreader *r, char *err, size_t errlen,
    const char *path, const char *want)
{
	snprintf(err, errlen, "%s: a directory of %s logs, not %s", path,
	    r->fmt, want);
	logread_close(r);
	return NULL;
}

/* Open file i of the list (detect its format if still unknown). */
static int
open_file(struct logreader *r, int i)
{
	FILE *fp;

	if (r->opened)
		lr_in_free(&r->in);
	r->opened = 0;
	free(r->curpath);
	r->curpath = xstrdup(r->files[i]);
	r->prefix = r->prefixes[i];
	if ((fp = fopen(r->files[i], "rb")) == NULL)
		return lr_fail(r, "%s: %s", r->files[i], strerror(errno));
	lr_in_init(&r->in, fp, 1);
	r->opened = 1;
	r->curfile = i;
	return r->begin != NULL ? r->begin(r) : 0;
}

struct logreader *
logread_open_opts(const char *path, const char *format,
    const struct logread_opts *o, char *err, size_t errlen)
{
	struct logreader *r;
	FILE *fp;

	if (format != NULL && fmt_known(format) == -1) {
		snprintf(err, errlen, "unknown log format \"%s\"", format);
		return NULL;
	}
	if (!strcmp(path, "-"))
		return logread_open_stream(stdin, "-", format, o, err, errlen);
	r = reader_new(format, o);
	if (is_dir(path)) {
		const char *want = r->fmt;

		r->fmt = NULL;
		if (detect_dir(r, path) == -1)
			return open_fail(r, err, errlen);
		if (want != NULL && strcmp(want, r->fmt)) {
			if (!strcmp(r->fmt, "mlflow") ||
			    !strcmp(want, "mlflow"))
				return open_fail_msg(r, err, errlen, path,
				    want);
			r->fmt = want;	/* the caller knows better */
		}
		if (setup(r) == -1 || (r->nfiles > 0 &&
		    open_file(r, 0) == -1))
			return open_fail(r, err, errlen);
		return r;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		logread_close(r);
		return NULL;
	}
	add_file(r, path, NULL);
	r->curpath = xstrdup(path);
	r->curfile = 0;
	lr_in_init(&r->in, fp, 1);
	r->opened = 1;
	if (r->fmt == NULL && detect_content(r, path) == -1)
		return open_fail(r, err, errlen);
	if (!strcmp(r->fmt, "lightning-csv") && strchr(path, '/') != NULL) {
		char *dir = xstrdup(path);

		*strrchr(dir, '/') = '\0';
		load_hparams(r, dir);
		free(dir);
	}
	if (setup(r) == -1 || (r->begin != NULL && r->begin(r) == -1))
		return open_fail(r, err, errlen);
	return r;
}

struct logreader *
logread_open(const char *path, const char *format, char *err,
    size_t errlen)
{
	return logread_open_opts(path, format, NULL, err, errlen);
}

struct logreader *
logread_open_stream(FILE *fp, const char *name, const char *format,
    const struct logread_opts *o, char *err, size_t errlen)
{
	struct logreader *r;

	if (format != NULL && fmt_known(format) == -1) {
		snprintf(err, errlen, "unknown log format \"%s\"", format);
		return NULL;
	}
	r = reader_new(format, o);
	add_file(r, name, NULL);
	r->curpath = xstrdup(name);
	r->curfile = 0;
	lr_in_init(&r->in, fp, 0);
	r->opened = 1;
	if (r->fmt == NULL && detect_content(r, name) == -1)
		return open_fail(r, err, errlen);
	if (setup(r) == -1 || (r->begin != NULL && r->begin(r) == -1))
		return open_fail(r, err, errlen);
	return r;
}

int
logread_next(struct logreader *r, struct logpoint *pt)
{
	int rc;

	if (r->failed)
		return -1;
	for (;;) {
		if (r->iq < r->nq) {
			*pt = r->q[r->iq++];
			return 1;
		}
		r->iq = r->nq = 0;
		if (r->curfile < 0 || !r->opened)
			return 0;
		rc = r->more(r);
		if (rc == -1) {
			r->failed = 1;
			return -1;
		}
		if (rc == 1)
			continue;
		if (r->in.ioerr)
			return lr_fail(r, "%s: read error: %s", r->curpath,
			    strerror(r->in.ioerr));
		if (r->curfile + 1 >= r->nfiles) {
			lr_in_free(&r->in);
			r->opened = 0;
			return 0;
		}
		if (open_file(r, r->curfile + 1) == -1)
			return -1;
	}
}

const char *
logread_error(struct logreader *r)
{
	return r->err[0] != '\0' ? r->err : "no error";
}

const char *
logread_format(struct logreader *r)
{
	return r->fmt;
}

json_t *
logread_yaml_load(const char *path, char *err, size_t errlen)
{
	return lr_yaml_load(path, err, errlen);
}

json_t *
logread_meta(struct logreader *r)
{
	return r->meta;
}

json_t *
logread_fields(struct logreader *r)
{
	return r->fields;
}

long long
logread_nwarnings(struct logreader *r)
{
	return r->nwarn;
}

void
logread_close(struct logreader *r)
{
	size_t i;
	int k;

	if (r == NULL)
		return;
	if (r->fini != NULL)
		r->fini(r);
	if (r->opened)
		lr_in_free(&r->in);
	for (k = 0; k < r->nfiles; k++) {
		free(r->files[k]);
		free(r->prefixes[k]);
	}
	free(r->files);
	free(r->prefixes);
	free(r->curpath);
	for (i = 0; i < r->tagcap; i++)
		free(r->tags[i].name);
	free(r->tags);
	free(r->q);
	json_decref(r->meta);
	json_decref(r->fields);
	free(r);
}
