#!/usr/bin/python3
"""Writes the generated test capture of VLAN zones (no public capture shows one
/24 split over 802.1Q VLANs by a firewall).

Run from anywhere with Debian's python3-scapy (2.5):
    /usr/bin/python3 tests/captures/zones/make-captures.py
It rewrites, byte for byte the same each time (fixed times, addresses, sequence
numbers), tests/captures/zones/vlan_zones.pcap.  What it holds, and what mieruka
must say about it, is in the README next to it and asserted by
tests/integration/test_vlan_zones.py.
"""
import os

from scapy.all import IP, TCP, Dot1Q, Ether, Raw, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000.0

# A firewall doing proxy ARP between the segments of 192.168.50.0/24: it
# forwards every frame between VLAN 10, VLAN 20 and the untagged office port.
FW_MAC = "02:00:00:00:00:01"
HMI = {"ip": "192.168.50.11", "mac": "00:0e:8c:00:00:11", "vlan": 10}    # Siemens A&D
PLC_A = {"ip": "192.168.50.10", "mac": "00:1b:1b:00:00:10", "vlan": 10}  # Siemens
PLC_B = {"ip": "192.168.50.20", "mac": "00:1b:1b:00:00:20", "vlan": 20}
PC = {"ip": "192.168.50.100", "mac": "00:15:5d:00:01:00", "vlan": None}  # untagged
PC2 = {"ip": "192.168.50.101", "mac": "00:15:5d:00:01:01", "vlan": None}

MB_REQ = bytes.fromhex("000100000006010300000002")      # read 2 holding registers
MB_RESP = bytes.fromhex("00010000000701030400 0a000b".replace(" ", ""))
HTTP_REQ = b"GET / HTTP/1.1\r\nHost: 192.168.50.101\r\n\r\n"
HTTP_RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def frame(src_mac, dst_mac, vlan, l3):
    eth = Ether(src=src_mac, dst=dst_mac)
    return eth / Dot1Q(vlan=vlan) / l3 if vlan else eth / l3


class Session:
    """One TCP connection from cli to srv.  Direct when both sit on the same
    segment; otherwise each packet is seen twice, as the capture of a trunk
    port shows a forwarded frame: on the sender's segment to the firewall,
    then 20 us later on the receiver's segment from the firewall."""

    def __init__(self, cli, srv, sport, dport, t):
        self.cli, self.srv = cli, srv
        self.sport, self.dport = sport, dport
        self.t = t
        self.seq = {True: 1000, False: 5000}
        self.pkts = []

    def _p(self, to_srv, flags, data=b""):
        a, b = (self.cli, self.srv) if to_srv else (self.srv, self.cli)
        sp, dp = (self.sport, self.dport) if to_srv else (self.dport, self.sport)
        ack = self.seq[not to_srv] if "A" in flags else 0
        l3 = IP(src=a["ip"], dst=b["ip"], ttl=64, id=len(self.pkts)) / TCP(
            sport=sp, dport=dp, flags=flags, seq=self.seq[to_srv], ack=ack, window=8192)
        if data:
            l3 = l3 / Raw(data)
        self.seq[to_srv] += len(data) + (1 if ("S" in flags or "F" in flags) else 0)
        self.t += 0.001
        if a["vlan"] == b["vlan"]:
            f = frame(a["mac"], b["mac"], a["vlan"], l3)
            f.time = self.t
            self.pkts.append(f)
            return
        f = frame(a["mac"], FW_MAC, a["vlan"], l3)
        f.time = self.t
        self.pkts.append(f)
        fwd = l3.copy()
        fwd[IP].ttl = 63
        g = frame(FW_MAC, b["mac"], b["vlan"], fwd)
        g.time = self.t + 0.00002
        self.pkts.append(g)

    def run(self, req, resp):
        self._p(True, "S")
        self._p(False, "SA")
        self._p(True, "A")
        self._p(True, "PA", req)
        self._p(False, "PA", resp)
        self._p(True, "FA")
        self._p(False, "FA")
        self._p(True, "A")
        return self.pkts


def vlan_zones():
    """Five conversations over one /24 (see README.md):
    1. HMI (VLAN 10) -> PLC-A (VLAN 10), Modbus/TCP, direct;
    2. HMI (VLAN 10) -> PLC-B (VLAN 20), Modbus/TCP, through the firewall;
    3. PLC-B (VLAN 20) -> PLC-A (VLAN 10), Modbus/TCP, through the firewall;
    4. PC (untagged) -> PLC-B (VLAN 20), Modbus/TCP, through the firewall;
    5. PC (untagged) -> PC2 (untagged), HTTP, direct."""
    p = []
    p += Session(HMI, PLC_A, 49152, 502, T0).run(MB_REQ, MB_RESP)
    p += Session(HMI, PLC_B, 49153, 502, T0 + 10).run(MB_REQ, MB_RESP)
    p += Session(PLC_B, PLC_A, 49154, 502, T0 + 20).run(MB_REQ, MB_RESP)
    p += Session(PC, PLC_B, 49155, 502, T0 + 30).run(MB_REQ, MB_RESP)
    p += Session(PC, PC2, 49156, 80, T0 + 40).run(HTTP_REQ, HTTP_RESP)
    return p


def main():
    path = os.path.join(HERE, "vlan_zones.pcap")
    pkts = vlan_zones()
    wrpcap(path, pkts)
    print(path, len(pkts), "packets")


if __name__ == "__main__":
    main()
