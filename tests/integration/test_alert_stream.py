#!/usr/bin/env python3
"""Alert streaming end to end: `mieruka analyze --syslog ... --alerts-jsonl ...` on real
attack and engineering captures of ../shared/captures, with a UDP and a TCP syslog
receiver on 127.0.0.1 (ephemeral ports) run by this test.

Every received message is parsed strictly against RFC 5424 (header grammar, PRI range,
TIMESTAMP form, PRINTUSASCII fields and their lengths, SD-ELEMENT grammar with the
§6.3.3 escapes, MSG = BOM + UTF-8 without control characters; TCP frames by RFC 6587
octet counting with nothing left over; UDP datagrams at most 2048 bytes) and compared
with the alerts of the run's --json document: PRI from the facility and severity,
TIMESTAMP = last_seen, MSGID = type, the SD parameters, and the text.  The JSON lines
must each be valid JSON and equal the document's alerts (plus "event").

Then: a second run over other captures on the same database streams exactly the alerts
that are new or whose count/severity changed; a capture of normal operation streams
nothing; an unreachable TCP receiver gives a warning, exit 0 and the same database as a
run without streaming; a bad target is a usage error (exit 2).  As root, `monitor` on a
veth pair in a network namespace of its own streams to a unix datagram socket too.

Usage: test_alert_stream.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

FAILS = []
BOM = b"\xef\xbb\xbf"
SYSLOG_SEV = {"critical": 2, "high": 3, "medium": 4, "low": 5, "info": 6}
FACILITY = 16  # local0, the default

# Run 1: several attack/engineering captures as one timeline (UDP receiver).
RUN1 = ["s7comm/s7__step7_s300_stop.pcapng",           # plc_control critical
        "s7comm/s7__step7_s300_download.pcapng",       # plc_program
        "enip/openics__EIP-FirmwareChange.pcap",       # firmware_change, plc_control
        "attack/bro-simple-scan__port_scan.pcap",      # scan_ports
        "office/ftp__ftp-password-pass-command.pcap",  # cleartext_credentials (text from the network)
        "malformed/telnet-iac-check-oobr.pcap"]        # Telnet login: credentials, remote access
# Run 2, same database (TCP receiver): the S7 stop again (its alert's count changes) and
# captures with alerts run 1 did not have.
RUN2 = ["s7comm/s7__step7_s300_stop.pcapng",
        "enip/EthernetIP__cip_stop_plc.pcap",
        "melsoft/legitimate_user_addition_plc_stop_test.pcapng"]
# One file, fresh database (TCP receiver): lines and messages equal the document exactly.
SINGLE = "attack/nmap-vsn.pcap"
# Normal operation (test_alerts.py: no alert at all on this one)
NORMAL = "modbus/ModbusTCP__ModbusTCP.pcap"

HEADER = re.compile(
    rb"<(0|[1-9][0-9]{0,2})>1 "
    rb"(-|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    rb"(?:Z|[+-][0-9]{2}:[0-9]{2})) "
    rb"([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) ")
SD_NAME_BAD = set(b'= ]"')


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    return cond


# ------------------------------------------------------------------ receivers

class UdpReceiver:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                d, _ = self.sock.recvfrom(65536)
                self.datagrams.append(d)
            except socket.timeout:
                pass

    def finish(self):
        time.sleep(0.3)  # loopback: everything sent is here by now
        self.stop = True
        self.thread.join()
        self.sock.close()
        return self.datagrams


class TcpReceiver:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns = []  # bytes received per connection
        self.readers = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def read(self, conn, buf):
        conn.settimeout(10)
        try:
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                buf.extend(d)
        except socket.timeout:
            FAILS.append("tcp receiver: the connection stayed open after mieruka exited")
        conn.close()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            buf = bytearray()
            self.conns.append(buf)
            t = threading.Thread(target=self.read, args=(conn, buf), daemon=True)
            t.start()
            self.readers.append(t)

    def finish(self):
        time.sleep(0.3)
        self.stop = True
        self.thread.join()
        for t in self.readers:
            t.join(15)
        self.sock.close()
        frames = []
        for i, buf in enumerate(self.conns):
            frames.extend(octet_frames(bytes(buf), f"tcp connection {i}"))
        return frames


def octet_frames(data, where):
    """RFC 6587 §3.4.1: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG, MSG-LEN = NONZERO-DIGIT *DIGIT."""
    out, pos = [], 0
    while pos < len(data):
        m = re.compile(rb"[1-9][0-9]{0,5} ").match(data, pos)
        if not check(m is not None, f"{where}: no MSG-LEN at byte {pos}: {data[pos:pos+40]!r}"):
            break
        n = int(m.group(0)[:-1])
        start = m.end()
        if not check(start + n <= len(data), f"{where}: frame of {n} bytes cut at the end"):
            break
        out.append(data[start:start + n])
        pos = start + n
    return out


# ------------------------------------------------------------------ RFC 5424

def parse_sd(msg, pos, where):
    """SD-ELEMENTs from pos; returns ({sd_id: {name: value}}, position after)."""
    sd = {}
    if msg[pos:pos + 1] == b"-":
        return sd, pos + 1
    if not check(msg[pos:pos + 1] == b"[", f"{where}: STRUCTURED-DATA missing"):
        return None, pos
    while msg[pos:pos + 1] == b"[":
        pos += 1
        end = pos
        while end < len(msg) and msg[end] not in SD_NAME_BAD:
            end += 1
        sd_id = msg[pos:end]
        if not check(1 <= len(sd_id) <= 32 and all(0x21 <= c <= 0x7e for c in sd_id),
                     f"{where}: bad SD-ID {sd_id!r}"):
            return None, pos
        pos = end
        params = {}
        while msg[pos:pos + 1] == b" ":
            pos += 1
            end = pos
            while end < len(msg) and msg[end] not in SD_NAME_BAD:
                end += 1
            name = msg[pos:end]
            if not check(1 <= len(name) <= 32 and all(0x21 <= c <= 0x7e for c in name) and
                         msg[end:end + 2] == b'="', f"{where}: bad SD-PARAM at {pos}"):
                return None, pos
            pos = end + 2
            val = bytearray()
            while True:
                if not check(pos < len(msg), f"{where}: PARAM-VALUE not closed"):
                    return None, pos
                c = msg[pos]
                if c == 0x5c:  # backslash: only \" \\ \] are written
                    nxt = msg[pos + 1:pos + 2]
                    if not check(nxt in (b'"', b"\\", b"]"), f"{where}: stray backslash"):
                        return None, pos
                    val += nxt
                    pos += 2
                    continue
                if c == 0x22:
                    pos += 1
                    break
                if not check(c != 0x5d, f"{where}: unescaped ']' in a PARAM-VALUE"):
                    return None, pos
                val.append(c)
                pos += 1
            try:
                params[name.decode()] = val.decode("utf-8")
            except UnicodeDecodeError:
                check(False, f"{where}: PARAM-VALUE not UTF-8")
                return None, pos
        if not check(msg[pos:pos + 1] == b"]", f"{where}: SD-ELEMENT not closed at {pos}"):
            return None, pos
        pos += 1
        sd[sd_id.decode()] = params
    return sd, pos


def parse_5424(msg, where):
    """Returns a dict of the fields, or None (and a failure) when not RFC 5424."""
    m = HEADER.match(msg)
    if not check(m is not None, f"{where}: header does not match RFC 5424: {msg[:120]!r}"):
        return None
    pri = int(m.group(1))
    check(pri <= 191, f"{where}: PRI {pri} > 191")
    sd, pos = parse_sd(msg, m.end(), where)
    if sd is None:
        return None
    text = None
    if pos < len(msg):
        if not check(msg[pos:pos + 1] == b" ", f"{where}: no SP before MSG"):
            return None
        body = msg[pos + 1:]
        if not check(body.startswith(BOM), f"{where}: MSG without BOM"):
            return None
        try:
            text = body[3:].decode("utf-8")
        except UnicodeDecodeError:
            check(False, f"{where}: MSG is not UTF-8")
            return None
        bad = [c for c in text if ord(c) < 0x20 or ord(c) == 0x7f or 0x80 <= ord(c) < 0xa0]
        check(not bad, f"{where}: control characters in MSG: {bad[:5]}")
    return {"pri": pri, "timestamp": m.group(2).decode(), "hostname": m.group(3).decode(),
            "app": m.group(4).decode(), "procid": m.group(5).decode(),
            "msgid": m.group(6).decode(), "sd": sd, "msg": text, "raw": msg}


def check_message(p, a, where, limit):
    """One parsed message against the document's alert a."""
    check(p["pri"] == FACILITY * 8 + SYSLOG_SEV[a["severity"]],
          f"{where}: PRI {p['pri']} for {a['severity']}")
    check(p["timestamp"] == a["last_seen"], f"{where}: TIMESTAMP {p['timestamp']} != {a['last_seen']}")
    check(p["app"] == "mieruka", f"{where}: APP-NAME {p['app']}")
    check(p["procid"].isdigit(), f"{where}: PROCID {p['procid']}")
    check(p["msgid"] == a["type"], f"{where}: MSGID {p['msgid']}")
    check(list(p["sd"]) == ["mieruka@32473"], f"{where}: SD-IDs {list(p['sd'])}")
    sd = p["sd"].get("mieruka@32473", {})
    ev = a["evidence"]
    want = {"id": a["id"], "type": a["type"], "severity": a["severity"], "count": str(a["count"]),
            "first": a["first_seen"]}
    for k, ek in (("client", "client"), ("server", "server"), ("proto", "protocol"), ("port", "port")):
        if ek in ev:
            want[k] = str(ev[ek])
    got = {k: v for k, v in sd.items() if k != "event"}
    check(got == want, f"{where}: SD {got} != {want}")
    check(sd.get("event") in ("new", "update"), f"{where}: event {sd.get('event')}")
    text = f"{a['title']['en']} | {a['detail']['en']} | {a['title']['ja']}"
    text = "".join(" " if ord(c) < 0x20 or ord(c) == 0x7f or 0x80 <= ord(c) < 0xa0 else c
                   for c in text)
    if len(p["raw"]) < limit - 4:
        check(p["msg"] == text, f"{where}: MSG {p['msg']!r} != {text!r}")
    else:  # cut at the size limit, at a character boundary
        check(p["msg"] is not None and text.startswith(p["msg"]) and len(p["msg"]) > 0,
              f"{where}: cut MSG is not a prefix of the text")


