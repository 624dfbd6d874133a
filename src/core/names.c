/* names.c - stable names of protocol ids, operation classes, roles, link types.
 * These strings are the contract of interface.md: JSON, database, rules, tests. */
#include <string.h>

#include "mieruka/facts.h"
#include "mieruka/pkt.h"

static const char *const proto_names[MK_PROTO_COUNT] = {
#define MK_PROTO_ID(e, s) s,
#include "mieruka/proto_ids.def"
#undef MK_PROTO_ID
};

static const char *const role_names[MK_ROLE_COUNT] = {
#define MK_ROLE_ID(e, s) s,
#include "mieruka/roles.def"
#undef MK_ROLE_ID
};

static const char *const op_names[MK_OP_COUNT] = {
	"read", "write", "program", "control", "firmware", "auth", "diagnostic", "other",
};

const char *mk_proto_id_name(unsigned id)
{
	return id < MK_PROTO_COUNT ? proto_names[id] : "unknown";
}

int mk_proto_id_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < MK_PROTO_COUNT; i++)
		if (strcmp(proto_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *mk_op_class_name(unsigned op)
{
	return op < MK_OP_COUNT ? op_names[op] : "other";
}

const char *mk_role_name(unsigned role)
{
	return role < MK_ROLE_COUNT ? role_names[role] : "unknown";
}

int mk_role_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < MK_ROLE_COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *mk_link_name(uint16_t linktype)
{
	switch (linktype) {
	case MK_LINK_NULL: return "null";
	case MK_LINK_ETHERNET: return "ethernet";
	case MK_LINK_RAW: return "raw";
	case MK_LINK_LOOP: return "loop";
	case MK_LINK_SLL: return "linux_sll";
	case MK_LINK_IPV4: return "ipv4";
	case MK_LINK_IPV6: return "ipv6";
	case MK_LINK_SLL2: return "linux_sll2";
	default: return NULL;
	}
}
