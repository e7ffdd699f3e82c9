#!/usr/bin/env python3
"""bench/report.py - the statistics and the report of `make bench`.

bench/run.sh runs the measurements and records what they printed in
build/bench/run/: samples.tsv (key, value, round: one line per measurement),
state.tsv (facts about the run), commands.txt, and the files of single runs
(callgrind outputs, heap listings, stderr). This script turns them into
bench/results.md (targets first, then one section per part, then
bench/analysis.md) and prints the tables.

Every A/B comparison pairs the samples of the same round (run.sh alternates
the order inside each round); "added" and ratios are medians of the per-round
paired differences and ratios, with their range.

    report.py --work build/bench/run [--out bench/results.md] [--root .]
    report.py --work build/bench/run --quiet-pairs unix|bouncer

Standard library only.
"""
import argparse
import glob
import json
import math
import os
import platform
import re
import subprocess
import sys
from collections import OrderedDict, defaultdict

NAN = float("nan")

CASES = ["exec_prepared", "prepare_dup", "unnamed_exec", "async", "exec_short", "exec_10k",
         "deallocate", "exec_rr"]
BRIEF_CASES = 7  # the first 7 are the brief's; exec_rr goes beyond it
CASE_DESC = {
    "exec_prepared": "PQexecPrepared of a known name (dedupe)",
    "prepare_dup": "PQprepare of an identical duplicate (answered locally)",
    "unnamed_exec": "PQexecPrepared in unnamed mode (sent as PQexecParams)",
    "async": "PQsendQueryPrepared + PQgetResult x2",
    "exec_short": "PQexec of a short SELECT (lexer)",
    "exec_10k": "PQexec of a 10 KB SELECT (lexer)",
    "deallocate": "PQexec(\"DEALLOCATE x\"), x unknown to the shim",
    "exec_rr": "PQexecPrepared on 16 connections per thread in turn",
}
SCALE_CFGS = ["s1", "s1000", "s100000", "s100000hot", "c1000", "c1000rr"]
SCALE_DESC = {
    "s1": "1 statement, 1 connection",
    "s1000": "1,000 statements, names in turn",
    "s100000": "100,000 statements, names in turn (cache-cold)",
    "s100000hot": "100,000 statements, one name (cache-hot)",
    "c1000": "1,000 connections, calls on one",
    "c1000rr": "1,000 connections, round robin",
}
POOL_WORKLOADS = ["select", "tpcb", "plan", "block"]
TRACK_WORKLOADS = ["select", "tpcb"]
TRACK_VARIANTS = ["anchor", "default", "auto"]
POOL_VARIANTS = ["extended", "unnamed", "pooled"]
POOL_DESC = {"select": "select-only (`-b select-only`)", "tpcb": "TPC-B (`-b tpcb-like`)",
             "plan": "plan-heavy (`-f bench/plan_heavy.sql`)",
             "block": "plan-heavy in a transaction block (`-f bench/plan_heavy_block.sql`)"}
POOL_SHORT = {"select": "select-only", "tpcb": "TPC-B", "plan": "plan-heavy",
              "block": "plan-heavy-block"}
POOL_VDESC = {"extended": "no shim, `-M extended`", "unnamed": "shim unnamed, `-M prepared`",
              "pooled": "shim pooled, `-M prepared`"}


# ---- samples -------------------------------------------------------------------------

class Samples:
    """samples.tsv: every value of a key in order, and by round."""

    def __init__(self, path):
        self.values = defaultdict(list)   # key -> [float]
        self.by_round = defaultdict(dict)  # key -> {round: last float of that round}
        self.raw = defaultdict(list)      # key -> [str]
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    continue
                key, value = parts[0], parts[1]
                rnd = parts[2] if len(parts) > 2 else "0"
                self.raw[key].append(value)
                try:
                    v = float(value)
                except ValueError:
                    continue
                if math.isnan(v):
                    continue
                self.values[key].append(v)
                self.by_round[key][rnd] = v

    def add(self, key, value, rnd="0"):
        if value is None or math.isnan(value):
            return
        self.values[key].append(value)
        self.by_round[key][rnd] = value

    def n(self, key):
        return len(self.values.get(key, []))

    def med(self, key):
        return median(self.values.get(key, []))

    def sum(self, key):
        return sum(self.values.get(key, []))

    def max(self, key):
        v = self.values.get(key, [])
        return max(v) if v else NAN

    def range(self, key, decimals=2):
        v = self.values.get(key, [])
        if not v:
            return "n/a"
        return f"{min(v):.{decimals}f}-{max(v):.{decimals}f}"

    def pairs(self, a, b):
        """(round, a, b) for the rounds that have both."""
        ra, rb = self.by_round.get(a, {}), self.by_round.get(b, {})
        return [(r, ra[r], rb[r]) for r in ra if r in rb]

    def derive_diff(self, out, a, b):
        for r, x, y in self.pairs(a, b):
            self.add(out, x - y, r)

    def derive_ratio(self, out, a, b):
        for r, x, y in self.pairs(a, b):
            if y:
                self.add(out, x / y, r)


def median(v):
    if not v:
        return NAN
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def f(v, decimals=1):
    """A number for a table; "n/a" when it is not one."""
    try:
        if v is None or math.isnan(v) or math.isinf(v):
            return "n/a"
    except TypeError:
        return "n/a"
    return f"{v:.{decimals}f}"


def fx(v):
    s = f(v, 2)
    return s if s == "n/a" else s + "x"


def div(a, b):
    try:
        return a / b
    except (ZeroDivisionError, TypeError):
        return NAN


def read_state(path):
    state = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f_:
            for line in f_:
                k, _, v = line.rstrip("\n").partition("\t")
                state[k] = v
    return state


def num(state, key, default=0.0):
    try:
        return float(state.get(key, default))
    except ValueError:
        return default


def field(text, name):
    m = re.search(r"(?:^|\s)" + re.escape(name) + r"=(\S*)", text or "")
    return m.group(1) if m else ""


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f_:
            return f_.read()
    except OSError:
        return ""


