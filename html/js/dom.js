// Small DOM and formatting helpers. Pages build their DOM with h(), never
// with innerHTML, so text from the API is always text.

// h('a', {href: '/x', class: 'btn', onclick: fn}, 'text', child, [more]):
// attributes starting with "on" become listeners, true/false toggle boolean
// attributes, null/undefined are left out; children may be nested arrays.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

// Replaces el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(n) {
  if (n === null || n === undefined) return '–';
  let v = Number(n);
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

// Milliseconds as H:MM:SS (or M:SS under an hour).
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso) {
  return iso ? dateTime.format(new Date(iso)) : '–';
}

// A <time> element for an ISO timestamp.
export function timeEl(iso) {
  return iso ? h('time', { datetime: iso }, formatDate(iso)) : '–';
}

export function streamerName(s) {
  return s ? (s.display_name || s.login) : '';
}

// A status message element: role=status (polite) or role=alert.
export function message(text, kind = 'info') {
  return h('p', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// Calls fn at most once per ms milliseconds (the last call wins).
export function throttle(fn, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

// A table of rows (arrays of cells) under column headers, scrolling
// sideways on narrow screens; caption names it for screen readers.
export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((cells) => (cells instanceof Node ? cells : h('tr', {}, cells.map((c) => h('td', {}, c))))))));
}

// A card section titled by an h2 (id names it for screen readers).
export function panel(id, title, ...body) {
  return h('section', { class: 'card panel', 'aria-labelledby': id }, h('h2', { id }, title), ...body);
}
