/* engine.c - the packet path: decode -> flow -> stream -> proto -> facts.
 *
 * Per packet the engine decodes, tells the inventory who sent it, finds the
 * flow, and offers the payload to the application layer: L2 frames to the
 * plug-in matching their EtherType/SNAP/LLC, UDP datagrams and reassembled TCP
 * bytes to the plug-in that identified the flow.  Identification tries the
 * plug-ins hinted by the server port first, then all in registry order, on at
 * most max_probe_packets payloads; afterwards a flow that nobody claimed costs
 * only its counters.  Parsers speak in facts; the fact sink resolves relative
 * hosts to addresses and routes each fact to the inventory or to the flow.
 */
#include "mieruka/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/conv.h"
#include "mieruka/oui.h"
#include "mieruka/fingerprint.h"
#include "mieruka/ports.h"
#include "mieruka/proto.h"
#include "mieruka/util.h"
#include "core/sni_apps_int.h"
#include "core/traffic_int.h"

/* flow->app_state */
enum app_state {
	APP_PROBING = 0, /* not identified yet */
	APP_PARSING,     /* a parser owns the flow */
	APP_DONE,        /* identified (or given up): counters only */
};

#define EXPIRE_EVERY_PACKETS 4096
#define EXPIRE_SLOTS 512
#define MAX_ANOMALY_NAMES 512
#define MAX_PARSE_ROUNDS 4096 /* parse() calls per delivery: bounds a stuck parser */

struct anomaly_count {
	const char *name; /* static string of a plug-in's event table */
	uint64_t count, reported;
};

struct mk_engine {
	struct mk_engine_config cfg;
	struct mk_decoder *dec;
	struct mk_flow_table *flows;
	struct mk_inventory *inv;
	struct mk_conv_table *convs;
	struct mk_detect *det;
	uint32_t detail_ops;         /* operation classes whose detail text detection reads */
	uint32_t detail_ops_proto[MK_PROTO_COUNT]; /* the same per protocol (change ledger) */
	struct mk_ports *ports;
	struct mk_oui *oui;
	bool oui_reported;           /* its load's warning was printed (first snapshot) */
	struct mk_fingerprints *fp;
	struct mk_sni_apps *sni; /* data/tls_sni.tsv: applications named by their TLS server name */
	uint64_t packets, now_ns;
	uint64_t next_tick_ns, tick_ns; /* the detector's coarse tick (packet time) */
	uint64_t ts_backwards;      /* packets older than the newest seen */
	uint64_t parser_nomem, parser_invalid, no_slot_for_state;
	struct mk_stream_stats stream_totals;
	struct anomaly_count anomalies[MAX_ANOMALY_NAMES];
	size_t n_anomalies;
	uint64_t anomalies_unnamed; /* beyond MAX_ANOMALY_NAMES distinct names */
	/* what the previous snapshot reported, so counters go out as deltas */
	struct mk_counter_rec *last_counters;
	size_t n_last_counters;
	struct mk_traffic traffic; /* packets and bytes per hour (traffic.c) */
};

void mk_engine_config_default(struct mk_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	mk_decode_limits_default(&cfg->decode);
	mk_flow_limits_default(&cfg->flow);
	mk_stream_limits_default(&cfg->stream);
	mk_inventory_limits_default(&cfg->inventory);
	mk_detect_limits_default(&cfg->detect);
	cfg->max_conversations = 50000;
	cfg->max_probe_packets = 4;
}

/* ------------------------------------------------------------------ facts */

struct deliver_ctx {
	struct mk_engine *eng;
	struct mk_flow *flow;
	const struct mk_pkt *pkt;
	int dir;
};

static void count_anomaly(struct mk_engine *eng, const char *name)
{
	for (size_t i = 0; i < eng->n_anomalies; i++)
		if (eng->anomalies[i].name == name || strcmp(eng->anomalies[i].name, name) == 0) {
			eng->anomalies[i].count++;
			return;
		}
	if (eng->n_anomalies == MAX_ANOMALY_NAMES) {
		eng->anomalies_unnamed++;
		return;
	}
	eng->anomalies[eng->n_anomalies].name = name;
	eng->anomalies[eng->n_anomalies].count = 1;
	eng->n_anomalies++;
}

static void sender_of(const struct mk_pkt *pkt, struct mk_host *h)
{
	if (pkt->has_mac || (pkt->layers & MK_L_SLL))
		mk_addr_set_mac(&h->mac, pkt->src_mac);
	h->ip = pkt->src_ip;
}

static void receiver_of(const struct mk_pkt *pkt, struct mk_host *h)
{
	if (pkt->has_mac)
		mk_addr_set_mac(&h->mac, pkt->dst_mac);
	h->ip = pkt->dst_ip;
}

/* Resolves a relative host to addresses.  CLIENT/SERVER of a flowless frame
 * fall back to the sender/receiver. */
