/* plan.c - the action plan (docs/ASSESSMENT.md "Action plan").
 *
 * Every countermeasure not in place (answer not done/documented/reviewed,
 * not "not applicable") that belongs to an entry point in use or not known
 * to be unused is an item.  Its risk reduced is the sum over those entry
 * points of (their risk scores now - the scores with this measure done).
 * Order: "free, this week" (cost free, a day's effort) first; then risk
 * reduced (descending), cost, effort, risk share (descending), id.
 *
 * One measure is a small part of an entry point's many (every general
 * measure counts for each), so doing it alone seldom crosses a
 * vulnerability threshold and most items reduce no risk score by
 * themselves.  The risk share orders those: the entry point's risk total
 * times the measure's part of its group (remove+protect or detect+recover)
 * not yet in place, summed over its entry points in use.
 *
 * Progress: the runs recorded in the database (mk_assess_record) before
 * this one tell which items are new, which were already in the last plan
 * (open, with when they first appeared) and which of the last plan's items
 * are done now. */
#include "assess/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "mieruka/store.h"

struct cand {
	struct mk_plan_item it;
	const struct mk_kb_cm *cm;
};

static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->it.this_week != b->it.this_week)
		return a->it.this_week ? -1 : 1;
	if (a->it.risk_reduced != b->it.risk_reduced)
		return a->it.risk_reduced > b->it.risk_reduced ? -1 : 1;
	if (a->cm->cost != b->cm->cost)
		return a->cm->cost < b->cm->cost ? -1 : 1;
	if (a->cm->effort != b->cm->effort)
		return a->cm->effort < b->cm->effort ? -1 : 1;
	if (a->it.risk_share != b->it.risk_share)
		return a->it.risk_share > b->it.risk_share ? -1 : 1;
	return strcmp(a->cm->id, b->cm->id);
}

/* ---- progress from the recorded runs ---- */

struct id_ix {
	const char *id;
	size_t ix;
};

static int cmp_id_ix(const void *pa, const void *pb)
{
	return strcmp(((const struct id_ix *)pa)->id, ((const struct id_ix *)pb)->id);
}

struct progress {
	const struct id_ix *ids;   /* countermeasure ids, sorted */
	size_t n_ids;
	uint64_t before;           /* runs at or after this time are not earlier runs */
	uint64_t *first;           /* per countermeasure: oldest run planning it, 0 = none */
	bool *in_prev;             /* per countermeasure: in the last run's plan */
	uint64_t prev_ns;
};

static int read_run(void *ctx, const struct mk_assess_run_rec *r)
{
	struct progress *p = ctx;

	if (r->at_ns >= p->before || r->at_ns == 0)
		return 0;
	for (size_t i = 0; i < r->n_items; i++) {
		struct id_ix key = {r->items[i].cm, 0};
		const struct id_ix *hit = bsearch(&key, p->ids, p->n_ids, sizeof(key), cmp_id_ix);

		if (hit == NULL)
			continue; /* a measure the knowledge base no longer has */
		p->first[hit->ix] = r->at_ns; /* newest first: the last one seen is the oldest */
		if (p->prev_ns == 0 || p->prev_ns == r->at_ns)
			p->in_prev[hit->ix] = true;
	}
	if (p->prev_ns == 0)
		p->prev_ns = r->at_ns;
	return 0;
}

static int read_progress(struct mk_assessment *as, const struct mk_assess_ctx *c,
                         struct mk_store *st, char *err, size_t errlen)
{
	const struct mk_kb *kb = as->kb;
	const struct mk_store_ops *ops = ((struct mk_store_base *)st)->ops;
	size_t n = kb->n_cms ? kb->n_cms : 1;
	struct progress p = {0};
	struct id_ix *ids = calloc(n, sizeof(*ids));
	int rc = -1;

	p.first = calloc(n, sizeof(*p.first));
	p.in_prev = calloc(n, sizeof(*p.in_prev));
	if (ids == NULL || p.first == NULL || p.in_prev == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < kb->n_cms; i++)
		ids[i] = (struct id_ix){kb->cms[i].id, i};
	qsort(ids, kb->n_cms, sizeof(*ids), cmp_id_ix);
	p.ids = ids;
	p.n_ids = kb->n_cms;
	p.before = as->at_ns;
	if (ops->each_assess_run(st, read_run, &p) != 0) {
		snprintf(err, errlen, "cannot read the earlier assessments: %s", ops->error(st));
		goto out;
	}
	as->previous_ns = p.prev_ns;
	for (size_t i = 0; i < as->n_plan; i++) {
		struct mk_plan_item *it = &as->plan[i];

		it->progress = p.in_prev[it->cm] ? MK_PLAN_OPEN : MK_PLAN_NEW;
		it->first_planned_ns = it->progress == MK_PLAN_OPEN ? p.first[it->cm] : 0;
	}
	for (size_t i = 0; i < kb->n_cms; i++)
		if (p.in_prev[i] && mk_assess_in_place(c, c->cm_ans[i]))
			as->n_done_since++;
	if (as->n_done_since > 0) {
		size_t k = 0;

		as->done_since = calloc(as->n_done_since, sizeof(*as->done_since));
		if (as->done_since == NULL) {
			as->n_done_since = 0;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < kb->n_cms; i++)
			if (p.in_prev[i] && mk_assess_in_place(c, c->cm_ans[i]))
				as->done_since[k++] = i;
	}
	rc = 0;
out:
	free(ids);
	free(p.first);
	free(p.in_prev);
	return rc;
}

