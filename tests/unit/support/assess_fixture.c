/* assess_fixture.c - see assess_fixture.h. */
#include "support/assess_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_MAX 256

/* Everything allocated for one knowledge base, freed together. */
struct fx_mem {
	void **v;
	size_t n, cap;
};

static void *fx_alloc(struct mk_kb *kb, size_t n)
{
	struct fx_mem *m = kb->arena;
	void *p = calloc(1, n ? n : 1);

	if (p == NULL)
		abort();
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (m->v == NULL)
			abort();
	}
	m->v[m->n++] = p;
	return p;
}

static const char *fx_str(struct mk_kb *kb, const char *prefix, const char *s)
{
	size_t n = strlen(prefix) + strlen(s) + 1;
	char *p = fx_alloc(kb, n);

	snprintf(p, n, "%s%s", prefix, s);
	return p;
}

static struct mk_kb_text fx_text(struct mk_kb *kb, const char *id)
{
	return (struct mk_kb_text){fx_str(kb, "ja:", id), fx_str(kb, "en:", id)};
}

static void level(struct mk_kb *kb, struct mk_kb_level *l, const char *id)
{
	l->id = id;
	l->name = fx_text(kb, id);
}

struct mk_kb *fx_kb_new(void)
{
	static const char *const risks[] = {"stop", "leak", "tamper", "quality"};
	static const char *const stages[] = {"remove", "protect", "detect", "recover"};
	static const char *const ctypes[] = {"physical", "technical", "organizational"};
	static const char *const costs[] = {"free", "low", "medium", "high"};
	static const char *const efforts[] = {"day", "month", "project"};
	/* data/kb/scoring.kb's answers: id, implemented %, METI x100, IPA, flag */
	static const struct {
		const char *id;
		int impl, meti, ipa;
		enum mk_kb_answer_flag flag;
	} answers[] = {
	    {"reviewed", 100, 90, 4, MK_ANSWER_PLAIN}, {"documented", 100, 80, 4, MK_ANSWER_PLAIN},
	    {"done", 100, 60, 4, MK_ANSWER_PLAIN},     {"partial", 50, 40, 2, MK_ANSWER_PLAIN},
	    {"no", 0, 20, 0, MK_ANSWER_PLAIN},         {"unknown", 0, 20, -1, MK_ANSWER_UNKNOWN},
	    {"na", 0, 50, 4, MK_ANSWER_NA},
	};
	/* rows threat 1..3, columns vulnerability 1..3 (knowledge-base.md) */
	static const int damage[4][4] = {{0}, {0, 1, 1, 1}, {0, 1, 1, 2}, {0, 1, 2, 3}};
	struct mk_kb *kb = calloc(1, sizeof(*kb));

