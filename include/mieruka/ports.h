/* ports.h - port hints loaded from data/ports.tsv.
 *
 * A hint says "this port usually carries PROTO"; it orders probing and helps to
 * decide the server side of a flow whose handshake was not captured.  It is never
 * proof: protocols are identified by content.
 */
#ifndef MIERUKA_PORTS_H
#define MIERUKA_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MK_PORTS_MAX_PER_PORT 4

struct mk_ports;

/* Loads a ports.tsv file: "tcp|udp<TAB>port[-port]<TAB>proto[<TAB>weak][<TAB># source]".
 * A "weak" hint orders probing but never makes its port a service port (broad
 * vendor ranges such as SLMP's).  Returns NULL with a message (file:line:
 * reason) in err. */
struct mk_ports *mk_ports_load(const char *path, char *err, size_t errlen);
struct mk_ports *mk_ports_empty(void);
void mk_ports_free(struct mk_ports *ports);

/* Protocols hinted for (transport 6/17, port): up to MK_PORTS_MAX_PER_PORT ids,
 * returned count, in file order (weak hints included).  0 when the port has no hint. */
unsigned mk_ports_lookup(const struct mk_ports *ports, uint8_t transport, uint16_t port,
                         uint16_t out[MK_PORTS_MAX_PER_PORT]);
/* True when the port has at least one non-weak hint: used to orient flows. */
bool mk_ports_is_service(const struct mk_ports *ports, uint8_t transport, uint16_t port);

#endif /* MIERUKA_PORTS_H */
