/* ruleset_dump.c - a compiled ruleset in nft(8) list syntax.
 *
 * Used by golden tests and by administrators (`zonegatectl check --dump`),
 * so it follows `nft list table` closely enough to compare by eye.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ruleset.h"

static const char *const field_type[] = {
	[RF_SADDR4] = "ipv4_addr",
	[RF_DADDR4] = "ipv4_addr",
	[RF_SADDR6] = "ipv6_addr",
	[RF_DADDR6] = "ipv6_addr",
	[RF_L4PROTO] = "inet_proto",
	[RF_DPORT] = "inet_service",
	[RF_IIFNAME] = "ifname",
	[RF_CTMARK] = "mark",
	[RF_ICMP_IDADDR4] = "ipv4_addr",
	[RF_ICMP_IDADDR6] = "ipv6_addr",
};

static const char *const field_expr[] = {
	[RF_SADDR4] = "ip saddr",
	[RF_DADDR4] = "ip daddr",
	[RF_SADDR6] = "ip6 saddr",
	[RF_DADDR6] = "ip6 daddr",
	[RF_L4PROTO] = "meta l4proto",
	[RF_DPORT] = "th dport",
	[RF_IIFNAME] = "iifname",
	[RF_CTMARK] = "ct mark",
	[RF_ICMP_IDADDR4] = "@th,192,32",
	[RF_ICMP_IDADDR6] = "@th,256,128",
};

static void print_field(FILE *out, enum rs_field f, const uint8_t *k)
{
	char buf[INET6_ADDRSTRLEN];

	switch (f) {
	case RF_SADDR4:
	case RF_DADDR4:
		fprintf(out, "%s", inet_ntop(AF_INET, k, buf, sizeof(buf)));
		break;
	case RF_SADDR6:
	case RF_DADDR6:
		fprintf(out, "%s", inet_ntop(AF_INET6, k, buf, sizeof(buf)));
		break;
	case RF_ICMP_IDADDR4:
	case RF_ICMP_IDADDR6:
		/* the quoted address is raw payload, an integer to nft(8) */
		fprintf(out, "0x");
		for (int i = 0; i < (f == RF_ICMP_IDADDR4 ? 4 : 16); i++)
			fprintf(out, "%02x", k[i]);
		break;
	case RF_L4PROTO:
		fprintf(out, "%s", k[0] == IPPROTO_TCP ? "tcp" :
			k[0] == IPPROTO_UDP ? "udp" : "?");
		break;
	case RF_DPORT:
		fprintf(out, "%u", (unsigned)(k[0] << 8 | k[1]));
		break;
	case RF_IIFNAME:
		fprintf(out, "\"%.16s\"", (const char *)k);
		break;
	case RF_CTMARK: {
		uint32_t v;

		memcpy(&v, k, 4);
		fprintf(out, "0x%08x", v);
		break;
	}
	}
}

static void print_verdict(FILE *out, const struct ruleset *rs,
			  const struct rs_verdict *v)
{
	switch (v->code) {
	case RV_ACCEPT:
		fprintf(out, "accept");
		break;
	case RV_DROP:
		fprintf(out, "drop");
		break;
	case RV_GOTO:
		fprintf(out, "goto %s", rs->chains[v->chain].name);
		break;
	case RV_JUMP:
		fprintf(out, "jump %s", rs->chains[v->chain].name);
		break;
	case RV_RETURN:
		fprintf(out, "return");
		break;
	}
}

