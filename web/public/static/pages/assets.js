// assets.js - the asset ledger: search, filters and sort go to the API as
// query parameters and into the page's URL (so a filtered view can be shared).
import { h, mount, fmtBytes, fmtInt, csvBlob, download } from '../lib/dom.js';
import { get, getAll, withQuery } from '../lib/api.js';
import { t, fmtDate, label, getLang } from '../lib/i18n.js';
import { assetName, topRole } from './overview.js';

// An asset's zone is {id, name} (interface.md ASSET) or null.
export function zoneName(z) {
  if (!z) return '';
  return typeof z === 'object' ? (z.name || z.id || '') : String(z);
}

export const ROLES = ['plc', 'hmi', 'engineering_workstation', 'scada_server', 'historian', 'office_pc', 'server',
  'printer', 'wifi_ap', 'router', 'vpn_gateway', 'switch', 'iot', 'handheld', 'phone', 'unknown'];
const PAGE = 100;
const COLS = [
  ['name', null], ['ip', 'ip'], ['mac', null], ['vendor', 'vendor'], ['model', null], ['firmware', null],
  ['role', 'role'], ['zone', null], ['protocols', null], ['first_seen', 'first_seen'], ['last_seen', 'last_seen'],
  ['bytes', 'bytes'],
];

export function protocolsOf(a) {
  const p = a.protocols || {};
  return [...new Set([...(p.server || []), ...(p.client || [])])];
}

function csvRows(items) {
  const head = ['id', 'name', 'ips', 'mac', 'vendor', 'product', 'model', 'firmware', 'serial', 'role', 'zone',
    'hostnames', 'protocols_server', 'protocols_client', 'first_seen', 'last_seen', 'packets', 'bytes'];
  const rows = [head];
  for (const a of items) {
    const id = a.identity || {};
    rows.push([a.id, assetName(a), a.ips, a.mac, a.vendor, id.product, id.model, id.firmware, id.serial, topRole(a), zoneName(a.zone),
      a.hostnames, (a.protocols || {}).server, (a.protocols || {}).client, a.first_seen, a.last_seen, a.packets, a.bytes]);
  }
  return rows;
}

export async function render(root, ctx) {
  const q = ctx.query;
  const st = {
    q: q.get('q') || '', role: q.get('role') || '', zone: q.get('zone') || '', vendor: q.get('vendor') || '',
    protocol: q.get('protocol') || '', sort: q.get('sort') || 'ip', offset: Number(q.get('offset') || 0),
  };
  const lang = getLang();
  const search = h('input', { type: 'search', name: 'q', value: st.q, placeholder: t('assets.search_ph'), 'aria-label': t('assets.search') });
  const role = h('select', { name: 'role', 'aria-label': t('asset.role') }, h('option', { value: '' }, t('assets.all_roles')),
    ROLES.map((r) => h('option', { value: r, selected: r === st.role }, label('role', r))));
  const zone = h('input', { type: 'text', name: 'zone', value: st.zone, placeholder: t('asset.zone'), 'aria-label': t('asset.zone'), size: 10 });
  const vendor = h('input', { type: 'text', name: 'vendor', value: st.vendor, placeholder: t('asset.vendor'), 'aria-label': t('asset.vendor'), size: 12 });
  const protocol = h('input', { type: 'text', name: 'protocol', value: st.protocol, placeholder: t('asset.protocols'), 'aria-label': t('asset.protocols'), size: 10 });
  const count = h('span.count');
  const table = h('div.tablewrap');
  const pager = h('div.pager');

  const params = () => ({ q: st.q, role: st.role, zone: st.zone, vendor: st.vendor, protocol: st.protocol, sort: st.sort });
  const syncUrl = () => history.replaceState(null, '', withQuery('/assets', { ...params(), sort: st.sort === 'ip' ? '' : st.sort, offset: st.offset || '' }));

  async function load() {
    syncUrl();
    table.setAttribute('aria-busy', 'true');
    const res = await get(withQuery('/assets', { ...params(), limit: PAGE, offset: st.offset }));
    table.removeAttribute('aria-busy');
    mount(count, t('assets.count', { n: fmtInt(res.total, lang) }));
    const sortKey = st.sort.replace(/^-/, '');
    const desc = st.sort.startsWith('-');
    const head = h('tr', COLS.map(([k, sk]) => {
      if (!sk) return h('th', t('asset.' + k));
      const active = sortKey === sk;
      return h('th', { 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' },
        h('button.sort', { type: 'button', onclick: () => { st.sort = active && !desc ? '-' + sk : sk; st.offset = 0; load(); } },
          t('asset.' + k), active ? (desc ? ' ▼' : ' ▲') : ''));
    }));
    const rows = res.items.map((a) => {
      const id = a.identity || {};
      return h('tr', { dataset: { id: a.id } },
        h('td', h('a', { href: `/assets/${encodeURIComponent(a.id)}`, 'data-link': true }, assetName(a))),
        h('td.mono', (a.ips || []).join(', ')), h('td.mono', a.mac || ''), h('td', a.vendor || ''),
        h('td', [id.product, id.model].filter(Boolean).join(' / ')), h('td', id.firmware || ''),
        h('td', h('span', { class: 'role role-' + topRole(a) }, label('role', topRole(a)))),
        h('td', zoneName(a.zone)), h('td.protos', protocolsOf(a).map((p) => h('span.tag', p))),
        h('td.nowrap', fmtDate(a.first_seen)), h('td.nowrap', fmtDate(a.last_seen)), h('td.num', fmtBytes(a.bytes)));
    });
    mount(table, res.items.length
      ? h('table.data.ledger', h('thead', head), h('tbody', rows))
      : h('p.muted', t('assets.none')));
    const pages = Math.ceil(res.total / PAGE);
    const cur = Math.floor(st.offset / PAGE);
    mount(pager, pages > 1 ? [
      h('button', { type: 'button', disabled: cur === 0, onclick: () => { st.offset -= PAGE; load(); } }, t('common.prev')),
      h('span', `${cur + 1} / ${pages}`),
      h('button', { type: 'button', disabled: cur + 1 >= pages, onclick: () => { st.offset += PAGE; load(); } }, t('common.next')),
    ] : []);
  }

  let timer = null;
  const onInput = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      Object.assign(st, { q: search.value.trim(), role: role.value, zone: zone.value.trim(), vendor: vendor.value.trim(), protocol: protocol.value.trim(), offset: 0 });
      load().catch((e) => ctx.toast(e.message, 'error'));
    }, 250);
  };
  for (const el of [search, zone, vendor, protocol]) el.addEventListener('input', onInput);
  role.addEventListener('change', onInput);

  const exportCsv = async () => {
    const items = await getAll('/assets', params());
    download(csvBlob(csvRows(items)), `mieruka-assets-${new Date().toISOString().slice(0, 10)}.csv`);
  };

  root.append(
    h('div.pagehead', h('h1', t('page.assets')), count,
      h('div.tools.noprint',
        h('button', { type: 'button', id: 'export-csv', onclick: () => exportCsv().catch((e) => ctx.toast(e.message, 'error')) }, t('common.csv')),
        h('button', { type: 'button', onclick: () => window.print() }, t('common.print')))),
    h('form.filters.noprint', { role: 'search', onsubmit: (e) => { e.preventDefault(); onInput(); } }, search, role, zone, vendor, protocol),
    h('p.printonly', t('assets.print_title', { date: fmtDate(new Date().toISOString()) })),
    table, pager);
  await load();
  return () => clearTimeout(timer);
}
