// Versions: every agent version, the configuration snapshot of one, and
// the difference between two (every changed key, by its path).
import { api } from '../api.js';
import { h, table, empty, replace } from '../dom.js';
import { time, int, money } from '../format.js';

// {a: {b: 1}} -> {"a.b": "1"}
function flatten(x, prefix = '', out = {}) {
  if (x !== null && typeof x === 'object') {
    const keys = Object.keys(x);
    if (!keys.length) out[prefix] = Array.isArray(x) ? '[]' : '{}';
    for (const k of keys) flatten(x[k], prefix ? `${prefix}${Array.isArray(x) ? `[${k}]` : '.' + k}` : k, out);
  } else {
    out[prefix] = JSON.stringify(x);
  }
  return out;
}

export async function mount(el, ctx) {
  const list = h('div', { id: 'versions' });
  const a = h('select', { id: 'diff-a', 'aria-label': 'first version' });
  const b = h('select', { id: 'diff-b', 'aria-label': 'second version' });
  const diff = h('div', { id: 'diff' });
  const cfg = h('pre', { id: 'config' });
  replace(el, h('h2', {}, 'Versions'), list, h('h2', {}, 'Difference between two versions'),
    h('div', { class: 'row' }, a, h('span', {}, 'vs'), b), diff,
    h('h2', {}, 'Configuration of the shown version'), cfg);
  a.addEventListener('change', () => showDiff());
  b.addEventListener('change', () => showDiff());

  async function showDiff() {
    if (!a.value || !b.value) return;
    const [ca, cb] = await Promise.all([api('config', { version: a.value }), api('config', { version: b.value })]);
    const fa = flatten(ca.config || {}), fb = flatten(cb.config || {});
    const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
    const rows = keys.filter(k => fa[k] !== fb[k]).map(k => ({ k, x: fa[k], y: fb[k] }));
    if (a.value === b.value) { replace(diff, empty('Pick two different versions.')); return; }
    replace(diff, rows.length ? h('div', { class: 'diff' }, table([
      { label: 'key', value: r => r.k },
      { label: a.value, text: true, value: r => r.x ?? '(absent)', cls: () => 'a' },
      { label: b.value, text: true, value: r => r.y ?? '(absent)', cls: () => 'b' },
    ], rows)) : empty('The two configurations are the same.'));
  }

  async function update() {
    const vs = await api('versions');
    replace(list, vs.length ? table([
      { label: 'Version', value: r => r.version },
      { label: 'Description', text: true, value: r => r.description || '–' },
      { label: 'First seen', value: r => r.first_seen.slice(0, 16).replace('T', ' ') },
      { label: 'Last commit', value: r => r.last_seen.slice(0, 16).replace('T', ' ') },
      { label: 'Agent time', value: r => r.first_ts ? `${time(r.first_ts)} → ${time(r.last_ts)}` : '–' },
      { label: 'Cycles', num: true, value: r => int(r.cycles) },
      { label: 'Start', num: true, value: r => money(r.starting_equity) },
    ], vs, r => r.version === ctx.version ? 'current' : null) : empty('No version yet.'));
    if (!a.options.length && vs.length) {
      replace(a, vs.map(v => h('option', { value: v.version }, v.version)));
      replace(b, vs.map(v => h('option', { value: v.version }, v.version)));
      a.value = vs[vs.length > 1 ? 1 : 0].version;
      b.value = vs[0].version;
      await showDiff();
    }
    const c = await api('config', { version: ctx.version });
    replace(cfg, JSON.stringify(c.config, null, 2));
  }
  await update();
  return { update };
}
