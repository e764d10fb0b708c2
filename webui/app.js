// The dashboard: pages by URL hash (#/overview?version=v1), a version
// selector on every page, live refresh by polling (every page's update()
// every REFRESH_S seconds, no reload), a health badge.
import { api } from './api.js';
import { h, empty, replace } from './dom.js';
import * as overview from './pages/overview.js';
import * as positions from './pages/positions.js';
import * as trades from './pages/trades.js';
import * as chat from './pages/chat.js';
import * as leaderboard from './pages/leaderboard.js';
import * as versions from './pages/versions.js';
import * as readme from './pages/readme.js';

const REFRESH_S = 10;
const pages = { overview, positions, trades, chat, leaderboard, versions, readme };

const state = { versions: [], page: null, mounted: null, timer: null, busy: false };

function parseHash() {
  const [path, query] = (location.hash.replace(/^#\/?/, '') || 'overview').split('?');
  const q = new URLSearchParams(query || '');
  return { name: pages[path] ? path : 'overview', version: q.get('version') };
}

function setHash(name, version) {
  const q = version ? '?version=' + encodeURIComponent(version) : '';
  location.hash = '#/' + name + q;
}

async function loadVersions() {
  try {
    state.versions = await api('versions');
  } catch {
    state.versions = [];
  }
  const sel = document.getElementById('version');
  const want = parseHash().version;
  const opts = state.versions.map(v => h('option', { value: v.version }, v.version));
  if (!opts.length) opts.push(h('option', { value: '' }, 'no version yet'));
  sel.replaceChildren(...opts);
  sel.value = want && state.versions.some(v => v.version === want) ? want
    : (state.versions[0] ? state.versions[0].version : '');
}

async function health() {
  const b = document.getElementById('health');
  try {
    const res = await fetch('api/health');
    const j = await res.json();
    const a = j.agent;
    const stale = a && a.markets.some(m => m.stale);
    b.className = 'badge ' + (j.status === 'ok' && !stale ? 'ok' : 'bad');
    b.textContent = j.status !== 'ok' ? 'database down'
      : !a ? 'no agent yet' : stale ? 'stale prices' : 'online';
    b.title = a ? `last commit ${a.last_commit}, ${Math.round(a.lag_s)} s ago; cycle ${a.cycles}` : '';
  } catch {
    b.className = 'badge bad';
    b.textContent = 'offline';
  }
}

async function show() {
  const { name, version } = parseHash();
  for (const a of document.querySelectorAll('#tabs a')) {
    a.classList.toggle('active', a.dataset.page === name);
    a.href = '#/' + a.dataset.page + (version ? '?version=' + encodeURIComponent(version) : '');
  }
  if (state.mounted && state.mounted.destroy) state.mounted.destroy();
  state.mounted = null;
  const el = document.getElementById('page');
  replace(el);
  const sel = document.getElementById('version');
  const v = version || sel.value || null;
  if (!state.versions.length && name !== 'readme') {
    replace(el, empty('No data yet: nothing has been recorded in the database. Run an agent with the postgres sink (make run does), and this page fills in by itself.'));
    return;
  }
  const ctx = { version: v, versions: state.versions, setVersion: t => setHash(name, t) };
  state.page = name;
  state.mounted = await pages[name].mount(el, ctx);
}

async function tick() {
  if (state.busy) return;
  state.busy = true;
  try {
    const before = state.versions.length;
    await loadVersions();
    await health();
    if (before === 0 && state.versions.length > 0) await show();
    else if (state.mounted && state.mounted.update) await state.mounted.update();
  } catch (e) {
    console.warn('refresh failed:', e.message);
  } finally {
    state.busy = false;
  }
}

document.getElementById('version').addEventListener('change', e => setHash(parseHash().name, e.target.value));
document.getElementById('every').textContent = String(REFRESH_S);
window.addEventListener('hashchange', () => { loadVersions().then(show); });

await loadVersions();
await health();
await show();
document.body.dataset.ready = 'yes';
state.timer = setInterval(tick, REFRESH_S * 1000);
