// manage.js — the Mediation tab (/manage): networks and mediated bids read and changed
// through the Mediation API (/api/..., docs/server.md §9), each bid with its figures
// of the last 7 days from the report, and the config versions with a rollback. Forms
// are checked as they are typed by the engine itself (mediation.loadConfig on a config
// of the one bid), so the page and the server refuse the same things with the same
// words. Plain DOM, no framework; text from the config is only ever set as text.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const state = {
  role: 'read',
  version: 0,
  currency: 'USD',
  networks: [],
  bids: [],
  figures: new Map(),
  suggestions: new Map(), // bid -> its suggested CPM (report.json's loop)
  versions: [],
  partners: [], // dist/partners.json: the known partners the engine writes tags for
};

// ---- talking to the API -------------------------------------------------------------

class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.at = error.at || '';
  }
}

async function api(method, path, body) {
  const headers = {};
  const author = $('#author').value.trim();
  if (author) headers['x-mediation-author'] = author;
  if (method !== 'GET') headers['if-match'] = `"${state.version}"`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch('/api/' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(r.status, json.error ?? {});
  return json;
}

function say(text, bad = false) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('bad', bad);
}

async function load() {
  if (!state.partners.length) state.partners = await (await fetch('/manage/partners.json')).json();
  const [session, networks, bids, versions, config] = await Promise.all([
    api('GET', 'session'),
    api('GET', 'networks'),
    api('GET', 'bids'),
    api('GET', 'versions?limit=100'),
    api('GET', 'config'),
  ]);
  Object.assign(state, {
    role: session.role,
    version: versions.live,
    networks: networks.networks,
    bids: bids.bids,
    versions: versions.versions,
    currency: typeof config.currency === 'string' ? config.currency : 'USD',
  });
  try {
    const report = await (await fetch('/report.json', { credentials: 'same-origin' })).json();
    state.figures = new Map((report.verified?.bids ?? []).map((b) => [b.bid, b]));
    state.suggestions = new Map((report.loop?.suggestions ?? []).map((x) => [x.bid, x]));
  } catch {
    state.figures = new Map(); // the report is extra: the tab works without it
    state.suggestions = new Map();
  }
  render();
}

// ---- tables ------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

function table(node, head, rows) {
  node.replaceChildren(
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: head.length, text: 'none yet' }))])),
  );
}

const money = (v) =>
  v === null || v === undefined
    ? '—'
    : new Intl.NumberFormat('en', { style: 'currency', currency: state.currency }).format(v);
const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const ms = (v) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`);

function actions(kind, item) {
  if (state.role !== 'admin') return el('td');
  const paused = item.active === false;
  const label = `${item.id}`;
  return el(
    'td',
    { class: 'actions' },
    el('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${label}`, onclick: () => edit(kind, item) }),
    el('button', {
      type: 'button',
      text: paused ? 'Resume' : 'Pause',
      'aria-label': `${paused ? 'Resume' : 'Pause'} ${label}`,
      onclick: () => change(`${kind}/${encodeURIComponent(item.id)}/${paused ? 'resume' : 'pause'}`, 'POST'),
    }),
    el('button', {
      type: 'button',
      class: 'danger',
      text: 'Delete',
      'aria-label': `Delete ${label}`,
      onclick: () => {
        if (confirm(`Delete ${kind === 'networks' ? 'network' : 'bid'} ${item.id}? A rollback can bring it back.`))
          change(`${kind}/${encodeURIComponent(item.id)}`, 'DELETE');
      },
    }),
  );
}

const status = (item, network) =>
  item.active === false ? 'paused' : network && network.active === false ? 'paused (network)' : 'active';

