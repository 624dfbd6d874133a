#!/usr/bin/env python3
"""Baseline learning and the deviation alerts, end to end (src/detect/baseline.c).

1. False alarms: each capture of normal operation below is split by packet count into two
   halves; `analyze --learn FIRST_HALF SECOND_HALF` must raise no alert of severity high or
   critical (the captures are named in NORMAL, with why each is normal).
2. Deviations: generated traffic (scapy) of a small plant: a learning capture (20 minutes) and a
   judged capture (40 minutes) that adds a new device, a Modbus write from an office PC, a new
   protocol, a PLC that falls silent and a traffic burst.  The exact alert types and counts are
   asserted (EXPECT).
3. Accepting teaches: `mieruka alerts accept` on the new_device alert, then the same judged
   capture analysed again: no open new_device alert, the accepted one keeps its count.
4. `analyze --learn CAPTURE` alone only learns (no capture to judge is fine); a later
   `analyze JUDGED` on the same database judges from its start (no learning note, the same
   alerts as in 2).

Usage: test_baseline.py --mieruka PATH --shared PATH [--src PATH] [--keep DIR]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import collections
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import RawPcapReader
except ImportError:
    # CMake may have found another python3 than the one with Debian's python3-scapy.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3" \
            and not os.environ.get("MK_BASELINE_REEXEC"):
        os.environ["MK_BASELINE_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-scapy is not installed")
    sys.exit(77)

FAILS = []

# Normal operation: after learning from the first half, the second half raises nothing of
# severity high or critical.
NORMAL = {
    "modbus/ModbusTCP__ModbusTCP.pcap": "an HMI polling Modbus/TCP registers (reads and writes)",
    "s7comm/s7__s7comm_reading_plc_status.pcap": "an S7 HMI reading the CPU status (SZL)",
    "enip/EthernetIP__EthernetIP-CIP.pcap": "EtherNet/IP explicit and implicit messaging",
    "iec104/IEC60870-5-104__090813_diverse.pcap": "IEC 104 interrogation and commands",
    "bacnet/BACnet__bacnet_test.pcap": "a BACnet workstation reading properties",
    "opcua/open62541_client-server_mainloop.pcap": "an OPC UA client reading a server",
    "office/dhcp__dhcp.pcap": "a DHCP exchange",
    "office/dns__mdns.pcap": "mDNS announcements and queries",
}

# The generated plant (see make_plant): judged capture -> exact alerts by type.
EXPECT = {
    "new_device": 1,          # 10.0.0.99 appears
    "unauthorized_write": 1,  # office PC 10.0.0.30 writes a Modbus register of PLC1
    "new_protocol": 2,        # office PC as Modbus client; HMI as DNS client
    "device_silent": 1,       # PLC2 10.0.0.11 stops answering
    "volume_anomaly": 2,      # 21 MB between office PC and file server: both ends
}
SEVERITY = {"unauthorized_write": "high", "new_device": "medium", "new_protocol": "low",
            "device_silent": "low", "volume_anomaly": "low"}


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


# ------------------------------------------------------------------ pcap files

def read_capture(path):
    """(linktype, [(ts_ns, bytes, wirelen)]) of a pcap or pcapng file."""
    r = RawPcapReader(path)
    lt = getattr(r, "linktype", None)
    out = []
    for data, meta in r:
        if hasattr(meta, "tshigh"):
            ts = ((meta.tshigh << 32) | meta.tslow) * 10**9 // meta.tsresol
            lt = meta.linktype
        else:
            ts = meta.sec * 10**9 + meta.usec * (1 if getattr(r, "nano", False) else 1000)
        out.append((ts, bytes(data), max(getattr(meta, "wirelen", len(data)) or 0, len(data))))
    r.close()
    return lt, out


def write_pcap(path, linktype, pkts):
    """A nanosecond pcap file (magic a1b23c4d)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, linktype))
        for ts, data, wirelen in pkts:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(data), wirelen))
            f.write(data)


# ------------------------------------------------------------ the generated plant

