/* evidence_int.h - evidence rules as loaded from data/kb/evidence.kb
 * (src/assess/evidence.c; docs/ASSESSMENT.md "Evidence rules").
 *
 * A rule is a few match lines over the database's records (alerts, assets,
 * conversations), the answers it suggests and a text with {count} and
 * {detail}.  Everything lives in the knowledge base's arena. */
#ifndef MIERUKA_EVIDENCE_INT_H
#define MIERUKA_EVIDENCE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mieruka/assess.h"
#include "mieruka/model.h"

#define MK_EV_MAX_ITEMS 20     /* evidence items kept per suggestion (the rest counted) */
#define MK_EV_MAX_MATCHES 16   /* match lines per rule */
#define MK_EV_MAX_SUGGEST 8    /* suggested answers per rule */
#define MK_EV_MAX_TEXT 63      /* bytes of one vendor / host name / server name text */
#define MK_EV_DETAIL_SHOWN 3   /* item details written into {detail} */
#define MK_EV_MAX_MAC_PREFIXES 16 /* random_mac except_mac= prefixes */

enum mk_ev_match_kind {
	/* every kind but flat also takes [role=ROLE,...] [except_role=ROLE,...] [min=N] */
	MK_EV_ALERT,      /* alert TYPE[,TYPE...] [peer=] [planned=] */
	MK_EV_ROLE,       /* role ROLE[,ROLE...] */
	MK_EV_PROTOCOL,   /* protocol PROTO[,PROTO...] [peer=] [side=] */
	MK_EV_VENDOR,     /* vendor TEXT[,TEXT...] */
	MK_EV_HOSTNAME,   /* hostname TEXT[,TEXT...] */
	MK_EV_RANDOM_MAC, /* random_mac [except_mac=PREFIX,...] */
	MK_EV_FLAT,       /* flat ROLE[,ROLE...] ROLE[,ROLE...] [min=] */
	MK_EV_SNI,        /* sni TEXT[,TEXT...] */
	MK_EV_ATTR,       /* attr KEY TEXT[,TEXT...] */
	MK_EV_KINDS
};
enum mk_ev_peer { MK_EV_PEER_ANY, MK_EV_PEER_EXTERNAL, MK_EV_PEER_INTERNAL };
enum mk_ev_side { MK_EV_SIDE_ANY, MK_EV_SIDE_CLIENT, MK_EV_SIDE_SERVER };
enum mk_ev_planned { MK_EV_PLANNED_ANY, MK_EV_PLANNED_YES, MK_EV_PLANNED_NO };

struct mk_ev_match {
	enum mk_ev_match_kind kind;
	uint32_t line;               /* in the rule's file */
	const char **words;          /* alert types; vendor, host, server name or attribute texts */
	size_t n_words;
	const char *attr_key;        /* attr: the asset attribute's key */
	struct mk_proto_set protos;  /* protocol */
	uint32_t roles;              /* bit per enum mk_role: role, flat's first side, or role= */
	uint32_t roles_b;            /* flat: the second side */
	uint32_t except_roles;       /* except_role=: devices with one of these are left out */
	int min_confidence;          /* of all those roles (default 50) */
	uint8_t except_mac[MK_EV_MAX_MAC_PREFIXES][6]; /* random_mac: MAC prefixes left out */
	uint8_t except_mac_len[MK_EV_MAX_MAC_PREFIXES]; /* bytes of each prefix (1-6) */
	size_t n_except_mac;
	enum mk_ev_peer peer;
	enum mk_ev_side side;
	enum mk_ev_planned planned;
};

struct mk_ev_suggest {
	const char *key;             /* "use.wifi" or a countermeasure id */
	const char *value;           /* yes/no/unknown, or an answer id */
	size_t entry;                /* index into kb->entries, (size_t)-1 for cross-cutting ones */
};

struct mk_ev_rule {
	const char *id;
	struct mk_ev_match *matches;
	size_t n_matches;
	bool all;                    /* every match must find something (default: any) */
	struct mk_ev_suggest *suggest;
	size_t n_suggest;
	struct mk_kb_text text;      /* with {count} and {detail} */
	struct mk_kb_origin origin;
};

/* The stable name of a match kind ("alert", "role", ...); NULL out of range. */
const char *mk_ev_match_kind_name(unsigned kind);

#endif /* MIERUKA_EVIDENCE_INT_H */
