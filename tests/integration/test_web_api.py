#!/usr/bin/env python3
"""The dashboard's server (`mieruka serve`, src/web; docs/API.md) over real captures.

1. A database analysed from a real Modbus capture, the bundled factory scenario and a scapy-made
   DHCP exchange whose host name is hostile (`<img src=x onerror=alert(1)></script>`).
   `serve` on 127.0.0.1 (ephemeral port): health, headers on every response, every implemented
   endpoint compared with the `analyze --json` document (totals, paging, filters, sort, search,
   device detail, map, overview), edits with and without the CSRF token, the alert status and
   teaching, 400/404 on bad input, 403 on a foreign Host header, the hostile name coming back
   as JSON text only, never as HTML.
2. `serve` on 0.0.0.0 (login required; reached through 127.0.0.1): unauthenticated API refused
   (401) and pages redirected, setup (no default password), a second setup refused, login, CSRF
   missing -> 403, logout, wrong password x5 -> 429 with Retry-After.
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import glob
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

try:
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3" \
            and not os.environ.get("MK_WEB_REEXEC"):
        os.environ["MK_WEB_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-scapy is not installed")
    sys.exit(77)

FAILS = []
HOSTILE = "<img src=x onerror=alert(1)></script>"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)
    return cond


def hostile_dhcp(path):
    mac = "02:00:5e:10:00:99"
    bootp = dict(chaddr=bytes.fromhex(mac.replace(":", "")) + b"\0" * 10, xid=0x1234)
    pkts = [
        Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
        UDP(sport=68, dport=67) / BOOTP(op=1, **bootp) /
        DHCP(options=[("message-type", "request"), ("requested_addr", "192.168.20.99"),
                      ("hostname", HOSTILE.encode()), "end"]),
        Ether(src="02:00:5e:10:00:01", dst=mac) / IP(src="192.168.20.1", dst="192.168.20.99") /
        UDP(sport=67, dport=68) / BOOTP(op=2, yiaddr="192.168.20.99", **bootp) /
        DHCP(options=[("message-type", "ack"), ("server_id", "192.168.20.1"), "end"]),
    ]
    for i, p in enumerate(pkts):
        p.time = 1773100800 + i
    wrpcap(path, pkts)


class Server:
    def __init__(self, mieruka, db, listen, extra=()):
        self.p = subprocess.Popen([mieruka, "serve", "--db", db, "--listen", listen, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ, LANG="C"))
        line = self.p.stdout.readline()
        m = re.search(r"http://([0-9.]+):(\d+)/", line)
        if not m:
            raise RuntimeError(f"serve did not start: {line!r} {self.p.stderr.read()}")
        self.host, self.port = m.group(1), int(m.group(2))

    def req(self, method, path, body=None, headers=None, host=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        if host is not None:
            c.putrequest(method, path, skip_host=True)
            c.putheader("Host", host)
            for k, v in h.items():
                c.putheader(k, v)
            data = body
            if data is not None:
                c.putheader("Content-Length", str(len(data)))
            c.endheaders(data)
        else:
            c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def json(self, method, path, body=None, headers=None, status=200):
        st, h, data = self.req(method, path, body, headers)
        check(st == status, f"{method} {path}: status {st}, wanted {status}: {data[:200]!r}")
        check_headers(f"{method} {path}", h, api=path.startswith("/api/"))
        try:
            return json.loads(data) if data else None
        except ValueError:
            check(False, f"{method} {path}: not JSON: {data[:200]!r}")
            return None

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -1
        err = self.p.stderr.read()
        check(rc == 0, f"serve exit {rc} after SIGTERM: {err[-500:]}")
        check("ERROR: AddressSanitizer" not in err and "runtime error" not in err,
              f"sanitizer: {err[-2000:]}")


def check_headers(what, h, api):
    check(h.get("content-security-policy") == CSP, f"{what}: CSP {h.get('content-security-policy')}")
    check(h.get("x-content-type-options") == "nosniff", f"{what}: nosniff")
    check(h.get("referrer-policy") == "no-referrer", f"{what}: referrer")
    check(h.get("x-frame-options") == "DENY", f"{what}: frame options")
    if api:
        check(h.get("cache-control") == "no-store", f"{what}: cache-control")


def overview_traffic(traffic):
    """The overview's traffic from the document's: the last 7 days (168 hours ending at the newest
    hour held), from the first hour with data in them, hours without data as zeros."""
    import datetime
    if not traffic:
        return []
    hour = 3600

    def sec(t):
        return int(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
                   .replace(tzinfo=datetime.timezone.utc).timestamp())
    by = {sec(x["t"]): x for x in traffic}
    last = max(by)
    first = min(k for k in by if k > last - 168 * hour)
    out = []
    for h in range(first, last + hour, hour):
        t = datetime.datetime.fromtimestamp(h, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        out.append(by.get(h, {"t": t, "packets": 0, "bytes": 0}))
    return out


def error_code(data):
    try:
        e = json.loads(data)["error"]
        return e["code"] if e["message"]["en"] and e["message"]["ja"] else None
    except (ValueError, KeyError, TypeError):
        return None


def loopback_tests(s, doc, mieruka, db):
    assets, convs, alerts = doc["assets"], doc["communications"], doc["alerts"]
    by_id = {a["id"]: a for a in assets}

    check(s.json("GET", "/api/v1/health") == {"status": "ok"}, "health")
    me = s.json("GET", "/api/v1/me", headers={"Accept-Language": "ja,en;q=0.5"})
    check(me["role"] == "admin" and me["login_required"] is False and me["setup_needed"] is False
          and me["lang"] == "ja" and re.fullmatch(r"[0-9a-f]{64}", me["csrf"] or ""), f"me {me}")
    csrf = {"X-CSRF-Token": me["csrf"]}

    # assets: total, default order (id), every object as in the document (plus notes)
    r = s.json("GET", "/api/v1/assets?limit=1000")
    check(r["total"] == len(assets) and r["limit"] == 1000 and r["offset"] == 0, "assets total")
    got = [a["id"] for a in r["items"]]
    check(got == sorted(by_id), "assets order by id")
    for a in r["items"]:
        want = dict(by_id[a["id"]])
        b = dict(a)
        check(b.pop("notes") == {"name": None, "notes": None, "criticality": None},
              f"notes of {a['id']}")
        check(b == want, f"asset {a['id']} differs from analyze --json")
    # paging
    r2 = s.json("GET", "/api/v1/assets?limit=3&offset=2")
    check([a["id"] for a in r2["items"]] == got[2:5] and r2["total"] == len(assets), "assets paging")
    r3 = s.json("GET", f"/api/v1/assets?offset={len(assets) + 5}")
    check(r3["items"] == [] and r3["total"] == len(assets), "assets past the end")
    # filters against the document
    for role in ("plc", "office_pc", "unknown"):
        want = sorted(a["id"] for a in assets if any(x["role"] == role for x in a["roles"]))
        r = s.json("GET", f"/api/v1/assets?role={role}&limit=1000")
        check([a["id"] for a in r["items"]] == want and r["total"] == len(want), f"role={role}")
    for proto in ("modbus", "dhcp", "s7comm"):
        want = sorted(a["id"] for a in assets
                      if proto in a["protocols"]["server"] + a["protocols"]["client"])
        r = s.json("GET", f"/api/v1/assets?protocol={proto}&limit=1000")
        check([a["id"] for a in r["items"]] == want, f"protocol={proto}: {len(r['items'])} vs {len(want)}")
    want = sorted(a["id"] for a in assets if a["vendor"] and "siemens" in a["vendor"].lower()
                  or (a["identity"] or {}).get("vendor") and "siemens" in a["identity"]["vendor"].lower())
    r = s.json("GET", "/api/v1/assets?vendor=Siemens&limit=1000")
    check([a["id"] for a in r["items"]] == want, "vendor filter")
    r = s.json("GET", "/api/v1/assets?sort=-bytes&limit=1000")
    want = [a["id"] for a in sorted(assets, key=lambda a: (-a["bytes"], a["id"]))]
    check([a["id"] for a in r["items"]] == want, "sort=-bytes")
    r = s.json("GET", "/api/v1/assets?sort=first_seen&limit=1000")
    want = [a["id"] for a in sorted(assets, key=lambda a: (a["first_seen"], a["id"]))]
    check([a["id"] for a in r["items"]] == want, "sort=first_seen")
    # search: an IP, a host name
    some = next(a for a in assets if a["ips"])
    r = s.json("GET", "/api/v1/assets?q=" + some["ips"][0] + "&limit=1000")
    check(some["id"] in [a["id"] for a in r["items"]], "search by IP")
    named = next((a for a in assets if a["hostnames"] and HOSTILE not in a["hostnames"]), None)
    if check(named is not None, "an asset with a host name"):
        r = s.json("GET", "/api/v1/assets?q=" + named["hostnames"][0].lower() + "&limit=1000")
        check(named["id"] in [a["id"] for a in r["items"]], "search by host name, any case")
    for bad in ("limit=abc", "limit=1001", "offset=-1", "role=wizard", "sort=colour", "protocol=nope"):
        st, h, data = s.req("GET", "/api/v1/assets?" + bad)
        check(st == 400 and error_code(data) == "bad_parameter", f"assets?{bad}: {st} {data[:100]!r}")

    # device detail
    d = s.json("GET", "/api/v1/assets/" + some["id"])
    ips = set(some["ips"]) | ({some["mac"]} if some["mac"] else set())
    want_convs = [c for c in convs if c["client"] in ips or c["server"] in ips]
    check(d["communications"] == want_convs[:500], f"device communications {len(d['communications'])}")
    check({k: v for k, v in d.items() if k not in ("notes", "communications", "alerts")} == some,
          "device object")
    st, _, data = s.req("GET", "/api/v1/assets/m-nonexistent")
    check(st == 404 and error_code(data) == "not_found", "unknown asset 404")

    # communications
    r = s.json("GET", "/api/v1/communications?limit=1000")
    check(r["total"] == len(convs), "communications total")
    check([{k: v for k, v in c.items() if k not in ("client_asset", "server_asset")}
           for c in r["items"]] == convs[:1000], "communications as in the document")
    r = s.json("GET", "/api/v1/communications?protocol=modbus&limit=1000")
    want = [c for c in convs if c["protocol"] == "modbus"]
    check(r["total"] == len(want) and len(want) > 0, f"communications protocol=modbus {r['total']} {len(want)}")
    r = s.json("GET", f"/api/v1/communications?asset={some['id']}&limit=1000")
    check(r["total"] == len(want_convs), "communications of an asset")

    # alerts: most recent first, filters
    r = s.json("GET", "/api/v1/alerts?limit=1000")
    check(r["total"] == len(alerts) and len(alerts) > 0, "alerts total")
    want = [a["id"] for a in sorted(alerts, key=lambda a: a["id"])]
    want = [a["id"] for a in sorted(sorted(alerts, key=lambda a: a["id"]),
                                    key=lambda a: a["last_seen"], reverse=True)]
    check([a["id"] for a in r["items"]] == want, "alerts order")
    check(sorted(r["items"], key=lambda a: a["id"]) == sorted(alerts, key=lambda a: a["id"]),
          "alerts as in the document")
    for sev in ("high", "medium", "low"):
        r = s.json("GET", f"/api/v1/alerts?severity={sev}&limit=1000")
        check(r["total"] == sum(a["severity"] == sev for a in alerts), f"alerts severity={sev}")
    r = s.json("GET", "/api/v1/alerts?limit=2&offset=1")
    check([a["id"] for a in r["items"]] == want[1:3], "alerts paging")

    # overview
    o = s.json("GET", "/api/v1/overview")
    check(o["assets"] == len(assets) and sum(o["assets_by_role"].values()) == len(assets), "overview assets")
    check(o["alerts_by_severity"]["high"] == sum(a["severity"] == "high" and a["status"] == "open"
                                                 for a in alerts), "overview alerts")
    check(len(o["new_assets"]) == min(10, len(assets)), "overview new assets")
    check(o["captures"] == len(doc["captures"]), "overview captures")
    check(all(set(x["title"]) == {"ja", "en"} for x in o["next_actions"]) and o["next_actions"],
          "overview next actions")
    want_traffic = overview_traffic(doc["traffic"])
    check(o["traffic"] == want_traffic and sum(x["packets"] for x in want_traffic) > 0,
          f"overview traffic = the document's last 7 days by hour: {o['traffic'][:3]} vs {want_traffic[:3]}")

    # map
    m = s.json("GET", "/api/v1/map")
    check(sorted(n["id"] for n in m["nodes"]) == sorted(by_id), "map nodes")
    ids = set(by_id)
    check(all(e["source"] in ids and e["target"] in ids for e in m["edges"]) and m["edges"], "map edges")
    check(any(e["industrial"] and "modbus" in e["protocols"] for e in m["edges"]), "map: industrial modbus edge")
    check(not any(e["industrial"] for e in m["edges"] if e["protocols"] == ["dns"]), "map: dns not industrial")
    for by in ("zone", "subnet"):
        g = s.json("GET", "/api/v1/map?group=" + by)
        check(g["grouped"] is False and all(x["expanded"] for x in g["groups"])
              and sum(x["devices"] for x in g["groups"]) == len(assets), f"small map by {by}: all groups open")
        check(sorted(n["id"] for n in g["nodes"]) == sorted(by_id), f"small map by {by}: every device")
        check(sorted((e["source"], e["target"]) for e in g["edges"]) ==
              sorted((e["source"], e["target"]) for e in m["edges"]), f"small map by {by}: the device edges")

    # change ledger (most recent first) and maintenance windows, as in the document
    r = s.json("GET", "/api/v1/changes?limit=1000")
    check(r["total"] == len(doc.get("changes", [])) and r["items"] == doc.get("changes", [])[::-1],
          f"changes {r['total']} vs {len(doc.get('changes', []))}")
    check(s.json("GET", "/api/v1/maintenance")["items"] == doc.get("maintenance_windows", []),
          "maintenance windows")

    maintenance_tests(s, csrf)
    zones_tests(s, csrf, mieruka, db)
    st, _, data = s.req("POST", "/api/v1/password", '{"current":"0123456789","password":"0123456789a"}', csrf)
    check(st == 409 and error_code(data) == "no_login", f"password on loopback: {st}")
    check(s.json("GET", "/api/v1/users") == {"items": []}, "no users on loopback")

    caps = s.json("GET", "/api/v1/captures")
    check(caps["items"] == doc["captures"], "captures list")

    # edits: CSRF required, then applied
    st, _, data = s.req("PATCH", "/api/v1/assets/" + some["id"], '{"name":"ライン1 PLC"}')
    check(st == 403 and error_code(data) == "csrf", f"PATCH without CSRF: {st}")
    st, _, data = s.req("PATCH", "/api/v1/assets/" + some["id"], '{"name":"x"}',
                        {"X-CSRF-Token": "0" * 64})
    check(st == 403 and error_code(data) == "csrf", f"PATCH with a wrong CSRF: {st}")
    d = s.json("PATCH", "/api/v1/assets/" + some["id"],
               json.dumps({"name": "ライン1 PLC", "criticality": "high", "notes": HOSTILE}), csrf)
    check(d and d["notes"] == {"name": "ライン1 PLC", "notes": HOSTILE, "criticality": "high"},
          f"PATCH result {d and d['notes']}")
    r = s.json("GET", "/api/v1/assets?q=%E3%83%A9%E3%82%A4%E3%83%B3")  # "ライン"
    check([a["id"] for a in r["items"]] == [some["id"]], "search by the given name")
    m = s.json("GET", "/api/v1/map")
    check([n["label"] for n in m["nodes"] if n["id"] == some["id"]] == ["ライン1 PLC"],
          "the map (cached per snapshot) shows the new name after the edit")
    for bad in ('{"criticality":"extreme"}', '{"colour":"red"}', '{"name": 3}', 'not json',
                json.dumps({"name": "x" * 200})):
        st, _, data = s.req("PATCH", "/api/v1/assets/" + some["id"], bad, csrf)
        check(st == 400, f"PATCH {bad[:30]}: {st}")
    st, _, data = s.req("PATCH", "/api/v1/assets/" + some["id"], "{" + '"a":"' + "x" * 70000 + '"}', csrf)
    check(st == 413 and error_code(data) == "too_large", f"oversized body: {st}")

    # alert status; accepting teaches the baseline like `mieruka alerts accept`
    a0 = want[0]
    st, _, _ = s.req("POST", f"/api/v1/alerts/{a0}/status", '{"status":"acknowledged"}')
    check(st == 403, "status without CSRF")
    r = s.json("POST", f"/api/v1/alerts/{a0}/status", '{"status":"acknowledged","note":"見ました"}', csrf)
    check(r and r["status"] == "acknowledged" and r.get("status_note") == "見ました", f"ack {r}")
    r = s.json("GET", "/api/v1/alerts?status=acknowledged")
    check([a["id"] for a in r["items"]] == [a0], "alerts status filter after ack")
    teachable = next((a for a in alerts if a["type"] == "new_device"), None)
    if check(teachable is not None, "a new_device alert to accept"):
        r = s.json("POST", f"/api/v1/alerts/{teachable['id']}/status", '{"status":"accepted"}', csrf)
        check(r and r["status"] == "accepted" and r.get("taught", {}).get("kind") == "device",
              f"accept teaches: {r and r.get('taught')}")
    st, _, data = s.req("POST", f"/api/v1/alerts/{a0}/status", '{"status":"solved"}', csrf)
    check(st == 400 and error_code(data) == "bad_status", "bad status")
    st, _, _ = s.req("POST", "/api/v1/alerts/al-0000/status", '{"status":"open"}', csrf)
    check(st == 404, "status of an unknown alert")

    # the hostile host name: JSON text, never HTML
    st, h, data = s.req("GET", "/api/v1/assets?q=onerror&limit=10")
    check(st == 200 and h.get("content-type", "").startswith("application/json"), "hostile: JSON type")
    items = json.loads(data)["items"]
    check(len(items) >= 1 and any(HOSTILE in a["hostnames"] for a in items),
          f"hostile name stored literally: {[a['hostnames'] for a in items]}")
    # pages and others
    st, h, data = s.req("GET", "/assets/" + some["id"])
    check(st == 200 and h.get("content-type", "").startswith("text/html") and b"<html" in data,
          "page /assets/ID is the app")
    check_headers("page", h, api=False)
    st, h, data = s.req("GET", "/static/nope.js")
    check(st == 404, "missing static file")
    check_headers("404", h, api=False)
    st, h, data = s.req("GET", "/api/v1/health", host="evil.example:8080")
    check(st == 403 and error_code(data) == "bad_host", f"foreign Host header (DNS rebinding): {st}")
    st, _, data = s.req("POST", "/api/v1/setup", '{"user":"admin","password":"0123456789"}')
    check(st == 409, f"setup on loopback: {st}")


def maintenance_tests(s, csrf):
    """POST/DELETE /api/v1/maintenance: stored as `mieruka maintenance add` stores them."""
    before = s.json("GET", "/api/v1/maintenance")["items"]
    w = {"start": "2026-05-01T09:00:00+09:00", "end": "2026-05-01T12:30:00+09:00",
         "devices": "192.168.1.10, 00:11:22:33:44:55 10.0.0.1", "vendor": "<b>Siemens</b>",
         "note": "PLC更新\tライン1"}
    st, _, data = s.req("POST", "/api/v1/maintenance", json.dumps(w))
    check(st == 403 and error_code(data) == "csrf", f"maintenance without CSRF: {st}")
    r = s.json("POST", "/api/v1/maintenance", json.dumps(w), csrf, status=201)
    want = {"start": "2026-05-01T00:00:00.000000Z", "end": "2026-05-01T03:30:00.000000Z",
            "devices": ["192.168.1.10", "00:11:22:33:44:55", "10.0.0.1"], "vendor": "<b>Siemens</b>",
            "note": "PLC更新?ライン1"}
    check(r and {k: r[k] for k in want} == want and isinstance(r["id"], int), f"window added {r}")
    items = s.json("GET", "/api/v1/maintenance")["items"]
    check(items == before + [r], f"window listed {items[-1:]}")
    for body, code in ((dict(w, end="2026-05-01T08:00:00+09:00"), "end_before_start"),
                       (dict(w, start="yesterday"), "bad_time"),
                       ({"end": w["end"]}, "bad_time"),
                       (dict(w, devices="192.168.1.300"), "bad_devices"),
                       (dict(w, devices=", ".join(f"10.0.0.{i}" for i in range(33))), "bad_devices"),
                       (dict(w, note="x" * 300), "bad_field"),
                       (dict(w, colour="red"), "bad_field")):
        st, _, data = s.req("POST", "/api/v1/maintenance", json.dumps(body), csrf)
        check(st == 400 and error_code(data) == code, f"window {code}: {st} {data[:120]!r}")
    st, _, data = s.req("DELETE", f"/api/v1/maintenance/{r['id']}")
    check(st == 403 and error_code(data) == "csrf", f"delete window without CSRF: {st}")
    st, _, _ = s.req("DELETE", f"/api/v1/maintenance/{r['id']}", headers=csrf)
    check(st == 204, f"window deleted: {st}")
    st, _, data = s.req("DELETE", f"/api/v1/maintenance/{r['id']}", headers=csrf)
    check(st == 404 and error_code(data) == "not_found", f"deleted again: {st}")
    check(s.json("GET", "/api/v1/maintenance")["items"] == before, "window gone")


def zones_tests(s, csrf, mieruka, db):
    """GET /api/v1/zones' text and proposal, PUT through the zone file parser."""
    env = dict(os.environ, LANG="C")
    cli = lambda *a: subprocess.run([mieruka, "zones", *a, "--db", db], capture_output=True,
                                    text=True, env=env).stdout
    z = s.json("GET", "/api/v1/zones")
    prop = cli("propose")
    check(z["zones"] == [] and z["text"] == "" and prop.startswith("# ") and z["proposal"] == prop,
          f"zones before: {z['zones']} {z['text']!r} proposal as `zones propose`: {z['proposal'] == prop}")
    bad = "zone office 事務所\nsubnet office 192.168.1.0/24\nbogus line\n"
    st, _, data = s.req("PUT", "/api/v1/zones", json.dumps({"text": bad}))
    check(st == 403 and error_code(data) == "csrf", f"zones without CSRF: {st}")
    st, h, data = s.req("PUT", "/api/v1/zones", json.dumps({"text": bad}), csrf)
    err = json.loads(data).get("error", {}) if st == 400 else {}
    check(st == 400 and err.get("code") == "bad_zone_file" and err.get("line") == 3
          and err.get("reason", "").startswith("unknown line type") and err.get("reason", "").endswith(": bogus")
          and err["message"] == {"en": "Line 3 of the zone file is not valid; nothing was changed.",
                                 "ja": "ゾーン定義の 3 行目が正しくありません。何も変更していません。"},
          f"bad zone file: {st} {data[:300]!r}")
    check(s.json("GET", "/api/v1/zones")["text"] == "", "nothing stored after the bad file")
    r = s.json("PUT", "/api/v1/zones", json.dumps({"text": prop}), csrf)
    want_ids = re.findall(r"^zone\t(\S+)\t", prop, re.M)
    export = "".join(l + "\n" for l in cli("export").splitlines() if not l.startswith("# "))
    check(r and [x["id"] for x in r["zones"]] == want_ids and want_ids, f"zones stored {r and r['zones']}")
    check(r and r["text"] == export, f"zones text = `zones export`: {r and r['text'][:200]!r} vs {export[:200]!r}")
    check(r and sum(x["assets"] for x in r["zones"]) > 0, "assets in the zones")
    r2 = s.json("GET", "/api/v1/assets?zone=" + want_ids[0] + "&limit=1000") if want_ids else {"total": 0}
    check(want_ids and r2["total"] == r["zones"][0]["assets"], "asset filter by the new zone")
    # the device page's zone: PATCH {"zone": ID} writes the device's own asset line
    if len(want_ids) >= 2 and r2["items"]:
        a = r2["items"][0]
        target = want_ids[1]
        st, _, data = s.req("PATCH", "/api/v1/assets/" + a["id"], json.dumps({"zone": "nowhere"}), csrf)
        check(st == 400 and error_code(data) == "bad_field", f"PATCH zone unknown: {st}")
        got = s.json("PATCH", "/api/v1/assets/" + a["id"], json.dumps({"zone": target}), csrf)
        check(got and got["zone"] and got["zone"]["id"] == target, f"PATCH zone: {got and got.get('zone')}")
        text = s.json("GET", "/api/v1/zones")["text"]
        # the zone file names a device by its MAC when its id is m-<mac>
        names = [a["id"]] + ([a["mac"]] if a.get("mac") else []) + a.get("ips", [])
        mine = [l for l in text.splitlines() if l.startswith("asset\t") and l.split("\t")[2] in names]
        check(mine == [f"asset\t{target}\t{a['mac'] or a['id']}"],
              f"the device's one asset line is in the zone set: {mine} in {text!r}")
        check(sum(l.split("\t")[2] in names for l in cli("export").splitlines()
                  if l.startswith("asset\t")) == 1, "`zones export` shows the line once")
        got = s.json("PATCH", "/api/v1/assets/" + a["id"], json.dumps({"zone": None}), csrf)
        text = s.json("GET", "/api/v1/zones")["text"]
        check(not any(l.startswith("asset\t") and l.split("\t")[2] in names and l.split("\t")[1] == target
                      for l in text.splitlines()) and got and got["zone"] and got["zone"]["id"] == want_ids[0],
              f"PATCH zone null: the line is gone, the subnet's zone applies again ({got and got.get('zone')})")
        check(text == export, "the zone set is back to what was imported")
    else:
        check(False, f"zones_tests needs two proposed zones with devices: {want_ids}")


