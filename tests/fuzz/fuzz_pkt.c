/* fuzz_pkt.c - the NFLOG record and IP header parsers, and attribution of
 * whatever they accept, on any bytes: the path every denied packet takes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../lib/agg.h"
#include "../../lib/conf.h"
#include "../../lib/nflog.h"
#include "../../lib/pkt.h"
#include "../../lib/viol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] =
	"version = 1;\nzones = (\n"
	"{ name = \"lgwan\"; interfaces = [ \"lg0\" ]; networks = [ \"10.20.0.0/16\", \"fd00:20::/48\" ]; },\n"
	"{ name = \"relay\"; interfaces = [ \"rl0\" ]; networks = [ \"10.30.0.0/24\" ]; },\n"
	"{ name = \"internet\"; interfaces = [ \"inet0\" ]; networks = [ \"0.0.0.0/0\", \"::/0\" ]; } );\n"
	"policy = ( { from = \"lgwan\"; to = \"relay\"; services = [ \"tcp/3389\" ]; log = true; } );\n";

static void sink(void *arg, enum agg_kind kind, const char *line, uint64_t n)
{
	(void)arg; (void)kind; (void)line; (void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model *m;
	static struct agg *a;
	static uint64_t t;
	struct nflog_rec r;
	struct pkt_info pi;
	struct viol_event ev;
	char line[VIOL_LINE_MAX];

	if (m == NULL) {
		struct err_list el;

		err_init(&el);
		m = conf_parse(conf, sizeof(conf) - 1, "fuzz.conf", &el);
		err_free(&el);
		a = agg_new(5, 20, 64, sink, NULL);
	}
	/* the bytes as a bare IP packet */
	if (pkt_parse(data, size, 0, &pi) == PKT_OK &&
	    viol_attribute(m, "zg policy lgwan internet", &pi, "lg0", "inet0", &ev) != VIOL_EPREFIX)
		viol_format(line, sizeof(line), m, &ev);
	/* and as an NFLOG record */
	if (nflog_parse(data, size, &r) != NFLOG_OK)
		return 0;
	if (pkt_parse(r.payload, r.payload_len, r.family, &pi) != PKT_OK)
		return 0;
	if (viol_attribute(m, r.prefix, &pi, "lg0", "rl0", &ev) == VIOL_EPREFIX)
		return 0;
	viol_format(line, sizeof(line), m, &ev);
	t += 7;
	agg_event(a, m, &ev, t, t / 1000);
	agg_tick(a, m, t);
	return 0;
}
