/* report_map.c - the report's network map: a deterministic layout of the
 * asset ledger and its conversations, drawn as SVG (no script, no external
 * reference) for A4/A3 paper.
 *
 * Devices are grouped in boxes: by the user's zones when zones are defined
 * (devices in no zone by subnet), else by IPv4 /24, IPv6 /64 or "MAC only".
 * Hosts on the internet are not assets; when devices talk to public
 * addresses, one "internet" node stands for all of them.  Inside a box the
 * devices sit on a grid, controllers first (data/report/map_roles.tsv gives
 * each role its colour, shape, glyph and rank), then by name.  Boxes are
 * packed in rows, largest first.  Conversations are merged per device pair;
 * pairs inside one box are drawn between the devices (at most
 * MAP_MAX_DEDGES, industrial ones first, then by bytes), pairs across boxes
 * are merged into one line per pair of boxes (its width grows with the
 * bytes, orange when an industrial protocol is among them).  Above
 * MK_MAP_MAX_DEVICES devices the boxes are drawn without their devices,
 * with their role counts: the report's device table has them all.
 *
 * Same input, same picture: every order is a total order (keys, then ids).
 * The industrial protocols are data/rules/zones.tsv's conduit_proto lines,
 * as on the dashboard's map.
 */
#include "assess/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mieruka/zones.h"

#define MK_MAP_MAX_DEVICES 600 /* drawn one by one up to this many */
#define MAP_MAX_DEDGES 800
#define MAP_MAX_GROUPS 400     /* boxes drawn (largest first) */
#define MAP_MIN_W 1000.0   /* the canvas width is chosen in this range */
#define MAP_MAX_W 2400.0
#define MAP_MARGIN 20.0
#define MAP_GAP 40.0
#define MAP_PAD 14.0
#define MAP_TITLE_H 32.0
#define MAP_CW 124.0
#define MAP_CH 80.0
#define MAP_NODE_R 15.0
#define MAP_LABEL_COLS 19      /* display columns of a node's label */
#define MAP_BOX_MIN_W 170.0
#define MAP_FONT "Noto Sans CJK JP, IPAexGothic, Noto Sans JP, sans-serif"

/* ---- styles and industrial protocols (data files) ---- */

void mk_map_styles(struct mk_map_style styles[MK_ROLE_COUNT + 1])
{
	char path[1024], line[512];
	FILE *f;

	for (int i = 0; i <= MK_ROLE_COUNT; i++) {
		snprintf(styles[i].colour, sizeof(styles[i].colour), "#adb5bd");
		styles[i].shape = MK_SHAPE_CIRCLE;
		snprintf(styles[i].glyph, sizeof(styles[i].glyph), "?");
		styles[i].order = 99;
	}
	if (!mk_data_path("report/map_roles.tsv", path, sizeof(path)) ||
	    (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fld[6], *nl = strpbrk(line, "\r\n");
		unsigned long order;
		int role;
		size_t n;

		if (nl != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = mk_split_tabs(line, fld, 6);
		if (n != 5)
			continue;
		role = strcmp(fld[0], "internet") == 0 ? MK_MAP_STYLE_INTERNET
		                                       : mk_role_from_name(fld[0]);
		/* a colour is "#" and six hex digits, so it can go into an attribute */
		if (role < 0 || strlen(fld[1]) != 7 || fld[1][0] != '#' ||
		    strspn(fld[1] + 1, "0123456789abcdefABCDEF") != 6 || strlen(fld[3]) > 4 ||
		    !mk_parse_ulong(fld[4], 1000, &order))
			continue;
		memcpy(styles[role].colour, fld[1], 8);
		styles[role].shape = strcmp(fld[2], "rect") == 0      ? MK_SHAPE_RECT
		                     : strcmp(fld[2], "diamond") == 0 ? MK_SHAPE_DIAMOND
		                                                      : MK_SHAPE_CIRCLE;
		snprintf(styles[role].glyph, sizeof(styles[role].glyph), "%s", fld[3]);
		styles[role].order = (int)order;
	}
	fclose(f);
}

static void load_industrial(struct mk_proto_set *set)
{
	char path[1024], line[256];
	FILE *f;

	memset(set, 0, sizeof(*set));
	if (!mk_data_path("rules/zones.tsv", path, sizeof(path)) || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *nl = strpbrk(line, "\r\n");
		int id;

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "conduit_proto\t", 14) == 0 &&
		    (id = mk_proto_id_from_name(line + 14)) >= 0)
			mk_proto_set_add(set, (unsigned)id);
	}
	fclose(f);
}

