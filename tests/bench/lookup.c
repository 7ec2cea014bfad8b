/* lookup.c - zone lookup throughput: a configuration with 100,000
 * prefixes (IPv4 and IPv6 mixed, nested) in 8 zones, random addresses
 * looked up on one core for about a second. Prints lookups per second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/conf.h"
#include "../../lib/policy.h"

#define PREFIXES	100000
#define ZONES		8
#define ADDRS		(1 << 20)

static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(void)
{
	unsigned long long seed = 88172645463325252ull;
	size_t cap = 64 + (size_t)PREFIXES * 48, off = 0, i, z;
	char *t = malloc(cap);
	struct addr *a = malloc(ADDRS * sizeof(*a));
	struct err_list el;
	struct model *m;
	struct timespec t0, t1;
	unsigned long long n = 0, hits = 0;
	double secs;

	off += (size_t)snprintf(t + off, cap - off, "version = 1;\nzones = (\n");
	for (z = 0; z < ZONES; z++) {
		off += (size_t)snprintf(t + off, cap - off, "%s{ name = \"z%zu\"; "
					"networks = [", z ? "," : "", z);
		/* two covering prefixes, so that lookups resolve nesting */
		if (z == 0)
			off += (size_t)snprintf(t + off, cap - off,
						"\"10.0.0.0/8\", \"fd00::/8\",");
		for (i = z; i < PREFIXES; i += ZONES) {
			unsigned long long r = rnd(&seed);

			if (i % 2)	/* IPv4 /24s inside 10.0.0.0/8 */
				off += (size_t)snprintf(t + off, cap - off,
					"%s\"10.%zu.%zu.0/24\"", i == z ? "" : ",",
					(i / 2) >> 8, (i / 2) & 255);
			else		/* IPv6 /48s inside fd00::/8 */
				off += (size_t)snprintf(t + off, cap - off,
					"%s\"fd%02llx:%zx:%llx::/48\"", i == z ? "" : ",",
					r & 255, i >> 1, (r >> 8) & 0xffff);
		}
		off += (size_t)snprintf(t + off, cap - off, " ]; }\n");
	}
	snprintf(t + off, cap - off, ");\n");
	err_init(&el);
	m = conf_parse(t, strlen(t), "bench.conf", &el);
	if (m == NULL) {
		/* duplicate random prefixes are possible: report and stop */
		fprintf(stderr, "lookup: %zu errors, first: %s\n", el.n_errors,
			el.n ? el.rec[0].msg : "?");
		return 1;
	}
	for (i = 0; i < ADDRS; i++) {
		unsigned long long r = rnd(&seed);

		if (r & 1) {
			a[i].family = AF_INET;
			a[i].v = 0x0a000000u | (r >> 8 & 0xffffff);
		} else {
			a[i].family = AF_INET6;
			a[i].v = ((u128)(0xfd00 | (r >> 8 & 255)) << 112) |
				 ((u128)(r >> 16 & 0xffff) << 96) |
				 ((u128)(r >> 32 & 0xffff) << 80) | (r >> 48);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < ADDRS; i++)
			hits += policy_zone_of(m, &a[i]) != ZONE_UNKNOWN;
		n += ADDRS;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	} while (secs < 1.0);
	printf("zone lookup: %zu prefixes, %.1f million lookups/s on one core "
	       "(%.0f%% found a zone)   (goal >= 10)\n", m->n_zones ? (size_t)PREFIXES : 0,
	       (double)n / secs / 1e6, 100.0 * (double)hits / (double)n);
	model_free(m);
	err_free(&el);
	free(a);
	free(t);
	return 0;
}
