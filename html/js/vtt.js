// WebVTT cues (chapters, thumbnail sprites) -> [{start, end, text}] in
// seconds, sorted by start.

function seconds(stamp) {
  const parts = stamp.trim().split(':').map(Number);
  return parts.reduce((acc, v) => acc * 60 + v, 0);
}

const entities = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', lrm: '\u200e', rlm: '\u200f' };

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return entities[e.toLowerCase()] ?? all;
  });
}

export function parseVtt(text) {
  const cues = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const [from, rest] = lines[at].split('-->');
    const to = rest.trim().split(/\s+/)[0];
    cues.push({ start: seconds(from), end: seconds(to), text: decode(lines.slice(at + 1).join('\n').trim()) });
  }
  return cues.sort((a, b) => a.start - b.start);
}

// The cue at time t, or null (cues sorted by start).
export function cueAt(cues, t) {
  let lo = 0;
  let hi = cues.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].start <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && t < cues[found].end ? cues[found] : null;
}

export async function fetchVtt(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return parseVtt(await res.text());
}