MAC = {ip: "02:00:00:00:00:%02x" % int(ip.split(".")[-1]) for ip in
       ("10.0.0.10", "10.0.0.11", "10.0.0.20", "10.0.0.30", "10.0.0.40", "10.0.0.53", "10.0.0.99")}
PLC1, PLC2, HMI, OFFICE, FILES, DNSSRV, NEWDEV = ("10.0.0.10", "10.0.0.11", "10.0.0.20",
                                                   "10.0.0.30", "10.0.0.40", "10.0.0.53",
                                                   "10.0.0.99")
T0 = 1699999200 * 10**9  # an hour boundary (2023-11-14 22:00 UTC)
S = 10**9


class Plant:
    def __init__(self):
        self.pkts = []
        self.sport = 40000

    def add(self, ts, src, dst, l4):
        p = Ether(src=MAC[src], dst=MAC[dst]) / IP(src=src, dst=dst, ttl=64) / l4
        b = bytes(p)
        self.pkts.append((ts, b, len(b)))

    def tcp_session(self, ts, cli, srv, dport, exchanges):
        """Handshake, request/response pairs, close; 1 ms apart."""
        self.sport += 1
        sp, cs, ss = self.sport, 1000, 5000
        t = ts
        step = 1000000
        self.add(t, cli, srv, TCP(sport=sp, dport=dport, flags="S", seq=cs)); t += step
        self.add(t, srv, cli, TCP(sport=dport, dport=sp, flags="SA", seq=ss, ack=cs + 1)); t += step
        cs += 1
        ss += 1
        self.add(t, cli, srv, TCP(sport=sp, dport=dport, flags="A", seq=cs, ack=ss)); t += step
        for req, resp in exchanges:
            self.add(t, cli, srv, TCP(sport=sp, dport=dport, flags="PA", seq=cs, ack=ss) / Raw(req))
            t += step
            cs += len(req)
            if resp:
                self.add(t, srv, cli, TCP(sport=dport, dport=sp, flags="PA", seq=ss, ack=cs) / Raw(resp))
                t += step
                ss += len(resp)
        self.add(t, cli, srv, TCP(sport=sp, dport=dport, flags="FA", seq=cs, ack=ss)); t += step
        self.add(t, srv, cli, TCP(sport=dport, dport=sp, flags="FA", seq=ss, ack=cs + 1)); t += step
        self.add(t, cli, srv, TCP(sport=sp, dport=dport, flags="A", seq=cs + 1, ack=ss + 1))

    def modbus_read(self, ts, cli, srv, tid):
        req = struct.pack(">HHHBBHH", tid, 0, 6, 1, 3, 0, 2)
        resp = struct.pack(">HHHBBB", tid, 0, 7, 1, 3, 4) + b"\x00\x01\x00\x02"
        self.tcp_session(ts, cli, srv, 502, [(req, resp)])

    def modbus_write(self, ts, cli, srv, tid):
        req = struct.pack(">HHHBBHH", tid, 0, 6, 1, 6, 10, 1234)
        self.tcp_session(ts, cli, srv, 502, [(req, req)])

    def dns(self, ts, cli, qid):
        self.sport += 1
        q = DNS(id=qid, rd=1, qd=DNSQR(qname="files.plant.example"))
        a = DNS(id=qid, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname="files.plant.example"),
                an=DNSRR(rrname="files.plant.example", rdata=FILES, ttl=60))
        self.add(ts, cli, DNSSRV, UDP(sport=self.sport, dport=53) / q)
        self.add(ts + 2000000, DNSSRV, cli, UDP(sport=53, dport=self.sport) / a)

    def transfer(self, ts, nbytes):
        """Office PC sends nbytes to the file server (an unidentified TCP port)."""
        chunk = b"\x5a" * 1400
        n = max(1, nbytes // len(chunk))
        self.tcp_session(ts, OFFICE, FILES, 9999, [(chunk, b"ok")] * n)


def make_plant(learn_path, judge_path):
    learn, judge = Plant(), Plant()
    tid = 0
    # Learning: 20 minutes of normal operation.
    for k in range(0, 1200, 5):
        t = T0 + k * S
        tid += 1
        learn.modbus_read(t, HMI, PLC1, tid)
        learn.modbus_read(t + 100000000, HMI, PLC2, tid)
        if k % 30 == 0:
            learn.dns(t + 200000000, OFFICE, tid)
        if k % 300 == 0:
            learn.transfer(t + 300000000, 20000)
    # Judged: 40 more minutes.  PLC2 is silent; the rest goes on, plus the deviations.
    for k in range(1200, 3600, 5):
        t = T0 + k * S
        tid += 1
        judge.modbus_read(t, HMI, PLC1, tid)
        if k % 30 == 0:
            judge.dns(t + 200000000, OFFICE, tid)
        if k % 300 == 0:
            judge.transfer(t + 300000000, 20000)
    judge.dns(T0 + 1500 * S, NEWDEV, 7001)               # new device
    judge.modbus_write(T0 + 1800 * S, OFFICE, PLC1, 7002)  # unauthorized write
    judge.dns(T0 + 2000 * S, HMI, 7003)                  # new protocol (HMI as DNS client)
    judge.transfer(T0 + 2400 * S, 21000000)              # burst
    for p in (learn, judge):
        p.pkts.sort(key=lambda x: x[0])
    write_pcap(learn_path, 1, learn.pkts)
    write_pcap(judge_path, 1, judge.pkts)


# --------------------------------------------------------------------- running

def run(args, what):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (what, p.returncode, p.stderr.decode(errors="replace")[-2000:]))
    return p


