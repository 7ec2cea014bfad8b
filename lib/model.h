/* model.h - the validated zone policy: what conf_load produces and every
 * later stage (policy engine, kernel compiler, audit) reads.
 *
 * A model is immutable once built. Indexes, not pointers, link its parts, so
 * it can be compared and freed in one place (model_free).
 */
#ifndef ZG_MODEL_H
#define ZG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "lpm.h"

/* Documented limits (zonegate.conf(5)). */
#define ZG_NAME_MAX		31
#define ZG_IFNAME_MAX		15	/* IFNAMSIZ - 1 */
#define ZG_TEXT_MAX		255	/* description, comment, exception */
#define ZG_ZONES_MAX		64
#define ZG_IFACES_MAX		64	/* per zone */
#define ZG_NETWORKS_MAX		1048576	/* all zones together */
#define ZG_SERVICES_MAX		4096
#define ZG_PORTS_MAX		1024	/* items per tcp/udp list */
#define ZG_POLICIES_MAX		262144
#define ZG_HOSTS_MAX		65536	/* per from_hosts/to_hosts list */

#define ZONE_UNKNOWN	(-1)
#define ZONE_GATEWAY	(-2)	/* the reserved zone "gateway": the appliance */
#define ZONE_GATEWAY_NAME "gateway"

enum intra_mode {
	INTRA_ACCEPT,
	INTRA_DROP,
};

enum action {
	ACTION_ACCEPT,
	ACTION_REJECT,
	ACTION_DROP,
};

/* Transport protocols a service can name. */
enum svc_proto {
	SVC_TCP,
	SVC_UDP,
	SVC_ICMP,	/* echo request, IPv4 (type 8) and IPv6 (type 128) */
};

struct port_range {
	uint16_t	lo;
	uint16_t	hi;
};

/* One (protocol, port range) a service permits; ICMP has lo = hi = 0. */
struct svc_item {
	enum svc_proto		proto;
	struct port_range	ports;
};

struct zone {
	char		name[ZG_NAME_MAX + 1];
	char		*description;
	char		(*ifaces)[ZG_IFNAME_MAX + 1];
	size_t		n_ifaces;
	struct prefix	*nets;
	size_t		n_nets;
	enum intra_mode	intra;
	bool		isolated;
	bool		relay;
	int		*split_from;	/* zone indexes */
	size_t		n_split;
	int		line;
};

struct service {
	char		name[ZG_NAME_MAX + 1];
	struct svc_item	*items;
	size_t		n_items;
	int		line;
};

struct policy {
	int		from;		/* zone index */
	int		to;		/* zone index or ZONE_GATEWAY */
	struct svc_item	*items;		/* all services, flattened */
	size_t		n_items;
	char		*services_text;	/* "smtp,tcp/8443": names as written */
	struct prefix	*from_hosts;	/* n_from_hosts == 0: any host */
	size_t		n_from_hosts;
	struct prefix	*to_hosts;
	size_t		n_to_hosts;
	enum action	action;
	bool		log;
	char		*comment;	/* NULL if none */
	char		*exception;	/* NULL if none */
	int		line;
};

enum syslog_facility_idx { FAC_DEFAULT = -1 };

struct settings {
	char		table[ZG_NAME_MAX + 1];
	unsigned	log_group;
	unsigned	log_rate;
	unsigned	log_window;	/* seconds a violation's repeats fold */
	int		facility;	/* LOG_DAEMON, ... */
	char		facility_name[16];
	bool		on_stop_flush;
	bool		table_owner;	/* hold the table with the owner flag */
	bool		repair;		/* restore the table after tampering */
	unsigned	stats_interval;	/* seconds between stats lines, 0: off */
	unsigned	scan_window;	/* seconds */
	unsigned	scan_hosts;	/* distinct destinations of a scan */
	unsigned	scan_ports;	/* distinct destination ports of a scan */
	unsigned	flow_table;	/* live flows kept */
	bool		classify;	/* capture on the zone interfaces */
	unsigned	verify_interval; /* seconds between full checks, 0: off */
	char		control_socket[108];
	char		control_group[ZG_NAME_MAX + 1];
};

struct model {
	char		*path;		/* as given */
	char		checksum[65];	/* SHA-256 of the file, hex */
	struct settings	set;
	struct zone	*zones;
	size_t		n_zones;
	struct service	*services;
	size_t		n_services;
	struct policy	*policies;
	size_t		n_policies;
	bool		uses_gateway;
	struct lpm	*zone_lpm;	/* address -> zone index */
	/* policies by zone pair: pair_first[pair] .. pair_first[pair+1] index
	 * pair_pol[]; pair = from * (n_zones + 1) + (to or n_zones for gateway) */
	size_t		*pair_first;
	size_t		*pair_pol;
	/* the same, split for speed (see model_index_pairs): entries whose
	 * services are only single TCP/UDP ports, by (pair, protocol, port),
	 * sorted; and the other entries of each pair */
	uint64_t	*port_key;
	size_t		*port_pol;
	size_t		n_port;
	size_t		*gen_first;
	size_t		*gen_pol;
};

/* model_free - frees m and everything it owns; NULL is fine. */
void model_free(struct model *m);

/* model_zone_index - index of the zone named name, ZONE_GATEWAY for
 * "gateway", ZONE_UNKNOWN if none. */
int model_zone_index(const struct model *m, const char *name);

/* model_zone_name - name of zone index z, "gateway" or "unknown". */
const char *model_zone_name(const struct model *m, int z);

/* model_pair - index into pair_first for (from, to); to may be ZONE_GATEWAY. */
size_t model_pair(const struct model *m, int from, int to);

/* model_port_key - the key of the port index. */
uint64_t model_port_key(size_t pair, int tcp, uint16_t port);

/* model_index_pairs - builds pair_first/pair_pol and the port index.
 * Returns 0 or -1 (ENOMEM). */
int model_index_pairs(struct model *m);

/* model_action_name - "accept", "reject", "drop". */
const char *model_action_name(enum action a);

/* model_proto_name - "tcp", "udp", "icmp". */
const char *model_proto_name(enum svc_proto p);

#endif