// The suggested CPM from the networks' reports (c_src/suggest.h), with its confidence,
// and a button that makes it the bid's CPM (a new version).
function suggestion(bid) {
  const x = state.suggestions?.get(bid.id);
  if (!x) return el('td', { text: '—' });
  if (x.suggested_cpm === null) return el('td', { text: 'not enough data', title: x.note });
  const pinned = bid.cpm_pinned === true ? ' (pinned)' : bid.auto_cpm === true ? ' (auto)' : '';
  const text = `${money(x.suggested_cpm)} (${pct(x.confidence)} sure)${pinned}`;
  const apply =
    state.role === 'admin' && x.suggested_cpm !== bid.cpm
      ? el('button', {
          type: 'button',
          text: 'Apply',
          'aria-label': `Set ${bid.id}'s CPM to ${x.suggested_cpm}`,
          onclick: () => change(`bids/${encodeURIComponent(bid.id)}`, 'PATCH', { cpm: x.suggested_cpm }),
        })
      : null;
  return el('td', { class: 'actions' }, el('span', { text }), ' ', apply);
}

function render() {
  $('#live-version').textContent = state.version;
  document.body.classList.toggle('read-only', state.role !== 'admin');
  for (const c of document.querySelectorAll('.currency')) c.textContent = state.currency;
  const count = (id) => state.bids.filter((b) => b.network === id).length;
  table(
    $('#networks'),
    ['Network', 'Name', 'Kind', 'GVL id', 'Status', 'Bids', ''],
    state.networks.map((n) =>
      el(
        'tr',
        { 'data-id': n.id },
        el('th', { scope: 'row', text: n.id }),
        el('td', { text: n.name ?? '' }),
        el('td', { text: partnerOf(n)?.label ?? 'custom' }),
        el('td', { text: n.gvl_id ?? partnerOf(n)?.gvl_id ?? '—' }),
        el('td', { text: status(n) }),
        el('td', { text: count(n.id) }),
        actions('networks', n),
      ),
    ),
  );
  const nets = new Map(state.networks.map((n) => [n.id, n]));
  table(
    $('#bids'),
    ['Bid', 'Network', 'CPM', 'Suggested CPM', 'Status', 'Attempts', 'Fill rate', 'eCPM', 'p95 latency', ''],
    [...state.bids]
      .sort((a, b) => (b.cpm ?? 0) - (a.cpm ?? 0))
      .map((b) => {
        const f = state.figures.get(b.id) ?? {};
        return el(
          'tr',
          { 'data-id': b.id },
          el('th', { scope: 'row', text: b.id }),
          el('td', { text: b.network }),
          el('td', { text: money(b.cpm) }),
          suggestion(b),
          el('td', { text: status(b, nets.get(b.network)) }),
          el('td', { text: f.attempts ?? 0 }),
          el('td', { text: pct(f.fill_rate) }),
          el('td', { text: money(f.ecpm) }),
          el('td', { text: ms(f.latency_p95) }),
          actions('bids', b),
        );
      }),
  );
  table(
    $('#versions'),
    ['Version', 'When', 'Who', 'What changed', ''],
    state.versions.map((v) =>
      el(
        'tr',
        { 'data-version': v.version },
        el('th', { scope: 'row', text: v.live ? `${v.version} (live)` : v.version }),
        el('td', { text: new Date(v.at).toLocaleString() }),
        el('td', { text: v.author }),
        el('td', {}, el('ul', {}, ...v.summary.slice(0, 8).map((line) => el('li', { text: line })))),
        el(
          'td',
          {},
          v.live || state.role !== 'admin'
            ? null
            : el('button', {
                type: 'button',
                text: 'Roll back to this',
                'aria-label': `Roll back to version ${v.version}`,
                onclick: () => {
                  if (confirm(`Make version ${v.version}'s config live again (as a new version)?`))
                    change(`versions/${v.version}/activate`, 'POST');
                },
              }),
        ),
      ),
    ),
  );
}

// Sends one change; on success or a stale version, reads everything again.
async function change(path, method, body) {
  try {
    const r = await api(method, path, body);
    say(`Saved: version ${r.version} is live.`);
    await load();
    return r;
  } catch (e) {
    if (e.status === 409 && e.code === 'stale_version') {
      say('Someone changed the config meanwhile: reloaded, try again.', true);
      await load();
    } else say(e.message, true);
    throw e;
  }
}