static void print_elem(FILE *out, const struct ruleset *rs,
		       const struct rs_set *s, const struct rs_elem *e,
		       const uint8_t *next_key)
{
	unsigned i, off = 0;

	for (i = 0; i < s->n_fields; i++) {
		unsigned raw = ruleset_field_raw_len(s->fields[i]);

		if (i)
			fprintf(out, " . ");
		print_field(out, s->fields[i], e->key + off);
		if (s->interval && s->n_fields > 1 &&
		    memcmp(e->key + off, e->key_end + off, raw) != 0) {
			fprintf(out, "-");
			print_field(out, s->fields[i], e->key_end + off);
		}
		off += ruleset_field_len(s->fields[i]);
	}
	/* single-field interval maps: the range runs to the next boundary */
	if (s->interval && s->n_fields == 1) {
		if (next_key != NULL) {
			uint8_t last[16];
			int j, len = (int)ruleset_field_raw_len(s->fields[0]);

			memcpy(last, next_key, (size_t)len);
			for (j = len - 1; j >= 0 && last[j]-- == 0; j--)
				;
			fprintf(out, "-");
			print_field(out, s->fields[0], last);
		} else {
			uint8_t top[16];

			memset(top, 0xff, sizeof(top));
			fprintf(out, "-");
			print_field(out, s->fields[0], top);
		}
	}
	if (s->map) {
		fprintf(out, " : ");
		print_verdict(out, rs, &e->data);
	}
	if (s->objmap)
		fprintf(out, " : \"%s\"", rs->objs[e->obj].name);
}

static void print_set(FILE *out, const struct ruleset *rs,
		      const struct rs_set *s, size_t max_elems)
{
	size_t i, shown = 0;
	unsigned f;

	bool raw = false;

	for (f = 0; f < s->n_fields; f++)
		raw |= s->fields[f] == RF_ICMP_IDADDR4 ||
		       s->fields[f] == RF_ICMP_IDADDR6;
	/* a raw payload key has no address type in nft(8)'s language: typeof,
	 * so that the dump loads with nft -f */
	fprintf(out, "\t%s %s {\n\t\t%s ", s->map || s->objmap ? "map" : "set",
		s->name, raw ? "typeof" : "type");
	for (f = 0; f < s->n_fields; f++)
		fprintf(out, "%s%s", f ? " . " : "", raw ? field_expr[s->fields[f]] :
			field_type[s->fields[f]]);
	if (s->map)
		fprintf(out, " : verdict");
	if (s->objmap)
		fprintf(out, " : counter");
	fprintf(out, "\n");
	if (s->interval)
		fprintf(out, "\t\tflags interval\n");
	if (s->comment[0])
		fprintf(out, "\t\tcomment \"%s\"\n", s->comment);
	if (s->n_elems == 0) {
		fprintf(out, "\t}\n");
		return;
	}
	fprintf(out, "\t\telements = {");
	for (i = 0; i < s->n_elems; i++) {
		const struct rs_elem *e = &s->elems[i];
		const uint8_t *next = NULL;

		if (e->interval_end)
			continue;
		/* the end marker of a single-field range follows its start */
		if (s->interval && s->n_fields == 1 && i + 1 < s->n_elems &&
		    s->elems[i + 1].interval_end)
			next = s->elems[i + 1].key;
		if (max_elems && shown == max_elems) {
			fprintf(out, ",\n\t\t\t     ... %zu more", s->n_elems - i);
			break;
		}
		fprintf(out, "%s\n\t\t\t     ", shown ? "," : "");
		print_elem(out, rs, s, e, next);
		shown++;
	}
	fprintf(out, " }\n\t}\n");
}

static void print_key(FILE *out, const struct rs_set *s)
{
	unsigned f;

	for (f = 0; f < s->n_fields; f++)
		fprintf(out, "%s%s", f ? " . " : "", field_expr[s->fields[f]]);
}

