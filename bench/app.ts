/**
 * The staff web app's weight and speed (issue 19, point 5), on `npm start`:
 *
 *   npx tsx bench/app.ts [--runs 5]
 *
 * 1. Starts `npm start` on free ports with a data directory of its own (local/processes.ts).
 * 2. Sizes: the app's JavaScript and CSS as served, raw and gzip-compressed (what a browser
 *    downloads), against the budget of 150 KB compressed for both together.
 * 3. Time to a usable Today page: a fresh browser context opens `/app/`, signs in with the practice
 *    id (the local sign-in) and waits until Today has loaded its figures (`main[data-state=ready]`).
 *    Against, in the same run and browser: the practice's storefront page (`/p/{practiceId}`,
 *    server-rendered, no script) until its Buy button is there. Medians of `--runs` cold contexts
 *    (nothing cached), after one warm-up of each (the first Lambda-module import is not the app's).
 *
 * Exits 1 when the compressed JavaScript + CSS exceed 150 KB.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, isolatedStackEnv } from '../local/processes';
import { launchBrowser } from '../test/support/browser';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_BYTES = 150 * 1024;

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const runs = Math.max(1, Number.parseInt(option('runs') ?? '5', 10) || 5);
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const startStack = async (dataDir: string) => {
  const child = spawn('npm', ['start'], { cwd: ROOT, env: isolatedStackEnv(dataDir, { KNEADPAY_SCHEDULES: 'off' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const { output } = collect(child);
  const deadline = Date.now() + 60_000;
  const stackFile = join(dataDir, 'stack.json');
  while (!existsSync(stackFile)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output.stdout}\n${output.stderr}`);
    await sleep(200);
  }
  const { apiUrl } = JSON.parse(readFileSync(stackFile, 'utf8')) as { apiUrl: string };
  return {
    apiUrl,
    stop: async () => {
      const running = () => child.exitCode === null && child.signalCode === null;
      process.kill(-child.pid!, 'SIGINT');
      for (let i = 0; i < 50 && running(); i += 1) await sleep(200);
      if (running()) process.kill(-child.pid!, 'SIGKILL');
    },
  };
};

const main = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kneadpay-bench-app-'));
  const stack = await startStack(dataDir);
  const browser = await launchBrowser();
  try {
    // Sizes, as served.
    const sizes: Record<string, { raw: number; gzip: number }> = {};
    for (const file of ['app.js', 'app.css']) {
      const raw = Buffer.from(await (await fetch(`${stack.apiUrl}/app/${file}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()).length;
      const gzipped = await fetch(`${stack.apiUrl}/app/${file}`, { headers: { 'accept-encoding': 'gzip' } });
      sizes[file] = { raw, gzip: Number(gzipped.headers.get('content-length')) };
    }
    const total = sizes['app.js']!.gzip + sizes['app.css']!.gzip;

    // A practice with a package, made as the front desk would (local sign-in → API).
    const practiceId = `bench_${Date.now().toString(36)}`;
    const { token } = (await (await fetch(`${stack.apiUrl}/_local/token`, { method: 'POST', body: JSON.stringify({ practiceId }) })).json()) as { token: string };
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${stack.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await call('PUT', `/practices/${practiceId}`, { name: 'Bench Bodywork', email: 'desk@bench.example' });
    const pkg = await call('POST', `/practices/${practiceId}/packages`, { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' });
    if (pkg.status !== 201) throw new Error(`package: ${pkg.status} ${await pkg.text()}`);

    const today = async (): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 820, height: 1180 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.apiUrl}/app/`);
      await page.getByLabel('Practice ID').fill(practiceId);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('main[data-state="ready"] h1', { hasText: 'Today' }).waitFor();
      const ms = performance.now() - started;
      await context.close();
      return ms;
    };
    const storefront = async (): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 820, height: 1180 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.apiUrl}/p/${practiceId}`);
      await page.getByRole('button', { name: /^Buy / }).waitFor();
      const ms = performance.now() - started;
      await context.close();
      return ms;
    };
    await today();
    await storefront();
    const times = { today: [] as number[], storefront: [] as number[] };
    for (let i = 0; i < runs; i += 1) {
      times.today.push(await today());
      times.storefront.push(await storefront());
    }

    console.log('web app bench (npm start, loopback, headless Chromium, cold browser context per run)');
    console.log(`  app.js   ${kb(sizes['app.js']!.raw).padStart(9)} raw  ${kb(sizes['app.js']!.gzip).padStart(9)} gzip`);
    console.log(`  app.css  ${kb(sizes['app.css']!.raw).padStart(9)} raw  ${kb(sizes['app.css']!.gzip).padStart(9)} gzip`);
    console.log(`  JS + CSS ${kb(total).padStart(9)} gzip of the 150 KB budget (${((total / BUDGET_BYTES) * 100).toFixed(0)} %)`);
    const todayMs = median(times.today);
    const storefrontMs = median(times.storefront);
    console.log(`  usable Today (open /app/, sign in, figures loaded)   median ${todayMs.toFixed(0)} ms of ${runs} (${times.today.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  storefront page (/p/{practiceId}, Buy button there) median ${storefrontMs.toFixed(0)} ms of ${runs} (${times.storefront.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  Today / storefront: ${(todayMs / storefrontMs).toFixed(2)}x (Today also signs in and makes 9 API calls: the profile, then 8 in parallel)`);
    if (total > BUDGET_BYTES) {
      console.error(`the app's JavaScript and CSS are ${kb(total)} compressed, over the 150 KB budget`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

await main();
