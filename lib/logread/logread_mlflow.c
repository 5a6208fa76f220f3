/*
 * logread_mlflow.c: the MLflow file store.  Reads a run directory's
 * metrics/<key> files (keys with "/" are nested directories), one line
 * "<ms-timestamp> <value> [<step>]" per logged value, and its params/ as
 * the meta.  A single metric file can be read alone too.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logread/logread_int.h"
#include "util.h"

#define ML_MAX_FILES	10000
#define ML_MAX_PARAM	65536

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of dir (no dot files); NULL on error. */
static char **
names(const char *dir, size_t *np)
{
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL && n < ML_MAX_FILES) {
		if (e->d_name[0] == '.')
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), name_cmp);
	*np = n;
	return v != NULL ? v : xcalloc(1, sizeof(*v));
}

/* Add every file under dir; key = path below metrics/. */
static void
walk(struct logreader *r, const char *dir, const char *key, int depth)
{
	struct stat sb;
	char **v, *p, *k;
	size_t n, i;

	if (depth > 8 || (v = names(dir, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", dir, v[i]);
		k = *key ? xasprintf("%s/%s", key, v[i]) : xstrdup(v[i]);
		if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			walk(r, p, k, depth + 1);
		else if (S_ISREG(sb.st_mode) && r->nfiles < ML_MAX_FILES) {
			r->files = xreallocarray(r->files,
			    (size_t)r->nfiles + 1, sizeof(*r->files));
			r->prefixes = xreallocarray(r->prefixes,
			    (size_t)r->nfiles + 1, sizeof(*r->prefixes));
			r->files[r->nfiles] = xstrdup(p);
			r->prefixes[r->nfiles++] = xstrdup(k);
		}
		free(p);
		free(k);
		free(v[i]);
	}
	free(v);
}

static void
params_load(struct logreader *r, const char *dir)
{
	char **v, *p, *buf;
	size_t n, i, got;
	FILE *fp;

	if ((v = names(dir, &n)) == NULL)
		return;
	buf = xmalloc(ML_MAX_PARAM + 1);
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", dir, v[i]);
		if ((fp = fopen(p, "rb")) != NULL) {
			got = fread(buf, 1, ML_MAX_PARAM, fp);
			fclose(fp);
			if (lr_utf8_ok(buf, got) && lr_utf8_ok(v[i],
			    strlen(v[i])))
				json_object_set_new(r->meta, v[i],
				    json_stringn(buf, got));
		}
		free(p);
		free(v[i]);
	}
	free(buf);
	free(v);
}

static int
ml_more(struct logreader *r)
{
	char *f[4], *s, *end;
	long long step = 0, ts;
	size_t len;
	double v;
	int rc, nf = 0;

	for (;;) {
		rc = lr_getline(&r->in, &len);
		if (rc == 0 || rc == -1)
			return 0;
		if (rc == 1 && len > 0)
			break;
		if (rc == -2)
			lr_warn(r, "%s:%lld: line too long, skipped",
			    r->curpath, r->in.lineno);
	}
	for (s = r->in.line; nf < 4; ) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		f[nf++] = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	if (nf < 2 || nf > 3)
		goto bad;
	errno = 0;
	ts = strtoll(f[0], &end, 10);
	if (*end != '\0' || errno != 0)
		goto bad;
	if (lr_num(f[1], strlen(f[1]), &v) == -1)
		goto bad;
	if (nf == 3) {
		step = strtoll(f[2], &end, 10);
		if (*end != '\0' || errno != 0)
			goto bad;
	}
	lr_push(r, "", 0, step, NAN, v, (double)ts / 1000, r->in.lineno);
	return 1;
bad:
	lr_warn(r, "%s:%lld: not \"timestamp value step\", skipped",
	    r->curpath, r->in.lineno);
	return 1;
}

/*
 * rundir NULL: a single metric file, already open; its key is the part of
 * the path after "/metrics/", else its name.
 */
int
lr_setup_mlflow(struct logreader *r, const char *rundir)
{
	const char *path, *m;
	char *p;

	r->more = ml_more;
	if (rundir == NULL) {
		path = r->files != NULL ? r->files[0] : "-";
		if ((m = strstr(path, "/metrics/")) != NULL)
			m += 9;
		else if ((m = strrchr(path, '/')) != NULL)
			m++;
		else
			m = path;
		if (!strcmp(m, "-"))
			m = "value";
		if (r->prefixes != NULL) {
			free(r->prefixes[0]);
			r->prefixes[0] = xstrdup(m);
			r->prefix = r->prefixes[0];
		}
		return 0;
	}
	if (r->meta == NULL)
		r->meta = json_object();
	p = xasprintf("%s/params", rundir);
	params_load(r, p);
	free(p);
	p = xasprintf("%s/metrics", rundir);
	walk(r, p, "", 0);
	free(p);
	if (r->nfiles == 0)
		return lr_fail(r, "%s: no metric files under metrics/",
		    rundir);
	return 0;
}
