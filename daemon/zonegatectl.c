/* zonegatectl - check, explain (and, with the daemon, status and audit). */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auditprint.h"
#include "confcheck.h"
#include "../lib/audit.h"
#include "../lib/conf.h"
#include "../lib/ctlproto.h"
#include "../lib/link.h"
#include "../lib/policy.h"
#include "../lib/ruleset.h"
#include "nft.h"

#define EXIT_ACCEPT	0
#define EXIT_DENY	1
#define EXIT_USAGE	2

static const char *conf_path = CONF_DEFAULT_PATH;
static const char *sock_path;	/* -s, or the config's control_socket */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: zonegatectl [-c FILE] check [--dump]\n"
		"       zonegatectl [-c FILE] explain [--in IFACE] [--out IFACE] "
		"[--local]\n"
		"                   PROTO SRC DST [DPORT|ICMPTYPE]\n"
		"       zonegatectl [-c FILE] [-s SOCKET] status [--json]\n"
		"       zonegatectl [-c FILE] [-s SOCKET] stats [--json]\n"
		"       zonegatectl [-c FILE] [-s SOCKET] top [--pair SRC:DST] "
		"[-n N] [--json]\n"
		"       zonegatectl [-c FILE] [-s SOCKET] reload\n"
		"       zonegatectl [-c FILE] verify\n"
		"       zonegatectl [-c FILE] audit [--json] CAPTURE...\n"
		"PROTO is tcp, udp, icmp or icmpv6; default FILE is %s\n",
		CONF_DEFAULT_PATH);
}

static int cmd_check(int argc, char **argv)
{
	struct ruleset *rs;
	struct model *m;
	int dump = 0;

	if (argc == 2 && strcmp(argv[1], "--dump") == 0)
		dump = 1;
	else if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	m = confcheck_load(conf_path);
	if (m == NULL)
		return 1;
	if (!dump) {
		confcheck_summary(stdout, m);
		model_free(m);
		return 0;
	}
	rs = ruleset_compile(m);
	if (rs == NULL) {
		fprintf(stderr, "zonegatectl: cannot compile the ruleset: out of "
			"memory\n");
		model_free(m);
		return 1;
	}
	ruleset_dump(rs, stdout, 0);
	ruleset_free(rs);
	model_free(m);
	return 0;
}

static const struct {
	const char	*name;
	uint8_t		proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
};

static int parse_proto(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcmp(s, protos[i].name) == 0) {
			*out = protos[i].proto;
			return 0;
		}
	return -1;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && *out <= max ? 0 : -1;
}

/* reason_text - the explanation after the flow. */
static void print_reason(FILE *out, const struct model *m,
			 const struct flow *f, const struct verdict *v)
{
	char a[ADDR_STRLEN];
	const struct policy *p = v->entry;

	switch (v->reason) {
	case REASON_PERMIT:
	case REASON_REJECT:
	case REASON_DROP:
		fprintf(out, "%s by %s:%d", v->reason == REASON_PERMIT ?
			"permitted" : v->reason == REASON_REJECT ? "rejected" :
			"dropped", m->path, p->line);
		if (p->comment)
			fprintf(out, " \"%s\"", p->comment);
		if (p->exception)
			fprintf(out, " [exception: %s]", p->exception);
		break;
	case REASON_INTRA:
		fprintf(out, "intra-zone %s", v->action == ACTION_ACCEPT ?
			"accept" : "drop");
		break;
	case REASON_POLICY:
		fprintf(out, "no policy permits it");
		break;
	case REASON_SPOOF:
		fprintf(out, "spoofed source: %s belongs to zone %s, which is "
			"on %s, but arrived on %s", addr_format(&f->src, a),
			m->zones[v->src_zone].name, m->zones[v->src_zone].ifaces[0],
			f->iif);
		break;
	case REASON_UNKNOWN_ZONE:
		fprintf(out, "unknown zone: %s %s is in no zone",
			v->src_zone == ZONE_UNKNOWN ? "source" : "destination",
			addr_format(v->src_zone == ZONE_UNKNOWN ? &f->src : &f->dst, a));
		break;
	case REASON_INVALID:
		fprintf(out, "ICMP type %u starts no flow: it passes only as the "
			"answer or error of a permitted flow", f->icmp_type);
		break;
	case REASON_INPUT_OPEN:
		fprintf(out, "no policy names the gateway zone, so traffic to "
			"the gateway itself is not filtered");
		break;
	}
}

