#!/usr/bin/env bash
# Draining the outbox into the loopback Postfix (issue 14; to a recipient it accepts and throws
# away, so Dovecot's filing does not set the pace), on each database of BENCH_DRAIN_DBS
# (default "sqlite postgres"): BENCH_LETTERS (10,000) notifications are posted through the API by
# 32 clients to an instance that only serves (`--outbox-tenants-at-once 0`), then a fresh
# instance sends them all through one tenant's account. Beside it, curl sends a letter of the
# same size to the same server: one process per letter (as swaks or a script would,
# BENCH_CURL_LETTERS of them) and all letters in one process on one connection. Prints
# `name=value` figures on one line per run (`enqueue db=…`, `drain db=…`, `curl …`). Needs the
# test servers (`make bench` sources their settings) and the release build of bench/suite.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

letters=${BENCH_LETTERS:-10000}
curl_letters=${BENCH_CURL_LETTERS:-500}
bin=target/release/pochta
load=target/release/examples/load
work=$(mktemp -d /var/tmp/pochta-drain.XXXXXX)
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  drop_bench_databases
  rm -rf "$work"
}
trap cleanup EXIT

domain=$POCHTA_TEST_MAIL_DOMAIN
start() {
  local port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  RUST_LOG=warn "$bin" "${db_args[@]}" --listen "127.0.0.1:$port" --site-root target/site \
    --egress-allow "localhost:$POCHTA_TEST_SMTPS_PORT" --ca-file "$POCHTA_TEST_MAIL_CA" --dns-server "$POCHTA_TEST_DNS" \
    --sign-in-per-address 1000000 --mail-operations-per-user 1000000 --mail-operations-per-tenant 1000000 \
    --notifications-per-tenant-per-minute 100000000 \
    "$@" >>"$work/app.log" 2>&1 &
  app_pid=$!
  wait_up "$base/sign-in"
}
stop() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=; }
# Each run starts with Postfix's queue empty: a queue left behind by the run before slows the
# next one's every letter (Postfix's in_flow_delay).
settle() {
  for _ in $(seq 1 600); do
    postqueue -c "$POCHTA_TEST_POSTFIX_CONFIG" -p | grep -q '^Mail queue is empty' && return 0
    sleep 1
  done
  echo "drain: Postfix's queue still not empty after 10 min" >&2
  return 1
}

# One query's first row, as the database's owner sees it. Python by its own path: a version
# manager's shim (pyenv's is a shell script) would cost more CPU than the drain it watches.
py=$(python3 -c 'import sys; print(sys.executable)')
outbox() {
  if [ "$db" = postgres ]; then
    psql "$pg_url" -tAF ' ' -c "$1"
  else
    "$py" -c 'import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone())' "$work/data-$db/pochta.db" "$1"
  fi
}

for db in ${BENCH_DRAIN_DBS:-sqlite postgres}; do
  db_args=(--data-dir "$work/data-$db")
  if [ "$db" = postgres ]; then
    name="drain_$RANDOM"
    new_bench_database "$name"
    pg="127.0.0.1:$POCHTA_TEST_PG_PORT/$name"
    pg_url="postgres://postgres@$pg"
    db_args+=(--database-url "postgres://pochta_web@$pg" --migration-database-url "postgres://pochta_owner@$pg" --secret-keys "$($bin keys generate | tr ' ' ':')")
  fi

  # Queued, not sent: an instance that only serves.
  start --outbox-tenants-at-once 0
  "$load" --base "$base" --tenants 1 setup -- "$bin" "${db_args[@]}" >/dev/null
  key=$("$bin" "${db_args[@]}" api-key create --tenant 1 --name bench | tail -1)
  "$load" --base "$base" --tenants 1 enqueue --key "$key" --letters "$letters" --clients 32 --to "sink@$domain" | sed "s/^enqueue /enqueue db=$db /"
  stop

  # Sent by a fresh instance, the account's per-minute limit lifted.
  settle
  start --outbox-per-account-per-minute 100000000
  : >"$work/rss"
  deadline=$(($(date +%s) + 1800))
  while [ "$(outbox "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')")" != 0 ]; do
    rss_mb "$app_pid" >>"$work/rss"
    echo >>"$work/rss"
    [ "$(date +%s)" -lt "$deadline" ] || { echo "drain: not done in 30 min" >&2; exit 1; }
    sleep 1
  done
  read -r sent failed first last <<<"$(outbox "SELECT COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status = 'failed'), MIN(sent_at), MAX(sent_at) FROM outbox")"
  app_rate=$(echo "scale=1; ($sent - 1) * 1000 / ($last - $first)" | bc)
  echo "drain db=$db letters=$sent failed=$failed rate_per_s=$app_rate rss_peak_mib=$(sort -n "$work/rss" | tail -1) rss_after_mib=$(rss_mb "$app_pid")"
  stop
done

# curl: the same server, login and recipient, a letter of the same size as the app's.
size=$(outbox "SELECT LENGTH(text_body) + LENGTH(subject) FROM outbox LIMIT 1")
letter="$work/letter.eml"
{
  printf 'From: alice@%s\r\nTo: sink@%s\r\nSubject: Notification\r\nMessage-ID: <bench@%s>\r\n' "$domain" "$domain" "$domain"
  printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
  head -c "$((size * 2 + 300))" /dev/zero | tr '\0' 'x'
  printf '\r\n'
} >"$letter"
curl_args=(-s --cacert "$POCHTA_TEST_MAIL_CA" --user "alice@$domain:$POCHTA_TEST_MAIL_PASSWORD" --mail-from "alice@$domain" --mail-rcpt "sink@$domain")
url="smtps://localhost:$POCHTA_TEST_SMTPS_PORT"
settle
started=$(date +%s.%N)
for _ in $(seq 1 "$curl_letters"); do curl "${curl_args[@]}" -T "$letter" "$url"; done
one_each=$(echo "scale=1; $curl_letters / ($(date +%s.%N) - $started)" | bc)
for _ in $(seq 1 "$letters"); do printf 'upload-file = "%s"\nurl = "%s"\n' "$letter" "$url"; done >"$work/curl.cfg"
settle
started=$(date +%s.%N)
curl "${curl_args[@]}" -K "$work/curl.cfg"
reusing=$(echo "scale=1; $letters / ($(date +%s.%N) - $started)" | bc)
echo "curl one_process_each=$one_each letters_one_each=$curl_letters one_connection=$reusing letters_one_connection=$letters"
