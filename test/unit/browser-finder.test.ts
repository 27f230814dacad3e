import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, installHint } from '../support/browser';

/**
 * The browser finder (the renovation issue, point 6). The file system is given as a set of paths:
 * a real fresh machine without a browser cannot be made inside this one, so the search is fed one.
 */
const machine = (paths: string[]) => {
  const files = new Set(paths);
  return {
    exists: (path: string) => files.has(path),
    list: (dir: string) => [...new Set(paths.filter((path) => path.startsWith(`${dir}/`)).map((path) => path.slice(dir.length + 1).split('/')[0]!))],
  };
};

describe('finding Chromium or Chrome', () => {
  it('CHROMIUM_PATH wins, and a wrong one is not silently replaced by another browser', () => {
    // Prepare
    const fs = machine(['/opt/my/chrome', '/usr/bin/chromium']);

    // Act
    const chosen = findChromium({ ...fs, env: { CHROMIUM_PATH: '/opt/my/chrome' }, platform: 'linux', home: '/home/u' });
    const wrong = findChromium({ ...fs, env: { CHROMIUM_PATH: '/nowhere/chrome' }, platform: 'linux', home: '/home/u' });

    // Assess
    expect(chosen).toBe('/opt/my/chrome');
    expect(wrong).toBeUndefined();
    expect(installHint('linux', { CHROMIUM_PATH: '/nowhere/chrome' })).toBe('kneadpay: CHROMIUM_PATH=/nowhere/chrome does not exist; point it at a Chromium or Chrome executable, or unset it');
  });

  it('the usual install paths: Debian chromium, then Google Chrome; macOS applications', () => {
    expect(findChromium({ ...machine(['/usr/bin/google-chrome-stable']), env: {}, platform: 'linux', home: '/home/u' })).toBe('/usr/bin/google-chrome-stable');
    expect(findChromium({ ...machine(['/usr/bin/chromium', '/usr/bin/google-chrome']), env: {}, platform: 'linux', home: '/home/u' })).toBe('/usr/bin/chromium');
    expect(findChromium({ ...machine(['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']), env: {}, platform: 'darwin', home: '/Users/u' })).toBe(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    );
  });

  it("Playwright's own cache: the newest chromium-<revision> build", () => {
    const fs = machine([
      '/home/u/.cache/ms-playwright/chromium-1100/chrome-linux/chrome',
      '/home/u/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome',
      '/home/u/.cache/ms-playwright/firefox-900/firefox/firefox',
    ]);
    expect(findChromium({ ...fs, env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome');
    expect(findChromium({ ...machine(['/pw/chromium-7/chrome-linux/chrome']), env: { PLAYWRIGHT_BROWSERS_PATH: '/pw' }, platform: 'linux', home: '/home/u' })).toBe(
      '/pw/chromium-7/chrome-linux/chrome',
    );
  });

  it('none found: undefined, and the hint says how to install one for the system', () => {
    expect(findChromium({ ...machine([]), env: {}, platform: 'linux', home: '/home/u' })).toBeUndefined();
    expect(installHint('linux', {})).toMatch(/^kneadpay: the browser tests need Chromium or Chrome and none was found: sudo apt-get install chromium/);
    expect(installHint('darwin', {})).toContain('brew install --cask chromium');
    expect(installHint('win32', {})).toContain('install Google Chrome');
  });

  it('the check npm test runs first: exit 1 with one line when the only browser named is missing', () => {
    // Prepare: CHROMIUM_PATH names a browser that is not there (the search stops there).
    const home = mkdtempSync(join(tmpdir(), 'kneadpay-nobrowser-'));

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/setup/browser-check.ts'], { env: { ...process.env, CHROMIUM_PATH: join(home, 'no-chrome'), HOME: home }, encoding: 'utf8' });
    rmSync(home, { recursive: true, force: true });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`kneadpay: CHROMIUM_PATH=${join(home, 'no-chrome')} does not exist; point it at a Chromium or Chrome executable, or unset it`]);
  });
});
