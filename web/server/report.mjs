// report.mjs — the report page: the engine's statistics as tables and SVG charts
// drawn here (no chart library, no CDN). Money is shown in the config's currency.

const esc = (s) => String(s ?? '—').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1565c0', '#2e7d32', '#c62828', '#6a1b9a', '#ef6c00', '#00838f', '#4e342e', '#ad1457'];
const OUTCOME_COLORS = {
  fills: '#2e7d32',
  no_fills: '#9e9e9e',
  errors: '#c62828',
  timeouts: '#ef6c00',
  late: '#6a1b9a',
};
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x) => (x === null || x === undefined ? '—' : `${x} ms`);

// Amounts in the config currency, with its own symbol and minor digits (¥12, €3.40),
// plus two more digits: per-attempt revenue is small.
export function moneyFormat(currency = 'USD') {
  let fmt;
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    fmt = new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: digits + 2 });
  } catch (_) {
    fmt = { format: (x) => `${x.toFixed(4)} ${currency}` }; // a code Intl does not know
  }
  return (x) => (x === null || x === undefined ? '—' : fmt.format(x));
}

// An SVG or HTML element: el('text', { x: 1, y: 2 }, 'body'); attribute values escaped.
function el(tag, attrs, body = '') {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  return `<${tag}${a}>${body}</${tag}>`;
}

function figure(title, W, H, body) {
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': title }, body);
  return `<figure><figcaption>${esc(title)}</figcaption>${svg}</figure>`;
}

// One line per series over time; y from 0 to yMax.
export function lineChart(series, { yMax, yFormat, title }) {
  const W = 560,
    H = 220,
    L = 48,
    R = 120,
    T = 24,
    B = 28;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs);
  const sx = (x) => (L + (x1 === x0 ? (W - L - R) / 2 : ((x - x0) / (x1 - x0)) * (W - L - R))).toFixed(1);
  const sy = (y) => (T + (1 - y / (yMax || 1)) * (H - T - B)).toFixed(1);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = sy(f * yMax);
      const line = el('line', { x1: L, x2: W - R, y1: y, y2: y, stroke: '#ddd' });
      return line + el('text', { x: L - 6, y: +y + 4, 'text-anchor': 'end' }, esc(yFormat(f * yMax)));
    })
    .join('');
  const lines = series
    .map((s, i) => {
      const c = COLORS[i % COLORS.length];
      const pts = s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ');
      const dots = s.points.map((p) => el('circle', { cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: c })).join('');
      const line = el('polyline', { fill: 'none', stroke: c, 'stroke-width': 2, points: pts });
      return line + dots + el('text', { x: W - R + 8, y: T + 14 * i + 4, fill: c }, esc(s.name));
    })
    .join('');
  const time = (t) => new Date(t).toISOString().slice(11, 16);
  const axis = xs.length
    ? el('text', { x: L, y: H - 8 }, time(x0)) +
      el('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, `${time(x1)} UTC`)
    : el('text', { x: '50%', y: '50%' }, 'no data yet');
  return figure(title, W, H, grid + lines + axis);
}

// Horizontal bars, each split into coloured parts.
export function stackedBars(rows, { title, legend }) {
  const W = 560,
    L = 120,
    R = 16,
    rowH = 26,
    T = 28;
  const H = T + rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((t, p) => t + p.value, 0)));
  const bars = rows
    .map((r, i) => {
      let x = L;
      const y = T + i * rowH;
      const parts = r.parts
        .map((p) => {
          const w = (p.value / max) * (W - L - R);
          const box = { x: x.toFixed(1), y, width: w.toFixed(1), height: rowH - 8, fill: p.color };
          x += w;
          return w > 0 ? el('rect', box, el('title', {}, `${esc(p.label)}: ${p.value}`)) : '';
        })
        .join('');
      const name = el('text', { x: L - 6, y: y + 13, 'text-anchor': 'end' }, esc(r.name));
      return name + parts + el('text', { x: (x + 4).toFixed(1), y: y + 13 }, esc(r.label ?? ''));
    })
    .join('');
  const keys = (legend || [])
    .map((k, i) => {
      const box = el('rect', { x: L + i * 86, y: 6, width: 10, height: 10, fill: k.color });
      return box + el('text', { x: L + i * 86 + 14, y: 15 }, esc(k.label));
    })
    .join('');
  return figure(title, W, H, keys + bars);
}

