#!/usr/bin/env bash
# Real mail servers on loopback for the tests: Postfix (submission with STARTTLS, implicit TLS,
# an implicit-TLS port with an untrusted certificate, and a company server's self-signed one on
# implicit TLS and STARTTLS; SASL through Dovecot) and Dovecot
# (IMAP and POP3 with STARTTLS and implicit TLS, LMTP delivery into maildirs), with throwaway
# certificates and test users; and the authorization server of the OAuth tests
# (end2end/oauth-server.mjs on HTTPS), whose tokens Dovecot checks itself (oauth2 passdb,
# XOAUTH2 and OAUTHBEARER for IMAP, POP3 and, through Dovecot SASL, SMTP). Ordinary processes with their own configuration; nothing of the
# system's mail setup is used or changed, except that Postfix requires its default main.cf to
# list this configuration folder.
#
#   scripts/mail-servers.sh start   # writes $BASE/env with the ports, users and CA file
#   scripts/mail-servers.sh stop
set -euo pipefail

BASE=${POCHTA_TEST_MAIL_BASE:-/var/tmp/pochta-test-mail}
DOMAIN=pochta.test
# почта.рф as mail servers see it (punycode), with mailboxes of its own.
IDN_DOMAIN=xn--80a1acny.xn--p1ai
PASSWORD=test-password-1
# Test mailboxes; each may send as itself, alice also as info@.
USERS=(alice bob carol dave erin frank)

say() { printf '\033[1;35m[mail]\033[0m %s\n' "$*"; }

stop() {
  if [ -f "$BASE/postfix/main.cf" ]; then
    postfix -c "$BASE/postfix" stop >/dev/null 2>&1 || true
  fi
  if [ -f "$BASE/run/master.pid" ]; then
    kill "$(cat "$BASE/run/master.pid")" 2>/dev/null || true
  fi
  for _ in $(seq 1 50); do
    pgrep -f "$BASE/" >/dev/null 2>&1 || break
    sleep 0.1
  done
  pkill -9 -f "$BASE/" 2>/dev/null || true
}

free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

