// report.mjs — the report page: the engine's statistics as tables and SVG charts
// drawn here (no chart library, no CDN).

const esc = (s) => String(s ?? '—').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1565c0', '#2e7d32', '#c62828', '#6a1b9a', '#ef6c00', '#00838f', '#4e342e', '#ad1457'];
const OUTCOME_COLORS = { fills: '#2e7d32', no_fills: '#9e9e9e', errors: '#c62828', timeouts: '#ef6c00', late: '#6a1b9a' };
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const money = (x) => (x === null || x === undefined ? '—' : `$${x.toFixed(4)}`);

// One line per series over time; y from 0 to yMax.
export function lineChart(series, { yMax, yFormat, title }) {
  const W = 560, H = 220, L = 48, R = 120, T = 24, B = 28;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const sx = (x) => L + (x1 === x0 ? (W - L - R) / 2 : ((x - x0) / (x1 - x0)) * (W - L - R));
  const sy = (y) => T + (1 - y / (yMax || 1)) * (H - T - B);
  const grid = [0, 0.5, 1].map((f) => `<line x1="${L}" x2="${W - R}" y1="${sy(f * yMax)}" y2="${sy(f * yMax)}" stroke="#ddd"/><text x="${L - 6}" y="${sy(f * yMax) + 4}" text-anchor="end">${esc(yFormat(f * yMax))}</text>`).join('');
  const lines = series.map((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    const dots = s.points.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.5" fill="${c}"/>`).join('');
    return `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>${dots}<text x="${W - R + 8}" y="${T + 14 * i + 4}" fill="${c}">${esc(s.name)}</text>`;
  }).join('');
  const time = (t) => new Date(t).toISOString().slice(11, 16);
  const axis = xs.length ? `<text x="${L}" y="${H - 8}">${time(x0)}</text><text x="${W - R}" y="${H - 8}" text-anchor="end">${time(x1)} UTC</text>` : '<text x="50%" y="50%">no data yet</text>';
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${grid}${lines}${axis}</svg></figure>`;
}

// Horizontal bars, each split into coloured parts.
export function stackedBars(rows, { title, legend }) {
  const W = 560, L = 120, R = 16, rowH = 26, T = 28;
  const H = T + rows.length * rowH + 8;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((t, p) => t + p.value, 0)));
  const bars = rows.map((r, i) => {
    let x = L;
    const y = T + i * rowH;
    const parts = r.parts.map((p) => {
      const w = (p.value / max) * (W - L - R);
      const rect = w > 0 ? `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${p.color}"><title>${esc(p.label)}: ${p.value}</title></rect>` : '';
      x += w;
      return rect;
    }).join('');
    return `<text x="${L - 6}" y="${y + 13}" text-anchor="end">${esc(r.name)}</text>${parts}<text x="${(x + 4).toFixed(1)}" y="${y + 13}">${esc(r.label ?? '')}</text>`;
  }).join('');
  const keys = (legend || []).map((k, i) => `<rect x="${L + i * 86}" y="6" width="10" height="10" fill="${k.color}"/><text x="${L + i * 86 + 14}" y="15">${esc(k.label)}</text>`).join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${keys}${bars}</svg></figure>`;
}

function table(rows, columns) {
  const head = columns.map((c) => `<th>${esc(c[0])}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${esc(c[1](r))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}">no attempts yet</td></tr>`}</tbody></table>`;
}

const FIGURES = [
  ['attempts', (r) => r.attempts], ['fills', (r) => r.fills], ['fill rate', (r) => pct(r.fill_rate)],
  ['no-fills', (r) => r.no_fills], ['timeouts', (r) => r.timeouts], ['errors', (r) => r.errors], ['late', (r) => r.late],
  ['latency p50', (r) => (r.latency_p50 === null ? '—' : `${r.latency_p50} ms`)], ['p95', (r) => (r.latency_p95 === null ? '—' : `${r.latency_p95} ms`)],
  ['revenue', (r) => money(r.revenue)], ['eCPM', (r) => money(r.ecpm)],
];

export function reportPage(report, { bidders = {}, rejected = 0, config = {} } = {}) {
  const nets = report.networks.map((n) => n.network);
  const over = (field) => nets.map((name) => ({ name, points: report.series.filter((s) => s.network === name && s[field] !== null).map((s) => ({ x: s.t, y: s[field] })) }));
  const maxLatency = Math.max(100, ...report.series.map((s) => s.latency_p50 ?? 0));
  const mix = stackedBars(report.networks.map((n) => ({
    name: n.network,
    parts: Object.entries(OUTCOME_COLORS).map(([k, color]) => ({ label: k.replace('_', '-'), value: n[k], color })),
    label: `${n.attempts + n.late}`,
  })), { title: 'Outcome mix per network', legend: Object.entries(OUTCOME_COLORS).map(([k, color]) => ({ label: k.replace('_', '-'), color })) });
  const revenue = stackedBars(report.networks.map((n) => ({ name: n.network, parts: [{ label: 'revenue', value: n.revenue, color: '#1565c0' }], label: money(n.revenue) })), { title: 'Estimated revenue per network' });
  const bidderRows = Object.entries(bidders).map(([id, c]) => ({ id, ...c }));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mediation — report</title><link rel="icon" href="data:,">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}th,td{padding:4px 10px;border-bottom:1px solid #e0e0e0;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}figure{display:inline-block;margin:0 24px 24px 0}figcaption{font-weight:600;margin-bottom:4px}svg{font:11px system-ui,sans-serif;background:#fafafa}.totals{font-size:16px}</style></head><body>
<h1>Mediation report</h1>
<p class="totals">${report.totals.attempts} attempts · ${report.totals.fills} fills (${pct(report.totals.fill_rate)}) · ${report.totals.late} late · estimated revenue ${money(report.totals.revenue)} · eCPM ${money(report.totals.ecpm)} · ${rejected} malformed events refused · config ${esc(config.loaded_at || '—')}${config.error ? ` (last change refused: ${esc(config.error)})` : ''}</p>
${lineChart(over('fill_rate'), { yMax: 1, yFormat: (v) => `${Math.round(v * 100)}%`, title: 'Fill rate over time' })}
${lineChart(over('latency_p50'), { yMax: maxLatency, yFormat: (v) => `${Math.round(v)} ms`, title: 'Fill latency (p50) over time' })}
${mix}${revenue}
<h2>Networks</h2>${table(report.networks, [['network', (r) => r.network], ...FIGURES])}
<h2>Mediated and RTB bids</h2>${table(report.bids, [['bid', (r) => r.bid], ['network', (r) => r.network], ...FIGURES])}
<h2>RTB bidders</h2>${table(bidderRows, [['bidder', (r) => r.id], ['asked', (r) => r.requests], ['bids', (r) => r.bids], ['no-bids', (r) => r.nobids], ['timeouts', (r) => r.timeouts], ['errors', (r) => r.errors], ['malformed', (r) => r.malformed]])}
<p>Numbers from <a href="/report.json">/report.json</a>, computed by the engine from every stored attempt.</p>
</body></html>`;
}
