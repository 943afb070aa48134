#!/usr/bin/env python3
"""Turns JMH JSON results into the Markdown tables of the README's "Performance" section.

    report.py [--merge OUT.json] [--note TEXT]... OUT.md IN.json [IN.json...]

Every table compares the contenders of one benchmark with the same parameters, which ran in the same
JMH run on the same executor, against the baseline of that benchmark (the raw executor, or on virtual
threads for cancel latency, StructuredTaskScope): a ratio above 1 is slower, or more bytes, than the
baseline. Allocation is JMH's gc.alloc.rate.norm (bytes allocated by all threads per operation,
from `-prof gc`) divided by the tasks in one operation. Only the standard library: no network.
"""

import argparse
import json
import sys

# Tasks in one operation, where the benchmark has no `tasks` parameter.
TASKS_PER_OP = {
    "NestedFanOutBenchmark": 8 + 64 + 512,
    "CancelLatencyBenchmark": 16,
    "VirtualThreadCancelLatencyBenchmark": 16,
}

# The first of these that a benchmark has is its baseline.
BASELINES = ["rawExecutor", "rawExecutorUnbounded", "structuredTaskScope"]

# Display order of contenders; unknown ones go last, alphabetically.
ORDER = ["rawExecutor", "rawExecutorUnbounded", "completableFuture", "completableFutureUnbounded",
         "structuredTaskScope", "errGroup", "errGroupUnbounded", "errGroupTwoThreads"]

TITLES = {
    "FanOutBenchmark": "Fan-out on a fixed thread pool (time per fan-out)",
    "VirtualThreadFanOutBenchmark": "Fan-out on virtual threads, JDK 25 (time per fan-out)",
    "NestedFanOutBenchmark": "Nested fan-out, depth 3 x width 8 = 584 tasks (time per tree)",
    "CancelLatencyBenchmark": "Cancel latency: 15 parked siblings, one fails (platform threads)",
    "VirtualThreadCancelLatencyBenchmark": "Cancel latency: 15 parked siblings, one fails (virtual threads, JDK 25)",
}


def split(name):
    cls, method = name.rsplit(".", 1)
    return cls.rsplit(".", 1)[-1], method


def order_key(method):
    return (ORDER.index(method), method) if method in ORDER else (len(ORDER), method)


def fmt(value, digits=3):
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def ratio(value, base):
    if value is None or base in (None, 0):
        return "n/a"
    return f"{value / base:.2f}"


def alloc_norm(entry):
    metric = entry.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return metric["score"] if metric else None


def tasks_per_op(cls, params):
    if "tasks" in params:
        return int(params["tasks"])
    return TASKS_PER_OP.get(cls)


def params_label(params):
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "-"


def group_results(entries):
    groups = {}
    for e in entries:
        cls, method = split(e["benchmark"])
        params = e.get("params", {}) or {}
        key = (cls, tuple(sorted(params.items())), e["jdkVersion"])
        groups.setdefault(key, {})[method] = e
    return groups


def average_table(cls, groups, out):
    out.append("| JDK | params | contender | time/op | ± (99.9%) | x baseline | B/task | x baseline B |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|")
    for (c, params, jdk), by_method in sorted(groups.items(), key=lambda kv: (kv[0][2], param_sort(kv[0][1]))):
        if c != cls:
            continue
        base_name = next((b for b in BASELINES if b in by_method), None)
        base = by_method.get(base_name)
        tasks = tasks_per_op(cls, dict(params))
        for method in sorted(by_method, key=order_key):
            e = by_method[method]
            pm = e["primaryMetric"]
            alloc = alloc_norm(e)
            per_task = alloc / tasks if (alloc is not None and tasks) else None
            base_alloc = alloc_norm(base) if base else None
            label = method + (" (baseline)" if method == base_name else "")
            out.append(f"| {jdk} | {params_label(dict(params))} | {label} | {fmt(pm['score'])} {pm['scoreUnit']} | "
                       f"{fmt(pm['scoreError'])} | {ratio(pm['score'], base['primaryMetric']['score'] if base else None)} | "
                       f"{fmt(per_task)} | {ratio(alloc, base_alloc)} |")


