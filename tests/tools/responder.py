#!/usr/bin/env python3
"""A small HTTP responder for the tests: records every request and answers
from a script, so tests can play a PagerDuty/Slack/webhook receiver, or a
CloudWatch endpoint that throttles, fails, hangs or truncates its body.

    responder.py --script S.json --log L.jsonl --port-file P

Listens on 127.0.0.1 (a free port, written to P once it accepts
connections). Every request is appended to L as one JSON line
{"n", "t", "method", "path", "headers": {lower-case name: value}, "body"}
(body as text, undecodable bytes replaced), flushed before the answer is
sent. The script is re-read whenever its file changes (replace it
atomically: write a temp file and rename), so a test can switch behaviour
between runs of the program under test.

Script: {"rules": [RULE, ...], "default": RESPONSE}. The first rule whose
"match" fits the request answers with the next of its "responses"; the last
one repeats once the others are used up. match keys (all optional, all must
fit): "method", "path" (exact), "path_prefix", "header" ({"name": "substring"}),
"body" (substring). RESPONSE keys: "status" (default 200), "headers" ({}),
"body" (text) or "body_file" (path), "delay" (seconds before answering),
"hang" (true: never answer; the connection stays open until the client
gives up), "truncate" (true: announce the full Content-Length, send half the
body, close), "close" (true: close without any answer), "repeat" (N: the
body N times over, streamed without holding it whole: a 200 MB answer from
a 1 KB file), "chunked" (true: Transfer-Encoding chunked, no
Content-Length, so the client cannot know the size before it reads),
"proxy" (a base
URL: forward the request there, method, path, headers and body unchanged,
and answer with what it answers; to put recorded answers in front of a
real peer such as moto_server), "echo" (true: the body is the request
echoed back as a hostile or careless receiver's error page would: "Cannot
METHOD PATH", every header "name: value" and the body, each on a line of
its own; give "status", e.g. 404; with "echo_wrap", a text holding
%ECHO%, the echo on one line in its place: an AWS XML error whose Message
quotes the request).
Without a script file every request gets 200 "ok".
"""
import argparse
import json
import os
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"mtime": None, "script": {}, "used": {}, "n": 0}


def load_script(path):
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return {}
    if mtime != state["mtime"]:
        with open(path, encoding="utf-8") as f:
            state["script"] = json.load(f)
        state["mtime"] = mtime
        state["used"] = {}
    return state["script"]


def fits(match, method, path, headers, body):
    if "method" in match and match["method"] != method:
        return False
    if "path" in match and match["path"] != path:
        return False
    if "path_prefix" in match and not path.startswith(match["path_prefix"]):
        return False
    for name, sub in match.get("header", {}).items():
        if sub not in headers.get(name.lower(), ""):
            return False
    if "body" in match and match["body"] not in body:
        return False
    return True


def choose(script, method, path, headers, body):
    for i, rule in enumerate(script.get("rules", [])):
        if fits(rule.get("match", {}), method, path, headers, body):
            responses = rule.get("responses") or [{}]
            k = state["used"].get(i, 0)
            state["used"][i] = k + 1
            return responses[min(k, len(responses) - 1)]
    return script.get("default", {})


HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "host", "date", "server"}


def forward(base, method, path, headers, raw):
    """(status, headers, body) of the same request sent to `base`."""
    fwd = {k: v for k, v in headers.items() if k not in HOP_BY_HOP and k != "expect"}
    req = urllib.request.Request(base.rstrip("/") + path, data=raw if raw else None, method=method,
                                 headers=fwd)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, hdrs, out = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, out = e.code, e.headers, e.read()
    return status, {k: v for k, v in hdrs.items() if k.lower() not in HOP_BY_HOP}, out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSONL log is the record
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        with lock:
            script = load_script(self.server.script_path)
            resp = choose(script, self.command, self.path, headers, body)
            state["n"] += 1
            rec = {"n": state["n"], "t": time.time(), "method": self.command,
                   "path": self.path, "headers": headers, "body": body}
            with open(self.server.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
                os.fsync(f.fileno())
        if resp.get("delay"):
            time.sleep(float(resp["delay"]))
        if resp.get("hang"):
            time.sleep(3600)
            return
        if resp.get("close"):
            self.close_connection = True
            return
        if "proxy" in resp:
            status, extra, out = forward(resp["proxy"], self.command, self.path, headers, raw)
            resp = dict(resp, status=status, headers=dict(extra, **resp.get("headers", {})))
        elif resp.get("echo"):
            lines = ["Cannot %s %s" % (self.command, self.path)]
            lines += ["%s: %s" % (k, v) for k, v in headers.items()]
            text = "\n".join(lines) + "\n\n" + body
            if "echo_wrap" in resp:
                text = resp["echo_wrap"].replace("%ECHO%", " | ".join(text.splitlines()))
            out = text.encode("utf-8")
        elif "body_file" in resp:
            with open(resp["body_file"], "rb") as f:
                out = f.read()
        else:
            out = str(resp.get("body", "ok")).encode("utf-8")
        self.send_response(int(resp.get("status", 200)))
        for k, v in resp.get("headers", {}).items():
            self.send_header(k, v)
        if resp.get("repeat") or resp.get("chunked"):
            self.stream(out, int(resp.get("repeat", 1)), bool(resp.get("chunked")))
            return
        self.send_header("Content-Length", str(len(out)))
        if resp.get("truncate"):
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(out[: len(out) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.end_headers()
        self.wfile.write(out)

    def stream(self, out, repeat, chunked):
        """The body `repeat` times, in blocks of about 1 MiB; a client that
        stops reading (a size cap) ends it quietly."""
        per = max(1, (1 << 20) // max(1, len(out)))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(out) * repeat))
        self.end_headers()
        try:
            left = repeat
            while left > 0:
                block = out * min(per, left)
                left -= min(per, left)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.script_path, srv.log_path = a.script, a.log
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
