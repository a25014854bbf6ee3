#!/usr/bin/env bash
# Fuzzes the protocol's decoders and the readers of outside files with libFuzzer.
#   Fuzz/run.sh [SECONDS] [TARGET...]   SECONDS per target (default 60); targets default to all:
#                                       frames toml config sdn un pain002 camt csv
# Links with lld: gold crashes on this link. Findings land in Fuzz/artifacts/TARGET-crash-...;
# replay one with: swift run RemitFuzz TARGET Fuzz/artifacts/TARGET-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frames toml config sdn un pain002 camt csv)
flags=(--scratch-path .build-fuzz --product RemitFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DREMIT_FUZZ
       -Xswiftc -use-ld=lld)
swift build "${flags[@]}" 2>&1 | tail -n 3
binary=$(swift build "${flags[@]}" --show-bin-path)/RemitFuzz
export SWIFT_BACKTRACE=enable=no
mkdir -p Fuzz/artifacts
failed=0
for target in "${targets[@]}"; do
  work="Fuzz/work/$target"
  mkdir -p "$work/corpus"
  if [ "$target" = frames ]; then
    python3 Fuzz/make_corpus.py "$work/seeds" > /dev/null
    seeds="$work/seeds"
    max_len=8192
  else
    seeds="Fuzz/seeds/$target"
    max_len=16384
  fi
  options=()
  [ -f "Fuzz/dicts/$target.dict" ] && options+=(-dict="Fuzz/dicts/$target.dict")
  # FoundationXML (the toolchain's) leaks a 72-byte CFString for each XML error it reports;
  # checking for leaks after every such input holds these targets to about 20 inputs a second.
  leaks=1
  case "$target" in un|pain002|camt) options+=(-detect_leaks=0); leaks=0 ;; esac
  ASAN_OPTIONS="detect_leaks=$leaks" REMIT_FUZZ_TARGET="$target" "$binary" "$work/corpus" "$seeds" "${options[@]}" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="Fuzz/artifacts/$target-" -print_final_stats=1 > "$work/last-run.log" 2>&1 || true
  grep -E "ERROR|SUMMARY|Fatal error" "$work/last-run.log" | head -5 || true
  runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$work/last-run.log" | grep -oE "[0-9]+$" | tail -n 1 || echo 0)
  if grep -qE "ERROR: (libFuzzer|AddressSanitizer)|SUMMARY: " "$work/last-run.log" || [ "$runs" = 0 ]; then
    echo "fuzz $target: a finding (or no run) after ${runs} inputs: see $work/last-run.log and Fuzz/artifacts/" >&2
    failed=1
  else
    echo "fuzz $target: ${runs} inputs in ${seconds}s, no finding"
  fi
done
exit $failed