/* ---- grouping ---- */

struct slot {
	size_t asset;          /* MK_MAP_INTERNET for the internet node */
	char key[64];
	char name[200];
	int order;             /* role rank */
	char label[128];       /* sort key within the group (after the role) */
};

static int slot_cmp(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	if (c != 0)
		return c;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	if ((c = strcmp(a->label, b->label)) != 0)
		return c;
	return (a->asset > b->asset) - (a->asset < b->asset);
}

static uint8_t first_role(const struct mk_asset_rec *a)
{
	return a->n_roles > 0 && a->roles[0].role < MK_ROLE_COUNT ? a->roles[0].role
	                                                          : (uint8_t)MK_ROLE_UNKNOWN;
}

/* The subnet key and name of an asset: IPv4 /24, IPv6 /64, or MAC only. */
static void subnet_of(const struct mk_asset_rec *a, enum mk_lang lang, char *key, size_t klen,
                      char *name, size_t nlen)
{
	const struct mk_addr *v4 = NULL, *v6 = NULL;
	char buf[MK_ADDR_STRLEN];

	for (size_t k = 0; k < a->n_ips; k++) {
		if (a->ips[k].family == MK_AF_INET && v4 == NULL)
			v4 = &a->ips[k];
		if (a->ips[k].family == MK_AF_INET6 && v6 == NULL)
			v6 = &a->ips[k];
	}
	if (v4 != NULL) {
		/* zero-padded in the key so that subnets sort by number */
		snprintf(key, klen, "s4:%03u.%03u.%03u", v4->a[0], v4->a[1], v4->a[2]);
		snprintf(name, nlen, "%u.%u.%u.0/24", v4->a[0], v4->a[1], v4->a[2]);
	} else if (v6 != NULL) {
		struct mk_addr p = *v6;

		memset(p.a + 8, 0, 8);
		mk_addr_str(&p, buf);
		snprintf(key, klen, "s6:%s", buf);
		snprintf(name, nlen, "%s/64", buf);
	} else {
		snprintf(key, klen, "s9:l2");
		snprintf(name, nlen, "%s", mk_msg_lang("ar.map.l2", lang));
	}
}

static int edge_key_cmp(const void *x, const void *y)
{
	const struct mk_map_edge *a = x, *b = y;

	if (a->a != b->a)
		return (a->a > b->a) - (a->a < b->a);
	return (a->b > b->b) - (a->b < b->b);
}

static int edge_weight_cmp(const void *x, const void *y)
{
	const struct mk_map_edge *a = x, *b = y;

	if (a->industrial != b->industrial)
		return a->industrial ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return edge_key_cmp(x, y);
}

/* Sorts by key and merges equal keys; returns the new count. */
static size_t edges_merge(struct mk_map_edge *e, size_t n)
{
	size_t o = 0;

	if (n == 0)
		return 0;
	qsort(e, n, sizeof(*e), edge_key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (e[i].a == e[o].a && e[i].b == e[o].b) {
			for (size_t k = 0; k < MK_PROTO_SET_WORDS; k++)
				e[o].protos.bits[k] |= e[i].protos.bits[k];
			e[o].packets += e[i].packets;
			e[o].bytes += e[i].bytes;
			e[o].flows += e[i].flows;
			e[o].industrial = e[o].industrial || e[i].industrial;
		} else {
			e[++o] = e[i];
		}
	}
	return o + 1;
}

static int group_size_cmp(const void *x, const void *y)
{
	const struct mk_map_group *a = x, *b = y;

	/* the internet first: what leaves the plant is what a reader looks for */
	if (a->internet != b->internet)
		return a->internet ? -1 : 1;
	if (a->n_devices != b->n_devices)
		return a->n_devices < b->n_devices ? 1 : -1;
	return strcmp(a->key, b->key);
}

void mk_map_free(struct mk_map *m)
{
	if (m == NULL)
		return;
	free(m->nodes);
	free(m->groups);
	free(m->dedges);
	free(m->gedges);
	free(m);
}

/* The width a box's title needs: 14 px bold, about 7.4 px per display
 * column (a Japanese character takes two), and the margins. */
static double title_width(const char *title)
{
	return (double)mk_text_width(title) * 7.4 + 24.0;
}

