/* viol.h - a logged packet becomes a violation event, and an event a line.
 *
 * The kernel's NFLOG prefix ("zg REASON FROM TO") says why a packet was
 * denied; the policy engine, given the same packet, must come to the same
 * reason and zones. An event that disagrees is still reported (the kernel
 * did drop the packet) and counted, because it means the table and the
 * configuration differ.
 *
 * Lines follow the format of zonegated(8): "violation key=value ..." with
 * keys in a fixed order and values that never hold a space or a control
 * character. No byte of payload is ever part of an event.
 */
#ifndef ZG_VIOL_H
#define ZG_VIOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pkt.h"
#include "policy.h"

#define VIOL_LINE_MAX	512
#define VIOL_IFNAME_MAX	16

enum viol_err {
	VIOL_OK,
	VIOL_EPREFIX,		/* a prefix zonegate did not write */
	VIOL_EDISAGREE,		/* prefix and engine disagree (still usable) */
};

struct viol_event {
	enum reason		reason;		/* from the kernel's prefix */
	bool			permit;		/* a logged permitted flow */
	int			src_zone, dst_zone;
	struct pkt_info		pi;
	char			in[VIOL_IFNAME_MAX + 1];	/* "" if none */
	char			out[VIOL_IFNAME_MAX + 1];
	const struct policy	*entry;		/* permit: the entry */
	uint64_t		count;
};

/* viol_attribute - builds *ev from the kernel's prefix, the parsed packet
 * and the interface names (NULL or "" when the packet had none). Returns
 * VIOL_OK, VIOL_EDISAGREE (ev filled from the prefix's reason and the
 * engine's zones) or VIOL_EPREFIX (ev unusable). */
enum viol_err viol_attribute(const struct model *m, const char *prefix,
			     const struct pkt_info *pi, const char *in,
			     const char *out, struct viol_event *ev);

/* viol_format - "violation ..." (or "permit ...") into buf of len bytes.
 * Returns the line length (without NUL). */
size_t viol_format(char *buf, size_t len, const struct model *m,
		   const struct viol_event *ev);

/* viol_escape - copies s into dst (of len bytes), every byte outside
 * printable ASCII and the characters '\\', '=', '"' as \xHH; "-" for an
 * empty string. */
void viol_escape(char *dst, size_t len, const char *s);

/* viol_time - "2026-11-25T10:00:01Z" into buf of 24 bytes. */
const char *viol_time(uint64_t sec, char *buf);

#endif
