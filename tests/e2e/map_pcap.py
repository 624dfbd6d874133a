#!/usr/bin/env python3
"""map_pcap.py OUT.pcap [OUT.zones] - a plant too big to draw device by device (issue 5: the map
stays readable with 200+ devices): 450 devices, each its own MAC and IPv4 address, and a zone
file for them.  Used by tests/integration/test_web_api.py (exact group counts) and by the
browser test (tests/e2e/run.mjs: folded groups, expanding one, opening a device).

  line1  10.20.1.0/24  L1_0 .. L1_199  Modbus/TCP servers (port 502) of the office hosts 0..99;
                                       UDP 5000 from L1_i to L1_(i+1)%200
  line1  10.20.4.0/24  L4_0 .. L4_119  UDP 5002 from L4_j to L4_(j+1)%120
  office 10.20.2.0/24  OF_0 .. OF_99   Modbus/TCP client of L1_i
  (none) 10.20.3.0/24  NZ_0 .. NZ_29   UDP 5001 to OF_i; NZ_0 .. NZ_9 also UDP 5003 to L1_(100+i)

So the zone line1 holds 320 devices (more than the map's 300: split by subnet) and the map
groups by zone into zone:line1|net:10.20.1.0/24 (200), zone:line1|net:10.20.4.0/24 (120),
zone:office (100) and nozone (30)."""
import sys

from scapy.all import IP, TCP, UDP, Ether, wrpcap

T0 = 1773100800


def hosts():
    h = {}
    for i in range(200):
        h[f"L1_{i}"] = f"10.20.1.{i + 1}"
    for j in range(120):
        h[f"L4_{j}"] = f"10.20.4.{j + 1}"
    for i in range(100):
        h[f"OF_{i}"] = f"10.20.2.{i + 1}"
    for i in range(30):
        h[f"NZ_{i}"] = f"10.20.3.{i + 1}"
    return h


def mac_of(ip):
    a, b, c, d = (int(x) for x in ip.split("."))
    return f"02:14:{a:02x}:{b:02x}:{c:02x}:{d:02x}"


def main():
    h = hosts()
    pkts = []

    def eth(src, dst):
        return Ether(src=mac_of(h[src]), dst=mac_of(h[dst])) / IP(src=h[src], dst=h[dst])

    def udp(a, b, port, n):
        pkts.append(eth(a, b) / UDP(sport=41000 + n % 20000, dport=port) / b"map-test")
        pkts.append(eth(b, a) / UDP(sport=port, dport=41000 + n % 20000) / b"map-test-reply")

    def modbus(a, b, n):
        sp = 42000 + n
        req = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01"
        rsp = b"\x00\x01\x00\x00\x00\x05\x01\x03\x02\x00\x2a"
        pkts.append(eth(a, b) / TCP(sport=sp, dport=502, flags="S", seq=1000))
        pkts.append(eth(b, a) / TCP(sport=502, dport=sp, flags="SA", seq=5000, ack=1001))
        pkts.append(eth(a, b) / TCP(sport=sp, dport=502, flags="A", seq=1001, ack=5001))
        pkts.append(eth(a, b) / TCP(sport=sp, dport=502, flags="PA", seq=1001, ack=5001) / req)
        pkts.append(eth(b, a) / TCP(sport=502, dport=sp, flags="PA", seq=5001, ack=1001 + len(req)) / rsp)
        pkts.append(eth(a, b) / TCP(sport=sp, dport=502, flags="A", seq=1001 + len(req), ack=5001 + len(rsp)))

    n = 0
    for i in range(100):
        modbus(f"OF_{i}", f"L1_{i}", n)
        n += 1
    for i in range(200):
        udp(f"L1_{i}", f"L1_{(i + 1) % 200}", 5000, n)
        n += 1
    for j in range(120):
        udp(f"L4_{j}", f"L4_{(j + 1) % 120}", 5002, n)
        n += 1
    for i in range(30):
        udp(f"NZ_{i}", f"OF_{i}", 5001, n)
        n += 1
    for i in range(10):
        udp(f"NZ_{i}", f"L1_{100 + i}", 5003, n)
        n += 1
    for k, p in enumerate(pkts):
        p.time = T0 + k * 0.01
    wrpcap(sys.argv[1], pkts)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            f.write("zone line1 ライン1\nsubnet line1 10.20.1.0/24\nsubnet line1 10.20.4.0/24\n"
                    "zone office 事務所\nsubnet office 10.20.2.0/24\n")


if __name__ == "__main__":
    main()
