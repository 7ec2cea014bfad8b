/* auditprint.c - the audit report for an administrator (text) or a program
 * (JSON). The text lines of flows follow the daemon's violation lines:
 * "key=value" in a fixed order, values without spaces. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "auditprint.h"
#include "../lib/viol.h"

#define NCOLS	8	/* from, to, then flows/packets/bytes twice */

static bool has_ports(const struct flow_entry *e)
{
	return e->key.proto == IPPROTO_TCP || e->key.proto == IPPROTO_UDP;
}

static bool is_icmp(const struct flow_entry *e)
{
	return e->key.proto == IPPROTO_ICMP || e->key.proto == IPPROTO_ICMPV6;
}

/* The rows of the pair table: zones in file order, then unknown; columns
 * also the gateway. */
static int zone_at(const struct model *m, size_t i)
{
	return i < m->n_zones ? (int)i : i == m->n_zones ? ZONE_UNKNOWN :
	       ZONE_GATEWAY;
}

static bool pair_used(const struct audit_pair *p)
{
	return p != NULL && (p->t[AUDIT_PERMITTED].flows ||
			     p->t[AUDIT_DENIED].flows ||
			     p->t[AUDIT_PERMITTED].packets ||
			     p->t[AUDIT_DENIED].packets);
}

/* for_each_pair - calls fn for every pair that saw traffic. */
static void for_each_pair(const struct model *m, const struct audit *a,
			  void (*fn)(void *arg, int from, int to,
				     const struct audit_pair *p), void *arg)
{
	size_t i, k;

	for (i = 0; i <= m->n_zones; i++)
		for (k = 0; k <= m->n_zones + 1; k++) {
			const struct audit_pair *p =
				audit_pair(a, zone_at(m, i), zone_at(m, k));

			if (pair_used(p))
				fn(arg, zone_at(m, i), zone_at(m, k), p);
		}
}

/* A buffered writer for the flow lines, of which there may be millions:
 * appends without format parsing, one fwrite per 64 KiB. */
struct out {
	FILE		*f;
	size_t		n;
	uint64_t	tsec;		/* the second in tstr, +1: none yet */
	char		tstr[24];
	char		b[65536];
};

static void out_flush(struct out *o)
{
	if (o->n > 0)
		fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
}