# ---- derived samples: CPU per transaction, other load, quiet pairs -------------------

def derive_cpu(s, tick, prefix, other_key, combined):
    """From each run's raw parts: CPU µs per transaction and the share other processes took."""
    for key in sorted({k[: -len(".tx")] for k in s.values if k.endswith(".tx") and k.startswith(prefix)}):
        for r, tx in s.by_round.get(key + ".tx", {}).items():
            cu = s.by_round.get(key + ".client_s", {}).get(r)
            st = s.by_round.get(key + ".server_ticks", {}).get(r)
            busy = s.by_round.get(key + ".machine_busy", {}).get(r)
            total = s.by_round.get(key + ".machine_total", {}).get(r)
            if cu is None or st is None or not tx:
                continue
            if combined:
                s.add(key + ".cpu", (cu + st / tick) * 1e6 / tx, r)
            else:
                s.add(key + ".cpu_client", cu * 1e6 / tx, r)
                s.add(key + ".cpu_server", st / tick * 1e6 / tx, r)
            if busy is not None and total:
                other = (busy - st - cu * tick) / total
                s.add(key + ".other", other, r)
                s.add(other_key, other, r + ":" + key)


def derive_pairs(s, quiet):
    """Per-round ratios of part 3's pairs, and the quiet ones."""
    for name, a, b in (("unix", "p3.unix.with", "p3.unix.without"),
                       ("bouncer", "p3.bouncer.shim", "p3.bouncer.extended")):
        for r, x, y in s.pairs(a + ".tps", b + ".tps"):
            if not y:
                continue
            s.add(f"p3.{name}.ratio", x / y, r)
            oa = s.by_round.get(a + ".other", {}).get(r)
            ob = s.by_round.get(b + ".other", {}).get(r)
            if oa is not None and ob is not None and oa <= quiet and ob <= quiet:
                s.add(f"p3.{name}.ratio_quiet", x / y, r)


def derive_all(s, state):
    tick = num(state, "TICK", 100.0) or 100.0
    quiet = num(state, "QUIET", 0.05)
    for c in CASES:
        for t in ("1", "8"):
            s.derive_diff(f"p1.{c}.{t}.added", f"p1.{c}.{t}.with.cpu", f"p1.{c}.{t}.without.cpu")
    s.derive_diff("px.with.added", "px.with", "px.without")
    s.derive_diff("px.tlsie.added", "px.tlsie", "px.without")
    for k in SCALE_CFGS:
        s.derive_diff(f"p2.{k}.added", f"p2.{k}.with", f"p2.{k}.without")
    derive_cpu(s, tick, "p3.", "p3.other_share", combined=False)
    derive_cpu(s, tick, "p3b.", "p3b.other_share", combined=True)
    derive_pairs(s, quiet)
    s.derive_ratio("p3.reprepare.ratio", "p3.reprepare.with", "p3.reprepare.without")
    for v in ("unix.without", "unix.with", "bouncer.extended", "bouncer.shim"):
        a, b = s.med(f"cgp.{v}.t1000"), s.med(f"cgp.{v}.t4000")
        s.add(f"cgp.{v}", (b - a) / 3000)
    s.derive_ratio("p3b.ref.ratio", "p3b.ref.prepared", "p3b.ref.extended")
    for w in POOL_WORKLOADS:
        s.derive_ratio(f"p3b.{w}.pu", f"p3b.{w}.pooled.tps", f"p3b.{w}.unnamed.tps")
        s.derive_ratio(f"p3b.{w}.pe", f"p3b.{w}.pooled.tps", f"p3b.{w}.extended.tps")
    for w in TRACK_WORKLOADS:
        for v in ("default", "auto"):
            s.derive_ratio(f"p3c.{w}.{v}.ratio", f"p3c.{w}.{v}.tps", f"p3c.{w}.anchor.tps")


# ---- the report ----------------------------------------------------------------------

