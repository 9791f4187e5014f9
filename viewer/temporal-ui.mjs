#!/usr/bin/env node
// Opens a page of Temporal's Web UI in headless Chromium and waits until it shows every expected text (any case; a run's
// workflow IDs, its status), then saves a screenshot. It proves the UI the local server serves really shows the
// platform's workflows, as a facility's staff would look at them.
//
//   node temporal-ui.mjs --url http://127.0.0.1:8233/namespaces/default/workflows --expect connectome-run/demo/r1
//       [--expect Completed ...] [--out ui.png] [--timeout 60]
//
// Prints one JSON line with the outcome; exit code 0 when every text appeared, 1 when not, 2 on bad usage.
import { writeFile } from "node:fs/promises";

function usage(message) {
  if (message) console.error(`temporal-ui.mjs: ${message}`);
  console.error("usage: node temporal-ui.mjs --url URL --expect TEXT [--expect TEXT ...] [--out FILE.png] [--timeout S]");
  process.exit(2);
}

const o = { url: null, expect: [], out: null, timeout: 60, chromium: process.env.CHROMIUM_PATH || "/usr/bin/chromium" };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const next = () => (i + 1 < process.argv.length ? process.argv[++i] : usage(`${a} needs a value`));
  switch (a) {
    case "--url": o.url = next(); break;
    case "--expect": o.expect.push(next()); break;
    case "--out": o.out = next(); break;
    case "--timeout": o.timeout = Number(next()); break;
    case "--chromium": o.chromium = next(); break;
    default: usage(`unknown option ${a}`);
  }
}
if (!o.url || o.expect.length === 0) usage("--url and at least one --expect are needed");

const result = { url: o.url, found: [], missing: [], errors: [], ok: false };
let browser;
try {
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: o.chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("pageerror", (e) => result.errors.push(`page error: ${e.message}`));
  await page.goto(o.url, { waitUntil: "domcontentloaded", timeout: o.timeout * 1000 });
  const deadline = Date.now() + o.timeout * 1000;
  let text = "";
  while (Date.now() < deadline) {
    text = (await page.evaluate(() => document.body?.innerText ?? "")).toLowerCase();
    if (o.expect.every((e) => text.includes(e.toLowerCase()))) break;
    await page.waitForTimeout(500);
  }
  result.found = o.expect.filter((e) => text.includes(e.toLowerCase()));
  result.missing = o.expect.filter((e) => !text.includes(e.toLowerCase()));
  result.ok = result.missing.length === 0;
  if (o.out) await writeFile(o.out, await page.screenshot({ fullPage: false }));
} catch (e) {
  result.errors.push(String(e?.message ?? e));
} finally {
  if (browser) await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
