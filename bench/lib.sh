# Helpers shared by the bench scripts (sourced).
field() { sed -E "s/.*[ ^]$1=([0-9.]+).*/\1/" <<<" $2"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
median_ms() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'; }
wait_up() { for _ in $(seq 1 300); do curl -fso /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
# A new PostgreSQL database for one run, owned by the app's owner role; dropped by
# drop_bench_databases (each script's clean-up), so runs leave none behind.
bench_databases=()
new_bench_database() {
  psql "$POCHTA_TEST_PG_ADMIN_URL" -qc "CREATE DATABASE $1 OWNER pochta_owner"
  bench_databases+=("$1")
}
drop_bench_databases() {
  for name in "${bench_databases[@]}"; do
    psql "$POCHTA_TEST_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true
  done
}
