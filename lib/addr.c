/* addr.c - address and prefix text forms. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

void addr_to_bytes(const struct addr *a, uint8_t *b)
{
	int i, n = a->family == AF_INET ? 4 : 16;
	u128 v = a->v;

	for (i = n - 1; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

int addr_parse(const char *s, struct addr *out)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		addr_from_bytes(AF_INET, b, out);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		addr_from_bytes(AF_INET6, b, out);
		return 0;
	}
	return -1;
}

/* format4 - dotted quad without inet_ntop: audit reports print one per
 * flow end. */
static void format4(uint32_t v, char *buf)
{
	char *p = buf;
	int i, o;

	for (i = 3; i >= 0; i--) {
		o = (int)(v >> (i * 8)) & 0xff;
		if (o >= 100)
			*p++ = (char)('0' + o / 100);
		if (o >= 10)
			*p++ = (char)('0' + o / 10 % 10);
		*p++ = (char)('0' + o % 10);
		*p++ = i ? '.' : '\0';
	}
}

const char *addr_format(const struct addr *a, char *buf)
{
	uint8_t b[16];

	if (a->family == AF_INET) {
		format4((uint32_t)a->v, buf);
		return buf;
	}
	addr_to_bytes(a, b);
	if (inet_ntop(a->family, b, buf, ADDR_STRLEN) == NULL)
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

static u128 host_mask(int family, unsigned len)
{
	unsigned bits = addr_bits(family);

	if (len >= bits)
		return 0;
	if (bits - len == 128)
		return ~(u128)0;
	return (((u128)1) << (bits - len)) - 1;
}

enum addr_perr prefix_parse(const char *s, struct prefix *out)
{
	char buf[PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	struct addr a;
	unsigned long len;
	char *end;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	u128 hm;

	if (alen == 0 || alen >= sizeof(buf))
		return ADDR_ESYNTAX;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &a) < 0)
		return ADDR_ESYNTAX;
	len = addr_bits(a.family);
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return ADDR_ELEN;
		len = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || end - (slash + 1) > 3 ||
		    len > addr_bits(a.family))
			return ADDR_ELEN;
	}
	out->family = a.family;
	out->len = (uint8_t)len;
	hm = host_mask(a.family, len);
	out->v = a.v & ~hm;
	return (a.v & hm) ? ADDR_EHOSTBITS : ADDR_OK;
}

const char *prefix_format(const struct prefix *p, char *buf)
{
	char ab[ADDR_STRLEN];
	struct addr a = { .family = p->family, .v = p->v };

	snprintf(buf, PREFIX_STRLEN, "%s/%u", addr_format(&a, ab), p->len);
	return buf;
}

u128 prefix_last(const struct prefix *p)
{
	return p->v | host_mask(p->family, p->len);
}

bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	return p->family == a->family && a->v >= p->v && a->v <= prefix_last(p);
}

bool prefix_covers(const struct prefix *outer, const struct prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       inner->v >= outer->v && prefix_last(inner) <= prefix_last(outer);
}
