/* capture.c - libpcap handles. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct capture {
	pcap_t		*p;
	capture_handler	h;
	void		*arg;
	int		fd;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr,
		      const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	c->h(c->arg, bytes, hdr->caplen, (uint64_t)hdr->ts.tv_sec);
}

struct capture *capture_open_nflog(unsigned group, capture_handler h,
				   void *arg, char *err, size_t errlen)
{
	char dev[32], ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(dev, sizeof(dev), "nflog:%u", group);
	c->p = pcap_create(dev, ebuf);
	if (c->p == NULL)
		goto out_err;
	pcap_set_snaplen(c->p, CAPTURE_SNAPLEN);
	pcap_set_buffer_size(c->p, CAPTURE_BUFFER);
	if (pcap_activate(c->p) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(c->p));
		goto out_err;
	}
	if (pcap_datalink(c->p) != DLT_NFLOG) {
		snprintf(ebuf, sizeof(ebuf), "link type %d is not NFLOG",
			 pcap_datalink(c->p));
		goto out_err;
	}
	if (pcap_setnonblock(c->p, 1, ebuf) < 0)
		goto out_err;
	c->fd = pcap_get_selectable_fd(c->p);
	if (c->fd < 0) {
		snprintf(ebuf, sizeof(ebuf), "no selectable descriptor");
		goto out_err;
	}
	c->h = h;
	c->arg = arg;
	return c;
out_err:
	snprintf(err, errlen, "cannot capture %s: %s", dev, ebuf);
	capture_close(c);
	return NULL;
}

int capture_fd(const struct capture *c)
{
	return c->fd;
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