def wait_job(s, job, headers=None, timeout=300):
    """Polls GET /api/v1/captures/jobs/JOB until it is no longer running."""
    t0 = time.time()
    while True:
        j = s.json("GET", f"/api/v1/captures/jobs/{job}", headers=headers)
        if j is None or j["state"] != "running" or time.time() - t0 > timeout:
            return j
        check(0 <= j["progress"] < 1 and j["message"] is None, f"running job {j}")
        time.sleep(0.2)


def raw_upload_start(s, length, headers=""):
    """An upload whose body is still to come: the socket after the headers."""
    c = socket.create_connection((s.host, s.port), timeout=30)
    c.sendall((f"POST /api/v1/captures HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
               f"Content-Length: {length}\r\nContent-Type: application/octet-stream\r\n"
               f"{headers}\r\n").encode())
    return c


def read_response(c):
    data = b""
    while True:
        try:
            b = c.recv(65536)
        except OSError:
            break
        if not b:
            break
        data += b
        head, sep, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"content-length: *(\d+)", head, re.I)
        if sep and m and len(body) >= int(m.group(1)):
            break
    head, _, body = data.partition(b"\r\n\r\n")
    st = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    return st, body


def upload_tests(s, args, tmp, db, csrf):
    """POST /api/v1/captures and its job, against `mieruka analyze` of the same file into a
    copy of the database taken just before."""
    part2 = os.path.join(args.shared, "captures", "modbus", "ModbusTCP__modbus_test_data_part2.pcap")
    gz = os.path.join(args.shared, "captures", "office", "smb__smb_many_open_files_500.pcap.gz")
    name = "ライン2 part2.pcap"
    hdr = dict(csrf, **{"X-Filename": urllib.parse.quote(name)})
    with open(part2, "rb") as f:
        body = f.read()
    # CSRF first, like every state change
    st, _, data = s.req("POST", "/api/v1/captures", body, {"X-Filename": "x.pcap"})
    check(st == 403 and error_code(data) == "csrf", f"upload without CSRF: {st}")
    st, _, data = s.req("GET", "/api/v1/captures/jobs/" + "0" * 32)
    check(st == 404 and error_code(data) == "not_found", f"unknown job: {st}")
    # the reference: the same file analysed by the command line into a copy of the database
    ref_db, ref_json = os.path.join(tmp, "ref.db"), os.path.join(tmp, "ref.json")
    with sqlite3.connect(db) as a, sqlite3.connect(ref_db) as b:
        a.backup(b)
    r = subprocess.run([args.mieruka, "analyze", "--quiet", "--db", ref_db, "--json", ref_json, part2],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"reference analyze: {r.stderr}")
    with open(ref_json, encoding="utf-8") as f:
        ref = json.load(f)
    before = s.json("GET", "/api/v1/captures")["items"]
    up = s.json("POST", "/api/v1/captures", body, hdr, status=202)
    check(up and re.fullmatch(r"[0-9a-f]{32}", up["job"]) and up["file"] == name
          and up["bytes"] == len(body), f"upload reply {up}")
    j = wait_job(s, up["job"])
    packets = ref["captures"][-1]["packets"]
    check(j == {"id": up["job"], "file": name, "state": "done", "progress": 1,
                "message": {"en": f"{name}: {packets} packets analysed into the database.",
                            "ja": f"{name}: {packets} パケットを解析してデータベースに取り込みました。"}},
          f"job done {j}")
    # the API now shows exactly what analyze made of it (the capture under the sent name)
    want_caps = ref["captures"]
    want_caps[-1] = dict(want_caps[-1], file=name)
    got = s.json("GET", "/api/v1/captures")["items"]
    check(got == want_caps and len(got) == len(before) + 1, f"captures after upload: {got[-1:]}")
    r = s.json("GET", "/api/v1/assets?limit=1000")
    check([{k: v for k, v in a.items() if k != "notes"} for a in r["items"]] ==
          sorted(ref["assets"], key=lambda a: a["id"]), "assets after upload = analyze")
    r = s.json("GET", "/api/v1/communications?limit=1000")
    check(r["total"] == len(ref["communications"]), "communications after upload = analyze")
    r = s.json("GET", "/api/v1/alerts?limit=1000")
    check(sorted(r["items"], key=lambda a: a["id"]) == sorted(ref["alerts"], key=lambda a: a["id"]),
          "alerts after upload = analyze")
    # a hostile name is only text: never a path, sanitized
    up = s.json("POST", "/api/v1/captures", body,
                dict(csrf, **{"X-Filename": "..%2F..%2Fevil%0A%3Cb%3E.pcap"}), status=202)
    check(up and up["file"] == "evil?<b>.pcap", f"sanitized name {up and up['file']}")
    j = wait_job(s, up["job"])
    check(j["state"] == "done", f"second upload {j['state']}")
    check(not glob.glob(os.path.join(tmp, "**", "*evil*"), recursive=True)
          and not glob.glob(os.path.join(os.path.dirname(tmp), "*evil*")), "no file named by the client")
    # gzip is read like analyze reads it
    with open(gz, "rb") as f:
        up = s.json("POST", "/api/v1/captures", f.read(), dict(csrf, **{"X-Filename": "smb.pcap.gz"}),
                    status=202)
    j = wait_job(s, up["job"])
    check(j["state"] == "done" and j["progress"] == 1, f"gzip upload {j}")
    # an unreadable capture: failed with the reader's message, nothing recorded
    n_caps = len(s.json("GET", "/api/v1/captures")["items"])
    up = s.json("POST", "/api/v1/captures", b"hello, not a capture\n" * 10,
                dict(csrf, **{"X-Filename": "notes.txt"}), status=202)
    j = wait_job(s, up["job"])
    reason = "notes.txt: not a pcap or pcapng capture (first bytes 68 65 6c 6c)"
    check(j == {"id": up["job"], "file": "notes.txt", "state": "failed", "progress": 0,
                "message": {"en": "The capture could not be read: " + reason,
                            "ja": "キャプチャを読み込めませんでした: " + reason}}, f"unreadable {j}")
    check(len(s.json("GET", "/api/v1/captures")["items"]) == n_caps, "nothing recorded for it")
    # one at a time: while a body is still arriving, a second upload is refused (409)
    c = raw_upload_start(s, 100000, f"X-CSRF-Token: {csrf['X-CSRF-Token']}\r\nX-Filename: slow.pcap\r\n")
    c.sendall(body[:1000])
    time.sleep(0.3)
    st, _, data = s.req("POST", "/api/v1/captures", body, dict(csrf, **{"X-Filename": "b.pcap"}))
    check(st == 409 and error_code(data) == "busy", f"second upload while one arrives: {st}")
    c.close()  # the first is abandoned: its slot and its file are released
    time.sleep(0.5)
    up = s.json("POST", "/api/v1/captures", body, dict(csrf, **{"X-Filename": "c.pcap"}), status=202)
    check(up is not None and wait_job(s, up["job"])["state"] == "done", "upload after an abandoned one")
    tmpdirs = glob.glob(os.path.join(tmp, ".mieruka-upload-*"))
    check(len(tmpdirs) == 1 and os.listdir(tmpdirs[0]) == []
          and (os.stat(tmpdirs[0]).st_mode & 0o777) == 0o700,
          f"private temp dir next to the database, empty after the jobs: {tmpdirs}")


