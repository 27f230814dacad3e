/**
 * `npm test` runs this before anything else: without Chromium or Chrome the browser tests cannot
 * run, so the run stops at once with one line saying how to get one, and exits 1.
 */
import { findChromium, installHint } from '../support/browser';

if (!findChromium()) {
  process.stderr.write(`${installHint()}\n`);
  process.exit(1);
}