def check_stream(messages, doc, where, limit, only=None):
    """Messages (raw bytes) against the document.  only: the alert ids expected (default
    all); each id's messages must go new (once, first) then update, with counts not
    going down, and the last one must match the document.  Returns {id: [events]}."""
    alerts = {a["id"]: a for a in doc["alerts"]}
    want = set(alerts) if only is None else set(only)
    seen = {}
    for i, raw in enumerate(messages):
        w = f"{where} message {i}"
        check(len(raw) <= limit, f"{w}: {len(raw)} bytes > {limit}")
        p = parse_5424(raw, w)
        if p is None:
            continue
        sd = p["sd"].get("mieruka@32473", {})
        aid = sd.get("id")
        if not check(aid in alerts, f"{w}: alert {aid} is not in the document"):
            continue
        seen.setdefault(aid, []).append((sd.get("event"), int(sd.get("count", "0")), p))
    check(set(seen) == want, f"{where}: streamed {sorted(seen)} != expected {sorted(want)}")
    for aid, msgs in seen.items():
        counts = [c for _, c, _ in msgs]
        check(counts == sorted(counts), f"{where}: {aid}: counts go down {counts}")
        check_message(msgs[-1][2], alerts[aid], f"{where} {aid} (last)", limit)
    return {aid: [e for e, _, _ in msgs] for aid, msgs in seen.items()}