def too_large_tests(s, args, csrf):
    """serve --max-upload 1: 413 with the limit in both languages."""
    big = os.path.join(args.shared, "captures", "modbus", "ModbusTCP__ModbusTCP.pcap")
    with open(big, "rb") as f:
        body = f.read()
    check(len(body) > 1 << 20, "the big capture is over 1 MB")
    st, h, data = s.req("POST", "/api/v1/captures", body, dict(csrf, **{"X-Filename": "big.pcap"}))
    msg = json.loads(data)["error"]["message"] if st == 413 else {}
    check(st == 413 and error_code(data) == "too_large" and "(1 MB; mieruka serve --max-upload)"
          in msg.get("en", "") and "1 MB" in msg.get("ja", ""), f"too large: {st} {data[:300]!r}")
    check_headers("413", h, api=True)
    # a client waiting for 100 Continue gets the 413 before sending the body
    c = raw_upload_start(s, len(body), f"X-CSRF-Token: {csrf['X-CSRF-Token']}\r\n"
                                       "Expect: 100-continue\r\n")
    st, data = read_response(c)
    c.close()
    check(st == 413 and error_code(data) == "too_large", f"too large before the body: {st}")
    # and the slot is free again
    part2 = os.path.join(args.shared, "captures", "modbus", "ModbusTCP__modbus_test_data_part2.pcap")
    with open(part2, "rb") as f:
        up = s.json("POST", "/api/v1/captures", f.read(), dict(csrf, **{"X-Filename": "p.pcap"}),
                    status=202)
    check(up is not None and wait_job(s, up["job"])["state"] == "done", "small upload under the cap")


