#!/usr/bin/env bash
# Fuzzes the frame and message decoders with libFuzzer.
#   Fuzz/run.sh [SECONDS]      default 60; CI runs a short one
# Links with lld: gold crashes on this link. Findings land in Fuzz/artifacts/; replay one with: swift run RemitFuzz Fuzz/artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work=Fuzz/work
mkdir -p "$work/corpus" Fuzz/artifacts
python3 Fuzz/make_corpus.py "$work/seeds"
swift build --scratch-path .build-fuzz --product RemitFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DREMIT_FUZZ -Xswiftc -use-ld=lld 2>&1 | tail -n 3
binary=$(swift build --scratch-path .build-fuzz --product RemitFuzz --show-bin-path \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DREMIT_FUZZ -Xswiftc -use-ld=lld)/RemitFuzz
export SWIFT_BACKTRACE=enable=no
"$binary" "$work/corpus" "$work/seeds" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix=Fuzz/artifacts/ -print_final_stats=1 2>&1 | tee "$work/last-run.log" | grep -E "^#[0-9]+.*(INITED|DONE)|stat::|ERROR|SUMMARY" || true
if grep -qE "ERROR: (libFuzzer|AddressSanitizer)|SUMMARY: " "$work/last-run.log"; then
  echo "fuzz: a finding is in Fuzz/artifacts/" >&2
  exit 1
fi
runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$work/last-run.log" | grep -oE "[0-9]+$" || echo 0)
echo "fuzz: ${runs} inputs in ${seconds}s, no finding"
