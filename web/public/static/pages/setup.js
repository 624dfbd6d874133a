// setup.js - first run: the administrator chooses the password (there is no default one).
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { refreshMe } from '../app.js';

export async function render(root, ctx) {
  if (ctx.me && !ctx.me.setup_needed) {
    root.append(h('div.authbox', h('h1', t('page.setup')), h('p', t('setup.already')), h('a', { href: '/', 'data-link': true }, t('nav.overview'))));
    return;
  }
  const user = h('input', { type: 'text', name: 'user', value: 'admin', autocomplete: 'username', required: true, pattern: '[A-Za-z0-9._@-]{1,64}' });
  const p1 = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: 10, required: true });
  const p2 = h('input', { type: 'password', name: 'password2', autocomplete: 'new-password', minlength: 10, required: true });
  const err = h('p.error', { role: 'alert' });
  const form = h('form.login', { onsubmit: async (e) => {
    e.preventDefault();
    mount(err);
    if (p1.value.length < 10) { mount(err, t('setup.too_short')); return; }
    if (p1.value !== p2.value) { mount(err, t('setup.mismatch')); return; }
    try {
      await api('POST', '/setup', { user: user.value.trim(), password: p1.value });
      await refreshMe();
      ctx.navigate('/', true);
    } catch (x) { mount(err, x.message); }
  } }, h('label', t('login.user'), user), h('label', t('setup.password'), p1), h('label', t('setup.password2'), p2),
  h('p.muted', t('setup.hint')), err, h('button.primary', { type: 'submit' }, t('setup.submit')));
  root.append(h('div.authbox', h('div.brand-big', '見える化 mieruka'), h('h1', t('page.setup')), h('p.lead', t('setup.lead')), form));
}
