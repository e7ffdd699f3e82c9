#!/usr/bin/env python3
"""The layers of shim/ hold: no file includes a header of a layer above its
own, and no two modules of shim/ include each other, directly or around a
circle (a module is x.c with its x.h). Layers, lowest first:

    pure   include/*.h and shim/pure/*.c: decisions and data, no libpq calls
    base   shim/base: logging and counters
    real   shim/real: the real libpq behind the guard, result helpers
    conn   shim/conn: per-connection state and its changes
    ops    shim/ops: what one call sends and what its answers mean
    hooks  shim/hooks: the exported functions

An include is "layer/file.h" for another layer's header, "file.h" for the
same folder or for include/. Usage: check-layers.py [ROOT]; exit 1 on a
violation, each printed with the file and line.
"""
import os
import re
import sys

LAYERS = ["pure", "base", "real", "conn", "ops", "hooks"]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def files(root):
    out = []
    for name in sorted(os.listdir(os.path.join(root, "include"))):
        if name.endswith(".h"):
            out.append(("pure", os.path.join("include", name)))
    for layer in LAYERS:
        folder = os.path.join(root, "shim", layer)
        for name in sorted(os.listdir(folder)):
            if name.endswith((".c", ".h")):
                out.append((layer, os.path.join("shim", layer, name)))
    return out


def module(path):
    return os.path.splitext(path)[0].replace("include/", "shim/pure/")


def resolve(root, layer, path, target):
    """(layer, path) of an included file, or None when it is not the project's."""
    if "/" in target:
        top = target.split("/", 1)[0]
        if top in RANK and os.path.exists(os.path.join(root, "shim", target)):
            return top, os.path.join("shim", target)
        return None
    here = os.path.join(os.path.dirname(path), target)
    if os.path.exists(os.path.join(root, here)):
        return layer, here
    if os.path.exists(os.path.join(root, "include", target)):
        return "pure", os.path.join("include", target)
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems, edges, n_includes = [], {}, 0
    all_files = files(root)
    for layer, path in all_files:
        text = open(os.path.join(root, path), encoding="utf-8").read()
        for m in INCLUDE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found = resolve(root, layer, path, m.group(1))
            if found is None:
                if not os.path.exists(os.path.join(root, "shim", m.group(1))):
                    continue  # a system or generated header (uthash.h, libpq-fe.h)
                problems.append(f"{path}:{line}: \"{m.group(1)}\": name another layer's header as layer/file.h")
                continue
            n_includes += 1
            tlayer, tpath = found
            if RANK[tlayer] > RANK[layer]:
                problems.append(f"{path}:{line}: includes {tpath}: layer {tlayer} is above {layer}")
            a, b = module(path), module(tpath)
            if a != b:
                edges.setdefault(a, set()).add(b)
    # circles between modules (depth-first search, each reported once)
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("circle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    for p in problems:
        print("layers: " + p)
    print(f"layers: {len(all_files)} files, {n_includes} includes of the project's headers, "
          f"{len(problems)} problems")
    print(f"layers: {0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
