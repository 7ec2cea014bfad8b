/* test_ruleset.c - the compiled table: golden dumps, rule counts that do
 * not grow with entries, the overlap split, and the key layout. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "../../lib/ruleset.h"

static char *dump_of(const char *path)
{
	struct err_list el;
	struct model *m;
	struct ruleset *rs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	err_init(&el);
	m = conf_load(path, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	rs = ruleset_compile(m);
	ck_assert_ptr_nonnull(rs);
	f = open_memstream(&buf, &len);
	ruleset_dump(rs, f, 0);
	fclose(f);
	ruleset_free(rs);
	model_free(m);
	err_free(&el);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "missing golden file %s (make golden)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

static const struct {
	const char	*conf;
	const char	*golden;
} goldens[] = {
	{ TOP "/conf/minimal.conf", "golden/minimal.nft" },
	{ TOP "/conf/zonegate.conf", "golden/zonegate.nft" },
	{ "verdict.conf", "golden/verdict.nft" },
};

START_TEST(golden_dump)
{
	char *got = dump_of(goldens[_i].conf);
	char *want = slurp(goldens[_i].golden);

	if (strcmp(got, want) != 0) {
		FILE *f = fopen("golden-actual.nft", "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
		ck_abort_msg("%s differs from %s (actual in tests/unit/"
			     "golden-actual.nft; diff it, then make golden)",
			     goldens[_i].conf, goldens[_i].golden);
	}
	free(got);
	free(want);
}
END_TEST

/* gen_policy - n accept entries lgwan -> relay, each a host and a port. */
static char *gen_policy(size_t n)
{
	size_t cap = 512 + n * 160, off, i;
	char *t = malloc(cap);

	off = (size_t)snprintf(t, cap, "version = 1;\nzones = (\n"
		"{ name = \"lg\"; interfaces = [ \"lg0\" ]; networks = [ \"10.20.0.0/16\", \"fd00:20::/48\" ]; },\n"
		"{ name = \"rl\"; interfaces = [ \"rl0\" ]; networks = [ \"10.30.0.0/16\" ]; },\n"
		"{ name = \"in\"; interfaces = [ \"in0\" ]; networks = [ \"0.0.0.0/0\", \"::/0\" ]; } );\n"
		"policy = (\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(t + off, cap - off,
			"%s{ from = \"lg\"; to = \"rl\"; services = [ \"%s/%zu\" ]; "
			"to_hosts = [ \"10.30.%zu.%zu\" ]; }\n", i ? "," : "",
			i % 2 ? "udp" : "tcp", 1000 + i % 50000, (i / 250) % 256,
			1 + i % 250);
	snprintf(t + off, cap - off, ");\n");
	return t;
}

static struct ruleset *compile_text(const char *text)
{
	struct err_list el;
	struct model *m;
	struct ruleset *rs;

	err_init(&el);
	m = parse_text(text, &el);
	ck_assert_msg(m != NULL, "%s", errs_text(&el));
	rs = ruleset_compile(m);
	ck_assert_ptr_nonnull(rs);
	model_free(m);
	err_free(&el);
	return rs;
}

START_TEST(rules_independent_of_entries)
{
	char *t10 = gen_policy(10), *t10k = gen_policy(10000);
	struct ruleset *a = compile_text(t10), *b = compile_text(t10k);

	ck_assert_uint_eq(ruleset_n_rules(a), ruleset_n_rules(b));
	ck_assert_uint_eq(a->n_sets, b->n_sets);
	ck_assert_uint_gt(ruleset_n_elems(b), ruleset_n_elems(a) + 9000);
	ruleset_free(a);
	ruleset_free(b);
	free(t10);
	free(t10k);
}
END_TEST

static const struct rs_set *find_set(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		if (strcmp(rs->sets[i].name, name) == 0)
			return &rs->sets[i];
	return NULL;
}

