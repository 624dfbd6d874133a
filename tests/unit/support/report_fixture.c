/* report_fixture.c - the hand-made assessment of report_fixture.h. */
#include "report_fixture.h"

#include <string.h>

#define TX(j, e) {.ja = j, .en = e}

/* ---- knowledge base ---- */

static struct mk_kb_source sources[] = {
	{.id = "jnsa_ra",
	 .title = TX("JNSA西日本支部「工場セキュリティハンドブック リスクアセスメント編」",
	             "JNSA West Japan: Factory Security Handbook - Risk Assessment"),
	 .published = "2022-06"},
	{.id = "meti_fg",
	 .title = TX("経済産業省「工場システムにおけるサイバー・フィジカル・セキュリティ対策ガイドライン」",
	             "METI Cyber/Physical Security Guidelines for Factory Systems"),
	 .url = "https://www.meti.go.jp/policy/netsecurity/wg1/factorysystems_guideline.html",
	 .published = "2022-11-16"},
	{.id = "mieruka", .title = TX("mieruka の提案", "mieruka's proposal")},
};
static const char *src_ra[] = {"jnsa_ra"};
static const char *src_p[] = {"mieruka"};

static struct mk_kb_answer answers[] = {
	{.id = "reviewed", .name = TX("実施し、随時見直している", "Done and reviewed"), .implemented = 100, .meti = 90, .ipa = 4},
	{.id = "documented", .name = TX("実施し、文書化している", "Done and documented"), .implemented = 100, .meti = 80, .ipa = 4},
	{.id = "done", .name = TX("実施している", "Done"), .implemented = 100, .meti = 60, .ipa = 4},
	{.id = "partial", .name = TX("一部実施している", "Partly"), .implemented = 50, .meti = 40, .ipa = 2},
	{.id = "no", .name = TX("実施していない", "Not done"), .implemented = 0, .meti = 20, .ipa = 0},
	{.id = "unknown", .name = TX("わからない", "Don't know"), .implemented = 0, .meti = 20, .ipa = -1, .flag = MK_ANSWER_UNKNOWN},
	{.id = "na", .name = TX("当てはまらない", "Not applicable"), .implemented = 0, .meti = 50, .ipa = 4, .flag = MK_ANSWER_NA},
};

static struct mk_kb_band bands[] = {
	{.id = "high", .min = 6, .name = TX("高", "high"), .action = TX("すぐ対策", "act now")},
	{.id = "medium", .min = 3, .name = TX("中", "medium"), .action = TX("計画的に", "plan it")},
	{.id = "low", .min = 1, .name = TX("低", "low"), .action = TX("見守る", "watch")},
};

static const struct {
	const char *id, *ja, *en, *alias;
} ep_names[13] = {
	{"usb", "USBメモリー", "USB memory", ""},
	{"brought_pc", "持ち込みPC", "Brought-in PCs", ""},
	{"mobile", "スマートフォン・タブレット", "Smartphones and tablets", ""},
	{"iot", "IoT機器・センサー", "IoT devices and sensors", ""},
	{"mfp", "複合機・プリンター", "Multifunction printers", ""},
	{"handheld", "ハンディターミナル", "Handheld terminals", ""},
	{"office_net", "事務所のネットワーク", "Office network", ""},
	{"internet", "インターネット", "The internet", ""},
	{"wifi", "無線LAN", "Wi-Fi", ""},
	{"maintenance", "保守用ネットワーク", "Maintenance line", "保守用回線"},
	{"cloud", "クラウドサービス", "Cloud services", ""},
	{"parts", "部品・資材", "Parts and materials", ""},
	{"new_equipment", "新規導入機器", "Newly purchased equipment", "新規購入機器"},
};

/* countermeasures: 0 usb.rules, 1 usb.scan, 2 maintenance.window, 3 general.backup,
 * 4 mfp.firmware */
static size_t eps_usb[] = {0}, eps_maint[] = {9}, eps_mfp[] = {4}, eps_all[13];
static const char *meti_usb[] = {"2-9"}, *meti_maint[] = {"3-6"}, *meti_backup[] = {"2-13"};
static unsigned ipa_usb[] = {1}, ipa_backup[] = {2}, ipa_maint[] = {3};
static const char *csf_pr[] = {"PR.AC"};

static struct mk_kb_cm cms[5];
static struct mk_kb_entry entries[13];
static size_t ep_cms[13][3];

