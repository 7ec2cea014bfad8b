/* audit.c - frames to flows, flows to verdicts, verdicts to tallies. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit.h"
#include "link.h"

#define TCP_SYN		0x02
#define TCP_ACK		0x10

/* Offline the hash needs no secret: the capture is not talking back. */
#define AUDIT_SEED	0x5a6f6e6567617465ull

struct audit {
	const struct model	*m;
	struct flow_table	*ft;
	size_t			slots;		/* n_zones + 2 */
	struct audit_pair	*pairs;		/* slots * slots */
	struct audit_stats	st;
	struct flow_entry	*last;		/* the previous packet's flow */
};

static const char *const skip_names[AUDIT_SKIP_COUNT] = {
	[AUDIT_SKIP_ZERO_LENGTH] = "zero-length",
	[AUDIT_SKIP_CAPLEN_OVER_LEN] = "caplen-over-len",
	[AUDIT_SKIP_CAPLEN_OVER_SNAPLEN] = "caplen-over-snaplen",
	[AUDIT_SKIP_LINK_TRUNCATED] = "link-truncated",
	[AUDIT_SKIP_LINK_UNSUPPORTED] = "link-unsupported",
	[AUDIT_SKIP_NOT_IP] = "not-ip",
	[AUDIT_SKIP_BAD_NFLOG] = "bad-nflog",
	[AUDIT_SKIP_IP_TRUNCATED] = "ip-truncated",
	[AUDIT_SKIP_IP_VERSION] = "ip-bad-version",
	[AUDIT_SKIP_IP_HDRLEN] = "ip-bad-header-length",
	[AUDIT_SKIP_IP_LENGTH] = "ip-bad-length",
	[AUDIT_SKIP_IP_EXTHDR] = "ip-bad-extension-headers",
	[AUDIT_SKIP_IP_FRAGMENT] = "ip-fragment-without-transport",
	[AUDIT_SKIP_IP_FAMILY] = "ip-family-mismatch",
};

static const enum audit_skip link_skips[LINK_ERR_COUNT] = {
	[LINK_ETRUNC] = AUDIT_SKIP_LINK_TRUNCATED,
	[LINK_EDLT] = AUDIT_SKIP_LINK_UNSUPPORTED,
	[LINK_ENOTIP] = AUDIT_SKIP_NOT_IP,
	[LINK_ENFLOG] = AUDIT_SKIP_BAD_NFLOG,
};

static const enum audit_skip pkt_skips[] = {
	[PKT_ETRUNC] = AUDIT_SKIP_IP_TRUNCATED,
	[PKT_EVERSION] = AUDIT_SKIP_IP_VERSION,
	[PKT_EHDRLEN] = AUDIT_SKIP_IP_HDRLEN,
	[PKT_ELEN] = AUDIT_SKIP_IP_LENGTH,
	[PKT_EEXTHDR] = AUDIT_SKIP_IP_EXTHDR,
	[PKT_EFRAG] = AUDIT_SKIP_IP_FRAGMENT,
	[PKT_EFAMILY] = AUDIT_SKIP_IP_FAMILY,
};

const char *audit_skip_name(enum audit_skip s)
{
	return (unsigned)s < AUDIT_SKIP_COUNT ? skip_names[s] : "?";
}

bool audit_flow_denied(const struct flow_entry *e)
{
	return e->verdict.action != ACTION_ACCEPT;
}

/* slot - a zone's row or column: zones, then unknown, then the gateway. */
static size_t slot(const struct audit *a, int z)
{
	if (z >= 0)
		return (size_t)z;
	return z == ZONE_UNKNOWN ? a->slots - 2 : a->slots - 1;
}

static struct audit_pair *pair_of(struct audit *a, const struct verdict *v)
{
	return &a->pairs[slot(a, v->src_zone) * a->slots + slot(a, v->dst_zone)];
}

const struct audit_pair *audit_pair(const struct audit *a, int from, int to)
{
	if (from < ZONE_UNKNOWN || to < ZONE_GATEWAY ||
	    from >= (int)a->m->n_zones || to >= (int)a->m->n_zones ||
	    from == ZONE_GATEWAY)
		return NULL;
	return &a->pairs[slot(a, from) * a->slots + slot(a, to)];
}

/* on_gone - a flow pushed out of the full table: its packets are already in
 * the tallies; only its entry in the report is lost, so count it. */
static void on_gone(void *arg, const struct flow_entry *e, enum flow_gone why)
{
	struct audit *a = arg;

	(void)why;
	a->st.evicted++;
	if (audit_flow_denied(e))
		a->st.evicted_denied++;
}