// ---- forms -------------------------------------------------------------------------

const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const lines = (text) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
const put = (obj, path, value) => {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] = typeof o[k] === 'object' && o[k] !== null ? o[k] : {};
  const last = keys.at(-1);
  if (value === undefined || (Array.isArray(value) && !value.length) || value === '') delete o[last];
  else o[last] = value;
};
const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

// "300x250, 320x50" <-> [[300,250],[320,50]]; a size that is not WxH is kept as text
// for the engine to refuse at its index.
const sizesOf = (text) =>
  list(text).map((s) => {
    const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(s);
    return m ? [Number(m[1]), Number(m[2])] : s;
  });
const numberOf = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

// "1-5 9-17" -> { days: [1..5], hours: [9, 17] }; "*" for every day or the whole day.
function daypartOf(line) {
  const [days = '*', hours = '*'] = line.split(/\s+/);
  const part = {};
  if (days !== '*')
    part.days = days.split(',').flatMap((d) => {
      const [a, b] = d.split('-').map(Number);
      return b === undefined ? [a] : Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
    });
  if (hours !== '*') part.hours = hours.split('-').map(Number);
  return part;
}
const daypartText = (p) => `${p.days ? p.days.join(',') : '*'} ${p.hours ? p.hours.join('-') : '*'}`;

// key=v1,v2 lines <-> { key: [v1, v2] }
function keyValuesOf(text) {
  const kv = {};
  for (const l of lines(text)) {
    const i = l.indexOf('=');
    if (i > 0) kv[l.slice(0, i).trim()] = list(l.slice(i + 1));
  }
  return Object.keys(kv).length ? kv : undefined;
}
function macrosOf(text) {
  const m = {};
  for (const l of lines(text)) {
    const i = l.indexOf('=');
    if (i > 0) m[l.slice(0, i).trim()] = l.slice(i + 1);
  }
  return Object.keys(m).length ? m : undefined;
}

const partnerOf = (network) =>
  network && network.partner ? state.partners.find((p) => p.name === network.partner) : undefined;
const networkById = (id) => state.networks.find((n) => n.id === id);

// The partner's parameter fields, from dist/partners.json.
function paramFields(form, partner, params = {}) {
  const box = $('#b-params', form);
  box.replaceChildren(el('legend', { text: `${partner ? partner.label : 'Partner'} parameters` }));
  if (box.dataset.errorId) box.append(el('p', { class: 'field-error', id: box.dataset.errorId }));
  form.classList.toggle('known', Boolean(partner));
  if (!partner) return;
  for (const p of partner.params) {
    const id = `p-${p.name}`;
    const value = params[p.name];
    const label = el('label', { for: id, text: `${p.name}${p.required ? '' : ' (optional)'}` });
    const data = { id, 'data-path': `params.${p.name}`, 'data-type': p.type };
    let input;
    if (p.type === 'boolean') {
      input = el('input', { ...data, type: 'checkbox' });
      input.checked = value === true;
    } else if (p.type === 'object' || p.type === 'key_values') {
      input = el('textarea', { ...data, rows: 3, spellcheck: 'false' });
      input.value = value === undefined ? '' : JSON.stringify(value);
    } else {
      const type = p.type === 'ms' ? 'number' : p.type === 'url' ? 'url' : 'text';
      input = el('input', { ...data, type, autocomplete: 'off' });
      input.value = value ?? '';
    }
    const parts = p.type === 'boolean' ? [input, label] : [label, input];
    box.append(
      el(
        'div',
        { class: p.type === 'boolean' ? 'field check' : 'field' },
        ...parts,
        el('p', { class: 'hint', text: p.hint }),
      ),
    );
    attachError(form, input);
  }
}

