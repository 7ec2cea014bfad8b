/* test_link.c - the IP packet inside every link type the audit reads, and
 * every way a frame can be cut short or carry something else. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "pktbuild.h"
#include "../../lib/link.h"

#define MACS	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1

static const uint8_t eth4[] = { MACS, 0x08, 0x00 };
static const uint8_t eth6[] = { MACS, 0x86, 0xdd };
static const uint8_t eth_vlan[] = { MACS, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
static const uint8_t eth_qinq[] = { MACS, 0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00,
				    0x00, 0x64, 0x86, 0xdd };
static const uint8_t eth_9100[] = { MACS, 0x91, 0x00, 0x00, 0xc8, 0x81, 0x00,
				    0x00, 0x64, 0x08, 0x00 };
static const uint8_t eth_3tags[] = { MACS, 0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2,
				     0x81, 0x00, 0, 3, 0x08, 0x00 };
static const uint8_t eth_arp[] = { MACS, 0x08, 0x06 };
static const uint8_t eth_8023[] = { MACS, 0x00, 0x40 };	/* a length */
static const uint8_t sll4[] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
				0x08, 0x00 };
static const uint8_t sll_vlan6[] = { 0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
				     0x81, 0x00, 0x00, 0x64, 0x86, 0xdd };
static const uint8_t sll_arp[] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
				   0x08, 0x06 };
static const uint8_t sll2_6[] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 7, 0, 1, 0, 6,
				  2, 0, 0, 0, 0, 1, 0, 0 };

enum ip_kind { NO_IP, IP4, IP6 };

struct link_case {
	const char	*name;
	int		dlt;
	const uint8_t	*hdr;		/* NULL: an NFLOG record (nflog) */
	size_t		hdrlen;
	enum ip_kind	ip;
	int		nflog;		/* 1 good, 2 no prefix, 3 version 1,
					 * 4 no payload, 5 ARP family */
	long		cut;		/* caplen: -1 the whole frame */
	enum link_err	err;
	int		family;
	size_t		off;		/* where the IP packet starts */
	long		ifindex;	/* -1: none */
};

#define H(a)	a, sizeof(a)

