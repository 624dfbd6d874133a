#!/usr/bin/env python3
"""A minimal MELSEC MC protocol / SLMP responder for making test captures.

Python 3 standard library only.  Listens on 127.0.0.1:PORT (TCP) and answers,
in the frame (1E, 3E, 4E) and code (binary, ASCII) the client uses:
  device batch read / batch write (3E/4E 0401/1401, 1E 00-03),
  remote RUN / STOP (3E/4E 1001/1002, 1E 13H/14H),
  read CPU model name (3E/4E 0101: "Q03UDVCPU", model code 0366H - an example
  value, not checked against a real CPU; 1E 15H: F3H = FX3U/FX3UC).
Anything else gets end code C059H (3E/4E) or 56H (1E).  Device memory is all
zero apart from what clients write.  Every answered request is logged on
stderr as "frame code command", which make-captures.sh keeps as the expected
operation list.

Formats: SLMP Reference Manual SH-080956ENG chapter 4 (3E/4E), FX3U-ENET-ADP
User's Manual chapter 7 (1E).  Written for mieruka's tests, not a PLC.

Usage: responder.py PORT [--once]   (--once: exit after the first connection)
"""
import socket
import sys

MODEL_NAME = b"Q03UDVCPU"
MODEL_CODE = 0x0366
E1_MODEL = 0xF3


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Code:
    """Binary little-endian numbers, or ASCII hex digits highest first."""

    def __init__(self, ascii_):
        self.ascii = ascii_

    def units(self, n):
        return 2 * n if self.ascii else n

    def num(self, b, off, n):
        if self.ascii:
            return int(b[off : off + 2 * n].decode(), 16), off + 2 * n
        return int.from_bytes(b[off : off + n], "little"), off + n

    def put(self, v, n):
        if self.ascii:
            return ("%0*X" % (2 * n, v)).encode()
        return v.to_bytes(n, "little")


def is_hex(b):
    try:
        int(b.decode("ascii"), 16)
        return True
    except (UnicodeDecodeError, ValueError):
        return False


# ---------------------------------------------------------------- 3E / 4E
def frame_34e(buf, c):
    """Returns (message length, header length, 4E?) or None when incomplete."""
    sub = buf[:4] if c.ascii else buf[:2]
    four = sub in (b"5400", b"\x54\x00")
    hdr = c.units(13 if four else 9) + (0 if not c.ascii else 0)
    if len(buf) < hdr:
        return None
    length, _ = c.num(buf, hdr - c.units(2), 2)
    if len(buf) < hdr + length:
        return None
    return hdr + length, hdr, four


def answer_34e(msg, hdr, four, c):
    off = c.units(2)  # subheader
    serial = b""
    if four:
        serial = msg[off : off + c.units(4)]  # serial no. + fixed 0000, echoed
        off += c.units(4)
    route = msg[off : off + c.units(5)]  # network, PC, I/O, station: echoed
    off = hdr
    _, off = c.num(msg, off, 2)  # monitoring timer
    cmd, off = c.num(msg, off, 2)
    sub, off = c.num(msg, off, 2)
    end, data = 0, b""
    if cmd == 0x0401:  # batch read
        if c.ascii:
            off += 8 if sub in (0, 1) else 14  # device code + number
        else:
            off += 4 if sub in (0, 1) else 6
        points, off = c.num(msg, off, 2)
        if sub & 1:  # bit units: one point per nibble (binary) / character (ASCII)
            data = b"0" * (points + (points & 1)) if c.ascii else bytes((points + 1) // 2)
        else:
            data = c.put(0, 2) * points
    elif cmd in (0x1401, 0x1001, 0x1002):
        pass
    elif cmd == 0x0101:
        data = MODEL_NAME.ljust(16, b" ") + c.put(MODEL_CODE, 2)
    else:
        end = 0xC059
        data = route + c.put(cmd, 2) + c.put(sub, 2)
    log("%s %s %04X" % ("4E" if four else "3E", "ascii" if c.ascii else "binary", cmd))
    body = c.put(end, 2) + data
    length = c.put(len(body), 2)
    head = (b"D400" if c.ascii else b"\xd4\x00") if four else (b"D000" if c.ascii else b"\xd0\x00")
    return head + serial + route + length + body


# ---------------------------------------------------------------- 1E
def frame_1e(buf, c):
    if len(buf) < c.units(4):
        return None
    cmd, _ = c.num(buf, 0, 1)
    if cmd in (0x00, 0x01):
        n = 12
    elif cmd in (0x02, 0x03):
        if len(buf) < c.units(11):
            return None
        pts, _ = c.num(buf, c.units(10), 1)
        pts = pts or 256
        n = 12 + ((pts + 1) // 2 if cmd == 0x02 else 2 * pts)
    else:
        n = 4
    n = c.units(n)
    return n if len(buf) >= n else None


def answer_1e(msg, c):
    cmd, _ = c.num(msg, 0, 1)
    data = b""
    end = 0
    if cmd in (0x00, 0x01):
        pts, _ = c.num(msg, c.units(10), 1)
        pts = pts or 256
        if cmd == 0x00:
            data = b"0" * (pts + (pts & 1)) if c.ascii else bytes((pts + 1) // 2)
        else:
            data = c.put(0, 2) * pts
    elif cmd in (0x02, 0x03, 0x13, 0x14):
        pass
    elif cmd == 0x15:
        data = c.put(E1_MODEL, 1) + c.put(0, 1)
    else:
        end = 0x56
    log("1E %s %02X" % ("ascii" if c.ascii else "binary", cmd))
    return c.put(cmd | 0x80, 1) + c.put(end, 1) + data


def serve(conn):
    buf = b""
    c = kind = None
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk
        while buf:
            if kind is None:
                if len(buf) < 4:
                    break
                if buf[:2] in (b"\x50\x00", b"\x54\x00"):
                    kind, c = "34e", Code(False)
                elif buf[:4] in (b"5000", b"5400"):
                    kind, c = "34e", Code(True)
                else:
                    kind, c = "1e", Code(is_hex(buf[:4]))
            if kind == "34e":
                f = frame_34e(buf, c)
                if f is None:
                    break
                n, hdr, four = f
                reply = answer_34e(buf[:n], hdr, four, c)
            else:
                n = frame_1e(buf, c)
                if n is None:
                    break
                reply = answer_1e(buf[:n], c)
            buf = buf[n:]
            conn.sendall(reply)


def main():
    port = int(sys.argv[1])
    once = "--once" in sys.argv
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            try:
                serve(conn)
            except (ConnectionError, ValueError) as e:
                log("connection ended: %s" % e)
        if once:
            return


if __name__ == "__main__":
    main()