struct audit *audit_new(const struct model *m, size_t max_flows)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if (max_flows == 0 || max_flows > AUDIT_FLOWS_MAX)
		max_flows = AUDIT_FLOWS_MAX;
	a->m = m;
	a->slots = m->n_zones + 2;
	a->pairs = calloc(a->slots * a->slots, sizeof(*a->pairs));
	a->ft = flow_table_new(max_flows, AUDIT_SEED, on_gone, a);
	if (a->pairs == NULL || a->ft == NULL) {
		audit_free(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

void audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	flow_table_free(a->ft);
	free(a->pairs);
	free(a);
}

static void skip(struct audit *a, enum audit_skip why)
{
	a->st.skip[why]++;
	a->st.skipped++;
}

/* judge - the verdict of a new flow, from its initiator's first packet.
 * A midstream TCP flow denied one way but permitted the other is the
 * other way round: the capture missed its SYN. */
static void judge(struct audit *a, struct flow_entry *e,
		  const struct pkt_info *pi)
{
	struct flow f;
	struct verdict rev;
	bool syn = pi->has_tcp_flags && (pi->tcp_flags & TCP_SYN);

	flow_policy_flow(e, &f);
	policy_decide(a->m, &f, &e->verdict);
	e->has_verdict = true;
	e->icmp_code = pi->icmp_code;
	if (pi->proto != IPPROTO_TCP || (syn && !(pi->tcp_flags & TCP_ACK)))
		return;
	a->st.midstream++;
	e->user |= AUDIT_FLOW_MIDSTREAM;
	if (!syn && e->verdict.action == ACTION_ACCEPT)
		return;
	flow_reverse(e);
	flow_policy_flow(e, &f);
	policy_decide(a->m, &f, &rev);
	if (!syn && rev.action != ACTION_ACCEPT) {
		flow_reverse(e);	/* denied both ways: as seen */
		return;
	}
	e->verdict = rev;
	e->user |= AUDIT_FLOW_REVERSED;
	a->st.reversed++;
}

void audit_packet(struct audit *a, const struct pkt_info *pi, uint64_t bytes,
		  uint64_t ts_us)
{
	struct flow_entry *e;
	struct audit_pair *p;
	struct flow_key k;
	unsigned src_end;
	enum audit_class c;
	bool reply, created;

	a->st.frames++;
	if (flow_is_icmp_error(pi)) {
		a->st.related++;
		a->st.related_bytes += bytes;
		return;
	}
	src_end = flow_key_make(pi, &k, &reply);
	/* packets come in bursts: the previous packet's flow is the most
	 * recently seen already, and needs no lookup */
	created = false;
	e = a->last;
	if (e == NULL || !flow_key_eq(&e->key, &k))
		e = flow_get(a->ft, &k, reply ? src_end ^ 1 : src_end, ts_us,
			     &created);
	a->last = e;
	if (created)
		judge(a, e, pi);
	flow_count(e, flow_dir(e, src_end), bytes, ts_us);
	c = audit_flow_denied(e) ? AUDIT_DENIED : AUDIT_PERMITTED;
	p = pair_of(a, &e->verdict);
	if (created) {
		p->t[c].flows++;
		a->st.total[c].flows++;
	}
	p->t[c].packets++;
	p->t[c].bytes += bytes;
	a->st.total[c].packets++;
	a->st.total[c].bytes += bytes;
	a->st.packets++;
}

void audit_frame(struct audit *a, int dlt, const uint8_t *p, size_t caplen,
		 size_t len, size_t snaplen, uint64_t ts_us)
{
	struct link_pkt lp;
	struct pkt_info pi;
	enum link_err le;
	enum pkt_err pe;
	uint64_t bytes;

	if (caplen == 0 || p == NULL) {
		a->st.frames++;
		skip(a, AUDIT_SKIP_ZERO_LENGTH);
		return;
	}
	if (caplen > len || (snaplen != 0 && caplen > snaplen)) {
		a->st.frames++;
		skip(a, caplen > len ? AUDIT_SKIP_CAPLEN_OVER_LEN :
		     AUDIT_SKIP_CAPLEN_OVER_SNAPLEN);
		return;
	}
	le = link_decap(dlt, p, caplen, &lp);
	if (le != LINK_OK) {
		a->st.frames++;
		skip(a, link_skips[le]);
		return;
	}
	pe = pkt_parse(lp.ip, lp.len, lp.family, &pi);
	if (pe != PKT_OK) {
		a->st.frames++;
		skip(a, (size_t)pe < sizeof(pkt_skips) / sizeof(pkt_skips[0]) ?
		     pkt_skips[pe] : AUDIT_SKIP_IP_TRUNCATED);
		return;
	}
	/* the IP header's length survives a short snap length; the frame's
	 * length bounds a header that lies (NFLOG's is the record's, not the
	 * packet's) */
	bytes = pi.ip_len;
	if (dlt != LINK_DLT_NFLOG && len - lp.hdrlen < bytes)
		bytes = len - lp.hdrlen;
	audit_packet(a, &pi, bytes, ts_us);
}

const struct audit_stats *audit_stats(const struct audit *a)
{
	return &a->st;
}

bool audit_violation(const struct audit *a)
{
	return a->st.total[AUDIT_DENIED].flows > 0;
}

static int by_seq(const void *x, const void *y)
{
	const struct flow_entry *a = *(const struct flow_entry *const *)x;
	const struct flow_entry *b = *(const struct flow_entry *const *)y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

const struct flow_entry **audit_flows(const struct audit *a, size_t *n)
{
	const struct flow_entry **v, *e = NULL;
	size_t cnt = flow_table_count(a->ft), i = 0, k;

	*n = 0;
	if (cnt == 0)
		return NULL;
	v = malloc(cnt * sizeof(*v));
	if (v == NULL)
		return NULL;
	while ((e = flow_next(a->ft, e)) != NULL && i < cnt)
		v[i++] = e;
	/* slots are taken in creation order until the first eviction */
	for (k = 1; k < i && v[k - 1]->seq < v[k]->seq; k++)
		;
	if (k < i)
		qsort(v, i, sizeof(*v), by_seq);
	*n = i;
	return v;
}
