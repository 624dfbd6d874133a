/* roles_int.h - the protocol -> role rules of data/rules/roles.tsv, used by
 * the inventory at snapshot time (internal to src/inventory). */
#ifndef MIERUKA_INVENTORY_ROLES_INT_H
#define MIERUKA_INVENTORY_ROLES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mk_role_rule {
	uint8_t server;      /* 1: the asset serves proto; 0: it is a client */
	uint16_t proto;      /* enum mk_proto_id */
	uint8_t role;        /* enum mk_role */
	uint8_t confidence;
	char *reason;
};

struct mk_role_rules {
	struct mk_role_rule *rules;
	size_t n, cap;
	uint32_t router_min_ips;   /* 0 when the file does not set it */
	uint8_t router_confidence; /* 0 when the file does not set it */
};

/* path NULL = mk_data_path("rules/roles.tsv").  Missing file: empty rules and a
 * warning in err.  Malformed lines are skipped and counted in err.  NULL only on
 * ENOMEM. */
struct mk_role_rules *mk_role_rules_load(const char *path, char *err, size_t errlen);
void mk_role_rules_free(struct mk_role_rules *rr);

#endif /* MIERUKA_INVENTORY_ROLES_INT_H */