def expected_map(doc, by, expanded):
    """The grouped map worked out from the analyze --json document (reference for map.c)."""
    assets = doc["assets"]
    zone_n = {}
    for a in assets:
        z = (a.get("zone") or {}).get("id")
        zone_n[z] = zone_n.get(z, 0) + 1

    def subnet(a):
        v4 = [ip for ip in a["ips"] if "." in ip]
        return ".".join(v4[0].split(".")[:3]) + ".0/24" if v4 else "l2"

    group_of, unit_of = {}, {}
    for a in assets:
        z = (a.get("zone") or {}).get("id")
        if by == "subnet":
            g = "net:" + subnet(a)
        else:
            g = ("zone:" + z if z else "nozone") + ("|net:" + subnet(a) if zone_n[z] > 300 else "")
        group_of[a["id"]] = g
    all_exp = len(assets) <= 300
    for a in assets:
        unit_of[a["id"]] = a["id"] if all_exp or group_of[a["id"]] in expanded else group_of[a["id"]]
    addr = {}
    for a in assets:
        for x in a["ips"] + ([a["mac"]] if a["mac"] else []):
            addr[x] = a["id"]
    edges = {}
    for c in doc["communications"]:
        ca, sa = addr.get(c["client"]), addr.get(c["server"])
        if ca is None or sa is None or ca == sa:
            continue
        u, v = unit_of[ca], unit_of[sa]
        if u == v:
            continue
        e = edges.setdefault((u, v), {"protocols": set(), "packets": 0, "bytes": 0})
        e["protocols"].add(c["protocol"])
        e["packets"] += c["packets"]
        e["bytes"] += c["bytes"]
    groups = {}
    for a in assets:
        g = groups.setdefault(group_of[a["id"]], {"devices": 0, "roles": {}})
        g["devices"] += 1
        r = a["roles"][0]["role"] if a["roles"] else "unknown"
        g["roles"][r] = g["roles"].get(r, 0) + 1
    nodes = sorted(a["id"] for a in assets if unit_of[a["id"]] == a["id"])
    return groups, nodes, edges