static struct mk_kb_meti_category meti_cats[] = {
	{.id = "operational", .order = 2, .name = TX("運用的対策", "Process"), .weight = 3},
	{.id = "technical", .order = 3, .name = TX("技術的対策", "Technology"), .weight = 3},
};
static size_t mi_usb[] = {0}, mi_backup[] = {3}, mi_maint[] = {2};
static struct mk_kb_meti_item meti_items[] = {
	{.id = "2-9", .category = 0, .priority = 4,
	 .title = TX("外部記憶媒体の持ち込み・利用のルール", "Rules for removable media"),
	 .cms = mi_usb, .n_cms = 1},
	{.id = "2-13", .category = 0, .priority = 2,
	 .title = TX("復旧できるバックアップと復元の訓練", "Backups that restore, and restore tests"),
	 .cms = mi_backup, .n_cms = 1},
	{.id = "3-6", .category = 1, .priority = 3,
	 .title = TX("リモート保守の接続を守る", "Protect remote-maintenance access"),
	 .cms = mi_maint, .n_cms = 1},
};
static struct mk_kb_rank meti_ranks[] = {
	{.id = "A", .min = 80, .name = TX("A", "A")}, {.id = "B", .min = 60, .name = TX("B", "B")},
	{.id = "C", .min = 40, .name = TX("C", "C")}, {.id = "D", .min = 0, .name = TX("D", "D")},
};
static struct mk_kb_ipa_part ipa_parts[] = {
	{.id = "basic", .order = 1, .name = TX("Part 1 基本的対策", "Part 1 Basics")},
	{.id = "staff", .order = 2, .name = TX("Part 2 従業員としての対策", "Part 2 Staff")},
};
static size_t ii_usb[] = {0}, ii_backup[] = {3}, ii_maint[] = {2};
static struct mk_kb_ipa_item ipa_items[] = {
	{.no = 1, .part = 0, .title = TX("OSやソフトウェアは常に最新の状態にしていますか？", "Are OS and software kept up to date?"), .cms = ii_usb, .n_cms = 1},
	{.no = 2, .part = 0, .title = TX("ウイルス対策ソフトを導入していますか？", "Is anti-virus installed?"), .cms = ii_backup, .n_cms = 1},
	{.no = 3, .part = 1, .title = TX("パスワードは強固にしていますか？", "Are passwords strong?"), .cms = ii_maint, .n_cms = 1},
};
static struct mk_kb_rank ipa_bands[] = {
	{.id = "good", .min = 80, .name = TX("十分", "good")},
	{.id = "fair", .min = 50, .name = TX("もう一歩", "fair")},
	{.id = "poor", .min = -25, .name = TX("要改善", "needs work")},
};

static struct mk_kb kb;