/* Places the groups' boxes and their nodes. */
static void layout_at(struct mk_map *m, double W)
{
	double x = MAP_MARGIN, y = MAP_MARGIN, row_h = 0;
	size_t maxcols = (size_t)((W - 2 * MAP_MARGIN - 2 * MAP_PAD) / MAP_CW);

	for (size_t g = 0; g < m->n_groups; g++) {
		struct mk_map_group *gr = &m->groups[g];
		size_t n = gr->n, cols, rows;
		double w, h;

		if (m->collapsed && !gr->internet) {
			size_t lines = 0;

			for (int r = 0; r < MK_ROLE_COUNT; r++)
				lines += gr->roles[r] > 0;
			w = 250.0; /* room for "engineering workstation 120" */
			h = MAP_TITLE_H + (double)(lines > 0 ? lines : 1) * 18.0 + MAP_PAD;
			cols = rows = 0;
		} else {
			cols = (size_t)ceil(sqrt((double)n * 2.0));
			if (cols < 1)
				cols = 1;
			if (cols > n)
				cols = n > 0 ? n : 1;
			if (cols > maxcols)
				cols = maxcols;
			rows = (n + cols - 1) / cols;
			w = (double)cols * MAP_CW + 2 * MAP_PAD;
			h = MAP_TITLE_H + (double)rows * MAP_CH + MAP_PAD;
		}
		/* wide enough for its title, up to the page */
		if (w < MAP_BOX_MIN_W)
			w = MAP_BOX_MIN_W;
		if (w < title_width(gr->title))
			w = title_width(gr->title);
		if (w > W - 2 * MAP_MARGIN)
			w = W - 2 * MAP_MARGIN;
		if (x > MAP_MARGIN && x + w > W - MAP_MARGIN) {
			x = MAP_MARGIN;
			y += row_h + MAP_GAP;
			row_h = 0;
		}
		gr->x = x;
		gr->y = y;
		gr->w = w;
		gr->h = h;
		for (size_t i = 0; i < n && cols > 0; i++) {
			struct mk_map_node *nd = &m->nodes[gr->first + i];
			double used = (double)(cols < n ? cols : n) * MAP_CW;

			/* the grid is centred in the box */
			nd->x = x + (w - used) / 2 + (double)(i % cols) * MAP_CW + MAP_CW / 2;
			nd->y = y + MAP_TITLE_H + (double)(i / cols) * MAP_CH + MAP_NODE_R + 6;
		}
		x += w + MAP_GAP;
		if (h > row_h)
			row_h = h;
	}
	m->width = W;
	m->height = y + row_h + MAP_MARGIN;
}

/* The canvas width whose layout comes closest to the shape of the printed
 * page (A3 landscape, 1.41:1, less the legend): the narrowest of equals, so
 * a small network prints large.  Packing is one pass over the groups. */
static void layout(struct mk_map *m)
{
	double best_w = MAP_MIN_W, best = INFINITY;

	for (double W = MAP_MIN_W; W <= MAP_MAX_W; W += 200.0) {
		double d;

		layout_at(m, W);
		d = fabs(log(m->width / (m->height + 70.0) / 1.41));
		if (d < best - 1e-9) {
			best = d;
			best_w = W;
		}
	}
	layout_at(m, best_w);
}

