// The dashboard in Debian's headless chromium through playwright-core:
// every page at desktop and phone width loads with no console error, no
// failed request and no request to another origin; the phone layout has
// no horizontal scroll; the equity chart draws on its canvas and the last
// point it shows is the API's last equity; the leaderboard lists both
// versions; switching version changes the numbers. Screenshots of every
// page at both widths go to OUT_DIR.
// Usage: node dashboard.mjs BASE_URL OUT_DIR VERSION_A VERSION_B
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, out, va, vb] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const problems = [];
const say = s => problems.push(s);
const origin = new URL(base).origin;
const api = async p => (await fetch(base + '/api/' + p)).json();

const PAGES = {
  overview: '#equity-chart[data-points]',
  positions: '#positions',
  trades: '#round-trips table, #round-trips .empty',
  chat: '#notes details, #notes .empty',
  leaderboard: '#versions-chart[data-lines]',
  versions: '#config:not(:empty)',
  readme: 'main .card',
};
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

const profile = mkdtempSync(join(tmpdir(), 'perpd-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});

// page.waitForFunction evaluates a string in the page, which the
// dashboard's Content-Security-Policy forbids (no eval): poll instead.
async function until(page, fn, arg, what, ms = 20000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await page.evaluate(fn, arg)) return;
    await page.waitForTimeout(100);
  }
  throw new Error('timed out waiting for ' + what);
}

async function open(name, size, version) {
  const page = await browser.newPage();
  await page.setViewportSize(SIZES[size]);
  const where = `${name}@${size}`;
  page.on('console', m => { if (m.type() === 'error') say(`${where}: console: ${m.text()}`); });
  page.on('pageerror', e => say(`${where}: page error: ${e.message}`));
  page.on('requestfailed', r => say(`${where}: request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', r => { if (r.status() >= 400) say(`${where}: ${r.status()} ${r.url()}`); });
  page.on('request', r => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) say(`${where}: request to another origin: ${r.url()}`);
  });
  await page.goto(`${base}/#/${name}?version=${encodeURIComponent(version)}`);
  await until(page, () => document.body.dataset.ready === 'yes', null, 'the page to start');
  await page.waitForSelector(PAGES[name], { timeout: 20000 });
  await page.waitForTimeout(300); // charts paint on the next frame
  return page;
}

// pixels of the chart's canvases that differ from the first pixel
async function painted(page, sel) {
  return page.evaluate(s => {
    let n = 0;
    for (const c of document.querySelectorAll(s + ' canvas')) {
      const ctx = c.getContext('2d');
      if (!ctx || !c.width || !c.height) continue;
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 4; i < px.length; i += 4)
        if (px[i] !== px[0] || px[i + 1] !== px[1] || px[i + 2] !== px[2]) n++;
    }
    return n;
  }, sel);
}

const report = { pages: 0 };
try {
  for (const size of Object.keys(SIZES)) {
    for (const name of Object.keys(PAGES)) {
      const page = await open(name, size, va);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (scroll > 0) say(`${name}@${size}: ${scroll}px of horizontal scroll`);
      await page.screenshot({ path: join(out, `${name}-${size}.png`), fullPage: true });
      report.pages++;
      if (name === 'overview' && size === 'desktop') {
        const n = await painted(page, '#equity-chart');
        if (!(n > 1000)) say(`equity chart: ${n} pixels drawn`);
        const shown = Number(await page.getAttribute('#equity-chart', 'data-last'));
        const curve = await api(`equity-curve?version=${encodeURIComponent(va)}&points=500`);
        const pl = await api(`pl?version=${encodeURIComponent(va)}`);
        const last = curve.points[curve.points.length - 1][1];
        if (shown !== last || shown !== pl.equity)
          say(`equity chart's last point ${shown}, API curve ${last}, account ${pl.equity}`);
        report.equity_last = shown;
        report.equity_pixels = n;
        // switching version changes the numbers
        const before = await page.textContent('#account .card .value');
        await page.selectOption('#version', vb);
        await until(page, b => {
          const el = document.querySelector('#account .card .value');
          return el && el.textContent !== b;
        }, before, 'the numbers of the other version');
        const after = await page.textContent('#account .card .value');
        const plb = await api(`pl?version=${encodeURIComponent(vb)}`);
        const want = '$' + plb.equity.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        if (after !== want) say(`after switching to ${vb} the account shows ${after}, the API ${want}`);
        report.switch = { from: before, to: after };
      }
      if (name === 'leaderboard') {
        const text = await page.textContent('#leaderboard');
        for (const v of [va, vb]) if (!text.includes(v)) say(`leaderboard@${size} lacks ${v}`);
        // issue 16's columns: each version's buy-and-hold return and
        // alpha as the API gives them (formatted as the page does)
        const lb = await api('leaderboard');
        const cells = await page.evaluate(() => {
          const heads = [...document.querySelectorAll('#leaderboard th')].map(t => t.textContent);
          return [...document.querySelectorAll('#leaderboard tbody tr')].map(tr => {
            const o = {};
            [...tr.children].forEach((td, i) => { o[heads[i]] = td.textContent; });
            return o;
          });
        });
        const fmt = x => x === null ? '–' : (x > 0 ? '+' : '') + x.toFixed(2) + '%';
        for (const v of [va, vb]) {
          const row = lb.versions.find(r => r.version === v);
          const shown = cells.find(c => c.Version.startsWith(v));
          if (!row || !shown) { say(`leaderboard@${size}: no row for ${v}`); continue; }
          for (const [col, key] of [['B&H', 'bench_return_pct'], ['Alpha/yr', 'alpha_pct']])
            if (shown[col] !== fmt(row[key])) say(`leaderboard@${size} ${v} ${col}: shows ${shown[col]}, API ${row[key]}`);
          if (row.bench_return_pct === null) say(`leaderboard: ${v} has no buy-and-hold return`);
        }
        if (size === 'desktop') {
          const n = await painted(page, '#versions-chart');
          if (!(n > 1000)) say(`versions chart: ${n} pixels drawn`);
        }
      }
      if (name === 'chat' && size === 'desktop') {
        await page.click('#notes details summary');
        await page.waitForSelector('#notes details pre', { timeout: 15000 });
      }
      await page.close();
    }
  }
} catch (e) {
  say('error: ' + e.message);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
