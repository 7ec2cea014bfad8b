/* nft.c - committing a compiled ruleset with libnftnl and libmnl. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "nft.h"

#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST	0x4
#endif

/* zonegate's mark in the table's user data: how we know a table is ours */
#define TABLE_MARK	"managed by zonegated; edit zonegate.conf, not this table"

#define STAMP_OBJ	"zonegate_stamp"

#define BATCH_PAGE	(256 * 1024)
/* a message may fill a 16-bit netlink length before the batch moves on */
#define BATCH_OVERRUN	(65536 + 4096)
#define SOCK_BUF	(64 * 1024 * 1024)

/* nftables datatype ids, so that nft(8) lists our sets with their types */
enum { DT_IPADDR = 7, DT_IP6ADDR = 8, DT_INET_PROTO = 12,
       DT_INET_SERVICE = 13, DT_MARK = 19, DT_IFNAME = 41 };

struct nft_sock {
	struct mnl_socket	*nl;
	uint32_t		portid;
	uint32_t		seq;
	bool			no_persist;	/* kernel refused the flag */
};

/* What each message of a batch was, to name it in an error. */
struct msgdesc {
	uint32_t	seq;
	char		what[160];
};

struct batch {
	struct nftnl_batch	*b;
	struct msgdesc		*d;
	size_t			n, cap;
	uint32_t		seq_begin;
	uint32_t		set_id;
	bool			oom;
	char			*page;		/* the page batch_zero cleared */
};

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

struct nft_sock *nft_open(char *err, size_t errlen)
{
	struct nft_sock *ns = calloc(1, sizeof(*ns));
	int buf = SOCK_BUF;

	if (ns == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	ns->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (ns->nl == NULL || mnl_socket_bind(ns->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		seterr(err, errlen, "cannot open a netfilter netlink socket: %s",
		       strerror(errno));
		nft_close(ns);
		return NULL;
	}
	/* a large policy is one large batch, and every message is acked */
	setsockopt(mnl_socket_get_fd(ns->nl), SOL_SOCKET, SO_SNDBUFFORCE,
		   &buf, sizeof(buf));
	setsockopt(mnl_socket_get_fd(ns->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		   &buf, sizeof(buf));
	ns->portid = mnl_socket_get_portid(ns->nl);
	ns->seq = (uint32_t)time(NULL);
	return ns;
}

void nft_close(struct nft_sock *ns)
{
	if (ns == NULL)
		return;
	if (ns->nl)
		mnl_socket_close(ns->nl);
	free(ns);
}

/* ---- batch building ----------------------------------------------------- */

static struct nlmsghdr *batch_msg(struct batch *bt, struct nft_sock *ns,
				  uint16_t type, uint16_t flags,
				  const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* batch_zero - clears the batch's current page, once per page, before a
 * message is built in it. libmnl (1.0.4, Debian 12) leaves the alignment
 * padding after an attribute as it finds it, and libnftnl's pages come from
 * malloc: without this, bytes of old heap would go to the kernel inside the
 * padding (harmless to it, but reported by valgrind on every apply, which
 * would hide an uninitialised field of our own). A page holds BATCH_PAGE
 * bytes and a last message of up to BATCH_OVERRUN more; the part before the
 * tail is written already (a message carried over from the previous page). */
static void batch_zero(struct batch *bt)
{
	char *tail = nftnl_batch_buffer(bt->b);
	char *head = tail - nftnl_batch_buffer_len(bt->b);

	if (head == bt->page)
		return;
	memset(tail, 0, (size_t)(head + BATCH_PAGE + BATCH_OVERRUN - tail));
	bt->page = head;
}

/* batch_msg - a new message header with its own sequence number, recorded
 * with a description of what it is. */
static struct nlmsghdr *batch_msg(struct batch *bt, struct nft_sock *ns,
				  uint16_t type, uint16_t flags,
				  const char *fmt, ...)
{
	struct nlmsghdr *nlh;
	va_list ap;

	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 256;
		struct msgdesc *nd = realloc(bt->d, cap * sizeof(*nd));

		if (nd == NULL) {
			bt->oom = true;
			return NULL;
		}
		bt->d = nd;
		bt->cap = cap;
	}
	batch_zero(bt);
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type,
				    NFPROTO_INET, flags | NLM_F_ACK, ++ns->seq);
	bt->d[bt->n].seq = ns->seq;
	va_start(ap, fmt);
	vsnprintf(bt->d[bt->n].what, sizeof(bt->d[bt->n].what), fmt, ap);
	va_end(ap);
	bt->n++;
	return nlh;
}

static void batch_next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->oom = true;
}

/* batch_begin - NFNL_MSG_BATCH_BEGIN carrying the generation id. */
static void batch_begin(struct batch *bt, struct nft_sock *ns, uint32_t genid)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	batch_zero(bt);
	nlh = mnl_nlmsg_put_header(nftnl_batch_buffer(bt->b));
	nlh->nlmsg_type = NFNL_MSG_BATCH_BEGIN;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++ns->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	bt->seq_begin = ns->seq;
	batch_next(bt);
}

static void batch_end(struct batch *bt, struct nft_sock *ns)
{
	batch_zero(bt);
	nftnl_batch_end(nftnl_batch_buffer(bt->b), ++ns->seq);
	batch_next(bt);
}

/* ---- talking ------------------------------------------------------------ */

struct reply {
	struct batch	*bt;
	int		err;		/* first error */
	uint32_t	err_seq;
	size_t		acks;
};

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return MNL_CB_ERROR;
	e = mnl_nlmsg_get_payload(nlh);
	r->acks++;
	if (e->error != 0 && r->err == 0) {
		r->err = -e->error;
		r->err_seq = nlh->nlmsg_seq;
	}
	return MNL_CB_OK;
}

/* send_batch - sends the whole batch, then drains every acknowledgement
 * (one per message; after an error the kernel may stop early, so a quiet
 * socket ends the wait). Returns 0 or the first kernel errno. */
static int send_batch(struct nft_sock *ns, struct batch *bt, uint32_t *err_seq)
{
	int n_iov = nftnl_batch_iovec_len(bt->b), fd = mnl_socket_get_fd(ns->nl);
	struct iovec *iov = calloc((size_t)n_iov, sizeof(*iov));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = {
		.msg_name = &snl, .msg_namelen = sizeof(snl),
		.msg_iov = iov, .msg_iovlen = (size_t)n_iov,
	};
	struct reply r = { .bt = bt };
	/* acks and errors are control messages: they come through here */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = ack_cb };
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 16);
	size_t total = 0;
	int i;

	if (iov == NULL || buf == NULL) {
		free(iov);
		free(buf);
		return ENOMEM;
	}
	nftnl_batch_iovec(bt->b, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	(void)total;
	if (sendmsg(fd, &msg, 0) < 0) {
		int e = errno;

		free(iov);
		free(buf);
		return e;
	}
	free(iov);
	while (r.acks < bt->n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len;
		int rc = poll(&pfd, 1, r.err ? 200 : 30000);

		if (rc <= 0)
			break;
		len = mnl_socket_recvfrom(ns->nl, buf, MNL_SOCKET_BUFFER_SIZE * 16);
		if (len < 0) {
			if (errno == ENOBUFS) {
				/* acks were lost; the batch result is still
				 * known from what arrived or will arrive */
				if (r.err == 0)
					r.err = ENOBUFS;
				continue;
			}
			break;
		}
		/* portid is checked; sequence numbers vary per message, so
		 * they are matched in ack_cb against the batch instead */
		if (mnl_cb_run2(buf, (size_t)len, 0, ns->portid, NULL, &r, ctl,
				MNL_ARRAY_SIZE(ctl)) < 0) {
			if (r.err == 0)
				r.err = errno;
		}
		if (r.err && r.err_seq == bt->seq_begin)
			break;	/* the batch as a whole was refused */
	}
	free(buf);
	*err_seq = r.err_seq;
	return r.err;
}

