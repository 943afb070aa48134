#!/usr/bin/env bash
# Runs the JMH benchmarks; writes benchmarks/results/<date>.json (a compact summary: per benchmark and
# parameters the score, error, per-fork and per-iteration figures, percentiles, bytes per operation, the
# cancel-latency clock's lines; the commit, JDKs, load) and benchmarks/results/<date>.md (the tables and
# every target of issue 15, met or not; see report.py). JMH's raw JSON and logs go to
# benchmarks/results/raw/<date>[-quick]/, which git ignores.
#
#   benchmarks/run.sh quick   # about 6 minutes on 2 cores: 1 fork, 1 x 0.5 s warm-up, 2 x 1 s measurement
#   benchmarks/run.sh full    # the README's table, the benchmarks' own settings (2 forks); about 30 minutes on 2 cores
#   benchmarks/run.sh quick 'FanOut' 'Cancel' -- -p tasks=16   # only benchmarks matching a regex; JMH options after --
#
# Each benchmark class runs in its own JMH invocation (a "part"), so that a benchmark that throws (-foe
# true) costs the results of its class, not of the whole run; the report says which parts failed.
# Benchmarks on platform threads run on the default java (the project's baseline, 17); those on
# virtual threads and StructuredTaskScope on a JDK 25 (JDK25_HOME, or /usr/lib/jvm/temurin-25-*),
# skipped when there is none. The classes are built every time (incremental, with the reactor), so that
# what runs is the commit recorded; MVN_FLAGS adds Maven flags (e.g. MVN_FLAGS=-o for offline).
# Quick results are written as <date>-quick.* (git-ignored) so that they never replace a full run.
set -euo pipefail

mode="${1:-quick}"
shift || true
case "$mode" in
  quick | full) ;;
  *) echo "usage: $0 [quick|full] [REGEX...] [-- JMH options...]" >&2; exit 2 ;;
esac
patterns=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do patterns+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
jmh_options=("$@")

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
results="$here/results"
stamp="$(date -u +%Y-%m-%d)"
[ "$mode" = quick ] && stamp="$stamp-quick"
raw="$results/raw/$stamp"
rm -rf "$raw"
mkdir -p "$raw"

started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
# Dirty: anything changed outside the results folder, which a run itself writes.
dirty=false
if [ -n "$(git -C "$root" status --porcelain -- . ':(exclude)benchmarks/results' 2>/dev/null)" ]; then dirty=true; fi

