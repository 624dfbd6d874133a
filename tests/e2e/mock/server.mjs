// A small stand-in for `mieruka serve`, for developing the UI before the real
// server exists: serves web/public (index.html for every page path), cytoscape
// at /static/vendor/, and answers docs/API.md from a `mieruka analyze --json`
// document. In-memory; no login unless --login (then a first-run setup).
// Usage: node server.mjs --json DOC.json [--port 8099] [--login]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(here, '../../..');
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const doc = JSON.parse(fs.readFileSync(opt('--json'), 'utf8'));
const port = Number(opt('--port', 8099));
const login = args.includes('--login');
const pub = path.join(src, 'web/public');
const vendor = path.join(src, 'web/node_modules/cytoscape/dist/cytoscape.min.js');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const PAGES = /^\/(|assets|assets\/[^/]+|map|alerts|changes|assessment|settings|captures|zones|login|setup)$/;
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8' };
const INDUSTRIAL = new Set(['modbus', 's7comm', 's7comm_plus', 'enip', 'cip', 'dnp3', 'bacnet', 'opcua', 'iec104', 'slmp', 'melsoft', 'fins', 'profinet_dcp', 'profinet_rt']);

let users = {};
const sessions = new Map();
const csrfLocal = crypto.randomBytes(16).toString('hex');
const notes = {};
const windows = [];
let zonesText = '';
const jobs = {};
doc.alerts.forEach((a) => { a.status = a.status || 'open'; });

function send(res, code, body, headers) {
  const h = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY', ...headers };
  if (body !== null && typeof body === 'object' && !(body instanceof Buffer)) {
    h['Content-Type'] = 'application/json; charset=utf-8';
    h['Cache-Control'] = 'no-store';
    body = JSON.stringify(body);
  }
  res.writeHead(code, h);
  res.end(body ?? '');
}
const err = (res, code, c, msg) => send(res, code, { error: { code: c, message: { en: msg, ja: msg } } });
const page = (items, q) => {
  const limit = Math.min(Number(q.get('limit') || 100), 1000), offset = Number(q.get('offset') || 0);
  return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
};
const assetOf = (a) => ({ ...a, notes: notes[a.id] || { name: null, notes: null, criticality: null } });
const addrIndex = () => { const m = new Map(); for (const a of doc.assets) { for (const ip of a.ips) m.set(ip, a.id); if (a.mac) m.set(a.mac, a.id); } return m; };

function readBody(req) {
  return new Promise((resolve) => { const ch = []; req.on('data', (c) => ch.push(c)); req.on('end', () => resolve(Buffer.concat(ch))); });
}

function session(req) {
  const m = /mieruka_session=([0-9a-f]+)/.exec(req.headers.cookie || '');
  return m ? sessions.get(m[1]) : null;
}

