/* test_sepmsg.c - the parser's records: round trips, and the exactness of
 * the parent's check (a record it accepts is the encoding of what it
 * decoded, byte for byte: no byte goes unchecked). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/pkt.h"
#include "../../lib/sepmsg.h"
#include "pktbuild.h"
#include "tests.h"

#define SLOTS	4

/* sample - a valid record of type t, from a real parsed packet */
static void sample(enum sep_type t, struct sep_msg *m)
{
	uint8_t l4[64], pkt[256];
	size_t n;

	memset(m, 0, sizeof(*m));
	m->type = t;
	m->slot = t == SEP_READY ? 0 : 2;
	switch (t) {
	case SEP_READY:
	case SEP_CAPERR:
		strcpy(m->text, "zonegate");
		break;
	case SEP_VIOL:
		n = pb_ports(l4, 40000, 443, 1);
		n = pb_ip6(pkt, "fd00:20::5", "2001:db8::7", IPPROTO_TCP, NULL, 0,
			   l4, n);
		ck_assert_int_eq(pkt_parse(pkt, n, AF_INET6, &m->pi), PKT_OK);
		m->ts_us = 1764115200123456ull;
		m->has_indev = m->has_outdev = m->has_ts = true;
		m->indev = 3;
		m->outdev = 5;
		m->ts_sec = 1764115200;
		strcpy(m->prefix, "zg1 policy lgwan internet");
		break;
	case SEP_VIOL_BAD:
		m->bad_kind = SEP_BAD_PKT;
		m->bad_err = PKT_EFRAG;
		break;
	case SEP_FRAME:
		n = pb_ports(l4, 5353, 53, 0);
		n = pb_ip4(pkt, "10.20.3.4", "198.51.100.7", IPPROTO_UDP, 0, l4, n);
		ck_assert_int_eq(pkt_parse(pkt, n, AF_INET, &m->pi), PKT_OK);
		m->ts_us = 42;
		m->wire_len = (uint32_t)n + 14;
		break;
	case SEP_STATS:
		m->drop = 7;
		m->ifdrop = 9;
		break;
	default:
		break;
	}
}

START_TEST(round_trip)
{
	enum sep_type t = (enum sep_type)(_i + 1);
	uint8_t buf[SEP_DGRAM_MAX], again[SEP_DGRAM_MAX];
	struct sep_msg m, d;
	size_t off = 0, off2 = 0, doff = 0;

	sample(t, &m);
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	ck_assert_uint_eq(off, sep_record_len(t));
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_OK);
	ck_assert_uint_eq(doff, off);
	ck_assert_int_eq(d.type, t);
	ck_assert_int_eq(sep_encode(&d, again, sizeof(again), &off2), 0);
	ck_assert_mem_eq(buf, again, off);
	if (t == SEP_VIOL || t == SEP_FRAME) {
		ck_assert_int_eq(d.pi.family, m.pi.family);
		ck_assert(d.pi.src.v == m.pi.src.v && d.pi.dst.v == m.pi.dst.v);
		ck_assert_uint_eq(d.pi.sport, m.pi.sport);
		ck_assert_uint_eq(d.pi.dport, m.pi.dport);
		ck_assert_uint_eq(d.pi.ip_len, m.pi.ip_len);
		ck_assert_uint_eq(d.pi.has_tcp_flags, m.pi.has_tcp_flags);
	}
	if (t == SEP_VIOL)
		ck_assert_str_eq(d.prefix, m.prefix);
}
END_TEST

/* accepts_exactly - decoding the datagram b[0..n) as the parent does
 * (record after record, to its end) either fails or re-encodes to b */
static void accepts_exactly(const uint8_t *b, size_t n, const char *what,
			    size_t at)
{
	uint8_t again[SEP_DGRAM_MAX];
	struct sep_msg d;
	size_t off = 0, off2 = 0;

	while (off < n) {
		if (sep_decode(b, n, &off, SLOTS, &d) != SEP_OK)
			return;
		ck_assert_int_eq(sep_encode(&d, again, sizeof(again), &off2), 0);
	}
	ck_assert_msg(off2 == n && memcmp(again, b, n) == 0,
		      "%s at %zu: accepted, but the bytes are not what they "
		      "decode to", what, at);
}

/* every byte of every record: each of 8 single-bit flips, and the values
 * 0x00, 0xff, 0x7f and 0x80 */
START_TEST(every_byte_is_checked)
{
	enum sep_type t = (enum sep_type)(_i + 1);
	static const uint8_t vals[] = { 0x00, 0xff, 0x7f, 0x80, 0x02, 0x0a };
	uint8_t buf[SEP_DGRAM_MAX], mut[SEP_DGRAM_MAX];
	struct sep_msg m;
	size_t off = 0, i, k;

	sample(t, &m);
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	for (i = 0; i < off; i++) {
		for (k = 0; k < 8; k++) {
			memcpy(mut, buf, off);
			mut[i] ^= (uint8_t)(1u << k);
			accepts_exactly(mut, off, "bit flip", i);
		}
		for (k = 0; k < sizeof(vals); k++) {
			memcpy(mut, buf, off);
			mut[i] = vals[k];
			accepts_exactly(mut, off, "value", i);
		}
	}
}
END_TEST

