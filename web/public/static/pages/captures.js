// captures.js - upload a pcap/pcapng from the browser, watch the analysis, and
// the list of captures analysed so far.
import { h, mount, fmtBytes, fmtInt } from '../lib/dom.js';
import { get, upload } from '../lib/api.js';
import { t, tx, fmtDate, getLang } from '../lib/i18n.js';

export async function render(root, ctx) {
  const lang = getLang();
  const list = h('div.tablewrap');
  const status = h('div.upload-status', { role: 'status', 'aria-live': 'polite' });
  const bar = h('progress', { max: 100, value: 0, class: 'hidden' });
  const file = h('input', { type: 'file', name: 'capture', accept: '.pcap,.pcapng,.cap,.gz,application/vnd.tcpdump.pcap' });
  let timer = null;
  let alive = true;

  async function loadList() {
    const r = await get('/captures');
    const items = Array.isArray(r) ? r : r.items || r.captures || [];
    mount(list, items.length ? h('table.data', h('thead', h('tr', ['file', 'packets', 'bytes', 'first', 'last', 'warnings'].map((k) => h('th', t('capture.' + k))))),
      h('tbody', items.map((c) => h('tr', h('td.mono', c.file || c.name || ''), h('td.num', fmtInt(c.packets, lang)), h('td.num', fmtBytes(c.bytes)),
        h('td.nowrap', fmtDate(c.first)), h('td.nowrap', fmtDate(c.last)), h('td', (c.warnings || []).join(' / ')))))) : h('p.muted', t('captures.none')));
  }

  async function poll(job) {
    if (!alive) return;
    try {
      const j = await get(`/captures/jobs/${encodeURIComponent(job)}`);
      bar.value = Math.round(100 * (j.progress || 0));
      if (j.state === 'running') {
        mount(status, t('captures.analysing', { pct: bar.value }));
        timer = setTimeout(() => poll(job), 500);
        return;
      }
      bar.classList.add('hidden');
      if (j.state === 'done') {
        mount(status, h('span.ok', t('captures.done')), ' ', tx(j.message), ' ', h('a', { href: '/', 'data-link': true }, t('nav.overview')));
        status.dataset.state = 'done';
      } else {
        mount(status, h('span.error', t('captures.failed')), ' ', tx(j.message));
        status.dataset.state = 'failed';
      }
      loadList();
    } catch (e) {
      mount(status, h('span.error', e.message));
      status.dataset.state = 'failed';
    }
  }

  const form = h('form.upload', { onsubmit: async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    status.dataset.state = 'uploading';
    bar.classList.remove('hidden');
    bar.value = 0;
    mount(status, t('captures.uploading', { name: f.name }));
    try {
      const r = await upload('/captures', f, (p) => { bar.value = Math.round(100 * p); });
      bar.value = 0;
      mount(status, t('captures.analysing', { pct: 0 }));
      status.dataset.state = 'running';
      poll(r.job);
    } catch (err) {
      bar.classList.add('hidden');
      mount(status, h('span.error', err.message));
      status.dataset.state = 'failed';
    }
  } }, file, h('button.primary', { type: 'submit' }, t('captures.upload')));

  root.append(h('h1', t('page.captures')), h('p.lead', t('captures.lead')),
    ctx.isAdmin ? h('div.card', h('h2', t('captures.upload_title')), form, bar, status) : null,
    h('div.card', h('h2', t('captures.list')), list));
  await loadList();
  return () => { alive = false; clearTimeout(timer); };
}
