// Settings (admins): the Twitch app, the public URL, the storage template
// (its path previewed as it is typed, by the code the worker names files
// with: GET /api/settings/template_preview), the global retention policy
// and recording defaults, the proxy among them. Secrets are write-only:
// the form shows whether they are set, and sends them only when typed; the
// proxy's user and password come back as ***, which the server keeps.

import { get, put } from '../api.js';
import { fill, h, message } from '../dom.js';
import { isAdmin } from '../session.js';
import { busy, templatePreview, toast } from '../ui.js';

const GIB = 2 ** 30;

// [key, label, kind, hint]; kind: text, secret, url, number, gib
const FIELDS = [
  ['Twitch application', [
    ['twitch.client_id', 'Client ID', 'text', 'From the Twitch developer console (dev.twitch.tv/console/apps).'],
    ['twitch.client_secret', 'Client secret', 'secret'],
    ['twitch.user_token', 'User token (optional)', 'secret',
     'An OAuth token of a Twitch account, for streams only subscribers or logged-in users can watch.'],
  ]],
  ['Web address', [
    ['public_base_url', 'Public URL', 'url',
     'The https:// address Twitch reaches this server at; with it, Twitch tells StreamVault at once when a channel goes live (EventSub); without it, Twitch is asked every minute.'],
  ]],
  ['Storage', [
    ['storage.filename_template', 'File name template', 'text',
     'Where recordings go under library/, without the extension. Empty: {streamer}/Season {season}/{streamer} - S{season}E{episode} - {title}. Placeholders: {streamer} {title} {id} {date} {time} {season} {episode}; a streamer\'s own template wins. Below: the path it gives the newest recording.'],
  ]],
  ['Retention (empty or 0: no limit; a streamer\'s own policy wins)', [
    ['retention.max_age_days', 'Keep days', 'number'],
    ['retention.max_count', 'Keep recordings per streamer', 'number'],
    ['retention.max_bytes', 'Keep GiB per streamer', 'gib'],
  ]],
  ['Recording', [
    ['recording.quality', 'Quality of new streamers', 'text',
     'best, worst, 720p60, … or a list tried in order: what a streamer added without one gets (each keeps its own).'],
    ['recording.rollover_hours', 'Start a new part after (hours)', 'number',
     'For every worker; empty: each worker\'s recording_rollover_seconds.'],
    ['recording.proxy_url', 'Proxy', 'url',
     'http://, https://, socks5:// or socks5h://, with user:password@ if it needs them (shown as ***). Twitch and HLS recordings go through it unless their streamer has a proxy of its own; RTMP, RTSP, SRT and other streams connect directly.'],
  ]],
];

const TEMPLATE = 'storage.filename_template';

function input(key, kind, value) {
  const id = `set-${key.replace(/\W/g, '-')}`;
  if (kind === 'secret') {
    return h('input', { id, type: 'password', autocomplete: 'off',
                        placeholder: value?.set ? 'set; type to replace' : 'not set' });
  }
  if (kind === 'number' || kind === 'gib') {
    const v = value == null ? '' : kind === 'gib' ? value / GIB : value;
    return h('input', { id, type: 'number', min: 0, step: kind === 'gib' ? 'any' : 1, value: v });
  }
  return h('input', { id, type: kind === 'url' ? 'url' : 'text', value: value ?? '', spellcheck: 'false' });
}

export async function render(main) {
  if (!isAdmin()) {
    fill(main, h('h1', {}, 'Settings'), message('Only admins change the settings.'));
    return;
  }
  const current = await get('/api/settings');
  const inputs = [];
  const status = h('div');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { class: 'settings-grid' },
    FIELDS.map(([legend, fields]) => h('fieldset', {}, h('legend', {}, legend),
      fields.map(([key, label, kind, hint]) => {
        const el = input(key, kind, current[key]);
        inputs.push({ key, kind, el, initial: el.value });
        if (hint) el.setAttribute('aria-describedby', `${el.id}-hint`);
        return [h('label', { for: el.id }, label), el, hint ? h('p', { class: 'hint', id: `${el.id}-hint` }, hint) : null,
                key === TEMPLATE ? templatePreview(el) : null];
      }))),
    status, h('div', { class: 'actions' }, save));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const f of inputs) {
      if (f.el.value === f.initial) continue;
      const v = f.el.value.trim();
      if (f.kind === 'secret') body[f.key] = v;
      else if (f.kind === 'number') body[f.key] = v === '' ? null : Number(v);
      else if (f.kind === 'gib') body[f.key] = v === '' ? null : Math.round(Number(v) * GIB);
      else body[f.key] = v === '' ? null : v;
    }
    if (!Object.keys(body).length) {
      fill(status, message('Nothing changed.'));
      return;
    }
    const saved = await busy(save, () => put('/api/settings', body));
    if (!saved) return;
    toast('Settings saved');
    for (const f of inputs) {
      if (f.kind === 'secret') {
        f.el.value = '';
        f.el.placeholder = saved[f.key]?.set ? 'set; type to replace' : 'not set';
      }
      f.initial = f.el.value;
    }
    fill(status, message('Saved.'));
  });

  fill(main, h('h1', {}, 'Settings'), form);
}
