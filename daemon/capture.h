/* capture.h - the one module that opens pcap handles.
 *
 * The NFLOG group of violations is read with libpcap ("nflog:N", link type
 * DLT_NFLOG) from the event loop: the handle is non-blocking and read with
 * pcap_dispatch when its descriptor is readable, so there is no busy loop.
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

struct capture;

/* capture_handler - one record: its bytes (caplen of them) and the time. */
typedef void (*capture_handler)(void *arg, const uint8_t *rec, size_t caplen,
				uint64_t ts_sec);

/* capture_open_nflog - opens "nflog:group". Returns NULL and fills err. */
struct capture *capture_open_nflog(unsigned group, capture_handler h,
				   void *arg, char *err, size_t errlen);

/* capture_fd - the descriptor to poll for input. */
int capture_fd(const struct capture *c);

/* capture_read - handles what is queued, at most max records; returns the
 * number handled or -1 (error text in err). */
int capture_read(struct capture *c, int max, char *err, size_t errlen);

/* capture_drops - libpcap's ps_drop and ps_ifdrop. */
void capture_drops(struct capture *c, uint64_t *drop, uint64_t *ifdrop);

/* capture_close - closes the handle; NULL is fine. */
void capture_close(struct capture *c);

#endif
