#!/usr/bin/env python3
"""SIGINT (Ctrl-C) or SIGTERM (a service stop) while kpi pack or kpi render
writes a pack: the temporary directory beside the target
(.NAME.kpi-tmp-PID) is removed, the previous pack is left as it was, and
the process ends by the signal (tools/signals.c, kpi_pack_abort()).
A loop of interrupts at delays spread over a whole pack write (the
snapshot, PDF, workbook, charts, swap) checks that nothing of the
temporary tree is left whichever step the signal cuts, and that kpi prints
nothing about files the abort removed.

    pack_signal.py KPI_BINARY   (the database kpi_it_signal: it_pg.py)"""
import json
import os
import shutil
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


def stopped(argv, parent, sig, delay=0.05):
    """Run kpi, send `sig` `delay` seconds after its temporary pack directory
    appears; return (returncode, stderr, whether the directory was seen,
    seconds from then to the signal). `delay` None: no signal, the seconds
    are those until the directory is gone (the swap of a whole write)."""
    p = subprocess.Popen([KPI] + argv, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    seen = False
    t0 = deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        if os.path.isdir(parent) and any(".kpi-tmp-%d" % p.pid in n for n in os.listdir(parent)):
            seen = True
            t0 = time.monotonic()
            if delay is None:
                while p.poll() is None and any(".kpi-tmp-%d" % p.pid in n for n in os.listdir(parent)):
                    time.sleep(0.002)
            else:
                time.sleep(delay)  # some of the pack written
                p.send_signal(sig)
            break
        time.sleep(0.002)
    took = time.monotonic() - t0
    _, err = p.communicate(timeout=120)
    return p.returncode, err.decode(), seen, took


def said(err):
    """What kpi printed on stderr besides the history page's path."""
    return "".join(l for l in err.splitlines(True) if not l.startswith("kpi: history page: "))


def manifest(d):
    with open(os.path.join(d, "manifest.json"), "rb") as f:
        return f.read()


def test(conn, tmp):
    reports = tmp + "/reports"
    pack = reports + "/2026-W46"
    # Ctrl-C during a first pack: nothing of it is left
    rc, err, seen, _ = stopped(["pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], reports,
                            signal.SIGINT)
    check(seen, "kpi pack: its temporary directory never appeared")
    check(rc == -signal.SIGINT, "kpi pack: ended by SIGINT (%r): %s" % (rc, err[-300:]))
    check(temps(reports) == [], "kpi pack: left after SIGINT: %r" % temps(reports))
    check(not os.path.exists(pack), "kpi pack: a pack after SIGINT")
    # a whole pack, then SIGTERM during its replacement: the pack stays
    subprocess.run([KPI, "pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], env=ENV,
                   check=True, capture_output=True)
    before = manifest(pack)
    rc, err, seen, _ = stopped(["pack", "--week", "2026-W46", "--out", pack, "--quiet", "--db", conn], reports,
                            signal.SIGTERM)
    check(seen and rc == -signal.SIGTERM, "kpi pack: ended by SIGTERM (%r, seen %r): %s" % (rc, seen, err[-300:]))
    check(temps(reports) == [], "kpi pack: left after SIGTERM: %r" % temps(reports))
    check(manifest(pack) == before, "kpi pack: the previous pack changed after SIGTERM")
    # kpi render, the same
    out = tmp + "/render/2026-W46"
    rc, err, seen, _ = stopped(["render", "--snapshot", pack + "/snapshot.json", "--out", out], tmp + "/render",
                            signal.SIGINT)
    check(seen and rc == -signal.SIGINT, "kpi render: ended by SIGINT (%r, seen %r): %s" % (rc, seen, err[-300:]))
    check(temps(tmp + "/render") == [], "kpi render: left after SIGINT: %r" % temps(tmp + "/render"))
    interrupts(conn, tmp)


def after(what, rc, err, seen, sig, parent, pack, replacing):
    """The checks of a run interrupted by `sig`: see interrupts()."""
    check(seen, what + ": the temporary directory never appeared")
    # the signal may come after the run ended (rc 0): then the pack is whole
    check(rc in (-sig, 0), "%s: ended by %r: %s" % (what, rc, err[-300:]))
    check(said(err) == "", "%s: stderr: %s" % (what, said(err)[-300:]))
    check(temps(parent) == [], "%s: left: %r" % (what, [
        (t, sorted(os.path.relpath(os.path.join(r, f), parent) for r, _, fs in os.walk(os.path.join(parent, t))
                   for f in fs)) for t in temps(parent)]))
    if os.path.exists(pack):
        try:
            with open(os.path.join(pack, "manifest.json")) as f:
                files = [e["path"] for e in json.load(f)["files"]]
            missing = [f for f in files if not os.path.isfile(os.path.join(pack, f))]
        except (OSError, ValueError, KeyError, TypeError) as e:
            missing = ["manifest.json: %s" % e]
        check(missing == [], "%s: the pack in place is not whole: %r" % (what, missing))
    else:
        check(not replacing, what + ": the previous pack is gone")
    for t in temps(parent):  # the next run starts clean
        shutil.rmtree(os.path.join(parent, t), ignore_errors=True)


def interrupts(conn, tmp):
    """SIGINT and SIGTERM at delays spread over a whole write of a 60-week
    pack, half of them on a first pack, half replacing one; then kpi render
    replacing that pack, interrupted many times over the end of its write
    (the workbook, the charts, the swap and the removal of the previous
    pack: where the files are made fastest). Whatever step the signal cuts,
    nothing of the temporary tree (nor of a displaced previous pack) is
    left, the target is absent or a whole pack, and kpi says nothing (no
    error about a file the abort removed)."""
    parent = tmp + "/loop"
    pack = parent + "/2026-W46"
    argv = ["pack", "--week", "2026-W46", "--weeks", "60", "--out", pack, "--quiet", "--db", conn]
    # one whole run: how long a write takes from its temporary directory to its swap
    rc, err, seen, whole = stopped(argv, parent, None, None)
    check(rc == 0 and seen and said(err) == "", "loop: the uncut pack (%r, seen %r): %s" % (rc, seen, err[-300:]))
    if rc != 0 or not seen:
        return
    keep = tmp + "/whole"
    shutil.copytree(pack, keep)
    n = 10
    for i in range(n):
        sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
        replacing = i % 4 >= 2
        shutil.rmtree(pack, ignore_errors=True)
        if replacing:
            shutil.copytree(keep, pack)
        delay = whole * (i + 0.5) / (n - 1)  # the last one after the swap
        rc, err, seen, _ = stopped(argv, parent, sig, delay)
        after("loop %d (%s after %.2f s of %.2f, %s)" % (i, sig.name, delay, whole,
                                                       "replacing" if replacing else "first pack"),
              rc, err, seen, sig, parent, pack, replacing)
    # kpi render replacing the pack: until its temporary directory is gone
    # (the previous pack it holds after the exchange removed)
    shutil.rmtree(pack, ignore_errors=True)
    shutil.copytree(keep, pack)
    argv = ["render", "--snapshot", keep + "/snapshot.json", "--out", pack]
    rc, err, seen, whole = stopped(argv, parent, None, None)
    check(rc == 0 and seen, "loop: the uncut render (%r, seen %r): %s" % (rc, seen, err[-300:]))
    n = 36
    for i in range(n):
        sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
        if not os.path.exists(pack):
            shutil.copytree(keep, pack)
        delay = whole * (0.7 + 0.35 * i / (n - 1))  # to a little after the end
        rc, err, seen, _ = stopped(argv, parent, sig, delay)
        after("render loop %d (%s after %.3f s of %.3f)" % (i, sig.name, delay, whole), rc, err, seen, sig, parent,
              pack, True)


if __name__ == "__main__":
    sys.exit(run_test("pack_signal", KPI, DB, test))
