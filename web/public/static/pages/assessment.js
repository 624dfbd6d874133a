// assessment.js - the self-assessment wizard (docs/ASSESSMENT.md, docs/API.md
// "Assessment"): 1 which entry points exist (with what the network showed),
// 2 the countermeasures of those in use, 3 the risk per entry point, 4 the
// action plan, 5 the METI and IPA checklists, 6 the cyber-BCP, 7 the report.
// Every answer is saved as soon as it is given (a queue kept in localStorage
// until the server has it, so a lost connection loses nothing); the server
// answers each save with the recomputed assessment, so the results follow.
// Viewers see everything, read-only.
import { h, mount, fmtInt } from '../lib/dom.js';
import { api, get } from '../lib/api.js';
import { t, tx, fmtDate, getLang, label } from '../lib/i18n.js';
import { renderBcp } from './assessment_bcp.js';

const STEPS = ['entry', 'measures', 'risk', 'plan', 'checklists', 'bcp', 'report'];
const USE_VALUES = ['yes', 'no', 'unknown'];
const PENDING_KEY = 'mieruka.assess.pending';
const NOTE_DELAY = 900;
const ANSWER_DELAY = 150;
const LATER_SHOWN = 15;

/** The stored answers of the document as key -> {value, note, by, at}. */
export function answersOf(doc) {
  const out = {};
  const a = doc && doc.answers;
  if (Array.isArray(a)) for (const x of a) { if (x && x.key) out[x.key] = x; }
  else if (a && typeof a === 'object') for (const [k, v] of Object.entries(a)) out[k] = typeof v === 'object' && v !== null ? { key: k, ...v } : { key: k, value: v };
  return out;
}

/** Suggestions of the document by answer key (each: {key, value, evidence, entry}). */
export function suggestionsOf(doc) {
  const out = {};
  const add = (s, entry) => {
    const key = s.question || s.key;
    if (!key) return;
    (out[key] = out[key] || []).push({ key, value: s.answer ?? s.value, evidence: s.evidence || {}, entry });
  };
  for (const ep of (doc && doc.entry_points) || []) for (const s of ep.suggestions || []) add(s, ep.id);
  // suggestions for the measures common to every entry point
  for (const s of (doc && doc.suggestions) || []) add(s, null);
  return out;
}

/** A count that the document gives as a list (of keys, of item numbers) or a number. */
const count = (x) => (Array.isArray(x) ? x.length : typeof x === 'number' ? x : 0);

function indexKb(kb) {
  const by = (arr, k = 'id') => Object.fromEntries((arr || []).map((x) => [x[k], x]));
  return {
    kb,
    ep: by(kb.entry_points), cm: by(kb.countermeasures), answer: by(kb.answers), band: by(kb.bands),
    risk: by(kb.risks), stage: by(kb.stages), type: by(kb.types), cost: by(kb.costs), effort: by(kb.efforts),
    source: by(kb.sources),
  };
}

function pendingLoad() {
  try {
    const p = JSON.parse(localStorage.getItem(PENDING_KEY) || 'null');
    if (p && typeof p === 'object' && p.answers && p.notes) return p;
  } catch (e) { /* broken: start again */ }
  return { answers: {}, notes: {} };
}

function pendingSave(p) {
  try {
    if (!Object.keys(p.answers).length && !Object.keys(p.notes).length) localStorage.removeItem(PENDING_KEY);
    else localStorage.setItem(PENDING_KEY, JSON.stringify(p));
  } catch (e) { /* private mode: the queue still lives in memory */ }
}