START_TEST(overlapping_entries_split_sets)
{
	/* an any-host range and a host range overlapping it; the kernel
	 * refuses overlapping concatenated ranges in one set */
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"{ name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"tcp/80-90\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/85-95\" ]; to_hosts = [ \"10.2.0.5\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/80-90\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/100-110\" ]; to_hosts = [ \"10.2.0.5\" ]; } );\n";
	struct ruleset *rs = compile_text(text);
	const struct rs_set *s0 = find_set(rs, "acc_a_b_4t0");
	const struct rs_set *s1 = find_set(rs, "acc_a_b_4t1");

	ck_assert_ptr_nonnull(s0);
	ck_assert_ptr_nonnull(s1);
	ck_assert_ptr_null(find_set(rs, "acc_a_b_4t2"));
	/* the exact duplicate is dropped: 3 distinct elements in all */
	ck_assert_uint_eq(s0->n_elems + s1->n_elems, 3);
	ruleset_free(rs);
}
END_TEST

START_TEST(exact_entries_use_hash_sets)
{
	/* one host and one port: no range, so a hash keyed on what is not
	 * "any"; one set per shape, duplicates once */
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"{ name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"tcp/80\", \"udp/53\" ]; to_hosts = [ \"10.2.0.5\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/80\" ]; to_hosts = [ \"10.2.0.5\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/22\" ]; },\n"
		"  { from = \"a\"; to = \"b\"; services = [ \"tcp/8000-8100\" ]; } );\n";
	struct ruleset *rs = compile_text(text);
	const struct rs_set *host = find_set(rs, "acc_a_b_4th1");	/* saddr any */
	const struct rs_set *any = find_set(rs, "acc_a_b_4th9");	/* saddr, daddr any */
	const struct rs_set *range = find_set(rs, "acc_a_b_4t0");

	ck_assert_ptr_nonnull(host);
	ck_assert(!host->interval);
	ck_assert_uint_eq(host->n_fields, 3);
	ck_assert_uint_eq(host->n_elems, 2);		/* tcp/80 once, udp/53 */
	ck_assert_ptr_nonnull(any);
	ck_assert_uint_eq(any->n_fields, 2);
	ck_assert_uint_eq(any->n_elems, 1);
	ck_assert_ptr_nonnull(range);			/* the port range */
	ck_assert(range->interval);
	ck_assert_uint_eq(range->n_elems, 1);
	ruleset_free(rs);
}
END_TEST

START_TEST(key_layout)
{
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"{ name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"udp/5000-5100\" ];\n"
		"  from_hosts = [ \"10.1.2.0/24\" ]; to_hosts = [ \"10.2.0.9\" ]; } );\n";
	static const uint8_t lo[16] = { 10, 1, 2, 0, 17, 0, 0, 0, 0x13, 0x88, 0, 0,
					10, 2, 0, 9 };
	static const uint8_t hi[16] = { 10, 1, 2, 255, 17, 0, 0, 0, 0x13, 0xec, 0, 0,
					10, 2, 0, 9 };
	struct ruleset *rs = compile_text(text);
	const struct rs_set *s = find_set(rs, "acc_a_b_4t0");

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->key_len, 16);
	ck_assert_uint_eq(s->n_elems, 1);
	ck_assert_mem_eq(s->elems[0].key, lo, 16);
	ck_assert_mem_eq(s->elems[0].key_end, hi, 16);
	ck_assert_ptr_null(find_set(rs, "acc_a_b_6t0"));	/* no IPv6 hosts */
	ruleset_free(rs);
}
END_TEST

static const struct rs_chain *find_chain(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_chains; i++)
		if (strcmp(rs->chains[i].name, name) == 0)
			return &rs->chains[i];
	return NULL;
}

/* rule_has - does rule r have an expression of kind k? */
static const struct rs_expr *rule_has(const struct rs_rule *r, enum rs_expr_kind k)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->x[i].kind == k)
			return &r->x[i];
	return NULL;
}

/* elem_for - the element of the single-field interval map s whose range
 * starts at key (4 or 16 bytes). */
