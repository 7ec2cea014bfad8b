/* addr.h - IPv4/IPv6 addresses and prefixes: parse, format, compare.
 *
 * Addresses are held as 128-bit unsigned integers in host order; an IPv4
 * address uses the low 32 bits. The family travels beside the value.
 */
#ifndef ZG_ADDR_H
#define ZG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <string.h>
#include <sys/socket.h>

typedef unsigned __int128 u128;

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN	(ADDR_STRLEN + 4)

struct addr {
	uint8_t	family;		/* AF_INET or AF_INET6 */
	u128	v;
};

struct prefix {
	uint8_t	family;
	uint8_t	len;		/* 0..32 or 0..128 */
	u128	v;		/* network address, host bits clear */
};

enum addr_perr {
	ADDR_OK,
	ADDR_ESYNTAX,		/* not an address */
	ADDR_ELEN,		/* prefix length out of range */
	ADDR_EHOSTBITS,		/* host bits set; *out holds the intended net */
};

/* addr_bits - 32 or 128 for the family. */
unsigned addr_bits(int family);

/* addr_parse - parses a bare IPv4 or IPv6 address. Returns 0, -1 if s is
 * not an address. */
int addr_parse(const char *s, struct addr *out);

/* addr_from_bytes - fills out from network-order bytes (4 or 16). On the
 * per-packet path: word loads, inline. */
static inline void addr_from_bytes(int family, const uint8_t *b,
				   struct addr *out)
{
	uint64_t hi, lo;
	uint32_t v4;

	out->family = (uint8_t)family;
	if (family == AF_INET) {
		memcpy(&v4, b, 4);
		out->v = be32toh(v4);
		return;
	}
	memcpy(&hi, b, 8);
	memcpy(&lo, b + 8, 8);
	out->v = ((u128)be64toh(hi) << 64) | be64toh(lo);
}

/* addr_to_bytes - writes network-order bytes (4 or 16) into b. */
void addr_to_bytes(const struct addr *a, uint8_t *b);

/* addr_format - canonical text (inet_ntop) into buf of ADDR_STRLEN. */
const char *addr_format(const struct addr *a, char *buf);

/* prefix_parse - parses "a/len" or a bare address (host prefix). With
 * ADDR_EHOSTBITS, *out is the network the writer probably meant. */
enum addr_perr prefix_parse(const char *s, struct prefix *out);

/* prefix_format - "net/len" into buf of PREFIX_STRLEN. */
const char *prefix_format(const struct prefix *p, char *buf);

/* prefix_last - last address of the prefix. */
u128 prefix_last(const struct prefix *p);

/* prefix_contains - true if a is inside p (same family). */
bool prefix_contains(const struct prefix *p, const struct addr *a);

/* prefix_covers - true if inner lies wholly inside outer (same family). */
bool prefix_covers(const struct prefix *outer, const struct prefix *inner);

#endif
