/* anydesk.c - AnyDesk remote desktop: TLS on AnyDesk's own ports.
 *
 * AnyDesk clients speak TLS 1.2 (AnyDesk help center, "Security": all sessions
 * use TLS 1.2 with AEAD) to the AnyDesk network (relay-*.net.anydesk.com) on TCP
 * 80, 443 and 6568, and to each other in a LAN on TCP 7070 (help center
 * "Firewall").  The bytes are ordinary TLS, so this plug-in runs the TLS probe
 * and parser (src/proto/tls) and only gives the flow its name:
 * - on its ports (data/ports.tsv: tcp 7070, tcp 6568) the port hint makes this
 *   probe run before the TLS one, and it answers as TLS would;
 * - elsewhere it comes after tls in cmake/protocols.cmake, so TLS on other
 *   ports stays "tls";
 * - TLS to the AnyDesk network on 443 is named by its server name instead: the
 *   engine relabels a TLS flow whose SNI ends in a suffix of data/tls_sni.tsv
 *   (anydesk.com, anydesk.net).
 * Facts (SNI, versions, certificate names) are the TLS parser's, said in the
 * name of anydesk.
 * specification: RFC 8446 / RFC 5246 through src/proto/tls/tls.c.
 */
#include "mieruka/proto.h"
#include "proto/tls/tls_int.h"

static int anydesk_probe(struct mk_rd *rd, enum mk_dir dir)
{
	return mk_proto_tls.probe(rd, dir);
}

static enum mk_verdict anydesk_parse(void *state, struct mk_rd *rd, enum mk_dir dir,
                                     size_t *consumed, struct mk_emit *out)
{
	return mk_proto_tls.parse(state, rd, dir, consumed, out);
}

const struct mk_proto mk_proto_anydesk = {
    .abi = MK_PROTO_ABI,
    .name = "anydesk",
    .id = MK_PROTO_ANYDESK,
    .transports = MK_TRANSPORT_TCP,
    .state_size = MK_TLS_STATE_SIZE,
    .max_buffer = MK_TLS_BUFFER,
    .probe = anydesk_probe,
    .parse = anydesk_parse,
    .events = mk_tls_events,
};
