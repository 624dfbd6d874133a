#!/usr/bin/env python3
"""hostile_pcap.py OUT.pcap - a capture whose device names are HTML/script
injections: a DHCP host name and an LLDP system name. The browser test proves
the dashboard shows them as text and runs nothing."""
import sys

from scapy.all import (BOOTP, DHCP, IP, UDP, Ether, wrpcap)
from scapy.contrib.lldp import (LLDPDU, LLDPDUChassisID, LLDPDUEndOfLLDPDU, LLDPDUPortID,
                                LLDPDUSystemName, LLDPDUTimeToLive)

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"


def main():
    mac1 = "02:00:5e:10:00:01"
    mac2 = "02:00:5e:10:00:02"
    pkts = []
    # DHCP REQUEST with option 12 (host name) and a requested address
    for i, (mac, name, ip) in enumerate([(mac1, IMG, "192.168.77.10"), (mac2, SCRIPT, "192.168.77.11")]):
        chaddr = bytes.fromhex(mac.replace(":", "")) + b"\0" * 10
        p = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=68, dport=67) / BOOTP(chaddr=chaddr, xid=0x1000 + i) /
             DHCP(options=[("message-type", "request"), ("requested_addr", ip), ("hostname", name.encode()), "end"]))
        p.time = 1700000000 + i
        pkts.append(p)
        # the device then talks with its address so it is an IP asset too
        q = Ether(src=mac, dst="02:00:5e:10:00:fe") / IP(src=ip, dst="192.168.77.1") / UDP(sport=40000, dport=53) / b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
        q.time = 1700000002 + i
        pkts.append(q)
    # LLDP from a switch whose system name is hostile too
    for i, (name, mac) in enumerate([(SCRIPT, "02:00:5e:10:00:03"), (IMG, "02:00:5e:10:00:04")]):
        lp = (Ether(src=mac, dst="01:80:c2:00:00:0e", type=0x88cc) /
              LLDPDUChassisID(subtype=4, id=mac) / LLDPDUPortID(subtype=5, id=b"ge-0/0/1") /
              LLDPDUTimeToLive(ttl=120) / LLDPDUSystemName(system_name=name.encode()) / LLDPDUEndOfLLDPDU())
        lp.time = 1700000010 + i
        pkts.append(lp)
    wrpcap(sys.argv[1], pkts)


if __name__ == "__main__":
    main()
