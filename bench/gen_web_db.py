#!/usr/bin/env python3
"""Writes a pcap for the dashboard benchmark (bench/api.sh): N hosts on one Ethernet segment
(each its own MAC, so each becomes an asset) and M distinct UDP conversations between them
(client port 40000+, server ports from a small set, one packet each way).  Raw bytes, no scapy,
so 100,000 conversations take seconds.  Usage: gen_web_db.py OUT.pcap [HOSTS] [CONVS]"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    out = sys.argv[1]
    hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    convs = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    ports = [161, 123, 514, 5000, 5001, 5002, 6000, 7000, 8000, 9000]
    t0 = 1773100800
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        n = 0
        for i in range(convs):
            c = i % hosts
            k = i // hosts
            s = (c + 1 + k * 7) % hosts
            if s == c:
                s = (s + 1) % hosts
            port = ports[(i // hosts) % len(ports)]
            for direction in (0, 1):
                a, b = (c, s) if direction == 0 else (s, c)
                sport, dport = (40000 + k % 20000, port) if direction == 0 else (port, 40000 + k % 20000)
                ipa = bytes([10, 1 + a // 65536 % 200, a // 256 % 256, a % 256])
                ipb = bytes([10, 1 + b // 65536 % 200, b // 256 % 256, b % 256])
                maca = bytes([2, 0, 0, a >> 16 & 255, a >> 8 & 255, a & 255])
                macb = bytes([2, 0, 0, b >> 16 & 255, b >> 8 & 255, b & 255])
                payload = b"bench" * 4
                udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
                iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0, ipa, ipb)
                iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
                frame = macb + maca + b"\x08\x00" + iph + udp
                ts = t0 + n // 1000
                f.write(struct.pack("<IIII", ts, (n % 1000) * 1000, len(frame), len(frame)))
                f.write(frame)
                n += 1


if __name__ == "__main__":
    main()
