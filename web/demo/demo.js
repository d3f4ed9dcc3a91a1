// demo.js — four slots on a publisher page. Each asks the ad server for its
// waterfall (POST /auction) and runs it; the networks in web/demo/config.json fill,
// pass back, throw, hang and answer late. Every attempt is beaconed to /events and
// counted on /report.
const SLOTS = [
  { id: 'slot-1', title: 'First network fills', note: 'Fastfill answers at once.' },
  {
    id: 'slot-2',
    title: 'Passback, then a fill',
    note: 'Passback calls mediation.noad(); Quietnet shows an ad without a word.',
  },
  {
    id: 'slot-3',
    title: 'Error and hang, then RTB',
    note: 'Broken Ads throws, Black Hole never answers (700 ms timeout); the RTB bid renders.',
  },
  {
    id: 'slot-4',
    title: 'Too slow: late',
    note: 'Slowpoke fills after 1.2 s but its timeout is 600 ms: reported late, never shown.',
  },
];

const log = document.getElementById('log');
function line(text) {
  log.textContent += `${new Date().toISOString().slice(11, 23)}  ${text}\n`;
  log.scrollTop = log.scrollHeight;
}
for (const name of mediation.events) {
  mediation.on(name, (e) => {
    if (name === 'auctionInit') return line(`${e.imp_id} auctionInit: ${e.waterfall.map((w) => w.bid).join(' → ')}`);
    if (name === 'auctionEnd')
      return line(
        `${e.imp_id} auctionEnd: ${e.filled ? 'filled by ' + e.by.bid : 'empty'}${e.error ? ' (' + e.error + ')' : ''}`,
      );
    line(`${e.imp_id} ${name}: ${e.bid}${e.latency_ms !== undefined ? ` (${e.outcome}, ${e.latency_ms} ms)` : ''}`);
  });
}
// Tags load in frames of the tag hosts the ad server answers as (config.tag_hosts):
// *.localhost names, each its own site, so a tag that hangs cannot stall the others.
const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(location.hostname);
mediation.setConfig({
  reportUrl: '/events',
  tagHost: loopback ? ['tags1', 'tags2'].map((h) => `http://${h}.localhost:${location.port}/frame.html`) : null,
});

const holder = document.getElementById('slots');
for (const s of SLOTS) {
  holder.insertAdjacentHTML(
    'beforeend',
    `<section><h2>${s.title}</h2><p class="note">${s.note}</p><div class="slot" id="${s.id}"></div><div class="outcome" id="${s.id}-outcome" data-state="running"></div></section>`,
  );
}

async function run() {
  await Promise.all(
    SLOTS.map(async (s) => {
      const out = document.getElementById(`${s.id}-outcome`);
      out.textContent = 'running…';
      out.dataset.state = 'running';
      const request = {
        id: `demo-${s.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
        tmax: 800, // the bidders' time; generous, so that a busy machine still hears the quick one
        imp: [{ id: s.id, tagid: s.id, bidfloor: 0.5, banner: { format: [{ w: 300, h: 250 }] } }],
        site: { domain: location.hostname, page: location.href },
        device: { devicetype: 2 },
      };
      const outcome = await mediation.render(s.id, { endpoint: '/auction', request }, { collapse: false });
      out.textContent =
        outcome.attempts.map((a) => `${a.bid.replace(`${s.id}-`, '')}: ${a.outcome} ${a.latency_ms} ms`).join(' · ') ||
        (outcome.error ?? 'empty');
      out.dataset.state = outcome.filled ? 'filled' : 'empty';
      out.dataset.by = outcome.by ? outcome.by.bid : '';
    }),
  );
}

document.getElementById('again').addEventListener('click', run);
run();
