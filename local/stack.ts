/**
 * The whole laptop runtime in one call, used by `npm start` (local/start.ts) and by the test run's
 * global setup: DynamoDB Local with the table, the local SES inbox, the local HTTP API, the event
 * bus fed by the table's stream, and Stripe (the bundled emulator, or real test mode when
 * `STRIPE_SECRET_KEY` is set). It sets the environment the handlers read and stops everything in
 * reverse order, child processes by pid.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mintLocalToken, verifyLocalToken } from './auth';
import { assertJava, ensureTable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { readDeadLetters, startEventBus, type DeadLetter, type LocalEventBus, type RetryPolicy } from './event-bus';
import { PROJECT_ROOT, startHttpApi, type LocalHttpApi, type LocalRouteHandler } from './http-api';
import { assertPortFree } from './ports';
import { DEFAULT_STRIPE_API_BASE, functionEnvironment, readLocalSettings } from './settings';
import { startSes, type LocalSes } from './ses';
import { localSignInRoute, prepareWebApp } from './web-app';

export const DEFAULT_WEBHOOK_SECRET = 'whsec_kneadpay_local';
/** The key handlers get with the emulator; it accepts any `sk_test_…`. */
export const EMULATOR_SECRET_KEY = 'sk_test_emulator';
export const REAL_STRIPE_API_BASE = 'https://api.stripe.com';

export type StripeMode = 'emulator' | 'real';

export interface LocalStackOptions {
  /** API port on 127.0.0.1; 0 picks a free one. Default `PORT` or 3000. */
  port?: number;
  /** Data directory (JWT key, DynamoDB files, dead letters, bus checkpoint). Default `KNEADPAY_DATA_DIR` or `.kneadpay`. */
  dataDir?: string;
  /** DynamoDB in memory, nothing written but the JWT key (tests). Default false: data kept across restarts. */
  inMemory?: boolean;
  /** Default: `real` when `STRIPE_SECRET_KEY` is set, else `emulator`. */
  stripe?: StripeMode;
  /** Run SCHEDULES on intervals (default false). */
  schedules?: boolean;
  /** Table name (default `KNEADPAY_TABLE` or `kneadpay`). */
  tableName?: string;
  /** Ports of the parts; absent or 0: a free port. */
  dynamoPort?: number;
  sesPort?: number;
  stripePort?: number;
  /** The emulator's webhook retry schedule (default Stripe-like: 0.5 s, 2 s, 10 s, 30 s, 60 s). */
  stripeWebhookRetryDelaysMs?: number[];
  bus?: { retry?: RetryPolicy; pollIntervalMs?: number; scheduleIntervalMs?: number };
  /** Called when the bus parks an event. */
  onDeadLetter?: (deadLetter: DeadLetter) => void;
  /** Diagnostics from the parts (default stderr). */
  log?: (line: string) => void;
  /** Every request the Stripe emulator records, as it comes (the test run's PHI scan). */
  /** The emulator is shared by many test files at once: refuse admin calls beyond the caller's accounts (the test run). */
  sharedStripeEmulator?: boolean;
  onStripeRequest?: (request: { method: string; path: string; headers: { 'user-agent': string | null }; params: unknown; rawBody: string; query: string }) => void;
}

export interface LocalStack {
  apiUrl: string;
  dynamoEndpoint: string;
  sesUrl: string;
  /** The Stripe API the handlers call; undefined when the emulator is not available. */
  stripeUrl: string | undefined;
  mode: StripeMode;
  tableName: string;
  dataDir: string;
  bus: LocalEventBus;
  /** Child processes (for `npm start`'s report and the shutdown test). */
  pids: { dynamodb: number; ses: number };
  /** Dead letters appended by earlier runs (persistent mode only). */
  previousDeadLetters: number;
  stop(): Promise<void>;
}

/** The Stripe emulator's entry (local/stripe-emulator/index.ts), built by another part of the project. */
interface StripeEmulatorModule {
  startStripeEmulator(options: {
    port?: number;
    webhookUrls?: string[];
    webhookSecret?: string;
    onRequest?: LocalStackOptions['onStripeRequest'];
    stateFile?: string;
    sharedAdmin?: boolean;
  }): Promise<{
    url: string;
    port: number;
    stop(): Promise<void>;
    setWebhookUrls(urls: string[]): void;
  }>;
}
type StripeEmulator = Awaited<ReturnType<StripeEmulatorModule['startStripeEmulator']>>;

const STRIPE_EMULATOR_ENTRY = join(PROJECT_ROOT, 'local', 'stripe-emulator', 'index.ts');

/**
 * INTEGRATION POINT (Stripe emulator): loaded only when local/stripe-emulator/index.ts exists, so
 * the stack runs (without Stripe) while the emulator is being built. Returns undefined when absent.
 */
const loadStripeEmulator = async (): Promise<StripeEmulatorModule | undefined> => {
  if (!existsSync(STRIPE_EMULATOR_ENTRY)) return undefined;
  const module = (await import(/* @vite-ignore */ pathToFileURL(STRIPE_EMULATOR_ENTRY).href)) as Partial<StripeEmulatorModule>;
  if (typeof module.startStripeEmulator !== 'function') {
    throw new Error('local/stripe-emulator/index.ts does not export startStripeEmulator');
  }
  return module as StripeEmulatorModule;
};

