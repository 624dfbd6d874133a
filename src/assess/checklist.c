/* checklist.c - the METI guideline checklist and the IPA 25-item self-check
 * as views of the same answers (docs/ASSESSMENT.md "Checklist views").
 *
 * An item's answer combines the countermeasures naming it, "not applicable"
 * ones left out (and so is a measure none of whose entry points is in use):
 * all in place -> the lowest of them; some in place or partly -> "partial";
 * none, but some "don't know" -> "don't know" (flagged); else "no".  All not
 * applicable -> the item is not applicable.
 *
 * METI (the guideline's appendix E checklist as re-implemented in the OTSec
 * simple assessment, knowledge-base-2.md section 1): a "don't know" item
 * counts as "no".  Category score = sum(priority x constant) /
 * sum(priority) x 100 over its applicable items; a category with half or
 * more items not applicable has no score; total = sum(weight x score) /
 * sum(weight) over the scored categories, rounded up; rank from the
 * knowledge base's ranks.
 *
 * IPA 25 (5分でできる!情報セキュリティ自社診断, knowledge-base-2.md section 5):
 * an item scores its answer's points (4 / 2 / 0, -1 for "don't know"); an
 * item not applicable scores the "not applicable" answer's points (4: the
 * sheet has no such answer; the result says so).  Total out of 100, band
 * from the knowledge base. */
#include "assess/engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void free_results(struct mk_assessment *as)
{
	free(as->meti.item_answer);
	free(as->meti.item_flagged);
	free(as->meti.category_score);
	free(as->ipa.item_points);
	free(as->ipa.item_na);
	memset(&as->meti, 0, sizeof(as->meti));
	memset(&as->ipa, 0, sizeof(as->ipa));
}

static size_t rank_of(const struct mk_kb_rank *ranks, size_t n, int score)
{
	for (size_t i = 0; i < n; i++)
		if (score >= ranks[i].min)
			return i;
	return n ? n - 1 : MK_NONE;
}

/* A measure none of whose entry points is in use fills no checklist item:
 * the question is never asked of such a factory. */
static bool cm_not_used(const struct mk_assess_ctx *c, size_t cm)
{
	const struct mk_kb_cm *m = &c->kb->cms[cm];

	if (m->all_entry_points || m->n_eps == 0)
		return false;
	for (size_t k = 0; k < m->n_eps; k++)
		if (c->applicable[m->eps[k]] != 0)
			return false;
	return true;
}

/* The combined answer of a checklist item's measures (index into
 * kb->answers), MK_NONE when no measure names it. */
static size_t item_answer(const struct mk_assess_ctx *c, const size_t *cms, size_t n)
{
	const struct mk_kb *kb = c->kb;
	size_t lowest_in_place = MK_NONE;
	bool any = false, all_in_place = true, some = false, unknown = false;

	if (n == 0)
		return MK_NONE;
	for (size_t k = 0; k < n; k++) {
		size_t ans = c->cm_ans[cms[k]];
		const struct mk_kb_answer *an = &kb->answers[ans];

		if (an->flag == MK_ANSWER_NA || cm_not_used(c, cms[k]))
			continue;
		any = true;
		if (mk_assess_in_place(c, ans)) {
			some = true;
			/* answers run best first: the lowest is the latest */
			if (lowest_in_place == MK_NONE || ans > lowest_in_place)
				lowest_in_place = ans;
			continue;
		}
		all_in_place = false;
		if (an->flag == MK_ANSWER_UNKNOWN)
			unknown = true;
		else if (an->implemented > 0)
			some = true; /* partly in place */
	}
	if (!any)
		return c->ans_na;
	if (all_in_place)
		return lowest_in_place;
	if (some)
		return c->ans_partial;
	return unknown ? c->ans_unknown : c->ans_worst;
}

