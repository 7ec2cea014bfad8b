/* sepmsg.h - the messages of the packet parser to the daemon.
 *
 * Packets an attacker controls are parsed in a child process that holds no
 * privilege (see zonegated(8), PRIVILEGE SEPARATION). It hands the parent
 * what it found as fixed-format records, several to a datagram of a
 * SOCK_SEQPACKET socketpair. The parent trusts nothing in them: every
 * record is decoded here, exactly — known type, exact length, reserved
 * bytes zero, every field in its range and consistent with the others (a
 * packet description pkt_parse could have produced). A record that fails is
 * a compromised child: the daemon kills and restarts it.
 *
 * Integers travel in host order (both ends are the same machine and
 * binary); addresses in network order, as on the wire.
 */
#ifndef ZG_SEPMSG_H
#define ZG_SEPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nflog.h"
#include "pkt.h"

#define SEP_MAGIC	0x5a47u		/* "ZG" */
#define SEP_VERSION	1
#define SEP_DGRAM_MAX	8192		/* one datagram, several records */
#define SEP_TEXT_MAX	128		/* READY/CAPERR text, with its NUL */
#define SEP_SLOTS_MAX	64		/* captures one child holds */

enum sep_type {
	SEP_READY = 1,		/* handles open, privileges dropped */
	SEP_CAPERR,		/* capture `slot` failed or stopped: text */
	SEP_VIOL,		/* an NFLOG record of a dropped/logged packet */
	SEP_VIOL_BAD,		/* an NFLOG record that did not parse */
	SEP_FRAME,		/* a frame entering on the zone interface `slot` */
	SEP_FRAME_BAD,		/* a frame that did not parse */
	SEP_STATS,		/* libpcap's drop counters of `slot` */
	SEP_SYNC,		/* all read before the parent's sync request */
	SEP_TYPE_COUNT
};

enum sep_err {
	SEP_OK,
	SEP_ETRUNC,		/* shorter than its type's length */
	SEP_EMAGIC,		/* magic or version wrong */
	SEP_ETYPE,		/* unknown type */
	SEP_ESLOT,		/* slot out of range for the type */
	SEP_ERESERVED,		/* a reserved byte or padding not zero */
	SEP_EFIELD,		/* a field out of range or inconsistent */
	SEP_ETEXT,		/* text not NUL-terminated or not printable */
	SEP_ERR_COUNT
};

/* SEP_BAD_* - what SEP_VIOL_BAD reports went wrong */
enum sep_bad_kind {
	SEP_BAD_NFLOG = 1,	/* err is an enum nflog_err */
	SEP_BAD_PKT,		/* err is an enum pkt_err */
};

struct sep_msg {
	enum sep_type	type;
	uint16_t	slot;		/* the capture: 0..n_slots-1 */
	uint64_t	ts_us;		/* VIOL, FRAME: capture time */
	uint32_t	wire_len;	/* FRAME: length on the wire */
	struct pkt_info	pi;		/* VIOL, FRAME */
	/* VIOL: the record's metadata */
	char		prefix[NFLOG_PREFIX_MAX];	/* "" when absent */
	bool		has_indev, has_outdev, has_ts;
	uint32_t	indev, outdev;
	uint64_t	ts_sec;
	/* VIOL_BAD */
	uint8_t		bad_kind, bad_err;
	/* STATS */
	uint64_t	drop, ifdrop;
	/* READY, CAPERR */
	char		text[SEP_TEXT_MAX];
};

/* sep_encode - appends m's record to buf[*off..len). Returns 0, or -1 if it
 * does not fit (nothing written). */
int sep_encode(const struct sep_msg *m, uint8_t *buf, size_t len, size_t *off);

/* sep_decode - the record at buf[*off..len) into *m, checked exactly;
 * slots is the number of captures the child was given. Advances *off on
 * SEP_OK. */
enum sep_err sep_decode(const uint8_t *buf, size_t len, size_t *off,
			unsigned slots, struct sep_msg *m);

/* sep_record_len - the length of a record of type t, 0 if t is unknown. */
size_t sep_record_len(enum sep_type t);

/* sep_err_name - "truncated", "bad-magic", ... for the alert line. */
const char *sep_err_name(enum sep_err e);

#endif
