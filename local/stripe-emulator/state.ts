/**
 * Everything the emulator holds: objects (per account), events, the idempotency store, faults, the
 * request log, webhook deliveries, side data Stripe keeps but does not put on objects, and a clock
 * that tests may move forward.
 */
import Stripe from 'stripe';
import { chargeWithRefunds } from './render';
import { IdempotencyStore } from './idempotency';
import { Faults } from './faults';
import { newId } from './ids';
import { Store, type Account } from './store';
import { WebhookDispatcher, type Delivery } from './webhooks';

export const API_VERSION: string = Stripe.API_VERSION;
/** The API version from which a Charge no longer carries its `refunds` list. */
export const CHARGE_REFUNDS_REMOVED = '2022-11-15';

export interface RequestRecord {
  id: string;
  at: string;
  method: string;
  path: string;
  query: string;
  headers: {
    'idempotency-key': string | null;
    'stripe-account': string | null;
    'stripe-version': string | null;
    'content-type': string | null;
    'user-agent': string | null;
  };
  /** Parsed form (API) or JSON/form body (hosted pages) — what a PHI scan reads. */
  params: unknown;
  rawBody: string;
  status: number | null;
  fault: string | null;
  replayed: boolean;
}

export interface EmulatorSettings {
  webhookUrls: string[];
  webhookSecret: string;
  idempotencyTtlSeconds: number;
  webhookRetryDelaysMs: number[];
  webhookTimeoutMs: number;
}

export interface Ctx {
  state: EmulatorState;
  account: Account;
  /** `event.request`: the API request that caused an event (null ids for hosted-page actions). */
  request: { id: string | null; idempotency_key: string | null };
}

export type EventType = Stripe.Event.Type;
export type EventObject<T extends EventType> = Extract<Stripe.Event, { type: T }>['data']['object'];

const MAX_REQUESTS = 10_000;

export class EmulatorState {
  readonly store = new Store();
  readonly faults = new Faults();
  readonly idempotency: IdempotencyStore;
  readonly webhooks: WebhookDispatcher;
  readonly requests: RequestRecord[] = [];
  baseUrl = '';
  /** Shared by many test files at once: admin calls must stay within the caller's own accounts. */
  sharedAdmin = false;
  clockOffsetMs = 0;

  /** Checkout Session line items (Stripe returns them only via `expand[]=line_items` or `/line_items`). */
  readonly sessionLineItems = new Map<string, Stripe.LineItem[]>();
  /** `payment_intent_data` given at session creation, applied when the PaymentIntent is made. */
  readonly sessionPaymentIntentData = new Map<
    string,
    { metadata?: Record<string, string>; description?: string; receipt_email?: string; statement_descriptor_suffix?: string; application_fee_amount?: number }
  >();
  /** Invoice line items by invoice item id (stable ids across re-renders). */
  readonly invoiceLineIds = new Map<string, string>();
  readonly creditNoteLines = new Map<string, Stripe.CreditNoteLineItem[]>();
  /** Per-customer invoice sequence numbers. */
  readonly invoiceSequence = new Map<string, number>();
  /** Webhook outcome per event (for `delivery_success` and `pending_webhooks`). */
  readonly eventDelivery = new Map<string, { pending: number; failed: number }>();

  constructor(readonly settings: EmulatorSettings) {
    this.idempotency = new IdempotencyStore(settings.idempotencyTtlSeconds, () => this.nowMs());
    this.webhooks = new WebhookDispatcher(
      {
        urls: settings.webhookUrls,
        secret: settings.webhookSecret,
        retryDelaysMs: settings.webhookRetryDelaysMs,
        timeoutMs: settings.webhookTimeoutMs,
      },
      (eventId, delivery) => this.settled(eventId, delivery),
    );
  }

