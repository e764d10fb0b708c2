// Number, time and duration formats. Prices keep the digits their market
// quotes (DOGE's tick is 0.00001): decimals follow the tick size, or six
// significant digits when there is none.
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function money(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return (x < 0 ? '-$' : '$') + money2.format(Math.abs(x));
}

// amounts under a dollar (an LLM call, a decision) keep four decimals
export function smallMoney(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1) return money(x);
  return (x < 0 ? '-$' : '$') + Math.abs(x).toFixed(4);
}

export function signedMoney(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return (x > 0 ? '+' : '') + money(x);
}

export function decimalsForTick(tick) {
  if (!tick || !(tick > 0)) return null;
  return Math.max(0, Math.min(10, Math.round(-Math.log10(tick))));
}

export function price(x, tick) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  let d = decimalsForTick(tick);
  if (d === null) {
    // six significant digits, at least two decimals
    const mag = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
    d = Math.max(2, Math.min(10, 5 - mag));
  }
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }).format(x);
}

export function qty(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 }).format(x);
}

export function pct(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return (x > 0 ? '+' : '') + x.toFixed(digits) + '%';
}

export function plainPct(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits) + '%';
}

export function num(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

export function int(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return new Intl.NumberFormat('en-US').format(x);
}

// "2021-04-05 12:34 UTC" from ms since the epoch
export function time(ms) {
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

// "3d 4h", "2h 05m", "7m"
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const m = Math.round(ms / 60000);
  const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(mm).padStart(2, '0')}m`;
  return `${mm}m`;
}

export function cls(x) {
  return x > 0 ? 'up' : x < 0 ? 'down' : '';
}