int mk_map_build(const struct mk_report *r, enum mk_lang lang, struct mk_map **out)
{
	struct mk_map *m = calloc(1, sizeof(*m));
	struct mk_map_style styles[MK_ROLE_COUNT + 1];
	struct mk_proto_set industrial;
	struct mk_report_index *ix = NULL;
	struct slot *slots = NULL;
	size_t *node_of = NULL, n_slots = 0, n_assets = r != NULL ? r->n_assets : 0;
	struct mk_map_edge *all = NULL;
	size_t n_all = 0;
	bool internet = false;

	*out = NULL;
	if (m == NULL)
		return -1;
	if (n_assets == 0) {
		m->width = 1000.0;
		m->height = 2 * MAP_MARGIN;
		*out = m;
		return 0;
	}
	mk_map_styles(styles);
	load_industrial(&industrial);
	m->collapsed = n_assets > MK_MAP_MAX_DEVICES;
	m->by_zone = r->zones != NULL && r->asset_zone != NULL;
	if ((ix = mk_report_index_new(r)) == NULL)
		goto fail;

	/* device pairs (unit n_assets = the internet) */
	if (r->n_convs > 0 && (all = calloc(r->n_convs, sizeof(*all))) == NULL)
		goto fail;
	for (size_t i = 0; i < r->n_convs; i++) {
		const struct mk_conv_rec *c = &r->convs[i];
		size_t ca = mk_report_asset_of(ix, &c->client), sa = mk_report_asset_of(ix, &c->server);
		struct mk_map_edge *e = &all[n_all];

		if (ca == (size_t)-1 && c->client.family != MK_AF_MAC &&
		    !mk_addr_is_private(&c->client) && !mk_addr_is_special(&c->client))
			ca = n_assets;
		if (sa == (size_t)-1 && c->server.family != MK_AF_MAC &&
		    !mk_addr_is_private(&c->server) && !mk_addr_is_special(&c->server))
			sa = n_assets;
		if (ca == (size_t)-1 || sa == (size_t)-1 || ca == sa)
			continue;
		internet = internet || ca == n_assets || sa == n_assets;
		e->a = ca < sa ? ca : sa;
		e->b = ca < sa ? sa : ca;
		if (c->proto < MK_PROTO_COUNT)
			mk_proto_set_add(&e->protos, c->proto);
		e->packets = c->packets;
		e->bytes = c->bytes;
		e->flows = c->flows;
		e->industrial = c->proto < MK_PROTO_COUNT && mk_proto_set_has(&industrial, c->proto);
		n_all++;
	}
	n_all = edges_merge(all, n_all);

	/* one slot per device (and the internet), sorted into groups */
	if ((slots = calloc(n_assets + 1, sizeof(*slots))) == NULL)
		goto fail;
	for (size_t i = 0; i < n_assets; i++) {
		struct slot *s = &slots[n_slots++];
		const char *zid, *zname;
		char sub[120];

		s->asset = i;
		s->order = styles[first_role(&r->assets[i])].order;
		/* named devices by name, then the others by address in numeric order */
		{
			const struct mk_asset_rec *a = &r->assets[i];
			char name[120];

			mk_rpt_asset_name(r, i, name, sizeof(name));
			if (a->n_names == 0 && a->n_ips > 0 && a->ips[0].family == MK_AF_INET)
				snprintf(s->label, sizeof(s->label), "1%03u%03u%03u%03u", a->ips[0].a[0],
				         a->ips[0].a[1], a->ips[0].a[2], a->ips[0].a[3]);
			else
				snprintf(s->label, sizeof(s->label), "%c%s", a->n_names > 0 ? '0' : '2',
				         name);
		}
		if (m->by_zone && mk_report_asset_zone(r, i, &zid, &zname)) {
			snprintf(s->key, sizeof(s->key), "z:%s", zid);
			snprintf(s->name, sizeof(s->name), "%s", zname);
		} else {
			char skey[64];

			subnet_of(&r->assets[i], lang, skey, sizeof(skey), sub, sizeof(sub));
			snprintf(s->key, sizeof(s->key), "%s", skey);
			/* zones defined: say these devices are in none */
			if (m->by_zone)
				mk_rpt_fill(s->name, sizeof(s->name), mk_msg_lang("ar.map.no_zone", lang),
				            (const char *const[]){"subnet", sub}, 1);
			else
				snprintf(s->name, sizeof(s->name), "%s", sub);
		}
	}
	if (internet) {
		struct slot *s = &slots[n_slots++];

		s->asset = MK_MAP_INTERNET;
		snprintf(s->key, sizeof(s->key), "~internet");
		snprintf(s->name, sizeof(s->name), "%s", mk_msg_lang("ar.map.internet", lang));
	}
	qsort(slots, n_slots, sizeof(*slots), slot_cmp);

	/* groups: runs of equal keys */
	for (size_t i = 0; i < n_slots; i++)
		if (i == 0 || strcmp(slots[i].key, slots[i - 1].key) != 0)
			m->n_groups++;
	if ((m->groups = calloc(m->n_groups, sizeof(*m->groups))) == NULL ||
	    (node_of = malloc((n_assets + 1) * sizeof(*node_of))) == NULL)
		goto fail;
	{
		size_t g = (size_t)-1;

		for (size_t i = 0; i < n_slots; i++) {
			const struct slot *s = &slots[i];
			struct mk_map_group *gr;

			if (i == 0 || strcmp(s->key, slots[i - 1].key) != 0) {
				gr = &m->groups[++g];
				snprintf(gr->key, sizeof(gr->key), "%s", s->key);
				snprintf(gr->name, sizeof(gr->name), "%s", s->name);
				gr->first = i;
				gr->internet = s->asset == MK_MAP_INTERNET;
			}
			gr = &m->groups[g];
			gr->n_devices++;
			if (s->asset != MK_MAP_INTERNET)
				gr->roles[first_role(&r->assets[s->asset])]++;
		}
	}
	for (size_t g = 0; g < m->n_groups; g++) {
		struct mk_map_group *gr = &m->groups[g];
		char count[32], devices[96];
		const char *kv[2] = {"n", count};

		snprintf(count, sizeof(count), "%zu", gr->n_devices);
		mk_rpt_fill(devices, sizeof(devices), mk_msg_lang("ar.map.devices", lang), kv, 1);
		if (gr->internet)
			snprintf(gr->title, sizeof(gr->title), "%s", gr->name);
		else
			snprintf(gr->title, sizeof(gr->title), "%s (%s)", gr->name, devices);
	}
	/* largest groups first; nodes follow their group's new order */
	{
		struct mk_map_group *gs = m->groups;
		size_t nn = 0;

		for (size_t g = 0; g < m->n_groups; g++)
			gs[g].n = gs[g].n_devices;
		qsort(gs, m->n_groups, sizeof(*gs), group_size_cmp);
		if (m->n_groups > MAP_MAX_GROUPS)
			m->n_groups = MAP_MAX_GROUPS;
		if ((m->nodes = calloc(n_slots, sizeof(*m->nodes))) == NULL)
			goto fail;
		for (size_t i = 0; i <= n_assets; i++)
			node_of[i] = (size_t)-1;
		for (size_t g = 0; g < m->n_groups; g++) {
			size_t from = gs[g].first;

			gs[g].first = nn;
			for (size_t k = 0; k < gs[g].n; k++) {
				const struct slot *s = &slots[from + k];
				struct mk_map_node *nd = &m->nodes[nn];
				size_t unit = s->asset == MK_MAP_INTERNET ? n_assets : s->asset;

				/* collapsed maps draw no devices, but edges still need a group */
				node_of[unit] = nn;
				nd->asset = s->asset;
				nd->group = g;
				nd->role = s->asset == MK_MAP_INTERNET ? (uint8_t)MK_MAP_STYLE_INTERNET
				                                       : first_role(&r->assets[s->asset]);
				nn++;
			}
			if (m->collapsed && !gs[g].internet)
				gs[g].n = 0; /* boxes only */
		}
		m->n_nodes = nn;
	}

	/* edges: inside a group between devices, across groups between groups */
	if (n_all > 0 && ((m->dedges = calloc(n_all, sizeof(*m->dedges))) == NULL ||
	                  (m->gedges = calloc(n_all, sizeof(*m->gedges))) == NULL))
		goto fail;
	for (size_t i = 0; i < n_all; i++) {
		size_t na = node_of[all[i].a], nb = node_of[all[i].b], ga, gb;

		if (na == (size_t)-1 || nb == (size_t)-1)
			continue; /* a group beyond MAP_MAX_GROUPS */
		ga = m->nodes[na].group;
		gb = m->nodes[nb].group;
		if (all[i].industrial)
			m->groups[ga].industrial = m->groups[gb].industrial = true;
		if (ga == gb) {
			if (m->collapsed)
				continue;
			m->dedges[m->n_dedges] = all[i];
			m->dedges[m->n_dedges].a = na < nb ? na : nb;
			m->dedges[m->n_dedges].b = na < nb ? nb : na;
			m->n_dedges++;
		} else {
			m->gedges[m->n_gedges] = all[i];
			m->gedges[m->n_gedges].a = ga < gb ? ga : gb;
			m->gedges[m->n_gedges].b = ga < gb ? gb : ga;
			m->n_gedges++;
		}
	}
	m->n_gedges = edges_merge(m->gedges, m->n_gedges);
	if (m->n_gedges > 0)
		qsort(m->gedges, m->n_gedges, sizeof(*m->gedges), edge_weight_cmp);
	m->n_dedges_all = m->n_dedges;
	if (m->n_dedges > 0)
		qsort(m->dedges, m->n_dedges, sizeof(*m->dedges), edge_weight_cmp);
	if (m->n_dedges > MAP_MAX_DEDGES)
		m->n_dedges = MAP_MAX_DEDGES;
	layout(m);
	free(all);
	free(slots);
	free(node_of);
	mk_report_index_free(ix);
	*out = m;
	return 0;
fail:
	free(all);
	free(slots);
	free(node_of);
	mk_report_index_free(ix);
	mk_map_free(m);
	return -1;
}

