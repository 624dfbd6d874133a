// api.js - the JSON API client: CSRF token on every state change, errors in
// the shape {"error":{"code","message":{"en","ja"}}} turned into ApiError.
import { tx } from './i18n.js';

let csrf = '';

export class ApiError extends Error {
  constructor(status, body) {
    const msg = body && body.error ? tx(body.error.message) || body.error.code : `HTTP ${status}`;
    super(msg);
    this.status = status;
    this.code = body && body.error ? body.error.code : null;
    this.body = body;
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

export async function api(method, path, body, extraHeaders) {
  const headers = { Accept: 'application/json', ...(extraHeaders || {}) };
  const opts = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined && body !== null) {
    if (body instanceof Blob || body instanceof ArrayBuffer) {
      opts.body = body;
      headers['Content-Type'] = headers['Content-Type'] || 'application/octet-stream';
    } else {
      opts.body = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  const r = await fetch('/api/v1' + path, opts);
  if (r.status === 204) return null;
  let data = null;
  const ct = r.headers.get('Content-Type') || '';
  if (ct.includes('json')) data = await r.json().catch(() => null);
  if (!r.ok) {
    if (r.status === 401 && !path.startsWith('/session') && !path.startsWith('/setup')) {
      window.dispatchEvent(new CustomEvent('mieruka:unauthorized'));
    }
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (p) => api('GET', p);

/** '/assets' + {q:'x', role:''} -> '/assets?q=x' (empty values dropped). */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** All items of a paged list (for CSV export), at most cap items. */
export async function getAll(path, params, cap = 100000) {
  const items = [];
  let offset = 0;
  for (;;) {
    const page = await get(withQuery(path, { ...params, limit: 1000, offset }));
    items.push(...page.items);
    offset += page.items.length;
    if (!page.items.length || offset >= page.total || items.length >= cap) break;
  }
  return items;
}

export function getCsrf() {
  return csrf;
}

/** POST a file with upload progress (XHR: fetch has no upload progress). */
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', '/api/v1' + path);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.setRequestHeader('X-Filename', encodeURIComponent(file.name));
    x.setRequestHeader('Accept', 'application/json');
    x.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    x.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch (e) { /* not json */ }
      if (x.status >= 200 && x.status < 300) resolve(body);
      else reject(new ApiError(x.status, body));
    });
    x.addEventListener('error', () => reject(new ApiError(0, null)));
    x.send(file);
  });
}