static void build_kb(void)
{
	static const char *const risk_ids[] = {"stop", "leak", "tamper", "quality"};
	static const struct mk_kb_text risk_names[] = {
		TX("工場停止", "factory stop"), TX("情報漏えい", "information leak"),
		TX("データ改ざん", "falsified data"), TX("品質低下", "quality loss")};
	static const char *const stage_ids[] = {"remove", "protect", "detect", "recover"};
	static const struct mk_kb_text stage_names[] = {
		TX("弱点をなくす", "remove the weakness"), TX("守る", "protect"),
		TX("気づく・止める", "detect and contain"), TX("復旧する", "recover")};
	static const char *const ctype_ids[] = {"physical", "technical", "organizational"};
	static const struct mk_kb_text ctype_names[] = {
		TX("物理的", "physical"), TX("技術的", "technical"), TX("人的・組織的", "human/organizational")};
	static const char *const cost_ids[] = {"free", "low", "medium", "high"};
	static const struct mk_kb_text cost_names[] = {TX("無料", "free"), TX("少額", "low"),
	                                                TX("中程度", "medium"), TX("高額", "high")};
	static const char *const effort_ids[] = {"day", "month", "project"};
	static const struct mk_kb_text effort_names[] = {TX("1日", "a day"), TX("1か月", "a month"),
	                                                  TX("計画的な工事", "a project")};

	memset(&kb, 0, sizeof(kb));
	for (int i = 0; i < 4; i++) {
		kb.risks[i] = (struct mk_kb_level){.id = risk_ids[i], .name = risk_names[i]};
		kb.stages[i] = (struct mk_kb_level){.id = stage_ids[i], .name = stage_names[i]};
		kb.costs[i] = (struct mk_kb_level){.id = cost_ids[i], .name = cost_names[i]};
	}
	for (int i = 0; i < 3; i++) {
		kb.ctypes[i] = (struct mk_kb_level){.id = ctype_ids[i], .name = ctype_names[i]};
		kb.efforts[i] = (struct mk_kb_level){.id = effort_ids[i], .name = effort_names[i]};
	}
	kb.sources = sources;
	kb.n_sources = 3;
	kb.answers = answers;
	kb.n_answers = 7;
	kb.bands = bands;
	kb.n_bands = 3;
	kb.scoring = (struct mk_kb_scoring){.vulnerability1 = 80, .vulnerability2 = 40,
	                                    .mitigation = 50};

	for (size_t i = 0; i < 13; i++)
		eps_all[i] = i;
	cms[0] = (struct mk_kb_cm){
		.id = "usb.rules", .eps = eps_usb, .n_eps = 1, .stage = MK_STAGE_REMOVE,
		.types = 1u << MK_CTYPE_ORGANIZATIONAL, .cost = MK_COST_FREE, .effort = MK_EFFORT_DAY,
		.weight = 2,
		.title = TX("USBメモリーの使い方のルールを決める", "Set rules for USB memory"),
		.question = TX("USBメモリーの使い方のルールがありますか？", "Are there rules for USB memory?"),
		.why = TX("持ち込まれたUSBメモリーは、制御用PCがウイルスに感染する一番多い入口です。",
		          "USB sticks brought in are the most common way control PCs get infected."),
		.how = TX("使ってよいUSBメモリーを決め、番号をつけて貸し出し簿で管理します。",
		          "Decide which sticks may be used, number them and keep a lending log."),
		.who = TX("生産技術課長", "The production engineering manager"),
		.check = TX("貸し出し簿に記録があり、ルールが掲示されている", "The log has entries & the rule is posted"),
		.meti = meti_usb, .n_meti = 1, .ipa25 = ipa_usb, .n_ipa25 = 1,
		.csf = csf_pr, .n_csf = 1,
		.origin = {.file = "ep-01-usb.kb", .line = 10, .sources = src_p, .n_sources = 1, .confidence = 'P'}};
	cms[1] = (struct mk_kb_cm){
		.id = "usb.scan", .eps = eps_usb, .n_eps = 1, .stage = MK_STAGE_DETECT,
		.types = 1u << MK_CTYPE_TECHNICAL, .cost = MK_COST_LOW, .effort = MK_EFFORT_DAY, .weight = 1,
		.title = TX("USBメモリーを使う前にウイルス検査する", "Scan USB memory before use"),
		.question = TX("使う前に検査していますか？", "Is USB memory scanned before use?"),
		.why = TX("感染したUSBメモリーに気づけます。", "Infected sticks are caught."),
		.how = TX("検査用PCを1台用意します。", "Set up one scanning PC."),
		.who = TX("設備担当", "Equipment staff"), .check = TX("検査記録がある", "Scan records exist"),
		.origin = {.file = "ep-01-usb.kb", .line = 30, .sources = src_ra, .n_sources = 1, .confidence = 'V'}};
	cms[2] = (struct mk_kb_cm){
		.id = "maintenance.window", .eps = eps_maint, .n_eps = 1, .stage = MK_STAGE_PROTECT,
		.types = (1u << MK_CTYPE_TECHNICAL) | (1u << MK_CTYPE_ORGANIZATIONAL), .cost = MK_COST_FREE,
		.effort = MK_EFFORT_MONTH, .weight = 3,
		.title = TX("保守用回線は作業のときだけつなぐ", "Connect the maintenance line only for the work"),
		.question = TX("保守用回線は作業のときだけつないでいますか？", "Is the maintenance line connected only during work?"),
		.why = TX("つなぎっぱなしの回線は、外から工場に入る道になります。", "A line left connected is a way in from outside."),
		.how = TX("VPN装置の電源を作業のときだけ入れます。", "Power the VPN box only during the work."),
		.who = TX("設備担当と保守会社", "Equipment staff and the maintenance company"),
		.check = TX("作業記録と接続記録が合っている", "Work log and connection log match"),
		.meti = meti_maint, .n_meti = 1, .ipa25 = ipa_maint, .n_ipa25 = 1,
		.origin = {.file = "ep-10-maintenance.kb", .line = 12, .sources = src_ra, .n_sources = 1, .confidence = 'M'}};
	cms[3] = (struct mk_kb_cm){
		.id = "general.backup", .all_entry_points = true, .eps = eps_all, .n_eps = 13,
		.stage = MK_STAGE_RECOVER, .types = 1u << MK_CTYPE_TECHNICAL, .cost = MK_COST_MEDIUM,
		.effort = MK_EFFORT_PROJECT, .weight = 2,
		.title = TX("PLCのプログラムと設定のバックアップを取り、復元を試す", "Back up PLC programs and settings, and test a restore"),
		.question = TX("バックアップから復元できることを確かめていますか？", "Has a restore from backup been tested?"),
		.why = TX("壊されても、元に戻せれば生産を再開できます。", "If you can restore, you can restart production."),
		.how = TX("年に1回、予備機に復元してみます。", "Once a year, restore onto a spare."),
		.who = TX("生産技術課", "Production engineering"), .check = TX("復元の記録がある", "A restore record exists"),
		.meti = meti_backup, .n_meti = 1, .ipa25 = ipa_backup, .n_ipa25 = 1,
		.origin = {.file = "general.kb", .line = 5, .sources = src_ra, .n_sources = 1, .confidence = 'S'}};
	cms[4] = (struct mk_kb_cm){
		.id = "mfp.firmware", .eps = eps_mfp, .n_eps = 1, .stage = MK_STAGE_REMOVE,
		.types = 1u << MK_CTYPE_TECHNICAL, .cost = MK_COST_FREE, .effort = MK_EFFORT_DAY, .weight = 1,
		.title = TX("複合機のファームウェアを更新する", "Update the MFP firmware"),
		.question = TX("更新していますか？", "Is it updated?"),
		.why = TX("古いファームウェアには弱点があります。", "Old firmware has known holes."),
		.how = TX("販売店に更新を頼みます。", "Ask the dealer."), .who = TX("総務", "Administration"),
		.check = TX("版数が最新", "Latest version"),
		.origin = {.file = "ep-05-mfp.kb", .line = 5, .sources = src_ra, .n_sources = 1, .confidence = 'V'}};
	kb.cms = cms;
	kb.n_cms = 5;

	for (size_t i = 0; i < 13; i++) {
		size_t n = 0;

		if (i == 0) {
			ep_cms[i][n++] = 0;
			ep_cms[i][n++] = 1;
		} else if (i == 4) {
			ep_cms[i][n++] = 4;
		} else if (i == 9) {
			ep_cms[i][n++] = 2;
		}
		ep_cms[i][n++] = 3; /* general.backup: every entry point */
		entries[i] = (struct mk_kb_entry){
			.id = ep_names[i].id, .order = (unsigned)i + 1,
			.name = {.ja = ep_names[i].ja, .en = ep_names[i].en},
			.alias = {.ja = ep_names[i].alias, .en = ""},
			.threat = TX("ウイルスが制御用PCに入り、ラインが止まる", "Malware reaches a control PC & stops the line"),
			.question = TX("この入口を使っていますか？", "Is this in use at the factory?"),
			.help = TX("", ""), .likelihood = 2, .impact = {3, 2, 2, 1},
			.cms = ep_cms[i], .n_cms = n,
			.origin = {.file = "ep.kb", .line = 1, .sources = src_ra, .n_sources = 1,
			           .confidence = i == 9 ? 'M' : i == 11 ? 'P' : 'V'}};
	}
	kb.entries = entries;
	kb.n_entries = 13;
	kb.meti_categories = meti_cats;
	kb.n_meti_categories = 2;
	kb.meti_items = meti_items;
	kb.n_meti_items = 3;
	kb.meti_ranks = meti_ranks;
	kb.n_meti_ranks = 4;
	kb.ipa_parts = ipa_parts;
	kb.n_ipa_parts = 2;
	kb.ipa_items = ipa_items;
	kb.n_ipa_items = 3;
	kb.ipa_bands = ipa_bands;
	kb.n_ipa_bands = 3;
}

