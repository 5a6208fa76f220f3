/*
 * cifar-fetch: download (or take) the CIFAR-10 binary archive, check it,
 * and unpack the batches into DIR/cifar-10-batches-bin.
 *
 * Reads: an archive from a URL (libcurl, resumable) or a local file.
 * Writes: the checked members, unpacked in a temporary directory and then
 * renamed into place, plus cifar-fetch.json beside them; the JSON manifest
 * (doc/FORMATS.md) on stdout.  It never unpacks a member it does not know
 * by name, and never follows or creates links.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <jansson.h>

#include "atomic.h"
#include "cifar.h"
#include "hash.h"
#include "jsonio.h"
#include "util.h"

#define USAGE	"[-kNq] [-a archive | -u url] [-m md5] [-o dir] [-r retries]"
#define PART_NAME	"cifar-10-binary.tar.gz.part"
#define KEEP_NAME	"cifar-10-binary.tar.gz"
#define STAMP_NAME	"cifar-fetch.json"
#define META_MAX	4096L	/* batches.meta.txt is 61 bytes */
#define OTHER_MAX	65536L	/* readme.html, read and dropped */

struct opts {
	const char	*archive;	/* -a: a local archive */
	const char	*url;		/* -u */
	const char	*md5;		/* -m: expected archive MD5 or NULL */
	const char	*outdir;	/* -o */
	int		 keep;		/* -k: keep the downloaded archive */
	int		 noverify;	/* -N */
	int		 quiet;		/* -q */
	long		 retries;	/* -r */
};

/* What was learnt of one member while unpacking or re-reading it. */
struct mstate {
	const struct cifar_member *m;
	int		 seen;
	long long	 bytes;
	uint32_t	 records;
	char		 sha256[SHA256_HEX_LEN + 1];
};

/* The archive as it passes through the reader. */
struct ainfo {
	int		 fd;
	struct hasher	*md5, *sha;
	long long	 bytes;
	char		 md5_hex[MD5_HEX_LEN + 1];
	char		 sha_hex[SHA256_HEX_LEN + 1];
	unsigned char	 buf[1 << 16];
};

/* Removed by cleanup() when the program dies. */
static char *tmpdir;
static char *made_outdir;
static char *drop_file;		/* a finished download that failed */
static volatile sig_atomic_t interrupted;

