/* evidence.c - evidence rules (STUB until the evidence rules land: no kinds,
 * no rules, no suggestions). */
#include "assess/kb_int.h"

bool mk_ev_kind(const char *kind)
{
	(void)kind;
	return false;
}

int mk_ev_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	(void)kb, (void)doc, (void)err, (void)errlen;
	return 0;
}

void mk_ev_free(struct mk_kb *kb)
{
	(void)kb;
}

int mk_assess_evidence(struct mk_assessment *as, const struct mk_report *r)
{
	(void)as, (void)r;
	return 0;
}