START_TEST(random_records_accepted_only_exactly)
{
	uint8_t b[512];
	unsigned seed = 2026;
	size_t i, n, j;

	for (i = 0; i < 200000; i++) {
		n = 8 + (size_t)rand_r(&seed) % 240;
		for (j = 0; j < n; j++)
			b[j] = (uint8_t)rand_r(&seed);
		/* a valid header, so the bodies get checked */
		b[0] = SEP_MAGIC & 0xff;
		b[1] = SEP_MAGIC >> 8;
		b[2] = SEP_VERSION;
		b[3] = (uint8_t)(1 + rand_r(&seed) % (SEP_TYPE_COUNT - 1));
		b[4] = (uint8_t)(rand_r(&seed) % 5);
		b[5] = 0;
		b[6] = b[7] = 0;
		n = sep_record_len((enum sep_type)b[3]);
		accepts_exactly(b, n, "random", i);
	}
}
END_TEST

START_TEST(bounds)
{
	uint8_t buf[SEP_DGRAM_MAX];
	struct sep_msg m, d;
	size_t off = 0, doff, n, len;

	sample(SEP_VIOL, &m);
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	len = off;
	for (n = 0; n < len; n++) {
		doff = 0;
		ck_assert_int_eq(sep_decode(buf, n, &doff, SLOTS, &d), SEP_ETRUNC);
		ck_assert_uint_eq(doff, 0);
	}
	/* the slot must name one of the child's captures */
	m.slot = SLOTS;
	off = 0;
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	doff = 0;
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_ESLOT);
	/* READY only for slot 0 */
	sample(SEP_READY, &m);
	m.slot = 1;
	off = 0;
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	doff = 0;
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_ESLOT);
	/* a record that does not fit is not written */
	off = sizeof(buf) - 4;
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), -1);
	ck_assert_uint_eq(off, sizeof(buf) - 4);
	/* unknown types, type 0 */
	memset(buf, 0, 16);
	buf[0] = SEP_MAGIC & 0xff;
	buf[1] = SEP_MAGIC >> 8;
	buf[2] = SEP_VERSION;
	doff = 0;
	ck_assert_int_eq(sep_decode(buf, 16, &doff, SLOTS, &d), SEP_ETYPE);
	buf[3] = SEP_TYPE_COUNT;
	ck_assert_int_eq(sep_decode(buf, 16, &doff, SLOTS, &d), SEP_ETYPE);
	buf[2] = SEP_VERSION + 1;
	buf[3] = SEP_STATS;
	ck_assert_int_eq(sep_decode(buf, 16, &doff, SLOTS, &d), SEP_EMAGIC);
}
END_TEST

/* several records to a datagram, decoded in order */
START_TEST(datagram_of_records)
{
	uint8_t buf[SEP_DGRAM_MAX];
	struct sep_msg m, d;
	size_t off = 0, doff = 0, n = 0;

	sample(SEP_FRAME, &m);
	while (sep_encode(&m, buf, sizeof(buf), &off) == 0)
		n++;
	ck_assert_uint_eq(n, SEP_DGRAM_MAX / sep_record_len(SEP_FRAME));
	while (doff < off) {
		ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_OK);
		n--;
	}
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* text fields: printable only (READY, CAPERR); a prefix may hold any byte
 * but NUL (the kernel's text, judged later by viol_attribute) */
START_TEST(text_fields)
{
	uint8_t buf[SEP_DGRAM_MAX];
	struct sep_msg m, d;
	size_t off = 0, doff = 0;

	sample(SEP_CAPERR, &m);
	strcpy(m.text, "esc\x1b[31m");
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_ETEXT);
	sample(SEP_VIOL, &m);
	strcpy(m.prefix, "other\x1btable");
	off = doff = 0;
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_OK);
	ck_assert_str_eq(d.prefix, "other\x1btable");
	/* a prefix of 127 bytes fills the field with its NUL */
	memset(m.prefix, 'p', sizeof(m.prefix) - 1);
	m.prefix[sizeof(m.prefix) - 1] = '\0';
	off = doff = 0;
	ck_assert_int_eq(sep_encode(&m, buf, sizeof(buf), &off), 0);
	ck_assert_int_eq(sep_decode(buf, off, &doff, SLOTS, &d), SEP_OK);
	ck_assert_uint_eq(strlen(d.prefix), sizeof(m.prefix) - 1);
}
END_TEST

Suite *sepmsg_suite(void)
{
	Suite *s = suite_create("sepmsg");
	TCase *tc = tcase_create("records");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, round_trip, 0, SEP_TYPE_COUNT - 1);
	tcase_add_loop_test(tc, every_byte_is_checked, 0, SEP_TYPE_COUNT - 1);
	tcase_add_test(tc, random_records_accepted_only_exactly);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, datagram_of_records);
	tcase_add_test(tc, text_fields);
	suite_add_tcase(s, tc);
	return s;
}
