// The login page: POST /api/login, then the console with the answer's CSRF token.
import { api, ApiError } from '../api.js';
import { el, on } from '../dom.js';
import { t } from '../i18n.js';

export function renderLogin(container, context, loggedIn, message) {
  const name = el('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'error', role: 'alert' }, message || '');
  error.hidden = !message;
  const submit = el('button', { type: 'submit' }, t('login.submit'));
  const form = el('form', { id: 'login', class: 'login' },
    el('h1', {}, t('login.title')),
    el('label', { for: 'login-name' }, t('login.name')), name,
    el('label', { for: 'login-password' }, t('login.password')), password,
    submit, error);
  on(form, 'submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      const me = await api.login(name.value, password.value);
      await loggedIn(me);
    } catch (failure) {
      password.value = '';
      error.textContent = failure instanceof ApiError && failure.status === 429 ? t('login.slowed')
        : failure instanceof ApiError && failure.status === 401 ? t('login.failed')
          : failure instanceof ApiError && failure.status === 0 ? t('error.network')
            : t('error.generic', { message: failure.message });
      error.hidden = false;
      submit.disabled = false;
      password.focus();
    }
  });
  container.append(form);
  name.focus();
}
