/**
 * Webhook delivery as Stripe does it: each event POSTed as JSON to every configured endpoint,
 * signed `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "t.body">`, asynchronously, retried with
 * backoff on non-2xx answers and connection errors, a bounded number of times. Every attempt is
 * recorded (`GET /_deliveries`).
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type Stripe from 'stripe';
import { newId } from './ids';

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  account: string | null;
  url: string;
  state: 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
  lastStatus: number | null;
  nextAttemptAt: string | null;
}

export interface WebhookSettings {
  urls: string[];
  secret: string;
  /** Delay before each retry; attempts = delays.length + 1. */
  retryDelaysMs: number[];
  /** Per-attempt timeout. */
  timeoutMs: number;
  /**
   * The API version the endpoint renders events at (Stripe: each endpoint has its own; unset, the
   * account's default, here the emulator's). Before 2022-11-15 a Charge carried its `refunds` list.
   */
  apiVersion?: string;
}

export const signPayload = (payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string => {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
};

const MAX_RECORDS = 5000;

export class WebhookDispatcher {
  readonly deliveries: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<() => void>();
  private readonly active = new Set<Delivery>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    readonly settings: WebhookSettings,
    private readonly onSettled: (eventId: string, delivery: Delivery) => void,
  ) {}

  /** Queues an event for every configured endpoint; returns how many deliveries were queued. */
  enqueue(event: Stripe.Event, urls: string[] = this.settings.urls): number {
    if (this.stopped) return 0;
    const body = JSON.stringify(event, null, 2);
    for (const url of urls) {
      const delivery: Delivery = {
        id: newId('whdel', 16),
        eventId: event.id,
        eventType: event.type,
        account: event.account ?? null,
        url,
        state: 'pending',
        attempts: [],
        lastStatus: null,
        nextAttemptAt: new Date().toISOString(),
      };
      this.deliveries.push(delivery);
      if (this.deliveries.length > MAX_RECORDS) this.deliveries.splice(0, this.deliveries.length - MAX_RECORDS);
      this.active.add(delivery);
      this.schedule(delivery, body, 0);
    }
    return urls.length;
  }

  private schedule(delivery: Delivery, body: string, delayMs: number) {
    delivery.nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery, body);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(delivery: Delivery, body: string) {
    if (this.stopped || !this.active.has(delivery)) return;
    const started = Date.now();
    const result = await this.post(delivery.url, body);
    if (this.stopped || !this.active.has(delivery)) return;
    delivery.attempts.push({
      at: new Date(started).toISOString(),
      status: result.status,
      error: result.error,
      durationMs: Date.now() - started,
    });
    delivery.lastStatus = result.status;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const retryDelay = this.settings.retryDelaysMs[delivery.attempts.length - 1];
    if (!ok && retryDelay !== undefined) {
      this.schedule(delivery, body, retryDelay);
      return;
    }
    delivery.state = ok ? 'succeeded' : 'failed';
    delivery.nextAttemptAt = null;
    this.active.delete(delivery);
    this.onSettled(delivery.eventId, delivery);
    if (this.active.size === 0) this.wakeIdleWaiters();
  }

  private wakeIdleWaiters() {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private post(url: string, body: string): Promise<{ status: number | null; error: string | null }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ status: null, error: `invalid URL ${url}` });
        return;
      }
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: 'POST',
          agent: false,
          timeout: this.settings.timeoutMs,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': signPayload(body, this.settings.secret),
            'cache-control': 'no-cache',
            connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => finish({ status: res.statusCode ?? null, error: null }));
          res.on('error', (error) => finish({ status: res.statusCode ?? null, error: error.message }));
        },
      );
      const abort = () => req.destroy(new Error('emulator stopped'));
      this.inFlight.add(abort);
      const finish = (result: { status: number | null; error: string | null }) => {
        this.inFlight.delete(abort);
        resolve(result);
      };
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.settings.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, error: error.code ?? error.message }));
      req.end(body);
    });
  }

  /** Resolves once nothing is pending (every delivery succeeded or gave up). */
  whenIdle(timeoutMs = 10_000): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`webhook deliveries still pending after ${timeoutMs} ms`)), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Drops pending retries and the delivery log. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.active.clear();
    this.deliveries.length = 0;
    this.wakeIdleWaiters();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
    for (const abort of [...this.inFlight]) abort();
  }
}
