#!/usr/bin/env python3
"""Every relative link of README.md and docs/*.md names a file that exists,
and every #anchor one of the target's headings (as GitHub makes them:
lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats) or
an <a id> / <a name> of it (ctest cli_doc_links, label unit).

    doc_links.py SOURCE_DIR

Links inside code blocks and `code spans` are not links; URLs with a scheme
are not checked (no network)."""
import re, sys, os, glob, unicodedata
root = sys.argv[1]
files = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))

def slug(h):
    h = h.strip().lower()
    # GitHub: drop markdown formatting chars, keep letters, digits, spaces, hyphens, underscores
    h = re.sub(r'<[^>]+>', '', h)
    h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h)   # link text only
    out = []
    for ch in h:
        cat = unicodedata.category(ch)
        if ch in ' -_' or cat[0] in 'LN':
            out.append(ch)
        elif cat[0] == 'M':
            out.append(ch)
    return ''.join(out).replace(' ', '-')

anchors = {}
def get_anchors(path):
    if path in anchors: return anchors[path]
    a = set(); seen = {}
    incode = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): incode = not incode; continue
        if incode: continue
        m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        if m:
            s = slug(m.group(2))
            n = seen.get(s, 0); seen[s] = n + 1
            a.add(s if n == 0 else f'{s}-{n}')
        for m in re.finditer(r'<a\s+(?:name|id)="([^"]+)"', line): a.add(m.group(1))
    anchors[path] = a
    return a

bad = 0
for f in files:
    incode = False
    for i, line in enumerate(open(f, encoding='utf-8'), 1):
        if line.startswith('```'): incode = not incode; continue
        if incode: continue
        line2 = re.sub(r'`[^`]*`', '', line)
        for m in re.finditer(r'\]\(([^)\s]+)(?:\s+"[^"]*")?\)', line2):
            t = m.group(1)
            if re.match(r'^[a-z]+:', t): continue
            path, _, frag = t.partition('#')
            target = f if not path else os.path.normpath(os.path.join(os.path.dirname(f), path))
            if not os.path.exists(target):
                print(f'{os.path.relpath(f, root)}:{i}: missing file {t}'); bad += 1; continue
            if frag and target.endswith('.md') and frag not in get_anchors(target):
                print(f'{os.path.relpath(f, root)}:{i}: missing anchor #{frag} in {os.path.relpath(target, root)}'); bad += 1
print(f'{bad} broken', file=sys.stderr)
sys.exit(1 if bad else 0)
