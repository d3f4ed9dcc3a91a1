// demo.js — four slots whose networks fill, pass back, break, hang and answer late,
// each auction run in the page with mediation.render({ config, request, bids }).
import { DEMO_TAGS, RTB_AD } from './tags.js';

const NETWORKS = [
  { id: 'fastfill', name: 'Fastfill Ads' },
  { id: 'slowpoke', name: 'Slowpoke Media' },
  { id: 'passback', name: 'Passback Co' },
  { id: 'brokenads', name: 'Broken Ads' },
  { id: 'blackhole', name: 'Black Hole Network' },
  { id: 'quietnet', name: 'Quietnet' },
];

// Which networks each demo slot's waterfall tries, best CPM first.
const SLOTS = [
  { id: 'slot-1', title: 'First network fills', note: 'Fastfill answers at once.', bids: [['fastfill', 'fast', 3.0, 800], ['passback', 'noad', 2.0, 800]] },
  { id: 'slot-2', title: 'Passback, then a fill', note: 'Passback calls mediation.noad(); Quietnet shows an ad without a word.', bids: [['passback', 'noad', 3.2, 800], ['quietnet', 'silent', 2.6, 1500]] },
  { id: 'slot-3', title: 'Error and hang, then RTB', note: 'Broken Ads throws, Black Hole never answers (700 ms timeout); the RTB bid renders.', bids: [['brokenads', 'throws', 3.5, 800], ['blackhole', 'hang', 3.1, 700]] },
  { id: 'slot-4', title: 'Too slow: late', note: 'Slowpoke fills after 1.2 s but its timeout is 600 ms: reported late, never shown.', bids: [['slowpoke', 'slow', 4.0, 600], ['fastfill', 'fast', 2.2, 800]] },
];

const config = {
  currency: 'USD',
  max_waterfall: 4,
  waterfall_timeout_ms: 4000,
  networks: NETWORKS,
  mediated_bids: SLOTS.flatMap((s) =>
    s.bids.map(([network, tag, cpm, timeout_ms]) => ({
      id: `${s.id}-${network}`, network, cpm, timeout_ms, sizes: [[300, 250]],
      targeting: { placements: [s.id] }, tag: DEMO_TAGS[tag], active: true,
    }))),
};

const log = document.getElementById('log');
function line(text) {
  log.textContent += `${new Date().toISOString().slice(11, 23)}  ${text}\n`;
  log.scrollTop = log.scrollHeight;
}
for (const name of ['auctionInit', 'bidRequested', 'bidResponse', 'noBid', 'bidTimeout', 'bidLate', 'adRenderFailed', 'bidWon', 'auctionEnd']) {
  mediation.on(name, (e) => {
    if (name === 'auctionInit') return line(`${e.imp_id} auctionInit: ${e.waterfall.map((w) => w.bid).join(' → ')}`);
    if (name === 'auctionEnd') return line(`${e.imp_id} auctionEnd: ${e.filled ? 'filled by ' + e.by.bid : 'empty'}`);
    line(`${e.imp_id} ${name}: ${e.bid}${e.latency_ms !== undefined ? ` (${e.outcome}, ${e.latency_ms} ms)` : ''}`);
  });
}
mediation.setConfig({ reportUrl: '/events' });

const holder = document.getElementById('slots');
for (const s of SLOTS) {
  holder.insertAdjacentHTML('beforeend', `<section><h2>${s.title}</h2><p class="note">${s.note}</p><div class="slot" id="${s.id}"></div><div class="outcome" id="${s.id}-outcome"></div></section>`);
}

async function run() {
  await mediation.ready;
  const handle = mediation.loadConfig(config);
  await Promise.all(SLOTS.map(async (s) => {
    const out = document.getElementById(`${s.id}-outcome`);
    out.textContent = 'running…';
    const request = { id: `demo-${s.id}-${Date.now()}`, imp: [{ id: s.id, tagid: s.id, banner: { w: 300, h: 250 } }], site: { domain: location.hostname } };
    const bids = [{ id: request.id, cur: 'USD', seatbid: [{ seat: 'dsp-one', bid: [{ id: `rtb-${s.id}`, impid: s.id, price: 1.1, w: 300, h: 250, adm: RTB_AD }] }] }];
    const outcome = await mediation.render(s.id, { config: handle, request, bids }, { collapse: false });
    out.textContent = outcome.attempts.map((a) => `${a.bid.replace(`${s.id}-`, '')}: ${a.outcome} ${a.latency_ms} ms`).join(' · ');
  }));
}

document.getElementById('again').addEventListener('click', run);
run();
