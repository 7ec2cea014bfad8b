/* watch.c - the nftables event monitor. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch.h"

struct watch {
	struct mnl_socket	*nl;
	char			table[64];
	const char		*change;	/* of the generation in progress */
	watch_fn		fn;
	void			*arg;
};

/* The event kinds that concern a table, and how the alert names them. */
static const char *const changes[] = {
	[NFT_MSG_NEWTABLE] = "table-changed",
	[NFT_MSG_DELTABLE] = "table-deleted",
	[NFT_MSG_NEWCHAIN] = "chain-changed",
	[NFT_MSG_DELCHAIN] = "chain-deleted",
	[NFT_MSG_NEWRULE] = "rule-added",
	[NFT_MSG_DELRULE] = "rule-removed",
	[NFT_MSG_NEWSET] = "set-added",
	[NFT_MSG_DELSET] = "set-deleted",
	[NFT_MSG_NEWSETELEM] = "set-element-added",
	[NFT_MSG_DELSETELEM] = "set-element-removed",
	[NFT_MSG_NEWOBJ] = "object-changed",
	[NFT_MSG_DELOBJ] = "object-deleted",
};

struct watch *watch_open(const char *table, char *err, size_t errlen)
{
	struct watch *w = calloc(1, sizeof(*w));
	int grp = NFNLGRP_NFTABLES, buf = 8 * 1024 * 1024;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(w->table, sizeof(w->table), "%s", table);
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (w->nl == NULL || mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		snprintf(err, errlen, "cannot listen to nftables events: %s",
			 strerror(errno));
		watch_close(w);
		return NULL;
	}
	setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUFFORCE, &buf,
		   sizeof(buf));
	return w;
}

int watch_fd(const struct watch *w)
{
	return mnl_socket_get_fd(w->nl);
}

/* attr_str - the string attribute of type t in the message, or NULL. */
static const char *attr_str(const struct nlmsghdr *nlh, uint16_t t)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == t &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			return mnl_attr_get_str(a);
	return NULL;
}

static void on_gen(struct watch *w, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	uint32_t pid = 0;
	const char *comm = "";

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			pid = ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
			 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			comm = mnl_attr_get_str(a);
	}
	if (w->change != NULL && pid != (uint32_t)getpid())
		w->fn(w->arg, pid, comm, w->change);
	w->change = NULL;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	const struct nfgenmsg *g;
	const char *table;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return MNL_CB_OK;
	if (type == NFT_MSG_NEWGEN) {
		on_gen(w, nlh);
		return MNL_CB_OK;
	}
	g = mnl_nlmsg_get_payload(nlh);
	if (type >= sizeof(changes) / sizeof(changes[0]) || changes[type] == NULL ||
	    g->nfgen_family != NFPROTO_INET)
		return MNL_CB_OK;
	/* the table's name is attribute 1 in every one of these messages */
	table = attr_str(nlh, 1);
	/* the first change names the generation, but a deleted table is
	 * what an administrator must hear about above all */
	if (table != NULL && strcmp(table, w->table) == 0 &&
	    (w->change == NULL || type == NFT_MSG_DELTABLE))
		w->change = changes[type];
	return MNL_CB_OK;
}

void watch_read(struct watch *w, watch_fn fn, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	ssize_t n;
	int rounds = 0;

	w->fn = fn;
	w->arg = arg;
	while (rounds++ < 256) {
		n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* events were lost: the caller must compare */
				w->change = NULL;
				fn(arg, 0, "", "events-lost");
				continue;
			}
			return;
		}
		/* events carry no sequence number or port of ours */
		mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, w);
	}
}

void watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w);
}
