/* kb_fixture.c - see kb_fixture.h. */
#include "support/kb_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CM(ID, EPS, STAGE, TYPE, COST, EFFORT, EXTRA)                                             \
	"[countermeasure " ID "]\n"                                                                \
	"entry_points: " EPS "\n"                                                                  \
	"stage: " STAGE "\n"                                                                       \
	"type: " TYPE "\n"                                                                         \
	"cost: " COST "\n"                                                                         \
	"effort: " EFFORT "\n" EXTRA                                                               \
	"title.ja: " ID " の対策\ntitle.en: measure " ID "\n"                                       \
	"question.ja: " ID " をしていますか\nquestion.en: Is " ID " in place?\n"                     \
	"why.ja: 理由\nwhy.en: why\nhow.ja: 方法\nhow.en: how\nwho.ja: 担当\nwho.en: who\n"          \
	"check.ja: 確認\ncheck.en: check\ncsf: PR.AC\nsources: src\nconfidence: P\n\n"

#define LEVEL(KIND, ID, EXTRA) "[" KIND " " ID "]\nname.ja: " ID "\nname.en: " ID "\n" EXTRA "\n"
#define ANSWER(ID, IMPL, METI, IPA, FLAG)                                                          \
	"[answer " ID "]\nname.ja: " ID "\nname.en: " ID "\nimplemented: " IMPL "\nmeti: " METI    \
	"\nipa: " IPA "\nflag: " FLAG "\n\n"

