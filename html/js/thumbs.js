// Poster frames of recordings for grids: each card's image asks
// GET /api/recordings/{id}/media for its signed URL once it scrolls into
// view, a few at a time.

import { get } from './api.js';
import { h } from './dom.js';

const MAX_IN_FLIGHT = 4;
const waiting = [];
let inFlight = 0;

function pump() {
  while (inFlight < MAX_IN_FLIGHT && waiting.length) {
    const { id, img } = waiting.shift();
    if (!img.isConnected) continue;
    inFlight++;
    get(`/api/recordings/${id}/media`)
      .then((m) => {
        if (m.urls?.poster) img.src = m.urls.poster;
        else img.closest('.thumb')?.classList.add('thumb-none');
      })
      .catch(() => img.closest('.thumb')?.classList.add('thumb-none'))
      .finally(() => {
        inFlight--;
        pump();
      });
  }
}

const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    observer.unobserve(e.target);
    waiting.push({ id: e.target.dataset.recording, img: e.target });
  }
  pump();
}, { rootMargin: '200px' });

// A 16:9 thumbnail box of recording rec (only ready ones have posters).
export function thumbnail(rec) {
  const img = h('img', { alt: '', dataset: { recording: rec.id }, decoding: 'async' });
  const box = h('div', { class: 'thumb' }, img);
  if (rec.state === 'ready') observer.observe(img);
  else box.classList.add('thumb-none');
  return box;
}
