// Recording schedules: a cron expression in a time zone, checked by the
// server as it is typed (GET /api/schedules/preview gives the next runs or
// the parser's explanation), the list with each schedule's next run.

import { del, get, patch, post } from '../api.js';
import { fill, formatDate, formatDuration, h, message, streamerName, table } from '../dom.js';
import { isAdmin } from '../session.js';
import { busy, confirmAction, liveCheck, toast } from '../ui.js';

function addForm(streamers, onAdded) {
  const name = h('input', { id: 'sch-name', required: true, maxlength: 200 });
  const cron = h('input', { id: 'sch-cron', required: true, placeholder: '0 9 * * mon-fri', spellcheck: 'false',
                            'aria-describedby': 'sch-cron-check' });
  const zones = Intl.supportedValuesOf?.('timeZone') ?? [];
  const zone = h('input', { id: 'sch-zone', required: true, list: 'sch-zones',
                            value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const duration = h('input', { id: 'sch-minutes', type: 'number', min: 1, max: 2880, required: true, value: 60 });
  const target = h('select', { id: 'sch-target' },
    streamers.map((s) => h('option', { value: s.id }, streamerName(s))),
    h('option', { value: 'url' }, 'A source URL…'));
  const url = h('input', { id: 'sch-url', type: 'url', placeholder: 'rtmp://… or https://…/index.m3u8' });
  const urlField = h('div', { hidden: streamers.length > 0 }, h('label', { for: 'sch-url' }, 'Source URL'), url);
  target.addEventListener('change', () => { urlField.hidden = target.value !== 'url'; });
  const check = h('div', { id: 'sch-cron-check', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add schedule');

  const preview = liveCheck(cron, check, async (value) => {
    if (!value.trim()) return null;
    const r = await get('/api/schedules/preview', { cron: value, timezone: zone.value });
    return [h('p', { class: 'hint' }, 'Next runs:'),
      h('ol', { class: 'next-runs' }, r.runs.map((run) => h('li', {}, h('time', { datetime: run.utc }, run.at))))];
  });
  zone.addEventListener('change', preview);

  const form = h('form', { class: 'card settings-grid', 'aria-labelledby': 'sch-add-title' },
    h('h2', { id: 'sch-add-title' }, 'Add a schedule'),
    h('label', { for: 'sch-name' }, 'Name'), name,
    h('label', { for: 'sch-cron' }, 'Cron expression'), cron,
    h('p', { class: 'hint' }, 'minute hour day-of-month month day-of-week, or @daily, @weekly, …'),
    check,
    h('label', { for: 'sch-zone' }, 'Time zone'), zone,
    h('datalist', { id: 'sch-zones' }, zones.map((z) => h('option', { value: z }))),
    h('label', { for: 'sch-minutes' }, 'Duration (minutes)'), duration,
    h('label', { for: 'sch-target' }, 'Record'), target, urlField,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value, cron: cron.value, timezone: zone.value,
                   duration_s: Number(duration.value) * 60, enabled: true };
    if (target.value === 'url') body.source_url = url.value;
    else body.streamer_id = Number(target.value);
    if (await busy(submit, () => post('/api/schedules', body))) {
      toast(`Schedule “${name.value}” added`);
      form.reset();
      fill(check);
      await onAdded();
    }
  });
  return form;
}

export async function render(main) {
  const admin = isAdmin();
  const list = h('div', { id: 'schedules' });

  function row(x) {
    const cells = [
      x.name,
      h('code', {}, x.cron),
      x.timezone,
      formatDuration(x.duration_s * 1000),
      x.streamer ? streamerName(x.streamer) : x.source_url,
      x.enabled ? (x.next_run_at ? formatDate(x.next_run_at) : 'never again') : h('span', { class: 'muted' }, 'disabled'),
      formatDate(x.last_fired_at),
    ];
    if (admin) {
      const toggle = h('button', { type: 'button' }, x.enabled ? 'Disable' : 'Enable');
      toggle.addEventListener('click', async () => {
        if (await busy(toggle, () => patch(`/api/schedules/${x.id}`, { enabled: !x.enabled }))) await load();
      });
      const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
      remove.addEventListener('click', async () => {
        if (!(await confirmAction(`Delete the schedule “${x.name}”?`, 'Delete'))) return;
        if (await busy(remove, () => del(`/api/schedules/${x.id}`))) await load();
      });
      cells.push(h('div', { class: 'row' }, toggle, remove));
    }
    return cells;
  }

  async function load() {
    try {
      const page = await get('/api/schedules', { limit: 200 });
      const headers = ['Name', 'Cron', 'Time zone', 'Duration', 'Records', 'Next run', 'Last run'];
      if (admin) headers.push('');
      fill(list, page.items.length ? table('Schedules', headers, page.items.map(row)) : message('No schedules yet.'));
    } catch (err) {
      fill(list, message(err.message, 'error'));
    }
  }

  const streamers = admin ? (await get('/api/streamers', { limit: 200 })).items : [];
  fill(main, h('h1', {}, 'Schedules'), list, admin ? addForm(streamers, load) : null);
  await load();
}
