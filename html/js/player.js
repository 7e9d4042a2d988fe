// The player of a recording: hls.js (from npm, html/vendor/) on the
// signed HLS playlist, a seek bar with scrub thumbnails from the sprite
// track, the chapters, and the chat replayed beside the video.

import Hls from '/vendor/hls.module.js';
import { mountChat } from './chat.js';
import { formatDuration, h } from './dom.js';
import { cueAt, fetchVtt } from './vtt.js';

function attachSource(video, url, onFatal) {
  if (Hls.isSupported()) {
    // the transmuxer runs in a worker loaded from our origin: the CSP
    // allows no blob: scripts, which hls.js would make otherwise
    let hls = new Hls({ workerPath: '/vendor/hls.worker.js', enableWorker: true, lowLatencyMode: false });
    let recovered = false;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
      } else {
        onFatal(`${data.type}: ${data.details}`);
        hls.destroy();
        hls = null;
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    return () => hls?.destroy();
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    return () => video.removeAttribute('src');
  }
  return null;
}

const at = (t) => formatDuration(t * 1000);

// The seek bar: a range input (keyboard: arrows, Page Up/Down, Home/End),
// and over it the thumbnail of the time under the pointer.
function seekBar(video, sprites) {
  const range = h('input', { type: 'range', class: 'seek', min: 0, max: 0, step: 0.1, value: 0,
                             'aria-label': 'Seek', 'aria-valuetext': '0:00' });
  const tile = h('div', { class: 'scrub-tile' });
  const label = h('span', { class: 'scrub-time' });
  const preview = h('div', { class: 'scrub-preview', hidden: true, 'aria-hidden': 'true' }, tile, label);
  let dragging = false;

  const sync = () => {
    if (Number.isFinite(video.duration)) range.max = String(video.duration);
    if (!dragging) range.value = String(video.currentTime);
    range.setAttribute('aria-valuetext', `${at(video.currentTime)} of ${at(video.duration || 0)}`);
  };
  video.addEventListener('timeupdate', sync);
  video.addEventListener('durationchange', sync);
  range.addEventListener('input', () => {
    dragging = true;
    video.currentTime = Number(range.value);
  });
  range.addEventListener('change', () => {
    dragging = false;
  });

  function show(t, x) {
    const cue = cueAt(sprites.cues, t);
    const m = cue && /#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(cue.text);
    if (m) {
      const [, sx, sy, w, hgt] = m.map(Number);
      tile.hidden = false;
      tile.style.backgroundImage = `url("${new URL(cue.text.replace(/#.*$/, ''), sprites.base).href}")`;
      tile.style.backgroundPosition = `-${sx}px -${sy}px`;
      tile.style.width = `${w}px`;
      tile.style.height = `${hgt}px`;
      tile.style.zoom = String(Math.min(1, 160 / w));
    } else {
      tile.hidden = true;
    }
    label.textContent = at(t);
    preview.hidden = false;
    const half = preview.offsetWidth / 2;
    preview.style.left = `${Math.min(Math.max(x, half), range.offsetWidth - half)}px`;
  }
  range.addEventListener('pointermove', (e) => {
    if (!Number.isFinite(video.duration)) return;
    const box = range.getBoundingClientRect();
    const x = Math.min(Math.max(e.clientX - box.left, 0), box.width);
    show((x / box.width) * video.duration, x);
  });
  range.addEventListener('pointerleave', () => {
    preview.hidden = true;
  });
  return h('div', { class: 'scrub' }, range, preview);
}

function chaptersList(video, cues) {
  const items = cues.map((c) => {
    const button = h('button', { type: 'button', class: 'chapter' },
      h('span', { class: 'chapter-time' }, at(c.start)), ' ', h('span', { class: 'chapter-name' }, c.text));
    button.addEventListener('click', () => {
      video.currentTime = c.start;
      video.play().catch(() => {});
    });
    return { cue: c, li: h('li', {}, button) };
  });
  let current = null;
  video.addEventListener('timeupdate', () => {
    const cue = cueAt(cues, video.currentTime);
    if (cue === current) return;
    current = cue;
    for (const it of items) {
      if (it.cue === cue) it.li.setAttribute('aria-current', 'true');
      else it.li.removeAttribute('aria-current');
    }
  });
  return h('section', { class: 'chapters', 'aria-labelledby': 'chapters-title' },
    h('h2', { id: 'chapters-title' }, 'Chapters'),
    h('ol', { id: 'chapters' }, items.map((it) => it.li)));
}

// Mounts the player of media urls ({hls, mp4, poster, sprite_vtt,
// chapters_vtt, chat} or {live}); returns {root, destroy}.
export function mountPlayer(urls) {
  const error = h('p', { class: 'msg msg-error', role: 'alert', hidden: true });
  const video = h('video', { id: 'player', controls: true, playsinline: true, preload: 'metadata',
                             poster: urls.poster ?? null, 'aria-label': 'Video' });
  const fail = (text) => {
    error.textContent = `The video cannot be played: ${text}`;
    error.hidden = false;
  };
  const playlist = urls.hls ?? urls.live;
  let detach = playlist ? attachSource(video, playlist, fail) : null;
  if (!detach && urls.mp4) {
    video.src = urls.mp4;
    detach = () => video.removeAttribute('src');
  }
  if (!detach) fail('this browser plays neither HLS nor this file');
  video.addEventListener('error', () => fail(video.error?.message || 'media error'));

  const sprites = { cues: [], base: urls.sprite_vtt ? new URL(urls.sprite_vtt, location.href) : null };
  const playerCol = h('div', { class: 'player-col' }, video, seekBar(video, sprites), error);
  const root = h('div', { class: 'watch' }, playerCol);
  if (urls.sprite_vtt) {
    fetchVtt(urls.sprite_vtt).then((cues) => { sprites.cues = cues; }).catch(() => {});
  }
  if (urls.chapters_vtt) {
    fetchVtt(urls.chapters_vtt)
      .then((cues) => playerCol.append(chaptersList(video, cues)))
      .catch((err) => playerCol.append(h('p', { class: 'msg msg-error' }, `Chapters: ${err.message}`)));
  }
  let chat = null;
  if (urls.chat) {
    chat = mountChat(video, urls.chat);
    root.append(chat.root);
    root.classList.add('with-chat');
  }
  return {
    root,
    video,
    destroy() {
      detach?.();
      chat?.destroy();
    },
  };
}