/* ---- the assessment ---- */

static struct mk_entry_result results[13];
static struct mk_plan_item plan[3];
static size_t done_since[1];
static int meti_answer[3];
static bool meti_flag[3];
static double meti_cat[2];
static int ipa_points[3];
static bool ipa_na[3];
static struct mk_ev_item ev_items[2];
static struct mk_suggestion suggestions[2];
static struct mk_ev_item ev_general[1];
static char sugg_ja[] = "外部から3件のリモート接続（RDP）を確認しました。";
static char sugg_en[] = "3 remote-access sessions from outside were seen (RDP).";
static char sugg2_ja[] = "制御機器のプログラムを書き込んだ記録があります。";
static char sugg2_en[] = "A controller's program was written.";
static struct mk_assessment as;

#define NS(s) ((uint64_t)(s) * 1000000000ull)
#define T_NOW NS(1796601600) /* 2026-12-07 (UTC) */

static void build_assessment(void)
{
	memset(&as, 0, sizeof(as));
	as.kb = &kb;
	as.at_ns = T_NOW;
	as.previous_ns = T_NOW - NS(86400 * 30);
	for (size_t i = 0; i < 13; i++) {
		struct mk_entry_result *er = &results[i];

		memset(er, 0, sizeof(*er));
		er->entry = i;
		er->applicable = 1;
		er->threat = 2;
		er->vulnerability = 2;
		er->protected_pct = 50;
		er->mitigated_pct = 0;
		er->n_unknown = 1;
		er->n_risks = 4;
		for (int k = 0; k < 4; k++)
			er->risks[k] = (struct mk_risk_result){.risk = (enum mk_kb_risk)k, .likelihood = 1,
			                                       .impact = 1, .score = 1, .band = 2};
		er->max_score = 1;
	}
	/* usb: a high one */
	results[0].vulnerability = 3;
	results[0].protected_pct = 0;
	results[0].n_unknown = 2;
	results[0].risks[0] = (struct mk_risk_result){.risk = MK_RISK_STOP, .likelihood = 3, .impact = 3, .score = 9, .band = 0};
	results[0].risks[1] = (struct mk_risk_result){.risk = MK_RISK_LEAK, .likelihood = 2, .impact = 2, .score = 4, .band = 1};
	results[0].max_score = 9;
	/* brought_pc: use unknown (scored as in use, flagged) */
	results[1].applicable = -1;
	results[1].risks[0] = (struct mk_risk_result){.risk = MK_RISK_STOP, .likelihood = 2, .impact = 3, .score = 6, .band = 0};
	results[1].max_score = 6;
	/* mfp: not used */
	results[4].applicable = 0;
	results[4].n_risks = 0;
	results[4].max_score = 0;
	as.entries = results;

	plan[0] = (struct mk_plan_item){.cm = 0, .risk_reduced = 7, .this_week = true, .answer = "no", .progress = MK_PLAN_NEW};
	plan[1] = (struct mk_plan_item){.cm = 2, .risk_reduced = 3, .this_week = false, .answer = "partial",
	                                .progress = MK_PLAN_OPEN, .first_planned_ns = T_NOW - NS(86400 * 30)};
	plan[2] = (struct mk_plan_item){.cm = 3, .risk_reduced = 2, .this_week = false, .answer = "unknown", .progress = MK_PLAN_NEW};
	as.plan = plan;
	as.n_plan = 3;
	done_since[0] = 1; /* usb.scan */
	as.done_since = done_since;
	as.n_done_since = 1;

	meti_answer[0] = 4; /* no */
	meti_answer[1] = 5; /* unknown, counted as no */
	meti_answer[2] = 3; /* partial */
	meti_flag[0] = false;
	meti_flag[1] = true;
	meti_flag[2] = false;
	meti_cat[0] = 20.0;
	meti_cat[1] = 40.0;
	as.meti = (struct mk_meti_result){.item_answer = meti_answer, .item_flagged = meti_flag,
	                                  .category_score = meti_cat, .total = 30, .rank = 3};
	ipa_points[0] = 0;
	ipa_points[1] = -1;
	ipa_points[2] = 4;
	ipa_na[0] = ipa_na[1] = false;
	ipa_na[2] = true;
	as.ipa = (struct mk_ipa_result){.item_points = ipa_points, .item_na = ipa_na, .total = 3,
	                                .band = 2, .n_unknown = 1};

	memset(ev_items, 0, sizeof(ev_items));
	snprintf(ev_items[0].asset, sizeof(ev_items[0].asset), "i-192.168.1.30");
	snprintf(ev_items[0].address, sizeof(ev_items[0].address), "203.0.113.7");
	snprintf(ev_items[0].detail, sizeof(ev_items[0].detail), "rdp %s", MK_RFX_SCRIPT);
	ev_items[0].first_ns = T_NOW - NS(7200);
	ev_items[0].last_ns = T_NOW - NS(3600);
	snprintf(ev_items[1].address, sizeof(ev_items[1].address), "198.51.100.9");
	snprintf(ev_items[1].detail, sizeof(ev_items[1].detail), "anydesk");
	ev_items[1].first_ns = T_NOW - NS(5000);
	ev_items[1].last_ns = T_NOW - NS(4000);
	suggestions[0] = (struct mk_suggestion){.rule = 0, .key = "use.maintenance", .value = "yes",
	                                        .entry = 9, .count = 3, .items = ev_items,
	                                        .n_items = 2, .text_ja = sugg_ja, .text_en = sugg_en};
	/* one that belongs to no single entry point */
	memset(ev_general, 0, sizeof(ev_general));
	snprintf(ev_general[0].address, sizeof(ev_general[0].address), "192.168.1.10");
	snprintf(ev_general[0].detail, sizeof(ev_general[0].detail), "s7comm download");
	ev_general[0].first_ns = ev_general[0].last_ns = T_NOW - NS(7200);
	suggestions[1] = (struct mk_suggestion){.rule = 1, .key = "general.backup", .value = "no",
	                                        .entry = (size_t)-1, .count = 1, .items = ev_general,
	                                        .n_items = 1, .text_ja = sugg2_ja, .text_en = sugg2_en};
	as.suggestions = suggestions;
	as.n_suggestions = 2;
	as.n_unknown = 5;
	as.bcp = NULL;
}

