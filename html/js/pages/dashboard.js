// The dashboard: who is live, what is being recorded (bytes/s from the
// event stream), the queue, disk space and the newest recordings.

import { get } from '../api.js';
import { recordingCard, recordingTitle } from '../cards.js';
import { fill, formatBytes, formatDuration, h, message, panel, streamerName, throttle } from '../dom.js';
import * as events from '../events.js';

export async function render(main) {
  const live = h('ul', { class: 'plain-list', id: 'live-now' });
  const recording = h('ul', { class: 'plain-list', id: 'recording-now' });
  const queue = h('dl', { class: 'counts', id: 'queue-counts' });
  const disk = h('div', { id: 'disk' });
  const recent = h('ul', { class: 'rec-grid', id: 'recent' });
  const active = new Map();     // recording id -> {rec, li}

  async function loadLive() {
    const page = await get('/api/streamers', { live: true, limit: 50 });
    fill(live, page.items.length
      ? page.items.map((s) => h('li', { dataset: { id: s.id } },
          h('span', { class: 'badge live-badge', dataset: { live: 'true' } }, 'Live'), ' ',
          h('a', { href: '/streamers' }, streamerName(s))))
      : h('li', { class: 'muted' }, 'Nobody is live.'));
  }

  function progressText(rec) {
    return `${formatDuration(rec.duration_ms)} · ${formatBytes(rec.bytes)}`
      + (rec.bytes_per_s ? ` · ${formatBytes(rec.bytes_per_s)}/s` : '');
  }

  async function loadRecording() {
    const a = await get('/api/recordings/active');
    active.clear();
    fill(recording, a.items.length
      ? a.items.map((rec) => {
          const stats = h('span', { class: 'muted' }, progressText(rec));
          const li = h('li', {},
            h('a', { href: `/recordings/${rec.id}` }, recordingTitle(rec)),
            ' ', rec.state === 'pending' ? h('span', { class: 'badge state-pending' }, 'starting') : null, ' ', stats);
          active.set(rec.id, { rec, stats });
          return li;
        })
      : h('li', { class: 'muted' }, 'Nothing is being recorded.'));
  }

  async function loadQueue() {
    const stats = await get('/api/jobs/stats');
    const order = ['queued', 'waiting', 'running', 'failed', 'dead', 'succeeded'];
    fill(queue, order.map((k) => [h('dt', {}, k), h('dd', { class: `count-${k}` }, String(stats.by_state[k] ?? 0))]),
      h('dt', {}, h('a', { href: '/queue' }, 'Queue monitor')), h('dd', {}));
  }

  async function loadDisk() {
    const st = await get('/api/system/status');
    const d = st.disk;
    if (!d) {
      fill(disk, message('The media disk is not reported.'));
      return;
    }
    const used = d.total_bytes - d.free_bytes;
    fill(disk,
      h('meter', { min: 0, max: d.total_bytes, value: used, low: d.total_bytes * 0.8, high: d.total_bytes * 0.9,
                   optimum: 0, 'aria-label': 'Media disk used' }),
      h('p', {}, `${formatBytes(d.free_bytes)} free of ${formatBytes(d.total_bytes)}`));
  }

  async function loadRecent() {
    const page = await get('/api/recordings', { limit: 8 });
    fill(recent, page.items.length ? page.items.map(recordingCard) : h('li', { class: 'muted' }, 'No recordings yet.'));
  }

  const loaders = [loadLive, loadRecording, loadQueue, loadDisk, loadRecent];
  const errors = h('div');
  async function loadAll() {
    const results = await Promise.allSettled(loaders.map((f) => f()));
    const failed = results.find((r) => r.status === 'rejected');
    fill(errors, failed ? message(failed.reason.message, 'error') : null);
  }

  const quiet = (f) => throttle(() => f().catch(() => {}), 1000);
  const refreshLive = quiet(loadLive);
  const refreshRecordings = quiet(async () => {
    await loadRecording();
    await loadRecent();
  });
  const refreshQueue = quiet(loadQueue);
  const refreshDisk = quiet(loadDisk);
  const unsubscribe = [
    events.on('streamer', refreshLive),
    events.on('recording', refreshRecordings),
    events.on('job', refreshQueue),
    events.on('recording_progress', (e) => {
      for (const p of e.recordings ?? []) {
        const a = active.get(p.id);
        if (!a) continue;
        Object.assign(a.rec, { bytes: p.bytes, bytes_per_s: p.bytes_per_s, duration_ms: p.media_ms });
        a.stats.textContent = progressText(a.rec);
      }
    }),
    events.on('disk_low', refreshDisk),
    events.on('retention', refreshDisk),
    events.on('reset', loadAll),
  ];

  fill(main,
    h('h1', {}, 'Dashboard'),
    errors,
    h('div', { class: 'dash-grid' },
      panel('live-title', 'Live now', live),
      panel('rec-title', 'Recording now', recording),
      panel('queue-title', 'Queue', queue),
      panel('disk-title', 'Disk space', disk)),
    h('section', { 'aria-labelledby': 'recent-title' },
      h('h2', { id: 'recent-title' }, 'Recent recordings ', h('a', { href: '/library', class: 'small' }, 'Library')),
      recent));
  await loadAll();
  return () => unsubscribe.forEach((off) => off());
}
