// i18n.js - Japanese and English. The language comes from localStorage (set in
// the settings page) or else from the browser; dates follow the language.

const dicts = {};
let lang = 'ja';

export function pickLang() {
  const saved = localStorage.getItem('mieruka.lang');
  if (saved === 'ja' || saved === 'en') return saved;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'ja';
  return nav.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export async function loadLang(l) {
  lang = l === 'en' ? 'en' : 'ja';
  if (!dicts[lang]) {
    const r = await fetch(`/static/i18n/${lang}.json`);
    dicts[lang] = r.ok ? await r.json() : {};
  }
  document.documentElement.lang = lang;
  return lang;
}

export function setLang(l) {
  localStorage.setItem('mieruka.lang', l);
  return loadLang(l);
}

export function getLang() {
  return lang;
}

/** t('key', {n: 3}): the text for key with {placeholders} filled in. */
export function t(key, vars) {
  let s = (dicts[lang] && dicts[lang][key]) ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** Picks the current language from an API {"ja":..,"en":..} object. */
export function tx(obj) {
  if (obj === null || obj === undefined) return '';
  if (typeof obj === 'string') return obj;
  return obj[lang] ?? obj.en ?? obj.ja ?? '';
}

const pad = (n) => String(n).padStart(2, '0');

/** 2026年12月7日 09:30 in Japanese, 7 Dec 2026 09:30 in English (local time). */
export function fmtDate(iso, withSeconds) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}` + (withSeconds ? `:${pad(d.getSeconds())}` : '');
  if (lang === 'ja') return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${time}`;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${d.getDate()} ${mon} ${d.getFullYear()} ${time}`;
}

/** Role, severity, status, protocol labels with a fallback to the raw id. */
export function label(kind, id) {
  if (id === null || id === undefined || id === '') return t('common.none');
  const k = `${kind}.${id}`;
  const v = t(k);
  return v === k ? String(id) : v;
}
