// login.js - sign in; the server rate-limits failures (429 + Retry-After).
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { refreshMe } from '../app.js';

export function nextPath(query) {
  const n = query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/login') && !n.startsWith('/setup') ? n : '/';
}

export async function render(root, ctx) {
  const user = h('input', { type: 'text', name: 'user', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const err = h('p.error', { role: 'alert' });
  const form = h('form.login', { onsubmit: async (e) => {
    e.preventDefault();
    mount(err);
    try {
      await api('POST', '/session', { user: user.value.trim(), password: pass.value });
      await refreshMe();
      ctx.navigate(nextPath(ctx.query), true);
    } catch (x) {
      pass.value = '';
      mount(err, x.status === 401 ? t('login.wrong') : x.status === 429 ? t('login.rate_limited') : x.message);
    }
  } }, h('label', t('login.user'), user), h('label', t('login.password'), pass), err,
  h('button.primary', { type: 'submit' }, t('login.submit')));
  root.append(h('div.authbox', h('div.brand-big', '見える化 mieruka'), h('h1', t('page.login')), form));
  user.focus();
}
