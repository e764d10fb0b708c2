// Overview: market prices, account cards (value, P&L, return, drawdown,
// Sharpe, win rate...), the equity curve with its drawdown, and the open
// positions with their exit plans and liquidation prices.
import { api } from '../api.js';
import { h, card, empty, replace } from '../dom.js';
import { money, signedMoney, pct, plainPct, price, num, int, duration, cls, time } from '../format.js';
import { makeChart, series, priceFormat } from '../chart.js';
import { positionsTable, tickOf } from './positions.js';

function strip(prices) {
  if (!prices.length) return empty('No market price recorded yet.');
  return h('div', { class: 'strip', id: 'prices' }, prices.map(p =>
    h('span', {}, h('span', { class: 'coin' }, p.coin || p.symbol),
      h('span', { 'data-symbol': p.symbol }, price(p.price, p.tick_size)),
      p.stale ? h('span', { class: 'stale' }, ' stale') : null)));
}

function cards(pl, ps) {
  const pf = ps.profit_factor;
  return [
    card('Account value', money(pl.equity), pl.ts ? 'at ' + time(pl.ts) : null),
    card('P&L', signedMoney(pl.pnl), pct(pl.total_return_pct) + ' since start', cls(pl.pnl)),
    card('Available cash', money(pl.available), 'margin used ' + money(pl.margin_used)),
    card('Unrealized P&L', signedMoney(pl.unrealized_pnl), null, cls(pl.unrealized_pnl)),
    card('Realized P&L', signedMoney(pl.realized_pnl), 'fees ' + money(pl.fees_paid) + ', funding ' + signedMoney(pl.funding_net)),
    card('Max drawdown', plainPct(pl.max_drawdown_pct, 2)),
    card('Sharpe', num(ps.sharpe, 2), 'annualised by the snapshot interval', ps.sharpe >= 1 ? 'up' : ps.sharpe < 0 ? 'down' : ''),
    card('Win rate', ps.win_rate === null ? '–' : plainPct(ps.win_rate * 100, 1), `${int(ps.winning_trades)} won, ${int(ps.losing_trades)} lost`, ps.win_rate >= 0.5 ? 'up' : ''),
    card('Profit factor', pf === null && ps.total_trades > 0 ? '∞' : num(pf, 2), 'gross profit / gross loss', pf >= 1 ? 'up' : pf !== null ? 'down' : ''),
    card('Round trips', int(ps.total_trades), 'avg hold ' + duration((ps.avg_hold_minutes || 0) * 60000)),
    card('Avg win / loss', signedMoney(ps.avg_win) + ' / ' + signedMoney(ps.avg_loss)),
    card('Volume', money(ps.total_volume)),
  ];
}

export async function mount(el, ctx) {
  const prices = h('div');
  const cardsEl = h('div', { class: 'cards', id: 'account' });
  const chartEl = h('div', { class: 'chart', id: 'equity-chart' });
  const note = h('div', { class: 'legend' });
  const pos = h('div');
  replace(el, h('h2', {}, 'Markets'), prices, h('h2', {}, 'Account'), cardsEl,
    h('h2', {}, 'Equity and drawdown'), chartEl, note, h('h2', {}, 'Open positions'), pos);
  const { chart, dispose } = makeChart(chartEl);
  const eq = chart.addAreaSeries({ lineColor: '#0f766e', topColor: 'rgba(15,118,110,.25)', bottomColor: 'rgba(15,118,110,0)', lineWidth: 2, priceFormat: priceFormat(2) });
  const dd = chart.addHistogramSeries({ color: 'rgba(180,35,24,.35)', priceScaleId: 'dd', priceFormat: priceFormat(2) });
  chart.priceScale('dd').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 }, visible: false });
  let fitted = false;

  async function update() {
    const v = { version: ctx.version };
    const [pl, ps, mk, ps2, curve] = await Promise.all([
      api('pl', v), api('performance-stats', v), api('market-prices', v),
      api('positions', v), api('equity-curve', { ...v, points: 500 })]);
    replace(prices, strip(mk.prices));
    replace(cardsEl, cards(pl, ps));
    const data = series(curve.points);
    eq.setData(data);
    dd.setData(series(curve.points, p => -p[2]));
    if (!fitted) { chart.timeScale().fitContent(); fitted = true; }
    // what the chart holds now, read back from it (the browser test
    // compares it with the API's last equity)
    const held = eq.data();
    const last = held.length ? held[held.length - 1].value : null;
    chartEl.dataset.points = String(held.length);
    chartEl.dataset.last = last === null ? '' : String(last);
    replace(note, data.length
      ? `${int(curve.count)} snapshots, ${data.length} drawn (each bucket keeps its lowest and highest); bars: drawdown from the running peak. Last: ${money(last)}.`
      : 'No equity snapshot yet.');
    replace(pos, positionsTable(ps2.positions, tickOf(mk.prices)));
  }
  await update();
  return { update, destroy: dispose };
}
