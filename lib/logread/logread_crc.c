/*
 * logread_crc.c: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)
 * computed eight bytes at a time from eight tables, and the masking that
 * TFRecord framing applies to it.  Pure functions, no I/O.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "logread/logread_int.h"

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
			    crc_tab[0][crc_tab[k - 1][i] & 0xff];
}

unsigned
lr_crc32c(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	uint32_t c = 0xffffffffu, lo, hi;

	pthread_once(&crc_once, crc_init);
	while (n >= 8) {
		/* Assemble little-endian words byte by byte: any host. */
		lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		    crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		    crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c ^ 0xffffffffu;
}

/* Rotate right by 15 and add a constant, as TFRecord does. */
unsigned
lr_crc_mask(unsigned crc)
{
	uint32_t c = crc;

	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}