static bool resolve_host(struct mk_host *h, const struct mk_flow *flow, const struct mk_pkt *pkt)
{
	enum mk_host_kind kind = h->kind;

	if (kind == MK_HOST_EXPLICIT)
		return true;
	memset(h, 0, sizeof(*h));
	h->kind = MK_HOST_EXPLICIT;
	if ((kind == MK_HOST_CLIENT || kind == MK_HOST_SERVER) && flow != NULL) {
		const struct mk_endpoint *ep = kind == MK_HOST_CLIENT ? &flow->cli : &flow->srv;

		h->mac = ep->mac;
		h->ip = ep->ip;
		return true;
	}
	if (pkt == NULL)
		return false;
	if (kind == MK_HOST_RECEIVER || kind == MK_HOST_SERVER)
		receiver_of(pkt, h);
	else
		sender_of(pkt, h);
	return true;
}

/* One request of class op on the flow: counted, and shown to the detector
 * when it watches the class.  The only place operations are accounted. */
static void count_operation(struct mk_engine *eng, struct mk_flow *flow, const struct mk_pkt *pkt,
                            int dir, uint16_t proto, uint8_t op, const char *detail, size_t len)
{
	if (flow == NULL || op >= MK_OP_COUNT)
		return;
	flow->ops[op]++;
	if (proto < MK_PROTO_COUNT && (eng->detail_ops_proto[proto] >> op & 1u))
		mk_detect_operation(eng->det, flow, dir, proto, op, detail, len,
		                    pkt != NULL ? pkt->ts_ns : eng->now_ns);
}

/* The parsers' fast path for operations (mk_emit_operation): no struct
 * mk_fact is built, and the detail's length is taken only when it is read. */
static void op_sink(void *ctx, struct mk_flow *flow, const struct mk_pkt *pkt, int dir, uint16_t proto,
                    uint8_t op, const char *detail)
{
	struct mk_engine *eng = ctx;
	bool read = op < MK_OP_COUNT && proto < MK_PROTO_COUNT &&
	            (eng->detail_ops_proto[proto] >> op & 1u) && detail != NULL;

	count_operation(eng, flow, pkt, dir, proto, op, detail, read ? strlen(detail) : 0);
}

static void fact_sink(void *ctx, const struct mk_fact *fact, struct mk_flow *flow,
                      const struct mk_pkt *pkt, int dir)
{
	struct mk_engine *eng = ctx;
	struct mk_fact f = *fact;

	switch (f.kind) {
	case MK_FACT_OPERATION:
		count_operation(eng, flow, pkt, dir, f.proto, f.op, f.value, f.value_len);
		return;
	case MK_FACT_ANOMALY:
		if (flow != NULL)
			flow->anomalies++;
		count_anomaly(eng, f.value != NULL ? f.value : "unnamed_anomaly");
		mk_detect_anomaly(eng->det, flow, pkt, dir, f.proto, f.value,
		                  pkt != NULL ? pkt->ts_ns : eng->now_ns);
		return;
	case MK_FACT_RESULT:
		mk_detect_result(eng->det, flow, f.proto, f.op, f.value, f.value_len,
		                 f.confidence >= 50, pkt != NULL ? pkt->ts_ns : eng->now_ns);
		return;
	default:
		break;
	}
	if (!resolve_host(&f.host, flow, pkt))
		return;
	if (f.kind == MK_FACT_ATTR) {
		/* AnyDesk and the like on 443: the server name tells the application. */
		if (f.proto == MK_PROTO_TLS && flow != NULL && f.key != NULL &&
		    strcmp(f.key, "tls_sni") == 0 && f.value != NULL) {
			int app = mk_sni_apps_match(eng->sni, f.value, f.value_len);

			if (app >= 0)
				flow->app_proto = (uint16_t)app;
		}
		mk_detect_fact(eng->det, &f, pkt);
	}
	mk_inventory_fact(eng->inv, &f, pkt != NULL ? pkt->ts_ns : eng->now_ns);
}


static void emit_init(struct mk_emit *out, struct mk_engine *eng, struct mk_flow *flow,
                      const struct mk_pkt *pkt, int dir, uint16_t proto)
{
	out->sink = fact_sink;
	out->ctx = eng;
	out->flow = flow;
	out->pkt = pkt;
	out->dir = dir;
	out->proto = proto;
	out->op = op_sink;
	out->detail_ops = proto < MK_PROTO_COUNT ? eng->detail_ops_proto[proto] : eng->detail_ops;
}

/* ------------------------------------------------------------ application */

static void release_app(struct mk_flow *flow)
{
	const struct mk_proto *p = flow->parser;

	if (flow->parser_state != NULL) {
		if (p != NULL && p->reset != NULL)
			p->reset(flow->parser_state);
		free(flow->parser_state);
		flow->parser_state = NULL;
	}
}

