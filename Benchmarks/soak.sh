#!/usr/bin/env bash
# Soak: remitd (release build, demo defaults, payouts on through the simulated partners) under an
# open-loop load at half the throughput the same load shape reached closed-loop, for MINUTES
# (default 30), as one remit-loadgen run per minute. After each minute it records remitd's RSS,
# open file descriptors and threads, the ledger's and WAL's sizes, and that minute's throughput and
# acknowledgement latency, the payout outbox's depth, to a CSV; at the end it compares the first five minutes with the last
# five. The last minute's transfers are checked in the ledger, and verify runs on the whole ledger.
#
#   swift build -c release && Benchmarks/soak.sh
#   MINUTES=5 Benchmarks/soak.sh
#   SHAPE="--batch 1 --connections 64 --window 4" Benchmarks/soak.sh
#   RATE=450 Benchmarks/soak.sh    # a set rate instead of half the closed-loop maximum
#   KEEP=1 Benchmarks/soak.sh      # keep the folder (printed): the CSV, each minute's JSON, the log
#   REMEMBER_MS=600000 Benchmarks/soak.sh   # the simulated partners remember keys as long as the demo's do
#   PAYOUTS=off Benchmarks/soak.sh          # intake alone: no dispatcher, no simulated partners
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(pwd)/.build/release"
minutes=${MINUTES:-30}
shape=${SHAPE:-"--batch 10 --connections 16 --window 2"}
work=$(mktemp -d /tmp/remit-soak.XXXXXX)
# shellcheck source=Benchmarks/demo.sh
. Benchmarks/demo.sh
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"' EXIT
cd "$work"
# The demo's simulated partners take 16 calls at once, about 100 payouts a second at their
# latencies: far below the intake, so the outbox would grow all along. Here they keep up. They
# also remember each paid key for REMEMBER_MS (default here 60 s, the demo's 10 minutes): the
# simulators live in remitd's process, and their record is not remitd's memory to measure.
remember=${REMEMBER_MS:-60000}
payouts=""
[ "${PAYOUTS:-on}" = off ] && payouts="; text += '\n[payouts]\nenabled = false\n'"
start_demo "text = text.replace('\nlatency_ms = ', '\nmax_concurrency = 2048\nremember_ms = $remember\nlatency_ms = ')$payouts"
"$bin/remit-loadgen" --transfers 1 --fund 100000000000.00 --no-verify >/dev/null

# shellcheck disable=SC2086 # $shape is a list of flags
maximum=$("$bin/remit-loadgen" --seconds 20 $shape --no-verify --json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["transfersPerSecond"]))')
rate=${RATE:-$(( maximum / 2 ))}
echo "shape: $shape; closed-loop maximum ${maximum}/s (intake; payouts may lag); soaking at ${rate}/s for ${minutes} minutes"
echo "minute,transfers_per_s,p50_ms,p99_ms,p999_ms,max_ms,refused,rss_mb,fds,threads,ledger_mb,wal_mb,outbox,in_doubt" > soak.csv
for minute in $(seq 1 "$minutes"); do
  verify=--no-verify
  [ "$minute" = "$minutes" ] && verify=""
  # shellcheck disable=SC2086
  "$bin/remit-loadgen" --seconds 60 --rate "$rate" $shape $verify --json > "minute-$minute.json" || true
  rss=$(( $(awk '/VmRSS/ { print $2 }' "/proc/$pid/status") / 1024 ))
  threads=$(awk '/Threads/ { print $2 }' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  ledger=$(( $(stat -c %s .remit-demo/ledger.sqlite) / 1048576 ))
  wal=$(( $(stat -c %s .remit-demo/ledger.sqlite-wal 2>/dev/null || echo 0) / 1048576 ))
  gauges=$(curl -s http://127.0.0.1:7480/metrics)
  outbox=$(echo "$gauges" | awk '/^remit_outbox_depth / { printf "%d", $2 }')
  doubt=$(echo "$gauges" | awk '/^remit_transfers_in_doubt / { printf "%d", $2 }')
  python3 - "$minute" "$rss" "$fds" "$threads" "$ledger" "$wal" "$outbox" "$doubt" >> soak.csv <<'PY'
import json, sys
minute, rss, fds, threads, ledger, wal, outbox, doubt = sys.argv[1:]
r = json.load(open(f"minute-{minute}.json"))
l = r["latencyMicros"]
refused = sum(r["refused"].values()) + sum(r["failed"].values())
print(f'{minute},{r["transfersPerSecond"]:.0f},{l["p50"]/1000:.2f},{l["p99"]/1000:.2f},{l["p99.9"]/1000:.2f},'
      f'{l["max"]/1000:.2f},{refused},{rss},{fds},{threads},{ledger},{wal},{outbox},{doubt}')
PY
  tail -n 1 soak.csv
done
echo "peak RSS: $(( $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status") / 1024 )) MB"
kill "$pid"; wait "$pid" || true; pid=""
"$bin/remitctl" verify | tail -n 1
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("soak.csv")))
n = min(5, len(rows) // 2) or 1
first, last = rows[:n], rows[-n:]
def mean(part, key): return sum(float(r[key]) for r in part) / len(part)
print(f"first {n} minutes against the last {n}:")
for key in ["transfers_per_s", "p50_ms", "p99_ms", "p999_ms", "rss_mb", "fds", "threads", "outbox"]:
    a, b = mean(first, key), mean(last, key)
    change = f"{(b - a) / a * 100:+.1f} %" if a else "n/a"
    print(f"  {key:16} {a:10.2f} -> {b:10.2f}  ({change})")
print(f"  refused or unanswered in all: {sum(int(r['refused']) for r in rows)}")
PY
