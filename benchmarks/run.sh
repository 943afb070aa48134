#!/usr/bin/env bash
# Runs the JMH benchmarks and writes benchmarks/results/<date>.json (JMH's JSON, all runs merged) and
# benchmarks/results/<date>.md (each contender's ratio to the raw-executor baseline; see report.py).
#
#   benchmarks/run.sh quick   # a few minutes on 2 cores: 1 fork, short iterations, a subset of params
#   benchmarks/run.sh full    # the README's table: the benchmarks' own settings (3 forks, 5 x 1 s + 5 x 2 s)
#
# Extra arguments go to JMH, e.g. `benchmarks/run.sh quick FanOut` or `... full -p threads=2`.
# Benchmarks on platform threads run on the default java (the project's baseline, 17); those on
# virtual threads and StructuredTaskScope run on a JDK 25 (JDK25_HOME, or /usr/lib/jvm/temurin-25-*),
# skipped when there is none. Each jar is built when missing; delete benchmarks/target to rebuild.
# Quick results are written as <date>-quick.* so that they never replace a full run of the same day.
set -euo pipefail

mode="${1:-quick}"
shift || true
case "$mode" in
  quick | full) ;;
  *) echo "usage: $0 [quick|full] [JMH arguments...]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
results="$here/results"
mkdir -p "$results"
stamp="$(date +%Y-%m-%d)"
[ "$mode" = quick ] && stamp="$stamp-quick"

jdk25="${JDK25_HOME:-}"
if [ -z "$jdk25" ]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25*; do
    if [ -x "$candidate/bin/java" ]; then jdk25="$candidate"; break; fi
  done
fi

jar="$here/target/benchmarks.jar"
jar25="$here/target/jdk25/benchmarks-jdk25.jar"
# The benchmarks need errgroup-core's classes, not its Javadoc jar.
build=(mvn -B -q -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true)
if [ ! -f "$jar" ]; then
  echo "== building $jar"
  (cd "$root" && "${build[@]}")
fi
if [ -n "$jdk25" ] && [ ! -f "$jar25" ]; then
  echo "== building $jar25 with $jdk25"
  (cd "$root" && JAVA_HOME="$jdk25" "${build[@]}" -Pjdk25)
fi

# -prof gc everywhere: it costs little and gives the bytes per task of every contender in the same run.
common=(-prof gc -rf json)
if [ "$mode" = quick ]; then
  common+=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
  params17=(-p threads=2 -p tasks=1,16,256)
  params25=(-p tasks=16)
else
  params17=()
  params25=()
fi

parts=()
notes=("mode: $mode; machine: $(nproc) cores, $(uname -m), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)")

# Runs one JMH invocation; a part that matched no benchmark (or failed) is noted, not fatal.
run_part() {
  local name="$1" java="$2"
  shift 2
  local part="$results/$stamp.$name.json.tmp"
  rm -f "$part"
  echo "== $name: $("$java" -version 2>&1 | head -1)"
  if ! "$java" -jar "$@" -rff "$part" 2>&1 | tee "$results/$stamp.$name.log.tmp"; then
    notes+=("part '$name' did not complete: see $results/$stamp.$name.log.tmp")
  fi
  if [ -s "$part" ]; then parts+=("$part"); fi
}

# The default JDK's jar has only the platform-thread benchmarks.
run_part jdk-default java "$jar" "${common[@]}" "${params17[@]}" "$@"

if [ -n "$jdk25" ]; then
  # The JDK 25 jar has every benchmark; here only those that need 25 (patterns in "$@" narrow them).
  run_part jdk25 "$jdk25/bin/java" "$jar25" "${common[@]}" "${params25[@]}" "$@" \
    -e '\.(FanOut|CancelLatency|NestedFanOut)Benchmark\.'
else
  notes+=("no JDK 25 found (set JDK25_HOME): virtual-thread and StructuredTaskScope benchmarks not run")
fi

notes+=("load average at end: $(cut -d' ' -f1-3 /proc/loadavg)")
args=()
for note in "${notes[@]}"; do args+=(--note "$note"); done
if [ ${#parts[@]} -eq 0 ]; then
  echo "no benchmark produced results" >&2
  exit 1
fi
python3 "$here/report.py" --merge "$results/$stamp.json" "${args[@]}" "$results/$stamp.md" "${parts[@]}"
rm -f "${parts[@]}"
echo "== wrote $results/$stamp.json and $results/$stamp.md"
