/* registry.c - validation and look-up of the protocol plug-ins.
 *
 * The list itself is generated from cmake/protocols.cmake.  A descriptor that
 * breaks the contract stops mieruka at start-up with a message naming it, so a
 * broken plug-in never meets a packet (Suricata's ValidateParserProto idea).
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

static int bad(const struct mk_proto *p, size_t index, const char *why)
{
	fprintf(stderr, "mieruka: protocol plug-in #%zu (%s) is broken: %s\n", index,
	        p != NULL && p->name != NULL ? p->name : "?", why);
	return -1;
}

int mk_proto_registry_init(void)
{
	for (size_t i = 0; i < mk_proto_registry_count; i++) {
		const struct mk_proto *p = mk_proto_registry[i];

		if (p == NULL)
			return bad(p, i, "NULL descriptor");
		if (p->abi != MK_PROTO_ABI)
			return bad(p, i, "ABI version differs from MK_PROTO_ABI");
		if (p->name == NULL || p->id >= MK_PROTO_COUNT)
			return bad(p, i, "missing name or id out of range");
		if (strcmp(p->name, mk_proto_id_name(p->id)) != 0)
			return bad(p, i, "name does not match its PROTO id");
		if (p->parse == NULL)
			return bad(p, i, "no parse function");
		if ((p->transports & (MK_TRANSPORT_TCP | MK_TRANSPORT_UDP)) && p->probe == NULL)
			return bad(p, i, "TCP/UDP plug-in without a probe");
		if ((p->transports & MK_TRANSPORT_L2) && p->l2 == NULL)
			return bad(p, i, "L2 plug-in without an l2 match list");
		if ((p->transports & MK_TRANSPORT_TCP) && p->max_buffer == 0)
			return bad(p, i, "TCP plug-in with max_buffer 0");
		if (p->transports == 0)
			return bad(p, i, "no transport");
		for (size_t k = 0; k < i; k++)
			if (mk_proto_registry[k]->id == p->id)
				return bad(p, i, "registered twice");
	}
	return 0;
}

const struct mk_proto *mk_proto_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < mk_proto_registry_count; i++)
		if (strcmp(mk_proto_registry[i]->name, name) == 0)
			return mk_proto_registry[i];
	return NULL;
}

const struct mk_proto *mk_proto_by_id(unsigned id)
{
	for (size_t i = 0; i < mk_proto_registry_count; i++)
		if (mk_proto_registry[i]->id == id)
			return mk_proto_registry[i];
	return NULL;
}
