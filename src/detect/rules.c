/* rules.c - loads the detector's data files: data/rules/alerts.tsv (alert
 * types, severities, texts) and data/rules/detect.tsv (thresholds and lists).
 * The knowledge is in the data files; this is only their reader.  Malformed
 * lines are skipped and counted, like src/inventory/roles.c.
 * specification: our own TSV formats, described at the top of each file. */
#include "detect/detect_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/util.h"

#define RULES_MAX_LINE 8192

void mk_detect_rules_init(struct mk_detect_rules *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		r->op_alert[op] = -1;
	/* Used when the file does not set them (see detect.tsv for the reasoning). */
	r->control_role_min_confidence = 50;
	r->probe_max_packets = 3;
	r->scan_hosts_min = 8;
	r->scan_hosts_window_s = 7200;
	r->scan_ports_min = 10;
	r->scan_ports_window_s = 60;
	r->arp_sweep_min = 64;
	r->arp_sweep_window_s = 60;
	r->ledger_gap_s = 300;
	r->baseline_max_items = 30000;
	r->baseline_max_alerts = 2000;
	r->baseline_max_tracked = 32768;
	r->tick_s = 60;
	r->learn_capture_percent = 25;
	r->learn_live_hours = 72;
	r->volume_factor = 4;
	r->volume_floor_kb = 10000;
	r->silence_min_s = 900;
	r->silence_factor = 3;
	r->silence_min_ticks = 3;
	r->writer_role_min_confidence = 50;
	r->ipmac_max = 4096;
	r->ipmac_window_s = 600;
	r->ipmac_flip_min = 2;
	r->ipmac_claim_min = 3;
	r->ipmac_central_clients = 5;
	r->dhcp_servers_max = 64;
	r->dhcp_rival_prefix = 24;
	r->lateral_hosts_min = 5;
	r->lateral_window_s = 600;
	r->lateral_sources_max = 4096;
}

void mk_detect_rules_clear(struct mk_detect_rules *r)
{
	for (size_t i = 0; i < r->n_types; i++)
		for (int l = 0; l < 2; l++) {
			free(r->types[i].title[l]);
			free(r->types[i].detail[l]);
		}
	for (size_t i = 0; i < r->n_variants; i++)
		for (int l = 0; l < 2; l++) {
			free(r->variants[i].title[l]);
			free(r->variants[i].detail[l]);
		}
	mk_detect_rules_init(r);
}