export async function render(root, ctx) {
  const [kb, doc] = await Promise.all([get('/assessment/kb'), get('/assessment')]);
  const K = indexKb(kb);
  const readOnly = !ctx.isAdmin;
  const S = {
    doc, answers: answersOf(doc), sugg: suggestionsOf(doc),
    step: Math.min(Math.max(Number(ctx.query.get('step') || 1), 1), STEPS.length),
    refresh: [], pending: pendingLoad(), timer: null, saving: false, lastError: null, savedAt: null,
  };

  // ---- saving as you go ----
  const statusEl = h('span.savestate', { role: 'status', 'aria-live': 'polite' });
  const progressEl = h('div.assess-progress');

  function hasPending() {
    return Object.keys(S.pending.answers).length > 0 || Object.keys(S.pending.notes).length > 0;
  }
  function showStatus() {
    if (readOnly) { mount(statusEl, h('span.muted', t('assess.read_only'))); return; }
    if (S.saving || (hasPending() && !S.lastError)) mount(statusEl, h('span.muted', t('assess.saving')));
    else if (S.lastError) {
      mount(statusEl, h('span.error', S.lastError, ' '),
        hasPending() ? h('button.link', { type: 'button', id: 'assess-retry', onclick: () => { S.lastError = null; flush(); } }, t('assess.retry')) : null);
    } else if (S.savedAt) mount(statusEl, h('span.ok', t('assess.saved_at', { time: fmtDate(S.savedAt.toISOString()) })));
    else mount(statusEl);
    statusEl.dataset.state = S.saving || hasPending() ? (S.lastError ? 'error' : 'saving') : S.lastError ? 'error' : 'saved';
  }
  function schedule(delay) {
    clearTimeout(S.timer);
    S.timer = setTimeout(flush, delay);
    showStatus();
  }
  async function flush() {
    clearTimeout(S.timer);
    if (readOnly || S.saving || !hasPending()) { showStatus(); return; }
    const body = S.pending;
    S.pending = { answers: {}, notes: {} };
    S.saving = true;
    showStatus();
    try {
      const fresh = await api('PUT', '/assessment/answers', body);
      S.lastError = null;
      S.savedAt = new Date();
      if (fresh) applyDoc(fresh);
    } catch (e) {
      if (e.status === 400) {
        // the server named the key: that input is refused, the rest of the batch was not
        // stored either and is sent again without it
        const key = e.body && e.body.error && e.body.error.key;
        if (key) {
          delete body.answers[key];
          delete body.notes[key];
        } else {
          body.answers = {};
          body.notes = {};
        }
        S.lastError = e.message;
        ctx.toast(e.message, 'error');
      } else {
        S.lastError = t('assess.not_saved', { reason: e.message || String(e) });
      }
      // back into the queue, under anything typed since
      S.pending = { answers: { ...body.answers, ...S.pending.answers }, notes: { ...body.notes, ...S.pending.notes } };
      if (e.status === 400 && hasPending()) setTimeout(flush, 50);
    } finally {
      S.saving = false;
      pendingSave(S.pending);
      showStatus();
      if (hasPending() && !S.lastError) schedule(ANSWER_DELAY);
    }
  }
  function setAnswer(key, value, delay = ANSWER_DELAY) {
    if (readOnly) return;
    S.pending.answers[key] = value;
    S.answers[key] = { ...(S.answers[key] || { key }), value };
    pendingSave(S.pending);
    updateProgress();
    schedule(delay);
  }
  function setNote(key, note) {
    if (readOnly) return;
    S.pending.notes[key] = note === '' ? null : note;
    // a note needs an answer: "don't know" until one is given
    if (!S.answers[key] || S.answers[key].value === undefined) {
      const dflt = key.startsWith('use.') || K.cm[key] ? 'unknown' : null;
      if (dflt) setAnswer(key, dflt, NOTE_DELAY);
    }
    S.answers[key] = { ...(S.answers[key] || { key }), note };
    pendingSave(S.pending);
    schedule(NOTE_DELAY);
  }
  function applyDoc(fresh) {
    S.doc = fresh;
    const stored = answersOf(fresh);
    // what is still queued stays as typed
    for (const k of Object.keys(S.pending.answers)) stored[k] = { ...(stored[k] || { key: k }), value: S.pending.answers[k] };
    for (const k of Object.keys(S.pending.notes)) stored[k] = { ...(stored[k] || { key: k }), note: S.pending.notes[k] };
    S.answers = stored;
    S.sugg = suggestionsOf(fresh);
    updateProgress();
    for (const f of S.refresh) f();
  }
  async function reload() {
    applyDoc(await get('/assessment'));
  }

  // ---- what is asked ----
  const value = (key) => (S.answers[key] ? S.answers[key].value : undefined);
  const useOf = (epId) => value('use.' + epId);
  const applicable = (epId) => useOf(epId) !== 'no';
  /** The countermeasure questions in the order of step 2: the common ones,
   *  then each entry point in use with the measures not asked before. */
  function questionGroups() {
    const groups = [];
    const seen = new Set();
    const common = kb.countermeasures.filter((c) => c.all);
    common.forEach((c) => seen.add(c.id));
    for (const ep of kb.entry_points) {
      if (!applicable(ep.id)) continue;
      const cms = ep.countermeasures.map((id) => K.cm[id]).filter((c) => c && !c.all && !seen.has(c.id));
      cms.forEach((c) => seen.add(c.id));
      groups.push({ id: ep.id, ep, cms });
    }
    // the measures for every entry point: asked once, after those of the entry points
    if (common.length) groups.push({ id: 'all', cms: common });
    return groups;
  }
  function updateProgress() {
    const keys = kb.entry_points.map((e) => 'use.' + e.id);
    for (const g of questionGroups()) for (const c of g.cms) keys.push(c.id);
    const answered = keys.filter((k) => value(k) !== undefined).length;
    const unknown = keys.filter((k) => value(k) === undefined || value(k) === 'unknown').length;
    const pct = keys.length ? Math.round((100 * answered) / keys.length) : 0;
    const fill = h('span.fill');
    fill.style.width = pct + '%';
    mount(progressEl,
      h('span.bar', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': keys.length, 'aria-valuenow': answered }, fill),
      h('span.progress-text', { id: 'assess-progress' }, t('assess.progress', { n: fmtInt(answered, getLang()), total: fmtInt(keys.length, getLang()) })),
      unknown ? h('span.muted', t('assess.progress_unknown', { n: fmtInt(unknown, getLang()) })) : null);
    progressEl.dataset.answered = String(answered);
    progressEl.dataset.total = String(keys.length);
  }

  // ---- pieces ----
  function choice(name, options, current, onPick) {
    const group = h('div.choice', { role: 'radiogroup', 'aria-label': name });
    const labels = options.map((o) => {
      const input = h('input', { type: 'radio', name, value: o.id, checked: current === o.id, disabled: readOnly });
      const lab = h('label', { class: ['opt', 'opt-' + o.id, current === o.id ? 'on' : null], title: o.title || null }, input, h('span', o.label));
      input.addEventListener('change', () => {
        labels.forEach((l) => l.classList.toggle('on', l === lab));
        onPick(o.id);
      });
      return lab;
    });
    group.append(...labels);
    group.setValue = (v) => labels.forEach((l) => {
      const on = l.querySelector('input').value === v;
      l.classList.toggle('on', on);
      l.querySelector('input').checked = on;
    });
    return group;
  }

  function noteField(key) {
    const cur = (S.answers[key] && S.answers[key].note) || '';
    const ta = h('textarea', { name: 'note-' + key, rows: 2, maxlength: 2000, placeholder: t('assess.note_placeholder'), readonly: readOnly, 'aria-label': t('assess.note') });
    ta.value = cur;
    ta.addEventListener('input', () => setNote(key, ta.value));
    ta.addEventListener('blur', () => { if (hasPending()) flush(); });
    return h('details.note', { open: cur ? true : null }, h('summary', t('assess.note')), ta);
  }

  function evidenceItems(ev) {
    const items = ev.items || [];
    if (!items.length) return null;
    return h('ul.evlist', items.map((it) => h('li',
      it.asset ? h('a.mono', { href: `/assets/${encodeURIComponent(it.asset)}`, 'data-link': true }, it.address || it.asset) : h('span.mono', it.address || ''),
      it.detail && it.detail !== it.address ? [' — ', it.detail] : null,
      it.first ? h('span.muted', ' ', fmtDate(it.first), it.last && it.last !== it.first ? ` – ${fmtDate(it.last)}` : '') : null)),
    (ev.count || 0) > items.length ? h('li.muted', t('assess.evidence_more', { n: fmtInt(ev.count - items.length, getLang()) })) : null);
  }

  function answerLabel(key, v) {
    if (v === undefined || v === null) return t('assess.unanswered');
    if (key.startsWith('use.')) return t(`assess.use_${v}`);
    return K.answer[v] ? tx(K.answer[v].name) : v;
  }

  /** The evidence suggestions for key: highlighted, with a button that takes the suggested answer. */
  function suggestionBox(key, onConfirm) {
    const box = h('div.suggestions');
    const draw = () => {
      const list = S.sugg[key] || [];
      if (!list.length) { mount(box); box.hidden = true; return; }
      box.hidden = false;
      mount(box, list.map((sg) => {
        const cur = value(key);
        const same = cur === sg.value;
        const ev = sg.evidence || {};
        return h('div.evidence', { dataset: { key, value: String(sg.value), rule: ev.rule || '' } },
          h('h4', t('assess.evidence_title')),
          h('p', tx(ev.text) || ev.rule || ''),
          evidenceItems(ev),
          h('p.suggest', t('assess.suggested', { answer: answerLabel(key, sg.value) }), ' ',
            same ? h('span.ok.confirmed', t('assess.confirmed'))
              : readOnly ? null
                : h('button.primary.confirm', { type: 'button', onclick: () => { setAnswer(key, sg.value); onConfirm(sg.value); draw(); } },
                  cur !== undefined && cur !== 'unknown' ? t('assess.confirm_change') : t('assess.confirm'))),
          !same && cur !== undefined && cur !== 'unknown' ? h('p.muted', t('assess.differs', { answer: answerLabel(key, cur) })) : null);
      }));
    };
    draw();
    S.refresh.push(draw);
    return box;
  }

  function srcNote(o) {
    if (!o) return null;
    const names = (o.sources || []).map((id) => (K.source[id] ? tx(K.source[id].title) : id));
    const unsure = o.confidence === 'M' || o.confidence === 'P';
    return h('p.source', t('assess.source'), ': ', names.join('、') || '—',
      unsure ? h('span.tag.unsure', { title: t(`assess.conf_${o.confidence}`) }, t(`assess.conf_short_${o.confidence}`)) : null);
  }

  // ---- step 1: entry points ----
  function stepEntry() {
    const cards = kb.entry_points.map((ep) => {
      const key = 'use.' + ep.id;
      let pick;
      const ch = choice(key, USE_VALUES.map((v) => ({ id: v, label: t(`assess.use_${v}`) })), useOf(ep.id), (v) => setAnswer(key, v));
      pick = ch;
      return h('article.card.ep-card', { dataset: { ep: ep.id } },
        h('h3', h('span.epno', String(ep.order)), ' ', tx(ep.name), tx(ep.alias) ? h('span.muted', t('assess.alias', { name: tx(ep.alias) })) : null),
        h('p.threat', tx(ep.threat)),
        h('p.question', tx(ep.question)),
        ch,
        suggestionBox(key, (v) => pick.setValue(v)),
        tx(ep.help) ? h('details.help', h('summary', t('assess.more')), h('p', tx(ep.help)), srcNote(ep)) : null,
        noteField(key));
    });
    return [h('p.lead', t('assess.entry_lead')), h('div.epgrid', cards)];
  }

  // ---- step 2: countermeasures ----
  function tags(c) {
    return h('p.tags',
      K.stage[c.stage] ? h('span.tag', { class: 'stage-' + c.stage }, tx(K.stage[c.stage].name)) : null,
      (c.types || []).map((ty) => (K.type[ty] ? h('span.tag', tx(K.type[ty].name)) : null)),
      K.cost[c.cost] ? h('span.tag', { title: t('assess.cost') }, tx(K.cost[c.cost].name)) : null,
      K.effort[c.effort] ? h('span.tag', { title: t('assess.effort') }, tx(K.effort[c.effort].name)) : null);
  }
  function cmWhyHow(c) {
    return h('details.whyhow', h('summary', t('assess.why_how')),
      h('dl.props',
        h('dt', t('assess.why')), h('dd', tx(c.why)),
        h('dt', t('assess.how')), h('dd', tx(c.how)),
        h('dt', t('assess.who')), h('dd', tx(c.who)),
        h('dt', t('assess.check')), h('dd', tx(c.check))),
      srcNote(c));
  }
  function cmQuestion(c, group) {
    const others = (c.entry_points || []).filter((id) => group.ep && id !== group.ep.id && K.ep[id]);
    let pick;
    const ch = choice(c.id, kb.answers.map((a) => ({ id: a.id, label: tx(a.name) })), value(c.id), (v) => setAnswer(c.id, v));
    pick = ch;
    return h('div.cm', { dataset: { cm: c.id } },
      h('h4', tx(c.title)),
      h('p.question', tx(c.question)),
      tags(c),
      others.length ? h('p.muted.also', t('assess.also_for', { names: others.map((id) => tx(K.ep[id].name)).join('、') })) : null,
      ch,
      suggestionBox(c.id, (v) => pick.setValue(v)),
      cmWhyHow(c),
      noteField(c.id));
  }
  function stepMeasures() {
    const groups = questionGroups();
    const sections = groups.map((g, i) => {
      const answered = g.cms.filter((c) => value(c.id) !== undefined).length;
      const title = g.ep ? [h('span.epno', String(g.ep.order)), ' ', tx(g.ep.name)] : t('assess.common_measures');
      const badge = g.ep && useOf(g.ep.id) !== 'yes' ? h('span.tag.unsure', t('assess.use_not_confirmed')) : null;
      // the first group not fully answered is open; the others show their count
      const open = i === groups.findIndex((x) => x.cms.some((c) => value(c.id) === undefined));
      return h('details.card.cmgroup', { open: open || null, dataset: { group: g.id } },
        h('summary', h('strong', title), ' ', badge, h('span.muted', ' ', t('assess.group_count', { n: answered, total: g.cms.length }))),
        g.ep ? null : h('p.muted', t('assess.common_lead')),
        g.cms.length ? g.cms.map((c) => cmQuestion(c, g)) : h('p.muted', t('assess.no_more_measures')));
    });
    return [h('p.lead', t('assess.measures_lead')), h('p.muted', t('assess.answer_scale_lead')),
      h('ul.scale', kb.answers.map((a) => h('li', h('strong', tx(a.name)))),
      ), sections];
  }

  // ---- step 3: risk table ----
  function bandOf(r) {
    if (r.level && K.band[r.level]) return K.band[r.level];
    const bands = [...kb.bands].sort((a, b) => b.min - a.min);
    return bands.find((b) => r.score >= b.min) || null;
  }
  function unknownCount(epId) {
    const ep = K.ep[epId];
    if (!ep) return 0;
    return ep.countermeasures.filter((id) => { const v = value(id); return v === undefined || v === 'unknown'; }).length;
  }
  function heatTable() {
    const byId = Object.fromEntries(((S.doc && S.doc.entry_points) || []).map((e) => [e.id, e]));
    return h('table.data.heat', { id: 'risk-table' },
      h('thead', h('tr', h('th', t('assess.entry_point')), h('th', t('assess.in_use')),
        kb.risks.map((r) => h('th', tx(r.name))), h('th', t('assess.unknown_col')))),
      h('tbody', kb.entry_points.map((ep) => {
        const d = byId[ep.id] || {};
        const app = d.applicable;
        const row = h('tr', { dataset: { ep: ep.id, applicable: String(app) } },
          h('th', h('span.epno', String(ep.order)), ' ', tx(ep.name)),
          h('td', app === false ? t('assess.use_no') : app === true ? t('assess.use_yes')
            : h('span.flag', { title: t('assess.use_unknown_note') }, '⚠ ', t('assess.use_unknown'))));
        if (app === false) {
          row.append(h('td.na', { colspan: kb.risks.length + 1 }, t('assess.not_applicable')));
          return row;
        }
        for (const r of kb.risks) {
          const x = (d.risks || []).find((y) => y.risk === r.id);
          if (!x) { row.append(h('td.none', { title: t('assess.not_a_risk') }, '—')); continue; }
          const b = bandOf(x);
          row.append(h('td', { class: ['cell', b ? 'band-' + b.id : null], dataset: { risk: r.id, score: String(x.score), level: b ? b.id : '' },
            title: t('assess.cell_title', { l: x.likelihood, i: x.impact, s: x.score }) },
          h('strong', b ? tx(b.name) : ''), ' ', h('span.score', String(x.score)),
          h('span.lxi', `${x.likelihood}×${x.impact}`)));
        }
        const u = unknownCount(ep.id);
        row.append(h('td.num', u ? h('span.flag', { title: t('assess.unknown_note') }, '⚠ ', String(u)) : '0'));
        return row;
      })));
  }
  /** The threat likelihood and the impacts of each way in, as the knowledge base says or as
   *  the user set them (answers likelihood.EP, impact.EP.RISK). */
  function adjustTable() {
    const sel = (key, dflt, min) => {
      const cur = value(key) !== undefined ? Number(value(key)) : dflt;
      const el = h('select', { name: key, disabled: readOnly, 'aria-label': key },
        [3, 2, 1, 0].filter((n) => n >= min).map((n) => h('option', { value: String(n), selected: n === cur },
          n === dflt ? t('assess.level_default', { n }) : String(n))));
      el.addEventListener('change', () => setAnswer(key, el.value));
      return el;
    };
    const eps = kb.entry_points.filter((e) => applicable(e.id));
    // redrawn after each save: keep it open while it is being used
    return h('details.card.adjust', { open: S.adjustOpen || null, ontoggle: (ev) => { S.adjustOpen = ev.target.open; } },
      h('summary', t('assess.adjust')),
      h('p.muted', t('assess.adjust_lead')),
      h('div.tablewrap', h('table.data.compact', h('thead', h('tr', h('th', t('assess.entry_point')), h('th', t('assess.threat_level')),
        kb.risks.map((r) => h('th', t('assess.impact_of', { risk: tx(r.name) }))))),
      h('tbody', eps.map((e) => h('tr', h('th', tx(e.name)), h('td', sel('likelihood.' + e.id, e.likelihood, 1)),
        kb.risks.map((r) => h('td', sel(`impact.${e.id}.${r.id}`, e.impact[r.id], 0)))))))));
  }
  function stepRisk() {
    const box = h('div');
    const draw = () => {
      const high = ((S.doc && S.doc.entry_points) || []).filter((e) => (e.risks || []).some((r) => bandOf(r) && bandOf(r).id === kb.bands[0].id)).length;
      mount(box,
        h('div.kpis',
          h('div.kpi', h('span.kpi-num', { id: 'kpi-high' }, String(high)), t('assess.kpi_high')),
          h('div.kpi', h('span.kpi-num', { id: 'kpi-unknown' }, String(count(S.doc.unknown_answers))), t('assess.kpi_unknown'))),
        h('div.tablewrap', heatTable()),
        adjustTable(),
        h('div.card.legend-bands', h('h3', t('assess.bands')),
          h('ul', kb.bands.map((b) => h('li', h('span', { class: 'bandchip band-' + b.id }, tx(b.name)), ' ',
            t('assess.band_min', { n: b.min }), ' — ', tx(b.action)))),
          h('p.muted', t('assess.score_explain'))));
    };
    draw();
    S.refresh.push(draw);
    return [h('p.lead', t('assess.risk_lead')), box];
  }

  // ---- step 4: the plan ----
  function planItem(p) {
    const c = K.cm[p.countermeasure] || {};
    const get2 = (k) => (p[k] !== undefined && p[k] !== null ? p[k] : c[k]);
    return h('li.planitem', { dataset: { cm: p.countermeasure, progress: p.progress || '' } },
      h('h4', tx(get2('title')),
        // new / still open: only once a run was recorded to compare with
        p.progress && S.doc.previous ? h('span', { class: 'tag progress-' + p.progress }, t(`assess.progress_${p.progress}`)) : null),
      h('p.tags',
        p.risk_reduced > 0 ? h('span.tag.reduce', { title: t('assess.risk_reduced_title') }, t('assess.risk_reduced', { n: p.risk_reduced })) : null,
        K.stage[get2('stage')] ? h('span.tag', tx(K.stage[get2('stage')].name)) : null,
        K.cost[get2('cost')] ? h('span.tag', { title: t('assess.cost') }, tx(K.cost[get2('cost')].name)) : null,
        K.effort[get2('effort')] ? h('span.tag', { title: t('assess.effort') }, tx(K.effort[get2('effort')].name)) : null,
        h('span.tag', t('assess.now_answer'), ': ', answerLabel(p.countermeasure, p.answer ?? value(p.countermeasure)))),
      h('p.muted.small', t('assess.for_entry_points'), ': ', (p.entry_points || c.entry_points || []).map((id) => (K.ep[id] ? tx(K.ep[id].name) : id)).join('、')),
      h('details.whyhow', h('summary', t('assess.why_how')),
        h('dl.props',
          h('dt', t('assess.why')), h('dd', tx(get2('why'))),
          h('dt', t('assess.how')), h('dd', tx(get2('how'))),
          h('dt', t('assess.who')), h('dd', tx(get2('who'))),
          h('dt', t('assess.check')), h('dd', tx(get2('check'))))));
  }
  function recordButton() {
    if (readOnly) return null;
    return h('button.primary', { type: 'button', id: 'assess-record', onclick: async (e) => {
      e.target.disabled = true;
      try {
        await flush();
        const r = await api('POST', '/assessment/runs', {});
        ctx.toast(t('assess.recorded', { time: fmtDate(r.recorded) }), 'ok');
        await reload();
      } catch (err) { ctx.toast(err.message, 'error'); } finally { e.target.disabled = false; }
    } }, t('assess.record'));
  }
  function stepPlan() {
    const box = h('div');
    const draw = () => {
      const plan = S.doc.plan || [];
      const week = plan.filter((p) => p.this_week);
      const later = plan.filter((p) => !p.this_week);
      const done = S.doc.done_since || [];
      mount(box,
        h('p.meta', S.doc.previous ? t('assess.previous', { time: fmtDate(S.doc.previous) }) : t('assess.no_previous'), ' ', recordButton()),
        done.length ? h('div.card.done', h('h3', t('assess.done_since')), h('ul', done.map((d) => {
          const id = typeof d === 'string' ? d : d.countermeasure || d.id;
          return h('li', { dataset: { cm: id } }, '✔ ', K.cm[id] ? tx(K.cm[id].title) : tx(d.title) || id);
        }))) : null,
        h('div.card', h('h3', t('assess.this_week'), h('span.muted', ' ', t('assess.n_items', { n: week.length }))),
          h('p.muted', t('assess.this_week_lead')),
          week.length ? h('ol.plan', { id: 'plan-week' }, week.map(planItem)) : h('p.muted', t('assess.plan_none'))),
        h('div.card', h('h3', t('assess.later'), h('span.muted', ' ', t('assess.n_items', { n: later.length }))),
          later.length ? h('ol.plan', { id: 'plan-later' }, (S.showAll ? later : later.slice(0, LATER_SHOWN)).map(planItem)) : h('p.muted', t('assess.plan_none')),
          !S.showAll && later.length > LATER_SHOWN ? h('button', { type: 'button', id: 'plan-all', onclick: () => { S.showAll = true; draw(); } },
            t('assess.show_all', { n: later.length })) : null));
    };
    draw();
    S.refresh.push(draw);
    return [h('p.lead', t('assess.plan_lead')), box];
  }

  // ---- step 5: checklists ----
  const rankName = (x, list) => {
    if (x === null || x === undefined) return '—';
    if (typeof x === 'object') return tx(x.name) || x.id || '—';
    const r = (list || []).find((y) => y.id === x);
    return r ? tx(r.name) : String(x);
  };
  function stepChecklists() {
    const box = h('div');
    const draw = () => {
      const c = S.doc.checklists || {};
      const meti = c.meti || {};
      const ipa = c.ipa25 || {};
      const cats = meti.categories || [];
      const catName = (id) => { const x = (kb.meti.categories || []).find((y) => y.id === id); return x ? tx(x.name) : id; };
      const metiItems = meti.items || [];
      const ipaItems = ipa.items || [];
      const metiTitle = (it) => tx(it.title) || tx(((kb.meti.items || []).find((y) => y.id === it.id) || {}).title);
      const ipaTitle = (it) => tx(it.title) || tx(((kb.ipa25.items || []).find((y) => y.no === it.no) || {}).title);
      mount(box,
        h('div.card', { id: 'meti' }, h('h3', t('assess.meti_title')), h('p.muted', t('assess.meti_lead')),
          h('div.kpis', h('div.kpi', h('span.kpi-num', { id: 'meti-score' }, meti.score ?? '—'), t('assess.meti_total')),
            h('div.kpi', h('span.kpi-num', { id: 'meti-rank' }, rankName(meti.rank, kb.meti.ranks)), t('assess.meti_rank'))),
          meti.score === null || meti.score === undefined ? h('p.muted', t('assess.meti_not_scored')) : null,
          cats.length ? h('table.data.compact', h('thead', h('tr', h('th', t('assess.category')), h('th', t('assess.score')))),
            h('tbody', cats.map((x) => h('tr', h('td', tx(x.name) || catName(x.id)), h('td.num', x.score === null || x.score === undefined || x.score < 0 ? t('assess.not_scored') : String(Math.round(x.score))))))) : null,
          h('details', h('summary', t('assess.items', { n: metiItems.length })),
            h('table.data.compact', h('thead', h('tr', h('th', 'ID'), h('th', t('assess.item')), h('th', t('assess.priority')), h('th', t('assess.level')))),
              h('tbody', metiItems.map((it) => h('tr', h('td.mono', it.id), h('td', metiTitle(it)), h('td.num', String(it.priority ?? '')),
                h('td', it.answer ? answerLabel('x', it.answer) : t('assess.not_answered'), it.flagged ? h('span.flag', { title: t('assess.unknown_note') }, ' ⚠') : null))))))),
        h('div.card', { id: 'ipa25' }, h('h3', t('assess.ipa_title')), h('p.muted', t('assess.ipa_lead')),
          h('div.kpis', h('div.kpi', h('span.kpi-num', { id: 'ipa-score' }, ipa.score ?? '—'), t('assess.ipa_total')),
            h('div.kpi', h('span.kpi-text', { id: 'ipa-band' }, rankName(ipa.band, kb.ipa25.bands)), ' ', t('assess.ipa_band'))),
          ipa.na_counted_as_done ? h('p.muted', t('assess.ipa_na_note')) : null,
          count(ipa.unknown) ? h('p.flag', '⚠ ', t('assess.ipa_unknown', { n: count(ipa.unknown) })) : null,
          h('table.data.compact', h('thead', h('tr', h('th', 'No.'), h('th', t('assess.item')), h('th', t('assess.points')))),
            h('tbody', ipaItems.map((it) => h('tr', { class: it.points < 0 ? 'flagged' : null }, h('td.num', String(it.no)), h('td', ipaTitle(it)),
              h('td.num', String(it.points), it.na ? h('span.muted', ' ', t('assess.na_counted')) : null)))))));
    };
    draw();
    S.refresh.push(draw);
    return [h('p.lead', t('assess.checklists_lead')), box];
  }

  // ---- step 7: report ----
  function stepReport() {
    const langSel = h('select', { name: 'report-lang', 'aria-label': t('assess.report_lang') },
      h('option', { value: 'ja', selected: getLang() === 'ja' }, '日本語'), h('option', { value: 'en', selected: getLang() === 'en' }, 'English'));
    const links = h('ul.reportlinks');
    const draw = () => {
      const l = encodeURIComponent(langSel.value);
      const base = '/api/v1/assessment/';
      mount(links,
        h('li', h('a.button', { href: `${base}report.html?lang=${l}`, target: '_blank', rel: 'noopener', id: 'report-view' }, t('assess.report_view')),
          ' ', h('a', { href: `${base}report.html?lang=${l}&download=1`, download: '', id: 'report-html' }, t('assess.report_html'))),
        h('li', h('a.button', { href: `${base}report.pdf?lang=${l}`, download: '', id: 'report-pdf',
          onclick: () => ctx.toast(t('assess.pdf_making')) }, t('assess.report_pdf')), ' ', h('span.muted', t('assess.report_pdf_note'))),
        h('li', h('a.button', { href: `${base}report.md?lang=${l}`, download: '', id: 'report-md' }, t('assess.report_md'))),
        h('li', h('a.button', { href: `${base}plan.csv?lang=${l}`, download: '', id: 'report-csv' }, t('assess.report_csv'))));
    };
    langSel.addEventListener('change', draw);
    draw();
    const prev = h('p', { id: 'assess-previous' });
    const drawPrev = () => mount(prev, S.doc.previous ? t('assess.previous', { time: fmtDate(S.doc.previous) }) : t('assess.no_previous'));
    drawPrev();
    S.refresh.push(drawPrev);
    return [h('p.lead', t('assess.report_lead')), h('div.card', h('label', t('assess.report_lang'), ' ', langSel), links),
      h('div.card', h('h3', t('assess.record_title')), h('p.muted', t('assess.record_lead')), prev, recordButton())];
  }

  // ---- the frame ----
  const body = h('div.stepbody');
  const nav = h('nav.stepper', { 'aria-label': t('assess.steps') });
  const foot = h('div.stepfoot.noprint');
  function go(n) {
    flush();
    if (bcpPending()) S.bcpHooks.flush();
    S.bcpHooks = null;
    S.step = n;
    history.replaceState(null, '', n === 1 ? '/assessment' : `/assessment?step=${n}`);
    draw();
    window.scrollTo(0, 0);
  }
  function draw() {
    S.refresh = [];
    mount(nav, STEPS.map((id, i) => h('button', { type: 'button', class: ['step', i + 1 === S.step ? 'active' : null], 'aria-current': i + 1 === S.step ? 'step' : null,
      dataset: { step: String(i + 1) }, onclick: () => go(i + 1) }, h('span.stepno', String(i + 1)), ' ', t(`assess.step_${id}`))));
    const id = STEPS[S.step - 1];
    const parts = id === 'entry' ? stepEntry() : id === 'measures' ? stepMeasures() : id === 'risk' ? stepRisk()
      : id === 'plan' ? stepPlan() : id === 'checklists' ? stepChecklists()
        : id === 'bcp' ? renderBcp({ kb, K, S, ctx, readOnly, reload, statusEl }) : stepReport();
    mount(body, h('h2', { id: 'step-title' }, `${S.step}. `, t(`assess.step_${id}`)), parts);
    body.dataset.step = id;
    mount(foot,
      S.step > 1 ? h('button', { type: 'button', onclick: () => go(S.step - 1) }, '← ', t(`assess.step_${STEPS[S.step - 2]}`)) : h('span'),
      S.step < STEPS.length ? h('button.primary', { type: 'button', id: 'step-next', onclick: () => go(S.step + 1) }, t(`assess.step_${STEPS[S.step]}`), ' →') : h('span'));
    updateProgress();
    showStatus();
  }

  const bcpPending = () => !!(S.bcpHooks && S.bcpHooks.pending());
  const onUnload = (e) => {
    if (hasPending() || S.saving || bcpPending()) {
      flush();
      if (S.bcpHooks) S.bcpHooks.flush();
      e.preventDefault();
      e.returnValue = '';
    }
  };
  window.addEventListener('beforeunload', onUnload);

  root.append(...[
    h('div.pagehead', h('h1', t('page.assessment')), h('div.tools', statusEl)),
    h('p.lead', t('assess.lead')),
    readOnly ? h('p.notice', t('assess.viewer_notice')) : null,
    progressEl, nav, body, foot].filter(Boolean));
  draw();
  // answers typed while the server could not be reached last time
  if (hasPending()) flush();

  return () => {
    window.removeEventListener('beforeunload', onUnload);
    if (hasPending()) flush();
    if (bcpPending()) S.bcpHooks.flush();
  };
}
