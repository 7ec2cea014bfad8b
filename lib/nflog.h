/* nflog.h - bounds-checked parsing of NFLOG records (pcap link type
 * DLT_NFLOG, 239), as libpcap delivers them from "nflog:N" or a file.
 *
 * A record is a 4-byte header (family, version, resource id) and TLVs whose
 * length and type are in host byte order (libpcap swaps them for files
 * from other hosts), each padded to 4 bytes. Hostile or damaged records are
 * reported, never read past.
 */
#ifndef ZG_NFLOG_H
#define ZG_NFLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFLOG_PREFIX_MAX	128

enum nflog_err {
	NFLOG_OK,
	NFLOG_ETRUNC,		/* header or a TLV cut short */
	NFLOG_EVERSION,		/* unknown NFLOG version */
	NFLOG_ETLV,		/* a TLV length below 4 or past the end */
	NFLOG_ENOPAYLOAD,	/* no packet */
	NFLOG_ENOPREFIX,	/* no prefix, or one not NUL-terminated */
};

struct nflog_rec {
	uint8_t		family;		/* AF_INET, AF_INET6, ... */
	uint16_t	group;
	const char	*prefix;	/* NUL-terminated, inside the record */
	bool		has_indev, has_outdev;
	uint32_t	indev, outdev;	/* interface indexes */
	bool		has_ts;
	uint64_t	ts_sec, ts_usec;
	const uint8_t	*payload;	/* the IP packet, inside the record */
	size_t		payload_len;
};

/* nflog_parse - parses the record p[0..caplen). Pointers in *r point into p.
 * Returns NFLOG_OK or the first problem found. */
enum nflog_err nflog_parse(const uint8_t *p, size_t caplen, struct nflog_rec *r);

/* nflog_err_name - "truncated", "bad-tlv", ... */
const char *nflog_err_name(enum nflog_err e);

#endif