static const struct link_case cases[] = {
	{ "ethernet ipv4", LINK_DLT_EN10MB, H(eth4), IP4, 0, -1, LINK_OK, AF_INET, 14, -1 },
	{ "ethernet ipv6", LINK_DLT_EN10MB, H(eth6), IP6, 0, -1, LINK_OK, AF_INET6, 14, -1 },
	{ "802.1Q", LINK_DLT_EN10MB, H(eth_vlan), IP4, 0, -1, LINK_OK, AF_INET, 18, -1 },
	{ "802.1ad + 802.1Q", LINK_DLT_EN10MB, H(eth_qinq), IP6, 0, -1, LINK_OK, AF_INET6, 22, -1 },
	{ "0x9100 + 802.1Q", LINK_DLT_EN10MB, H(eth_9100), IP4, 0, -1, LINK_OK, AF_INET, 22, -1 },
	{ "three tags", LINK_DLT_EN10MB, H(eth_3tags), IP4, 0, -1, LINK_ENOTIP, 0, 0, -1 },
	{ "arp", LINK_DLT_EN10MB, H(eth_arp), NO_IP, 0, -1, LINK_ENOTIP, 0, 0, -1 },
	{ "802.3 length", LINK_DLT_EN10MB, H(eth_8023), IP4, 0, -1, LINK_ENOTIP, 0, 0, -1 },
	{ "ethernet cut in type", LINK_DLT_EN10MB, H(eth4), IP4, 0, 13, LINK_ETRUNC, 0, 0, -1 },
	{ "vlan tag cut", LINK_DLT_EN10MB, H(eth_vlan), IP4, 0, 17, LINK_ETRUNC, 0, 0, -1 },
	{ "ethernet header only", LINK_DLT_EN10MB, H(eth4), NO_IP, 0, -1, LINK_OK, AF_INET, 14, -1 },
	{ "empty ethernet", LINK_DLT_EN10MB, H(eth4), IP4, 0, 0, LINK_ETRUNC, 0, 0, -1 },
	{ "sll ipv4", LINK_DLT_LINUX_SLL, H(sll4), IP4, 0, -1, LINK_OK, AF_INET, 16, -1 },
	{ "sll vlan ipv6", LINK_DLT_LINUX_SLL, H(sll_vlan6), IP6, 0, -1, LINK_OK, AF_INET6, 20, -1 },
	{ "sll cut", LINK_DLT_LINUX_SLL, H(sll4), IP4, 0, 15, LINK_ETRUNC, 0, 0, -1 },
	{ "sll arp", LINK_DLT_LINUX_SLL, H(sll_arp), NO_IP, 0, -1, LINK_ENOTIP, 0, 0, -1 },
	{ "sll2 ipv6", LINK_DLT_LINUX_SLL2, H(sll2_6), IP6, 0, -1, LINK_OK, AF_INET6, 20, 7 },
	{ "sll2 cut", LINK_DLT_LINUX_SLL2, H(sll2_6), IP6, 0, 19, LINK_ETRUNC, 0, 0, -1 },
	{ "raw ipv4", LINK_DLT_RAW, NULL, 0, IP4, 0, -1, LINK_OK, AF_UNSPEC, 0, -1 },
	{ "raw (openbsd) ipv6", LINK_DLT_RAW_OPENBSD, NULL, 0, IP6, 0, -1, LINK_OK, AF_UNSPEC, 0, -1 },
	{ "raw empty", LINK_DLT_RAW, NULL, 0, IP4, 0, 0, LINK_ETRUNC, 0, 0, -1 },
	{ "ipv4 link", LINK_DLT_IPV4, NULL, 0, IP4, 0, -1, LINK_OK, AF_INET, 0, -1 },
	{ "ipv6 link", LINK_DLT_IPV6, NULL, 0, IP6, 0, -1, LINK_OK, AF_INET6, 0, -1 },
	{ "ipv6 link empty", LINK_DLT_IPV6, NULL, 0, IP6, 0, 0, LINK_ETRUNC, 0, 0, -1 },
	{ "nflog ipv4", LINK_DLT_NFLOG, NULL, 0, IP4, 1, -1, LINK_OK, AF_INET, 48, 3 },
	{ "nflog without prefix", LINK_DLT_NFLOG, NULL, 0, IP6, 2, -1, LINK_OK, AF_INET6, 16, 3 },
	{ "nflog version 1", LINK_DLT_NFLOG, NULL, 0, IP4, 3, -1, LINK_ENFLOG, 0, 0, -1 },
	{ "nflog without payload", LINK_DLT_NFLOG, NULL, 0, NO_IP, 4, -1, LINK_ENFLOG, 0, 0, -1 },
	{ "nflog arp family", LINK_DLT_NFLOG, NULL, 0, IP4, 5, -1, LINK_ENOTIP, 0, 0, -1 },
	{ "nflog cut in payload", LINK_DLT_NFLOG, NULL, 0, IP4, 1, 50, LINK_ETRUNC, 0, 0, -1 },
	{ "nflog cut in header", LINK_DLT_NFLOG, NULL, 0, IP4, 1, 3, LINK_ETRUNC, 0, 0, -1 },
	{ "dlt 147 (user0)", 147, H(eth4), IP4, 0, -1, LINK_EDLT, 0, 0, -1 },
	{ "dlt 0 (null)", 0, H(eth4), IP4, 0, -1, LINK_EDLT, 0, 0, -1 },
};

/* build - the frame of case c into buf; returns its length and the IP
 * packet's into *iplen. */