	if (kb == NULL || (kb->arena = calloc(1, sizeof(struct fx_mem))) == NULL)
		abort();
	for (unsigned i = 0; i < MK_KB_RISKS; i++)
		level(kb, &kb->risks[i], risks[i]);
	for (unsigned i = 0; i < MK_KB_STAGES; i++)
		level(kb, &kb->stages[i], stages[i]);
	for (unsigned i = 0; i < MK_KB_CTYPES; i++)
		level(kb, &kb->ctypes[i], ctypes[i]);
	for (unsigned i = 0; i < MK_KB_COSTS; i++)
		level(kb, &kb->costs[i], costs[i]);
	for (unsigned i = 0; i < MK_KB_EFFORTS; i++)
		level(kb, &kb->efforts[i], efforts[i]);
	kb->n_answers = sizeof(answers) / sizeof(answers[0]);
	kb->answers = fx_alloc(kb, kb->n_answers * sizeof(*kb->answers));
	for (size_t i = 0; i < kb->n_answers; i++) {
		kb->answers[i] = (struct mk_kb_answer){answers[i].id, fx_text(kb, answers[i].id),
		                                       answers[i].impl, answers[i].meti,
		                                       answers[i].ipa, answers[i].flag};
	}
	kb->n_bands = 3;
	kb->bands = fx_alloc(kb, 3 * sizeof(*kb->bands));
	kb->bands[0] = (struct mk_kb_band){"high", 6, fx_text(kb, "high"), fx_text(kb, "act-high")};
	kb->bands[1] = (struct mk_kb_band){"medium", 3, fx_text(kb, "medium"), fx_text(kb, "act-med")};
	kb->bands[2] = (struct mk_kb_band){"low", 1, fx_text(kb, "low"), fx_text(kb, "act-low")};
	memcpy(kb->scoring.damage, damage, sizeof(damage));
	kb->scoring.vulnerability1 = 80;
	kb->scoring.vulnerability2 = 30;
	kb->scoring.mitigation = 50;
	kb->entries = fx_alloc(kb, FX_MAX * sizeof(*kb->entries));
	kb->cms = fx_alloc(kb, FX_MAX * sizeof(*kb->cms));
	kb->meti_categories = fx_alloc(kb, FX_MAX * sizeof(*kb->meti_categories));
	kb->meti_items = fx_alloc(kb, FX_MAX * sizeof(*kb->meti_items));
	kb->meti_ranks = fx_alloc(kb, FX_MAX * sizeof(*kb->meti_ranks));
	kb->ipa_parts = fx_alloc(kb, FX_MAX * sizeof(*kb->ipa_parts));
	kb->ipa_items = fx_alloc(kb, FX_MAX * sizeof(*kb->ipa_items));
	kb->ipa_bands = fx_alloc(kb, FX_MAX * sizeof(*kb->ipa_bands));
	return kb;
}

size_t fx_entry(struct mk_kb *kb, const char *id, int likelihood, int stop, int leak, int tamper,
                int quality)
{
	struct mk_kb_entry *e = &kb->entries[kb->n_entries];

	e->id = fx_str(kb, "", id);
	e->order = (unsigned)kb->n_entries + 1;
	e->name = fx_text(kb, id);
	e->alias = e->help = (struct mk_kb_text){"", ""};
	e->threat = fx_text(kb, id);
	e->question = fx_text(kb, id);
	e->likelihood = likelihood;
	e->impact[MK_RISK_STOP] = stop;
	e->impact[MK_RISK_LEAK] = leak;
	e->impact[MK_RISK_TAMPER] = tamper;
	e->impact[MK_RISK_QUALITY] = quality;
	e->origin.file = "fixture.kb";
	e->origin.confidence = 'P';
	return kb->n_entries++;
}

/* Splits a comma list into a fresh copy; calls f for each item. */
static void each_item(const char *list, void (*f)(struct mk_kb *, void *, const char *),
                      struct mk_kb *kb, void *ctx)
{
	char buf[1024];
	char *p = buf;

	snprintf(buf, sizeof(buf), "%s", list);
	while (p != NULL && *p) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		f(kb, ctx, p);
		p = comma != NULL ? comma + 1 : NULL;
	}
}

static size_t find_cm(const struct mk_kb *kb, const char *id)
{
	for (size_t i = 0; i < kb->n_cms; i++)
		if (strcmp(kb->cms[i].id, id) == 0)
			return i;
	fprintf(stderr, "fixture: no countermeasure %s\n", id);
	abort();
}

static void add_ep(struct mk_kb *kb, void *ctx, const char *id)
{
	struct mk_kb_cm *cm = ctx;

	for (size_t i = 0; i < kb->n_entries; i++)
		if (strcmp(kb->entries[i].id, id) == 0) {
			cm->eps[cm->n_eps++] = i;
			return;
		}
	fprintf(stderr, "fixture: no entry point %s\n", id);
	abort();
}

size_t fx_cm(struct mk_kb *kb, const char *id, const char *eps, enum mk_kb_stage stage,
             enum mk_kb_cost cost, enum mk_kb_effort effort, int weight)
{
	struct mk_kb_cm *cm = &kb->cms[kb->n_cms];

