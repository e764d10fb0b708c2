// Model chat: the planner's notes over time, newest first, 50 a page;
// each opens to the decision, the model's raw answer and the observation
// behind it where it was kept.
import { api } from '../api.js';
import { h, empty, replace } from '../dom.js';
import { time, money } from '../format.js';

const PAGE = 50;

function signals(decision) {
  const pos = (decision && decision.positions) || {};
  const acts = Object.values(pos).filter(p => p.signal && p.signal !== 'hold');
  return acts.length ? acts.map(p => `${p.signal} ${p.coin}`).join(', ') : 'hold';
}

function detail(d) {
  const parts = [h('h4', {}, 'Decision'), h('pre', {}, JSON.stringify(d.decision, null, 2))];
  if (d.raw_output) parts.push(h('h4', {}, "Model's answer"), h('pre', {}, d.raw_output));
  if (d.llm_call) parts.push(h('div', { class: 'meta' },
    `${d.llm_call.model}: ${d.llm_call.status}, ${d.llm_call.latency_ms ?? '–'} ms, ` +
    `${d.llm_call.prompt_tokens} + ${d.llm_call.completion_tokens} tokens, ${money(d.llm_call.cost_usd)}`));
  parts.push(h('h4', {}, 'Observation'), d.observation
    ? h('pre', { class: 'observation' }, JSON.stringify(d.observation, null, 2))
    : h('div', { class: 'meta' }, 'not kept for this cycle (agent.observation_every)'));
  return parts;
}

export async function mount(el, ctx) {
  let offset = 0;
  const list = h('div', { id: 'notes' });
  const prev = h('button', { onclick: () => { offset = Math.max(0, offset - PAGE); update(); } }, '← Newer');
  const next = h('button', { onclick: () => { offset += PAGE; update(); } }, 'Older →');
  const info = h('span', { class: 'legend' });
  replace(el, h('h2', {}, "The model's notes"), h('div', { class: 'row pager' }, prev, next, info), list);
  const open = new Set();

  async function update() {
    const res = await api('chat', { version: ctx.version, limit: PAGE, offset });
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE >= res.total;
    replace(info, res.total ? `${offset + 1}–${Math.min(offset + PAGE, res.total)} of ${res.total}` : '');
    if (!res.notes.length) { replace(list, empty('No decision recorded yet.')); return; }
    replace(list, res.notes.map(n => {
      const body = h('div', {}, h('div', { class: 'meta' }, 'loading…'));
      const det = h('details', { class: 'note', 'data-id': n.id },
        h('summary', {}, h('span', { class: 'meta' }, `${time(n.ts)} · cycle ${n.cycle} · ${signals(n.decision)}`),
          h('div', {}, n.error ? `planner error: ${n.error}` : (n.notes || '(no notes)'))),
        body);
      const load = async () => {
        const d = await api('decision', { version: ctx.version, id: n.id });
        replace(body, detail(d));
      };
      det.addEventListener('toggle', () => {
        if (det.open) { open.add(n.id); load(); } else open.delete(n.id);
      });
      if (open.has(n.id)) { det.open = true; }
      return det;
    }));
  }
  await update();
  return { update };
}