function table(rows, columns) {
  const head = columns.map((c) => `<th>${esc(c[0])}</th>`).join('');
  const cells = (r) => columns.map((c) => `<td>${esc(c[1](r))}</td>`).join('');
  const body = rows.map((r) => `<tr>${cells(r)}</tr>`).join('');
  const empty = `<tr><td colspan="${columns.length}">no attempts yet</td></tr>`;
  return `<table><thead><tr>${head}</tr></thead><tbody>${body || empty}</tbody></table>`;
}

const figures = (money) => [
  ['attempts', (r) => r.attempts],
  ['fills', (r) => r.fills],
  ['fill rate', (r) => pct(r.fill_rate)],
  ['no-fills', (r) => r.no_fills],
  ['timeouts', (r) => r.timeouts],
  ['errors', (r) => r.errors],
  ['late', (r) => r.late],
  ['latency p50', (r) => ms(r.latency_p50)],
  ['p95', (r) => ms(r.latency_p95)],
  ['revenue', (r) => money(r.revenue)],
  ['eCPM', (r) => money(r.ecpm)],
];

const BIDDER_COLUMNS = [
  ['bidder', (r) => r.id],
  ['asked', (r) => r.requests],
  ['bids', (r) => r.bids],
  ['no-bids', (r) => r.nobids],
  ['timeouts', (r) => r.timeouts],
  ['errors', (r) => r.errors],
  ['malformed', (r) => r.malformed],
];

const STYLE = [
  'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}',
  'table{border-collapse:collapse;margin:8px 0 24px}',
  'th,td{padding:4px 10px;border-bottom:1px solid #e0e0e0;text-align:right}',
  'th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}',
  'figure{display:inline-block;margin:0 24px 24px 0}figcaption{font-weight:600;margin-bottom:4px}',
  'svg{font:11px system-ui,sans-serif;background:#fafafa}.totals{font-size:16px}',
].join('');

function unverifiedPart(u, money) {
  const note = 'beacons without a token, from auctions run in the page: not vouched for by this server';
  return `<h2>Unverified attempts</h2><p>${u.totals.attempts} attempts, ${u.totals.fills} fills, estimated revenue \
${money(u.totals.revenue)} (${note})</p>${table(u.networks, [['network', (r) => r.network], ...figures(money)])}`;
}

// `report` counts the attempts the ad server signed; `unverified` (beacons without a
// token, from in-page auctions, kept only where the config accepts them) is shown apart.
// Mediated bids the auction left out for the user's privacy choices, by network, bid
// and the engine's reason.
function consentPart(rows) {
  const total = rows.reduce((t, r) => t + r.n, 0);
  const columns = [
    ['network', (r) => r.network],
    ['bid', (r) => r.bid],
    ['reason', (r) => r.detail],
    ['bids rejected', (r) => r.n],
  ];
  return `<h2>Bids rejected for consent</h2><p>${total} mediated bids left out of waterfalls for the user's \
privacy choices (TCF consent, US opt-out of sale) in this range.</p>${rows.length ? table(rows, columns) : ''}`;
}