def map_group_tests(mieruka, src, tmp):
    """Grouping and expanding on a generated plant of 450 devices (tests/e2e/map_pcap.py)."""
    cap, zones = os.path.join(tmp, "map.pcap"), os.path.join(tmp, "map.zones")
    r = subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                        os.path.join(src, "tests", "e2e", "map_pcap.py"), cap, zones],
                       capture_output=True, text=True)
    if not check(r.returncode == 0, f"map_pcap.py: {r.stderr[-500:]}"):
        return
    db, out = os.path.join(tmp, "map.db"), os.path.join(tmp, "map.json")
    r = subprocess.run([mieruka, "analyze", "--quiet", "--db", db, "--zones", zones, "--json", out, cap],
                       capture_output=True, text=True)
    if not check(r.returncode == 0, f"analyze map.pcap: {r.stderr}"):
        return
    with open(out, encoding="utf-8") as f:
        doc = json.load(f)
    check(len(doc["assets"]) == 450 and len(doc["communications"]) == 460,
          f"map plant: {len(doc['assets'])} assets, {len(doc['communications'])} conversations")
    s = Server(mieruka, db, "127.0.0.1:0")
    try:
        flat = s.json("GET", "/api/v1/map")
        check(len(flat["nodes"]) == 450 and len(flat["edges"]) == 460 and flat["truncated"] is False,
              f"flat map of 450 devices: {len(flat['nodes'])} nodes, {len(flat['edges'])} edges")

        def edge_map(m):
            return {(e["source"], e["target"]): {"protocols": set(e["protocols"]), "packets": e["packets"],
                                                 "bytes": e["bytes"]} for e in m["edges"]}

        def compare(m, by, expanded, what):
            groups, nodes, edges = expected_map(doc, by, expanded)
            check(m["group_by"] == by and m["grouped"] is True and m["devices"] == 450
                  and m["threshold"] == 300 and m["truncated"] is False, f"{what}: header {m.get('grouped')}")
            got = {g["id"]: {"devices": g["devices"], "roles": g["roles"]} for g in m["groups"]}
            check(got == groups, f"{what}: groups {got} vs {groups}")
            check([g["id"] for g in m["groups"] if g["expanded"]] == sorted(expanded), f"{what}: expanded flags")
            check(sorted(n["id"] for n in m["nodes"]) == nodes, f"{what}: {len(m['nodes'])} device nodes, wanted {len(nodes)}")
            check(all(n["group"] in expanded for n in m["nodes"]), f"{what}: nodes carry their group")
            got_e = edge_map(m)
            check(len(m["edges"]) == len(got_e) and got_e == edges,
                  f"{what}: {len(m['edges'])} edges, wanted {len(edges)}: "
                  f"{sorted(set(got_e) ^ set(edges))[:4]}")
            return m

        # by zone: line1 (320 > 300) is split by subnet; hand-counted from map_pcap.py
        L1, L4 = "zone:line1|net:10.20.1.0/24", "zone:line1|net:10.20.4.0/24"
        m = compare(s.json("GET", "/api/v1/map?group=zone"), "zone", set(), "group=zone")
        g = {x["id"]: x for x in m["groups"]}
        check(sorted(g) == sorted([L1, L4, "nozone", "zone:office"]), f"zone groups {sorted(g)}")
        check([g[k]["devices"] for k in (L1, L4, "zone:office", "nozone")] == [200, 120, 100, 30],
              "zone group sizes 200/120/100/30")
        check(g[L1]["label"] == "ライン1 · 10.20.1.0/24" and g["zone:office"]["label"] == "事務所"
              and g["nozone"]["label"] is None and g["zone:office"]["zone"] == "事務所", "group labels")
        check(g[L1]["roles"].get("plc") == 100, f"line1 PLCs by role: {g[L1]['roles']}")
        check([g[k]["industrial"] for k in (L1, L4, "zone:office", "nozone")] == [True, False, True, False],
              "industrial flags: Modbus between office and line1 only")
        e = edge_map(m)
        check(sorted(e) == sorted([("zone:office", L1), ("nozone", "zone:office"), ("nozone", L1)]),
              f"zone group edges {sorted(e)}")
        check(e[("zone:office", L1)]["protocols"] == {"modbus"}
              and e[("zone:office", L1)]["packets"] == 600, f"office->line1: 100 Modbus conversations, 600 packets: {e.get(('zone:office', L1))}")
        check([x["industrial"] for x in m["edges"]][:1] == [True], "industrial edges first")
        # expanding the office: its 100 devices, 100 edges to line1, 30 from no-zone, 1 group edge left
        m = compare(s.json("GET", "/api/v1/map?group=zone&expand=zone:office"), "zone", {"zone:office"},
                    "expand=zone:office")
        check(len(m["nodes"]) == 100 and len(m["edges"]) == 131, f"office expanded: {len(m['nodes'])} nodes, {len(m['edges'])} edges")
        # office and line1 10.20.1.0/24 open: 300 devices, 100 Modbus + 200 line + 30 + 10 edges
        m = compare(s.json("GET", "/api/v1/map?group=zone&expand=zone:office," + L1.replace("|", "%7C")), "zone",
                    {"zone:office", L1}, "expand=office,line1")
        check(len(m["nodes"]) == 300 and len(m["edges"]) == 340, f"two expanded: {len(m['nodes'])} nodes, {len(m['edges'])} edges")
        # by subnet
        m = compare(s.json("GET", "/api/v1/map?group=subnet"), "subnet", set(), "group=subnet")
        check(sorted(x["id"] for x in m["groups"]) == ["net:10.20.1.0/24", "net:10.20.2.0/24", "net:10.20.3.0/24",
                                                       "net:10.20.4.0/24"], "subnet groups")
        compare(s.json("GET", "/api/v1/map?group=subnet&expand=net:10.20.3.0/24"), "subnet",
                {"net:10.20.3.0/24"}, "expand=net:10.20.3.0/24")
        # the cached answer is the same bytes each time
        a1, a2 = s.req("GET", "/api/v1/map?group=zone")[2], s.req("GET", "/api/v1/map?group=zone")[2]
        check(a1 == a2, "cached map answer")
        for bad, code in (("group=colour", 400), ("expand=zone:office", 400),
                          ("group=zone&expand=zone:nowhere", 404), ("group=zone&expand=zone:office,", 404)):
            st, _, data = s.req("GET", "/api/v1/map?" + bad)
            check(st == code, f"map?{bad}: {st} {data[:100]!r}")
    finally:
        s.stop()


