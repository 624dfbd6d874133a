// zones.js - the zone file (which devices and subnets belong to "office",
// "line 1"...) edited as text next to mieruka's proposal; import errors name the line.
import { h, mount } from '../lib/dom.js';
import { api, get } from '../lib/api.js';
import { t, tx } from '../lib/i18n.js';

export async function render(root, ctx) {
  const z = await get('/zones');
  const zoneTable = (z.zones || []).length ? h('table.data', h('thead', h('tr', h('th', t('zones.zone')), h('th', t('zones.devices')))),
    h('tbody', z.zones.map((x) => h('tr', h('td', h('a', { href: `/assets?zone=${encodeURIComponent(x.id || x.name)}`, 'data-link': true }, x.name || x.id)), h('td.num', String(x.assets ?? '')))))) : null;
  const text = h('textarea.code', { name: 'zones', rows: 22, spellcheck: 'false', 'aria-label': t('zones.editor'), readonly: !ctx.isAdmin });
  text.value = z.text || '';
  const proposal = h('textarea.code', { rows: 22, readonly: true, spellcheck: 'false', 'aria-label': t('zones.proposal') });
  proposal.value = z.proposal || '';
  const errors = h('div.errors', { role: 'alert' });
  const lineNo = (n) => {
    // select the bad line so the user sees it
    const lines = text.value.split('\n');
    const start = lines.slice(0, n - 1).join('\n').length + (n > 1 ? 1 : 0);
    text.focus();
    text.setSelectionRange(start, start + (lines[n - 1] || '').length);
  };
  const save = async () => {
    mount(errors);
    try {
      await api('PUT', '/zones', { text: text.value });
      ctx.toast(t('zones.saved'), 'ok');
    } catch (e) {
      const err = (e.body && e.body.error) || {};
      const line = err.line ?? (e.body && e.body.line);
      mount(errors, h('p.error', line ? h('button.link', { type: 'button', onclick: () => lineNo(line) }, t('zones.line', { n: line })) : null, ' ',
        err.message ? tx(err.message) : e.message, err.reason ? ` (${err.reason})` : ''));
    }
  };
  root.append(h('h1', t('page.zones')), h('p.lead', t('zones.lead')),
    zoneTable ? h('div.card', h('h2', t('zones.current')), zoneTable) : null,
    h('div.grid2',
      h('div.card', h('h2', t('zones.editor')), text, errors,
        ctx.isAdmin ? h('div.formbtns', h('button.primary', { type: 'button', id: 'zones-save', onclick: save }, t('zones.import'))) : null),
      h('div.card', h('h2', t('zones.proposal')), h('p.muted', t('zones.proposal_lead')), proposal,
        ctx.isAdmin ? h('div.formbtns', h('button', { type: 'button', onclick: () => { text.value = proposal.value; } }, t('zones.use_proposal'))) : null)),
    h('details.help', h('summary', t('zones.help_title')), h('pre.code', t('zones.help'))));
}
