/* detect.c - the alert table and the detectors that need no learned baseline
 * (the baseline's are in baseline.c, reported through mk_detect_find).
 *
 * Alerts are aggregated in a bounded table keyed by (type, client, server,
 * protocol, subject): a new occurrence adds to the count and moves the last
 * time, so a flood of identical requests is one alert.  Beyond max_alerts new
 * keys are refused and counted (alerts.dropped), never a crash.
 *
 * Detectors and where they run:
 * - operations on controllers (plc_program, plc_control, firmware_change,
 *   plc_auth): per operation fact of the classes detect.tsv maps, on the
 *   controller protocols of roles.tsv (plus detect.tsv "controller" lines).
 *   Telecontrol protocols (roles.tsv "routine_control": DNP3, IEC 104) send
 *   control commands all day; only the detect.tsv "routine_alert" details
 *   (restarts, reset process, stop application) alert there.
 * - parser events (cleartext_credentials, smbv1, scan_function_codes): per
 *   anomaly fact named in detect.tsv.
 * - scans (scan_hosts, scan_ports): per ended flow that was only a probe
 *   (no conversation), and per ARP request; a small fixed-size record per
 *   source with bitmaps of the distinct targets in the current window.
 *   O(1) per flow or ARP packet; the number of sources is capped (the least
 *   recently seen in the probe window is forgotten, counted).
 * - remote_access, internet_from_control, inbound_from_internet: at each
 *   snapshot over the conversation and asset records.  These are "derived":
 *   their count is set from the records (which already hold earlier runs),
 *   never added, so repeated snapshots do not double count.
 * - zone_violation: derived the same way, only when zones are defined
 *   (mk_detect_set_zones): a conversation between two different zones that no
 *   conduit allows (zones.h).  The alert keeps its zones as labels (id and
 *   name), so an alert of an earlier run still names zones that were removed
 *   since.
 *
 * The operations on controllers that alert, and the parameter changes
 * detect.tsv lists ("ledger" lines), also go to the change ledger
 * (ledger.c), one entry per burst.
 *
 * Maintenance windows (maintenance.c): an occurrence inside a window that
 * covers its client or server is counted in a separate alert whose subject
 * names the window ("maint:ID", status planned), so the occurrences outside
 * stay in the open alert and are never hidden.  Snapshot-derived alerts are
 * planned when the conversation's whole span lies inside a window.  Ledger
 * entries carry the window the same way.
 *
 * Text from the network (operation details, event names) is sanitized and cut
 * to MK_DETECT_WORD_LEN before it is stored.
 */
#include "mieruka/detect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/baseline_int.h"
#include "detect/detect_int.h"
#include "detect/ledger_int.h"
#include "detect/netwatch_int.h"
#include "inventory/roles_int.h"
#include "mieruka/proto.h"
#include "mieruka/util.h"
#include "mieruka/zones.h"

#define MAX_EV 8
#define NO_INDEX UINT32_MAX
#define SCAN_PROBE_LIMIT 8
#define NS_PER_S 1000000000ull
#define NO_LABEL UINT16_MAX
/* zone labels: the current zones plus those only earlier alerts name */
#define MAX_ZONE_LABELS (MK_ZONES_MAX_ZONES + 256)

struct ev {
	char key[MK_DETECT_WORD_LEN];
	uint64_t n;
};

struct alert {
	uint64_t hash;
	uint32_t next; /* hash chain */
	int16_t type;  /* index into rules.types */
	uint8_t severity;
	uint8_t transport;
	uint16_t port, proto;
	struct mk_addr client, server;
	char subject[MK_ALERT_SUBJECT_LEN];
	char note[MK_DETECT_WORD_LEN]; /* {detail}, or the role for internet_from_control */
	char value[MK_DETECT_VALUE_LEN], limit[MK_DETECT_VALUE_LEN]; /* baseline: {value} {limit} */
	uint64_t first, last, count;
	uint64_t d_count, d_first, d_last; /* derived: recomputed at each snapshot */
	uint32_t hosts, ports, window_s;   /* scans */
	uint32_t window;                   /* maintenance window (from the subject), 0 = none */
	struct ev ev[MAX_EV];
	uint8_t n_ev;
	uint64_t ev_more; /* occurrences whose detail did not fit */
	struct {
		char key[20];
		char val[MK_DETECT_TEXT_LEN];
	} text[MK_DETECT_MAX_TEXTS]; /* mk_detect_alert_text: evidence and {key} */
	uint8_t n_text;
	uint16_t zl[2];   /* zone_violation: client's and server's zone label, NO_LABEL */
};

struct zone_label {
	char id[MK_ZONE_ID_LEN];
	char name[MK_ZONE_NAME_LEN];
};

struct scan_src {
	struct mk_addr src; /* family NONE: free slot */
	uint64_t last_seen;
	uint64_t host_start, port_start, arp_start;
	uint64_t hosts[8], ports[16], arp[8]; /* 512, 1024, 512-bit target bitmaps */
	uint32_t n_hosts, n_ports, n_arp;
	uint64_t probes_h, probes_p, probes_a;
	bool fired_h, fired_p, fired_a;
	struct mk_addr last_dst;
	uint16_t last_proto;
};

struct mk_detect {
	struct mk_detect_limits lim;
	struct mk_detect_rules rules;
	struct alert *alerts;
	size_t n, cap;
	uint32_t *buckets;
	size_t n_buckets; /* power of two */
	struct scan_src *scan;
	size_t n_scan; /* power of two */
	struct mk_detect_stats stats;
	struct mk_ledger *ledger;
	struct mk_window_rec *windows;
	size_t n_windows, cap_windows;
	struct mk_baseline *bl;
	int t_scan_hosts, t_scan_ports, t_remote, t_internet, t_inbound, t_zone;
	struct mk_zones *zones; /* NULL: no zones, no zone check */
	struct zone_label *zl;  /* [0, zone count) are the zones' own, in order */
	size_t n_zl;
	struct mk_netwatch *nw; /* ip_mac_change, rogue_dhcp, lateral_movement (netwatch.c) */
	const struct mk_oui *oui;
	bool refuse_new;     /* alert_get: find only (the deviation budget is spent) */
	size_t n_deviation;  /* deviation alerts created in this run */
};

void mk_detect_limits_default(struct mk_detect_limits *lim)
{
	lim->max_alerts = 10000;
	lim->max_scan_sources = 4096;
	lim->max_changes = 10000;
	lim->max_windows = 1024;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

struct mk_detect *mk_detect_new(const struct mk_detect_limits *lim, const char *alerts_path,
                                const char *detect_path, const char *roles_path, char *err,
                                size_t errlen)
{
	struct mk_detect *d = calloc(1, sizeof(*d));
	char pa[4096], pd[4096], msg[512] = "";
	struct mk_role_rules *rr;
	int bad_a, bad_d;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (d == NULL)
		goto fail_oom;
	d->lim = *lim;
	if (d->lim.max_alerts == 0)
		d->lim.max_alerts = 1;
	if (d->lim.max_scan_sources == 0)
		d->lim.max_scan_sources = 1;
	mk_detect_rules_init(&d->rules);
	if (alerts_path == NULL) {
		if (!mk_data_path("rules/alerts.tsv", pa, sizeof(pa))) {
			snprintf(err, errlen,
			         "data file rules/alerts.tsv not found (set MIERUKA_DATA)");
			goto fail;
		}
		alerts_path = pa;
	}
	if (detect_path == NULL) {
		if (!mk_data_path("rules/detect.tsv", pd, sizeof(pd))) {
			snprintf(err, errlen,
			         "data file rules/detect.tsv not found (set MIERUKA_DATA)");
			goto fail;
		}
		detect_path = pd;
	}
	if ((bad_a = mk_detect_rules_load_alerts(&d->rules, alerts_path, err, errlen)) < 0 ||
	    (bad_d = mk_detect_rules_load_detect(&d->rules, detect_path, err, errlen)) < 0)
		goto fail;
	/* Controller protocols come from roles.tsv: one loader for that file. */
	rr = mk_role_rules_load(roles_path, msg, sizeof(msg));
	if (rr == NULL)
		goto fail_oom;
	for (unsigned p = 0; p < MK_PROTO_COUNT; p++) {
		d->rules.controller[p] |= rr->controller[p];
		d->rules.routine[p] = rr->routine_control[p];
	}
	mk_role_rules_free(rr);
	if ((bad_a > 0 || bad_d > 0) && err != NULL && errlen > 0)
		snprintf(err, errlen, "detect: %d malformed lines skipped in %s, %d in %s", bad_a,
		         alerts_path, bad_d, detect_path);
	d->t_scan_hosts = mk_detect_type_index(&d->rules, "scan_hosts");
	d->t_scan_ports = mk_detect_type_index(&d->rules, "scan_ports");
	d->t_remote = mk_detect_type_index(&d->rules, "remote_access");
	d->t_internet = mk_detect_type_index(&d->rules, "internet_from_control");
	d->t_inbound = mk_detect_type_index(&d->rules, "inbound_from_internet");
	d->t_zone = mk_detect_type_index(&d->rules, "zone_violation");
	d->n_buckets = pow2_at_least(d->lim.max_alerts);
	d->buckets = malloc(d->n_buckets * sizeof(*d->buckets));
	d->n_scan = pow2_at_least(d->lim.max_scan_sources);
	d->scan = calloc(d->n_scan, sizeof(*d->scan));
	d->ledger = mk_ledger_new(d->lim.max_changes, d->rules.ledger_gap_s);
	d->bl = mk_baseline_new(&d->rules);
	if (d->buckets == NULL || d->scan == NULL || d->ledger == NULL || d->bl == NULL)
		goto fail_oom;
	memset(d->buckets, 0xff, d->n_buckets * sizeof(*d->buckets));
	if ((d->nw = mk_netwatch_new(d, &d->stats)) == NULL)
		goto fail_oom;
	return d;
fail_oom:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "out of memory while loading the detection rules");
fail:
	mk_detect_free(d);
	return NULL;
}

