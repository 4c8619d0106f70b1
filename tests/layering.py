#!/usr/bin/env python3
"""layering.py — the architecture's rules, checked on the sources
(doc/architecture.md): lower layers never include upper ones.

  capture/   stands alone: includes capture/ only
  decode/    stands alone: includes decode/ only
  rules/     includes rules/ and decode/ only
  ui/tui/    the dashboard reads the model, never packets: no capture/
  <pcap.h>   only in capture/ and decode/;  curses only in ui/tui/
  every project #include names its folder ("decode/flow.h"), and no .c
  file is longer than 800 lines.

Usage: layering.py [SRCDIR]   (automake test: exit 0 pass, 1 fail)
       layering.py --selftest  shows that an upward include is caught
"""
import os
import re
import sys

LAYERS = ("capture", "decode", "rules", "ui")
ALLOWED = {
    "capture": ("capture/",),
    "decode": ("decode/",),
    "rules": ("rules/", "decode/"),
    "ui/tui": ("ui/tui/", "rules/", "decode/"),
    "ui": ("ui/", "rules/", "decode/", "capture/"),
}
MAX_C_LINES = 800
# Files known to be over the limit while they are being split; each entry
# goes once its file is under the limit.
OVER_LIMIT_FOR_NOW = set()
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(rel):
    if rel.startswith("ui/tui/"):
        return "ui/tui"
    return rel.split("/", 1)[0]


def check_file(rel, text):
    """The rule violations in one source file, as strings."""
    problems = []
    layer = layer_of(rel)
    for m in INCLUDE.finditer(text):
        kind, name = m.group(1), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        where = "%s:%d" % (rel, line)
        if kind == "<":
            base = name.split("/")[-1]
            if base == "pcap.h" and layer not in ("capture", "decode"):
                problems.append("%s: <%s> outside capture/ and decode/" % (where, name))
            if "curses" in base and layer != "ui/tui":
                problems.append("%s: <%s> outside ui/tui/" % (where, name))
            continue
        if name == "config.h":
            continue
        if "/" not in name:
            problems.append('%s: "%s" does not name its folder' % (where, name))
            continue
        if not name.startswith(ALLOWED[layer]):
            problems.append('%s: %s/ may not include "%s" (allowed: %s)'
                            % (where, layer, name, " ".join(ALLOWED[layer])))
    if rel.endswith(".c"):
        n = text.count("\n")
        if n > MAX_C_LINES and rel not in OVER_LIMIT_FOR_NOW:
            problems.append("%s: %d lines (at most %d)" % (rel, n, MAX_C_LINES))
    return problems


def sources(root):
    for top in LAYERS:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    path = os.path.join(d, f)
                    rel = os.path.relpath(path, root)
                    if rel == "rules/default_rules.c":
                        continue  # generated from rules/default.rules
                    yield rel, path


def selftest():
    """Each rule must reject a made-up upward include, so the check itself
    cannot silently pass everything."""
    bad = {
        "capture/x.c": '#include "decode/flow.h"\n',
        "decode/x.c": '#include "rules/host_model.h"\n',
        "rules/x.c": '#include "ui/app.h"\n',
        "ui/tui/x.c": '#include "capture/capture.h"\n',
        "ui/x.c": "#include <pcap/pcap.h>\n",
        "rules/y.c": "#include <ncursesw/curses.h>\n",
        "decode/y.c": '#include "flow.h"\n',
        "ui/big.c": "int x;\n" * (MAX_C_LINES + 1),
    }
    good = {
        "rules/x.c": '#include "config.h"\n#include "decode/flow.h"\n#include <stdio.h>\n',
        "ui/tui/x.c": '#include "rules/model.h"\n#include <curses.h>\n',
        "capture/x.c": "#include <pcap/pcap.h>\n",
    }
    ok = True
    for rel, text in bad.items():
        if not check_file(rel, text):
            print("selftest FAIL: %s accepted: %r" % (rel, text[:40]))
            ok = False
    for rel, text in good.items():
        if check_file(rel, text):
            print("selftest FAIL: %s rejected: %s" % (rel, check_file(rel, text)))
            ok = False
    return ok


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        return 0 if selftest() else 1
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if not selftest():
        return 1
    problems, n = [], 0
    for rel, path in sources(root):
        n += 1
        with open(path, encoding="utf-8", errors="replace") as f:
            problems += check_file(rel, f.read())
    for p in problems:
        print("FAIL: " + p)
    if n < 50:
        print("FAIL: only %d sources found under %s" % (n, root))
        return 1
    print("%d sources checked, %d problems" % (n, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
