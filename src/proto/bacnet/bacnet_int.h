/* bacnet_int.h - helpers shared inside the BACnet/IP plug-in (src/proto/bacnet/). */
#ifndef MK_PROTO_BACNET_INT_H
#define MK_PROTO_BACNET_INT_H

#include <stdint.h>

/* The vendor name ASHRAE assigned to id (data/bacnet_vendors.tsv), or NULL. */
const char *bac_vendor_name(uint32_t id);

#endif /* MK_PROTO_BACNET_INT_H */
