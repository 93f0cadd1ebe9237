#!/usr/bin/env bash
# Installs what Pochta needs on a Debian 12 machine, skipping whatever is already present.
#   scripts/setup.sh run    — what building and running the app needs
#   scripts/setup.sh test   — that, plus the browser, mail and database servers the tests use
# Only the registries are used (crates.io, npm, Debian); nothing downloads a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# Rust: the WebAssembly target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# The formatter and the linter `make test` runs first.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

# cargo-leptos 0.3.10 (0.3.11 needs a newer rustc). `no_downloads` turns a missing tool into a
# clear error instead of a download that fails here. Built in the debug profile: it is a build
# driver, and that takes 12 minutes on 2 cores instead of 25.
if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos 0.3.10"; then
  say "installing cargo-leptos 0.3.10 (about 12 minutes)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads --debug
fi

# wasm-bindgen CLI: exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen"; then
  say "installing wasm-bindgen-cli $bindgen"
  cargo install wasm-bindgen-cli --version "$bindgen" --debug --force
fi

# wasm-opt for release builds: from npm's binaryen (Debian's version 108 writes broken WASM).
if [ ! -x .tools/node_modules/.bin/wasm-opt ]; then
  say "installing wasm-opt (npm binaryen 132)"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --no-save binaryen@132 >/dev/null
fi

if [ "$purpose" = test ]; then
  # Debian packages: the browser, the mail servers, the database, a DNS server for the
  # detection tests, brotli for size figures.
  packages=(chromium postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd dnsmasq-base openssl postgresql-15 brotli curl)
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Playwright itself from npm (it runs Debian's Chromium and downloads no browser), and the
  # mock authorization server of the OAuth tests (end2end/oauth-server.mjs).
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/oauth2-mock-server ]; then
    say "installing the end-to-end test packages"
    (cd end2end && npm ci --no-audit --no-fund >/dev/null)
  fi
fi
say "everything needed is present"
