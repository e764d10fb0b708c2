// lightweight-charts (window.LightweightCharts, the standalone build the
// page loads first) with the dashboard's look; charts follow their box's
// width. Times are the agent clock, shown in UTC.
const LWC = () => window.LightweightCharts;

export function makeChart(el, opts = {}) {
  const chart = LWC().createChart(el, {
    width: el.clientWidth || 600,
    height: el.clientHeight || 320,
    layout: { background: { type: 'solid', color: '#ffffff' }, textColor: '#334e68', fontSize: 11 },
    grid: { vertLines: { color: '#f0f3f6' }, horzLines: { color: '#f0f3f6' } },
    rightPriceScale: { borderVisible: false },
    timeScale: { timeVisible: true, secondsVisible: false, borderVisible: false },
    crosshair: { mode: 0 },
    ...opts,
  });
  const ro = new ResizeObserver(() => chart.applyOptions({ width: el.clientWidth, height: el.clientHeight }));
  ro.observe(el);
  return { chart, dispose() { ro.disconnect(); chart.remove(); } };
}

// [[ts_ms, value, ...], ...] -> [{time, value}], strictly increasing times
export function series(points, pick = p => p[1]) {
  const out = [];
  let last = -Infinity;
  for (const p of points) {
    const t = Math.floor(p[0] / 1000);
    if (t <= last) continue;
    last = t;
    out.push({ time: t, value: pick(p) });
  }
  return out;
}

export function priceFormat(decimals) {
  const d = Math.max(0, Math.min(10, decimals));
  return { type: 'price', precision: d, minMove: Math.pow(10, -d) };
}