// The params in the form: JSON fields parsed (a field that is not JSON is kept as its
// text, for the engine to refuse with its path).
function paramsOfForm(form) {
  const params = {};
  for (const input of $('#b-params', form).querySelectorAll('[data-path]')) {
    const name = input.dataset.path.slice('params.'.length);
    const type = input.dataset.type;
    if (type === 'boolean') {
      if (input.checked) params[name] = true;
    } else if (input.value.trim() === '') {
      continue;
    } else if (type === 'ms') {
      params[name] = Number(input.value);
    } else if (type === 'object' || type === 'key_values') {
      try {
        params[name] = JSON.parse(input.value);
      } catch {
        params[name] = input.value;
      }
    } else params[name] = input.value.trim();
  }
  return params;
}

// The bid in the form, over the one being edited (fields the form does not show kept).
function bidOfForm(form, base) {
  const bid = structuredClone(base ?? {});
  const v = (id) => $(id, form).value;
  put(bid, 'id', v('#b-id').trim());
  put(bid, 'network', v('#b-network'));
  put(bid, 'cpm', numberOf($('#b-cpm', form)));
  put(bid, 'timeout_ms', numberOf($('#b-timeout', form)));
  put(bid, 'sizes', sizesOf(v('#b-sizes')));
  put(bid, 'active', $('#b-active', form).checked ? undefined : false);
  put(bid, 'start', v('#b-start').trim() || undefined);
  put(bid, 'end', v('#b-end').trim() || undefined);
  if (partnerOf(networkById(bid.network))) {
    delete bid.tag;
    delete bid.macros;
    bid.params = paramsOfForm(form);
  } else {
    delete bid.params;
    put(bid, 'tag', v('#b-tag'));
    put(bid, 'macros', macrosOf(v('#b-macros')));
  }
  for (const f of ['placements', 'countries', 'regions', 'os', 'domains'])
    put(bid, `targeting.${f}`, list(v(`#t-${f}`)));
  put(bid, 'targeting.supply_type', v('#t-supply') || undefined);
  const devices = [...form.querySelectorAll('input[name=device]:checked')].map((i) => i.value);
  put(bid, 'targeting.device_types', devices);
  put(bid, 'targeting.dayparts', lines(v('#t-dayparts')).map(daypartOf));
  put(bid, 'targeting.key_values', keyValuesOf(v('#t-kv')));
  for (const f of ['countries', 'domains', 'placements']) put(bid, `targeting.exclude.${f}`, list(v(`#x-${f}`)));
  if (bid.targeting?.exclude && !Object.keys(bid.targeting.exclude).length) delete bid.targeting.exclude;
  if (bid.targeting && !Object.keys(bid.targeting).length) delete bid.targeting;
  return bid;
}