static void release_streams(struct mk_engine *eng, struct mk_flow *flow)
{
	for (int d = 0; d < 2; d++) {
		if (flow->stream[d] == NULL)
			continue;
		const struct mk_stream_stats *s = mk_stream_stats(flow->stream[d]);

		eng->stream_totals.delivered += s->delivered;
		eng->stream_totals.gaps += s->gaps;
		eng->stream_totals.gap_bytes += s->gap_bytes;
		eng->stream_totals.overlaps += s->overlaps;
		eng->stream_totals.ooo_dropped += s->ooo_dropped;
		eng->stream_totals.pending_overflow += s->pending_overflow;
		mk_stream_free(flow->stream[d]);
		flow->stream[d] = NULL;
	}
}

/* Stops parsing a flow, keeping its protocol label. */
static void app_done(struct mk_engine *eng, struct mk_flow *flow)
{
	release_app(flow);
	flow->app_state = APP_DONE;
	(void)eng;
}

static bool attach_parser(struct mk_engine *eng, struct mk_flow *flow, const struct mk_proto *p)
{
	flow->parser = p;
	flow->app_proto = p->id;
	flow->app_state = APP_PARSING;
	/* Streams opened while probing used the engine-wide cap; from now on
	 * the parser's own limit on buffered bytes applies. */
	for (int d = 0; d < 2; d++)
		if (flow->stream[d] != NULL && p->max_buffer > 0 &&
		    p->max_buffer < eng->cfg.stream.pending_cap)
			mk_stream_set_pending_cap(flow->stream[d], p->max_buffer);
	if (p->state_size > 0) {
		flow->parser_state = calloc(1, p->state_size);
		if (flow->parser_state == NULL) {
			/* Identified, but no memory to follow it: keep the label only. */
			eng->no_slot_for_state++;
			flow->app_state = APP_DONE;
			return false;
		}
	}
	return true;
}

static bool hinted(const uint16_t *ids, unsigned n, uint16_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Tries to identify the flow from one payload.  Port-hinted plug-ins first,
 * then every plug-in of the transport in registry order.  A SURE answer wins
 * at once; a MAYBE from a hinted plug-in wins when nothing is sure. */
static void identify(struct mk_engine *eng, struct mk_flow *flow, const uint8_t *data, size_t len,
                     int dir)
{
	uint8_t want = flow->transport == MK_FT_TCP ? MK_TRANSPORT_TCP : MK_TRANSPORT_UDP;
	uint16_t ids[MK_PORTS_MAX_PER_PORT * 2];
	unsigned n = mk_ports_lookup(eng->ports, flow->transport, flow->srv.port, ids);
	const struct mk_proto *maybe = NULL;

	if (flow->cli.port != flow->srv.port)
		n += mk_ports_lookup(eng->ports, flow->transport, flow->cli.port, ids + n);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < mk_proto_registry_count; i++) {
			const struct mk_proto *p = mk_proto_registry[i];
			bool is_hinted = hinted(ids, n, p->id);
			struct mk_rd rd;
			int conf;

			if (!(p->transports & want) || is_hinted != (pass == 0))
				continue;
			mk_rd_init(&rd, data, len);
			conf = p->probe(&rd, (enum mk_dir)dir);
			if (conf >= MK_PROBE_SURE) {
				attach_parser(eng, flow, p);
				return;
			}
			if (conf >= MK_PROBE_MAYBE && is_hinted && maybe == NULL)
				maybe = p;
		}
	}
	if (maybe != NULL) {
		attach_parser(eng, flow, maybe);
		return;
	}
	if (++flow->probe_tries >= eng->cfg.max_probe_packets)
		flow->app_state = APP_DONE;
}

/* Runs the parser over bytes until they are used up or it needs more.
 * Returns the bytes consumed, or (size_t)-1 when the flow stops being parsed. */
static size_t run_parser(struct deliver_ctx *dc, const uint8_t *data, size_t len)
{
	struct mk_flow *flow = dc->flow;
	const struct mk_proto *p = flow->parser;
	struct mk_emit out;
	size_t off = 0;

	emit_init(&out, dc->eng, flow, dc->pkt, dc->dir, p->id);
	for (unsigned round = 0; off < len && round < MAX_PARSE_ROUNDS; round++) {
		struct mk_rd rd;
		size_t consumed = 0;
		enum mk_verdict v;

		mk_rd_init(&rd, data + off, len - off);
		v = p->parse(flow->parser_state, &rd, (enum mk_dir)dc->dir, &consumed, &out);
		if (consumed > len - off)
			consumed = len - off; /* a parser bug must not walk us off the buffer */
		switch (v) {
		case MK_V_OK:
			if (consumed == 0)
				return off; /* no progress: wait for more bytes */
			off += consumed;
			break;
		case MK_V_NEED:
			return off + consumed;
		case MK_V_NOMEM:
			dc->eng->parser_nomem++;
			app_done(dc->eng, flow);
			return (size_t)-1;
		case MK_V_INVALID:
		default:
			dc->eng->parser_invalid++;
			app_done(dc->eng, flow);
			return (size_t)-1;
		}
	}
	return off;
}