/* ---- queries ------------------------------------------------------------ */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	}
	return MNL_CB_OK;
}

/* request - one request, replies through cb; returns 0 or an errno. */
static int request(struct nft_sock *ns, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 16);
	uint32_t seq = nlh->nlmsg_seq;
	int rc = 0;
	ssize_t len;

	if (buf == NULL)
		return ENOMEM;
	if (mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len) < 0) {
		free(buf);
		return errno;
	}
	for (;;) {
		len = mnl_socket_recvfrom(ns->nl, buf, MNL_SOCKET_BUFFER_SIZE * 16);
		if (len < 0) {
			rc = errno;
			break;
		}
		rc = mnl_cb_run(buf, (size_t)len, seq, ns->portid, cb, data);
		if (rc <= 0) {
			rc = rc < 0 ? errno : 0;
			break;
		}
	}
	free(buf);
	return rc;
}

static int get_genid(struct nft_sock *ns, uint32_t *genid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK,
				    ++ns->seq);
	return request(ns, nlh, gen_cb, genid);
}

/* What our table holds now, read before each apply. */
struct existing {
	const char	*table;
	char		**chains;	/* non-base */
	size_t		n_chains;
	char		**base;		/* base chains */
	size_t		n_base;
	char		**sets;
	size_t		n_sets;
	char		**used;		/* sets that a rule uses */
	size_t		n_used;
	char		**objs;
	uint32_t	*obj_type;
	size_t		n_objs;
	bool		oom;
};

static void push_name(struct existing *ex, char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL || (nv[*n] = strdup(s)) == NULL) {
		if (nv)
			*v = nv;
		ex->oom = true;
		return;
	}
	*v = nv;
	(*n)++;
}

static void free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void existing_free(struct existing *ex)
{
	free_names(ex->chains, ex->n_chains);
	free_names(ex->base, ex->n_base);
	free_names(ex->sets, ex->n_sets);
	free_names(ex->used, ex->n_used);
	free_names(ex->objs, ex->n_objs);
	free(ex->obj_type);
}

/* rule_sets - calls fn with the name of every set rule r looks up. */
static void rule_sets(struct nftnl_rule *r, void (*fn)(void *, const char *),
		      void *arg)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;

	while (it != NULL && (e = nftnl_expr_iter_next(it)) != NULL) {
		const char *n = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (strcmp(n, "lookup") == 0)
			fn(arg, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
		else if (strcmp(n, "objref") == 0 &&
			 nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_SET_NAME))
			fn(arg, nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_SET_NAME));
		else if (strcmp(n, "dynset") == 0)
			fn(arg, nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME));
	}
	if (it != NULL)
		nftnl_expr_iter_destroy(it);
}

static bool has_name(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void ex_used(void *arg, const char *name)
{
	struct existing *ex = arg;

	if (name != NULL && !has_name(ex->used, ex->n_used, name))
		push_name(ex, &ex->used, &ex->n_used, name);
}

static int ex_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct existing *ex = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), ex->table) == 0)
		rule_sets(r, ex_used, ex);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct existing *ex = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c == NULL)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), ex->table) == 0) {
		const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);

		if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
			push_name(ex, &ex->base, &ex->n_base, name);
		else
			push_name(ex, &ex->chains, &ex->n_chains, name);
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct existing *ex = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), ex->table) == 0 &&
	    !(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS))
		push_name(ex, &ex->sets, &ex->n_sets,
			  nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct existing *ex = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (o == NULL)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), ex->table) == 0) {
		uint32_t *nt = realloc(ex->obj_type, (ex->n_objs + 1) * sizeof(*nt));

		if (nt == NULL) {
			ex->oom = true;
		} else {
			ex->obj_type = nt;
			nt[ex->n_objs] = nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE);
			push_name(ex, &ex->objs, &ex->n_objs,
				  nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
		}
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

static int dump(struct nft_sock *ns, uint16_t type, mnl_cb_t cb,
		struct existing *ex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, ++ns->seq);
	return request(ns, nlh, cb, ex);
}

struct table_q {
	const char	*name;
	bool		found;
	bool		ours;
	char		stamp[256];
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_q *q = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (t == NULL)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), q->name) == 0) {
		uint32_t len = 0;
		const void *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);

		q->found = true;
		/* the mark is a comment TLV holding TABLE_MARK */
		q->ours = ud != NULL && len >= sizeof(TABLE_MARK) &&
			  memmem(ud, len, TABLE_MARK, sizeof(TABLE_MARK) - 1) != NULL;
		if (q->ours) {
			const char *m = memmem(ud, len, TABLE_MARK, sizeof(TABLE_MARK) - 1);
			size_t rest = len - (size_t)(m - (const char *)ud) -
				      (sizeof(TABLE_MARK) - 1);

			/* "; STAMP" up to the comment's NUL */
			if (rest > 2 && m[sizeof(TABLE_MARK) - 1] == ';')
				snprintf(q->stamp, sizeof(q->stamp), "%.*s",
					 (int)strnlen(m + sizeof(TABLE_MARK) + 1,
						      rest - 2),
					 m + sizeof(TABLE_MARK) + 1);
		}
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

struct stamp_q {
	const char	*table;
	char		*buf;
	size_t		len;
	bool		found;
};

static int stamp_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stamp_q *q = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	uint32_t ulen = 0;
	const uint8_t *ud;

	if (o == NULL)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), q->table) == 0 &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), STAMP_OBJ) == 0 &&
	    (ud = nftnl_obj_get_data(o, NFTNL_OBJ_USERDATA, &ulen)) != NULL &&
	    ulen > 2 && ud[1] <= ulen - 2) {
		/* one comment TLV: type, length, text with its NUL */
		snprintf(q->buf, q->len, "%.*s", (int)strnlen((const char *)ud + 2,
			 ud[1]), (const char *)ud + 2);
		q->found = true;
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int nft_table_stamp(struct nft_sock *ns, const char *name, char *buf, size_t len)
{
	char mb[MNL_SOCKET_BUFFER_SIZE];
	struct stamp_q q = { .table = name, .buf = buf, .len = len };
	struct nlmsghdr *nlh;
	bool ours;

	if (nft_table_state(ns, name, &ours) != 1 || !ours)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(mb, NFT_MSG_GETOBJ, NFPROTO_INET,
				    NLM_F_DUMP, ++ns->seq);
	if (request(ns, nlh, stamp_cb, &q) != 0 || !q.found)
		return -1;
	return 0;
}

int nft_table_state(struct nft_sock *ns, const char *name, bool *ours)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct table_q q = { .name = name };
	struct nlmsghdr *nlh;
	int rc;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
				    NLM_F_DUMP, ++ns->seq);
	rc = request(ns, nlh, table_cb, &q);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	*ours = q.ours;
	return q.found ? 1 : 0;
}

/* ---- the plan of one apply ---------------------------------------------- */

