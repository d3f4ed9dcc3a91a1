// tags.js — demo network tags: what real networks do, in miniature. Each is the
// HTML a network would hand a publisher; it runs in a sandboxed frame.
const ad = (color, label) =>
  `<div style="box-sizing:border-box;width:300px;height:250px;background:${color};color:#fff;font:bold 20px sans-serif;display:flex;align-items:center;justify-content:center;text-align:center">${label}</div>`;

export const DEMO_TAGS = {
  // Fills at once and says so.
  fast: ad('#2e7d32', 'Fastfill Ads<br>filled at once') + '<script>mediation.filled()</script>',
  // Fills after a while: within its timeout or late, depending on the timeout.
  slow: `<script>setTimeout(function () { document.body.innerHTML = ${JSON.stringify(ad('#1565c0', 'Slowpoke Media<br>filled after 1.2 s'))}; mediation.filled(); }, 1200)</script>`,
  // Has no ad: its passback calls mediation.noad().
  noad: '<script>/* no campaign matches */ mediation.noad()</script>',
  // Breaks.
  throws: '<script>window.adConfig.zone.id = 1; /* TypeError: adConfig is undefined */</script>',
  // Never answers and shows nothing.
  hang: '<script>/* waits forever for a server that never answers */</script>',
  // Shows an ad without calling anything: detected from what the frame renders.
  silent: ad('#6a1b9a', 'Quietnet<br>filled, said nothing'),
};

export const RTB_AD = ad('#455a64', 'RTB fallback<br>DSP One, $${AUCTION_PRICE}');
