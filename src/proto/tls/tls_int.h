/* tls_int.h - what the TLS plug-in shares with the plug-ins of applications
 * that are plain TLS on their own ports (src/proto/anydesk): they run the TLS
 * probe and parser through mk_proto_tls and need its state size, buffer cap
 * and event names at compile time. */
#ifndef MIERUKA_TLS_INT_H
#define MIERUKA_TLS_INT_H

#include "mieruka/proto.h"

#define MK_TLS_STATE_SIZE 8                   /* >= sizeof(struct tls_state) */
#define MK_TLS_BUFFER (16384 + 64 * 5 + 1024) /* the TLS plug-in's max_buffer */

extern const char *const mk_tls_events[];
extern const struct mk_proto mk_proto_tls;

#endif /* MIERUKA_TLS_INT_H */
