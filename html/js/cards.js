// A recording as a card of the library grid and the dashboard.

import { formatBytes, formatDate, formatDuration, h, streamerName } from './dom.js';
import { thumbnail } from './thumbs.js';

// A recording's title; one without (a Twitch stream's title goes into its
// chapters) is named by its streamer and start.
export function recordingTitle(rec) {
  if (rec.title) return rec.title;
  if (rec.streamer) return `${streamerName(rec.streamer)}, ${formatDate(rec.started_at)}`;
  return `Recording ${rec.id}`;
}

export function stateBadge(state) {
  return h('span', { class: `badge state-${state}` }, state);
}

export function recordingCard(rec) {
  return h('li', { class: 'rec-card card', dataset: { id: rec.id } },
    h('a', { href: `/recordings/${rec.id}`, class: 'rec-link' },
      thumbnail(rec),
      h('span', { class: 'rec-title' }, recordingTitle(rec))),
    h('div', { class: 'rec-meta' },
      rec.streamer ? h('span', {}, streamerName(rec.streamer)) : null,
      h('time', { datetime: rec.started_at ?? '' }, formatDate(rec.started_at)),
      h('span', {}, formatDuration(rec.duration_ms)),
      rec.bytes ? h('span', {}, formatBytes(rec.bytes)) : null,
      rec.categories?.length ? h('span', {}, rec.categories.join(', ')) : null,
      rec.state !== 'ready' ? stateBadge(rec.state) : null));
}
