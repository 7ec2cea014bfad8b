/* capture.h - the one module that opens pcap handles.
 *
 * Two kinds: the NFLOG group of violations ("nflog:N", link type
 * DLT_NFLOG), and the zone interfaces, where connection openings are
 * classified (TPACKET_V3 ring, no immediate mode, a BPF filter that keeps
 * only what classification needs, headers only). Handles are non-blocking
 * and read with pcap_dispatch when their descriptor is readable, so there
 * is no busy loop.
 */
#ifndef ZG_CAPTURE_H
#define ZG_CAPTURE_H

#include <pcap/pcap.h>
#include <stdint.h>

/* libpcap reads each netlink datagram into a buffer of snaplen + 128, and
 * the kernel may batch several records into one datagram: a small snaplen
 * would truncate the batch. The rules already cut each packet to headers. */
#define CAPTURE_SNAPLEN		65535
#define CAPTURE_BUFFER		(8 * 1024 * 1024)
/* zone interfaces: Ethernet + VLAN + IPv6 with extension headers + TCP */
#define CAPTURE_IF_SNAPLEN	192
#define CAPTURE_IF_BUFFER	(4 * 1024 * 1024)
/* openings and answers: TCP SYN (and SYN-ACK), UDP, ICMP (v4 and v6) */
#define CAPTURE_IF_FILTER	"(tcp[tcpflags] & tcp-syn != 0) or udp or icmp " \
				"or icmp6 or (ip6 and tcp and ip6[53] & 2 != 0)"

struct capture_pkt {
	const uint8_t	*data;
	size_t		caplen;
	size_t		len;		/* on the wire */
	uint64_t	ts_us;
	int		dlt;
	const char	*ifname;	/* the interface, or NULL for nflog */
};

struct capture;

/* capture_handler - one captured packet. */
typedef void (*capture_handler)(void *arg, const struct capture_pkt *p);

/* capture_open_nflog - opens "nflog:group". Returns NULL and fills err. */
struct capture *capture_open_nflog(unsigned group, capture_handler h,
				   void *arg, char *err, size_t errlen);

/* capture_open_iface - opens interface name for classification (inbound
 * packets only). Returns NULL and fills err. */
struct capture *capture_open_iface(const char *name, capture_handler h,
				   void *arg, char *err, size_t errlen);

/* capture_set_handler - where packets go from now on (a handle opened by
 * the daemon and read by the parser it forked). */
void capture_set_handler(struct capture *c, capture_handler h, void *arg);

/* capture_fd - the descriptor to poll for input. */
int capture_fd(const struct capture *c);

/* capture_name - "nflog:7" or the interface name. */
const char *capture_name(const struct capture *c);

/* capture_read - handles what is queued, at most max records; returns the
 * number handled or -1 (error text in err: the handle is unusable, e.g.
 * the interface went away). */
int capture_read(struct capture *c, int max, char *err, size_t errlen);

/* capture_drops - libpcap's ps_drop and ps_ifdrop. */
void capture_drops(struct capture *c, uint64_t *drop, uint64_t *ifdrop);

/* capture_close - closes the handle; NULL is fine. */
void capture_close(struct capture *c);

#endif
