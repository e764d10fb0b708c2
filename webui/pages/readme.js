// Readme: what this dashboard shows and where its numbers come from.
import { h, replace } from '../dom.js';

export async function mount(el) {
  replace(el, h('div', { class: 'card' },
    h('h2', {}, 'perpd dashboard'),
    h('p', {}, 'perpd is an autonomous trading agent for perpetual futures: a C host loads feeds, indicators, a planner (an LLM or a rule set), a paper or live exchange backend and record sinks as plugins, wired from YAML. Each agent version writes every trade, equity snapshot, decision, LLM call and its metrics to PostgreSQL; this page reads them, and only reads.'),
    h('ul', {},
      h('li', {}, 'Overview: prices, the account, the equity curve with its drawdown, open positions with their exit plans.'),
      h('li', {}, 'Positions: every open position, its leverage, liquidation price and exit plan.'),
      h('li', {}, 'Trades: round trips with the reasons the model gave at entry and exit, fills on the price.'),
      h('li', {}, "Model chat: the model's notes, each with its decision and the observation behind it."),
      h('li', {}, 'Leaderboard: versions ranked by Sharpe, equity of each normalised to its start.'),
      h('li', {}, 'Versions: the configuration of each version and the difference between two.')),
    h('p', {}, 'Metrics follow one definition everywhere (DESIGN.md): round trips by average cost, fees pro-rated; profit factor = gross profit / gross loss; Sharpe annualised by the real snapshot interval; drawdown peak to trough. Times are the agent clock in UTC (a replay shows its data\'s time).'),
    h('p', {}, 'The JSON API is described at ', h('a', { href: 'api/openapi.json' }, 'api/openapi.json'),
      '; Prometheus metrics at ', h('a', { href: 'metrics' }, 'metrics'), '.')));
  return {};
}
