/* conf.c - read zonegate.conf with libconfig and validate it into a model.
 *
 * Parsing is done in one pass per section, each problem recorded with the
 * line libconfig gives for the offending setting. Cross-references (zone and
 * service names, host coverage, the three-layer compliance rules) are checked
 * after all sections are read, so their order in the file does not matter.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>

#include "conf.h"
#include "sha256.h"

struct ctx {
	const char	*file;
	struct err_list	*el;
	struct model	*m;
	/* policy services as written, resolved after services are read */
	config_setting_t *policy_list;
};

#define E(c, line, ...) err_add((c)->el, ERR_ERROR, (c)->file, (line), __VA_ARGS__)
#define W(c, line, ...) err_add((c)->el, ERR_WARNING, (c)->file, (line), __VA_ARGS__)

static int line_of(const config_setting_t *s)
{
	int l = config_setting_source_line(s);

	return l > 0 ? l : 1;
}

/* ---- nearest-name suggestions ---------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0], t;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			t = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (t + 1 < row[j])
				row[j] = t + 1;
			prev = t;
		}
	}
	return row[lb];
}

/* nearest - the candidate closest to s, if close enough to be a typo. */
static const char *nearest(const char *s, const char *const *cand, size_t n)
{
	const char *best = NULL;
	size_t bd = 99, i, lim = strlen(s) / 3 + 1;

	if (lim > 3)
		lim = 3;
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(s, cand[i]);

		if (d < bd) {
			bd = d;
			best = cand[i];
		}
	}
	return bd <= lim ? best : NULL;
}

static const char *zone_names[ZG_ZONES_MAX + 1];

static const char *nearest_zone(const struct model *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->n_zones && i < ZG_ZONES_MAX; i++)
		zone_names[i] = m->zones[i].name;
	return nearest(s, zone_names, i);
}

static const char *nearest_service(const struct model *m, const char *s)
{
	const char **names = malloc((m->n_services + 1) * sizeof(*names));
	const char *r;
	size_t i;

	if (names == NULL)
		return NULL;
	for (i = 0; i < m->n_services; i++)
		names[i] = m->services[i].name;
	r = nearest(s, names, m->n_services);
	free(names);
	return r;
}

/* ---- typed access ----------------------------------------------------- */

enum kind {
	K_STRING,
	K_INT,
	K_BOOL,
	K_LIST,		/* [ ... ] or ( ... ) */
	K_GROUP,
};

static const char *const kind_hint[] = {
	[K_STRING] = "a string in double quotes",
	[K_INT] = "a whole number",
	[K_BOOL] = "true or false",
	[K_LIST] = "a list in [ ]",
	[K_GROUP] = "a group in { }",
};

static bool is_kind(const config_setting_t *s, enum kind k)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return k == K_STRING;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return k == K_INT;
	case CONFIG_TYPE_BOOL:
		return k == K_BOOL;
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		return k == K_LIST;
	case CONFIG_TYPE_GROUP:
		return k == K_GROUP;
	}
	return false;
}

/* member - the setting key in group g, type-checked; NULL if absent or wrong
 * (the latter recorded). A required one that is absent is recorded with why. */
static config_setting_t *member(struct ctx *c, config_setting_t *g,
				const char *what, const char *key, enum kind k,
				const char *required_hint)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL) {
		if (required_hint != NULL)
			E(c, line_of(g), "%s: missing required setting '%s' (%s)",
			  what, key, required_hint);
		return NULL;
	}
	if (!is_kind(s, k)) {
		E(c, line_of(s), "%s: '%s' has the wrong type: it must be %s",
		  what, key, kind_hint[k]);
		return NULL;
	}
	return s;
}

/* check_keys - records every member of g not in known[], with a suggestion. */
static void check_keys(struct ctx *c, config_setting_t *g, const char *what,
		       const char *const *known, size_t n)
{
	int i, len = config_setting_length(g);

	for (i = 0; i < len; i++) {
		config_setting_t *s = config_setting_get_elem(g, i);
		const char *name = config_setting_name(s);
		const char *near;
		size_t j;

		if (name == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(name, known[j]) == 0)
				break;
		if (j < n)
			continue;
		near = nearest(name, known, n);
		if (near != NULL)
			E(c, line_of(s), "%s: unknown setting '%s'; did you mean '%s'?",
			  what, name, near);
		else
			E(c, line_of(s), "%s: unknown setting '%s'; remove it "
			  "(see zonegate.conf(5) for the settings)", what, name);
	}
}

static bool str_text(struct ctx *c, config_setting_t *s, const char *what,
		     const char *key, char **out)
{
	const char *v = config_setting_get_string(s);
	const unsigned char *p;

	if (strlen(v) > ZG_TEXT_MAX) {
		E(c, line_of(s), "%s: '%s' is longer than %d bytes; shorten it",
		  what, key, ZG_TEXT_MAX);
		return false;
	}
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			E(c, line_of(s), "%s: '%s' contains a control character; "
			  "use printable text only", what, key);
			return false;
		}
	*out = strdup(v);
	return *out != NULL;
}

/* name_ok - [a-z0-9_-], 1..ZG_NAME_MAX. */
static bool name_ok(struct ctx *c, int line, const char *what, const char *v)
{
	size_t len = strlen(v), i;

	if (len == 0 || len > ZG_NAME_MAX) {
		E(c, line, "%s: name '%s' must be 1 to %d characters long",
		  what, v, ZG_NAME_MAX);
		return false;
	}
	for (i = 0; i < len; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-')) {
			E(c, line, "%s: name '%s' may only use a-z, 0-9, '_' and '-'",
			  what, v);
			return false;
		}
	}
	return true;
}

