/* model.c - helpers for the records of model.h: clearing (freeing what a
 * record owns) and the protocol bit sets. */
#include "mieruka/model.h"

#include <stdlib.h>
#include <string.h>

void mk_proto_set_add(struct mk_proto_set *set, unsigned id)
{
	/* Ids come from enum mk_proto_id, but a database row of a newer version
	 * may carry an id we do not know: ignore it rather than write past. */
	if (set == NULL || id >= MK_PROTO_COUNT)
		return;
	set->bits[id / 64] |= (uint64_t)1 << (id % 64);
}

bool mk_proto_set_has(const struct mk_proto_set *set, unsigned id)
{
	if (set == NULL || id >= MK_PROTO_COUNT)
		return false;
	return (set->bits[id / 64] >> (id % 64)) & 1;
}

void mk_asset_rec_clear(struct mk_asset_rec *rec)
{
	if (rec == NULL)
		return;
	free(rec->ips);
	free(rec->vendor);
	for (size_t i = 0; i < rec->n_names; i++)
		free(rec->names[i].name);
	free(rec->names);
	for (size_t i = 0; i < rec->n_roles; i++) {
		for (size_t j = 0; j < rec->roles[i].n_reasons; j++)
			free(rec->roles[i].reasons[j]);
		free(rec->roles[i].reasons);
	}
	free(rec->roles);
	if (rec->identity != NULL) {
		free(rec->identity->vendor);
		free(rec->identity->product);
		free(rec->identity->model);
		free(rec->identity->firmware);
		free(rec->identity->serial);
		free(rec->identity);
	}
	free(rec->os);
	for (size_t i = 0; i < rec->n_attrs; i++) {
		free(rec->attrs[i].key);
		free(rec->attrs[i].value);
	}
	free(rec->attrs);
	/* A cleared record is an empty record: safe to clear twice or reuse. */
	memset(rec, 0, sizeof(*rec));
}

void mk_capture_rec_clear(struct mk_capture_rec *rec)
{
	if (rec == NULL)
		return;
	free(rec->file);
	for (size_t i = 0; i < rec->n_warnings; i++)
		free(rec->warnings[i]);
	free(rec->warnings);
	memset(rec, 0, sizeof(*rec));
}

static const char *const severity_names[MK_SEV_COUNT] = {
	"info", "low", "medium", "high", "critical",
};

const char *mk_severity_name(unsigned sev)
{
	return sev < MK_SEV_COUNT ? severity_names[sev] : "info";
}

int mk_severity_from_name(const char *name)
{
	for (unsigned i = 0; name != NULL && i < MK_SEV_COUNT; i++)
		if (strcmp(severity_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *const alert_status_names[MK_ALERT_STATUS_COUNT] = {
	"open", "acknowledged", "planned", "accepted"};

const char *mk_alert_status_name(unsigned st)
{
	return st < MK_ALERT_STATUS_COUNT ? alert_status_names[st] : "open";
}

int mk_alert_status_from_name(const char *name)
{
	for (int i = 0; name != NULL && i < MK_ALERT_STATUS_COUNT; i++)
		if (strcmp(alert_status_names[i], name) == 0)
			return i;
	return -1;
}

void mk_alert_rec_clear(struct mk_alert_rec *rec)
{
	if (rec == NULL)
		return;
	free(rec->title_en);
	free(rec->title_ja);
	free(rec->detail_en);
	free(rec->detail_ja);
	free(rec->status_note);
	for (size_t i = 0; i < rec->n_evidence; i++) {
		free(rec->evidence[i].key);
		free(rec->evidence[i].value);
	}
	free(rec->evidence);
	memset(rec, 0, sizeof(*rec));
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int mk_alert_rec_copy(struct mk_alert_rec *dst, const struct mk_alert_rec *src)
{
	bool oom = false;

	*dst = *src;
	dst->title_en = dup_or_null(src->title_en);
	dst->title_ja = dup_or_null(src->title_ja);
	dst->detail_en = dup_or_null(src->detail_en);
	dst->detail_ja = dup_or_null(src->detail_ja);
	dst->status_note = dup_or_null(src->status_note);
	oom = (src->status_note && !dst->status_note) || (src->title_en && !dst->title_en) || (src->title_ja && !dst->title_ja) ||
	      (src->detail_en && !dst->detail_en) || (src->detail_ja && !dst->detail_ja);
	dst->evidence = NULL;
	dst->n_evidence = 0;
	if (!oom && src->n_evidence > 0) {
		dst->evidence = calloc(src->n_evidence, sizeof(*dst->evidence));
		if (dst->evidence == NULL)
			oom = true;
		for (size_t i = 0; !oom && i < src->n_evidence; i++) {
			dst->evidence[i].key = dup_or_null(src->evidence[i].key);
			dst->evidence[i].value = dup_or_null(src->evidence[i].value);
			dst->n_evidence++;
			if (dst->evidence[i].key == NULL || dst->evidence[i].value == NULL)
				oom = true;
		}
	}
	if (oom) {
		mk_alert_rec_clear(dst);
		return -1;
	}
	return 0;
}
