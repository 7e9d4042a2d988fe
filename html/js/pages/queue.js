// The queue monitor: jobs with their progress (live from the event
// stream), retry and cancel, and the dead letters (jobs out of attempts).

import { get, post } from '../api.js';
import { stateBadge } from '../cards.js';
import { fill, formatDate, h, message, table, throttle } from '../dom.js';
import * as events from '../events.js';
import { isAdmin } from '../session.js';
import { busy, toast } from '../ui.js';

const STATES = ['queued', 'waiting', 'running', 'failed', 'dead', 'cancelled', 'succeeded'];
const RETRYABLE = new Set(['failed', 'dead', 'cancelled']);
const CANCELABLE = new Set(['queued', 'waiting', 'running']);

export async function render(main, _params, search) {
  const admin = isAdmin();
  let state = search.get('state') ?? '';
  const bars = new Map();   // job id -> <progress>
  const counts = h('div', { class: 'toolbar', id: 'job-counts' });
  const dead = h('div', { id: 'dead-letters' });
  const jobs = h('div', { id: 'jobs' });
  const status = h('div', { role: 'status' });
  const filter = h('select', { id: 'job-state' },
    h('option', { value: '' }, 'Any state'),
    STATES.map((s) => h('option', { value: s, selected: s === state }, s)));
  filter.addEventListener('change', () => {
    state = filter.value;
    history.replaceState(null, '', `/queue${state ? `?state=${state}` : ''}`);
    loadJobs().catch((err) => fill(status, message(err.message, 'error')));
  });

  function actions(job) {
    if (!admin) return [];
    const out = [];
    const act = (label, verb) => {
      const b = h('button', { type: 'button' }, label);
      b.addEventListener('click', async () => {
        if (await busy(b, () => post(`/api/jobs/${job.id}/${verb}`))) {
          toast(`${job.type} job ${verb === 'retry' ? 'queued again' : 'cancelled'}`);
          await loadAll();
        }
      });
      return b;
    };
    if (RETRYABLE.has(job.state)) out.push(act('Retry', 'retry'));
    if (CANCELABLE.has(job.state)) out.push(act('Cancel', 'cancel'));
    return out;
  }

  function rows(items) {
    return items.map((j) => {
      const bar = h('progress', { max: 100, value: j.progress ?? 0, 'aria-label': `${j.type} progress` });
      bars.set(j.id, bar);
      return [
        h('span', { title: j.id }, j.type),
        stateBadge(j.state),
        bar,
        `${j.attempts}/${j.max_attempts}`,
        j.recording_id ? h('a', { href: `/recordings/${j.recording_id}` }, `#${j.recording_id}`) : '–',
        j.last_error ? h('span', { class: 'error-text' }, j.last_error) : '',
        formatDate(j.updated_at),
        h('div', { class: 'row' }, actions(j)),
      ];
    });
  }
  const headers = ['Type', 'State', 'Progress', 'Attempts', 'Recording', 'Last error', 'Updated', ''];

  async function loadCounts() {
    const stats = await get('/api/jobs/stats');
    fill(counts, STATES.map((s) => h('span', { class: 'badge' }, `${s}: ${stats.by_state[s] ?? 0}`)));
  }

  async function loadDead() {
    const page = await get('/api/jobs', { state: 'dead', limit: 50 });
    fill(dead, page.items.length
      ? table('Dead letters', headers, rows(page.items))
      : h('p', { class: 'muted' }, 'No dead letters.'));
  }

  async function loadJobs() {
    const page = await get('/api/jobs', { state, limit: 100 });
    fill(jobs, page.items.length ? table('Jobs', headers, rows(page.items)) : message('No jobs.'));
  }

  async function loadAll() {
    bars.clear();
    try {
      await Promise.all([loadCounts(), loadDead(), loadJobs()]);
      fill(status);
    } catch (err) {
      fill(status, message(err.message, 'error'));
    }
  }

  const refresh = throttle(loadAll, 1500);
  const unsubscribe = [
    events.on('job', refresh),
    events.on('job_progress', (e) => {
      const bar = bars.get(e.id);
      if (bar) bar.value = e.progress;
    }),
    events.on('reset', loadAll),
  ];

  fill(main,
    h('h1', {}, 'Queue'),
    counts, status,
    h('section', { 'aria-labelledby': 'dead-title' }, h('h2', { id: 'dead-title' }, 'Dead letters'),
      h('p', { class: 'hint' }, 'Jobs that ran out of attempts; retry one to give it another round.'), dead),
    h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'),
      h('div', { class: 'toolbar' }, h('label', { for: 'job-state' }, 'State'), filter), jobs));
  await loadAll();
  return () => unsubscribe.forEach((off) => off());
}
