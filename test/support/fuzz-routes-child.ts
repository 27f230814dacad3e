/**
 * The route fuzz's second process (test/support/fuzz-routes.ts, `fuzzPartInChild`): started by
 * test/reliability/fuzz-routes.test.ts with `node --import tsx`, it receives the seed data and its
 * part, runs its share of every route's cases on the test's DynamoDB Local (the environment names
 * it), scans its handlers' log lines for PHI, sends the results back and exits. Like every test
 * worker (test/setup/log-capture.ts), it also appends its log lines to the run's log directory for
 * the whole run's PHI scan (test/setup/global.ts).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTES } from '../../lib/wiring';
import { observeLogs } from '../../functions/shared/logger';
import { fuzzPart, routeKeyOf, useSeed, type ChildResult, type Seed } from './fuzz-routes';
import { captureLogsScanned } from './reliability';

interface Order {
  seed: Seed;
  routes: string[];
  part: number;
  parts: number;
}

const dir = process.env.KNEADPAY_TEST_LOG_DIR;
let buffer: string[] = [];
const flush = () => {
  if (dir && buffer.length > 0) appendFileSync(join(dir, `worker-${process.pid}.jsonl`), `${buffer.join('\n')}\n`);
  buffer = [];
};
if (dir) {
  observeLogs((line) => {
    buffer.push(line);
    if (buffer.length >= 1000) flush();
  });
}

process.once('message', (message) => {
  void (async () => {
    const order = message as Order;
    const logs = captureLogsScanned();
    useSeed(order.seed);
    const routes = ROUTES.filter((route) => order.routes.includes(routeKeyOf(route)));
    const part = await fuzzPart(routes, order.part, order.parts, logs);
    const result: ChildResult = { ...part, logs: { count: logs.count, hitCount: logs.hitCount, hits: logs.hits, errorLines: logs.errorLines } };
    flush();
    process.send!(result, () => process.exit(0));
  })().catch((error: unknown) => {
    process.stderr.write(`fuzz child: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
});