/*
 * Why an apply to an existing table takes two transactions.
 *
 * The kernel's interval set backends (pipapo for concatenated ranges; rbtree
 * since its lookups moved to a sorted array, as in the 6.18 kernels) answer
 * lookups from a copy of their elements that they publish in their commit
 * callback, and nf_tables_commit() runs those callbacks after it has switched
 * to the new generation. A set created in the transaction that also installs
 * the rules using it is therefore empty for those rules between the switch
 * and its callback: every packet that met the new rules then missed the zone
 * maps and was dropped as "unknown-zone" (tests/ns/reload_gapless.sh: about
 * 1 in 12 packets of a flood of new flows during back-to-back reloads,
 * permitted flows included). Only the order of the sets in the batch (the
 * zone maps after the pairs' sets) kept a packet from reaching a pair whose
 * drop set was still empty while its accept set was not. Deleting a map also
 * deactivates its elements for the new generation within the same
 * transaction, so a packet still walking the old rules across the switch
 * misses the old map where the backend looks at generation masks (the hash
 * map from ct mark to counter).
 *
 * So a set of those kinds (interval sets, maps) is never created by the
 * transaction whose rules start to use it. The staging transaction creates
 * it, filled, under a name no rule uses -- the compiled name, or that name
 * with ".1" appended -- next to the chains and objects it needs; nothing
 * refers to it yet, and when the commit returns the kernel has published it. The switch transaction then replaces every rule at once as
 * before (chains are kept, their rules replaced), creates the hash sets (which
 * answer from their elements' generation masks, so they are complete at the
 * switch), and deletes the sets the old rules used. A refused switch deletes
 * what the staging created. A new table is built in one transaction: nothing
 * is enforced before it exists.
 */
#define STAGE_TAGS	10

struct plan {
	char		(*name)[RS_NAME_MAX + 4];	/* kernel name of each set */
	bool		*staged;	/* created by the staging transaction */
	size_t		n_staged;
	unsigned	tag;		/* 0: the compiled names */
};

/* ---- expressions -------------------------------------------------------- */

struct xb {
	struct nftnl_rule	*r;
	const struct ruleset	*rs;
	const struct plan	*pl;
	bool			oom;
};

static struct nftnl_expr *xnew(struct xb *x, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e == NULL)
		x->oom = true;
	else
		nftnl_rule_add_expr(x->r, e);
	return e;
}

static void x_meta(struct xb *x, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = xnew(x, "meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
}

static void x_payload(struct xb *x, uint32_t base, uint32_t off, uint32_t len,
		      uint32_t dreg)
{
	struct nftnl_expr *e = xnew(x, "payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
}

static void x_cmp(struct xb *x, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = xnew(x, "cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
}

static void x_ct_state(struct xb *x, uint32_t mask)
{
	struct nftnl_expr *e = xnew(x, "ct");
	uint32_t zero = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	e = xnew(x, "bitwise");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	}
	x_cmp(x, NFT_CMP_NEQ, &zero, 4);
}

/* load_field - loads one key field into the 32-bit register reg. */
static void load_field(struct xb *x, enum rs_field f, uint32_t reg)
{
	static const struct {
		bool		meta;
		uint32_t	key_or_base;
		uint32_t	off, len;
	} ld[] = {
		[RF_SADDR4] = { false, NFT_PAYLOAD_NETWORK_HEADER, 12, 4 },
		[RF_DADDR4] = { false, NFT_PAYLOAD_NETWORK_HEADER, 16, 4 },
		[RF_SADDR6] = { false, NFT_PAYLOAD_NETWORK_HEADER, 8, 16 },
		[RF_DADDR6] = { false, NFT_PAYLOAD_NETWORK_HEADER, 24, 16 },
		[RF_L4PROTO] = { true, NFT_META_L4PROTO, 0, 0 },
		[RF_DPORT] = { false, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2 },
		[RF_IIFNAME] = { true, NFT_META_IIFNAME, 0, 0 },
		[RF_CTMARK] = { false, 0, 0, 0 },
		/* after the ICMP header (8 bytes), the quoted header's
		 * destination: IPv4 at 16, IPv6 at 24 */
		[RF_ICMP_IDADDR4] = { false, NFT_PAYLOAD_TRANSPORT_HEADER, 24, 4 },
		[RF_ICMP_IDADDR6] = { false, NFT_PAYLOAD_TRANSPORT_HEADER, 32, 16 },
	};

	if (f == RF_CTMARK) {
		struct nftnl_expr *e = xnew(x, "ct");

		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		}
		return;
	}
	if (ld[f].meta)
		x_meta(x, ld[f].key_or_base, reg);
	else
		x_payload(x, ld[f].key_or_base, ld[f].off, ld[f].len, reg);
}

static void x_key(struct xb *x, const struct rs_set *s)
{
	uint32_t off = 0;
	unsigned i;

	for (i = 0; i < s->n_fields; i++) {
		load_field(x, s->fields[i], NFT_REG32_00 + off / 4);
		off += ruleset_field_len(s->fields[i]);
	}
}

static void x_lookup(struct xb *x, const struct rs_expr *ex, bool vmap)
{
	const struct rs_set *s = &x->rs->sets[ex->set];
	struct nftnl_expr *e;

	x_key(x, s);
	e = xnew(x, "lookup");
	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, x->pl->name[ex->set]);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)ex->set + 1);
	if (vmap)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	if (ex->arg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

static void x_objref(struct xb *x, uint32_t type, const char *name)
{
	struct nftnl_expr *e = xnew(x, "objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, type);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	}
}

static void x_verdict(struct xb *x, const struct rs_verdict *v)
{
	struct nftnl_expr *e = xnew(x, "immediate");
	static const uint32_t code[] = {
		[RV_ACCEPT] = NF_ACCEPT,
		[RV_DROP] = NF_DROP,
		[RV_GOTO] = (uint32_t)NFT_GOTO,
		[RV_JUMP] = (uint32_t)NFT_JUMP,
		[RV_RETURN] = (uint32_t)NFT_RETURN,
	};

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, code[v->code]);
	if (v->code == RV_GOTO || v->code == RV_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN,
				   x->rs->chains[v->chain].name);
}

static void build_expr(struct xb *x, const struct rs_expr *ex)
{
	struct nftnl_expr *e;
	uint8_t b;
	uint32_t u;

	switch (ex->kind) {
	case RX_NFPROTO:
		x_meta(x, NFT_META_NFPROTO, NFT_REG_1);
		b = (uint8_t)ex->arg;
		x_cmp(x, NFT_CMP_EQ, &b, 1);
		break;
	case RX_L4PROTO:
		x_meta(x, NFT_META_L4PROTO, NFT_REG_1);
		b = (uint8_t)ex->arg;
		x_cmp(x, ex->arg & 0x100 ? NFT_CMP_NEQ : NFT_CMP_EQ, &b, 1);
		break;
	case RX_CT_ESTABLISHED:
		x_ct_state(x, NF_CT_STATE_BIT(IP_CT_ESTABLISHED));
		break;
	case RX_CT_RELATED:
		x_ct_state(x, NF_CT_STATE_BIT(IP_CT_RELATED));
		break;
	case RX_CT_INVALID:
		x_ct_state(x, NF_CT_STATE_INVALID_BIT);
		break;
	case RX_IIF_LO:
		x_meta(x, NFT_META_IIF, NFT_REG_1);
		u = 1;	/* loopback is ifindex 1 in every namespace */
		x_cmp(x, NFT_CMP_EQ, &u, 4);
		break;
	case RX_ICMP_TYPE:
		x_payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
		b = (uint8_t)ex->arg;
		x_cmp(x, NFT_CMP_EQ, &b, 1);
		break;
	case RX_ICMPV6_ND:
		x_payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
		e = xnew(x, "range");
		if (e) {
			uint8_t lo = 130, hi = 137;

			nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
			nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo, 1);
			nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &hi, 1);
		}
		break;
	case RX_LOOKUP:
		x_lookup(x, ex, false);
		break;
	case RX_VMAP:
		x_lookup(x, ex, true);
		break;
	case RX_LIMIT:
		x_objref(x, NFT_OBJECT_LIMIT, "log_limit");
		break;
	case RX_LOG:
		e = xnew(x, "log");
		if (e) {
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, ex->text);
			nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP,
					   (uint16_t)x->rs->log_group);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, ex->snaplen);
			/* hand each record over at once, not in batches of
			 * up to a second: violations are logged as they
			 * happen, and the counts at stop are complete */
			nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD, 1);
		}
		break;
	case RX_COUNTER:
		x_objref(x, NFT_OBJECT_COUNTER, x->rs->objs[ex->obj].name);
		break;
	case RX_REJECT:
		e = xnew(x, "reject");
		if (e) {
			if (ex->arg == RS_REJECT_TCP_RESET) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
						   NFT_REJECT_TCP_RST);
				nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
			} else {
				nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
						   NFT_REJECT_ICMPX_UNREACH);
				nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
						  NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
			}
		}
		break;
	case RX_VERDICT:
		x_verdict(x, &ex->verdict);
		break;
	case RX_CTMARK_SET:
		e = xnew(x, "immediate");
		if (e) {
			u = ex->arg;
			nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
			nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &u, 4);
		}
		e = xnew(x, "ct");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
		}
		break;
	case RX_CTMARK_OURS:
		e = xnew(x, "ct");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
			nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		}
		e = xnew(x, "bitwise");
		if (e) {
			uint32_t mask = RS_CTMARK_TAG_MASK, zero = 0;

			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
			nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		}
		u = RS_CTMARK_TAG;	/* host order, as ct mark */
		x_cmp(x, NFT_CMP_EQ, &u, 4);
		break;
	case RX_COUNTER_MAP:
		x_key(x, &x->rs->sets[ex->set]);
		e = xnew(x, "objref");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG32_00);
			nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME,
					   x->pl->name[ex->set]);
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_ID,
					   (uint32_t)ex->set + 1);
		}
		break;
	}
}