def sample_table(cls, groups, out):
    out.append("| JDK | contender | p50 | p99 | p99.9 | max | samples | x baseline p50 | x baseline p99 | B/op (incl. parking) |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (c, params, jdk), by_method in sorted(groups.items(), key=lambda kv: kv[0][2]):
        if c != cls:
            continue
        base_name = next((b for b in BASELINES if b in by_method), None)
        base = by_method.get(base_name)
        for method in sorted(by_method, key=order_key):
            e = by_method[method]
            pm = e["primaryMetric"]
            pct = pm.get("scorePercentiles", {})
            bpct = base["primaryMetric"].get("scorePercentiles", {}) if base else {}
            unit = pm["scoreUnit"].split("/")[0]
            n = samples_count(pm)
            label = method + (" (baseline)" if method == base_name else "")
            out.append(f"| {jdk} | {label} | {fmt(pct.get('50.0'))} {unit} | {fmt(pct.get('99.0'))} {unit} | "
                       f"{fmt(pct.get('99.9'))} {unit} | {fmt(pct.get('100.0'))} {unit} | {n if n else 'n/a'} | "
                       f"{ratio(pct.get('50.0'), bpct.get('50.0'))} | {ratio(pct.get('99.0'), bpct.get('99.0'))} | "
                       f"{fmt(alloc_norm(e))} |")


def samples_count(pm):
    """Number of samples: JMH's SampleTime histogram is [fork][iteration][[value, count]...]."""
    total = 0
    for fork in pm.get("rawDataHistogram", []):
        for iteration in fork:
            for _value, count in iteration:
                total += count
    return total


def param_sort(params):
    return tuple((k, int(v) if str(v).isdigit() else v) for k, v in params)


def find(groups, cls, method, **params):
    for (c, ps, jdk), by_method in groups.items():
        if c == cls and method in by_method and all(dict(ps).get(k) == str(v) for k, v in params.items()):
            return by_method[method]
    return None


def targets(groups, out):
    """The issue's targets, checked on these numbers: met, missed, or not measured in this run."""
    rows = []

    def score(e):
        return e["primaryMetric"]["score"] if e else None

    for threads in ("2", "8"):
        raw = find(groups, "FanOutBenchmark", "rawExecutor", threads=threads, tasks=16)
        cf = find(groups, "FanOutBenchmark", "completableFuture", threads=threads, tasks=16)
        eg = find(groups, "FanOutBenchmark", "errGroup", threads=threads, tasks=16)
        if raw and eg:
            r = score(eg) / score(raw)
            rows.append((f"fan-out of 16, {threads} threads: errGroup <= 1.10 x rawExecutor",
                         f"{r:.2f} x", r <= 1.10))
        if cf and eg:
            r = score(eg) / score(cf)
            rows.append((f"fan-out of 16, {threads} threads: errGroup <= completableFuture",
                         f"{r:.2f} x", r <= 1.0))
        if cf and eg and alloc_norm(cf) and alloc_norm(eg) is not None:
            r = alloc_norm(eg) / alloc_norm(cf)
            rows.append((f"fan-out of 16, {threads} threads: errGroup bytes/task <= completableFuture's",
                         f"{alloc_norm(eg) / 16:.0f} vs {alloc_norm(cf) / 16:.0f} B/task", r <= 1.0))
    eg = find(groups, "CancelLatencyBenchmark", "errGroup")
    if eg:
        p99 = eg["primaryMetric"]["scorePercentiles"]["99.0"]
        unit = eg["primaryMetric"]["scoreUnit"]
        in_ms = p99 / 1000 if unit.startswith("us") else p99 / 1e6 if unit.startswith("ns") else p99
        rows.append(("cancel latency p99 <= 1 ms (platform threads)", f"{in_ms:.3f} ms", in_ms <= 1.0))
    two = find(groups, "NestedFanOutBenchmark", "errGroupTwoThreads")
    unb = find(groups, "NestedFanOutBenchmark", "errGroupUnbounded")
    if two and unb:
        r = score(two) / score(unb)
        rows.append(("nested fan-out on 2 threads <= 1.5 x on an unbounded pool", f"{r:.2f} x", r <= 1.5))
    if not rows:
        return
    out.append("")
    out.append("### Targets (issue 7)")
    out.append("")
    out.append("| target | measured | met |")
    out.append("|---|---:|:---:|")
    for name, measured, met in rows:
        out.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_md")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--merge", help="also write all inputs as one JMH JSON array here")
    ap.add_argument("--note", action="append", default=[], help="a line for the header (machine, load, mode)")
    args = ap.parse_args(argv)

    entries = []
    for path in args.inputs:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        if text:
            entries.extend(json.loads(text))
    if args.merge:
        with open(args.merge, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=2)
            f.write("\n")

    groups = group_results(entries)
    out = ["# errgroup benchmarks", ""]
    out.extend(f"- {note}" for note in args.note)
    jvms = sorted({f"{e['vmName']} {e['jdkVersion']}" for e in entries})
    out.append(f"- JVMs: {'; '.join(jvms)}")
    modes = sorted({(e['forks'], e['warmupIterations'], e['warmupTime'], e['measurementIterations'],
                     e['measurementTime']) for e in entries})
    for forks, wi, wt, mi, mt in modes:
        out.append(f"- JMH: {forks} fork(s), warm-up {wi} x {wt}, measurement {mi} x {mt}")
    out.append("- Ratios compare contenders of the same run, same parameters, same executor, to the baseline marked;"
               " B/task = gc.alloc.rate.norm (all threads) / tasks per operation.")
    classes = []
    for (cls, _params, _jdk) in groups:
        if cls not in classes:
            classes.append(cls)
    for cls in sorted(classes, key=lambda c: list(TITLES).index(c) if c in TITLES else len(TITLES)):
        out.append("")
        out.append(f"## {TITLES.get(cls, cls)}")
        out.append("")
        modes_of_cls = {e["mode"] for e in entries if split(e["benchmark"])[0] == cls}
        if modes_of_cls == {"sample"}:
            sample_table(cls, groups, out)
        else:
            average_table(cls, groups, out)
    targets(groups, out)
    with open(args.out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