certificates() {
  local dir=$BASE/certs
  mkdir -p "$dir"
  # The CA Pochta is told to trust, and a server certificate for localhost and 127.0.0.1.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Pochta Test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  # The detection tests name the servers by test domains that the test DNS server maps to
  # loopback addresses, so the certificate carries those names too.
  local names="DNS:localhost,DNS:mail.$DOMAIN,IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3"
  # smtp.почта.рф, in the ASCII form TLS compares names in.
  names+=",DNS:smtp.xn--80a1acny.xn--p1ai"
  local d
  for d in detect.test auto.detect.test prio.detect.test probe.detect.test slow.detect.test srv.detect.test wellknown.detect.test; do
    names+=",DNS:$d,DNS:*.$d"
  done
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$names" >"$dir/ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext" -out "$dir/server.pem" 2>/dev/null
  # A certificate from a company CA Pochta was not told about, for the "untrusted" case.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Unknown Company CA" \
    -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/untrusted.key" -out "$dir/untrusted.csr" 2>/dev/null
  openssl x509 -req -in "$dir/untrusted.csr" -CA "$dir/other-ca.pem" -CAkey "$dir/other-ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext" -out "$dir/untrusted.pem" 2>/dev/null
  # From the trusted CA, but for another name, and one that expired years ago.
  openssl req -newkey rsa:2048 -nodes -subj "/CN=other.example" -keyout "$dir/wrongname.key" -out "$dir/wrongname.csr" 2>/dev/null
  printf 'subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n' >"$dir/wrongname.ext"
  openssl x509 -req -in "$dir/wrongname.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/wrongname.ext" -out "$dir/wrongname.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/expired.key" -out "$dir/expired.csr" 2>/dev/null
  expired_certificate "$dir"
  office_certificates "$dir"
  # The key the authorization server signs its tokens with.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/oauth-signing.key" 2>/dev/null
  chmod 644 "$dir"/*.pem "$dir"/*.key
}

# A company server's own certificate, self-signed for office.pochta.test ("a"), and the one it
# is later replaced with ("b"). The office listeners read office.chain.pem (key and certificate)
# afresh for every connection, so a test swaps certificates by renaming a file over it.
office_certificates() {
  local dir=$1 v
  for v in a b; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/O=Romashka/CN=office.$DOMAIN" \
      -addext "subjectAltName=DNS:office.$DOMAIN" -keyout "$dir/office-$v.key" -out "$dir/office-$v.pem" 2>/dev/null
    cat "$dir/office-$v.key" "$dir/office-$v.pem" >"$dir/office-$v.chain.pem"
  done
  cp "$dir/office-a.chain.pem" "$dir/office.chain.pem"
}

# `openssl x509` cannot backdate, `openssl ca` can: a one-off CA database signs the CSR with a
# validity period in 2020.
expired_certificate() {
  local dir=$1 db=$1/expired-ca
  mkdir -p "$db"
  : >"$db/index.txt"
  echo 01 >"$db/serial"
  cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = server
[any]
commonName = supplied
[server]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
EOF
  openssl ca -batch -config "$db/ca.cnf" -startdate 20200101000000Z -enddate 20200201000000Z \
    -in "$dir/expired.csr" -out "$dir/expired.pem" -notext 2>/dev/null
}

dovecot_config() {
  local passwd=$BASE/dovecot/users
  mkdir -p "$BASE/dovecot" "$BASE/run" "$BASE/mail" "$BASE/logs"
  : >"$passwd"
  for u in "${USERS[@]}"; do
    echo "$u@$DOMAIN:{PLAIN}$PASSWORD::::::" >>"$passwd"
  done
  for u in alice bob; do
    echo "$u@$IDN_DOMAIN:{PLAIN}$PASSWORD::::::" >>"$passwd"
  done
  chown -R mail:mail "$BASE/mail"
  cat >"$BASE/dovecot/dovecot.conf" <<EOF
protocols = imap pop3 lmtp
listen = 127.0.0.1
base_dir = $BASE/run
state_dir = $BASE/run/state
log_path = $BASE/logs/dovecot.log
ssl = yes
ssl_cert = <$BASE/certs/server.pem
ssl_key = <$BASE/certs/server.key
# Asked for office.pochta.test (SNI), Dovecot shows the company's self-signed certificate.
local_name office.$DOMAIN {
  ssl_cert = <$BASE/certs/office-a.pem
  ssl_key = <$BASE/certs/office-a.key
}
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer
# Every test connects from 127.0.0.1 and tests run in parallel. Dovecot's per-IP auth penalty
# (2, 4, 8… s after each failure) and its failure delay (which holds up the other logins queued
# on Postfix's shared auth connection) would turn one test's wrong password into another test's
# timeout. Closing the penalty socket is Dovecot's documented way to switch the penalty off.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
mail_location = maildir:$BASE/mail/%d/%n
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
first_valid_gid = 8
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $passwd
}
# Tokens of the test authorization server, checked here against its public key (no call to
# it): the token's email claim must equal the login.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $BASE/dovecot/oauth2.conf
}
# The oauth2 passdb cannot answer user look-ups, so the userdb accepts any user (LMTP delivery
# only reaches the addresses Postfix's maps list).
userdb {
  driver = static
  args = uid=mail gid=mail home=$BASE/mail/%d/%n allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $AUTH_PORT
  }
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}
EOF
  # Keys at <prefix>/<azp or default>/<algorithm>/<kid>, as the authorization server names its key.
  mkdir -p "$BASE/dovecot/keys/default/RS256"
  openssl pkey -in "$BASE/certs/oauth-signing.key" -pubout -out "$BASE/dovecot/keys/default/RS256/pochta-test" 2>/dev/null
  chmod -R a+rX "$BASE/dovecot/keys"
  cat >"$BASE/dovecot/oauth2.conf" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$BASE/dovecot/keys/
username_attribute = email
EOF
}

# The authorization server, in the background with none of this script's output open (a caller
# reading it would wait for the server to end); its command line names $BASE, so `stop` finds it.
oauth_server() {
  (cd "$(dirname "$0")/../end2end" &&
    exec node oauth-server.mjs "$BASE/certs/oauth-signing.key" "$BASE/certs/server.pem" "$BASE/certs/server.key" \
      "$OAUTH_PORT") </dev/null >"$BASE/logs/oauth.log" 2>&1 &
}

postfix_config() {
  local dir=$BASE/postfix
  mkdir -p "$dir" "$BASE/postfix-queue" "$BASE/postfix-data"
  chown postfix "$BASE/postfix-data"
  # Postfix runs a configuration folder only if the default main.cf lists it.
  mkdir -p /etc/postfix
  touch /etc/postfix/main.cf
  local listed
  listed=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null || true)
  case " $listed " in
    *" $dir "*) ;;
    *) postconf -c /etc/postfix -e "alternate_config_directories = ${listed:+$listed }$dir" ;;
  esac
  local senders="" mailboxes=""
  for u in "${USERS[@]}"; do
    senders+="$u@$DOMAIN=$u@$DOMAIN, "
    mailboxes+="$u@$DOMAIN=ok, "
  done
  for u in alice bob; do
    senders+="$u@$IDN_DOMAIN=$u@$IDN_DOMAIN, "
    mailboxes+="$u@$IDN_DOMAIN=ok, "
  done
  # A recipient whose name is not in Latin letters: Postfix accepts it only with SMTPUTF8 (Dovecot
  # 2.3's LMTP cannot take it further, so the letter bounces after it was accepted).
  mailboxes+="иван@$DOMAIN=ok, "
  # A recipient whose letters Postfix accepts and then throws away: the benchmarks measure how
  # fast a client hands letters over, not how fast Dovecot files them (bench/drain.sh).
  mailboxes+="sink@$DOMAIN=ok, "
  senders+="info@$DOMAIN=alice@$DOMAIN"
  cat >"$dir/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $BASE/postfix-queue
data_directory = $BASE/postfix-data
maillog_file_prefixes = /var, /dev/stdout, $BASE/logs
maillog_file = $BASE/logs/postfix.log
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
mydestination =
local_recipient_maps =
relayhost =
virtual_mailbox_domains = $DOMAIN $IDN_DOMAIN
virtual_mailbox_maps = inline:{ ${mailboxes%, } }
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
transport_maps = inline:{ sink@$DOMAIN=discard: }
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$AUTH_PORT
smtpd_sasl_auth_enable = yes
smtpd_tls_cert_file = $BASE/certs/server.pem
smtpd_tls_key_file = $BASE/certs/server.key
smtpd_tls_auth_only = yes
smtpd_sender_login_maps = inline:{ $senders }
smtpd_sender_restrictions = reject_sender_login_mismatch
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
message_size_limit = 1048576
# UTF-8 addresses only in a mail transaction that asked for SMTPUTF8.
strict_smtputf8 = yes
EOF
  # The system's master.cf, with the public port 25 replaced by the test listeners.
  sed -e '/^smtp[[:space:]]\+inet/d' -e '/^#/d' -e '/^[[:space:]]*$/d' /usr/share/postfix/master.cf.dist >"$dir/master.cf"
  sed -i 's/^\(\S\+\s\+\S\+\s\+\S\+\s\+\S\+\s\+\)[y-]\(\s\)/\1n\2/' "$dir/master.cf"
  cat >>"$dir/master.cf" <<EOF
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
127.0.0.1:$UNTRUSTED_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_cert_file=$BASE/certs/untrusted.pem
  -o smtpd_tls_key_file=$BASE/certs/untrusted.key
127.0.0.1:$OFFICE_SMTPS_PORT inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_chain_files=$BASE/certs/office.chain.pem
  -o max_use=1
127.0.0.1:$OFFICE_SUBMISSION_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_chain_files=$BASE/certs/office.chain.pem
  -o max_use=1
EOF
}

start() {
  stop
  rm -rf "$BASE"
  mkdir -p "$BASE"
  read -r SUBMISSION_PORT SMTPS_PORT UNTRUSTED_PORT IMAP_PORT IMAPS_PORT POP3_PORT POP3S_PORT LMTP_PORT AUTH_PORT CLOSED_PORT \
    OFFICE_SMTPS_PORT OFFICE_SUBMISSION_PORT OAUTH_PORT < <(free_ports 13)
  certificates
  dovecot_config
  postfix_config
  dovecot -c "$BASE/dovecot/dovecot.conf" </dev/null >/dev/null 2>&1
  postfix -c "$BASE/postfix" check
  postfix -c "$BASE/postfix" start </dev/null >/dev/null 2>&1
  oauth_server
  cat >"$BASE/env" <<EOF
export POCHTA_TEST_MAIL_DOMAIN=$DOMAIN
export POCHTA_TEST_MAIL_IDN_DOMAIN=$IDN_DOMAIN
export POCHTA_TEST_MAIL_PASSWORD=$PASSWORD
export POCHTA_TEST_MAIL_CA=$BASE/certs/ca.pem
export POCHTA_TEST_SMTP_STARTTLS_PORT=$SUBMISSION_PORT
export POCHTA_TEST_SMTPS_PORT=$SMTPS_PORT
export POCHTA_TEST_SMTPS_UNTRUSTED_PORT=$UNTRUSTED_PORT
export POCHTA_TEST_IMAP_PORT=$IMAP_PORT
export POCHTA_TEST_IMAPS_PORT=$IMAPS_PORT
export POCHTA_TEST_POP3_PORT=$POP3_PORT
export POCHTA_TEST_POP3S_PORT=$POP3S_PORT
export POCHTA_TEST_CLOSED_PORT=$CLOSED_PORT
export POCHTA_TEST_OFFICE_SMTPS_PORT=$OFFICE_SMTPS_PORT
export POCHTA_TEST_OFFICE_SUBMISSION_PORT=$OFFICE_SUBMISSION_PORT
export POCHTA_TEST_OFFICE_CERTS=$BASE/certs
export POCHTA_TEST_POSTFIX_CONFIG=$BASE/postfix
export POCHTA_TEST_OAUTH_PORT=$OAUTH_PORT
export POCHTA_TEST_OAUTH_URL=https://127.0.0.1:$OAUTH_PORT
EOF
  # Ready when every listener answers.
  for port in $SUBMISSION_PORT $SMTPS_PORT $UNTRUSTED_PORT $IMAP_PORT $IMAPS_PORT $POP3_PORT $POP3S_PORT \
    $OFFICE_SMTPS_PORT $OFFICE_SUBMISSION_PORT $OAUTH_PORT; do
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.1
    done
  done
  say "Postfix, Dovecot and the authorization server are up on 127.0.0.1 (see $BASE/env)"
}

case "${1:-}" in
  start) start ;;
  stop) stop; say "stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
