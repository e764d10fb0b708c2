// Trades: round trips with both reasons, fees and hold time (paged), and
// a price chart of one market with the fills marked on it.
import { api } from '../api.js';
import { h, table, empty, replace } from '../dom.js';
import { money, signedMoney, price, qty, duration, time, cls } from '../format.js';
import { makeChart, priceFormat } from '../chart.js';
import { tickOf } from './positions.js';

const PAGE = 50;

function tripsTable(rows, ticks) {
  if (!rows.length) return empty('No round trip yet.');
  const px = (r, x) => price(x, ticks[r.symbol]);
  return table([
    { label: 'Closed', value: r => time(r.exit_ts) },
    { label: 'Coin', value: r => r.symbol },
    { label: 'Side', value: r => r.side.toUpperCase(), cls: r => r.side === 'long' ? 'up' : 'down' },
    { label: 'Qty', num: true, value: r => qty(r.qty) },
    { label: 'Entry', num: true, value: r => px(r, r.entry_price) },
    { label: 'Exit', num: true, value: r => px(r, r.exit_price) },
    { label: 'Net P&L', num: true, value: r => signedMoney(r.net_pnl), cls: r => cls(r.net_pnl) },
    { label: 'Fees', num: true, value: r => money(r.fees) },
    { label: 'Held', num: true, value: r => duration(r.hold_ms) },
    { label: 'Entry reason', text: true, value: r => r.entry_reason || '–' },
    { label: 'Exit reason', text: true, value: r => r.exit_reason || '–' },
  ], rows);
}

export async function mount(el, ctx) {
  let offset = 0;
  let symbol = null;
  const pick = h('select', { id: 'trade-symbol', 'aria-label': 'market' });
  const info = h('span', { class: 'legend' });
  const chartEl = h('div', { class: 'chart', id: 'trades-chart' });
  const list = h('div', { id: 'round-trips' });
  const prev = h('button', { onclick: () => { offset = Math.max(0, offset - PAGE); update(); } }, '← Newer');
  const next = h('button', { onclick: () => { offset += PAGE; update(); } }, 'Older →');
  const pageInfo = h('span', { class: 'legend' });
  replace(el, h('h2', {}, 'Fills on the price'), h('div', { class: 'row' }, pick, info), chartEl,
    h('h2', {}, 'Round trips'), h('div', { class: 'row pager' }, prev, next, pageInfo), list);
  const { chart, dispose } = makeChart(chartEl);
  const line = chart.addLineSeries({ color: '#334e68', lineWidth: 1 });
  pick.addEventListener('change', () => { symbol = pick.value; drawChart(); });
  let ticks = {};

  async function drawChart() {
    if (!symbol) return;
    const [fills, prices] = await Promise.all([
      api('trades', { version: ctx.version, limit: 1000 }),
      api('prices', { version: ctx.version, symbol })]);
    const mine = fills.trades.filter(f => f.symbol === symbol).sort((a, b) => a.ts - b.ts);
    // the fills' own prices join the line, so each marker sits on a point
    const byTime = new Map();
    for (const [ts, p] of prices.points) byTime.set(Math.floor(ts / 1000), p);
    const from = prices.points.length ? prices.points[0][0] : -Infinity;
    const shown = mine.filter(f => f.ts >= from);
    for (const f of shown) byTime.set(Math.floor(f.ts / 1000), f.price);
    const data = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
    const d = ticks[symbol] ? Math.round(-Math.log10(ticks[symbol])) : 2;
    line.applyOptions({ priceFormat: priceFormat(d) });
    line.setData(data);
    line.setMarkers(shown.map(f => ({
      time: Math.floor(f.ts / 1000),
      position: f.side === 'buy' ? 'belowBar' : 'aboveBar',
      color: f.side === 'buy' ? '#0f7b3f' : '#b42318',
      shape: f.side === 'buy' ? 'arrowUp' : 'arrowDown',
      text: f.cause.replace('_', ' '),
    })));
    chart.timeScale().fitContent();
    chartEl.dataset.markers = String(shown.length);
    replace(info, data.length ? `${symbol}: ${shown.length} fills over the newest kept observations` : `${symbol}: no price kept yet`);
  }

  async function update() {
    const [rt, mk] = await Promise.all([
      api('completed-trades', { version: ctx.version, limit: PAGE, offset }),
      api('market-prices', { version: ctx.version })]);
    ticks = tickOf(mk.prices);
    if (!pick.options.length) {
      const syms = mk.prices.map(p => p.symbol);
      replace(pick, syms.map(s => h('option', { value: s }, s)));
      const traded = rt.round_trips.length ? rt.round_trips[0].symbol : syms[0];
      symbol = traded || null;
      if (symbol) pick.value = symbol;
    }
    replace(list, tripsTable(rt.round_trips, ticks));
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE >= rt.total;
    replace(pageInfo, rt.total ? `${offset + 1}–${Math.min(offset + PAGE, rt.total)} of ${rt.total}` : '');
    await drawChart();
  }
  await update();
  return { update, destroy: dispose };
}
