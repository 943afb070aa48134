#!/usr/bin/env python3
"""The benchmarks' summary and report: from JMH's raw JSON to a compact summary, from that to Markdown.

    report.py summarize --out SUMMARY.json [--latency CANCEL.jsonl] [--meta KEY=VALUE]... RAW.json...
    report.py render SUMMARY.json OUT.md

`summarize` keeps what a reader and the report need of JMH's JSON (which holds every sample's histogram
and runs to hundreds of thousands of lines): per benchmark and parameters the score and its error, the
score of each fork and each iteration, percentiles (overall, per fork, p99 per iteration) for sampled
benchmarks, gc.alloc.rate.norm (bytes per operation, all threads), JMH's settings; the cancel-latency
clock's per-iteration and per-fork lines (CancelProbe); and the run's facts given as --meta (commit, load,
JDKs, timings). `render` writes the tables and checks every target of issue 15 on the numbers of that one
run: met, NOT met, or not measured; rows with no target say "reported". Standard library only.
"""

import argparse
import json
import math
import sys

# --- summarize ------------------------------------------------------------------------------------------


def split(name):
    cls, method = name.rsplit(".", 1)
    return cls.rsplit(".", 1)[-1], method


def sig(value, digits=5):
    """Rounds to a few significant digits: the summary stays small, no figure loses meaning."""
    if value is None or isinstance(value, str) or value == 0 or math.isnan(value) or math.isinf(value):
        return None if (isinstance(value, float) and (math.isnan(value) or math.isinf(value))) else value
    return round(value, max(0, digits - 1 - int(math.floor(math.log10(abs(value))))))


def histogram_percentile(pairs, q):
    """Nearest-rank percentile of a JMH histogram ([[value, count], ...])."""
    pairs = sorted(pairs)
    total = sum(c for _, c in pairs)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value, count in pairs:
        seen += count
        if seen >= rank:
            return value
    return pairs[-1][0]


def summarize_entry(e):
    cls, method = split(e["benchmark"])
    pm = e["primaryMetric"]
    out = {
        "benchmark": cls,
        "contender": method,
        "params": e.get("params") or {},
        "jdk": e.get("jdkVersion"),
        "vm": f"{e.get('vmName')} {e.get('vmVersion')}",
        "mode": e["mode"],
        "threads": e.get("threads"),
        "forks": e.get("forks"),
        "warmup": f"{e.get('warmupIterations')} x {e.get('warmupTime')}",
        "measurement": f"{e.get('measurementIterations')} x {e.get('measurementTime')}",
        "unit": pm["scoreUnit"],
        "score": sig(pm["score"]),
        "error": sig(pm.get("scoreError")),
    }
    if e["mode"] == "sample":
        forks = pm.get("rawDataHistogram", [])
        out["samples"] = sum(c for fork in forks for it in fork for _, c in it)
        out["percentiles"] = {k: sig(v) for k, v in pm.get("scorePercentiles", {}).items()
                              if k in ("50.0", "90.0", "99.0", "99.9", "100.0")}
        out["per_fork"] = []
        for fork in forks:
            pooled = [pair for it in fork for pair in it]
            out["per_fork"].append({
                "samples": sum(c for _, c in pooled),
                "p50": sig(histogram_percentile(pooled, 0.50)),
                "p99": sig(histogram_percentile(pooled, 0.99)),
                "p99_per_iteration": [sig(histogram_percentile(it, 0.99)) for it in fork],
            })
    else:
        raw = pm.get("rawData", [])
        out["per_fork"] = [{"score": sig(sum(it) / len(it)) if it else None,
                            "iterations": [sig(v) for v in it]} for it in raw]
    alloc = e.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    if alloc:
        out["alloc_bytes_per_op"] = sig(alloc["score"])
        out["alloc_error"] = sig(alloc.get("scoreError"))
        out["alloc_per_fork"] = [sig(sum(it) / len(it)) if it else None for it in alloc.get("rawData", [])]
    return out