/* Stream sink: ordered bytes of one direction of a TCP flow. */
static size_t tcp_deliver(void *ctx, const uint8_t *data, size_t len, bool gap_before)
{
	struct deliver_ctx *dc = ctx;
	struct mk_flow *flow = dc->flow;

	if (flow->app_state == APP_PROBING) {
		identify(dc->eng, flow, data, len, dc->dir);
		if (flow->app_state == APP_PROBING)
			return len; /* not known yet: these bytes are only counted */
	}
	if (flow->app_state != APP_PARSING)
		return (size_t)-1;
	if (gap_before) {
		const struct mk_proto *p = flow->parser;

		if (p->gap != NULL && p->gap(flow->parser_state, (enum mk_dir)dc->dir) != MK_V_OK) {
			app_done(dc->eng, flow);
			return (size_t)-1;
		}
	}
	return run_parser(dc, data, len);
}

static void tcp_packet(struct mk_engine *eng, struct mk_flow *flow, const struct mk_pkt *pkt, int dir)
{
	struct deliver_ctx dc = {eng, flow, pkt, dir};
	bool syn = (pkt->tcp_flags & MK_TCP_SYN) != 0, fin = (pkt->tcp_flags & MK_TCP_FIN) != 0;
	struct mk_stream *st = flow->stream[dir];

	if (flow->app_state == APP_DONE)
		return;
	if (st == NULL) {
		if (pkt->payload_len == 0 && !syn)
			return; /* nothing to follow yet; the first data segment sets the base */
		size_t cap = eng->cfg.stream.pending_cap;
		const struct mk_proto *p = flow->parser;

		if (p != NULL && p->max_buffer < cap)
			cap = p->max_buffer;
		st = flow->stream[dir] = mk_stream_new(&eng->cfg.stream, cap);
		if (st == NULL) {
			eng->no_slot_for_state++;
			flow->app_state = APP_DONE;
			return;
		}
	}
	mk_stream_segment(st, pkt->tcp_seq, pkt->payload, pkt->payload_len, syn, fin, tcp_deliver, &dc);
	if ((pkt->tcp_flags & MK_TCP_ACK) && flow->stream[!dir] != NULL && flow->app_state != APP_DONE) {
		dc.dir = !dir;
		mk_stream_ack(flow->stream[!dir], pkt->tcp_ack, tcp_deliver, &dc);
	}
	if (flow->app_state == APP_DONE)
		release_streams(eng, flow);
}

static void udp_packet(struct mk_engine *eng, struct mk_flow *flow, const struct mk_pkt *pkt, int dir)
{
	struct deliver_ctx dc = {eng, flow, pkt, dir};
	struct mk_emit out;
	struct mk_rd rd;
	size_t consumed = 0;
	const struct mk_proto *p;
	enum mk_verdict v;

	if (pkt->payload_len == 0 || flow->app_state == APP_DONE)
		return;
	if (flow->app_state == APP_PROBING) {
		identify(eng, flow, pkt->payload, pkt->payload_len, dir);
		if (flow->app_state != APP_PARSING)
			return;
	}
	p = flow->parser;
	emit_init(&out, eng, flow, pkt, dir, p->id);
	mk_rd_init(&rd, pkt->payload, pkt->payload_len);
	v = p->parse(flow->parser_state, &rd, (enum mk_dir)dir, &consumed, &out);
	if (v == MK_V_INVALID || v == MK_V_NOMEM) {
		if (v == MK_V_NOMEM)
			eng->parser_nomem++;
		else
			eng->parser_invalid++;
		app_done(eng, flow);
	}
	(void)dc;
}

static bool l2_matches(const struct mk_l2_match *m, const struct mk_pkt *pkt)
{
	for (unsigned i = 0; i < 16 && (m[i].ethertype || m[i].snap_oui || m[i].snap_pid || m[i].dsap); i++) {
		if (m[i].ethertype != 0) {
			if (m[i].ethertype == pkt->ethertype && !(pkt->layers & MK_L_LLC))
				return true;
		} else if (m[i].snap_oui != 0 || m[i].snap_pid != 0) {
			if ((pkt->layers & MK_L_LLC) && m[i].snap_oui == pkt->snap_oui &&
			    m[i].snap_pid == pkt->snap_pid)
				return true;
		} else if ((pkt->layers & MK_L_LLC) && m[i].dsap == pkt->llc_dsap) {
			return true;
		}
	}
	return false;
}

