#!/usr/bin/env python3
"""The dashboard over HTTPS and its sessions, end to end (`mieruka serve --tls-cert --tls-key`,
src/web/server.c, src/web/tls.c; docs/API.md "Authentication").

1. A self-signed certificate made with `openssl req -x509` for 127.0.0.1 and localhost; `serve`
   on 0.0.0.0 (ephemeral port) with it over a database analysed from a real Modbus capture.
   Python's ssl module trusting only that certificate: health over HTTPS with the security
   headers and `Strict-Transport-Security: max-age=31536000`; the same port refuses a client that
   does not trust the certificate; plain HTTP to the port gets no HTTP answer (and the server
   still serves HTTPS after it); setup and login set `mieruka_session` with exactly
   Path=/, HttpOnly, SameSite=Strict, Max-Age=43200 and Secure.
2. Sessions: logout ends the session on the server (the replayed cookie gets 401); a password
   change ends the user's other sessions (401) but keeps the one that made it and those of other
   users; the old password no longer logs in, the new one does; a wrong current password changes
   nothing.
3. Without TLS (false alarm check): no HSTS, no Secure; with MIERUKA_SESSION_TTL_S=2 a session
   works, then expires (401) after the 2 s; a bad MIERUKA_SESSION_TTL_S is ignored with a warning.
4. Bad pairs stop `serve` with exit 2 and a message naming the file: missing cert, missing key,
   a directory, an empty file, a key given as the certificate, a certificate given as the key,
   a key of another certificate (names both files), --tls-cert alone. An expired certificate
   starts with a warning naming it.
Exit 0 pass, 1 fail, 77 skip (no openssl).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

FAILS = []
PW = "工場の見える化 2026"
PW2 = "new password 0123"
COOKIE_RE = re.compile(r"mieruka_session=([0-9a-f]{64})")


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)
    return cond


def openssl(*a, cwd):
    r = subprocess.run(["openssl", *a], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(a)}: {r.stderr}")


def make_certs(d):
    """cert.pem/key.pem for 127.0.0.1 + localhost, other.pem/otherkey.pem, expired.pem (key.pem)."""
    for name, key, cn, san in (("cert.pem", "key.pem", "localhost", "DNS:localhost,IP:127.0.0.1"),
                               ("other.pem", "otherkey.pem", "other", "DNS:other.invalid")):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", name,
                "-days", "2", "-subj", "/CN=" + cn, "-addext", "subjectAltName=" + san, cwd=d)
    # expired: `openssl ca` is the only 3.0 command that takes explicit dates
    ca = os.path.join(d, "ca")
    os.mkdir(ca)
    with open(os.path.join(ca, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n"
                "default_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n")
    open(os.path.join(ca, "index.txt"), "w").close()
    with open(os.path.join(ca, "serial"), "w") as f:
        f.write("01\n")
    openssl("req", "-new", "-key", "../key.pem", "-subj", "/CN=localhost", "-out", "r.csr", cwd=ca)
    openssl("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "../key.pem", "-in", "r.csr",
            "-out", "../expired.pem", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
            "-notext", cwd=ca)


class Server:
    def __init__(self, mieruka, db, listen, extra=(), env=None, cafile=None):
        self.p = subprocess.Popen([mieruka, "serve", "--db", db, "--listen", listen, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ, LANG="C", **(env or {})))
        line = self.p.stdout.readline()
        m = re.search(r"(https?)://([0-9.]+):(\d+)/", line)
        if not m:
            self.p.kill()
            raise RuntimeError(f"serve did not start: {line!r} {self.p.stderr.read()}")
        self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
        self.ctx = ssl.create_default_context(cafile=cafile) if cafile else None
        self.err = ""

    def conn(self):
        if self.ctx is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=30, context=self.ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def req(self, method, path, body=None, headers=None):
        c = self.conn()
        if isinstance(body, str):
            body = body.encode("utf-8")
        c.request(method, path, body=body, headers=dict(headers or {}))
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -1
        self.err = self.p.stderr.read()
        check(rc == 0, f"serve exit {rc} after SIGTERM: {self.err[-500:]}")
        check("ERROR: AddressSanitizer" not in self.err and "runtime error" not in self.err,
              f"sanitizer: {self.err[-2000:]}")


def error_code(data):
    try:
        return json.loads(data)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def cookie_attrs(h):
    """('token', {attr lower: value}) of the Set-Cookie header, or (None, {})."""
    sc = h.get("set-cookie", "")
    m = COOKIE_RE.match(sc)
    if not m:
        return None, {}
    attrs = {}
    for part in sc.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        attrs[k.lower()] = v
    return m.group(1), attrs


SECURE_ATTRS = {"path": "/", "httponly": "", "samesite": "Strict", "max-age": "43200", "secure": ""}


def session(token):
    return {"Cookie": "mieruka_session=" + token}


def login(s, user, pw, what):
    st, h, data = s.req("POST", "/api/v1/session", json.dumps({"user": user, "password": pw}))
    tok, attrs = cookie_attrs(h)
    check(st == 200 and tok is not None, f"{what}: login {st} {data[:200]!r}")
    me = json.loads(data) if st == 200 else {}
    return tok, attrs, {"X-CSRF-Token": me.get("csrf") or ""}


def works(s, tok):
    """True when the session cookie is accepted (GET /api/v1/assets 200), False on 401."""
    st, _, data = s.req("GET", "/api/v1/assets?limit=1", headers=session(tok))
    if st == 401 and error_code(data) == "login_required":
        return False
    check(st == 200, f"assets with a session: unexpected {st} {data[:200]!r}")
    return st == 200


def tls_tests(s, cert):
    st, h, data = s.req("GET", "/api/v1/health")
    check(st == 200 and json.loads(data) == {"status": "ok"}, f"health over HTTPS: {st} {data!r}")
    check(h.get("strict-transport-security") == "max-age=31536000", f"HSTS: {h.get('strict-transport-security')}")
    check(h.get("x-content-type-options") == "nosniff" and h.get("x-frame-options") == "DENY"
          and "default-src 'self'" in h.get("content-security-policy", ""), "security headers over HTTPS")
    st, h, _ = s.req("GET", "/login")
    check(st == 200 and h.get("strict-transport-security") == "max-age=31536000", f"HSTS on a page: {st}")
    # TLS is real: a client that does not trust the certificate refuses it
    c = http.client.HTTPSConnection(s.host, s.port, timeout=10, context=ssl.create_default_context())
    try:
        c.request("GET", "/api/v1/health")
        c.getresponse().read()
        check(False, "a client without the certificate connected")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        c.close()
    # the certificate's name: localhost in it too (SAN), checked by the ssl module
    ctx = ssl.create_default_context(cafile=cert)
    with ctx.wrap_socket(__import__("socket").create_connection((s.host, s.port), timeout=10),
                         server_hostname="localhost") as t:
        check(t.version() in ("TLSv1.2", "TLSv1.3"), f"TLS version {t.version()}")
        t.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        got = b""
        while chunk := t.recv(4096):
            got += chunk
        check(got.startswith(b"HTTP/1.1 200") and got.endswith(b'{"status":"ok"}'), f"health for localhost: {got[:60]!r}")
    # plain HTTP to the HTTPS port: no HTTP answer
    c = http.client.HTTPConnection(s.host, s.port, timeout=10)
    try:
        c.request("GET", "/api/v1/health")
        r = c.getresponse()
        check(False, f"plain HTTP to the TLS port answered {r.status}")
    except (http.client.HTTPException, ConnectionError, OSError):
        pass
    finally:
        c.close()
    st, _, _ = s.req("GET", "/api/v1/health")
    check(st == 200, f"HTTPS still served after the plain HTTP attempt: {st}")

    # setup: the cookie
    st, h, data = s.req("POST", "/api/v1/setup", json.dumps({"user": "admin", "password": PW}))
    tok0, attrs = cookie_attrs(h)
    check(st == 201 and tok0 is not None and attrs == SECURE_ATTRS, f"setup cookie: {st} {h.get('set-cookie')}")
    csrf0 = {"X-CSRF-Token": json.loads(data).get("csrf") or ""} if st == 201 else {}
    # login: the cookie
    tok_a, attrs, csrf_a = login(s, "admin", PW, "session A")
    check(attrs == SECURE_ATTRS, f"login cookie attributes: {attrs}")
    tok_b, _, csrf_b = login(s, "admin", PW, "session B")
    check(len({tok0, tok_a, tok_b}) == 3, "every login a new token")
    check(works(s, tok0) and works(s, tok_a) and works(s, tok_b), "three admin sessions work")

    # a viewer with a session of their own
    st, _, data = s.req("POST", "/api/v1/users", json.dumps({"user": "view", "password": PW, "role": "viewer"}),
                        dict(session(tok_a), **csrf_a))
    check(st == 201, f"viewer added: {st} {data[:200]!r}")
    tok_v, attrs, _ = login(s, "view", PW, "viewer")
    check(attrs == SECURE_ATTRS and works(s, tok_v), "viewer session")

    # logout ends the session on the server: the same cookie again gets 401
    st, h, _ = s.req("DELETE", "/api/v1/session", headers=dict(session(tok_b), **csrf_b))
    sc = h.get("set-cookie", "")
    check(st == 204 and sc.startswith("mieruka_session=;") and "Max-Age=0" in sc and "Secure" in sc,
          f"logout: {st} {sc}")
    check(not works(s, tok_b), "replayed cookie after logout refused (401)")
    st, _, data = s.req("GET", "/api/v1/me", headers=session(tok_b))
    check(st == 200 and json.loads(data)["user"] is None, f"me after logout: {data[:120]!r}")
    st, _, data = s.req("DELETE", "/api/v1/session", headers=dict(session(tok_b), **csrf_b))
    check(st == 401, f"logout with the ended session: {st}")

    # a wrong current password changes nothing
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": "not the password", "password": PW2}),
                        dict(session(tok_a), **csrf_a))
    check(st == 403 and error_code(data) == "bad_current_password", f"wrong current password: {st}")
    check(works(s, tok0) and works(s, tok_a) and works(s, tok_v), "sessions kept after a refused change")
    # the change from session A ends setup's session, keeps A and the viewer's
    st, _, data = s.req("POST", "/api/v1/password", json.dumps({"current": PW, "password": PW2}),
                        dict(session(tok_a), **csrf_a))
    check(st == 204, f"password changed: {st} {data[:200]!r}")
    check(not works(s, tok0), "the user's other session ended by the password change")
    check(works(s, tok_a), "the session that changed the password stays")
    check(works(s, tok_v), "another user's session stays")
    st, _, data = s.req("POST", "/api/v1/session", json.dumps({"user": "admin", "password": PW}))
    check(st == 401 and error_code(data) == "bad_credentials", f"old password refused: {st}")
    tok_c, _, _ = login(s, "admin", PW2, "new password")
    check(tok_c is not None and works(s, tok_c), "new password logs in")
    # the viewer changes theirs: the admin's sessions are not touched
    st, _, data = s.req("GET", "/api/v1/me", headers=session(tok_v))
    csrf_v = {"X-CSRF-Token": json.loads(data).get("csrf") or ""}
    tok_v2, _, _ = login(s, "view", PW, "viewer 2")
    st, _, _ = s.req("POST", "/api/v1/password", json.dumps({"current": PW, "password": PW2}),
                     dict(session(tok_v), **csrf_v))
    check(st == 204, f"viewer password changed: {st}")
    check(works(s, tok_v) and not works(s, tok_v2), "viewer: own other session ended, this one kept")
    check(works(s, tok_a) and works(s, tok_c), "admin sessions untouched by the viewer's change")


def plain_tests(mieruka, db):
    """0.0.0.0 without TLS: no HSTS, no Secure; a 2 s session expires."""
    s = Server(mieruka, db, "0.0.0.0:0", env={"MIERUKA_SESSION_TTL_S": "2"})
    try:
        check(s.scheme == "http", f"plain scheme {s.scheme}")
        st, h, _ = s.req("GET", "/api/v1/health")
        check(st == 200 and "strict-transport-security" not in h, f"no HSTS over HTTP: {h.get('strict-transport-security')}")
        # the database already has the admin of the TLS run
        tok, attrs, _ = login(s, "admin", PW2, "plain")
        check(attrs == {"path": "/", "httponly": "", "samesite": "Strict", "max-age": "2"},
              f"plain cookie: no Secure, Max-Age 2: {attrs}")
        check(tok is not None and works(s, tok), "short session works at first")
        time.sleep(3)
        check(tok is not None and not works(s, tok), "session expired after its lifetime (401)")
    finally:
        s.stop()
    s = Server(mieruka, db, "0.0.0.0:0", env={"MIERUKA_SESSION_TTL_S": "999999"})
    try:
        _, attrs, _ = login(s, "admin", PW2, "bad TTL")
        check(attrs.get("max-age") == "43200", f"bad MIERUKA_SESSION_TTL_S ignored: {attrs}")
    finally:
        s.stop()
    check("MIERUKA_SESSION_TTL_S=999999" in s.err and "ignored" in s.err, f"warning for the bad TTL: {s.err[-300:]!r}")


def bad_pair_tests(mieruka, db, d):
    j = lambda n: os.path.join(d, n)
    os.mkdir(j("adir"))
    open(j("empty.pem"), "w").close()
    cases = [
        (["--tls-cert", j("nope.pem"), "--tls-key", j("key.pem")], [j("nope.pem") + ": No such file"]),
        (["--tls-cert", j("cert.pem"), "--tls-key", j("nokey.pem")], [j("nokey.pem") + ": No such file"]),
        (["--tls-cert", j("adir"), "--tls-key", j("key.pem")], [j("adir") + ": not a regular file"]),
        (["--tls-cert", j("cert.pem"), "--tls-key", j("empty.pem")], [j("empty.pem") + ": the file is empty"]),
        (["--tls-cert", j("key.pem"), "--tls-key", j("cert.pem")], [j("key.pem") + ": not a PEM certificate"]),
        (["--tls-cert", j("cert.pem"), "--tls-key", j("cert.pem")], [j("cert.pem") + ": not a PEM private key"]),
        (["--tls-cert", db, "--tls-key", j("key.pem")], [db + ": not a PEM certificate"]),
        (["--tls-cert", j("cert.pem"), "--tls-key", j("otherkey.pem")],
         [j("otherkey.pem") + ": this private key does not belong to the certificate: " + j("cert.pem")]),
        (["--tls-cert", j("other.pem"), "--tls-key", j("key.pem")],
         [j("key.pem") + ": this private key does not belong to the certificate: " + j("other.pem")]),
        (["--tls-cert", j("cert.pem")], ["--tls-cert and --tls-key go together"]),
    ]
    for extra, wants in cases:
        try:
            r = subprocess.run([mieruka, "serve", "--db", db, "--listen", "0.0.0.0:0", *extra],
                               capture_output=True, text=True, timeout=30, env=dict(os.environ, LANG="C"))
        except subprocess.TimeoutExpired:
            check(False, f"serve {extra}: started instead of refusing")
            continue
        check(r.returncode == 2, f"serve {extra}: exit {r.returncode}, wanted 2")
        for w in wants:
            check(w in r.stderr, f"serve {extra}: message {w!r} not in {r.stderr!r}")
        check("cannot listen" not in r.stderr and r.stdout == "", f"serve {extra}: no start: {r.stdout!r}")
    # expired: starts, warns, naming the file and the date
    s = Server(mieruka, db, "127.0.0.1:0", ["--tls-cert", j("expired.pem"), "--tls-key", j("key.pem")])
    s.stop()
    check(j("expired.pem") + ": the certificate has expired" in s.err and "2020-01-02T00:00:00" in s.err,
          f"expired warning: {s.err!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mieruka", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--src", required=True)
    args = ap.parse_args()
    if shutil.which("openssl") is None:
        print("SKIP: openssl is not installed (scripts/deps.sh test)")
        return 77
    real = os.path.join(args.shared, "captures", "modbus", "modbus_example.pcap")
    if not os.path.exists(real):
        print("SKIP: no capture", real)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        make_certs(tmp)
        db = os.path.join(tmp, "t.db")
        r = subprocess.run([args.mieruka, "analyze", "--quiet", "--db", db, real], capture_output=True, text=True)
        if not check(r.returncode == 0, f"analyze: {r.stderr}"):
            return 1
        cert = os.path.join(tmp, "cert.pem")
        s = Server(args.mieruka, db, "0.0.0.0:0", ["--tls-cert", cert, "--tls-key", os.path.join(tmp, "key.pem")],
                   cafile=cert)
        try:
            check(s.scheme == "https" and s.host == "127.0.0.1", f"serve prints {s.scheme}://{s.host}")
            tls_tests(s, cert)
        finally:
            s.stop()
        plain_tests(args.mieruka, db)
        bad_pair_tests(args.mieruka, db, tmp)
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