/* ---- answers ---- */

const char mk_rfx_bcp_json[] =
	"{\"company\": {\"name\": \"" MK_RFX_IMG "工場\", \"site\": \"本社工場\", "
	"\"author\": \"山田 太郎\", \"approved_by\": \"工場長\", \"reviewed\": \"2026-11-01\"},"
	" \"policy\": \"人の安全を最優先し、次に生産の再開を目指す。\","
	" \"systems\": [{\"asset\": \"m-001b1b000010\", \"name\": \"ライン1 PLC\", \"line\": \"ライン1\","
	" \"critical\": true, \"rto_hours\": 8, \"rpo_hours\": 24, \"manual_fallback\": \"手動運転\","
	" \"backups\": [{\"what\": \"plc_program\", \"where\": \"事務所の金庫\", \"when\": \"毎月\","
	" \"offline\": true, \"restore_tested\": null}]}],"
	" \"isolation_points\": [{\"where\": \"事務所と工場の間\", \"device\": \"スイッチ1\", \"how\": \"LANケーブルを抜く\"}],"
	" \"roles\": [{\"role\": \"責任者\", \"name\": \"工場長\", \"deputy\": \"課長\", \"phone\": \"0120-000-000\"}],"
	" \"contacts\": [{\"category\": \"vendor\", \"org\": \"" MK_RFX_CMD "\", \"name\": \"佐藤\","
	" \"phone\": \"+81-3-0000-0000\", \"email\": \"sato@example.jp\", \"note\": \"" MK_RFX_SCRIPT "\"},"
	" {\"category\": \"police\", \"org\": \"県警 サイバー犯罪相談窓口\", \"name\": \"\", \"phone\": \"#9110\","
	" \"email\": \"\", \"note\": \"\"}],"
	" \"drills\": [{\"type\": \"tabletop\", \"every_months\": 12, \"last_done\": null}]}";

