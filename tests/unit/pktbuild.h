/* pktbuild.h - hand-built packets and NFLOG records for the parser tests. */
#ifndef ZG_PKTBUILD_H
#define ZG_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

/* pb_ip4 - IPv4 header (20 bytes, no options) + l4 bytes; returns length. */
size_t pb_ip4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
	      uint16_t frag, const uint8_t *l4, size_t l4len);

/* pb_ip6 - IPv6 header + ext bytes + l4 bytes; next is the first next
 * header value. */
size_t pb_ip6(uint8_t *buf, const char *src, const char *dst, uint8_t next,
	      const uint8_t *ext, size_t extlen, const uint8_t *l4, size_t l4len);

/* pb_ports - 20-byte TCP or 8-byte UDP header with these ports. */
size_t pb_ports(uint8_t *buf, uint16_t sport, uint16_t dport, int tcp);

/* pb_nflog - an NFLOG record: header, then TLVs prefix, indev, outdev
 * (0 = absent), payload (NULL = absent). Returns the length. */
size_t pb_nflog(uint8_t *buf, uint8_t family, const char *prefix,
		uint32_t indev, uint32_t outdev, const uint8_t *payload,
		size_t plen);

#endif
