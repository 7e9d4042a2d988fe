// The app shell: who is logged in, the header, routing to the pages, the
// one event stream, the theme, the service worker.

import { get, hasSession, onUnauthorized, post } from './api.js';
import { h, fill, message } from './dom.js';
import * as events from './events.js';
import { match, navigate, start } from './router.js';
import { isAdmin, setUser, user } from './session.js';
import { toast } from './ui.js';

// path pattern -> page module in js/pages/; public pages need no login
const routes = [
  { path: '/', page: 'dashboard', title: 'Dashboard' },
  { path: '/login', page: 'login', title: 'Log in', public: true },
  { path: '/streamers', page: 'streamers', title: 'Streamers' },
  { path: '/library', page: 'library', title: 'Library' },
  { path: '/recordings/:id', page: 'recording', title: 'Recording' },
  { path: '/queue', page: 'queue', title: 'Queue' },
  { path: '/schedules', page: 'schedules', title: 'Schedules' },
  { path: '/settings', page: 'settings', title: 'Settings' },
  { path: '/tokens', page: 'tokens', title: 'API tokens' },
  { path: '/status', page: 'status', title: 'System' },
  { path: '/shared', page: 'shared', title: 'Shared recordings', public: true },
];

const main = document.getElementById('main');
let cleanup = null;
let renderSeq = 0;
let knownUser = false;

// --- theme: auto (the system's), light or dark ---------------------------------

const themes = ['auto', 'light', 'dark'];
const themeButton = document.getElementById('theme-toggle');

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  themeButton.textContent = `Theme: ${theme}`;
  themeButton.setAttribute('aria-label', `Colour theme: ${theme}; change`);
}

applyTheme(localStorage.getItem('sv-theme') ?? 'auto');
themeButton.addEventListener('click', () => {
  const now = localStorage.getItem('sv-theme') ?? 'auto';
  const next = themes[(themes.indexOf(now) + 1) % themes.length];
  localStorage.setItem('sv-theme', next);
  applyTheme(next);
});

// --- the header -------------------------------------------------------------------

const topbar = document.getElementById('topbar');
const navToggle = document.getElementById('nav-toggle');
const nav = document.getElementById('nav');

navToggle.addEventListener('click', () => {
  const open = navToggle.getAttribute('aria-expanded') !== 'true';
  navToggle.setAttribute('aria-expanded', String(open));
  nav.classList.toggle('open', open);
});

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await post('/api/auth/logout');
  } catch (err) {
    toast(err.message, 'error');
  }
  signedOut();
});

const streamState = document.getElementById('stream-state');
events.onState((s) => {
  const text = { open: 'Live updates on', connecting: 'Connecting…', closed: 'Live updates off' }[s];
  streamState.dataset.state = s;
  streamState.title = text;
  streamState.setAttribute('aria-label', text);
});

events.on('notification', (e) => toast(e.message, e.level === 'error' ? 'error' : e.level));

function showShell(u) {
  topbar.hidden = !u;
  if (!u) return;
  document.getElementById('whoami').textContent = u.username;
  for (const a of nav.querySelectorAll('[data-admin]')) a.parentElement.hidden = !isAdmin();
}

function markCurrent(path) {
  for (const a of nav.querySelectorAll('a')) {
    const href = a.getAttribute('href');
    const current = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`)
      || (href === '/library' && path.startsWith('/recordings/'));
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  navToggle.setAttribute('aria-expanded', 'false');
  nav.classList.remove('open');
}

// --- session ------------------------------------------------------------------------

export function signedIn(u) {
  setUser(u);
  knownUser = true;
  showShell(u);
  events.connect();
}

function signedOut() {
  setUser(null);
  events.disconnect();
  showShell(null);
  if (location.pathname !== '/login') {
    const next = location.pathname + location.search;
    navigate(`/login${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`, { replace: true });
  }
}

onUnauthorized(() => {
  if (user()) {
    toast('Your session ended; please log in again.', 'warning');
    signedOut();
  }
});

// --- rendering a page ----------------------------------------------------------

async function render() {
  const seq = ++renderSeq;
  const path = location.pathname;
  let route = null;
  let params = null;
  for (const r of routes) {
    params = match(r.path, path);
    if (params) {
      route = r;
      break;
    }
  }
  if (!knownUser && !(route?.public) && !hasSession()) {
    knownUser = true;
  } else if (!knownUser && !(route?.public)) {
    try {
      const me = await get('/api/auth/me');
      if (seq !== renderSeq) return;
      signedIn(me.user);
    } catch (err) {
      if (seq !== renderSeq) return;
      if (err.status === 401) {
        knownUser = true;
        signedOut();
      } else {
        fill(main, h('h1', {}, 'StreamVault'), message(err.message, 'error'));
      }
      return;
    }
  }
  if (route && !route.public && !user()) {
    signedOut();
    return;
  }
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  markCurrent(path);
  if (!route) {
    document.title = 'Not found · StreamVault';
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no page here. ', h('a', { href: '/' }, 'Dashboard')));
    return;
  }
  document.title = `${route.title} · StreamVault`;
  main.replaceChildren();
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await import(`./pages/${route.page}.js`);
    if (seq !== renderSeq) return;
    const done = await page.render(main, params, new URLSearchParams(location.search));
    if (seq !== renderSeq) {
      done?.();
      return;
    }
    cleanup = done ?? null;
  } catch (err) {
    if (seq !== renderSeq) return;
    fill(main, h('h1', {}, route.title), message(err.message, 'error'));
  } finally {
    if (seq === renderSeq) main.removeAttribute('aria-busy');
  }
  // a screen reader goes on at the new page, unless the page put the focus
  // into itself (a form's first field)
  if (seq === renderSeq && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

start(render);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((err) => console.warn('service worker:', err.message));
}
