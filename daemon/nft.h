/* nft.h - the one module that speaks nf_tables netlink (libnftnl + libmnl).
 *
 * A compiled ruleset is put in force by one transaction: the table is kept
 * (and so are its chains, whose rules are replaced; base chains must stay
 * registered for the swap to be leak-free), the sets are replaced, and the
 * batch carries the generation id we read, so a commit by someone else in
 * between makes the kernel refuse it (ERESTART) and we retry. The interval
 * sets and maps it uses are created and filled by a transaction before it,
 * under names of their own ("zsrc4" or "zsrc4.1", alternately), because the
 * kernel publishes such sets only after the switch of the transaction that
 * fills them. Nothing here ever touches a table other than ours.
 */
#ifndef ZG_NFT_H
#define ZG_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/ruleset.h"

#define NFT_ERR_MAX	512
#define NFT_APPLY_RETRIES	8

struct nft_sock;

struct nft_status {
	uint32_t	genid;		/* generation our last commit produced */
	bool		owner;		/* table held with the owner flag */
	bool		persist;	/* ... and the persist flag */
	unsigned	retries;	/* ERESTART retries of the last apply */
	size_t		messages;	/* netlink messages of the last batch */
};

/* nft_open - a netlink socket for nf_tables. Returns NULL and fills err. */
struct nft_sock *nft_open(char *err, size_t errlen);

/* nft_close - closes the socket; with the owner flag and no persist flag
 * the kernel would destroy the table, so that combination is never used. */
void nft_close(struct nft_sock *ns);

/* nft_apply - puts rs in force in our table in one transaction; a table
 * that exists is first given the interval sets and maps rs needs, complete,
 * in a transaction of their own (see "the plan" in nft.c). want_owner:
 * try the owner and persist flags (falls back to none when the kernel lacks
 * persist). Returns 0, or -1 with a message in err naming the object and the
 * config line the kernel refused. The old ruleset stays in force on error.
 * stamp (may be NULL) is kept in the table's comment after zonegate's mark:
 * what was compiled from which configuration, read back by nft_table_stamp. */
int nft_apply(struct nft_sock *ns, const struct ruleset *rs, bool want_owner,
	      const char *stamp, struct nft_status *st, char *err,
	      size_t errlen);

/* nft_delete_table - removes table inet name (ours only: the caller knows it
 * is ours). Returns 0 or -1 with err. */
int nft_delete_table(struct nft_sock *ns, const char *name, char *err,
		     size_t errlen);

/* nft_table_stamp - the stamp of our table into buf; 0, or -1 if the
 * table is missing, not ours, or has none. */
int nft_table_stamp(struct nft_sock *ns, const char *name, char *buf, size_t len);

/* nft_table_state - 1 if table inet name exists, 0 if not, -1 on error.
 * *ours is set when it carries zonegate's mark. */
int nft_table_state(struct nft_sock *ns, const char *name, bool *ours);

/* Sums of our table's counters. */
struct nft_counters {
	uint64_t	denied;		/* deny_*, spoof_*, unknown_* packets */
	uint64_t	nflog_sent;	/* denied packets handed to NFLOG */
	uint64_t	accepted;	/* acc_*: new flows accepted */
};

/* nft_read_counters - reads the counters of table inet name. Returns 0 or
 * -1 with errno. */
int nft_read_counters(struct nft_sock *ns, const char *name,
		      struct nft_counters *c);

/* nft_count_rules - the number of rules in table inet name into *n.
 * Returns 0 or -1 with errno. */
int nft_count_rules(struct nft_sock *ns, const char *name, size_t *n);

/* What the kernel holds of our table, to compare with what we compiled. */
struct nft_digest {
	bool	present;
	bool	ours;
	size_t	chains;
	size_t	base_not_drop;	/* base chains whose policy is not drop */
	size_t	sets;		/* sets a rule uses */
	size_t	rules;
	size_t	elems;		/* ... and their elements */
	size_t	unused_sets;	/* left by an apply killed mid-way: ignored */
};

/* What a compiled ruleset must look like in the kernel. */
struct nft_shape {
	size_t	rules, sets, elems, chains;
};

/* nft_shape_of - the shape of rs. */
void nft_shape_of(const struct ruleset *rs, struct nft_shape *sh);

/* nft_stamp - the stamp of a ruleset of shape sh compiled from a
 * configuration with this SHA-256 (hex), into buf: what nft_apply records
 * in the table and nft_table_stamp reads back. */
void nft_stamp(const struct nft_shape *sh, const char *checksum, char *buf,
	       size_t len);

/* nft_digest_matches - true if the kernel's table (dg) has the shape sh,
 * and its base chains drop by default. */
bool nft_digest_matches(const struct nft_digest *dg, const struct nft_shape *sh);

/* nft_read_digest - fills *dg for table inet name. Returns 0 or -1. */
int nft_read_digest(struct nft_sock *ns, const char *name, struct nft_digest *dg);

/* nft_counter_fn - one named counter of our table. */
typedef void (*nft_counter_fn)(void *arg, const char *name, uint64_t packets,
			       uint64_t bytes);

/* nft_each_counter - calls fn for every counter of table inet name.
 * Returns 0 or -1 with errno. */
int nft_each_counter(struct nft_sock *ns, const char *name, nft_counter_fn fn,
		     void *arg);

#endif
