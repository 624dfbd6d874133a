// map.js - the network map with cytoscape (/static/vendor/cytoscape.min.js).
// Devices are grouped by zone or /24 subnet (compound nodes) and laid out as a
// grid per group, groups packed in rows: readable with hundreds of devices and
// computed in one pass (no force simulation). Labels are drawn on the canvas,
// never parsed as HTML.
import { h, s, mount, download } from '../lib/dom.js';
import { get } from '../lib/api.js';
import { t, label, fmtDate } from '../lib/i18n.js';

const INDUSTRIAL = new Set(['modbus', 's7comm', 's7comm_plus', 'enip', 'cip', 'dnp3', 'bacnet', 'opcua', 'iec104', 'profinet_dcp',
  'profinet_rt', 'slmp', 'melsoft', 'fins', 'keyence_kv', 'toyopuc', 'mewtocol', 'cclink_ief_basic', 'iec61850_mms', 'goose', 'ads',
  'hart_ip', 'c37118', 'tristation', 'mqtt']);
const PROTO_COLOURS = { modbus: '#d9480f', s7comm: '#c2255c', s7comm_plus: '#a61e4d', enip: '#7048e8', cip: '#7048e8', dnp3: '#1971c2',
  bacnet: '#0c8599', opcua: '#2f9e44', iec104: '#5f3dc4', slmp: '#e8590c', melsoft: '#f08c00', fins: '#9c36b5', keyence_kv: '#e64980',
  profinet_dcp: '#087f5b', profinet_rt: '#087f5b', mqtt: '#66a80f', http: '#868e96', tls: '#495057', smb: '#364fc7', rdp: '#c92a2a',
  vnc: '#c92a2a', teamviewer: '#c92a2a', anydesk: '#c92a2a', ssh: '#5c7cfa', telnet: '#e03131', dns: '#adb5bd', dhcp: '#adb5bd' };
const ROLE_COLOURS = { plc: '#d9480f', hmi: '#f08c00', engineering_workstation: '#c2255c', scada_server: '#7048e8', historian: '#7048e8',
  office_pc: '#1971c2', server: '#364fc7', printer: '#0c8599', wifi_ap: '#2f9e44', router: '#495057', vpn_gateway: '#c92a2a',
  switch: '#495057', iot: '#66a80f', handheld: '#0ca678', phone: '#0ca678', unknown: '#adb5bd' };
const ROLE_ORDER = ['plc', 'hmi', 'engineering_workstation', 'scada_server', 'historian', 'router', 'vpn_gateway', 'switch', 'wifi_ap',
  'server', 'office_pc', 'printer', 'iot', 'handheld', 'phone', 'unknown'];