void mk_detect_free(struct mk_detect *d)
{
	if (d == NULL)
		return;
	mk_baseline_free(d->bl);
	mk_netwatch_free(d->nw);
	mk_detect_rules_clear(&d->rules);
	free(d->alerts);
	free(d->buckets);
	free(d->scan);
	mk_ledger_free(d->ledger);
	free(d->windows);
	mk_zones_free(d->zones);
	free(d->zl);
	free(d);
}

const struct mk_detect_stats *mk_detect_stats(const struct mk_detect *d)
{
	return &d->stats;
}

static void sync_stats(struct mk_detect *d)
{
	const struct mk_baseline_stats *bs = mk_baseline_stats(d->bl);

	d->stats.baseline_dropped = bs->items_dropped;
	d->stats.baseline_tracked_dropped = bs->tracked_dropped;
}

const struct mk_detect_rules *mk_detect_rules_of(const struct mk_detect *d)
{
	return &d->rules;
}

size_t mk_detect_count(const struct mk_detect *d)
{
	return d->n;
}

/* ------------------------------------------------------------ the table */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t key_hash(const char *type, const struct mk_addr *c, const struct mk_addr *s,
                         uint16_t proto, const char *subject)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *pname = mk_proto_id_name(proto);

	/* By names, not enum numbers: the id stays stable across builds. */
	h = fnv(h, type, strlen(type) + 1);
	h = fnv(h, &c->family, 1);
	h = fnv(h, c->a, sizeof(c->a));
	h = fnv(h, &s->family, 1);
	h = fnv(h, s->a, sizeof(s->a));
	h = fnv(h, pname, strlen(pname) + 1);
	h = fnv(h, subject, strlen(subject) + 1);
	return h;
}

static void addr_norm(struct mk_addr *a)
{
	/* Only the family's bytes count: clear the rest so hashes are stable. */
	size_t n = a->family == MK_AF_MAC     ? 6
	           : a->family == MK_AF_INET  ? 4
	           : a->family == MK_AF_INET6 ? 16
	                                      : 0;

	if (a->family != MK_AF_MAC && a->family != MK_AF_INET && a->family != MK_AF_INET6)
		a->family = MK_AF_NONE;
	memset(a->a + n, 0, sizeof(a->a) - n);
}

/* ------------------------------------------------- maintenance windows */

/* The subject of an occurrence inside window w: "maint:W" appended to the
 * base subject (an event name), so it is a key of its own. */
static void subject_for(char *out, size_t len, const char *base, uint32_t w)
{
	if (w == 0)
		snprintf(out, len, "%s", base);
	else if (base[0] == '\0')
		snprintf(out, len, "maint:%" PRIu32, w);
	else
		snprintf(out, len, "%s maint:%" PRIu32, base, w);
}

static uint32_t window_for(const struct mk_detect *d, uint64_t first, uint64_t last,
                           const struct mk_addr *addrs, size_t n)
{
	if (d->n_windows == 0)
		return 0;
	return mk_window_match(d->windows, d->n_windows, first, last, addrs, n);
}

/* Both ends of a flow, by IP and by MAC: a window may name either. */
static uint32_t window_for_flow(const struct mk_detect *d, const struct mk_flow *f, uint64_t ts)
{
	const struct mk_addr addrs[4] = {f->cli.ip, f->cli.mac, f->srv.ip, f->srv.mac};

	return window_for(d, ts, ts, addrs, 4);
}

static const struct mk_window_rec *window_get(const struct mk_detect *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_windows; i++)
		if (d->windows[i].id == id)
			return &d->windows[i];
	return NULL;
}

void mk_detect_add_window(struct mk_detect *d, const struct mk_window_rec *w)
{
	if (w->id == 0 || w->end_ns < w->start_ns)
		return;
	if (d->n_windows >= d->lim.max_windows) {
		d->stats.windows_dropped++;
		return;
	}
	if (d->n_windows == d->cap_windows) {
		size_t ncap = d->cap_windows ? d->cap_windows * 2 : 8;
		struct mk_window_rec *nv;

		if (ncap > d->lim.max_windows)
			ncap = d->lim.max_windows;
		nv = realloc(d->windows, ncap * sizeof(*nv));
		if (nv == NULL) {
			d->stats.windows_dropped++;
			return;
		}
		d->windows = nv;
		d->cap_windows = ncap;
	}
	d->windows[d->n_windows] = *w;
	if (d->windows[d->n_windows].n_devices > MK_WINDOW_MAX_DEVICES)
		d->windows[d->n_windows].n_devices = MK_WINDOW_MAX_DEVICES;
	d->windows[d->n_windows].vendor[MK_WINDOW_TEXT_LEN - 1] = '\0';
	d->windows[d->n_windows].note[MK_WINDOW_TEXT_LEN - 1] = '\0';
	d->n_windows++;
}

/* ------------------------------------------------------------ the ledger */

void mk_detect_load_change(struct mk_detect *d, const struct mk_change_rec *rec)
{
	mk_ledger_load(d->ledger, rec);
}

size_t mk_detect_changes(struct mk_detect *d, struct mk_change_rec **out)
{
	return mk_ledger_export(d->ledger, out);
}

uint64_t mk_detect_changes_dropped(const struct mk_detect *d)
{
	return mk_ledger_dropped(d->ledger);
}

/* Finds or creates the alert of a key; NULL when the cap refuses a new one. */
static struct alert *alert_get(struct mk_detect *d, int type, struct mk_addr c, struct mk_addr s,
                               uint8_t transport, uint16_t port, uint16_t proto,
                               const char *subject)
{
	char subj[MK_ALERT_SUBJECT_LEN];
	uint64_t h;
	uint32_t *slot;
	struct alert *a;

	if (type < 0 || (size_t)type >= d->rules.n_types)
		return NULL;
	addr_norm(&c);
	addr_norm(&s);
	snprintf(subj, sizeof(subj), "%s", subject != NULL ? subject : "");
	h = key_hash(d->rules.types[type].id, &c, &s, proto, subj);
	slot = &d->buckets[h & (d->n_buckets - 1)];
	for (uint32_t i = *slot; i != NO_INDEX; i = d->alerts[i].next) {
		a = &d->alerts[i];
		if (a->hash == h && a->type == type && a->proto == proto &&
		    mk_addr_eq(&a->client, &c) && mk_addr_eq(&a->server, &s) &&
		    strcmp(a->subject, subj) == 0)
			return a;
	}
	if (d->refuse_new) {
		d->stats.baseline_alerts_dropped++;
		return NULL;
	}
	if (d->n >= d->lim.max_alerts) {
		d->stats.alerts_dropped++;
		return NULL;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		struct alert *na;

		if (ncap > d->lim.max_alerts)
			ncap = d->lim.max_alerts;
		na = realloc(d->alerts, ncap * sizeof(*na));
		if (na == NULL) {
			d->stats.alerts_dropped++;
			return NULL;
		}
		d->alerts = na;
		d->cap = ncap;
	}
	a = &d->alerts[d->n];
	memset(a, 0, sizeof(*a));
	a->hash = h;
	a->type = (int16_t)type;
	a->severity = d->rules.types[type].severity;
	{
		/* texts and severity by the subject without a window mark */
		char base[MK_ALERT_SUBJECT_LEN];
		const struct mk_alert_variant *v;

		memcpy(base, subj, sizeof(base));
		a->window = mk_window_subject_strip(base);
		if ((v = mk_detect_variant(&d->rules, type, base)) != NULL)
			a->severity = v->severity;
	}
	a->transport = transport;
	a->port = port;
	a->proto = proto;
	a->client = c;
	a->server = s;
	memcpy(a->subject, subj, sizeof(subj));
	a->zl[0] = a->zl[1] = NO_LABEL;
	a->next = *slot;
	*slot = (uint32_t)d->n;
	d->n++;
	return a;
}