	cm->id = fx_str(kb, "", id);
	cm->eps = fx_alloc(kb, FX_MAX * sizeof(*cm->eps));
	if (strcmp(eps, "all") == 0) {
		cm->all_entry_points = true;
		for (size_t i = 0; i < kb->n_entries; i++)
			cm->eps[cm->n_eps++] = i;
	} else {
		each_item(eps, add_ep, kb, cm);
	}
	cm->stage = stage;
	cm->types = 1u << MK_CTYPE_TECHNICAL;
	cm->cost = cost;
	cm->effort = effort;
	cm->weight = weight;
	cm->title = fx_text(kb, id);
	cm->question = fx_text(kb, id);
	cm->why = fx_text(kb, id);
	cm->how = fx_text(kb, id);
	cm->who = fx_text(kb, id);
	cm->check = fx_text(kb, id);
	cm->origin.file = "fixture.kb";
	cm->origin.confidence = 'P';
	return kb->n_cms++;
}

size_t fx_meti_category(struct mk_kb *kb, const char *id, int weight)
{
	struct mk_kb_meti_category *c = &kb->meti_categories[kb->n_meti_categories];

	c->id = fx_str(kb, "", id);
	c->order = (unsigned)kb->n_meti_categories + 1;
	c->name = fx_text(kb, id);
	c->weight = weight;
	return kb->n_meti_categories++;
}

struct cm_list {
	size_t *v;
	size_t *n;
};

static void add_cm(struct mk_kb *kb, void *ctx, const char *id)
{
	struct cm_list *l = ctx;

	l->v[(*l->n)++] = find_cm(kb, id);
}

size_t fx_meti_item(struct mk_kb *kb, const char *id, size_t category, int priority,
                    const char *cms)
{
	struct mk_kb_meti_item *it = &kb->meti_items[kb->n_meti_items];
	struct cm_list l;

	it->id = fx_str(kb, "", id);
	it->category = category;
	it->priority = priority;
	it->title = fx_text(kb, id);
	it->cms = fx_alloc(kb, FX_MAX * sizeof(*it->cms));
	l = (struct cm_list){it->cms, &it->n_cms};
	each_item(cms, add_cm, kb, &l);
	return kb->n_meti_items++;
}

void fx_meti_rank(struct mk_kb *kb, const char *id, int min)
{
	kb->meti_ranks[kb->n_meti_ranks++] = (struct mk_kb_rank){fx_str(kb, "", id), min,
	                                                         fx_text(kb, id)};
}

size_t fx_ipa_part(struct mk_kb *kb, const char *id)
{
	struct mk_kb_ipa_part *p = &kb->ipa_parts[kb->n_ipa_parts];

	p->id = fx_str(kb, "", id);
	p->order = (unsigned)kb->n_ipa_parts + 1;
	p->name = fx_text(kb, id);
	return kb->n_ipa_parts++;
}

size_t fx_ipa_item(struct mk_kb *kb, unsigned no, size_t part, const char *cms)
{
	struct mk_kb_ipa_item *it = &kb->ipa_items[kb->n_ipa_items];
	struct cm_list l;
	char id[16];

	snprintf(id, sizeof(id), "ipa%u", no);
	it->no = no;
	it->part = part;
	it->title = fx_text(kb, id);
	it->cms = fx_alloc(kb, FX_MAX * sizeof(*it->cms));
	l = (struct cm_list){it->cms, &it->n_cms};
	each_item(cms, add_cm, kb, &l);
	return kb->n_ipa_items++;
}

void fx_ipa_band(struct mk_kb *kb, const char *id, int min)
{
	kb->ipa_bands[kb->n_ipa_bands++] = (struct mk_kb_rank){fx_str(kb, "", id), min,
	                                                       fx_text(kb, id)};
}

void fx_kb_finish(struct mk_kb *kb)
{
	for (size_t e = 0; e < kb->n_entries; e++) {
		struct mk_kb_entry *en = &kb->entries[e];

		en->cms = fx_alloc(kb, FX_MAX * sizeof(*en->cms));
		en->n_cms = 0;
		for (size_t i = 0; i < kb->n_cms; i++)
			for (size_t k = 0; k < kb->cms[i].n_eps; k++)
				if (kb->cms[i].eps[k] == e)
					en->cms[en->n_cms++] = i;
	}
}

void fx_kb_free(struct mk_kb *kb)
{
	struct fx_mem *m;

	if (kb == NULL)
		return;
	m = kb->arena;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	free(m);
	free(kb);
}
