# Sourced by the benchmark scripts: starts `remitd --demo` from $bin (or the binary $remitd) in
# the current folder with the operator limits lifted (so that the load generator, not the
# gateway's own rate limit, sets the pace), after applying the Python statements in $1 to the
# configuration's text (`text`). Sets $pid; the caller's trap stops it.
start_demo() {
  local remitd=${remitd:-$bin/remitd}
  "$remitd" --demo >remitd.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do [ -S .remit-demo/admin.sock ] && break; sleep 0.1; done
  kill "$pid"; wait "$pid" || true
  python3 - "$1" <<'PY'
import sys
path = ".remit-demo/remitd.toml"
text = open(path).read()
text = text.replace("[server]\n", "[server]\nrequests_per_second_per_operator = 1000000\nmax_connections_per_operator = 1024\n", 1)
exec(sys.argv[1])
open(path, "w").write(text)
PY
  "$remitd" --demo >>remitd.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:7480/readyz >/dev/null 2>&1 && break; sleep 0.1; done
}
