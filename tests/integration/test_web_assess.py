#!/usr/bin/env python3
"""The dashboard's self-assessment API (src/web/assess.c; docs/API.md "Assessment").

A database analysed from the bundled factory scenario and a scapy-made DHCP exchange whose host
name is hostile.  `serve` on 127.0.0.1:
- GET /api/v1/assessment/kb: the 13 entry points in order, the answer scale, every countermeasure
  with its texts in both languages;
- GET /api/v1/assessment before any answer: every entry point "not known" (applicable null), every
  risk exactly as ASSESSMENT.md's scoring gives it for "don't know" everywhere (computed here from
  the knowledge base's own tables), the plan = every countermeasure;
- PUT answers: CSRF refused (403, nothing stored), round trip (values, notes, by, the document
  recomputed), validation (400 naming the key, nothing of the batch stored), notes without an
  answer, bad JSON with line:column, unknown members, a body over 64 KiB (413);
- the risk table and the plan follow the answers: "no" drops an entry point, "done" everywhere
  and "partial" everywhere give exactly the scores of the rules, the plan is exactly the measures
  not in place of the entry points in use, "free, this week" first;
- evidence suggestions: each names a real key, and confirming one stores its answer;
- the BCP entries round trip, a bad one is refused naming the member, nothing changed;
- recording a run: the next document names it, the plan items are "open", a measure done since
  is listed in done_since;
- the reports: HTML inline with its own CSP (no script), with the hostile note and host name
  escaped, never raw; ?download=1 as attachment; Markdown and plan CSV; PDF when Chromium is
  there; a bad lang is 400;
- the answers survive a restart of the server.
`serve` on 0.0.0.0 (login): a viewer reads the assessment but every write is 403 forbidden.
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web_api as web  # noqa: E402  (the server wrapper, the hostile capture)

check = web.check
HOSTILE = web.HOSTILE
EP_IDS = ["usb", "brought_pc", "mobile", "iot", "mfp", "handheld", "office_net", "internet",
          "wifi", "maintenance", "cloud", "parts", "new_equipment"]
ANSWER_IDS = ["reviewed", "documented", "done", "partial", "no", "unknown", "na"]
IN_PLACE = {"done", "documented", "reviewed"}
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")


def error_of(data):
    try:
        return json.loads(data)["error"]
    except (ValueError, KeyError, TypeError):
        return {}


class Model:
    """ASSESSMENT.md's scoring and plan rules over the knowledge base the server sent."""

    def __init__(self, kb):
        self.kb = kb
        self.ans = {a["id"]: a for a in kb["answers"]}
        self.cm = {c["id"]: c for c in kb["countermeasures"]}
        self.ep = {e["id"]: e for e in kb["entry_points"]}
        self.bands = sorted(kb["bands"], key=lambda b: -b["min"])

    def applicable(self, answers, ep):
        v = answers.get("use." + ep, "unknown")
        return None if v == "unknown" else v == "yes"

    def pct(self, answers, ep, stages):
        num = den = 0
        for cid in self.ep[ep]["countermeasures"]:
            c = self.cm[cid]
            if c["stage"] not in stages:
                continue
            a = self.ans[answers.get(cid, "unknown")]
            if a["flag"] == "na":
                continue
            num += c["weight"] * a["implemented"]
            den += c["weight"] * 100
        return 100.0 * num / den if den else 0.0

    def risks(self, answers, ep):
        """[(risk, likelihood, impact, score, band)] of an applicable entry point."""
        sc = self.kb["scoring"]
        e = self.ep[ep]
        prot = self.pct(answers, ep, {"remove", "protect"})
        mit = self.pct(answers, ep, {"detect", "recover"})
        vul = 1 if prot >= sc["vulnerability1"] else 2 if prot >= sc["vulnerability2"] else 3
        threat = int(answers.get("likelihood." + ep, e["likelihood"]))
        like = sc["damage"][threat - 1][vul - 1]
        out = []
        for r in self.kb["risks"]:
            imp = int(answers.get(f"impact.{ep}.{r['id']}", e["impact"][r["id"]]))
            if imp == 0:
                continue
            if mit >= sc["mitigation"]:
                imp = max(1, imp - 1)
            score = like * imp
            band = next(b["id"] for b in self.bands if score >= b["min"])
            out.append((r["id"], like, imp, score, band))
        return out

    def plan(self, answers):
        """The ids of the measures not in place that protect an entry point in use (or not known
        to be unused)."""
        used = {e for e in self.ep if self.applicable(answers, e) is not False}
        out = set()
        for c in self.kb["countermeasures"]:
            v = answers.get(c["id"], "unknown")
            if v in IN_PLACE or self.ans[v]["flag"] == "na":
                continue
            eps = set(self.ep) if c["all"] else set(c["entry_points"])
            if eps & used:
                out.add(c["id"])
        return out


