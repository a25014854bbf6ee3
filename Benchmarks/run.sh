#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one go, against references run on this machine in the same
# run, printed as one table with ratios:
#   (a) the ledger alone against raw SQLite writing the same rows (LedgerBenchmark);
#   (b) remitd over mutual TLS driven by remit-loadgen: batches of 8,189 and of 100, 256
#       connections sending one transfer per request, and an open-loop 20,000/s for latency;
#   (c) pgbench's TPC-B-like DebitCredit against a local PostgreSQL with fsync on.
#
#   Benchmarks/run.sh            # the full run, about 10 minutes after the release build
#   QUICK=1 Benchmarks/run.sh    # smaller counts, a smoke run of the script itself
#
# The gateway runs on its demo defaults with payouts paused (the acknowledgement path is what is
# measured), the operator request-rate limit lifted and enough connections per operator. Nothing
# here is asserted: the numbers go into BENCHMARKS.md by hand, with the date.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=${QUICK:-0}
work=$(mktemp -d /tmp/remit-bench.XXXXXX)
pgport=${PGPORT_BENCH:-54329}
remitd_pid=""
cleanup() {
    [ -n "$remitd_pid" ] && kill "$remitd_pid" 2>/dev/null && wait "$remitd_pid" 2>/dev/null || true
    if [ -d "$work/pg" ]; then runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -m fast stop \
        >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

scale() { if [ "$quick" = 1 ]; then echo "$2"; else echo "$1"; fi; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "== release build" >&2
swift build -c release >&2
bin="$root/.build/release"

echo "== (a) the ledger against raw SQLite" >&2
"$bin/LedgerBenchmark" "$work" | tee "$work/ledger.txt" >&2
ledger_line() { awk -v b="$1" '$1 == b && NF >= 4 { print $2, $3, $4 }' "$work/ledger.txt" | tail -1; }
read -r raw1000 led1000 ratio1000 <<<"$(ledger_line 1000)"
read -r raw8189 led8189 ratio8189 <<<"$(ledger_line 8189)"

echo "== (b) remitd with remit-loadgen" >&2
mkdir -p "$work/gateway"
cd "$work/gateway"
"$bin/remitd" --demo >"$work/remitd.log" 2>&1 &
remitd_pid=$!
for _ in $(seq 1 100); do [ -S .remit-demo/admin.sock ] && break; sleep 0.1; done
kill "$remitd_pid"; wait "$remitd_pid" || true
python3 - .remit-demo/remitd.toml <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("[server]\n", "[server]\nrequests_per_second_per_operator = 1000000\nmax_connections_per_operator = 1024\n", 1)
text += "\n[payouts]\nenabled = false\n"
open(path, "w").write(text)
EOF
"$bin/remitd" --demo >>"$work/remitd.log" 2>&1 &
remitd_pid=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:7480/readyz >/dev/null 2>&1 && break; sleep 0.1; done
"$bin/remit-loadgen" --transfers 1 --fund 1000000000.00 >/dev/null

# Commands committed and commits so far, from the gateway's own metrics: their ratio over a run is
# how many transfers shared each fsync (group commit).
commits() {
    curl -sf http://127.0.0.1:7480/metrics | awk '
        /^remit_ledger_commit_commands_sum/ { sum = $2 } /^remit_ledger_commit_commands_count/ { count = $2 }
        END { printf "%d %d\n", sum, count }'
}
load() {
    local name=$1; shift
    echo "-- $name: remit-loadgen $*" >&2
    read -r sum0 count0 <<<"$(commits)"
    "$bin/remit-loadgen" "$@" --json >"$work/$name.json" || { cat "$work/$name.json" >&2; exit 1; }
    read -r sum1 count1 <<<"$(commits)"
    echo "$(( (sum1 - sum0) / (count1 - count0 > 0 ? count1 - count0 : 1) ))" >"$work/$name.percommit"
    json "'%d transfers/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms' % (d['transfersPerSecond'], d['latencyMicros']['p50']/1000, d['latencyMicros']['p99']/1000, d['latencyMicros']['p99.9']/1000)" \
        <"$work/$name.json" >&2
    echo "   $(cat "$work/$name.percommit") commands per commit" >&2
}
load batch8189 --transfers "$(scale 245670 32756)" --batch 8189 --connections 2 --window 2
load batch100 --transfers "$(scale 100000 10000)" --batch 100 --connections 4 --window 4
load single256 --transfers "$(scale 100000 10000)" --batch 1 --connections 256 --window 1
load open20k --seconds "$(scale 10 2)" --rate 20000 --batch 1 --connections 64 --window 8
rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$remitd_pid/status")
kill "$remitd_pid"; wait "$remitd_pid" || true
remitd_pid=""
cd "$root"

echo "== (c) pgbench, TPC-B-like, PostgreSQL 15 with fsync on" >&2
mkdir -p "$work/pg" && chown postgres "$work" "$work/pg"
pg() { runuser -u postgres -- /usr/lib/postgresql/15/bin/"$@"; }
pg initdb -D "$work/pg" >/dev/null
pg pg_ctl -D "$work/pg" -o "-p $pgport -k $work -c listen_addresses='' -c fsync=on -c synchronous_commit=on" \
    -l "$work/pg.log" -w start >/dev/null
runuser -u postgres -- pgbench -h "$work" -p "$pgport" -i -s 10 postgres >/dev/null 2>&1
tps=$(runuser -u postgres -- pgbench -h "$work" -p "$pgport" -c 8 -j 2 -T "$(scale 30 5)" postgres 2>/dev/null \
    | awk '/^tps/ { print int($3) }' | tail -1)

rate() { json "int(d['transfersPerSecond'])" <"$work/$1.json"; }
p99() { json "'%.2f' % (d['latencyMicros']['p99']/1000)" <"$work/$1.json"; }
b8189=$(rate batch8189); b100=$(rate batch100); s256=$(rate single256); o20k=$(rate open20k)
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
echo
echo "date $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git -C "$root" rev-parse --short HEAD)$([ "$quick" = 1 ] && echo ', QUICK')"
printf '%-52s %12s %10s %-26s %s\n' "what" "transfers/s" "p99 ms" "ratio" "per commit"
printf '%-52s %12s %10s %-26s %s\n' "raw SQLite, batches of 1,000" "${raw1000%.*}" "-" "1.00" ""
printf '%-52s %12s %10s %-26s %s\n' "ledger alone, batches of 1,000" "${led1000%.*}" "-" "$ratio1000 of raw" ""
printf '%-52s %12s %10s %-26s %s\n' "raw SQLite, batches of 8,189" "${raw8189%.*}" "-" "1.00" ""
printf '%-52s %12s %10s %-26s %s\n' "ledger alone, batches of 8,189" "${led8189%.*}" "-" "$ratio8189 of raw" ""
printf '%-52s %12s %10s %-26s %s\n' "remitd over mTLS, batches of 8,189" "$b8189" "$(p99 batch8189)" "$(ratio "$b8189" "${raw8189%.*}") of raw" "$(cat "$work/batch8189.percommit")"
printf '%-52s %12s %10s %-26s %s\n' "remitd over mTLS, batches of 100" "$b100" "$(p99 batch100)" "$(ratio "$b100" "${raw1000%.*}") of raw@1,000" "$(cat "$work/batch100.percommit")"
printf '%-52s %12s %10s %-26s %s\n' "remitd over mTLS, 256 connections, 1 per request" "$s256" "$(p99 single256)" "$(ratio "$s256" "${raw1000%.*}") of raw@1,000" "$(cat "$work/single256.percommit")"
printf '%-52s %12s %10s %-26s %s\n' "remitd over mTLS, open loop 20,000/s offered" "$o20k" "$(p99 open20k)" "-" "$(cat "$work/open20k.percommit")"
printf '%-52s %12s %10s %-26s %s\n' "pgbench TPC-B-like, 8 clients (transactions/s)" "$tps" "-" "$(ratio "$s256" "$tps") remitd@256/pgbench" ""
echo "remitd peak RSS: $((rss_kb / 1024)) MB"