static void l2_packet(struct mk_engine *eng, struct mk_flow *flow, const struct mk_pkt *pkt, int dir)
{
	const struct mk_proto *p = flow != NULL ? flow->parser : NULL;
	struct mk_emit out;
	struct mk_rd rd;
	size_t consumed = 0;
	enum mk_verdict v;

	if (flow != NULL && flow->app_state == APP_DONE)
		return;
	if (p == NULL) {
		bool claimed = false;

		/* An L2 plug-in with a probe shares its EtherType with traffic it
		 * does not parse (PROFINET DCP and cyclic real-time frames are both
		 * 0x8892, often between the same two MACs): the probe decides per
		 * frame, and a flow whose frames were all declined stays open. */
		for (size_t i = 0; i < mk_proto_registry_count && p == NULL; i++) {
			const struct mk_proto *c = mk_proto_registry[i];

			if (!(c->transports & MK_TRANSPORT_L2) || !l2_matches(c->l2, pkt))
				continue;
			claimed = true;
			mk_rd_init(&rd, pkt->payload, pkt->payload_len);
			if (c->probe == NULL || c->probe(&rd, (enum mk_dir)dir) != MK_PROBE_NO)
				p = c;
		}
		if (p == NULL) {
			if (flow != NULL && !claimed)
				flow->app_state = APP_DONE;
			return;
		}
		if (flow != NULL && !attach_parser(eng, flow, p))
			return;
	}
	emit_init(&out, eng, flow, pkt, dir, p->id);
	mk_rd_init(&rd, pkt->payload, pkt->payload_len);
	v = p->parse(flow != NULL ? flow->parser_state : NULL, &rd, (enum mk_dir)dir, &consumed, &out);
	if ((v == MK_V_INVALID || v == MK_V_NOMEM) && flow != NULL) {
		eng->parser_invalid++;
		app_done(eng, flow);
	}
}

/* ------------------------------------------------------------------ flows */

static void flow_ended(void *ctx, struct mk_flow *flow, enum mk_flow_end why)
{
	struct mk_engine *eng = ctx;

	(void)why;
	release_streams(eng, flow);
	release_app(flow);
	mk_inventory_flow(eng->inv, flow);
	mk_conv_add_flow(eng->convs, flow);
	mk_detect_flow_ended(eng->det, flow);
}

/* ----------------------------------------------------------------- public */

struct mk_engine *mk_engine_new(const struct mk_engine_config *cfg, char *err, size_t errlen)
{
	struct mk_engine *eng = calloc(1, sizeof(*eng));
	char path[1024], msg[512] = "";

