// What a share link opens, for anyone holding it: /shared#<code>. The code
// stays in the fragment, so it reaches no server log; POST /api/shared
// exchanges it for the recordings and their signed URLs.

import { post } from '../api.js';
import { fill, formatDate, formatDuration, h, message } from '../dom.js';
import { mountPlayer } from '../player.js';

export async function render(main) {
  const token = decodeURIComponent(location.hash.slice(1));
  if (!token) {
    fill(main, h('h1', {}, 'Shared recordings'), message('This link has no share code.', 'error'));
    return undefined;
  }
  let shared;
  try {
    shared = await post('/api/shared', { token });
  } catch (err) {
    fill(main, h('h1', {}, 'Shared recordings'),
      message(err.status === 404 ? 'This share link is unknown, revoked or expired.' : err.message, 'error'));
    return undefined;
  }
  const title = (rec) => rec.title || `${rec.streamer ?? 'Recording'}, ${formatDate(rec.started_at)}`;
  let player = null;
  const stage = h('div', { class: 'shared-stage' });
  const play = (rec) => {
    player?.destroy();
    player = mountPlayer(rec.urls);
    fill(stage, h('h2', {}, title(rec)), player.root);
  };
  const list = h('ul', { class: 'plain-list' }, shared.recordings.map((rec) => {
    const b = h('button', { type: 'button', class: 'link' }, title(rec));
    b.addEventListener('click', () => play(rec));
    return h('li', {}, b, h('span', { class: 'muted' },
      ` ${rec.streamer ?? ''} · ${formatDate(rec.started_at)} · ${formatDuration(rec.duration_ms)}`));
  }));
  fill(main,
    h('h1', {}, shared.name),
    h('p', { class: 'muted' }, `Shared until ${formatDate(new Date(shared.expires_at * 1000).toISOString())}`),
    shared.recordings.length ? null : message('Nothing in this share is ready to watch yet.'),
    shared.recordings.length > 1 ? list : null,
    stage);
  if (shared.recordings.length) play(shared.recordings[0]);
  return () => player?.destroy();
}
