// alerts.js - alerts with severity colours; the detail shows the evidence and
// what to do; admins acknowledge, accept as normal, or record the planned work
// (a maintenance window) that explains it. Maintenance windows are listed here.
import { h, mount, fmtInt } from '../lib/dom.js';
import { api, get, withQuery } from '../lib/api.js';
import { t, tx, fmtDate, label, getLang } from '../lib/i18n.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const STATUSES = ['open', 'planned', 'acknowledged', 'accepted'];
const PAGE = 50;

/** Splits an alert text into what happened and what to do now. */
export function splitTodo(text) {
  const m = /(いま行うこと[:：]|今すぐ行うこと[:：]|Now:|What to do:)/.exec(text || '');
  if (!m) return [text || '', ''];
  return [text.slice(0, m.index).trim(), text.slice(m.index + m[0].length).trim()];
}

function evidenceTable(ev) {
  if (!ev || typeof ev !== 'object' || !Object.keys(ev).length) return h('p.muted', t('common.none'));
  const val = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
  return h('table.kv', h('tbody', Object.entries(ev).map(([k, v]) => h('tr', h('th', k), h('td.mono', val(v))))));
}

function toLocalInput(iso) {
  const d = iso ? new Date(iso) : new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function render(root, ctx) {
  const q = ctx.query;
  const lang = getLang();
  const st = { severity: q.get('severity') || '', status: q.get('status') || '', type: q.get('type') || '', asset: q.get('asset') || '', offset: 0, selected: q.get('id') || '' };
  const list = h('div.alertpane');
  const detail = h('div.alertdetail', h('p.muted', t('alerts.pick')));
  const count = h('span.count');
  const pager = h('div.pager');
  const mwList = h('div');
  const mwForm = h('div');
  let items = [];

  const sevSel = h('select', { name: 'severity', 'aria-label': t('alert.severity') }, h('option', { value: '' }, t('alerts.all_severities')),
    SEVERITIES.map((k) => h('option', { value: k, selected: k === st.severity }, label('severity', k))));
  const statSel = h('select', { name: 'status', 'aria-label': t('alert.status') }, h('option', { value: '' }, t('alerts.all_statuses')),
    STATUSES.map((k) => h('option', { value: k, selected: k === st.status }, label('status', k))));
  const typeIn = h('input', { type: 'text', name: 'type', value: st.type, placeholder: t('alert.type'), 'aria-label': t('alert.type'), size: 14 });
  const onFilter = () => { Object.assign(st, { severity: sevSel.value, status: statSel.value, type: typeIn.value.trim(), offset: 0 }); load(); };
  sevSel.addEventListener('change', onFilter);
  statSel.addEventListener('change', onFilter);
  typeIn.addEventListener('change', onFilter);

  const noteIn = h('input', { type: 'text', name: 'note', maxlength: 500, placeholder: t('alerts.note_prompt'), 'aria-label': t('alert.note') });
  async function setStatus(a, status) {
    try {
      const note = noteIn.value.trim();
      const upd = await api('POST', `/alerts/${encodeURIComponent(a.id)}/status`, { status, note });
      Object.assign(a, upd || { status });
      noteIn.value = '';
      ctx.toast(t('alerts.status_set', { status: label('status', a.status) }), 'ok');
      await load();
      if (!items.some((x) => x.id === a.id)) showDetail(a); // filtered out of the list now: keep showing it
    } catch (e) { ctx.toast(e.message, 'error'); }
  }

  function showDetail(a) {
    st.selected = a.id;
    list.querySelectorAll('li').forEach((li) => li.classList.toggle('selected', li.dataset.id === a.id));
    const [what, todo] = splitTodo(tx(a.detail));
    const admin = ctx.isAdmin;
    mount(detail,
      h('h2', h('span', { class: 'sev sev-' + a.severity }, label('severity', a.severity)), ' ', tx(a.title)),
      h('p.meta', h('span', { class: 'status status-' + (a.status || 'open') }, label('status', a.status || 'open')), ' ',
        t('alert.type'), ': ', h('code', a.type), ' · ', fmtDate(a.first_seen || a.time), a.last_seen && a.last_seen !== a.first_seen ? ` – ${fmtDate(a.last_seen)}` : '',
        a.count > 1 ? ` · ${t('alerts.times', { n: fmtInt(a.count, lang) })}` : ''),
      a.status_note ? h('p.note', t('alert.note'), ': ', a.status_note) : null,
      h('p.what', what),
      todo ? h('div.todo', h('h3', t('alerts.what_to_do')), h('p', todo)) : null,
      h('h3', t('alerts.devices')),
      h('p', (a.assets || []).map((id) => [h('a', { href: `/assets/${encodeURIComponent(id)}`, 'data-link': true }, id), ' '])),
      h('h3', t('alerts.evidence')), evidenceTable(a.evidence),
      admin ? h('div.actions.noprint', noteIn,
        h('button.primary', { type: 'button', id: 'ack', disabled: a.status === 'acknowledged', onclick: () => setStatus(a, 'acknowledged') }, t('alerts.acknowledge')),
        h('button', { type: 'button', id: 'accept', disabled: a.status === 'accepted', onclick: () => setStatus(a, 'accepted') }, t('alerts.accept')),
        h('button', { type: 'button', id: 'planned', onclick: () => maintenanceForm(a) }, t('alerts.mark_planned')),
        a.status && a.status !== 'open' ? h('button', { type: 'button', onclick: () => setStatus(a, 'open') }, t('alerts.reopen')) : null) : null,
      h('p', h('a', { href: `/changes${a.assets && a.assets[0] ? '?asset=' + encodeURIComponent(a.assets[0]) : ''}`, 'data-link': true }, t('alerts.to_changes'))));
  }

  async function load() {
    history.replaceState(null, '', withQuery('/alerts', { severity: st.severity, status: st.status, type: st.type, asset: st.asset, id: st.selected }) + location.hash);
    const res = await get(withQuery('/alerts', { severity: st.severity, status: st.status, type: st.type, asset: st.asset, limit: PAGE, offset: st.offset }));
    items = res.items;
    mount(count, t('alerts.count', { n: fmtInt(res.total, lang) }));
    mount(list, items.length ? h('ul.alerts', items.map((a) => h('li', { dataset: { id: a.id }, class: 'sevborder-' + a.severity, tabindex: 0,
      onclick: () => showDetail(a), onkeydown: (e) => { if (e.key === 'Enter') showDetail(a); } },
    h('span', { class: 'sev sev-' + a.severity }, label('severity', a.severity)),
    h('span.title', tx(a.title)),
    h('span.when', fmtDate(a.last_seen || a.time)),
    h('span', { class: 'status status-' + (a.status || 'open') }, label('status', a.status || 'open'))))) : h('p.muted', t('alerts.none')));
    mount(pager, res.total > PAGE ? [
      h('button', { type: 'button', disabled: st.offset === 0, onclick: () => { st.offset -= PAGE; load(); } }, t('common.prev')),
      h('span', `${st.offset / PAGE + 1} / ${Math.ceil(res.total / PAGE)}`),
      h('button', { type: 'button', disabled: st.offset + PAGE >= res.total, onclick: () => { st.offset += PAGE; load(); } }, t('common.next'))] : []);
    const sel = items.find((a) => a.id === st.selected);
    if (sel) showDetail(sel);
  }

  async function loadWindows() {
    let ws = [];
    try {
      const r = await get('/maintenance');
      ws = Array.isArray(r) ? r : r.items || [];
    } catch (e) {
      mount(mwList, h('p.muted', t('alerts.mw_unavailable'), ' ', e.message));
      return;
    }
    mount(mwList, ws.length ? h('table.data', h('thead', h('tr', ['start', 'end', 'devices', 'vendor', 'note', ''].map((k) => h('th', k ? t('mw.' + k) : '')))),
      h('tbody', ws.map((w) => h('tr', h('td.nowrap', fmtDate(w.start)), h('td.nowrap', fmtDate(w.end)),
        h('td.mono', (w.devices || []).join(', ') || t('mw.all_devices')), h('td', w.vendor || ''), h('td', w.note || ''),
        h('td', ctx.isAdmin ? h('button.link', { type: 'button', onclick: async () => {
          try { await api('DELETE', `/maintenance/${encodeURIComponent(w.id)}`); loadWindows(); } catch (e) { ctx.toast(e.message, 'error'); }
        } }, t('common.delete')) : null))))) : h('p.muted', t('alerts.mw_none')));
  }

  function maintenanceForm(a) {
    if (!ctx.isAdmin) { mount(mwForm); return; }
    const devs = a && a.evidence ? [a.evidence.client, a.evidence.server].filter((x) => typeof x === 'string') : [];
    const start = h('input', { type: 'datetime-local', name: 'start', required: true, value: toLocalInput(a ? a.first_seen || a.time : null) });
    const endIso = a ? a.last_seen || a.time : new Date(Date.now() + 3600e3).toISOString();
    const end = h('input', { type: 'datetime-local', name: 'end', required: true, value: toLocalInput(new Date(new Date(endIso).getTime() + 60e3).toISOString()) });
    const devices = h('input', { type: 'text', name: 'devices', value: devs.join(', '), placeholder: '192.168.1.10, 192.168.1.11' });
    const vendor = h('input', { type: 'text', name: 'vendor', maxlength: 250 });
    const note = h('input', { type: 'text', name: 'note', maxlength: 250, value: a ? tx(a.title).slice(0, 200) : '' });
    mount(mwForm, h('form.edit', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/maintenance', { start: new Date(start.value).toISOString(), end: new Date(end.value).toISOString(),
          devices: devices.value.split(/[\s,]+/).filter(Boolean).join(', '), vendor: vendor.value.trim() || null, note: note.value.trim() || null });
        ctx.toast(t('alerts.mw_added'), 'ok');
        mount(mwForm);
        loadWindows();
      } catch (err) { ctx.toast(err.message, 'error'); }
    } },
    a ? h('p.wide', t('alerts.mw_from_alert')) : null,
    h('label', t('mw.start'), start), h('label', t('mw.end'), end), h('label', t('mw.devices'), devices),
    h('label', t('mw.vendor'), vendor), h('label.wide', t('mw.note'), note),
    h('div.formbtns', h('button.primary', { type: 'submit' }, t('common.add')), h('button', { type: 'button', onclick: () => mount(mwForm) }, t('common.cancel')))));
    mwForm.scrollIntoView({ block: 'nearest' });
  }

  root.append(
    h('div.pagehead', h('h1', t('page.alerts')), count, h('div.tools.noprint', h('a.button', { href: '/changes', 'data-link': true }, t('page.changes')))),
    h('div.filters.noprint', sevSel, statSel, typeIn),
    h('div.split', h('div', list, pager), detail),
    h('div.card', { id: 'maintenance' }, h('h2', t('alerts.maintenance')), h('p.lead', t('alerts.mw_lead')), mwList,
      ctx.isAdmin ? h('button', { type: 'button', class: 'noprint', onclick: () => maintenanceForm(null) }, t('alerts.mw_add')) : null, mwForm));
  await load();
  loadWindows();
}
