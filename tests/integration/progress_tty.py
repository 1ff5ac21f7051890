#!/usr/bin/env python3
"""The progress line of kpi query all, kpi pack and kpi alert, through a
pseudo-terminal (python3's pty): on a terminal it appears on standard error,
is rewritten in place with \\r and erased at the end (the terminal is left
with nothing of it, and never a newline of its own); log lines go above it;
nothing when standard error is not a terminal, with --quiet, or TERM=dumb.

    progress_tty.py KPI_BINARY

Needs the throwaway PostgreSQL of scripts/test (KPI_TEST_PG, the PG*
environment): a database of its own, kpi_it_progress, with the demo dataset.
Exit 77 (skipped) without KPI_TEST_PG."""
import os
import pty
import re
import select
import subprocess
import sys

from it_pg import check, run_test

KPI = sys.argv[1]
DB = "kpi_it_progress"
ERASE = "\r\033[K"


def run(argv, tty=True, env_extra=None):
    """Run kpi with stderr on a pseudo-terminal (or a pipe); stdout to a
    pipe. Returns (exit status, stdout, stderr as text)."""
    env = dict(os.environ)
    env.update({"KPI_NOW": "2026-11-17T06:00:00Z", "TERM": "xterm"})
    env.update(env_extra or {})
    if not tty:
        p = subprocess.run([KPI] + argv, env=env, capture_output=True, timeout=300)
        return p.returncode, p.stdout.decode(), history_line(p.stderr.decode(), argv)
    master, slave = pty.openpty()
    p = subprocess.Popen([KPI] + argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, close_fds=True)
    os.close(slave)
    err = b""
    while True:
        r, _, _ = select.select([master], [], [], 300)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read().decode()
    p.wait(timeout=300)
    os.close(master)
    # the terminal turns \n into \r\n
    return p.returncode, out, history_line(err.decode().replace("\r\n", "\n"), argv)


def history_line(err, argv):
    """kpi pack names the history page it wrote last on stderr, after the
    progress line is erased: check that line and leave the rest to check."""
    if argv[0] != "pack":
        return err
    m = re.search(r"kpi: history page: [^\n]*/index\.html\n$", err)
    check(m is not None, "pack: the history page is named last on standard error: %r" % err[-200:])
    return err[:m.start()] if m else err


def visible_text(seg):
    """What a terminal shows of one line: the text after its last \r, less
    the erase that follows it."""
    last = seg.split("\r")[-1]
    return last[3:] if last.startswith("\033[K") else last


def check_line(name, err, command):
    prefix = "kpi %s: " % command
    draws = err.count("\r" + prefix)
    check(draws >= 2, "%s: the line is drawn and rewritten (%d draws): %r" % (name, draws, err[:300]))
    check(re.search(r"\r" + re.escape(prefix) + r"reading PostgreSQL, \d+/\d+ KPIs, \d connections?, \d+ s\033\[K",
                    err) is not None, "%s: phase, KPIs done of total, connections, elapsed: %r" % (name, err[:300]))
    check(err.endswith(ERASE), "%s: the line is erased at the end: %r" % (name, err[-80:]))
    # what stays on the terminal: each line as \r and erase leave it
    for seg in err.split("\n"):
        visible = visible_text(seg)
        check(prefix not in visible, "%s: a progress line left on the terminal: %r" % (name, seg[-120:]))


def test(conn, tmp):
    # each pack in a reports directory of its own, named after its week
    # (so kpi pack writes and names the history page)
    rc, out, err = run(["pack", "--week", "2026-W46", "--out", tmp + "/pack/2026-W46", "--db", conn])
    check(rc == 0, "pack on a terminal exits 0 (%d): %r" % (rc, err[-300:]))
    check_line("pack", err, "pack")
    check("\rkpi pack: rendering" in err, "pack: the rendering phase is shown")
    check(out.endswith(".xlsx\n") and "\r" not in out, "pack: standard output has only the paths: %r" % out)

    rc, out, err = run(["query", "all", "--week", "2026-W46", "--weeks", "4", "--db", conn])
    check(rc == 0, "query all on a terminal exits 0 (%d)" % rc)
    check_line("query all", err, "query")
    check("\r" not in out and "adoption_split" in out, "query all: the table on standard output, no progress")

    state = tmp + "/state"
    rc, out, err = run(["alert", "--dry-run", "--state-dir", state, "--now", "2026-10-01T12:00:00Z",
                        "--log-format", "text", "--db", conn])
    check(rc in (0, 1, 2), "alert on a terminal runs (%d): %r" % (rc, err[-300:]))
    check_line("alert", err, "alert")
    logs = [visible_text(seg) for seg in err.split("\n")[:-1]]
    check(logs and all(re.match(r"\d{4}-\d\d-\d\dT", l) for l in logs),
          "alert: every log line whole above the progress line: %r" % logs[:5])

    for name, argv, tty, env in (
            ("--quiet", ["pack", "--quiet"], True, None),
            ("-q", ["query", "all", "-q"], True, None),
            ("not a terminal", ["pack"], False, None),
            ("TERM=dumb", ["pack"], True, {"TERM": "dumb"})):
        if argv[0] == "pack":
            argv = argv + ["--week", "2026-W46", "--out", tmp + "/p-" + name.strip("-= ") + "/2026-W46",
                           "--db", conn]
        else:
            argv = argv + ["--week", "2026-W46", "--db", conn]
        rc, out, err = run(argv, tty, env)
        check(rc == 0, "%s: exits 0 (%d): %r" % (name, rc, err[-300:]))
        check(err == "", "%s: nothing on standard error: %r" % (name, err[:300]))

    # colour: the table of kpi query on a terminal, never with TERM=dumb
    for term, coloured in (("xterm", True), ("dumb", False)):
        master, slave = pty.openpty()
        env = dict(os.environ, KPI_NOW="2026-11-17T06:00:00Z", TERM=term)
        env.pop("NO_COLOR", None)
        p = subprocess.Popen([KPI, "query", "legacy_coverage_pct", "--week", "2026-W46", "--db", conn],
                             env=env, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        p.wait(timeout=120)
        os.close(master)
        check((b"\033[" in data) == coloured, "TERM=%s: colour %s: %r" % (term, "on" if coloured else "off",
                                                                         data[:200]))


if __name__ == "__main__":
    sys.exit(run_test("progress_tty", KPI, DB, test))
