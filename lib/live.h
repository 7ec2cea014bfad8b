/* live.h - live classification of the flows crossing the gateway.
 *
 * Packets captured on the zone interfaces (connection openings, and enough
 * of the rest to see answers) go into a bounded flow table; each new flow
 * is classified once by the policy engine and counted for its zone pair:
 * new flows permitted and denied, distinct sources, top talkers (sources
 * by new flows) and attempts that never got an answer. A source that opens
 * attempts to too many destinations or ports within a window raises a scan
 * alert. Every structure is bounded; nothing grows with the traffic.
 */
#ifndef ZG_LIVE_H
#define ZG_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pkt.h"

#define LIVE_FLOWS_DEFAULT	65536	/* flow table entries */
#define LIVE_TALKERS		256	/* sources tracked per zone pair */
#define LIVE_SOURCES_MAX	16384	/* distinct sources counted per pair */
#define LIVE_SCAN_SOURCES	4096	/* sources watched for scanning */
#define LIVE_SCAN_KEEP		256	/* distinct values kept per source */
#define LIVE_IDLE_US		(120ull * 1000000)	/* flow idle timeout */

struct live_cfg {
	size_t		max_flows;
	unsigned	scan_window;	/* seconds */
	unsigned	scan_hosts;	/* distinct destinations to alert */
	unsigned	scan_ports;	/* distinct destination ports to alert */
};

struct live_pair {
	uint64_t	flows_permitted;
	uint64_t	flows_denied;
	uint64_t	unanswered;	/* flows gone without an answer */
	uint64_t	sources;	/* distinct, exact up to LIVE_SOURCES_MAX */
	bool		sources_capped;
};

struct live_talker {
	struct addr	src;
	uint64_t	flows;		/* new flows opened (an upper bound once
					 * the pair's table was full) */
};

/* live_alert_fn - one scan alert line, at most once per source and window */
typedef void (*live_alert_fn)(void *arg, const char *line);

struct live;

/* live_new - for model m (not owned; see live_set_model). NULL: ENOMEM. */
struct live *live_new(const struct model *m, const struct live_cfg *cfg,
		      live_alert_fn alert, void *arg);

/* live_free - NULL is fine. */
void live_free(struct live *l);

/* live_set_model - after a reload: zones may have changed, so the per-pair
 * figures start again (flows in the table are classified anew). */
int live_set_model(struct live *l, const struct model *m);

/* live_packet - one captured packet that entered on interface iif (NULL if
 * not known), of wire length len, at now_us; local: addressed to the
 * gateway itself (its destination zone is then "gateway"). */
void live_packet(struct live *l, const struct pkt_info *pi, const char *iif,
		 bool local, uint64_t len, uint64_t now_us);

/* live_expire - forgets flows idle for LIVE_IDLE_US, counting those never
 * answered; ends scan windows. Call about once a second. */
void live_expire(struct live *l, uint64_t now_us);

/* live_get_pair - the figures of zone pair (from, to); to may be
 * ZONE_GATEWAY. NULL if the pair does not exist. */
const struct live_pair *live_get_pair(const struct live *l, int from, int to);

/* live_top - the n busiest sources of (from, to), busiest first, into out;
 * returns how many. from = ZONE_UNKNOWN: all pairs together. */
size_t live_top(const struct live *l, int from, int to,
		struct live_talker *out, size_t n);

/* live_flows - flows in the table now, and alerts raised since live_new. */
size_t live_flows(const struct live *l);
uint64_t live_alerts(const struct live *l);

#endif
