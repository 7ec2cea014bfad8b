/* ruleset.h - the compiled nftables ruleset, before it meets netlink.
 *
 * ruleset_compile() turns a validated model into chains, sets and rules of
 * one `inet` table. Rules are short lists of typed expressions; sets carry
 * their elements already laid out as the kernel's registers expect. The
 * netlink module (daemon/nft.c) translates each expression kind through a
 * table, and ruleset_dump() renders the same structure in nft(8) syntax for
 * golden tests and `zonegatectl` -- neither needs root.
 *
 * Layout (see zonegated(8)):
 *   forward (base, policy drop): established packets of flows zonegate
 *     marked whose ip saddr . iifname is not in est_src4/est_src6 (the
 *     interfaces of the source address's zone) nor ip saddr in est_any4/
 *     est_any6 (zones without interfaces, no zone): goto est_spoof (log
 *     spoof, count spoof_established, drop); ct established accept; ct related goto
 *     related; ct invalid drop; source address -> zone by the interval maps
 *     zsrc4/zsrc6 (goto src_Z); no zone: log unknown-zone, drop
 *   related: an ICMP error goes by the destination of the packet it quotes
 *     (zrel4/zrel6, goto rel_Z), other related traffic is accepted
 *   rel_Z: the error came in on one of Z's interfaces (the path of its
 *     flow): accept; from anywhere else: count related_offpath, drop
 *   src_Z: spoof check (iifname in if_Z), destination -> zone by zdst4_Z /
 *     zdst6_Z (goto pair_Z_D); no zone: log unknown-zone, drop
 *   pair_Z_D: drop sets, reject sets, accept sets (one lookup each, keyed
 *     ip saddr . meta l4proto . th dport . ip daddr), then log policy, drop
 *   input (base, only when a policy names "gateway"): lo, the same check
 *     of established packets (goto gwest_spoof), established, ND, then the
 *     same per-zone dispatch into pair_Z_gateway
 * Per-packet work is a fixed number of set lookups whatever the number of
 * hosts, ports and entries; rules grow with zone pairs only.
 */
#ifndef ZG_RULESET_H
#define ZG_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#define RS_NAME_MAX	96
#define RS_COMMENT_MAX	127	/* nft's comment limit is 128 with NUL */
#define RS_PREFIX_MAX	127	/* NFLOG prefix */
#define RS_KEY_MAX	40	/* ip6 . proto . port . ip6, 4-byte aligned */
#define RS_LOG_SNAPLEN_TCP	200	/* IPv4 60 + TCP 60; IPv6 40 + 146 of ext + 14 */
#define RS_LOG_SNAPLEN	200	/* IPv4 60 + 8, or IPv6 40 + 152 of ext + 8 */
#define RS_LOG_RATE	1000	/* packets/s to NFLOG, all chains together */
#define RS_LOG_BURST	200
#define RS_CTMARK_TAG	0x5a470000u	/* "ZG": a mark zonegate set */
#define RS_CTMARK_TAG_MASK	0xffff0000u	/* ... in these bits */
#define RS_REJECT_TCP_RESET		0
#define RS_REJECT_ADMIN_PROHIBITED	1

/* Fields a set key or a map key is built from, in register order. */
enum rs_field {
	RF_SADDR4,
	RF_DADDR4,
	RF_SADDR6,
	RF_DADDR6,
	RF_L4PROTO,
	RF_DPORT,
	RF_IIFNAME,
	RF_CTMARK,	/* the connection's mark: its zone pair */
	RF_ICMP_IDADDR4,	/* an ICMP error's quoted packet: destination */
	RF_ICMP_IDADDR6,	/* an ICMPv6 error's quoted packet: destination */
};

enum rs_verdict_code {
	RV_ACCEPT,
	RV_DROP,
	RV_GOTO,
	RV_JUMP,
	RV_RETURN,
};

struct rs_verdict {
	enum rs_verdict_code	code;
	int			chain;	/* index, for GOTO/JUMP */
};

struct rs_elem {
	uint8_t			key[RS_KEY_MAX];
	uint8_t			key_end[RS_KEY_MAX];	/* concatenated ranges */
	bool			interval_end;	/* rbtree end marker */
	struct rs_verdict	data;		/* maps */
	int			obj;		/* object maps */
};

