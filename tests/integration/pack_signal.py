#!/usr/bin/env python3
"""SIGINT (Ctrl-C) or SIGTERM (a service stop) while kpi pack or kpi render
writes a pack: the temporary directory beside the target
(.NAME.kpi-tmp-PID) is removed, the previous pack is left as it was, and
the process ends by the signal (tools/signals.c, kpi_pack_abort()).

    pack_signal.py KPI_BINARY   (the database kpi_it_signal: it_pg.py)"""
import os
import signal
import subprocess
import sys
import time

from it_pg import check, run_test

KPI = sys.argv[1]
DB = "kpi_it_signal"
ENV = dict(os.environ, KPI_NOW="2026-11-17T06:00:00Z")


def temps(parent):
    return [n for n in os.listdir(parent) if ".kpi-tmp-" in n or ".kpi-old-" in n]


def stopped(argv, parent, sig):
    """Run kpi, send `sig` once its temporary pack directory exists; return
    (returncode, stderr, whether the directory was seen)."""
    p = subprocess.Popen([KPI] + argv, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    seen = False
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        if os.path.isdir(parent) and any(".kpi-tmp-%d" % p.pid in n for n in os.listdir(parent)):
            seen = True
            time.sleep(0.05)  # some of the pack written
            p.send_signal(sig)
            break
        time.sleep(0.002)
    _, err = p.communicate(timeout=120)
    return p.returncode, err.decode(), seen


def manifest(d):
    with open(os.path.join(d, "manifest.json"), "rb") as f:
        return f.read()


def test(conn, tmp):
    reports = tmp + "/reports"
    pack = reports + "/2026-W46"
    # Ctrl-C during a first pack: nothing of it is left
    rc, err, seen = stopped(["pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], reports,
                            signal.SIGINT)
    check(seen, "kpi pack: its temporary directory never appeared")
    check(rc == -signal.SIGINT, "kpi pack: ended by SIGINT (%r): %s" % (rc, err[-300:]))
    check(temps(reports) == [], "kpi pack: left after SIGINT: %r" % temps(reports))
    check(not os.path.exists(pack), "kpi pack: a pack after SIGINT")
    # a whole pack, then SIGTERM during its replacement: the pack stays
    subprocess.run([KPI, "pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], env=ENV,
                   check=True, capture_output=True)
    before = manifest(pack)
    rc, err, seen = stopped(["pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], reports,
                            signal.SIGTERM)
    check(seen and rc == -signal.SIGTERM, "kpi pack: ended by SIGTERM (%r, seen %r): %s" % (rc, seen, err[-300:]))
    check(temps(reports) == [], "kpi pack: left after SIGTERM: %r" % temps(reports))
    check(manifest(pack) == before, "kpi pack: the previous pack changed after SIGTERM")
    # kpi render, the same
    out = tmp + "/render/2026-W46"
    rc, err, seen = stopped(["render", "--snapshot", pack + "/snapshot.json", "--out", out], tmp + "/render",
                            signal.SIGINT)
    check(seen and rc == -signal.SIGINT, "kpi render: ended by SIGINT (%r, seen %r): %s" % (rc, seen, err[-300:]))
    check(temps(tmp + "/render") == [], "kpi render: left after SIGINT: %r" % temps(tmp + "/render"))


if __name__ == "__main__":
    sys.exit(run_test("pack_signal", KPI, DB, test))