def summarize_latency(path):
    """CancelProbe's lines, grouped per contender and measure; forks in the order they ran."""
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []
    groups = {}
    for line in lines:
        cls, method = split(line["benchmark"])
        key = (cls, method, line["measure"], line["jdk"])
        g = groups.setdefault(key, {"benchmark": cls, "contender": method, "measure": line["measure"],
                                    "jdk": line["jdk"], "unit": line["unit"], "forks": {}})
        fork = g["forks"].setdefault(line["pid"], {"pid": line["pid"], "iterations": []})
        figures = {k: sig(line[k]) for k in ("n", "p50", "p90", "p99", "p999", "max")}
        if line["iteration"] == 0:
            fork["all"] = figures
        elif not line["warmup"]:
            fork["iterations"].append(figures)
    result = []
    for g in groups.values():
        g["forks"] = list(g["forks"].values())
        result.append(g)
    return result


def parse_meta(pairs):
    meta = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        node = meta
        *path, last = key.split(".")
        for p in path:
            node = node.setdefault(p, {})
        node[last] = value
    return meta


def summarize(args):
    entries = []
    for path in args.inputs:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        if text:
            entries.extend(json.loads(text))
    summary = {
        "meta": parse_meta(args.meta),
        "results": [summarize_entry(e) for e in entries],
        "cancel_latency": summarize_latency(args.latency),
    }
    summary["meta"]["jdks"] = sorted({r["vm"] + " (" + r["jdk"] + ")" for r in summary["results"]})
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(dumps(summary) + "\n")
    return 0


def dumps(summary):
    """One line per result: a run is a hundred lines or so, and a diff between runs reads row by row."""
    parts = []
    for key, value in summary.items():
        if isinstance(value, list):
            rows = ",\n  ".join(json.dumps(v, separators=(",", ":")) for v in value)
            parts.append(f"{json.dumps(key)}: [\n  {rows}\n ]" if value else f"{json.dumps(key)}: []")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}")
    return "{\n " + ",\n ".join(parts) + "\n}"


# --- render ---------------------------------------------------------------------------------------------

# Quiet: the 1-minute load average before the run below QUIET_LOAD_PER_CORE x cores, and the CPU used by
# other processes during the run below QUIET_OTHERS_SHARE of all cores. The load average at the end
# includes the run's own threads, so it cannot tell; it is recorded only.
QUIET_LOAD_PER_CORE = 0.25
QUIET_OTHERS_SHARE = 0.05

TASKS_PER_OP = {"NestedFanOutBenchmark": 8 + 64 + 512}

NESTED_FIXED_TASKS = 584

# Per benchmark: title, the contender ratios are taken against, and every contender that should be there.
TABLES = [
    ("FanOutBenchmark", "Fan-out of trivial tasks on a fixed pool (time per fan-out)", "callerHelps",
     ["callerHelps", "errGroup", "forkJoin", "rawExecutor", "completableFuture", "sequential"]),
    ("NestedFanOutBenchmark", "Nested fan-out, depth 3 x width 8 = 584 tasks (time per tree)", "callerHelpsTwoThreads",
     ["callerHelpsTwoThreads", "errGroupTwoThreads", "forkJoinTwoThreads", "rawExecutorUnbounded",
      "errGroupUnbounded"]),
    ("BlockingFanOutBenchmark", "Fan-out of tasks blocking 1 ms, fixed pool (time per fan-out)", "callerHelps",
     ["callerHelps", "errGroup", "rawExecutor", "completableFuture"]),
    ("VirtualThreadFanOutBenchmark", "Fan-out of trivial tasks on virtual threads, JDK 25 (time per fan-out)",
     "structuredTaskScope", ["structuredTaskScope", "callerHelps", "errGroup", "rawExecutor", "completableFuture"]),
    ("VirtualThreadBlockingFanOutBenchmark", "Fan-out of tasks blocking 1 ms on virtual threads, JDK 25",
     "structuredTaskScope", ["structuredTaskScope", "callerHelps", "errGroup", "rawExecutor", "completableFuture"]),
]