def login_tests(s):
    st, h, data = s.req("GET", "/api/v1/assets")
    check(st == 401 and error_code(data) == "login_required", f"unauthenticated API: {st}")
    check_headers("401", h, api=True)
    for path in ("/api/v1/alerts", "/api/v1/overview", "/api/v1/map", "/api/v1/communications"):
        st, _, _ = s.req("GET", path)
        check(st == 401, f"unauthenticated {path}: {st}")
    st, h, _ = s.req("GET", "/assets")
    check(st == 303 and h.get("location") == "/setup", f"page before setup: {st} {h.get('location')}")
    me = s.json("GET", "/api/v1/me")
    check(me["setup_needed"] is True and me["login_required"] is True and me["user"] is None, "me before setup")
    st, _, data = s.req("POST", "/api/v1/setup", '{"user":"admin","password":"short"}')
    check(st == 400 and error_code(data) == "password_short", f"short password: {st}")
    st, _, data = s.req("POST", "/api/v1/setup", '{"user":"<b>","password":"0123456789abc"}')
    check(st == 400 and error_code(data) == "bad_user", f"bad user name: {st}")
    st, h, data = s.req("POST", "/api/v1/setup", '{"user":"admin","password":"工場の見える化 2026"}')
    check(st == 201, f"setup: {st} {data!r}")
    cookie = h.get("set-cookie", "")
    check(re.match(r"mieruka_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict", cookie),
          f"cookie {cookie}")
    st, _, data = s.req("POST", "/api/v1/setup", '{"user":"evil","password":"0123456789abc"}')
    check(st == 409 and error_code(data) == "setup_done", f"second setup: {st}")
    st, h, _ = s.req("GET", "/assets")
    check(st == 303 and h.get("location") == "/login", "page without session after setup")
    # login
    st, h, data = s.req("POST", "/api/v1/session", '{"user":"admin","password":"工場の見える化 2026"}')
    check(st == 200, f"login {st}")
    sess = h.get("set-cookie", "").split(";")[0]
    auth = {"Cookie": sess}
    me = s.json("GET", "/api/v1/me", headers=auth)
    check(me["user"] == "admin" and me["role"] == "admin", f"me after login {me}")
    r = s.json("GET", "/api/v1/assets?limit=1", headers=auth)
    check(r["total"] > 0, "assets with a session")
    st, _, _ = s.req("GET", "/assets", headers=auth)
    check(st == 200, "page with a session")
    aid = r["items"][0]["id"]
    st, _, data = s.req("PATCH", "/api/v1/assets/" + aid, '{"notes":"x"}', auth)
    check(st == 403 and error_code(data) == "csrf", f"CSRF missing: {st}")
    other = {"Cookie": sess, "X-CSRF-Token": "f" * 64}
    st, _, data = s.req("PATCH", "/api/v1/assets/" + aid, '{"notes":"x"}', other)
    check(st == 403, f"CSRF wrong: {st}")
    st, _, _ = s.req("PATCH", "/api/v1/assets/" + aid, '{"notes":"x"}', dict(auth, **{"X-CSRF-Token": me["csrf"]}))
    check(st == 200, f"PATCH with CSRF: {st}")
    st, _, _ = s.req("GET", "/api/v1/assets", headers={"Cookie": "mieruka_session=" + "0" * 64})
    check(st == 401, "forged session")
    # logout needs CSRF too, then the session is gone
    st, _, _ = s.req("DELETE", "/api/v1/session", headers=auth)
    check(st == 403, "logout without CSRF")
    st, h, _ = s.req("DELETE", "/api/v1/session", headers=dict(auth, **{"X-CSRF-Token": me["csrf"]}))
    check(st == 204 and "Max-Age=0" in h.get("set-cookie", ""), f"logout {st}")
    st, _, _ = s.req("GET", "/api/v1/assets", headers=auth)
    check(st == 401, "session after logout")
    # rate limit: 5 wrong passwords, then 429 with Retry-After (also for the right one)
    codes = []
    for _ in range(5):
        st, _, _ = s.req("POST", "/api/v1/session", '{"user":"admin","password":"wrong password"}')
        codes.append(st)
    check(codes == [401] * 5, f"wrong passwords: {codes}")
    st, h, data = s.req("POST", "/api/v1/session", '{"user":"admin","password":"工場の見える化 2026"}')
    check(st == 429 and error_code(data) == "rate_limited" and h.get("retry-after", "").isdigit()
          and int(h["retry-after"]) >= 1, f"rate limited: {st} {h.get('retry-after')}")
    time.sleep(int(h.get("retry-after", "1")) + 0.2)
    st, h, _ = s.req("POST", "/api/v1/session", '{"user":"admin","password":"工場の見える化 2026"}')
    check(st == 200, f"login after waiting: {st}")
    users_tests(s, {"Cookie": h.get("set-cookie", "").split(";")[0]})


