/*
 * atomic.c: temporary file, fsync, rename.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "util.h"

static mode_t
umask_get(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

int
afile_open(struct afile *af, const char *path)
{
	int fd;

	af->fp = NULL;
	af->path = xstrdup(path);
	af->tmp = xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(af->tmp);
	if (fd == -1)
		goto fail;
	/* mkstemp makes 0600; outputs are ordinary files. */
	(void)fchmod(fd, 0644 & ~umask_get());
	af->fp = fdopen(fd, "w");
	if (af->fp == NULL) {
		int e = errno;

		close(fd);
		unlink(af->tmp);
		errno = e;
		goto fail;
	}
	return 0;
fail:
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return -1;
}

int
afile_commit(struct afile *af)
{
	int e;

	if (fflush(af->fp) != 0 || ferror(af->fp))
		goto fail;
	if (fsync(fileno(af->fp)) != 0)
		goto fail;
	if (fclose(af->fp) != 0) {
		af->fp = NULL;
		goto fail;
	}
	af->fp = NULL;
	if (rename(af->tmp, af->path) != 0)
		goto fail;
	(void)fsync_parent(af->path);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return 0;
fail:
	e = errno;
	afile_abort(af);
	errno = e;
	return -1;
}

void
afile_abort(struct afile *af)
{
	if (af->fp != NULL) {
		fclose(af->fp);
		af->fp = NULL;
	}
	if (af->tmp != NULL) {
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
	}
	free(af->path);
	af->path = NULL;
}

int
write_file_atomic(const char *path, const void *buf, size_t n)
{
	struct afile af;
	int e;

	if (afile_open(&af, path) != 0)
		return -1;
	if (n > 0 && fwrite(buf, 1, n, af.fp) != n) {
		e = errno;
		afile_abort(&af);
		errno = e;
		return -1;
	}
	return afile_commit(&af);
}

int
fsync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	free(copy);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p) == 0 || errno == ENOENT ? 0 : -1;
	return unlink(p) == 0 || errno == ENOENT ? 0 : -1;
}

int
remove_tree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