EXPECTED_PARAMS = {
    "FanOutBenchmark": [{"tasks": "1", "threads": "2"}, {"tasks": "16", "threads": "2"},
                        {"tasks": "256", "threads": "2"}],
    "NestedFanOutBenchmark": [{}],
    "BlockingFanOutBenchmark": [{"tasks": "16", "threads": "2"}, {"tasks": "256", "threads": "2"}],
    "VirtualThreadFanOutBenchmark": [{"tasks": "16"}, {"tasks": "256"}],
    "VirtualThreadBlockingFanOutBenchmark": [{"tasks": "16"}, {"tasks": "256"}],
}

CANCEL = [("CancelLatencyBenchmark", "platform threads, a pool of 16", ["rawExecutor", "errGroup"]),
          ("VirtualThreadCancelLatencyBenchmark", "virtual threads, JDK 25", ["structuredTaskScope", "errGroup"])]

CALLERS = ["errGroup1", "errGroup2", "errGroup8", "errGroup32", "callerHelps2", "callerHelps32"]

PAGES = ["oneCall", "completableFuturePage", "errGroupPage"]


def fmt(value, digits=3):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return "n/a" if value == "NaN" else value  # JMH writes an undefined error as "NaN"
    if math.isnan(value):
        return "n/a"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def fmt_bytes(value):
    """Bytes: below one byte per operation is JMH's noise floor for "allocates nothing"."""
    if value is None or isinstance(value, str) or math.isnan(value):
        return fmt(value)
    return "0" if abs(value) < 1 else fmt(value)


def x(value, base):
    if value is None or not base:
        return "n/a"
    return f"{value / base:.2f}x"


def unit_of(r):
    return r["unit"].split("/")[0]


def to_us(value, unit):
    if value is None:
        return None
    return value * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit.split("/")[0]]


