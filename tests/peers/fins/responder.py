#!/usr/bin/env python3
"""A minimal Omron FINS responder (a stand-in CJ2M CPU unit) for making test
captures: FINS over UDP and FINS/TCP on 127.0.0.1, Python 3 standard library only.

Answers, after the W342 FINS Commands Reference Manual: 0101 memory area read
(zeros; end code 1103 "address range exceeded" for DM 30000 and above), 0102
write, 0103 fill, 0104 multiple read, 0105 transfer, 0401 RUN, 0402 STOP, 0501
controller data read (model "CJ2M-CPU31", version "02.01"), 0601 controller
status read, 0701 clock read, 0702 clock write; anything else gets end code
0401 "not supported".  FINS/TCP (W421): answers the node address data send
(command 0) with command 1 (client node 0x0a, server node 0x01), then carries
frames in command 2.  Every request is logged to stderr as "proto code".

Usage: responder.py PORT   (prints "ready" when listening; stop it with a signal)
"""
import socket
import struct
import sys
import threading

MODEL = b"CJ2M-CPU31".ljust(20, b" ")
VERSION = b"02.01".ljust(20, b" ")
CLIENT_NODE, SERVER_NODE = 0x0A, 0x01


def log(proto, code):
    sys.stderr.write("%s %04x\n" % (proto, code))
    sys.stderr.flush()


def answer(frame, proto):
    """Returns the response frame for one command frame, or None."""
    if len(frame) < 12 or frame[0] & 0x40:
        return None
    icf, rsv, gct, dna, da1, da2, sna, sa1, sa2, sid = frame[:10]
    code = struct.unpack("!H", frame[10:12])[0]
    data = frame[12:]
    log(proto, code)
    end, out = 0x0000, b""
    if code == 0x0101 and len(data) >= 6:
        area, addr, bit, count = struct.unpack("!BHBH", data[:6])
        if area == 0x82 and addr >= 30000:
            end = 0x1103
        else:
            out = b"\0" * (count if area in (0x30, 0x31, 0x32, 0x33, 0x02) else 2 * count)
    elif code == 0x0104:
        for i in range(0, len(data) - 3, 4):
            area = data[i]
            out += bytes([area]) + (b"\0" if area < 0x80 else b"\0\0")
    elif code == 0x0501:
        out = MODEL + VERSION + b"\0" * 40 + bytes(12) + bytes(64) + b"\0\0"
    elif code == 0x0601:
        out = bytes([0x01, 0x04]) + bytes(24)
    elif code == 0x0701:
        out = bytes([0x26, 0x12, 0x02, 0x10, 0x30, 0x00, 0x03])
    elif code in (0x0102, 0x0103, 0x0105, 0x0401, 0x0402, 0x0702):
        pass
    else:
        end = 0x0401
    head = bytes([0xC0 | (icf & 0x80), 0, 0x02, sna, sa1, sa2, dna, da1, da2, sid])
    return head + struct.pack("!HH", code, end) + out


def serve_udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        frame, peer = s.recvfrom(4096)
        resp = answer(frame, "udp")
        if resp is not None:
            s.sendto(resp, peer)


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_tcp_client(c):
    with c:
        while True:
            head = recv_exact(c, 8)
            if head is None or head[:4] != b"FINS":
                return
            length = struct.unpack("!I", head[4:8])[0]
            body = recv_exact(c, length)
            if body is None or length < 8:
                return
            cmd = struct.unpack("!I", body[:4])[0]
            if cmd == 0:
                reply = struct.pack("!IIII", 1, 0, CLIENT_NODE, SERVER_NODE)
            elif cmd == 2:
                resp = answer(body[8:], "tcp")
                if resp is None:
                    continue
                reply = struct.pack("!II", 2, 0) + resp
            else:
                continue
            c.sendall(b"FINS" + struct.pack("!I", len(reply)) + reply)


def serve_tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_tcp_client, args=(c,), daemon=True).start()


def main():
    port = int(sys.argv[1])
    threading.Thread(target=serve_udp, args=(port,), daemon=True).start()
    threading.Thread(target=serve_tcp, args=(port,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