static void out_mem(struct out *o, const char *s, size_t k)
{
	if (k > sizeof(o->b) - o->n)
		out_flush(o);
	if (k > sizeof(o->b)) {
		fwrite(s, 1, k, o->f);
		return;
	}
	memcpy(o->b + o->n, s, k);
	o->n += k;
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_u64(struct out *o, uint64_t v)
{
	char t[20];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_mem(o, t + i, sizeof(t) - i);
}

/* out_time - "2026-11-25T10:00:01Z" of a time in microseconds; flows come
 * in time order, so the text of one second is reused. */
static void out_time(struct out *o, uint64_t us)
{
	uint64_t sec = us / 1000000;

	if (o->tsec != sec + 1) {
		viol_time(sec, o->tstr);
		o->tsec = sec + 1;
	}
	out_str(o, o->tstr);
}

static void out_init(struct out *o, FILE *f)
{
	o->f = f;
	o->n = 0;
	o->tsec = 0;
}

/* ---- text ---- */

struct table {
	const struct model	*m;
	FILE			*out;
	int			w[NCOLS];
};

static int ndigits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static void widen(struct table *t, const char *from, const char *to,
		  const struct audit_pair *p)
{
	uint64_t v[6] = {
		p->t[0].flows, p->t[0].packets, p->t[0].bytes,
		p->t[1].flows, p->t[1].packets, p->t[1].bytes,
	};
	int i;

	if ((int)strlen(from) > t->w[0])
		t->w[0] = (int)strlen(from);
	if ((int)strlen(to) > t->w[1])
		t->w[1] = (int)strlen(to);
	for (i = 0; i < 6; i++)
		if (ndigits(v[i]) > t->w[2 + i])
			t->w[2 + i] = ndigits(v[i]);
}

static void widen_pair(void *arg, int from, int to, const struct audit_pair *p)
{
	struct table *t = arg;

	widen(t, model_zone_name(t->m, from), model_zone_name(t->m, to), p);
}

static void row(struct table *t, const char *from, const char *to,
		const struct audit_pair *p)
{
	fprintf(t->out, "%-*s  %-*s", t->w[0], from, t->w[1], to);
	fprintf(t->out, "  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64, t->w[2],
		p->t[0].flows, t->w[3], p->t[0].packets, t->w[4], p->t[0].bytes);
	fprintf(t->out, "  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64 "\n", t->w[5],
		p->t[1].flows, t->w[6], p->t[1].packets, t->w[7], p->t[1].bytes);
}

static void print_pair(void *arg, int from, int to, const struct audit_pair *p)
{
	struct table *t = arg;

	row(t, model_zone_name(t->m, from), model_zone_name(t->m, to), p);
}

static void text_table(FILE *out, const struct model *m, const struct audit *a)
{
	static const char *const heads[NCOLS] = {
		"from", "to", "flows", "packets", "bytes", "flows", "packets",
		"bytes",
	};
	const struct audit_stats *st = audit_stats(a);
	struct audit_pair total;
	struct table t = { .m = m, .out = out };
	int i, perm, deny;

	total.t[0] = st->total[0];
	total.t[1] = st->total[1];
	for (i = 0; i < NCOLS; i++)
		t.w[i] = (int)strlen(heads[i]);
	for_each_pair(m, a, widen_pair, &t);
	widen(&t, "total", "", &total);
	/* group labels over the three columns of each class */
	perm = t.w[0] + 2 + t.w[1] + 2;
	deny = t.w[2] + 2 + t.w[3] + 2 + t.w[4] + 2;
	if (deny < (int)strlen("permitted") + 1)
		deny = (int)strlen("permitted") + 1;
	fprintf(out, "%*s%-*s%s\n", perm, "", deny, "permitted", "denied");
	fprintf(out, "%-*s  %-*s", t.w[0], heads[0], t.w[1], heads[1]);
	for (i = 2; i < NCOLS; i++)
		fprintf(out, "  %*s", t.w[i], heads[i]);
	fprintf(out, "\n");
	for_each_pair(m, a, print_pair, &t);
	row(&t, "total", "", &total);
}

/* addr_put - an address as text. */
static void out_addr(struct out *o, const struct addr *a)
{
	char b[ADDR_STRLEN];

	out_str(o, addr_format(a, b));
}

/* out_flow_text - one flow as a line; path is the configuration's file
 * name, escaped. */
static void out_flow_text(struct out *o, const struct model *m,
			  const char *path, const struct flow_entry *e)
{
	const struct verdict *v = &e->verdict;
	struct addr src, dst;
	uint16_t sport, dport;
	char pn[4];

	flow_endpoints(e, &src, &sport, &dst, &dport);
	if (audit_flow_denied(e)) {
		out_str(o, "denied reason=");
		out_str(o, policy_reason_name(v->reason));
		out_str(o, " src_zone=");
	} else {
		out_str(o, "permitted src_zone=");
	}
	out_str(o, model_zone_name(m, v->src_zone));
	out_str(o, " dst_zone=");
	out_str(o, model_zone_name(m, v->dst_zone));
	out_str(o, " proto=");
	out_str(o, pkt_proto_name(e->key.proto, pn));
	out_str(o, " src=");
	out_addr(o, &src);
	if (has_ports(e)) {
		out_str(o, " sport=");
		out_u64(o, sport);
	}
	out_str(o, " dst=");
	out_addr(o, &dst);
	if (has_ports(e)) {
		out_str(o, " dport=");
		out_u64(o, dport);
	} else if (is_icmp(e)) {
		out_str(o, " type=");
		out_u64(o, flow_icmp_type(e));
		out_str(o, " code=");
		out_u64(o, e->icmp_code);
	}
	out_str(o, " packets=");
	out_u64(o, e->packets[0] + e->packets[1]);
	out_str(o, " bytes=");
	out_u64(o, e->bytes[0] + e->bytes[1]);
	out_str(o, " first=");
	out_time(o, e->first_us);
	if (v->entry != NULL) {
		out_str(o, " rule=");
		out_str(o, path);
		out_str(o, ":");
		out_u64(o, (uint64_t)v->entry->line);
	} else if (!audit_flow_denied(e)) {
		out_str(o, " rule=");
		out_str(o, policy_reason_name(v->reason));
	}
	out_str(o, "\n");
}

int auditprint_text(FILE *out, const struct model *m, const struct audit *a,
		    char *const *files, size_t nfiles)
{
	const struct audit_stats *st = audit_stats(a);
	const struct flow_entry **flows;
	char esc[1024], path[256];
	struct out *o;
	size_t i, n;
	int c;

	errno = 0;
	flows = audit_flows(a, &n);
	if (flows == NULL && errno == ENOMEM)
		return -1;
	o = malloc(sizeof(*o));
	if (o == NULL) {
		free(flows);
		return -1;
	}
	fprintf(out, "files:");
	for (i = 0; i < nfiles; i++) {
		viol_escape(esc, sizeof(esc), files[i]);
		fprintf(out, " %s", esc);
	}
	fprintf(out, "\npackets: read=%" PRIu64 " audited=%" PRIu64
		" related=%" PRIu64 " skipped=%" PRIu64 "\n", st->frames,
		st->packets, st->related, st->skipped);
	if (st->skipped > 0) {
		fprintf(out, "skipped:");
		for (i = 0; i < AUDIT_SKIP_COUNT; i++)
			if (st->skip[i] > 0)
				fprintf(out, " %s=%" PRIu64,
					audit_skip_name((enum audit_skip)i),
					st->skip[i]);
		fprintf(out, "\n");
	}
	fprintf(out, "flows: total=%" PRIu64 " permitted=%" PRIu64 " denied=%"
		PRIu64 " midstream=%" PRIu64 " reversed=%" PRIu64 " evicted=%"
		PRIu64 " evicted_denied=%" PRIu64 "\n\n",
		st->total[0].flows + st->total[1].flows, st->total[0].flows,
		st->total[1].flows, st->midstream, st->reversed, st->evicted,
		st->evicted_denied);
	text_table(out, m, a);
	viol_escape(path, sizeof(path), m->path);
	out_init(o, out);
	for (c = AUDIT_DENIED; c >= AUDIT_PERMITTED; c--) {
		bool any = false;

		for (i = 0; i < n; i++) {
			if (audit_flow_denied(flows[i]) != (c == AUDIT_DENIED))
				continue;
			if (!any)
				out_str(o, "\n");
			any = true;
			out_flow_text(o, m, path, flows[i]);
		}
	}
	out_flush(o);
	free(o);
	free(flows);
	return 0;
}

/* ---- JSON ---- */

/* utf8_len - length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* jstr - s as a JSON string through put: runs of plain bytes at once,
 * '"', '\\' and control characters escaped, bytes that are not UTF-8 as
 * U+FFFD (so the document stays valid whatever a file name holds). */
static void jstr(void (*put)(void *arg, const char *s, size_t n), void *arg,
		 const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const unsigned char *run = p;

	put(arg, "\"", 1);
	while (*p) {
		char esc[8] = "\\u00";
		size_t n = 0;

		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p;
			n = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
		} else if (utf8_len(p) == 0) {
			memcpy(esc, "\\ufffd", 6);
			n = 6;
		}
		if (n == 0) {
			p += utf8_len(p);
			continue;
		}
		put(arg, (const char *)run, (size_t)(p - run));
		put(arg, esc, n);
		run = ++p;
	}
	put(arg, (const char *)run, (size_t)(p - run));
	put(arg, "\"", 1);
}

