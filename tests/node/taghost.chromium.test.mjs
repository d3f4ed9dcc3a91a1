// taghost.chromium.test.mjs — the tag host suite (taghost-suite.mjs) in Debian's Chromium,
// with a profile that allows third-party storage, and an incognito one that blocks it.
import { launch, launchWithProfile } from './browser-helpers.mjs';
import { suite } from './taghost-suite.mjs';

suite('chromium', launchWithProfile, { storageBlocked: launch });
