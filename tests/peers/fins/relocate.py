#!/usr/bin/env python3
"""Moves a loopback capture onto a plant-like LAN, because mieruka keeps no
assets for loopback addresses: 127.0.0.1 on the server port becomes the PLC
(IP and MAC given), the other side the client.  TCP and UDP over IPv4; the IPv4,
TCP and UDP checksums are recomputed.  Python 3 standard library only.

Usage: relocate.py IN.pcap OUT.pcap SERVER_PORT PLC_IP CLIENT_IP
(MACs are 02:00:00:00:00:<last octet of the IP in hex>)
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def host(ip):
    a = socket.inet_aton(ip)
    return a, bytes([2, 0, 0, 0, 0, a[3]])


def relocate(frame, port, plc, client):
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return frame
    ip = bytearray(frame[14:])
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    proto = ip[9]
    if proto not in (6, 17) or len(ip) < tot:
        return frame
    sport = struct.unpack("!H", ip[ihl : ihl + 2])[0]
    src, dst = (plc, client) if sport == port else (client, plc)
    ip[12:16], ip[16:20] = src[0], dst[0]
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip[:ihl])))
    seg = bytearray(ip[ihl:tot])
    at = 16 if proto == 6 else 6
    seg[at : at + 2] = b"\0\0"
    pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, proto, len(seg))
    c = csum(pseudo + bytes(seg))
    seg[at : at + 2] = struct.pack("!H", c if (c or proto == 6) else 0xFFFF)
    ip[ihl:tot] = seg
    return dst[1] + src[1] + frame[12:14] + bytes(ip)


def main():
    src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    plc, client = host(sys.argv[4]), host(sys.argv[5])
    with open(src, "rb") as f:
        data = f.read()
    if struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", data[20:24])[0] != 1:
        sys.exit("relocate.py: expects a little-endian Ethernet pcap")
    out = bytearray(data[:24])
    off = 24
    while off + 16 <= len(data):
        ts, tu, cl, wl = struct.unpack("<IIII", data[off : off + 16])
        frame = relocate(data[off + 16 : off + 16 + cl], port, plc, client)
        out += struct.pack("<IIII", ts, tu, len(frame), len(frame) + (wl - cl)) + frame
        off += 16 + cl
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