static void
cleanup(void)
{
	if (tmpdir != NULL) {
		(void)remove_tree(tmpdir);
		tmpdir = NULL;
	}
	if (drop_file != NULL) {
		(void)unlink(drop_file);
		drop_file = NULL;
	}
	if (made_outdir != NULL) {
		(void)rmdir(made_outdir);	/* only if still empty */
		made_outdir = NULL;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
check_interrupt(void)
{
	if (interrupted)
		die("interrupted");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "archive",	required_argument,	NULL, 'a' },
		{ "keep",	no_argument,		NULL, 'k' },
		{ "md5",	required_argument,	NULL, 'm' },
		{ "no-verify",	no_argument,		NULL, 'N' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "retries",	required_argument,	NULL, 'r' },
		{ "url",	required_argument,	NULL, 'u' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *errstr;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->outdir = "cifar-10";
	o->retries = 3;
	while ((c = getopt_long(argc, argv, "a:km:No:qr:u:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			o->archive = optarg;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'm':
			o->md5 = optarg;
			break;
		case 'N':
			o->noverify = 1;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			if (parse_long(optarg, 0, 100, &o->retries,
			    &errstr) != 0)
				usage_error(USAGE, "-r %s: %s", optarg,
				    errstr);
			break;
		case 'u':
			o->url = optarg;
			break;
		default:
			usage_error(USAGE, NULL);
		}
	}
	if (optind != argc)
		usage_error(USAGE, "%s: unexpected operand", argv[optind]);
	if (o->archive != NULL && o->url != NULL)
		usage_error(USAGE, "-a and -u exclude each other");
	if (*o->outdir == '\0')
		usage_error(USAGE, "-o: empty directory name");
	if (o->md5 != NULL) {
		for (i = 0; o->md5[i] != '\0'; i++)
			if (strchr("0123456789abcdef", o->md5[i]) == NULL)
				break;
		if (i != MD5_HEX_LEN || o->md5[i] != '\0')
			usage_error(USAGE, "-m %s: not 32 lowercase hex "
			    "digits", o->md5);
	}
	if (o->url == NULL && o->archive == NULL)
		o->url = CIFAR_URL;
	if (o->md5 == NULL && o->url != NULL && strcmp(o->url, CIFAR_URL) == 0)
		o->md5 = CIFAR_ARCHIVE_MD5;
}

/*
 * Map a member's path to an official member name.  Returns the member, or
 * NULL with *what set to "dir" (the directory itself), "other" (readme.html,
 * skipped), or an error phrase.
 */
static const struct cifar_member *
member_of(const char *path, const char **what)
{
	const struct cifar_member *m;
	const char *p = path, *base, *q;
	size_t n = strlen(CIFAR_DIRNAME);

	while (strncmp(p, "./", 2) == 0)
		p += 2;
	*what = "unsafe member path";
	if (*p == '/' || *p == '\0')
		return NULL;
	for (q = p; q != NULL; q = strchr(q, '/')) {
		if (*q == '/')
			q++;
		if (strncmp(q, "..", 2) == 0 && (q[2] == '/' || q[2] == '\0'))
			return NULL;
	}
	base = p;
	if (strncmp(p, CIFAR_DIRNAME, n) == 0 && (p[n] == '/' ||
	    p[n] == '\0')) {
		base = p + n;
		while (*base == '/')
			base++;
		if (*base == '\0') {
			*what = "dir";
			return NULL;
		}
	}
	*what = "unexpected member";
	if (strchr(base, '/') != NULL)
		return NULL;
	if ((m = cifar_member_find(base)) != NULL)
		return m;
	if (strcmp(base, "readme.html") == 0)
		*what = "other";
	return NULL;
}

static la_ssize_t
ainfo_read(struct archive *a, void *arg, const void **bufp)
{
	struct ainfo *ai = arg;
	ssize_t n;

	do
		n = read(ai->fd, ai->buf, sizeof(ai->buf));
	while (n == -1 && errno == EINTR && !interrupted);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	hasher_update(ai->md5, ai->buf, (size_t)n);
	hasher_update(ai->sha, ai->buf, (size_t)n);
	ai->bytes += n;
	*bufp = ai->buf;
	return n;
}

/* Hash whatever the reader left unread, then finish both digests. */
static void
ainfo_finish(struct ainfo *ai, const char *path)
{
	const void *p;
	ssize_t n;

	while ((n = ainfo_read(NULL, ai, &p)) > 0)
		check_interrupt();
	if (n < 0)
		die("%s:", path);
	hasher_final(ai->md5, ai->md5_hex);
	hasher_final(ai->sha, ai->sha_hex);
	ai->md5 = ai->sha = NULL;
}

/* Most bytes a member may have: its official size, or a cap. */
static long long
member_cap(const struct cifar_member *m, int noverify)
{
	if (m->records == 0)
		return META_MAX;
	if (noverify)
		return CIFAR_BATCH_MAX;
	return (long long)m->records * CIFAR_REC_BYTES;
}

static void
write_all(int fd, const unsigned char *p, size_t n, const char *path)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			die("%s:", path);
		p += w;
		n -= (size_t)w;
	}
}

/* Copy one member's data into dir/name, checking records as they pass. */
static void
member_write(struct archive *a, const char *apath, const char *dir,
    struct mstate *ms, int noverify)
{
	char *path = xasprintf("%s/%s", dir, ms->m->name);
	struct hasher *h = hasher_new(HASH_SHA256);
	long long cap = member_cap(ms->m, noverify), off = 0, i;
	unsigned char buf[1 << 16];
	la_ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd == -1)
		die("%s:", path);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		check_interrupt();
		if (off + n > cap)
			die("%s: %s: more than %lld bytes", apath, ms->m->name,
			    cap);
		for (i = 0; ms->m->records != 0 && i < n; i++)
			if ((off + i) % CIFAR_REC_BYTES == 0 &&
			    buf[i] >= CIFAR_NCLASS)
				die("%s: %s: record %lld: label %u is not "
				    "0..9", apath, ms->m->name,
				    (off + i) / CIFAR_REC_BYTES, buf[i]);
		write_all(fd, buf, (size_t)n, path);
		hasher_update(h, buf, (size_t)n);
		off += n;
	}
	if (n < 0)
		die("%s: %s", apath, archive_error_string(a));
	if (fsync(fd) != 0 || close(fd) != 0)
		die("%s:", path);
	hasher_final(h, ms->sha256);
	ms->bytes = off;
	ms->records = (uint32_t)(off / CIFAR_REC_BYTES);
	ms->seen = 1;
	free(path);
}