static void put_file(void *arg, const char *s, size_t n)
{
	fwrite(s, 1, n, arg);
}

static void put_out(void *arg, const char *s, size_t n)
{
	out_mem(arg, s, n);
}

void auditprint_jstr(FILE *out, const char *s)
{
	jstr(put_file, out, s);
}

static void json_tally(FILE *out, const struct audit_tally *t)
{
	fprintf(out, "{\"flows\": %" PRIu64 ", \"packets\": %" PRIu64
		", \"bytes\": %" PRIu64 "}", t->flows, t->packets, t->bytes);
}

static void json_classes(FILE *out, const struct audit_tally *t)
{
	fprintf(out, "\"permitted\": ");
	json_tally(out, &t[AUDIT_PERMITTED]);
	fprintf(out, ", \"denied\": ");
	json_tally(out, &t[AUDIT_DENIED]);
}

struct jpairs {
	const struct model	*m;
	FILE			*out;
	bool			first;
};

static void json_pair(void *arg, int from, int to, const struct audit_pair *p)
{
	struct jpairs *j = arg;

	fprintf(j->out, "%s\n    {\"from\": ", j->first ? "" : ",");
	auditprint_jstr(j->out, model_zone_name(j->m, from));
	fprintf(j->out, ", \"to\": ");
	auditprint_jstr(j->out, model_zone_name(j->m, to));
	fprintf(j->out, ", ");
	json_classes(j->out, p->t);
	fprintf(j->out, "}");
	j->first = false;
}

