// The system: versions, workers and their heartbeats, the media disk, the
// queue, the workers' recent warnings and errors, and the Twitch service
// with its EventSub subscriptions.

import { get, post } from '../api.js';
import { fill, formatBytes, formatDate, h, message, panel, streamerName, table, timeEl } from '../dom.js';
import * as events from '../events.js';
import { isAdmin } from '../session.js';
import { busy, toast } from '../ui.js';

// A worker's log line: {"worker", "ts", "level", "msg", "pid", <fields>}.
// Any JSON object in Redis reaches this page, so every member is shown as
// text and none is trusted to be what it should.
const LOG_KEYS = new Set(['worker', 'ts', 'level', 'msg', 'pid']);

const asText = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function logRow(line) {
  const level = asText(line.level);
  const fields = Object.entries(line).filter(([k]) => !LOG_KEYS.has(k)).map(([k, v]) => `${k}=${asText(v)}`);
  return [typeof line.ts === 'string' && !Number.isNaN(Date.parse(line.ts)) ? timeEl(line.ts) : asText(line.ts),
          h('span', { class: ['warn', 'error'].includes(level) ? `badge level-${level}` : 'badge' }, level),
          asText(line.worker), asText(line.msg), h('span', { class: 'log-fields' }, fields.join(' '))];
}

function facts(caption, pairs) {
  return h('dl', { class: 'counts', 'aria-label': caption },
    pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]));
}

export async function render(main) {
  const body = h('div', { class: 'dash-grid' });
  const logs = h('div');
  const subs = h('div');

  async function load() {
    const st = await get('/api/system/status');
    const tw = st.twitch ?? {};
    fill(body,
      panel('st-versions', 'Versions', facts('Versions', [
        ['nginx', st.nginx_version], ['module', st.module_version],
        ['PostgreSQL', st.postgres?.version], ['Redis', st.redis?.version],
        ['database size', formatBytes(st.postgres?.database_bytes)]])),
      panel('st-disk', 'Media disk', st.disk
        ? facts('Media disk', [['free', formatBytes(st.disk.free_bytes)], ['total', formatBytes(st.disk.total_bytes)]])
        : message('Not reported.')),
      panel('st-work', 'Work', facts('Work', [
        ['queue depth', st.redis?.queue_depth],
        ['recording', st.recordings?.active], ['processing', st.recordings?.processing],
        ['failed recordings', st.recordings?.failed],
        ['streamers (enabled / live)', `${st.streamers?.total} (${st.streamers?.enabled} / ${st.streamers?.live})`]])),
      panel('st-twitch', 'Twitch', facts('Twitch', [
        ['mode', tw.mode], ['why', tw.reason], ['app token', tw.token], ['circuit breaker', tw.breaker],
        ['last error', tw.last_error], ['reported', formatDate(tw.status_at)]])),
      panel('st-workers', 'Workers', (st.workers ?? []).length
        ? table('Workers', ['Worker', 'Version', 'Started', 'Last heartbeat'],
          st.workers.map((w) => [w.worker_id, w.version, formatDate(w.started_at), formatDate(w.beat_at)]))
        : message('No worker reports a heartbeat.', 'error')));
    fill(logs, h('h2', {}, 'Recent warnings and errors'),
      (st.logs ?? []).length
        ? table('Recent warnings and errors, newest first', ['Time', 'Level', 'Worker', 'Message', 'Details'],
          st.logs.map(logRow))
        : message('None.'));
    if (isAdmin()) await loadSubs();
  }

  async function loadSubs() {
    const r = await get('/api/twitch/subscriptions');
    const again = h('button', { type: 'button' }, 'Subscribe again');
    again.addEventListener('click', async () => {
      if (await busy(again, () => post('/api/twitch/subscriptions/resubscribe'))) {
        toast('Every subscription is made again at the worker\'s next pass.');
      }
    });
    fill(subs, h('h2', {}, 'EventSub subscriptions'),
      r.items.length
        ? table('EventSub subscriptions', ['Type', 'Streamer', 'Status', 'Created'],
          r.items.map((x) => [`${x.type} v${x.version}`, x.streamer ? streamerName(x.streamer) : x.broadcaster_user_id,
                              x.status, formatDate(x.created_at)]))
        : message('None.'),
      h('div', { class: 'actions' }, again));
  }

  const errors = h('div');
  const reload = () => load().then(() => fill(errors), (err) => fill(errors, message(err.message, 'error')));
  const unsubscribe = [events.on('reset', reload)];
  const timer = setInterval(reload, 15000);
  fill(main, h('h1', {}, 'System'), errors, body, logs, subs);
  await reload();
  return () => {
    clearInterval(timer);
    unsubscribe.forEach((off) => off());
  };
}
