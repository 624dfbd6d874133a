// changes.js - the change ledger (変更履歴): program downloads, mode changes,
// firmware, parameter writes; planned ones (inside a maintenance window) marked.
import { h, mount, fmtInt, csvBlob, download } from '../lib/dom.js';
import { get, getAll, withQuery } from '../lib/api.js';
import { t, fmtDate, label, getLang } from '../lib/i18n.js';

const PAGE = 100;

function detailText(c) {
  const d = c.detail;
  if (d === null || d === undefined) return '';
  if (typeof d === 'object') return Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
  return String(d);
}

/** One line for a change: who did what to whom. */
export function changeSummary(c) {
  return h('span.change',
    h('span.mono', c.client || ''), ' → ', h('span.mono', c.server || ''), ' ',
    h('span.tag', c.protocol || ''), ' ', h('strong', label('op', c.operation)), ' ', detailText(c),
    c.planned ? h('span.status.status-planned', label('status', 'planned')) : null);
}

export async function render(root, ctx) {
  const asset = ctx.query.get('asset') || '';
  const lang = getLang();
  let offset = 0;
  const body = h('div.tablewrap');
  const pager = h('div.pager');
  const count = h('span.count');
  const assetLink = (id) => (id ? h('a', { href: `/assets/${encodeURIComponent(id)}`, 'data-link': true }, id) : '');
  async function load() {
    const res = await get(withQuery('/changes', { asset, limit: PAGE, offset }));
    mount(count, t('changes.count', { n: fmtInt(res.total, lang) }));
    mount(body, res.items.length ? h('table.data', h('thead', h('tr', ['time', 'client', 'server', 'protocol', 'operation', 'detail', 'count', 'result', 'planned'].map((k) => h('th', t('change.' + k))))),
      h('tbody', res.items.map((c) => h('tr', { class: c.planned ? 'planned' : null },
        h('td.nowrap', fmtDate(c.first_seen || c.time)), h('td.mono', c.client || '', ' ', assetLink(c.client_asset)),
        h('td.mono', c.server || '', ' ', assetLink(c.server_asset)), h('td', h('span.tag', c.protocol || '')),
        h('td', h('span', { class: 'op op-' + c.operation }, label('op', c.operation))), h('td', detailText(c)),
        h('td.num', fmtInt(c.count ?? 1, lang)), h('td', c.result || ''), h('td', c.planned ? t('common.yes') : ''))))) : h('p.muted', t('changes.none')));
    mount(pager, res.total > PAGE ? [
      h('button', { type: 'button', disabled: offset === 0, onclick: () => { offset -= PAGE; load(); } }, t('common.prev')),
      h('span', `${offset / PAGE + 1} / ${Math.ceil(res.total / PAGE)}`),
      h('button', { type: 'button', disabled: offset + PAGE >= res.total, onclick: () => { offset += PAGE; load(); } }, t('common.next'))] : []);
  }
  const exportCsv = async () => {
    const items = await getAll('/changes', { asset });
    const rows = [['id', 'first_seen', 'last_seen', 'client', 'server', 'client_asset', 'server_asset', 'protocol', 'operation', 'detail', 'count', 'result', 'planned']];
    for (const c of items) rows.push([c.id, c.first_seen, c.last_seen, c.client, c.server, c.client_asset, c.server_asset, c.protocol, c.operation, detailText(c), c.count, c.result, c.planned ? 'yes' : '']);
    download(csvBlob(rows), `mieruka-changes-${new Date().toISOString().slice(0, 10)}.csv`);
  };
  root.append(h('div.pagehead', h('h1', t('page.changes')), count,
    h('div.tools.noprint', h('a.button', { href: '/alerts#maintenance', 'data-link': true }, t('alerts.maintenance')),
      h('button', { type: 'button', onclick: () => exportCsv().catch((e) => ctx.toast(e.message, 'error')) }, t('common.csv')),
      h('button', { type: 'button', onclick: () => window.print() }, t('common.print')))),
  h('p.lead', t('changes.lead')), body, pager);
  await load();
}