/* Skip a member's data, refusing it when it is larger than cap. */
static void
member_skip(struct archive *a, const char *apath, const char *name,
    long long cap)
{
	unsigned char buf[1 << 14];
	long long off = 0;
	la_ssize_t n;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if ((off += n) > cap)
			die("%s: %s: more than %lld bytes", apath, name, cap);
	if (n < 0)
		die("%s: %s", apath, archive_error_string(a));
}

/* Check one entry's header; returns the member to unpack, or NULL. */
static struct mstate *
entry_check(struct archive_entry *e, const char *apath, struct mstate *ms,
    int noverify)
{
	const struct cifar_member *m;
	const char *path = archive_entry_pathname(e), *what;
	mode_t type = archive_entry_filetype(e);
	int i;

	if (path == NULL)
		die("%s: member without a name", apath);
	m = member_of(path, &what);
	if (m == NULL && strcmp(what, "dir") == 0) {
		if (type != AE_IFDIR)
			die("%s: %s: not a directory", apath, path);
		return NULL;
	}
	if (m == NULL && strcmp(what, "other") != 0)
		die("%s: %s: %s", apath, path, what);
	if (type != AE_IFREG || archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL)
		die("%s: %s: not a regular file", apath, path);
	if (archive_entry_size_is_set(e) && archive_entry_size(e) >
	    (m != NULL ? member_cap(m, noverify) : OTHER_MAX))
		die("%s: %s: %lld bytes is too large", apath, path,
		    (long long)archive_entry_size(e));
	if (m == NULL)
		return NULL;
	for (i = 0; i < CIFAR_NMEMBER; i++)
		if (ms[i].m == m)
			break;
	if (ms[i].seen)
		die("%s: %s: member appears twice", apath, path);
	return &ms[i];
}

/*
 * Check what was unpacked or found: every member present, batch sizes
 * whole records, and, unless noverify, each SHA-256 the official one.
 * Returns 0, or -1 with a message naming the first problem.
 */
static int
members_check(struct mstate *ms, int noverify, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < CIFAR_NMEMBER; i++) {
		if (!ms[i].seen) {
			snprintf(err, errlen, "missing member %s",
			    ms[i].m->name);
			return -1;
		}
		if (ms[i].m->records != 0 && (ms[i].bytes == 0 ||
		    ms[i].bytes % CIFAR_REC_BYTES != 0)) {
			snprintf(err, errlen, "%s: %lld bytes is not a whole "
			    "number of %d-byte records", ms[i].m->name,
			    ms[i].bytes, CIFAR_REC_BYTES);
			return -1;
		}
		if (!noverify && strcmp(ms[i].sha256, ms[i].m->sha256) != 0) {
			snprintf(err, errlen, "%s: sha256 %s, expected %s",
			    ms[i].m->name, ms[i].sha256, ms[i].m->sha256);
			return -1;
		}
	}
	return 0;
}

static void
mstate_init(struct mstate *ms)
{
	int i;

	memset(ms, 0, sizeof(*ms) * CIFAR_NMEMBER);
	for (i = 0; i < CIFAR_NMEMBER; i++)
		ms[i].m = &cifar_members[i];
}

