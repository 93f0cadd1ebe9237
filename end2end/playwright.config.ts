// Browser tests in Debian's Chromium (never a downloaded browser). Playwright starts the real
// server on a loopback port with a fresh data folder; the test command has built it before.
import { defineConfig } from "@playwright/test";
import { writeFileSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const port = Number(process.env.POCHTA_E2E_PORT ?? 3100);
const root = `${__dirname}/..`;
const dataDir = process.env.POCHTA_E2E_DATA ?? `${root}/target/e2e-data`;
const server = process.env.POCHTA_E2E_SERVER ?? `${root}/target/debug/pochta`;

// The database: SQLite in the data folder, or a fresh database on the PostgreSQL of
// scripts/postgres.sh (POCHTA_TEST_DATABASE=postgres), reached as the non-owner app role.
let prepare = `rm -rf '${dataDir}'`;
let dbArgs: string[] = [];
if (process.env.POCHTA_TEST_DATABASE === "postgres") {
  const pg = `127.0.0.1:${process.env.POCHTA_TEST_PG_PORT}/e2e`;
  // One key for the server and the CLI; workers re-read this file and inherit the variable.
  process.env.POCHTA_E2E_SECRET_KEY ??= execFileSync(server, ["keys", "generate"]).toString().trim().replace(" ", ":");
  const key = process.env.POCHTA_E2E_SECRET_KEY;
  dbArgs = ["--database-url", `postgres://pochta_web@${pg}`, "--migration-database-url", `postgres://pochta_owner@${pg}`, "--secret-keys", key];
  const admin = process.env.POCHTA_TEST_PG_ADMIN_URL;
  prepare += ` && psql '${admin}' -qc 'DROP DATABASE IF EXISTS e2e' && psql '${admin}' -qc 'CREATE DATABASE e2e OWNER pochta_owner'`;
}
// For the operator's CLI in the tests (helpers.ts).
process.env.POCHTA_E2E_DB_ARGS = JSON.stringify(dbArgs);

// The real mail servers of scripts/mail-servers.sh: the app may reach them and trusts their CA.
const mailPorts = [
  "POCHTA_TEST_SMTP_STARTTLS_PORT",
  "POCHTA_TEST_SMTPS_PORT",
  "POCHTA_TEST_IMAP_PORT",
  "POCHTA_TEST_IMAPS_PORT",
  "POCHTA_TEST_POP3_PORT",
  "POCHTA_TEST_POP3S_PORT",
].map((name) => process.env[name]).filter(Boolean);
// A port the app may reach where a test runs a server that never answers (the live report).
process.env.POCHTA_E2E_SILENT_PORT ??= String(port + 1);
mailPorts.push(process.env.POCHTA_E2E_SILENT_PORT);
// The test domain as a known mail service on those servers, for automatic setup.
const presets = `${root}/target/e2e-presets.json`;
if (process.env.POCHTA_TEST_MAIL_CA) {
  mkdirSync(`${root}/target`, { recursive: true });
  const server = (port?: string) => ({ host: "localhost", port: Number(port), security: "Ssl" });
  writeFileSync(presets, JSON.stringify([{
    id: "pochta-test",
    name: "Pochta Test",
    domains: [process.env.POCHTA_TEST_MAIL_DOMAIN],
    oauth: "microsoft",
    smtp: server(process.env.POCHTA_TEST_SMTPS_PORT),
    imap: server(process.env.POCHTA_TEST_IMAPS_PORT),
    pop3: server(process.env.POCHTA_TEST_POP3S_PORT),
  }, {
    // An outdated preset: SSL on the STARTTLS port, for the one-click fix.
    id: "pochta-test-outdated",
    name: "Pochta Test (устаревший)",
    smtp: server(process.env.POCHTA_TEST_SMTP_STARTTLS_PORT),
  }]));
}
// smtp.почта.рф, for the internationalised-domain walk (the test DNS maps it to loopback).
const idnHost = `smtp.${process.env.POCHTA_TEST_MAIL_IDN_DOMAIN}`;
const idnAllow = [process.env.POCHTA_TEST_SMTPS_PORT, process.env.POCHTA_TEST_IMAPS_PORT].map((p) => `${idnHost}:${p}`);
// The company server with its own self-signed certificate (office listeners of mail-servers.sh).
const officeAllow = [process.env.POCHTA_TEST_OFFICE_SMTPS_PORT, process.env.POCHTA_TEST_OFFICE_SUBMISSION_PORT]
  .filter(Boolean)
  .map((p) => `office.pochta.test:${p}`);
// The test authorization server of mail-servers.sh, registered as Microsoft (the test service's
// provider): «Войти через Microsoft» goes there and comes back to this server.
const oauthPort = process.env.POCHTA_TEST_OAUTH_PORT;
const oauthFile = `${root}/target/e2e-oauth.json`;
if (oauthPort) {
  mkdirSync(`${root}/target`, { recursive: true });
  writeFileSync(oauthFile, JSON.stringify({ microsoft: {
    client_id: "pochta-e2e",
    client_secret: "e2e-client-secret",
    authorize_url: `https://localhost:${oauthPort}/authorize`,
    token_url: `https://localhost:${oauthPort}/token`,
  } }));
  mailPorts.push(oauthPort);
}
const oauthOptions = oauthPort ? ` --oauth-file '${oauthFile}' --public-url 'http://127.0.0.1:${port}'` : "";
const mailOptions = process.env.POCHTA_TEST_MAIL_CA
  ? `--egress-allow '${[...mailPorts.map((p) => `localhost:${p}`), ...idnAllow, ...officeAllow].join(",")}' --ca-file '${process.env.POCHTA_TEST_MAIL_CA}' --presets-file '${presets}' --mail-step-timeout 5 --dns-server '${process.env.POCHTA_TEST_DNS}'${oauthOptions}`
  : "";

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `${prepare} && exec '${server}' --data-dir '${dataDir}' --listen 127.0.0.1:${port} --site-root '${root}/target/site' ${dbArgs.map((a) => `'${a}'`).join(" ")} ${mailOptions}`,
    url: `http://127.0.0.1:${port}/sign-in`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
