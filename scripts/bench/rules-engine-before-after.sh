#!/usr/bin/env bash
# The rules engine's throughput before and after a change, side by side in one run: builds the
# benchmarks of a baseline commit (default: the commit before the rules-engine throughput work)
# beside the working tree's, then runs each JMH benchmark of RulesEngineBench (evaluate, parse,
# parseAndEvaluate; MySQL and MariaDB fleets of 1,000 and 10,000 clusters of three) once on the
# baseline and at once on the working tree, so both see the same machine load, and prints ns per
# record (parse, evaluate, both), records/s and bytes allocated per record. Results (JMH CSV files
# and the table) go to target/bench/before-after/.
#
#   scripts/bench/rules-engine-before-after.sh [baseline-commit]
#   WARMUP=10 ITERATIONS=10 scripts/bench/rules-engine-before-after.sh   # longer, on a quiet machine
#   MVN_OFFLINE= scripts/bench/rules-engine-before-after.sh              # let Maven download
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=${1:-da2ae77}
WARMUP=${WARMUP:-5}
ITERATIONS=${ITERATIONS:-5}
MVN_OFFLINE=${MVN_OFFLINE--o}
OUT=target/bench/before-after
rm -rf "$OUT" && mkdir -p "$OUT/baseline"
git archive "$BASE" | tar -x -C "$OUT/baseline"

classpath() { # the test classpath of the project in $1
    (cd "$1" && ./mvnw -B -q $MVN_OFFLINE test-compile -Djazzer.fuzz.skip=true \
        && ./mvnw -B -q $MVN_OFFLINE dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt)
    echo "$(cd "$1" && pwd)/target/test-classes:$(cd "$1" && pwd)/target/classes:$(cat "$1/target/cp.txt")"
}
BEFORE_CP=$(classpath "$OUT/baseline")
AFTER_CP=$(classpath .)

for clusters in 1000 10000; do
  for flavor in mysql mariadb; do
    for bench in RulesEngineBenchmark.evaluate ConsumedRecordBenchmark.parse ConsumedRecordBenchmark.parseAndEvaluate; do
      for side in before after; do
        cp=$BEFORE_CP; [ "$side" = after ] && cp=$AFTER_CP
        echo "== $side $bench $flavor $clusters"
        java -cp "$cp" org.openjdk.jmh.Main "^io\.replsentinel\.bench\.$bench\$" -p clusters=$clusters -p flavor=$flavor \
            -f 1 -wi "$WARMUP" -w 1 -i "$ITERATIONS" -r 1 -t 1 -prof gc -jvmArgs '-Xms1g -Xmx1g' \
            -rf csv -rff "$OUT/$side-$bench-$flavor-$clusters.csv" > "$OUT/$side-$bench-$flavor-$clusters.log"
      done
    done
  done
done

# score (ops/s) and allocation (B/op) of one run
score() { awk -F, 'NR==2 {print $5}' "$OUT/$1.csv"; }
alloc() { awk -F, '/gc.alloc.rate.norm/ {print $5}' "$OUT/$1.csv"; }
{
  echo "rules engine before ($BASE) and after ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')), one thread,"
  echo "$(nproc) processors, load average $(cut -d' ' -f1-3 /proc/loadavg); JMH scores (mean of the iterations), ns per record"
  printf '%-8s %6s | %-17s | %-17s | %-17s | %-19s | %-15s\n' flavor clusters "parse ns" "evaluate ns" "parse+eval ns" "records/s" "B/record"
  for clusters in 1000 10000; do
    for flavor in mysql mariadb; do
      row=()
      for bench in ConsumedRecordBenchmark.parse RulesEngineBenchmark.evaluate ConsumedRecordBenchmark.parseAndEvaluate; do
        b=$(score "before-$bench-$flavor-$clusters"); a=$(score "after-$bench-$flavor-$clusters")
        row+=("$(awk -v b="$b" -v a="$a" 'BEGIN {printf "%7.0f -> %6.0f", 1e9/b, 1e9/a}')")
      done
      b=$(score "before-ConsumedRecordBenchmark.parseAndEvaluate-$flavor-$clusters")
      a=$(score "after-ConsumedRecordBenchmark.parseAndEvaluate-$flavor-$clusters")
      row+=("$(awk -v b="$b" -v a="$a" 'BEGIN {printf "%7.0f -> %8.0f", b, a}')")
      b=$(alloc "before-ConsumedRecordBenchmark.parseAndEvaluate-$flavor-$clusters")
      a=$(alloc "after-ConsumedRecordBenchmark.parseAndEvaluate-$flavor-$clusters")
      row+=("$(awk -v b="$b" -v a="$a" 'BEGIN {printf "%6.0f -> %5.0f", b, a}')")
      printf '%-8s %6s | %s | %s | %s | %s | %s\n' "$flavor" "$clusters" "${row[@]}"
    done
  done
} | tee "$OUT/before-after.txt"
