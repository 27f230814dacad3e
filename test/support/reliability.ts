/**
 * Shared helpers of the reliability suite (test/reliability, docs/reliability.md): Stripe events
 * delivered the way Stripe delivers them (duplicates, any order, redelivery after a non-2xx), the
 * invariants checked after every test, the PHI scan, log capture and fault bookkeeping.
 *
 * Every practice that talks to Stripe here gets its own connected account (`acct_rel…`): faults
 * injected on the shared Stripe emulator are scoped to that account, so they can never hit another
 * test file running at the same time, and the emulator's request log can be attributed to this suite.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { setLogSink } from '../../functions/shared/logger';
import { newId } from '../../functions/shared/ids';
import type { Store } from '../../functions/store/table';
import { practicePk } from '../../functions/store/keys';
import { STRIPE_MAX_NETWORK_RETRIES } from '../../functions/stripe/client';
import { STRIPE_API_VERSION } from '../../functions/stripe/version';
import { api } from './api';
import { logicalItems } from './items';
import { stripeRequestText } from './phi-scan';
import { deliver } from './stripe-events';
import { ROUTES } from '../../lib/wiring';
import { sharedEmulator } from './emulator-admin';

// ---------------------------------------------------------------------------------------------
// Sizes and figures
// ---------------------------------------------------------------------------------------------

/**
 * The route fuzz's fixed budget in `npm test`: 60,000 hostile requests shared by every route of the
 * wiring table (about 1¼ minutes of one worker on 2 shared cores), so the suite stays under its 10
 * minutes as routes and tests are added (300,000 until the renovation made a request's handling
 * dearer, the clean-clone CI then taking 9 min 33 s beside another agent; 200,000 until 2026-12-07,
 * when the audits' tests — four more browser files, restarts of the whole stack — took the CI run to
 * 9 min 11 s with the fuzz at 281 s; 150,000 until the fourth audit round of 2026-12-07, with the CI
 * run at 7 min 54 s – 8 min 13 s and the fuzz at 186–204 s of it before that round's tests: the
 * 50,000 moved to `npm run test:fuzz`, 221 s of CPU for 100,000 against 317 s for 150,000 measured
 * on the file alone; 100,000 until the seventh session of 2026-12-07, when quiet clean-clone runs took
 * 8 min 30 s – 9 min 58 s with the fuzz at 113–146 s of them: the 40,000 moved to `npm run test:fuzz`).
 * `npm run test:fuzz` runs 10,000 a route (or `KNEADPAY_FUZZ_RUNS`).
 */
export const FUZZ_BUDGET = 60_000;

/** Fuzz runs per route (test/support/fuzz-routes.ts): the budget over the routes, `KNEADPAY_FUZZ_RUNS` to choose. */
export const FUZZ_RUNS = Math.max(1, Number.parseInt(process.env.KNEADPAY_FUZZ_RUNS ?? '', 10) || Math.floor(FUZZ_BUDGET / ROUTES.length));

/**
 * Appends one scenario's figures (JSON Lines) to `KNEADPAY_RELIABILITY_REPORT` when it is set, so
 * docs/reliability.md can quote what a run measured rather than what we hoped it would.
 */