/* ---- objects of the table ------------------------------------------------ */

static void put_comment(void *obj, int kind, uint8_t type, const char *text,
			void (*set)(void *, uint16_t, const void *, uint32_t),
			uint16_t attr)
{
	struct nftnl_udata_buf *u;

	(void)kind;
	if (text == NULL || text[0] == '\0')
		return;
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (u == NULL)
		return;
	if (nftnl_udata_put_strz(u, type, text))
		set(obj, attr, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static void set_table_data(void *o, uint16_t a, const void *d, uint32_t l)
{
	nftnl_table_set_data(o, a, d, l);
}

static void set_rule_data(void *o, uint16_t a, const void *d, uint32_t l)
{
	nftnl_rule_set_data(o, a, d, l);
}

static void set_set_data(void *o, uint16_t a, const void *d, uint32_t l)
{
	nftnl_set_set_data(o, a, d, l);
}

static void set_obj_data(void *o, uint16_t a, const void *d, uint32_t l)
{
	nftnl_obj_set_data(o, a, d, l);
}

static void add_table(struct batch *bt, struct nft_sock *ns, const char *name,
		      uint32_t flags, const char *stamp)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char mark[240];

	if (t == NULL) {
		bt->oom = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	snprintf(mark, sizeof(mark), "%s%s%s", TABLE_MARK, stamp ? "; " : "",
		 stamp ? stamp : "");
	put_comment(t, 0, NFTNL_UDATA_TABLE_COMMENT, mark, set_table_data,
		    NFTNL_TABLE_USERDATA);
	nlh = batch_msg(bt, ns, NFT_MSG_NEWTABLE, NLM_F_CREATE, "table inet %s",
			name);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_next(bt);
	}
	nftnl_table_free(t);
}

static void del_named(struct batch *bt, struct nft_sock *ns, uint16_t type,
		      const char *table, const char *name, uint32_t obj_type)
{
	struct nlmsghdr *nlh;

	nlh = batch_msg(bt, ns, type, 0, "removal of %s %s",
			type == NFT_MSG_DELSET ? "set" : type == NFT_MSG_DELOBJ ?
			"object" : "chain", name);
	if (nlh == NULL)
		return;
	if (type == NFT_MSG_DELCHAIN) {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (c == NULL) {
			bt->oom = true;
			return;
		}
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
	} else if (type == NFT_MSG_DELSET) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (s == NULL) {
			bt->oom = true;
			return;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	} else {
		struct nftnl_obj *o = nftnl_obj_alloc();

		if (o == NULL) {
			bt->oom = true;
			return;
		}
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, obj_type);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
	}
	batch_next(bt);
}

static void flush_rules(struct batch *bt, struct nft_sock *ns, const char *table)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (r == NULL) {
		bt->oom = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nlh = batch_msg(bt, ns, NFT_MSG_DELRULE, 0, "flush of table %s", table);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_next(bt);
	}
	nftnl_rule_free(r);
}

static void add_obj(struct batch *bt, struct nft_sock *ns,
		    const struct ruleset *rs, const struct rs_obj *o)
{
	struct nftnl_obj *no = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (no == NULL) {
		bt->oom = true;
		return;
	}
	nftnl_obj_set_str(no, NFTNL_OBJ_TABLE, rs->table);
	nftnl_obj_set_str(no, NFTNL_OBJ_NAME, o->name);
	nftnl_obj_set_u32(no, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	if (o->kind == RO_COUNTER) {
		nftnl_obj_set_u32(no, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	} else {
		nftnl_obj_set_u32(no, NFTNL_OBJ_TYPE, NFT_OBJECT_LIMIT);
		nftnl_obj_set_u64(no, NFTNL_OBJ_LIMIT_RATE, RS_LOG_RATE);
		nftnl_obj_set_u64(no, NFTNL_OBJ_LIMIT_UNIT, 1);
		nftnl_obj_set_u32(no, NFTNL_OBJ_LIMIT_BURST, RS_LOG_BURST);
		nftnl_obj_set_u32(no, NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
	}
	put_comment(no, 0, NFTNL_UDATA_OBJ_COMMENT, o->comment, set_obj_data,
		    NFTNL_OBJ_USERDATA);
	nlh = batch_msg(bt, ns, NFT_MSG_NEWOBJ, NLM_F_CREATE, "%s %s",
			o->kind == RO_COUNTER ? "counter" : "limit", o->name);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, no);
		batch_next(bt);
	}
	nftnl_obj_free(no);
}

static void add_chain(struct batch *bt, struct nft_sock *ns,
		      const struct ruleset *rs, const struct rs_chain *c)
{
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (nc == NULL) {
		bt->oom = true;
		return;
	}
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, rs->table);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, c->name);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (c->hook != RH_NONE) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, c->hook == RH_FORWARD ?
				    NF_INET_FORWARD : NF_INET_LOCAL_IN);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, NF_DROP);
	}
	nlh = batch_msg(bt, ns, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "chain %s",
			c->name);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		batch_next(bt);
	}
	nftnl_chain_free(nc);
}

/*
 * fault_key_len - fault injection for the tests of error reporting: with
 * ZONEGATED_FAULT=set:NAME in the environment, set NAME is declared with a
 * wrong key length, so the kernel refuses its elements in the middle of the
 * batch. Nothing else reads that variable.
 */
static uint32_t fault_key_len(const struct rs_set *s)
{
	const char *f = getenv("ZONEGATED_FAULT");

	return f != NULL && strncmp(f, "set:", 4) == 0 &&
	       strcmp(f + 4, s->name) == 0 ? 4 : 0;
}

/*
 * fault_pause - fault injection for the test of concurrent writers: with
 * ZONEGATED_FAULT=pause:MS, the first attempt of every apply waits MS
 * milliseconds between reading the generation and committing, so that the
 * test can commit in between. Nothing else reads that variable.
 */
static void fault_pause(unsigned attempt)
{
	const char *f = getenv("ZONEGATED_FAULT");

	if (attempt == 0 && f != NULL && strncmp(f, "pause:", 6) == 0)
		poll(NULL, 0, atoi(f + 6));
}

/*
 * fault_staged - fault injection for the test of a daemon killed between
 * the two transactions of an apply: with ZONEGATED_FAULT=kill:staged, the
 * process kills itself (SIGKILL, as kill -9) as soon as the staging
 * transaction is committed. Nothing else reads that variable.
 */
