#!/usr/bin/python3
"""An SMTP server for the tests (Debian's python3-aiosmtpd): every message
it accepts is written to OUT/NNNN.eml (atomically: temp file + rename).

    smtp_sink.py --port P --out DIR [--tls-cert C --tls-key K] [--auth USER:PASSWORD]
                 [--reply "451 4.3.0 try later"] [--pid-file F]

With --tls-cert/--tls-key the server offers STARTTLS and requires it before
MAIL; with --auth it requires AUTH (PLAIN or LOGIN, after STARTTLS) with
that user and password. --reply answers every DATA with that line instead
of accepting the message (a 4xx or 5xx for the failure tests); the message
is not written. Runs until SIGTERM.

    smtp_sink.py --parse FILE

prints what Python's email package reads in a received message as JSON:
{"headers": {name: value}, "content_type", "parts": [{"content_type",
"filename", "disposition", "sha256", "size"}], "text", "html",
"alternative": [content types of the multipart/alternative]} (leaf parts
in order; text and html decoded).
"""
import argparse
import hashlib
import json
import os
import signal
import ssl
import sys
import threading


def parse(path):
    from email import policy
    from email.parser import BytesParser
    with open(path, "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)
    out = {"headers": {k: str(v) for k, v in msg.items()}, "content_type": msg.get_content_type(),
           "parts": [], "text": None, "html": None, "alternative": [], "defects": [str(d) for d in msg.defects]}
    for part in msg.walk():
        if part.get_content_type() == "multipart/alternative":
            out["alternative"] = [p.get_content_type() for p in part.iter_parts()]
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        out["parts"].append({"content_type": part.get_content_type(), "filename": part.get_filename(),
                             "disposition": part.get_content_disposition(),
                             "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        if part.get_content_type() == "text/plain" and out["text"] is None:
            out["text"] = part.get_content()
        if part.get_content_type() == "text/html" and out["html"] is None:
            out["html"] = part.get_content()
        out["defects"] += [str(d) for d in part.defects]
    json.dump(out, sys.stdout)
    return 0


def serve(a):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    os.makedirs(a.out, exist_ok=True)
    count = {"n": 0}

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if a.reply:
                return a.reply
            count["n"] += 1
            path = os.path.join(a.out, "%04d.eml" % count["n"])
            with open(path + ".tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(path + ".tmp", path)
            return "250 OK"

    kw = {}
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kw.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        kw.update(authenticator=check, auth_required=True, auth_require_tls=bool(a.tls_cert))
    ctl = Controller(Handler(), hostname="127.0.0.1", port=a.port, **kw)
    ctl.start()
    if a.pid_file:
        with open(a.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pid_file + ".tmp", a.pid_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    ctl.stop()
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--parse")
    p.add_argument("--port", type=int)
    p.add_argument("--out")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--auth")
    p.add_argument("--reply")
    p.add_argument("--pid-file")
    a = p.parse_args()
    if a.parse:
        return parse(a.parse)
    return serve(a)


if __name__ == "__main__":
    sys.exit(main())