// What the networks' own reports say (their imports), against what was counted and
// entered: discrepancy per day, network and bid, and the suggested CPMs.
function loopPart(loop, money) {
  const ratio = (v) => (v === null || v === undefined ? '—' : pct(v));
  const cpm = (v) => (v === null || v === undefined ? '—' : money(v));
  const rows = [...(loop?.discrepancy ?? [])].reverse().slice(0, 200);
  const discrepancy = table(rows, [
    ['day', (r) => r.date],
    ['network', (r) => r.network],
    ['bid', (r) => r.bid || '(network)'],
    ['fills counted', (r) => r.fills],
    ['impressions reported', (r) => r.impressions],
    ['discrepancy', (r) => ratio(r.discrepancy)],
    ['realised eCPM', (r) => cpm(r.realised_ecpm)],
    ['entered CPM', (r) => cpm(r.entered_cpm)],
  ]);
  const suggestions = table(loop?.suggestions ?? [], [
    ['bid', (r) => r.bid],
    ['network', (r) => r.network],
    ['entered CPM', (r) => cpm(r.entered_cpm)],
    ['suggested CPM', (r) => cpm(r.suggested_cpm)],
    ['confidence', (r) => ratio(r.confidence)],
    ['impressions (7 days)', (r) => r.impressions],
    ['note', (r) => r.note],
  ]);
  return `<h2>Networks' own reports</h2>
<form id="import"><label>Import a network report (CSV: date, network, bid, impressions, revenue, currency)
<input type="file" name="csv" accept=".csv,text/csv"></label> <button>Import</button></form><pre id="import-result"></pre>
<script>
document.getElementById('import').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = e.target.csv.files[0];
  if (!file) return;
  const r = await fetch('/api/reports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: await file.text() });
  const j = await r.json();
  document.getElementById('import-result').textContent = r.ok
    ? 'Imported ' + j.imported.rows + ' rows (' + j.imported.days + ' network-days).'
    : [j.error.message].concat((j.errors || []).map((x) => 'line ' + x.line + ', ' + x.column + ': ' + x.message)).join('\\n');
  if (r.ok) location.reload();
});
</script>
<h3>Discrepancy: counted fills against reported impressions</h3>${discrepancy}
<h3>Suggested CPMs (the last 7 days, recent days weighted more; apply them in the Mediation tab)</h3>${suggestions}`;
}

export function reportPage(
  report,
  { bidders = {}, rejected = 0, config = {}, currency = 'USD', unverified, consentRejected = [], loop } = {},
) {
  const money = moneyFormat(currency);
  const nets = report.networks.map((n) => n.network);
  const over = (field) =>
    nets.map((name) => ({
      name,
      points: report.series
        .filter((s) => s.network === name && s[field] !== null)
        .map((s) => ({ x: s.t, y: s[field] })),
    }));
  const maxLatency = Math.max(100, ...report.series.map((s) => s.latency_p50 ?? 0));
  const outcomeKeys = Object.entries(OUTCOME_COLORS).map(([k, color]) => ({
    key: k,
    label: k.replace('_', '-'),
    color,
  }));
  const mix = stackedBars(
    report.networks.map((n) => ({
      name: n.network,
      parts: outcomeKeys.map(({ key, label, color }) => ({ label, value: n[key], color })),
      label: `${n.attempts + n.late}`,
    })),
    { title: 'Outcome mix per network', legend: outcomeKeys },
  );
  const revenue = stackedBars(
    report.networks.map((n) => ({
      name: n.network,
      parts: [{ label: 'revenue', value: n.revenue, color: '#1565c0' }],
      label: money(n.revenue),
    })),
    { title: `Estimated revenue per network (${currency})` },
  );
  const t = report.totals;
  const totals = [
    `${t.attempts} attempts`,
    `${t.fills} fills (${pct(t.fill_rate)})`,
    `${t.late} late`,
    `estimated revenue ${money(t.revenue)}`,
    `eCPM ${money(t.ecpm)}`,
    `${rejected} events refused`,
    `config ${esc(config.loaded_at || '—')}` + (config.error ? ` (last change refused: ${esc(config.error)})` : ''),
  ].join(' · ');
  const fillRate = { yMax: 1, yFormat: (v) => `${Math.round(v * 100)}%`, title: 'Fill rate over time' };
  const latency = { yMax: maxLatency, yFormat: (v) => `${Math.round(v)} ms`, title: 'Fill latency (p50) over time' };
  const bidderRows = Object.entries(bidders).map(([id, c]) => ({ id, ...c }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mediation — report</title>
<link rel="icon" href="data:,"><style>${STYLE}</style></head><body>
<h1>Mediation report</h1>
<p class="totals">${totals}</p>
${lineChart(over('fill_rate'), fillRate)}
${lineChart(over('latency_p50'), latency)}
${mix}${revenue}
<h2>Networks</h2>${table(report.networks, [['network', (r) => r.network], ...figures(money)])}
<h2>Mediated and RTB bids</h2>
${table(report.bids, [['bid', (r) => r.bid], ['network', (r) => r.network], ...figures(money)])}
<h2>RTB bidders</h2>${table(bidderRows, BIDDER_COLUMNS)}
${consentPart(consentRejected)}
${loopPart(loop, money)}
${unverified?.totals.attempts ? unverifiedPart(unverified, money) : ''}
<p>Numbers from <a href="/report.json">/report.json</a>, computed by the engine from every stored attempt.</p>
</body></html>`;
}
