#!/usr/bin/env python3
"""The shape of libkpi, checked (ctest "layout", label unit; docs/architecture.md):

  1. the module graph is acyclic: from `nm` of the object files, each
     object's undefined symbols resolved to the object that defines them; no
     cycle between files, none between the top-level folders (core, model,
     net, eval, sources, snapshot, output, publish, render, pack, alert);
  2. the environment is read in one place: no getenv (or secure_getenv)
     outside model/config.c;
  3. no process-wide state changed: no setenv, unsetenv, putenv or tzset in
     libkpi/;
  4. no branch on a source kind outside libkpi/src/sources/: the registered
     source names (sources/registry.h) appear in no string literal outside
     that folder but as the argument of kpi__source_find();
  5. no prototype declared by hand in a .c file (a function declared at file
     scope without `static`): declarations live in headers, so the compiler
     checks them against the definitions.

  6. docs/architecture.md's table names every folder of libkpi/src/ (and no
     other), and docs/architecture.dot is the module graph as the code has it
     (--dot writes it anew).

usage: check_layout.py LIBKPI_SRC_DIR OBJECTS_LIST DOCS_DIR [--dot]
  OBJECTS_LIST: a file naming the object files of kpi_objects, one per line
  (CMake writes it); --dot: write DOCS_DIR/architecture.dot instead of
  comparing it.
Prints every violation with file:line and exits 1 when there is one.
"""
import os
import re
import subprocess
import sys
from collections import defaultdict

SRC, OBJ, DOCS = sys.argv[1], sys.argv[2], sys.argv[3]
problems = []


def c_files():
    for root, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.join(root, f)


def rel(path):
    return os.path.relpath(path, SRC)


