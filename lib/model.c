/* model.c - ownership and small queries over the validated model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void model_free(struct model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_zones; i++) {
		free(m->zones[i].description);
		free(m->zones[i].ifaces);
		free(m->zones[i].nets);
		free(m->zones[i].split_from);
	}
	for (i = 0; i < m->n_services; i++)
		free(m->services[i].items);
	for (i = 0; i < m->n_policies; i++) {
		struct policy *p = &m->policies[i];

		free(p->items);
		free(p->services_text);
		free(p->from_hosts);
		free(p->to_hosts);
		free(p->comment);
		free(p->exception);
	}
	free(m->zones);
	free(m->services);
	free(m->policies);
	lpm_free(m->zone_lpm);
	free(m->pair_first);
	free(m->pair_pol);
	free(m->port_key);
	free(m->port_pol);
	free(m->gen_first);
	free(m->gen_pol);
	free(m->path);
	free(m);
}

int model_zone_index(const struct model *m, const char *name)
{
	size_t i;

	if (strcmp(name, ZONE_GATEWAY_NAME) == 0)
		return ZONE_GATEWAY;
	for (i = 0; i < m->n_zones; i++)
		if (strcmp(m->zones[i].name, name) == 0)
			return (int)i;
	return ZONE_UNKNOWN;
}

const char *model_zone_name(const struct model *m, int z)
{
	if (z == ZONE_GATEWAY)
		return ZONE_GATEWAY_NAME;
	if (z < 0 || (size_t)z >= m->n_zones)
		return "unknown";
	return m->zones[z].name;
}

size_t model_pair(const struct model *m, int from, int to)
{
	size_t t = to == ZONE_GATEWAY ? m->n_zones : (size_t)to;

	return (size_t)from * (m->n_zones + 1) + t;
}

static int index_ports(struct model *m);

int model_index_pairs(struct model *m)
{
	size_t np = m->n_zones * (m->n_zones + 1), i;
	size_t *fill;

	m->pair_first = calloc(np + 1, sizeof(*m->pair_first));
	m->pair_pol = malloc((m->n_policies ? m->n_policies : 1) *
			     sizeof(*m->pair_pol));
	fill = calloc(np + 1, sizeof(*fill));
	if (m->pair_first == NULL || m->pair_pol == NULL || fill == NULL) {
		free(fill);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < m->n_policies; i++)
		m->pair_first[model_pair(m, m->policies[i].from,
					 m->policies[i].to) + 1]++;
	for (i = 0; i < np; i++)
		m->pair_first[i + 1] += m->pair_first[i];
	/* file order is kept within a pair */
	for (i = 0; i < m->n_policies; i++) {
		size_t p = model_pair(m, m->policies[i].from, m->policies[i].to);

		m->pair_pol[m->pair_first[p] + fill[p]++] = i;
	}
	free(fill);
	return index_ports(m);
}

uint64_t model_port_key(size_t pair, int tcp, uint16_t port)
{
	return (uint64_t)pair << 17 | (uint64_t)(tcp != 0) << 16 | port;
}

static bool ports_only(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->n_items; i++)
		if (p->items[i].proto == SVC_ICMP ||
		    p->items[i].ports.lo != p->items[i].ports.hi)
			return false;
	return p->n_items > 0;
}

struct kp {
	uint64_t	key;
	size_t		pol;
};

static int kp_cmp(const void *a, const void *b)
{
	const struct kp *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->pol < y->pol ? -1 : x->pol > y->pol;
}

/*
 * index_ports - the verdict of a flow needs only the entries that can match
 * it: those of its pair whose services include its port, plus the entries
 * with ranges or ICMP. A policy of many single-port entries (the usual
 * large one) is then looked up by binary search instead of a scan.
 */
static int index_ports(struct model *m)
{
	size_t np = m->n_zones * (m->n_zones + 1), i, k, n = 0, g = 0;
	struct kp *kp;

	for (i = 0; i < m->n_policies; i++)
		if (ports_only(&m->policies[i]))
			n += m->policies[i].n_items;
	kp = malloc((n ? n : 1) * sizeof(*kp));
	m->port_key = malloc((n ? n : 1) * sizeof(*m->port_key));
	m->port_pol = malloc((n ? n : 1) * sizeof(*m->port_pol));
	m->gen_first = calloc(np + 1, sizeof(*m->gen_first));
	m->gen_pol = malloc((m->n_policies ? m->n_policies : 1) *
			    sizeof(*m->gen_pol));
	if (!kp || !m->port_key || !m->port_pol || !m->gen_first || !m->gen_pol) {
		free(kp);
		errno = ENOMEM;
		return -1;
	}
	for (k = 0, n = 0; k < np; k++) {
		m->gen_first[k] = g;
		for (i = m->pair_first[k]; i < m->pair_first[k + 1]; i++) {
			const struct policy *p = &m->policies[m->pair_pol[i]];
			size_t it;

			if (!ports_only(p)) {
				m->gen_pol[g++] = m->pair_pol[i];
				continue;
			}
			for (it = 0; it < p->n_items; it++) {
				kp[n].key = model_port_key(k, p->items[it].proto ==
							   SVC_TCP, p->items[it].ports.lo);
				kp[n++].pol = m->pair_pol[i];
			}
		}
	}
	m->gen_first[np] = g;
	qsort(kp, n, sizeof(*kp), kp_cmp);
	for (i = 0; i < n; i++) {
		m->port_key[i] = kp[i].key;
		m->port_pol[i] = kp[i].pol;
	}
	m->n_port = n;
	free(kp);
	return 0;
}

const char *model_action_name(enum action a)
{
	static const char *const names[] = {
		[ACTION_ACCEPT] = "accept",
		[ACTION_REJECT] = "reject",
		[ACTION_DROP] = "drop",
	};

	return names[a];
}

const char *model_proto_name(enum svc_proto p)
{
	static const char *const names[] = {
		[SVC_TCP] = "tcp",
		[SVC_UDP] = "udp",
		[SVC_ICMP] = "icmp",
	};

	return names[p];
}