jdk25="${JDK25_HOME:-}"
if [ -z "$jdk25" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25*; do
    if [ -x "$candidate/bin/java" ]; then jdk25="$candidate"; break; fi
  done
fi

# No uber jar (Spring Boot's same-named META-INF files would need merging): JMH runs on the module's
# classes and the classpath Maven writes beside them; the forks inherit it.
build=(mvn -B -q ${MVN_FLAGS:-} -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true)
echo "== building (default JDK)"
(cd "$root" && "${build[@]}")
cp17="$here/target/classes:$(cat "$here/target/classpath.txt")"
if [ -n "$jdk25" ]; then
  echo "== building with $jdk25"
  (cd "$root" && JAVA_HOME="$jdk25" "${build[@]}" -Pjdk25)
  cp25="$here/target/jdk25/classes:$(cat "$here/target/jdk25/classpath.txt")"
fi

# Quietness: the load before the run, and the CPU others used during it (/proc/stat's busy time minus
# this script's children's, i.e. the JMH JVMs and their forks). The load average at the end counts the
# run itself, so it is recorded but not used to judge.
cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
# `times` must run in this shell, not in a $(...) subshell, which has no children of its own.
children_cpu() {
  times >"$raw/times.tmp"
  tail -1 "$raw/times.tmp" | awk '{ split($1,u,"m"); split($2,s,"m"); print u[1]*60 + u[2] + s[1]*60 + s[2] }'
}
busy_before="$(cpu_busy)"
children_cpu >"$raw/ours-before.tmp"
ours_before="$(cat "$raw/ours-before.tmp")"
clock_before="$(date +%s.%N)"

# -prof gc everywhere: it costs little and gives the bytes per operation of every contender in the same
# run. -foe: a benchmark that throws fails the run instead of leaving a hole in the tables.
common=(-foe true -prof gc -rf json)
if [ "$mode" = quick ]; then
  common+=(-f 1 -wi 1 -w 500ms -i 2 -r 1s)
fi
export ERRGROUP_BENCH_LATENCY="$raw/cancel-latency.jsonl" # CancelProbe's per-iteration lines

parts=()
failed=()
part_notes=()
# Runs one JMH invocation; its wall time and JVM go into the summary.
run_part() {
  local name="$1" java="$2" cp="$3"
  shift 3
  local out="$raw/$name.json" begin end
  echo "== $name: $("$java" -version 2>&1 | head -1)"
  begin="$(date +%s)"
  if ! "$java" -cp "$cp" org.openjdk.jmh.Main "$@" -rff "$out" 2>&1 | tee "$raw/$name.log"; then
    failed+=("$name")
  fi
  end="$(date +%s)"
  part_notes+=(--meta "seconds.$name=$((end - begin))")
  if [ -s "$out" ]; then parts+=("$out"); fi
}

# One part per benchmark class, with exactly the benchmarks of that class the patterns select.
run_classes() {
  local jdk_name="$1" java="$2" cp="$3"
  shift 3 # the rest: JMH's exclusion options for this JDK
  local listed cls methods
  part_notes+=(--meta "java.$jdk_name=$("$java" -version 2>&1 | head -1)")
  listed="$("$java" -cp "$cp" org.openjdk.jmh.Main -l "${patterns[@]}" "$@" | tail -n +2)"
  for cls in $(printf '%s\n' "$listed" | sed 's/\.[^.]*$//' | sort -u); do
    methods="$(printf '%s\n' "$listed" | grep "^$cls\.[^.]*$" | sed 's/.*\.//' | paste -sd '|')"
    run_part "${cls##*.}" "$java" "$cp" "${common[@]}" "${jmh_options[@]}" "^${cls//./\\.}\\.($methods)\$"
  done
}

# The default JDK runs every benchmark its classes have (the platform-thread ones).
run_classes jdk-default java "$cp17"
if [ -n "$jdk25" ]; then
  # The JDK 25 classes have every benchmark; here only those that need 25.
  run_classes jdk25 "$jdk25/bin/java" "$cp25" \
    -e '\.(FanOut|BlockingFanOut|CancelLatency|NestedFanOut|ConcurrentCallers|ProductPage)Benchmark\.'
else
  part_notes+=(--meta "skipped=no JDK 25 found (set JDK25_HOME): virtual-thread and StructuredTaskScope benchmarks not run")
fi

clock_after="$(date +%s.%N)"
busy_after="$(cpu_busy)"
children_cpu >"$raw/ours-after.tmp"
ours_after="$(cat "$raw/ours-after.tmp")"
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
hz="$(getconf CLK_TCK)"
cores="$(nproc)"
others="$(awk -v b0="$busy_before" -v b1="$busy_after" -v o0="$ours_before" -v o1="$ours_after" \
  -v t0="$clock_before" -v t1="$clock_after" -v hz="$hz" -v n="$cores" \
  'BEGIN { x = ((b1 - b0) / hz - (o1 - o0)) / ((t1 - t0) * n); if (x < 0) x = 0; printf "%.3f", x }')"

if [ ${#parts[@]} -eq 0 ]; then
  echo "no benchmark produced results; logs in $raw" >&2
  exit 1
fi
python3 "$here/report.py" summarize --out "$results/$stamp.json" --latency "$ERRGROUP_BENCH_LATENCY" \
  --meta "mode=$mode" --meta "commit=$commit" --meta "dirty=$dirty" --meta "cores=$cores" \
  --meta "arch=$(uname -m)" --meta "started=$started_at" --meta "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --meta "load_start=$load_start" --meta "load_end=$load_end" --meta "others_cpu_share=$others" \
  --meta "failed=${failed[*]:-}" --meta "jmh_args=${common[*]} ${jmh_options[*]:-}" --meta "patterns=${patterns[*]:-}" "${part_notes[@]}" "${parts[@]}"
python3 "$here/report.py" render "$results/$stamp.json" "$results/$stamp.md"
echo "== wrote $results/$stamp.json and $results/$stamp.md (raw JMH JSON and logs: $raw)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "JMH failed in: ${failed[*]} (see the logs in $raw)" >&2
  exit 1
fi
