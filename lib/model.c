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