static void fault_staged(void)
{
	const char *f = getenv("ZONEGATED_FAULT");

	if (f != NULL && strcmp(f, "kill:staged") == 0)
		raise(SIGKILL);
}

static uint32_t key_type(const struct rs_set *s)
{
	static const uint32_t dt[] = {
		[RF_SADDR4] = DT_IPADDR, [RF_DADDR4] = DT_IPADDR,
		[RF_SADDR6] = DT_IP6ADDR, [RF_DADDR6] = DT_IP6ADDR,
		[RF_L4PROTO] = DT_INET_PROTO, [RF_DPORT] = DT_INET_SERVICE,
		[RF_IIFNAME] = DT_IFNAME, [RF_CTMARK] = DT_MARK,
		[RF_ICMP_IDADDR4] = DT_IPADDR, [RF_ICMP_IDADDR6] = DT_IP6ADDR,
	};
	uint32_t t = 0;
	unsigned i;

	for (i = 0; i < s->n_fields; i++)
		t = (t << 6) | dt[s->fields[i]];
	return t;
}

static void add_set(struct batch *bt, struct nft_sock *ns,
		    const struct ruleset *rs, const struct plan *pl, size_t idx,
		    const char *file)
{
	const struct rs_set *s = &rs->sets[idx];
	struct nftnl_set *ns_ = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nlmsghdr *nlh;
	uint32_t flags = 0;
	uint8_t flen[4];
	size_t i;
	int more;

	if (ns_ == NULL) {
		bt->oom = true;
		return;
	}
	nftnl_set_set_str(ns_, NFTNL_SET_TABLE, rs->table);
	nftnl_set_set_str(ns_, NFTNL_SET_NAME, pl->name[idx]);
	nftnl_set_set_u32(ns_, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(ns_, NFTNL_SET_ID, (uint32_t)idx + 1);
	nftnl_set_set_u32(ns_, NFTNL_SET_KEY_LEN, s->key_len + fault_key_len(s));
	nftnl_set_set_u32(ns_, NFTNL_SET_KEY_TYPE, key_type(s));
	if (s->interval)
		flags |= NFT_SET_INTERVAL;
	if (s->n_fields > 1) {
		flags |= NFT_SET_CONCAT;
		for (i = 0; i < s->n_fields; i++)
			flen[i] = (uint8_t)ruleset_field_raw_len(s->fields[i]);
		nftnl_set_set_data(ns_, NFTNL_SET_DESC_CONCAT, flen, s->n_fields);
	}
	if (s->map) {
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(ns_, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	if (s->objmap) {
		flags |= NFT_SET_OBJECT;
		nftnl_set_set_u32(ns_, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
	}
	nftnl_set_set_u32(ns_, NFTNL_SET_FLAGS, flags);
	put_comment(ns_, 0, NFTNL_UDATA_SET_COMMENT, s->comment, set_set_data,
		    NFTNL_SET_USERDATA);
	/* a staged name must be new: never add to a set that is there */
	nlh = batch_msg(bt, ns, NFT_MSG_NEWSET, NLM_F_CREATE |
			(pl->staged[idx] ? NLM_F_EXCL : 0), "set %s (%s:%d)",
			s->name, file, rs->set_line[idx] ? rs->set_line[idx] : 1);
	if (nlh == NULL)
		goto out;
	nftnl_set_nlmsg_build_payload(nlh, ns_);
	batch_next(bt);
	for (i = 0; i < s->n_elems; i++) {
		const struct rs_elem *e = &s->elems[i];
		struct nftnl_set_elem *ne = nftnl_set_elem_alloc();

		if (ne == NULL) {
			bt->oom = true;
			goto out;
		}
		nftnl_set_elem_set(ne, NFTNL_SET_ELEM_KEY, e->key, s->key_len);
		if (s->interval && s->n_fields > 1)
			nftnl_set_elem_set(ne, NFTNL_SET_ELEM_KEY_END, e->key_end,
					   s->key_len);
		if (e->interval_end)
			nftnl_set_elem_set_u32(ne, NFTNL_SET_ELEM_FLAGS,
					       NFT_SET_ELEM_INTERVAL_END);
		else if (s->objmap) {
			nftnl_set_elem_set_str(ne, NFTNL_SET_ELEM_OBJREF,
					       rs->objs[e->obj].name);
		} else if (s->map) {
			nftnl_set_elem_set_u32(ne, NFTNL_SET_ELEM_VERDICT,
					       e->data.code == RV_GOTO ?
					       (uint32_t)NFT_GOTO : (uint32_t)NFT_JUMP);
			nftnl_set_elem_set_str(ne, NFTNL_SET_ELEM_CHAIN,
					       rs->chains[e->data.chain].name);
		}
		nftnl_set_elem_add(ns_, ne);
	}
	it = nftnl_set_elems_iter_create(ns_);
	if (it == NULL) {
		bt->oom = true;
		goto out;
	}
	while (nftnl_set_elems_iter_cur(it) != NULL) {
		nlh = batch_msg(bt, ns, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
				"elements of set %s (%s:%d)", s->name, file,
				rs->set_line[idx] ? rs->set_line[idx] : 1);
		if (nlh == NULL)
			break;
		/* 1: the message is full and elements remain */
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		batch_next(bt);
		if (more <= 0)
			break;
	}
	nftnl_set_elems_iter_destroy(it);
out:
	nftnl_set_free(ns_);
}

static void add_rules(struct batch *bt, struct nft_sock *ns,
		      const struct ruleset *rs, const struct plan *pl,
		      const struct rs_chain *c, const char *file)
{
	size_t r, i;

	for (r = 0; r < c->n_rules && !bt->oom; r++) {
		const struct rs_rule *rule = &c->rules[r];
		struct xb x = { .rs = rs, .pl = pl };
		struct nlmsghdr *nlh;

		x.r = nftnl_rule_alloc();
		if (x.r == NULL) {
			bt->oom = true;
			return;
		}
		nftnl_rule_set_str(x.r, NFTNL_RULE_TABLE, rs->table);
		nftnl_rule_set_str(x.r, NFTNL_RULE_CHAIN, c->name);
		nftnl_rule_set_u32(x.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
		for (i = 0; i < rule->n; i++)
			build_expr(&x, &rule->x[i]);
		put_comment(x.r, 0, NFTNL_UDATA_RULE_COMMENT, rule->comment,
			    set_rule_data, NFTNL_RULE_USERDATA);
		if (rule->line)
			nlh = batch_msg(bt, ns, NFT_MSG_NEWRULE,
					NLM_F_CREATE | NLM_F_APPEND,
					"rule %zu of chain %s (%s:%d)", r + 1,
					c->name, file, rule->line);
		else
			nlh = batch_msg(bt, ns, NFT_MSG_NEWRULE,
					NLM_F_CREATE | NLM_F_APPEND,
					"rule %zu of chain %s (%s)", r + 1,
					c->name, rule->comment);
		if (nlh && !x.oom) {
			nftnl_rule_nlmsg_build_payload(nlh, x.r);
			batch_next(bt);
		}
		if (x.oom)
			bt->oom = true;
		nftnl_rule_free(x.r);
	}
}

static bool rs_has_chain(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_chains; i++)
		if (strcmp(rs->chains[i].name, name) == 0)
			return true;
	return false;
}

static bool rs_has_obj(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_objs; i++)
		if (strcmp(rs->objs[i].name, name) == 0)
			return true;
	return false;
}

/* ---- planning ------------------------------------------------------------ */

/* stage_kind - the sets the switch must find complete: see "the plan". */
static bool stage_kind(const struct rs_set *s)
{
	return s->interval || s->map || s->objmap;
}

static void stage_name(char *buf, size_t len, const char *name, unsigned tag)
{
	if (tag == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s.%u", name, tag);
}

static void plan_free(struct plan *pl)
{
	free(pl->name);
	free(pl->staged);
	memset(pl, 0, sizeof(*pl));
}

/* plan_make - the kernel name of every set of rs. With staging, the sets of
 * stage_kind() get the first tag none of whose names a rule uses: the
 * switch deletes the sets of the old rules and the staging any set no rule
 * uses, so tags 0 and 1 alternate. Returns 0 or an errno. */
static int plan_make(const struct ruleset *rs, const struct existing *ex,
		     bool staging, struct plan *pl)
{
	size_t n = rs->n_sets ? rs->n_sets : 1, i;
	unsigned t = 0;

	memset(pl, 0, sizeof(*pl));
	pl->name = calloc(n, sizeof(*pl->name));
	pl->staged = calloc(n, sizeof(*pl->staged));
	if (pl->name == NULL || pl->staged == NULL) {
		plan_free(pl);
		return ENOMEM;
	}
	for (; staging && t < STAGE_TAGS; t++) {
		bool clash = false;

		for (i = 0; i < rs->n_sets && !clash; i++) {
			if (!stage_kind(&rs->sets[i]))
				continue;
			stage_name(pl->name[i], sizeof(pl->name[i]),
				   rs->sets[i].name, t);
			clash = has_name(ex->used, ex->n_used, pl->name[i]);
		}
		if (!clash)
			break;
	}
	if (t == STAGE_TAGS) {
		plan_free(pl);
		return EEXIST;
	}
	pl->tag = t;
	for (i = 0; i < rs->n_sets; i++) {
		pl->staged[i] = staging && stage_kind(&rs->sets[i]);
		pl->n_staged += pl->staged[i];
		stage_name(pl->name[i], sizeof(pl->name[i]), rs->sets[i].name,
			   pl->staged[i] ? t : 0);
	}
	return 0;
}

static bool plan_staged(const struct plan *pl, const struct ruleset *rs,
			const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		if (pl->staged[i] && strcmp(pl->name[i], name) == 0)
			return true;
	return false;
}

static uint32_t obj_type(const struct rs_obj *o)
{
	return o->kind == RO_COUNTER ? NFT_OBJECT_COUNTER : NFT_OBJECT_LIMIT;
}

/* ---- the transactions ---------------------------------------------------- */

/*
 * stage - the first transaction of an apply to an existing table: the sets
 * of stage_kind(), filled, under their staged names, and what their elements
 * refer to (chains and counters the table does not have yet). No rule refers
 * to any of it, so packets see no difference. Sets that no rule uses go
 * first (left by an apply killed before its switch: not in force).
 */
static void stage(struct batch *bt, struct nft_sock *ns, const struct ruleset *rs,
		  const struct existing *ex, const struct plan *pl,
		  uint32_t table_flags, const char *file)
{
	size_t i;

	add_table(bt, ns, rs->table, table_flags, NULL);
	/* sets no rule uses: staged by an apply that never switched */
	for (i = 0; i < ex->n_sets; i++)
		if (!has_name(ex->used, ex->n_used, ex->sets[i]))
			del_named(bt, ns, NFT_MSG_DELSET, rs->table, ex->sets[i], 0);
	for (i = 0; i < rs->n_objs; i++)
		if (!has_name(ex->objs, ex->n_objs, rs->objs[i].name))
			add_obj(bt, ns, rs, &rs->objs[i]);
	for (i = 0; i < rs->n_chains; i++)
		if (rs->chains[i].hook == RH_NONE &&
		    !has_name(ex->chains, ex->n_chains, rs->chains[i].name))
			add_chain(bt, ns, rs, &rs->chains[i]);
	for (i = 0; i < rs->n_sets && !bt->oom; i++)
		if (pl->staged[i])
			add_set(bt, ns, rs, pl, i, file);
}

/*
 * unstage - after a refused switch, removes what stage() created (ex: what
 * the table held before it): the staged sets first (their elements refer to
 * the chains), then the chains and objects only they would have used.
 */
static void unstage(struct batch *bt, struct nft_sock *ns,
		    const struct ruleset *rs, const struct existing *ex,
		    const struct plan *pl)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		if (pl->staged[i])
			del_named(bt, ns, NFT_MSG_DELSET, rs->table, pl->name[i], 0);
	for (i = 0; i < rs->n_chains; i++)
		if (rs->chains[i].hook == RH_NONE &&
		    !has_name(ex->chains, ex->n_chains, rs->chains[i].name))
			del_named(bt, ns, NFT_MSG_DELCHAIN, rs->table,
				  rs->chains[i].name, 0);
	for (i = 0; i < rs->n_objs; i++)
		if (!has_name(ex->objs, ex->n_objs, rs->objs[i].name))
			del_named(bt, ns, NFT_MSG_DELOBJ, rs->table,
				  rs->objs[i].name, obj_type(&rs->objs[i]));
}

/*
 * build - the switch: the transaction that puts the compiled ruleset in
 * force (for a new table, the only one). Order matters to the kernel: rules
 * go first (they hold references to sets, chains and objects), then the sets
 * the old rules used (whose verdict elements reference chains), then chains
 * and objects the new ruleset does not have; the rest is built bottom-up:
 * objects, chains, the sets not staged with their elements, rules. Chains
 * that exist are kept (staged maps may point at them) and only their rules
 * change; base chains that exist stay registered.
 */
static void build(struct batch *bt, struct nft_sock *ns, const struct ruleset *rs,
		  const struct existing *ex, const struct plan *pl,
		  uint32_t table_flags, const char *file, const char *stamp)
{
	size_t i;

	add_table(bt, ns, rs->table, table_flags, NULL);
	if (ex->n_chains + ex->n_base + ex->n_sets + ex->n_objs > 0)
		flush_rules(bt, ns, rs->table);
	for (i = 0; i < ex->n_sets; i++)
		if (!plan_staged(pl, rs, ex->sets[i]))
			del_named(bt, ns, NFT_MSG_DELSET, rs->table, ex->sets[i], 0);
	for (i = 0; i < ex->n_chains; i++)
		if (!rs_has_chain(rs, ex->chains[i]))
			del_named(bt, ns, NFT_MSG_DELCHAIN, rs->table, ex->chains[i], 0);
	for (i = 0; i < ex->n_base; i++)
		if (!rs_has_chain(rs, ex->base[i]))
			del_named(bt, ns, NFT_MSG_DELCHAIN, rs->table, ex->base[i], 0);
	for (i = 0; i < ex->n_objs; i++)
		if (!rs_has_obj(rs, ex->objs[i]) && strcmp(ex->objs[i], STAMP_OBJ) != 0)
			del_named(bt, ns, NFT_MSG_DELOBJ, rs->table, ex->objs[i],
				  ex->obj_type[i]);
	/* counters that exist keep their counts across reloads */
	for (i = 0; i < rs->n_objs; i++)
		if (!has_name(ex->objs, ex->n_objs, rs->objs[i].name))
			add_obj(bt, ns, rs, &rs->objs[i]);
	/* the stamp: what this transaction compiled from which configuration.
	 * It is an object of its own because the kernel does not update a
	 * table's comment once the table exists; deleted and added again, it
	 * changes in the same transaction as everything it describes. */
	if (stamp != NULL) {
		struct rs_obj so = { .kind = RO_COUNTER };

		if (has_name(ex->objs, ex->n_objs, STAMP_OBJ))
			del_named(bt, ns, NFT_MSG_DELOBJ, rs->table, STAMP_OBJ,
				  NFT_OBJECT_COUNTER);
		snprintf(so.name, sizeof(so.name), "%s", STAMP_OBJ);
		snprintf(so.comment, sizeof(so.comment), "%s", stamp);
		add_obj(bt, ns, rs, &so);
	}
	for (i = 0; i < rs->n_chains; i++)
		add_chain(bt, ns, rs, &rs->chains[i]);
	for (i = 0; i < rs->n_sets && !bt->oom; i++)
		if (!pl->staged[i])
			add_set(bt, ns, rs, pl, i, file);
	for (i = 0; i < rs->n_chains && !bt->oom; i++)
		add_rules(bt, ns, rs, pl, &rs->chains[i], file);
}

static const char *describe(const struct batch *bt, uint32_t seq)
{
	size_t lo = 0, hi = bt->n;

	/* sequence numbers rise through the batch */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bt->d[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < bt->n && bt->d[lo].seq == seq)
		return bt->d[lo].what;
	if (seq == bt->seq_begin)
		return "the transaction";
	return "an unknown message";
}

static int read_existing(struct nft_sock *ns, const char *table,
			 struct existing *ex)
{
	int rc;

	memset(ex, 0, sizeof(*ex));
	ex->table = table;
	rc = dump(ns, NFT_MSG_GETCHAIN, chain_cb, ex);
	if (rc == 0)
		rc = dump(ns, NFT_MSG_GETSET, set_cb, ex);
	if (rc == 0)
		rc = dump(ns, NFT_MSG_GETOBJ, obj_cb, ex);
	if (rc == 0)
		rc = dump(ns, NFT_MSG_GETRULE, ex_rule_cb, ex);
	if (rc == 0 && ex->oom)
		rc = ENOMEM;
	return rc;
}

/* read_state - the generation, then what our table holds (in this order:
 * a commit by anyone after the first makes the kernel refuse our batch).
 * Returns 0 or an errno; on error ex needs no freeing. */
static int read_state(struct nft_sock *ns, const char *table, uint32_t *genid,
		      struct existing *ex)
{
	int rc = get_genid(ns, genid);

	memset(ex, 0, sizeof(*ex));
	if (rc == 0)
		rc = read_existing(ns, table, ex);
	if (rc != 0)
		existing_free(ex);
	return rc;
}

enum phase { PH_STAGE, PH_SWITCH, PH_UNSTAGE };

/*
 * transact - builds one transaction and commits it, carrying genid. Returns
 * 0 or an errno (ERESTART: the generation moved, nothing was done); for other
 * errors err names the refused object. *table_refused is set when the kernel
 * refused the table itself (the first message).
 */
static int transact(struct nft_sock *ns, enum phase ph, const struct ruleset *rs,
		    const struct existing *ex, const struct plan *pl,
		    uint32_t flags, const char *stamp, uint32_t genid,
		    size_t *msgs, bool *table_refused, char *err, size_t errlen)
{
	struct batch bt = { 0 };
	uint32_t err_seq = 0;
	int rc;

	*table_refused = false;
	bt.b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (bt.b == NULL) {
		seterr(err, errlen, "out of memory");
		return ENOMEM;
	}
	batch_begin(&bt, ns, genid);
	if (ph == PH_STAGE)
		stage(&bt, ns, rs, ex, pl, flags, rs->source);
	else if (ph == PH_SWITCH)
		build(&bt, ns, rs, ex, pl, flags, rs->source, stamp);
	else
		unstage(&bt, ns, rs, ex, pl);
	batch_end(&bt, ns);
	if (bt.oom) {
		nftnl_batch_free(bt.b);
		free(bt.d);
		seterr(err, errlen, "out of memory building the transaction");
		return ENOMEM;
	}
	rc = send_batch(ns, &bt, &err_seq);
	*msgs += bt.n;
	*table_refused = rc != 0 && bt.n > 0 && err_seq == bt.d[0].seq;
	if (rc != 0 && rc != ERESTART)
		seterr(err, errlen, "the kernel refused %s: %s",
		       describe(&bt, err_seq), strerror(rc));
	nftnl_batch_free(bt.b);
	free(bt.d);
	return rc;
}

int nft_apply(struct nft_sock *ns, const struct ruleset *rs, bool want_owner,
	      const char *stamp, struct nft_status *st, char *err,
	      size_t errlen)
{
	unsigned attempt;
	bool ours;
	int state, rc = 0;

	state = nft_table_state(ns, rs->table, &ours);
	if (state < 0) {
		seterr(err, errlen, "cannot read the ruleset: %s (is nf_tables "
		       "available? zonegated needs CAP_NET_ADMIN)", strerror(errno));
		return -1;
	}
	if (state == 1 && !ours) {
		seterr(err, errlen, "table inet %s exists and was not created by "
		       "zonegate; choose another table name in zonegate.conf or "
		       "remove that table", rs->table);
		return -1;
	}
	for (attempt = 0; attempt < NFT_APPLY_RETRIES; attempt++) {
		struct existing before, ex;
		struct plan pl;
		uint32_t genid = 0, flags = 0;
		bool staging, table_refused = false, staged = false;
		size_t msgs = 0;

		if (want_owner && !ns->no_persist)
			flags = NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;
		state = nft_table_state(ns, rs->table, &ours);
		if (state == 1 && !ours) {
			seterr(err, errlen, "table inet %s was replaced by one "
			       "zonegate did not create", rs->table);
			return -1;
		}
		rc = state < 0 ? errno : read_state(ns, rs->table, &genid, &before);
		if (rc != 0) {
			seterr(err, errlen, "cannot read the ruleset: %s",
			       strerror(rc));
			return -1;
		}
		staging = state == 1;
		rc = plan_make(rs, &before, staging, &pl);
		if (rc != 0) {
			existing_free(&before);
			if (rc == EEXIST)
				seterr(err, errlen, "table inet %s holds the sets "
				       "of %d unfinished applies; delete the table",
				       rs->table, STAGE_TAGS);
			else
				seterr(err, errlen, "out of memory");
			return -1;
		}
		ex = before;
		if (staging && pl.n_staged > 0) {
			rc = transact(ns, PH_STAGE, rs, &before, &pl, flags, NULL,
				      genid, &msgs, &table_refused, err, errlen);
			staged = rc == 0;
			if (staged)
				fault_staged();
			/* what the switch starts from: the old table and the
			 * staged sets, in a generation read after our commit */
			if (staged)
				rc = read_state(ns, rs->table, &genid, &ex);
			if (staged && rc != 0)
				seterr(err, errlen, "cannot read the ruleset: %s",
				       strerror(rc));
		}
		if (rc == 0) {
			fault_pause(attempt);
			rc = transact(ns, PH_SWITCH, rs, &ex, &pl, flags, stamp,
				      genid, &msgs, &table_refused, err, errlen);
		}
		if (staged)	/* ex was read again */
			existing_free(&ex);
		if (staged && rc != 0 && rc != ERESTART) {
			/* the old ruleset stays: take the staged sets away */
			char e2[NFT_ERR_MAX];
			uint32_t g = 0;
			bool tr;

			if (get_genid(ns, &g) == 0)
				transact(ns, PH_UNSTAGE, rs, &before, &pl, 0, NULL,
					 g, &msgs, &tr, e2, sizeof(e2));
		}
		existing_free(&before);
		plan_free(&pl);
		if (st)
			st->messages = msgs;
		if (rc == 0) {
			if (st) {
				st->retries = attempt;
				st->owner = flags != 0;
				st->persist = flags != 0;
				get_genid(ns, &st->genid);
			}
			return 0;
		}
		if (rc == EOPNOTSUPP && flags != 0 && table_refused) {
			/* no persist flag: an owner table would vanish with
			 * us, which would open the gateway; use no flags */
			ns->no_persist = true;
			attempt--;
			continue;
		}
		if (rc != ERESTART)
			return -1;
	}
	seterr(err, errlen, "the ruleset kept changing under us (%u attempts); "
	       "another process is committing nftables changes", attempt);
	return -1;
}

int nft_delete_table(struct nft_sock *ns, const char *name, char *err,
		     size_t errlen)
{
	struct batch bt = { 0 };
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	uint32_t genid = 0, err_seq = 0;
	int rc;

	t = nftnl_table_alloc();
	bt.b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (t == NULL || bt.b == NULL || get_genid(ns, &genid) != 0) {
		if (t)
			nftnl_table_free(t);
		if (bt.b)
			nftnl_batch_free(bt.b);
		seterr(err, errlen, "cannot prepare the removal of table %s", name);
		return -1;
	}
	batch_begin(&bt, ns, genid);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = batch_msg(&bt, ns, NFT_MSG_DELTABLE, 0, "removal of table %s", name);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_next(&bt);
	}
	batch_end(&bt, ns);
	nftnl_table_free(t);
	rc = bt.oom ? ENOMEM : send_batch(ns, &bt, &err_seq);
	nftnl_batch_free(bt.b);
	free(bt.d);
	if (rc != 0) {
		seterr(err, errlen, "cannot remove table inet %s: %s", name,
		       strerror(rc));
		return -1;
	}
	return 0;
}

struct each_q {
	const char	*table;
	nft_counter_fn	fn;
	void		*arg;
};

static int each_cb(const struct nlmsghdr *nlh, void *data)
{
	struct each_q *q = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (o == NULL)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER &&
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), q->table) == 0)
		q->fn(q->arg, nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
		      nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS),
		      nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES));
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int nft_each_counter(struct nft_sock *ns, const char *name, nft_counter_fn fn,
		     void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct each_q q = { .table = name, .fn = fn, .arg = arg };
	struct nlmsghdr *nlh;
	int rc;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP,
				    ++ns->seq);
	rc = request(ns, nlh, each_cb, &q);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