def doc_risks(d, ep):
    e = next(x for x in d["entry_points"] if x["id"] == ep)
    return [(r["risk"], r["likelihood"], r["impact"], r["score"], r["level"]) for r in e["risks"]]


def check_model(m, d, answers, what):
    """Every entry point of the document against the model."""
    for e in d["entry_points"]:
        app = m.applicable(answers, e["id"])
        check(e["applicable"] == app, f"{what}: {e['id']} applicable {e['applicable']} != {app}")
        want = [] if app is False else m.risks(answers, e["id"])
        check(doc_risks(d, e["id"]) == want,
              f"{what}: {e['id']} risks {doc_risks(d, e['id'])} != {want}")
    plan = [p["countermeasure"] for p in d["plan"]]
    check(len(plan) == len(set(plan)) and set(plan) == m.plan(answers),
          f"{what}: plan {sorted(set(plan) ^ m.plan(answers))[:8]} differ")
    week = [p["this_week"] for p in d["plan"]]
    check(week == sorted(week, reverse=True), f"{what}: 'this week' items come first")
    for p in d["plan"]:
        c = m.cm[p["countermeasure"]]
        check(p["this_week"] == (c["cost"] == "free" and c["effort"] == "day"),
              f"{what}: {c['id']} this_week {p['this_week']}")


def kb_tests(s):
    kb = s.json("GET", "/api/v1/assessment/kb")
    check([e["id"] for e in kb["entry_points"]] == EP_IDS
          and [e["order"] for e in kb["entry_points"]] == list(range(1, 14)), "kb: the 13 entry points in order")
    check([a["id"] for a in kb["answers"]] == ANSWER_IDS, f"kb: answer scale {[a['id'] for a in kb['answers']]}")
    check(len(kb["countermeasures"]) >= 65, f"kb: {len(kb['countermeasures'])} countermeasures")
    for c in kb["countermeasures"]:
        for k in ("title", "question", "why", "how", "who", "check"):
            if not (c[k]["ja"] and c[k]["en"]):
                check(False, f"kb: {c['id']} {k} in both languages")
                break
    for e in kb["entry_points"]:
        check(len([c for c in e["countermeasures"] if not kb_cm(kb, c)["all"]]) >= 5,
              f"kb: {e['id']} has five measures of its own")
    sc = kb["scoring"]
    check(len(sc["damage"]) == 3 and all(len(r) == 3 and all(1 <= x <= 3 for x in r) for r in sc["damage"]),
          f"kb: damage table {sc['damage']}")
    return kb


def kb_cm(kb, cid):
    return next(c for c in kb["countermeasures"] if c["id"] == cid)