def login(s, user, pw):
    """A session: the headers with cookie and CSRF token, or None."""
    st, h, _ = s.req("POST", "/api/v1/session", json.dumps({"user": user, "password": pw}))
    if st != 200:
        return None
    auth = {"Cookie": h.get("set-cookie", "").split(";")[0]}
    return dict(auth, **{"X-CSRF-Token": s.json("GET", "/api/v1/me", headers=auth)["csrf"]})


def users_tests(s, auth):
    """Users (admin creates viewer/admin), the own password, the viewer's refusals."""
    admin = dict(auth, **{"X-CSRF-Token": s.json("GET", "/api/v1/me", headers=auth)["csrf"]})
    r = s.json("GET", "/api/v1/users", headers=auth)
    check([(u["user"], u["role"]) for u in r["items"]] == [("admin", "admin")]
          and re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", r["items"][0]["created"] or ""), f"users {r}")
    new = {"user": "op1", "password": "ライン1の見学者です", "role": "viewer"}
    st, _, data = s.req("POST", "/api/v1/users", json.dumps(new), auth)
    check(st == 403 and error_code(data) == "csrf", f"add user without CSRF: {st}")
    u = s.json("POST", "/api/v1/users", json.dumps(new), admin, status=201)
    check(u and u["user"] == "op1" and u["role"] == "viewer", f"user added {u}")
    for body, code, status in (
            (new, "user_exists", 409),
            (dict(new, user="op2", role="root"), "bad_role", 400),
            (dict(new, user="op2", password="short"), "password_short", 400),
            (dict(new, user="<op>"), "bad_user", 400),
            (dict(new, user="op2", extra="x"), "bad_field", 400)):
        st, _, data = s.req("POST", "/api/v1/users", json.dumps(body), admin)
        check(st == status and error_code(data) == code, f"add user {body}: {st} {data[:120]!r}")
    r = s.json("GET", "/api/v1/users", headers=auth)
    check(sorted((u["user"], u["role"]) for u in r["items"]) == [("admin", "admin"), ("op1", "viewer")],
          f"users after adding {r}")
    # the viewer: reads, but may not change anything an admin changes
    viewer = login(s, "op1", new["password"])
    if not check(viewer is not None, "the viewer logs in"):
        return
    me = s.json("GET", "/api/v1/me", headers=viewer)
    check(me["user"] == "op1" and me["role"] == "viewer", f"viewer me {me}")
    check(s.json("GET", "/api/v1/maintenance", headers=viewer) is not None, "viewer reads")
    for method, path, body in (("GET", "/api/v1/users", None), ("POST", "/api/v1/users", json.dumps(new)),
                               ("POST", "/api/v1/maintenance", json.dumps(
                                   {"start": "2026-05-01T09:00:00Z", "end": "2026-05-01T10:00:00Z"})),
                               ("DELETE", "/api/v1/maintenance/1", None),
                               ("POST", "/api/v1/captures", b"\xd4\xc3\xb2\xa1" + b"\0" * 20)):
        st, _, data = s.req(method, path, body, viewer)
        check(st == 403 and error_code(data) == "forbidden", f"viewer {method} {path}: {st} {data[:100]!r}")
    # the own password: the current one is required
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": "nope nope nope", "password": "新しいパスワード 2026"}), viewer)
    check(st == 403 and error_code(data) == "bad_current_password", f"wrong current password: {st}")
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": new["password"], "password": "short"}), viewer)
    check(st == 400 and error_code(data) == "password_short", f"short new password: {st}")
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": new["password"], "password": "新しいパスワード 2026"}),
                        {"Cookie": viewer["Cookie"]})
    check(st == 403 and error_code(data) == "csrf", f"password without CSRF: {st}")
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": new["password"], "password": "新しいパスワード 2026"}), viewer)
    check(st == 204, f"password changed: {st} {data[:100]!r}")
    check(login(s, "op1", new["password"]) is None, "the old password no longer works")
    check(login(s, "op1", "新しいパスワード 2026") is not None, "the new password works")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    real = os.path.join(args.shared, "captures", "modbus", "ModbusTCP__ModbusTCP.pcap")
    scenario = os.path.join(args.src, "scenarios", "factory", "factory-demo.pcapng")
    if not os.path.exists(real) or not os.path.exists(scenario):
        print("SKIP: captures missing")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        hostile = os.path.join(tmp, "hostile.pcap")
        hostile_dhcp(hostile)
        db = os.path.join(tmp, "t.db")
        out = os.path.join(tmp, "doc.json")
        r = subprocess.run([args.mieruka, "analyze", "--quiet", "--db", db, "--json", out,
                            real, scenario, hostile], capture_output=True, text=True)
        if not check(r.returncode == 0, f"analyze: {r.stderr}"):
            return 1
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        check(any(HOSTILE in a["hostnames"] for a in doc["assets"]), "the hostile name was analysed")
        s = Server(args.mieruka, db, "127.0.0.1:0")
        try:
            loopback_tests(s, doc, args.mieruka, db)
            upload_tests(s, args, tmp, db, {"X-CSRF-Token": s.json("GET", "/api/v1/me")["csrf"]})
        finally:
            s.stop()
        check(not glob.glob(os.path.join(tmp, ".mieruka-upload-*")), "temp dir removed at exit")
        s = Server(args.mieruka, db, "127.0.0.1:0", ["--max-upload", "1"])
        try:
            too_large_tests(s, args, {"X-CSRF-Token": s.json("GET", "/api/v1/me")["csrf"]})
        finally:
            s.stop()
        s = Server(args.mieruka, db, "0.0.0.0:0")
        try:
            login_tests(s)
        finally:
            s.stop()
        map_group_tests(args.mieruka, args.src, tmp)
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