static size_t build(const struct link_case *c, uint8_t *buf, size_t *iplen)
{
	uint8_t ip[128], l4[32];
	size_t n = 0;

	*iplen = 0;
	if (c->ip == IP4)
		n = pb_ip4(ip, "10.20.3.4", "198.51.100.7", IPPROTO_TCP, 0, l4,
			   pb_ports(l4, 51234, 443, 1));
	else if (c->ip == IP6)
		n = pb_ip6(ip, "fd00:20::5", "fd00:30::40", IPPROTO_UDP, NULL, 0,
			   l4, pb_ports(l4, 4000, 3389, 0));
	*iplen = n;
	if (c->dlt == LINK_DLT_NFLOG) {
		size_t r = pb_nflog(buf, c->nflog == 5 ? 3 : c->ip == IP6 ?
				    AF_INET6 : AF_INET,
				    c->nflog == 2 ? NULL : "zg policy lgwan internet",
				    3, 0, c->nflog == 4 ? NULL : ip, n);

		if (c->nflog == 3)
			buf[1] = 1;
		return r;
	}
	if (c->hdr)
		memcpy(buf, c->hdr, c->hdrlen);
	memcpy(buf + c->hdrlen, ip, n);
	return c->hdrlen + n;
}

START_TEST(decap_case)
{
	const struct link_case *c = &cases[_i];
	uint8_t buf[512];
	struct link_pkt lp;
	size_t iplen, n = build(c, buf, &iplen);
	size_t caplen = c->cut < 0 ? n : (size_t)c->cut;
	enum link_err e = link_decap(c->dlt, buf, caplen, &lp);

	ck_assert_msg(e == c->err, "%s: got %s, want %s", c->name,
		      link_err_name(e), link_err_name(c->err));
	if (e != LINK_OK) {
		ck_assert_ptr_null(lp.ip);
		return;
	}
	ck_assert_msg(lp.family == c->family, "%s: family %d", c->name, lp.family);
	ck_assert_msg(lp.ip == buf + c->off && lp.hdrlen == c->off,
		      "%s: ip at %td", c->name, lp.ip - buf);
	ck_assert_msg(lp.len == iplen, "%s: len %zu, want %zu", c->name, lp.len,
		      iplen);
	ck_assert_int_eq(lp.has_ifindex, c->ifindex >= 0);
	if (c->ifindex >= 0)
		ck_assert_uint_eq(lp.ifindex, (uint32_t)c->ifindex);
}
END_TEST

/* Every prefix of every frame: the packet found (if any) lies inside the
 * captured bytes. Run with SANITIZE=1 to catch a read past them. */
START_TEST(every_prefix_stays_inside)
{
	const struct link_case *c = &cases[_i];
	uint8_t buf[512], *cut;
	struct link_pkt lp;
	size_t iplen, n = build(c, buf, &iplen), k;

	for (k = 0; k <= n; k++) {
		/* a heap copy of exactly k bytes, so ASan sees any overrun */
		cut = malloc(k ? k : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, buf, k);
		if (link_decap(c->dlt, cut, k, &lp) == LINK_OK)
			ck_assert(lp.ip >= cut && lp.ip + lp.len <= cut + k);
		free(cut);
	}
}
END_TEST

static const struct {
	int	dlt;
	bool	ok;
} supported[] = {
	{ 1, true }, { 12, true }, { 14, true }, { 113, true }, { 228, true },
	{ 229, true }, { 239, true }, { 276, true },
	{ 0, false }, { 101, false }, { 105, false }, { 127, false },
	{ 147, false }, { -1, false },
};

START_TEST(supported_types)
{
	ck_assert_msg(link_supported(supported[_i].dlt) == supported[_i].ok,
		      "dlt %d", supported[_i].dlt);
}
END_TEST

START_TEST(err_names)
{
	ck_assert_str_eq(link_err_name(LINK_ETRUNC), "truncated");
	ck_assert_str_eq(link_err_name(LINK_EDLT), "unsupported-link-type");
	ck_assert_str_eq(link_err_name(LINK_ENOTIP), "not-ip");
	ck_assert_str_eq(link_err_name(LINK_ENFLOG), "bad-nflog");
	ck_assert_str_eq(link_err_name(LINK_ERR_COUNT), "?");
}
END_TEST

Suite *link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("decap");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_add_loop_test(tc, decap_case, 0, n);
	tcase_add_loop_test(tc, every_prefix_stays_inside, 0, n);
	tcase_add_loop_test(tc, supported_types, 0,
			    (int)(sizeof(supported) / sizeof(supported[0])));
	tcase_add_test(tc, err_names);
	suite_add_tcase(s, tc);
	return s;
}
