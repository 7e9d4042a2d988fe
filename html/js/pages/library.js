// The library: recordings as a grid of thumbnails, filtered by streamer,
// date, state, title and category; the filters live in the page's URL.

import { get } from '../api.js';
import { recordingCard } from '../cards.js';
import { fill, h, message, streamerName, throttle } from '../dom.js';
import * as events from '../events.js';

const PAGE = 48;

export async function render(main, _params, search) {
  const f = {
    streamer_id: search.get('streamer_id') ?? '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
    q: search.get('q') ?? '',
    state: search.get('state') ?? '',
    category: search.get('category') ?? '',
  };
  const streamerSelect = h('select', { id: 'f-streamer', name: 'streamer_id' },
    h('option', { value: '' }, 'All streamers'));
  const from = h('input', { id: 'f-from', name: 'from', type: 'date', value: f.from });
  const to = h('input', { id: 'f-to', name: 'to', type: 'date', value: f.to });
  const q = h('input', { id: 'f-q', name: 'q', type: 'search', value: f.q, placeholder: 'Words in the title' });
  const state = h('select', { id: 'f-state', name: 'state' },
    ['', 'ready', 'recording', 'processing', 'failed'].map((s) =>
      h('option', { value: s, selected: s === f.state }, s || 'Any state')));
  // the one in the URL is offered before the list has come (or if it is not
  // in the list)
  const category = h('select', { id: 'f-category', name: 'category' },
    h('option', { value: '' }, 'Any category'),
    f.category ? h('option', { value: f.category, selected: true }, f.category) : null);
  const form = h('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter recordings' },
    h('div', {}, h('label', { for: 'f-q' }, 'Title'), q),
    h('div', {}, h('label', { for: 'f-streamer' }, 'Streamer'), streamerSelect),
    h('div', {}, h('label', { for: 'f-from' }, 'From'), from),
    h('div', {}, h('label', { for: 'f-to' }, 'Until'), to),
    h('div', {}, h('label', { for: 'f-state' }, 'State'), state),
    h('div', {}, h('label', { for: 'f-category' }, 'Category'), category));

  // the filters go into the URL (for back, reload and links) and the grid
  // reloads in place, so typing goes on undisturbed
  const apply = () => {
    const p = new URLSearchParams();
    for (const el of [q, streamerSelect, from, to, state, category]) {
      f[el.name] = el.value;
      if (el.value) p.set(el.name, el.value);
    }
    const qs = p.toString();
    history.replaceState(null, '', `/library${qs ? `?${qs}` : ''}`);
    loadPage(true).catch((err) => fill(status, message(err.message, 'error')));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  for (const el of [streamerSelect, from, to, state, category]) el.addEventListener('change', apply);
  q.addEventListener('input', throttle(apply, 400));

  const grid = h('ul', { class: 'rec-grid', id: 'library-grid', 'aria-label': 'Recordings' });
  const status = h('div', { role: 'status' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let offset = 0;
  let loadSeq = 0;

  // "until" is inclusive for people, exclusive for the API
  function toParam() {
    if (!f.to) return null;
    const d = new Date(`${f.to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  async function loadPage(reset) {
    if (reset) offset = 0;
    const seq = ++loadSeq;
    const page = await get('/api/recordings', {
      streamer_id: f.streamer_id, from: f.from, to: toParam(), q: f.q, state: f.state, category: f.category,
      limit: PAGE, offset });
    if (seq !== loadSeq) return;     // a newer request is under way
    if (reset) grid.replaceChildren();
    grid.append(...page.items.map(recordingCard));
    offset += page.items.length;
    more.hidden = offset >= page.total;
    fill(status, page.total === 0
      ? message('No recordings match.')
      : h('p', { class: 'muted' }, `${page.total} recording${page.total === 1 ? '' : 's'}`));
  }
  more.addEventListener('click', () => loadPage(false).catch((err) => fill(status, message(err.message, 'error'))));

  const refresh = throttle(() => loadPage(true).catch(() => {}), 2000);
  const unsubscribe = [events.on('recording', refresh), events.on('reset', refresh)];

  fill(main, h('h1', {}, 'Library'), form, status, grid, h('div', { class: 'actions center' }, more));
  const [streamers, categories] = await Promise.all([
    get('/api/streamers', { limit: 200 }),
    get('/api/recordings/categories', { limit: 200 }),
    loadPage(true).catch((err) => fill(status, message(err.message, 'error'))),
  ]);
  streamerSelect.append(...streamers.items.map((s) =>
    h('option', { value: s.id, selected: String(s.id) === f.streamer_id }, streamerName(s))));
  // the API matches categories in any case: the one from the URL is not
  // offered twice
  const chosen = f.category.toLowerCase();
  for (const c of categories.items) {
    const label = `${c.name} (${c.count})`;
    if (chosen && c.name.toLowerCase() === chosen) category.options[1].textContent = label;
    else category.append(h('option', { value: c.name }, label));
  }
  return () => unsubscribe.forEach((off) => off());
}
