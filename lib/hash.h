/*
 * hash.h: SHA-256 and MD5 through OpenSSL's libcrypto, as lowercase hex.
 */
#ifndef REPROKIT_HASH_H
#define REPROKIT_HASH_H

#include <stddef.h>

#define SHA256_HEX_LEN	64
#define MD5_HEX_LEN	32

struct hasher;

enum hash_kind { HASH_SHA256, HASH_MD5 };

struct hasher	*hasher_new(enum hash_kind);
void		 hasher_update(struct hasher *, const void *, size_t);
/* Writes the hex digest (NUL-terminated) and frees the hasher. */
void		 hasher_final(struct hasher *, char *hex);

void	sha256_hex(const void *, size_t, char hex[SHA256_HEX_LEN + 1]);
/* Hash a whole file; -1 and errno on a read error. */
int	hash_file(const char *path, enum hash_kind, char *hex,
	    long long *size);

#endif
