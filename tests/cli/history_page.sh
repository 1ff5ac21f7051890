#!/usr/bin/env bash
# The history page as browsers and validators see it, from two packs that
# `kpi render` makes of the renderer's demo fixtures (no database) plus one
# pack in a directory with a hostile name:
#   - `kpi render` installs each pack, then writes REPORTS/index.html and
#     names it on stderr; `kpi index REPORTS` writes the same bytes;
#   - `tidy -errors -q` (Debian package tidy) reports nothing;
#   - every relative link of the page leads to a file of the directory, and
#     nothing is fetched from elsewhere (no script, src, link, @import);
#   - a decision on 2026-W46, then kpi render --replace-decided of another
#     snapshot of that week: the week is one row and one strip cell, from
#     the new pack, and its decision says "decided on the pack kept in
#     2026-W46.decided-SHA12/" with a link to that directory;
#   - headless Chromium (Debian package chromium, as root: --no-sandbox)
#     loads it from file://, prints it to PDF and screenshots it: exit 0,
#     a PDF qpdf finds sound with pages, a PNG of the window's size, and no
#     failed load or console error on its stderr.
# KPI_HISTORY_KEEP=DIR keeps the page, the PDF and the screenshot there.
#   history_page.sh KPI_BINARY SOURCE_DIR
set -euo pipefail
kpi=$1 src=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R=$T/reports
fix=$src/tests/fixtures/render
fail() { printf 'history_page: %s\n' "$*" >&2; exit 1; }

"$kpi" render --snapshot "$fix/demo-w42.snapshot.json" --out "$R/2026-W42" >"$T/out" 2>"$T/err" ||
  fail "kpi render failed: $(cat "$T/err")"
grep -qx "kpi: history page: $R/index.html" "$T/err" || fail "kpi render did not name the page on stderr: $(cat "$T/err")"
hostile="$R/<i>\"odd\" & 'name'"
cp -a "$R/2026-W42" "$hostile"   # a pack copied whole stays a pack
"$kpi" render --snapshot "$fix/demo-w46.snapshot.json" --out "$R/2026-W46" >/dev/null 2>"$T/err" ||
  fail "kpi render failed: $(cat "$T/err")"
# a decision on 2026-W46, then a new pack of that week over it: the decided
# one kept as 2026-W46.decided-SHA12 (kpi render --replace-decided)
KPI_NOW=2026-11-17T10:00:00Z "$kpi" decide --week 2026-W46 --decision go --by "Rollout board" \
  --note "decided on the first pack" --reports "$R" >/dev/null 2>"$T/err" || fail "kpi decide failed: $(cat "$T/err")"
sed 's/"tool_version": "\([0-9]*\.[0-9]*\.\)[0-9]*"/"tool_version": "\199"/' "$fix/demo-w46.snapshot.json" >"$T/w46-again.json"
cmp -s "$fix/demo-w46.snapshot.json" "$T/w46-again.json" && fail "the second snapshot of 2026-W46 is the first"
"$kpi" render --snapshot "$T/w46-again.json" --out "$R/2026-W46" --replace-decided >/dev/null 2>"$T/err" ||
  fail "kpi render --replace-decided failed: $(cat "$T/err")"
kept=$(cd "$R" && ls -d 2026-W46.decided-* 2>/dev/null) || fail "no decided pack kept aside: $(ls "$R")"
"$kpi" verify "$R/decisions.jsonl" >/dev/null 2>"$T/err" || fail "kpi verify of the decisions: $(cat "$T/err")"
cp "$R/index.html" "$T/after-render.html"
[ "$("$kpi" index "$R")" = "$R/index.html" ] || fail "kpi index did not print the page's path"
cmp -s "$R/index.html" "$T/after-render.html" || fail "kpi index wrote other bytes than kpi render did"
ls -a "$R" | grep -q 'tmp' && fail "a temporary file is left in $R: $(ls -a "$R")"

out=$(tidy -errors -q "$R/index.html" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ] || fail "tidy -errors (exit $rc): $out"

