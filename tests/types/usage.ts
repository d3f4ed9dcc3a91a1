// usage.ts — compiled by `tsc --noEmit` in the tests: the declarations describe the API
// the way a publisher and a server use it.
import mediation, { type AuctionOutput, type RenderOutcome } from '../../dist/mediation.mjs';

async function server(config: object, request: string, responses: string[]): Promise<string> {
  await mediation.ready;
  const handle = mediation.loadConfig(config);
  const out: AuctionOutput = mediation.auction({ config: handle, request, bids: responses });
  const first = out.imps[0].waterfall[0];
  if (first && first.source === 'mediated') first.tag.toUpperCase();
  if (first && first.source === 'rtb') first.adm?.length;
  try {
    return mediation.auctionJSON({ config: handle, request, bids: responses, explain: true });
  } catch (e) {
    if (e instanceof mediation.MediationError) return `${e.code} at ${e.at}`;
    throw e;
  } finally {
    handle.release();
  }
}

async function page(): Promise<RenderOutcome> {
  const m = window.mediation;
  m.setConfig({ reportUrl: '/events', tagHost: ['https://t1.example/frame.html'], allowTopNavigation: false });
  m.on('adRenderFailed', (r) => console.log(r.errors ?? 0));
  m.on('bidTimeout', (r) => console.log(r.network, r.latency_ms));
  m.on('auctionEnd', (e) => console.log(e.filled, e.attempts.length));
  for (const name of m.events) m.on(name, () => {});
  const outcome = await m.render('slot-1', { endpoint: '/auction', request: { id: 'r', imp: [] } }, { impid: '1' });
  m.clear('slot-1');
  if (outcome.attempts.length > m.limits.maxEntries) throw new Error('more attempts than entries');
  return outcome;
}

function numbers(): number | null {
  const r = mediation.report({
    attempts: [{ network: 'n', bid: 'b', source: 'mediated', outcome: 'filled', latency_ms: 10, price: 1, ts: 0 }],
  });
  return r.networks[0].fill_rate;
}

export { server, page, numbers };
