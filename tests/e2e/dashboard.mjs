// Signs in to a running delist dashboard in headless Chromium (Debian's /usr/bin/chromium),
// reads the overview (with each list's trend chart), opens a list's page, takes screenshots of
// both (SCREENSHOT.png and SCREENSHOT-overview.png), and prints the text the test asserts, as JSON.
// Usage: node dashboard.mjs BASE-URL ADMIN-TOKEN LIST-ID SCREENSHOT.png
import { chromium } from 'playwright-core';

const [base, admin, list, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
// Anything fetched from elsewhere than the server is a failure: the dashboard works offline.
const outside = [];
page.on('request', (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
const blocked = [];
page.on('console', (m) => { if (m.type() === 'error') blocked.push(m.text()); });
await page.goto(base + '/');
await page.fill('input[name=secret]', admin);
await page.click('form.login button');
await page.waitForSelector('#lists');
const overview = await page.locator('#lists').textContent();
// The overview draws each list's trend too (a small inline SVG per row).
const spark = page.locator(`svg.spark[data-list="${list}"]`);
const overviewTrend = {
  visible: await spark.isVisible(),
  title: await spark.locator('title').textContent(),
  points: ((await spark.locator('polyline').getAttribute('points')) || '').trim().split(/\s+/).length,
};
await page.screenshot({ path: shot.replace(/\.png$/, '-overview.png'), fullPage: true });
await page.click(`a[href="/lists/${list}"]`);
await page.waitForSelector('svg.trend');
await page.screenshot({ path: shot, fullPage: true });
const out = {
  overview,
  overviewTrend,
  summary: await page.locator('#summary').textContent(),
  trend: await page.locator('#trend').textContent(),
  chartVisible: await page.locator('svg[aria-label="Hosts affected over time"]').isVisible(),
  points: await page.locator('svg.trend circle').count(),
  outside,
  consoleErrors: blocked,
};
console.log(JSON.stringify(out));
await browser.close();
