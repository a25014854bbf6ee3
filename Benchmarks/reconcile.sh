#!/usr/bin/env bash
# A million-line statement reconciled: remitctl reconcile against a demo ledger holding that many
# payouts paid through MPESA-KE (added by ReconcileBenchmark while the daemon is stopped), with the
# daemon running, as operations would run it. Prints the wall time and peak RSS of the import and
# of the same file imported again, and the break counts (300 breaks are planted: 100 of each of
# missing-at-partner, amount-mismatch and missing-in-ledger).
#
#   swift build -c release && Benchmarks/reconcile.sh          # LINES=1000000 by default
#   LINES=100000 Benchmarks/reconcile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(pwd)/.build/release"
lines=${LINES:-1000000}
work=$(mktemp -d /tmp/remit-reconcile.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"' EXIT
cd "$work"
"$bin/remitd" --demo >remitd.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -S .remit-demo/admin.sock ] && break; sleep 0.1; done
kill "$pid"; wait "$pid" || true
pid=""
python3 - <<'PY'
path = ".remit-demo/remitd.toml"
text = open(path).read()
mapping = '''id = "MPESA-KE"
statement_format = "csv"
statement_delimiter = ";"
statement_amount = "Amount"
statement_currency_code = "KES"
statement_end_to_end_id = "Originator Conversation ID"
statement_reference = "Receipt No."
statement_date = "Completion Time"
statement_date_format = "DD/MM/YYYY"
statement_status = "Transaction Status"
statement_return_reason = "Reason"
'''
text = text.replace('id = "MPESA-KE"\n', mapping, 1) + "\n[payouts]\nenabled = false\n"
open(path, "w").write(text)
PY
"$bin/ReconcileBenchmark" .remit-demo/ledger.sqlite statement.csv "$lines"
echo "statement: $(wc -l < statement.csv) rows, $(( $(stat -c %s statement.csv) / 1048576 )) MiB"
"$bin/remitd" --demo >>remitd.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:7480/readyz >/dev/null 2>&1 && break; sleep 0.1; done
run() {
  /usr/bin/time -f "%e s wall, %M KB peak RSS" -o time.txt "$bin/remitctl" reconcile MPESA-KE statement.csv --json \
    --breaks breaks.csv --html report.html > result.json || [ $? = 2 ]
  python3 - "$1" "$(tail -n 1 time.txt)" <<'PY'
import json, sys
r = json.load(open("result.json"))
print(f"{sys.argv[1]}: {sys.argv[2]}; {r['lines']} lines, {r['matched']} matched, breaks {r['breakCounts']}, "
      f"{len(r['changes'])} changes, imported before: {'yes' if r.get('importedBefore') else 'no'}")
PY
}
run "import  "
run "again   "
