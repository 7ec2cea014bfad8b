/* pktbuild.c - see pktbuild.h. */
#include <arpa/inet.h>
#include <string.h>

#include "pktbuild.h"

size_t pb_ip4(uint8_t *b, const char *src, const char *dst, uint8_t proto,
	      uint16_t frag, const uint8_t *l4, size_t l4len)
{
	uint16_t tot = (uint16_t)(20 + l4len);

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = tot >> 8;
	b[3] = tot & 0xff;
	b[6] = frag >> 8;
	b[7] = frag & 0xff;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	if (l4len)
		memcpy(b + 20, l4, l4len);
	return 20 + l4len;
}

size_t pb_ip6(uint8_t *b, const char *src, const char *dst, uint8_t next,
	      const uint8_t *ext, size_t extlen, const uint8_t *l4, size_t l4len)
{
	uint16_t plen = (uint16_t)(extlen + l4len);

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = plen >> 8;
	b[5] = plen & 0xff;
	b[6] = next;
	b[7] = 64;
	inet_pton(AF_INET6, src, b + 8);
	inet_pton(AF_INET6, dst, b + 24);
	if (extlen)
		memcpy(b + 40, ext, extlen);
	if (l4len)
		memcpy(b + 40 + extlen, l4, l4len);
	return 40 + extlen + l4len;
}

size_t pb_ports(uint8_t *b, uint16_t sport, uint16_t dport, int tcp)
{
	size_t n = tcp ? 20 : 8;

	memset(b, 0, n);
	b[0] = sport >> 8;
	b[1] = sport & 0xff;
	b[2] = dport >> 8;
	b[3] = dport & 0xff;
	if (tcp) {
		b[12] = 0x50;
		b[13] = 0x02;	/* SYN */
	} else {
		b[5] = 8;
	}
	return n;
}

static size_t tlv(uint8_t *b, uint16_t type, const void *v, size_t n)
{
	uint16_t len = (uint16_t)(4 + n);
	size_t padded = (4 + n + 3) & ~(size_t)3;

	memcpy(b, &len, 2);	/* host byte order, as DLT_NFLOG has it */
	memcpy(b + 2, &type, 2);
	memcpy(b + 4, v, n);
	memset(b + 4 + n, 0, padded - 4 - n);
	return padded;
}

size_t pb_nflog(uint8_t *b, uint8_t family, const char *prefix,
		uint32_t indev, uint32_t outdev, const uint8_t *payload,
		size_t plen)
{
	size_t off = 4;
	uint32_t v;

	b[0] = family;
	b[1] = 0;
	b[2] = 0;
	b[3] = 7;
	if (prefix)
		off += tlv(b + off, 10, prefix, strlen(prefix) + 1);
	if (indev) {
		v = htonl(indev);
		off += tlv(b + off, 4, &v, 4);
	}
	if (outdev) {
		v = htonl(outdev);
		off += tlv(b + off, 5, &v, 4);
	}
	if (payload)
		off += tlv(b + off, 9, payload, plen);
	return off;
}
