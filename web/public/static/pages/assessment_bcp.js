// assessment_bcp.js - step 6 of the assessment wizard: the cyber-BCP over the
// six steps of JNSA's IT-BCP (data/kb/bcp.kb). The form is drawn from the
// template's fields (text, number, date, bool, choice, asset, tables of
// them); the entries are the JSON object of docs/ASSESSMENT.md "Cyber-BCP",
// saved whole (PUT /api/v1/assessment/bcp) a moment after each change. What
// the network shows (candidate systems, isolation points, the recovery order)
// and the gaps come from the assessment document and follow each save.
import { h, mount } from '../lib/dom.js';
import { api, get, getAll } from '../lib/api.js';
import { t, tx, label } from '../lib/i18n.js';

const SAVE_DELAY = 800;
const LONG_TEXT = new Set(['policy', 'existing_bcp', 'decision_by', 'manual_fallback']);

let assetCache = null;
async function assets() {
  if (!assetCache) {
    assetCache = getAll('/assets', { sort: 'ip' }, 5000).catch(() => []);
  }
  return assetCache;
}

function assetLabel(a) {
  const name = (a.notes && a.notes.name) || (a.hostnames || [])[0] || (a.ips || [])[0] || a.mac || a.id;
  const role = a.roles && a.roles[0] ? label('role', a.roles[0].role) : '';
  const ip = (a.ips || [])[0];
  return [name, ip && ip !== name ? ip : null, role ? `(${role})` : null].filter(Boolean).join(' ');
}

/** The BCP part of the document, whatever the member names: {steps, gaps, systems, ...}. */
function bcpDoc(S) {
  const b = (S.doc && S.doc.bcp) || {};
  return typeof b === 'object' && b !== null ? b : {};
}

