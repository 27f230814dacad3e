/**
 * One way for every browser test to find Chromium or Chrome (the renovation issue, point 6: a
 * fresh machine). In order: `CHROMIUM_PATH`; the usual install paths of the system; Playwright's
 * own browser cache (`npx playwright install chromium`). `npm test` runs `test/setup/browser-check.ts`
 * first, which stops the run at once with one line when none is found.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserServer, type Download } from 'playwright-core';

export interface BrowserSearch {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  exists?: (path: string) => boolean;
  list?: (dir: string) => string[];
}

const SYSTEM_PATHS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium', '/opt/google/chrome/chrome'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
};

/** Playwright's cache: where `npx playwright install chromium` puts its builds, per platform. */
const playwrightCaches = (platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): string[] => {
  if (env.PLAYWRIGHT_BROWSERS_PATH && env.PLAYWRIGHT_BROWSERS_PATH !== '0') return [env.PLAYWRIGHT_BROWSERS_PATH];
  if (platform === 'darwin') return [join(home, 'Library', 'Caches', 'ms-playwright')];
  if (platform === 'win32') return [join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'ms-playwright')];
  return [join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'ms-playwright')];
};

/** Executables inside one Playwright browser directory (`chromium-1234`), newest layouts first. */
const inPlaywrightBuild = (platform: NodeJS.Platform, dir: string): string[] => {
  if (platform === 'darwin') return [join(dir, 'chrome-mac-arm64', 'Chromium.app', 'Contents', 'MacOS', 'Chromium'), join(dir, 'chrome-mac', 'Chromium.app', 'Contents', 'MacOS', 'Chromium')];
  if (platform === 'win32') return [join(dir, 'chrome-win64', 'chrome.exe'), join(dir, 'chrome-win', 'chrome.exe')];
  return [join(dir, 'chrome-linux64', 'chrome'), join(dir, 'chrome-linux', 'chrome')];
};

/** The browser to drive, or undefined when this machine has none. */
export const findChromium = (search: BrowserSearch = {}): string | undefined => {
  const env = search.env ?? process.env;
  const platform = search.platform ?? process.platform;
  const home = search.home ?? homedir();
  const exists = search.exists ?? existsSync;
  const list = search.list ?? ((dir: string) => (existsSync(dir) ? readdirSync(dir) : []));
  if (env.CHROMIUM_PATH) return exists(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  const system = (SYSTEM_PATHS[platform] ?? []).find(exists);
  if (system) return system;
  for (const cache of playwrightCaches(platform, home, env)) {
    // chromium-<revision>, newest revision first.
    const builds = list(cache)
      .filter((name) => /^chromium-\d+$/.test(name))
      .sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
    for (const build of builds) {
      const found = inPlaywrightBuild(platform, join(cache, build)).find(exists);
      if (found) return found;
    }
  }
  return undefined;
};

/** One line saying how to get a browser on this system. */
export const installHint = (platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string => {
  if (env.CHROMIUM_PATH) return `kneadpay: CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist; point it at a Chromium or Chrome executable, or unset it`;
  const how =
    platform === 'darwin'
      ? 'brew install --cask chromium (or install Google Chrome)'
      : platform === 'win32'
        ? 'install Google Chrome'
        : 'sudo apt-get install chromium (Debian/Ubuntu; Fedora: sudo dnf install chromium)';
  return `kneadpay: the browser tests need Chromium or Chrome and none was found: ${how}, or run npx playwright install chromium, or set CHROMIUM_PATH=/path/to/chrome`;
};

/** The flags every browser test runs Chromium with. */
export const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * The run's one browser (test/setup/global.ts starts it with `chromium.launchServer()` and stops
 * it by pid): its WebSocket endpoint, inherited by the test workers as the stack's ports are.
 */
export const BROWSER_ENDPOINT_ENV = 'KNEADPAY_TEST_BROWSER_WS';

/**
 * The browser a test file drives. Inside `vitest run` it connects to the run's one Chromium
 * (`BROWSER_ENDPOINT_ENV`); its `close()` then closes this file's contexts and pages and
 * disconnects, leaving the browser to the other files. Without the shared browser (a script
 * outside vitest) it launches the found browser headless, as every file once did.
 */
export const launchBrowser = async (): Promise<Browser> => {
  const endpoint = process.env[BROWSER_ENDPOINT_ENV];
  if (endpoint) return chromium.connect(endpoint);
  const executablePath = findChromium();
  if (!executablePath) throw new Error(installHint());
  return chromium.launch({ executablePath, args: BROWSER_ARGS });
};

/**
 * The bytes of a finished download. A browser reached through `chromium.connect` (the run's shared
 * one) keeps its downloads on its own side, so `download.path()` is refused there; the stream comes
 * over the connection whichever way the browser was started.
 */
export const downloadedBytes = async (download: Download): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * Starts the run's one browser for every browser test file to connect to (listening on loopback
 * only, at an unguessable path), or undefined when this machine has none (the browser files then
 * fail with the install hint, and `npm test` has already stopped in test/setup/browser-check.ts).
 */
export const startBrowserServer = async (): Promise<BrowserServer | undefined> => {
  const executablePath = findChromium();
  if (!executablePath) return undefined;
  return chromium.launchServer({ executablePath, args: BROWSER_ARGS, host: '127.0.0.1' });
};

/** Stops the run's browser: closes it, then ends its process by pid if it has not exited. */
export const stopBrowserServer = async (server: BrowserServer): Promise<void> => {
  const child = server.process();
  await server.close().catch(() => undefined);
  // exitCode and signalCode stay null while the process runs (a pid no longer ours is never signalled).
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Gone in between (ESRCH).
  }
};