const char MK_KB_FIXTURE[] =
	"# a small knowledge base for tests\n"
	"[source src]\ntitle.ja: 出典\ntitle.en: Source\n\n"
	LEVEL("risk", "stop", "") LEVEL("risk", "leak", "") LEVEL("risk", "tamper", "")
	LEVEL("risk", "quality", "")
	LEVEL("stage", "remove", "csf: ID, PR") LEVEL("stage", "protect", "csf: PR")
	LEVEL("stage", "detect", "csf: DE, RS") LEVEL("stage", "recover", "csf: RC")
	LEVEL("ctype", "physical", "") LEVEL("ctype", "technical", "")
	LEVEL("ctype", "organizational", "")
	LEVEL("cost", "free", "rank: 0") LEVEL("cost", "low", "rank: 1")
	LEVEL("cost", "medium", "rank: 2") LEVEL("cost", "high", "rank: 3")
	LEVEL("effort", "day", "rank: 0") LEVEL("effort", "month", "rank: 1")
	LEVEL("effort", "project", "rank: 2")
	ANSWER("reviewed", "100", "90", "4", "none") ANSWER("documented", "100", "80", "4", "none")
	ANSWER("done", "100", "60", "4", "none") ANSWER("partial", "50", "40", "2", "none")
	ANSWER("no", "0", "20", "0", "none") ANSWER("unknown", "0", "20", "-1", "unknown")
	ANSWER("na", "0", "50", "4", "na")
	"[scoring main]\ndamage.3: 3, 2, 1\ndamage.2: 2, 1, 1\ndamage.1: 1, 1, 1\n"
	"vulnerability.1: 80\nvulnerability.2: 30\nmitigation: 50\n\n"
	"[band high]\nmin: 6\nname.ja: 高\nname.en: high\naction.ja: 早急に\naction.en: now\n\n"
	"[band medium]\nmin: 3\nname.ja: 中\nname.en: medium\naction.ja: 計画的に\naction.en: plan\n\n"
	"[band low]\nmin: 1\nname.ja: 低\nname.en: low\naction.ja: 確認\naction.en: watch\n\n"
	"[entry_point alpha]\norder: 1\nname.ja: アルファ\nname.en: Alpha\n"
	"threat.ja: 脅威\nthreat.en: threat\nquestion.ja: ありますか\nquestion.en: Present?\n"
	"likelihood: 3\nimpact.stop: 3\nimpact.leak: 2\nimpact.tamper: 0\nimpact.quality: 0\n"
	"sources: src\nconfidence: V\n\n"
	"[entry_point beta]\norder: 2\nname.ja: ベータ\nname.en: Beta\n"
	"threat.ja: 脅威\nthreat.en: threat\nquestion.ja: ありますか\nquestion.en: Present?\n"
	"likelihood: 2\nimpact.stop: 1\nimpact.leak: 0\nimpact.tamper: 3\nimpact.quality: 2\n"
	"sources: src\nconfidence: V\n\n"
	"[meti_category org]\norder: 1\nname.ja: 組織\nname.en: Organisation\nweight: 3\n\n"
	"[meti_category tech]\norder: 2\nname.ja: 技術\nname.en: Technology\nweight: 1\n\n"
	"[meti_item 1-1]\ncategory: org\npriority: 4\ntitle.ja: 体制\ntitle.en: Owner\n"
	"sources: src\nconfidence: S\n\n"
	"[meti_item 3-1]\ncategory: tech\npriority: 2\ntitle.ja: 対策\ntitle.en: Tech\n"
	"sources: src\nconfidence: S\n\n"
	"[meti_rank a]\nmin: 80\nname.ja: A\nname.en: A\n\n"
	"[meti_rank d]\nmin: 0\nname.ja: D\nname.en: D\n\n"
	"[ipa_part p1]\norder: 1\nname.ja: 基本\nname.en: Basics\n\n"
	"[ipa_item 1]\npart: p1\ntitle.ja: 更新\ntitle.en: Updates\nsources: src\nconfidence: S\n\n"
	"[ipa_item 2]\npart: p1\ntitle.ja: ウイルス対策\ntitle.en: Anti-virus\nsources: src\n"
	"confidence: S\n\n"
	"[ipa_band top]\nmin: 100\nname.ja: 達成\nname.en: Achieved\n\n"
	"[ipa_band bottom]\nmin: -25\nname.ja: 危険\nname.en: At risk\n\n"
	CM("alpha.remove", "alpha", "remove", "organizational", "free", "day", "meti: 1-1\n")
	CM("alpha.protect", "alpha", "protect", "technical", "low", "month", "ipa25: 1\n")
	CM("alpha.lock", "alpha", "protect", "physical", "medium", "day", "")
	CM("alpha.detect", "alpha", "detect", "technical", "free", "month", "meti: 3-1\n")
	CM("alpha.recover", "alpha", "recover", "technical", "high", "project", "")
	CM("beta.remove", "beta", "remove", "organizational", "free", "day", "")
	CM("beta.protect", "beta", "protect", "technical", "free", "day", "weight: 3\n")
	CM("beta.lock", "beta", "protect", "physical, organizational", "low", "day", "")
	CM("beta.detect", "beta", "detect", "technical", "medium", "month", "")
	CM("beta.recover", "beta", "recover", "technical", "low", "month", "ipa25: 2\n")
	CM("general.rules", "all", "remove", "organizational", "free", "day", "meti: 1-1\nipa25: 2\n");

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
	if (fclose(f))
		rc = -1;
	return rc;
}

int kb_fixture_write(char *dir, size_t dirlen, const char *from, const char *to, const char *extra)
{
	char tmpl[] = "/tmp/mk-kb-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(dir, dirlen, "%s", tmpl);
	const char *text = MK_KB_FIXTURE;
	char *edited = NULL;
	if (from) {
		const char *at = strstr(MK_KB_FIXTURE, from);
		if (!at)
			return -1;
		size_t head = (size_t)(at - MK_KB_FIXTURE), fl = strlen(from), tl = strlen(to);
		edited = malloc(sizeof(MK_KB_FIXTURE) - fl + tl);
		if (!edited)
			return -1;
		memcpy(edited, MK_KB_FIXTURE, head);
		memcpy(edited + head, to, tl);
		strcpy(edited + head + tl, at + fl);
		text = edited;
	}
	int rc = write_file(dir, "fixture.kb", text);
	free(edited);
	if (rc == 0 && extra)
		rc = write_file(dir, "zz-extra.kb", extra);
	return rc;
}

void kb_fixture_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}
