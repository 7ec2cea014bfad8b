/* capture.c - libpcap handles. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct capture {
	pcap_t		*p;
	capture_handler	h;
	void		*arg;
	int		fd;
	int		dlt;
	char		name[32];
	bool		is_nflog;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr,
		      const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	struct capture_pkt p = {
		.data = bytes, .caplen = hdr->caplen, .len = hdr->len,
		.ts_us = (uint64_t)hdr->ts.tv_sec * 1000000 + (uint64_t)hdr->ts.tv_usec,
		.dlt = c->dlt, .ifname = c->is_nflog ? NULL : c->name,
	};

	c->h(c->arg, &p);
}

/* open_handle - create, configure, activate; the caller checks the rest. */
static struct capture *open_handle(const char *dev, int snaplen, int bufsize,
				   char *ebuf)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", dev);
	c->p = pcap_create(dev, ebuf);
	if (c->p == NULL)
		goto out_free;
	pcap_set_snaplen(c->p, snaplen);
	pcap_set_buffer_size(c->p, bufsize);
	/* TPACKET_V3 hands over a block when it is full or this old (ms):
	 * batched delivery without immediate mode, yet never stale */
	pcap_set_timeout(c->p, 200);
	if (pcap_activate(c->p) < 0) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(c->p));
		goto out_free;
	}
	c->dlt = pcap_datalink(c->p);
	return c;
out_free:
	capture_close(c);
	return NULL;
}

static int finish(struct capture *c, capture_handler h, void *arg, char *ebuf)
{
	if (pcap_setnonblock(c->p, 1, ebuf) < 0)
		return -1;
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd < 0) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "no selectable descriptor");
		return -1;
	}
	c->h = h;
	c->arg = arg;
	return 0;
}

struct capture *capture_open_nflog(unsigned group, capture_handler h,
				   void *arg, char *err, size_t errlen)
{
	char dev[32], ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;

	snprintf(dev, sizeof(dev), "nflog:%u", group);
	c = open_handle(dev, CAPTURE_SNAPLEN, CAPTURE_BUFFER, ebuf);
	if (c == NULL)
		goto out_err;
	c->is_nflog = true;
	if (c->dlt != DLT_NFLOG) {
		snprintf(ebuf, sizeof(ebuf), "link type %d is not NFLOG", c->dlt);
		goto out_err;
	}
	if (finish(c, h, arg, ebuf) < 0)
		goto out_err;
	return c;
out_err:
	snprintf(err, errlen, "cannot capture %s: %s", dev, ebuf);
	capture_close(c);
	return NULL;
}

struct capture *capture_open_iface(const char *name, capture_handler h,
				   void *arg, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct capture *c;

	c = open_handle(name, CAPTURE_IF_SNAPLEN, CAPTURE_IF_BUFFER, ebuf);
	if (c == NULL)
		goto out_err;
	/* each forwarded packet once: where it entered the gateway */
	if (pcap_setdirection(c->p, PCAP_D_IN) < 0 ||
	    pcap_compile(c->p, &prog, CAPTURE_IF_FILTER, 1,
			 PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(c->p));
		goto out_err;
	}
	if (pcap_setfilter(c->p, &prog) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(c->p));
		pcap_freecode(&prog);
		goto out_err;
	}
	pcap_freecode(&prog);
	if (finish(c, h, arg, ebuf) < 0)
		goto out_err;
	return c;
out_err:
	snprintf(err, errlen, "cannot capture on %s: %s", name, ebuf);
	capture_close(c);
	return NULL;
}

void capture_set_handler(struct capture *c, capture_handler h, void *arg)
{
	c->h = h;
	c->arg = arg;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
}

const char *capture_name(const struct capture *c)
{
	return c->name;
}

int capture_read(struct capture *c, int max, char *err, size_t errlen)
{
	int n;

	errno = 0;
	n = pcap_dispatch(c->p, max, on_packet, (u_char *)c);
	/* libpcap's netfilter reader reports a drained socket as an error */
	if (n == PCAP_ERROR && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(c->p));
		return -1;
	}
	return n < 0 ? 0 : n;
}

void capture_drops(struct capture *c, uint64_t *drop, uint64_t *ifdrop)
{
	struct pcap_stat st;

	*drop = *ifdrop = 0;
	if (pcap_stats(c->p, &st) == 0) {
		*drop = st.ps_drop;
		*ifdrop = st.ps_ifdrop;
	}
}

void capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}
