// Opens a delist HTML report in headless Chromium (Debian's /usr/bin/chromium), takes a
// screenshot, and prints the text of the elements the test asserts are visible, as JSON.
// Usage: node html-report.mjs REPORT.html SCREENSHOT.png LIST-ID
import { chromium } from 'playwright-core';

const [report, shot, list] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
// Any request the page makes is a failure: the report must open with no network.
const requests = [];
page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
await page.goto('file://' + report);
await page.screenshot({ path: shot, fullPage: true });
const visible = async (sel) => {
  const el = page.locator(sel).first();
  return (await el.count()) > 0 && (await el.isVisible()) ? (await el.textContent()) : null;
};
const out = {
  summary: await visible('#summary'),
  firstFindingRow: await visible('section.list tbody tr:has(b)'),
  deadlines: await visible(`#list-${list} table.deadlines`),
  chart: await visible('svg[aria-label="Findings per list"]'),
  requests,
};
console.log(JSON.stringify(out));
await browser.close();
