#!/usr/bin/env bash
# The figures of Pochta, printed and appended to bench/results.md. Needs the test servers
# (run through `make bench`, which starts them). Not a test: nothing here passes or fails,
# except the load run's own consistency check.
#
#   BENCH_SECONDS   length of each throughput run (default 10)
#   BENCH_LOAD      length of the 200-user load run (default 60)
#   BENCH_LETTERS   notifications queued and drained by bench/drain.sh (default 10000)
#   BENCH_CURL_LETTERS  letters curl sends one process each, for the floor (default 500)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH

seconds=${BENCH_SECONDS:-10}
load_seconds=${BENCH_LOAD:-60}
work=$(mktemp -d /var/tmp/pochta-bench.XXXXXX)
results=bench/results.md
bin=target/release/pochta
load=target/release/examples/load
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  drop_bench_databases
  rm -rf "$work"
}
trap cleanup EXIT

out() { printf '%s\n' "$*" | tee -a "$work/figures"; }
# A figure of the goals table (bench/table.py), kept for the next run to compare with.
fig() { printf '%s\t%s\n' "$1" "$2" >>"$work/goals.tsv"; }
. bench/lib.sh

# ---------------------------------------------------------------------------------------------
out "## $(date -u +%Y-%m-%d\ %H:%M) UTC — $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -m), commit $(git rev-parse --short HEAD)"
out ""

started=$(date +%s.%N)
cargo leptos build --release --precompress >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
cargo build --release --examples --no-default-features --features ssr >>"$work/build.log" 2>&1
out "- release build (from the current target/, not clean): $(printf '%.0f' "$(echo "$(date +%s.%N) - $started" | bc)") s"