static void alert_seen(struct alert *a, uint64_t ts, uint64_t n)
{
	if (a->count == 0 || ts < a->first)
		a->first = ts;
	if (ts > a->last)
		a->last = ts;
	a->count += n;
}

static void alert_ev(struct alert *a, const char *key, uint64_t n)
{
	for (uint8_t i = 0; i < a->n_ev; i++)
		if (strcmp(a->ev[i].key, key) == 0) {
			a->ev[i].n += n;
			return;
		}
	if (a->n_ev == MAX_EV) {
		a->ev_more += n;
		return;
	}
	snprintf(a->ev[a->n_ev].key, sizeof(a->ev[a->n_ev].key), "%s", key);
	a->ev[a->n_ev].n = n;
	a->n_ev++;
}

/* Sets (not adds) an evidence number: derived findings are recomputed. */
static void alert_ev_set(struct alert *a, const char *key, uint64_t n)
{
	for (uint8_t i = 0; i < a->n_ev; i++)
		if (strcmp(a->ev[i].key, key) == 0) {
			a->ev[i].n = n;
			return;
		}
	alert_ev(a, key, n);
}

/* ------------------------------------------------------- facts and flows */

static const struct mk_addr *ep_addr(const struct mk_endpoint *ep)
{
	return ep->ip.family != MK_AF_NONE ? &ep->ip : &ep->mac;
}

/* Is word one of the words of text (split at space, '=', ',', ':')? */
static bool has_word(const char *text, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = text; *p != '\0';) {
		size_t n = strcspn(p, " =,:");

		if (n == wl && memcmp(p, word, wl) == 0)
			return true;
		p += n;
		if (*p != '\0')
			p++;
	}
	return false;
}

static bool starts_with_word(const char *text, const char *word)
{
	size_t wl = strlen(word);

	return strncmp(text, word, wl) == 0 && (text[wl] == '\0' || text[wl] == ' ');
}

uint32_t mk_detect_watched_ops(const struct mk_detect *d)
{
	uint32_t mask = 0;

	for (unsigned op = 0; d != NULL && op < MK_OP_COUNT; op++)
		if (d->rules.op_alert[op] >= 0)
			mask |= 1u << op;
	return mask;
}

uint32_t mk_detect_watched_ops_proto(const struct mk_detect *d, uint16_t proto)
{
	if (d == NULL)
		return 0;
	return mk_detect_watched_ops(d) | (proto < MK_PROTO_COUNT ? d->rules.ledger_ops[proto] : 0);
}

/* Does a detect.tsv "ledger" line name this parameter change? */
static bool ledger_listed(const struct mk_detect_rules *r, uint16_t proto, unsigned op,
                          const char *det)
{
	for (size_t i = 0; i < r->n_ledger; i++)
		if (r->ledger[i].proto == proto && r->ledger[i].op == op &&
		    starts_with_word(det, r->ledger[i].word))
			return true;
	return false;
}

void mk_detect_operation(struct mk_detect *d, const struct mk_flow *flow, int dir, uint16_t proto,
                         unsigned op, const char *detail, size_t len, uint64_t ts_ns)
{
	const struct mk_detect_rules *r = &d->rules;
	char det[MK_DETECT_WORD_LEN], subj[MK_ALERT_SUBJECT_LEN];
	const struct mk_endpoint *req, *tgt;
	struct alert *a;
	bool alert, ledger;
	uint32_t win;
	int type;

	if (op >= MK_OP_COUNT || proto >= MK_PROTO_COUNT || flow == NULL)
		return;
	type = r->op_alert[op];
	alert = type >= 0 && r->controller[proto];
	ledger = (r->ledger_ops[proto] >> op & 1u) != 0;
	if (!alert && !ledger)
		return;
	mk_text_sanitize(det, sizeof(det), detail != NULL ? detail : "", detail != NULL ? len : 0);
	if (alert && op == MK_OP_CONTROL && r->routine[proto]) {
		bool listed = false;

		for (size_t i = 0; i < r->n_routine_alert && !listed; i++)
			listed = r->routine_alert[i].key == (int16_t)proto &&
			         starts_with_word(det, r->routine_alert[i].word);
		alert = listed;
	}
	/* Every operation that alerts is a change; parameter changes only when
	 * detect.tsv lists them. */
	if (!alert && !(ledger && ledger_listed(r, proto, op, det)))
		return;
	/* One alert and one ledger key per conversation: the flow's client is
	 * the requester, even for the requests a protocol sends the other way
	 * (an S7 CPU asks the programming device for the blocks of a download). */
	(void)dir;
	req = &flow->cli;
	tgt = &flow->srv;
	win = window_for_flow(d, flow, ts_ns);
	mk_ledger_add(d->ledger, ep_addr(req), ep_addr(tgt), proto, (uint8_t)op, det, win, ts_ns);
	if (!alert)
		return;
	subject_for(subj, sizeof(subj), "", win);
	a = alert_get(d, type, *ep_addr(req), *ep_addr(tgt),
	              flow->transport == MK_FT_L2 ? 0 : flow->transport, flow->srv.port, proto, subj);
	if (a == NULL)
		return;
	alert_seen(a, ts_ns, 1);
	alert_ev(a, det[0] != '\0' ? det : mk_op_class_name(op), 1);
	if (a->note[0] == '\0')
		memcpy(a->note, det, sizeof(det));
	for (size_t i = 0; i < r->n_critical; i++)
		if (r->critical[i].key == type && has_word(det, r->critical[i].word)) {
			a->severity = MK_SEV_CRITICAL;
			/* the detail that made it critical is the one to show */
			memcpy(a->note, det, sizeof(det));
			break;
		}
}

void mk_detect_result(struct mk_detect *d, const struct mk_flow *flow, uint16_t proto,
                      unsigned op, const char *detail, size_t len, bool ok, uint64_t ts_ns)
{
	char det[MK_DETECT_WORD_LEN];

	if (flow == NULL || op >= MK_OP_COUNT || proto >= MK_PROTO_COUNT)
		return;
	/* The same text and window the request's entry was filed under. */
	mk_text_sanitize(det, sizeof(det), detail != NULL ? detail : "", detail != NULL ? len : 0);
	mk_ledger_result(d->ledger, ep_addr(&flow->cli), ep_addr(&flow->srv), proto, (uint8_t)op, det,
	                 window_for_flow(d, flow, ts_ns), ok, ts_ns);
}

