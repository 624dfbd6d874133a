/* model.h - the records that leave the packet path: assets, conversations,
 * captures.  The inventory produces them, the store persists and loads them,
 * reports print them.  All strings are heap-owned by the record; free a record
 * with its mk_*_rec_clear().
 */
#ifndef MIERUKA_MODEL_H
#define MIERUKA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/addr.h"
#include "mieruka/facts.h"

#define MK_ASSET_ID_LEN 48
#define MK_PROTO_SET_WORDS ((MK_PROTO_COUNT + 63) / 64)

struct mk_proto_set {
	uint64_t bits[MK_PROTO_SET_WORDS];
};
void mk_proto_set_add(struct mk_proto_set *set, unsigned id);
bool mk_proto_set_has(const struct mk_proto_set *set, unsigned id);

struct mk_name_rec {
	char *name;
	uint16_t source;          /* enum mk_proto_id that announced it */
};

struct mk_role_rec {
	uint8_t role;             /* enum mk_role */
	uint8_t confidence;       /* 0..100 */
	char **reasons;           /* English reason sentences */
	size_t n_reasons;
};

struct mk_attr_rec {
	char *key, *value;
	uint16_t source;
};

struct mk_identity_rec {
	char *vendor, *product, *model, *firmware, *serial;
	uint16_t source;          /* enum mk_proto_id */
};

struct mk_asset_rec {
	char id[MK_ASSET_ID_LEN];  /* "m-001b1b123456" (by MAC) or "i-10.1.2.3" (by IP) */
	struct mk_addr mac;        /* family NONE when keyed by IP */
	struct mk_addr *ips;
	size_t n_ips;
	char *vendor;              /* OUI organisation */
	struct mk_name_rec *names;
	size_t n_names;
	struct mk_role_rec *roles; /* highest confidence first */
	size_t n_roles;
	struct mk_proto_set server, client;
	struct mk_identity_rec *identity; /* NULL when none */
	char *os;
	uint8_t os_confidence;
	struct mk_attr_rec *attrs;
	size_t n_attrs;
	uint64_t first_ns, last_ns, packets, bytes;
};
void mk_asset_rec_clear(struct mk_asset_rec *rec);

struct mk_conv_rec {
	struct mk_addr client, server; /* IP, or MAC for L2 */
	uint8_t transport;             /* 6, 17, or 0 for l2 */
	uint16_t port;                 /* server port; 0 for l2 */
	uint16_t proto;                /* enum mk_proto_id */
	uint64_t packets, bytes, first_ns, last_ns;
	uint64_t ops[MK_OP_COUNT];
	uint64_t flows;                /* connections/flows folded into this record */
};

struct mk_capture_rec {
	char *file;
	uint64_t packets, bytes, first_ns, last_ns;
	uint16_t linktypes[8];
	uint8_t n_linktypes;
	char **warnings;
	size_t n_warnings;
};
void mk_capture_rec_clear(struct mk_capture_rec *rec);

/* The analysis counters a run reports: what was dropped, anomalies by name. */
struct mk_counter_rec {
	char *name;
	uint64_t value;
};

#endif /* MIERUKA_MODEL_H */