def strip_comments(text, blank_literals=False):
    """The text with comments blanked (newlines kept) and string and
    character literals kept (or, with blank_literals, their insides blanked),
    so line numbers and offsets stay right."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text[i] in '"\'':
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == '\\' else 1
            inside = text[i + 1:j]
            out.append(q + (re.sub(r'[^\n]', ' ', inside) if blank_literals else inside) + q)
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


sources, bare = {}, {}
for path in c_files():
    with open(path, encoding='utf-8') as f:
        raw = f.read()
    sources[path] = strip_comments(raw)
    bare[path] = strip_comments(raw, blank_literals=True)


def line_of(text, pos):
    return text.count('\n', 0, pos) + 1


# ---- 2 and 3: the environment and process-wide state ----
for path, text in sources.items():
    for m in re.finditer(r'\b(secure_getenv|getenv)\s*\(', text):
        if rel(path) != os.path.join('model', 'config.c'):
            problems.append(f'{rel(path)}:{line_of(text, m.start())}: {m.group(1)}() outside config loading '
                            '(model/config.c): use kpi_config_env()')
    for m in re.finditer(r'\b(setenv|unsetenv|putenv|tzset)\s*\(', text):
        problems.append(f'{rel(path)}:{line_of(text, m.start())}: {m.group(1)}() changes process-wide state')

# ---- 4: source kinds ----
with open(os.path.join(SRC, 'sources', 'registry.h'), encoding='utf-8') as f:
    names = re.findall(r'^KPI__SOURCE\(([a-z0-9_]+)\)$', f.read(), re.M)
if not names:
    problems.append('sources/registry.h: no KPI__SOURCE(name) line found')
lit = re.compile(r'"(' + '|'.join(map(re.escape, names)) + r')"') if names else None
for path, text in sources.items():
    if not lit or rel(path).startswith('sources' + os.sep):
        continue
    for m in lit.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        if re.search(r'kpi__source_find\s*\(\s*$', before):
            continue  # asking the source by its name
        if re.search(r'#\s*define\s+KPI_DEFAULT_SOURCE\s+$', before):
            continue  # the documented default of a catalogue entry without "source"
        problems.append(f'{rel(path)}:{line_of(text, m.start())}: source name {m.group(0)} outside '
                        'libkpi/src/sources/ (ask the source through kpi/source.h)')

# ---- 5: prototypes in .c files ----
for path, flat in bare.items():
    if not path.endswith('.c'):
        continue
    # file-scope statements: text at brace depth 0, split at ';' and '}'
    depth, start = 0, 0
    for i, ch in enumerate(flat):
        if ch == '{':
            if depth == 0:
                stmt = flat[start:i]
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                start = i + 1
        elif ch == ';' and depth == 0:
            stmt = flat[start:i].strip()
            start = i + 1
            body = re.sub(r'^\s*#.*$', '', stmt, flags=re.M).strip()
            if '(' not in body or '=' in body.split('(')[0]:
                continue
            if re.match(r'(static|typedef|struct\s+\w+\s*;|extern\s+char\s+\*\*environ)', body):
                continue
            if re.match(r'_Static_assert', body):
                continue
            head = body.split('(')[0].split()
            if not head:
                continue
            problems.append(f'{rel(path)}:{line_of(flat, i)}: function declared in a .c file '
                            f'({" ".join(head)[-60:]}...): declare it in a header')

# ---- 1: the module graph ----
defs, undefs = {}, {}
with open(OBJ, encoding='utf-8') as f:
    objects = [line.strip() for line in f if line.strip()]
for path in objects:
    name = re.sub(r'\.c\.o$|\.o$', '', path)
    name = name[name.index('/src/') + 5:] if '/src/' in name else os.path.basename(name)
    out = subprocess.run(['nm', path], capture_output=True, text=True, check=True).stdout
    u = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            u.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDBRVWC':
            defs[parts[2]] = name
    undefs[name] = u
if len(undefs) < 20:
    problems.append(f'{OBJ}: only {len(undefs)} object files listed: is it the list of kpi_objects?')


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(100000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


files = defaultdict(set)
why = {}
for name, u in undefs.items():
    files[name]
    for sym in u:
        d = defs.get(sym)
        if d and d != name:
            files[name].add(d)
            why.setdefault((name, d), sym)


def folder(name):
    return name.split(os.sep)[0]


folders = defaultdict(set)
for a, bs in files.items():
    folders[folder(a)]
    for b in bs:
        if folder(a) != folder(b):
            folders[folder(a)].add(folder(b))
            why.setdefault((folder(a), folder(b)), f'{a} -> {b} ({why[(a, b)]})')

for comp in sccs(files):
    edges = [f'{a} -> {b} ({why[(a, b)]})' for a in comp for b in sorted(files[a]) if b in comp]
    problems.append('module cycle between files ' + ', '.join(comp) + ': ' + '; '.join(edges))
for comp in sccs(folders):
    edges = [why[(a, b)] for a in comp for b in sorted(folders[a]) if b in comp]
    problems.append('module cycle between folders ' + ', '.join(comp) + ': ' + '; '.join(edges))

# ---- 6: the module list and its picture ----
with open(os.path.join(DOCS, 'architecture.md'), encoding='utf-8') as f:
    jobs = dict(re.findall(r'^\| `([a-z_]+)/` \| (.+?) \|$', f.read(), re.M))
present = sorted(d for d in os.listdir(SRC) if os.path.isdir(os.path.join(SRC, d)))
for d in present:
    if d not in jobs:
        problems.append(f'docs/architecture.md: folder {d}/ of libkpi/src is not in the table of folders')
for d in sorted(jobs):
    if d not in present:
        problems.append(f'docs/architecture.md: the table names {d}/, which libkpi/src does not have')


def dot_text():
    """The folders as Graphviz nodes ranked by how far they stand from the
    leaves (the data flows up: sources at the bottom of what uses them),
    an edge for each folder that calls into another."""
    level = {}

    def depth(v, seen=()):
        if v in level:
            return level[v]
        if v in seen:
            return 0
        level[v] = 1 + max([depth(w, seen + (v,)) for w in folders[v]] or [-1])
        return level[v]

    for v in folders:
        depth(v)
    out = ['// Generated by tests/layout/check_layout.py --dot from nm of libkpi\'s objects',
           '// and the table of docs/architecture.md: do not edit.',
           'digraph libkpi {',
           '  rankdir=BT; nodesep=0.3; ranksep=0.45;',
           '  node [shape=box, style="rounded,filled", fillcolor="#eef3f8", color="#5b7897",',
           '        fontname="DejaVu Sans", fontsize=10, width=2.6];',
           '  edge [color="#7a8a99", arrowsize=0.6];',
           '  label="libkpi: an arrow from A to B means a file of A calls into B (arrows that others imply are left out)";',
           '  labelloc=t; fontname="DejaVu Sans"; fontsize=11;']
    for lv in sorted(set(level.values())):
        names = sorted(v for v in level if level[v] == lv)
        out.append('  { rank=same; ' + ' '.join(f'"{n}";' for n in names) + ' }')
    for v in sorted(folders):
        job = jobs.get(v, '')
        words, lines, cur = job.split(), [], ''
        for w in words:
            if len(cur) + len(w) + 1 > 34:
                lines.append(cur)
                cur = w
            else:
                cur = (cur + ' ' + w).strip()
        if cur:
            lines.append(cur)
        text = '\\n'.join(l.replace('"', '\\"').replace('`', '') for l in lines)
        out.append(f'  "{v}" [label="{v}/\\n{text}"];')
    def reaches(a, b, skip):
        """Whether b is reachable from a without the direct edge a -> skip."""
        todo, seen = [x for x in folders[a] if x != skip], set()
        while todo:
            x = todo.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                todo.extend(folders[x])
        return False

    for v in sorted(folders):
        for w in sorted(folders[v]):
            if not reaches(v, w, w):  # the transitive reduction: only what no other path implies
                out.append(f'  "{v}" -> "{w}";')
    out.append('}')
    return '\n'.join(out) + '\n'


dot_path = os.path.join(DOCS, 'architecture.dot')
if '--dot' in sys.argv:
    with open(dot_path, 'w', encoding='utf-8') as f:
        f.write(dot_text())
    print(f'wrote {dot_path}')
else:
    try:
        with open(dot_path, encoding='utf-8') as f:
            committed = f.read()
    except OSError:
        committed = ''
    if committed != dot_text():
        problems.append(f'{dot_path} is not the module graph the code has: '
                        'cmake --build build --target architecture draws it again')

if '-v' in sys.argv:
    for a in sorted(folders):
        print(f'{a} -> {", ".join(sorted(folders[a]))}')

for p in problems:
    print(p)
print(f'layout: {len(sources)} files, {len(undefs)} objects, {len(problems)} problem(s)')
sys.exit(1 if problems else 0)