const portOf = (url: string): number | undefined => {
  try {
    const port = new URL(url).port;
    return port ? Number(port) : undefined;
  } catch {
    return undefined;
  }
};

const isAlive = (pid: number): boolean => {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = readLocalSettings();
  const dataDir = resolve(options.dataDir ?? settings.dataDir);
  const tableName = options.tableName ?? settings.tableName;
  const mode: StripeMode = options.stripe ?? (settings.stripeSecretKey ? 'real' : 'emulator');
  if (mode === 'real' && !settings.stripeSecretKey) throw new Error('stripe: real needs STRIPE_SECRET_KEY (a test-mode key, sk_test_…)');
  const apiPort = options.port ?? settings.port;
  const webhookSecret = settings.stripeWebhookSecret ?? DEFAULT_WEBHOOK_SECRET;

  // Fail before starting anything (Java takes seconds) when a chosen port is taken.
  if (apiPort) await assertPortFree(apiPort, 'the kneadpay API (PORT)');
  if (options.dynamoPort) await assertPortFree(options.dynamoPort, 'DynamoDB Local (KNEADPAY_DYNAMO_PORT)');
  if (options.sesPort) await assertPortFree(options.sesPort, 'the local SES inbox (KNEADPAY_SES_PORT)');
  if (mode === 'emulator' && options.stripePort) await assertPortFree(options.stripePort, 'the Stripe emulator (STRIPE_API_BASE)');

  const stops: Array<() => Promise<void>> = [];
  const childPids: number[] = [];
  // The functions' environment, as Lambda would set it; put back as it was on stop.
  const environment = functionEnvironment();
  const setEnv = (name: string, value: string) => environment.set(name, value);
  // A crash must not leave Java or the inbox behind.
  const killChildren = () => {
    for (const pid of childPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  };
  process.on('exit', killChildren);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const step of stops.reverse()) {
      await step().catch((error: unknown) => log(`stopping: ${(error as Error)?.message ?? String(error)}`));
    }
    environment.restore();
    process.off('exit', killChildren);
  };

  try {
    // The signing key exists before anyone (the CLI, test workers) mints a token concurrently.
    setEnv('KNEADPAY_DATA_DIR', dataDir);
    await mintLocalToken('warm-up', { dir: dataDir });

    assertJava();
    // C1-only JIT and the serial collector: DynamoDB Local is up in about a third of the time on
    // a busy two-core machine (measured ~3 s against ~9 s), and a local table never needs C2.
    if (settings.javaToolOptions === undefined) setEnv('JAVA_TOOL_OPTIONS', '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC');
    const started = await Promise.allSettled([
      startDynamoDbLocal({ port: options.dynamoPort || undefined, dataDir: options.inMemory ? undefined : join(dataDir, 'dynamodb') }),
      startSes({ port: options.sesPort || undefined }),
    ]);
    for (const part of started) {
      if (part.status !== 'fulfilled') continue;
      childPids.push(part.value.pid);
      stops.push(() => part.value.stop());
    }
    const failed = started.find((part): part is PromiseRejectedResult => part.status === 'rejected');
    if (failed) throw failed.reason;
    const dynamo = (started[0] as PromiseFulfilledResult<DynamoDbLocal>).value;
    const ses = (started[1] as PromiseFulfilledResult<LocalSes>).value;
    await ensureTable(dynamo.endpoint, tableName);

    setEnv('KNEADPAY_TABLE', tableName);
    setEnv('KNEADPAY_DYNAMO_ENDPOINT', dynamo.endpoint);
    setEnv('KNEADPAY_SES_ENDPOINT', ses.url);
    setEnv('AWS_REGION', settings.region);
    // Local endpoints accept any credentials; the SDK still wants some.
    if (!settings.awsAccessKeyId) setEnv('AWS_ACCESS_KEY_ID', 'local');
    if (!settings.awsSecretAccessKey) setEnv('AWS_SECRET_ACCESS_KEY', 'local');
    setEnv('STRIPE_WEBHOOK_SECRET', webhookSecret);

    const bus = await startEventBus({
      endpoint: dynamo.endpoint,
      tableName,
      retry: options.bus?.retry,
      pollIntervalMs: options.bus?.pollIntervalMs,
      deadLetterFile: options.inMemory ? undefined : join(dataDir, 'dead-letters.jsonl'),
      checkpointFile: options.inMemory ? undefined : join(dataDir, 'bus-checkpoint.json'),
      // A fresh in-memory table has nothing old to replay; a kept one resumes from its checkpoint.
      startAt: 'trim-horizon',
      schedules: options.schedules ?? false,
      scheduleIntervalMs: options.bus?.scheduleIntervalMs,
      log,
    });
    stops.push(() => bus.stop());
    if (options.onDeadLetter) bus.onDeadLetter(options.onDeadLetter);
    const previousDeadLetters = options.inMemory ? 0 : readDeadLetters(join(dataDir, 'dead-letters.jsonl')).length;

    const localRoutes: Record<string, LocalRouteHandler> = {
      'POST /_local/events': async ({ body, headers }) => {
        // A web page can post to 127.0.0.1 (a form sends text/plain without a preflight): only a
        // caller holding a local token (the data directory's key) may put events on the bus, in JSON.
        const token = String(headers?.authorization ?? '')
          .replace(/^Bearer\s+/i, '')
          .trim();
        if (
          !token ||
          !(await verifyLocalToken(token, dataDir).then(
            () => true,
            () => false,
          ))
        ) {
          return { statusCode: 401, body: { error: { code: 'unauthorized', message: 'send a local token: Authorization: Bearer $(npx kneadpay token --practice <id>)', details: null } } };
        }
        if (!/^application\/json\b/i.test(String(headers?.['content-type'] ?? ''))) {
          return { statusCode: 415, body: { error: { code: 'unsupported_media_type', message: 'send application/json', details: null } } };
        }
        let input: { detailType?: unknown; detail?: unknown; source?: unknown };
        try {
          input = JSON.parse(body.toString('utf8')) as typeof input;
        } catch {
          return { statusCode: 400, body: { error: { code: 'validation_error', message: 'send a JSON object', details: { field: 'body' } } } };
        }
        if (typeof input.detailType !== 'string' || typeof input.detail !== 'object' || input.detail === null) {
          const field = typeof input.detailType !== 'string' ? 'detailType' : 'detail';
          return { statusCode: 400, body: { error: { code: 'validation_error', message: 'detailType (string) and detail (object) are required', details: { field } } } };
        }
        const result = await bus.publish({
          detailType: input.detailType,
          detail: input.detail as Record<string, unknown>,
          ...(typeof input.source === 'string' ? { source: input.source } : {}),
        });
        return { statusCode: 200, body: result };
      },
      'GET /_local/deliveries': async () => ({
        statusCode: 200,
        body: {
          items: bus.delivered.map((delivery) => ({
            id: delivery.event.id,
            detailType: delivery.event['detail-type'],
            fn: delivery.fn,
            attempts: delivery.attempts,
            at: delivery.at,
          })),
        },
      }),
      'GET /_local/dead-letters': async () => ({ statusCode: 200, body: { items: bus.deadLetters } }),
      // The web app's local sign-in (local only: a deployed stack has no /_local routes).
      'POST /_local/token': localSignInRoute(dataDir),
      // Where the other parts are (the demo reads the inbox and knows whether Stripe is emulated).
      'GET /_local/info': async () => ({ statusCode: 200, body: { mode, sesUrl: ses.url, stripeUrl: stripeUrl ?? null, apiUrl: api.url } }),
    };

    let stripeUrl: string | undefined;
    const api: LocalHttpApi = await startHttpApi({
      port: apiPort,
      tokenDir: dataDir,
      ready: false,
      healthy: () => !stopped && isAlive(dynamo.pid) && ses.alive(),
      localRoutes,
      log,
    });
    stops.push(() => api.close());
    setEnv('KNEADPAY_PUBLIC_URL', api.url);

    if (mode === 'emulator') {
      const emulatorModule = await loadStripeEmulator();
      if (emulatorModule) {
        const emulator: StripeEmulator = await emulatorModule.startStripeEmulator({
          port: options.stripePort || 0,
          webhookUrls: [`${api.url}/webhooks/stripe`],
          webhookSecret,
          ...(options.onStripeRequest ? { onRequest: options.onStripeRequest } : {}),
          ...(options.sharedStripeEmulator ? { sharedAdmin: true } : {}),
          ...(options.stripeWebhookRetryDelaysMs ? { webhookRetryDelaysMs: options.stripeWebhookRetryDelaysMs } : {}),
          // What the emulated Stripe holds is kept with the rest of the data (docs/local.md).
          ...(options.inMemory ? {} : { stateFile: join(dataDir, 'stripe-emulator.json') }),
        });
        stops.push(() => emulator.stop());
        stripeUrl = emulator.url;
        setEnv('STRIPE_API_BASE', emulator.url);
        setEnv('STRIPE_SECRET_KEY', EMULATOR_SECRET_KEY);
      } else {
        log('Stripe emulator not available (local/stripe-emulator/index.ts is missing): Stripe calls will fail');
      }
    } else {
      stripeUrl = settings.stripeApiBase || REAL_STRIPE_API_BASE;
    }

    await prepareWebApp(dataDir, setEnv);
    api.setReady(true);
    return {
      apiUrl: api.url,
      dynamoEndpoint: dynamo.endpoint,
      sesUrl: ses.url,
      stripeUrl,
      mode,
      tableName,
      dataDir,
      bus,
      pids: { dynamodb: dynamo.pid, ses: ses.pid },
      previousDeadLetters,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** The emulator's port from `STRIPE_API_BASE` as written (unset or empty: 12111), for `npm start`. */
export const stripePortOf = (stripeApiBase: string | undefined): number | undefined => portOf(stripeApiBase || DEFAULT_STRIPE_API_BASE);
