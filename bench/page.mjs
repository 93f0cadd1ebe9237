// First paint and hydration of the «Почта» tab in headless Chromium on loopback.
//   node bench/page.mjs BASE_URL EMAIL PASSWORD [RUNS]
// Prints the median first contentful paint and the median time until the WASM has hydrated
// the page (<body data-hydrated>), both from navigation start, over RUNS fresh page loads; and
// the browser's floor: the first paint of the same tab's HTML as a static page served from this
// process, without the stylesheet and bundle (what the browser alone needs to show that document).
import { createRequire } from "node:module";
import { createServer } from "node:http";
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
// The floor: the tab's own document, every other request answered 404 at once.
const floorPage = await (await context.request.get(`${base}/setup/mail`)).text();
const server = createServer((req, res) =>
  req.url === "/" ? res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(floorPage) : res.writeHead(404).end());
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const floorPaints = [];
for (let i = 0; i < runs; i++) {
  const fresh = await browser.newContext();
  const p = await fresh.newPage();
  await p.goto(`http://127.0.0.1:${server.address().port}/`);
  floorPaints.push(await p.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const fcp = list.getEntriesByName("first-contentful-paint")[0];
      if (fcp) resolve(fcp.startTime);
    }).observe({ type: "paint", buffered: true });
  })));
  await fresh.close();
}
server.close();
console.log(`first_contentful_paint_ms=${median(paints).toFixed(0)} hydrated_ms=${median(hydrations).toFixed(0)} runs=${runs} ` +
  `static_copy_first_contentful_paint_ms=${median(floorPaints).toFixed(0)}`);
await browser.close();