struct rules_q {
	const char	*table;
	size_t		n;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rules_q *q = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), q->table) == 0)
		q->n++;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int nft_count_rules(struct nft_sock *ns, const char *name, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rules_q q = { .table = name };
	struct nlmsghdr *nlh;
	int rc;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP,
				    ++ns->seq);
	rc = request(ns, nlh, rule_cb, &q);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	*n = q.n;
	return 0;
}

struct digest_q {
	const char		*table;
	struct nft_digest	*dg;
	char			**sets;		/* referenced by a rule */
	size_t			n_sets;
	char			**used;		/* set names the rules use */
	size_t			n_used;
	bool			oom;
};

static void dg_push(struct digest_q *q, char ***v, size_t *n, const char *name)
{
	char **nv;

	if (name == NULL || has_name(*v, *n, name))
		return;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL || (nv[*n] = strdup(name)) == NULL) {
		if (nv)
			*v = nv;
		q->oom = true;
		return;
	}
	*v = nv;
	(*n)++;
}

static void dg_used(void *arg, const char *name)
{
	struct digest_q *q = arg;

	dg_push(q, &q->used, &q->n_used, name);
}

/* dg_rule_cb - counts our rules and notes the sets they look up: a set no
 * rule uses (one staged by an apply that was killed before its switch)
 * enforces nothing and is not part of the table's shape. */
