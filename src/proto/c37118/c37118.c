/* c37118.c - IEEE C37.118.2 synchrophasor frames (PMU/PDC, TCP 4712 / UDP
 * 4713): frame type, IDCODE, the CRC-CCITT check, commands (turn transmission
 * on/off, send header/configuration) and the station names of configuration
 * frames.
 *
 * specification: IEEE Std C37.118.2-2011, 6.2 (common frame: SYNC 0xAA and
 * frame type in bits 6-4 (0 data, 1 header, 2 CFG-1, 3 CFG-2, 4 command,
 * 5 CFG-3) with the version in bits 3-0, FRAMESIZE, IDCODE, SOC, FRACSEC;
 * CHK CRC-CCITT: polynomial 0x1021, initial value 0xFFFF, over all bytes but
 * CHK), 6.4 (configuration frame 1/2: TIME_BASE, NUM_PMU, then per PMU
 * STN (16 characters), IDCODE ...), 6.5 (command frame: CMD 1 turn off
 * transmission, 2 turn on transmission, 3 send HDR, 4 send CFG-1, 5 send
 * CFG-2, 6 send CFG-3, 8 extended frame).
 */
#include "mieruka/proto.h"

#include <stdio.h>
#include <string.h>

#include "mieruka/pkt.h"

#define C37_SYNC 0xaa
#define C37_MIN 16   /* SYNC .. FRACSEC + CHK */
#define C37_BUF 8192 /* larger frames are skipped */
#define C37_PDUS_PER_CALL 64
#define C37_STN 16
#define C37_MAX_PMU 8 /* station names said per configuration frame */

enum c37_type {
	C37_DATA = 0,
	C37_HEADER = 1,
	C37_CFG1 = 2,
	C37_CFG2 = 3,
	C37_CMD = 4,
	C37_CFG3 = 5,
};

static const char *const c37_events[] = {
    "c37118_bad_frame",        /* SYNC, type or FRAMESIZE not as 6.2 says: the stream is given up */
    "c37118_bad_crc",          /* CHK does not match the frame */
    "c37118_transmission_off", /* a command to stop the data stream */
    NULL,
};

struct c37_state {
	uint32_t skip[2];
	uint8_t crc_said, bad_said, cfg_said;
};

static uint16_t c37_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc =
			    (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

static void c37_command(struct mk_rd *r, struct mk_emit *out)
{
	static const char *const names[9] = {NULL,
	                                     "turn_off_transmission",
	                                     "turn_on_transmission",
	                                     "send_header",
	                                     "send_cfg1",
	                                     "send_cfg2",
	                                     "send_cfg3",
	                                     NULL,
	                                     "extended_frame"};
	uint16_t cmd = mk_rd_be16(r);

	if (!mk_rd_ok(r))
		return;
	switch (cmd) {
	case 1:
		mk_emit_operation(out, MK_OP_CONTROL, names[cmd]);
		mk_emit_anomaly(out, "c37118_transmission_off");
		break;
	case 2: mk_emit_operation(out, MK_OP_CONTROL, names[cmd]); break;
	case 3:
	case 4:
	case 5:
	case 6: mk_emit_operation(out, MK_OP_READ, names[cmd]); break;
	case 8: mk_emit_operation(out, MK_OP_OTHER, names[cmd]); break;
	default:
		mk_emit_operationf(out, MK_OP_OTHER, "cmd=%u", (unsigned)cmd);
		break;
	}
}

/* CFG-1/CFG-2: TIME_BASE (4), NUM_PMU (2), then per PMU STN (16), IDCODE (2),
 * FORMAT (2), PHNMR, ANNMR, DGNMR (2 each), channel names (16 each) ... */
static void c37_config(struct c37_state *st, struct mk_rd *r, struct mk_emit *out)
{
	uint16_t npmu;
	const uint8_t *stn;
	char name[C37_STN + 1];
	size_t n = 0;

	if (st->cfg_said)
		return;
	mk_rd_skip(r, 4);
	npmu = mk_rd_be16(r);
	stn = mk_rd_ptr(r, C37_STN);
	if (!mk_rd_ok(r) || npmu == 0 || stn == NULL)
		return;
	st->cfg_said = 1;
	for (size_t i = 0; i < C37_STN; i++)
		name[i] = stn[i] >= 0x20 && stn[i] < 0x7f ? (char)stn[i] : '?';
	n = C37_STN;
	while (n > 0 && name[n - 1] == ' ')
		n--;
	if (n > 0)
		mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "c37118_station", name, n);
}

