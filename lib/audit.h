/* audit.h - a capture judged by the policy: every flow classified by the
 * same engine as the gateway's (policy_decide), and tallied per zone pair.
 *
 * A capture from a mirror port thereby becomes evidence that the policy is
 * (or is not) followed. Frames go in one at a time; the verdict is computed
 * once per flow, when its first packet is seen, and every later packet
 * only finds its flow (one hash lookup) and adds to counters: nothing is
 * allocated per packet. Offline there is no interface, so no spoof check,
 * and nothing is known to be addressed to the gateway itself.
 *
 * Judging a flow:
 *   - its initiator is the sender of its first packet, except that an ICMP
 *     reply, or a TCP SYN+ACK, comes from the responder;
 *   - a TCP flow whose first packet has no SYN (a capture that starts
 *     mid-connection) is "midstream": if its forward direction is denied but
 *     the reverse would be permitted, the other end is taken as initiator;
 *   - ICMP errors (v4 types 3, 4, 5, 11, 12; v6 types 1-4) start no flow and
 *     are counted as related, not judged.
 * Frames that cannot be judged are skipped and counted by cause.
 */
#ifndef ZG_AUDIT_H
#define ZG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "model.h"
#include "pkt.h"

/* Flows kept at most: enough for the captures an administrator audits;
 * beyond it the least recently seen flows are evicted (and counted). */
#define AUDIT_FLOWS_MAX		(4u << 20)

/* Why a frame was skipped. */
enum audit_skip {
	AUDIT_SKIP_ZERO_LENGTH,		/* no byte captured */
	AUDIT_SKIP_CAPLEN_OVER_LEN,	/* more captured than was sent: lying */
	AUDIT_SKIP_CAPLEN_OVER_SNAPLEN,	/* more captured than the file allows */
	AUDIT_SKIP_LINK_TRUNCATED,	/* link-layer header cut short */
	AUDIT_SKIP_LINK_UNSUPPORTED,	/* a link type link_decap does not read */
	AUDIT_SKIP_NOT_IP,		/* ARP, LLDP, ... */
	AUDIT_SKIP_BAD_NFLOG,		/* damaged NFLOG record */
	AUDIT_SKIP_IP_TRUNCATED,	/* the pkt_parse errors, one each */
	AUDIT_SKIP_IP_VERSION,
	AUDIT_SKIP_IP_HDRLEN,
	AUDIT_SKIP_IP_LENGTH,
	AUDIT_SKIP_IP_EXTHDR,
	AUDIT_SKIP_IP_FRAGMENT,
	AUDIT_SKIP_IP_FAMILY,
	AUDIT_SKIP_COUNT
};

enum audit_class {
	AUDIT_PERMITTED,
	AUDIT_DENIED,
};

struct audit_tally {
	uint64_t	flows;
	uint64_t	packets;
	uint64_t	bytes;		/* IP bytes */
};

/* One zone pair, by enum audit_class. */
struct audit_pair {
	struct audit_tally	t[2];
};

struct audit_stats {
	uint64_t	frames;		/* given to audit_frame or audit_packet */
	uint64_t	packets;	/* counted into flows */
	uint64_t	related;	/* ICMP errors */
	uint64_t	related_bytes;
	uint64_t	skipped;	/* the sum of skip[] */
	uint64_t	skip[AUDIT_SKIP_COUNT];
	uint64_t	midstream;	/* TCP flows whose SYN was not seen */
	uint64_t	reversed;	/* midstream flows judged the other way */
	uint64_t	evicted;	/* flows pushed out of a full table */
	uint64_t	evicted_denied;
	struct audit_tally total[2];	/* all pairs, by enum audit_class */
};

/* flow_entry.user bits the audit sets. */
#define AUDIT_FLOW_MIDSTREAM	0x01
#define AUDIT_FLOW_REVERSED	0x02

struct audit;

/* audit_new - an empty audit against m (borrowed: it must outlive the
 * audit), keeping at most max_flows flows (0 or more than AUDIT_FLOWS_MAX:
 * AUDIT_FLOWS_MAX). Returns NULL with errno ENOMEM. Caller frees with
 * audit_free. */
struct audit *audit_new(const struct model *m, size_t max_flows);

/* audit_free - frees a and its flows; NULL is fine. */
void audit_free(struct audit *a);

/* audit_frame - one captured frame of link type dlt: caplen bytes at p of
 * the len that were sent, from a file whose snap length is snaplen (0: no
 * limit), at ts_us (microseconds). The frame is checked, its IP packet
 * found and parsed, and then judged as by audit_packet, or it is skipped
 * and counted. p is only read, within caplen. */
void audit_frame(struct audit *a, int dlt, const uint8_t *p, size_t caplen,
		 size_t len, size_t snaplen, uint64_t ts_us);

/* audit_packet - one parsed packet (pkt_parse returned PKT_OK) of bytes IP
 * bytes at ts_us. */
void audit_packet(struct audit *a, const struct pkt_info *pi, uint64_t bytes,
		  uint64_t ts_us);

/* audit_stats - the counters so far; valid while a lives. */
const struct audit_stats *audit_stats(const struct audit *a);

/* audit_pair - the tallies of the pair (from, to): from a zone index or
 * ZONE_UNKNOWN, to also ZONE_GATEWAY. NULL for anything else. */
const struct audit_pair *audit_pair(const struct audit *a, int from, int to);

/* audit_flows - the flows still in the table, in the order first seen,
 * as an array of *n pointers (the caller frees the array, not the entries,
 * which stay valid until the next audit_frame, audit_packet or
 * audit_free). Returns NULL with *n = 0 if there is none or no memory
 * (errno ENOMEM). */
const struct flow_entry **audit_flows(const struct audit *a, size_t *n);

/* audit_violation - true if any flow was denied (evicted ones included). */
bool audit_violation(const struct audit *a);

/* audit_flow_denied - true if the policy denies e. */
bool audit_flow_denied(const struct flow_entry *e);

/* audit_skip_name - "zero-length", "caplen-over-len", "not-ip", ... */
const char *audit_skip_name(enum audit_skip s);

#endif