static void out_jstr(struct out *o, const char *s)
{
	jstr(put_out, o, s);
}

/* out_kv - ", \"key\": " then the number. */
static void out_knum(struct out *o, const char *key, uint64_t v)
{
	out_str(o, ", \"");
	out_str(o, key);
	out_str(o, "\": ");
	out_u64(o, v);
}

static void out_flow_json(struct out *o, const struct model *m,
			  const struct flow_entry *e)
{
	const struct verdict *v = &e->verdict;
	struct addr src, dst;
	uint16_t sport, dport;
	char pn[4];

	flow_endpoints(e, &src, &sport, &dst, &dport);
	out_str(o, "{\"reason\": \"");
	out_str(o, policy_reason_name(v->reason));
	out_str(o, "\", \"src_zone\": ");
	out_jstr(o, model_zone_name(m, v->src_zone));
	out_str(o, ", \"dst_zone\": ");
	out_jstr(o, model_zone_name(m, v->dst_zone));
	out_str(o, ", \"proto\": \"");
	out_str(o, pkt_proto_name(e->key.proto, pn));
	out_str(o, "\", \"src\": \"");
	out_addr(o, &src);
	out_str(o, "\"");
	if (has_ports(e))
		out_knum(o, "sport", sport);
	out_str(o, ", \"dst\": \"");
	out_addr(o, &dst);
	out_str(o, "\"");
	if (has_ports(e)) {
		out_knum(o, "dport", dport);
	} else if (is_icmp(e)) {
		out_knum(o, "type", flow_icmp_type(e));
		out_knum(o, "code", e->icmp_code);
	}
	out_knum(o, "packets", e->packets[0] + e->packets[1]);
	out_knum(o, "bytes", e->bytes[0] + e->bytes[1]);
	out_knum(o, "reply_packets", e->packets[FLOW_REV]);
	out_knum(o, "reply_bytes", e->bytes[FLOW_REV]);
	out_str(o, ", \"first\": \"");
	out_time(o, e->first_us);
	out_str(o, "\", \"last\": \"");
	out_time(o, e->last_us);
	out_str(o, flow_answered(e) ? "\", \"answered\": true" :
		   "\", \"answered\": false");
	out_str(o, e->user & AUDIT_FLOW_MIDSTREAM ? ", \"midstream\": true" :
		   ", \"midstream\": false");
	out_str(o, ", \"rule\": ");
	if (v->entry != NULL) {
		out_str(o, "{\"file\": ");
		out_jstr(o, m->path);
		out_knum(o, "line", (uint64_t)v->entry->line);
		out_str(o, ", \"comment\": ");
		if (v->entry->comment)
			out_jstr(o, v->entry->comment);
		else
			out_str(o, "null");
		out_str(o, "}");
	} else if (!audit_flow_denied(e)) {
		out_jstr(o, policy_reason_name(v->reason));
	} else {
		out_str(o, "null");
	}
	out_str(o, "}");
}