void mk_detect_anomaly(struct mk_detect *d, const struct mk_flow *flow, const struct mk_pkt *pkt,
                       int dir, uint16_t proto, const char *event, uint64_t ts_ns)
{
	const struct mk_detect_rules *r = &d->rules;
	struct mk_addr c = {0}, s = {0}, addrs[4] = {{0}};
	char subj[MK_ALERT_SUBJECT_LEN];
	uint8_t transport = 0;
	uint16_t port = 0;
	struct alert *a;
	int type = -1;

	(void)dir;
	if (event == NULL)
		return;
	for (size_t i = 0; i < r->n_anomaly && type < 0; i++)
		if (strcmp(r->anomaly[i].event, event) == 0)
			type = r->anomaly[i].type;
	if (type < 0)
		return;
	if (flow != NULL) {
		c = *ep_addr(&flow->cli);
		s = *ep_addr(&flow->srv);
		transport = flow->transport == MK_FT_L2 ? 0 : flow->transport;
		port = flow->srv.port;
		addrs[2] = flow->cli.mac;
		addrs[3] = flow->srv.mac;
	} else if (pkt != NULL) {
		c = pkt->src_ip;
		s = pkt->dst_ip;
		if (c.family == MK_AF_NONE && pkt->has_mac) {
			mk_addr_set_mac(&c, pkt->src_mac);
			mk_addr_set_mac(&s, pkt->dst_mac);
		}
	}
	addrs[0] = c;
	addrs[1] = s;
	subject_for(subj, sizeof(subj), event, window_for(d, ts_ns, ts_ns, addrs, 4));
	a = alert_get(d, type, c, s, transport, port, proto, subj);
	if (a == NULL)
		return;
	alert_seen(a, ts_ns, 1);
	alert_ev(a, event, 1);
	if (a->note[0] == '\0')
		snprintf(a->note, sizeof(a->note), "%s", event);
}

/* ----------------------------------------------------------------- scans */

static struct scan_src *scan_slot(struct mk_detect *d, const struct mk_addr *src, uint64_t ts)
{
	uint32_t h = mk_addr_hash(src, 0x5ca7);
	struct scan_src *victim = NULL;

	for (unsigned i = 0; i < SCAN_PROBE_LIMIT; i++) {
		struct scan_src *s = &d->scan[(h + i) & (d->n_scan - 1)];

		if (s->src.family == MK_AF_NONE) {
			memset(s, 0, sizeof(*s));
			s->src = *src;
			s->last_seen = ts;
			return s;
		}
		if (mk_addr_eq(&s->src, src)) {
			if (ts > s->last_seen)
				s->last_seen = ts;
			return s;
		}
		if (victim == NULL || s->last_seen < victim->last_seen)
			victim = s;
	}
	/* Full neighbourhood: forget the source seen least recently. */
	d->stats.scan_sources_evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->src = *src;
	victim->last_seen = ts;
	return victim;
}

/* Sets bit (h mod bits) of map; true when it was new. */
static bool bitmap_add(uint64_t *map, size_t words, uint32_t h)
{
	uint32_t bit = h % (uint32_t)(words * 64);
	uint64_t m = (uint64_t)1 << (bit % 64);

	if (map[bit / 64] & m)
		return false;
	map[bit / 64] |= m;
	return true;
}

/* Starts a new window when ts lies outside the current one. */
static bool window_reset(uint64_t *start, uint64_t ts, uint32_t window_s)
{
	uint64_t w = (uint64_t)window_s * NS_PER_S;

	if (*start != 0 && ts < *start + w && ts + w > *start)
		return false;
	*start = ts != 0 ? ts : 1;
	return true;
}

static void scan_fire(struct mk_detect *d, int type, const struct scan_src *s,
                      const struct mk_addr *server, uint16_t proto, uint64_t ts, uint64_t n,
                      uint32_t hosts, uint32_t ports, uint32_t window_s)
{
	const struct mk_addr addrs[2] = {s->src, server != NULL ? *server : (struct mk_addr){0}};
	char subj[MK_ALERT_SUBJECT_LEN];
	struct alert *a;

	subject_for(subj, sizeof(subj), "", window_for(d, ts, ts, addrs, 2));
	a = alert_get(d, type, s->src, addrs[1], 0, 0, proto, subj);

	if (a == NULL)
		return;
	alert_seen(a, ts, n);
	if (hosts > a->hosts)
		a->hosts = hosts;
	if (ports > a->ports)
		a->ports = ports;
	a->window_s = window_s;
}

static bool is_probe(const struct mk_detect_rules *r, const struct mk_flow *f)
{
	uint64_t ops = 0;

	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		ops += f->ops[op];
	if (ops != 0 || f->pkts[0] == 0 || f->pkts[0] > r->probe_max_packets)
		return false;
	if (f->srv.ip.family == MK_AF_NONE || mk_addr_is_special(&f->srv.ip))
		return false; /* broadcasts and multicasts expect no reply */
	if (f->transport == MK_FT_TCP)
		return f->orient == MK_ORIENT_SYN && (f->tcp_seen & MK_TCP_SYN) &&
		       f->pkts[1] <= r->probe_max_packets;
	if (f->transport == MK_FT_UDP)
		return f->pkts[1] == 0;
	return false;
}

void mk_detect_flow_ended(struct mk_detect *d, const struct mk_flow *f)
{
	const struct mk_detect_rules *r = &d->rules;
	struct scan_src *s;
	uint64_t ts = f->first_ns;

	mk_netwatch_flow_ended(d->nw, f);
	if (!is_probe(r, f) || f->cli.ip.family == MK_AF_NONE)
		return;
	s = scan_slot(d, &f->cli.ip, ts);
	if (window_reset(&s->host_start, ts, r->scan_hosts_window_s)) {
		memset(s->hosts, 0, sizeof(s->hosts));
		s->n_hosts = 0;
		s->probes_h = 0;
		s->fired_h = false;
	}
	if (window_reset(&s->port_start, ts, r->scan_ports_window_s)) {
		memset(s->ports, 0, sizeof(s->ports));
		s->n_ports = 0;
		s->probes_p = 0;
		s->fired_p = false;
	}
	s->probes_h++;
	s->probes_p++;
	s->last_dst = f->srv.ip;
	if (bitmap_add(s->hosts, 8, mk_addr_hash(&f->srv.ip, 0x4057)))
		s->n_hosts++;
	if (bitmap_add(s->ports, 16, (uint32_t)f->srv.port * 2654435761u >> 8))
		s->n_ports++;
	if (s->n_hosts >= r->scan_hosts_min) {
		scan_fire(d, d->t_scan_hosts, s, NULL, MK_PROTO_UNKNOWN, ts,
		          s->fired_h ? 1 : s->probes_h, s->n_hosts, 0, r->scan_hosts_window_s);
		s->fired_h = true;
	}
	if (s->n_ports >= r->scan_ports_min) {
		scan_fire(d, d->t_scan_ports, s, &f->srv.ip, MK_PROTO_UNKNOWN, ts,
		          s->fired_p ? 1 : s->probes_p, 0, s->n_ports, r->scan_ports_window_s);
		s->fired_p = true;
	}
}

void mk_detect_arp(struct mk_detect *d, const struct mk_pkt *pkt)
{
	const struct mk_detect_rules *r = &d->rules;
	static const uint8_t zero[4];
	struct mk_addr src, dst;
	struct scan_src *s;

	mk_netwatch_arp(d->nw, pkt);
	if (!(pkt->layers & MK_L_ARP) || pkt->arp.op != 1 || memcmp(pkt->arp.spa, zero, 4) == 0 ||
	    memcmp(pkt->arp.spa, pkt->arp.tpa, 4) == 0)
		return; /* replies, address probes (RFC 5227) and announcements */
	mk_addr_set_ip4(&src, pkt->arp.spa);
	mk_addr_set_ip4(&dst, pkt->arp.tpa);
	s = scan_slot(d, &src, pkt->ts_ns);
	if (window_reset(&s->arp_start, pkt->ts_ns, r->arp_sweep_window_s)) {
		memset(s->arp, 0, sizeof(s->arp));
		s->n_arp = 0;
		s->probes_a = 0;
		s->fired_a = false;
	}
	s->probes_a++;
	if (bitmap_add(s->arp, 8, mk_addr_hash(&dst, 0x4057)))
		s->n_arp++;
	if (s->n_arp >= r->arp_sweep_min) {
		scan_fire(d, d->t_scan_hosts, s, NULL, MK_PROTO_ARP, pkt->ts_ns,
		          s->fired_a ? 1 : s->probes_a, s->n_arp, 0, r->arp_sweep_window_s);
		s->fired_a = true;
	}
}

void mk_detect_ndp(struct mk_detect *d, const struct mk_pkt *pkt)
{
	mk_netwatch_ndp(d->nw, pkt);
}

/* ------------------------------------------------------------- zones */

/* The label of zone id (added with name when new), or NO_LABEL when the
 * table is full or memory runs out. */