	if (eng == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	eng->cfg = *cfg;
	if (mk_proto_registry_init() != 0) {
		snprintf(err, errlen, "a protocol plug-in failed validation (see above)");
		goto fail;
	}
	if (!mk_data_path("ports.tsv", path, sizeof(path))) {
		snprintf(err, errlen, "data file ports.tsv not found (set MIERUKA_DATA to the data folder)");
		goto fail;
	}
	eng->ports = mk_ports_load(path, msg, sizeof(msg));
	if (eng->ports == NULL) {
		snprintf(err, errlen, "%s", msg);
		goto fail;
	}
	/* The IEEE registry loads on a thread of its own while packets are
	 * read; vendor names are first needed at a snapshot (or by a rare
	 * alert), which waits for it. */
	eng->oui = mk_oui_load_background(NULL);
	if (mk_data_path("tls_sni.tsv", path, sizeof(path))) {
		int bad = 0;

		msg[0] = '\0';
		eng->sni = mk_sni_apps_load(path, &bad, msg, sizeof(msg));
		if (eng->sni == NULL)
			mk_warn("%s", msg);
		else if (bad > 0)
			mk_warn("%s: %d malformed lines skipped", path, bad);
	}
	msg[0] = '\0';
	eng->fp = mk_fingerprints_load(NULL, msg, sizeof(msg));
	if (msg[0] != '\0')
		mk_warn("%s", msg);
	msg[0] = '\0';
	eng->det = mk_detect_new(&cfg->detect, NULL, NULL, NULL, msg, sizeof(msg));
	eng->detail_ops = mk_detect_watched_ops(eng->det);
	for (unsigned p = 0; p < MK_PROTO_COUNT; p++)
		eng->detail_ops_proto[p] = mk_detect_watched_ops_proto(eng->det, (uint16_t)p);
	if (eng->det == NULL) {
		snprintf(err, errlen, "%s", msg[0] ? msg : "cannot load the detection rules");
		goto fail;
	}
	if (msg[0] != '\0')
		mk_warn("%s", msg);
	eng->tick_ns = (uint64_t)mk_detect_tick_s(eng->det) * 1000000000ull;
	mk_detect_set_oui(eng->det, eng->oui);
	eng->dec = mk_decoder_new(&cfg->decode);
	eng->inv = mk_inventory_new(&cfg->inventory, eng->oui, eng->fp);
	eng->convs = mk_conv_new(cfg->max_conversations);
	eng->flows = mk_flow_table_new(&cfg->flow, eng->ports, flow_ended, eng);
	if (eng->fp == NULL || eng->dec == NULL || eng->inv == NULL || eng->convs == NULL || eng->flows == NULL) {
		snprintf(err, errlen, "out of memory while setting up the tables");
		goto fail;
	}
	return eng;
fail:
	mk_engine_free(eng);
	return NULL;
}

void mk_engine_free(struct mk_engine *eng)
{
	if (eng == NULL)
		return;
	/* Flows end into the inventory and conversations: free them first. */
	mk_flow_table_free(eng->flows);
	mk_conv_free(eng->convs);
	mk_detect_free(eng->det);
	mk_inventory_free(eng->inv);
	mk_decoder_free(eng->dec);
	mk_fingerprints_free(eng->fp);
	mk_sni_apps_free(eng->sni);
	mk_oui_free(eng->oui);
	mk_ports_free(eng->ports);
	for (size_t i = 0; i < eng->n_last_counters; i++)
		free(eng->last_counters[i].name);
	free(eng->last_counters);
	mk_traffic_free(&eng->traffic);
	free(eng);
}

int mk_engine_load_asset(void *ctx, const struct mk_asset_rec *rec)
{
	mk_inventory_load(((struct mk_engine *)ctx)->inv, rec);
	return 0;
}

int mk_engine_load_conv(void *ctx, const struct mk_conv_rec *rec)
{
	mk_conv_load(((struct mk_engine *)ctx)->convs, rec);
	return 0;
}

int mk_engine_load_alert(void *ctx, const struct mk_alert_rec *rec)
{
	mk_detect_load(((struct mk_engine *)ctx)->det, rec);
	return 0;
}

int mk_engine_load_change(void *ctx, const struct mk_change_rec *rec)
{
	mk_detect_load_change(((struct mk_engine *)ctx)->det, rec);
	return 0;
}

int mk_engine_add_window(void *ctx, const struct mk_window_rec *rec)
{
	mk_detect_add_window(((struct mk_engine *)ctx)->det, rec);
	return 0;
}

struct mk_detect *mk_engine_detector(struct mk_engine *eng)
{
	return eng->det;
}

/* ------------------------------------------------------------- baseline */

/* The coarse tick: the detector sees every asset's running totals (volume
 * per hour, silence).  O(assets), every tick_ns of packet time. */
static void engine_tick(struct mk_engine *eng)
{
	mk_detect_tick_begin(eng->det, eng->now_ns);
	mk_inventory_each_total(eng->inv, mk_detect_tick_object, eng->det);
	eng->next_tick_ns = eng->now_ns + eng->tick_ns;
}

/* An open flow at sealing, as the conversation it will become. */
static void seal_flow(void *ctx, const struct mk_flow *f)
{
	struct mk_conv_rec c;

	memset(&c, 0, sizeof(c));
	if (f->transport == MK_FT_TCP || f->transport == MK_FT_UDP) {
		c.client = f->cli.ip;
		c.server = f->srv.ip;
		c.transport = f->transport;
		c.port = f->srv.port;
	} else if (f->transport == MK_FT_L2) {
		c.client = f->cli.mac;
		c.server = f->srv.mac;
	} else {
		return;
	}
	c.proto = f->app_proto;
	c.first_ns = f->first_ns;
	c.last_ns = f->last_ns;
	c.packets = f->pkts[0] + f->pkts[1];
	c.bytes = f->bytes[0] + f->bytes[1];
	c.flows = 1;
	memcpy(c.ops, f->ops, sizeof(c.ops));
	mk_detect_baseline_learn_conv(ctx, &c);
}

void mk_engine_baseline_seal(struct mk_engine *eng)
{
	struct mk_asset_rec *assets = NULL;
	struct mk_conv_rec *convs = NULL;
	size_t na, nc;

	if (mk_detect_baseline_meta(eng->det)->state != MK_BASELINE_LEARNING)
		return;
	if (eng->packets > 0)
		engine_tick(eng); /* the figures of the last minutes count too */
	na = mk_inventory_snapshot(eng->inv, &assets);
	nc = mk_conv_snapshot(eng->convs, &convs);
	mk_detect_baseline_learn_records(eng->det, assets, na == (size_t)-1 ? 0 : na, convs,
	                                 nc == (size_t)-1 ? 0 : nc);
	mk_flow_each(eng->flows, seal_flow, eng->det);
	mk_detect_baseline_seal(eng->det, eng->now_ns);
	for (size_t i = 0; na != (size_t)-1 && i < na; i++)
		mk_asset_rec_clear(&assets[i]);
	free(assets);
	free(convs);
}

void mk_engine_set_zones(struct mk_engine *eng, struct mk_zones *z)
{
	mk_detect_set_zones(eng->det, z);
}

void mk_engine_packet(struct mk_engine *eng, struct mk_pkt *pkt)
{
	enum mk_decode_result res;
	struct mk_flow *flow;
	int dir = 0;

	eng->packets++;
	mk_traffic_packet(&eng->traffic, pkt->ts_ns, pkt->wirelen);
	/* Several files form one timeline, but their clocks may disagree: time
	 * used for expiry never goes backwards. */
	if (pkt->ts_ns >= eng->now_ns)
		eng->now_ns = pkt->ts_ns;
	else
		eng->ts_backwards++;
	if (eng->now_ns >= eng->next_tick_ns) {
		engine_tick(eng);
		if (mk_detect_baseline_seal_due(eng->det, eng->now_ns))
			mk_engine_baseline_seal(eng);
	}

	res = mk_decode(eng->dec, pkt);
	if (res != MK_DECODE_OK) {
		mk_inventory_packet(eng->inv, pkt);
		goto out;
	}
	flow = mk_flow_lookup(eng->flows, pkt, &dir);
	if (flow != NULL) {
		/* The flow remembers its endpoints' asset objects. */
		int src = dir == MK_DIR_TO_SERVER ? 0 : 1;

		mk_inventory_packet_refs(eng->inv, pkt, &flow->inv_refs[src], &flow->inv_refs[!src]);
	} else {
		mk_inventory_packet(eng->inv, pkt);
	}
	if (pkt->layers & MK_L_ARP)
		mk_detect_arp(eng->det, pkt);
	else if (pkt->layers & MK_L_NDP)
		mk_detect_ndp(eng->det, pkt);
	if (pkt->layers & MK_L_L2APP)
		l2_packet(eng, flow, pkt, dir);
	else if (flow != NULL && (pkt->layers & MK_L_TCP))
		tcp_packet(eng, flow, pkt, dir);
	else if (flow != NULL && (pkt->layers & MK_L_UDP))
		udp_packet(eng, flow, pkt, dir);
out:
	if (eng->packets % EXPIRE_EVERY_PACKETS == 0)
		mk_flow_expire(eng->flows, eng->now_ns, EXPIRE_SLOTS);
}

void mk_engine_finish(struct mk_engine *eng)
{
	mk_flow_flush(eng->flows);
}

uint64_t mk_engine_packets(const struct mk_engine *eng)
{
	return eng->packets;
}

/* ------------------------------------------------------------- counters */

struct counter_list {
	struct mk_counter_rec *v;
	size_t n, cap;
	bool failed;
};

static void counter_add(struct counter_list *cl, const char *name, uint64_t value)
{
	if (cl->failed)
		return;
	if (cl->n == cl->cap) {
		size_t ncap = cl->cap ? cl->cap * 2 : 64;
		struct mk_counter_rec *nv = realloc(cl->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			cl->failed = true;
			return;
		}
		cl->v = nv;
		cl->cap = ncap;
	}
	cl->v[cl->n].name = strdup(name);
	cl->v[cl->n].value = value;
	if (cl->v[cl->n].name == NULL)
		cl->failed = true;
	else
		cl->n++;
}

/* Every counter the run knows, as running totals. */
static void collect_counters(struct mk_engine *eng, struct counter_list *cl)
{
	const struct mk_decode_stats *ds = mk_decoder_stats(eng->dec);
	const struct mk_flow_stats *fs = mk_flow_stats(eng->flows);
	const struct mk_inventory_stats *is = mk_inventory_stats(eng->inv);
	char name[160];

	counter_add(cl, "packets", eng->packets);
	counter_add(cl, "packets.time_went_backwards", eng->ts_backwards);
	for (unsigned i = 0; i < MK_DEV_COUNT; i++)
		if (ds->events[i] != 0) {
			snprintf(name, sizeof(name), "decode.%s", mk_decode_event_name(i));
			counter_add(cl, name, ds->events[i]);
		}
	counter_add(cl, "decode.fragments_reassembled", ds->frag_reassembled);
	counter_add(cl, "decode.fragments_dropped", ds->frag_dropped);
	counter_add(cl, "flows.created", fs->created);
	counter_add(cl, "flows.timed_out", fs->timed_out);
	counter_add(cl, "flows.evicted", fs->evicted);
	counter_add(cl, "flows.dropped", fs->dropped);
	counter_add(cl, "streams.gaps", eng->stream_totals.gaps);
	counter_add(cl, "streams.gap_bytes", eng->stream_totals.gap_bytes);
	counter_add(cl, "streams.out_of_order_dropped", eng->stream_totals.ooo_dropped);
	counter_add(cl, "streams.pending_overflow", eng->stream_totals.pending_overflow);
	counter_add(cl, "parsers.gave_up", eng->parser_invalid);
	counter_add(cl, "parsers.out_of_memory", eng->parser_nomem + eng->no_slot_for_state);
	counter_add(cl, "assets.dropped", is->dropped_assets);
	counter_add(cl, "assets.ips_dropped", is->dropped_ips);
	counter_add(cl, "assets.names_dropped", is->dropped_names);
	counter_add(cl, "assets.vlans_dropped", is->dropped_vlans);
	counter_add(cl, "conversations.dropped", mk_conv_dropped(eng->convs));
	counter_add(cl, "alerts.dropped", mk_detect_stats(eng->det)->alerts_dropped);
	counter_add(cl, "detect.scan_sources_evicted", mk_detect_stats(eng->det)->scan_sources_evicted);
	counter_add(cl, "changes.dropped", mk_detect_changes_dropped(eng->det));
	counter_add(cl, "maintenance.windows_dropped", mk_detect_stats(eng->det)->windows_dropped);
	counter_add(cl, "baseline.dropped", mk_detect_stats(eng->det)->baseline_dropped);
	counter_add(cl, "baseline.alerts_dropped", mk_detect_stats(eng->det)->baseline_alerts_dropped);
	counter_add(cl, "baseline.tracked_dropped",
	            mk_detect_stats(eng->det)->baseline_tracked_dropped);
	counter_add(cl, "detect.ipmac_evicted", mk_detect_stats(eng->det)->ipmac_evicted);
	counter_add(cl, "detect.dhcp_servers_dropped", mk_detect_stats(eng->det)->dhcp_servers_dropped);
	counter_add(cl, "detect.lateral_sources_evicted",
	            mk_detect_stats(eng->det)->lateral_sources_evicted);
	for (size_t i = 0; i < eng->n_anomalies; i++) {
		snprintf(name, sizeof(name), "anomaly.%s", eng->anomalies[i].name);
		counter_add(cl, name, eng->anomalies[i].count);
	}
	counter_add(cl, "anomaly.unnamed_overflow", eng->anomalies_unnamed);
	counter_add(cl, "traffic.packets_dropped", eng->traffic.dropped_packets);
}

/* Turns running totals into deltas against the previous snapshot and keeps the
 * totals for next time (a counter first seen now is its own delta). */
static int counters_to_deltas(struct mk_engine *eng, struct counter_list *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		uint64_t total = cl->v[i].value;
		size_t k;

		for (k = 0; k < eng->n_last_counters; k++)
			if (strcmp(cl->v[i].name, eng->last_counters[k].name) == 0)
				break;
		if (k == eng->n_last_counters) {
			struct mk_counter_rec *nv = realloc(eng->last_counters, (k + 1) * sizeof(*nv));

			if (nv == NULL)
				return -1;
			eng->last_counters = nv;
			nv[k].name = strdup(cl->v[i].name);
			nv[k].value = 0;
			if (nv[k].name == NULL)
				return -1;
			eng->n_last_counters++;
		}
		cl->v[i].value = total - eng->last_counters[k].value;
		eng->last_counters[k].value = total;
	}
	return 0;
}

