#!/usr/bin/env bash
# Two remitd builds against each other, on this machine, in alternating rounds: the way to tell
# a change's effect from this machine's ±10 % noise. Each round starts a fresh demo daemon of one
# build (payouts paused, the request-rate limit lifted), drives it with remit-loadgen and stops it.
#
#   Benchmarks/ab.sh OLD_REMITD NEW_REMITD          # 3 rounds of each: batches of 8,189, of 100, 256 × 1
#   ROUNDS=6 LOADS="single256" Benchmarks/ab.sh A B
#   LOADS="open20k" Benchmarks/ab.sh A B             # open loop, 20,000/s offered for 10 s: compare p99
#
# An older build: `git worktree add /tmp/remit-old REV && (cd /tmp/remit-old && swift build -c release
# --product remitd)`, then /tmp/remit-old/.build/release/remitd (a first build there takes several
# minutes). Each build is driven by the remit-loadgen beside it if there is one (its check of
# the ledger afterwards reads that build's schema), otherwise by this tree's release build.
# Prints each run (transfers a second, remitd's CPU µs per transfer, p99 acknowledgement latency
# in ms), then the medians. The
# builds alternate which runs first in each round.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_REMITD NEW_REMITD" >&2; exit 64; }
# Each run starts in a folder of its own: the builds' paths must not depend on this one.
builds=()
for binary in "$1" "$2"; do
    [ -x "$binary" ] || { echo "$0: $binary is not an executable" >&2; exit 66; }
    builds+=("$(realpath "$binary")")
done
cd "$(dirname "$0")/.."
loadgen="$(pwd)/.build/release/remit-loadgen"
[ -x "$loadgen" ] || swift build -c release --product remit-loadgen >&2
rounds=${ROUNDS:-3}
loads=${LOADS:-"batch8189 batch100 single256"}
results=$(mktemp)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -f "$results"; true; }
trap cleanup EXIT

arguments() {
    case "$1" in
        batch8189) echo "--transfers 163780 --batch 8189 --connections 2 --window 2" ;;
        batch100) echo "--transfers 60000 --batch 100 --connections 4 --window 4" ;;
        single256) echo "--transfers 40000 --batch 1 --connections 256 --window 1" ;;
        open20k) echo "--seconds 10 --rate 20000 --batch 1 --connections 64 --window 8" ;;
        *) echo "unknown load $1" >&2; exit 64 ;;
    esac
}

# shellcheck source=Benchmarks/demo.sh
. Benchmarks/demo.sh
root=$(pwd)

run() {
    local name=$1 binary=$2 load=$3 dir
    dir=$(mktemp -d /tmp/remit-ab.XXXXXX)
    cd "$dir"
    remitd=$binary start_demo "text += '\\n[payouts]\\nenabled = false\\n'"
    local driver="$loadgen"
    [ -x "$(dirname "$binary")/remit-loadgen" ] && driver="$(dirname "$binary")/remit-loadgen"
    "$driver" --transfers 1 --fund 1000000000.00 >/dev/null
    local before after transfers cpu report rate p99
    before=$(cpu_ticks "$pid")
    # shellcheck disable=SC2046
    report=$("$driver" $(arguments "$load") --json | python3 -c "import json,sys; d = json.load(sys.stdin); print(int(d['transfersPerSecond']), d['acknowledged'], '%.2f' % (d['latencyMicros']['p99'] / 1000))") || {
        echo "$0: the $name run ($binary, $load) measured nothing; its daemon's log: $dir/remitd.log" >&2
        exit 70
    }
    after=$(cpu_ticks "$pid")
    read -r rate transfers p99 <<<"$report"
    cpu=$(python3 -c "print(round(($after - $before) * 1e6 / $ticks / $transfers, 1))")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=""
    cd "$root"
    rm -rf "$dir"
    echo "$name $load $rate $cpu $p99"
}

# remitd's user and system time so far, in clock ticks: its CPU per transfer is a steadier
# measure of a change to the session path than throughput, which the writer bounds.
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The builds take turns going first (A B, then B A, ...): while this machine speeds up or slows
# down over a set, the build that always ran second would gain or lose by it in every pair.
for round in $(seq 1 "$rounds"); do
    for load in $loads; do
        if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
        for name in $order; do
            if [ "$name" = A ]; then binary=${builds[0]}; else binary=${builds[1]}; fi
            run "$name" "$binary" "$load" >>"$results" && tail -n 1 "$results" >&2
        done
    done
done
python3 - "$results" <<'EOF'
import collections, statistics, sys
runs, cpus, p99s = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, load, rate, cpu, p99 = line.split()
    runs[(load, name)].append(int(rate))
    cpus[(load, name)].append(float(cpu))
    p99s[(load, name)].append(float(p99))
print(f"{'load':<12} {'A median/s':>12} {'B median/s':>12} {'B/A':>6} {'A µs/tr':>8} {'B µs/tr':>8} {'A p99':>7} {'B p99':>7}   runs A | B")
for load in dict.fromkeys(load for load, _ in runs):
    a, b = statistics.median(runs[(load, 'A')]), statistics.median(runs[(load, 'B')])
    ca, cb = statistics.median(cpus[(load, 'A')]), statistics.median(cpus[(load, 'B')])
    pa, pb = statistics.median(p99s[(load, 'A')]), statistics.median(p99s[(load, 'B')])
    print(f"{load:<12} {a:>12,.0f} {b:>12,.0f} {b / a:>6.2f} {ca:>8.1f} {cb:>8.1f} {pa:>7.1f} {pb:>7.1f}   {runs[(load, 'A')]} | {runs[(load, 'B')]}")
print("µs/tr: remitd's CPU (user and system) per transfer, median; p99: acknowledgement latency in ms, median")
EOF
