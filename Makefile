# Pochta: the two commands of the README, and the steps they are made of.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

SSR := --no-default-features --features ssr

.PHONY: run test setup-run setup-test check-code build-test test-unit test-on-sqlite test-on-postgres bench

## Install what is missing and start the app on an SQLite file in ./data (http://127.0.0.1:3000).
run: setup-run
	cargo leptos serve --release --precompress

## Install what is missing and run every test (code shape, unit, HTTP integration, browser).
test: setup-test check-code build-test
	scripts/test-servers.sh run -- $(MAKE) --no-print-directory test-unit test-on-sqlite test-on-postgres

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

# The code's shape before any test: formatting, the layers (tests/layers.rs: imports point
# down, no feature circles, short modules), and clippy for the server and the browser build.
check-code:
	cargo fmt --check
	cargo test $(SSR) --test layers
	cargo clippy $(SSR) --lib --tests --examples --bins -- -D warnings
	cargo clippy --no-default-features --features hydrate --target wasm32-unknown-unknown --lib -- -D warnings

# The browser bundle through cargo-leptos; the server with plain cargo, so `cargo test` reuses
# the same compiled dependencies.
build-test:
	cargo leptos build --frontend-only
	cargo build $(SSR) --bin pochta

test-unit:
	cargo test $(SSR) --lib

# The HTTP and browser suites run once on each database (the servers must be up: see `test`).
# The HTTP tests run one at a time: each starts the app inside its own test runtime, and several
# Leptos apps rendering at once in one process on different runtimes now and then lose a page
# render (about one run in four hung; never seen with one runtime per process, as in production).
API_TESTS := -- --test-threads=1
test-on-sqlite:
	POCHTA_TEST_DATABASE=sqlite cargo test $(SSR) --test api $(API_TESTS)
	cd end2end && POCHTA_TEST_DATABASE=sqlite npx playwright test

test-on-postgres:
	POCHTA_TEST_DATABASE=postgres cargo test $(SSR) --test api $(API_TESTS)
	cd end2end && POCHTA_TEST_DATABASE=postgres npx playwright test

## Figures (not tests): page size, first paint and hydration, throughput against a bare axum
## floor on SQLite and PostgreSQL, memory, mail round trip vs curl, detection, load and faults,
## the outbox's enqueue latency and drain rate vs curl (bench/drain.sh).
## Appends to bench/results.md.
bench: setup-test
	scripts/test-servers.sh run -- bench/suite.sh