static const struct rs_elem *elem_for(const struct rs_set *s, const void *key,
				      size_t len)
{
	size_t i;

	for (i = 0; i < s->n_elems; i++)
		if (!s->elems[i].interval_end && memcmp(s->elems[i].key, key, len) == 0)
			return &s->elems[i];
	return NULL;
}

START_TEST(related_icmp_errors_checked_by_zone)
{
	/* conntrack makes an ICMP error RELATED by its quoted packet alone:
	 * an error quoting a flow a -> b must come in on b's interfaces (or
	 * a's, for an error about a reply), not from zone c */
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; interfaces = [ \"a0\" ]; networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ]; },\n"
		"{ name = \"b\"; interfaces = [ \"b0\", \"b1\" ]; networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; },\n"
		"{ name = \"c\"; interfaces = [ \"c0\" ]; networks = [ \"0.0.0.0/0\", \"::/0\" ]; },\n"
		"{ name = \"d\"; networks = [ \"10.4.0.0/16\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"udp/53\" ]; } );\n";
	static const uint8_t net_b4[4] = { 10, 2, 0, 0 };
	static const uint8_t net_b6[16] = { 0xfd, 0, 0, 2 };
	struct ruleset *rs = compile_text(text);
	const struct rs_chain *fwd = find_chain(rs, "forward");
	const struct rs_chain *rel = find_chain(rs, "related");
	const struct rs_chain *rel_b = find_chain(rs, "rel_b");
	const struct rs_chain *rel_d = find_chain(rs, "rel_d");
	const struct rs_set *z4 = find_set(rs, "zrel4"), *z6 = find_set(rs, "zrel6");
	const struct rs_set *if_b = find_set(rs, "if_b");
	const struct rs_elem *e;
	const struct rs_expr *x;
	size_t i, goto_related = 0;

	ck_assert_ptr_nonnull(fwd);
	ck_assert_ptr_nonnull(rel);
	ck_assert_ptr_nonnull(rel_b);
	ck_assert_ptr_nonnull(rel_d);
	ck_assert_ptr_nonnull(z4);
	ck_assert_ptr_nonnull(z6);
	ck_assert_ptr_nonnull(if_b);
	/* forward: related traffic is no longer accepted with the
	 * established, it goes to the related chain */
	for (i = 0; i < fwd->n_rules; i++) {
		const struct rs_rule *r = &fwd->rules[i];

		if (!rule_has(r, RX_CT_RELATED))
			continue;
		x = rule_has(r, RX_VERDICT);
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(x->verdict.code, RV_GOTO);
		ck_assert_str_eq(rs->chains[x->verdict.chain].name, "related");
		goto_related++;
	}
	ck_assert_uint_eq(goto_related, 1);
	/* related: ICMP (v4) and ICMPv6 errors by the zone of the quoted
	 * destination, keyed on the quoted header's daddr */
	ck_assert_uint_ge(rel->n_rules, 2);
	x = rule_has(&rel->rules[0], RX_VMAP);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(&rs->sets[x->set], z4);
	ck_assert_uint_eq(rule_has(&rel->rules[0], RX_L4PROTO)->arg, IPPROTO_ICMP);
	x = rule_has(&rel->rules[1], RX_VMAP);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(&rs->sets[x->set], z6);
	ck_assert_uint_eq(rule_has(&rel->rules[1], RX_L4PROTO)->arg, IPPROTO_ICMPV6);
	ck_assert_uint_eq(z4->n_fields, 1);
	ck_assert_int_eq(z4->fields[0], RF_ICMP_IDADDR4);
	ck_assert_int_eq(z6->fields[0], RF_ICMP_IDADDR6);
	ck_assert(z4->interval && z4->map);
	e = elem_for(z4, net_b4, 4);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->data.code, RV_GOTO);
	ck_assert_str_eq(rs->chains[e->data.chain].name, "rel_b");
	e = elem_for(z6, net_b6, 16);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(rs->chains[e->data.chain].name, "rel_b");
	/* rel_b: accepted only from b's interfaces; from anywhere else
	 * counted and dropped */
	ck_assert_uint_eq(rel_b->n_rules, 3);
	for (i = 0; i < 2; i++) {
		x = rule_has(&rel_b->rules[i], RX_LOOKUP);
		ck_assert_ptr_nonnull(x);
		ck_assert_ptr_eq(&rs->sets[x->set], if_b);
		ck_assert_uint_eq(x->arg, 0);		/* in the set, not out */
		ck_assert_int_eq(rule_has(&rel_b->rules[i], RX_VERDICT)->verdict.code,
				 RV_ACCEPT);
	}
	ck_assert_int_eq(rule_has(&rel_b->rules[2], RX_VERDICT)->verdict.code, RV_DROP);
	x = rule_has(&rel_b->rules[2], RX_COUNTER);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(rs->objs[x->obj].name, "related_offpath");
	/* a zone that names no interface has no spoof check either: its
	 * errors are accepted from anywhere */
	for (i = 0; i < rel_d->n_rules; i++)
		ck_assert_int_eq(rule_has(&rel_d->rules[i], RX_VERDICT)->verdict.code,
				 RV_ACCEPT);
	ruleset_free(rs);
}
END_TEST

