// Positions: every open position with its exit plan (target, stop,
// invalidation: each may be unset), leverage, liquidation price and P&L,
// with the totals of the account.
import { api } from '../api.js';
import { h, table, card, empty, replace } from '../dom.js';
import { money, signedMoney, price, qty, cls, time } from '../format.js';

export function tickOf(prices) {
  const t = {};
  for (const p of (prices || [])) t[p.symbol] = p.tick_size;
  return t;
}

export function positionsTable(list, ticks) {
  if (!list.length) return empty('No open position.');
  const px = (r, x) => price(x, ticks[r.symbol]);
  return table([
    { label: 'Side', value: r => r.side.toUpperCase(), cls: r => r.side === 'long' ? 'up' : 'down' },
    { label: 'Coin', value: r => r.symbol },
    { label: 'Qty', num: true, value: r => qty(Math.abs(r.qty)) },
    { label: 'Leverage', num: true, value: r => r.leverage.toFixed(1) + 'x' },
    { label: 'Entry', num: true, value: r => px(r, r.entry_price) },
    { label: 'Mark', num: true, value: r => px(r, r.mark_price) },
    { label: 'Notional', num: true, value: r => money(r.notional !== null ? Math.abs(r.notional) : null) },
    { label: 'Liquidation', num: true, value: r => r.liquidation_price === null ? 'none' : px(r, r.liquidation_price) },
    { label: 'Target', num: true, value: r => r.exit_plan.profit_target === null ? 'not set' : px(r, r.exit_plan.profit_target) },
    { label: 'Stop', num: true, value: r => r.exit_plan.stop_loss === null ? 'not set' : px(r, r.exit_plan.stop_loss) },
    { label: 'Invalidation', text: true, value: r => r.exit_plan.invalidation || '–' },
    { label: 'Unrealized P&L', num: true, value: r => signedMoney(r.unrealized_pnl), cls: r => cls(r.unrealized_pnl) },
    { label: 'Since', value: r => time(r.entry_ts) },
  ], list);
}

export async function mount(el, ctx) {
  const totals = h('div', { class: 'cards' });
  const body = h('div', { id: 'positions' });
  replace(el, h('h2', {}, 'Open positions'), totals, h('h2', {}, 'Positions and exit plans'), body);
  async function update() {
    const [pos, pl, mk] = await Promise.all([
      api('positions', { version: ctx.version }), api('pl', { version: ctx.version }),
      api('market-prices', { version: ctx.version })]);
    const unreal = pos.positions.reduce((s, p) => s + (p.unrealized_pnl || 0), 0);
    replace(totals,
      card('Open positions', String(pos.positions.length)),
      card('Unrealized P&L', signedMoney(unreal), null, cls(unreal)),
      card('Available cash', money(pl.available)),
      card('Margin used', money(pl.margin_used)));
    replace(body, positionsTable(pos.positions, tickOf(mk.prices)));
  }
  await update();
  return { update };
}