out ""
out "### Page size (target/site/pkg)"
total_raw=0
total_br=0
for f in target/site/pkg/*; do
  case $f in *.br | *.gz | *.d.ts) continue ;; esac  # compressed copies, TypeScript declarations
  raw=$(stat -c %s "$f")
  br=$(brotli -c -q 11 "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_br=$((total_br + br))
  out "- $(basename "$f"): $((raw / 1024)) KiB raw, $((br / 1024)) KiB brotli"
done
out "- whole app (JS + WASM + CSS): $((total_raw / 1024)) KiB raw, $((total_br / 1024)) KiB brotli"
fig bundle_br $((total_br / 1024))

# The app on a database: sqlite or postgres. Sets app_pid, base, cli (the operator's CLI with
# the same settings).
mail_args=(--egress-allow "localhost:$POCHTA_TEST_SMTPS_PORT,localhost:$POCHTA_TEST_SMTP_STARTTLS_PORT" --ca-file "$POCHTA_TEST_MAIL_CA" --dns-server "$POCHTA_TEST_DNS")
start_app() {
  local db=$1
  local port
  port=$(free_port)
  db_args=(--data-dir "$work/data-$db-$RANDOM")
  if [ "$db" = postgres ]; then
    local name="bench_$RANDOM"
    new_bench_database "$name"
    local pg="127.0.0.1:$POCHTA_TEST_PG_PORT/$name"
    db_args+=(--database-url "postgres://pochta_web@$pg" --migration-database-url "postgres://pochta_owner@$pg" --secret-keys "$($bin keys generate | tr ' ' ':')")
  fi
  cli=("$bin" "${db_args[@]}")
  restart_app "$port"
}
# Every bench client comes from 127.0.0.1, standing in for many users' addresses: the
# per-address sign-in limit (60 a minute) is lifted, or setting up 256 tenants would be refused;
# and each save checks its login first, which counts against a user's 20 mail operations a minute.
many_addresses=(--sign-in-per-address 1000000 --mail-operations-per-user 1000000 --mail-operations-per-tenant 1000000)
extra_args=("${many_addresses[@]}")
restart_app() {
  base="http://127.0.0.1:$1"
  RUST_LOG=warn "$bin" "${db_args[@]}" --listen "127.0.0.1:$1" --site-root target/site "${mail_args[@]}" "${extra_args[@]}" >>"$work/app.log" 2>&1 &
  app_pid=$!
  pids+=("$app_pid")
  wait_up "$base/sign-in"
}
stop_app() { kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
out ""
out "### First paint and hydration of the «Почта» tab (headless Chromium, loopback, cold cache)"
start_app sqlite
"$load" --base "$base" --tenants 1 setup -- "${cli[@]}" >/dev/null
idle=$(rss_mb "$app_pid")
out "- idle server memory (RSS, SQLite, after start-up and one tenant): $idle MiB"
fig rss_idle "$idle"
line=$(node bench/page.mjs "$base" admin@t0.bench.test 'пароль для нагрузки' 10)
out "- $line"
fig fcp "$(field first_contentful_paint_ms "$line")"
fig hydrated "$(field hydrated_ms "$line")"
fig fcp_floor "$(field static_copy_first_contentful_paint_ms "$line")"

signin_ms=$(for _ in $(seq 1 10); do
  s=$(date +%s%N)
  curl -s -o /dev/null -H 'accept: application/json' --data-urlencode email=admin@t0.bench.test --data-urlencode 'password=пароль для нагрузки' "$base/api/sign_in"
  echo $(( ($(date +%s%N) - s) / 1000 ))
done | awk '{ print $1 / 1000 }' | median_ms)
out "- sign-in round trip (argon2id verify included), median of 10: $signin_ms ms"

out ""
out "### Mail: test-letter round trip, the app vs curl to the same Postfix (median of 15)"
jar="$work/jar"
curl -s -c "$jar" -H 'accept: application/json' --data-urlencode email=admin@t0.bench.test --data-urlencode 'password=пароль для нагрузки' "$base/api/sign_in" >/dev/null
send_args=(-s -b "$jar" -o /dev/null -w '%{http_code}' -H 'accept: application/json' -d intent=send -d provider=other -d smtp_host=localhost -d use_ssl=true
  -d "smtp_port=$POCHTA_TEST_SMTPS_PORT" -d "login=alice@pochta.test" -d "password=$POCHTA_TEST_MAIL_PASSWORD" -d sender_name=Bench
  -d sender_email=alice@pochta.test -d recipient=bob@pochta.test)
[ "$(curl "${send_args[@]}" "$base/api/crm_email/submit")" = 200 ] || { echo "the app's test letter failed" >&2; tail "$work/app.log"; exit 1; }
printf 'From: alice@pochta.test\r\nTo: bob@pochta.test\r\nSubject: bench\r\n\r\nbench\r\n' >"$work/letter.eml"
for _ in $(seq 1 15); do
  s=$(date +%s%N); curl "${send_args[@]}" "$base/api/crm_email/submit" >/dev/null; echo $(( ($(date +%s%N) - s) / 1000 ))
done | awk '{ print $1 / 1000 }' | median_ms >"$work/app_ms"
for _ in $(seq 1 15); do
  s=$(date +%s%N)
  curl -s --url "smtps://localhost:$POCHTA_TEST_SMTPS_PORT" --cacert "$POCHTA_TEST_MAIL_CA" --user "alice@pochta.test:$POCHTA_TEST_MAIL_PASSWORD" \
    --mail-from alice@pochta.test --mail-rcpt bob@pochta.test --upload-file "$work/letter.eml"
  echo $(( ($(date +%s%N) - s) / 1000 ))
done | awk '{ print $1 / 1000 }' | median_ms >"$work/curl_ms"
out "- app $(cat "$work/app_ms") ms, curl $(cat "$work/curl_ms") ms, ratio $(echo "scale=2; $(cat "$work/app_ms") / $(cat "$work/curl_ms")" | bc)"
stop_app

# ---------------------------------------------------------------------------------------------
out ""
out "### Detection (pochta autoconfig detect): wall time vs the sum of the methods, first step"
for address in anna@srv.detect.test anna@mx.detect.test anna@gmx.net anna@nothing.detect.test; do
  "$bin" "${mail_args[@]}" autoconfig detect "$address" >"$work/detect" 2>/dev/null || true
  total=$(awk '/^finished in/ { print $3 }' "$work/detect")
  sum=$(awk '$2 == "ms" { s += $1 } END { print s + 0 }' "$work/detect")
  first=$(awk '$2 == "ms" { print $1; exit }' "$work/detect")
  winner=$(grep -o '"method": "[A-Za-z]*"' "$work/detect" | cut -d'"' -f4 || true)
  out "- $address: ${total} ms in all (methods' sum ${sum} ms, speed-up $(echo "scale=1; $sum / ($total + 0.001)" | bc)x), first step shown after ${first} ms, won by ${winner:-nothing}"
done

# ---------------------------------------------------------------------------------------------
out ""
out "### Sign-in flood: 400 sign-ins at once with random e-mails, from one address"
out "(the per-address limit is lifted here, as for a flood from many addresses; before hashing was"
out "bounded the same flood took the server to 7.5 GB and a signed-in list to 6.7 s)"
start_app sqlite
"$load" --base "$base" --tenants 1 setup -- "${cli[@]}" >/dev/null
idle=$(rss_mb "$app_pid")
( while kill -0 "$app_pid" 2>/dev/null; do rss_mb "$app_pid" >>"$work/rss-flood"; echo >>"$work/rss-flood"; sleep 0.1; done ) &
sampler=$!
line=$("$load" --base "$base" --tenants 1 flood --requests 400)
kill "$sampler" 2>/dev/null || true
out "- $line"
out "- server memory: idle $idle MiB, peak during the flood $(sort -n "$work/rss-flood" | tail -1) MiB (goals: peak under 150 MB, the administrator's p99 under 100 ms)"
stop_app

# ---------------------------------------------------------------------------------------------
floor_port=$(free_port)
target/release/examples/floor "127.0.0.1:$floor_port" &
pids+=($!)
wait_up "http://127.0.0.1:$floor_port/"
declare -A floor floor_p99 rps_of p99_of rate_of
out ""
out "### Server throughput (${seconds} s per run; one signed-in administrator per client, own tenant for saves)"
for c in 1 32 256; do
  line=$("$load" --base "http://127.0.0.1:$floor_port" run --scenario floor --clients "$c" --seconds "$seconds")
  floor[$c]=$(field rps "$line")
  floor_p99[$c]=$(field p99_ms "$line")
  out "- floor (bare axum, constant): $line"
done

# Listing accounts and saving the «Почта» tab at 1, 32 and 256 clients, against the floor.
throughput() {
  local label=$1
  for c in 1 32 256; do
    for scenario in list save; do
      line=$("$load" --base "$base" --tenants 256 run --scenario "$scenario" --clients "$c" --seconds "$seconds")
      # The figures are on the first line (a second names the first error, if any).
      rps=$(field rps "$(head -1 <<<"$line")")
      rps_of[$label:$scenario:$c]=$rps
      p99_of[$label:$scenario:$c]=$(field p99_ms "$(head -1 <<<"$line")")
      out "- $label: $line (floor ratio $(echo "scale=3; $rps / ${floor[$c]}" | bc))"
    done
  done
}

# Straight from PostgreSQL (as the superuser): saves that reached one place and not the other.
half_written() {
  psql "${db_args[3]/pochta_web/postgres}" -tAc "SELECT count(*) FROM crm_email_settings s JOIN email_accounts a
    ON a.tenant_id = s.tenant_id AND a.id = s.account_id WHERE a.sender_name <> s.sender_name"
}

# 10,000 tenants: the 256 bench tenants as they were, and 9,744 more with 50 shared accounts
# each, written straight into the database (as its owner; the app's role could not). The bench
# tenants' lists are the same as before, so the runs compare only the weight of the others.
seed_scale() {
  local db=$1 series_tenants series_accounts
  if [ "$db" = sqlite ]; then
    series_tenants="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9744)"
    series_accounts="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
    local sql="$series_tenants INSERT INTO tenants (name, created_at) SELECT 'Масштаб ' || i, 0 FROM n;
      $series_accounts INSERT INTO email_accounts (tenant_id, name, address, address_key, sender_name, use_for_sending, smtp_host, smtp_port, smtp_security, smtp_login, created_at, updated_at)
      SELECT t.id, 'box' || i || '@t' || t.id || '.scale.test', 'box' || i || '@t' || t.id || '.scale.test', 'box' || i || '@t' || t.id || '.scale.test',
             'Отдел ' || i, 1, 'smtp.scale.test', 465, 'ssl', 'box' || i || '@t' || t.id || '.scale.test', 0, 0 FROM tenants t, n
      WHERE t.name LIKE 'Масштаб %';"
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "${db_args[1]}/pochta.db" "$sql"
  else
    local url=${db_args[3]/pochta_web/postgres}
    psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO tenants (name, created_at) SELECT 'Масштаб ' || i, 0 FROM generate_series(1, 9744) i;
INSERT INTO email_accounts (tenant_id, name, address, address_key, sender_name, use_for_sending, smtp_host, smtp_port, smtp_security, smtp_login, created_at, updated_at)
SELECT t.id, 'box' || i || '@t' || t.id || '.scale.test', 'box' || i || '@t' || t.id || '.scale.test', 'box' || i || '@t' || t.id || '.scale.test',
       'Отдел ' || i, 1, 'smtp.scale.test', 465, 'ssl', 'box' || i || '@t' || t.id || '.scale.test', 0, 0 FROM tenants t, generate_series(1, 50) i
WHERE t.name LIKE 'Масштаб %';
ANALYZE;
SQL
  fi
}

for db in sqlite postgres; do
  start_app "$db"
  "$load" --base "$base" --tenants 256 setup -- "${cli[@]}" >/dev/null
  out "- $db idle memory with 256 tenants: $(rss_mb "$app_pid") MiB"
  peak=0
  ( while kill -0 "$app_pid" 2>/dev/null; do rss_mb "$app_pid" >>"$work/rss-$db"; echo >>"$work/rss-$db"; sleep 0.5; done ) &
  sampler=$!
  throughput "$db"
  kill "$sampler" 2>/dev/null || true
  peak=$(sort -n "$work/rss-$db" | tail -1)
  out "- $db peak memory under load: $peak MiB"
  if [ "$db" = sqlite ]; then fig rss_peak "$peak"; fi
  if [ "$db" = postgres ]; then
    out ""
    out "### Load and faults (PostgreSQL)"
    line=$("$load" --base "$base" --tenants 256 run --scenario mixed --clients 200 --seconds "$load_seconds" --acked "$work/acked")
    out "- 200 users, ${load_seconds} s, 4 lists to 1 save: $line"
    out "- $("$load" --base "$base" --tenants 256 verify --acked "$work/acked")"
    out "- in the database: $(half_written) tenants whose setting and directory account differ"
    # SIGKILL in the middle of saves, then every save complete or absent.
    port=${base##*:}
    "$load" --base "$base" --tenants 64 run --scenario save --clients 64 --seconds 10 --acked "$work/acked-kill" >"$work/kill-run" &
    runner=$!
    sleep 6
    kill -9 "$app_pid"
    wait "$runner" || true
    restart_app "$port"
    out "- SIGKILL during saves: $(head -1 "$work/kill-run" | sed 's/errors=/errors (after the kill)=/')"
    out "- after restart: $("$load" --base "$base" --tenants 64 verify --acked "$work/acked-kill")"
    out "- in the database: $(half_written) tenants whose setting and directory account differ"
    # The database away for 4 s: users are told to try again; the app recovers by itself.
    "$load" --base "$base" --tenants 32 run --scenario list --clients 32 --seconds 10 >"$work/down-run" &
    runner=$!
    sleep 2
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$POCHTA_TEST_PG_DATA" -m fast stop >/dev/null
    sleep 4
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$POCHTA_TEST_PG_DATA" -l "$POCHTA_TEST_PG_DATA/../postgres.log" -w \
      -o "-p $POCHTA_TEST_PG_PORT -k $POCHTA_TEST_PG_DATA/../run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
    wait "$runner" || true
    out "- database stopped for 4 s during 32-client reads: $(head -2 "$work/down-run" | tr '\n' ' ')"
    line=$("$load" --base "$base" --tenants 32 run --scenario list --clients 32 --seconds 3)
    out "- right after the database came back, without restarting the app: $line"
  fi
  out ""
  out "### Scale ($db): 10,000 tenants × 50 accounts"
  seed_scale "$db"
  out "- rows: $(( 9744 * 50 )) accounts added (the bench tenants' own lists unchanged); $db idle memory: $(rss_mb "$app_pid") MiB"
  throughput "$db at scale"
  stop_app
done

# ---------------------------------------------------------------------------------------------
ratio() { echo "scale=3; $1 / $2" | bc; }
out ""
out "### Outbox: ${BENCH_LETTERS:-10000} notifications queued by 32 clients, then drained into the loopback Postfix"
bench/drain.sh >"$work/drain" 2>>"$work/app.log"
curls=$(grep '^curl ' "$work/drain")
for db in sqlite postgres; do
  enqueue=$(grep "^enqueue db=$db " "$work/drain")
  drain=$(grep "^drain db=$db " "$work/drain")
  out "- $enqueue"
  out "- $drain"
  rate_of[$db]=$(field rate_per_s "$drain")
  out "- $db: the app's rate / curl one process per letter: $(echo "scale=2; ${rate_of[$db]} / $(field one_process_each "$curls")" | bc); / curl all letters on one connection: $(echo "scale=2; ${rate_of[$db]} / $(field one_connection "$curls")" | bc)"
  if [ "$db" = sqlite ]; then
    fig enqueue32_p99 "$(field p99_ms "$enqueue")"
    fig drain_rss_peak "$(field rss_peak_mib "$drain")"
  fi
done
out "- $curls"
fig drain_vs_curl "$(ratio "${rate_of[sqlite]}" "$(field one_process_each "$curls")")"
fig drain_vs_curl_reuse "$(ratio "${rate_of[sqlite]}" "$(field one_connection "$curls")")"
fig pg_drain_vs_curl_reuse "$(ratio "${rate_of[postgres]}" "$(field one_connection "$curls")")"

fig list32_ratio "$(ratio "${rps_of[sqlite:list:32]}" "${floor[32]}")"
fig list32_p99x "$(ratio "${p99_of[sqlite:list:32]}" "${floor_p99[32]}")"
fig save32_p99 "${p99_of[sqlite:save:32]}"
fig scale_p99x "$(ratio "${p99_of[sqlite at scale:list:32]}" "${p99_of[sqlite:list:32]}")"
fig pg_list32_ratio "$(ratio "${rps_of[postgres:list:32]}" "${floor[32]}")"
out ""
out "### The goals (issues 12 and 14): this run beside the previous one (bench/goals.tsv)"
out ""
while IFS= read -r row; do out "$row"; done < <(python3 bench/table.py bench/goals.tsv "$work/goals.tsv")
cp "$work/goals.tsv" bench/goals.tsv
out ""
{
  echo
  cat "$work/figures"
} >>"$results"
echo "figures appended to $results"
