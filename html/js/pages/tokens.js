// API tokens of the logged-in user: for scripts (Authorization: Bearer).
// A new token is shown once.

import { del, get, post } from '../api.js';
import { fill, formatDate, h, message, table } from '../dom.js';
import { busy, confirmAction, shownOnce } from '../ui.js';

export async function render(main) {
  const list = h('div', { id: 'tokens' });
  const created = h('div', { 'aria-live': 'polite' });

  async function load() {
    try {
      const page = await get('/api/tokens', { limit: 200 });
      fill(list, page.items.length
        ? table('API tokens', ['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', ''],
          page.items.map((t) => {
            let action = h('span', { class: 'muted' }, `revoked ${formatDate(t.revoked_at)}`);
            if (!t.revoked_at) {
              action = h('button', { type: 'button', class: 'danger' }, 'Revoke');
              action.addEventListener('click', async () => {
                if (!(await confirmAction(`Revoke the token “${t.name}”? Scripts using it stop working.`, 'Revoke'))) return;
                if (await busy(action, () => del(`/api/tokens/${t.id}`))) await load();
              });
            }
            return [t.name, h('code', {}, t.prefix), t.scopes.join(', '), formatDate(t.created_at),
                    formatDate(t.last_used_at), t.expires_at ? formatDate(t.expires_at) : 'never', action];
          }))
        : message('No API tokens yet.'));
    } catch (err) {
      fill(list, message(err.message, 'error'));
    }
  }

  const name = h('input', { id: 'tok-name', required: true, maxlength: 100 });
  const write = h('input', { type: 'checkbox', id: 'tok-write' });
  const days = h('input', { id: 'tok-days', type: 'number', min: 1, max: 3650, placeholder: 'never' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create token');
  const form = h('form', { class: 'card settings-grid', 'aria-labelledby': 'tok-title' },
    h('h2', { id: 'tok-title' }, 'New token'),
    h('label', { for: 'tok-name' }, 'Name'), name,
    h('label', { class: 'check' }, write, ' May change things (write); without: read only'),
    h('label', { for: 'tok-days' }, 'Expires after (days)'), days,
    h('div', { class: 'actions' }, submit), created);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value, scopes: write.checked ? ['read', 'write'] : ['read'] };
    if (days.value) body.expires_in_days = Number(days.value);
    const t = await busy(submit, () => post('/api/tokens', body));
    if (!t) return;
    form.reset();
    fill(created, shownOnce('tok-new', 'The new token', t.token, 'Shown once: copy it now.'));
    await load();
  });

  fill(main, h('h1', {}, 'API tokens'),
    h('p', { class: 'hint' }, 'Scripts send a token as "Authorization: Bearer sv_…".'), list, form);
  await load();
}