def answers_tests(s, kb, csrf, plc_id):
    m = Model(kb)
    d = s.json("GET", "/api/v1/assessment")
    check(d["schema"] == "mieruka-assessment/1" and [e["id"] for e in d["entry_points"]] == EP_IDS,
          "document: schema and entry points")
    check(d["answers"] == [], f"no answers yet ({len(d['answers'])})")
    check_model(m, d, {}, "nothing answered")
    unknown = d["unknown_answers"]
    check(len(unknown) >= 13 + 65 and all(f"use.{e}" in unknown for e in EP_IDS),
          f"unknown answers listed ({len(unknown)})")

    # CSRF: refused, nothing stored
    body = {"answers": {"use.usb": "yes"}}
    st, _, data = s.req("PUT", "/api/v1/assessment/answers", json.dumps(body))
    check(st == 403 and error_of(data).get("code") == "csrf", f"PUT without CSRF: {st}")
    st, _, data = s.req("PUT", "/api/v1/assessment/answers", json.dumps(body), {"X-CSRF-Token": "0" * 64})
    check(st == 403 and error_of(data).get("code") == "csrf", f"PUT with a wrong CSRF token: {st}")
    check(s.json("GET", "/api/v1/assessment")["answers"] == [], "nothing stored without CSRF")

    # validation: 400 naming the key, and nothing of the batch stored
    usb_cm = next(c for c in kb["entry_points"][0]["countermeasures"] if not kb_cm(kb, c)["all"])
    for bad, key in (({"answers": {"use.usb": "yes", "use.mobile": "maybe"}}, "use.mobile"),
                     ({"answers": {"use.usb": "yes", "nosuch.measure": "done"}}, "nosuch.measure"),
                     ({"answers": {"use.usb": "yes", usb_cm: "perfect"}}, usb_cm),
                     ({"answers": {"use.usb": "yes", "likelihood.usb": "7"}}, "likelihood.usb"),
                     ({"answers": {"use.usb": "yes", "impact.usb.stop": "4"}}, "impact.usb.stop"),
                     ({"answers": {"use.usb": "yes", "use.wifi": 1}}, "use.wifi"),
                     ({"answers": {"use.usb": "yes"}, "notes": {"use.iot": "メモだけ"}}, "use.iot"),
                     ({"answers": {"use.usb": "yes"}, "notes": {"use.usb": 5}}, "use.usb"),
                     ({"answers": {"use.usb": "yes"}, "notes": {"use.usb": "長" * 700}}, "use.usb")):
        body = bad
        st, _, data = s.req("PUT", "/api/v1/assessment/answers", json.dumps(body), csrf)
        e = error_of(data)
        check(st == 400 and e.get("code") == "bad_answer" and e.get("key") == key
              and key in e["message"]["en"] and key in e["message"]["ja"] and e.get("reason"),
              f"bad answer {json.dumps(body, ensure_ascii=False)[:80]}: {st} {data[:200]!r}")
    check(s.json("GET", "/api/v1/assessment")["answers"] == [], "nothing of a refused batch stored")
    for raw, code in (('{"answers": {"use.usb": "yes"', "bad_json"), ('[1, 2]', "bad_json"),
                      ('{"answers": {"use.usb": "yes"}, "answers": {}}', "bad_json"),
                      ('{"answers": {"use.usb": "\\u0000"}}', "bad_json"),
                      ('{"answers": {}, "by": "someone"}', "bad_field"),
                      ('{"answers": ["use.usb"]}', "bad_field")):
        st, _, data = s.req("PUT", "/api/v1/assessment/answers", raw, csrf)
        check(st == 400 and error_of(data).get("code") == code, f"body {raw!r}: {st} {data[:160]!r}")
    st, _, data = s.req("PUT", "/api/v1/assessment/answers", '{"answers": {"use.usb": "yes"', csrf)
    check("1:" in error_of(data).get("reason", ""), f"bad JSON names line:column {error_of(data)}")
    st, _, data = s.req("PUT", "/api/v1/assessment/answers",
                        json.dumps({"notes": {"use.usb": "x" * 70000}}), csrf)
    check(st == 413 and error_of(data).get("code") == "too_large", f"a body over 64 KiB: {st}")

    # a round trip: values, a note, the document recomputed
    answers = {"use.usb": "yes", "use.mobile": "no", "use.maintenance": "yes", usb_cm: "done"}
    d = s.json("PUT", "/api/v1/assessment/answers",
               json.dumps({"answers": answers, "notes": {usb_cm: "規程は2025年に制定\r\n掲示済み\x07"}}), csrf)
    got = {a["key"]: a for a in d["answers"]}
    check({k: v["value"] for k, v in got.items()} == answers, f"answers stored {got}")
    check(got[usb_cm]["note"] == "規程は2025年に制定\n掲示済み " and got[usb_cm]["by"] is None
          and got[usb_cm]["source"] == "person" and got[usb_cm]["at"], f"note stored {got[usb_cm]}")
    check(got["use.usb"]["note"] is None, "no note where none was given")
    check_model(m, d, answers, "first answers")
    check(s.json("GET", "/api/v1/assessment")["answers"] == d["answers"], "GET gives what PUT stored")
    # a note alone keeps the answer; null clears it; an answer alone keeps the note
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"notes": {"use.usb": "事務所に3本"}}), csrf)
    got = {a["key"]: a for a in d["answers"]}
    check(got["use.usb"]["value"] == "yes" and got["use.usb"]["note"] == "事務所に3本", f"note alone {got['use.usb']}")
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": {usb_cm: "partial"}}), csrf)
    got = {a["key"]: a for a in d["answers"]}
    check(got[usb_cm]["value"] == "partial" and got[usb_cm]["note"] == "規程は2025年に制定\n掲示済み ",
          f"answer alone keeps the note {got[usb_cm]}")
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"notes": {"use.usb": None}}), csrf)
    check({a["key"]: a for a in d["answers"]}["use.usb"]["note"] is None, "null clears the note")
    answers[usb_cm] = "partial"

    # the risk table and the plan follow the answers
    usb = kb["entry_points"][0]
    for value in ("done", "partial", "no", "unknown"):
        batch = {c: value for c in usb["countermeasures"]}
        d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": batch}), csrf)
        answers.update(batch)
        check_model(m, d, answers, f"usb's measures all {value}")
    done = {c: "done" for c in usb["countermeasures"]}
    before = sum(r[3] for r in doc_risks(d, "usb"))
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": done}), csrf)
    answers.update(done)
    after = sum(r[3] for r in doc_risks(d, "usb"))
    check(after < before, f"usb's risk goes down when its measures are done ({before} -> {after})")
    check(not set(usb["countermeasures"]) & {p["countermeasure"] for p in d["plan"]},
          "measures done leave the plan")
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": {"use.usb": "no"}}), csrf)
    answers["use.usb"] = "no"
    check(doc_risks(d, "usb") == [], "an entry point not used has no risks")
    check_model(m, d, answers, "usb not used")
    # likelihood and impact overrides
    d = s.json("PUT", "/api/v1/assessment/answers",
               json.dumps({"answers": {"likelihood.maintenance": "1", "impact.maintenance.stop": "3"}}), csrf)
    answers.update({"likelihood.maintenance": "1", "impact.maintenance.stop": "3"})
    check_model(m, d, answers, "overrides")

    # suggestions from the network: real keys; confirming stores the suggested answer
    sugg = [x for e in d["entry_points"] for x in e["suggestions"]] + d.get("suggestions", [])
    for x in sugg:
        k = x["question"]
        check(k.startswith("use.") and k[4:] in EP_IDS or k in m.cm, f"suggestion key {k}")
        check(x["evidence"]["text"]["ja"] and x["evidence"]["text"]["en"], f"suggestion {k} has evidence text")
    print(f"info: {len(sugg)} suggestions from the factory scenario")
    pick = next((x for x in sugg if answers.get(x["question"]) != x["answer"]), None)
    if pick is not None:
        d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": {pick["question"]: pick["answer"]}}), csrf)
        answers[pick["question"]] = pick["answer"]
        mine = [x for e in d["entry_points"] for x in e["suggestions"]] + d.get("suggestions", [])
        check(all(x["current"] == x["answer"] for x in mine if x["question"] == pick["question"]),
              f"confirmed suggestion {pick['question']}={pick['answer']}")
        check_model(m, d, answers, "after confirming a suggestion")

    # the hostile note, for the reports
    d = s.json("PUT", "/api/v1/assessment/answers",
               json.dumps({"answers": {"use.maintenance": "yes"}, "notes": {"use.maintenance": HOSTILE}}), csrf)
    check({a["key"]: a for a in d["answers"]}["use.maintenance"]["note"] == HOSTILE, "a hostile note is kept as text")
    return answers