static void print_flow(FILE *out, const struct flow *f, const char *proto)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];

	fprintf(out, "%s %s -> %s", proto, addr_format(&f->src, s),
		addr_format(&f->dst, d));
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP)
		fprintf(out, " dport %u", f->dport);
	else
		fprintf(out, " type %u", f->icmp_type);
	if (f->iif)
		fprintf(out, " in %s", f->iif);
}

static int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "local", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct flow f = { 0 };
	struct verdict v;
	struct model *m;
	unsigned long n;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			f.iif = optarg;
			break;
		case 'o':
			/* accepted for symmetry: the destination zone is
			 * decided by address, as in the kernel */
			break;
		case 'l':
			f.local = true;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 4 || parse_proto(argv[0], &f.proto) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (addr_parse(argv[1], &f.src) < 0 || addr_parse(argv[2], &f.dst) < 0) {
		fprintf(stderr, "explain: SRC and DST must be IPv4 or IPv6 "
			"addresses\n");
		return EXIT_USAGE;
	}
	if (f.src.family != f.dst.family) {
		fprintf(stderr, "explain: SRC and DST must be of one family\n");
		return EXIT_USAGE;
	}
	/* "icmp" with IPv6 addresses means ICMPv6, and the reverse */
	if (f.proto == IPPROTO_ICMP && f.src.family == AF_INET6)
		f.proto = IPPROTO_ICMPV6;
	else if (f.proto == IPPROTO_ICMPV6 && f.src.family == AF_INET)
		f.proto = IPPROTO_ICMP;
	if (f.proto == IPPROTO_TCP || f.proto == IPPROTO_UDP) {
		if (argc != 4 || parse_num(argv[3], 65535, &n) < 0 || n == 0) {
			fprintf(stderr, "explain: %s needs a destination port "
				"(1-65535)\n", argv[0]);
			return EXIT_USAGE;
		}
		f.dport = (uint16_t)n;
	} else {
		f.icmp_type = f.proto == IPPROTO_ICMP ? ICMP_ECHO_REQUEST :
			      ICMP6_ECHO_REQUEST;
		if (argc == 4) {
			if (parse_num(argv[3], 255, &n) < 0) {
				fprintf(stderr, "explain: an ICMP type is 0-255\n");
				return EXIT_USAGE;
			}
			f.icmp_type = (uint8_t)n;
		}
	}
	m = confcheck_load(conf_path);
	if (m == NULL)
		return EXIT_USAGE;
	policy_decide(m, &f, &v);
	printf("%s %s -> %s ", model_action_name(v.action),
	       model_zone_name(m, v.src_zone), model_zone_name(m, v.dst_zone));
	print_flow(stdout, &f, f.proto == IPPROTO_ICMPV6 ? "icmpv6" : argv[0]);
	printf(": ");
	print_reason(stdout, m, &f, &v);
	printf("\n");
	rc = v.action == ACTION_ACCEPT ? EXIT_ACCEPT : EXIT_DENY;
	model_free(m);
	return rc;
}

/* socket_path - -s, else the control_socket of the configuration if it
 * can be read, else the default. */
static const char *socket_path(void)
{
	static char path[108];
	struct err_list el;
	struct model *m;

	if (sock_path != NULL)
		return sock_path;
	err_init(&el);
	m = conf_load(conf_path, &el);
	snprintf(path, sizeof(path), "%s", m ? m->set.control_socket :
		 "/run/zonegate/control.sock");
	model_free(m);
	err_free(&el);
	return path;
}

/* ask - sends one request, copies the answer's body to stdout (stderr for
 * an error). Returns 0 (ok), 1 (the daemon answered an error), 2 (could
 * not ask). */
