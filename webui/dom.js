// Small DOM helpers: elements from a tag, attributes and children (text
// is always set as text, never parsed as HTML), tables from column lists.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// columns: [{label, value(row) -> string|Node, num: bool, cls(row)}]
export function table(columns, rows, rowClass) {
  const head = h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : null, title: c.title }, c.label)));
  const body = rows.map(r => h('tr', { class: rowClass ? rowClass(r) : null },
    columns.map(c => {
      const v = c.value(r);
      const k = [c.num ? 'num' : '', c.text ? 'text' : '', c.cls ? c.cls(r) : ''].join(' ').trim();
      return h('td', { class: k || null }, v);
    })));
  return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, head), h('tbody', {}, body)));
}

export function card(label, value, sub, valueClass) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label),
    h('div', { class: 'value ' + (valueClass || '') }, value),
    sub ? h('div', { class: 'sub' }, sub) : null);
}

export function empty(text) {
  return h('div', { class: 'empty' }, text);
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined));
}