static struct mk_answer answer_v[7];
static char note_rules[] = MK_RFX_SCRIPT " 規程は未制定";
static char note_window[] = MK_RFX_CMD;
static char by_yamada[] = "山田 (生産技術課)";
static char k_use_usb[] = "use.usb", k_rules[] = "usb.rules", k_scan[] = "usb.scan";
static char k_window[] = "maintenance.window", k_backup[] = "general.backup";
static char k_impact[] = "impact.usb.stop", k_use_mfp[] = "use.mfp";
static char v_yes[] = "yes", v_no[] = "no", v_done[] = "done", v_partial[] = "partial";
static char v_unknown[] = "unknown", v_3[] = "3";
static char bcp_copy[sizeof(mk_rfx_bcp_json)];
static struct mk_answers answers_set;

static void build_answers(void)
{
	memcpy(bcp_copy, mk_rfx_bcp_json, sizeof(bcp_copy));
	answer_v[0] = (struct mk_answer){.key = k_backup, .value = v_unknown, .at_ns = T_NOW - NS(100)};
	answer_v[1] = (struct mk_answer){.key = k_impact, .value = v_3, .at_ns = T_NOW - NS(100)};
	answer_v[2] = (struct mk_answer){.key = k_window, .value = v_partial, .note = note_window, .at_ns = T_NOW - NS(50)};
	answer_v[3] = (struct mk_answer){.key = k_use_mfp, .value = v_no, .at_ns = T_NOW - NS(100)};
	answer_v[4] = (struct mk_answer){.key = k_use_usb, .value = v_yes, .at_ns = T_NOW - NS(100), .source = MK_SRC_FILE};
	answer_v[5] = (struct mk_answer){.key = k_rules, .value = v_no, .note = note_rules, .by = by_yamada, .at_ns = T_NOW - NS(10)};
	answer_v[6] = (struct mk_answer){.key = k_scan, .value = v_done, .at_ns = T_NOW - NS(100)};
	answers_set = (struct mk_answers){.v = answer_v, .n = 7, .cap = 7, .bcp_json = bcp_copy};
}