static void print_expr(FILE *out, const struct ruleset *rs,
		       const struct rs_expr *x)
{
	switch (x->kind) {
	case RX_NFPROTO:
		fprintf(out, "meta nfproto %s", x->arg == 2 ? "ipv4" : "ipv6");
		break;
	case RX_L4PROTO:
		fprintf(out, "meta l4proto %s%s", x->arg & 0x100 ? "!= " : "",
			(x->arg & 0xff) == IPPROTO_TCP ? "tcp" :
			(x->arg & 0xff) == IPPROTO_UDP ? "udp" :
			(x->arg & 0xff) == IPPROTO_ICMP ? "icmp" : "ipv6-icmp");
		break;
	case RX_CT_ESTABLISHED:
		fprintf(out, "ct state established");
		break;
	case RX_CT_RELATED:
		fprintf(out, "ct state related");
		break;
	case RX_CT_INVALID:
		fprintf(out, "ct state invalid");
		break;
	case RX_IIF_LO:
		fprintf(out, "iif \"lo\"");
		break;
	case RX_ICMP_TYPE:
		if (x->arg == 8)
			fprintf(out, "icmp type echo-request");
		else if (x->arg == 128)
			fprintf(out, "icmpv6 type echo-request");
		else
			fprintf(out, "icmpv6 type %u", x->arg);
		break;
	case RX_ICMPV6_ND:
		fprintf(out, "icmpv6 type 130-137");
		break;
	case RX_LOOKUP:
		print_key(out, &rs->sets[x->set]);
		fprintf(out, " %s@%s", x->arg ? "!= " : "", rs->sets[x->set].name);
		break;
	case RX_VMAP:
		print_key(out, &rs->sets[x->set]);
		fprintf(out, " vmap @%s", rs->sets[x->set].name);
		break;
	case RX_LIMIT:
		fprintf(out, "limit name \"log_limit\"");
		break;
	case RX_LOG:
		fprintf(out, "log prefix \"%s\" group %u snaplen %u "
			"queue-threshold 1", x->text, rs->log_group, x->snaplen);
		break;
	case RX_COUNTER:
		fprintf(out, "counter name \"%s\"", rs->objs[x->obj].name);
		break;
	case RX_REJECT:
		fprintf(out, "%s", x->arg == RS_REJECT_TCP_RESET ?
			"reject with tcp reset" : "reject with icmpx admin-prohibited");
		break;
	case RX_VERDICT:
		print_verdict(out, rs, &x->verdict);
		break;
	case RX_CTMARK_SET:
		fprintf(out, "ct mark set 0x%08x", x->arg);
		break;
	case RX_COUNTER_MAP:
		fprintf(out, "counter name ct mark map @%s", rs->sets[x->set].name);
		break;
	case RX_CTMARK_OURS:
		fprintf(out, "ct mark and 0x%08x == 0x%08x", RS_CTMARK_TAG_MASK,
			RS_CTMARK_TAG);
		break;
	}
}

static void print_chain(FILE *out, const struct ruleset *rs,
			const struct rs_chain *c)
{
	size_t r, x;

	fprintf(out, "\tchain %s {\n", c->name);
	if (c->hook != RH_NONE)
		fprintf(out, "\t\ttype filter hook %s priority filter; policy drop;\n",
			c->hook == RH_FORWARD ? "forward" : "input");
	for (r = 0; r < c->n_rules; r++) {
		const struct rs_rule *rule = &c->rules[r];

		fprintf(out, "\t\t");
		for (x = 0; x < rule->n; x++) {
			if (x)
				fprintf(out, " ");
			print_expr(out, rs, &rule->x[x]);
		}
		if (rule->comment[0])
			fprintf(out, " comment \"%s\"", rule->comment);
		fprintf(out, "\n");
	}
	fprintf(out, "\t}\n");
}

void ruleset_dump(const struct ruleset *rs, FILE *out, size_t max_elems)
{
	size_t i;

	fprintf(out, "table inet %s {\n", rs->table);
	for (i = 0; i < rs->n_objs; i++) {
		const struct rs_obj *o = &rs->objs[i];

		if (o->kind == RO_COUNTER)
			fprintf(out, "\tcounter %s {\n\t\tcomment \"%s\"\n"
				"\t\tpackets 0 bytes 0\n\t}\n", o->name, o->comment);
		else
			fprintf(out, "\tlimit %s {\n\t\tcomment \"%s\"\n"
				"\t\trate %u/second burst %u packets\n\t}\n",
				o->name, o->comment, RS_LOG_RATE, RS_LOG_BURST);
	}
	for (i = 0; i < rs->n_sets; i++)
		print_set(out, rs, &rs->sets[i], max_elems);
	for (i = 0; i < rs->n_chains; i++)
		print_chain(out, rs, &rs->chains[i]);
	fprintf(out, "}\n");
}