def read_lines(path, where, skip=0):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    check(data == b"" or data.endswith(b"\n"), f"{where}: last line not ended")
    for i, line in enumerate(data.split(b"\n")[:-1]):
        if i < skip:
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            FAILS.append(f"{where}: line {i + 1} is not JSON: {e}")
    return out


def without_event(line):
    d = dict(line)
    d.pop("event", None)
    return d


# ------------------------------------------------------------------ runs

def run(mieruka, args, where, expect_rc=0):
    env = dict(os.environ, LANG="C", LC_ALL="C")
    out = subprocess.run([mieruka, "analyze", *args], capture_output=True, timeout=600, env=env)
    check(out.returncode == expect_rc,
          f"{where}: exit {out.returncode}: {out.stderr.decode(errors='replace')[:400]}")
    return out


def monitor_part(M, capture, tmp):
    """monitor -i on one end of a veth pair in a network namespace of its own, fed by
    tcpreplay; alerts go to a unix datagram socket of this test (unix sockets are not
    network-namespaced).  Stopped by SIGTERM, the final checkpoint streams them."""
    import shutil
    import signal
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tcpreplay"):
        print("note: monitor part skipped (needs root, ip and tcpreplay)")
        return
    ns = f"mkst{os.getpid() % 100000}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        print("note: monitor part skipped (network namespaces not permitted)")
        return
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock_path = os.path.join(tmp, "log.sock")
    sock.bind(sock_path)
    sock.settimeout(0.5)
    proc = None
    try:
        for cmd in (["link", "add", "va", "type", "veth", "peer", "name", "vb"],
                    ["link", "set", "va", "up"], ["link", "set", "vb", "up"]):
            subprocess.run(["ip", "-n", ns, *cmd], check=True, capture_output=True)
        db, jl = os.path.join(tmp, "mon.db"), os.path.join(tmp, "mon.jsonl")
        err = open(os.path.join(tmp, "mon.err"), "wb")
        proc = subprocess.Popen(["ip", "netns", "exec", ns, M, "monitor", "-i", "va", "--db", db,
                                 "--alerts-jsonl", jl, "--syslog", f"unix:{sock_path}",
                                 "--syslog-facility", "local0"],
                                stdout=subprocess.DEVNULL, stderr=err,
                                env=dict(os.environ, LANG="C", LC_ALL="C"))
        deadline = time.time() + 30
        while time.time() < deadline and b"listening" not in open(err.name, "rb").read():
            time.sleep(0.2)
        subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "-q", "-i", "vb", "-t", capture],
                       capture_output=True, check=True)
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
        proc = None
        check(rc == 0, f"monitor: exit {rc}: {open(err.name, 'rb').read()[-400:]!r}")
        msgs = []
        try:
            while True:
                msgs.append(sock.recv(65536))
        except socket.timeout:
            pass
        out = subprocess.run([M, "export", "--db", db, "--json", "-"], capture_output=True)
        doc = json.loads(out.stdout)
        check(len(doc["alerts"]) >= 1, "monitor: no alert recorded")
        check(len(msgs) == len(doc["alerts"]), f"monitor: {len(msgs)} messages, {len(doc['alerts'])} alerts")
        check_stream(msgs, doc, "monitor unix", 2048)
        lines = read_lines(jl, "monitor jsonl")
        check([without_event(x) for x in lines] == doc["alerts"], "monitor: lines differ from the database")
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        sock.close()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    args = ap.parse_args()
    caps = os.path.join(args.shared, "captures")
    needed = set(RUN1 + RUN2 + [SINGLE, NORMAL])
    missing = [c for c in needed if not os.path.exists(os.path.join(caps, c))]
    if missing:
        print(f"SKIP: captures missing: {missing}")
        return 77
    path = lambda c: os.path.join(caps, c)
    M = args.mieruka

    with tempfile.TemporaryDirectory(prefix="mieruka-stream-") as tmp:
        t = lambda n: os.path.join(tmp, n)

        # ---- run 1: several files, UDP, JSON lines
        udp = UdpReceiver()
        run(M, ["--db", t("a.db"), "--quiet", "--json", t("a1.json"), "--alerts-jsonl", t("a.jsonl"),
                "--syslog", f"udp://127.0.0.1:{udp.port}", *map(path, RUN1)], "run 1")
        msgs = udp.finish()
        doc1 = json.load(open(t("a1.json")))
        types = sorted({a["type"] for a in doc1["alerts"]})
        check({"plc_control", "plc_program", "firmware_change", "scan_ports",
               "cleartext_credentials", "remote_access"} <= set(types), f"run 1: alert types {types}")
        events = check_stream(msgs, doc1, "run 1 udp", 2048)
        for aid, ev in events.items():
            check(ev[0] == "new" and all(e == "update" for e in ev[1:]), f"run 1: {aid} events {ev}")
        # Each file's end is a checkpoint: the S7 stop of the first file went out before
        # the rest were read, the capture of the last file's alerts at the end.
        check(len(msgs) >= len(doc1["alerts"]), "run 1: fewer messages than alerts")
        lines1 = read_lines(t("a.jsonl"), "run 1 jsonl")
        last = {}
        for ln in lines1:
            check(ln.get("event") in ("new", "update"), f"run 1 jsonl: event {ln.get('event')}")
            check(list(ln)[-1] == "event", "run 1 jsonl: event is not the last key")
            last[ln["id"]] = without_event(ln)
        check(set(last) == {a["id"] for a in doc1["alerts"]}, "run 1 jsonl: ids differ from the document")
        for a in doc1["alerts"]:
            ln = last.get(a["id"], {})
            # "communications" is as of the line's checkpoint: a flow still open at the
            # end of a file is a communication only later.
            same = {k: v for k, v in ln.items() if k != "communications"}
            want = {k: v for k, v in a.items() if k != "communications"}
            check(same == want, f"run 1 jsonl: last line of {a['id']} differs from the document")
            check(list(ln) == list(a), f"run 1 jsonl: key order of {a['id']}")

        # The same captures without streaming give the same document (the extra
        # checkpoints change nothing).
        run(M, ["--db", t("ref.db"), "--quiet", "--json", t("ref.json"), *map(path, RUN1)], "reference")
        ref = json.load(open(t("ref.json")))
        for k in ("assets", "communications", "alerts", "statistics"):
            check(ref[k] == doc1[k], f"run 1: '{k}' differs from a run without streaming")

        # ---- run 2: same database, other captures, TCP: only new and changed alerts
        tcp = TcpReceiver()
        run(M, ["--db", t("a.db"), "--quiet", "--json", t("a2.json"), "--alerts-jsonl", t("a.jsonl"),
                "--syslog", f"tcp://127.0.0.1:{tcp.port}", *map(path, RUN2)], "run 2")
        msgs = tcp.finish()
        doc2 = json.load(open(t("a2.json")))
        before = {a["id"]: a for a in doc1["alerts"]}
        new = {a["id"] for a in doc2["alerts"] if a["id"] not in before}
        upd = {a["id"] for a in doc2["alerts"] if a["id"] in before and
               (a["count"], a["severity"]) != (before[a["id"]]["count"], before[a["id"]]["severity"])}
        check(new and upd, f"run 2: the captures should give new ({new}) and updated ({upd}) alerts")
        events = check_stream(msgs, doc2, "run 2 tcp", 8192, only=new | upd)
        for aid in new:
            check(events.get(aid, ["?"])[0] == "new", f"run 2: {aid} should start as new")
        for aid in upd:
            check(set(events.get(aid, ["?"])) == {"update"}, f"run 2: {aid} should be updates only")
        lines2 = read_lines(t("a.jsonl"), "run 2 jsonl", skip=len(lines1))
        check({ln["id"] for ln in lines2} == new | upd, "run 2 jsonl: not exactly the new and changed alerts")
        docs2 = {a["id"]: a for a in doc2["alerts"]}
        last2 = {ln["id"]: ln for ln in lines2}
        for aid in new:
            check([x["event"] for x in lines2 if x["id"] == aid][:1] == ["new"],
                  f"run 2 jsonl: {aid} should start as new")
        for aid in upd:
            check({x["event"] for x in lines2 if x["id"] == aid} == {"update"},
                  f"run 2 jsonl: {aid} should be updates only")
        for aid, ln in last2.items():
            check(ln["count"] == docs2[aid]["count"] and ln["severity"] == docs2[aid]["severity"],
                  f"run 2 jsonl: last line of {aid} is not the final state")

        # ---- one file, fresh database, TCP: lines and messages equal the document exactly
        tcp = TcpReceiver()
        out = run(M, ["--db", t("s.db"), "--json", t("s.json"), "--alerts-jsonl", "-",
                      "--syslog", f"tcp://127.0.0.1:{tcp.port}", "--syslog-facility", "local0",
                      path(SINGLE)], "single")
        msgs = tcp.finish()
        docs = json.load(open(t("s.json")))
        check(len(docs["alerts"]) >= 1, "single: no alert")
        lines = []
        for i, line in enumerate(out.stdout.split(b"\n")[:-1]):  # --alerts-jsonl -: nothing else
            try:
                lines.append(json.loads(line))
            except ValueError:
                FAILS.append(f"single: stdout line {i + 1} is not JSON (summary not suppressed?)")
        check(out.stdout.endswith(b"\n"), "single: stdout does not end with a line end")
        check([ln.get("event") for ln in lines] == ["new"] * len(docs["alerts"]), "single: events")
        check([without_event(ln) for ln in lines] == docs["alerts"],
              "single: the JSON lines are not the document's alerts")
        check(len(msgs) == len(docs["alerts"]), f"single: {len(msgs)} messages for {len(docs['alerts'])} alerts")
        check_stream(msgs, docs, "single tcp", 8192)
        check(b"alert messages sent: %d" % len(docs["alerts"]) in out.stderr, "single: no 'sent' report")

        # ---- normal operation: nothing to stream
        udp = UdpReceiver()
        run(M, ["--db", t("n.db"), "--quiet", "--json", t("n.json"), "--alerts-jsonl", t("n.jsonl"),
                "--syslog", f"udp://127.0.0.1:{udp.port}", path(NORMAL)], "normal")
        msgs = udp.finish()
        check(json.load(open(t("n.json")))["alerts"] == [], "normal: alerts in the document")
        check(msgs == [], f"normal: {len(msgs)} messages")
        check(os.path.getsize(t("n.jsonl")) == 0, "normal: lines written")

        # ---- unreachable TCP receiver: warning, exit 0, complete database
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
        s.close()
        out = run(M, ["--db", t("u.db"), "--quiet", "--json", t("u.json"),
                      "--syslog", f"tcp://127.0.0.1:{dead}", *map(path, RUN1[:3])], "unreachable")
        err = out.stderr.decode(errors="replace")
        check("warning" in err and "cannot reach the syslog receiver" in err, f"unreachable: no warning: {err}")
        docu = json.load(open(t("u.json")))
        m = re.search(r"messages not sent: (\d+), alerts whose latest state did not arrive: (\d+)", err)
        check(m is not None and int(m.group(2)) == len(docu["alerts"]) and
              int(m.group(1)) >= len(docu["alerts"]), f"unreachable: not-sent report: {err}")
        run(M, ["--db", t("r.db"), "--quiet", "--json", t("r.json"), *map(path, RUN1[:3])], "reference 2")
        docr = json.load(open(t("r.json")))
        for k in ("assets", "communications", "alerts", "statistics"):
            check(docr[k] == docu[k], f"unreachable: '{k}' differs from a run without streaming")
        check(len(docu["alerts"]) >= 3, "unreachable: alerts missing from the database")

        # ---- monitor: the same stream from live capture, to a unix datagram socket
        monitor_part(M, path(RUN1[0]), tmp)

        # ---- usage errors
        for bad in (["--syslog", "syslog.example:514"], ["--syslog", "udp://[::1"],
                    ["--syslog", "tcp://127.0.0.1:0"], ["--syslog-facility", "local0"],
                    ["--syslog", "udp://127.0.0.1", "--syslog-facility", "local9"],
                    ["--json", "-", "--alerts-jsonl", "-"]):
            out = run(M, ["--db", t("x.db"), *bad, path(NORMAL)], f"usage {bad}", expect_rc=2)
            check(not os.path.exists(t("x.db")), f"usage {bad}: database created")

    if FAILS:
        for f in FAILS[:40]:
            print("FAIL:", f)
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("alert stream: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
