// Shared steps of the browser tests.
import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync, renameSync } from "node:fs";

export const root = `${__dirname}/../..`;
const dataDir = process.env.POCHTA_E2E_DATA ?? `${root}/target/e2e-data`;
const server = process.env.POCHTA_E2E_SERVER ?? `${root}/target/debug/pochta`;

/** Fails the test on any uncaught error in the page (a broken WASM, a hydration panic) and on
 *  any 5xx answer. A 4xx answer is the app refusing input, which the tests provoke on purpose. */
export function failOnPageErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  return () => expect(errors, "errors in the page").toEqual([]);
}

/** How many pixels the page is wider than the window (0 or less: it fits), measured once the
 *  stylesheet has loaded: the DOM of a page can be complete while its stylesheet is still being
 *  revalidated (`Cache-Control: no-cache`), and a layout forced before that measures the page
 *  unstyled — something no user sees, since the stylesheet blocks the first paint. */
export async function overflowWidth(page: Page): Promise<number> {
  await page.waitForLoadState("load");
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Waits until the WASM has hydrated the page (the app marks <body> when it is interactive). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

/** A new tenant made with the operator's CLI on the running server's database. */
export function createTenant(name: string, email: string, password: string) {
  const dbArgs: string[] = JSON.parse(process.env.POCHTA_E2E_DB_ARGS ?? "[]");
  execFileSync(server, ["--data-dir", dataDir, ...dbArgs, "tenant", "create", "--name", name, "--admin-email", email, "--admin-name", "Администратор", "--password-stdin"], {
    input: `${password}\n`,
  });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.locator("#sign-in-form input[name=email]").fill(email);
  await page.locator("#sign-in-form input[name=password]").fill(password);
  await page.locator("#sign-in-form button[type=submit]").click();
  await expect(page).toHaveURL(/\/setup\/firms$/);
}

export const mail = {
  domain: process.env.POCHTA_TEST_MAIL_DOMAIN ?? "pochta.test",
  /** почта.рф, as the mail servers know it (punycode). */
  idnDomain: process.env.POCHTA_TEST_MAIL_IDN_DOMAIN ?? "xn--80a1acny.xn--p1ai",
  password: process.env.POCHTA_TEST_MAIL_PASSWORD ?? "",
  ca: process.env.POCHTA_TEST_MAIL_CA ?? "",
  smtps: process.env.POCHTA_TEST_SMTPS_PORT ?? "",
  smtpStarttls: process.env.POCHTA_TEST_SMTP_STARTTLS_PORT ?? "",
  imaps: process.env.POCHTA_TEST_IMAPS_PORT ?? "",
  imap: process.env.POCHTA_TEST_IMAP_PORT ?? "",
  pop3s: process.env.POCHTA_TEST_POP3S_PORT ?? "",
  /** The company server with its own self-signed certificate, at office.pochta.test. */
  officeSmtps: process.env.POCHTA_TEST_OFFICE_SMTPS_PORT ?? "",
  officeSubmission: process.env.POCHTA_TEST_OFFICE_SUBMISSION_PORT ?? "",
  /** Allowed for the app; a test listens there and never answers. */
  silent: process.env.POCHTA_E2E_SILENT_PORT ?? "",
};

/** How many letters in the user's INBOX contain `needle`, asked over IMAP with curl. */
export function mailboxCount(user: string, needle: string, domain = mail.domain): number {
  const answer = execFileSync("curl", [
    "-sS", "--cacert", mail.ca,
    `imaps://localhost:${mail.imaps}/INBOX`,
    "--user", `${user}@${domain}:${mail.password}`,
    "-X", `SEARCH BODY "${needle}"`,
  ]).toString();
  const found = /\* SEARCH([\d ]*)/.exec(answer);
  return found ? found[1].trim().split(/\s+/).filter(Boolean).length : 0;
}

/** Whether a letter containing `needle` is in the user's INBOX. */
export function mailboxHas(user: string, needle: string, domain = mail.domain): boolean {
  return mailboxCount(user, needle, domain) > 0;
}

const officeCerts = process.env.POCHTA_TEST_OFFICE_CERTS ?? "";

/** The company server shows certificate `which` ("a" or "b") from its next connection on: its
 *  listeners read the file afresh for every connection, so a rename swaps it. */
export function officeCertificate(which: "a" | "b") {
  copyFileSync(`${officeCerts}/office-${which}.chain.pem`, `${officeCerts}/office.chain.pem.new`);
  renameSync(`${officeCerts}/office.chain.pem.new`, `${officeCerts}/office.chain.pem`);
}

/** The SHA-256 fingerprint of the company's certificate `which`, as the report shows it. */
export function officeFingerprint(which: "a" | "b"): string {
  return new X509Certificate(readFileSync(`${officeCerts}/office-${which}.pem`)).fingerprint256;
}
