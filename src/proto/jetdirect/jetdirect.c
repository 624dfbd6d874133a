/* jetdirect.c - raw printing on TCP 9100 (HP JetDirect "port 9100"): identification only.
 * specification: HP PJL Technical Reference Manual (1997), chapter 2 "PJL command syntax":
 * the Universal Exit Language command "<ESC>%-12345X" and "@PJL" prefix; PostScript
 * Language Reference 3rd ed., appendix C.4.1 ("%!PS" header comment); PCL 5 Printer
 * Language Technical Reference, chapter 3 (printer reset "<ESC>E").  The raw port itself
 * has no framing: the client writes the job, the printer may answer PJL status.
 */
#include "mieruka/proto.h"

#include <string.h>

struct jetdirect_state {
	uint8_t job_seen;
};

static const char *const jetdirect_events[] = {NULL};

static bool jd_starts(struct mk_rd *rd, const char *s)
{
	size_t n = strlen(s);
	const uint8_t *p = mk_rd_cur(rd);

	return mk_rd_left(rd) >= n && p != NULL && memcmp(p, s, n) == 0;
}

static int jetdirect_probe(struct mk_rd *rd, enum mk_dir dir)
{
	if (mk_rd_left(rd) == 0)
		return MK_PROBE_NO;
	if (dir == MK_DIR_TO_SERVER &&
	    (jd_starts(rd, "\x1b%-12345X@PJL") || jd_starts(rd, "@PJL") || jd_starts(rd, "%!PS") ||
	     jd_starts(rd, "\x1b" "E")))
		return MK_PROBE_SURE;
	/* Any other job data (PCL, raster, text): only on the hinted port. */
	return MK_PROBE_MAYBE;
}

static enum mk_verdict jetdirect_parse(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
                                       struct mk_emit *out)
{
	struct jetdirect_state *st = state;

	*consumed = mk_rd_left(rd);
	if (dir == MK_DIR_TO_SERVER && *consumed > 0 && !st->job_seen) {
		st->job_seen = 1;
		mk_emit_operation(out, MK_OP_OTHER, "print_job");
	}
	return MK_V_OK;
}

const struct mk_proto mk_proto_jetdirect = {
	.abi = MK_PROTO_ABI,
	.name = "jetdirect",
	.id = MK_PROTO_JETDIRECT,
	.transports = MK_TRANSPORT_TCP,
	.state_size = sizeof(struct jetdirect_state),
	.max_buffer = 64,
	.probe = jetdirect_probe,
	.parse = jetdirect_parse,
	.events = jetdirect_events,
};