/* Read the class names: ten non-empty printable lines. */
static int
classes_read(const char *dir, json_t **out, char *err, size_t errlen)
{
	char *path = xasprintf("%s/batches.meta.txt", dir), *s, *line, *save;
	uint8_t *buf;
	size_t len, i;
	json_t *arr;
	int rc;

	rc = cifar_slurp(path, META_MAX, &buf, &len, NULL, err, errlen);
	free(path);
	if (rc != 0)
		return -1;
	s = xmalloc(len + 1);
	memcpy(s, buf, len);
	s[len] = '\0';
	free(buf);
	for (i = 0; i < len; i++)
		if ((s[i] < ' ' && s[i] != '\n' && s[i] != '\r') ||
		    s[i] > '~')
			break;
	arr = json_array();
	for (line = strtok_r(s, "\r\n", &save); i == len && line != NULL;
	    line = strtok_r(NULL, "\r\n", &save))
		json_array_append_new(arr, json_string(line));
	free(s);
	if (i != len || json_array_size(arr) != CIFAR_NCLASS) {
		snprintf(err, errlen, "batches.meta.txt: not %d class names, "
		    "one a line", CIFAR_NCLASS);
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/* Unpack the archive into dir; fills ms and ai.  Dies on any problem. */
static void
unpack(const char *apath, const char *dir, struct mstate *ms,
    struct ainfo *ai, const struct opts *o)
{
	struct archive *a;
	struct archive_entry *e;
	struct mstate *m;
	char err[512];
	int r;

	if ((ai->fd = open(apath, O_RDONLY)) == -1)
		die("%s:", apath);
	ai->md5 = hasher_new(HASH_MD5);
	ai->sha = hasher_new(HASH_SHA256);
	ai->bytes = 0;
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, ai, NULL, ainfo_read, NULL) != ARCHIVE_OK)
		goto bad;
	for (;;) {
		check_interrupt();
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			goto bad;
		if ((m = entry_check(e, apath, ms, o->noverify)) != NULL)
			member_write(a, apath, dir, m, o->noverify);
		else
			member_skip(a, apath, archive_entry_pathname(e),
			    OTHER_MAX);
	}
	ainfo_finish(ai, apath);
	archive_read_free(a);
	close(ai->fd);
	if (o->md5 != NULL && !o->noverify && strcmp(o->md5, ai->md5_hex))
		die("%s: MD5 %s, expected %s", apath, ai->md5_hex, o->md5);
	if (members_check(ms, o->noverify, err, sizeof(err)) != 0)
		die("%s: %s", apath, err);
	return;
bad:
	snprintf(err, sizeof(err), "%s", archive_error_string(a));
	/* A wrong download is better reported by its MD5 than its shape. */
	if (o->md5 != NULL && !o->noverify) {
		ainfo_finish(ai, apath);
		if (strcmp(o->md5, ai->md5_hex) != 0)
			die("%s: MD5 %s, expected %s", apath, ai->md5_hex,
			    o->md5);
	}
	die("%s: %s", apath, err);
}

/* Re-read an existing directory's members; 0 when they pass. */
static int
dir_check(const char *dir, struct mstate *ms, int noverify, char *err,
    size_t errlen)
{
	uint8_t *buf;
	size_t len;
	char *path;
	int i, rc;

	mstate_init(ms);
	for (i = 0; i < CIFAR_NMEMBER; i++) {
		check_interrupt();
		path = xasprintf("%s/%s", dir, ms[i].m->name);
		rc = cifar_slurp(path, member_cap(ms[i].m, noverify), &buf,
		    &len, ms[i].sha256, err, errlen);
		free(path);
		if (rc != 0)
			return -1;
		if (ms[i].m->records != 0 && cifar_check_batch(buf, len,
		    ms[i].m->name, NULL, err, errlen) != 0) {
			free(buf);
			return -1;
		}
		free(buf);
		ms[i].seen = 1;
		ms[i].bytes = (long long)len;
		ms[i].records = (uint32_t)(len / CIFAR_REC_BYTES);
	}
	return members_check(ms, noverify, err, errlen);
}

static json_t *
files_json(const struct mstate *ms)
{
	json_t *files = json_array(), *f;
	int i;

	for (i = 0; i < CIFAR_NMEMBER; i++) {
		f = json_object();
		json_object_set_new(f, "name", json_string(ms[i].m->name));
		json_object_set_new(f, "sha256", json_string(ms[i].sha256));
		if (ms[i].m->records != 0)
			json_object_set_new(f, "records",
			    json_integer(ms[i].records));
		json_object_set_new(f, "role", json_string(ms[i].m->role));
		json_array_append_new(files, f);
	}
	return files;
}

static json_t *
manifest_new(json_t *source, json_t *archive, int verified, const char *dir,
    const struct mstate *ms, json_t *classes)
{
	json_t *man = json_object();

	json_object_set_new(man, "type", json_string("cifar-fetch"));
	json_object_set_new(man, "dataset", json_string("cifar-10"));
	json_object_set_new(man, "source", source);
	json_object_set_new(man, "archive", archive);
	json_object_set_new(man, "verified", json_boolean(verified));
	json_object_set_new(man, "directory", json_string(dir));
	json_object_set_new(man, "files", files_json(ms));
	json_object_set_new(man, "classes", classes);
	return man;
}

static void
manifest_print(json_t *man)
{
	if (json_write_pretty(stdout, man) != 0)
		die("write error on standard output:");
	json_decref(man);
	close_stdout();
}

static void
progress_show(long long base, long long now, long long total)
{
	if (total > 0)
		fprintf(stderr, "\r%s: %.1f of %.1f MiB", progname(),
		    (double)(base + now) / 1048576.0,
		    (double)(base + total) / 1048576.0);
	else
		fprintf(stderr, "\r%s: %.1f MiB", progname(),
		    (double)(base + now) / 1048576.0);
}