/* ---- the plan ---- */

static int is_mitigation(const struct mk_kb_cm *cm)
{
	return cm->stage == MK_STAGE_DETECT || cm->stage == MK_STAGE_RECOVER;
}

int mk_assess_plan_err(struct mk_assessment *as, const struct mk_answers *a, struct mk_store *st,
                       char *err, size_t errlen)
{
	const struct mk_kb *kb = as->kb;
	struct mk_assess_ctx c;
	struct mk_entry_result now, with;
	struct cand *cands = NULL;
	int *total = NULL;
	long *group_w = NULL; /* per entry: weights of [remove+protect, detect+recover] not n/a */
	size_t n = 0;
	int rc = -1;

	free(as->plan);
	free(as->done_since);
	as->plan = NULL;
	as->done_since = NULL;
	as->n_plan = as->n_done_since = 0;
	as->previous_ns = 0;
	if (mk_assess_ctx_init(&c, kb, a, err, errlen) != 0)
		return -1;
	total = calloc(kb->n_entries ? kb->n_entries : 1, sizeof(*total));
	cands = calloc(kb->n_cms ? kb->n_cms : 1, sizeof(*cands));
	group_w = calloc(2 * (kb->n_entries ? kb->n_entries : 1), sizeof(*group_w));
	if (total == NULL || cands == NULL || group_w == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t e = 0; e < kb->n_entries; e++) {
		const struct mk_kb_entry *en = &kb->entries[e];

		mk_assess_score_entry(&c, e, &now);
		total[e] = mk_assess_entry_total(&now);
		for (size_t k = 0; k < en->n_cms; k++) {
			const struct mk_kb_cm *cm = &kb->cms[en->cms[k]];

			if (kb->answers[c.cm_ans[en->cms[k]]].flag != MK_ANSWER_NA)
				group_w[2 * e + is_mitigation(cm)] += cm->weight > 0 ? cm->weight : 1;
		}
	}
	for (size_t i = 0; i < kb->n_cms; i++) {
		const struct mk_kb_cm *cm = &kb->cms[i];
		size_t ans = c.cm_ans[i];
		bool belongs = false;
		int reduced = 0;
		double share = 0;

		if (mk_assess_in_place(&c, ans) || kb->answers[ans].flag == MK_ANSWER_NA)
			continue;
		c.cm_ans[i] = c.ans_done; /* what if it were done */
		for (size_t k = 0; k < cm->n_eps; k++) {
			size_t e = cm->eps[k];
			long gw = group_w[2 * e + is_mitigation(cm)];
			int missing = kb->answers[ans].flag == MK_ANSWER_PLAIN
			                  ? 100 - kb->answers[ans].implemented
			                  : 100;

			if (c.applicable[e] == 0)
				continue;
			belongs = true;
			mk_assess_score_entry(&c, e, &with);
			reduced += total[e] - mk_assess_entry_total(&with);
			if (gw > 0)
				share += (double)total[e] * (cm->weight > 0 ? cm->weight : 1) *
				         (missing < 0 ? 0 : missing) / (100.0 * (double)gw);
		}
		c.cm_ans[i] = ans;
		if (!belongs)
			continue;
		cands[n].cm = cm;
		cands[n].it = (struct mk_plan_item){
		    .cm = i,
		    .risk_reduced = reduced,
		    .this_week = cm->cost == MK_COST_FREE && cm->effort == MK_EFFORT_DAY,
		    .answer = kb->answers[ans].id,
		    .progress = MK_PLAN_NEW,
		    .risk_share = share,
		};
		n++;
	}
	qsort(cands, n, sizeof(*cands), cmp_cand);
	if (n > 0) {
		as->plan = calloc(n, sizeof(*as->plan));
		if (as->plan == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			as->plan[i] = cands[i].it;
		as->n_plan = n;
	}
	rc = st != NULL ? read_progress(as, &c, st, err, errlen) : 0;
out:
	free(cands);
	free(total);
	free(group_w);
	mk_assess_ctx_free(&c);
	return rc;
}

int mk_assess_plan(struct mk_assessment *as, const struct mk_answers *a, struct mk_store *st)
{
	char err[256];

	return mk_assess_plan_err(as, a, st, err, sizeof(err));
}

int mk_assess_record(struct mk_store *st, const struct mk_assessment *as)
{
	const struct mk_store_ops *ops = ((struct mk_store_base *)st)->ops;
	const struct mk_kb *kb = as->kb;
	struct mk_assess_item_rec *items = NULL;
	struct mk_assess_run_rec r = {
	    .at_ns = as->at_ns,
	    .meti = as->meti.total,
	    .ipa = as->ipa.total,
	    .n_unknown = as->n_unknown > UINT32_MAX ? UINT32_MAX : (uint32_t)as->n_unknown,
	    .n_items = as->n_plan,
	};
	int rc;

	if (as->n_plan > 0) {
		items = calloc(as->n_plan, sizeof(*items));
		if (items == NULL)
			return -1;
	}
	for (size_t i = 0; i < as->n_plan; i++)
		items[i] = (struct mk_assess_item_rec){
		    .cm = kb->cms[as->plan[i].cm].id,
		    .answer = as->plan[i].answer,
		    .risk_reduced = as->plan[i].risk_reduced,
		};
	r.items = items;
	rc = ops->put_assess_run(st, &r);
	free(items);
	return rc;
}