static bool get_int(struct ctx *c, config_setting_t *s, const char *what,
		    const char *key, long long lo, long long hi, long long *out)
{
	long long v = config_setting_get_int64(s);

	if (v < lo || v > hi) {
		E(c, line_of(s), "%s: '%s' = %lld is out of range (%lld-%lld)",
		  what, key, v, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

/* ---- prefixes ---------------------------------------------------------- */

static bool parse_prefix(struct ctx *c, config_setting_t *s, const char *what,
			 struct prefix *out)
{
	char buf[PREFIX_STRLEN];
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		E(c, line_of(s), "%s: a network must be a string like \"10.20.0.0/16\"",
		  what);
		return false;
	}
	v = config_setting_get_string(s);
	switch (prefix_parse(v, out)) {
	case ADDR_OK:
		return true;
	case ADDR_ESYNTAX:
		E(c, line_of(s), "%s: '%s' is not an IPv4 or IPv6 network; write "
		  "it as ADDRESS/LENGTH, e.g. \"10.20.0.0/16\" or \"fd00:20::/48\"",
		  what, v);
		return false;
	case ADDR_ELEN:
		E(c, line_of(s), "%s: '%s' has an invalid prefix length; an %s "
		  "prefix length is 0 to %u", what, v,
		  strchr(v, ':') ? "IPv6" : "IPv4", strchr(v, ':') ? 128 : 32);
		return false;
	case ADDR_EHOSTBITS:
		E(c, line_of(s), "%s: '%s' has host bits set; did you mean '%s'?",
		  what, v, prefix_format(out, buf));
		return false;
	}
	return false;
}

/* prefix_list - parses a list of CIDRs; *n = count. Returns false on error
 * (all bad entries are recorded). */
static bool prefix_list(struct ctx *c, config_setting_t *l, const char *what,
			size_t max, struct prefix **out, size_t *n)
{
	int i, len = config_setting_length(l);
	bool ok = true;

	*out = NULL;
	*n = 0;
	if ((size_t)len > max) {
		E(c, line_of(l), "%s: %d entries exceed the limit of %zu",
		  what, len, max);
		return false;
	}
	*out = calloc(len ? len : 1, sizeof(**out));
	if (*out == NULL)
		return false;
	for (i = 0; i < len; i++)
		if (parse_prefix(c, config_setting_get_elem(l, i), what,
				 &(*out)[*n]))
			(*n)++;
		else
			ok = false;
	return ok;
}

/* ---- the zonegate group ------------------------------------------------ */

static const struct {
	const char	*name;
	int		value;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

static const char *const settings_keys[] = {
	"table", "log_group", "log_rate", "syslog_facility", "on_stop",
	"table_owner", "log_window", "control_socket", "control_group",
	"repair", "verify_interval", "stats_interval", "scan_window",
	"scan_hosts", "scan_ports", "flow_table", "classify",
};

static void defaults(struct settings *st)
{
	snprintf(st->table, sizeof(st->table), "zonegate");
	st->log_group = 7;
	st->log_rate = 20;
	st->log_window = 60;
	snprintf(st->control_socket, sizeof(st->control_socket),
		 "/run/zonegate/control.sock");
	snprintf(st->control_group, sizeof(st->control_group), "root");
	st->facility = LOG_DAEMON;
	snprintf(st->facility_name, sizeof(st->facility_name), "daemon");
	st->on_stop_flush = false;
	st->table_owner = true;
	st->repair = true;
	st->stats_interval = 300;
	st->scan_window = 60;
	st->scan_hosts = 50;
	st->scan_ports = 100;
	st->flow_table = 65536;
	st->classify = true;
	st->verify_interval = 60;
}

static void read_table_name(struct ctx *c, config_setting_t *s)
{
	const char *v = config_setting_get_string(s);
	size_t i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '-'))
			break;
	if (len == 0 || len > ZG_NAME_MAX || i < len) {
		E(c, line_of(s), "zonegate: table '%s' must be 1 to %d characters "
		  "of A-Z, a-z, 0-9, '_' and '-'", v, ZG_NAME_MAX);
		return;
	}
	snprintf(c->m->set.table, sizeof(c->m->set.table), "%s", v);
}

static void read_facility(struct ctx *c, config_setting_t *s)
{
	const char *v = config_setting_get_string(s);
	const char *names[sizeof(facilities) / sizeof(facilities[0])];
	const char *near;
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		names[i] = facilities[i].name;
		if (strcmp(v, facilities[i].name) == 0) {
			c->m->set.facility = facilities[i].value;
			snprintf(c->m->set.facility_name,
				 sizeof(c->m->set.facility_name), "%s", v);
			return;
		}
	}
	near = nearest(v, names, i);
	E(c, line_of(s), "zonegate: unknown syslog_facility '%s'%s%s%s; use daemon, "
	  "auth, authpriv or local0 to local7", v, near ? " (did you mean '" : "",
	  near ? near : "", near ? "'?)" : "");
}