static uint16_t zone_label(struct mk_detect *d, const char *id, const char *name)
{
	struct zone_label *l;

	for (size_t i = 0; i < d->n_zl; i++)
		if (strcmp(d->zl[i].id, id) == 0)
			return (uint16_t)i;
	if (d->zl == NULL && (d->zl = calloc(MAX_ZONE_LABELS, sizeof(*d->zl))) == NULL)
		return NO_LABEL;
	if (d->n_zl >= MAX_ZONE_LABELS)
		return NO_LABEL;
	l = &d->zl[d->n_zl];
	mk_text_sanitize(l->id, sizeof(l->id), id, strlen(id));
	mk_text_sanitize(l->name, sizeof(l->name), name, strlen(name));
	return (uint16_t)d->n_zl++;
}

void mk_detect_set_zones(struct mk_detect *d, struct mk_zones *z)
{
	struct zone_label *old = d->zl;
	size_t n_old = d->n_zl;
	uint16_t *map = n_old > 0 ? malloc(n_old * sizeof(*map)) : NULL;

	mk_zones_free(d->zones);
	d->zones = NULL;
	d->zl = NULL;
	d->n_zl = 0;
	if (mk_zones_count(z) > 0) {
		d->zones = z;
		/* the zones' own labels first: label i is zone i */
		for (size_t i = 0; i < mk_zones_count(z); i++)
			zone_label(d, mk_zones_id(z, i), mk_zones_name(z, i));
		if (d->n_zl != mk_zones_count(z))
			d->n_zl = 0; /* out of memory: alerts without zone evidence */
	} else {
		mk_zones_free(z);
	}
	/* Alerts loaded before keep their zones, by id. */
	for (size_t i = 0; i < n_old; i++)
		if (map != NULL)
			map[i] = zone_label(d, old[i].id, old[i].name);
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			uint16_t *l = &d->alerts[i].zl[k];

			if (*l != NO_LABEL)
				*l = map != NULL && *l < n_old ? map[*l] : NO_LABEL;
		}
	free(map);
	free(old);
}

/* ------------------------------------------------------ earlier runs */

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

void mk_detect_load(struct mk_detect *d, const struct mk_alert_rec *rec)
{
	char type[MK_ALERT_TYPE_LEN], subject[MK_ALERT_SUBJECT_LEN];
	const char *zid[2] = {NULL, NULL}, *zname[2] = {NULL, NULL};
	struct alert *a;
	int t;

	memcpy(type, rec->type, sizeof(type));
	type[sizeof(type) - 1] = '\0';
	memcpy(subject, rec->subject, sizeof(subject));
	subject[sizeof(subject) - 1] = '\0';
	if ((t = mk_detect_type_index(&d->rules, type)) < 0)
		return; /* a type this build does not know: the database keeps it */
	a = alert_get(d, t, rec->client, rec->server, rec->transport, rec->port, rec->proto,
	              subject);
	if (a == NULL)
		return;
	if (rec->severity < MK_SEV_COUNT && rec->severity > a->severity)
		a->severity = rec->severity;
	if (rec->count > 0) {
		alert_seen(a, rec->first_ns, rec->count);
		if (rec->last_ns > a->last)
			a->last = rec->last_ns;
	}
	for (size_t i = 0; i < rec->n_evidence; i++) {
		const char *k = rec->evidence[i].key, *v = rec->evidence[i].value;
		uint64_t n;

		if (k == NULL || v == NULL || strncmp(k, "maintenance", 11) == 0)
			continue; /* the window's evidence is rebuilt from the subject */
		if (strcmp(k, "detail") == 0 || strcmp(k, "role") == 0) {
			mk_text_sanitize(a->note, sizeof(a->note), v, strlen(v));
			continue;
		}
		if (strcmp(k, "value") == 0 || strcmp(k, "limit") == 0) {
			char *dst = k[0] == 'v' ? a->value : a->limit;

			mk_text_sanitize(dst, MK_DETECT_VALUE_LEN, v, strlen(v));
			continue;
		}
		if (strncmp(k, "client_zone", 11) == 0 || strncmp(k, "server_zone", 11) == 0) {
			int side = k[0] == 's';

			if (strcmp(k + 11, "") == 0)
				zid[side] = v;
			else if (strcmp(k + 11, "_name") == 0)
				zname[side] = v;
			continue;
		}
		if (!parse_u64(v, &n)) {
			char key[sizeof(a->text[0].key)], val[MK_DETECT_TEXT_LEN];

			mk_text_sanitize(key, sizeof(key), k, strlen(k));
			mk_text_sanitize(val, sizeof(val), v, strlen(v));
			mk_detect_alert_text(a, key, val);
			continue;
		}
		if (strcmp(k, "distinct_hosts") == 0)
			a->hosts =
			    n > a->hosts ? (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX) : a->hosts;
		else if (strcmp(k, "distinct_ports") == 0)
			a->ports =
			    n > a->ports ? (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX) : a->ports;
		else if (strcmp(k, "window_s") == 0)
			a->window_s = (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX);
		else if (strcmp(k, "more") == 0)
			a->ev_more += n;
		else if (strcmp(k, "flows") != 0 && strcmp(k, "port") != 0) {
			char key[MK_DETECT_WORD_LEN];

			mk_text_sanitize(key, sizeof(key), k, strlen(k));
			alert_ev(a, key, n);
		}
	}
	for (int side = 0; side < 2; side++)
		if (zid[side] != NULL && zid[side][0] != '\0')
			a->zl[side] = zone_label(d, zid[side], zname[side] != NULL ? zname[side]
			                                                           : zid[side]);
}

/* ------------------------------------------------------------ snapshot */

