/* sha256.h - SHA-256 (FIPS 180-4), for the configuration checksum that
 * `zonegatectl status` shows and an auditor compares with the file. */
#ifndef ZG_SHA256_H
#define ZG_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t	h[8];
	uint64_t	len;
	uint8_t		buf[64];
	size_t		n;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* sha256_final - the digest into out[32]. */
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* sha256_hex - digest of data as 64 hex digits and a NUL into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
