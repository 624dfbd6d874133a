/* emit.c - the parser-side fact constructors.  They only fill a struct
 * mk_fact and hand it to the core-owned sink; resolving hosts and routing the
 * fact happens in the engine (or in a unit test's recording sink). */
#include "mieruka/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mk_emit(struct mk_emit *out, const struct mk_fact *fact)
{
	if (out != NULL && out->sink != NULL)
		out->sink(out->ctx, fact, out->flow, out->pkt, out->dir);
}

static struct mk_fact fact_init(const struct mk_emit *out, enum mk_fact_kind kind,
                                struct mk_host host)
{
	struct mk_fact f;

	memset(&f, 0, sizeof(f));
	f.kind = (uint8_t)kind;
	f.proto = out != NULL ? out->proto : MK_PROTO_UNKNOWN;
	f.host = host;
	return f;
}

struct mk_host mk_host_rel(enum mk_host_kind kind)
{
	struct mk_host h;

	memset(&h, 0, sizeof(h));
	h.kind = (uint8_t)kind;
	return h;
}

struct mk_host mk_host_explicit(const uint8_t *mac6, const struct mk_addr *ip)
{
	struct mk_host h = mk_host_rel(MK_HOST_EXPLICIT);

	if (mac6 != NULL)
		mk_addr_set_mac(&h.mac, mac6);
	if (ip != NULL)
		h.ip = *ip;
	return h;
}

void mk_emit_name(struct mk_emit *out, struct mk_host host, const char *name, size_t len)
{
	struct mk_fact f = fact_init(out, MK_FACT_NAME, host);

	f.value = name;
	f.value_len = len;
	mk_emit(out, &f);
}

void mk_emit_binding(struct mk_emit *out, const uint8_t mac[6], const struct mk_addr *ip)
{
	struct mk_fact f = fact_init(out, MK_FACT_BINDING, mk_host_explicit(mac, ip));

	f.confidence = 100;
	mk_emit(out, &f);
}

void mk_emit_advertised_binding(struct mk_emit *out, const uint8_t mac[6],
                                const struct mk_addr *ip)
{
	struct mk_fact f = fact_init(out, MK_FACT_BINDING, mk_host_explicit(mac, ip));

	f.confidence = 50;
	mk_emit(out, &f);
}

void mk_emit_identity(struct mk_emit *out, struct mk_host host, const struct mk_identity *id)
{
	struct mk_fact f = fact_init(out, MK_FACT_IDENTITY, host);

	f.identity = *id;
	mk_emit(out, &f);
}

void mk_emit_attr(struct mk_emit *out, struct mk_host host, const char *key, const char *value,
                  size_t len)
{
	struct mk_fact f = fact_init(out, MK_FACT_ATTR, host);

	f.key = key;
	f.value = value;
	f.value_len = len;
	mk_emit(out, &f);
}

void mk_emit_os(struct mk_emit *out, struct mk_host host, const char *os, uint8_t confidence)
{
	struct mk_fact f = fact_init(out, MK_FACT_OS, host);

	f.value = os;
	f.value_len = os != NULL ? strlen(os) : 0;
	f.confidence = confidence;
	mk_emit(out, &f);
}

void mk_emit_role(struct mk_emit *out, struct mk_host host, enum mk_role role, uint8_t confidence,
                  const char *reason)
{
	struct mk_fact f = fact_init(out, MK_FACT_ROLE, host);

	f.role = (uint8_t)role;
	f.confidence = confidence;
	f.value = reason;
	f.value_len = reason != NULL ? strlen(reason) : 0;
	mk_emit(out, &f);
}

bool mk_emit_wants_detail(const struct mk_emit *out, enum mk_op_class op)
{
	if (out == NULL)
		return false;
	if (out->op == NULL)
		return true;
	return (unsigned)op < 32 && (out->detail_ops >> op & 1u) != 0;
}

void mk_emit_operation(struct mk_emit *out, enum mk_op_class op, const char *detail)
{
	if (out != NULL && out->op != NULL) {
		out->op(out->ctx, out->flow, out->pkt, out->dir, out->proto, (uint8_t)op, detail);
		return;
	}
	struct mk_fact f = fact_init(out, MK_FACT_OPERATION, mk_host_rel(MK_HOST_CLIENT));

	f.op = (uint8_t)op;
	f.value = detail;
	f.value_len = detail != NULL ? strlen(detail) : 0;
	mk_emit(out, &f);
}

void mk_emit_operationf(struct mk_emit *out, enum mk_op_class op, const char *fmt, ...)
{
	char detail[128];
	va_list ap;

	if (!mk_emit_wants_detail(out, op)) {
		mk_emit_operation(out, op, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	mk_emit_operation(out, op, detail);
}

void mk_emit_anomaly(struct mk_emit *out, const char *event)
{
	struct mk_fact f = fact_init(out, MK_FACT_ANOMALY, mk_host_rel(MK_HOST_SENDER));

	f.value = event;
	f.value_len = event != NULL ? strlen(event) : 0;
	mk_emit(out, &f);
}

void mk_emit_result(struct mk_emit *out, enum mk_op_class op, const char *detail, bool ok)
{
	struct mk_fact f = fact_init(out, MK_FACT_RESULT, mk_host_rel(MK_HOST_SERVER));

	f.op = (uint8_t)op;
	f.value = detail;
	f.value_len = detail != NULL ? strlen(detail) : 0;
	f.confidence = ok ? 100 : 0;
	mk_emit(out, &f);
}

void mk_emit_capability_roles(struct mk_emit *out, const char *prefix, uint32_t caps,
                              const struct mk_capability_role *map, size_t n)
{
	char reason[160];
	const char *sep = " ";
	size_t len;

	snprintf(reason, sizeof(reason), "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		if (!(caps & map[i].bits))
			continue;
		len = strlen(reason);
		snprintf(reason + len, sizeof(reason) - len, "%s%s", sep, map[i].word);
		sep = ", ";
	}
	for (size_t i = 0; i < n; i++)
		if (caps & map[i].bits)
			mk_emit_role(out, mk_host_rel(MK_HOST_SENDER), (enum mk_role)map[i].role, 80, reason);
}