def bcp_tests(s, csrf, plc_id):
    check(s.json("GET", "/api/v1/assessment/bcp") == {}, "no BCP entries yet")
    entries = {"company": {"name": "見える化工業 第2工場", "site": "浜松", "author": "山田", "approved_by": "工場長",
                           "reviewed": "2026-11-01"},
               "policy": "人の安全、お客様への納期、図面の順に守る",
               "systems": [{"asset": plc_id, "name": "1号ライン PLC", "line": "1号ライン", "critical": True,
                            "rto_hours": 4, "rpo_hours": 24, "manual_fallback": "手動運転",
                            "backups": [{"what": "plc_program", "where": "事務所の金庫（USB）", "when": "毎月",
                                         "offline": True, "restore_tested": "2026-10-01"}]}],
               "isolation_points": [{"where": "事務所と工場の間", "device": "L2スイッチ 1番ポート", "how": "LANケーブルを抜く"}],
               "roles": [{"role": "指揮", "name": "工場長", "deputy": "製造課長", "phone": "090-0000-0000"}],
               "contacts": [{"category": "police", "org": "県警 サイバー犯罪相談窓口", "name": "", "phone": "#9110",
                             "email": "", "note": ""}],
               "drills": [{"type": "restore", "every_months": 6, "last_done": "2026-10-01"}]}
    st, _, data = s.req("PUT", "/api/v1/assessment/bcp", json.dumps(entries))
    check(st == 403, f"BCP without CSRF: {st}")
    got = s.json("PUT", "/api/v1/assessment/bcp", json.dumps(entries, ensure_ascii=False), csrf)
    check(got == entries, f"BCP stored as sent {got}")
    check(s.json("GET", "/api/v1/assessment/bcp") == entries, "BCP round trip")
    d = s.json("GET", "/api/v1/assessment")
    check(plc_id in json.dumps(d["bcp"]), "the document's BCP names the system entered")
    bad = json.loads(json.dumps(entries))
    bad["systems"][0]["rto_hours"] = "four hours"
    st, _, data = s.req("PUT", "/api/v1/assessment/bcp", json.dumps(bad), csrf)
    e = error_of(data)
    check(st == 400 and e.get("code") == "bad_bcp" and "systems[0].rto_hours" in e.get("reason", ""),
          f"bad BCP names the member: {st} {data[:200]!r}")
    for raw in ('[]', '{"systems": ', '{"systems": "x"}'):
        st, _, data = s.req("PUT", "/api/v1/assessment/bcp", raw, csrf)
        check(st == 400, f"BCP body {raw!r}: {st}")
    check(s.json("GET", "/api/v1/assessment/bcp") == entries, "nothing changed by a refused BCP")
    return entries