python3 - "$R" "$kept" <<'PY' || exit 1
import html.parser, os, re, sys, urllib.parse
root, kept = sys.argv[1], sys.argv[2]
page = open(os.path.join(root, "index.html"), encoding="utf-8").read()
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links = []; self.bad = []; self.tags = set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k == "href" and not v.startswith("#"):
                self.links.append(v)
            if k in ("src", "srcset") or (k.startswith("on")):
                self.bad.append(f"<{tag} {k}=...>")
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            self.bad.append(f"<{tag}>")
p = P(); p.feed(page)
if p.bad: sys.exit(f"history_page: not self-contained: {p.bad[:5]}")
for bad in ("@import", "@font-face", "url(http", "//fonts."):
    if bad in page: sys.exit(f"history_page: the page holds {bad}")
if len(p.links) < 6: sys.exit(f"history_page: only {len(p.links)} links")
for l in p.links:
    u = urllib.parse.urlsplit(l)
    if u.scheme or u.netloc or l.startswith("/"):
        sys.exit(f"history_page: a link that is not relative: {l}")
    f = os.path.join(root, urllib.parse.unquote(u.path))
    if not (os.path.isdir(f) if l.endswith("/") else os.path.isfile(f)):
        sys.exit(f"history_page: a link to nothing: {l}")
# the week with a decided pack kept aside: one row, one strip cell, shown
# from the week's pack; the kept pack only next to the decision, linked
rows = re.findall(r'<th scope="row">([^<]*)</th>', page)
if len(rows) != len(set(rows)): sys.exit(f"history_page: a week with two rows: {rows}")
if rows.count("2026-W46") != 1: sys.exit(f"history_page: 2026-W46 has {rows.count('2026-W46')} rows")
if page.count('<span class="wk">2026-W46') != 1: sys.exit("history_page: 2026-W46 is not one cell of the strip")
want = f'decided on the pack kept in <a href="{kept}/">{kept}/</a>'
if page.count(want) != 1: sys.exit(f"history_page: no '{want}' next to the decision")
if page.count(kept) != 2: sys.exit(f"history_page: the kept pack {kept} is shown elsewhere than next to its decision")
if [l for l in p.links if l.startswith(kept + "/") and l != kept + "/"]:
    sys.exit("history_page: the kept pack's files are listed as a pack of the week")
if "odd" not in "".join(urllib.parse.unquote(l) for l in p.links):
    sys.exit("history_page: no link into the pack with the hostile name")
for t in ("table", "svg", "title", "figure"):
    if t not in p.tags: sys.exit(f"history_page: no <{t}>")
print(f"history_page: {len(p.links)} relative links, all to files of the directory")
PY

# Chromium: its own profile and home (root in CI needs --no-sandbox)
export HOME=$T/home
mkdir -p "$HOME"
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@" "file://$R/index.html"
}
chrome --print-to-pdf="$T/page.pdf" --no-pdf-header-footer >"$T/pdf.out" 2>"$T/pdf.err" ||
  fail "chromium --print-to-pdf failed (exit $?): $(tail -5 "$T/pdf.err")"
chrome --screenshot="$T/page.png" --window-size=1280,2000 >"$T/png.out" 2>"$T/png.err" ||
  fail "chromium --screenshot failed (exit $?): $(tail -5 "$T/png.err")"
for e in "$T/pdf.err" "$T/png.err"; do
  if grep -E 'ERR_FILE_NOT_FOUND|ERR_ACCESS|net::ERR_|Failed to load|Uncaught|CONSOLE' "$e" >&2; then
    fail "chromium reported a failed load or a console error loading the page (above)"
  fi
done
qpdf --check "$T/page.pdf" >/dev/null 2>&1 || fail "the printed PDF is not sound (qpdf --check)"
pages=$(pdfinfo "$T/page.pdf" | awk '/^Pages:/ {print $2}')
[ "${pages:-0}" -ge 2 ] || fail "the printed PDF has ${pages:-0} pages"
python3 - "$T/page.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:8] != b"\x89PNG\r\n\x1a\n": sys.exit("history_page: the screenshot is not a PNG")
w, h = struct.unpack(">II", d[16:24])
if (w, h) != (1280, 2000): sys.exit(f"history_page: the screenshot is {w}x{h}, not 1280x2000")
PY
if [ -n "${KPI_HISTORY_KEEP:-}" ]; then
  mkdir -p "$KPI_HISTORY_KEEP"
  cp "$R/index.html" "$T/page.pdf" "$T/page.png" "$KPI_HISTORY_KEEP/"
fi
echo "history_page: tidy clean; chromium printed $pages pages and a screenshot"