struct rs_set {
	char		name[RS_NAME_MAX];
	enum rs_field	fields[4];
	unsigned	n_fields;
	unsigned	key_len;	/* bytes, each field 4-byte aligned */
	bool		interval;
	bool		map;		/* data is a verdict */
	bool		objmap;		/* data is a counter's name (obj index) */
	struct rs_elem	*elems;
	size_t		n_elems, cap;
	char		comment[RS_COMMENT_MAX + 1];
};

enum rs_expr_kind {
	RX_NFPROTO,		/* meta nfproto == arg */
	RX_L4PROTO,		/* meta l4proto == arg */
	RX_CT_ESTABLISHED,	/* ct state established */
	RX_CT_RELATED,		/* ct state related */
	RX_CT_INVALID,		/* ct state invalid */
	RX_IIF_LO,		/* iif "lo" */
	RX_ICMP_TYPE,		/* icmp(v6) type == arg (family from NFPROTO) */
	RX_ICMPV6_ND,		/* icmpv6 type 130-137: MLD and ND */
	RX_LOOKUP,		/* key in @set (inverted with arg = 1) */
	RX_VMAP,		/* key vmap @set */
	RX_LIMIT,		/* the shared named limit */
	RX_LOG,			/* log group, snaplen, prefix */
	RX_COUNTER,		/* named counter */
	RX_REJECT,		/* arg: RS_REJECT_* */
	RX_VERDICT,
	RX_CTMARK_SET,		/* ct mark set arg */
	RX_COUNTER_MAP,		/* counter name ct mark map @set */
	RX_CTMARK_OURS,		/* ct mark and TAG_MASK == TAG: zonegate's flow */
};

struct rs_expr {
	enum rs_expr_kind	kind;
	uint32_t		arg;
	int			set;		/* LOOKUP, VMAP */
	int			obj;		/* COUNTER: object index */
	char			*text;		/* LOG prefix */
	uint16_t		snaplen;	/* LOG */
	struct rs_verdict	verdict;	/* VERDICT */
};

struct rs_rule {
	struct rs_expr	*x;
	size_t		n;
	char		comment[RS_COMMENT_MAX + 1];
	int		line;		/* config line, 0 if none */
};

enum rs_hook {
	RH_NONE,	/* a regular chain */
	RH_FORWARD,
	RH_INPUT,
};

struct rs_chain {
	char		name[RS_NAME_MAX];
	enum rs_hook	hook;
	struct rs_rule	*rules;
	size_t		n_rules, cap;
};

/* Named objects: counters, and the shared log limit. */
enum rs_obj_kind {
	RO_COUNTER,
	RO_LIMIT,
};

/* the first two objects of every ruleset */
#define RS_OBJ_LOG_LIMIT	0
#define RS_OBJ_NFLOG_SENT	1

struct rs_obj {
	char			name[RS_NAME_MAX];
	enum rs_obj_kind	kind;
	char			comment[RS_COMMENT_MAX + 1];
};

struct ruleset {
	char		table[ZG_NAME_MAX + 1];
	char		source[64];	/* config file name, for messages */
	unsigned	log_group;
	struct rs_chain	*chains;
	size_t		n_chains, cap_chains;
	struct rs_set	*sets;
	size_t		n_sets, cap_sets;
	struct rs_obj	*objs;
	size_t		n_objs, cap_objs;
	int		*set_line;	/* config line that made each set */
};

/* ruleset_compile - the table for model m. Returns a new ruleset (caller
 * frees with ruleset_free) or NULL with errno (ENOMEM). */
struct ruleset *ruleset_compile(const struct model *m);

/* ruleset_free - frees rs; NULL is fine. */
void ruleset_free(struct ruleset *rs);

/* ruleset_n_rules - rules in all chains. */
size_t ruleset_n_rules(const struct ruleset *rs);

/* ruleset_n_elems - set elements in all sets. */
size_t ruleset_n_elems(const struct ruleset *rs);

/* ruleset_dump - the table in nft(8) list syntax, into out. With
 * max_elems > 0, longer sets are abbreviated. */
void ruleset_dump(const struct ruleset *rs, FILE *out, size_t max_elems);

/* ruleset_field_len - bytes a field takes in the key (4-byte aligned). */
unsigned ruleset_field_len(enum rs_field f);

/* ruleset_field_raw_len - bytes the field itself has (4, 16, 1, 2, 16). */
unsigned ruleset_field_raw_len(enum rs_field f);

#endif
