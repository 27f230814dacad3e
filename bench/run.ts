/**
 * `npm run bench`: every benchmark, one after another (never two at once: the machine's cores
 * are shared, and each bench's ratios assume it runs alone), each in its own process, with its
 * output printed as it comes. Measured on the 2-core machine: era ~20 s, webhook ~50 s, remittance-import ~3.5 min,
 * coldstart ~75 s, cost ~60 s, start ~2 min, scale ~2 min, claim-invoices ~40 s.
 *
 *   npm run bench [-- --only era,coldstart] [--era-sizes 10000,100000] [--webhook-events 600]
 *                     [--remittance-sizes 500,2500] [--remittance-latency-ms 0,3]
 *                     [--coldstart-runs 7] [--cost-journeys 3]
 *                     [--start-runs 3] [--app-runs 5] [--scale-practices 10000] [--scale-clients 10000]
 *                     [--claim-invoices-others 2000]
 *
 * Exits non-zero when a bench fails; the others still run.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const pass = (flag: string, value: string | undefined): string[] => (value ? [flag, value] : []);

interface Bench {
  name: string;
  file: string;
  args: string[];
}

const BENCHES: Bench[] = [
  // The default sizes (10,000 and 100,000 claims, 3 runs) take about 20 s here, well under 2 min.
  { name: 'era', file: 'bench/era.ts', args: pass('--sizes', option('era-sizes')) },
  { name: 'webhook', file: 'bench/webhook.ts', args: pass('--events', option('webhook-events')) },
  // 835 files of 500 and 2,500 claim payments, the import against its earlier one-at-a-time loop, at 0 and 3 ms a round trip.
  { name: 'remittance-import', file: 'bench/remittance-import.ts', args: [...pass('--sizes', option('remittance-sizes')), ...pass('--latency-ms', option('remittance-latency-ms'))] },
  { name: 'webhook-content', file: 'bench/webhook-content.ts', args: pass('--events', option('webhook-events')) },
  { name: 'coldstart', file: 'bench/coldstart.ts', args: pass('--runs', option('coldstart-runs')) },
  { name: 'cost', file: 'bench/cost.ts', args: pass('--journeys', option('cost-journeys')) },
  // A fresh clone of HEAD, `npm ci` in it (~1 min), then `npm start` three times (~10 s each).
  { name: 'start', file: 'bench/start.ts', args: pass('--runs', option('start-runs')) },
  // npm start, then the web app's sizes and time to a usable Today against the storefront (~30 s).
  { name: 'app', file: 'bench/app.ts', args: pass('--runs', option('app-runs')) },
  // 10,000 practices and a practice with 10,000 clients on DynamoDB Local: every job visits every practice once.
  { name: 'scale', file: 'bench/scale.ts', args: [...pass('--practices', option('scale-practices')), ...pass('--clients', option('scale-clients'))] },
  // A claim's 2 invoices in a practice with 0 and 2,000 other invoices: the Query way against the claim's own list (bug 157).
  { name: 'claim-invoices', file: 'bench/claim-invoices.ts', args: pass('--others', option('claim-invoices-others')) },
];

const runOne = (bench: Bench): Promise<number> =>
  new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, bench.file), ...bench.args], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`bench ${bench.name}: ${error.message}`);
      resolveRun(1);
    });
    child.on('close', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });

const main = async () => {
  const only = option('only')?.split(',');
  const selected = BENCHES.filter((bench) => !only || only.includes(bench.name));
  if (only && selected.length !== only.length) {
    console.error(`unknown bench in --only ${only.join(',')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const results: { name: string; code: number; seconds: number }[] = [];
  for (const bench of selected) {
    console.log(`\n===== ${bench.name}: ${[bench.file, ...bench.args].join(' ')} =====\n`);
    const started = performance.now();
    const code = await runOne(bench);
    results.push({ name: bench.name, code, seconds: (performance.now() - started) / 1000 });
  }
  console.log('\n===== summary =====');
  for (const result of results) console.log(`${result.name.padEnd(10)} ${result.code === 0 ? 'ok    ' : `FAILED (exit ${result.code})`} ${result.seconds.toFixed(0)} s`);
  if (results.some((result) => result.code !== 0)) process.exitCode = 1;
};

await main();