/* est_set_ifs - how many elements of the saddr . iifname set s hold the
 * address at key (4 or 16 bytes) in their range; names: their interface
 * names, joined by ','. */
static size_t est_set_ifs(const struct rs_set *s, const uint8_t *key,
			  size_t alen, char *names, size_t nlen)
{
	size_t i, k = 0, off = alen == 4 ? 4 : 16;

	names[0] = '\0';
	for (i = 0; i < s->n_elems; i++) {
		const struct rs_elem *e = &s->elems[i];

		if (memcmp(e->key, key, alen) > 0 || memcmp(e->key_end, key, alen) < 0)
			continue;
		k++;
		ck_assert_mem_eq(e->key + off, e->key_end + off, 16);
		if (names[0])
			strncat(names, ",", nlen - strlen(names) - 1);
		strncat(names, (const char *)e->key + off, nlen - strlen(names) - 1);
	}
	return k;
}

/* in_ranges - is the address at key in the single-field interval set s? */
static bool in_ranges(const struct rs_set *s, const uint8_t *key, size_t alen)
{
	size_t i;
	bool in = false;

	/* starts and end markers in order: the last one at or below key */
	for (i = 0; i < s->n_elems; i++)
		if (memcmp(s->elems[i].key, key, alen) <= 0)
			in = !s->elems[i].interval_end;
	return in;
}

/* est_check - in base chain ch, before the first rule that accepts
 * established traffic: one rule that sends established packets of
 * zonegate-marked flows to a check chain, which returns when source
 * address . input interface is in est_srcF (or the source in est_anyF, the
 * addresses not checked) and otherwise goes to a chain that logs them as
 * spoofed and drops them into the counter spoof_established. Returns the
 * IPv4 set (*s6: IPv6; any[]: the unchecked ranges). */
