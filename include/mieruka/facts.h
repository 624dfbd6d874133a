/* facts.h - the vocabulary between parsers and the rest of mieruka.
 *
 * Parsers never touch the inventory, the flow table or the database.  They
 * describe what they saw as facts and hand them to mk_emit(); the core resolves
 * relative hosts (client/server/sender) to concrete MAC and IP addresses and
 * routes the fact to the inventory, the conversation graph and the event log.
 * Strings in a fact are borrowed for the duration of the call only.
 */
#ifndef MIERUKA_FACTS_H
#define MIERUKA_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/addr.h"

enum mk_proto_id {
#define MK_PROTO_ID(e, s) MK_PROTO_##e,
#include "mieruka/proto_ids.def"
#undef MK_PROTO_ID
	MK_PROTO_COUNT,
};

const char *mk_proto_id_name(unsigned id);         /* "modbus"; "unknown" when out of range */
int mk_proto_id_from_name(const char *name);       /* -1 when not a PROTO */

/* Operation classes of interface.md, in the JSON order. */
enum mk_op_class {
	MK_OP_READ,
	MK_OP_WRITE,
	MK_OP_PROGRAM,
	MK_OP_CONTROL,
	MK_OP_FIRMWARE,
	MK_OP_AUTH,
	MK_OP_DIAGNOSTIC,
	MK_OP_OTHER,
	MK_OP_COUNT,
};
const char *mk_op_class_name(unsigned op);

enum mk_role {
#define MK_ROLE_ID(e, s) MK_ROLE_##e,
#include "mieruka/roles.def"
#undef MK_ROLE_ID
	MK_ROLE_COUNT,
};
const char *mk_role_name(unsigned role);
int mk_role_from_name(const char *name);

/* Which host a fact is about. */
enum mk_host_kind {
	MK_HOST_SENDER,   /* the packet's source (MAC + IP) */
	MK_HOST_RECEIVER, /* the packet's destination */
	MK_HOST_CLIENT,   /* the flow's client */
	MK_HOST_SERVER,   /* the flow's server */
	MK_HOST_EXPLICIT, /* the mac/ip below, as given by the protocol */
};

struct mk_host {
	uint8_t kind;        /* enum mk_host_kind */
	struct mk_addr mac;  /* EXPLICIT: family MK_AF_MAC or NONE */
	struct mk_addr ip;   /* EXPLICIT: family INET/INET6 or NONE */
};

/* Where a host name came from; doubles as the asset ledger's "source". */
enum mk_fact_kind {
	MK_FACT_NAME,      /* host name: value */
	MK_FACT_BINDING,   /* host.mac owns host.ip (DHCP ACK: 100; LLDP/CDP: 50) */
	MK_FACT_IDENTITY,  /* identity */
	MK_FACT_ATTR,      /* key = value (dhcp_vendor_class, user_agent, ssh_banner, sni...) */
	MK_FACT_OS,        /* value = OS guess, confidence */
	MK_FACT_ROLE,      /* role hint: role, confidence, value = reason */
	MK_FACT_OPERATION, /* op class for the current flow; value = detail ("fc=16") */
	MK_FACT_ANOMALY,   /* value = stable snake_case event name */
	MK_FACT_RESULT,    /* the answer to a request: op and value = the request's class
	                      and detail; confidence 100 = done, 0 = refused or failed */
};

struct mk_identity {
	const char *vendor, *product, *model, *firmware, *serial; /* NULL when unknown */
};

struct mk_fact {
	uint8_t kind;        /* enum mk_fact_kind */
	uint16_t proto;      /* enum mk_proto_id of the protocol that said it */
	struct mk_host host;
	const char *key;     /* ATTR key */
	const char *value;   /* NAME/ATTR/OS value, ROLE reason, OPERATION detail, ANOMALY name */
	size_t value_len;    /* bytes of value (need not be NUL-terminated) */
	struct mk_identity identity;
	uint8_t op;          /* enum mk_op_class */
	uint8_t role;        /* enum mk_role */
	uint8_t confidence;  /* 0..100 */
};