export const recordFigures = (scenario: string, figures: Record<string, unknown>): void => {
  const file = process.env.KNEADPAY_RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ scenario, at: new Date().toISOString(), ...figures })}\n`);
};

// ---------------------------------------------------------------------------------------------
// Small tools
// ---------------------------------------------------------------------------------------------

export const permutations = <T>(items: readonly T[]): T[][] =>
  items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

/** Runs tasks with at most `limit` at a time (the machine has two cores and is shared). */
export const inPool = async <T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connected account id of our own (the emulator accepts any `acct_[A-Za-z0-9]+`). */
export const newAccount = (): string =>
  `acct_rel${newId('x')
    .slice(2)
    .replace(/[^a-z0-9]/g, '')}`;

// ---------------------------------------------------------------------------------------------
// PHI: what this suite puts in, and what must never come out in logs or Stripe requests
// ---------------------------------------------------------------------------------------------

/** A client name and email nobody else uses, so a hit in a log or a Stripe request is ours. */
export const CLIENT_NAME = 'Marisol Quintero-Vance';
export const clientEmail = () => `marisol.qv.${newId('m').slice(2, 12)}@client.example`;

/** What DOMAIN.md §6 keeps out of Stripe and out of logs (plus the claim numbers we use). */
export const PHI_WORDS = [
  CLIENT_NAME,
  'Marisol',
  'Quintero',
  'Jane Doe',
  'Jane Client',
  '@client.example',
  '97124',
  '97140',
  '97112',
  '97110',
  'M54.2',
  'M54',
  'ACME',
  'CLM-1001',
  'CLM-A-1001',
  'CLM-B-2002',
  'PAYER-77',
  'PAYER-78',
] as const;

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * The PHI words in a text. Codes and claim numbers match as whole tokens (a random hex id such as
 * `evt_…4971104…` is not CPT 97110); names and email fragments match anywhere.
 */
export const phiHits = (text: string, words: readonly string[] = PHI_WORDS): string[] =>
  words.filter((word) => (/^[A-Z0-9][A-Z0-9.-]*$/.test(word) ? new RegExp(`(?<![A-Za-z0-9])${escape(word)}(?![A-Za-z0-9])`).test(text) : text.includes(word)));

/** Every log line the functions write in this worker (the handlers run in-process). */
export const captureLogs = () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  return {
    lines,
    restore: () => setLogSink((line) => process.stdout.write(`${line}\n`)),
  };
};

/**
 * Log capture for long runs (the route fuzz writes thousands of lines): every line is counted and
 * scanned for PHI as it arrives, then dropped. Kept: the hits (the first 100), and the first
 * `keepErrors` error lines (failure reports match them to their request by `requestId`).
 */
export const captureLogsScanned = ({ keepErrors = 500 }: { keepErrors?: number } = {}) => {
  const capture = { count: 0, hitCount: 0, hits: [] as string[], errorLines: [] as string[] };
  setLogSink((line) => {
    capture.count += 1;
    if (capture.errorLines.length < keepErrors && line.includes('"level":"error"')) capture.errorLines.push(line);
    for (const word of phiHits(line)) {
      capture.hitCount += 1;
      if (capture.hits.length < 100) capture.hits.push(`${word} in log: ${line.slice(0, 300)}`);
    }
  });
  return Object.assign(capture, { restore: () => setLogSink((line) => process.stdout.write(`${line}\n`)) });
};

// ---------------------------------------------------------------------------------------------
// The Stripe emulator
// ---------------------------------------------------------------------------------------------

export interface EmulatorRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | null>;
  params: unknown;
  rawBody: string;
  status: number | null;
  fault: string | null;
  replayed: boolean;
}

export const admin = <T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> => sharedEmulator<T>(path, init);

export interface FaultSpec {
  path?: string;
  pathPattern?: string;
  method?: string;
  type?: 'status' | 'reset' | 'timeout' | 'latency';
  status?: number;
  count?: number;
  latencyMs?: number;
}

/** Injects faults for one connected account only (never `DELETE /_faults`: other files share the emulator). */
export const injectFaults = async (account: string, faults: FaultSpec[]) => {
  const answer = await admin('/_faults', { method: 'POST', body: faults.map((fault) => ({ ...fault, account })) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
};

/** kneadpay's requests to the Stripe API for these accounts (hosted-page clicks are the client's own). */
export const stripeRequestsOf = async (accounts: Iterable<string>): Promise<EmulatorRequest[]> => {
  const wanted = new Set(accounts);
  const { body } = await admin<{ requests: EmulatorRequest[] }>('/_requests?path=/v1/');
  return body.requests.filter((request) => request.headers['stripe-account'] !== null && wanted.has(request.headers['stripe-account']!));
};

/** The production Stripe client settings (retries, version), with a short timeout so a timeout costs 0.5 s, not 20 s. */
export const stripeWithTimeout = (timeoutMs: number): Stripe => {
  const base = new URL(process.env.STRIPE_API_BASE!);
  return new Stripe(process.env.STRIPE_SECRET_KEY ?? 'sk_test_emulator', {
    apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: timeoutMs,
    telemetry: false,
    host: base.hostname,
    port: base.port,
    protocol: base.protocol.replace(':', '') as 'http',
  });
};

/** Errors a caller may retry: Stripe's transient ones, connection problems, our 503. */
export const isRetryableError = (error: unknown): boolean => {
  const e = error as { name?: string; type?: string; code?: string; statusCode?: number; status?: number; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (!e) return false;
  if (['StripeRateLimitError', 'StripeConnectionError', 'StripeAPIError'].includes(e.type ?? '') || ['StripeRateLimitError', 'StripeConnectionError', 'StripeAPIError'].includes(e.name ?? ''))
    return true;
  if (typeof e.statusCode === 'number' && (e.statusCode === 429 || e.statusCode >= 500)) return true;
  if (e.status === 503 || e.name === 'RetryableError' || e.name === 'CommitConflictError') return true;
  if (e.$retryable || ['TimeoutError', 'TransactionConflictException', 'ThrottlingException', 'InternalServerError'].includes(e.name ?? '')) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET'].includes(e.code ?? '')) return true;
  if (/socket hang up|ECONNREFUSED|ECONNRESET|EPIPE|timed out|timeout/i.test(String((error as Error).message ?? ''))) return true;
  return false;
};

// ---------------------------------------------------------------------------------------------
// Stripe webhooks as Stripe delivers them
// ---------------------------------------------------------------------------------------------

export type DeliveryAnswer = Awaited<ReturnType<typeof deliver>>;

export const outcomeOf = (answer: DeliveryAnswer) => answer.headers?.['x-kneadpay-outcome'] as string | undefined;

/**
 * Delivers events in the given order; an answer other than 2xx is redelivered later, after the
 * rest (Stripe retries failed deliveries with backoff). Every answer must be 200 or a 503 that
 * asks for exactly that. Returns every answer, redeliveries included.
 */
export const deliverLikeStripe = async (events: readonly Stripe.Event[], maxRounds = 6): Promise<DeliveryAnswer[]> => {
  const answers: DeliveryAnswer[] = [];
  let pending = [...events];
  for (let round = 0; round < maxRounds && pending.length > 0; round += 1) {
    const failed: Stripe.Event[] = [];
    for (const event of pending) {
      const answer = await deliver(event);
      answers.push(answer);
      expectStripeAnswer(answer);
      if (answer.statusCode !== 200) failed.push(event);
    }
    pending = failed;
  }
  expect(
    pending.map((event) => event.type),
    'events still refused after every redelivery',
  ).toEqual([]);
  return answers;
};

/** Stripe sees 200 for processed, duplicate and ignored events; 503 retry_later when it should come back. */
export const expectStripeAnswer = (answer: DeliveryAnswer) => {
  if (answer.statusCode === 200) {
    expect(JSON.parse(answer.body!)).toEqual({ received: true });
    expect(['applied', 'duplicate', 'ignored']).toContain(outcomeOf(answer));
  } else {
    expect(answer.statusCode, answer.body).toBe(503);
    expect(JSON.parse(answer.body!).error.code).toBe('retry_later');
  }
};

// ---------------------------------------------------------------------------------------------
// Invariants (checked after every test of the suite)
// ---------------------------------------------------------------------------------------------

interface Tracked {
  practiceId: string;
  account?: string | undefined;
  store?: Store | undefined;
  /** Skip the HTTP ledger read (a practice on a DynamoDB of the test's own, not the stack's). */
  viaApi: boolean;
}

const tracked = new Map<string, Tracked>();

/** Registers a practice whose clients and Stripe objects the after-each invariants check. */
export const track = (practiceId: string, opts: { account?: string | undefined; store?: Store; viaApi?: boolean } = {}) => {
  tracked.set(practiceId, { practiceId, account: opts.account, store: opts.store, viaApi: opts.viaApi ?? true });
};

/** Accounts registered so far (the PHI scan of Stripe requests reads them). */
export const trackedAccounts = new Set<string>();
export const trackAccount = (account: string) => trackedAccounts.add(account);

const partitionOf = async (store: Store, practiceId: string): Promise<Record<string, any>[]> => {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.doc.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': practicePk(practiceId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** What the practice sees: GET /practices/{p}/clients/{c}/ledger, every page. */
const ledgerViaApi = async (practiceId: string, clientId: string) => {
  const entries: { amountCents: number; sessionsDelta?: number }[] = [];
  let cursor: string | null = null;
  let balanceCents = 0;
  do {
    const answer: { status: number; body: any } = await api('GET', `/practices/${practiceId}/clients/${encodeURIComponent(clientId)}/ledger${cursor ? `?cursor=${cursor}` : ''}`, { practiceId });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    balanceCents = answer.body.balanceCents;
    entries.push(...answer.body.entries);
    cursor = answer.body.nextCursor;
  } while (cursor);
  return { balanceCents, entries };
};

export interface InvariantFigures {
  practices: number;
  clients: number;
  ledgerEntries: number;
  stripeObjects: number;
}

/**
 * After every test, for each practice the test registered:
 * - every client's stored balance is the sum of its ledger entries, read through the API too;
 * - every client's credits in the ledger (Σ sessionsDelta) are what its purchases hold;
 * - every Stripe object kneadpay created on the practice's account maps, by its metadata, to
 *   exactly one kneadpay record that points back at it, and no record has two.
 */
export const checkInvariants = async (defaultStore: Store): Promise<InvariantFigures> => {
  const figures: InvariantFigures = { practices: 0, clients: 0, ledgerEntries: 0, stripeObjects: 0 };
  const problems: string[] = [];
  for (const { practiceId, account, store: own, viaApi } of tracked.values()) {
    const store = own ?? defaultStore;
    figures.practices += 1;
    const items = await partitionOf(store, practiceId);
    const of = (type: string) => logicalItems(items).filter((item) => item.type === type);
    for (const client of of('client')) {
      figures.clients += 1;
      const ledger = of('ledger').filter((entry) => entry.clientId === client.clientId);
      figures.ledgerEntries += ledger.length;
      const sum = ledger.reduce((total, entry) => total + entry.amountCents, 0);
      if (sum !== client.balanceCents) problems.push(`${practiceId}/${client.clientId}: balance ${client.balanceCents} != Σ ledger ${sum}`);
      const sessions = ledger.reduce((total, entry) => total + (entry.sessionsDelta ?? 0), 0);
      const held = of('purchase')
        .filter((purchase) => purchase.clientId === client.clientId)
        .reduce((total, purchase) => total + purchase.sessionsRemaining - (purchase.creditsExpired ?? 0), 0);
      if (sessions !== held) problems.push(`${practiceId}/${client.clientId}: Σ sessionsDelta ${sessions} != credits held ${held}`);
      if (viaApi) {
        const seen = await ledgerViaApi(practiceId, client.clientId);
        const apiSum = seen.entries.reduce((total, entry) => total + entry.amountCents, 0);
        if (seen.balanceCents !== apiSum || seen.entries.length !== ledger.length) {
          problems.push(`${practiceId}/${client.clientId}: API ledger balance ${seen.balanceCents}, Σ ${apiSum}, ${seen.entries.length} entries (stored ${ledger.length})`);
        }
      }
    }
    if (account) figures.stripeObjects += await checkStripeMapping(practiceId, account, items, problems);
  }
  tracked.clear();
  expect(problems, 'invariants').toEqual([]);
  return figures;
};

const listAll = async <T extends { id: string }>(list: (params: { limit: number; starting_after?: string }) => Promise<Stripe.ApiList<T>>): Promise<T[]> => {
  const all: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list({ limit: 100, ...(after ? { starting_after: after } : {}) });
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data[page.data.length - 1]!.id;
  }
};

const stripeAdmin = () => stripeWithTimeout(20_000);

const checkStripeMapping = async (practiceId: string, account: string, items: Record<string, any>[], problems: string[]): Promise<number> => {
  const stripe = stripeAdmin();
  const opts = { stripeAccount: account };
  const [products, activePrices, inactivePrices, customers, sessions, invoices, invoiceItems, refunds] = await Promise.all([
    listAll((p) => stripe.products.list(p, opts)),
    listAll((p) => stripe.prices.list({ ...p, active: true }, opts)),
    listAll((p) => stripe.prices.list({ ...p, active: false }, opts)),
    listAll((p) => stripe.customers.list(p, opts)),
    listAll((p) => stripe.checkout.sessions.list(p, opts)),
    listAll((p) => stripe.invoices.list(p, opts)),
    listAll((p) => stripe.invoiceItems.list(p, opts)),
    listAll((p) => stripe.refunds.list(p, opts)),
  ]);
  const byType = (type: string) => items.filter((item) => item.type === type);
  const problem = (what: string) => problems.push(`${practiceId} on ${account}: ${what}`);
  const once = <T extends { id: string; metadata?: Stripe.Metadata | null }>(objects: T[], key: string, kind: string) => {
    const seen = new Map<string, string>();
    for (const object of objects) {
      const owner = object.metadata?.[key];
      if (!owner) {
        problem(`${kind} ${object.id} has no metadata.${key}`);
        continue;
      }
      if (object.metadata?.practiceId !== practiceId) problem(`${kind} ${object.id} names practice ${object.metadata?.practiceId}`);
      if (seen.has(owner)) problem(`${kind} ${object.id} and ${seen.get(owner)} both belong to ${key} ${owner}`);
      seen.set(owner, object.id);
    }
  };
  const packages = new Map(byType('package').map((pkg) => [pkg.packageId as string, pkg]));
  once(products, 'packageId', 'product');
  for (const product of products) {
    const pkg = packages.get(product.metadata.packageId ?? '');
    if (!pkg || pkg.stripeProductId !== product.id) problem(`product ${product.id} is not the product of package ${product.metadata.packageId}`);
  }
  once(activePrices, 'packageId', 'active price');
  for (const price of [...activePrices, ...inactivePrices]) {
    const pkg = packages.get(price.metadata.packageId ?? '');
    if (!pkg || ![pkg.stripePriceId, ...(pkg.previousStripePriceIds ?? [])].includes(price.id)) problem(`price ${price.id} belongs to no package record`);
  }
  for (const price of activePrices) if (packages.get(price.metadata.packageId ?? '')?.stripePriceId !== price.id) problem(`active price ${price.id} is not its package's current price`);
  const clients = new Map(byType('client').map((client) => [client.clientId as string, client]));
  once(customers, 'clientId', 'customer');
  for (const customer of customers) {
    if (clients.get(customer.metadata.clientId ?? '')?.stripeCustomerId !== customer.id) problem(`customer ${customer.id} is not the customer of client ${customer.metadata.clientId}`);
  }
  const purchases = new Map(byType('purchase').map((purchase) => [purchase.purchaseId as string, purchase]));
  once(sessions, 'purchaseId', 'checkout session');
  for (const session of sessions) {
    const purchase = purchases.get(session.metadata?.purchaseId ?? '');
    // A session whose creation answer was lost is never shown to anyone; it must still map to its purchase.
    if (!purchase || (purchase.checkoutSessionId && purchase.checkoutSessionId !== session.id)) problem(`checkout session ${session.id} maps to no purchase`);
  }
  const records = new Map(byType('invoice').map((invoice) => [invoice.invoiceId as string, invoice]));
  once(invoices, 'invoiceId', 'invoice');
  for (const invoice of invoices) {
    if (records.get(invoice.metadata?.invoiceId ?? '')?.stripeInvoiceId !== invoice.id) problem(`invoice ${invoice.id} is not recorded on ${invoice.metadata?.invoiceId}`);
  }
  const liveItems = invoiceItems.filter((item) => !(item as { deleted?: boolean }).deleted);
  once(liveItems, 'invoiceId', 'invoice item');
  for (const item of liveItems) {
    if (records.get(item.metadata?.invoiceId ?? '')?.stripeInvoiceItemId !== item.id) problem(`invoice item ${item.id} is not recorded on ${item.metadata?.invoiceId}`);
  }
  // Refunds kneadpay sends (overpayments) carry the id of the refund record that decided them.
  const ours = refunds.filter((refund) => refund.metadata?.refundId);
  const decided = new Map(byType('overpayment-refund').map((refund) => [refund.refundId as string, refund]));
  once(ours, 'refundId', 'refund');
  for (const refund of ours) {
    const record = decided.get(refund.metadata!.refundId!);
    if (!record || (record.stripeRefundId && record.stripeRefundId !== refund.id)) problem(`refund ${refund.id} is not recorded on ${refund.metadata!.refundId}`);
  }
  return products.length + activePrices.length + inactivePrices.length + customers.length + sessions.length + invoices.length + liveItems.length + ours.length;
};