class Report:
    def __init__(self, work, root, state, samples):
        self.work, self.root, self.state, self.s = work, root, state, samples
        self.lines = []
        self.targets = []
        self.base = NAN   # the 1-statement lookup's added cost (part 2), for the targets
        self.over = NAN   # overhead per statement (part 2), for the targets
        self.cpu_ratio_unix = NAN
        self.cpu_ratio_bouncer = NAN

    def out(self, *text):
        self.lines.extend(text if text else [""])

    def target(self, name, measured, met):
        verdict = "**met**" if met else "**missed**"
        if "n/a" in measured:
            verdict = "not measured"
        self.targets.append(f"| {name} | {measured} | {verdict} |")

    def st(self, key, default="?"):
        return self.state.get(key, default)

    def flag(self, key):
        return self.state.get(key, "0") == "1"

    # -- head
    def head(self):
        self.out("# pqshim benchmarks", "",
                 f"Written by `make bench` (bench/run.sh, bench/report.py) on {self.st('RUN_DATE')}, "
                 f"in {self.st('T_TOTAL')} s (pqshim {self.st('GIT_DESC')}).")
        if self.flag("QUICK"):
            self.out("", "**BENCH_QUICK=1: a short smoke run; these numbers are not results.**")
        self.out("Every A/B pair ran alternated in this one run (A B, then B A, ...); the tables give medians,",
                 "and \"added\" and ratios are medians of the per-round paired differences and ratios.",
                 "The machine is a shared 2-core VM: wall-clock numbers move with whatever else runs on it.",
                 "")

    # -- part 1
    def part1(self):
        s, reps = self.s, self.st("REPS")
        self.out("## 1. Per-call cost, no server (fake libpq)", "",
                 "`build/bench/percall` linked against the fake `build/bench/libpq.so.5` (tests/fake, lenient:",
                 "every call answers a canned result at once, and like libpq its PQexec* call PQgetResult through",
                 "the PLT, so the shim's pass-through of libpq's inner calls is paid too). Without the shim and with",
                 "`LD_PRELOAD=build/libpqshim.so` (whose `dlsym(RTLD_NEXT)` then finds the fake). ns = CPU time per",
                 "call (CLOCK_THREAD_CPUTIME_ID, summed over threads, divided by calls; unaffected by other",
                 f"processes taking turns on the CPUs), median of {reps} rounds; 8 threads each with their own",
                 "connection, the same total number of calls. The unnamed case runs with PQSHIM_MODE=unnamed.",
                 "The last row goes beyond the brief: each thread uses 16 connections in turn.", "",
                 "| call | 1 thread: without | with | added | 8 threads: without | with | added | 8T/1T added |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|")
        for c in CASES:
            row = f"| {CASE_DESC[c]} "
            for t in ("1", "8"):
                row += (f"| {f(s.med(f'p1.{c}.{t}.without.cpu'))} | {f(s.med(f'p1.{c}.{t}.with.cpu'))} "
                        f"| **{f(s.med(f'p1.{c}.{t}.added'))}** ")
            row += f"| {f(div(s.med(f'p1.{c}.8.added'), s.med(f'p1.{c}.1.added')), 2)} |"
            self.out(row)
        bad = sum(sum(v) for k, v in s.values.items() if re.match(r"^p1\..*\.bad$", k))
        vc = [x for k, v in s.values.items() if re.match(r"^p1\..*\.8\.with\.vcsw$", k) and "exec_rr" not in k
              for x in v]
        sql10k = num(self.state, "SQL10K_BYTES", 10240)
        self.out("",
                 f"Results checked on every call: {bad:.0f} unexpected. With 8 threads and one connection each, the",
                 "threads blocked (voluntary context switches during the timed calls, a thread waiting for a",
                 f"lock) {f(sum(vc) / len(vc) if vc else 0, 0)} times per run on average, over the first seven calls; "
                 "with 16 connections per thread",
                 f"(exec_rr) {f(s.med('p1.exec_rr.8.with.vcsw'), 0)} times per run with the shim, "
                 f"{f(s.med('p1.exec_rr.8.without.vcsw'), 0)} without.",
                 f"The 10 KB text is {sql10k:.0f} bytes: {f(div(s.med('p1.exec_10k.1.added'), sql10k), 2)} ns per "
                 "byte for the lexer.", "",
                 "<details><summary>Wall-clock view (8 threads: wall time x min(threads, CPUs) / calls; inflated "
                 "when other processes run)</summary>", "",
                 "| call | 1T without | 1T with | 8T without | 8T with |", "|---|---:|---:|---:|---:|")
        for c in CASES:
            self.out(f"| {c} | {f(s.med(f'p1.{c}.1.without.wall'))} | {f(s.med(f'p1.{c}.1.with.wall'))} "
                     f"| {f(s.med(f'p1.{c}.8.without.wall'))} | {f(s.med(f'p1.{c}.8.with.wall'))} |")
        self.out("", "</details>", "")
        if self.flag("CG_OK"):
            self.out("### Instructions per call (valgrind --tool=callgrind, exact, no noise)", "",
                     "Counted inside the timed loop only (`--toggle-collect=timed_calls`), the driver's loop and the",
                     "fake included in both columns, so the difference is the shim's.", "",
                     "| call | without | with | added by the shim |", "|---|---:|---:|---:|")
            for c in CASES:
                a, b = s.med(f"cg.{c}.without"), s.med(f"cg.{c}.with")
                self.out(f"| {c} | {f(a, 0)} | {f(b, 0)} | **{f(b - a, 0)}** |")
            self.out("")
            for c in ("exec_prepared", "exec_rr", "deallocate", "exec_10k"):
                self.out(f"#### Where the instructions go: {c}, with the shim (per call)", "",
                         "| function | object | calls | self instructions |", "|---|---|---:|---:|")
                rows = []
                for line in read(os.path.join(self.work, f"functions.{c}.with.tsv")).splitlines():
                    p = line.split("\t")
                    if len(p) == 4 and float(p[0]) >= 0.5:
                        rows.append((float(p[0]), f"| {p[2]} | {p[3]} | {float(p[1]):.2f} | {float(p[0]):.0f} |"))
                rows.sort(key=lambda r: -r[0])
                self.out(*[r[1] for r in rows[:18]])
                self.out("")
        if self.flag("TLS_DONE"):
            cgw, cgn = s.med("cg.exec_prepared.with"), s.med("cg.exec_prepared.without")
            self.out("### Experiment: the same sources built with `-ftls-model=initial-exec`", "",
                     "`make bench-tls-ie` builds build/bench/tls-ie/libpqshim.so from the same sources with only that",
                     "flag added (a preloaded library may use the initial-exec TLS model). PQexecPrepared, 1 thread,",
                     f"{self.st('REPS')} alternated rounds:", "",
                     "| shim | ns/call | added | instructions added |", "|---|---:|---:|---:|",
                     f"| none | {f(s.med('px.without'))} | | |",
                     f"| as built by `make` | {f(s.med('px.with'))} | {f(s.med('px.with.added'))} | {f(cgw - cgn, 0)} |",
                     f"| `-ftls-model=initial-exec` | {f(s.med('px.tlsie'))} | {f(s.med('px.tlsie.added'))} "
                     f"| {f(s.med('cg.exec_prepared.tlsie') - cgn, 0)} |", "")

    # -- part 2
    def mem(self, name, key):
        return field(read(os.path.join(self.work, name)), key)

    def memf(self, name, key):
        try:
            return float(self.mem(name, key))
        except ValueError:
            return NAN

    def part2(self):
        s = self.s
        reps = int(num(self.state, "REPS", 5))
        self.out("## 2. Scaling (fake libpq)", "",
                 "`build/bench/scale lookup`: PQexecPrepared of a known name with N statements prepared on the",
                 "connection, or with 1,000 connections open; ns = CPU time per call (single thread), median of",
                 f"{min(reps, 5)} alternated rounds. Names are visited in a scattered order, each once per round.", "",
                 "| configuration | without | with | added | added vs 1 statement |", "|---|---:|---:|---:|---:|")
        self.base = s.med("p2.s1.added")
        for k in SCALE_CFGS:
            self.out(f"| {SCALE_DESC[k]} | {f(s.med(f'p2.{k}.without'))} | {f(s.med(f'p2.{k}.with'))} "
                     f"| **{f(s.med(f'p2.{k}.added'))}** | {f(div(s.med(f'p2.{k}.added'), self.base), 2)}x |")
        self.out("")
        if self.flag("CG_OK"):
            self.out("Per lookup, counted by callgrind (`--cache-sim=yes`, 100,000 calls, inside the loop only):", "",
                     "| configuration | instructions without | with | L1d misses without | with |",
                     "|---|---:|---:|---:|---:|")
            for k in ("s1", "s100000"):
                self.out(f"| {SCALE_DESC[k]} | {f(s.med(f'cgs.{k}.without.ir'), 0)} | {f(s.med(f'cgs.{k}.with.ir'), 0)} "
                         f"| {f(s.med(f'cgs.{k}.without.d1'), 2)} | {f(s.med(f'cgs.{k}.with.d1'), 2)} |")
            self.out("")
        n = 100000
        hw, hs, ht = (self.memf("mem.stmts.with.txt", "heap_bytes"), self.memf("mem.stmts.without.txt", "heap_bytes"),
                      self.memf("mem.stmts.with.txt", "text_bytes"))
        self.over = (hw - hs - ht) / n
        hw1, hs1, ht1 = (self.memf("mem.stmts1000.with.txt", "heap_bytes"),
                         self.memf("mem.stmts1000.without.txt", "heap_bytes"),
                         self.memf("mem.stmts1000.with.txt", "text_bytes"))
        hc, hcw = self.memf("mem.conns.without.txt", "heap_bytes"), self.memf("mem.conns.with.txt", "heap_bytes")
        self.out("Heap (`build/bench/scale mem`: mallinfo2() uordblks + hblkhd before and after, so malloc's",
                 "chunk headers and the hash tables' bucket arrays count; names \"s0\"..., queries \"SELECT $1::int + i\"):",
                 "", "| | 1,000 statements | 100,000 statements |", "|---|---:|---:|",
                 f"| heap bytes per statement (with - without) | {f((hw1 - hs1) / 1000)} | {f((hw - hs) / n)} |",
                 f"| of which the name and query text themselves (strlen) | {f(ht1 / 1000)} | {f(ht / n)} |",
                 f"| **overhead per statement** | **{f((hw1 - hs1 - ht1) / 1000)}** | **{f(self.over)}** |", "",
                 "Blocks the shim keeps per 100,000 statements (net live blocks by usable size; a block costs",
                 "usable + 8 bytes of chunk header):", "",
                 "| usable bytes | blocks | bytes per statement (with header) |", "|---:|---:|---:|")
        for m in re.finditer(r"^SIZE usable=(\d+) count=(\d+)", read(os.path.join(self.work, "mem.stmts.with.txt")), re.M):
            u, c = int(m.group(1)), int(m.group(2))
            self.out(f"| {u} | {c} | {(u + 8) * c / n:.1f} |")
        self.out("", f"Per connection: **{f((hcw - hc) / 1000)} bytes** (1,000 connections; with - without, the fake's "
                 "own PGconn", "subtracted). Blocks the shim adds per 1,000 connections:", "",
                 "| usable bytes | blocks |", "|---:|---:|")
        base = {int(m.group(1)): int(m.group(2)) for m in re.finditer(
            r"^SIZE usable=(\d+) count=(\d+)", read(os.path.join(self.work, "mem.conns.without.txt")), re.M)}
        for m in re.finditer(r"^SIZE usable=(\d+) count=(\d+)", read(os.path.join(self.work, "mem.conns.with.txt")), re.M):
            d = int(m.group(2)) - base.get(int(m.group(1)), 0)
            if d > 0:
                self.out(f"| {m.group(1)} | {d} |")
        self.out("")

    # -- part 3
    def part3(self):
        s, st = self.s, self.st
        self.out("## 3. End to end: PostgreSQL 15, PgBouncer 1.18 (transaction mode, pool size 2)", "")
        if not self.flag("E2E_DONE"):
            self.out(f"Not run: {st('E2E_NOTE', '')}.", "")
            return
        quiet = num(self.state, "QUIET", 0.05)
        secs = st("SECONDS_E2E")
        self.out(f"pgbench scale 10 (`pgbench -i -s 10`, {st('INIT_SECONDS')} s), {st('ROUNDS')} alternated rounds of {secs} s runs,",
                 f"then {st('EXTRA_ROUNDS')} extra rounds of the two pairs below while fewer than 5 of their rounds were quiet;",
                 f"all runs `-n -S -c 8 -j 2 -T {secs}`. tps excludes connection time. Medians; ratio = median of the",
                 "per-round ratios (their range in brackets). While pgbench ran, processes other than this",
                 f"benchmark's client and servers used a median {f(s.med('p3.other_share') * 100, 0)}% of the machine's CPU time (up to",
                 f"{f(s.max('p3.other_share') * 100, 0)}%; from /proc/stat): that is the noise these ratios carry. A round is *quiet*",
                 f"when other processes used at most {f(quiet * 100, 0)}% during both runs of its pair.", "",
                 "| workload | A | B | A tps | B tps | ratio A/B, all rounds | quiet rounds |",
                 "|---|---|---|---:|---:|---:|---:|")

        def ratio_cells(name):
            a, q = f"p3.{name}.ratio", f"p3.{name}.ratio_quiet"
            return (f"{f(s.med(a), 3)} [{s.range(a)}] n={s.n(a)} | **{f(s.med(q), 3)}** [{s.range(q)}] n={s.n(q)}")
        self.out(f"| unix socket, `-M prepared` | shim (dedupe) | no shim | {f(s.med('p3.unix.with.tps'))} "
                 f"| {f(s.med('p3.unix.without.tps'))} | {ratio_cells('unix')} |",
                 f"| PgBouncer tx | shim (unnamed), `-M prepared` | no shim, `-M extended` | {f(s.med('p3.bouncer.shim.tps'))} "
                 f"| {f(s.med('p3.bouncer.extended.tps'))} | {ratio_cells('bouncer')} |",
                 f"| PgBouncer tx (reference) | no shim, `-M simple` | no shim, `-M extended` | {f(s.med('p3.bouncer.simple.tps'))} "
                 f"| {f(s.med('p3.bouncer.extended.tps'))} | {f(div(s.med('p3.bouncer.simple.tps'), s.med('p3.bouncer.extended.tps')), 3)} | |",
                 "", "CPU time per transaction, which other load on the machine does not inflate the way it",
                 "moves tps: the client (pgbench, from `/usr/bin/time`) and the servers (the postmaster with",
                 "all its children, exited ones included, and PgBouncer, from /proc). On a machine where",
                 "client and servers share the CPUs, tps follows 1 / total, so no-shim total / shim total is",
                 "the tps ratio the CPU cost predicts.", "",
                 "| run | client µs/tx | servers µs/tx | total µs/tx |", "|---|---:|---:|---:|")

        def total(k):
            return s.med(f"p3.{k}.cpu_client") + s.med(f"p3.{k}.cpu_server")
        for k in ("unix.without", "unix.with", "bouncer.extended", "bouncer.shim", "bouncer.simple"):
            self.out(f"| {k} | {f(s.med(f'p3.{k}.cpu_client'), 2)} | {f(s.med(f'p3.{k}.cpu_server'), 2)} | {f(total(k), 2)} |")
        self.cpu_ratio_unix = div(total("unix.without"), total("unix.with"))
        self.cpu_ratio_bouncer = div(total("bouncer.extended"), total("bouncer.shim"))
        self.out("", f"Predicted by CPU: unix socket shim/no shim **{f(self.cpu_ratio_unix, 3)}**; PgBouncer shim "
                 f"(unnamed) / -M extended **{f(self.cpu_ratio_bouncer, 3)}**.", "")
        if self.flag("CG_PGBENCH"):
            self.out("pgbench's own instructions per transaction (callgrind, one client, `-t 4000` minus `-t 1000`,",
                     "user space only: the client's libpq, the shim and pgbench; exact, no noise):", "",
                     "| workload | without the shim | with | added by the shim |", "|---|---:|---:|---:|",
                     f"| unix socket, `-M prepared` (dedupe) | {f(s.med('cgp.unix.without'), 0)} | {f(s.med('cgp.unix.with'), 0)} "
                     f"| **{f(s.med('cgp.unix.with') - s.med('cgp.unix.without'), 0)}** |",
                     f"| PgBouncer: `-M extended` / shim unnamed `-M prepared` | {f(s.med('cgp.bouncer.extended'), 0)} "
                     f"| {f(s.med('cgp.bouncer.shim'), 0)} | **{f(s.med('cgp.bouncer.shim') - s.med('cgp.bouncer.extended'), 0)}** |",
                     "", "Where the added instructions go (unix socket, per transaction; functions whose count",
                     "changed by 5 or more; stripped binaries show addresses):", "",
                     "| function | object | calls with | instructions without | with | added |",
                     "|---|---|---:|---:|---:|---:|")

            def table(v):
                out = {}
                for line in read(os.path.join(self.work, f"pgbench-functions.unix.{v}.tsv")).splitlines():
                    p = line.split("\t")
                    if len(p) == 3:
                        out[p[0]] = (float(p[1]), float(p[2]))
                return out
            w, wo = table("with"), table("without")
            rows = []
            for k in set(w) | set(wo):
                ir_w, calls_w = w.get(k, (0.0, 0.0))
                ir_wo = wo.get(k, (0.0, 0.0))[0]
                d = ir_w - ir_wo
                if abs(d) >= 5:
                    fn, _, obj = k.partition("@")
                    rows.append((d, f"| {fn} | {obj} | {calls_w:.2f} | {ir_wo:.0f} | {ir_w:.0f} | {d:.0f} |"))
            rows.sort(key=lambda r: -r[0])
            self.out(*[r[1] for r in rows[:16]])
            self.out("")
        broken = next((l for l in read(os.path.join(self.work, "reprepare-broken.txt")).splitlines()
                       if l.startswith("RESULT")), "")
        self.out("Re-prepare client (`build/bench/reprepare`, one connection over the unix socket; each request",
                 "prepares the same statement and executes it):", "", "| client | requests/s | errors |", "|---|---:|---:|",
                 f"| with the shim: prepare (answered locally) + exec | {f(s.med('p3.reprepare.with'))} "
                 f"| {s.sum('p3.reprepare.with.errors'):.0f} |",
                 f"| without: prepare + exec + `DEALLOCATE` | {f(s.med('p3.reprepare.without'))} "
                 f"| {s.sum('p3.reprepare.without.errors'):.0f} |",
                 f"| **speedup** | **{f(s.med('p3.reprepare.ratio'), 2)}x** | |", "",
                 f"Without the shim and without DEALLOCATE the same client fails: {field(broken, 'requests')} requests in",
                 f"0.5 s, {field(broken, 'errors')} errors (first: SQLSTATE {field(broken, 'first_error')}).", "")

    # -- part 3b
    def pool_stats(self, w, rnd):
        """PQSHIM_STATS_FILE of workload w's pooled run in round rnd, summed over its files."""
        files = sorted(glob.glob(os.path.join(self.work, "pool-stats", f"r{rnd}", f"{w}.*.json")))
        if not files:
            return None
        out = OrderedDict([("files", len(files))])
        for path in files:
            try:
                data = json.loads(read(path), object_pairs_hook=OrderedDict)
            except ValueError:
                continue
            for k, v in data.items():
                if k == "pid":
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[k] = out.get(k, 0) + v
                elif str(v) not in str(out.get(k, "")).split():
                    out[k] = (str(out[k]) + " " if k in out else "") + str(v)
        return out

    def distinct_lines(self, paths, limit):
        count, order = {}, []
        for p in paths:
            for line in read(p).splitlines():
                if not line.strip():
                    continue
                if line not in count:
                    order.append(line)
                    count[line] = 0
                count[line] += 1
        out = [f"{count[l]:5d} x {l}" for l in order[:limit]]
        if len(order) > limit:
            out.append(f"        ... and {len(order) - limit} more distinct lines")
        return out

    def part3c(self):
        s, st = self.s, self.st
        size, clients, scale = st("POOL_SIZE", "4"), st("POOL_CLIENTS", "8"), st("POOL_SCALE", "10")
        rounds, secs = st("POOL_ROUNDS"), st("POOL_SECONDS")
        self.out(f"## 3c. Behind a pooler that prepares statements itself: {st('TRACK_VERSION')}, "
                 f"max_prepared_statements = 200 (transaction mode, pool size {size}), {clients} clients", "")
        if not self.flag("TRACK_DONE"):
            self.out(f"Not run: {st('TRACK_NOTE', '')}.", "")
            return
        self.out(f"As 3b (scale {scale}, `-n -c {clients} -j {clients} -T {secs}`, {rounds} round(s), the variants' order",
                 "rotated each round, the tables reset before every run), through PgBouncer 1.25.2 built from",
                 "`../shared/vendor/` (scripts/matrix-build.sh). Variants, all `-M prepared`: **anchor** = no shim (the",
                 "pooler prepares the statements itself); **default** = `LD_PRELOAD=build/libpqshim.so` and nothing",
                 "else; **auto** = the same with `PQSHIM_MODE=auto`. Ratios: medians of the per-round ratios to the",
                 "anchor. Target: the shim costs nothing there (>= 0.97x the anchor).", "",
                 "| workload | anchor tps | default tps | auto tps | default / anchor | auto / anchor |",
                 "|---|---:|---:|---:|---:|---:|")
        for w in TRACK_WORKLOADS:
            row = f"| {POOL_DESC[w]} "
            for v in TRACK_VARIANTS:
                row += f"| {f(s.med(f'p3c.{w}.{v}.tps'), 0)} [{s.range(f'p3c.{w}.{v}.tps', 0)}]"
                ab = s.sum(f"p3c.{w}.{v}.aborted")
                fl = s.sum(f"p3c.{w}.{v}.failed")
                if ab or fl:
                    row += f" ({ab:.0f} aborted, {fl:.0f} failed tx)"
                row += " "
            for v in ("default", "auto"):
                row += f"| **{f(s.med(f'p3c.{w}.{v}.ratio'), 3)}** [{s.range(f'p3c.{w}.{v}.ratio')}] "
            self.out(row + "|")
            for v in ("default", "auto"):
                ratio = s.med(f"p3c.{w}.{v}.ratio")
                self.target(f"3c {POOL_SHORT[w]}: {v} / anchor >= 0.97", f"{f(ratio, 3)}x",
                            ratio == ratio and ratio >= 0.97)
        self.out("")

    def part3b(self):
        s, st = self.s, self.st
        size, clients, scale = st("POOL_SIZE", "4"), st("POOL_CLIENTS", "8"), st("POOL_SCALE", "10")
        rounds, secs = st("POOL_ROUNDS"), st("POOL_SECONDS")
        self.out(f"## 3b. Behind a transaction pooler: PgBouncer 1.18 (transaction mode, pool size {size}), {clients} clients", "")
        if not self.flag("POOL_DONE"):
            self.out(f"Not run: {st('POOL_NOTE', '')}.", "")
            return
        self.out(f"pgbench scale {scale} (`pgbench -i -s {scale} -q` directly against PostgreSQL, {st('POOL_INIT_SECONDS')} s), every run",
                 f"`-n -c {clients} -j {clients} -T {secs}` through PgBouncer in transaction mode with {size} server connections",
                 f"(fewer than the clients: server connections are shared). {rounds} round(s); in each, every workload runs",
                 "under the three variants in turn, their order rotated each round (ABC, BCA, CAB). Before every run,",
                 "directly against PostgreSQL, `VACUUM pgbench_branches, pgbench_tellers; TRUNCATE pgbench_history`",
                 "(pgbench's own vacuum step). tps excludes connection time; medians [min-max]; the ratios are",
                 "medians of the per-round ratios. Variants: **extended** = no shim, `-M extended`; **unnamed** =",
                 "`LD_PRELOAD=build/libpqshim.so PQSHIM_MODE=unnamed`, `-M prepared`; **pooled** = the same with",
                 "`PQSHIM_MODE=pooled`. Target: pooled at least 1.3x unnamed on select-only, ahead of it on TPC-B",
                 "and the plan-heavy script.", "",
                 "| workload | extended tps | unnamed tps | pooled tps | pooled / unnamed | pooled / extended |",
                 "|---|---:|---:|---:|---:|---:|")
        for w in POOL_WORKLOADS:
            row = f"| {POOL_DESC[w]} "
            for v in POOL_VARIANTS:
                row += f"| {f(s.med(f'p3b.{w}.{v}.tps'), 0)} [{s.range(f'p3b.{w}.{v}.tps', 0)}]"
                ab = s.sum(f"p3b.{w}.{v}.aborted")
                if ab:
                    row += f" ({ab:.0f} aborted)"
                row += " "
            row += (f"| **{f(s.med(f'p3b.{w}.pu'), 3)}** [{s.range(f'p3b.{w}.pu')}] "
                    f"| **{f(s.med(f'p3b.{w}.pe'), 3)}** [{s.range(f'p3b.{w}.pe')}] |")
            self.out(row)
        self.out("", f"Per cell, over its {rounds} run(s): failed transactions (pgbench's \"number of failed transactions\",",
                 "summed), runs pgbench ended with a non-zero status (clients aborted, or the timeout), lines the runs",
                 "wrote to stderr, and CPU time per transaction of pgbench and of the servers (postmaster and",
                 "children, PgBouncer), median:", "",
                 "| workload | variant | failed transactions | runs aborted | stderr lines | CPU µs/tx |",
                 "|---|---|---:|---:|---:|---:|")
        for w in POOL_WORKLOADS:
            for v in POOL_VARIANTS:
                self.out(f"| {POOL_SHORT[w]} | {v}: {POOL_VDESC[v]} | {s.sum(f'p3b.{w}.{v}.failed'):.0f} "
                         f"| {s.sum(f'p3b.{w}.{v}.aborted'):.0f} | {s.sum(f'p3b.{w}.{v}.errlines'):.0f} "
                         f"| {f(s.med(f'p3b.{w}.{v}.cpu'), 1)} |")
        check = " " + st("POOL_CHECK", "")
        self.out("", "While pgbench ran, processes other than this benchmark's client and servers used a median",
                 f"{f(s.med('p3b.other_share') * 100, 0)}% of the machine's CPU time (up to {f(s.max('p3b.other_share') * 100, 0)}%; "
                 "from /proc/stat).", "",
                 "`bench/plan_heavy.sql` (one SELECT joining pgbench_accounts, pgbench_branches and pgbench_tellers",
                 "on keys, a range and balance conditions; index lookups and one-page tables), checked directly",
                 f"against PostgreSQL with its SELECT wrapped in `count(*)`: {field(check, 'executions')} executions, "
                 f"{field(check, 'min')}-{field(check, 'max')} rows each",
                 f"(mean {field(check, 'mean')}, {field(check, 'zero')} without rows). What skipping parse and plan buys on it at most,",
                 f"directly against PostgreSQL, 1 client, no shim: `-M prepared` / `-M extended` = **{f(s.med('p3b.ref.ratio'), 2)}x**",
                 f"({f(s.med('p3b.ref.prepared'), 0)} / {f(s.med('p3b.ref.extended'), 0)} tps, median of {s.n('p3b.ref.ratio')} "
                 "alternated pairs).", "")
        any_err = False
        for w in POOL_WORKLOADS:
            for v in POOL_VARIANTS:
                cell = [p for p in sorted(glob.glob(os.path.join(self.work, "pool-errors", f"{w}.{v}.r*.txt")))
                        if os.path.getsize(p)]
                if not cell:
                    continue
                any_err = True
                self.out(f"stderr of {POOL_SHORT[w]}, {v} ({len(cell)} of {rounds} runs; distinct lines with their counts):",
                         "", "```text", *self.distinct_lines(cell, 8), "```", "")
        chk = os.path.join(self.work, "pool-errors", "plan_heavy_check.txt")
        if os.path.exists(chk) and os.path.getsize(chk):
            self.out("stderr of the plan_heavy.sql check and reference runs:", "", "```text",
                     *self.distinct_lines([chk], 8), "```", "")
        self.out("All of it: build/bench/run/pool-errors/ (one file per run); pgbench's output: build/bench/run/pool-pgbench.log."
                 if any_err else "No pgbench run through the pooler wrote to stderr.", "")
        stats = {w: self.pool_stats(w, rounds) for w in POOL_WORKLOADS}
        keys = []
        for w in POOL_WORKLOADS:
            for k in (stats[w] or {}):
                if k not in keys:
                    keys.append(k)
        if keys:
            self.out("The shim's counters (`PQSHIM_STATS_FILE`, written at exit) for the pooled run of each workload in",
                     f"round {rounds}, summed over the processes that wrote one (\"files\"):", "",
                     "| counter |" + "".join(f" {POOL_SHORT[w]} |" for w in POOL_WORKLOADS),
                     "|---|" + "---:|" * len(POOL_WORKLOADS))
            for k in keys:
                self.out(f"| {k} |" + "".join(f" {(stats[w] or {}).get(k, '')} |" for w in POOL_WORKLOADS))
            self.out("")
        else:
            self.out("No pooled run wrote `PQSHIM_STATS_FILE` (the shim writes it at exit, when it did something).", "")

    # -- targets, machine, commands
    def e2e_target(self, name, pair, threshold):
        s = self.s
        k, which = f"p3.{pair}.ratio_quiet", "quiet rounds"
        if s.n(k) < 3:
            k, which = f"p3.{pair}.ratio", "all rounds (fewer than 3 quiet)"
        self.target(name, f"{f(s.med(k), 3)} on {which}, n={s.n(k)} [{s.range(k)}]; all rounds {f(s.med(f'p3.{pair}.ratio'), 3)}",
                    s.med(k) >= threshold)

    def targets_all(self):
        s = self.s
        added = s.med("p1.exec_prepared.1.added")
        self.target("PQexecPrepared, shim's added cost, 1 thread",
                    f"{f(added)} ns (callgrind: {f(s.med('cg.exec_prepared.with') - s.med('cg.exec_prepared.without'), 0)} instructions)",
                    added <= 50)
        worst, worst_case = NAN, ""
        for c in CASES[:BRIEF_CASES]:
            r = div(s.med(f"p1.{c}.8.added"), s.med(f"p1.{c}.1.added"))
            if not math.isnan(r) and (math.isnan(worst) or r > worst):
                worst, worst_case = r, c
        self.target(f"8 threads / 1 thread, shim's added cost per call (worst case: {worst_case})", fx(worst), worst <= 2)
        rr = div(s.med("p1.exec_rr.8.added"), s.med("p1.exec_rr.1.added"))
        self.target("the same with 16 connections per thread in turn (exec_rr)", fx(rr), rr <= 2)
        self.target("overhead per statement beyond name and query text (100,000 statements)", f"{f(self.over)} bytes",
                    self.over <= 64)
        for k, what in (("s100000hot", "100,000 statements (one name)"), ("s100000", "100,000 statements (every name in turn)"),
                        ("c1000rr", "1,000 connections (round robin)")):
            r = div(s.med(f"p2.{k}.added"), self.base)
            self.target(f"lookup flat: {what} vs 1", fx(r), r <= 1.5)
        if self.flag("E2E_DONE"):
            self.e2e_target("pgbench -M prepared -S, unix socket: shim / no shim, tps", "unix", 0.98)
            self.target("the same, CPU per transaction (no shim / shim)", f(self.cpu_ratio_unix, 3), self.cpu_ratio_unix >= 0.98)
            self.e2e_target("PgBouncer tx: shim unnamed -M prepared / no shim -M extended, tps", "bouncer", 0.97)
            self.target("the same, CPU per transaction (no shim / shim)", f(self.cpu_ratio_bouncer, 3),
                        self.cpu_ratio_bouncer >= 0.97)
        if self.flag("POOL_DONE"):
            size, clients = self.st("POOL_SIZE", "4"), self.st("POOL_CLIENTS", "8")
            ab_all = fl_all = 0
            for w in POOL_WORKLOADS:
                ab = s.sum(f"p3b.{w}.pooled.aborted")
                ab_all += ab
                fl_all += s.sum(f"p3b.{w}.pooled.failed")
                want = 1.3 if w == "select" else 1.0
                cond = ">= 1.3" if w == "select" else "> 1"
                pu = s.med(f"p3b.{w}.pu")
                met = (pu >= want if w == "select" else pu > want) and ab == 0
                self.target(f"PgBouncer tx, pool {size}, {clients} clients: pooled / unnamed, {POOL_SHORT[w]} tps ({cond})",
                            f"{f(pu, 3)} [{s.range(f'p3b.{w}.pu')}] n={s.n(f'p3b.{w}.pu')}" +
                            (f"; {ab:.0f} pooled runs aborted" if ab else ""), met)
            self.target("the same, pooled runs: no failed transactions, no aborted runs",
                        f"{fl_all:.0f} failed, {ab_all:.0f} aborted", fl_all == 0 and ab_all == 0)

    def machine(self):
        def sh(cmd):
            try:
                return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                return ""
        cpu = re.search(r"model name\s*:\s*(.*)", read("/proc/cpuinfo"))
        compiler = sh((os.environ.get("CC") or "cc") + " --version").splitlines()
        osr = re.search(r'PRETTY_NAME="?([^"\n]*)', read("/etc/os-release"))
        self.out("## 4. Machine and commands", "",
                 f"- CPU: {cpu.group(1) if cpu else '?'}, {os.cpu_count()} cores ({sh('getconf _NPROCESSORS_ONLN')} online)",
                 f"- Kernel: {platform.system()} {platform.release()} {platform.machine()}; OS: {osr.group(1) if osr else '?'}",
                 f"- Compiler: {compiler[0] if compiler else '?'}; "
                 "shim built by `make all` (CFLAGS default -O2 -g)",
                 f"- libpq: {sh('pkg-config --modversion libpq') or '?'} (pkg-config), PQlibVersion() = {self.st('LIBPQ_RUNTIME')}",
                 f"- Server: PostgreSQL {self.st('SERVER_VERSION')}; {self.st('PGBOUNCER_VERSION', 'PgBouncer ?') or 'PgBouncer ?'}; "
                 f"valgrind: {sh('valgrind --version') or 'none'}",
                 f"- pqshim: git {self.st('GIT_DESC')}", "",
                 "Reproduce everything: `make deps && make bench` (valgrind optional: `apt-get install valgrind`).",
                 "The servers come from tests/lib/servers.sh (`servers_init; servers_start_pg;",
                 "servers_start_pgbouncer tx transaction 2`, random ports, a temp dir, trust auth, fsync off);",
                 f"section 3b starts its own (`servers_start_pgbouncer pool transaction {self.st('POOL_SIZE', '4')}`) and runs alone",
                 "with `BENCH_PARTS=3b bench/run.sh`. The statistics and this file: bench/report.py.",
                 "Commands as run (paths relative to the repository; the shim's variables were unset first):", "", "```sh")
        for line in read(os.path.join(self.work, "commands.txt")).splitlines():
            self.out(line.replace(self.root + "/", "").replace(self.work + "/", "build/bench/run/"))
        self.out("```", "", "Raw samples: build/bench/run/samples.tsv; stderr of every run: build/bench/run/stderr.log.", "")

    def write(self):
        self.head()
        if self.flag("P1_DONE"):
            self.part1()
        else:
            self.out("## 1. Per-call cost, no server (fake libpq)", "", "Not run: skipped (BENCH_PARTS).", "")
        if self.flag("P2_DONE"):
            self.part2()
        else:
            self.out("## 2. Scaling (fake libpq)", "", "Not run: skipped (BENCH_PARTS).", "")
        self.part3()
        self.part3b()
        self.part3c()
        self.targets_all()
        self.machine()
        i = next(i for i, l in enumerate(self.lines) if l.startswith("## 1."))
        head, body = self.lines[:i], self.lines[i:]
        text = head + ["## Targets", "", "| target | measured | |", "|---|---|---|"] + self.targets + [""] + body
        analysis = read(os.path.join(self.root, "bench", "analysis.md"))
        out = "\n".join(text) + "\n"
        if analysis:
            out += "\n" + analysis
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--quiet-pairs", choices=["unix", "bouncer"])
    a = ap.parse_args()
    a.root = os.path.abspath(a.root)
    state = read_state(os.path.join(a.work, "state.tsv"))
    samples = Samples(os.path.join(a.work, "samples.tsv"))
    if a.quiet_pairs:
        if "QUIET" not in state:
            state["QUIET"] = "0.05"
        state.setdefault("TICK", str(os.sysconf("SC_CLK_TCK")))
        derive_all(samples, state)
        print(samples.n(f"p3.{a.quiet_pairs}.ratio_quiet"))
        return 0
    if not state:
        print(f"report.py: no run in {a.work} (state.tsv missing)", file=sys.stderr)
        return 2
    derive_all(samples, state)
    text = Report(a.work, a.root, state, samples).write()
    out = a.out or os.path.join(a.root, "bench", "results.md")
    with open(out, "w", encoding="utf-8") as f_:
        f_.write(text)
    print(f"bench: wrote {os.path.relpath(out, a.root)} ({state.get('T_TOTAL', '?')} s)", file=sys.stderr)
    # the tables, on the terminal (the hand-written analysis stays in the file)
    for line in text.split("\n## 4.")[0].splitlines():
        if not line.startswith("<"):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
