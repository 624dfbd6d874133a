/* report_fixture.h - a hand-made assessment for the report's tests: a small
 * knowledge base (the 13 entry points, a few countermeasures, METI and IPA
 * items), an assessment over it with every kind of result (high, unknown and
 * not-applicable entry points, a plan with this-week / carried-over items,
 * done since, checklist scores, an evidence suggestion), answers with hostile
 * notes, a BCP, and a report of six devices with hostile names, their
 * conversations (one to the internet) and two alerts.
 *
 * Everything is static storage: nothing to free.  Not thread-safe; one
 * fixture per process (mk_rfx_get() fills it on every call). */
#ifndef MK_TEST_REPORT_FIXTURE_H
#define MK_TEST_REPORT_FIXTURE_H

#include "mieruka/assess.h"
#include "mieruka/report.h"

struct mk_rfx {
	struct mk_kb *kb;
	struct mk_assessment *as;
	struct mk_answers *a;
	struct mk_report *r;
};

/* The hostile strings the fixture plants (tests look for them escaped). */
#define MK_RFX_IMG "<img src=x onerror=alert(1)>"
#define MK_RFX_SCRIPT "</script><script>alert(2)</script>"
#define MK_RFX_CMD "=cmd|' /C calc'!A0"
/* The BCP entries of the fixture's answers (company name MK_RFX_IMG + "工場"). */
extern const char mk_rfx_bcp_json[];

void mk_rfx_get(struct mk_rfx *fx);

#endif /* MK_TEST_REPORT_FIXTURE_H */
