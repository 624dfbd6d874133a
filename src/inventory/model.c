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