def runs_tests(s, csrf, answers):
    st, _, _ = s.req("POST", "/api/v1/assessment/runs", "{}")
    check(st == 403, "record without CSRF")
    d0 = s.json("GET", "/api/v1/assessment")
    check(d0["previous"] is None, "no run recorded yet")
    r = s.json("POST", "/api/v1/assessment/runs", "{}", csrf, status=201)
    check(r["plan"] == len(d0["plan"]) and r["recorded"], f"recorded {r}")
    d = s.json("GET", "/api/v1/assessment")
    check(d["previous"] == r["recorded"], f"previous {d['previous']} == {r['recorded']}")
    check(d["plan"] and all(p["progress"] == "open" for p in d["plan"]), "plan items are open after a record")
    first = d["plan"][0]["countermeasure"]
    d = s.json("PUT", "/api/v1/assessment/answers", json.dumps({"answers": {first: "done"}}), csrf)
    answers[first] = "done"
    check([x["countermeasure"] for x in d["done_since"]] == [first], f"done since: {d['done_since']}")


def report_tests(s, hostile_asset):
    st, h, data = s.req("GET", "/api/v1/assessment/report.html?lang=ja")
    html = data.decode("utf-8", "replace")
    check(st == 200 and h.get("content-type", "").startswith("text/html"), f"report.html {st} {h.get('content-type')}")
    check(h.get("content-security-policy") == REPORT_CSP, f"report CSP {h.get('content-security-policy')}")
    check(h.get("content-disposition", "").startswith("inline; filename=\"mieruka-")
          and h["content-disposition"].endswith("-assessment.html\""), f"inline {h.get('content-disposition')}")
    check(h.get("x-content-type-options") == "nosniff" and h.get("cache-control") == "no-store", "report headers")
    check(HOSTILE not in html and "<img" not in html and "<script" not in html.lower(),
          "no raw hostile text or script in the report")
    check("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;" in html, "the hostile note is escaped in the report")
    check("ＵＳＢ" in html or "USBメモリ" in html, "the report is in Japanese")
    st, h, data = s.req("GET", "/api/v1/assessment/report.html?lang=en&download=1")
    check(st == 200 and h.get("content-disposition", "").startswith("attachment;"), "report.html download")
    check("USB" in data.decode("utf-8", "replace") and HOSTILE not in data.decode("utf-8", "replace"), "English report")
    st, _, data = s.req("GET", "/api/v1/assessment/report.html?lang=fr")
    check(st == 400 and error_of(data).get("code") == "bad_parameter", f"lang=fr: {st}")
    st, h, data = s.req("GET", "/api/v1/assessment/report.md?lang=ja")
    md = data.decode("utf-8", "replace")
    check(st == 200 and h.get("content-type", "").startswith("text/markdown")
          and h.get("content-disposition", "").startswith("attachment;"), f"report.md {st}")
    check("USBメモリ" in md and "<img" not in md, "Markdown report in Japanese without raw HTML from input")
    st, h, data = s.req("GET", "/api/v1/assessment/plan.csv?lang=ja")
    check(st == 200 and h.get("content-type", "").startswith("text/csv") and data[:3] == b"\xef\xbb\xbf",
          f"plan.csv {st} {data[:3]!r}")
    plan = s.json("GET", "/api/v1/assessment")["plan"]
    if plan:
        check(plan[0]["title"]["ja"] in data.decode("utf-8"), "plan.csv lists the plan")
    st, h, data = s.req("GET", "/api/v1/assessment/report.pdf?lang=ja")
    if shutil.which("chromium") or shutil.which("chromium-browser") or os.environ.get("MIERUKA_CHROMIUM"):
        check(st == 200 and data[:5] == b"%PDF-" and h.get("content-type") == "application/pdf"
              and h.get("content-disposition", "").startswith("attachment;"), f"report.pdf {st} {data[:80]!r}")
    else:
        e = error_of(data)
        check(st == 500 and e.get("code") == "report_failed" and "Chromium" in e["message"]["en"],
              f"report.pdf without Chromium says so: {st} {data[:200]!r}")