static bool addr_is_public(const struct mk_addr *a)
{
	const uint8_t *b = a->a;

	if (a->family == MK_AF_INET) {
		if (mk_addr_is_private(a) || mk_addr_is_special(a))
			return false;
		/* documentation (RFC 5737) and benchmarking (RFC 2544) ranges */
		if ((b[0] == 192 && b[1] == 0 && b[2] == 2) ||
		    (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
		    (b[0] == 203 && b[1] == 0 && b[2] == 113) ||
		    (b[0] == 198 && (b[1] & 0xfe) == 18) ||
		    (b[0] == 192 && b[1] == 0 && b[2] == 0) || b[0] >= 240)
			return false;
		return true;
	}
	if (a->family == MK_AF_INET6) {
		if ((b[0] & 0xe0) != 0x20)
			return false; /* only 2000::/3 is global unicast */
		return !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
	}
	return false;
}

struct addr_ix {
	struct mk_addr a;
	size_t asset;
};

static int addr_ix_cmp(const void *x, const void *y)
{
	return mk_addr_cmp(&((const struct addr_ix *)x)->a, &((const struct addr_ix *)y)->a);
}

static const struct addr_ix *asset_of(const struct addr_ix *ix, size_t n, const struct mk_addr *a)
{
	struct addr_ix key = {*a, 0};

	return n == 0 ? NULL : bsearch(&key, ix, n, sizeof(*ix), addr_ix_cmp);
}

/* The control role of the asset holding address a, or -1. */
static int control_role_of(const struct mk_detect *d, const struct addr_ix *ix, size_t n,
                           const struct mk_asset_rec *assets, const struct mk_addr *a)
{
	const struct addr_ix *hit = asset_of(ix, n, a);
	const struct mk_asset_rec *as;

	if (hit == NULL)
		return -1;
	as = &assets[hit->asset];
	if (as->n_roles == 0 || as->roles[0].role >= MK_ROLE_COUNT ||
	    !d->rules.control_role[as->roles[0].role] ||
	    as->roles[0].confidence < d->rules.control_role_min_confidence)
		return -1;
	return as->roles[0].role;
}

static struct alert *derive(struct mk_detect *d, int type, const struct mk_conv_rec *c,
                            const char *note, uint32_t win)
{
	char subj[MK_ALERT_SUBJECT_LEN];
	struct alert *a;

	subject_for(subj, sizeof(subj), "", win);
	a = alert_get(d, type, c->client, c->server, c->transport, c->port, c->proto, subj);

	if (a == NULL)
		return NULL;
	if (a->d_count == 0 || c->first_ns < a->d_first)
		a->d_first = c->first_ns;
	if (c->last_ns > a->d_last)
		a->d_last = c->last_ns;
	a->d_count += c->flows > 0 ? c->flows : 1;
	if (note != NULL)
		snprintf(a->note, sizeof(a->note), "%s", note);
	return a;
}

/* The window covering a whole conversation ([first, last]), by its addresses
 * and the MACs of the assets holding them. */
static uint32_t conv_window(const struct mk_detect *d, const struct mk_conv_rec *c,
                            const struct mk_addr *cl, const struct mk_addr *sv,
                            const struct addr_ix *ix, size_t n_ix,
                            const struct mk_asset_rec *assets)
{
	struct mk_addr addrs[4] = {*cl, *sv, {0}, {0}};
	const struct addr_ix *hit;

	if (d->n_windows == 0)
		return 0;
	if (ix != NULL && (hit = asset_of(ix, n_ix, cl)) != NULL)
		addrs[2] = assets[hit->asset].mac;
	if (ix != NULL && (hit = asset_of(ix, n_ix, sv)) != NULL)
		addrs[3] = assets[hit->asset].mac;
	return window_for(d, c->first_ns, c->last_ns, addrs, 4);
}

/* zone_violation: conversations between two different zones that no conduit
 * allows.  Severity high when the server's zone holds a device of a
 * detect.tsv "zone_high_role" (a controller), else the alerts.tsv default.
 * Hosts in no zone (the internet) are internet_from_control's business. */
static void derive_zones(struct mk_detect *d, const struct mk_asset_rec *assets, size_t n_assets,
                         const struct mk_conv_rec *convs, size_t n_convs,
                         const struct addr_ix *ix, size_t n_ix)
{
	size_t nz = mk_zones_count(d->zones);
	struct mk_zones_map *m;
	bool *high;

	if (nz == 0 || d->t_zone < 0)
		return;
	m = mk_zones_map_new(d->zones, assets, n_assets);
	high = calloc(nz, sizeof(*high));
	if (m == NULL || high == NULL)
		goto out;
	for (size_t i = 0; i < n_assets; i++) {
		const struct mk_asset_rec *as = &assets[i];
		int zi = mk_zones_map_asset(m, i);

		if (zi >= 0 && as->n_roles > 0 && as->roles[0].role < MK_ROLE_COUNT &&
		    d->rules.zone_high_role[as->roles[0].role] &&
		    as->roles[0].confidence >= d->rules.control_role_min_confidence)
			high[zi] = true;
	}
	for (size_t i = 0; i < n_convs; i++) {
		const struct mk_conv_rec *c = &convs[i];
		int zc = mk_zones_map_addr(m, &c->client), zs;
		struct mk_addr cl = c->client, sv = c->server;
		struct alert *a;

		if (zc < 0 || (zs = mk_zones_map_addr(m, &c->server)) < 0 || zc == zs ||
		    mk_zones_allows(d->zones, (size_t)zc, (size_t)zs, c->proto, c->transport, c->port))
			continue;
		addr_norm(&cl);
		addr_norm(&sv);
		a = derive(d, d->t_zone, c, NULL, conv_window(d, c, &cl, &sv, ix, n_ix, assets));
		if (a == NULL)
			continue;
		a->zl[0] = (size_t)zc < d->n_zl ? (uint16_t)zc : NO_LABEL;
		a->zl[1] = (size_t)zs < d->n_zl ? (uint16_t)zs : NO_LABEL;
		if (high[zs] && a->severity < MK_SEV_HIGH)
			a->severity = MK_SEV_HIGH;
	}
out:
	free(high);
	mk_zones_map_free(m);
}

static void derive_all(struct mk_detect *d, const struct mk_asset_rec *assets, size_t n_assets,
                       const struct mk_conv_rec *convs, size_t n_convs)
{
	struct addr_ix *ix = NULL;
	size_t n_ix = 0, want = 0;

	for (size_t i = 0; i < n_assets; i++)
		want += assets[i].n_ips;
	if (want > 0 && (ix = malloc(want * sizeof(*ix))) != NULL) {
		for (size_t i = 0; i < n_assets; i++)
			for (size_t k = 0; k < assets[i].n_ips; k++) {
				ix[n_ix].a = assets[i].ips[k];
				addr_norm(&ix[n_ix].a);
				ix[n_ix++].asset = i;
			}
		qsort(ix, n_ix, sizeof(*ix), addr_ix_cmp);
	}
	for (size_t i = 0; i < n_convs; i++) {
		const struct mk_conv_rec *c = &convs[i];
		struct mk_addr cl = c->client, sv = c->server;
		bool cpub, spub;
		int role;

		addr_norm(&cl);
		addr_norm(&sv);
		if (c->proto < MK_PROTO_COUNT && d->rules.remote[c->proto])
			derive(d, d->t_remote, c, NULL,
			       conv_window(d, c, &cl, &sv, ix, n_ix, assets));
		cpub = addr_is_public(&cl);
		spub = addr_is_public(&sv);
		/* Only TCP, whose client is known from the handshake (a UDP answer
		 * from an internet NTP or DNS server can look like a request), and
		 * only when the target is a device here that answered (an asset): a
		 * sweep of unanswered SYNs from the internet is scan_hosts' job. */
		if (cpub && c->transport == 6 && mk_addr_is_private(&sv) && ix != NULL &&
		    asset_of(ix, n_ix, &sv) != NULL)
			derive(d, d->t_inbound, c, NULL,
			       conv_window(d, c, &cl, &sv, ix, n_ix, assets));
		if (cpub != spub && ix != NULL) {
			role = control_role_of(d, ix, n_ix, assets, cpub ? &sv : &cl);
			if (role >= 0)
				derive(d, d->t_internet, c, mk_role_name((unsigned)role),
				       conv_window(d, c, &cl, &sv, ix, n_ix, assets));
		}
	}
	derive_zones(d, assets, n_assets, convs, n_convs, ix, n_ix);
	free(ix);
}

/* Derived counts replace the counts: they were recomputed from the records. */
static void derive_apply(struct mk_detect *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct alert *a = &d->alerts[i];

		if (a->d_count == 0)
			continue;
		a->count = a->d_count;
		a->first = a->d_first;
		a->last = a->d_last;
	}
}

void mk_detect_find(struct mk_detect *d, const struct mk_detect_finding *f, bool derived)
{
	const struct mk_addr addrs[2] = {f->client, f->server};
	char subj[MK_ALERT_SUBJECT_LEN];
	struct alert *a;

	/* A deviation during planned work is planned too (its subject names the
	 * window; mk_window_subject_strip gives the baseline key back). */
	subject_for(subj, sizeof(subj), f->subject != NULL ? f->subject : "",
	            window_for(d, f->first, f->last > f->first ? f->last : f->first, addrs, 2));
	/* Deviation alerts have a budget of their own within max_alerts: a
	 * flood of new devices (a MAC-spoofing tool, a wrongly wired mirror
	 * port) must not fill the table, nor memory, with thousands of copies
	 * of one story.  Known alerts still count their occurrences. */
	d->refuse_new = d->n_deviation >= d->rules.baseline_max_alerts;
	{
		size_t before = d->n;

		a = alert_get(d, f->type, f->client, f->server, f->transport, f->port, f->proto, subj);
		d->n_deviation += d->n - before;
	}
	d->refuse_new = false;
	if (a == NULL)
		return;
	if (f->severity > a->severity && f->severity < MK_SEV_COUNT)
		a->severity = f->severity;
	if (derived) {
		if (a->d_count == 0 || f->first < a->d_first)
			a->d_first = f->first;
		if (f->last > a->d_last)
			a->d_last = f->last;
		a->d_count += f->count > 0 ? f->count : 1;
	} else if (f->count > 0) {
		alert_seen(a, f->first, f->count);
		if (f->last > a->last)
			a->last = f->last;
	} else if (f->last > a->last) {
		a->last = f->last;
	}
	if (f->note != NULL)
		mk_text_sanitize(a->note, sizeof(a->note), f->note, strlen(f->note));
	if (f->value != NULL)
		snprintf(a->value, sizeof(a->value), "%s", f->value);
	if (f->limit != NULL)
		snprintf(a->limit, sizeof(a->limit), "%s", f->limit);
	for (size_t i = 0; i < f->n_ev && i < MK_DETECT_FINDING_EV; i++)
		alert_ev_set(a, f->ev_key[i], f->ev[i]);
}

/* ------------------------------------------------------------- texts */

