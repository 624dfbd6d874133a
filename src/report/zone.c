/* zone.c - the zone of each asset for the outputs (JSON "zone", the CSV zone
 * columns, the terminal's zone column), from the zones of the database. */
#include "mieruka/report.h"

#include <stdlib.h>

#include "mieruka/zones.h"

int mk_report_set_zones(struct mk_report *r, struct mk_zones *z)
{
	struct mk_zones_map *m;

	mk_zones_free(r->zones);
	free(r->asset_zone);
	r->zones = NULL;
	r->asset_zone = NULL;
	if (mk_zones_count(z) == 0) {
		mk_zones_free(z);
		return 0;
	}
	m = mk_zones_map_new(z, r->assets, r->n_assets);
	r->asset_zone = calloc(r->n_assets + 1, sizeof(*r->asset_zone));
	if (m == NULL || r->asset_zone == NULL) {
		mk_zones_map_free(m);
		free(r->asset_zone);
		r->asset_zone = NULL;
		mk_zones_free(z);
		return -1;
	}
	for (size_t i = 0; i < r->n_assets; i++)
		r->asset_zone[i] = mk_zones_map_asset(m, i);
	mk_zones_map_free(m);
	r->zones = z;
	return 0;
}

bool mk_report_asset_zone(const struct mk_report *r, size_t i, const char **id, const char **name)
{
	int z;

	if (r->zones == NULL || r->asset_zone == NULL || i >= r->n_assets ||
	    (z = r->asset_zone[i]) < 0 || (size_t)z >= mk_zones_count(r->zones))
		return false;
	*id = mk_zones_id(r->zones, (size_t)z);
	*name = mk_zones_name(r->zones, (size_t)z);
	return true;
}