/* ---- the report ---- */

static struct mk_asset_rec assets[6];
static struct mk_addr ips[6];
static char n0[] = "PLC-LINE1", n1[] = MK_RFX_IMG, n2[] = MK_RFX_SCRIPT, n3[] = MK_RFX_CMD;
static char n4[] = "MFP&Co";
static struct mk_name_rec names[5];
static char vendor0[] = "Siemens AG", vendor4[] = "Brother Industries, Ltd.";
static char model0[] = "6ES7 214-1AG40-0XB0", fw0[] = "V4.2.3", ivendor0[] = "Siemens";
static struct mk_identity_rec ident0;
static struct mk_role_rec roles[6];
static struct mk_conv_rec convs[6];
static struct mk_alert_rec alerts[2];
static char t_en0[] = "PLC program changed: 192.168.1.30 -> 192.168.1.10 (s7comm)";
static char t_ja0[] = "PLCのプログラムが書き換えられました: 192.168.1.30 → 192.168.1.10（s7comm）";
static char d_en0[] = "Program changes were sent. Now: ask the person responsible for the line.";
static char d_ja0[] = "プログラムの書き込みがありました。いま行うこと: ラインの担当者に確認してください。";
static char t_en1[] = "New device: " MK_RFX_IMG;
static char t_ja1[] = "新しい機器: " MK_RFX_IMG;
static char d_en1[] = "A device appeared.";
static char d_ja1[] = "新しい機器が現れました。";
static char st_note1[] = MK_RFX_SCRIPT;
static struct mk_capture_rec captures[1];
static char cap_file[] = "line1.pcap";
static struct mk_report report;

static void ip4(struct mk_addr *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
	const uint8_t v[4] = {(uint8_t)b0, (uint8_t)b1, (uint8_t)b2, (uint8_t)b3};

	mk_addr_set_ip4(a, v);
}

static void mac(struct mk_addr *a, unsigned last)
{
	const uint8_t v[6] = {0x00, 0x1b, 0x1b, 0x00, 0x00, (uint8_t)last};

	mk_addr_set_mac(a, v);
}

