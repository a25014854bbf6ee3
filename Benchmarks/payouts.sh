#!/usr/bin/env bash
# Payout throughput: how many legs a second the dispatcher carries from the outbox to partners and
# back into the ledger. remitd (release build, demo defaults) takes transfers from remit-loadgen at
# an offered RATE (default 2000/s) for SECONDS (default 60) while its simulated partners, allowed
# 4096 calls at once, answer after their usual 150-300 ms. Payouts a second are the partners'
# "paid" answers counted by /metrics over the same window; then the time for the outbox to empty.
#
#   swift build -c release && Benchmarks/payouts.sh
#   RATE=1500 DURATION=30 Benchmarks/payouts.sh
#   BIN=/tmp/old-build DURATION=30 Benchmarks/payouts.sh    # another build (its remitd and remit-loadgen)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BIN:-$(pwd)/.build/release}"   # BIN=FOLDER: another build's remitd and remit-loadgen
rate=${RATE:-2000}
seconds=${DURATION:-60}
work=$(mktemp -d /tmp/remit-payouts.XXXXXX)
# shellcheck source=Benchmarks/demo.sh
. Benchmarks/demo.sh
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
start_demo 'text = text.replace("\nlatency_ms = ", "\nmax_concurrency = 4096\nlatency_ms = ")'
"$bin/remit-loadgen" --transfers 1 --fund 100000000000.00 --no-verify >/dev/null

# Paid answers so far, and the outbox's depth.
paid() { curl -s http://127.0.0.1:7480/metrics | awk '/^remit_partner_calls_total\{.*outcome="paid"/ { n += $2 } END { printf "%d", n }'; }
depth() { curl -s http://127.0.0.1:7480/metrics | awk '/^remit_outbox_depth / { printf "%d", $2 }'; }
before=$(paid); started=$(date +%s.%N)
"$bin/remit-loadgen" --seconds "$seconds" --rate "$rate" --batch 10 --connections 16 --window 2 --no-verify --json > load.json
after=$(paid); ended=$(date +%s.%N); left=$(depth)
drain_start=$(date +%s.%N)
for _ in $(seq 1 600); do [ "$(depth)" = 0 ] && break; sleep 0.5; done
drained=$(date +%s.%N); rest=$(depth)
python3 - "$before" "$after" "$started" "$ended" "$left" "$drain_start" "$drained" "$rest" <<'PY'
import json, sys
before, after, started, ended, left, d0, d1, rest = sys.argv[1:]
r = json.load(open("load.json"))
window = float(ended) - float(started)
print(f"intake: {r['transfersPerSecond']:.0f} transfers/s acknowledged (offered {r.get('offeredRate', 0):.0f}), "
      f"p99 {r['latencyMicros']['p99'] / 1000:.1f} ms")
print(f"payouts: {(int(after) - int(before)) / window:.0f} legs/s paid over {window:.0f} s; outbox at the end {left}")
print(f"outbox emptied in {float(d1) - float(d0):.1f} s" + (f" (still {rest} left)" if rest != "0" else ""))
PY
# Each a leg handled twice, or reported out of order: 0 expected.
echo "payout reports the ledger refused: $(grep -c 'payout report not recorded' remitd.log || true)"