async function api(req, res, url) {
  const p = url.pathname.slice(7);
  const q = url.searchParams;
  const s = session(req);
  const me = login ? s : { user: null, role: 'admin', csrf: csrfLocal };
  if (req.method !== 'GET' && !(p === '/session' && req.method === 'POST') && p !== '/setup') {
    if (!me || req.headers['x-csrf-token'] !== me.csrf) return err(res, 403, 'csrf', 'CSRF token missing or wrong');
  }
  const body = req.method === 'GET' ? null : await readBody(req);
  const json = () => { try { return JSON.parse(body.toString('utf8') || '{}'); } catch { return {}; } };
  if (p === '/health') return send(res, 200, { status: 'ok' });
  if (p === '/me') return send(res, 200, { user: me ? me.user : null, role: me ? me.role : null, csrf: me ? me.csrf : null, setup_needed: login && !Object.keys(users).length, login_required: login, lang: 'ja' });
  if (p === '/setup' && req.method === 'POST') {
    if (Object.keys(users).length) return err(res, 409, 'setup_done', 'already set up');
    const b = json();
    if (!b.password || b.password.length < 10) return err(res, 400, 'bad_request', 'password too short');
    users[b.user] = { password: b.password, role: 'admin' };
    const id = crypto.randomBytes(16).toString('hex');
    sessions.set(id, { user: b.user, role: 'admin', csrf: crypto.randomBytes(16).toString('hex') });
    return send(res, 201, { user: b.user, role: 'admin' }, { 'Set-Cookie': `mieruka_session=${id}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (p === '/session' && req.method === 'POST') {
    const b = json();
    const u = users[b.user];
    if (!u || u.password !== b.password) return err(res, 401, 'bad_credentials', 'wrong user name or password');
    const id = crypto.randomBytes(16).toString('hex');
    const sess = { user: b.user, role: u.role, csrf: crypto.randomBytes(16).toString('hex') };
    sessions.set(id, sess);
    return send(res, 200, sess, { 'Set-Cookie': `mieruka_session=${id}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (!me) return err(res, 401, 'login_required', 'login required');
  if (p === '/session' && req.method === 'DELETE') { return send(res, 204, null, { 'Set-Cookie': 'mieruka_session=; Max-Age=0; Path=/' }); }
  if (p === '/overview') {
    // as src/web/api.c: the last 7 days held, by hour, from the first hour with data, gaps as zeros
    const lastWeek = (tr) => {
      if (!tr.length) return [];
      const H = 3600e3, ms = (x) => Date.parse(x.t), last = ms(tr[tr.length - 1]);
      const byT = new Map(tr.filter((x) => ms(x) > last - 168 * H).map((x) => [ms(x), x]));
      const out = [];
      for (let h = Math.min(...byT.keys()); h <= last; h += H)
        out.push(byT.get(h) || { t: new Date(h).toISOString().replace(/\.\d{3}Z$/, '.000000Z'), packets: 0, bytes: 0 });
      return out;
    };
    const byRole = {}, byZone = {}, sev = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const a of doc.assets) { const r = (a.roles[0] || {}).role || 'unknown'; byRole[r] = (byRole[r] || 0) + 1; const z = a.zone || ''; byZone[z] = (byZone[z] || 0) + 1; }
    for (const a of doc.alerts) if (a.status === 'open') sev[a.severity]++;
    const newest = [...doc.assets].sort((x, y) => y.first_seen.localeCompare(x.first_seen)).slice(0, 10).map(assetOf);
    const top = doc.alerts.filter((a) => a.status === 'open' && ['critical', 'high'].includes(a.severity)).slice(0, 3);
    return send(res, 200, { assets: doc.assets.length, assets_by_role: byRole, assets_by_zone: byZone, new_assets: newest, alerts_by_severity: sev,
      traffic: lastWeek(doc.traffic || []), next_actions: top.map((a) => ({ title: a.title, href: `/alerts?id=${a.id}` })), captures: doc.captures.length, baseline: doc.baseline || {} });
  }
  if (p === '/assets') {
    let items = doc.assets.map(assetOf);
    const qs = (q.get('q') || '').toLowerCase();
    if (qs) items = items.filter((a) => JSON.stringify([a.id, a.ips, a.mac, a.vendor, a.hostnames, a.identity]).toLowerCase().includes(qs));
    if (q.get('role')) items = items.filter((a) => a.roles.some((r) => r.role === q.get('role')));
    if (q.get('vendor')) items = items.filter((a) => (a.vendor || '').toLowerCase().includes(q.get('vendor').toLowerCase()));
    if (q.get('protocol')) items = items.filter((a) => [...a.protocols.server, ...a.protocols.client].includes(q.get('protocol')));
    if (q.get('zone')) items = items.filter((a) => (a.zone || 'none') === q.get('zone'));
    const sort = q.get('sort') || 'id', desc = sort.startsWith('-'), k = sort.replace('-', '');
    const key = (a) => (k === 'ip' ? (a.ips[0] || '').split('.').map((x) => x.padStart(3, '0')).join('.') : k === 'role' ? (a.roles[0] || {}).role || '' : a[k] ?? '');
    items.sort((x, y) => { const a = key(x), b = key(y); const c = typeof a === 'number' ? a - b : String(a).localeCompare(String(b)); return desc ? -c : c; });
    return send(res, 200, page(items, q));
  }
  let m = /^\/assets\/([^/]+)$/.exec(p);
  if (m) {
    const a = doc.assets.find((x) => x.id === decodeURIComponent(m[1]));
    if (!a) return err(res, 404, 'not_found', 'no such asset');
    if (req.method === 'PATCH') {
      const b = json();
      const n = notes[a.id] || (notes[a.id] = { name: null, notes: null, criticality: null });
      for (const k of ['name', 'notes', 'criticality']) if (k in b) n[k] = b[k];
      if ('zone' in b) a.zone = b.zone;
    }
    const addrs = new Set([...a.ips, a.mac]);
    return send(res, 200, { ...assetOf(a), communications: doc.communications.filter((c) => addrs.has(c.client) || addrs.has(c.server)),
      alerts: doc.alerts.filter((x) => x.assets.includes(a.id)), changes: (doc.changes || []).filter((c) => (c.assets || []).includes(a.id)) });
  }
  if (p === '/alerts') {
    let items = doc.alerts;
    for (const k of ['severity', 'status', 'type']) if (q.get(k)) items = items.filter((a) => a[k] === q.get(k));
    if (q.get('asset')) items = items.filter((a) => a.assets.includes(q.get('asset')));
    items = [...items].sort((x, y) => (y.last_seen || y.time).localeCompare(x.last_seen || x.time));
    return send(res, 200, page(items, q));
  }
  m = /^\/alerts\/([^/]+)\/status$/.exec(p);
  if (m && req.method === 'POST') {
    const a = doc.alerts.find((x) => x.id === m[1]);
    if (!a) return err(res, 404, 'not_found', 'no such alert');
    const b = json();
    if (!['open', 'acknowledged', 'planned', 'accepted'].includes(b.status)) return err(res, 400, 'bad_request', 'bad status');
    a.status = b.status; a.status_note = b.note || null;
    return send(res, 200, a);
  }
  if (p === '/changes') return send(res, 200, page((doc.changes || []).filter((c) => !q.get('asset') || (c.assets || []).includes(q.get('asset'))), q));
  if (p === '/maintenance' && req.method === 'GET') return send(res, 200, { items: windows });
  if (p === '/maintenance' && req.method === 'POST') { const b = json(); const w = { id: windows.length + 1, start: b.start, end: b.end, devices: String(b.devices || '').split(/[\s,]+/).filter(Boolean), vendor: b.vendor || null, note: b.note || null, created: new Date().toISOString() }; windows.push(w); return send(res, 201, w); }
  m = /^\/maintenance\/(\d+)$/.exec(p);
  if (m && req.method === 'DELETE') { const i = windows.findIndex((w) => String(w.id) === m[1]); if (i >= 0) windows.splice(i, 1); return send(res, 204, null); }
  if (p === '/zones' && req.method === 'GET') return send(res, 200, { text: zonesText, proposal: 'zone office 事務所\nsubnet office 192.168.1.0/24\n', zones: [] });
  if (p === '/zones' && req.method === 'PUT') {
    const t = json().text || '';
    const bad = t.split('\n').findIndex((l) => l.trim() && !/^(#|zone|subnet|asset|conduit|vlan)\b/.test(l.trim()));
    if (bad >= 0) return send(res, 400, { error: { code: 'bad_zone_file', line: bad + 1, message: { en: 'unknown keyword', ja: '知らない語です' } } });
    zonesText = t; return send(res, 200, { text: t });
  }
  if (p === '/map') {
    const ix = addrIndex();
    const nodes = doc.assets.map((a) => ({ id: a.id, label: a.hostnames[0] || a.ips[0] || a.mac, role: (a.roles[0] || {}).role || 'unknown', zone: a.zone || null, vendor: a.vendor, ips: a.ips }));
    const edges = new Map();
    for (const c of doc.communications) {
      const s = ix.get(c.client), t = ix.get(c.server);
      if (!s || !t || s === t) continue;
      const k = s + '>' + t;
      const e = edges.get(k) || { source: s, target: t, protocols: [], industrial: false, packets: 0, bytes: 0 };
      if (!e.protocols.includes(c.protocol)) e.protocols.push(c.protocol);
      e.industrial ||= INDUSTRIAL.has(c.protocol); e.packets += c.packets; e.bytes += c.bytes;
      edges.set(k, e);
    }
    return send(res, 200, { nodes, edges: [...edges.values()], truncated: false });
  }
  if (p === '/captures' && req.method === 'GET') return send(res, 200, { items: doc.captures });
  if (p === '/captures' && req.method === 'POST') {
    const id = crypto.randomBytes(16).toString('hex');
    const name = decodeURIComponent(req.headers['x-filename'] || 'upload.pcap');
    jobs[id] = { id, file: name, state: 'running', progress: 0, message: null };
    setTimeout(() => { jobs[id].progress = 0.5; }, 300);
    setTimeout(() => { jobs[id] = { id, file: name, state: 'done', progress: 1, message: { en: `${name}: analysed`, ja: `${name}: 解析しました` } }; doc.captures.push({ file: name, packets: 0, bytes: body.length, first: null, last: null, link_types: [], warnings: [] }); }, 900);
    return send(res, 202, { job: id, file: name, bytes: body.length });
  }
  m = /^\/captures\/jobs\/([0-9a-f]+)$/.exec(p);
  if (m) return jobs[m[1]] ? send(res, 200, jobs[m[1]]) : err(res, 404, 'not_found', 'no such job');
  if (p === '/users') return send(res, 200, { items: Object.entries(users).map(([u, v]) => ({ user: u, role: v.role })) });
  return err(res, 404, 'not_found', 'no such API');
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/v1/')) return api(req, res, url).catch((e) => err(res, 500, 'internal', String(e)));
  let file = null;
  if (PAGES.test(url.pathname)) file = path.join(pub, 'index.html');
  else if (url.pathname === '/static/vendor/cytoscape.min.js') file = vendor;
  else if (url.pathname.startsWith('/static/')) {
    file = path.normalize(path.join(pub, url.pathname));
    if (!file.startsWith(pub + path.sep)) file = null;
  }
  if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return send(res, 404, 'not found', { 'Content-Type': 'text/plain' });
  send(res, 200, fs.readFileSync(file), { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
}).listen(port, '127.0.0.1', () => console.log(`mock mieruka on http://127.0.0.1:${port}/`));
