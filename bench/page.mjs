// First paint and hydration of the «Почта» tab in headless Chromium on loopback.
//   node bench/page.mjs BASE_URL EMAIL PASSWORD [RUNS]
// Prints the median first contentful paint and the median time until the WASM has hydrated
// the page (<body data-hydrated>), both from navigation start, over RUNS fresh page loads.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url + "/../../end2end/");
const { chromium } = require("@playwright/test");

const [base, email, password, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 10);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const context = await browser.newContext();
const page = await context.newPage();
await page.goto(`${base}/sign-in`);
await page.fill("#sign-in-form input[name=email]", email);
await page.fill("#sign-in-form input[name=password]", password);
await page.click("#sign-in-form button[type=submit]");
await page.waitForURL(/\/setup\/firms$/);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const paints = [];
const hydrations = [];
for (let i = 0; i < runs; i++) {
  // A cold cache each time: what a first visit costs.
  const fresh = await browser.newContext({ storageState: await context.storageState() });
  const p = await fresh.newPage();
  // The moment the app marks <body> as hydrated, taken inside the page.
  await p.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute("data-hydrated")) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"], childList: true });
  });
  await p.goto(`${base}/setup/mail`);
  await p.waitForSelector("body[data-hydrated]");
  const [fcp, hydrated] = await p.evaluate(() => [
    performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    window.__hydratedAt,
  ]);
  paints.push(fcp);
  hydrations.push(hydrated);
  await fresh.close();
}
console.log(`first_contentful_paint_ms=${median(paints).toFixed(0)} hydrated_ms=${median(hydrations).toFixed(0)} runs=${runs}`);
await browser.close();