/* ---- drawing ---- */

void mk_map_protos(const struct mk_proto_set *set, size_t max, enum mk_lang lang, char *buf,
                   size_t len)
{
	struct mk_proto_set industrial;
	size_t n = 0, used = 0;

	load_industrial(&industrial);
	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++)
		for (unsigned id = 0; id < MK_PROTO_COUNT; id++) {
			bool ind = mk_proto_set_has(&industrial, id);

			if (!mk_proto_set_has(set, id) || ind != (pass == 0))
				continue;
			if (n == max) {
				if (used + 4 < len)
					snprintf(buf + used, len - used, ", \xe2\x80\xa6");
				return;
			}
			if (used + 1 < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
				                         n > 0 ? ", " : "",
				                         id == MK_PROTO_UNKNOWN
				                                 ? mk_msg_lang("ar.map.proto_unknown", lang)
				                                 : mk_proto_id_name(id));
			if (used >= len)
				used = len - 1;
			n++;
		}
}

/* Copies s cut to maxw display columns (an ellipsis when cut). */
static void fit(char *dst, size_t dstlen, const char *s, size_t maxw)
{
	size_t i = 0, w = 0, n = strlen(s);

	if (maxw < 2)
		maxw = 2;
	if (mk_text_width(s) <= maxw) {
		snprintf(dst, dstlen, "%s", s);
		return;
	}
	while (i < n) {
		size_t len = 1;
		char one[5];

		while (i + len < n && ((unsigned char)s[i + len] & 0xc0) == 0x80 && len < 4)
			len++;
		memcpy(one, s + i, len);
		one[len] = '\0';
		if (w + mk_text_width(one) > maxw - 1 || i + len + 4 > dstlen)
			break;
		w += mk_text_width(one);
		i += len;
	}
	memcpy(dst, s, i);
	memcpy(dst + i, "\xe2\x80\xa6", 4);
}

