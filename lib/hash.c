/*
 * hash.c: digests through libcrypto's EVP interface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "hash.h"
#include "util.h"

struct hasher {
	EVP_MD_CTX	*ctx;
};

struct hasher *
hasher_new(enum hash_kind kind)
{
	struct hasher *h = xmalloc(sizeof(*h));
	const EVP_MD *md = kind == HASH_MD5 ? EVP_md5() : EVP_sha256();

	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
		die("libcrypto: cannot start a digest");
	return h;
}

void
hasher_update(struct hasher *h, const void *buf, size_t n)
{
	if (EVP_DigestUpdate(h->ctx, buf, n) != 1)
		die("libcrypto: digest update failed");
}

void
hasher_final(struct hasher *h, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n, i;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1)
		die("libcrypto: digest final failed");
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sha256_hex(const void *buf, size_t n, char hex[SHA256_HEX_LEN + 1])
{
	struct hasher *h = hasher_new(HASH_SHA256);

	hasher_update(h, buf, n);
	hasher_final(h, hex);
}

int
hash_file(const char *path, enum hash_kind kind, char *hex, long long *size)
{
	struct hasher *h;
	unsigned char buf[1 << 16];
	long long total = 0;
	FILE *fp;
	size_t n;
	int e;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	h = hasher_new(kind);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		hasher_update(h, buf, n);
		total += (long long)n;
	}
	e = ferror(fp) ? EIO : 0;
	fclose(fp);
	hasher_final(h, hex);
	if (e != 0) {
		errno = e;
		return -1;
	}
	if (size != NULL)
		*size = total;
	return 0;
}