static void meti(struct mk_assessment *as, const struct mk_assess_ctx *c)
{
	const struct mk_kb *kb = as->kb;
	double wsum = 0, wscore = 0;

	for (size_t i = 0; i < kb->n_meti_items; i++) {
		const struct mk_kb_meti_item *it = &kb->meti_items[i];
		size_t level = item_answer(c, it->cms, it->n_cms);

		as->meti.item_answer[i] = level == MK_NONE ? -1 : (int)level;
		as->meti.item_flagged[i] = level == c->ans_unknown;
	}
	for (size_t g = 0; g < kb->n_meti_categories; g++) {
		long num = 0, den = 0;
		size_t n_items = 0, n_na = 0;

		for (size_t i = 0; i < kb->n_meti_items; i++) {
			const struct mk_kb_meti_item *it = &kb->meti_items[i];
			int ans = as->meti.item_answer[i];

			if (it->category != g || ans < 0)
				continue; /* no countermeasure names it: not part of the view */
			n_items++;
			if ((size_t)ans == c->ans_na) {
				n_na++;
				continue;
			}
			if ((size_t)ans == c->ans_unknown)
				ans = (int)c->ans_worst; /* "don't know" counts as "no" */
			num += (long)it->priority * kb->answers[ans].meti;
			den += it->priority;
		}
		if (n_items == 0 || n_na * 2 >= n_items || den == 0) {
			as->meti.category_score[g] = -1;
			continue;
		}
		/* meti is the constant x 100, so num / den is already x 100. */
		as->meti.category_score[g] = (double)num / (double)den;
		wsum += kb->meti_categories[g].weight;
		wscore += kb->meti_categories[g].weight * as->meti.category_score[g];
	}
	if (wsum > 0) {
		/* Rounded up; the small margin keeps 60.000000001 (binary
		 * fractions) from becoming 61. */
		as->meti.total = (int)ceil(wscore / wsum - 1e-9);
		as->meti.rank = rank_of(kb->meti_ranks, kb->n_meti_ranks, as->meti.total);
	} else {
		as->meti.total = -1;
		as->meti.rank = MK_NONE;
	}
}

static void ipa(struct mk_assessment *as, const struct mk_assess_ctx *c)
{
	const struct mk_kb *kb = as->kb;

	as->ipa.total = 0;
	as->ipa.n_unknown = 0;
	for (size_t i = 0; i < kb->n_ipa_items; i++) {
		const struct mk_kb_ipa_item *it = &kb->ipa_items[i];
		size_t ans = item_answer(c, it->cms, it->n_cms);

		/* Not applicable (or, against the loader's checks, no
		 * countermeasure): counted as done, and said so. */
		if (ans == MK_NONE || ans == c->ans_na) {
			ans = c->ans_na;
			as->ipa.item_na[i] = true;
		}
		if (ans == c->ans_unknown)
			as->ipa.n_unknown++;
		as->ipa.item_points[i] = kb->answers[ans].ipa;
		as->ipa.total += as->ipa.item_points[i];
	}
	as->ipa.band = rank_of(kb->ipa_bands, kb->n_ipa_bands, as->ipa.total);
}

int mk_assess_checklists(struct mk_assessment *as, const struct mk_answers *a)
{
	const struct mk_kb *kb = as->kb;
	struct mk_assess_ctx c;
	char err[160];

	free_results(as);
	if (mk_assess_ctx_init(&c, kb, a, err, sizeof(err)) != 0)
		return -1;
	as->meti.item_answer = calloc(kb->n_meti_items + 1, sizeof(int));
	as->meti.item_flagged = calloc(kb->n_meti_items + 1, sizeof(bool));
	as->meti.category_score = calloc(kb->n_meti_categories + 1, sizeof(double));
	as->ipa.item_points = calloc(kb->n_ipa_items + 1, sizeof(int));
	as->ipa.item_na = calloc(kb->n_ipa_items + 1, sizeof(bool));
	if (as->meti.item_answer == NULL || as->meti.item_flagged == NULL ||
	    as->meti.category_score == NULL || as->ipa.item_points == NULL ||
	    as->ipa.item_na == NULL) {
		free_results(as);
		mk_assess_ctx_free(&c);
		return -1;
	}
	meti(as, &c);
	ipa(as, &c);
	mk_assess_ctx_free(&c);
	return 0;
}
