/* proto.h - the application-protocol plug-in seam.
 *
 * Each src/proto/NAME/NAME.c defines exactly one `const struct mk_proto
 * mk_proto_NAME` and lists nothing else globally.  cmake/protocols.cmake holds the
 * ordered list of NAMEs from which the build generates the registry; probe order
 * follows that list, with false-positive-prone probes last.  At start-up
 * mk_proto_registry_init() validates every descriptor and refuses to start on a
 * broken one (a broken plug-in fails at start-up, never on a packet).
 *
 * Port hints are data (data/ports.tsv), not part of the descriptor: ports are a
 * hint that orders probing, never proof.  See docs/NEW-PROTOCOL.md.
 */
#ifndef MIERUKA_PROTO_H
#define MIERUKA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "mieruka/facts.h"
#include "mieruka/rd.h"

#define MK_PROTO_ABI 1 /* bump when struct mk_proto changes */

enum mk_dir {
	MK_DIR_TO_SERVER = 0,
	MK_DIR_TO_CLIENT = 1,
};

/* Which traffic a parser is offered. */
enum mk_transport {
	MK_TRANSPORT_TCP = 1u << 0, /* ordered, reassembled byte stream per direction */
	MK_TRANSPORT_UDP = 1u << 1, /* one call per datagram */
	MK_TRANSPORT_L2 = 1u << 2,  /* one call per frame, by EtherType or LLC/SNAP */
};

enum mk_verdict {
	MK_V_OK,      /* *consumed bytes are done; call again with the rest */
	MK_V_NEED,    /* an incomplete PDU: *consumed whole PDUs done, the rest is
	               * kept (up to max_buffer) and offered again with more bytes */
	MK_V_INVALID, /* not this protocol, or unrecoverable: stop parsing this flow */
	MK_V_NOMEM,   /* a cap was hit: the flow keeps its metadata only */
};

/* Probe answers: confidence 0..100 that the bytes are this protocol. */
#define MK_PROBE_NO 0
#define MK_PROBE_MAYBE 50   /* keep looking at later packets */
#define MK_PROBE_SURE 100

struct mk_l2_match {
	uint16_t ethertype; /* 0 = match by SNAP below */
	uint32_t snap_oui;  /* with ethertype 0: SNAP OUI ... */
	uint16_t snap_pid;  /* ... and protocol id (CDP: 0x00000c / 0x2000) */
	uint8_t dsap;       /* with both 0: LLC DSAP (STP: 0x42) */
};

struct mk_proto {
	uint32_t abi;                /* must equal MK_PROTO_ABI */
	const char *name;            /* stable PROTO name, e.g. "dhcp" */
	uint16_t id;                 /* enum mk_proto_id */
	uint8_t transports;          /* enum mk_transport bits */
	const struct mk_l2_match *l2;/* L2 only: {0}-terminated list */
	size_t state_size;           /* per-flow state; the core allocates, zeroes, frees */
	size_t max_buffer;           /* cap on bytes the core keeps for one NEED (TCP) */

	/* Pure: how sure are we that rd (the first payload of dir) is this protocol?
	 * Reads only; never emits.  Required for TCP/UDP.  Optional for L2, where
	 * it is asked for every frame of a flow not yet labelled: NO leaves the
	 * frame to the next plug-in of the same EtherType, or to none. */
	int (*probe)(struct mk_rd *rd, enum mk_dir dir);

	/* Parses from rd.  TCP: rd holds ordered bytes; report whole PDUs done in
	 * *consumed.  UDP/L2: rd is one datagram/frame; *consumed is ignored.
	 * Borrow-only: keep no pointer into rd after returning. */
	enum mk_verdict (*parse)(void *state, struct mk_rd *rd, enum mk_dir dir, size_t *consumed,
	                         struct mk_emit *out);

	/* TCP only, optional: bytes were lost before the next call in dir.
	 * Return MK_V_OK to resync at the next call, MK_V_INVALID to give up. */
	enum mk_verdict (*gap)(void *state, enum mk_dir dir);

	/* Optional: free what parse() allocated inside state (the core frees state). */
	void (*reset)(void *state);

	/* Named anomaly events this parser may emit, NULL-terminated. */
	const char *const *events;
};

/* The generated registry, in probe order. */
extern const struct mk_proto *const mk_proto_registry[];
extern const size_t mk_proto_registry_count;

/* Validates every descriptor; returns 0, or -1 after printing why to stderr. */
int mk_proto_registry_init(void);
const struct mk_proto *mk_proto_find(const char *name);
const struct mk_proto *mk_proto_by_id(unsigned id);

#endif /* MIERUKA_PROTO_H */
