/* test_pkt.c - the header and NFLOG parsers over hand-built packets,
 * including every malformed case the daemon must count and skip. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "tests.h"
#include "pktbuild.h"
#include "../../lib/nflog.h"
#include "../../lib/pkt.h"

START_TEST(ipv4_tcp)
{
	uint8_t l4[64], p[128];
	struct pkt_info pi;
	char b[ADDR_STRLEN];
	size_t n = pb_ip4(p, "10.20.3.4", "198.51.100.7", IPPROTO_TCP, 0, l4,
			  pb_ports(l4, 51234, 443, 1));

	ck_assert_int_eq(pkt_parse(p, n, AF_INET, &pi), PKT_OK);
	ck_assert_str_eq(addr_format(&pi.src, b), "10.20.3.4");
	ck_assert_str_eq(addr_format(&pi.dst, b), "198.51.100.7");
	ck_assert(pi.has_ports && pi.sport == 51234 && pi.dport == 443);
	ck_assert(pi.has_tcp_flags && pi.tcp_flags == 0x02);
	/* only the ports are needed: a capture cut after them is fine */
	ck_assert_int_eq(pkt_parse(p, 24, AF_UNSPEC, &pi), PKT_OK);
	ck_assert(!pi.has_tcp_flags);
}
END_TEST

START_TEST(ipv6_ext_headers_udp)
{
	/* hop-by-hop (8), destination options (16), fragment (first), UDP */
	uint8_t ext[32] = { 0 }, l4[8], p[128];
	struct pkt_info pi;
	size_t n;

	ext[0] = 60;		/* hbh -> dstopts */
	ext[1] = 0;
	ext[8] = 44;		/* dstopts -> fragment */
	ext[9] = 1;		/* 16 bytes */
	ext[24] = IPPROTO_UDP;	/* fragment -> udp, offset 0, M=1 */
	ext[27] = 1;
	n = pb_ip6(p, "fd00:20::5", "fd00:30::40", 0, ext, 32, l4,
		   pb_ports(l4, 4000, 3389, 0));
	ck_assert_int_eq(pkt_parse(p, n, AF_INET6, &pi), PKT_OK);
	ck_assert_uint_eq(pi.proto, IPPROTO_UDP);
	ck_assert(pi.has_ports && pi.dport == 3389);
	ck_assert(pi.first_fragment);
}
END_TEST

START_TEST(icmp_both)
{
	uint8_t l4[8] = { 8, 0 }, p[128];
	struct pkt_info pi;
	size_t n = pb_ip4(p, "10.20.3.4", "10.30.0.99", IPPROTO_ICMP, 0, l4, 8);

	ck_assert_int_eq(pkt_parse(p, n, AF_INET, &pi), PKT_OK);
	ck_assert(pi.has_icmp && pi.icmp_type == 8 && pi.icmp_code == 0);
	l4[0] = 128;
	n = pb_ip6(p, "fd00:20::5", "fd00:30::99", IPPROTO_ICMPV6, NULL, 0, l4, 8);
	ck_assert_int_eq(pkt_parse(p, n, AF_INET6, &pi), PKT_OK);
	ck_assert(pi.has_icmp && pi.icmp_type == 128);
}
END_TEST

/* Malformed packets: each has its error, never a read past the end (the
 * suite runs under AddressSanitizer with SANITIZE=1). */
struct bad {
	const char	*name;
	enum pkt_err	err;
};

static const struct bad bads[] = {
	{ "empty", PKT_ETRUNC },
	{ "ipv4 header cut", PKT_ETRUNC },
	{ "version 5", PKT_EVERSION },
	{ "ihl 4", PKT_EHDRLEN },
	{ "ihl beyond the capture", PKT_ETRUNC },
	{ "total length below header", PKT_ELEN },
	{ "tcp ports cut", PKT_ETRUNC },
	{ "non-first ipv4 fragment", PKT_EFRAG },
	{ "ipv6 header cut", PKT_ETRUNC },
	{ "ipv6 ext chain cut", PKT_ETRUNC },
	{ "ipv6 ext beyond payload length", PKT_EEXTHDR },
	{ "ipv6 non-first fragment", PKT_EFRAG },
	{ "ipv6 too many ext headers", PKT_EEXTHDR },
	{ "family mismatch", PKT_EFAMILY },
	{ "icmp type cut", PKT_ETRUNC },
};