static void c37_frame(struct c37_state *st, const uint8_t *p, size_t n, struct mk_emit *out)
{
	struct mk_rd r;
	uint8_t type = (uint8_t)((p[1] >> 4) & 0x07);
	uint16_t chk = (uint16_t)((p[n - 2] << 8) | p[n - 1]), id;
	char v[8];
	int w;

	if (c37_crc(p, n - 2) != chk) {
		if (!st->crc_said) {
			st->crc_said = 1;
			mk_emit_anomaly(out, "c37118_bad_crc");
		}
		return;
	}
	mk_rd_init(&r, p, n - 2);
	mk_rd_skip(&r, 4);
	id = mk_rd_be16(&r);
	mk_rd_skip(&r, 8); /* SOC, FRACSEC */
	switch (type) {
	case C37_CMD: c37_command(&r, out); break;
	case C37_CFG1:
	case C37_CFG2:
		w = snprintf(v, sizeof(v), "%u", (unsigned)id);
		if (!st->cfg_said)
			mk_emit_attr(out, mk_host_rel(MK_HOST_SENDER), "c37118_idcode", v,
			             (size_t)w);
		c37_config(st, &r, out);
		break;
	default: break; /* data, header, CFG-3: the stream itself */
	}
}

/* Size of the frame at rd: 0 need more, (size_t)-1 not C37.118. */
static size_t c37_size(const struct mk_rd *rd)
{
	uint8_t s = 0, t = 0;
	uint16_t len = 0;

	if (!mk_rd_peek_u8(rd, 0, &s))
		return 0;
	if (s != C37_SYNC)
		return (size_t)-1;
	if (!mk_rd_peek_u8(rd, 1, &t) || !mk_rd_peek_be16(rd, 2, &len))
		return 0;
	if ((t & 0x80) || ((t >> 4) & 0x07) > C37_CFG3 || (t & 0x0f) == 0 || (t & 0x0f) > 3 ||
	    len < C37_MIN)
		return (size_t)-1;
	return len;
}

static int c37_probe(struct mk_rd *rd, enum mk_dir dir)
{
	size_t n = c37_size(rd);
	const uint8_t *p;
	struct mk_rd t = *rd;

	(void)dir;
	if (n == 0 || n == (size_t)-1 || n > mk_rd_left(rd))
		return MK_PROBE_NO;
	/* The CRC over the whole first frame is strong evidence. */
	p = mk_rd_ptr(&t, n);
	if (p == NULL || c37_crc(p, n - 2) != (uint16_t)((p[n - 2] << 8) | p[n - 1]))
		return MK_PROBE_NO;
	return MK_PROBE_SURE;
}

static enum mk_verdict c37_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                 struct mk_emit *out)
{
	struct c37_state *st = state;
	unsigned d = dir == MK_DIR_TO_CLIENT ? 1 : 0;
	size_t done = 0;

	*consumed = 0;
	if (out->pkt != NULL && (out->pkt->layers & MK_L_UDP))
		st->skip[0] = st->skip[1] = 0; /* datagrams: nothing carries over */
	for (int i = 0; i < C37_PDUS_PER_CALL && mk_rd_left(rd) > 0; i++) {
		size_t n;
		const uint8_t *p;

		if (st->skip[d] > 0) {
			size_t k = mk_rd_left(rd) < st->skip[d] ? mk_rd_left(rd) : st->skip[d];

			mk_rd_skip(rd, k);
			st->skip[d] -= (uint32_t)k;
			done += k;
			continue;
		}
		n = c37_size(rd);
		if (n == 0) {
			*consumed = done;
			return MK_V_NEED;
		}
		if (n == (size_t)-1) {
			if (!st->bad_said) {
				st->bad_said = 1;
				mk_emit_anomaly(out, "c37118_bad_frame");
			}
			*consumed = done + mk_rd_left(rd);
			return MK_V_INVALID;
		}
		if (n > C37_BUF) {
			size_t k = mk_rd_left(rd) < n ? mk_rd_left(rd) : n;

			mk_rd_skip(rd, k);
			st->skip[d] = (uint32_t)(n - k);
			done += k;
			continue;
		}
		if (!mk_rd_has(rd, n)) {
			*consumed = done;
			return MK_V_NEED;
		}
		p = mk_rd_ptr(rd, n);
		done += n;
		c37_frame(st, p, n, out);
	}
	*consumed = done;
	return MK_V_OK;
}

const struct mk_proto mk_proto_c37118 = {
    .abi = MK_PROTO_ABI,
    .name = "c37118",
    .id = MK_PROTO_C37118,
    .transports = MK_TRANSPORT_TCP | MK_TRANSPORT_UDP,
    .state_size = sizeof(struct c37_state),
    .max_buffer = C37_BUF,
    .probe = c37_probe,
    .parse = c37_parse,
    .events = c37_events,
};
