import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { observeLogs } from '../../functions/shared/logger';
import { startLocalStack } from '../../local/stack';
import { BROWSER_ENDPOINT_ENV, startBrowserServer, stopBrowserServer } from '../support/browser';
import { scanText, stripeRequestText } from '../support/phi-scan';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tableName: string;
    /** The local HTTP API (the wiring table's routes, local JWTs). */
    apiUrl: string;
    /** The local SES inbox: `GET /store` lists received mail (see local/ses.ts listEmails). */
    sesUrl: string;
    /** The Stripe emulator, or null while local/stripe-emulator/index.ts does not exist. */
    stripeUrl: string | null;
    /** The stack's data directory: its JWT key signs the tokens the API accepts. */
    dataDir: string;
  }
}

/**
 * Starts the whole local stack once per run, as `npm start` does but on free loopback ports and
 * with DynamoDB in memory: DynamoDB Local (Amazon's engine) with the table built from the schema
 * the CDK stack uses, the SES inbox, the HTTP API, the event bus and the Stripe emulator. The
 * handler environment it sets (KNEADPAY_TABLE, KNEADPAY_DYNAMO_ENDPOINT, STRIPE_API_BASE, …) is
 * inherited by the test workers. Everything is stopped by pid when the run ends.
 *
 * It also starts the run's one Chromium (`chromium.launchServer()`, beside the stack's start):
 * each browser test file connects to it and opens its own contexts instead of launching a browser
 * of its own (test/support/browser.ts `launchBrowser`); its endpoint reaches the workers as
 * `KNEADPAY_TEST_BROWSER_WS`.
 */
export default async function setup(project: TestProject) {
  const tableName = 'kneadpay-test';
  const systemTmp = tmpdir();
  // The run's own temporary folder, removed when it ends: whatever the tests and the tools they drive
  // write through os.tmpdir() in this process, the workers and their children (a CDK synth's
  // `cdk.out*`, a test's scratch folder, a browser's profile) lands here, not in /tmp for good — a
  // run used to leave a dozen `cdk.out*` folders behind.
  const runTmp = mkdtempSync(join(systemTmp, 'kneadpay-run-'));
  process.env.TMPDIR = runTmp;
  const dataDir = mkdtempSync(join(runTmp, 'kneadpay-test-'));
  // The whole run's PHI scan (docs/reliability.md §7): every log line of every process — this one
  // (handlers behind the local API and the bus) and each worker's (test/setup/log-capture.ts) —
  // and every Stripe request kneadpay makes, all of them, not only the last 10,000.
  // Outside the run's folder: kept when the scan finds something.
  const logDir = mkdtempSync(join(systemTmp, 'kneadpay-test-logs-'));
  process.env.KNEADPAY_TEST_LOG_DIR = logDir;
  const mainLog = join(logDir, `main-${process.pid}.jsonl`);
  const stopObserving = observeLogs((line) => appendFileSync(mainLog, `${line}\n`));
  const stripe = { requests: 0, hits: [] as string[] };
  const browserServer = startBrowserServer();
  // Awaited below, after the stack: a failed launch is handled there, not an unhandled rejection.
  browserServer.catch(() => undefined);
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: true,
    tableName,
    schedules: false,
    stripe: 'emulator',
    // Every test file shares this emulator: an admin call that is not scoped to its own accounts is refused.
    sharedStripeEmulator: true,
    // An event the webhook answers 503 (its payment not recorded yet, a lease held) comes again soon: under the
    // suite's load the Stripe-like 0.5 s, 2 s, 10 s schedule left tests waiting 10–30 s for a third delivery.
    stripeWebhookRetryDelaysMs: [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000],
    bus: { pollIntervalMs: 150, retry: { maxAttempts: 3, baseDelayMs: 50 } },
    log: (line) => {
      appendFileSync(mainLog, `${JSON.stringify({ stack: line })}\n`);
      process.stderr.write(`${line}\n`);
    },
    onStripeRequest: (request) => {
      // kneadpay's own calls (its Stripe client names itself in the User-Agent); the tests' direct
      // calls to the emulator and the hosted pages' form posts are the test's, not kneadpay's.
      if (!request.headers['user-agent']?.includes('kneadpay')) return;
      stripe.requests += 1;
      // What Stripe may hold (docs/architecture.md): the client's name and email on the Customer only.
      const text = stripeRequestText(request);
      for (const hit of scanText(text, { emails: true })) stripe.hits.push(`${hit} in ${request.method} ${request.path}`);
    },
  }).catch(async (error: unknown) => {
    // Nothing left running: the browser started beside the stack is stopped too.
    const browser = await browserServer.catch(() => undefined);
    if (browser) await stopBrowserServer(browser);
    throw error;
  });
  // A browser that does not start fails the browser files only (each then launches its own and says why), not the run.
  const browser = await browserServer.catch((error: unknown) => {
    process.stderr.write(`the run's browser did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return undefined;
  });
  if (browser) process.env[BROWSER_ENDPOINT_ENV] = browser.wsEndpoint();
  project.provide('dynamoEndpoint', stack.dynamoEndpoint);
  project.provide('tableName', tableName);
  project.provide('apiUrl', stack.apiUrl);
  project.provide('sesUrl', stack.sesUrl);
  project.provide('stripeUrl', stack.stripeUrl ?? null);
  project.provide('dataDir', dataDir);
  return async () => {
    if (browser) await stopBrowserServer(browser);
    await stack.stop();
    stopObserving();
    rmSync(runTmp, { recursive: true, force: true });
    const files = readdirSync(logDir);
    let lines = 0;
    const logHits: string[] = [];
    for (const file of files) {
      for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
        if (!line) continue;
        lines += 1;
        for (const hit of scanText(line, { emails: true })) logHits.push(`${hit} in ${file}: ${line.slice(0, 300)}`);
      }
    }
    const hits = [...logHits, ...stripe.hits];
    process.stdout.write(`\nPHI scan of the whole run: ${lines} log lines from ${files.length} processes, ${stripe.requests} Stripe requests made by kneadpay: ${hits.length} hits\n`);
    if (hits.length > 0) {
      for (const hit of hits.slice(0, 30)) process.stdout.write(`  ${hit}\n`);
      process.stdout.write(`  (logs kept in ${logDir})\n`);
      // A teardown's exception does not fail a vitest run; the exit code does.
      process.exitCode = 1;
    } else {
      rmSync(logDir, { recursive: true, force: true });
    }
  };
}
