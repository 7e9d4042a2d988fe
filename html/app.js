// Shows whether the API answers, and its version.
'use strict';

(async function showHealth() {
  const out = document.getElementById('health');
  try {
    const res = await fetch('/api/health', { headers: { Accept: 'application/json' } });
    const body = await res.json();
    out.textContent = res.ok
      ? `Server ${body.status}, version ${body.version}`
      : `Server answered ${res.status}`;
  } catch (err) {
    out.textContent = `Server unreachable: ${err.message}`;
  }
})();