function fillBidForm(form, bid) {
  const set = (id, value) => ($(id, form).value = value ?? '');
  set('#b-id', bid.id);
  $('#b-id', form).readOnly = Boolean(bid.id);
  $('#b-network', form).replaceChildren(...state.networks.map((n) => el('option', { value: n.id, text: n.id })));
  set('#b-network', bid.network ?? state.networks[0]?.id);
  paramFields(form, partnerOf(networkById($('#b-network', form).value)), bid.params);
  set('#b-cpm', bid.cpm);
  set('#b-timeout', bid.timeout_ms);
  set('#b-sizes', (bid.sizes ?? []).map((s) => (Array.isArray(s) ? s.join('x') : s)).join(', '));
  $('#b-active', form).checked = bid.active !== false;
  set('#b-start', bid.start);
  set('#b-end', bid.end);
  set('#b-tag', bid.tag);
  set(
    '#b-macros',
    Object.entries(bid.macros ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join('\n'),
  );
  const t = bid.targeting ?? {};
  for (const f of ['placements', 'countries', 'regions', 'os', 'domains']) set(`#t-${f}`, (t[f] ?? []).join(', '));
  set('#t-supply', Array.isArray(t.supply_type) ? '' : t.supply_type);
  for (const i of form.querySelectorAll('input[name=device]')) i.checked = (t.device_types ?? []).includes(i.value);
  set('#t-dayparts', (t.dayparts ?? []).map(daypartText).join('\n'));
  set(
    '#t-kv',
    Object.entries(t.key_values ?? {})
      .map(([k, val]) => `${k}=${[].concat(val).join(',')}`)
      .join('\n'),
  );
  for (const f of ['countries', 'domains', 'placements']) set(`#x-${f}`, (t.exclude?.[f] ?? []).join(', '));
}

function networkOfForm(form, base) {
  const n = structuredClone(base ?? {});
  put(n, 'id', $('#n-id', form).value.trim());
  put(n, 'name', $('#n-name', form).value.trim() || undefined);
  put(n, 'gvl_id', numberOf($('#n-gvl', form)));
  put(n, 'report_timezone', $('#n-zone', form).value.trim() || undefined);
  const partner = $('#n-partner', form).value;
  if (partner) {
    n.kind = 'known';
    n.partner = partner;
    put(n, 'script_url', $('#n-script', form).value.trim() || undefined);
  } else {
    if (n.kind === 'known') delete n.kind;
    delete n.partner;
    delete n.script_url;
  }
  const rule = $('#n-consent', form).value;
  if (rule === 'default') delete n.consent;
  else if (rule === 'exempt') n.consent = false;
  else n.consent = { purposes: list($('#n-purposes', form).value).map(Number) };
  put(n, 'active', $('#n-active', form).checked ? undefined : false);
  return n;
}

function fillNetworkForm(form, n) {
  $('#n-id', form).value = n.id ?? '';
  $('#n-id', form).readOnly = Boolean(n.id);
  $('#n-name', form).value = n.name ?? '';
  $('#n-gvl', form).value = n.gvl_id ?? '';
  $('#n-zone', form).value = n.report_timezone ?? '';
  $('#n-partner', form).replaceChildren(
    el('option', { value: '', text: "custom: its bids carry the network's own tag" }),
    ...state.partners.map((p) => el('option', { value: p.name, text: `known partner: ${p.label}` })),
  );
  $('#n-partner', form).value = n.partner ?? '';
  $('#n-script', form).value = n.script_url ?? '';
  form.classList.toggle('known', Boolean(n.partner));
  $('#n-consent', form).value = n.consent === false ? 'exempt' : n.consent ? 'purposes' : 'default';
  $('#n-purposes', form).value = (n.consent?.purposes ?? []).join(', ');
  $('#n-active', form).checked = n.active !== false;
}

// Shows an error at the field its path names (the longest data-path that is a prefix
// of it, indexes dropped), or under the form.
function showError(form, error) {
  clearErrors(form);
  if (!error) return;
  const path = String(error.at ?? '')
    .replace(/^config\.(mediated_bids|networks)\[\d+\]\.?/, '')
    .replace(/\[\d+\]/g, '');
  let best = null;
  for (const f of form.querySelectorAll('[data-path]')) {
    const p = f.dataset.path;
    if ((path === p || path.startsWith(p + '.')) && (!best || p.length > best.dataset.path.length)) best = f;
  }
  if (!best) {
    $('.form-error', form).textContent = error.message;
    return;
  }
  best.setAttribute('aria-invalid', 'true');
  // The engine names the field by its path in a config; here the field says which.
  const msg = $(`#${best.dataset.errorId}`) ?? $('.form-error', form);
  msg.textContent = error.message.replace(/config\.(mediated_bids|networks)\[\d+\]\./g, '');
}

function clearErrors(form) {
  $('.form-error', form).textContent = '';
  for (const f of form.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
  for (const m of form.querySelectorAll('.field-error')) m.textContent = '';
}

// The engine's verdict on one network or bid: a config of it alone, loaded and let go.
function check(kind, item) {
  const existing = (kind === 'bids' ? state.bids : state.networks).some((x) => x.id === item.id);
  if (editing.isNew && existing) return { at: 'id', message: `${item.id} exists already` };
  const network = kind === 'bids' ? (state.networks.find((n) => n.id === item.network) ?? { id: item.network }) : item;
  const config = { currency: state.currency, networks: [network], mediated_bids: kind === 'bids' ? [item] : [] };
  try {
    mediation.loadConfig(config).release();
    return null;
  } catch (e) {
    return { at: e.at, message: e.message };
  }
}

// A JSON merge patch that turns before into after (null removes a field).
function patchOf(before, after) {
  const p = {};
  for (const k of Object.keys(before)) if (!(k in after)) p[k] = null;
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (JSON.stringify(b) === JSON.stringify(v)) continue;
    const obj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
    p[k] = obj(b) && obj(v) ? patchOf(b, v) : v;
  }
  return p;
}

let editing = { kind: null, base: null, isNew: true };

function open(kind, item) {
  const dialog = $(kind === 'bids' ? '#bid-dialog' : '#network-dialog');
  const form = $('form', dialog);
  editing = { kind, base: item ?? null, isNew: !item };
  if (kind === 'bids') fillBidForm(form, item ?? { timeout_ms: 1000 });
  else fillNetworkForm(form, item ?? {});
  $('h2', form).textContent = `${item ? 'Edit' : 'Add'} ${kind === 'bids' ? 'a mediated bid' : 'a network'}`;
  clearErrors(form);
  dialog.showModal();
  const first = form.querySelector('input:not([readonly]), select, textarea');
  first?.focus();
}
const edit = (kind, item) => open(kind, item);

// Each field gets a place for its error, tied to it for screen readers.
let errorIds = 0;
function attachError(form, f) {
  const id = `${form.id}-err-${errorIds++}`;
  f.dataset.errorId = id;
  f.setAttribute('aria-describedby', id);
  const msg = el('p', { class: 'field-error', id });
  (f.tagName === 'FIELDSET' ? f : (f.closest('.field') ?? f)).append(msg);
}

function wireForm(kind, dialog) {
  const form = $('form', dialog);
  const read = () => (kind === 'bids' ? bidOfForm(form, editing.base) : networkOfForm(form, editing.base));
  for (const f of form.querySelectorAll('[data-path]')) attachError(form, f);
  // The network decides between a tag and a partner's parameters.
  if (kind === 'bids')
    $('#b-network', form).addEventListener('change', () =>
      paramFields(form, partnerOf(networkById($('#b-network', form).value))),
    );
  else
    $('#n-partner', form).addEventListener('change', () =>
      form.classList.toggle('known', Boolean($('#n-partner', form).value)),
    );
  let timer = 0;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => showError(form, check(kind, read())), 120);
  });
  $('.cancel', form).addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const item = read();
    const problem = check(kind, item);
    showError(form, problem);
    if (problem) return form.querySelector('[aria-invalid]')?.focus();
    try {
      if (editing.isNew) await change(kind, 'POST', item);
      else await change(`${kind}/${encodeURIComponent(editing.base.id)}`, 'PATCH', patchOf(editing.base, item));
      dialog.close();
    } catch (e) {
      if (e.status === 400 || e.code === 'duplicate_id') showError(form, e);
      else $('.form-error', form).textContent = e.message;
    }
  });
}

async function main() {
  const author = $('#author');
  author.value = localStorage.getItem('mediation.author') ?? '';
  author.addEventListener('change', () => localStorage.setItem('mediation.author', author.value.trim()));
  wireForm('networks', $('#network-dialog'));
  wireForm('bids', $('#bid-dialog'));
  $('#add-network').addEventListener('click', () => open('networks'));
  $('#add-bid').addEventListener('click', () => open('bids'));
  await mediation.auctionReady; // the engine that checks the forms
  try {
    await load();
    say('');
  } catch (e) {
    say(`Could not read the config: ${e.message}`, true);
  }
}

main();
