// app.js - the single-page dashboard: router over the stable paths, the
// navigation bar, the signed-in user. Each page is its own module under pages/.
import { h, mount, clear } from './lib/dom.js';
import { api, get, setCsrf } from './lib/api.js';
import { pickLang, loadLang, t } from './lib/i18n.js';

const routes = [
  { re: /^\/$/, page: 'overview', nav: 'overview' },
  { re: /^\/assets\/?$/, page: 'assets', nav: 'assets' },
  { re: /^\/assets\/([^/]+)$/, page: 'device', nav: 'assets' },
  { re: /^\/map\/?$/, page: 'map', nav: 'map' },
  { re: /^\/alerts\/?$/, page: 'alerts', nav: 'alerts' },
  { re: /^\/changes\/?$/, page: 'changes', nav: 'changes' },
  { re: /^\/assessment\/?$/, page: 'assessment', nav: 'assessment' },
  { re: /^\/captures\/?$/, page: 'captures', nav: 'captures' },
  { re: /^\/zones\/?$/, page: 'zones', nav: 'zones' },
  { re: /^\/settings\/?$/, page: 'settings', nav: 'settings' },
  { re: /^\/login\/?$/, page: 'login', bare: true },
  { re: /^\/setup\/?$/, page: 'setup', bare: true },
];
const navItems = ['overview', 'assets', 'map', 'alerts', 'changes', 'captures', 'zones', 'assessment', 'settings'];
const navHref = { overview: '/', assets: '/assets', map: '/map', alerts: '/alerts', changes: '/changes',
  captures: '/captures', zones: '/zones', assessment: '/assessment', settings: '/settings' };

export const state = { me: null, cleanup: null, seq: 0 };

export async function refreshMe() {
  state.me = await get('/me');
  setCsrf(state.me.csrf);
  return state.me;
}

export function isAdmin() {
  return !!state.me && state.me.role === 'admin';
}

export function navigate(path, replace) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

export function toast(msg, kind) {
  const el = document.getElementById('toast');
  mount(el, msg);
  el.className = 'toast show ' + (kind || '');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.className = 'toast'; }, 4000);
}

function renderNav(active, bare) {
  const nav = document.getElementById('nav');
  const user = document.getElementById('userbox');
  document.body.classList.toggle('bare', !!bare);
  if (bare) { clear(nav); clear(user); return; }
  mount(nav, navItems.map((k) =>
    h('a', { href: navHref[k], 'data-link': true, class: k === active ? 'active' : null,
      'aria-current': k === active ? 'page' : null }, t('nav.' + k))));
  const me = state.me || {};
  const kids = [];
  if (me.user) {
    kids.push(h('span.user', { title: t('role.' + me.role) }, me.user));
    kids.push(h('button.link', { type: 'button', onclick: logout }, t('nav.logout')));
  } else if (!me.login_required) {
    kids.push(h('span.user.local', t('nav.local_admin')));
  }
  mount(user, kids);
}

async function logout() {
  try { await api('DELETE', '/session'); } catch (e) { /* already gone */ }
  await refreshMe().catch(() => null);
  navigate('/login');
}

async function route() {
  const seq = ++state.seq;
  const path = location.pathname;
  const main = document.getElementById('main');
  if (typeof state.cleanup === 'function') { try { state.cleanup(); } catch (e) { /* ignore */ } }
  state.cleanup = null;
  let r = routes.find((x) => x.re.test(path));
  const me = state.me;
  if (me && me.setup_needed && path !== '/setup') return navigate('/setup', true);
  if (me && !me.setup_needed && me.login_required && !me.user && path !== '/login') {
    return navigate('/login?next=' + encodeURIComponent(path + location.search), true);
  }
  renderNav(r ? r.nav : null, r && r.bare);
  if (!r) {
    mount(main, h('section.page', h('h1', t('notfound.title')), h('p', h('a', { href: '/', 'data-link': true }, t('nav.overview')))));
    return;
  }
  const params = path.match(r.re).slice(1).map(decodeURIComponent);
  document.body.dataset.page = r.page;
  document.title = `${t('page.' + r.page)} — mieruka`;
  try {
    const mod = await import(`./pages/${r.page}.js`);
    if (seq !== state.seq) return;
    const section = h('section.page', { id: 'page-' + r.page });
    mount(main, section);
    const ctx = { params, query: new URLSearchParams(location.search), navigate, toast, me: state.me, isAdmin: isAdmin(), isCurrent: () => seq === state.seq };
    state.cleanup = await mod.render(section, ctx);
    if (seq === state.seq) main.dataset.ready = r.page;
  } catch (e) {
    if (seq !== state.seq) return;
    console.error(e);
    mount(main, h('section.page', h('h1', t('page.' + r.page)), h('p.error', t('error.load'), ' ', e.message || String(e))));
    main.dataset.ready = r.page;
  }
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[data-link]');
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  ev.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);
window.addEventListener('mieruka:unauthorized', async () => {
  await refreshMe().catch(() => null);
  if (location.pathname !== '/login') navigate('/login?next=' + encodeURIComponent(location.pathname), true);
});

/** Re-renders the current page (after a language switch, a login). */
export function rerender() {
  route();
}

async function start() {
  await loadLang(pickLang());
  try {
    await refreshMe();
  } catch (e) {
    mount(document.getElementById('main'), h('section.page', h('h1', 'mieruka'), h('p.error', t('error.server'), ' ', e.message)));
    return;
  }
  route();
}
start();
