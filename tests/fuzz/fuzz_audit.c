/* fuzz_audit.c - the audit's capture reading on any bytes: libpcap reads
 * them as a pcap or pcapng file (from memory), every record goes through
 * link decapsulation, header parsing and the flow table. */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../lib/audit.h"
#include "../../lib/conf.h"
#include "../../lib/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] =
	"version = 1;\nzones = (\n"
	"{ name = \"a\"; networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ]; },\n"
	"{ name = \"b\"; networks = [ \"0.0.0.0/0\", \"::/0\" ]; } );\n"
	"policy = ( { from = \"a\"; to = \"b\"; services = [ \"tcp/80\", \"icmp\" ]; } );\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model *m;
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct audit *a;
	pcap_t *p;
	FILE *f;
	int n = 0;

	if (m == NULL) {
		struct err_list el;

		err_init(&el);
		m = conf_parse(conf, sizeof(conf) - 1, "fuzz.conf", &el);
		err_free(&el);
	}
	f = fmemopen((void *)data, size, "rb");
	if (f == NULL)
		return 0;
	p = pcap_fopen_offline(f, err);
	if (p == NULL) {
		fclose(f);
		return 0;
	}
	a = audit_new(m, 1024);
	if (a != NULL && link_supported(pcap_datalink(p)))
		while (n++ < 10000 && pcap_next_ex(p, &h, &d) == 1)
			audit_frame(a, pcap_datalink(p), d, h->caplen, h->len,
				    (size_t)pcap_snapshot(p),
				    (uint64_t)h->ts.tv_sec * 1000000 +
				    (uint64_t)h->ts.tv_usec);
	audit_free(a);
	pcap_close(p);	/* closes f */
	return 0;
}
