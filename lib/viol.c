/* viol.c - attribution and the violation line. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "viol.h"

static const struct {
	const char	*name;
	enum reason	reason;
} prefix_reasons[] = {
	{ "policy", REASON_POLICY },
	{ "spoof", REASON_SPOOF },
	{ "unknown-zone", REASON_UNKNOWN_ZONE },
	{ "intra", REASON_INTRA },
	{ "reject", REASON_REJECT },
	{ "drop", REASON_DROP },
	{ "permit", REASON_PERMIT },
};

/* zone_token - a zone named in a prefix: a zone, "gateway", or "-" (not
 * known to the kernel: ZONE_UNKNOWN). Returns false for anything else. */
static bool zone_token(const struct model *m, const char *s, size_t n, int *z)
{
	char name[ZG_NAME_MAX + 1];

	if (n == 0 || n > ZG_NAME_MAX)
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	if (strcmp(name, "-") == 0) {
		*z = ZONE_UNKNOWN;
		return true;
	}
	*z = model_zone_index(m, name);
	return *z != ZONE_UNKNOWN;
}

/* parse_prefix - "zg REASON FROM TO". */
static bool parse_prefix(const struct model *m, const char *p, enum reason *r,
			 int *from, int *to)
{
	const char *tok[4];
	size_t len[4], i, k;

	for (k = 0; k < 4; k++) {
		while (*p == ' ')
			p++;
		tok[k] = p;
		while (*p != ' ' && *p != '\0')
			p++;
		len[k] = (size_t)(p - tok[k]);
		if (len[k] == 0)
			return false;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || len[0] != 2 || memcmp(tok[0], "zg", 2) != 0)
		return false;
	for (i = 0; i < sizeof(prefix_reasons) / sizeof(prefix_reasons[0]); i++)
		if (strlen(prefix_reasons[i].name) == len[1] &&
		    memcmp(prefix_reasons[i].name, tok[1], len[1]) == 0)
			break;
	if (i == sizeof(prefix_reasons) / sizeof(prefix_reasons[0]))
		return false;
	*r = prefix_reasons[i].reason;
	return zone_token(m, tok[2], len[2], from) &&
	       zone_token(m, tok[3], len[3], to);
}

static void copy_ifname(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, VIOL_IFNAME_MAX) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

enum viol_err viol_attribute(const struct model *m, const char *prefix,
			     const struct pkt_info *pi, const char *in,
			     const char *out, struct viol_event *ev)
{
	struct flow f = { 0 };
	struct verdict v;
	enum reason r;
	int from, to;

	memset(ev, 0, sizeof(*ev));
	if (!parse_prefix(m, prefix, &r, &from, &to))
		return VIOL_EPREFIX;
	ev->reason = r;
	ev->permit = r == REASON_PERMIT;
	ev->pi = *pi;
	ev->count = 1;
	copy_ifname(ev->in, in);
	copy_ifname(ev->out, out);
	f.proto = pi->proto;
	f.src = pi->src;
	f.dst = pi->dst;
	f.sport = pi->sport;
	f.dport = pi->dport;
	f.icmp_type = pi->icmp_type;
	f.iif = ev->in[0] ? ev->in : NULL;
	f.local = to == ZONE_GATEWAY;
	policy_decide(m, &f, &v);
	if (r == REASON_SPOOF && v.reason == REASON_INVALID) {
		/* an ICMP message that starts no flow (an echo reply) is
		 * logged as spoofed only by the check of established flows,
		 * which it passed conntrack for: judge its addresses and
		 * interface as those of a flow's start */
		f.icmp_type = f.proto == IPPROTO_ICMP ? 8 : 128;
		policy_decide(m, &f, &v);
	}
	ev->src_zone = v.src_zone;
	ev->dst_zone = v.dst_zone;
	ev->entry = v.entry;
	/* the kernel writes "-" for a zone it did not need to know */
	if (v.reason != r || (from != ZONE_UNKNOWN && from != v.src_zone) ||
	    (to != ZONE_UNKNOWN && to != v.dst_zone))
		return VIOL_EDISAGREE;
	return VIOL_OK;
}

void viol_escape(char *dst, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (len == 0)
		return;
	if (s == NULL || *s == '\0')
		s = "-";
	for (; *s && o + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c > 0x20 && c < 0x7f && c != '\\' && c != '=' && c != '"') {
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= len)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
}

const char *viol_time(uint64_t sec, char *buf)
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

size_t viol_format(char *buf, size_t len, const struct model *m,
		   const struct viol_event *ev)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN], pn[4], in[4 * VIOL_IFNAME_MAX + 1],
	     out[4 * VIOL_IFNAME_MAX + 1], l4[48] = "";
	const struct pkt_info *pi = &ev->pi;
	int n;

	if (pi->has_ports)
		snprintf(l4, sizeof(l4), " sport=%u", pi->sport);
	viol_escape(in, sizeof(in), ev->in);
	viol_escape(out, sizeof(out), ev->out);
	n = snprintf(buf, len, "%s reason=%s src_zone=%s dst_zone=%s proto=%s "
		     "src=%s%s dst=%s", ev->permit ? "permit" : "violation",
		     policy_reason_name(ev->reason),
		     model_zone_name(m, ev->src_zone),
		     model_zone_name(m, ev->dst_zone),
		     pkt_proto_name(pi->proto, pn), addr_format(&pi->src, s), l4,
		     addr_format(&pi->dst, d));
	if (n < 0 || (size_t)n >= len)
		return len ? len - 1 : 0;
	if (pi->has_ports)
		n += snprintf(buf + n, len - (size_t)n, " dport=%u", pi->dport);
	else if (pi->has_icmp)
		n += snprintf(buf + n, len - (size_t)n, " type=%u code=%u",
			      pi->icmp_type, pi->icmp_code);
	if ((size_t)n >= len)
		return len - 1;
	n += snprintf(buf + n, len - (size_t)n, " in=%s out=%s", in, out);
	if ((size_t)n >= len)
		return len - 1;
	if (ev->permit && ev->entry != NULL) {
		char path[256];

		viol_escape(path, sizeof(path), m->path);
		n += snprintf(buf + n, len - (size_t)n, " rule=%s:%d", path,
			      ev->entry->line);
	}
	if ((size_t)n >= len)
		return len - 1;
	n += snprintf(buf + n, len - (size_t)n, " count=%llu",
		      (unsigned long long)ev->count);
	return (size_t)n < len ? (size_t)n : len - 1;
}
