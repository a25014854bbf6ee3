#!/usr/bin/env bash
# Throughput on an empty ledger against the same load after PREFILL transfers, in one remitd
# process (release build, demo defaults, payouts paused): what "within 20 % of an empty ledger"
# is measured with.
#
#   swift build -c release && Benchmarks/growth.sh                 # PREFILL=204725 by default
#   PREFILL=10000000 Benchmarks/growth.sh                         # the issue's 10 million (9 minutes here)
#   PROBES=5 Benchmarks/growth.sh                                 # rounds of the probe on each side (3)
#   LOADGEN_FLAGS=--random-ids Benchmarks/growth.sh               # UUIDv4 transfer ids instead of v7
#   BIN=/tmp/old-build PREFILL=10000000 Benchmarks/growth.sh      # another build (its remitd and remit-loadgen)
#   KEEP=1 Benchmarks/growth.sh     # keep the folder (printed) to profile the grown ledger: run
#                                   # remitd --demo in it again
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BIN:-$(pwd)/.build/release}"   # BIN=FOLDER: another build's remitd and remit-loadgen
prefill=${PREFILL:-204725}
extra=${LOADGEN_FLAGS:-}
work=$(mktemp -d /tmp/remit-growth.XXXXXX)
# shellcheck source=Benchmarks/demo.sh
. Benchmarks/demo.sh
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"' EXIT
cd "$work"
start_demo 'text += "\n[payouts]\nenabled = false\n"'
"$bin/remit-loadgen" --transfers 1 --fund 100000000000.00 --no-verify >/dev/null
# shellcheck disable=SC2086 # $extra is a list of flags
probe() { "$bin/remit-loadgen" --transfers 40000 --batch 1 --connections 256 --window 1 --no-verify $extra | sed -n 2p; }
# This machine's rounds vary by 10 to 30 % from one minute to the next: PROBES rounds of the
# probe on each side, each printed, and their median.
probes() {
  local rates=() line
  for _ in $(seq "${PROBES:-3}"); do
    line=$(probe)
    echo "  $line" >&2
    rates+=("$(echo "$line" | grep -oE '[0-9]+ transfers/s' | grep -oE '^[0-9]+')")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk '{ r[NR] = $1 } END { print "median " r[int((NR + 1) / 2)] " transfers/s of " NR " rounds" }'
}
echo "empty ledger:      $(probes)"
"$bin/remit-loadgen" --transfers "$prefill" --batch 8189 --connections 2 --window 2 --no-verify $extra | sed -n 2p | sed 's/^/prefill: /'
echo "after the prefill: $(probes)"
echo "peak RSS: $(( $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status") / 1024 )) MB"
