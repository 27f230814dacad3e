/**
 * Stripe emulator for local runs and tests: speaks the Stripe REST API for what kneadpay uses,
 * serves hosted Checkout and invoice pages, and delivers signed webhooks.
 *
 *   const stripeEmu = await startStripeEmulator({ port: 0, webhookUrls: ['http://127.0.0.1:3000/webhooks/stripe'] });
 *   const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: stripeEmu.port, protocol: 'http' });
 *   …
 *   await stripeEmu.stop();
 *
 * Admin endpoints (JSON, no API key): see README.md next to this file.
 */
import type { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { advanceClock, applyConfig, configOf } from './admin';
import { loadState, stateWriter } from './persist';
import { EmulatorServer } from './server';
import { EmulatorState, type RequestRecord } from './state';
import type { Delivery } from './webhooks';

export { signPayload } from './webhooks';
export type { Delivery, DeliveryAttempt } from './webhooks';
export type { RequestRecord } from './state';
export type { FaultInput } from './faults';
export { formatMoney } from './hosted';

export const DEFAULT_WEBHOOK_SECRET = 'whsec_kneadpay_local';
export const DEFAULT_PORT = 12111;

export interface StripeEmulatorOptions {
  /** 0 (default) picks a free port; `npm start` uses 12111. */
  port?: number;
  /** Always loopback unless you say otherwise. */
  host?: string;
  webhookUrls?: string[];
  webhookSecret?: string;
  /** How long idempotency keys live (Stripe: at least 24 h). */
  idempotencyTtlSeconds?: number;
  /** Delay before each webhook retry; attempts = length + 1. */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** Answer 429 above this many API requests per second (Stripe test mode: 25). Off by default. */
  rateLimitPerSecond?: number;
  /** Called with every request the emulator records (`GET /_requests` keeps only the last 10,000). */
  onRequest?: (entry: RequestRecord) => void;
  /**
   * A file to keep the emulator's state in (`npm start`: `<data dir>/stripe-emulator.json`): read
   * at start when it exists, written after changes and on stop. Unset (tests): memory only.
   */
  stateFile?: string;
  /**
   * Shared by many test files at once (the test run's global stack): admin calls that would change
   * what another file sees — a fault for every account, clearing the request log, expiring the
   * platform's idempotency keys, the clock, settings, a reset — answer 409.
   */
  sharedAdmin?: boolean;
}

export interface StripeEmulator {
  /** `http://127.0.0.1:<port>` — what `STRIPE_API_BASE` holds. */
  url: string;
  port: number;
  webhookSecret: string;
  stop(): Promise<void>;
  setWebhookUrls(urls: string[]): void;
  /** Resolves once every queued webhook delivery has succeeded or given up. */
  waitForWebhooks(timeoutMs?: number): Promise<void>;
  /** Every event emitted, newest first, across accounts. */
  events(): Stripe.Event[];
  deliveries(): Delivery[];
  requests(): RequestRecord[];
  /** Forgets every stored idempotency key now ("a retry days later"). */
  expireIdempotencyKeys(): number;
  /** Moves the emulator's clock forward (idempotency expiry, Checkout Session expiry). */
  advanceClock(seconds: number): void;
  configure(settings: Record<string, unknown>): ReturnType<typeof configOf>;
  reset(): void;
  state: EmulatorState;
}

export const startStripeEmulator = async (options: StripeEmulatorOptions = {}): Promise<StripeEmulator> => {
  const state = new EmulatorState({
    webhookUrls: [...(options.webhookUrls ?? [])],
    webhookSecret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
    idempotencyTtlSeconds: options.idempotencyTtlSeconds ?? 24 * 3600,
    webhookRetryDelaysMs: [...(options.webhookRetryDelaysMs ?? [500, 2_000, 10_000, 30_000, 60_000])],
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
  });
  if (options.rateLimitPerSecond) state.faults.rateLimitPerSecond = options.rateLimitPerSecond;
  state.onRequest = options.onRequest;
  state.sharedAdmin = options.sharedAdmin ?? false;
  const writer = options.stateFile ? stateWriter(state, options.stateFile) : undefined;
  if (options.stateFile) loadState(state, options.stateFile);
  const server = new EmulatorServer(state);
  if (writer) server.server.on('request', (_req, res: ServerResponse) => res.once('finish', () => writer.changed()));
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 0, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  state.baseUrl = url;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    get webhookSecret() {
      return state.webhooks.settings.secret;
    },
    stop() {
      stopped ??= (async () => {
        state.webhooks.stop();
        await server.close();
        writer?.flush();
      })();
      return stopped;
    },
    setWebhookUrls(urls) {
      applyConfig(state, { webhookUrls: urls });
    },
    waitForWebhooks(timeoutMs) {
      return state.webhooks.whenIdle(timeoutMs);
    },
    events() {
      return state.store
        .all('event')
        .map((entry) => entry.object)
        .reverse();
    },
    deliveries() {
      return [...state.webhooks.deliveries];
    },
    requests() {
      return [...state.requests];
    },
    expireIdempotencyKeys() {
      return state.idempotency.expireAll();
    },
    advanceClock(seconds) {
      advanceClock(state, seconds);
    },
    configure(settings) {
      applyConfig(state, settings);
      return configOf(state);
    },
    reset() {
      state.reset();
    },
    state,
  };
};