export function renderBcp({ S, readOnly }) {
  // the template (steps and their fields, signs, actions, contact kinds, drills) comes with
  // the document's "bcp": bcp.c writes it from data/kb/bcp.kb
  const tpl = bcpDoc(S);
  tpl.steps = tpl.steps || [];
  const box = h('div.bcp');
  const gapsBox = h('div.card.gaps', { id: 'bcp-gaps' });
  const stepNav = h('nav.substeps', { 'aria-label': t('bcpw.steps') });
  const stepBox = h('div.bcpstep');
  const status = h('span.savestate', { id: 'bcp-status', role: 'status', 'aria-live': 'polite' });
  const st = { E: null, step: 0, timer: null, saving: false, dirty: false, error: null };


  function showStatus() {
    box.dataset.state = st.saving || st.dirty ? 'saving' : st.error ? 'error' : 'saved';
    if (readOnly) { mount(status); return; }
    if (st.error) mount(status, h('span.error', st.error));
    else if (st.saving || st.dirty) mount(status, h('span.muted', t('assess.saving')));
    else mount(status, h('span.ok', t('bcpw.saved')));
  }
  function changed() {
    if (readOnly) return;
    st.dirty = true;
    showStatus();
    clearTimeout(st.timer);
    st.timer = setTimeout(save, SAVE_DELAY);
  }
  async function save() {
    clearTimeout(st.timer);
    if (st.saving) { st.timer = setTimeout(save, SAVE_DELAY); return; }
    if (!st.dirty) return;
    st.saving = true;
    st.dirty = false;
    showStatus();
    try {
      await api('PUT', '/assessment/bcp', st.E);
      st.error = null;
      const fresh = await get('/assessment');
      S.doc = fresh;
      drawDerived();
    } catch (e) {
      st.error = e.message;
      if (e.status !== 400) st.dirty = true; // kept: saved again on the next change
    } finally {
      st.saving = false;
      showStatus();
    }
  }

  // ---- values by member path ----
  const isEmpty = (v) => v === undefined || v === null || v === '';
  function setIn(obj, name, v) {
    if (isEmpty(v)) delete obj[name];
    else obj[name] = v;
  }

  /** The object a top-level field's value lives in ("company.name" -> E.company). */
  function parentOf(f) {
    const parts = f.id.split('.');
    let o = st.E;
    for (const k of parts.slice(0, -1)) {
      if (!o[k] || typeof o[k] !== 'object' || Array.isArray(o[k])) o[k] = {};
      o = o[k];
    }
    return o;
  }

  function fieldInput(f, obj, onChange) {
    const name = f.name || f.id.split('.').pop();
    const cur = obj[name];
    const label = tx(f.label);
    const set = (v) => { setIn(obj, name, v); changed(); if (onChange) onChange(v); };
    let input;
    switch (f.kind) {
      case 'number':
        input = h('input', { type: 'number', min: 0, step: 'any', value: cur ?? '', name: f.id, readonly: readOnly });
        input.addEventListener('input', () => set(input.value === '' ? null : Number(input.value)));
        break;
      case 'date':
        input = h('input', { type: 'date', value: cur || '', name: f.id, readonly: readOnly });
        input.addEventListener('change', () => set(input.value || null));
        break;
      case 'bool':
        input = h('input', { type: 'checkbox', checked: !!cur, name: f.id, disabled: readOnly });
        input.addEventListener('change', () => set(input.checked));
        return h('label.check.field', input, label, f.help && tx(f.help) ? h('span.muted', ' — ', tx(f.help)) : null);
      case 'choice':
        input = h('select', { name: f.id, disabled: readOnly }, h('option', { value: '' }, t('bcpw.choose')),
          (f.choices || []).map((c) => h('option', { value: c.id, selected: c.id === cur }, tx(c.name))));
        input.addEventListener('change', () => set(input.value || null));
        break;
      case 'asset': {
        input = h('select', { name: f.id, disabled: readOnly }, h('option', { value: '' }, t('bcpw.no_asset')),
          cur ? h('option', { value: cur, selected: true }, cur) : null);
        assets().then((list) => {
          mount(input, h('option', { value: '' }, t('bcpw.no_asset')),
            list.map((a) => h('option', { value: a.id, selected: a.id === cur }, assetLabel(a))));
          if (cur && !list.some((a) => a.id === cur)) input.append(h('option', { value: cur, selected: true }, cur));
        });
        input.addEventListener('change', async () => {
          const list = await assets();
          const a = list.find((x) => x.id === input.value);
          setIn(obj, name, input.value || null);
          if (a && isEmpty(obj.name)) {
            obj.name = assetLabel(a);
            const nameIn = input.closest('.row') && input.closest('.row').querySelector('input[name$=".name"]');
            if (nameIn) nameIn.value = obj.name;
          }
          changed();
        });
        break;
      }
      case 'list': {
        input = h('textarea', { rows: 3, name: f.id, readonly: readOnly });
        input.value = Array.isArray(cur) ? cur.join('\n') : '';
        input.addEventListener('input', () => set(input.value.split('\n').map((x) => x.trim()).filter(Boolean)));
        break;
      }
      case 'table':
        return tableField(f, obj);
      default:
        if (LONG_TEXT.has(name)) {
          input = h('textarea', { rows: 3, name: f.id, maxlength: 4000, readonly: readOnly });
          input.value = cur || '';
        } else {
          input = h('input', { type: 'text', name: f.id, maxlength: 500, value: cur || '', readonly: readOnly });
        }
        input.addEventListener('input', () => set(input.value));
    }
    return h('label.field', { class: f.kind === 'text' && LONG_TEXT.has(name) ? 'wide' : null }, h('span.flabel', label), input,
      f.help && tx(f.help) ? h('span.muted.fhelp', tx(f.help)) : null);
  }

  function tableField(f, obj) {
    const name = f.name || f.id.split('.').pop();
    if (!Array.isArray(obj[name])) obj[name] = [];
    const rows = obj[name];
    const list = h('div.rows');
    const drawRows = () => {
      mount(list, rows.length ? rows.map((row, i) => h('fieldset.row', { dataset: { table: f.id, index: String(i) } },
        h('legend', `${tx(f.label)} ${i + 1}`),
        h('div.fields', (f.columns || []).map((c) => fieldInput(c, row))),
        readOnly ? null : h('button.link.remove', { type: 'button', onclick: () => { rows.splice(i, 1); drawRows(); changed(); } }, t('bcpw.remove'))))
        : h('p.muted', t('bcpw.none_yet')));
    };
    drawRows();
    return h('div.table.wide', { dataset: { field: f.id } },
      h('h4', tx(f.label)), f.help && tx(f.help) ? h('p.muted', tx(f.help)) : null,
      list,
      readOnly ? null : h('button', { type: 'button', class: 'add', dataset: { table: f.id }, onclick: () => {
        const row = {};
        if (name === 'systems') row.critical = true;
        rows.push(row);
        drawRows();
        changed();
      } }, '+ ', t('bcpw.add_row', { what: tx(f.label) })));
  }

  // ---- the network's part and the gaps ----
  const derived = h('div.derived');
  function drawGaps() {
    const gaps = bcpDoc(S).gaps || [];
    mount(gapsBox, h('h3', t('bcpw.gaps'), ' ', h('span.muted', t('assess.n_items', { n: gaps.length }))),
      gaps.length ? h('ul.gaplist', gaps.map((g) => h('li', { class: 'sevborder-' + (g.severity || 'low'), dataset: { gap: g.id || g.rule || '' } },
        h('span', { class: 'sev sev-' + (g.severity || 'low') }, t(`bcpw.sev_${g.severity || 'low'}`)), ' ', tx(g.text)))) : h('p.ok', t('bcpw.no_gaps')));
  }
  function candidates() {
    const b = bcpDoc(S);
    const entered = new Set(((st.E && st.E.systems) || []).map((x) => x.asset).filter(Boolean));
    return (b.systems || []).filter((x) => !x.entered && x.asset && !entered.has(x.asset));
  }
  function drawDerived() {
    drawGaps();
    const id = (tpl.steps[st.step] || {}).id;
    const b = bcpDoc(S); // the fresh document's: derived parts follow each save
    const parts = [];
    if (id === 'prepare') {
      const cands = candidates();
      parts.push(h('div.card', h('h4', t('bcpw.candidates')), h('p.muted', t('bcpw.candidates_lead')),
        cands.length ? h('ul.cands', cands.map((c) => h('li', { dataset: { asset: c.asset } }, h('strong', c.name || c.asset), ' ',
          c.address && c.address !== c.name ? h('span.mono', c.address, ' ') : null,
          c.role ? h('span.tag', label('role', c.role)) : null, ' ',
          readOnly ? null : h('button', { type: 'button', class: 'add-candidate', onclick: () => {
            st.E.systems = st.E.systems || [];
            st.E.systems.push({ asset: c.asset, name: c.name || c.asset, critical: true });
            drawStep();
            changed();
          } }, t('bcpw.add'))))) : h('p.muted', t('bcpw.no_candidates'))));
    }
    if (id === 'flow' || id === 'prepare') {
      const order = b.recovery_order || [];
      parts.push(h('div.card', h('h4', t('bcpw.recovery_order')), h('p.muted', t('bcpw.recovery_lead')),
        order.length ? h('ol.recovery', { id: 'bcp-recovery' }, order.map((o) => h('li', { dataset: { asset: o.asset || '' } }, o.name || o.asset || '',
          o.role ? h('span.tag', label('role', o.role)) : null,
          o.cycle ? h('span.muted', ' ', t('bcpw.cycle')) : null))) : h('p.muted', t('bcpw.no_order'))));
    }
    if (id === 'flow') {
      const iso = (b.isolation_points || []).filter((x) => x.kind !== 'entered');
      const where = (x) => (x.zones ? x.zones.map((z) => z.name || z.id).join(' ⇔ ') : [x.name, x.address !== x.name ? x.address : null].filter(Boolean).join(' '));
      parts.push(h('div.card', h('h4', t('bcpw.iso_candidates')),
        iso.length ? h('ul', iso.map((x) => h('li', where(x), x.role ? h('span.tag', label('role', x.role)) : null, ' ',
          readOnly ? null : h('button', { type: 'button', class: 'add-iso', onclick: () => {
            st.E.isolation_points = st.E.isolation_points || [];
            st.E.isolation_points.push(x.zones ? { where: where(x) } : { device: where(x) });
            drawStep();
            changed();
          } }, t('bcpw.add'))))) : h('p.muted', t('bcpw.none_yet'))));
      const phases = ['first', 'continuity', 'recovery', 'after'];
      parts.push(h('div.card', h('h4', t('bcpw.actions')), phases.map((ph) => {
        const acts = (b.actions || []).filter((a) => a.phase === ph);
        return acts.length ? [h('h5', t(`bcpw.phase_${ph}`)), h('ol', acts.map((a) => h('li', tx(a.text))))] : null;
      })));
    }
    if (id === 'criteria') {
      const kinds = ['cyber', 'fault'];
      parts.push(h('div.grid2', kinds.map((k) => h('div.card', h('h4', t(`bcpw.signs_${k}`)),
        h('ul', (b.signs || []).filter((x) => x.kind === k).map((x) => h('li', tx(x.text),
          x.seen ? h('span.flag', ' ', t('bcpw.sign_seen', { n: x.seen })) : null)))))));
    }
    if (id === 'drill') {
      parts.push(h('div.card', h('h4', t('bcpw.drill_types')),
        h('ul', (b.drills || []).map((d) => h('li', h('strong', tx(d.name)), d.every_months ? h('span.muted', ' ', t('bcpw.every', { n: d.every_months })) : null, ' ', tx(d.text))))));
    }
    if (id === 'organization') {
      parts.push(h('div.card', h('h4', t('bcpw.contact_kinds')),
        h('ul', (b.contacts || []).map((c) => h('li', h('strong', tx(c.name)), c.required ? h('span.tag', t('bcpw.required')) : null,
          (c.entries || []).length ? h('span.ok', ' ✔') : null, ' ', tx(c.when))))));
    }
    mount(derived, parts);
  }

  function drawStep() {
    const s = tpl.steps[st.step];
    mount(stepNav, tpl.steps.map((x, i) => h('button', { type: 'button', class: ['substep', i === st.step ? 'active' : null], dataset: { bcpStep: x.id },
      'aria-current': i === st.step ? 'step' : null, onclick: () => { st.step = i; drawStep(); } }, `${i + 1}. `, tx(x.title))));
    if (!s) { mount(stepBox, h('p.muted', t('bcpw.no_template'))); return; }
    mount(stepBox, h('h3', `${st.step + 1}. `, tx(s.title)), h('p.lead', tx(s.text)),
      h('div.form.bcpform', (s.fields || []).map((f) => fieldInput(f, parentOf(f)))), derived);
    drawDerived();
  }

  S.bcpHooks = { pending: () => st.dirty || st.saving, flush: save };
  (async () => {
    try {
      st.E = (await get('/assessment/bcp')) || {};
    } catch (e) {
      mount(box, h('p.error', e.message));
      return;
    }
    if (typeof st.E !== 'object' || Array.isArray(st.E)) st.E = {};
    mount(box, h('div.pagehead', h('p.lead', t('bcpw.lead')), h('div.tools', status)), gapsBox, stepNav, stepBox);
    drawStep();
    showStatus();
    box.dataset.ready = '1';
  })();
  return [box];
}
