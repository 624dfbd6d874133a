/* assess.c - one whole assessment (include/mieruka/assess.h): the scores,
 * the checklist views, the evidence suggestions, the plan with its progress
 * and the BCP, computed from the knowledge base, the answers, the
 * database's report and its recorded runs. */
#include "assess/engine_int.h"

#include <stdlib.h>
#include <string.h>

int mk_assess_run(const struct mk_kb *kb, const struct mk_answers *a, const struct mk_report *r,
                  struct mk_store *st, uint64_t now_ns, struct mk_assessment **out, char *err,
                  size_t errlen)
{
	struct mk_assessment *as = calloc(1, sizeof(*as));
	struct mk_answers none = {0};

	*out = NULL;
	if (as == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (a == NULL)
		a = &none;
	as->kb = kb;
	as->at_ns = now_ns;
	as->meti.total = -1;
	as->meti.rank = MK_NONE;
	as->entries = calloc(kb->n_entries ? kb->n_entries : 1, sizeof(*as->entries));
	if (as->entries == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* The context checks the knowledge base has the answers the parts
	 * need; after that they can only run out of memory. */
	{
		struct mk_assess_ctx c;

		if (mk_assess_ctx_init(&c, kb, a, err, errlen) != 0)
			goto fail;
		mk_assess_ctx_free(&c);
	}
	if (mk_assess_score(as, a) != 0 || mk_assess_checklists(as, a) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (r != NULL && mk_assess_evidence(as, r) != 0) {
		snprintf(err, errlen, "out of memory while looking for evidence");
		goto fail;
	}
	if (mk_assess_plan_err(as, a, st, err, errlen) != 0)
		goto fail;
	if (mk_assess_bcp(as, a, r, err, errlen) != 0)
		goto fail;
	*out = as;
	return 0;
fail:
	mk_assess_free(as);
	return -1;
}

void mk_assess_free(struct mk_assessment *as)
{
	if (as == NULL)
		return;
	free(as->entries);
	free(as->plan);
	free(as->done_since);
	free(as->meti.item_answer);
	free(as->meti.item_flagged);
	free(as->meti.category_score);
	free(as->ipa.item_points);
	free(as->ipa.item_na);
	for (size_t i = 0; i < as->n_suggestions; i++) {
		free(as->suggestions[i].items);
		free(as->suggestions[i].text_ja);
		free(as->suggestions[i].text_en);
	}
	free(as->suggestions);
	mk_bcp_doc_free(as->bcp);
	free(as);
}
