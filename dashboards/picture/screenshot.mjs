// Renders an HTML page to a PNG with headless Chromium (Debian's /usr/bin/chromium) through playwright-core.
//   node screenshot.mjs PAGE.html OUT.png
import { chromium } from 'playwright-core';
import path from 'node:path';

const [, , html, png] = process.argv;
if (!html || !png) {
  console.error('usage: node screenshot.mjs PAGE.html OUT.png');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  await page.goto('file://' + path.resolve(html));
  await page.screenshot({ path: png, fullPage: true });
} finally {
  await browser.close();
}
console.log('wrote ' + png);
