/* bcp.c - the cyber-BCP (STUB until the BCP lands: no template, no document). */
#include "assess/kb_int.h"

bool mk_bcp_kind(const char *kind)
{
	(void)kind;
	return false;
}

int mk_bcp_tpl_build(struct mk_kb *kb, struct mk_kb_doc *doc, char *err, size_t errlen)
{
	(void)kb, (void)doc, (void)err, (void)errlen;
	return 0;
}

void mk_bcp_tpl_free(struct mk_kb *kb)
{
	(void)kb;
}

int mk_assess_bcp(struct mk_assessment *as, const struct mk_answers *a, const struct mk_report *r,
                  char *err, size_t errlen)
{
	(void)as, (void)a, (void)r, (void)err, (void)errlen;
	return 0;
}

void mk_bcp_json(struct mk_json *j, const struct mk_assessment *as)
{
	(void)as;
	mk_json_null(j);
}

void mk_bcp_doc_free(struct mk_bcp_doc *d)
{
	(void)d;
}