START_TEST(malformed_packet)
{
	uint8_t p[512], l4[64] = { 0 }, ext[256];
	struct pkt_info pi;
	size_t n = 0, i;
	int fam = AF_UNSPEC;

	memset(ext, 0, sizeof(ext));
	switch (_i) {
	case 0: n = 0; break;
	case 1: n = 19; pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, 0); break;
	case 2: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, 0); p[0] = 0x55; break;
	case 3: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, 0); p[0] = 0x44; break;
	case 4: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, 0); p[0] = 0x4f; p[3] = 100; break;
	case 5: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, 0); p[2] = 0; p[3] = 10; break;
	case 6: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, pb_ports(l4, 1, 2, 1)); n = 23; break;
	case 7: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 17, 0x0010, l4, pb_ports(l4, 1, 2, 0)); break;
	case 8: n = pb_ip6(p, "fd00::1", "fd00::2", 6, NULL, 0, l4, 0); n = 39; break;
	case 9: ext[0] = 6; n = pb_ip6(p, "fd00::1", "fd00::2", 0, ext, 8, l4, 0); n = 41; break;
	case 10: ext[0] = 6; ext[1] = 4; n = pb_ip6(p, "fd00::1", "fd00::2", 0, ext, 8, l4, pb_ports(l4, 1, 2, 1)); break;
	case 11: ext[0] = 17; ext[2] = 0x01; ext[3] = 0x00;
		n = pb_ip6(p, "fd00::1", "fd00::2", 44, ext, 8, l4, pb_ports(l4, 1, 2, 0)); break;
	case 12:
		for (i = 0; i < 17; i++)
			ext[i * 8] = 60;
		n = pb_ip6(p, "fd00::1", "fd00::2", 60, ext, 17 * 8, l4, 0); break;
	case 13: n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 6, 0, l4, pb_ports(l4, 1, 2, 1)); fam = AF_INET6; break;
	case 14: l4[0] = 8; n = pb_ip4(p, "10.0.0.1", "10.0.0.2", 1, 0, l4, 2); n = 21; break;
	}
	ck_assert_msg(pkt_parse(p, n, fam, &pi) == bads[_i].err, "%s: got %s",
		      bads[_i].name, pkt_err_name(pkt_parse(p, n, fam, &pi)));
}
END_TEST

START_TEST(nflog_record)
{
	uint8_t l4[32], ip[128], rec[512];
	struct nflog_rec r;
	size_t n = pb_ip4(ip, "10.20.3.4", "198.51.100.7", 6, 0, l4,
			  pb_ports(l4, 51234, 443, 1));
	size_t rn = pb_nflog(rec, AF_INET, "zg policy lgwan internet", 3, 5, ip, n);

	ck_assert_int_eq(nflog_parse(rec, rn, &r), NFLOG_OK);
	ck_assert_str_eq(r.prefix, "zg policy lgwan internet");
	ck_assert(r.has_indev && r.indev == 3 && r.has_outdev && r.outdev == 5);
	ck_assert_uint_eq(r.payload_len, n);
	ck_assert_mem_eq(r.payload, ip, n);
	ck_assert_uint_eq(r.group, 7);
}
END_TEST

static const struct {
	const char	*name;
	enum nflog_err	err;
} nbads[] = {
	{ "short header", NFLOG_ETRUNC },
	{ "version 1", NFLOG_EVERSION },
	{ "tlv length 2", NFLOG_ETLV },
	{ "tlv longer than the record", NFLOG_ETRUNC },
	{ "no payload", NFLOG_ENOPAYLOAD },
	{ "no prefix", NFLOG_ENOPREFIX },
	{ "prefix without NUL", NFLOG_ENOPREFIX },
	{ "ifindex tlv of 2 bytes", NFLOG_ETLV },
	{ "tlv header cut", NFLOG_ETRUNC },
};

START_TEST(nflog_malformed)
{
	uint8_t ip[64], l4[32], rec[512];
	struct nflog_rec r;
	size_t n = pb_ip4(ip, "10.0.0.1", "10.0.0.2", 6, 0, l4, pb_ports(l4, 1, 2, 1));
	size_t rn = pb_nflog(rec, AF_INET, "zg policy a b", 3, 0, ip, n);
	uint16_t v;

	switch (_i) {
	case 0: rn = 3; break;
	case 1: rec[1] = 1; break;
	case 2: v = 2; memcpy(rec + 4, &v, 2); break;
	case 3: v = 400; memcpy(rec + 4, &v, 2); break;
	case 4: rn = pb_nflog(rec, AF_INET, "zg policy a b", 3, 0, NULL, 0); break;
	case 5: rn = pb_nflog(rec, AF_INET, NULL, 3, 0, ip, n); break;
	case 6: /* the prefix TLV of "zg policy a b" is 4+14 bytes; drop the NUL */
		v = 4 + 13; memcpy(rec + 4, &v, 2); rec[4 + 4 + 13] = 'x'; break;
	case 7: rn = pb_nflog(rec, AF_INET, "zg policy a b", 0, 0, ip, n);
		v = 6; memcpy(rec + rn, &v, 2); v = 4; memcpy(rec + rn + 2, &v, 2);
		rn += 8; break;
	case 8: rn = pb_nflog(rec, AF_INET, "zg policy a b", 0, 0, ip, n) + 2;
		rec[rn - 2] = 8; rec[rn - 1] = 0; break;
	}
	ck_assert_msg(nflog_parse(rec, rn, &r) == nbads[_i].err, "%s: got %s",
		      nbads[_i].name, nflog_err_name(nflog_parse(rec, rn, &r)));
}
END_TEST

Suite *pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, ipv4_tcp);
	tcase_add_test(tc, ipv6_ext_headers_udp);
	tcase_add_test(tc, icmp_both);
	tcase_add_loop_test(tc, malformed_packet, 0, sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(tc, nflog_record);
	tcase_add_loop_test(tc, nflog_malformed, 0, sizeof(nbads) / sizeof(nbads[0]));
	suite_add_tcase(s, tc);
	return s;
}
