#!/usr/bin/env bash
# Erasure-codec throughput: ISA-L from C (the baseline) against the Java codec's implementations,
# single thread, pinned to one core, interleaved so that machine noise hits both sides alike.
#
# Prerequisites: gcc and libisal-dev (Debian: apt-get install gcc libisal-dev), and the JMH jar:
#   ./mvnw -B -pl storage-core install -DskipTests && ./mvnw -B -pl bench package
# Usage (from the repository root):  bench/src/main/sh/codec-bench.sh [rounds] [cpu]
# Writes bench/target/codec-bench/ and prints the markdown table of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-2}
cpu=${2:-1}
out=target/codec-bench
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
mkdir -p "$out"
rm -f "$out"/*
gcc -O2 -Wall -o target/isal_ec_bench src/main/c/isal_ec_bench.c -lisal
for round in $(seq 1 "$rounds"); do
  for kind in isal vector scalar; do
    taskset -c "$cpu" target/isal_ec_bench $((1 << 20)) 1 > "$out/c-$round-$kind.txt"
    taskset -c "$cpu" "$java" -jar target/benchmarks.jar CodecBenchmark -p kind="$kind" \
      -f 1 -wi 3 -i 3 -w 1s -r 1s -rf json -rff "$out/java-$round-$kind.json" \
      > "$out/java-$round-$kind.log" 2>&1
  done
done
python3 src/main/sh/codec_report.py "$out"
