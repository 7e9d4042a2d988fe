// Log in: POST /api/auth/login sets the session cookies.

import { post } from '../api.js';
import { h, fill, message } from '../dom.js';
import { navigate } from '../router.js';
import { signedIn } from '../app.js';

export function render(main, _params, search) {
  const status = h('div', { id: 'login-status' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true,
                                autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password',
                                autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login card', 'aria-describedby': 'login-status' },
    h('h1', {}, h('img', { src: '/icons/icon.svg', alt: '', width: 40, height: 40 }), ' StreamVault'),
    h('label', { for: 'username' }, 'User name'), username,
    h('label', { for: 'password' }, 'Password'), password,
    status, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    fill(status);
    try {
      const r = await post('/api/auth/login', { username: username.value, password: password.value });
      signedIn(r.user);
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (err) {
      fill(status, message(err.status === 401 ? 'Wrong user name or password.' : err.message, 'error'));
      password.select();
      button.disabled = false;
    }
  });
  fill(main, form);
  username.focus();
}