/**
 * The last test of each file: no PHI in any log line written by in-process functions, nor in any
 * request kneadpay sent to Stripe for this file's accounts.
 */
export const assertNoPhiLeaks = async (logLines: readonly string[], accounts: Iterable<string>) => {
  const requests = await stripeRequestsOf(accounts);
  const logHits = logLines.flatMap((line) => phiHits(line).map((word) => `${word} in log: ${line.slice(0, 300)}`));
  const stripeHits = requests.flatMap((request) => phiHits(stripeRequestText(request)).map((word) => `${word} in ${request.method} ${request.path}`));
  return { logLines: logLines.length, stripeRequests: requests.length, hits: [...logHits, ...stripeHits] };
};

// ---------------------------------------------------------------------------------------------
// 835 garbage (the parser fuzz and the remittances route)
// ---------------------------------------------------------------------------------------------

const ERA_FIXTURE_NAMES = ['worked-example.835', 'reversal-correction.835', 'statuses.835', 'plb.835', 'pipe-crlf.835', 'claim-837.835'] as const;
export const ERA_FIXTURES: readonly string[] = ERA_FIXTURE_NAMES.map((name) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8'));

/** Numbers as payers and bad tools write them, and worse. */
export const HOSTILE_NUMBERS = [
  '1e5',
  '-0',
  '.5',
  '5.',
  '1,000',
  'NaN',
  'Infinity',
  '-Infinity',
  '99999999999999999999',
  '-',
  '+',
  '0x1F',
  ' 5',
  '5 ',
  '١٢٣',
  '12.345',
  '-12.3.4',
  '',
  '9007199254740993',
  '1e-7',
  '0.1',
  '00000000000000000001',
] as const;

const HOSTILE_CHARS = ['*', '~', ':', '^', '|', '>', '\n', '\r\n', "'", '+', '<', '{', '\\', '0', '9', '-', '.', 'e', 'E', 'Z', ' ', '\u0000', 'é', '\uD83D\uDE00', '\uFEFF'] as const;

type EraMutation =
  | { kind: 'replace'; at: number; with: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'segment'; op: 'drop' | 'duplicate' | 'swap'; at: number; other: number }
  | { kind: 'number'; at: number; element: number; value: string }
  | { kind: 'truncate'; at: number };

const eraMutation: fc.Arbitrary<EraMutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: fc.constantFrom(...HOSTILE_CHARS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...HOSTILE_CHARS), fc.constantFrom('CLP*X*1*1*1~', 'SVC*HC:97124*1*1~', 'CAS*PR*1*1~', 'LX*1~', 'SE*1*1~', 'ISA*')),
  }),
  fc.record({ kind: fc.constant('segment' as const), op: fc.constantFrom('drop' as const, 'duplicate' as const, 'swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), element: fc.integer({ min: 1, max: 16 }), value: fc.constantFrom(...HOSTILE_NUMBERS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

const applyEraMutation = (text: string, m: EraMutation): string => {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case 'replace':
      return text.slice(0, at) + m.with + text.slice(at + 1);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'segment': {
      // The fixtures end segments with ~ (or a newline after it); good enough to move whole segments.
      const segments = text.split('~');
      const i = m.at % segments.length;
      const j = m.other % segments.length;
      if (m.op === 'drop') segments.splice(i, 1);
      else if (m.op === 'duplicate') segments.splice(i, 0, segments[i]!);
      else [segments[i], segments[j]] = [segments[j]!, segments[i]!];
      return segments.join('~');
    }
    case 'number': {
      const segments = text.split('~');
      const i = m.at % segments.length;
      const separator = segments[i]!.includes('|') ? '|' : '*';
      const elements = segments[i]!.split(separator);
      if (elements.length > 1) elements[1 + (m.element % (elements.length - 1))] = m.value;
      segments[i] = elements.join(separator);
      return segments.join('~');
    }
  }
};

const SEGMENT_IDS = ['ISA', 'GS', 'ST', 'BPR', 'TRN', 'DTM', 'N1', 'N3', 'N4', 'REF', 'LX', 'CLP', 'CAS', 'NM1', 'SVC', 'AMT', 'PLB', 'SE', 'GE', 'IEA', 'XYZ'] as const;
const element = fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.stringMatching(/^[A-Z0-9:. -]{0,12}$/), fc.string({ maxLength: 8 }));

/** 835 input a parser will meet: mutated real files (mostly), segment soup and plain garbage. */
export const eraText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ERA_FIXTURES), fc.array(eraMutation, { minLength: 1, maxLength: 6 })).map(([base, ops]) => ops.reduce(applyEraMutation, base)) },
  // Envelope kept, numbers hostile: reaches the money arithmetic instead of the envelope checks.
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...ERA_FIXTURES),
        fc.array(fc.record({ kind: fc.constant('number' as const), at: fc.nat(), element: fc.integer({ min: 1, max: 16 }), value: fc.constantFrom(...HOSTILE_NUMBERS) }), {
          minLength: 1,
          maxLength: 3,
        }),
      )
      .map(([base, ops]) => ops.reduce(applyEraMutation, base)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.boolean(), fc.array(fc.tuple(fc.constantFrom(...SEGMENT_IDS), fc.array(element, { maxLength: 12 })), { maxLength: 30 }))
      .map(([withIsa, segments]) => (withIsa ? ERA_FIXTURES[0]!.slice(0, ERA_FIXTURES[0]!.indexOf('~') + 1) : '') + segments.map(([id, els]) => [id, ...els].join('*')).join('~') + '~'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 400 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
);