def analyze(mk, db, js, captures, learn=(), what=""):
    args = [mk, "analyze", "--db", db, "--json", js]
    for l in learn:
        args += ["--learn", l]
    p = run(args + list(captures), what)
    with open(js, encoding="utf-8") as f:
        return json.load(f), p.stderr.decode(errors="replace")


def counts(doc, types):
    c = collections.Counter()
    for a in doc["alerts"]:
        if a["type"] in types:
            c[a["type"]] += 1
    return c


def check_normal(mk, shared, tmp):
    for rel, why in sorted(NORMAL.items()):
        path = os.path.join(shared, "captures", rel)
        if not os.path.exists(path):
            fail("%s: missing (%s)" % (rel, why))
            continue
        lt, pkts = read_capture(path)
        half = len(pkts) // 2
        d = tempfile.mkdtemp(dir=tmp)
        a, b = os.path.join(d, "first.pcap"), os.path.join(d, "second.pcap")
        write_pcap(a, lt, pkts[:half])
        write_pcap(b, lt, pkts[half:])
        doc, _ = analyze(mk, os.path.join(d, "n.db"), os.path.join(d, "n.json"), [b], [a], rel)
        loud = [(x["type"], x["severity"], x["title"]["en"]) for x in doc["alerts"]
                if x["severity"] in ("high", "critical")]
        if loud:
            fail("%s (%s): false alarms after learning the first half: %s" % (rel, why, loud))
        if doc.get("baseline", {}).get("state") != "judging":
            fail("%s: baseline state %r, expected judging" % (rel, doc.get("baseline")))
        print("ok normal: %s (%d packets, %d alerts, none high/critical)"
              % (rel, len(pkts), len(doc["alerts"])))


