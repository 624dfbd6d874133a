/* roles_int.h - the protocol -> role rules of data/rules/roles.tsv, used by
 * the inventory at snapshot time (internal to src/inventory). */
#ifndef MIERUKA_INVENTORY_ROLES_INT_H
#define MIERUKA_INVENTORY_ROLES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"

struct mk_role_rule {
	uint8_t server;      /* 1: the asset serves proto; 0: it is a client */
	uint16_t proto;      /* enum mk_proto_id */
	uint8_t role;        /* enum mk_role */
	uint8_t confidence;
	char *reason;
};

/* "client_op" lines: a client whose requests to a controller included this
 * operation class; "poller" line: a client of controllers on at least
 * poller_min_servers distinct servers. */
struct mk_role_op_rule {
	uint8_t op;          /* enum mk_op_class */
	uint8_t role;
	uint8_t confidence;
	char *reason;
};

/* "vendor" lines: a hint from the maker of the network card (OUI), for
 * devices whose makers build little else (handheld terminals, printers). */
struct mk_role_vendor_rule {
	char *needle;        /* case-insensitive substring of the OUI vendor name */
	uint8_t role;
	uint8_t confidence;
	char *reason;
};

struct mk_role_rules {
	struct mk_role_rule *rules;
	size_t n, cap;
	struct mk_role_vendor_rule vendor_rules[64];
	size_t n_vendor_rules;
	struct mk_role_op_rule op_rules[16];
	size_t n_op_rules;
	struct mk_role_op_rule poller;  /* reason NULL: no poller rule */
	uint32_t poller_min_servers;
	/* Controller protocols: those whose servers a "server ... plc" line makes
	 * PLCs.  Only their flows feed the client_op and poller rules. */
	bool controller[MK_PROTO_COUNT];
	/* "routine_control" lines: protocols whose control operations are the
	 * operator's daily work (telecontrol commands), not engineering. */
	bool routine_control[MK_PROTO_COUNT];
	uint32_t router_min_ips;   /* 0 when the file does not set it */
	uint8_t router_confidence; /* 0 when the file does not set it */
};

/* path NULL = mk_data_path("rules/roles.tsv").  Missing file: empty rules and a
 * warning in err.  Malformed lines are skipped and counted in err.  NULL only on
 * ENOMEM. */
struct mk_role_rules *mk_role_rules_load(const char *path, char *err, size_t errlen);
void mk_role_rules_free(struct mk_role_rules *rr);

#endif /* MIERUKA_INVENTORY_ROLES_INT_H */
