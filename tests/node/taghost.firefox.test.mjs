// taghost.firefox.test.mjs — the tag host suite (taghost-suite.mjs) in Debian's Firefox
// ESR with site isolation on, through puppeteer-core over WebDriver BiDi.
import { launchFirefox } from './firefox.mjs';
import { suite } from './taghost-suite.mjs';

// Firefox does not deliver simulated input to cross-site frames under site isolation
// (Mozilla bug 1773393), so the click case runs in Chromium only.
suite('firefox', launchFirefox, { realClicks: false });