static double edge_width(uint64_t bytes, double base, double per, double max)
{
	double w = base + log10((double)bytes + 1.0) * per;

	return w > max ? max : w;
}

static void shape(FILE *f, const struct mk_map_style *st, double x, double y, double r)
{
	switch (st->shape) {
	case MK_SHAPE_RECT:
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" fill=\"%s\" "
		           "stroke=\"#ffffff\" stroke-width=\"2\"/>",
		        x - r * 1.2, y - r, r * 2.4, r * 2, st->colour);
		break;
	case MK_SHAPE_DIAMOND:
		fprintf(f, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" "
		           "stroke=\"#ffffff\" stroke-width=\"2\"/>",
		        x, y - r * 1.2, x + r * 1.2, y, x, y + r * 1.2, x - r * 1.2, y, st->colour);
		break;
	default:
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\" "
		           "stroke-width=\"2\"/>",
		        x, y, r, st->colour);
	}
}

static bool inside_box(const struct mk_map *m, double x, double y)
{
	for (size_t g = 0; g < m->n_groups; g++) {
		const struct mk_map_group *gr = &m->groups[g];

		if (x >= gr->x - 4 && x <= gr->x + gr->w + 4 && y >= gr->y - 4 &&
		    y <= gr->y + gr->h + 4)
			return true;
	}
	return false;
}

/* The point where the line from the centre of g towards (tx, ty) leaves its box. */
static void box_exit(const struct mk_map_group *g, double tx, double ty, double *x, double *y)
{
	double cx = g->x + g->w / 2, cy = g->y + g->h / 2, dx = tx - cx, dy = ty - cy;
	double sx = dx != 0 ? (g->w / 2) / fabs(dx) : INFINITY;
	double sy = dy != 0 ? (g->h / 2) / fabs(dy) : INFINITY;
	double s = sx < sy ? sx : sy;

	if (!isfinite(s) || s > 1)
		s = 1;
	*x = cx + dx * s;
	*y = cy + dy * s;
}

static void text_el(FILE *f, double x, double y, double size, const char *fill,
                    const char *weight, const char *anchor, const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" fill=\"%s\"%s%s%s text-anchor=\"%s\">",
	        x, y, size, fill, weight != NULL ? " font-weight=\"" : "",
	        weight != NULL ? weight : "", weight != NULL ? "\"" : "", anchor);
	mk_xml_text(f, text);
	fputs("</text>", f);
}

