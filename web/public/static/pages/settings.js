// settings.js - language (remembered in this browser), users (admins), own password.
import { h, mount } from '../lib/dom.js';
import { api, get } from '../lib/api.js';
import { t, getLang, setLang, label } from '../lib/i18n.js';
import { rerender } from '../app.js';

export async function render(root, ctx) {
  const langSel = h('select', { name: 'lang', id: 'lang-select', 'aria-label': t('settings.language') },
    h('option', { value: 'ja', selected: getLang() === 'ja' }, '日本語'), h('option', { value: 'en', selected: getLang() === 'en' }, 'English'));
  langSel.addEventListener('change', async () => { await setLang(langSel.value); rerender(); });

  const users = h('div');
  async function loadUsers() {
    try {
      const r = await get('/users');
      const items = Array.isArray(r) ? r : r.items || [];
      mount(users, h('table.data', h('thead', h('tr', h('th', t('settings.user')), h('th', t('settings.role')))),
        h('tbody', items.map((u) => h('tr', h('td', u.user || u.name || ''), h('td', label('role', u.role)))))));
    } catch (e) {
      mount(users, h('p.muted', e.status === 404 ? t('settings.not_available') : e.message));
    }
  }
  const nu = h('input', { type: 'text', name: 'new-user', autocomplete: 'off', pattern: '[A-Za-z0-9._@-]{1,64}', required: true });
  const np = h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', minlength: 10, required: true });
  const nr = h('select', { name: 'new-role' }, h('option', { value: 'viewer' }, label('role', 'viewer')), h('option', { value: 'admin' }, label('role', 'admin')));
  const addUser = h('form.edit', { onsubmit: async (e) => {
    e.preventDefault();
    try { await api('POST', '/users', { user: nu.value, password: np.value, role: nr.value }); nu.value = ''; np.value = ''; ctx.toast(t('common.saved'), 'ok'); loadUsers(); } catch (err) { ctx.toast(err.message, 'error'); }
  } }, h('label', t('settings.user'), nu), h('label', t('settings.password'), np), h('label', t('settings.role'), nr),
  h('div.formbtns', h('button.primary', { type: 'submit' }, t('settings.add_user'))));

  const cur = h('input', { type: 'password', name: 'current', autocomplete: 'current-password', required: true });
  const p1 = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: 10, required: true });
  const p2 = h('input', { type: 'password', name: 'password2', autocomplete: 'new-password', minlength: 10, required: true });
  const pw = h('form.edit', { onsubmit: async (e) => {
    e.preventDefault();
    if (p1.value !== p2.value) { ctx.toast(t('setup.mismatch'), 'error'); return; }
    try { await api('POST', '/password', { current: cur.value, password: p1.value }); cur.value = p1.value = p2.value = ''; ctx.toast(t('settings.password_changed'), 'ok'); } catch (err) { ctx.toast(err.message, 'error'); }
  } }, h('label', t('settings.current_password'), cur), h('label', t('settings.new_password'), p1), h('label', t('setup.password2'), p2),
  h('div.formbtns', h('button.primary', { type: 'submit' }, t('settings.change_password'))));

  const me = ctx.me || {};
  root.append(h('h1', t('page.settings')),
    h('div.card', h('h2', t('settings.language')), h('p.lead', t('settings.language_lead')), langSel),
    me.user ? h('div.card', h('h2', t('settings.change_password')), h('p.muted', t('settings.signed_in_as', { user: me.user })), pw)
      : h('div.card', h('h2', t('settings.change_password')), h('p.muted', t('settings.local_no_login'))),
    ctx.isAdmin ? h('div.card', h('h2', t('settings.users')), users, h('h3', t('settings.add_user')), addUser) : null);
  if (ctx.isAdmin) loadUsers();
}