static void json_flows(struct out *o, const struct model *m,
		       const struct flow_entry **flows, size_t n, bool denied)
{
	bool first = true;
	size_t i;

	out_str(o, denied ? "  \"denied\": [" : "  \"permitted\": [");
	for (i = 0; i < n; i++) {
		if (audit_flow_denied(flows[i]) != denied)
			continue;
		out_str(o, first ? "\n    " : ",\n    ");
		out_flow_json(o, m, flows[i]);
		first = false;
	}
	out_str(o, first ? "]" : "\n  ]");
}

int auditprint_json(FILE *out, const struct model *m, const struct audit *a,
		    char *const *files, size_t nfiles)
{
	const struct audit_stats *st = audit_stats(a);
	const struct flow_entry **flows;
	struct jpairs j = { .m = m, .out = out, .first = true };
	struct out *o;
	size_t i, n;

	errno = 0;
	flows = audit_flows(a, &n);
	if (flows == NULL && errno == ENOMEM)
		return -1;
	o = malloc(sizeof(*o));
	if (o == NULL) {
		free(flows);
		return -1;
	}
	fprintf(out, "{\n  \"config\": ");
	auditprint_jstr(out, m->path);
	fprintf(out, ",\n  \"files\": [");
	for (i = 0; i < nfiles; i++) {
		fprintf(out, "%s", i ? ", " : "");
		auditprint_jstr(out, files[i]);
	}
	fprintf(out, "],\n  \"packets\": {\"read\": %" PRIu64 ", \"audited\": %"
		PRIu64 ", \"related\": %" PRIu64 ", \"related_bytes\": %" PRIu64
		", \"skipped\": %" PRIu64 "},\n  \"skipped\": {", st->frames,
		st->packets, st->related, st->related_bytes, st->skipped);
	for (i = 0; i < AUDIT_SKIP_COUNT; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "",
			audit_skip_name((enum audit_skip)i), st->skip[i]);
	fprintf(out, "},\n  \"flows\": {\"total\": %" PRIu64 ", \"permitted\": %"
		PRIu64 ", \"denied\": %" PRIu64 ", \"midstream\": %" PRIu64
		", \"reversed\": %" PRIu64 ", \"evicted\": %" PRIu64
		", \"evicted_denied\": %" PRIu64 "},\n  \"totals\": {",
		st->total[0].flows + st->total[1].flows, st->total[0].flows,
		st->total[1].flows, st->midstream, st->reversed, st->evicted,
		st->evicted_denied);
	json_classes(out, st->total);
	fprintf(out, "},\n  \"pairs\": [");
	for_each_pair(m, a, json_pair, &j);
	fprintf(out, "%s],\n", j.first ? "" : "\n  ");
	out_init(o, out);
	json_flows(o, m, flows, n, true);
	out_str(o, ",\n");
	json_flows(o, m, flows, n, false);
	out_flush(o);
	fprintf(out, ",\n  \"violation\": %s\n}\n",
		audit_violation(a) ? "true" : "false");
	free(o);
	free(flows);
	return 0;
}