static int dg_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct digest_q *q = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), q->table) == 0) {
		q->dg->rules++;
		rule_sets(r, dg_used, q);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int dg_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct digest_q *q = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c == NULL)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), q->table) == 0) {
		q->dg->chains++;
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
		    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP)
			q->dg->base_not_drop++;
	}
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int dg_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct digest_q *q = data;
	struct nftnl_set *st = nftnl_set_alloc();

	if (st == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, st) == 0 &&
	    strcmp(nftnl_set_get_str(st, NFTNL_SET_TABLE), q->table) == 0 &&
	    !(nftnl_set_get_u32(st, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)) {
		const char *name = nftnl_set_get_str(st, NFTNL_SET_NAME);

		if (has_name(q->used, q->n_used, name))
			dg_push(q, &q->sets, &q->n_sets, name);
		else
			q->dg->unused_sets++;
	}
	nftnl_set_free(st);
	return MNL_CB_OK;
}

static int dg_elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct digest_q *q = data;
	struct nftnl_set *st = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;

	if (st == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, st) == 0) {
		it = nftnl_set_elems_iter_create(st);
		if (it != NULL) {
			while (nftnl_set_elems_iter_next(it) != NULL)
				q->dg->elems++;
			nftnl_set_elems_iter_destroy(it);
		}
	}
	nftnl_set_free(st);
	return MNL_CB_OK;
}

