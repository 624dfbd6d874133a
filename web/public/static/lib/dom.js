// dom.js - building the page with DOM APIs only. Every string passes through
// textContent or setAttribute: names from the network may be hostile, so
// nothing here ever parses HTML (no innerHTML, no insertAdjacentHTML).

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else if (k instanceof Node) el.appendChild(k);
    else el.appendChild(document.createTextNode(String(k)));
  }
}

function setAttrs(el, attrs) {
  for (const [key, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (key === 'dataset') Object.assign(el.dataset, v);
    else if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') el[key] = v;
    else if (key === 'href' && typeof v === 'string' && /^\s*javascript:/i.test(v)) continue;
    else el.setAttribute(key, v === true ? '' : String(v));
  }
}

/** h('tag.class', {attrs}, ...children): an element; strings become text nodes. */
export function h(spec, attrs, ...kids) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (attrs instanceof Node || Array.isArray(attrs) || typeof attrs !== 'object')) {
    kids.unshift(attrs);
    attrs = null;
  }
  setAttrs(el, attrs);
  if (classes.length && attrs && attrs.class) el.className = classes.join(' ') + ' ' + el.className;
  append(el, kids);
  return el;
}

/** s('rect', {x: 1}): an SVG element. */
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  append(el, kids);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...kids) {
  clear(el);
  append(el, kids);
  return el;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + u[i];
}

export function fmtInt(n, lang) {
  if (n === null || n === undefined) return '';
  return Number(n).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB');
}

/** Download a Blob as a file (CSV, PNG, SVG) without leaving the page. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, class: 'hidden' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** CSV text (RFC 4180) with a UTF-8 BOM so Excel reads Japanese correctly. */
export function csvBlob(rows) {
  const cell = (v) => {
    let t = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    // A leading = + - @ would be a formula in a spreadsheet: keep it text.
    if (/^[=+\-@\t\r]/.test(t)) t = "'" + t;
    return /[",\r\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  };
  const text = rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
  return new Blob(['\uFEFF' + text], { type: 'text/csv;charset=utf-8' });
}