/* Progress on stderr while downloading; also the way out on a signal. */
static int
xfer_progress(void *arg, curl_off_t total, curl_off_t now, curl_off_t ut,
    curl_off_t un)
{
	const long long *base = arg;
	static double last;
	double t;

	(void)ut;
	(void)un;
	if (interrupted)
		return 1;
	if (base[1] == 0 || now == 0 || (t = now_s()) - last < 0.5)
		return 0;
	last = t;
	progress_show(base[0], now, total);
	return 0;
}

static size_t
xfer_write(char *p, size_t size, size_t n, void *arg)
{
	return fwrite(p, size, n, arg) * size;
}

/*
 * One transfer into part, appending from its current size.  Returns the
 * curl code; *status gets the HTTP status.
 */
static CURLcode
xfer_once(CURL *c, const char *url, const char *part, int progress,
    long *status, char *cerr)
{
	long long base[2];
	struct stat st;
	CURLcode rc;
	FILE *fp;

	if ((fp = fopen(part, "ab")) == NULL)
		die("%s:", part);
	if (fstat(fileno(fp), &st) != 0)
		die("%s:", part);
	base[0] = (long long)st.st_size;
	base[1] = progress;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cifar-fetch/"
	    REPROKIT_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, fp);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)base);
	curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
	    (curl_off_t)st.st_size);
	cerr[0] = '\0';
	rc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (progress) {
		curl_off_t now = 0, total = -1;

		curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &now);
		curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &total);
		progress_show(base[0], now, total);
		fputc('\n', stderr);
	}
	if (fclose(fp) != 0 && rc == CURLE_OK)
		die("%s:", part);
	return rc;
}

/* Download url into part, resuming and retrying.  Dies on failure. */
static void
download(const char *url, const char *part, const struct opts *o)
{
	char cerr[CURL_ERROR_SIZE];
	struct stat st;
	int progress = !o->quiet && isatty(STDERR_FILENO);
	long status, tries;
	CURLcode rc;
	CURL *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (c = curl_easy_init()) == NULL)
		die("libcurl: cannot start");
	for (tries = 0;; tries++) {
		rc = xfer_once(c, url, part, progress, &status, cerr);
		check_interrupt();
		if (rc == CURLE_OK)
			break;
		if (rc == CURLE_HTTP_RETURNED_ERROR && status == 416)
			break;		/* already whole; the checks decide */
		if (rc == CURLE_RANGE_ERROR) {
			/* The server cannot resume: start again. */
			if (truncate(part, 0) != 0)
				die("%s:", part);
		} else if (rc != CURLE_PARTIAL_FILE &&
		    rc != CURLE_RECV_ERROR && rc != CURLE_GOT_NOTHING &&
		    rc != CURLE_OPERATION_TIMEDOUT && rc != CURLE_SEND_ERROR)
			tries = o->retries;
		if (tries >= o->retries) {
			curl_easy_cleanup(c);
			if (stat(part, &st) == 0 && st.st_size == 0)
				(void)unlink(part);
			die("%s: %s", url, cerr[0] != '\0' ? cerr :
			    curl_easy_strerror(rc));
		}
		if (!o->quiet)
			warnmsg("%s: %s; resuming", url, cerr[0] != '\0' ?
			    cerr : curl_easy_strerror(rc));
		sleep(1);
	}
	curl_easy_cleanup(c);
	curl_global_cleanup();
}

static json_t *
archive_json(const char *path, const struct ainfo *ai)
{
	json_t *a = json_object();

	json_object_set_new(a, "path", path != NULL ? json_string(path) :
	    json_null());
	json_object_set_new(a, "bytes", json_integer(ai->bytes));
	json_object_set_new(a, "md5", json_string(ai->md5_hex));
	json_object_set_new(a, "sha256", json_string(ai->sha_hex));
	json_object_set_new(a, "official", json_boolean(
	    ai->bytes == CIFAR_ARCHIVE_BYTES &&
	    strcmp(ai->md5_hex, CIFAR_ARCHIVE_MD5) == 0));
	return a;
}

/*
 * The data are already there: check them and print the manifest, with
 * the source recorded when they were fetched.  Returns -1 when dir is
 * missing; dies when it is there but does not pass.
 */