int nft_read_digest(struct nft_sock *ns, const char *name, struct nft_digest *dg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct digest_q q = { .table = name, .dg = dg };
	struct nlmsghdr *nlh;
	size_t i;
	int st, rc = 0;

	memset(dg, 0, sizeof(*dg));
	st = nft_table_state(ns, name, &dg->ours);
	if (st < 0)
		return -1;
	dg->present = st == 1;
	if (!dg->present)
		return 0;
	/* the set name requests carry string attributes, whose padding
	 * libmnl 1.0.4 does not clear (see batch_zero) */
	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
				    NLM_F_DUMP, ++ns->seq);
	rc = request(ns, nlh, dg_chain_cb, &q);
	if (rc == 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
					    NLM_F_DUMP, ++ns->seq);
		rc = request(ns, nlh, dg_rule_cb, &q);
	}
	if (rc == 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
					    NLM_F_DUMP, ++ns->seq);
		rc = request(ns, nlh, dg_set_cb, &q);
	}
	dg->sets = q.n_sets;
	for (i = 0; i < q.n_sets && rc == 0; i++) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (s == NULL) {
			rc = ENOMEM;
			break;
		}
		nftnl_set_set_str(s, NFTNL_SET_TABLE, name);
		nftnl_set_set_str(s, NFTNL_SET_NAME, q.sets[i]);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
					    NLM_F_DUMP, ++ns->seq);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		rc = request(ns, nlh, dg_elem_cb, &q);
	}
	free_names(q.sets, q.n_sets);
	free_names(q.used, q.n_used);
	if (rc == 0 && q.oom)
		rc = ENOMEM;
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

void nft_shape_of(const struct ruleset *rs, struct nft_shape *sh)
{
	sh->rules = ruleset_n_rules(rs);
	sh->sets = rs->n_sets;
	sh->elems = ruleset_n_elems(rs);
	sh->chains = rs->n_chains;
}

void nft_stamp(const struct nft_shape *sh, const char *checksum, char *buf,
	       size_t len)
{
	snprintf(buf, len, "sha256=%.16s rules=%zu sets=%zu elems=%zu chains=%zu",
		 checksum, sh->rules, sh->sets, sh->elems, sh->chains);
}

bool nft_digest_matches(const struct nft_digest *dg, const struct nft_shape *sh)
{
	return dg->present && dg->rules == sh->rules && dg->sets == sh->sets &&
	       dg->elems == sh->elems && dg->chains == sh->chains &&
	       dg->base_not_drop == 0;
}
/* sum_counter - nft_read_counters' callback: adds a counter to its sum. */
static void sum_counter(void *arg, const char *name, uint64_t pkts,
			uint64_t bytes)
{
	struct nft_counters *c = arg;

	(void)bytes;
	if (strncmp(name, "deny_", 5) == 0 || strncmp(name, "spoof_", 6) == 0 ||
	    strncmp(name, "unknown_", 8) == 0)
		c->denied += pkts;
	else if (strcmp(name, "nflog_sent") == 0)
		c->nflog_sent += pkts;
	else if (strncmp(name, "acc_", 4) == 0)
		c->accepted += pkts;
}

int nft_read_counters(struct nft_sock *ns, const char *name,
		      struct nft_counters *c)
{
	memset(c, 0, sizeof(*c));
	return nft_each_counter(ns, name, sum_counter, c);
}