static const struct rs_set *est_check(const struct ruleset *rs,
				      const struct rs_chain *ch, const char *log,
				      const struct rs_set **s6,
				      const struct rs_set **any)
{
	const struct rs_set *sets[2] = { NULL, NULL };
	const struct rs_chain *k = NULL, *sp;
	char *dump = NULL;
	const char *line;
	size_t i, len = 0;
	FILE *f = open_memstream(&dump, &len);
	int fam;

	ruleset_dump(rs, f, 0);
	fclose(f);
	for (i = 0; i < ch->n_rules; i++) {
		const struct rs_rule *r = &ch->rules[i];
		const struct rs_expr *v = rule_has(r, RX_VERDICT);

		if (!rule_has(r, RX_CT_ESTABLISHED))
			continue;
		ck_assert_ptr_nonnull(v);
		if (v->verdict.code == RV_ACCEPT)
			break;
		/* only flows zonegate marked: older ones pass as before */
		ck_assert_ptr_nonnull(rule_has(r, RX_CTMARK_OURS));
		ck_assert_int_eq(v->verdict.code, RV_JUMP);
		ck_assert_ptr_null(k);
		k = &rs->chains[v->verdict.chain];
	}
	ck_assert_msg(i < ch->n_rules, "chain %s accepts no established traffic", ch->name);
	ck_assert_msg(k != NULL, "chain %s: established packets are not checked "
		      "against their input interface before they are accepted",
		      ch->name);
	line = strstr(dump, "jump ");
	while (line != NULL && strncmp(line + 5, k->name, strlen(k->name)) != 0)
		line = strstr(line + 1, "jump ");
	ck_assert_ptr_nonnull(line);
	while (line > dump && line[-1] != '\n')
		line--;
	ck_assert_msg(strstr(line, "ct mark and 0xffff0000 == 0x5a470000 ") != NULL,
		      "no mark check before the jump to %s", k->name);
	/* the check chain: in est_src (v4, v6), in est_any (v4, v6): return;
	 * else to the spoof chain */
	ck_assert_uint_eq(k->n_rules, 5);
	for (i = 0; i < 4; i++) {
		const struct rs_rule *r = &k->rules[i];
		const struct rs_expr *x = rule_has(r, RX_LOOKUP);
		const struct rs_set *s;

		ck_assert_ptr_nonnull(x);
		ck_assert_uint_eq(x->arg, 0);			/* in the set */
		ck_assert_int_eq(rule_has(r, RX_VERDICT)->verdict.code, RV_RETURN);
		s = &rs->sets[x->set];
		ck_assert(s->interval && !s->map);
		fam = s->fields[0] == RF_SADDR6;
		ck_assert(s->fields[0] == (fam ? RF_SADDR6 : RF_SADDR4));
		ck_assert_uint_eq(rule_has(r, RX_NFPROTO)->arg,
				  fam ? 10u : 2u);	/* NFPROTO_IPV6, NFPROTO_IPV4 */
		if (i < 2) {
			ck_assert_uint_eq(s->n_fields, 2);
			ck_assert_int_eq(s->fields[1], RF_IIFNAME);
			ck_assert_ptr_null(sets[fam]);
			sets[fam] = s;
		} else {
			ck_assert_uint_eq(s->n_fields, 1);
			any[fam] = s;
		}
	}
	ck_assert_int_eq(rule_has(&k->rules[4], RX_VERDICT)->verdict.code, RV_GOTO);
	sp = &rs->chains[rule_has(&k->rules[4], RX_VERDICT)->verdict.chain];
	ck_assert_uint_eq(sp->n_rules, 3);
	ck_assert_str_eq(rule_has(&sp->rules[0], RX_LOG)->text, log);
	ck_assert_str_eq(rule_has(&sp->rules[1], RX_LOG)->text, log);
	ck_assert_str_eq(rs->objs[rule_has(&sp->rules[2], RX_COUNTER)->obj].name,
			 "spoof_established");
	ck_assert_int_eq(rule_has(&sp->rules[2], RX_VERDICT)->verdict.code, RV_DROP);
	ck_assert_msg(sets[0] != NULL && sets[1] != NULL, "chain %s: no est_src "
		      "set of each family", k->name);
	free(dump);
	*s6 = sets[1];
	return sets[0];
}

