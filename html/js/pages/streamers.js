// Streamers: add a Twitch channel by login or URL (its name and picture
// shown before it is saved), per-streamer settings, bulk enable/disable,
// record now/stop. The event stream keeps the rows current without a
// reload: the live badge, and the name and picture the worker finds at
// Twitch after a streamer is added.

import { del, get, patch, post } from '../api.js';
import { fill, formatBytes, h, message, streamerName, throttle } from '../dom.js';
import * as events from '../events.js';
import { isAdmin } from '../session.js';
import { busy, confirmAction, templatePreview, toast } from '../ui.js';

const PAGE = 200;

// A Twitch login from "name" or a channel URL (twitch.tv/name), or null.
export function twitchLogin(input) {
  const s = input.trim();
  const url = s.match(/^(?:https?:\/\/)?(?:www\.|m\.)?twitch\.tv\/([A-Za-z0-9_]+)\/?(?:[?#].*)?$/i);
  const login = url ? url[1] : s;
  return /^[A-Za-z0-9_]{1,25}$/.test(login) ? login.toLowerCase() : null;
}

function resolving(s) {
  return s.platform === 'twitch' && !s.twitch_id && !s.twitch_error;
}

// what a row shows besides the live badge
function shown(s) {
  return JSON.stringify([s.display_name, s.profile_image_url, s.twitch_id, s.twitch_error, s.enabled]);
}

export async function render(main) {
  const admin = isAdmin();
  const rows = new Map();          // id -> {s, li, badge, recordButton}
  const selected = new Set();
  let active = new Map();          // streamer id -> the recording running
  let q = '';

  const listStatus = h('div', { role: 'status' });
  const list = h('ul', { class: 'streamer-list', 'aria-label': 'Streamers' });
  const selectAll = h('input', { type: 'checkbox', id: 'select-all' });
  const selCount = h('span', { class: 'muted', 'aria-live': 'polite' });
  const bulkEnable = h('button', { type: 'button', disabled: true }, 'Enable selected');
  const bulkDisable = h('button', { type: 'button', disabled: true }, 'Disable selected');

  // --- adding ------------------------------------------------------------------
  const addInput = h('input', { id: 'add-login', name: 'login', required: true, autocomplete: 'off',
                                spellcheck: 'false', placeholder: 'cool_user or https://twitch.tv/cool_user',
                                'aria-describedby': 'add-hint' });
  const addStatus = h('div', { id: 'add-hint', class: 'hint' },
    'Type a login or paste a channel URL: its name and picture are looked up at Twitch.');
  const preview = h('div', { class: 'lookup', 'aria-live': 'polite' });
  const addButton = h('button', { type: 'submit', class: 'primary' }, 'Add');
  const addForm = h('form', { class: 'add-streamer card', 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, 'Add a Twitch channel'),
    h('label', { for: 'add-login' }, 'Twitch login or channel URL'),
    h('div', { class: 'row' }, addInput, addButton),
    preview,
    addStatus);
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const login = twitchLogin(addInput.value);
    if (!login) {
      fill(addStatus, message('That is neither a Twitch login nor a twitch.tv channel URL.', 'error'));
      addInput.focus();
      return;
    }
    const s = await busy(addButton, () => post('/api/streamers', { login }));
    if (!s) return;
    addInput.value = '';
    looking = null;
    fill(preview);
    fill(addStatus, message(`Added ${s.login}.`));
    await load();
    rows.get(s.id)?.li.querySelector('.name a')?.focus();
  });

  // The channel as Twitch knows it, before it is added: the worker looks
  // it up (POST /api/twitch/lookup) and says so on the event stream; while
  // it is pending the answer is asked for again every 2 s as well.
  let looking = null;              // the login the preview is for
  let lookupRetry = null;
  function showLookup(r) {
    if (r.login !== looking) return;
    clearTimeout(lookupRetry);
    if (r.state === 'pending') {
      fill(preview, message(`Looking up ${r.login} at Twitch…`));
      lookupRetry = setTimeout(() => lookUp(r.login), 2000);
    } else if (r.state === 'missing') {
      fill(preview, message(`Twitch has no channel named ${r.login}.`, 'error'));
    } else {
      const u = r.user;
      fill(preview, h('div', { class: 'lookup-user' },
        avatar({ login: u.login, profile_image_url: u.profile_image_url }),
        h('div', {},
          h('strong', { class: 'lookup-name' }, u.display_name || u.login), ' ',
          h('span', { class: 'muted' }, u.login),
          u.description ? h('p', { class: 'hint' }, u.description) : null,
          r.streamer_id ? h('p', { class: 'hint' }, 'Already one of your streamers.') : null)));
    }
  }
  async function lookUp(login) {
    try {
      showLookup(await post('/api/twitch/lookup', { login }));
    } catch (err) {
      // without the Twitch app there is no preview; adding still works
      if (login === looking) fill(preview, message(err.message, err.status === 409 ? 'info' : 'error'));
    }
  }
  addInput.addEventListener('input', throttle(() => {
    const login = twitchLogin(addInput.value);
    if (login === looking) return;
    looking = login;
    clearTimeout(lookupRetry);
    if (login) lookUp(login);
    else fill(preview);
  }, 400));

  // --- bulk ---------------------------------------------------------------------
  function updateSelection() {
    for (const id of [...selected]) if (!rows.has(id)) selected.delete(id);
    selCount.textContent = selected.size ? `${selected.size} selected` : '';
    bulkEnable.disabled = bulkDisable.disabled = selected.size === 0;
    selectAll.checked = rows.size > 0 && selected.size === rows.size;
    selectAll.indeterminate = selected.size > 0 && selected.size < rows.size;
  }
  selectAll.addEventListener('change', () => {
    for (const [id, r] of rows) {
      r.check.checked = selectAll.checked;
      if (selectAll.checked) selected.add(id);
      else selected.delete(id);
    }
    updateSelection();
  });
  for (const [button, enabled] of [[bulkEnable, true], [bulkDisable, false]]) {
    button.addEventListener('click', async () => {
      const r = await busy(button, () => post('/api/streamers/bulk', { ids: [...selected], enabled }));
      if (r) {
        toast(`${selected.size} streamer(s) ${enabled ? 'enabled' : 'disabled'}`);
        await load();
      }
    });
  }

  // --- one streamer -----------------------------------------------------------
  function setLive(r, live) {
    r.s.is_live = live;
    r.badge.dataset.live = String(live);
    r.badge.textContent = live ? 'Live' : 'Offline';
    r.li.classList.toggle('is-live', live);
  }

  function setRecording(r) {
    const rec = active.get(r.s.id);
    if (!r.recordButton) return;
    r.recordButton.textContent = rec ? 'Stop recording' : 'Record now';
    r.recordButton.classList.toggle('danger', Boolean(rec));
    r.recState.textContent = rec
      ? `Recording: ${formatBytes(rec.bytes)}${rec.bytes_per_s ? ` at ${formatBytes(rec.bytes_per_s)}/s` : ''}`
      : '';
  }

  function avatar(s) {
    return s.profile_image_url
      ? h('img', { class: 'avatar', src: s.profile_image_url, alt: '', width: 48, height: 48, loading: 'lazy',
                   referrerpolicy: 'no-referrer' })
      : h('span', { class: 'avatar avatar-none', 'aria-hidden': 'true' }, (s.login[0] ?? '?').toUpperCase());
  }

  function settingsForm(s) {
    const field = (id, label, input, hint) => [
      h('label', { for: id }, label), input, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null];
    const pre = `st${s.id}`;
    const ret = s.retention ?? {};
    const inputs = {
      display_name: h('input', { id: `${pre}-name`, value: s.display_name ?? '' }),
      quality: h('input', { id: `${pre}-quality`, value: s.quality ?? 'best', required: true,
                            pattern: '[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*', 'aria-describedby': `${pre}-quality-hint` }),
      filename_template: h('input', { id: `${pre}-template`, value: s.filename_template ?? '',
                                      'aria-describedby': `${pre}-template-hint` }),
      proxy_url: h('input', { id: `${pre}-proxy`, type: 'url', value: s.proxy_url ?? '',
                              placeholder: 'socks5://host:1080' }),
      max_age_days: h('input', { id: `${pre}-age`, type: 'number', min: 0, value: ret.max_age_days ?? '' }),
      max_count: h('input', { id: `${pre}-count`, type: 'number', min: 0, value: ret.max_count ?? '' }),
      max_gb: h('input', { id: `${pre}-gb`, type: 'number', min: 0, step: 'any',
                           value: ret.max_bytes != null ? ret.max_bytes / 2 ** 30 : '' }),
      chat_archive: h('input', { id: `${pre}-chat`, type: 'checkbox', checked: s.chat_archive }),
      enabled: h('input', { id: `${pre}-enabled`, type: 'checkbox', checked: s.enabled }),
    };
    const status = h('div');
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { class: 'settings-grid' },
      field(`${pre}-name`, 'Display name', inputs.display_name),
      field(`${pre}-quality`, 'Quality', inputs.quality, 'best, worst, 720p60, … or a list tried in order'),
      field(`${pre}-template`, 'File name template', inputs.filename_template,
            'Empty: the global template. Placeholders: {streamer} {title} {id} {date} {time} {season} {episode}'),
      templatePreview(inputs.filename_template, s.id, { now: false }),
      field(`${pre}-proxy`, 'Proxy URL', inputs.proxy_url),
      h('fieldset', {}, h('legend', {}, 'Retention (empty: the global policy, 0: no limit)'),
        field(`${pre}-age`, 'Keep days', inputs.max_age_days),
        field(`${pre}-count`, 'Keep recordings', inputs.max_count),
        field(`${pre}-gb`, 'Keep GiB', inputs.max_gb)),
      h('label', { class: 'check' }, inputs.chat_archive, ' Archive the chat'),
      h('label', { class: 'check' }, inputs.enabled, ' Enabled (record when live)'),
      status, h('div', { class: 'actions' }, save));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const num = (el) => (el.value === '' ? null : Number(el.value));
      const retention = {};
      if (inputs.max_age_days.value !== '') retention.max_age_days = num(inputs.max_age_days);
      if (inputs.max_count.value !== '') retention.max_count = num(inputs.max_count);
      if (inputs.max_gb.value !== '') retention.max_bytes = Math.round(num(inputs.max_gb) * 2 ** 30);
      const body = {
        display_name: inputs.display_name.value,
        quality: inputs.quality.value,
        filename_template: inputs.filename_template.value || null,
        proxy_url: inputs.proxy_url.value || null,
        retention,
        chat_archive: inputs.chat_archive.checked,
        enabled: inputs.enabled.checked,
      };
      const saved = await busy(save, () => patch(`/api/streamers/${s.id}`, body));
      if (saved) {
        fill(status, message('Saved.'));
        replaceRow(saved);
      }
    });
    return form;
  }

  function buildRow(s) {
    const r = { s };
    const name = streamerName(s);
    r.check = h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(s.id) });
    r.check.addEventListener('change', () => {
      if (r.check.checked) selected.add(s.id);
      else selected.delete(s.id);
      updateSelection();
    });
    r.badge = h('span', { class: 'badge live-badge' });
    r.recState = h('span', { class: 'rec-state muted' });
    const lines = [];
    if (resolving(s)) lines.push(h('span', { class: 'muted' }, 'Looking up at Twitch…'));
    if (s.twitch_error) lines.push(h('span', { class: 'error-text' }, `Twitch: ${s.twitch_error}`));
    if (!s.enabled) lines.push(h('span', { class: 'badge badge-off' }, 'Disabled'));
    const actions = [];
    if (admin) {
      r.recordButton = h('button', { type: 'button' }, 'Record now');
      r.recordButton.addEventListener('click', () => busy(r.recordButton, async () => {
        const rec = active.get(s.id);
        if (rec) {
          await post(`/api/recordings/${rec.id}/stop`);
          toast(`Stopping the recording of ${name}`);
        } else {
          const a = await post('/api/recordings', { streamer_id: s.id });
          toast(a.already ? `${name} is being recorded already` : `Recording ${name}`);
        }
        await loadActive();
      }));
      const remove = h('button', { type: 'button', class: 'danger' }, 'Remove');
      remove.addEventListener('click', async () => {
        if (!(await confirmAction(`Remove ${name}? Its recordings stay in the library.`, 'Remove'))) return;
        if (await busy(remove, () => del(`/api/streamers/${s.id}`))) {
          toast(`${name} removed`);
          await load();
        }
      });
      actions.push(r.recordButton, remove);
    }
    r.li = h('li', { class: 'streamer card', dataset: { id: s.id, login: s.login } },
      admin ? r.check : null,
      avatar(s),
      h('div', { class: 'who' },
        h('div', { class: 'name' },
          h('a', { href: `/library?streamer_id=${s.id}` }, name),
          name !== s.login ? h('span', { class: 'muted' }, ` ${s.login}`) : null,
          ' ', r.badge),
        lines.length ? h('div', { class: 'lines' }, lines) : null,
        r.recState),
      h('div', { class: 'actions' }, actions),
      admin ? h('details', { class: 'streamer-settings' }, h('summary', {}, 'Settings'), settingsForm(s)) : null);
    setLive(r, s.is_live);
    setRecording(r);
    return r;
  }

  function replaceRow(s) {
    const old = rows.get(s.id);
    const r = buildRow(s);
    rows.set(s.id, r);
    if (old) old.li.replaceWith(r.li);
  }

  // a streamer event: the badge at once; the row anew when more of what it
  // shows changed (an open settings form is kept otherwise)
  async function refreshRow(e) {
    const r = rows.get(e.id);
    if (typeof e.live === 'boolean') setLive(r, e.live);
    const fresh = await get(`/api/streamers/${e.id}`);
    if (rows.get(e.id) !== r) return;
    if (shown(fresh) !== shown(r.s)) replaceRow(fresh);
    else setLive(r, fresh.is_live);
  }

  async function loadActive() {
    const a = await get('/api/recordings/active');
    active = new Map(a.items.filter((x) => x.streamer_id).map((x) => [x.streamer_id, x]));
    for (const r of rows.values()) setRecording(r);
  }

  async function load() {
    try {
      const [page] = await Promise.all([get('/api/streamers', { limit: PAGE, q }), loadActive()]);
      rows.clear();
      fill(list, page.items.map((s) => {
        const r = buildRow(s);
        rows.set(s.id, r);
        return r.li;
      }));
      fill(listStatus, page.total === 0
        ? message(q ? 'No streamer matches.' : 'No streamers yet.')
        : page.total > page.items.length
          ? message(`Showing ${page.items.length} of ${page.total}; search to narrow down.`) : null);
      updateSelection();
    } catch (err) {
      fill(listStatus, message(err.message, 'error'));
    }
  }

  const search = h('input', { type: 'search', id: 'streamer-q', placeholder: 'Search by name' });
  search.addEventListener('input', throttle(() => {
    q = search.value.trim();
    load();
  }, 300));

  const refreshActive = throttle(() => loadActive().catch(() => {}), 1000);
  const reload = throttle(load, 1000);
  const unsubscribe = [
    events.on('streamer', (e) => {
      // one added or removed elsewhere: the list anew
      if (e.deleted || !rows.has(e.id)) reload();
      else refreshRow(e).catch(() => reload());
    }),
    events.on('recording', refreshActive),
    events.on('recording_progress', (e) => {
      for (const p of e.recordings ?? []) {
        for (const [sid, rec] of active) {
          if (rec.id === p.id) {
            Object.assign(rec, { bytes: p.bytes, bytes_per_s: p.bytes_per_s });
            const r = rows.get(sid);
            if (r) setRecording(r);
          }
        }
      }
    }),
    events.on('reset', load),
    events.on('twitch_user', (e) => {
      if (e.login === looking) lookUp(e.login);
    }),
  ];

  fill(main,
    h('h1', {}, 'Streamers'),
    admin ? addForm : null,
    h('div', { class: 'toolbar' },
      h('label', { for: 'streamer-q', class: 'visually-hidden' }, 'Search streamers'), search,
      admin ? [h('label', { class: 'check' }, selectAll, ' Select all'), bulkEnable, bulkDisable, selCount] : null),
    listStatus, list);
  await load();

  return () => {
    clearTimeout(lookupRetry);
    unsubscribe.forEach((off) => off());
  };
}