void mk_detect_render(char *out, size_t outlen, const char *tmpl, const char *const *names,
                      const char *const *values, size_t n)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (const char *p = tmpl; *p != '\0';) {
		const char *val = NULL;
		size_t vlen, adv = 1;

		if (*p == '{') {
			const char *end = strchr(p, '}');

			for (size_t i = 0; end != NULL && i < n; i++)
				if (strlen(names[i]) == (size_t)(end - p - 1) &&
				    memcmp(names[i], p + 1, (size_t)(end - p - 1)) == 0) {
					val = values[i] != NULL ? values[i] : "";
					adv = (size_t)(end - p) + 1;
					break;
				}
		}
		if (val == NULL) {
			val = p;
			vlen = 1;
			/* copy a whole UTF-8 sequence at once so a cut never splits it */
			while ((p[vlen] & 0xc0) == 0x80)
				vlen++;
			adv = vlen;
		} else {
			vlen = strlen(val);
		}
		if (o + vlen >= outlen) {
			/* cut at a character boundary */
			while (vlen > 0 && o + vlen >= outlen)
				vlen--;
			while (vlen > 0 && (val[vlen] & 0xc0) == 0x80)
				vlen--;
			memcpy(out + o, val, vlen);
			o += vlen;
			break;
		}
		memcpy(out + o, val, vlen);
		o += vlen;
		p += adv;
	}
	out[o] = '\0';
}

static char *render_dup(const char *tmpl, const char *const *names, const char *const *values,
                        size_t n)
{
	char buf[4096];

	mk_detect_render(buf, sizeof(buf), tmpl, names, values, n);
	return strdup(buf);
}

static int add_evidence(struct mk_alert_rec *rec, const char *key, const char *value)
{
	struct mk_evidence_rec *e;

	if (rec->n_evidence >= MK_ALERT_MAX_EVIDENCE)
		return 0;
	e = &rec->evidence[rec->n_evidence];
	e->key = strdup(key);
	e->value = strdup(value);
	rec->n_evidence++;
	return e->key != NULL && e->value != NULL ? 0 : -1;
}

static int add_evidence_u64(struct mk_alert_rec *rec, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return add_evidence(rec, key, buf);
}

/* A planned alert says so: its title starts with the label, its detail ends
 * with the window (messages.tsv alert.planned, alert.planned_detail). */
static int mark_planned(const struct mk_detect *d, const struct alert *a, struct mk_alert_rec *rec)
{
	const struct mk_window_rec *w = window_get(d, a->window);
	const char *names[] = {"window", "vendor", "note"};
	const char *values[3];
	char id[16], tail[1024];

	snprintf(id, sizeof(id), "%" PRIu32, a->window);
	values[0] = id;
	values[1] = w != NULL && w->vendor[0] != '\0' ? w->vendor : "-";
	values[2] = w != NULL && w->note[0] != '\0' ? w->note : "-";
	for (int l = 0; l < 2; l++) {
		char **title = l == MK_LANG_EN ? &rec->title_en : &rec->title_ja;
		char **detail = l == MK_LANG_EN ? &rec->detail_en : &rec->detail_ja;
		const char *label = mk_msg_lang("alert.planned", (enum mk_lang)l);
		size_t tn, dn;
		char *nt, *nd;

		mk_detect_render(tail, sizeof(tail), mk_msg_lang("alert.planned_detail", (enum mk_lang)l),
		                 names, values, 3);
		tn = strlen(label) + strlen(*title) + 8;
		dn = strlen(*detail) + strlen(tail) + 2;
		nt = malloc(tn);
		nd = malloc(dn);
		if (nt == NULL || nd == NULL) {
			free(nt);
			free(nd);
			return -1;
		}
		snprintf(nt, tn, l == MK_LANG_JA ? "［%s］%s" : "[%s] %s", label, *title);
		snprintf(nd, dn, "%s%s%s", *detail, l == MK_LANG_JA ? "" : " ", tail);
		free(*title);
		free(*detail);
		*title = nt;
		*detail = nd;
	}
	return 0;
}

static int export_one(const struct mk_detect *d, const struct alert *a, struct mk_alert_rec *rec)
{
	const struct mk_alert_type *t = &d->rules.types[a->type];
	char base[MK_ALERT_SUBJECT_LEN];
	const struct mk_alert_variant *var;
	char client[MK_ADDR_STRLEN] = "-", server[MK_ADDR_STRLEN] = "-", port[8] = "-";
	char count[24], hosts[16], ports[16], window[16], rolekey[64];
	const char *names[14 + MK_DETECT_MAX_TEXTS] = {
		"client", "server", "protocol", "port",        "count",       "detail", "hosts",
		"ports",  "window", "role",     "client_zone", "server_zone", "value",  "limit"};
	const char *values[14 + MK_DETECT_MAX_TEXTS];
	const struct zone_label *zl[2];
	size_t n_names = 14;
	bool internet = a->type == d->t_internet;
	/* new_operation's {detail} is an operation class: op.* of messages.tsv */
	bool opclass = strcmp(t->id, "new_operation") == 0;
	char opkey[64];
	int rc = 0;

	/* a planned alert reads the texts of the same alert outside the window */
	memcpy(base, a->subject, sizeof(base));
	mk_window_subject_strip(base);
	var = mk_detect_variant(&d->rules, a->type, base);
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->id, sizeof(rec->id), "al-%016" PRIx64, a->hash);
	snprintf(rec->type, sizeof(rec->type), "%s", t->id);
	memcpy(rec->subject, a->subject, sizeof(rec->subject));
	rec->severity = a->severity;
	rec->client = a->client;
	rec->server = a->server;
	rec->transport = a->transport;
	rec->port = a->port;
	rec->proto = a->proto;
	rec->first_ns = a->first;
	rec->last_ns = a->last;
	rec->count = a->count;
	rec->status = a->window != 0 ? MK_ALERT_PLANNED : MK_ALERT_OPEN;

	if (a->client.family != MK_AF_NONE)
		mk_addr_str(&a->client, client);
	if (a->server.family != MK_AF_NONE)
		mk_addr_str(&a->server, server);
	if (a->port != 0)
		snprintf(port, sizeof(port), "%u", a->port);
	snprintf(count, sizeof(count), "%" PRIu64, a->count);
	snprintf(hosts, sizeof(hosts), "%u", a->hosts);
	snprintf(ports, sizeof(ports), "%u", a->ports);
	snprintf(window, sizeof(window), "%u", a->window_s);
	snprintf(rolekey, sizeof(rolekey), "role.%s", a->note);
	values[0] = client;
	values[1] = server;
	values[2] = a->proto != MK_PROTO_UNKNOWN ? mk_proto_id_name(a->proto) : "-";
	values[3] = port;
	values[4] = count;
	values[5] = a->note;
	values[6] = hosts;
	values[7] = ports;
	values[8] = window;
	for (int k = 0; k < 2; k++) {
		zl[k] = a->zl[k] < d->n_zl ? &d->zl[a->zl[k]] : NULL;
		values[10 + k] = zl[k] != NULL ? zl[k]->name : "-";
	}
	values[12] = a->value;
	values[13] = a->limit;
	for (uint8_t i = 0; i < a->n_text; i++, n_names++) {
		names[n_names] = a->text[i].key;
		values[n_names] = a->text[i].val;
	}
	for (int l = 0; l < 2; l++) {
		char **title = l == MK_LANG_EN ? &rec->title_en : &rec->title_ja;
		char **detail = l == MK_LANG_EN ? &rec->detail_en : &rec->detail_ja;

		/* The role name in the reader's language (messages.tsv role.*). */
		values[9] = internet ? mk_msg_lang(rolekey, (enum mk_lang)l) : a->note;
		if (opclass) {
			snprintf(opkey, sizeof(opkey), "op.%s", a->note);
			values[5] = mk_msg_lang(opkey, (enum mk_lang)l);
		}
		*title = render_dup(var != NULL ? var->title[l] : t->title[l], names, values, n_names);
		*detail = render_dup(var != NULL ? var->detail[l] : t->detail[l], names, values,
		                     n_names);
		if (*title == NULL || *detail == NULL)
			rc = -1;
	}
	if (rc == 0 && a->window != 0)
		rc = mark_planned(d, a, rec);
	rec->evidence = calloc(MK_ALERT_MAX_EVIDENCE, sizeof(*rec->evidence));
	if (rec->evidence == NULL)
		return -1;
	if (a->note[0] != '\0')
		rc |= add_evidence(rec, internet ? "role" : "detail", a->note);
	if (a->window != 0) {
		const struct mk_window_rec *w = window_get(d, a->window);

		rc |= add_evidence_u64(rec, "maintenance", a->window);
		if (w != NULL && w->vendor[0] != '\0')
			rc |= add_evidence(rec, "maintenance_vendor", w->vendor);
		if (w != NULL && w->note[0] != '\0')
			rc |= add_evidence(rec, "maintenance_note", w->note);
	}
	if (a->value[0] != '\0')
		rc |= add_evidence(rec, "value", a->value);
	if (a->limit[0] != '\0')
		rc |= add_evidence(rec, "limit", a->limit);
	if (a->type == d->t_scan_hosts || a->type == d->t_scan_ports || a->hosts > 0 ||
	    a->window_s > 0) {
		if (a->hosts > 0)
			rc |= add_evidence_u64(rec, "distinct_hosts", a->hosts);
		if (a->ports > 0)
			rc |= add_evidence_u64(rec, "distinct_ports", a->ports);
		rc |= add_evidence_u64(rec, "window_s", a->window_s);
	}
	for (uint8_t i = 0; i < a->n_text; i++)
		rc |= add_evidence(rec, a->text[i].key, a->text[i].val);
	for (int k = 0; k < 2; k++)
		if (zl[k] != NULL) {
			rc |= add_evidence(rec, k == 0 ? "client_zone" : "server_zone", zl[k]->id);
			rc |= add_evidence(rec, k == 0 ? "client_zone_name" : "server_zone_name",
			                   zl[k]->name);
		}
	for (uint8_t i = 0; i < a->n_ev; i++)
		rc |= add_evidence_u64(rec, a->ev[i].key, a->ev[i].n);
	if (a->ev_more > 0)
		rc |= add_evidence_u64(rec, "more", a->ev_more);
	return rc;
}

