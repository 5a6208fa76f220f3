/*
 * util.h: the one error style every reprokit program speaks, checked
 * allocation, and strict number parsing.
 *
 * Messages read "prog: subject: reason".  A format that ends in ':' gets
 * ": strerror(errno)" appended, so die("%s:", path) says why open failed.
 */
#ifndef REPROKIT_UTIL_H
#define REPROKIT_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses shared by every program (see the man pages). */
enum {
	EXIT_OK = 0,		/* success; for checkers, nothing found */
	EXIT_FOUND = 1,		/* a checker found a deviation */
	EXIT_BAD = 2		/* usage, I/O or malformed input */
};

#ifndef REPROKIT_VERSION
#define REPROKIT_VERSION "0.1.0"
#endif

void		 set_progname(const char *);
const char	*progname(void);

void		 warnmsg(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 die_status(int, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));
void		 usage_error(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

/* Hook run by die() before exiting: removes half-written outputs. */
void		 atexit_cleanup(void (*)(void));

void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xasprintf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		*xaligned_alloc(size_t, size_t);

/*
 * Strict parsers: the whole string must be a number within [lo, hi].
 * They return 0 on success and -1 (with *errstr set) otherwise.
 */
int		 parse_long(const char *, long, long, long *, const char **);
int		 parse_double(const char *, double, double, double *,
		    const char **);

/*
 * An option's number within [lo, hi], or a usage error that names the
 * option, the value and why ("-b 0: too small"), then the usage line.
 */
long		 opt_long(const char *usage, const char *opt, const char *s,
		    long lo, long hi);
double		 opt_double(const char *usage, const char *opt, const char *s,
		    double lo, double hi);

/* Flush and close stdout; die on a write error (ENOSPC, EPIPE, ...). */
void		 close_stdout(void);
/*
 * Read all of fp (named path in messages) into buf, which holds max + 1
 * bytes; the length.  Dies on a read error ("path: Is a directory", say)
 * or past max bytes.
 */
size_t		 read_capped(FILE *fp, const char *path, char *buf, size_t max);

/* Wall-clock seconds from a monotonic clock. */
double		 now_s(void);

#endif