  nowMs(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Seconds since the epoch on the emulator's clock (what `created` fields carry). */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /**
   * Records and queues an event; `object` is snapshotted as it is now. `lost`: recorded (listed by
   * `GET /v1/events`) but delivered to no endpoint, as a delivery lost on the way (tests only).
   */
  emit<T extends EventType>(ctx: Ctx, type: T, object: EventObject<T>, previous?: Partial<EventObject<T>>, opts: { lost?: boolean } = {}): Stripe.Event {
    const urls = opts.lost ? [] : [...this.webhooks.settings.urls];
    // Rendered at the endpoint's API version: since 2022-11-15 a Charge no longer embeds `refunds`
    // (Stripe changelog 2022-11-15, "Charge.refunds is no longer expanded by default").
    const apiVersion = this.webhooks.settings.apiVersion ?? API_VERSION;
    const rendered = apiVersion < CHARGE_REFUNDS_REMOVED && (object as { object?: string }).object === 'charge' ? chargeWithRefunds(ctx, object as unknown as Stripe.Charge) : object;
    const base = {
      id: newId('evt'),
      object: 'event' as const,
      api_version: apiVersion,
      created: this.now(),
      data: { object: structuredClone(rendered), ...(previous ? { previous_attributes: structuredClone(previous) } : {}) },
      livemode: false,
      pending_webhooks: urls.length,
      request: { ...ctx.request },
      type,
      ...(ctx.account ? { account: ctx.account } : {}),
    };
    // `type` and `data.object` are tied together by `EventObject<T>` at every call site; TypeScript
    // cannot narrow the union member from a generic `T`, hence this one assertion.
    const event = base as unknown as Stripe.Event;
    this.store.insert('event', ctx.account, event);
    this.eventDelivery.set(event.id, { pending: urls.length, failed: 0 });
    this.webhooks.enqueue(event, urls);
    return event;
  }

  /** Re-sends a stored event to every endpoint (at-least-once delivery, duplicates included). */
  resend(eventId: string): number {
    const found = this.store.locate('event', eventId);
    if (!found) return 0;
    const urls = [...this.webhooks.settings.urls];
    const tally = this.eventDelivery.get(eventId) ?? { pending: 0, failed: 0 };
    tally.pending += urls.length;
    this.eventDelivery.set(eventId, tally);
    found.object.pending_webhooks += urls.length;
    return this.webhooks.enqueue(found.object, urls);
  }

  private settled(eventId: string, delivery: Delivery) {
    const tally = this.eventDelivery.get(eventId);
    if (tally) {
      tally.pending = Math.max(0, tally.pending - 1);
      if (delivery.state === 'failed') tally.failed++;
    }
    const event = this.store.locate('event', eventId)?.object;
    if (event && delivery.state === 'succeeded') event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
  }

  /** Stripe's `delivery_success`: false while any endpoint is pending or has given up. */
  deliverySucceeded(eventId: string): boolean {
    const tally = this.eventDelivery.get(eventId);
    return !tally || (tally.pending === 0 && tally.failed === 0);
  }

  /** Sees every request as it is recorded, before the log rotates (a whole-run PHI scan). */
  onRequest: ((entry: RequestRecord) => void) | undefined;

  record(entry: RequestRecord): void {
    this.onRequest?.(entry);
    this.requests.push(entry);
    if (this.requests.length > MAX_REQUESTS) this.requests.splice(0, this.requests.length - MAX_REQUESTS);
  }

  nextInvoiceNumber(customerId: string, prefix: string): string {
    const next = (this.invoiceSequence.get(customerId) ?? 0) + 1;
    this.invoiceSequence.set(customerId, next);
    return `${prefix}-${String(next).padStart(4, '0')}`;
  }

  /** Forgets every object, event, key, fault, request and delivery. */
  reset(): void {
    this.store.clear();
    this.idempotency.expireAll();
    this.faults.clear();
    this.faults.rateLimitPerSecond = null;
    this.requests.length = 0;
    this.webhooks.clear();
    this.sessionLineItems.clear();
    this.sessionPaymentIntentData.clear();
    this.invoiceLineIds.clear();
    this.creditNoteLines.clear();
    this.invoiceSequence.clear();
    this.eventDelivery.clear();
    this.clockOffsetMs = 0;
  }
}