static void build_report(void)
{
	static const uint8_t role_of[6] = {MK_ROLE_PLC, MK_ROLE_HMI, MK_ROLE_ENGINEERING_WORKSTATION,
	                                   MK_ROLE_OFFICE_PC, MK_ROLE_PRINTER, MK_ROLE_UNKNOWN};
	char *nm[5] = {n0, n1, n2, n3, n4};

	memset(assets, 0, sizeof(assets));
	memset(&report, 0, sizeof(report));
	ip4(&ips[0], 192, 168, 1, 10);
	ip4(&ips[1], 192, 168, 1, 20);
	ip4(&ips[2], 192, 168, 1, 30);
	ip4(&ips[3], 10, 0, 0, 5);
	ip4(&ips[4], 10, 0, 0, 9);
	for (size_t i = 0; i < 6; i++) {
		struct mk_asset_rec *a = &assets[i];

		snprintf(a->id, sizeof(a->id), "m-001b1b0000%02zx", i + 0x10);
		mac(&a->mac, (unsigned)(i + 0x10));
		if (i < 5) {
			a->ips = &ips[i];
			a->n_ips = 1;
			names[i] = (struct mk_name_rec){.name = nm[i], .source = 0};
			a->names = &names[i];
			a->n_names = 1;
		}
		roles[i] = (struct mk_role_rec){.role = role_of[i], .confidence = 80};
		a->roles = &roles[i];
		a->n_roles = 1;
		a->first_ns = T_NOW - NS(86400);
		a->last_ns = T_NOW - NS(60);
		a->packets = 100;
		a->bytes = 10000;
	}
	assets[0].vendor = vendor0;
	assets[4].vendor = vendor4;
	ident0 = (struct mk_identity_rec){.vendor = ivendor0, .model = model0, .firmware = fw0};
	assets[0].identity = &ident0;
	report.assets = assets;
	report.n_assets = 6;

	memset(convs, 0, sizeof(convs));
	/* EWS -> PLC s7comm, HMI -> PLC modbus, office PC -> MFP ipp, office PC -> 8.8.8.8 dns,
	 * EWS -> office PC smb, HMI -> EWS (second edge inside the control group) */
	convs[0] = (struct mk_conv_rec){.client = ips[2], .server = ips[0], .transport = 6, .port = 102,
	                                .proto = MK_PROTO_S7COMM, .packets = 500, .bytes = 60000, .flows = 3};
	convs[1] = (struct mk_conv_rec){.client = ips[1], .server = ips[0], .transport = 6, .port = 502,
	                                .proto = MK_PROTO_MODBUS, .packets = 9000, .bytes = 900000, .flows = 1};
	convs[2] = (struct mk_conv_rec){.client = ips[3], .server = ips[4], .transport = 6, .port = 631,
	                                .proto = MK_PROTO_IPP, .packets = 40, .bytes = 20000, .flows = 2};
	ip4(&convs[3].server, 8, 8, 8, 8);
	convs[3].client = ips[3];
	convs[3].transport = 17;
	convs[3].port = 53;
	convs[3].proto = MK_PROTO_DNS;
	convs[3].packets = 10;
	convs[3].bytes = 1000;
	convs[3].flows = 5;
	convs[4] = (struct mk_conv_rec){.client = ips[2], .server = ips[3], .transport = 6, .port = 445,
	                                .proto = MK_PROTO_SMB, .packets = 300, .bytes = 300000, .flows = 4};
	convs[5] = (struct mk_conv_rec){.client = ips[1], .server = ips[2], .transport = 6, .port = 3389,
	                                .proto = MK_PROTO_RDP, .packets = 30, .bytes = 3000, .flows = 1};
	for (size_t i = 0; i < 6; i++) {
		convs[i].first_ns = T_NOW - NS(3600);
		convs[i].last_ns = T_NOW - NS(60);
	}
	report.convs = convs;
	report.n_convs = 6;

	memset(alerts, 0, sizeof(alerts));
	snprintf(alerts[0].id, sizeof(alerts[0].id), "al-0000000000000001");
	snprintf(alerts[0].type, sizeof(alerts[0].type), "plc_program");
	alerts[0].severity = MK_SEV_HIGH;
	alerts[0].status = MK_ALERT_OPEN;
	alerts[0].client = ips[2];
	alerts[0].server = ips[0];
	alerts[0].transport = 6;
	alerts[0].port = 102;
	alerts[0].proto = MK_PROTO_S7COMM;
	alerts[0].first_ns = T_NOW - NS(7200);
	alerts[0].last_ns = T_NOW - NS(3600);
	alerts[0].count = 4;
	alerts[0].title_en = t_en0;
	alerts[0].title_ja = t_ja0;
	alerts[0].detail_en = d_en0;
	alerts[0].detail_ja = d_ja0;
	/* an accepted low alert listed after it although it is newer */
	snprintf(alerts[1].id, sizeof(alerts[1].id), "al-0000000000000002");
	snprintf(alerts[1].type, sizeof(alerts[1].type), "new_device");
	alerts[1].severity = MK_SEV_LOW;
	alerts[1].status = MK_ALERT_ACCEPTED;
	alerts[1].client = ips[1];
	alerts[1].proto = MK_PROTO_UNKNOWN;
	alerts[1].first_ns = T_NOW - NS(600);
	alerts[1].last_ns = T_NOW - NS(60);
	alerts[1].count = 1;
	alerts[1].title_en = t_en1;
	alerts[1].title_ja = t_ja1;
	alerts[1].detail_en = d_en1;
	alerts[1].detail_ja = d_ja1;
	alerts[1].status_note = st_note1;
	report.alerts = alerts;
	report.n_alerts = 2;

	memset(captures, 0, sizeof(captures));
	captures[0].file = cap_file;
	captures[0].first_ns = T_NOW - NS(86400);
	captures[0].last_ns = T_NOW - NS(60);
	report.captures = captures;
	report.n_captures = 1;
}

void mk_rfx_get(struct mk_rfx *fx)
{
	build_kb();
	build_assessment();
	build_answers();
	build_report();
	fx->kb = &kb;
	fx->as = &as;
	fx->a = &answers_set;
	fx->r = &report;
}
