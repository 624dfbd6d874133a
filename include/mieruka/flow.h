/* flow.h - the bidirectional flow table.
 *
 * Flows are keyed by (VLAN, transport, addresses, ports) for IP, or by (VLAN,
 * MACs, EtherType) for L2 protocols; the key is direction-free.  The client is
 * the side that sent the SYN; without a captured handshake, port hints decide
 * (data/ports.tsv), then the first sender.  The table is open addressing with a
 * fixed number of slots derived from a memory cap; when full, the flow idle for
 * longest in a bounded probe window is evicted (counted), never a crash.
 * Time is packet time, so a file replays the same as live capture.
 */
#ifndef MIERUKA_FLOW_H
#define MIERUKA_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/addr.h"
#include "mieruka/facts.h"
#include "mieruka/pkt.h"

struct mk_stream;
struct mk_ports;

enum mk_flow_transport {
	MK_FT_L2 = 0,
	MK_FT_TCP = 6,
	MK_FT_UDP = 17,
	MK_FT_OTHER = 255, /* ICMP and other IP protocols: counted, not parsed */
};

/* How the client/server orientation was decided. */
enum mk_flow_orient {
	MK_ORIENT_SYN,        /* from the SYN (or SYN+ACK) */
	MK_ORIENT_PORT,       /* from port hints */
	MK_ORIENT_FIRST,      /* first sender */
};

enum mk_flow_end {
	MK_FLOW_END_NONE,
	MK_FLOW_END_TIMEOUT,
	MK_FLOW_END_EVICTED,  /* the memory cap forced it out */
	MK_FLOW_END_SHUTDOWN, /* end of input */
};

struct mk_endpoint {
	struct mk_addr ip;    /* family NONE for L2 flows */
	struct mk_addr mac;   /* family NONE when the link has no MACs */
	uint16_t port;
};

/* Owned by the inventory (see mk_inventory_packet_refs); opaque here. */
struct mk_inventory_refs {
	uint32_t mac, ip;
};

struct mk_flow {
	uint8_t transport;        /* enum mk_flow_transport (IP protocol number) */
	uint8_t orient;           /* enum mk_flow_orient */
	uint16_t vlan;
	uint16_t ethertype;       /* L2 flows */
	struct mk_endpoint cli, srv;
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2]; /* by enum mk_dir */
	uint8_t tcp_seen;         /* MK_TCP_* flags seen in either direction */
	bool closed;              /* FIN both ways or RST: short timeout */

	/* application layer, owned by the engine */
	uint16_t app_proto;       /* enum mk_proto_id; UNKNOWN until detected */
	uint8_t app_state;        /* engine's detection state */
	uint8_t probe_tries;
	const void *parser;       /* const struct mk_proto * once detected */
	void *parser_state;       /* parser->state_size bytes, owned by the engine */
	struct mk_stream *stream[2]; /* TCP reassembly by direction, NULL until needed */
	uint64_t ops[MK_OP_COUNT];   /* operations counted by facts */
	uint32_t anomalies;
	/* The inventory's objects of each endpoint ([0] client, [1] server;
	 * MAC then IP), remembered so a flow's packets skip the asset hash
	 * tables.  Only a hint: the inventory checks the key before use. */
	struct mk_inventory_refs inv_refs[2];
	void *user;               /* spare pointer for the engine */
};

struct mk_flow_limits {
	size_t memcap;               /* bytes for the table and its flows */
	uint64_t timeout_tcp_ns;     /* established or unknown */
	uint64_t timeout_tcp_closed_ns;
	uint64_t timeout_udp_ns;
	uint64_t timeout_other_ns;
	uint64_t hash_seed;          /* 0: a random seed per table; tests fix one */
};
void mk_flow_limits_default(struct mk_flow_limits *lim);

struct mk_flow_stats {
	uint64_t created, timed_out, evicted, dropped; /* dropped: no slot even after eviction */
	uint64_t active, max_active, capacity;
};

/* Called for each flow that leaves the table (timeout, eviction, shutdown).
 * The callee must release what it hung on the flow (parser state, streams). */
typedef void (*mk_flow_end_fn)(void *ctx, struct mk_flow *flow, enum mk_flow_end why);

struct mk_flow_table;

struct mk_flow_table *mk_flow_table_new(const struct mk_flow_limits *lim,
                                        const struct mk_ports *ports,
                                        mk_flow_end_fn on_end, void *ctx);
void mk_flow_table_free(struct mk_flow_table *ft); /* ends all flows (SHUTDOWN) first */

/* Finds or creates the flow of a decoded packet, updates counters and TCP flags.
 * *dir receives the packet's direction.  NULL when the packet has no flow key
 * (e.g. non-IP without L2 app payload) or no slot could be had (counted). */
struct mk_flow *mk_flow_lookup(struct mk_flow_table *ft, const struct mk_pkt *pkt, int *dir);

/* Expires idle flows, examining at most max_slots slots (bounded work per call). */
void mk_flow_expire(struct mk_flow_table *ft, uint64_t now_ns, size_t max_slots);
/* Ends every flow (end of input). */
void mk_flow_flush(struct mk_flow_table *ft);
/* Calls cb for every flow in the table (not ending them): O(table), for rare
 * work such as sealing the baseline. */
void mk_flow_each(const struct mk_flow_table *ft, void (*cb)(void *ctx, const struct mk_flow *f),
                  void *ctx);
const struct mk_flow_stats *mk_flow_stats(const struct mk_flow_table *ft);
/* Bytes the table allocated (slots and flow records); never above limits.memcap. */
size_t mk_flow_memory(const struct mk_flow_table *ft);

#endif /* MIERUKA_FLOW_H */
