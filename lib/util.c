/*
 * util.c: error reporting, checked allocation and number parsing shared by
 * every program.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static const char *prog = "reprokit";
static void (*cleanup_hook)(void);

void
set_progname(const char *argv0)
{
	const char *p;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	prog = p != NULL ? p + 1 : argv0;
}

const char *
progname(void)
{
	return prog;
}

void
atexit_cleanup(void (*fn)(void))
{
	cleanup_hook = fn;
}

static void
vwarn_(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t len = strlen(fmt);

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
warnmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_(fmt, ap);
	va_end(ap);
}

void
die_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_(fmt, ap);
	va_end(ap);
	if (cleanup_hook != NULL) {
		void (*fn)(void) = cleanup_hook;

		cleanup_hook = NULL;
		fn();
	}
	exit(status);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_(fmt, ap);
	va_end(ap);
	if (cleanup_hook != NULL) {
		void (*fn)(void) = cleanup_hook;

		cleanup_hook = NULL;
		fn();
	}
	exit(EXIT_BAD);
}

/* Print the message and the usage line, then exit 2. */
void
usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarn_(fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "usage: %s %s\n", prog, usage);
	exit(EXIT_BAD);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		die("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n == 0 ? 1 : n);

	if (p == NULL)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		die("out of memory: %zu x %zu bytes overflows", n, size);
	return xrealloc(old, n * size);
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("formatting failed");
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* 64-byte aligned buffers keep AVX-512 loads on one cache line. */
void *
xaligned_alloc(size_t align, size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, align, n == 0 ? align : n) != 0)
		die("out of memory allocating %zu aligned bytes", n);
	return p;
}

int
parse_long(const char *s, long lo, long hi, long *out, const char **errstr)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (isspace((unsigned char)*s)) {	/* strtol would skip it */
		*errstr = "not an integer";
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0') {
		*errstr = "not an integer";
		return -1;
	}
	if (errno == ERANGE || v < lo) {
		*errstr = v < lo ? "too small" : "out of range";
		return -1;
	}
	if (v > hi) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_double(const char *s, double lo, double hi, double *out,
    const char **errstr)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (isspace((unsigned char)*s)) {	/* strtod would skip it */
		*errstr = "not a number";
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0') {
		*errstr = "not a number";
		return -1;
	}
	if (errno == ERANGE || !isfinite(v)) {
		*errstr = "out of range";
		return -1;
	}
	if (v < lo) {
		*errstr = "too small";
		return -1;
	}
	if (v > hi) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

long
opt_long(const char *usage, const char *opt, const char *s, long lo,
    long hi)
{
	const char *why;
	long v;

	if (parse_long(s, lo, hi, &v, &why) != 0)
		usage_error(usage, "%s %s: %s", opt, s, why);
	return v;
}

double
opt_double(const char *usage, const char *opt, const char *s, double lo,
    double hi)
{
	const char *why;
	double v;

	if (parse_double(s, lo, hi, &v, &why) != 0)
		usage_error(usage, "%s %s: %s", opt, s, why);
	return v;
}

void
close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fclose(stdout);
		die("write error on standard output:");
	}
	if (fclose(stdout) != 0)
		die("write error on standard output:");
}

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t
read_capped(FILE *fp, const char *path, char *buf, size_t max)
{
	size_t len = 0, n;

	errno = 0;
	while ((n = fread(buf + len, 1, max + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp)) {
		if (errno != 0)
			die("%s:", path);
		die("%s: read error", path);
	}
	if (len > max)
		die("%s: over %zu bytes", path, max);
	return len;
}
