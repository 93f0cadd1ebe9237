#!/usr/bin/env bash
# A DNS server on loopback (dnsmasq) with the records the detection tests need: test domains
# whose autoconfig hosts, SRV and MX records and likely mail hosts point at the loopback test
# servers. It answers only for its own names (no upstream), so nothing leaves the machine.
# Run after scripts/mail-servers.sh start: the SRV records carry that run's ports.
#
#   scripts/dns.sh start   # writes $BASE/env with POCHTA_TEST_DNS=127.0.0.1:port
#   scripts/dns.sh stop
set -euo pipefail

BASE=${POCHTA_TEST_DNS_BASE:-/var/tmp/pochta-test-dns}
MAIL_BASE=${POCHTA_TEST_MAIL_BASE:-/var/tmp/pochta-test-mail}

say() { printf '\033[1;36m[dns]\033[0m %s\n' "$*"; }

stop() {
  if [ -f "$BASE/dnsmasq.pid" ]; then
    kill "$(cat "$BASE/dnsmasq.pid")" 2>/dev/null || true
  fi
  pkill -f "dnsmasq --conf-file=$BASE/" 2>/dev/null || true
}

start() {
  stop
  rm -rf "$BASE"
  mkdir -p "$BASE"
  # shellcheck disable=SC1091
  . "$MAIL_BASE/env"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$BASE/dnsmasq.conf" <<CONF
port=$port
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-negcache
user=root
pid-file=$BASE/dnsmasq.pid
log-facility=$BASE/dnsmasq.log
log-queries
# Names under these domains exist only as listed here; anything else is "no such domain".
local=/detect.test/
local=/pochta.test/
local=/invalid/
local=/localhost/
# почта.рф, as DNS sees it (punycode): its SMTP host, and its RFC 6186 records.
local=/xn--80a1acny.xn--p1ai/
address=/smtp.xn--80a1acny.xn--p1ai/127.0.0.1
srv-host=_submissions._tcp.xn--80a1acny.xn--p1ai,smtp.xn--80a1acny.xn--p1ai,$POCHTA_TEST_SMTPS_PORT,0,1
srv-host=_imaps._tcp.xn--80a1acny.xn--p1ai,smtp.xn--80a1acny.xn--p1ai,$POCHTA_TEST_IMAPS_PORT,0,1
address=/localhost/127.0.0.1
# The company server with its own self-signed certificate (office listeners of mail-servers.sh).
address=/office.pochta.test/127.0.0.1
# Autoconfig files: autoconfig.<domain>, and a domain serving only the .well-known file.
address=/autoconfig.auto.detect.test/127.0.0.1
address=/autoconfig.prio.detect.test/127.0.0.1
address=/wellknown.detect.test/127.0.0.1
address=/autoconfig.slow.detect.test/127.0.0.3
# RFC 6186 service records pointing at the test Postfix and Dovecot.
srv-host=_submissions._tcp.srv.detect.test,localhost,$POCHTA_TEST_SMTPS_PORT,0,1
srv-host=_imaps._tcp.srv.detect.test,localhost,$POCHTA_TEST_IMAPS_PORT,0,1
srv-host=_submission._tcp.prio.detect.test,localhost,$POCHTA_TEST_SMTP_STARTTLS_PORT,0,1
# A domain whose higher-ranked methods never answer (the budget test) but whose SRV record does.
srv-host=_submissions._tcp.slow.detect.test,localhost,$POCHTA_TEST_SMTPS_PORT,0,1
# A domain whose mail is hosted by Google.
mx-host=mx.detect.test,aspmx.l.google.com,10
# Likely hosts that answer (the probe test listens on 127.0.0.2) or stay silent (127.0.0.3).
address=/smtp.probe.detect.test/127.0.0.2
address=/imap.probe.detect.test/127.0.0.2
address=/smtp.slow.detect.test/127.0.0.3
address=/mail.slow.detect.test/127.0.0.3
address=/imap.slow.detect.test/127.0.0.3
CONF
  dnsmasq --conf-file="$BASE/dnsmasq.conf"
  echo "export POCHTA_TEST_DNS=127.0.0.1:$port" >"$BASE/env"
  for _ in $(seq 1 50); do
    [ -s "$BASE/dnsmasq.pid" ] && break
    sleep 0.1
  done
  say "dnsmasq is up on 127.0.0.1:$port (see $BASE/env)"
}

case "${1:-}" in
  start) start ;;
  stop) stop; say "stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
