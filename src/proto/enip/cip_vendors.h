/* cip_vendors.h - CIP vendor id -> name, from data/cip_vendors.tsv. */
#ifndef MK_PROTO_ENIP_CIP_VENDORS_H
#define MK_PROTO_ENIP_CIP_VENDORS_H

#include <stdint.h>

/* The vendor's name, or NULL when the id is not in the table.  The table is
 * loaded from data/cip_vendors.tsv on first use (once; a missing file gives an
 * empty table).  The returned string lives until the program ends. */
const char *mk_enip_vendor_name(uint16_t id);

#endif /* MK_PROTO_ENIP_CIP_VENDORS_H */
