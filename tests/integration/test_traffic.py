#!/usr/bin/env python3
"""Traffic per hour (the JSON document's "traffic", the dashboard's chart) against the pcap itself.

For real captures of ../shared/captures this reads every packet record with its own small
pcap/pcapng reader (standard library only) and computes, per UTC hour of the packet time, the
packets and the bytes on the wire (the larger of the original and the captured length, as the
capture's "bytes" counts them).  `mieruka analyze --json` must give exactly those hours (within the
bound of 9,600 hours before the newest), their bytes must add up to the captures' "bytes", and
nothing may be counted as dropped.  Then, on one database: two different captures merge by hour
(sums), and analysing the same capture again adds it again (every counter of the database does).

Captures: the 445 scan (3 clock hours in 1 h 44 min), arp-oobr (4 hours, 2,282 packets), a
PROFINET pcapng whose clock jumps back and forth over years (hours revisited, out of order), and
a malformed capture whose three packets lie decades apart (the bound keeps the newest hour only).

Usage: test_traffic.py --mieruka PATH --shared PATH [--src PATH]
Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import collections
import datetime
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

FAILS = []
HOUR = 3600 * 10**9
MAX_HOURS = 24 * 400

CAPTURES = [
    "attack/bro-simple-scan__445_scan.pcap",
    "malformed/arp-oobr.pcap",
    "profinet/profinet_io_cm_connect.pcapng",
    "malformed/olsr-oobr-2.pcap",
    "attack/bro-simple-scan__port_scan.pcap",  # 45 days after the 445 scan
]


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)
    return cond


def records(path):
    """(ts_ns, wire bytes) of every packet record of a pcap or pcapng file (gzip too)."""
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    with (gzip.open if gz else open)(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    out = []
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xd4, 0x4d) else ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
            if off + 16 + incl > len(data):
                break
            out.append((sec * 10**9 + (frac if nano else frac * 1000), max(orig, incl)))
            off += 16 + incl
        return out
    if magic != b"\x0a\x0d\x0d\x0a":
        raise ValueError(path + ": not a capture")
    off, e, units = 0, "<", []
    while off + 12 <= len(data):
        if struct.unpack("<I", data[off:off + 4])[0] == 0x0a0d0d0a:  # section: byte order
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            units = []
        btype, blen = struct.unpack(e + "II", data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1:  # interface description: if_tsresol (option 9), default microseconds
            per_s, o = 10**6, 8
            while o + 4 <= len(body):
                code, ln = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = body[o + 4]
                    per_s = 2 ** (v & 0x7f) if v & 0x80 else 10 ** v
                o += 4 + ((ln + 3) & ~3)
            units.append(per_s)
        elif btype == 6:  # enhanced packet
            iface, hi, lo, incl, orig = struct.unpack(e + "IIIII", body[:20])
            per_s = units[iface] if iface < len(units) else 10**6
            ticks = (hi << 32) | lo
            out.append((ticks // per_s * 10**9 + ticks % per_s * 10**9 // per_s, max(orig, incl)))
        elif btype in (2, 3):
            raise ValueError(path + ": obsolete or simple packet blocks")
        off += blen
    return out


def expected(paths):
    hours = collections.defaultdict(lambda: [0, 0])
    for p in paths:
        for ts, n in records(p):
            h = hours[ts - ts % HOUR]
            h[0] += 1
            h[1] += n
    if hours:
        newest = max(hours)
        hours = {k: v for k, v in hours.items() if k >= newest - (MAX_HOURS - 1) * HOUR}
    return dict(hours)


def got(doc):
    out = {}
    for x in doc["traffic"]:
        t = datetime.datetime.strptime(x["t"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        check(t.minute == 0 and t.second == 0 and t.microsecond == 0, f"{x['t']} is not an hour's start")
        k = int(t.timestamp()) * 10**9
        check(k not in out, f"hour {x['t']} twice")
        out[k] = [x["packets"], x["bytes"]]
    check([x["t"] for x in doc["traffic"]] == sorted(x["t"] for x in doc["traffic"]), "traffic oldest first")
    return out


def analyze(mieruka, db, out, *caps):
    r = subprocess.run([mieruka, "analyze", "--quiet", "--db", db, "--json", out, *caps],
                       capture_output=True, text=True, timeout=600)
    if not check(r.returncode == 0, f"analyze {caps}: {r.returncode} {r.stderr[-500:]}"):
        return None
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src")
    args = ap.parse_args()
    caps = [os.path.join(args.shared, "captures", c) for c in CAPTURES]
    missing = [c for c in caps if not os.path.exists(c)]
    if missing:
        print("SKIP: captures missing:", missing)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for i, cap in enumerate(caps):
            db, out = os.path.join(tmp, f"one{i}.db"), os.path.join(tmp, f"one{i}.json")
            doc = analyze(args.mieruka, db, out, cap)
            if doc is None:
                continue
            want, have = expected([cap]), got(doc)
            name = CAPTURES[i]
            check(have == want, f"{name}: hours {sorted(have.items())[:6]} != pcap {sorted(want.items())[:6]}")
            check(doc["statistics"].get("traffic.packets_dropped") == 0, f"{name}: packets dropped")
            all_in = len(expected([cap])) == len({ts - ts % HOUR for ts, _ in records(cap)})
            if all_in:  # no hour beyond the bound: the hours hold the whole capture
                c = doc["captures"][0]
                check(sum(v[1] for v in have.values()) == c["bytes"] and
                      sum(v[0] for v in have.values()) == c["packets"],
                      f"{name}: hours add up to {sum(v[1] for v in have.values())} bytes, capture {c['bytes']}")
                if i < 2:  # the captures chosen for spanning several clock hours
                    check(len(have) >= 3, f"{name}: spans {len(have)} hours")
            print(f"{name}: {len(have)} hours, {sum(v[0] for v in have.values())} packets, "
                  f"{sum(v[1] for v in have.values())} bytes: as the pcap")

        # one database, two runs over different captures: the hours merge (sums)
        pair = [caps[0], caps[4]]
        db, out = os.path.join(tmp, "merge.db"), os.path.join(tmp, "merge.json")
        analyze(args.mieruka, db, out, pair[0])
        doc = analyze(args.mieruka, db, out, pair[1])
        if doc is not None:
            check(got(doc) == expected(pair) and len(doc["traffic"]) == 4, "two runs, two captures: hours merge")
            check(sum(x["bytes"] for x in doc["traffic"]) == sum(c["bytes"] for c in doc["captures"]),
                  "two runs: hours add up to the captures' bytes")
        # one run over two files: the same hours
        db, out = os.path.join(tmp, "both.db"), os.path.join(tmp, "both.json")
        doc = analyze(args.mieruka, db, out, *pair)
        if doc is not None:
            check(got(doc) == expected(pair), "one run, two captures")
        # the bound across runs: arp-oobr (2010) after the 445 scan (2017) is older than
        # 9,600 hours before the newest hour held, so the database forgets it at once
        db, out = os.path.join(tmp, "bound.db"), os.path.join(tmp, "bound.json")
        analyze(args.mieruka, db, out, caps[0])
        doc = analyze(args.mieruka, db, out, caps[1])
        if doc is not None:
            check(got(doc) == expected([caps[0]]) == expected(caps[:2]) and len(doc["captures"]) == 2,
                  "hours older than the bound are forgotten")
        # the same capture again adds again (documented, like every counter)
        db, out = os.path.join(tmp, "again.db"), os.path.join(tmp, "again.json")
        analyze(args.mieruka, db, out, caps[0])
        doc = analyze(args.mieruka, db, out, caps[0])
        if doc is not None:
            check(got(doc) == {k: [2 * v[0], 2 * v[1]] for k, v in expected([caps[0]]).items()},
                  "re-analysing a capture adds its traffic again")
    if FAILS:
        print(f"{len(FAILS)} failures")
        return 1
    print("traffic per hour: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