def check_plant(doc, what):
    got = counts(doc, set(EXPECT) | {"new_conversation", "new_operation"})
    want = dict(EXPECT)
    if dict(got) != want:
        fail("%s: alerts %s, expected %s" % (what, dict(got), want))
    for a in doc["alerts"]:
        if a["type"] in SEVERITY and a["severity"] != SEVERITY[a["type"]]:
            fail("%s: %s has severity %s, expected %s" % (what, a["type"], a["severity"],
                                                         SEVERITY[a["type"]]))
        if a["type"] in EXPECT and (not a["title"]["ja"] or not a["detail"]["ja"]):
            fail("%s: %s without Japanese text" % (what, a["type"]))
    by = {}
    for a in doc["alerts"]:
        by.setdefault(a["type"], []).append(a)
    for a in by.get("unauthorized_write", []):
        if OFFICE not in a["title"]["en"] or PLC1 not in a["title"]["en"]:
            fail("%s: unauthorized_write names %s" % (what, a["title"]["en"]))
    for a in by.get("device_silent", []):
        if PLC2 not in a["title"]["en"]:
            fail("%s: device_silent names %s" % (what, a["title"]["en"]))
    for a in by.get("new_device", []):
        if NEWDEV not in a["title"]["en"]:
            fail("%s: new_device names %s" % (what, a["title"]["en"]))
    vol = sorted(a["title"]["en"].split(": ")[1].split(" ")[0] for a in by.get("volume_anomaly", []))
    if vol != sorted([OFFICE, FILES]):
        fail("%s: volume_anomaly for %s, expected %s" % (what, vol, [OFFICE, FILES]))
    return by


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    ap.add_argument("--keep")
    a = ap.parse_args()
    mk = os.path.abspath(a.mieruka)
    if not os.path.isdir(os.path.join(a.shared, "captures")):
        print("SKIP: no shared captures")
        return 77
    tmp = a.keep or tempfile.mkdtemp(prefix="mk-baseline-")
    os.makedirs(tmp, exist_ok=True)

    # 1. false alarms
    check_normal(mk, a.shared, tmp)

    # 2. deviations
    learn, judge = os.path.join(tmp, "plant-learn.pcap"), os.path.join(tmp, "plant-judge.pcap")
    make_plant(learn, judge)
    db, js = os.path.join(tmp, "plant.db"), os.path.join(tmp, "plant.json")
    doc, err = analyze(mk, db, js, [judge], [learn], "plant")
    by = check_plant(doc, "analyze --learn learn judged")
    bl = doc.get("baseline", {})
    if bl.get("state") != "judging" or not bl.get("items") or not bl.get("learn_end"):
        fail("plant: JSON baseline %r" % bl)
    if "--learn" not in err:
        fail("plant: no note on stderr about learning: %r" % err)
    print("ok deviations: %s" % dict(counts(doc, set(EXPECT))))

    # 3. accepting teaches
    nd = by.get("new_device", [])
    if nd:
        aid = nd[0]["id"]
        p = run([mk, "alerts", "--db", db, "accept", aid, "--note", "new label printer"], "accept")
        if b"device" not in p.stdout:
            fail("accept: does not say what was learned: %r" % p.stdout)
        doc2, _ = analyze(mk, db, js, [judge], [], "re-run after accept")
        nd2 = [x for x in doc2["alerts"] if x["type"] == "new_device"]
        if len(nd2) != 1 or nd2[0]["id"] != aid or nd2[0]["status"] != "accepted" \
                or nd2[0]["evidence"].get("packets") != nd[0]["evidence"].get("packets"):
            fail("accept: after a re-run new_device alerts are %r" %
                 [(x["id"], x["status"], x["evidence"]) for x in nd2])
        # what was not accepted is still judged (its alert stays open)
        if not any(x["type"] == "unauthorized_write" and x["status"] == "open" for x in doc2["alerts"]):
            fail("accept: unauthorized_write vanished after accepting new_device")
        print("ok accept teaches: %s stays accepted, no new new_device alert" % aid)

    # 4. --learn alone, then judging from the start
    db4, js4 = os.path.join(tmp, "plant4.db"), os.path.join(tmp, "plant4.json")
    doc4, err4 = analyze(mk, db4, js4, [], [learn], "--learn only")
    if doc4["alerts"]:
        fail("--learn only: alerts %r" % [x["type"] for x in doc4["alerts"]])
    if doc4.get("baseline", {}).get("state") != "judging":
        fail("--learn only: baseline %r" % doc4.get("baseline"))
    doc5, err5 = analyze(mk, db4, js4, [judge], [], "judge after --learn")
    if "25%" in err5 or "learn" in err5.lower():
        fail("judge after --learn: it learned again: %r" % err5)
    check_plant(doc5, "analyze judged on a learned database")
    print("ok --learn alone, later run judges from the start")

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("all baseline checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
