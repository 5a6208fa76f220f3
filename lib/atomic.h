/*
 * atomic.h: whole-file writes that either land completely or not at all.
 *
 * A file is written to a temporary name in the same directory, flushed,
 * fsync(2)ed and renamed over the target; the directory is fsynced too.
 * Until commit, nothing is visible under the target name.
 */
#ifndef REPROKIT_ATOMIC_H
#define REPROKIT_ATOMIC_H

#include <stdio.h>

struct afile {
	FILE	*fp;
	char	*path;		/* final name */
	char	*tmp;		/* temporary name, NULL once committed */
};

/* Open a temporary file beside path; -1 and errno on failure. */
int	afile_open(struct afile *, const char *path);
/* Flush, fsync, rename into place; -1 and errno on failure (tmp removed). */
int	afile_commit(struct afile *);
/* Close and remove the temporary file; safe to call twice. */
void	afile_abort(struct afile *);

/* Write a buffer to path atomically; -1 and errno on failure. */
int	write_file_atomic(const char *path, const void *, size_t);

/* fsync the directory that holds path (so a rename survives a crash). */
int	fsync_parent(const char *path);

/*
 * Remove a directory tree that this process created (no symlinks are
 * followed).  Used to clean up half-built outputs.
 */
int	remove_tree(const char *dir);

#endif
