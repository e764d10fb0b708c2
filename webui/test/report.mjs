// Opens a backtest report in Debian's headless chromium through
// playwright-core and checks it: no console error, no failed request (the
// page must need no network), every chart drawn (a canvas with pixels
// that are not all background), the metrics table filled; prints the
// counts, with the buy-and-hold curves drawn beside the equity. Saves a
// screenshot. Usage: node report.mjs REPORT.html SCREENSHOT.png
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, shot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'perpd-chromium-'));
const problems = [];
// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1200, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('requestfailed', r => problems.push('request failed: ' + r.url()));
  page.on('request', r => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:'))
      problems.push('network request: ' + r.url());
  });
  await page.goto(pathToFileURL(report).href);
  await page.waitForFunction(() => document.body.dataset.drawn === 'yes', null, { timeout: 15000 });
  const drawn = await page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('.chart')) {
      let painted = 0;
      for (const c of el.querySelectorAll('canvas')) {
        const ctx = c.getContext('2d');
        if (!ctx || !c.width || !c.height) continue;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        const first = [px[0], px[1], px[2], px[3]];
        for (let i = 0; i < px.length; i += 4)
          if (px[i] !== first[0] || px[i + 1] !== first[1] || px[i + 2] !== first[2] || px[i + 3] !== first[3]) { painted++; }
      }
      out[el.id] = painted;
    }
    out.metricRows = document.querySelectorAll('#metrics tr').length;
    out.symbolRows = document.querySelectorAll('#per-symbol tr').length;
    out.benchmarks = Number(document.body.dataset.benchmarks || 0);
    return out;
  });
  for (const [id, n] of Object.entries(drawn))
    if (!(n > 0)) problems.push(`${id}: nothing drawn`);
  if (drawn.metricRows < 10) problems.push('metrics table has ' + drawn.metricRows + ' rows');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(drawn));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