static int
reuse(const char *dir, const struct opts *o)
{
	struct mstate ms[CIFAR_NMEMBER];
	json_t *stamp, *classes, *src, *arc;
	char err[512], *path;
	struct stat st;

	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT)
			return -1;
		die("%s:", dir);
	}
	if (!S_ISDIR(st.st_mode))
		die("%s: exists and is not a directory", dir);
	if (dir_check(dir, ms, o->noverify, err, sizeof(err)) != 0 ||
	    classes_read(dir, &classes, err, sizeof(err)) != 0)
		die("%s: exists but does not pass the checks (%s); remove "
		    "it to fetch again", dir, err);
	path = xasprintf("%s/%s", dir, STAMP_NAME);
	stamp = json_load_path(path, err, sizeof(err));
	free(path);
	src = json_object_get(stamp, "source");
	arc = json_object_get(stamp, "archive");
	src = json_is_string(src) ? json_incref(src) : json_string(dir);
	arc = json_is_object(arc) ? json_incref(arc) : json_null();
	json_decref(stamp);
	check_interrupt();
	if (o->noverify)
		warnmsg("warning: checksums not verified (-N)");
	manifest_print(manifest_new(src, arc, !o->noverify, dir, ms,
	    classes));
	return 0;
}

/* Record the manifest beside the data, so a re-run can print it again. */
static void
stamp_write(const char *dir, json_t *man)
{
	char *path = xasprintf("%s/%s", dir, STAMP_NAME);
	struct afile af;

	if (afile_open(&af, path) != 0)
		die("%s:", path);
	if (json_write_pretty(af.fp, man) != 0) {
		afile_abort(&af);
		die("%s: write error", path);
	}
	if (afile_commit(&af) != 0)
		die("%s:", path);
	free(path);
}

/* An absolute path for the output directory, made if missing. */
static char *
outdir_make(const char *dir)
{
	char *abs;

	if (mkdir(dir, 0755) == 0)
		made_outdir = xstrdup(dir);
	else if (errno != EEXIST)
		die("%s:", dir);
	if ((abs = realpath(dir, NULL)) == NULL)
		die("%s:", dir);
	if (made_outdir != NULL) {
		free(made_outdir);
		made_outdir = xstrdup(abs);
	}
	return abs;
}

static void
signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct mstate ms[CIFAR_NMEMBER];
	struct ainfo *ai;
	struct opts o;
	json_t *classes, *man;
	char err[512], *out, *final, *apath, *part = NULL, *kept = NULL;
	char *tmp;
	int rc;

	set_progname(argv[0]);
	parse_args(argc, argv, &o);
	signals_catch();
	atexit_cleanup(cleanup);
	out = outdir_make(o.outdir);
	final = xasprintf("%s/%s", out, CIFAR_DIRNAME);
	if (reuse(final, &o) == 0) {
		free(made_outdir);
		free(final);
		free(out);
		return EXIT_OK;
	}
	if (o.archive != NULL) {
		if ((apath = realpath(o.archive, NULL)) == NULL)
			die("%s:", o.archive);
	} else {
		part = xasprintf("%s/%s", out, PART_NAME);
		download(o.url, part, &o);
		drop_file = part;	/* whole now: never resume from it */
		apath = part;
	}
	tmp = xasprintf("%s/.%s.XXXXXX", out, CIFAR_DIRNAME);
	if (mkdtemp(tmp) == NULL)
		die("%s:", out);
	tmpdir = tmp;
	if (chmod(tmpdir, 0755) != 0)
		die("%s:", tmpdir);
	mstate_init(ms);
	ai = xmalloc(sizeof(*ai));
	unpack(apath, tmpdir, ms, ai, &o);
	if (classes_read(tmpdir, &classes, err, sizeof(err)) != 0)
		die("%s: %s", apath, err);
	if (part != NULL && o.keep)
		kept = xasprintf("%s/%s", out, KEEP_NAME);
	man = manifest_new(json_string(o.archive != NULL ? apath : o.url),
	    archive_json(part != NULL ? kept : apath, ai), !o.noverify, final,
	    ms, classes);
	stamp_write(tmpdir, man);
	check_interrupt();
	if (rename(tmpdir, final) != 0)
		die("%s:", final);
	free(tmpdir);
	tmpdir = NULL;
	free(made_outdir);
	made_outdir = NULL;
	(void)fsync_parent(final);
	drop_file = NULL;
	if (kept != NULL && rename(part, kept) != 0)
		die("%s:", kept);
	if (part != NULL && kept == NULL)
		(void)unlink(part);
	if (o.noverify)
		warnmsg("warning: checksums not verified (-N)");
	manifest_print(man);
	rc = EXIT_OK;
	free(ai);
	if (apath != part)
		free(apath);
	free(part);
	free(kept);
	free(final);
	free(out);
	return rc;
}