int mk_engine_snapshot(struct mk_engine *eng, struct mk_store_batch *b)
{
	struct counter_list cl = {0};
	size_t n;

	memset(b, 0, sizeof(*b));
	if (!eng->oui_reported) {
		const char *m = mk_oui_wait(eng->oui);

		if (m[0] != '\0')
			mk_warn("%s", m);
		eng->oui_reported = true;
	}
	if (eng->packets > 0)
		engine_tick(eng); /* judge the hour so far */
	n = mk_inventory_snapshot(eng->inv, &b->assets);
	if (n == (size_t)-1)
		goto fail;
	b->n_assets = n;
	n = mk_conv_snapshot(eng->convs, &b->convs);
	if (n == (size_t)-1)
		goto fail;
	b->n_convs = n;
	n = mk_detect_snapshot(eng->det, b->assets, b->n_assets, b->convs, b->n_convs, &b->alerts);
	if (n == (size_t)-1)
		goto fail;
	b->n_alerts = n;
	n = mk_detect_changes(eng->det, &b->changes);
	if (n == (size_t)-1)
		goto fail;
	b->n_changes = n;
	n = mk_detect_baseline_export(eng->det, &b->baseline_meta, &b->baseline_items);
	if (n == (size_t)-1)
		goto fail;
	b->n_baseline_items = n;
	collect_counters(eng, &cl);
	if (cl.failed)
		goto fail_counters;
	if (counters_to_deltas(eng, &cl) != 0)
		goto fail_counters;
	b->counters = cl.v;
	b->n_counters = cl.n;
	/* Last: on failure the hours stay counted for the next snapshot. */
	n = mk_traffic_take(&eng->traffic, &b->traffic);
	if (n == (size_t)-1)
		goto fail;
	b->n_traffic = n;
	return 0;
fail_counters:
	for (size_t i = 0; i < cl.n; i++)
		free(cl.v[i].name);
	free(cl.v);
fail:
	mk_store_batch_clear(b);
	return -1;
}
