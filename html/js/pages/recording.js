// One recording: the player with chapters, scrub thumbnails and the chat
// replay; download, share link, delete.

import { del, get, post } from '../api.js';
import { recordingTitle, stateBadge } from '../cards.js';
import { fill, formatBytes, formatDuration, h, message, streamerName, timeEl } from '../dom.js';
import * as events from '../events.js';
import { mountPlayer } from '../player.js';
import { navigate } from '../router.js';
import { isAdmin } from '../session.js';
import { busy, confirmAction, shownOnce, toast } from '../ui.js';

function shareForm(rec, title) {
  const hours = h('select', { id: 'share-hours' },
    [[24, '1 day'], [168, '1 week'], [720, '30 days'], [8760, '1 year']].map(([v, t]) =>
      h('option', { value: v, selected: v === 168 }, t)));
  const out = h('div', { class: 'share-out' });
  const create = h('button', { type: 'submit' }, 'Create share link');
  const form = h('form', { class: 'share' },
    h('label', { for: 'share-hours' }, 'Share link valid for'), hours, create, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const share = await busy(create, () => post('/api/shares', {
      recording_id: rec.id, name: title.slice(0, 100), expires_in_hours: Number(hours.value) }));
    if (!share) return;
    fill(out, shownOnce('share-link', 'Share link', `${location.origin}/shared#${share.token}`,
                        'Shown once: anyone with this link can watch until it expires.'));
  });
  return form;
}

export async function render(main, params) {
  const id = Number(params.id);
  let player = null;
  let shownState = null;

  async function show() {
    player?.destroy();
    player = null;
    const rec = await get(`/api/recordings/${id}`);
    shownState = rec.state;
    const title = recordingTitle(rec);
    document.title = `${title} · StreamVault`;
    let media = null;
    let mediaError = null;
    if (rec.state === 'ready' || rec.state === 'recording') {
      try {
        media = await get(`/api/recordings/${id}/media`);
      } catch (err) {
        mediaError = err.message;
      }
    }
    const admin = isAdmin();
    const actions = [];
    if (media?.urls?.mp4) {
      actions.push(h('a', { class: 'button', href: `${media.urls.mp4}?download=1`, download: '' }, 'Download MP4'));
    }
    if (admin && rec.state !== 'deleted') {
      const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
      remove.addEventListener('click', async () => {
        if (!(await confirmAction(`Delete “${title}” and its files?`, 'Delete'))) return;
        if (await busy(remove, () => del(`/api/recordings/${id}`))) {
          toast('The recording is deleted.');
          navigate('/library');
        }
      });
      actions.push(remove);
    }
    if (media) player = mountPlayer(media.urls);
    fill(main,
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '/library' }, 'Library'), ' › '),
      h('h1', {}, title),
      h('p', { class: 'rec-facts' },
        rec.streamer ? h('a', { href: `/library?streamer_id=${rec.streamer.id}` }, streamerName(rec.streamer)) : rec.source_url,
        ' · ', timeEl(rec.started_at), ' · ', formatDuration(rec.duration_ms), ' · ', formatBytes(rec.bytes), ' ',
        stateBadge(rec.state)),
      rec.error ? message(rec.error, 'error') : null,
      mediaError ? message(mediaError, 'error') : null,
      !media && !mediaError ? message(`This recording cannot be played while it is ${rec.state}.`) : null,
      player?.root,
      h('div', { class: 'actions' }, actions),
      admin && rec.state === 'ready' ? shareForm(rec, title) : null);
  }

  // a state change of this recording (it became ready, or was deleted)
  // shows it anew
  const reshow = () => show().catch((err) => fill(main, h('h1', {}, 'Recording'), message(err.message, 'error')));
  const unsubscribe = [
    events.on('recording', (e) => {
      if (e.id === id && e.state !== shownState) reshow();
    }),
    events.on('reset', async () => {
      const rec = await get(`/api/recordings/${id}`).catch(() => null);
      if (rec && rec.state !== shownState) reshow();
    }),
  ];
  await show();
  return () => {
    unsubscribe.forEach((off) => off());
    player?.destroy();
  };
}
