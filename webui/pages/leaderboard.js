// Leaderboard: every version ranked by Sharpe (the agent's stored
// metrics), each against an equal-weight buy-and-hold of its symbols
// (issue 16: return, alpha, beta, information ratio, tracking error),
// its P&L before and after fees and funding and its LLM cost per
// decision; a minimum-duration filter, and every version's equity on one
// chart normalised to 100 at its start. A column is one entry of COLUMNS.
import { api } from '../api.js';
import { h, table, empty, replace } from '../dom.js';
import { money, signedMoney, smallMoney, pct, plainPct, num, int, duration, cls } from '../format.js';
import { makeChart, series } from '../chart.js';

const COLORS = ['#0f766e', '#b45309', '#6d28d9', '#be123c', '#1d4ed8', '#4d7c0f', '#a21caf', '#0e7490'];

export const COLUMNS = [
  { label: 'Duration', num: true, value: r => duration(r.duration_days * 86400000) + ` · ${int(r.cycles)} cycles` },
  { label: 'Return', num: true, value: r => pct(r.total_return_pct), cls: r => cls(r.total_return_pct) },
  { label: 'Daily', num: true, title: 'compounded daily return', value: r => pct(r.daily_return_pct, 3), cls: r => cls(r.daily_return_pct) },
  { label: 'B&H', num: true, title: 'return of an equal-weight buy-and-hold of the same symbols', value: r => pct(r.bench_return_pct), cls: r => cls(r.bench_return_pct) },
  { label: 'Alpha/yr', num: true, title: "Jensen's alpha against buy-and-hold, % a year", value: r => pct(r.alpha_pct), cls: r => cls(r.alpha_pct) },
  { label: 'Beta', num: true, title: 'of the per-cycle returns on buy-and-hold', value: r => num(r.beta, 2) },
  { label: 'IR', num: true, title: 'information ratio: excess return over tracking error, a year', value: r => num(r.info_ratio, 2), cls: r => cls(r.info_ratio) },
  { label: 'TE/yr', num: true, title: 'tracking error against buy-and-hold, % a year', value: r => plainPct(r.tracking_error_pct, 2) },
  { label: 'Sharpe', num: true, value: r => num(r.sharpe, 2), cls: r => r.sharpe >= 1 ? 'up' : r.sharpe < 0 ? 'down' : '' },
  { label: 'Sortino', num: true, value: r => num(r.sortino, 2) },
  { label: 'Max DD', num: true, value: r => plainPct(r.max_drawdown_pct, 2) },
  { label: 'Trades', num: true, value: r => `${int(r.trades)} · ${num(r.trades_per_day, 1)}/day` },
  { label: 'Win rate', num: true, value: r => plainPct(r.win_rate * 100, 1) },
  { label: 'Profit factor', num: true, value: r => r.profit_factor === null ? (r.trades ? '∞' : '–') : num(r.profit_factor, 2) },
  { label: 'Avg hold', num: true, value: r => duration(r.avg_hold_ms) },
  { label: 'Realized', num: true, value: r => signedMoney(r.realized_pnl), cls: r => cls(r.realized_pnl) },
  { label: 'Gross P&L', num: true, title: 'before fees and funding', value: r => signedMoney(r.gross_pnl), cls: r => cls(r.gross_pnl) },
  { label: 'Fees', num: true, value: r => money(r.total_fees) },
  { label: 'Funding', num: true, title: 'net funding: received less paid', value: r => signedMoney(r.total_funding), cls: r => cls(r.total_funding) },
  { label: 'Net P&L', num: true, title: 'equity less starting equity', value: r => signedMoney(r.net_pnl), cls: r => cls(r.net_pnl) },
  { label: 'LLM cost', num: true, value: r => money(r.llm_cost_usd) },
  { label: '$/decision', num: true, title: 'LLM cost per planner decision', value: r => smallMoney(r.cost_per_decision) },
  { label: 'Decisions/day', num: true, value: r => num(r.decisions_per_day, 1) },
  { label: 'Equity', num: true, value: r => money(r.equity) },
];

export async function mount(el, ctx) {
  const minSel = h('select', { id: 'min-hours', 'aria-label': 'minimum duration' },
    [0, 1, 6, 24, 72, 168].map(x => h('option', { value: x }, x ? `≥ ${x} h` : 'any duration')));
  const banner = h('div', { class: 'banner' });
  const tbl = h('div', { id: 'leaderboard' });
  const chartEl = h('div', { class: 'chart', id: 'versions-chart' });
  replace(el, banner, h('div', { class: 'row' }, h('label', {}, 'Minimum duration ', minSel)), tbl,
    h('h2', {}, 'Equity of every version (100 = its start)'), chartEl,
    h('dl', { class: 'legend' },
      h('dt', {}, 'B&H'), h('dd', {}, 'an equal-weight book of the version\'s symbols, bought with its starting equity without leverage when every symbol has a price (docs/benchmark.md); – before it starts'),
      h('dt', {}, 'Alpha/yr, Beta'), h('dd', {}, 'of the per-cycle returns regressed on the book\'s: alpha is Jensen\'s, annualised'),
      h('dt', {}, 'IR, TE/yr'), h('dd', {}, 'information ratio and tracking error of the excess per-cycle returns, annualised'),
      h('dt', {}, 'Sharpe'), h('dd', {}, 'mean return between equity snapshots over their standard deviation, annualised by the real snapshot interval'),
      h('dt', {}, 'Max DD'), h('dd', {}, 'largest fall from a running peak of equity, percent'),
      h('dt', {}, 'Profit factor'), h('dd', {}, 'gross profit over gross loss of the round trips (∞: no loss)'),
      h('dt', {}, 'Win rate'), h('dd', {}, 'share of round trips with net P&L above zero')));
  const { chart, dispose } = makeChart(chartEl);
  const lines = new Map();
  minSel.addEventListener('change', () => update());

  async function update() {
    const [lb, cur] = await Promise.all([
      api('leaderboard', { min_hours: minSel.value }), api('current-version', { version: ctx.version })]);
    replace(banner, `Shown version: ${cur.version} — ${cur.description || 'no description'}`);
    const rows = lb.versions;
    if (!rows.length) { replace(tbl, empty('No version has metrics over that duration yet.')); }
    else {
      const cols = [
        { label: '#', value: r => String(rows.indexOf(r) + 1) },
        { label: 'Version', text: true, value: r => h('span', {}, h('b', {}, r.version), h('br'), h('span', { class: 'legend' }, r.description)) },
        ...COLUMNS];
      replace(tbl, table(cols, rows, r => r.version === cur.version ? 'current' : null));
    }
    const curves = await Promise.all(rows.map(r => api('equity-curve', { version: r.version, points: 300 })));
    rows.forEach((r, i) => {
      const pts = curves[i].points;
      if (!lines.has(r.version))
        lines.set(r.version, chart.addLineSeries({ color: COLORS[lines.size % COLORS.length], lineWidth: 2, title: r.version }));
      const first = pts.length ? pts[0][1] : 1;
      lines.get(r.version).setData(series(pts, p => p[1] / first * 100));
    });
    chart.timeScale().fitContent();
    chartEl.dataset.lines = String(rows.length);
  }
  await update();
  return { update, destroy: dispose };
}