export function protoColour(p) {
  if (PROTO_COLOURS[p]) return PROTO_COLOURS[p];
  let x = 0;
  for (const c of String(p)) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${x % 360}, 45%, 50%)`;
}

function subnetOf(n) {
  const v4 = (n.ips || []).find((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
  if (v4) return v4.split('.').slice(0, 3).join('.') + '.0/24';
  return (n.ips || []).length ? 'IPv6' : 'L2';
}

/** The server's grouped answer ({groups, nodes, edges}); an older flat answer
 * ({nodes, edges}) is grouped here, every group expanded. */
export function toView(data, groupBy) {
  if (Array.isArray(data.groups)) return data;
  const groups = new Map();
  for (const n of data.nodes) {
    const key = groupBy === 'subnet' ? 'net:' + subnetOf(n) : n.zone ? 'zone:' + n.zone : 'nozone';
    if (!groups.has(key)) groups.set(key, { id: key, label: groupBy === 'subnet' ? subnetOf(n) : n.zone || null, devices: 0, roles: {}, industrial: false, expanded: true });
    const g = groups.get(key);
    g.devices++;
    g.roles[n.role || 'unknown'] = (g.roles[n.role || 'unknown'] || 0) + 1;
    n.group = key;
  }
  return { grouped: false, devices: data.nodes.length, groups: [...groups.values()], nodes: data.nodes, edges: data.edges, truncated: data.truncated };
}

/** What a group is called: its label, or the words for "no zone" / "no IP address". */
export function groupName(g) {
  if (g.label) return g.label;
  if (g.subnet === 'l2') return t('map.l2_only');
  return t('map.no_zone');
}

function roleSummary(roles) {
  return Object.entries(roles || {}).sort((a, b) => b[1] - a[1] || ROLE_ORDER.indexOf(a[0]) - ROLE_ORDER.indexOf(b[0])).slice(0, 3)
    .map(([r, n]) => `${label('role', r)} ${n}`).join(' · ');
}

let cytoscapeLoading = null;
function loadCytoscape() {
  if (window.cytoscape) return Promise.resolve(window.cytoscape);
  if (!cytoscapeLoading) {
    cytoscapeLoading = new Promise((resolve, reject) => {
      // cytoscape adds a <style> unless this id exists; the rule is in style.css (the CSP forbids inline styles)
      if (!document.getElementById('__________cytoscape_stylesheet')) document.head.appendChild(h('meta', { id: '__________cytoscape_stylesheet', name: 'cytoscape-container-style', content: 'style.css' }));
      const sc = h('script', { src: '/static/vendor/cytoscape.min.js' });
      sc.addEventListener('load', () => resolve(window.cytoscape));
      sc.addEventListener('error', () => { cytoscapeLoading = null; reject(new Error('cytoscape.min.js')); });
      document.head.appendChild(sc);
    });
  }
  return cytoscapeLoading;
}

/** Elements with preset positions: an expanded group is a compound node with
 * its devices in a grid, a collapsed one a single node sized by its device
 * count; groups packed in rows, largest first. No force simulation. */
export function buildElements(view) {
  const members = new Map(view.groups.map((g) => [g.id, []]));
  for (const n of view.nodes) if (members.has(n.group)) members.get(n.group).push(n);
  const order = [...view.groups].sort((a, b) => b.devices - a.devices || groupName(a).localeCompare(groupName(b)));
  const shown = view.groups.reduce((k, g) => k + (g.expanded ? g.devices : 1), 0);
  const SP = 110;
  const rowMax = Math.max(1600, Math.sqrt(shown) * SP * 1.6);
  const els = [];
  let x0 = 0, y0 = 0, rowH = 0;
  // every group folded: a ring, so the links between groups never cross a group
  const ring = order.length > 2 && order.every((g) => !g.expanded);
  const sizes = order.map((g) => Math.round(60 + 10 * Math.sqrt(g.devices)));
  const radius = Math.max(250, sizes.reduce((a, b) => a + b + 140, 0) / (2 * Math.PI));
  for (const [k, g] of order.entries()) {
    const name = groupName(g);
    if (ring) {
      const a = (2 * Math.PI * k) / order.length - Math.PI / 2;
      const summary = roleSummary(g.roles);
      els.push({ group: 'nodes', data: { id: g.id, isGroup: true, collapsed: 1, size: sizes[k], industrial: g.industrial ? 1 : 0,
        label: `${name}\n${t('map.group_devices', { n: g.devices })}${summary ? '\n' + summary : ''}`, name, roles: g.roles || {} },
      position: { x: radius * Math.cos(a), y: radius * Math.sin(a) } });
      continue;
    }
    if (!g.expanded) {
      const size = Math.round(60 + 10 * Math.sqrt(g.devices));
      const w = size + 120, hgt = size + 70;
      if (x0 > 0 && x0 + w > rowMax) { x0 = 0; y0 += rowH; rowH = 0; }
      const summary = roleSummary(g.roles);
      els.push({ group: 'nodes', data: { id: g.id, isGroup: true, collapsed: 1, size, industrial: g.industrial ? 1 : 0,
        label: `${name}\n${t('map.group_devices', { n: g.devices })}${summary ? '\n' + summary : ''}`, name, roles: g.roles || {} },
      position: { x: x0 + w / 2, y: y0 + hgt / 2 } });
      x0 += w + 40;
      rowH = Math.max(rowH, hgt + 40);
      continue;
    }
    const ns = members.get(g.id).sort((a, b) => ROLE_ORDER.indexOf(a.role || 'unknown') - ROLE_ORDER.indexOf(b.role || 'unknown') || String(a.label).localeCompare(String(b.label)));
    const cols = Math.max(1, Math.ceil(Math.sqrt(ns.length * 1.5)));
    const rows = Math.ceil(ns.length / cols);
    const w = cols * SP + 80, hgt = rows * SP + 80;
    if (x0 > 0 && x0 + w > rowMax) { x0 = 0; y0 += rowH; rowH = 0; }
    els.push({ group: 'nodes', data: { id: g.id, label: `${name} (${ns.length})`, name, isGroup: true, industrial: g.industrial ? 1 : 0 } });
    ns.forEach((n, i) => {
      els.push({ group: 'nodes', data: { id: n.id, parent: g.id, label: n.label || (n.ips || [])[0] || n.id, role: n.role || 'unknown',
        colour: ROLE_COLOURS[n.role] || ROLE_COLOURS.unknown, zone: n.zone || '', vendor: n.vendor || '', ips: (n.ips || []).join(' ') },
      position: { x: x0 + 40 + (i % cols) * SP + SP / 2, y: y0 + 40 + Math.floor(i / cols) * SP + SP / 2 } });
    });
    x0 += w + 60;
    rowH = Math.max(rowH, hgt + 60);
  }
  const ids = new Set(els.map((e) => e.data.id));
  view.edges.forEach((e, i) => {
    if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) return;
    const protos = e.protocols || [];
    const main = protos.find((p) => INDUSTRIAL.has(p)) || protos[0] || 'unknown';
    const ind = e.industrial ?? protos.some((p) => INDUSTRIAL.has(p));
    const toGroup = !members.has(e.source) && !members.has(e.target) ? 1.5 : 2.5;
    els.push({ group: 'edges', data: { id: 'e' + i, source: e.source, target: e.target, protocols: protos.join(' '), proto: main,
      colour: protoColour(main), width: ind ? 5 : toGroup, industrial: ind ? 1 : 0 } });
  });
  return els;
}

/** An SVG picture of the map as it is laid out (groups, edges, nodes, labels). */
function toSvg(cy) {
  const bb = cy.elements(':visible').boundingBox();
  const pad = 20;
  const svg = s('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `${bb.x1 - pad} ${bb.y1 - pad} ${bb.w + 2 * pad} ${bb.h + 2 * pad}`,
    width: Math.round(bb.w + 2 * pad), height: Math.round(bb.h + 2 * pad), 'font-family': 'Noto Sans CJK JP, IPAexGothic, sans-serif' });
  svg.appendChild(s('rect', { x: bb.x1 - pad, y: bb.y1 - pad, width: bb.w + 2 * pad, height: bb.h + 2 * pad, fill: '#ffffff' }));
  cy.nodes('[?isGroup][!collapsed]:visible').forEach((g) => {
    const b = g.boundingBox({ includeLabels: false });
    svg.appendChild(s('rect', { x: b.x1, y: b.y1, width: b.w, height: b.h, rx: 8, fill: '#f1f3f5', stroke: '#ced4da' }));
    svg.appendChild(s('text', { x: b.x1 + 8, y: b.y1 - 6, 'font-size': 16, 'font-weight': 'bold', fill: '#343a40' }, g.data('label')));
  });
  cy.edges(':visible').forEach((e) => {
    const a = e.source().position(), b = e.target().position();
    svg.appendChild(s('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: e.data('colour'), 'stroke-width': e.data('width'), 'stroke-opacity': 0.7 },
      s('title', {}, e.data('protocols'))));
  });
  cy.nodes('[?collapsed]:visible').forEach((g) => {
    const b = g.boundingBox({ includeLabels: false });
    svg.appendChild(s('rect', { x: b.x1, y: b.y1, width: b.w, height: b.h, rx: 10, fill: '#e7f5ff', stroke: g.data('industrial') ? '#d9480f' : '#74c0fc', 'stroke-width': g.data('industrial') ? 4 : 2 }));
    String(g.data('label')).split('\n').forEach((line, i) => svg.appendChild(s('text', { x: (b.x1 + b.x2) / 2, y: b.y1 + b.h / 2 + (i - 0.8) * 16,
      'font-size': i ? 12 : 14, 'font-weight': i ? 'normal' : 'bold', 'text-anchor': 'middle', fill: '#1c3d5a' }, line)));
  });
  cy.nodes('[!isGroup]:visible').forEach((n) => {
    const p = n.position();
    svg.appendChild(s('circle', { cx: p.x, cy: p.y, r: 14, fill: n.data('colour'), stroke: '#fff', 'stroke-width': 2 }));
    svg.appendChild(s('text', { x: p.x, y: p.y + 30, 'font-size': 11, 'text-anchor': 'middle', fill: '#212529' }, n.data('label')));
  });
  return new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' });
}

export async function render(root, ctx) {
  const by0 = 'zone';
  const [cytoscape, first] = await Promise.all([loadCytoscape(), get(`/map?group=${by0}`)]);
  let view = toView(first, by0);
  const expanded = new Set();
  let seq = 0;

  const groupSel = h('select', { name: 'group', 'aria-label': t('map.group_by') },
    h('option', { value: 'zone' }, t('map.by_zone')), h('option', { value: 'subnet' }, t('map.by_subnet')));
  const protoSel = h('select', { name: 'protocol', 'aria-label': t('asset.protocols') });
  const roleSel = h('select', { name: 'role', 'aria-label': t('asset.role') });
  const indOnly = h('input', { type: 'checkbox', name: 'industrial' });
  const search = h('input', { type: 'search', name: 'q', placeholder: t('map.search_ph'), 'aria-label': t('assets.search') });
  const collapseAll = h('button', { type: 'button', id: 'map-collapse', onclick: () => { expanded.clear(); reload(); } }, t('map.collapse_all'));
  const box = h('div.cy', { id: 'cy' });
  const info = h('p.mapinfo');
  const count = h('span.count');
  const legend = h('div.legend');

  root.append(
    h('div.pagehead', h('h1', t('page.map')), count,
      h('div.tools.noprint', collapseAll,
        h('button', { type: 'button', id: 'export-png', onclick: () => download(cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' }), 'mieruka-map.png') }, 'PNG'),
        h('button', { type: 'button', id: 'export-svg', onclick: () => download(toSvg(cy), 'mieruka-map.svg') }, 'SVG'),
        h('button', { type: 'button', onclick: () => { cy.fit(undefined, 20); setTimeout(() => window.print(), 100); } }, t('common.print')))),
    h('div.filters.noprint', groupSel, protoSel, roleSel, h('label.check', indOnly, t('map.industrial_only')), search),
    h('p.printonly', t('map.print_title', { date: fmtDate(new Date().toISOString()) })),
    h('p.maphint.noprint', t('map.grouped_hint')),
    box, legend, info);
  const hint = root.querySelector('.maphint');

  const cy = cytoscape({
    container: box,
    elements: [],
    minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3,
    textureOnViewport: true, hideEdgesOnViewport: true,
    style: [
      { selector: 'node', style: { 'background-color': 'data(colour)', label: 'data(label)', 'font-size': 11, 'text-valign': 'bottom',
        'text-margin-y': 4, 'text-max-width': 100, 'text-wrap': 'ellipsis', width: 28, height: 28, 'border-width': 2, 'border-color': '#fff',
        'font-family': 'Noto Sans CJK JP, IPAexGothic, sans-serif', 'min-zoomed-font-size': 6 } },
      { selector: 'node[?isGroup]', style: { 'background-color': '#f1f3f5', 'background-opacity': 1, 'border-color': '#ced4da', 'border-width': 1,
        shape: 'round-rectangle', 'text-valign': 'top', 'text-halign': 'center', 'text-max-width': 2000, 'text-wrap': 'none', 'font-size': 16, 'font-weight': 'bold', padding: 20, color: '#343a40' } },
      { selector: 'node[?collapsed]', style: { 'background-color': '#e7f5ff', 'border-color': '#74c0fc', 'border-width': 2, width: 'data(size)', height: 'data(size)',
        'text-valign': 'center', 'text-wrap': 'wrap', 'text-max-width': 220, 'font-size': 13, 'font-weight': 'normal', color: '#1c3d5a',
        'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 3 } },
      { selector: 'node[?isGroup][?industrial]', style: { 'border-color': '#d9480f', 'border-width': 4 } },
      { selector: 'node[role = "plc"]', style: { shape: 'round-rectangle' } },
      { selector: 'node[role = "router"], node[role = "vpn_gateway"], node[role = "switch"]', style: { shape: 'diamond' } },
      { selector: 'edge', style: { width: 'data(width)', 'line-color': 'data(colour)', 'curve-style': 'haystack', opacity: 0.75 } },
      { selector: 'edge[?industrial]', style: { opacity: 0.95, 'z-index': 2 } },
      { selector: '.faded', style: { opacity: 0.12 } },
      { selector: '.hit', style: { 'border-color': '#fab005', 'border-width': 5 } },
      { selector: '.gone', style: { display: 'none' } },
    ],
  });
  window.__mierukaCy = cy; // used by the browser tests to find a node on the canvas

  function fillSelect(sel, first, values, text) {
    const keep = sel.value;
    mount(sel, h('option', { value: '' }, first), values.map((v) => h('option', { value: v }, text(v))));
    sel.value = values.includes(keep) ? keep : '';
  }
  function show(focus) {
    const protos = [...new Set(view.edges.flatMap((e) => e.protocols || []))].sort();
    const roles = [...new Set(view.groups.flatMap((g) => Object.keys(g.roles || {})).concat(view.nodes.map((n) => n.role || 'unknown')))].sort();
    fillSelect(protoSel, t('map.all_protocols'), protos, (p) => p);
    fillSelect(roleSel, t('assets.all_roles'), roles, (r) => label('role', r));
    mount(legend, protos.slice(0, 24).map((p) => h('span.legend-item', h('span.swatch', { dataset: { colour: protoColour(p) } }), p, INDUSTRIAL.has(p) ? ' ★' : '')));
    legend.querySelectorAll('.swatch').forEach((el) => { el.style.background = el.dataset.colour; });
    mount(count, t('map.count', { n: view.devices ?? view.nodes.length, e: view.edges.length }));
    collapseAll.style.display = view.grouped && expanded.size ? '' : 'none';
    hint.style.display = view.grouped ? '' : 'none';
    cy.batch(() => { cy.elements().remove(); cy.add(buildElements(view)); });
    cy.layout({ name: 'preset', fit: false }).run();
    const f = focus ? cy.getElementById(focus) : null;
    if (f && f.length) cy.fit(f.union(f.neighborhood()), 30); else cy.fit(undefined, 20);
    applyFilters();
    box.dataset.groups = String(view.groups.length);
    box.dataset.collapsed = String(view.groups.filter((g) => !g.expanded).length);
  }
  async function reload(focus) {
    const by = groupSel.value, mine = ++seq;
    const q = expanded.size ? `&expand=${[...expanded].map(encodeURIComponent).join(',')}` : '';
    box.dataset.loading = '1';
    try {
      const data = await get(`/map?group=${by}${q}`);
      if (mine !== seq) return;
      view = toView(data, by);
      show(focus);
    } catch (e) {
      if (mine !== seq) return;
      if (q) { expanded.clear(); reload(); return; } // a group gone with a database reload: start again folded
      mount(info, String(e.message || e));
    } finally {
      if (mine === seq) delete box.dataset.loading;
    }
  }

  function applyFilters() {
    const p = protoSel.value, r = roleSel.value, ind = indOnly.checked, q = search.value.trim().toLowerCase();
    cy.batch(() => {
      cy.elements().removeClass('gone faded hit');
      cy.edges().forEach((e) => {
        const ok = (!p || e.data('protocols').split(' ').includes(p)) && (!ind || e.data('industrial'));
        if (!ok) e.addClass('gone');
      });
      const leaves = cy.nodes('[!isGroup], [?collapsed]');
      if (p || ind) leaves.forEach((n) => { if (!n.connectedEdges().some((e) => !e.hasClass('gone'))) n.addClass('gone'); });
      if (r) {
        cy.nodes('[!isGroup]').forEach((n) => { if (n.data('role') !== r) n.addClass('gone'); });
        cy.nodes('[?collapsed]').forEach((g) => { if (!(g.data('roles') || {})[r]) g.addClass('gone'); });
      }
      cy.nodes('[?isGroup][!collapsed]').forEach((g) => { if (!g.children().filter((c) => !c.hasClass('gone')).length) g.addClass('gone'); });
      if (q) {
        const hits = leaves.filter((n) => `${n.data('collapsed') ? n.data('name') : n.data('label')} ${n.data('ips') || ''} ${n.data('vendor') || ''}`.toLowerCase().includes(q));
        cy.elements().not(hits).not(hits.parents()).addClass('faded');
        hits.addClass('hit');
      }
    });
    const visible = cy.nodes('[!isGroup]').filter((n) => !n.hasClass('gone')).length;
    const folded = cy.nodes('[?collapsed]').filter((n) => !n.hasClass('gone'));
    const sizes = new Map(view.groups.map((g) => [g.id, g.devices]));
    const inFolded = folded.reduce((k, g) => k + (sizes.get(g.id()) || 0), 0);
    mount(info, folded.length ? t('map.visible_grouped', { n: visible, g: folded.length, m: inFolded }) : t('map.visible', { n: visible }));
  }
  groupSel.addEventListener('change', () => { expanded.clear(); reload(); });
  for (const el of [protoSel, roleSel, indOnly]) el.addEventListener('change', applyFilters);
  search.addEventListener('input', applyFilters);
  cy.on('tap', 'node[!isGroup]', (ev) => ctx.navigate(`/assets/${encodeURIComponent(ev.target.id())}`));
  // a folded group opens on a click; an open one folds up again on a double click
  cy.on('tap', 'node[?collapsed]', (ev) => {
    if (expanded.size >= 64) return;
    expanded.add(ev.target.id());
    reload(ev.target.id());
  });
  cy.on('dbltap', 'node[?isGroup][!collapsed]', (ev) => {
    if (!view.grouped || !expanded.has(ev.target.id())) return;
    expanded.delete(ev.target.id());
    reload();
  });
  cy.on('mouseover', 'node[!isGroup]', (ev) => { box.title = `${ev.target.data('label')}  ${ev.target.data('ips')}  ${ev.target.data('vendor')}`; box.classList.add('pointer'); });
  cy.on('mouseover', 'node[?collapsed]', (ev) => { box.title = t('map.expand_hint', { name: ev.target.data('name') }); box.classList.add('pointer'); });
  cy.on('mouseover', 'node[?isGroup][!collapsed]', () => { if (view.grouped) box.title = t('map.collapse_hint'); });
  cy.on('mouseout', 'node', () => { box.title = ''; box.classList.remove('pointer'); });
  show();
  const onPrint = () => cy.resize();
  window.addEventListener('beforeprint', onPrint);
  return () => { seq++; window.removeEventListener('beforeprint', onPrint); cy.destroy(); if (window.__mierukaCy === cy) window.__mierukaCy = null; };
}
