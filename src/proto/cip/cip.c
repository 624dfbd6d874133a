/* cip.c - CIP implicit (class 0/1) I/O over UDP 2222: the common packet format
 * with a sequenced address item (connection id, encapsulation sequence number)
 * and a connected data item.  Kept light: each datagram is one cyclic I/O
 * exchange, counted as an "io" operation (data towards the flow's server as a
 * write, data towards its client as a read); each connection id is reported
 * once; a sequence number going backwards on a connection is a named anomaly
 * (replayed or duplicated I/O).
 *
 * specification: THE CIP NETWORKS LIBRARY Volume 2, EtherNet/IP Adaptation of
 * CIP (ODVA): 2-6 common packet format (items 0x8002 sequenced address, 0x00b1
 * connected data, 0x00a1 connected address), 3-2.2 UDP transport of class 0/1
 * connected data (port 2222); Volume 1, 3-4.2 transport class 1 sequence count.
 */
#include "mieruka/proto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CPF_CONNECTED_ADDR 0x00a1
#define CPF_CONNECTED_DATA 0x00b1
#define CPF_SEQUENCED_ADDR 0x8002
#define CIP_IO_ITEMS_MAX 4
#define CIP_IO_CONNS 8 /* connection ids followed per flow */

enum cip_io_event_bit {
	EV_BAD_CPF = 1u << 0,
	EV_SEQ_BACK = 1u << 1,
};

static const char *const cip_events[] = {
	"cip_io_bad_cpf",
	"cip_io_sequence_backwards",
	NULL,
};

struct cip_io_conn {
	uint32_t id;
	uint32_t seq;
};

struct cip_io_state {
	uint8_t said;
	uint8_t n_conns;
	struct cip_io_conn conns[CIP_IO_CONNS];
};

static void cip_io_anomaly(struct cip_io_state *st, struct mk_emit *out, enum cip_io_event_bit bit)
{
	if (st->said & bit)
		return;
	st->said |= (uint8_t)bit;
	mk_emit_anomaly(out, cip_events[bit == EV_BAD_CPF ? 0 : 1]);
}

/* Reads the CPF; true with the connection id and sequence number when it is
 * a well-formed I/O packet (address item then data item, lengths exact). */
static bool cip_io_read(struct mk_rd *rd, uint32_t *conn, uint32_t *seq, bool *sequenced)
{
	uint16_t count = mk_rd_le16(rd);
	bool addr = false, data = false;

	if (!mk_rd_ok(rd) || count < 2 || count > CIP_IO_ITEMS_MAX)
		return false;
	for (unsigned i = 0; i < count; i++) {
		uint16_t type = mk_rd_le16(rd), len = mk_rd_le16(rd);
		struct mk_rd item;

		if (!mk_rd_ok(rd) || !mk_rd_sub(rd, len, &item))
			return false;
		if (i == 0 && type == CPF_SEQUENCED_ADDR && len == 8) {
			*conn = mk_rd_le32(&item);
			*seq = mk_rd_le32(&item);
			*sequenced = true;
			addr = true;
		} else if (i == 0 && type == CPF_CONNECTED_ADDR && len == 4) {
			*conn = mk_rd_le32(&item);
			*sequenced = false;
			addr = true;
		} else if (i == 1 && type == CPF_CONNECTED_DATA) {
			data = true;
		} else if (i < 2) {
			return false;
		}
	}
	return addr && data && mk_rd_left(rd) == 0;
}

static int cip_probe(struct mk_rd *rd, enum mk_dir dir)
{
	struct mk_rd r = *rd;
	uint32_t conn = 0, seq = 0;
	bool sequenced = false;

	(void)dir;
	if (!cip_io_read(&r, &conn, &seq, &sequenced))
		return MK_PROBE_NO;
	return sequenced ? MK_PROBE_SURE : MK_PROBE_MAYBE;
}

static enum mk_verdict cip_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct cip_io_state *st = state;
	uint32_t conn = 0, seq = 0;
	bool sequenced = false;
	struct cip_io_conn *c = NULL;

	*consumed = mk_rd_left(rd);
	if (!cip_io_read(rd, &conn, &seq, &sequenced)) {
		cip_io_anomaly(st, out, EV_BAD_CPF);
		return MK_V_OK;
	}
	mk_emit_operation(out, dir == MK_DIR_TO_SERVER ? MK_OP_WRITE : MK_OP_READ, "io");
	for (unsigned i = 0; i < st->n_conns; i++)
		if (st->conns[i].id == conn)
			c = &st->conns[i];
	if (c == NULL) {
		char text[16];
		int n = snprintf(text, sizeof(text), "0x%08x", (unsigned)conn);

		if (st->n_conns >= CIP_IO_CONNS)
			return MK_V_OK;
		c = &st->conns[st->n_conns++];
		c->id = conn;
		c->seq = seq;
		if (n > 0 && (size_t)n < sizeof(text))
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "cip_io_connection", text, (size_t)n);
		return MK_V_OK;
	}
	/* Serial number arithmetic: "behind" when the difference is negative. */
	if (sequenced && seq != c->seq && (uint32_t)(seq - c->seq) > 0x80000000u)
		cip_io_anomaly(st, out, EV_SEQ_BACK);
	else if (sequenced)
		c->seq = seq;
	return MK_V_OK;
}

const struct mk_proto mk_proto_cip = {
	.abi = MK_PROTO_ABI,
	.name = "cip",
	.id = MK_PROTO_CIP,
	.transports = MK_TRANSPORT_UDP,
	.state_size = sizeof(struct cip_io_state),
	.max_buffer = 0,
	.probe = cip_probe,
	.parse = cip_parse,
	.events = cip_events,
};