int mk_detect_type_index(const struct mk_detect_rules *r, const char *id)
{
	for (size_t i = 0; i < r->n_types; i++)
		if (strcmp(r->types[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct mk_alert_variant *mk_detect_variant(const struct mk_detect_rules *r, int type,
                                                 const char *subject)
{
	if (subject == NULL || subject[0] == '\0')
		return NULL;
	for (size_t i = 0; i < r->n_variants; i++)
		if (r->variants[i].type == type && strcmp(r->variants[i].subject, subject) == 0)
			return &r->variants[i];
	return NULL;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long v;

	if (!mk_parse_ulong(s, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* A word: non-empty, fits, and plain ASCII identifier characters. */
static bool word_ok(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || n >= MK_DETECT_WORD_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Reads path line by line; calls fn for each non-comment line (without its
 * line end).  Returns malformed lines (fn false, or too long), or -1. */
static int each_line(const char *path, bool (*fn)(struct mk_detect_rules *, char *),
                     struct mk_detect_rules *r, char *err, size_t errlen)
{
	char *line = malloc(RULES_MAX_LINE);
	int bad = 0;
	FILE *f;

	if (line == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read %s", path);
		free(line);
		return -1;
	}
	while (fgets(line, RULES_MAX_LINE, f) != NULL) {
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			bad++;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (!fn(r, line))
			bad++;
	}
	fclose(f);
	free(line);
	return bad;
}

/* TYPE/SUBJECT severity title_en title_ja detail_en detail_ja: texts for the
 * alerts of an already listed TYPE with that subject. */
static bool variant_line(struct mk_detect_rules *r, char **f, int sev)
{
	char *slash = strchr(f[0], '/');
	struct mk_alert_variant *v;
	int type;

	*slash = '\0';
	if ((type = mk_detect_type_index(r, f[0])) < 0 || !word_ok(slash + 1) ||
	    strlen(slash + 1) >= MK_ALERT_SUBJECT_LEN || r->n_variants >= MK_DETECT_MAX_VARIANTS ||
	    mk_detect_variant(r, type, slash + 1) != NULL)
		return false;
	v = &r->variants[r->n_variants];
	memset(v, 0, sizeof(*v));
	v->type = (int16_t)type;
	snprintf(v->subject, sizeof(v->subject), "%s", slash + 1);
	v->severity = (uint8_t)sev;
	v->title[MK_LANG_EN] = strdup(f[2]);
	v->title[MK_LANG_JA] = strdup(f[3]);
	v->detail[MK_LANG_EN] = strdup(f[4]);
	v->detail[MK_LANG_JA] = strdup(f[5]);
	r->n_variants++; /* counted first: clear frees a partial entry */
	return v->title[0] != NULL && v->title[1] != NULL && v->detail[0] != NULL &&
	       v->detail[1] != NULL;
}

/* type severity title_en title_ja detail_en detail_ja */
static bool alert_line(struct mk_detect_rules *r, char *line)
{
	char *f[7];
	struct mk_alert_type *t;
	int sev;

	if (mk_split_tabs(line, f, 7) != 6)
		return false;
	if (strchr(f[0], '/') != NULL) {
		if ((sev = mk_severity_from_name(f[1])) < 0 || !f[2][0] || !f[3][0] || !f[4][0] ||
		    !f[5][0])
			return false;
		return variant_line(r, f, sev);
	}
	if (!word_ok(f[0]) || strlen(f[0]) >= MK_ALERT_TYPE_LEN ||
	    (sev = mk_severity_from_name(f[1])) < 0 || r->n_types >= MK_DETECT_MAX_TYPES ||
	    mk_detect_type_index(r, f[0]) >= 0)
		return false;
	for (int i = 2; i < 6; i++)
		if (f[i][0] == '\0')
			return false;
	t = &r->types[r->n_types];
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", f[0]);
	t->severity = (uint8_t)sev;
	t->title[MK_LANG_EN] = strdup(f[2]);
	t->title[MK_LANG_JA] = strdup(f[3]);
	t->detail[MK_LANG_EN] = strdup(f[4]);
	t->detail[MK_LANG_JA] = strdup(f[5]);
	r->n_types++; /* counted first: clear frees a partial entry */
	return t->title[0] != NULL && t->title[1] != NULL && t->detail[0] != NULL &&
	       t->detail[1] != NULL;
}

int mk_detect_rules_load_alerts(struct mk_detect_rules *r, const char *path, char *err,
                                size_t errlen)
{
	return each_line(path, alert_line, r, err, errlen);
}

static int op_from_name(const char *name)
{
	for (unsigned op = 0; op < MK_OP_COUNT; op++)
		if (strcmp(mk_op_class_name(op), name) == 0)
			return (int)op;
	return -1;
}

static bool set_line(struct mk_detect_rules *r, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t off;
		uint32_t min, max;
	} params[] = {
	    {"control_role_min_confidence",
	     offsetof(struct mk_detect_rules, control_role_min_confidence), 0, 100},
	    {"probe_max_packets", offsetof(struct mk_detect_rules, probe_max_packets), 1, 100},
	    {"scan_hosts_min", offsetof(struct mk_detect_rules, scan_hosts_min), 2, 512},
	    {"scan_hosts_window_s", offsetof(struct mk_detect_rules, scan_hosts_window_s), 1,
	     86400},
	    {"scan_ports_min", offsetof(struct mk_detect_rules, scan_ports_min), 2, 1024},
	    {"scan_ports_window_s", offsetof(struct mk_detect_rules, scan_ports_window_s), 1,
	     86400},
	    {"arp_sweep_min", offsetof(struct mk_detect_rules, arp_sweep_min), 2, 512},
	    {"arp_sweep_window_s", offsetof(struct mk_detect_rules, arp_sweep_window_s), 1, 86400},
	    {"ledger_gap_s", offsetof(struct mk_detect_rules, ledger_gap_s), 1, 86400},
	    {"baseline_max_items", offsetof(struct mk_detect_rules, baseline_max_items), 16,
	     10000000},
	    {"baseline_max_alerts", offsetof(struct mk_detect_rules, baseline_max_alerts), 1,
	     1000000},
	    {"baseline_max_tracked", offsetof(struct mk_detect_rules, baseline_max_tracked), 16,
	     10000000},
	    {"tick_s", offsetof(struct mk_detect_rules, tick_s), 1, 3600},
	    {"learn_capture_percent", offsetof(struct mk_detect_rules, learn_capture_percent), 1,
	     99},
	    {"learn_live_hours", offsetof(struct mk_detect_rules, learn_live_hours), 1, 8760},
	    {"volume_factor", offsetof(struct mk_detect_rules, volume_factor), 1, 1000},
	    {"volume_floor_kb", offsetof(struct mk_detect_rules, volume_floor_kb), 1, 100000000},
	    {"silence_min_s", offsetof(struct mk_detect_rules, silence_min_s), 60, 30 * 86400},
	    {"silence_factor", offsetof(struct mk_detect_rules, silence_factor), 1, 100},
	    {"silence_min_ticks", offsetof(struct mk_detect_rules, silence_min_ticks), 1, 100000},
	    {"writer_role_min_confidence",
	     offsetof(struct mk_detect_rules, writer_role_min_confidence), 0, 100},
	    {"ipmac_max", offsetof(struct mk_detect_rules, ipmac_max), 16, 1u << 20},
	    {"ipmac_window_s", offsetof(struct mk_detect_rules, ipmac_window_s), 1, 86400},
	    {"ipmac_flip_min", offsetof(struct mk_detect_rules, ipmac_flip_min), 1, 1000},
	    {"ipmac_claim_min", offsetof(struct mk_detect_rules, ipmac_claim_min), 2, 1000},
	    {"ipmac_central_clients", offsetof(struct mk_detect_rules, ipmac_central_clients), 2,
	     64},
	    {"dhcp_servers_max", offsetof(struct mk_detect_rules, dhcp_servers_max), 2, 4096},
	    {"dhcp_rival_prefix", offsetof(struct mk_detect_rules, dhcp_rival_prefix), 0, 32},
	    {"lateral_hosts_min", offsetof(struct mk_detect_rules, lateral_hosts_min), 2, 256},
	    {"lateral_window_s", offsetof(struct mk_detect_rules, lateral_window_s), 1, 86400},
	    {"lateral_sources_max", offsetof(struct mk_detect_rules, lateral_sources_max), 1,
	     1u << 20},
	};

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		uint32_t v;

		if (strcmp(params[i].name, name) != 0)
			continue;
		if (!parse_u32(value, params[i].max, &v) || v < params[i].min)
			return false;
		memcpy((char *)r + params[i].off, &v, sizeof(v));
		return true;
	}
	return false;
}

static bool detect_line(struct mk_detect_rules *r, char *line)
{
	char *f[4];
	size_t n = mk_split_tabs(line, f, 4);
	int a, b;

	if (n == 3 && strcmp(f[0], "set") == 0)
		return set_line(r, f[1], f[2]);
	if (n == 3 && strcmp(f[0], "op_alert") == 0) {
		if ((a = op_from_name(f[1])) < 0 || (b = mk_detect_type_index(r, f[2])) < 0)
			return false;
		r->op_alert[a] = (int16_t)b;
		return true;
	}
	if (n == 2 && strcmp(f[0], "controller") == 0) {
		if ((a = mk_proto_id_from_name(f[1])) < 0)
			return false;
		r->controller[a] = true;
		return true;
	}
	if (n == 2 && strcmp(f[0], "remote_access") == 0) {
		if ((a = mk_proto_id_from_name(f[1])) < 0)
			return false;
		r->remote[a] = true;
		return true;
	}
	if (n == 3 && strcmp(f[0], "lateral_port") == 0) {
		uint32_t port;

		if (!parse_u32(f[1], 65535, &port) || port == 0 || !word_ok(f[2]) ||
		    strlen(f[2]) >= sizeof(r->lateral_port[0].name) ||
		    r->n_lateral_ports >= MK_DETECT_MAX_PORTS)
			return false;
		r->lateral_port[r->n_lateral_ports].port = (uint16_t)port;
		snprintf(r->lateral_port[r->n_lateral_ports].name, sizeof(r->lateral_port[0].name),
		         "%s", f[2]);
		r->n_lateral_ports++;
		return true;
	}
	if (n == 2 && strcmp(f[0], "control_role") == 0) {
		if ((a = mk_role_from_name(f[1])) < 0)
			return false;
		r->control_role[a] = true;
		return true;
	}
	if (n == 2 && strcmp(f[0], "zone_high_role") == 0) {
		if ((a = mk_role_from_name(f[1])) < 0)
			return false;
		r->zone_high_role[a] = true;
		return true;
	}
	if (n == 2 && strcmp(f[0], "writer_role") == 0) {
		if ((a = mk_role_from_name(f[1])) < 0)
			return false;
		r->writer_role[a] = true;
		return true;
	}
	if (n == 3 && strcmp(f[0], "routine_alert") == 0) {
		if ((a = mk_proto_id_from_name(f[1])) < 0 || !word_ok(f[2]) ||
		    r->n_routine_alert >= MK_DETECT_MAX_WORDS)
			return false;
		r->routine_alert[r->n_routine_alert].key = (int16_t)a;
		snprintf(r->routine_alert[r->n_routine_alert].word, MK_DETECT_WORD_LEN, "%s", f[2]);
		r->n_routine_alert++;
		return true;
	}
	if (n == 3 && strcmp(f[0], "critical") == 0) {
		if ((a = mk_detect_type_index(r, f[1])) < 0 || !word_ok(f[2]) ||
		    r->n_critical >= MK_DETECT_MAX_WORDS)
			return false;
		r->critical[r->n_critical].key = (int16_t)a;
		snprintf(r->critical[r->n_critical].word, MK_DETECT_WORD_LEN, "%s", f[2]);
		r->n_critical++;
		return true;
	}
	if (n == 4 && strcmp(f[0], "ledger") == 0) {
		struct mk_detect_ledger_rule *lr = &r->ledger[r->n_ledger];

		if ((a = mk_proto_id_from_name(f[1])) < 0 || (b = op_from_name(f[2])) < 0 ||
		    !word_ok(f[3]) || r->n_ledger >= MK_DETECT_MAX_LEDGER)
			return false;
		lr->proto = (uint16_t)a;
		lr->op = (uint8_t)b;
		snprintf(lr->word, sizeof(lr->word), "%s", f[3]);
		r->ledger_ops[a] |= 1u << b;
		r->n_ledger++;
		return true;
	}
	if (n == 3 && strcmp(f[0], "anomaly") == 0) {
		if (!word_ok(f[1]) || (b = mk_detect_type_index(r, f[2])) < 0 ||
		    r->n_anomaly >= MK_DETECT_MAX_ANOMALIES)
			return false;
		snprintf(r->anomaly[r->n_anomaly].event, MK_DETECT_WORD_LEN, "%s", f[1]);
		r->anomaly[r->n_anomaly].type = (int16_t)b;
		r->n_anomaly++;
		return true;
	}
	return false;
}

int mk_detect_rules_load_detect(struct mk_detect_rules *r, const char *path, char *err,
                                size_t errlen)
{
	return each_line(path, detect_line, r, err, errlen);
}
