// overview.js - the first page: what is on the network, what needs a look.
import { h, s, fmtBytes, fmtInt } from '../lib/dom.js';
import { get } from '../lib/api.js';
import { t, tx, fmtDate, label, getLang } from '../lib/i18n.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

function countList(obj, kind, hrefFor) {
  const entries = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return h('p.muted', t('common.empty'));
  const max = Math.max(...entries.map((e) => e[1]), 1);
  return h('ul.countlist', entries.map(([k, n]) =>
    h('li', h('a', { href: hrefFor(k), 'data-link': true }, kind ? label(kind, k) : k || t('map.no_zone')),
      h('span.bar', h('span.fill', { dataset: { pct: Math.round((100 * n) / max) } })),
      h('span.num', fmtInt(n, getLang())))));
}

/** The start of an hour for the chart's axis, local time: 12月7日 9時 / 7 Dec 09:00. */
export function fmtHour(iso, lang) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  if (lang === 'ja') return `${d.getMonth() + 1}月${d.getDate()}日 ${d.getHours()}時`;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${d.getDate()} ${mon} ${String(d.getHours()).padStart(2, '0')}:00`;
}

/** Bytes per hour (the API's last 7 days, hours without packets as zeros) as an SVG bar
 *  chart built element by element; each bar's title gives the hour, bytes and packets. */
export function trafficChart(traffic) {
  if (!traffic || !traffic.length) return h('p.muted', t('overview.no_traffic'));
  const W = 720, H = 180, padL = 56, padB = 28, padT = 8;
  const max = Math.max(...traffic.map((p) => p.bytes), 1);
  const bw = (W - padL) / traffic.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': t('overview.traffic') });
  for (const f of [0, 0.5, 1]) {
    const y = padT + (H - padB - padT) * (1 - f);
    svg.appendChild(s('line', { x1: padL, x2: W, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(s('text', { x: padL - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtBytes(Math.round(max * f))));
  }
  const step = Math.max(1, Math.ceil(traffic.length / 8));
  traffic.forEach((p, i) => {
    const bh = ((H - padB - padT) * p.bytes) / max;
    const x = padL + i * bw;
    const bar = s('rect', { x: x + 1, y: H - padB - bh, width: Math.max(1, bw - 2), height: bh, class: 'barrect' },
      s('title', {}, t('overview.traffic_bar', { hour: fmtDate(p.t), bytes: fmtBytes(p.bytes), packets: fmtInt(p.packets ?? 0, getLang()) })));
    svg.appendChild(bar);
    if (i % step === 0) {
      svg.appendChild(s('text', { x: x + bw / 2, y: H - 8, class: 'axis', 'text-anchor': 'middle' }, fmtHour(p.t, getLang())));
    }
  });
  return svg;
}

export async function render(root) {
  const o = await get('/overview');
  const lang = getLang();
  const sevs = o.alerts_by_severity || {};
  const openTotal = SEVERITIES.reduce((a, k) => a + (sevs[k] || 0), 0);
  root.append(
    h('h1', t('page.overview')),
    h('div.kpis',
      h('a.kpi', { href: '/assets', 'data-link': true }, h('span.kpi-num', fmtInt(o.assets, lang)), h('span.kpi-label', t('overview.devices'))),
      h('a.kpi', { href: '/alerts?status=open', 'data-link': true, class: openTotal ? 'warn' : null },
        h('span.kpi-num', fmtInt(openTotal, lang)), h('span.kpi-label', t('overview.open_alerts'))),
      h('a.kpi', { href: '/captures', 'data-link': true }, h('span.kpi-num', fmtInt(o.captures ?? 0, lang)), h('span.kpi-label', t('overview.captures')))),
    h('div.grid2',
      h('div.card', h('h2', t('overview.next_actions')),
        (o.next_actions || []).length
          ? h('ol.actions', o.next_actions.map((a) => h('li', h('a', { href: safeHref(a.href), 'data-link': true }, tx(a.title)))))
          : h('p.muted', t('overview.no_actions'))),
      h('div.card', h('h2', t('overview.alerts_by_severity')),
        h('ul.sevlist', SEVERITIES.map((k) =>
          h('li', h('a', { href: `/alerts?severity=${k}&status=open`, 'data-link': true },
            h('span', { class: `sev sev-${k}` }, label('severity', k)), h('span.num', fmtInt(sevs[k] || 0, lang))))))),
      h('div.card', h('h2', t('overview.by_role')), countList(o.assets_by_role, 'role', (k) => `/assets?role=${encodeURIComponent(k)}`)),
      h('div.card', h('h2', t('overview.by_zone')), countList(o.assets_by_zone, null, (k) => `/assets?zone=${encodeURIComponent(k || 'none')}`))),
    h('div.card', h('h2', t('overview.traffic')), trafficChart(o.traffic),
      (o.traffic || []).length ? h('p.muted', t('overview.traffic_note')) : null),
    h('div.card', h('h2', t('overview.new_devices')),
      (o.new_assets || []).length
        ? h('table.data', h('thead', h('tr', h('th', t('asset.name')), h('th', t('asset.ip')), h('th', t('asset.vendor')), h('th', t('asset.role')), h('th', t('asset.first_seen')))),
          h('tbody', o.new_assets.map((a) => h('tr',
            h('td', h('a', { href: `/assets/${encodeURIComponent(a.id)}`, 'data-link': true }, assetName(a))),
            h('td.mono', (a.ips || []).join(', ')), h('td', a.vendor || ''), h('td', label('role', topRole(a))), h('td', fmtDate(a.first_seen))))))
        : h('p.muted', t('common.empty'))));
  // bar widths through CSS classes would need 100 rules; CSSOM (not a style attribute) is allowed by the CSP
  root.querySelectorAll('.fill').forEach((el) => { el.style.width = el.dataset.pct + '%'; });
}

export function safeHref(href) {
  return typeof href === 'string' && href.startsWith('/') && !href.startsWith('//') ? href : '/';
}

export function topRole(a) {
  const r = (a.roles || [])[0];
  return r ? r.role : 'unknown';
}

export function assetName(a) {
  if (a.notes && a.notes.name) return a.notes.name;
  if (a.name) return a.name;
  if ((a.hostnames || []).length) return a.hostnames[0];
  if ((a.ips || []).length) return a.ips[0];
  return a.mac || a.id;
}
