/* sni_apps_int.h - TLS server names that identify the application inside TLS
 * (data/tls_sni.tsv): a TLS flow whose ClientHello names a server under one
 * of these domains is labelled with the application (AnyDesk relays on 443).
 * Internal to src/core; the engine loads it and the tests include it. */
#ifndef MIERUKA_SNI_APPS_INT_H
#define MIERUKA_SNI_APPS_INT_H

#include <stddef.h>

#define MK_SNI_APPS_MAX 128 /* rules kept; more are reported as malformed */
#define MK_SNI_DOMAIN_MAX 128

struct mk_sni_apps;

/* Loads path (TAB-separated "domain<TAB>proto", # comments).  Malformed lines
 * are skipped and counted in *bad.  NULL with err when the file cannot be read
 * or on ENOMEM. */
struct mk_sni_apps *mk_sni_apps_load(const char *path, int *bad, char *err, size_t errlen);
void mk_sni_apps_free(struct mk_sni_apps *s);
/* The proto id of the rule whose domain is name (len bytes, untrusted) or a
 * parent of it ("relay-1.net.anydesk.com" is under "anydesk.com"), ASCII case
 * ignored; -1 when none. */
int mk_sni_apps_match(const struct mk_sni_apps *s, const char *name, size_t len);

#endif /* MIERUKA_SNI_APPS_INT_H */