struct mk_flow;
struct mk_pkt;

/* The core-owned sink a parser writes to. */
struct mk_emit {
	void (*sink)(void *ctx, const struct mk_fact *fact, struct mk_flow *flow,
	             const struct mk_pkt *pkt, int dir);
	void *ctx;
	struct mk_flow *flow;     /* NULL for flowless (L2) frames */
	const struct mk_pkt *pkt; /* the packet being parsed, NULL in unit tests */
	int dir;                  /* enum mk_dir of the bytes being parsed */
	uint16_t proto;           /* default mk_fact.proto */
	/* Optional fast path for operations, the most frequent fact: called
	 * instead of building a struct mk_fact (NULL: operations go to sink). */
	void (*op)(void *ctx, struct mk_flow *flow, const struct mk_pkt *pkt, int dir, uint16_t proto,
	           uint8_t op_class, const char *detail);
	uint32_t detail_ops;      /* with op: the classes whose detail text anybody reads */
};

void mk_emit(struct mk_emit *out, const struct mk_fact *fact);

/* Is the detail text of an operation of this class read by anybody?  Always
 * true for a plain sink (unit tests record every detail); with the engine's
 * fast path only for the classes detection looks at.  Parsers that format a
 * detail (snprintf) per request ask first, or use mk_emit_operationf(). */
bool mk_emit_wants_detail(const struct mk_emit *out, enum mk_op_class op);

/* Convenience constructors; each fills a struct mk_fact and calls mk_emit(). */
struct mk_host mk_host_rel(enum mk_host_kind kind);
struct mk_host mk_host_explicit(const uint8_t *mac6, const struct mk_addr *ip);
void mk_emit_name(struct mk_emit *out, struct mk_host host, const char *name, size_t len);
void mk_emit_binding(struct mk_emit *out, const uint8_t mac[6], const struct mk_addr *ip);
/* A management address a device advertises about itself (LLDP, CDP) from a
 * MAC that need not be the one its IP traffic uses (a switch sends LLDP from
 * each port's MAC): a weaker claim (confidence 50) that never takes an IP away
 * from a MAC that actually sent or ARP-announced it. */
void mk_emit_advertised_binding(struct mk_emit *out, const uint8_t mac[6],
                                const struct mk_addr *ip);
void mk_emit_identity(struct mk_emit *out, struct mk_host host, const struct mk_identity *id);
/* One advertised capability bit (LLDP, CDP) and the role it suggests. */
struct mk_capability_role {
	uint32_t bits;     /* any of these set means the capability */
	const char *word;  /* for the reason text: "router" */
	uint8_t role;      /* enum mk_role */
};
/* Emits a role hint (confidence 80) about the sender for every capability of
 * map[] set in caps, all with one reason: "<prefix> router, switch". */
void mk_emit_capability_roles(struct mk_emit *out, const char *prefix, uint32_t caps,
                              const struct mk_capability_role *map, size_t n);
void mk_emit_attr(struct mk_emit *out, struct mk_host host, const char *key, const char *value,
                  size_t len);
void mk_emit_os(struct mk_emit *out, struct mk_host host, const char *os, uint8_t confidence);
void mk_emit_role(struct mk_emit *out, struct mk_host host, enum mk_role role, uint8_t confidence,
                  const char *reason);
void mk_emit_operation(struct mk_emit *out, enum mk_op_class op, const char *detail);
/* The same with a printf-style detail, formatted only when wanted. */
void mk_emit_operationf(struct mk_emit *out, enum mk_op_class op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mk_emit_anomaly(struct mk_emit *out, const char *event);
/* The device answered the request emitted as operation (op, detail): ok
 * (done) or not (an error code).  Only where the protocol pairs answers with
 * their requests; the change ledger shows it as the operation's result. */
void mk_emit_result(struct mk_emit *out, enum mk_op_class op, const char *detail, bool ok);

#endif /* MIERUKA_FACTS_H */
