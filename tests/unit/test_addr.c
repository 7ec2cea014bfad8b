/* test_addr.c - prefix parsing and formatting. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"

static const struct {
	const char	*in;
	enum addr_perr	err;
	const char	*canon;		/* formatted result */
} prefix_cases[] = {
	{ "10.20.0.0/16", ADDR_OK, "10.20.0.0/16" },
	{ "10.20.0.5", ADDR_OK, "10.20.0.5/32" },
	{ "0.0.0.0/0", ADDR_OK, "0.0.0.0/0" },
	{ "fd00:20::/48", ADDR_OK, "fd00:20::/48" },
	{ "FD00:20:0::/48", ADDR_OK, "fd00:20::/48" },
	{ "::/0", ADDR_OK, "::/0" },
	{ "10.20.0.1/16", ADDR_EHOSTBITS, "10.20.0.0/16" },
	{ "fd00:20::1/48", ADDR_EHOSTBITS, "fd00:20::/48" },
	{ "10.0.0.0/33", ADDR_ELEN, NULL },
	{ "10.0.0.0/64", ADDR_ELEN, NULL },
	{ "fd00::/129", ADDR_ELEN, NULL },
	{ "10.0.0.0/", ADDR_ELEN, NULL },
	{ "10.0.0.0/-1", ADDR_ELEN, NULL },
	{ "10.0.0.0/8x", ADDR_ELEN, NULL },
	{ "10.300.0.0/16", ADDR_ESYNTAX, NULL },
	{ "lgwan", ADDR_ESYNTAX, NULL },
	{ "", ADDR_ESYNTAX, NULL },
	{ "/8", ADDR_ESYNTAX, NULL },
};

START_TEST(prefix_parse_case)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];
	enum addr_perr r = prefix_parse(prefix_cases[_i].in, &p);

	ck_assert_msg(r == prefix_cases[_i].err, "%s: got %d want %d",
		      prefix_cases[_i].in, r, prefix_cases[_i].err);
	if (prefix_cases[_i].canon)
		ck_assert_str_eq(prefix_format(&p, buf), prefix_cases[_i].canon);
}
END_TEST

START_TEST(prefix_contains_and_covers)
{
	struct prefix a, b;
	struct addr x;

	ck_assert_int_eq(prefix_parse("10.20.0.0/16", &a), ADDR_OK);
	ck_assert_int_eq(prefix_parse("10.20.3.0/24", &b), ADDR_OK);
	ck_assert(prefix_covers(&a, &b));
	ck_assert(!prefix_covers(&b, &a));
	ck_assert_int_eq(addr_parse("10.20.255.255", &x), 0);
	ck_assert(prefix_contains(&a, &x));
	ck_assert(!prefix_contains(&b, &x));
	ck_assert_int_eq(addr_parse("fd00:20::1", &x), 0);
	ck_assert(!prefix_contains(&a, &x));	/* other family */
	ck_assert_int_eq(prefix_parse("::/0", &a), ADDR_OK);
	ck_assert(prefix_contains(&a, &x));
	ck_assert(prefix_last(&a) == ~(u128)0);
}
END_TEST

/* addr_format's own IPv4 formatter agrees with inet_ntop: the edges of
 * every octet width and 100,000 random addresses */
START_TEST(format4_matches_inet_ntop)
{
	static const uint32_t edges[] = { 0, 0xffffffff, 0x0a000001, 0x09630a64,
					  0x636463ff, 0xc0a80001, 0x00010203 };
	char want[ADDR_STRLEN], got[ADDR_STRLEN];
	struct addr a;
	uint32_t v, nv;
	unsigned seed = 12345;
	size_t i;

	for (i = 0; i < 100000 + sizeof(edges) / sizeof(edges[0]); i++) {
		v = i < sizeof(edges) / sizeof(edges[0]) ? edges[i] :
		    (uint32_t)rand_r(&seed) << 16 ^ (uint32_t)rand_r(&seed);
		nv = htonl(v);
		addr_from_bytes(AF_INET, (const uint8_t *)&nv, &a);
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, &nv, want, sizeof(want)));
		ck_assert_str_eq(addr_format(&a, got), want);
	}
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("prefix");

	tcase_add_loop_test(tc, prefix_parse_case, 0,
			    sizeof(prefix_cases) / sizeof(prefix_cases[0]));
	tcase_add_test(tc, prefix_contains_and_covers);
	tcase_add_test(tc, format4_matches_inet_ntop);
	suite_add_tcase(s, tc);
	return s;
}
