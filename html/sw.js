// StreamVault's service worker: the app shell (pages, styles, scripts,
// icons) comes from the network when it answers and from the cache when it
// does not, so the UI opens on a flaky or lost connection and is never
// stale online. The API (/api/) and media (/media/) pass by untouched.

const CACHE = 'streamvault-shell-v1';
const PRECACHE = ['/', '/app.css', '/js/app.js', '/manifest.json', '/icons/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function networkFirst(request, fallback) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok && res.type === 'basic') cache.put(fallback ?? request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(fallback ?? request);
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin
      || url.pathname.startsWith('/api/') || url.pathname.startsWith('/media/')) return;
  // every page of the app is index.html (nginx answers so too)
  event.respondWith(networkFirst(req, req.mode === 'navigate' ? '/' : undefined));
});
