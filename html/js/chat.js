// The chat archive (JSON lines, offset_ms from the recording's start)
// replayed beside the video: the messages up to the video's time.

import { h } from './dom.js';

const SHOWN = 150;

function parse(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    const body = m.command === 'USERNOTICE' ? (m.tags?.['system-msg'] ?? m.text) : m.text;
    if ((m.command === 'PRIVMSG' || m.command === 'USERNOTICE') && body) {
      out.push({ t: (m.offset_ms ?? 0) / 1000, name: m.display_name || m.user || '', color: m.tags?.color,
                 text: body, action: m.action, notice: m.command === 'USERNOTICE' });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

function line(m) {
  const name = h('span', { class: 'chat-name' }, m.name);
  if (m.color && /^#[0-9a-f]{6}$/i.test(m.color)) name.style.color = m.color;
  return h('li', { class: m.notice ? 'chat-notice' : m.action ? 'chat-action' : null },
    name, m.action ? ' ' : ': ', h('span', { class: 'chat-text' }, m.text));
}

// -> {root, destroy}
export function mountChat(video, url) {
  const list = h('ol', { class: 'chat-lines' });
  const status = h('p', { class: 'muted' }, 'Loading the chat…');
  const root = h('aside', { class: 'chat card', 'aria-labelledby': 'chat-title' },
    h('h2', { id: 'chat-title' }, 'Chat replay'), status, list);
  let messages = [];
  let shown = 0;           // messages[0..shown) are due at the current time

  function update() {
    const t = video.currentTime;
    if (shown > 0 && messages[shown - 1].t > t) {
      // the video went back: start over
      shown = 0;
      list.replaceChildren();
    }
    let n = shown;
    while (n < messages.length && messages[n].t <= t) n++;
    if (n > shown) {
      list.append(...messages.slice(Math.max(shown, n - SHOWN), n).map(line));
      while (list.childElementCount > SHOWN) list.firstElementChild.remove();
      list.scrollTop = list.scrollHeight;
    }
    shown = n;
  }

  const controller = new AbortController();
  fetch(url, { signal: controller.signal })
    .then((res) => {
      if (!res.ok) throw new Error(`${res.status}`);
      return res.text();
    })
    .then((text) => {
      messages = parse(text);
      status.textContent = messages.length ? '' : 'The chat archive has no messages.';
      status.hidden = messages.length > 0;
      update();
    })
    .catch((err) => {
      if (err.name !== 'AbortError') status.textContent = `The chat cannot be loaded (${err.message}).`;
    });
  video.addEventListener('timeupdate', update);
  video.addEventListener('seeked', update);
  return {
    root,
    destroy() {
      controller.abort();
      video.removeEventListener('timeupdate', update);
      video.removeEventListener('seeked', update);
    },
  };
}
