// device.js - one device: identity, roles and why, conversations with their
// operations, alerts, change history; admins edit name, zone, notes, criticality.
import { h, mount, fmtBytes, fmtInt } from '../lib/dom.js';
import { api, get } from '../lib/api.js';
import { t, tx, fmtDate, label, getLang } from '../lib/i18n.js';
import { assetName } from './overview.js';
import { changeSummary } from './changes.js';
import { zoneName } from './assets.js';

const OPS = ['read', 'write', 'program', 'control', 'firmware', 'auth', 'diagnostic', 'other'];

function dl(pairs) {
  return h('dl.props', pairs.filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => [h('dt', k), h('dd', Array.isArray(v) ? v.join(', ') : v)]));
}

function opsCell(ops) {
  if (!ops) return '';
  return OPS.filter((k) => ops[k]).map((k) => h('span', { class: 'op op-' + k }, `${label('op', k)} ${ops[k]}`));
}

function editForm(a, ctx, onSaved, zones) {
  const n = a.notes || {};
  const name = h('input', { type: 'text', name: 'name', value: n.name || '', maxlength: 200 });
  // the zone by its id: the server writes the device's own line of the zone file
  const curZone = a.zone && typeof a.zone === 'object' ? a.zone.id : (a.zone || '');
  const zone = h('select', { name: 'zone' }, h('option', { value: '' }, t('common.none')),
    zones.map((z) => h('option', { value: z.id, selected: z.id === curZone }, z.name || z.id)));
  const crit = h('select', { name: 'criticality' }, h('option', { value: '' }, t('common.none')),
    ['high', 'medium', 'low'].map((c) => h('option', { value: c, selected: n.criticality === c }, label('crit', c))));
  const notes = h('textarea', { name: 'notes', rows: 4, maxlength: 4000 });
  notes.value = n.notes || '';
  const form = h('form.edit', {
    onsubmit: async (e) => {
      e.preventDefault();
      // only what changed: older servers do not take every field
      const body = {};
      if ((name.value.trim() || null) !== (n.name || null)) body.name = name.value.trim() || null;
      if ((zone.value || null) !== (curZone || null)) body.zone = zone.value || null;
      if ((notes.value || null) !== (n.notes || null)) body.notes = notes.value || null;
      if ((crit.value || null) !== (n.criticality || null)) body.criticality = crit.value || null;
      try {
        await api('PATCH', `/assets/${encodeURIComponent(a.id)}`, body);
        ctx.toast(t('common.saved'), 'ok');
        onSaved();
      } catch (err) { ctx.toast(err.message, 'error'); }
    },
  },
  h('label', t('asset.name'), name), h('label', t('asset.zone'), zone), h('label', t('asset.criticality'), crit),
  h('label.wide', t('asset.notes'), notes), h('div.formbtns', h('button.primary', { type: 'submit' }, t('common.save'))));
  return h('div.card.noprint', h('h2', t('device.edit')), form);
}

export async function render(root, ctx) {
  const id = ctx.params[0];
  const a = await get(`/assets/${encodeURIComponent(id)}`);
  // the zones an admin can put the device in (none defined: the list is empty)
  let zones = [];
  if (ctx.isAdmin) {
    try { zones = (await get('/zones')).zones || []; } catch (err) { zones = []; }
  }
  const lang = getLang();
  const idn = a.identity || {};
  const notes = a.notes || {};
  const comms = a.communications || [];
  const myIps = new Set([...(a.ips || []), a.mac].filter(Boolean));
  root.append(
    h('p.crumbs', h('a', { href: '/assets', 'data-link': true }, t('page.assets')), ' › '),
    h('h1', assetName(a), notes.criticality ? h('span', { class: 'crit crit-' + notes.criticality }, label('crit', notes.criticality)) : null),
    h('div.grid2',
      h('div.card', h('h2', t('device.identity')), dl([
        [t('asset.ip'), a.ips], [t('asset.mac'), a.mac], [t('asset.vendor'), a.vendor], [t('asset.hostnames'), a.hostnames],
        [t('asset.product'), [idn.vendor, idn.product].filter(Boolean).join(' ')], [t('asset.model'), idn.model],
        [t('asset.firmware'), idn.firmware], [t('asset.serial'), idn.serial], [t('asset.os'), a.os], [t('asset.zone'), zoneName(a.zone)],
        [t('asset.first_seen'), fmtDate(a.first_seen)], [t('asset.last_seen'), fmtDate(a.last_seen)],
        [t('asset.traffic'), `${fmtInt(a.packets, lang)} ${t('common.packets')} / ${fmtBytes(a.bytes)}`],
        [t('asset.notes'), notes.notes]])),
      h('div.card', h('h2', t('device.roles')),
        (a.roles || []).length ? h('ul.roles', a.roles.map((r) => h('li',
          h('span', { class: 'role role-' + r.role }, label('role', r.role)), h('span.muted', ` ${r.confidence}%`),
          (r.reasons || []).length ? h('ul.reasons', r.reasons.map((x) => h('li', x))) : null))) : h('p.muted', t('common.none')),
        h('h3', t('device.protocols')),
        dl([[t('device.as_server'), (a.protocols || {}).server], [t('device.as_client'), (a.protocols || {}).client]]))),
    ctx.isAdmin ? editForm(a, ctx, () => ctx.navigate(location.pathname, true), zones) : null,
    h('div.card', h('h2', t('device.conversations'), h('span.count', ` (${comms.length})`)),
      comms.length ? h('div.tablewrap', h('table.data', h('thead', h('tr', ['peer', 'direction', 'protocol', 'port', 'operations', 'traffic', 'last_seen'].map((k) => h('th', t('comm.' + k))))),
        h('tbody', comms.map((c) => {
          const out = myIps.has(c.client);
          return h('tr', h('td.mono', out ? c.server : c.client), h('td', t(out ? 'comm.to' : 'comm.from')),
            h('td', h('span.tag', c.protocol)), h('td.mono', c.port === null ? c.transport : `${c.transport}/${c.port}`),
            h('td', opsCell(c.operations)), h('td.num', fmtBytes(c.bytes)), h('td.nowrap', fmtDate(c.last_seen)));
        })))) : h('p.muted', t('common.empty'))),
    h('div.card', h('h2', t('page.alerts')),
      (a.alerts || []).length ? h('ul.alertlist', a.alerts.map((al) => h('li',
        h('span', { class: 'sev sev-' + al.severity }, label('severity', al.severity)), ' ',
        h('a', { href: `/alerts?id=${encodeURIComponent(al.id)}`, 'data-link': true }, tx(al.title)), ' ',
        h('span.muted', fmtDate(al.last_seen || al.time)), ' ', h('span', { class: 'status status-' + (al.status || 'open') }, label('status', al.status || 'open'))))) : h('p.muted', t('common.empty'))),
    h('div.card', h('h2', t('device.changes')),
      (a.changes || []).length ? h('ul.changelist', a.changes.map((c) => h('li', h('span.muted', fmtDate(c.time)), ' ', changeSummary(c))))
        : h('p.muted', t('common.empty'))));
}