static int ask(const char *req)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = socket_path();
	char buf[65536], *nl;
	size_t len = 0;
	ssize_t r;
	int fd, ok = -1;
	FILE *to = stdout;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "zonegatectl: cannot reach zonegated at %s: %s\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	/* the daemon may answer and close before reading (a refusal): then
	 * the send fails, and its answer is still there to read */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "zonegatectl: cannot send the request: %s\n",
			strerror(errno));
		close(fd);
		return 2;
	}
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)r;
		buf[len] = '\0';
		if (ok < 0 && (nl = strchr(buf, '\n')) != NULL) {
			ok = strncmp(buf, CTL_VERSION " ok\n", strlen(CTL_VERSION) + 4) == 0;
			to = ok ? stdout : stderr;
			if (!ok)
				fprintf(stderr, "zonegatectl: %.*s\n",
					(int)(nl - buf) - (int)strlen(CTL_VERSION " error "),
					buf + strlen(CTL_VERSION " error "));
			fwrite(nl + 1, 1, len - (size_t)(nl + 1 - buf), to);
			len = 0;
		} else if (ok >= 0) {
			fwrite(buf, 1, len, to);
			len = 0;
		}
		if (len == sizeof(buf) - 1)
			break;	/* a first line that never ends */
	}
	close(fd);
	if (ok < 0) {
		fprintf(stderr, "zonegatectl: no answer from zonegated\n");
		return 2;
	}
	return ok ? 0 : 1;
}

static int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pair", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char req[2 * CTL_REQ_MAX + 64], extra[CTL_REQ_MAX] = "";
	const char *cmd = argv[0];
	int c, json = 0;
	size_t o = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			o += (size_t)snprintf(extra + o, sizeof(extra) - o,
					      " pair=%s", optarg);
			break;
		case 'n':
			o += (size_t)snprintf(extra + o, sizeof(extra) - o,
					      " n=%s", optarg);
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
		if (o >= sizeof(extra)) {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || strchr(extra, '\n') != NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (snprintf(req, sizeof(req), "%s %s%s%s\n", CTL_VERSION, cmd,
		     json ? " format=json" : "", extra) >= CTL_REQ_MAX) {
		fprintf(stderr, "zonegatectl: request too long\n");
		return EXIT_USAGE;
	}
	return ask(req);
}

/* audit_flows_for - flows the audit of these files can hold: a flow needs
 * at least one 16-byte record header, so a file of S bytes has fewer than
 * S / 16; a pipe or "-" gets AUDIT_FLOWS_MAX. Sizing the table by the
 * files keeps a small audit small. */
static size_t audit_flows_for(char *const *files, size_t n)
{
	unsigned long long sum = 0;
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++) {
		if (stat(files[i], &sb) < 0 || !S_ISREG(sb.st_mode))
			return AUDIT_FLOWS_MAX;
		sum += (unsigned long long)sb.st_size / 16 + 1;
	}
	return sum < AUDIT_FLOWS_MAX ? (size_t)sum : AUDIT_FLOWS_MAX;
}

/* audit_file - feeds every record of the capture at path into a. Returns 0,
 * or -1 after a message naming the file. */
static int audit_file(struct audit *a, const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const unsigned char *data;
	struct pcap_pkthdr *h;
	unsigned long long n = 0;
	const char *name;
	int dlt, rc;
	size_t snap;
	pcap_t *p;

	p = pcap_open_offline(path, ebuf);
	if (p == NULL) {
		fprintf(stderr, "zonegatectl: audit: %s: cannot read the capture: "
			"%s\n", path, ebuf);
		return -1;
	}
	dlt = pcap_datalink(p);
	if (!link_supported(dlt)) {
		name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr, "zonegatectl: audit: %s: link type %d (%s) is not "
			"supported; audit reads Ethernet (with VLAN tags), Linux "
			"cooked (SLL, SLL2), raw IP and NFLOG captures\n", path,
			dlt, name ? name : "unknown");
		pcap_close(p);
		return -1;
	}
	snap = pcap_snapshot(p) > 0 ? (size_t)pcap_snapshot(p) : 0;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		audit_frame(a, dlt, data, h->caplen, h->len, snap,
			    (uint64_t)h->ts.tv_sec * 1000000 +
			    (uint64_t)h->ts.tv_usec);
		n++;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "zonegatectl: audit: %s: damaged after %llu "
			"packets: %s\n", path, n, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit *a;
	struct model *m;
	int c, i, json = 0, rc = EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'j') {
			usage(stderr);
			return EXIT_USAGE;
		}
		json = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	m = confcheck_load(conf_path);
	if (m == NULL)
		return EXIT_USAGE;
	a = audit_new(m, audit_flows_for(argv, (size_t)argc));
	if (a == NULL) {
		fprintf(stderr, "zonegatectl: audit: out of memory\n");
		goto out_model;
	}
	for (i = 0; i < argc; i++)
		if (audit_file(a, argv[i]) < 0)
			goto out_audit;
	if ((json ? auditprint_json : auditprint_text)(stdout, m, a, argv,
						       (size_t)argc) < 0) {
		fprintf(stderr, "zonegatectl: audit: out of memory\n");
		goto out_audit;
	}
	rc = audit_violation(a) ? EXIT_DENY : EXIT_ACCEPT;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "zonegatectl: audit: cannot write the report\n");
		rc = EXIT_USAGE;
	}