size_t mk_detect_snapshot(struct mk_detect *d, const struct mk_asset_rec *assets, size_t n_assets,
                          const struct mk_conv_rec *convs, size_t n_convs,
                          struct mk_alert_rec **out)
{
	struct mk_alert_rec *v;

	*out = NULL;
	for (size_t i = 0; i < d->n; i++)
		d->alerts[i].d_count = 0;
	derive_all(d, assets, n_assets, convs, n_convs);
	mk_baseline_snapshot(d->bl, d, assets, n_assets, convs, n_convs);
	mk_netwatch_snapshot(d->nw, assets, n_assets, convs, n_convs);
	derive_apply(d);
	sync_stats(d);
	if (d->n == 0)
		return 0;
	v = calloc(d->n, sizeof(*v));
	if (v == NULL)
		return (size_t)-1;
	for (size_t i = 0; i < d->n; i++)
		if (export_one(d, &d->alerts[i], &v[i]) != 0) {
			for (size_t k = 0; k <= i; k++)
				mk_alert_rec_clear(&v[k]);
			free(v);
			return (size_t)-1;
		}
	*out = v;
	return d->n;
}

/* ------------------------------------------------------------ baseline */

void mk_detect_baseline_load_meta(struct mk_detect *d, const struct mk_baseline_meta *m)
{
	mk_baseline_load_meta(d->bl, m);
}

int mk_detect_baseline_load_item(void *ctx, const struct mk_baseline_item *item)
{
	struct mk_detect *d = ctx;

	mk_baseline_load_item(d->bl, item); /* a refusal is counted, not an error */
	return 0;
}

void mk_detect_baseline_learn(struct mk_detect *d, const char *source, uint32_t hours)
{
	mk_baseline_learn(d->bl, source, hours);
}

bool mk_detect_baseline_seal_due(const struct mk_detect *d, uint64_t now)
{
	return mk_baseline_seal_due(d->bl, now);
}

void mk_detect_baseline_learn_records(struct mk_detect *d, const struct mk_asset_rec *assets,
                                      size_t n_assets, const struct mk_conv_rec *convs,
                                      size_t n_convs)
{
	mk_baseline_learn_records(d->bl, assets, n_assets, convs, n_convs);
}

void mk_detect_baseline_learn_conv(struct mk_detect *d, const struct mk_conv_rec *c)
{
	mk_baseline_learn_conv(d->bl, c);
}

void mk_detect_baseline_seal(struct mk_detect *d, uint64_t now)
{
	mk_baseline_seal(d->bl, now);
}

const struct mk_baseline_meta *mk_detect_baseline_meta(const struct mk_detect *d)
{
	return mk_baseline_meta(d->bl);
}

size_t mk_detect_baseline_count(const struct mk_detect *d)
{
	return mk_baseline_count(d->bl);
}

size_t mk_detect_baseline_export(struct mk_detect *d, struct mk_baseline_meta **meta,
                                 struct mk_baseline_item **items)
{
	return mk_baseline_export(d->bl, meta, items);
}

uint32_t mk_detect_tick_s(const struct mk_detect *d)
{
	return d->rules.tick_s;
}

uint32_t mk_detect_learn_percent(const struct mk_detect *d)
{
	return d->rules.learn_capture_percent;
}

uint32_t mk_detect_learn_live_hours(const struct mk_detect *d)
{
	return d->rules.learn_live_hours;
}

void mk_detect_tick_begin(struct mk_detect *d, uint64_t now)
{
	mk_baseline_tick_begin(d->bl, now);
}

void mk_detect_tick_object(void *ctx, const struct mk_inventory_total *t)
{
	struct mk_detect *d = ctx;

	mk_baseline_tick_object(d->bl, d, t);
}

/* ------------------------------------------- facts, vendors, the table */

void mk_detect_fact(struct mk_detect *d, const struct mk_fact *fact, const struct mk_pkt *pkt)
{
	if (fact->kind == MK_FACT_ATTR)
		mk_netwatch_attr(d->nw, fact, pkt);
}

void mk_detect_set_oui(struct mk_detect *d, const struct mk_oui *oui)
{
	d->oui = oui;
}

const struct mk_oui *mk_detect_oui(const struct mk_detect *d)
{
	return d->oui;
}

struct alert *mk_detect_alert_get(struct mk_detect *d, int type, const struct mk_addr *client,
                                  const struct mk_addr *server, uint8_t transport, uint16_t port,
                                  uint16_t proto, const char *subject)
{
	static const struct mk_addr none;

	return alert_get(d, type, client != NULL ? *client : none,
	                 server != NULL ? *server : none, transport, port, proto, subject);
}

struct alert *mk_detect_alert_get_at(struct mk_detect *d, int type, const struct mk_addr *client,
                                     const struct mk_addr *server, uint8_t transport,
                                     uint16_t port, uint16_t proto, const char *subject,
                                     uint64_t ts)
{
	static const struct mk_addr none;
	const struct mk_addr addrs[2] = {client != NULL ? *client : none,
	                                 server != NULL ? *server : none};
	char subj[MK_ALERT_SUBJECT_LEN];

	subject_for(subj, sizeof(subj), subject != NULL ? subject : "",
	            window_for(d, ts, ts, addrs, 2));
	return alert_get(d, type, addrs[0], addrs[1], transport, port, proto, subj);
}

void mk_detect_alert_seen(struct alert *a, uint64_t ts, uint64_t n)
{
	alert_seen(a, ts, n);
}

void mk_detect_alert_text(struct alert *a, const char *key, const char *value)
{
	uint8_t i;

	for (i = 0; i < a->n_text; i++)
		if (strcmp(a->text[i].key, key) == 0)
			break;
	if (i == a->n_text) {
		if (a->n_text == MK_DETECT_MAX_TEXTS)
			return;
		snprintf(a->text[i].key, sizeof(a->text[i].key), "%s", key);
		a->n_text++;
	}
	snprintf(a->text[i].val, sizeof(a->text[i].val), "%s", value);
}

void mk_detect_alert_hosts(struct alert *a, uint32_t hosts, uint32_t window_s)
{
	if (hosts > a->hosts)
		a->hosts = hosts;
	a->window_s = window_s;
}

void mk_detect_alert_raise(struct alert *a, uint8_t sev)
{
	if (sev < MK_SEV_COUNT && sev > a->severity)
		a->severity = sev;
}
