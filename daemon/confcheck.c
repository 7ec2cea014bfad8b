/* confcheck.c - printing a configuration check for an administrator. */
#include <stdlib.h>
#include <string.h>

#include "confcheck.h"
#include "../lib/conf.h"

void confcheck_print_errors(FILE *out, struct err_list *el)
{
	size_t i;

	err_sort(el);
	for (i = 0; i < el->n; i++) {
		const struct err_rec *r = &el->rec[i];

		if (r->line > 0)
			fprintf(out, "%s:%d: %s%s\n", r->file ? r->file : "-",
				r->line, r->level == ERR_WARNING ? "warning: " : "",
				r->msg);
		else
			fprintf(out, "%s: %s%s\n", r->file ? r->file : "-",
				r->level == ERR_WARNING ? "warning: " : "", r->msg);
	}
}

struct model *confcheck_load(const char *path)
{
	struct err_list el;
	struct model *m;

	err_init(&el);
	m = conf_load(path, &el);
	confcheck_print_errors(stderr, &el);
	if (m == NULL)
		fprintf(stderr, "%s: %zu error%s; nothing was applied\n", path,
			el.n_errors, el.n_errors == 1 ? "" : "s");
	err_free(&el);
	return m;
}

static void print_zone(FILE *out, const struct zone *z)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	fprintf(out, "  %-12s", z->name);
	if (z->isolated)
		fprintf(out, " isolated");
	if (z->relay)
		fprintf(out, " relay");
	if (z->intra == INTRA_DROP)
		fprintf(out, " intra=drop");
	if (z->description)
		fprintf(out, " (%s)", z->description);
	fprintf(out, "\n    interfaces:");
	if (z->n_ifaces == 0)
		fprintf(out, " any (no spoof check)");
	for (i = 0; i < z->n_ifaces; i++)
		fprintf(out, " %s", z->ifaces[i]);
	fprintf(out, "\n    networks:  ");
	for (i = 0; i < z->n_nets && i < 8; i++)
		fprintf(out, " %s", prefix_format(&z->nets[i], buf));
	if (z->n_nets > 8)
		fprintf(out, " ... (%zu in all)", z->n_nets);
	fprintf(out, "\n");
}

/* cell - what the matrix shows for from -> to: "intra"/"-" on the diagonal,
 * "allow" if some accept entry exists, "-" otherwise. */
static const char *cell(const struct model *m, int from, int to)
{
	size_t p, i;

	if (from == to)
		return m->zones[from].intra == INTRA_ACCEPT ? "intra" : "-";
	p = model_pair(m, from, to);
	for (i = m->pair_first[p]; i < m->pair_first[p + 1]; i++)
		if (m->policies[m->pair_pol[i]].action == ACTION_ACCEPT)
			return "allow";
	return "-";
}

static void print_matrix(FILE *out, const struct model *m)
{
	size_t i, j, w = 8;

	for (i = 0; i < m->n_zones; i++)
		if (strlen(m->zones[i].name) > w)
			w = strlen(m->zones[i].name);
	fprintf(out, "\nzone-pair matrix (row: from, column: to; allow = some "
		"flows permitted, - = all denied):\n  %-*s", (int)w, "");
	for (j = 0; j < m->n_zones; j++)
		fprintf(out, " %-*s", (int)w, m->zones[j].name);
	if (m->uses_gateway)
		fprintf(out, " %-*s", (int)w, ZONE_GATEWAY_NAME);
	fprintf(out, "\n");
	for (i = 0; i < m->n_zones; i++) {
		fprintf(out, "  %-*s", (int)w, m->zones[i].name);
		for (j = 0; j < m->n_zones; j++)
			fprintf(out, " %-*s", (int)w, cell(m, (int)i, (int)j));
		if (m->uses_gateway)
			fprintf(out, " %-*s", (int)w, cell(m, (int)i, ZONE_GATEWAY));
		fprintf(out, "\n");
	}
}

static void print_entries(FILE *out, const struct model *m)
{
	size_t i, shown = 0;

	fprintf(out, "\npolicy entries (%zu):\n", m->n_policies);
	for (i = 0; i < m->n_policies && shown < 50; i++, shown++) {
		const struct policy *p = &m->policies[i];

		fprintf(out, "  %s:%d %-6s %s -> %s %s", m->path, p->line,
			model_action_name(p->action),
			model_zone_name(m, p->from), model_zone_name(m, p->to),
			p->services_text ? p->services_text : "");
		if (p->n_from_hosts)
			fprintf(out, " from_hosts=%zu", p->n_from_hosts);
		if (p->n_to_hosts)
			fprintf(out, " to_hosts=%zu", p->n_to_hosts);
		if (p->log)
			fprintf(out, " log");
		if (p->comment)
			fprintf(out, " (%s)", p->comment);
		fprintf(out, "\n");
	}
	if (i < m->n_policies)
		fprintf(out, "  ... and %zu more\n", m->n_policies - i);
}

void confcheck_summary(FILE *out, const struct model *m)
{
	size_t i;

	fprintf(out, "%s: configuration OK: %zu zones, %zu services, %zu policy "
		"entries; table inet %s, NFLOG group %u\n", m->path, m->n_zones,
		m->n_services, m->n_policies, m->set.table, m->set.log_group);
	fprintf(out, "\nzones:\n");
	for (i = 0; i < m->n_zones; i++)
		print_zone(out, &m->zones[i]);
	print_matrix(out, m);
	print_entries(out, m);
}