START_TEST(established_checked_by_source_interface)
{
	/* conntrack matches a packet to a flow by addresses and ports alone:
	 * a reply forged from another zone's interface would pass as
	 * established. Established packets of flows zonegate accepted must
	 * come in on an interface of their source address's zone (both
	 * directions: a reply's source is the flow's destination); zones
	 * without interfaces, and addresses in no zone, are not checked */
	static const char text[] = "version = 1;\nzones = (\n"
		"{ name = \"a\"; interfaces = [ \"a0\" ]; networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ]; },\n"
		"{ name = \"b\"; interfaces = [ \"b0\", \"b1\" ]; networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; },\n"
		"{ name = \"c\"; networks = [ \"10.4.0.0/16\" ]; },\n"
		"{ name = \"w\"; interfaces = [ \"w0\" ]; networks = [ \"10.0.0.0/8\", \"::/0\" ]; } );\n"
		"policy = ( { from = \"a\"; to = \"b\"; services = [ \"udp/53\" ]; },\n"
		"  { from = \"b\"; to = \"gateway\"; services = [ \"tcp/22\" ]; } );\n";
	static const uint8_t a4[4] = { 10, 1, 2, 3 }, b4[4] = { 10, 2, 0, 0 },
		b4e[4] = { 10, 2, 255, 255 }, c4[4] = { 10, 4, 9, 9 },
		w4[4] = { 10, 3, 0, 1 }, none4[4] = { 192, 0, 2, 1 };
	static const uint8_t b6[16] = { 0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
	static const uint8_t w6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct ruleset *rs = compile_text(text);
	const struct rs_chain *fwd = find_chain(rs, "forward");
	const struct rs_chain *in = find_chain(rs, "input");
	const struct rs_set *s4, *s6, *i4, *i6, *any[2], *iany[2];
	char names[64];

	ck_assert_ptr_nonnull(fwd);
	ck_assert_ptr_nonnull(in);
	s4 = est_check(rs, fwd, "zg spoof - -", &s6, any);
	i4 = est_check(rs, in, "zg spoof - gateway", &i6, iany);
	/* one set of each kind for both base chains */
	ck_assert_ptr_eq(s4, i4);
	ck_assert_ptr_eq(s6, i6);
	ck_assert_ptr_eq(any[0], iany[0]);
	ck_assert_ptr_eq(any[1], iany[1]);
	ck_assert_uint_eq(est_set_ifs(s4, a4, 4, names, sizeof(names)), 1);
	ck_assert_str_eq(names, "a0");
	ck_assert(!in_ranges(any[0], a4, 4));
	ck_assert_uint_eq(est_set_ifs(s4, b4, 4, names, sizeof(names)), 2);
	ck_assert_str_eq(names, "b0,b1");
	ck_assert_uint_eq(est_set_ifs(s4, b4e, 4, names, sizeof(names)), 2);
	ck_assert_uint_eq(est_set_ifs(s4, w4, 4, names, sizeof(names)), 1);
	ck_assert_str_eq(names, "w0");
	ck_assert(!in_ranges(any[0], w4, 4));
	/* c names no interface: no spoof check */
	ck_assert_uint_eq(est_set_ifs(s4, c4, 4, names, sizeof(names)), 0);
	ck_assert(in_ranges(any[0], c4, 4));
	/* in no zone (a flow older than a reload): not checked either */
	ck_assert_uint_eq(est_set_ifs(s4, none4, 4, names, sizeof(names)), 0);
	ck_assert(in_ranges(any[0], none4, 4));
	ck_assert_uint_eq(est_set_ifs(s6, b6, 16, names, sizeof(names)), 2);
	ck_assert_str_eq(names, "b0,b1");
	ck_assert_uint_eq(est_set_ifs(s6, w6, 16, names, sizeof(names)), 1);
	ck_assert_str_eq(names, "w0");
	ck_assert_uint_eq(any[1]->n_elems, 0);	/* ::/0 is w's */
	ruleset_free(rs);
}
END_TEST

Suite *ruleset_suite(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("compile");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, golden_dump, 0,
			    sizeof(goldens) / sizeof(goldens[0]));
	tcase_add_test(tc, rules_independent_of_entries);
	tcase_add_test(tc, overlapping_entries_split_sets);
	tcase_add_test(tc, exact_entries_use_hash_sets);
	tcase_add_test(tc, key_layout);
	tcase_add_test(tc, related_icmp_errors_checked_by_zone);
	tcase_add_test(tc, established_checked_by_source_interface);
	suite_add_tcase(s, tc);
	return s;
}