class Report:

    def __init__(self, summary):
        self.meta = summary["meta"]
        self.results = summary["results"]
        self.latency = summary.get("cancel_latency", [])
        self.targets = []  # (id, name, measured, status, why)
        self.checks = {}  # (benchmark, contender, params key) -> [target ids]

    def find(self, benchmark, contender, **params):
        for r in self.results:
            if r["benchmark"] == benchmark and r["contender"] == contender and all(
                    str(r["params"].get(k)) == str(v) for k, v in params.items()):
                return r
        return None

    def score(self, benchmark, contender, **params):
        r = self.find(benchmark, contender, **params)
        return r["score"] if r else None

    def alloc(self, benchmark, contender, **params):
        r = self.find(benchmark, contender, **params)
        return r.get("alloc_bytes_per_op") if r else None

    def target(self, tid, name, measured, ok, why="", aim=False, rows=()):
        if measured is None or ok is None:
            status = "not measured"
            measured = "not measured"
        else:
            status = ("met" if ok else "NOT met") + (" (aim)" if aim else "")
        self.targets.append((tid, name, measured, status, why))
        for row in rows:
            self.checks.setdefault(row, []).append(f"{tid} {status}")

    # --- the targets, from the numbers of this run ---

    def check_targets(self):
        for tid, tasks, limit in (("T1", 1, 2.0), ("T2", 16, 1.25), ("T3", 256, 1.25)):
            eg = self.score("FanOutBenchmark", "errGroup", tasks=tasks, threads=2)
            ch = self.score("FanOutBenchmark", "callerHelps", tasks=tasks, threads=2)
            r = eg / ch if eg and ch else None
            self.target(tid, f"fan-out of {tasks}, 2 threads: ErrGroup <= {limit}x caller helps",
                        f"{r:.2f}x ({fmt(eg)} vs {fmt(ch)} us)" if r else None, r <= limit if r else None,
                        rows=[("FanOutBenchmark", "errGroup", f"tasks={tasks}, threads=2")])
        eg = self.score("NestedFanOutBenchmark", "errGroupTwoThreads")
        ch = self.score("NestedFanOutBenchmark", "callerHelpsTwoThreads")
        r = eg / ch if eg and ch else None
        self.target("T4", "nested 3 x 8, 2 threads: ErrGroup <= 1.25x caller helps",
                    f"{r:.2f}x ({fmt(eg)} vs {fmt(ch)} us)" if r else None, r <= 1.25 if r else None,
                    rows=[("NestedFanOutBenchmark", "errGroupTwoThreads", "-")])

        fixed, per_task_eg, per_task_ch, why = self.group_bytes()
        self.target("T5", "allocation: fixed bytes per group <= 300 B",
                    f"{fixed:.0f} B" if fixed is not None else None, fixed <= 300 if fixed is not None else None,
                    why=why)
        r = per_task_eg / per_task_ch if per_task_eg is not None and per_task_ch else None
        self.target("T6", "allocation: bytes per task <= 1.5x caller helps",
                    f"{r:.2f}x ({per_task_eg:.0f} vs {per_task_ch:.0f} B/task)" if r else None,
                    r <= 1.5 if r else None,
                    why="the slope between the fan-outs of 16 and 256: (B/op(256) - B/op(16)) / 240")

        for tid, bench, eg_name, fj_name, params, label in (
                ("T7", "FanOutBenchmark", "errGroup", "forkJoin", {"tasks": 256, "threads": 2}, "fan-out of 256"),
                ("T8", "NestedFanOutBenchmark", "errGroupTwoThreads", "forkJoinTwoThreads", {}, "nested 3 x 8")):
            eg = self.score(bench, eg_name, **params)
            fj = self.score(bench, fj_name, **params)
            r = eg / fj if eg and fj else None
            key = ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"
            self.target(tid, f"{label}, 2 threads: ErrGroup / ForkJoin, reported, aim <= 2x",
                        f"{r:.2f}x ({fmt(eg)} vs {fmt(fj)} us)" if r else None, r <= 2.0 if r else None, aim=True,
                        rows=[(bench, fj_name, key)])

        for tid, bench, kind in (("T9", "CancelLatencyBenchmark", "platform threads"),
                                 ("T11", "VirtualThreadCancelLatencyBenchmark", "virtual threads")):
            g = self.cancel("await", bench, "errGroup")
            forks = [f["all"]["p99"] for f in g["forks"] if "all" in f] if g else []
            its = [it["p99"] for f in g["forks"] for it in f["iterations"]] if g else []
            worst = max(forks) if forks else None
            self.target(tid, f"cancel latency p99 <= 1 ms, {kind} (failure -> await returns; every fork)",
                        f"{fmt(worst)} us worst fork (forks {', '.join(fmt(v) for v in forks)})" if forks else None,
                        worst <= 1000 if forks else None,
                        rows=[(bench + ":await", "errGroup", "")])
            worst_it = max(its) if its else None
            spread = f", min {fmt(min(its))}" if its else ""
            self.target(f"T{int(tid[1:]) + 1}",
                        f"cancel latency p99 stable, {kind}: every measurement iteration's p99 <= 1 ms",
                        f"max {fmt(worst_it)} us{spread} over {len(its)} iterations" if its else None,
                        worst_it <= 1000 if its else None)

        c2 = self.score("ConcurrentCallersBenchmark", "errGroup2")
        c32 = self.score("ConcurrentCallersBenchmark", "errGroup32")
        r = c32 / c2 if c2 and c32 else None
        self.target("T13", "concurrent callers: throughput at 32 callers >= 0.8x at 2",
                    f"{r:.2f}x ({fmt(c32)} vs {fmt(c2)} ops/ms)" if r else None, r >= 0.8 if r else None,
                    rows=[("ConcurrentCallersBenchmark", "errGroup32", "-")])

        eg = self.find("ProductPageBenchmark", "errGroupPage")
        cf = self.find("ProductPageBenchmark", "completableFuturePage")
        for tid, q in (("T14", "50.0"), ("T15", "99.0")):
            a = eg["percentiles"].get(q) if eg else None
            b = cf["percentiles"].get(q) if cf else None
            r = a / b if a and b else None
            name = "p50" if q == "50.0" else "p99"
            self.target(tid, f"product page {name}: ErrGroup page <= 1.05x CompletableFuture page",
                        f"{r:.3f}x ({fmt(a)} vs {fmt(b)} ms)" if r else None, r <= 1.05 if r else None,
                        rows=[("ProductPageBenchmark", "errGroupPage", "-")])

    def group_bytes(self):
        """Fixed bytes per group and bytes per task, from the fan-outs of 16 and 256 (see README)."""
        a16 = self.alloc("FanOutBenchmark", "errGroup", tasks=16, threads=2)
        a256 = self.alloc("FanOutBenchmark", "errGroup", tasks=256, threads=2)
        c16 = self.alloc("FanOutBenchmark", "callerHelps", tasks=16, threads=2)
        c256 = self.alloc("FanOutBenchmark", "callerHelps", tasks=256, threads=2)
        if None in (a16, a256):
            return None, None, None, ""
        slope = (a256 - a16) / 240
        # The intercept of the line through the two, less the benchmark's own handles array's 16 B header.
        fixed = a16 - 16 * slope - 16
        slope_ch = (c256 - c16) / 240 if None not in (c16, c256) else None
        one = self.alloc("ConcurrentCallersBenchmark", "errGroup1")
        why = (f"intercept of B/op over tasks (16 -> {a16:.0f} B, 256 -> {a256:.0f} B) minus the benchmark's 16 B "
               f"handles-array header")
        if one is not None:
            why += f"; cross-check: a 1-task group opened and closed (1 caller) = {one:.0f} B - {slope:.0f} B/task = " \
                   f"{one - slope:.0f} B"
            fixed = max(fixed, one - slope)  # the larger of the two estimates is what is checked
        return fixed, slope, slope_ch, why

    def cancel(self, measure, bench, contender):
        for g in self.latency:
            if g["benchmark"] == bench and g["contender"] == contender and g["measure"] == measure:
                return g
        return None

    # --- the tables ---

    def header(self, out):
        m = self.meta
        cores = int(m.get("cores", "0") or 0)
        load_start = [float(v) for v in m.get("load_start", "").split()] or [None]
        others = float(m["others_cpu_share"]) if m.get("others_cpu_share") else None
        quiet = (cores and load_start[0] is not None and others is not None
                 and load_start[0] < QUIET_LOAD_PER_CORE * cores and others < QUIET_OTHERS_SHARE)
        out.append("# errgroup benchmarks")
        out.append("")
        out.append(f"- mode: {m.get('mode', '?')}; commit {m.get('commit', '?')}"
                   f"{' (with uncommitted changes)' if m.get('dirty') == 'true' else ''}; "
                   f"{m.get('started', '?')} to {m.get('finished', '?')}")
        javas = "; ".join(f"{k}: {v}" for k, v in m.get("java", {}).items())
        out.append(f"- machine: {m.get('cores', '?')} cores, {m.get('arch', '?')}; JVMs: {'; '.join(m.get('jdks', []))}"
                   + (f" ({javas})" if javas else ""))
        out.append(f"- load average (1, 5, 15 min) at start {m.get('load_start', 'not recorded')}, at end "
                   f"{m.get('load_end', 'not recorded')} (the end includes this run); CPU used by other processes "
                   f"during the run: " + (f"{others * 100:.0f}% of all cores" if others is not None else "not recorded"))
        if m.get("note"):
            out.append(f"- {m['note']}")
        verdict = "**quiet**" if quiet else "**not quiet**: numbers are noisy, compare ratios within this run only"
        out.append(f"- machine {verdict} (quiet = 1-min load at start < {QUIET_LOAD_PER_CORE} x cores and other "
                   f"processes < {QUIET_OTHERS_SHARE * 100:.0f}% of the CPU during the run)")
        seconds = m.get("seconds", {})
        if seconds:
            total = sum(int(v) for v in seconds.values())
            out.append(f"- wall time of the JMH runs: {total // 60} min {total % 60} s ("
                       + ", ".join(f"{k} {v} s" for k, v in seconds.items()) + ")")
        settings = sorted({(r["forks"], r["warmup"], r["measurement"]) for r in self.results})
        out.append("- JMH: " + "; ".join(f"{f} fork(s), warm-up {w}, measurement {mm}" for f, w, mm in settings)
                   + f"; arguments: `{m.get('jmh_args', '').strip()}`")
        if m.get("failed"):
            out.append(f"- **JMH failed in: {m['failed']}** (see the logs under benchmarks/results/raw/)")
        if m.get("skipped"):
            out.append(f"- {m['skipped']}")
        out.append("- Ratios compare contenders of this run, same parameters, same executor. B/op = gc.alloc.rate.norm "
                   "(all threads). `check` names the target of issue 15 a row is checked against (see Targets), "
                   "or says reported.")

    def check_of(self, bench, contender, key):
        return "; ".join(self.checks.get((bench, contender, key), [])) or "reported"

    def average_tables(self, out):
        for bench, title, base_name, expected in TABLES:
            rows = [r for r in self.results if r["benchmark"] == bench]
            out += ["", f"## {title}", ""]
            if not rows:
                out.append("not measured")
                continue
            params_list = EXPECTED_PARAMS.get(bench, [])
            seen = [r["params"] for r in rows]
            for p in seen:
                if p not in params_list:
                    params_list = params_list + [p]
            out.append(f"| params | contender | time/op | ± (99.9%) | per fork | x {base_name} | B/op | B/task | check |")
            out.append("|---|---|---:|---:|---|---:|---:|---:|---|")
            for params in params_list:
                key = ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"
                base = next((r for r in rows if r["contender"] == base_name and r["params"] == params), None)
                contenders = expected + sorted({r["contender"] for r in rows if r["params"] == params} - set(expected))
                tasks = int(params["tasks"]) if "tasks" in params else TASKS_PER_OP.get(bench)
                for c in contenders:
                    r = next((r for r in rows if r["contender"] == c and r["params"] == params), None)
                    if r is None:
                        out.append(f"| {key} | {c} | not measured | | | | | | |")
                        continue
                    u = unit_of(r)
                    forks = ", ".join(fmt(f["score"]) for f in r["per_fork"])
                    a = r.get("alloc_bytes_per_op")
                    out.append(f"| {key} | {c}{' (base)' if c == base_name else ''} | {fmt(r['score'])} {u} | "
                               f"{fmt(r['error'])} | {forks} | {x(r['score'], base['score'] if base else None)} | "
                               f"{fmt_bytes(a)} | {fmt_bytes(a / tasks) if a is not None and tasks else 'n/a'} | "
                               f"{self.check_of(bench, c, key)} |")
            if bench.endswith("BlockingFanOutBenchmark"):
                if bench.startswith("Virtual"):
                    out.append("\nBound: 1 ms (all tasks park at once).")
                else:
                    out.append("\nBound with 2 pool threads: a caller that helps is a third worker, "
                               "ceil(tasks / 3) ms (16: 6 ms, 256: 86 ms); one that only waits, ceil(tasks / 2) ms "
                               "(16: 8 ms, 256: 128 ms).")

    def allocation_section(self, out):
        fixed, slope, slope_ch, why = self.group_bytes()
        out += ["", "## Allocation per group and per task", ""]
        if fixed is None:
            out.append("not measured")
            return
        out.append(f"- ErrGroup fixed bytes per group: **{fixed:.0f} B** ({why}).")
        out.append(f"- bytes per task (slope, 16 -> 256 tasks): ErrGroup {slope:.0f} B, caller helps "
                   f"{fmt(slope_ch)} B; each includes the benchmark's 4 B handle slot.")

    def cancel_tables(self, out):
        for bench, kind, contenders in CANCEL:
            out += ["", f"## Cancel latency: 15 parked siblings, one fails ({kind})", ""]
            if not any(g["benchmark"] == bench for g in self.latency) and not any(
                    r["benchmark"] == bench for r in self.results):
                out.append("not measured")
                continue
            out.append("From the failing task's `System.nanoTime()` just before it throws: `await` = until the owner's "
                       "wait returns, every sibling ended; `siblings` = until the last sibling sees its interrupt. "
                       "Per fork: p99 of all its measurement samples; per iteration: each iteration's p99, in order. "
                       "JMH's own clock (from the method's start, so including starting the failing task) last.")
            out.append("")
            out.append("| contender | clock | samples | p50 | p99 (worst fork) | p99 per fork | p99.9 | max | "
                       "p99 per iteration (per fork) | check |")
            out.append("|---|---|---:|---:|---:|---|---:|---:|---|---|")
            for c in contenders:
                for measure in ("await", "siblings"):
                    g = self.cancel(measure, bench, c)
                    if g is None:
                        out.append(f"| {c} | {measure} | not measured | | | | | | | |")
                        continue
                    alls = [f["all"] for f in g["forks"] if "all" in f]
                    n = sum(a["n"] for a in alls)
                    p50 = max((a["p50"] for a in alls), default=None)
                    p99s = [a["p99"] for a in alls]
                    p999 = max((a["p999"] for a in alls), default=None)
                    mx = max((a["max"] for a in alls), default=None)
                    per_it = " / ".join(", ".join(fmt(it["p99"]) for it in f["iterations"]) for f in g["forks"])
                    check = self.check_of(bench + ":" + measure, c, "") if measure == "await" else "reported"
                    out.append(f"| {c} | {measure} | {n} | {fmt(p50)} us | {fmt(max(p99s) if p99s else None)} us | "
                               f"{', '.join(fmt(v) for v in p99s)} | {fmt(p999)} us | {fmt(mx)} us | {per_it} | "
                               f"{check} |")
                r = self.find(bench, c)
                if r is not None:
                    pct = r["percentiles"]
                    per_fork = ", ".join(fmt(f["p99"]) for f in r["per_fork"])
                    per_it = " / ".join(", ".join(fmt(v) for v in f["p99_per_iteration"]) for f in r["per_fork"])
                    out.append(f"| {c} | JMH (from start) | {r['samples']} | {fmt(pct.get('50.0'))} {unit_of(r)} | "
                               f"{fmt(max(f['p99'] for f in r['per_fork']))} {unit_of(r)} | {per_fork} | "
                               f"{fmt(pct.get('99.9'))} {unit_of(r)} | {fmt(pct.get('100.0'))} {unit_of(r)} | "
                               f"{per_it} | reported (B/op incl. parking {fmt(r.get('alloc_bytes_per_op'))}) |")

    def callers_table(self, out):
        out += ["", "## Concurrent callers: one factory, open + one trivial task + await + close, pool of 2", ""]
        rows = {r["contender"]: r for r in self.results if r["benchmark"] == "ConcurrentCallersBenchmark"}
        if not rows:
            out.append("not measured")
            return
        out.append("| contender | callers | throughput (all callers) | ± (99.9%) | per fork | x same contender at 2 | "
                   "B/op | check |")
        out.append("|---|---:|---:|---:|---|---:|---:|---|")
        for c in CALLERS:
            name = c.rstrip("0123456789")
            callers = c[len(name):]
            r = rows.get(c)
            if r is None:
                out.append(f"| {name} | {callers} | not measured | | | | | |")
                continue
            two = rows.get(name + "2")
            out.append(f"| {name} | {callers} | {fmt(r['score'])} {r['unit']} | {fmt(r['error'])} | "
                       f"{', '.join(fmt(f['score']) for f in r['per_fork'])} | "
                       f"{x(r['score'], two['score'] if two else None)} | {fmt(r.get('alloc_bytes_per_op'))} | "
                       f"{self.check_of('ConcurrentCallersBenchmark', c, '-')} |")

    def page_table(self, out):
        out += ["", "## Product page (loopback, every downstream 50 ms; one client, one page at a time)", ""]
        rows = {r["contender"]: r for r in self.results if r["benchmark"] == "ProductPageBenchmark"}
        if not rows:
            out.append("not measured")
            return
        base = rows.get("oneCall")
        cf = rows.get("completableFuturePage")
        out.append("`oneCall` is the critical path (one downstream call through the same hops); `above` = the page "
                   "minus it, at the same percentile: what the fan-out costs.")
        out.append("")
        out.append("| contender | samples | p50 | p90 | p99 | p99.9 | p99 per fork | above p50 / p99 | "
                   "x CF p50 / p99 | B/op | check |")
        out.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|")
        for c in PAGES:
            r = rows.get(c)
            if r is None:
                out.append(f"| {c} | not measured | | | | | | | | | |")
                continue
            p = r["percentiles"]
            u = unit_of(r)
            above = "n/a"
            if base and c != "oneCall":
                bp = base["percentiles"]
                above = f"{p['50.0'] - bp['50.0']:.2f} / {p['99.0'] - bp['99.0']:.2f} {u}"
            vs_cf = "n/a"
            if cf and c != "oneCall":
                vs_cf = f"{x(p['50.0'], cf['percentiles']['50.0'])} / {x(p['99.0'], cf['percentiles']['99.0'])}"
            out.append(f"| {c} | {r['samples']} | {fmt(p.get('50.0'))} {u} | {fmt(p.get('90.0'))} {u} | "
                       f"{fmt(p.get('99.0'))} {u} | {fmt(p.get('99.9'))} {u} | "
                       f"{', '.join(fmt(f['p99']) for f in r['per_fork'])} | {above} | {vs_cf} | "
                       f"{fmt(r.get('alloc_bytes_per_op'))} | {self.check_of('ProductPageBenchmark', c, '-')} |")

    def targets_table(self, out):
        out += ["", "## Targets (issue 15), on this run's numbers", ""]
        out.append("| # | target | measured | status |")
        out.append("|---|---|---|---|")
        for tid, name, measured, status, why in self.targets:
            bold = f"**{status}**" if status.startswith("NOT") else status
            out.append(f"| {tid} | {name} | {measured} | {bold} |")
        notes = [f"- {tid}: {why}" for tid, _, _, _, why in self.targets if why]
        if notes:
            out.append("")
            out += notes

    def render(self):
        self.check_targets()
        out = []
        self.header(out)
        self.targets_table(out)
        self.average_tables(out)
        self.allocation_section(out)
        self.cancel_tables(out)
        self.callers_table(out)
        self.page_table(out)
        return "\n".join(out) + "\n"


def render(args):
    with open(args.summary, encoding="utf-8") as f:
        summary = json.load(f)
    text = Report(summary).render()
    with open(args.out_md, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summarize", help="JMH's raw JSON (+ CancelProbe's lines) -> the compact summary")
    s.add_argument("--out", required=True)
    s.add_argument("--latency", help="CancelProbe's JSON lines")
    s.add_argument("--meta", action="append", default=[], help="KEY=VALUE (dots nest: seconds.jdk25=600)")
    s.add_argument("inputs", nargs="+")
    r = sub.add_parser("render", help="the compact summary -> Markdown")
    r.add_argument("summary")
    r.add_argument("out_md")
    args = ap.parse_args(argv)
    return summarize(args) if args.command == "summarize" else render(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
