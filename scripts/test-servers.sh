#!/usr/bin/env bash
# Runs a command with the test servers up on loopback (Postfix and Dovecot, a DNS server,
# PostgreSQL) and stops them afterwards, whatever the command's outcome:
#   scripts/test-servers.sh run -- cargo test
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = run ] && [ "${2:-}" = -- ] || { echo "usage: $0 run -- COMMAND..." >&2; exit 2; }
shift 2

mail_base=${POCHTA_TEST_MAIL_BASE:-/var/tmp/pochta-test-mail}
pg_base=${POCHTA_TEST_PG_BASE:-/var/tmp/pochta-test-pg}
dns_base=${POCHTA_TEST_DNS_BASE:-/var/tmp/pochta-test-dns}
cleanup() {
  scripts/dns.sh stop >/dev/null 2>&1 || true
  scripts/mail-servers.sh stop >/dev/null 2>&1 || true
  scripts/postgres.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/mail-servers.sh start
scripts/dns.sh start
scripts/postgres.sh start
# shellcheck disable=SC1091
. "$mail_base/env"
# shellcheck disable=SC1091
. "$pg_base/env"
# shellcheck disable=SC1091
. "$dns_base/env"
"$@"