out_audit:
	audit_free(a);
out_model:
	model_free(m);
	return rc;
}

/* cmd_verify - does the kernel hold what the configuration compiles to?
 * Reads our table's digest over netlink (root) and compares it with the
 * compiled ruleset and with the stamp the daemon wrote into the table. */
static int cmd_verify(int argc, char **argv)
{
	char err[NFT_ERR_MAX], stamp[256], want[160];
	struct nft_shape shape;
	struct nft_digest dg;
	struct ruleset *rs;
	struct nft_sock *ns;
	struct model *m;
	int rc = 0;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	m = confcheck_load(conf_path);
	if (m == NULL)
		return EXIT_USAGE;
	rs = ruleset_compile(m);
	ns = nft_open(err, sizeof(err));
	if (rs == NULL || ns == NULL ||
	    nft_read_digest(ns, m->set.table, &dg) < 0) {
		fprintf(stderr, "zonegatectl: cannot read table inet %s: %s\n",
			m->set.table, ns ? strerror(errno) : err);
		ruleset_free(rs);
		nft_close(ns);
		model_free(m);
		return EXIT_USAGE;
	}
	nft_shape_of(rs, &shape);
	nft_stamp(&shape, m->checksum, want, sizeof(want));
	printf("compiled from %s: %s\n", m->path, want);
	if (!dg.present) {
		printf("kernel: table inet %s is missing\n", m->set.table);
		rc = 1;
	} else {
		printf("kernel: rules=%zu sets=%zu elems=%zu chains=%zu, %zu base "
		       "chain(s) not dropping by default%s\n", dg.rules, dg.sets,
		       dg.elems, dg.chains, dg.base_not_drop,
		       dg.ours ? "" : ", not created by zonegate");
		if (dg.unused_sets > 0)
			printf("kernel: %zu set(s) no rule uses, staged by an "
			       "unfinished reload: ignored\n", dg.unused_sets);
		if (nft_table_stamp(ns, m->set.table, stamp, sizeof(stamp)) == 0)
			printf("stamp: %s\n", stamp);
		else
			strcpy(stamp, "-");
		if (!dg.ours || !nft_digest_matches(&dg, &shape) ||
		    strcmp(stamp, want) != 0)
			rc = 1;
	}
	printf("%s\n", rc == 0 ? "in sync: the kernel holds this configuration" :
	       "NOT in sync: the kernel holds something else");
	ruleset_free(rs);
	nft_close(ns);
	model_free(m);
	return rc;
}

static const struct {
	const char	*name;
	int		(*run)(int argc, char **argv);
} commands[] = {
	{ "verify", cmd_verify },
	{ "check", cmd_check },
	{ "explain", cmd_explain },
	{ "status", cmd_ctl },
	{ "stats", cmd_ctl },
	{ "top", cmd_ctl },
	{ "reload", cmd_ctl },
	{ "audit", cmd_audit },
};

int main(int argc, char **argv)
{
	size_t i;
	int c;

	while ((c = getopt(argc, argv, "+c:s:h")) != -1) {
		switch (c) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(argc - optind, argv + optind);
	fprintf(stderr, "zonegatectl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