def viewer_tests(s, db):
    st, h, _ = s.req("POST", "/api/v1/setup", json.dumps({"user": "admin", "password": "工場の見える化 2026"}))
    check(st == 201, f"setup {st}")
    admin = web.login(s, "admin", "工場の見える化 2026")
    s.json("POST", "/api/v1/users", json.dumps({"user": "viewer1", "password": "見るだけの人です 2026", "role": "viewer"}),
           admin, status=201)
    viewer = web.login(s, "viewer1", "見るだけの人です 2026")
    if not check(viewer is not None, "viewer logs in"):
        return
    st, _, _ = s.req("GET", "/api/v1/assessment")
    check(st == 401, f"assessment without a session: {st}")
    d = s.json("GET", "/api/v1/assessment", headers=viewer)
    check(d["schema"] == "mieruka-assessment/1", "the viewer reads the assessment")
    check(s.json("GET", "/api/v1/assessment/bcp", headers=viewer) is not None, "the viewer reads the BCP")
    st, _, _ = s.req("GET", "/api/v1/assessment/report.html", headers=viewer)
    check(st == 200, f"the viewer reads the report: {st}")
    for method, path, body in (("PUT", "/api/v1/assessment/answers", '{"answers": {"use.usb": "yes"}}'),
                               ("PUT", "/api/v1/assessment/bcp", "{}"),
                               ("POST", "/api/v1/assessment/runs", "{}")):
        st, _, data = s.req(method, path, body, viewer)
        check(st == 403 and error_of(data).get("code") == "forbidden", f"viewer {method} {path}: {st}")
    check(s.json("GET", "/api/v1/assessment", headers=admin)["answers"] == d["answers"], "nothing changed by the viewer")
    d = s.json("PUT", "/api/v1/assessment/answers", '{"answers": {"use.cloud": "yes"}}', admin)
    check({a["key"]: a for a in d["answers"]}["use.cloud"]["by"] == "admin", "an answer records who gave it")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    scenario = os.path.join(args.src, "scenarios", "factory", "factory-demo.pcapng")
    if not os.path.exists(scenario):
        print("SKIP: the factory scenario is missing")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        hostile = os.path.join(tmp, "hostile.pcap")
        web.hostile_dhcp(hostile)
        db = os.path.join(tmp, "t.db")
        out = os.path.join(tmp, "doc.json")
        r = web.subprocess.run([args.mieruka, "analyze", "--quiet", "--db", db, "--json", out, scenario, hostile],
                               capture_output=True, text=True)
        if not check(r.returncode == 0, f"analyze: {r.stderr}"):
            return 1
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        plcs = [a["id"] for a in doc["assets"] if any(x["role"] == "plc" for x in a["roles"])]
        hostile_asset = next((a["id"] for a in doc["assets"] if HOSTILE in a["hostnames"]), None)
        check(plcs and hostile_asset, "the scenario has PLCs and the hostile name was analysed")
        s = web.Server(args.mieruka, db, "127.0.0.1:0")
        try:
            csrf = {"X-CSRF-Token": s.json("GET", "/api/v1/me")["csrf"]}
            kb = kb_tests(s)
            answers = answers_tests(s, kb, csrf, plcs[0])
            bcp = bcp_tests(s, csrf, plcs[0])
            runs_tests(s, csrf, answers)
            report_tests(s, hostile_asset)
            before = s.json("GET", "/api/v1/assessment")["answers"]
        finally:
            s.stop()
        s = web.Server(args.mieruka, db, "127.0.0.1:0")
        try:
            d = s.json("GET", "/api/v1/assessment")
            check(d["answers"] == before, "the answers survive a restart")
            check({a["key"]: a["value"] for a in d["answers"]} == answers, "every answer given is stored")
            check(s.json("GET", "/api/v1/assessment/bcp") == bcp, "the BCP survives a restart")
            check_model(Model(kb), d, answers, "after the restart")
        finally:
            s.stop()
        s = web.Server(args.mieruka, db, "0.0.0.0:0")
        try:
            viewer_tests(s, db)
        finally:
            s.stop()
    if web.FAILS:
        print(f"{len(web.FAILS)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