void mk_map_svg(FILE *f, const struct mk_map *m, const struct mk_report *r, enum mk_lang lang)
{
	struct mk_map_style styles[MK_ROLE_COUNT + 1];
	bool used[MK_ROLE_COUNT + 1] = {false};
	double legend_y = m->height, lx;
	double height = m->height + 70;

	mk_map_styles(styles);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"netmap\" viewBox=\"0 0 %.0f %.0f\" "
	           "width=\"%.0f\" height=\"%.0f\" font-family=\"%s\" role=\"img\" aria-label=\"",
	        m->width, height, m->width, height, MAP_FONT);
	mk_xml_text(f, mk_msg_lang("ar.map.title", lang));
	fputs("\">\n<title>", f);
	mk_xml_text(f, mk_msg_lang("ar.map.title", lang));
	fputs("</title>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
	        m->width, height);
	if (m->n_groups == 0) {
		text_el(f, MAP_MARGIN, 40, 16, "#495057", NULL, "start",
		        mk_msg_lang("ar.map.empty", lang));
		fputs("</svg>\n", f);
		return;
	}

	/* group edges behind the boxes: only the part between boxes shows */
	fputs("<g class=\"group-edges\" fill=\"none\" stroke-linecap=\"round\">\n", f);
	for (size_t i = 0; i < m->n_gedges; i++) {
		const struct mk_map_edge *e = &m->gedges[i];
		const struct mk_map_group *a = &m->groups[e->a], *b = &m->groups[e->b];

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		           "stroke-width=\"%.1f\" stroke-opacity=\"0.7\"/>\n",
		        a->x + a->w / 2, a->y + a->h / 2, b->x + b->w / 2, b->y + b->h / 2,
		        e->industrial ? "#d9480f" : "#868e96", edge_width(e->bytes, 2, 0.8, 10));
	}
	fputs("</g>\n<g class=\"groups\">\n", f);
	for (size_t g = 0; g < m->n_groups; g++) {
		const struct mk_map_group *gr = &m->groups[g];
		char title[300];

		/* only a title wider than the page is cut */
		fit(title, sizeof(title), gr->title, (size_t)((gr->w - 24) / 7.4));
		fprintf(f, "<g class=\"group\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		           "rx=\"8\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>",
		        gr->x, gr->y, gr->w, gr->h, gr->internet ? "#f8f9fa" : "#f1f3f5",
		        gr->industrial ? "#d9480f" : "#adb5bd", gr->industrial ? "3" : "1.2");
		text_el(f, gr->x + 10, gr->y + 21, 14, "#212529", "bold", "start", title);
		if (m->collapsed && !gr->internet) {
			double ly = gr->y + MAP_TITLE_H + 12;

			for (int ro = 0; ro < MK_ROLE_COUNT; ro++) {
				char line[160], key[48];

				if (gr->roles[ro] == 0)
					continue;
				snprintf(key, sizeof(key), "role.%s", mk_role_name((unsigned)ro));
				snprintf(line, sizeof(line), "%s %u", mk_msg_lang(key, lang), gr->roles[ro]);
				shape(f, &styles[ro], gr->x + 18, ly - 4, 6);
				used[ro] = true;
				text_el(f, gr->x + 32, ly, 12, "#343a40", NULL, "start", line);
				ly += 18;
			}
		}
		fputs("</g>\n", f);
	}
	fputs("</g>\n<g class=\"device-edges\" fill=\"none\">\n", f);
	for (size_t i = 0; i < m->n_dedges; i++) {
		const struct mk_map_edge *e = &m->dedges[i];
		const struct mk_map_node *a = &m->nodes[e->a], *b = &m->nodes[e->b];
		double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2, dx = b->x - a->x,
		       dy = b->y - a->y;

		/* a slight bend, so edges along a grid row do not run through the nodes */
		fprintf(f, "<path d=\"M%.1f %.1fQ%.1f %.1f %.1f %.1f\" stroke=\"%s\" stroke-width=\"%.1f\" "
		           "stroke-opacity=\"0.6\"/>\n",
		        a->x, a->y, mx - dy * 0.18, my + dx * 0.18, b->x, b->y,
		        e->industrial ? "#d9480f" : "#868e96", edge_width(e->bytes, 0.8, 0.35, 4));
	}
	fputs("</g>\n<g class=\"devices\">\n", f);
	for (size_t g = 0; g < m->n_groups; g++) {
		const struct mk_map_group *gr = &m->groups[g];

		for (size_t k = 0; k < gr->n; k++) {
			const struct mk_map_node *nd = &m->nodes[gr->first + k];
			const struct mk_map_style *st = &styles[nd->role];
			char name[160], label[200], addr[96] = "";

			used[nd->role] = true;
			if (nd->asset == MK_MAP_INTERNET) {
				snprintf(name, sizeof(name), "%s", mk_msg_lang("ar.map.internet_node", lang));
			} else {
				const struct mk_asset_rec *as = &r->assets[nd->asset];
				char ab[MK_ADDR_STRLEN];

				mk_rpt_asset_name(r, nd->asset, name, sizeof(name));
				if (as->n_ips > 0)
					snprintf(addr, sizeof(addr), "%s", mk_addr_str(&as->ips[0], ab));
				else if (as->mac.family == MK_AF_MAC)
					snprintf(addr, sizeof(addr), "%s", mk_addr_str(&as->mac, ab));
				if (strcmp(addr, name) == 0)
					addr[0] = '\0';
			}
			fit(label, sizeof(label), name, MAP_LABEL_COLS);
			fputs("<g class=\"device\">", f);
			shape(f, st, nd->x, nd->y, MAP_NODE_R);
			text_el(f, nd->x, nd->y + 3.5, 9, "#ffffff", "bold", "middle", st->glyph);
			/* labels on a halo of the box's colour: lines behind stay readable */
			fputs("<g stroke=\"#f1f3f5\" stroke-width=\"3\" paint-order=\"stroke\">", f);
			text_el(f, nd->x, nd->y + MAP_NODE_R + 15, 11, "#212529", NULL, "middle", label);
			if (addr[0] != '\0')
				text_el(f, nd->x, nd->y + MAP_NODE_R + 28, 9.5, "#495057", NULL, "middle",
				        addr);
			fputs("</g>", f);
			fputs("</g>\n", f);
		}
	}
	fputs("</g>\n<g class=\"group-edge-labels\">\n", f);
	for (size_t i = 0; i < m->n_gedges; i++) {
		const struct mk_map_edge *e = &m->gedges[i];
		const struct mk_map_group *a = &m->groups[e->a], *b = &m->groups[e->b];
		double ax, ay, bx, by, x, y;
		char protos[160];

		box_exit(a, b->x + b->w / 2, b->y + b->h / 2, &ax, &ay);
		box_exit(b, a->x + a->w / 2, a->y + a->h / 2, &bx, &by);
		x = (ax + bx) / 2;
		y = (ay + by) / 2;
		if (inside_box(m, x, y))
			continue; /* the line runs behind a box: the table under the map lists it */
		mk_map_protos(&e->protos, 3, lang, protos, sizeof(protos));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\" text-anchor=\"middle\" "
		           "stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">",
		        x, y + 4, e->industrial ? "#a33a0c" : "#343a40");
		mk_xml_text(f, protos);
		fputs("</text>\n", f);
	}
	fputs("</g>\n", f);

	/* legend: the roles drawn, then the two kinds of lines */
	fprintf(f, "<g class=\"legend\"><line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
	           "stroke=\"#dee2e6\"/>\n",
	        MAP_MARGIN, legend_y, m->width - MAP_MARGIN, legend_y);
	lx = MAP_MARGIN;
	for (int pass = 0; pass < 100 && lx < m->width - 150; pass++)
		for (int ro = 0; ro <= MK_ROLE_COUNT; ro++) {
			char key[48];
			const char *name;

			if (!used[ro] || styles[ro].order != pass)
				continue;
			if (ro == MK_MAP_STYLE_INTERNET) {
				name = mk_msg_lang("ar.map.internet_node", lang);
			} else {
				snprintf(key, sizeof(key), "role.%s", mk_role_name((unsigned)ro));
				name = mk_msg_lang(key, lang);
			}
			shape(f, &styles[ro], lx + 10, legend_y + 24, 9);
			text_el(f, lx + 24, legend_y + 28, 11, "#343a40", NULL, "start", name);
			lx += 34 + (double)mk_text_width(name) * 6.6;
			if (lx > m->width - 150)
				break;
		}
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#d9480f\" "
	           "stroke-width=\"4\"/>",
	        MAP_MARGIN, legend_y + 52, MAP_MARGIN + 34, legend_y + 52);
	text_el(f, MAP_MARGIN + 42, legend_y + 56, 11, "#343a40", NULL, "start",
	        mk_msg_lang("ar.map.legend_industrial", lang));
	lx = MAP_MARGIN + 60 + (double)mk_text_width(mk_msg_lang("ar.map.legend_industrial", lang)) * 6.6;
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#868e96\" "
	           "stroke-width=\"4\"/>",
	        lx, legend_y + 52, lx + 34, legend_y + 52);
	text_el(f, lx + 42, legend_y + 56, 11, "#343a40", NULL, "start",
	        mk_msg_lang("ar.map.legend_other", lang));
	fputs("</g>\n</svg>\n", f);
}

int mk_assess_map_svg(FILE *f, const struct mk_report *r, enum mk_lang lang)
{
	struct mk_map *m;

	if (mk_map_build(r, lang, &m) != 0)
		return -1;
	mk_map_svg(f, m, r, lang);
	mk_map_free(m);
	return ferror(f) ? -1 : 0;
}