static void read_settings(struct ctx *c, config_setting_t *g)
{
	static const char what[] = "zonegate";
	config_setting_t *s;
	long long v;

	check_keys(c, g, what, settings_keys,
		   sizeof(settings_keys) / sizeof(settings_keys[0]));
	if ((s = member(c, g, what, "table", K_STRING, NULL)) != NULL)
		read_table_name(c, s);
	if ((s = member(c, g, what, "log_group", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "log_group", 0, 65535, &v))
		c->m->set.log_group = (unsigned)v;
	if ((s = member(c, g, what, "log_rate", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "log_rate", 1, 100000, &v))
		c->m->set.log_rate = (unsigned)v;
	if ((s = member(c, g, what, "log_window", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "log_window", 1, 3600, &v))
		c->m->set.log_window = (unsigned)v;
	if ((s = member(c, g, what, "syslog_facility", K_STRING, NULL)) != NULL)
		read_facility(c, s);
	if ((s = member(c, g, what, "control_socket", K_STRING, NULL)) != NULL) {
		const char *str = config_setting_get_string(s);

		if (str[0] != '/' || strlen(str) >= sizeof(c->m->set.control_socket))
			E(c, line_of(s), "zonegate: control_socket must be an "
			  "absolute path of at most %zu bytes",
			  sizeof(c->m->set.control_socket) - 1);
		else
			snprintf(c->m->set.control_socket,
				 sizeof(c->m->set.control_socket), "%s", str);
	}
	if ((s = member(c, g, what, "control_group", K_STRING, NULL)) != NULL) {
		const char *str = config_setting_get_string(s);

		if (strlen(str) == 0 || strlen(str) > ZG_NAME_MAX)
			E(c, line_of(s), "zonegate: control_group must be a group "
			  "name of 1 to %d characters", ZG_NAME_MAX);
		else
			snprintf(c->m->set.control_group,
				 sizeof(c->m->set.control_group), "%s", str);
	}
	if ((s = member(c, g, what, "stats_interval", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "stats_interval", 0, 86400, &v))
		c->m->set.stats_interval = (unsigned)v;
	if ((s = member(c, g, what, "scan_window", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "scan_window", 1, 3600, &v))
		c->m->set.scan_window = (unsigned)v;
	if ((s = member(c, g, what, "scan_hosts", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "scan_hosts", 1, 250, &v))
		c->m->set.scan_hosts = (unsigned)v;
	if ((s = member(c, g, what, "scan_ports", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "scan_ports", 1, 250, &v))
		c->m->set.scan_ports = (unsigned)v;
	if ((s = member(c, g, what, "flow_table", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "flow_table", 1024, 4194304, &v))
		c->m->set.flow_table = (unsigned)v;
	if ((s = member(c, g, what, "classify", K_BOOL, NULL)) != NULL)
		c->m->set.classify = config_setting_get_bool(s);
	if ((s = member(c, g, what, "repair", K_BOOL, NULL)) != NULL)
		c->m->set.repair = config_setting_get_bool(s);
	if ((s = member(c, g, what, "verify_interval", K_INT, NULL)) != NULL &&
	    get_int(c, s, what, "verify_interval", 0, 86400, &v))
		c->m->set.verify_interval = (unsigned)v;
	if ((s = member(c, g, what, "table_owner", K_BOOL, NULL)) != NULL)
		c->m->set.table_owner = config_setting_get_bool(s);
	if ((s = member(c, g, what, "on_stop", K_STRING, NULL)) != NULL) {
		const char *os = config_setting_get_string(s);

		if (strcmp(os, "keep") == 0)
			c->m->set.on_stop_flush = false;
		else if (strcmp(os, "flush") == 0)
			c->m->set.on_stop_flush = true;
		else
			E(c, line_of(s), "zonegate: on_stop must be \"keep\" (the "
			  "default: the gateway stays closed) or \"flush\"");
	}
}

/* ---- zones ------------------------------------------------------------- */

static const char *const zone_keys[] = {
	"name", "description", "interfaces", "networks", "intra", "isolated",
	"split_from", "relay",
};

/* ifname_ok - the rules of the kernel's dev_valid_name(). */
static bool ifname_ok(const char *v)
{
	size_t len = strlen(v);

	if (len == 0 || len > ZG_IFNAME_MAX || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return false;
	for (; *v; v++)
		if (*v == '/' || *v == ':' || *v <= ' ' || *v == 0x7f)
			return false;
	return true;
}

static void read_ifaces(struct ctx *c, struct zone *z, config_setting_t *l,
			const char *what)
{
	int i, len = config_setting_length(l);
	size_t zi, k;

	if (len > ZG_IFACES_MAX) {
		E(c, line_of(l), "%s: %d interfaces exceed the limit of %d", what,
		  len, ZG_IFACES_MAX);
		return;
	}
	z->ifaces = calloc(len ? len : 1, sizeof(*z->ifaces));
	if (z->ifaces == NULL)
		return;
	for (i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		const char *v;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			E(c, line_of(e), "%s: an interface must be a string like \"eth1\"",
			  what);
			continue;
		}
		v = config_setting_get_string(e);
		if (!ifname_ok(v)) {
			E(c, line_of(e), "%s: '%s' is not a valid interface name "
			  "(1 to %d characters, no '/', ':' or spaces)", what, v,
			  ZG_IFNAME_MAX);
			continue;
		}
		/* an interface identifies one zone, or the spoof check is moot */
		for (zi = 0; zi < c->m->n_zones; zi++)
			for (k = 0; k < c->m->zones[zi].n_ifaces; k++)
				if (strcmp(c->m->zones[zi].ifaces[k], v) == 0)
					E(c, line_of(e), "%s: interface '%s' already "
					  "belongs to zone '%s' (line %d); an interface "
					  "belongs to one zone", what, v,
					  c->m->zones[zi].name, c->m->zones[zi].line);
		for (k = 0; k < z->n_ifaces; k++)
			if (strcmp(z->ifaces[k], v) == 0)
				break;
		if (k < z->n_ifaces) {
			E(c, line_of(e), "%s: interface '%s' is listed twice", what, v);
			continue;
		}
		snprintf(z->ifaces[z->n_ifaces++], ZG_IFNAME_MAX + 1, "%s", v);
	}
}

static void read_zone(struct ctx *c, config_setting_t *g, config_setting_t **split)
{
	struct model *m = c->m;
	struct zone *z = &m->zones[m->n_zones];
	char what[64];
	config_setting_t *s;
	const char *name;
	int zi;

	memset(z, 0, sizeof(*z));
	z->line = line_of(g);
	*split = NULL;
	snprintf(what, sizeof(what), "zone");
	if (!is_kind(g, K_GROUP)) {
		E(c, line_of(g), "zones: each zone must be a group { name = ...; "
		  "networks = [ ... ]; }");
		return;
	}
	s = member(c, g, what, "name", K_STRING, "a name such as \"lgwan\"");
	if (s == NULL)
		return;
	name = config_setting_get_string(s);
	snprintf(what, sizeof(what), "zone '%s'", name);
	if (!name_ok(c, line_of(s), "zone", name))
		return;
	if (strcmp(name, ZONE_GATEWAY_NAME) == 0) {
		E(c, line_of(s), "zone: the name 'gateway' is reserved for the "
		  "appliance itself; choose another name");
		return;
	}
	if (strcmp(name, "established") == 0) {
		E(c, line_of(s), "zone: the name 'established' is reserved (the "
		  "table's counter spoof_established); choose another name");
		return;
	}
	zi = model_zone_index(m, name);
	if (zi >= 0) {
		E(c, line_of(s), "zone: duplicate zone name '%s' (first defined at "
		  "line %d); give each zone a unique name", name, m->zones[zi].line);
		return;
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	check_keys(c, g, what, zone_keys, sizeof(zone_keys) / sizeof(zone_keys[0]));
	if ((s = member(c, g, what, "description", K_STRING, NULL)) != NULL)
		str_text(c, s, what, "description", &z->description);
	if ((s = member(c, g, what, "networks", K_LIST,
			"the zone's IPv4/IPv6 CIDRs, e.g. networks = [ \"10.20.0.0/16\" ];")) != NULL) {
		prefix_list(c, s, what, ZG_NETWORKS_MAX, &z->nets, &z->n_nets);
		if (config_setting_length(s) == 0)
			E(c, line_of(s), "%s: 'networks' is empty; a zone needs at "
			  "least one network", what);
	}
	if ((s = member(c, g, what, "interfaces", K_LIST, NULL)) != NULL)
		read_ifaces(c, z, s, what);
	if ((s = member(c, g, what, "intra", K_STRING, NULL)) != NULL) {
		const char *v = config_setting_get_string(s);

		if (strcmp(v, "accept") == 0)
			z->intra = INTRA_ACCEPT;
		else if (strcmp(v, "drop") == 0)
			z->intra = INTRA_DROP;
		else
			E(c, line_of(s), "%s: intra must be \"accept\" or \"drop\"", what);
	}
	if ((s = member(c, g, what, "isolated", K_BOOL, NULL)) != NULL)
		z->isolated = config_setting_get_bool(s);
	if ((s = member(c, g, what, "relay", K_BOOL, NULL)) != NULL)
		z->relay = config_setting_get_bool(s);
	*split = member(c, g, what, "split_from", K_LIST, NULL);
	m->n_zones++;
}

static void resolve_split(struct ctx *c, struct zone *z, config_setting_t *l)
{
	int i, len = config_setting_length(l);
	char what[64];

	snprintf(what, sizeof(what), "zone '%s'", z->name);
	z->split_from = calloc(len ? len : 1, sizeof(*z->split_from));
	if (z->split_from == NULL)
		return;
	for (i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		const char *v, *near;
		int zi;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			E(c, line_of(e), "%s: split_from takes zone names in quotes", what);
			continue;
		}
		v = config_setting_get_string(e);
		zi = model_zone_index(c->m, v);
		if (zi == ZONE_GATEWAY || zi == ZONE_UNKNOWN) {
			near = nearest_zone(c->m, v);
			E(c, line_of(e), "%s: split_from names unknown zone '%s'%s%s%s",
			  what, v, near ? "; did you mean '" : "", near ? near : "",
			  near ? "'?" : "");
			continue;
		}
		if (&c->m->zones[zi] == z) {
			E(c, line_of(e), "%s: a zone cannot be split from itself", what);
			continue;
		}
		z->split_from[z->n_split++] = zi;
	}
}

struct dup_ctx {
	struct ctx		*c;
	const struct lpm_entry	*e;
	const int		*line;
};

static void dup_net(void *arg, size_t a, size_t b)
{
	struct dup_ctx *d = arg;
	char buf[PREFIX_STRLEN];
	const struct model *m = d->c->m;
	int za = d->e[a].val, zb = d->e[b].val;

	prefix_format(&d->e[b].p, buf);
	if (za == zb)
		E(d->c, d->line[b], "zone '%s': network %s is listed twice",
		  m->zones[zb].name, buf);
	else
		E(d->c, d->line[b], "zone '%s': network %s is already in zone '%s' "
		  "(line %d); an address belongs to one zone: remove one of them",
		  m->zones[zb].name, buf, m->zones[za].name, d->line[a]);
}

static void build_lpm(struct ctx *c, config_setting_t *zones)
{
	struct model *m = c->m;
	struct lpm_entry *e;
	int *line;
	size_t n = 0, i, k;
	struct dup_ctx d;

	for (i = 0; i < m->n_zones; i++)
		n += m->zones[i].n_nets;
	if (n > ZG_NETWORKS_MAX) {
		E(c, line_of(zones), "zones: %zu networks exceed the limit of %d",
		  n, ZG_NETWORKS_MAX);
		return;
	}
	e = calloc(n ? n : 1, sizeof(*e));
	line = calloc(n ? n : 1, sizeof(*line));
	if (e == NULL || line == NULL)
		goto out;
	for (i = 0, n = 0; i < m->n_zones; i++) {
		config_setting_t *g = config_setting_get_elem(zones, i);
		config_setting_t *nets = g ? config_setting_get_member(g, "networks") : NULL;

		for (k = 0; k < m->zones[i].n_nets; k++, n++) {
			config_setting_t *el = nets ? config_setting_get_elem(nets, k) : NULL;

			e[n].p = m->zones[i].nets[k];
			e[n].val = (int32_t)i;
			line[n] = el ? line_of(el) : m->zones[i].line;
		}
	}
	d.c = c;
	d.e = e;
	d.line = line;
	m->zone_lpm = lpm_build(e, n, dup_net, &d);
	if (m->zone_lpm == NULL)
		E(c, 1, "out of memory building the zone lookup");
out:
	free(e);
	free(line);
}

static void read_zones(struct ctx *c, config_setting_t *l)
{
	config_setting_t **split;
	int i, len = config_setting_length(l);
	size_t k;

	if (len > ZG_ZONES_MAX) {
		E(c, line_of(l), "zones: %d zones exceed the limit of %d", len,
		  ZG_ZONES_MAX);
		return;
	}
	c->m->zones = calloc(len ? len : 1, sizeof(*c->m->zones));
	split = calloc(len ? len : 1, sizeof(*split));
	if (c->m->zones == NULL || split == NULL) {
		free(split);
		return;
	}
	for (i = 0; i < len; i++) {
		size_t before = c->m->n_zones;

		read_zone(c, config_setting_get_elem(l, i), &split[before]);
		if (c->m->n_zones == before) {
			/* keep indexes aligned with the list: a placeholder */
			struct zone *z = &c->m->zones[c->m->n_zones++];

			free(z->ifaces);
			free(z->nets);
			free(z->description);
			memset(z, 0, sizeof(*z));
			z->line = line_of(config_setting_get_elem(l, i));
			split[before] = NULL;
		}
	}
	for (k = 0; k < c->m->n_zones; k++)
		if (split[k] != NULL)
			resolve_split(c, &c->m->zones[k], split[k]);
	free(split);
	if (len == 0)
		E(c, line_of(l), "zones: no zone defined; define at least two zones");
	build_lpm(c, l);
}

/* ---- services ---------------------------------------------------------- */

static const char *const service_keys[] = { "name", "tcp", "udp", "icmp" };

/* parse_range - "443", "8000-8100" or a number, into r. */
static bool parse_port_text(struct ctx *c, int line, const char *what,
			    const char *v, struct port_range *r)
{
	char *end;
	unsigned long lo, hi;

	if (*v < '0' || *v > '9')
		goto bad;
	lo = strtoul(v, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			goto bad;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0')
		goto bad;
	if (lo == 0 || hi == 0 || lo > 65535 || hi > 65535) {
		E(c, line, "%s: port '%s' is out of range; ports are 1 to 65535",
		  what, v);
		return false;
	}
	if (lo > hi) {
		E(c, line, "%s: port range '%s' is reversed; write %lu-%lu", what,
		  v, hi, lo);
		return false;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return true;
bad:
	E(c, line, "%s: '%s' is not a port or a range; write 443 or \"8000-8100\"",
	  what, v);
	return false;
}

static bool add_item(struct svc_item **items, size_t *n, enum svc_proto p,
		     uint16_t lo, uint16_t hi)
{
	struct svc_item *ni = realloc(*items, (*n + 1) * sizeof(**items));

	if (ni == NULL)
		return false;
	*items = ni;
	ni[*n].proto = p;
	ni[*n].ports.lo = lo;
	ni[*n].ports.hi = hi;
	(*n)++;
	return true;
}

static void read_ports(struct ctx *c, struct service *sv, config_setting_t *l,
		       enum svc_proto p, const char *what)
{
	int i, len = config_setting_length(l);
	char key[8];

	snprintf(key, sizeof(key), "%s", model_proto_name(p));
	if (len > ZG_PORTS_MAX) {
		E(c, line_of(l), "%s: %d ports exceed the limit of %d", what, len,
		  ZG_PORTS_MAX);
		return;
	}
	if (len == 0)
		E(c, line_of(l), "%s: '%s' is empty; list ports or remove it",
		  what, key);
	for (i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		struct port_range r;
		char num[32];

		if (config_setting_type(e) == CONFIG_TYPE_INT ||
		    config_setting_type(e) == CONFIG_TYPE_INT64) {
			long long v = config_setting_get_int64(e);

			if (v < 0 || v > 99999999)
				v = 99999999; /* report as out of range */
			snprintf(num, sizeof(num), "%lld", v);
			if (!parse_port_text(c, line_of(e), what, num, &r))
				continue;
		} else if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			if (!parse_port_text(c, line_of(e), what,
					     config_setting_get_string(e), &r))
				continue;
		} else {
			E(c, line_of(e), "%s: a port must be a number (443) or a "
			  "range in quotes (\"8000-8100\")", what);
			continue;
		}
		if (!add_item(&sv->items, &sv->n_items, p, r.lo, r.hi))
			return;
	}
}

static void read_service(struct ctx *c, config_setting_t *g)
{
	struct model *m = c->m;
	struct service *sv = &m->services[m->n_services];
	config_setting_t *s;
	const char *name;
	char what[64];
	size_t i;

	memset(sv, 0, sizeof(*sv));
	sv->line = line_of(g);
	if (!is_kind(g, K_GROUP)) {
		E(c, line_of(g), "services: each service must be a group { name = "
		  "...; tcp = [ ... ]; }");
		return;
	}
	s = member(c, g, "service", "name", K_STRING, "a name such as \"smtp\"");
	if (s == NULL)
		return;
	name = config_setting_get_string(s);
	if (!name_ok(c, line_of(s), "service", name))
		return;
	for (i = 0; i < m->n_services; i++)
		if (strcmp(m->services[i].name, name) == 0) {
			E(c, line_of(s), "service: duplicate service name '%s' (first "
			  "defined at line %d); give each service a unique name",
			  name, m->services[i].line);
			return;
		}
	snprintf(sv->name, sizeof(sv->name), "%s", name);
	snprintf(what, sizeof(what), "service '%s'", name);
	check_keys(c, g, what, service_keys,
		   sizeof(service_keys) / sizeof(service_keys[0]));
	if ((s = member(c, g, what, "tcp", K_LIST, NULL)) != NULL)
		read_ports(c, sv, s, SVC_TCP, what);
	if ((s = member(c, g, what, "udp", K_LIST, NULL)) != NULL)
		read_ports(c, sv, s, SVC_UDP, what);
	if ((s = member(c, g, what, "icmp", K_BOOL, NULL)) != NULL &&
	    config_setting_get_bool(s))
		add_item(&sv->items, &sv->n_items, SVC_ICMP, 0, 0);
	if (sv->n_items == 0 && config_setting_get_member(g, "tcp") == NULL &&
	    config_setting_get_member(g, "udp") == NULL &&
	    config_setting_get_member(g, "icmp") == NULL)
		E(c, line_of(g), "%s: names no traffic; add tcp = [ ... ], "
		  "udp = [ ... ] or icmp = true", what);
	m->n_services++;
}

static void read_services(struct ctx *c, config_setting_t *l)
{
	int i, len = config_setting_length(l);

	if (len > ZG_SERVICES_MAX) {
		E(c, line_of(l), "services: %d services exceed the limit of %d",
		  len, ZG_SERVICES_MAX);
		return;
	}
	c->m->services = calloc(len ? len : 1, sizeof(*c->m->services));
	if (c->m->services == NULL)
		return;
	for (i = 0; i < len; i++) {
		size_t before = c->m->n_services;

		read_service(c, config_setting_get_elem(l, i));
		if (c->m->n_services == before) {
			/* a bad service is dropped; its name stays unknown */
			free(c->m->services[before].items);
			memset(&c->m->services[before], 0,
			       sizeof(c->m->services[before]));
		}
	}
}

/* ---- policy ------------------------------------------------------------ */

static const char *const policy_keys[] = {
	"from", "to", "services", "from_hosts", "to_hosts", "action", "log",
	"comment", "exception",
};

static const struct {
	const char	*name;
	enum action	action;
} actions[] = {
	{ "accept", ACTION_ACCEPT },
	{ "reject", ACTION_REJECT },
	{ "drop", ACTION_DROP },
};

/* inline_service - "tcp/443", "udp/5000-5100", "icmp". Returns 1 if v is
 * inline (0 if it should be a service name), -1 if inline but bad. */
static int inline_service(struct ctx *c, int line, const char *what,
			  const char *v, struct policy *p)
{
	struct port_range r;
	enum svc_proto proto;

	if (strcmp(v, "icmp") == 0)
		return add_item(&p->items, &p->n_items, SVC_ICMP, 0, 0) ? 1 : -1;
	if (strncmp(v, "tcp/", 4) == 0)
		proto = SVC_TCP;
	else if (strncmp(v, "udp/", 4) == 0)
		proto = SVC_UDP;
	else
		return 0;
	if (!parse_port_text(c, line, what, v + 4, &r))
		return -1;
	return add_item(&p->items, &p->n_items, proto, r.lo, r.hi) ? 1 : -1;
}

static bool append_text(char **text, const char *v)
{
	size_t old = *text ? strlen(*text) : 0;
	char *n = realloc(*text, old + strlen(v) + 2);

	if (n == NULL)
		return false;
	if (old)
		n[old++] = ',';
	strcpy(n + old, v);
	*text = n;
	return true;
}

static void read_policy_services(struct ctx *c, struct policy *p,
				 config_setting_t *l, const char *what)
{
	int i, len = config_setting_length(l);

	if (len == 0)
		E(c, line_of(l), "%s: 'services' is empty; name at least one "
		  "service, e.g. [ \"smtp\" ] or [ \"tcp/443\" ]", what);
	for (i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		const char *v, *near;
		size_t k;
		int r;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			E(c, line_of(e), "%s: a service must be a name in quotes, "
			  "or \"tcp/PORT\", \"udp/A-B\", \"icmp\"", what);
			continue;
		}
		v = config_setting_get_string(e);
		append_text(&p->services_text, v);
		r = inline_service(c, line_of(e), what, v, p);
		if (r != 0)
			continue;
		for (k = 0; k < c->m->n_services; k++)
			if (strcmp(c->m->services[k].name, v) == 0)
				break;
		if (k == c->m->n_services) {
			near = nearest_service(c->m, v);
			E(c, line_of(e), "%s: unknown service '%s'%s%s%s; define it "
			  "in services or write it inline as \"tcp/PORT\"", what, v,
			  near ? " (did you mean '" : "", near ? near : "",
			  near ? "'?)" : "");
			continue;
		}
		for (size_t j = 0; j < c->m->services[k].n_items; j++) {
			const struct svc_item *it = &c->m->services[k].items[j];

			if (!add_item(&p->items, &p->n_items, it->proto,
				      it->ports.lo, it->ports.hi))
				return;
		}
	}
}

/* hosts_in_zone - true if every address of h maps to zone z by LPM. */
static bool hosts_in_zone(const struct model *m, const struct prefix *h, int z)
{
	const struct lpm_range *r;
	size_t n, lo = 0, hi;
	u128 last = prefix_last(h);

	if (m->zone_lpm == NULL)
		return true;
	r = lpm_ranges(m->zone_lpm, h->family, &n);
	hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].lo <= h->v)
			lo = mid;
		else
			hi = mid;
	}
	for (; lo < n; lo++) {
		if (r[lo].val != z)
			return false;
		if (r[lo].hi >= last)
			return true;
	}
	return false;
}

static void read_hosts(struct ctx *c, struct policy *p, config_setting_t *g,
		       const char *key, int zone, const char *what,
		       struct prefix **out, size_t *n)
{
	config_setting_t *l = member(c, g, what, key, K_LIST, NULL);
	char buf[PREFIX_STRLEN];
	size_t i;
	int len;

	(void)p;
	if (l == NULL)
		return;
	len = config_setting_length(l);
	if (len == 0) {
		E(c, line_of(l), "%s: '%s' is empty; remove it to mean any host "
		  "of the zone", what, key);
		return;
	}
	if (!prefix_list(c, l, what, ZG_HOSTS_MAX, out, n) || zone < 0)
		return;
	for (i = 0; i < *n; i++) {
		int actual;
		struct addr a = { .family = (*out)[i].family, .v = (*out)[i].v };

		if (hosts_in_zone(c->m, &(*out)[i], zone))
			continue;
		actual = lpm_lookup(c->m->zone_lpm, &a);
		E(c, line_of(config_setting_get_elem(l, (int)i)),
		  "%s: %s %s is not inside zone '%s' (it belongs to %s%s%s); "
		  "list only hosts of the '%s' zone", what, key,
		  prefix_format(&(*out)[i], buf), model_zone_name(c->m, zone),
		  actual >= 0 ? "zone '" : "no zone",
		  actual >= 0 ? model_zone_name(c->m, actual) : "",
		  actual >= 0 ? "'" : "", model_zone_name(c->m, zone));
	}
}

static int policy_zone(struct ctx *c, config_setting_t *g, const char *key,
		       const char *what)
{
	config_setting_t *s = member(c, g, what, key, K_STRING,
				     "a zone name such as \"lgwan\"");
	const char *v, *near;
	int z;

	if (s == NULL)
		return ZONE_UNKNOWN - 1;
	v = config_setting_get_string(s);
	z = model_zone_index(c->m, v);
	if (z == ZONE_UNKNOWN) {
		near = nearest_zone(c->m, v);
		E(c, line_of(s), "%s: %s names unknown zone '%s'%s%s%s; define it in "
		  "zones", what, key, v, near ? " (did you mean '" : "",
		  near ? near : "", near ? "'?)" : "");
		return ZONE_UNKNOWN - 1;
	}
	if (z == ZONE_GATEWAY && strcmp(key, "from") == 0) {
		E(c, line_of(s), "%s: 'gateway' can only be used in 'to' (traffic "
		  "the gateway itself sends is not filtered)", what);
		return ZONE_UNKNOWN - 1;
	}
	if (z >= 0 && c->m->zones[z].name[0] == '\0')
		return ZONE_UNKNOWN - 1;	/* a zone that had errors */
	return z;
}

static bool is_split(const struct model *m, int a, int b)
{
	size_t i;

	if (a < 0 || b < 0)
		return false;
	for (i = 0; i < m->zones[a].n_split; i++)
		if (m->zones[a].split_from[i] == b)
			return true;
	for (i = 0; i < m->zones[b].n_split; i++)
		if (m->zones[b].split_from[i] == a)
			return true;
	return false;
}

/* compliance - the three-layer rules: isolation and path splitting. Only an
 * accept entry opens a path; reject and drop entries are always allowed. */
static void compliance(struct ctx *c, struct policy *p, config_setting_t *g,
		       const char *what)
{
	const struct model *m = c->m;
	const char *iso = NULL;

	if (p->action != ACTION_ACCEPT)
		return;
	if (is_split(m, p->from, p->to))
		E(c, p->line, "%s: zones '%s' and '%s' are split from each other "
		  "(通信経路の分割): they may not talk directly; route this flow "
		  "through a relay zone (e.g. %s -> relay -> %s)", what,
		  model_zone_name(m, p->from), model_zone_name(m, p->to),
		  model_zone_name(m, p->from), model_zone_name(m, p->to));
	if (p->from >= 0 && m->zones[p->from].isolated)
		iso = m->zones[p->from].name;
	else if (p->to >= 0 && m->zones[p->to].isolated)
		iso = m->zones[p->to].name;
	if (iso == NULL)
		return;
	if (p->exception == NULL)
		E(c, p->line, "%s: zone '%s' is isolated (in principle no "
		  "communication with any other zone); if this flow is needed, "
		  "add exception = \"<why it is needed>\" to this entry", what, iso);
	else
		W(c, p->line, "%s: exception to the isolation of zone '%s': %s",
		  what, iso, p->exception);
	(void)g;
}

static void read_policy(struct ctx *c, config_setting_t *g)
{
	struct model *m = c->m;
	struct policy *p = &m->policies[m->n_policies];
	config_setting_t *s;
	char what[96];
	bool ok = true;
	size_t errs = c->el->n_errors;

	memset(p, 0, sizeof(*p));
	p->line = line_of(g);
	if (!is_kind(g, K_GROUP)) {
		E(c, line_of(g), "policy: each entry must be a group { from = ...; "
		  "to = ...; services = [ ... ]; }");
		return;
	}
	snprintf(what, sizeof(what), "policy entry at line %d", p->line);
	check_keys(c, g, what, policy_keys,
		   sizeof(policy_keys) / sizeof(policy_keys[0]));
	p->from = policy_zone(c, g, "from", what);
	p->to = policy_zone(c, g, "to", what);
	if (p->from < ZONE_GATEWAY || p->to < ZONE_GATEWAY)
		ok = false;
	if (ok && p->from == p->to) {
		E(c, p->line, "%s: from and to are both '%s'; traffic inside a zone "
		  "is governed by the zone's 'intra' setting (\"accept\" or \"drop\"), "
		  "not by a policy entry", what, model_zone_name(m, p->from));
		ok = false;
	}
	if ((s = member(c, g, what, "services", K_LIST,
			"e.g. services = [ \"smtp\" ];")) != NULL)
		read_policy_services(c, p, s, what);
	if ((s = member(c, g, what, "action", K_STRING, NULL)) != NULL) {
		const char *v = config_setting_get_string(s);
		size_t i;

		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (strcmp(v, actions[i].name) == 0)
				break;
		if (i < sizeof(actions) / sizeof(actions[0]))
			p->action = actions[i].action;
		else
			E(c, line_of(s), "%s: action must be \"accept\", \"reject\" "
			  "or \"drop\"", what);
	}
	if ((s = member(c, g, what, "log", K_BOOL, NULL)) != NULL)
		p->log = config_setting_get_bool(s);
	if ((s = member(c, g, what, "comment", K_STRING, NULL)) != NULL)
		str_text(c, s, what, "comment", &p->comment);
	if ((s = member(c, g, what, "exception", K_STRING, NULL)) != NULL) {
		if (str_text(c, s, what, "exception", &p->exception) &&
		    p->exception[0] == '\0') {
			E(c, line_of(s), "%s: exception is empty; say why this flow "
			  "is needed", what);
		}
	}
	if (ok) {
		read_hosts(c, p, g, "from_hosts", p->from, what, &p->from_hosts,
			   &p->n_from_hosts);
		/* the gateway's own addresses belong to the zones it serves */
		read_hosts(c, p, g, "to_hosts", p->to == ZONE_GATEWAY ?
			   ZONE_UNKNOWN : p->to, what, &p->to_hosts, &p->n_to_hosts);
		compliance(c, p, g, what);
	}
	if (p->to == ZONE_GATEWAY)
		m->uses_gateway = true;
	(void)errs;
	m->n_policies++;
}

static void read_policies(struct ctx *c, config_setting_t *l)
{
	int i, len = config_setting_length(l);

	if (len > ZG_POLICIES_MAX) {
		E(c, line_of(l), "policy: %d entries exceed the limit of %d", len,
		  ZG_POLICIES_MAX);
		return;
	}
	c->m->policies = calloc(len ? len : 1, sizeof(*c->m->policies));
	if (c->m->policies == NULL)
		return;
	for (i = 0; i < len; i++)
		read_policy(c, config_setting_get_elem(l, i));
}

/* ---- the file ---------------------------------------------------------- */

static const char *const root_keys[] = {
	"version", "zonegate", "zones", "services", "policy",
};

/*
 * libconfig arrays hold one scalar type only, but a port list mixes numbers
 * and "a-b" ranges. Lists may mix, so every [ ] outside strings and comments
 * is read as ( ). The replacement keeps every byte's position, so libconfig's
 * line numbers stay those of the file.
 */
static void brackets_to_lists(char *t)
{
	enum { CODE, STR, LINE_COMMENT, BLOCK_COMMENT } st = CODE;

	for (; *t; t++) {
		switch (st) {
		case CODE:
			if (*t == '"')
				st = STR;
			else if (*t == '#' || (t[0] == '/' && t[1] == '/'))
				st = LINE_COMMENT;
			else if (t[0] == '/' && t[1] == '*') {
				st = BLOCK_COMMENT;
				t++;
			} else if (*t == '[')
				*t = '(';
			else if (*t == ']')
				*t = ')';
			break;
		case STR:
			if (*t == '\\' && t[1] != '\0')
				t++;
			else if (*t == '"')
				st = CODE;
			break;
		case LINE_COMMENT:
			if (*t == '\n')
				st = CODE;
			break;
		case BLOCK_COMMENT:
			if (t[0] == '*' && t[1] == '/') {
				st = CODE;
				t++;
			}
			break;
		}
	}
}

static void read_root(struct ctx *c, config_t *cf)
{
	config_setting_t *root = config_root_setting(cf), *s;
	static const char what[] = "file";
	long long v;

	check_keys(c, root, what, root_keys,
		   sizeof(root_keys) / sizeof(root_keys[0]));
	s = member(c, root, what, "version", K_INT, "write version = 1; at the top");
	if (s != NULL && (!get_int(c, s, what, "version", 1, 1, &v)))
		err_add(c->el, ERR_ERROR, c->file, line_of(s), "file: this "
			"zonegate understands version = 1 only");
	if ((s = member(c, root, what, "zonegate", K_GROUP, NULL)) != NULL)
		read_settings(c, s);
	if ((s = member(c, root, what, "zones", K_LIST,
			"zones = ( { name = ...; networks = [ ... ]; }, ... );")) != NULL)
		read_zones(c, s);
	if ((s = member(c, root, what, "services", K_LIST, NULL)) != NULL)
		read_services(c, s);
	if ((s = member(c, root, what, "policy", K_LIST, NULL)) != NULL)
		read_policies(c, s);
}

struct model *conf_parse(const char *text, size_t len, const char *name,
			 struct err_list *el)
{
	struct ctx c = { .file = name, .el = el };
	size_t errors = el->n_errors;
	config_t cf;
	char *buf;

	if (memchr(text, '\0', len) != NULL) {
		err_add(el, ERR_ERROR, name, 1, "the file contains a NUL byte; "
			"it is not a text configuration");
		return NULL;
	}
	buf = malloc(len + 1);
	c.m = calloc(1, sizeof(*c.m));
	if (buf == NULL || c.m == NULL || (c.m->path = strdup(name)) == NULL) {
		free(buf);
		model_free(c.m);
		err_add(el, ERR_ERROR, name, 0, "out of memory");
		return NULL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	sha256_hex(text, len, c.m->checksum);
	brackets_to_lists(buf);
	defaults(&c.m->set);
	config_init(&cf);
	if (config_read_string(&cf, buf) != CONFIG_TRUE) {
		const char *t = config_error_text(&cf);

		/* libconfig's own text is often just "syntax error" */
		err_add(el, ERR_ERROR, name, config_error_line(&cf) > 0 ?
			config_error_line(&cf) : 1, "syntax error%s%s; settings "
			"look like key = value; and end with ';'",
			strcmp(t, "syntax error") == 0 ? "" : ": ",
			strcmp(t, "syntax error") == 0 ? "" : t);
		goto out_fail;
	}
	read_root(&c, &cf);
	if (el->n_errors != errors)
		goto out_fail;
	if (model_index_pairs(c.m) < 0) {
		err_add(el, ERR_ERROR, name, 0, "out of memory");
		goto out_fail;
	}
	config_destroy(&cf);
	free(buf);
	return c.m;
out_fail:
	config_destroy(&cf);
	free(buf);
	model_free(c.m);
	return NULL;
}

struct model *conf_load(const char *path, struct err_list *el)
{
	struct model *m;
	struct stat st;
	char *text;
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		err_add(el, ERR_ERROR, path, 0, "cannot open the configuration: %s; "
			"check the path (give another with -c FILE)", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > CONF_MAX_SIZE) {
		err_add(el, ERR_ERROR, path, 0, "not a regular file of at most %u "
			"MiB; give the path of the configuration file",
			CONF_MAX_SIZE >> 20);
		fclose(f);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		err_add(el, ERR_ERROR, path, 0, "out of memory");
		fclose(f);
		return NULL;
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		err_add(el, ERR_ERROR, path, 0, "cannot read the configuration: %s",
			strerror(errno));
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	m = conf_parse(text, n, path, el);
	free(text);
	return m;
}
