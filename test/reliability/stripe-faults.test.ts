/**
 * Reliability 3 — Stripe faults (docs/reliability.md §3).
 * The Stripe emulator answers 500, 429 or 409, resets the connection, never answers (timeout), or
 * answers too late (the request was processed but the answer is lost), on each Stripe call of
 * package creation, checkout and balance invoicing. The first run may fail; a retried run must
 * converge, and Stripe must hold exactly one object per kneadpay record.
 *
 * Faults are scoped to a connected account per case (the emulator is shared with other test files).
 * Over HTTP the stack's own Stripe client runs (2 network retries, 20 s timeout); timeouts and lost
 * answers are driven in-process with the same client settings and a 1 s timeout instead.
 */
import type Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCheckout } from '../../functions/core/checkout';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { createPackage } from '../../functions/core/packages';
import { getPackage } from '../../functions/store/catalog';
import { createStore } from '../../functions/store/table';
import { listClaimInvoices } from '../../functions/store/invoices';
import { connectTestAccount } from '../support/connect';
import { api, practiceProfile } from '../support/api';
import { adjudicated, claimReady, emailsTo } from '../support/invoicing';
import {
  admin,
  assertNoPhiLeaks,
  captureLogs,
  checkInvariants,
  clientEmail,
  CLIENT_NAME,
  inPool,
  injectFaults,
  isRetryableError,
  newAccount,
  recordFigures,
  sleep,
  stripeRequestsOf,
  stripeWithTimeout,
  track,
  trackAccount,
  trackedAccounts,
  type FaultSpec,
} from '../support/reliability';
import { newPracticeId } from '../support/store';

const store = createStore();
const logs = captureLogs();
const figures = { cases: 0, faultsInjected: 0, firstRunFailed: 0, absorbedBySdk: 0, reruns: 0, converged: 0, stripeCalls: 0 };
// Long enough that a loaded two-core machine does not time out healthy calls; short enough to be cheap.
const TIMEOUT_MS = 1_000;
const LATE_MS = 2_500;

afterEach(async () => {
  await checkInvariants(store);
});
afterAll(() => logs.restore());

interface Fault {
  name: string;
  spec: Omit<FaultSpec, 'path' | 'pathPattern' | 'method'>;
  /** Whether the SDK's 2 retries absorb it (else the run fails and a retry run must converge). */
  absorbed: boolean;
}

const FAULTS = {
  '500×1': { name: '500 once', spec: { status: 500, count: 1 }, absorbed: true },
  '500×3': { name: '500 on every attempt', spec: { status: 500, count: 3 }, absorbed: false },
  '429': { name: '429 rate limit (not retried by stripe-node)', spec: { status: 429, count: 1 }, absorbed: false },
  '409': { name: '409 lock_timeout once', spec: { status: 409, count: 1 }, absorbed: true },
  reset: { name: 'connection reset once', spec: { type: 'reset', count: 1 }, absorbed: true },
  'timeout×1': { name: 'no answer once (timeout)', spec: { type: 'timeout', count: 1 }, absorbed: true },
  'timeout×3': { name: 'no answer on every attempt', spec: { type: 'timeout', count: 3 }, absorbed: false },
  'lost×1': { name: 'answer lost once (processed, answered after the timeout)', spec: { type: 'latency', latencyMs: LATE_MS, count: 1 }, absorbed: true },
  'lost×3': { name: 'answer lost on every attempt', spec: { type: 'latency', latencyMs: LATE_MS, count: 3 }, absorbed: false },
} as const satisfies Record<string, Fault>;
type FaultName = keyof typeof FAULTS;
const HTTP_FAULTS: FaultName[] = ['500×1', '500×3', '429', '409', 'reset'];
const SLOW_FAULTS: FaultName[] = ['timeout×1', 'timeout×3', 'lost×1', 'lost×3'];

interface Target {
  call: string;
  match: Pick<FaultSpec, 'path' | 'pathPattern' | 'method'>;
}

const target = (method: string, pattern: string): Target => ({ call: `${method} ${pattern}`, match: { method, pathPattern: pattern } });

/** Runs every (target × fault) case of a flow, 8 at a time, and lists what went wrong per case. */
const runMatrix = async <C>(
  targets: Target[],
  faults: FaultName[],
  prepare: (account: string) => Promise<C>,
  run: (context: C, attempt: number) => Promise<unknown>,
  converged: (context: C, account: string) => Promise<string[]>,
) => {
  const cases = targets.flatMap((t) => faults.map((f) => ({ target: t, fault: FAULTS[f] as Fault })));
  const problems = (
    await inPool(cases, 8, async ({ target: t, fault }) => {
      const label = `${fault.name} on ${t.call}`;
      const account = newAccount();
      trackAccount(account);
      const context = await prepare(account);
      await injectFaults(account, [{ ...t.match, ...fault.spec }]);
      const found: string[] = [];
      // Act: the first run meets the fault; failed runs are retried (as the bus, Stripe or the client would).
      let done = false;
      for (let attempt = 1; attempt <= 3 && !done; attempt += 1) {
        if (attempt > 1) figures.reruns += 1;
        try {
          await run(context, attempt);
          done = true;
          if (attempt === 1) figures.absorbedBySdk += 1;
        } catch (error) {
          if (attempt === 1) figures.firstRunFailed += 1;
          if (!isRetryableError(error)) found.push(`${label}: attempt ${attempt} failed with a non-retryable ${(error as Error).name}: ${(error as Error).message}`);
          if (fault.absorbed) found.push(`${label}: the SDK's retries should have absorbed it, but attempt ${attempt} failed: ${(error as Error).message}`);
        }
      }
      if (!done) found.push(`${label}: three runs never succeeded`);
      // Assess: the fault really happened, and Stripe holds one object per record.
      const requests = await stripeRequestsOf([account]);
      const hit = requests.filter((request) => request.fault !== null).length;
      if (hit === 0) found.push(`${label}: the fault never hit`);
      figures.faultsInjected += hit;
      figures.stripeCalls += requests.length;
      figures.cases += 1;
      found.push(...(await converged(context, account)).map((problem) => `${label}: ${problem}`));
      if (found.length === 0) figures.converged += 1;
      return found;
    })
  ).flat();
  expect(problems).toEqual([]);
  return cases.length;
};

const stripeAdmin = () => stripeWithTimeout(20_000);
const list = async <T extends { id: string }>(page: Promise<Stripe.ApiList<T>>) => (await page).data;

// Package creation ---------------------------------------------------------------------------

const PACKAGE = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 };
const PACKAGE_CALLS = [target('POST', '^/v1/products$'), target('POST', '^/v1/prices$')];

const practiceOn = async (account: string) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  await connectTestAccount(store, practiceId, account);
  track(practiceId, { account });
  return { practiceId, idempotencyKey: `create-${practiceId}` };
};

const onePackageOnStripe = async ({ practiceId }: { practiceId: string }, account: string) => {
  const problems: string[] = [];
  const listed = await api('GET', `/practices/${practiceId}/packages`, { practiceId });
  if (listed.body.items.length !== 1) problems.push(`${listed.body.items.length} packages listed`);
  const packageId = listed.body.items[0]?.packageId as string;
  const pkg = await getPackage(store, practiceId, packageId);
  const stripe = stripeAdmin();
  const products = await list(stripe.products.list({ limit: 100 }, { stripeAccount: account }));
  const prices = await list(stripe.prices.list({ limit: 100 }, { stripeAccount: account }));
  if (products.map((p) => p.id).join() !== pkg.stripeProductId) problems.push(`products ${products.map((p) => p.id)} vs recorded ${pkg.stripeProductId}`);
  if (prices.map((p) => `${p.id}:${p.unit_amount}`).join() !== `${pkg.stripePriceId}:42500`) problems.push(`prices ${prices.map((p) => p.id)} vs recorded ${pkg.stripePriceId}`);
  return problems;
};

describe('reliability: Stripe faults during package creation', () => {
  it('over HTTP (POST /practices/{p}/packages with an Idempotency-Key): 500, 429, 409 and resets on products and prices', async () => {
    const cases = await runMatrix(
      PACKAGE_CALLS,
      HTTP_FAULTS,
      practiceOn,
      async ({ practiceId, idempotencyKey }) => {
        const answer = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE, headers: { 'idempotency-key': idempotencyKey } });
        if (answer.status >= 500) throw Object.assign(new Error(`HTTP ${answer.status} ${answer.text}`), { statusCode: answer.status });
        expect([200, 201], answer.text).toContain(answer.status);
      },
      onePackageOnStripe,
    );
    expect(cases).toBe(10);
  });

  it('in-process: timeouts and lost answers on products and prices', async () => {
    const stripe = stripeWithTimeout(TIMEOUT_MS);
    const cases = await runMatrix(
      PACKAGE_CALLS,
      SLOW_FAULTS,
      practiceOn,
      ({ practiceId, idempotencyKey }) => createPackage({ store, stripe }, practiceId, PACKAGE, idempotencyKey),
      onePackageOnStripe,
    );
    expect(cases).toBe(8);
  });

  // Regression (docs/reliability.md, bug 4 "transient failures answered 500 internal", fixed).
  it('a Stripe 429 during package creation answers 503 retry_later with Retry-After', async () => {
    const account = newAccount();
    trackAccount(account);
    const { practiceId } = await practiceOn(account);
    await injectFaults(account, [{ method: 'POST', pathPattern: '^/v1/products$', status: 429, count: 1 }]);
    const answer = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE, headers: { 'idempotency-key': 'k' } });
    const again = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE, headers: { 'idempotency-key': 'k' } });
    expect(again.status).toBe(200);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('retry_later');
    expect(answer.headers.get('retry-after')).not.toBeNull();
  });
});

// Checkout -------------------------------------------------------------------------------------

const CHECKOUT_CALLS = [target('POST', '^/v1/customers$'), target('POST', '^/v1/checkout/sessions$')];

const storefrontOn = async (account: string) => {
  const { practiceId } = await practiceOn(account);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: PACKAGE });
  expect(pkg.status).toBe(201);
  return { practiceId, packageId: pkg.body.packageId as string, email: clientEmail(), last: undefined as { url: string; checkoutSessionId: string } | undefined };
};
type Storefront = Awaited<ReturnType<typeof storefrontOn>>;

const oneCustomerAndSessionsPerPurchase = async (context: Storefront, account: string) => {
  const problems: string[] = [];
  const stripe = stripeAdmin();
  const customers = await list(stripe.customers.list({ limit: 100 }, { stripeAccount: account }));
  const sessions = await list(stripe.checkout.sessions.list({ limit: 100 }, { stripeAccount: account }));
  if (customers.length !== 1) problems.push(`${customers.length} Stripe customers for one client`);
  const purchases = sessions.map((session) => session.metadata?.purchaseId);
  if (new Set(purchases).size !== sessions.length) problems.push(`two sessions share a purchase: ${purchases}`);
  if (!context.last || !sessions.some((session) => session.id === context.last!.checkoutSessionId)) problems.push('the session the client was sent to is not on Stripe');
  return problems;
};

describe('reliability: Stripe faults during checkout', () => {
  it('over HTTP (the Buy button; a failed click is clicked again): 500, 429, 409 and resets; the client then pays once for 5 credits', async () => {
    const cases = await runMatrix(
      CHECKOUT_CALLS,
      HTTP_FAULTS,
      storefrontOn,
      async (context) => {
        const answer = await api('POST', `/p/${context.practiceId}/packages/${context.packageId}/checkout`, { body: { email: context.email, name: CLIENT_NAME } });
        if (answer.status >= 500) throw Object.assign(new Error(`HTTP ${answer.status} ${answer.text}`), { statusCode: answer.status });
        expect(answer.status, answer.text).toBe(201);
        context.last = answer.body;
      },
      async (context, account) => {
        const problems = await oneCustomerAndSessionsPerPurchase(context, account);
        if (!context.last) return problems;
        // The client pays on the hosted page (Stripe asks for an email there: kneadpay never sends one).
        const paid = await fetch(`${context.last.url}/pay`, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify({ outcome: 'succeeded', email: 'typed-on-stripe@example.test' }),
        });
        if (paid.status !== 200) problems.push(`paying answered ${paid.status}`);
        const deadline = Date.now() + 15_000;
        let purchases: { sessionsRemaining: number; status: string }[] = [];
        for (;;) {
          const client = (await api('GET', `/practices/${context.practiceId}/clients?email=${encodeURIComponent(context.email)}`, { practiceId: context.practiceId })).body.items[0];
          purchases = client ? (await api('GET', `/practices/${context.practiceId}/clients/${client.clientId}/purchases`, { practiceId: context.practiceId })).body.items : [];
          if (purchases.length > 0 || Date.now() > deadline) break;
          await sleep(200);
        }
        if (JSON.stringify(purchases.map((p) => [p.status, p.sessionsRemaining])) !== JSON.stringify([['active', 5]])) problems.push(`purchases after paying: ${JSON.stringify(purchases)}`);
        return problems;
      },
    );
    expect(cases).toBe(10);
  });

  it('in-process: timeouts and lost answers on customers and checkout sessions', async () => {
    const stripe = stripeWithTimeout(TIMEOUT_MS);
    const cases = await runMatrix(
      CHECKOUT_CALLS,
      SLOW_FAULTS,
      storefrontOn,
      async (context) => {
        const started = await startCheckout({ store, stripe, publicUrl: 'http://127.0.0.1:3000' }, context.practiceId, context.packageId, { email: context.email, name: CLIENT_NAME });
        context.last = started;
      },
      oneCustomerAndSessionsPerPurchase,
    );
    expect(cases).toBe(8);
  });
});

// Balance invoicing ----------------------------------------------------------------------------

const INVOICE_POSTS = [target('POST', '^/v1/customers$'), target('POST', '^/v1/invoices$'), target('POST', '^/v1/invoiceitems$'), target('POST', '^/v1/invoices/[^/]+/finalize$')];
// The saga's reads: the recovery lookups by metadata and the status check before finalizing.
const INVOICE_GETS = [target('GET', '^/v1/invoices$'), target('GET', '^/v1/invoiceitems$'), target('GET', '^/v1/invoices/[^/]+$')];

const claimOn = async (account: string) => {
  const ready = await claimReady({ practice: { stripeAccountId: account } });
  track(ready.practiceId, { account });
  return { ...ready, detail: adjudicated(ready.practiceId).original };
};
type ClaimContext = Awaited<ReturnType<typeof claimOn>>;

const oneOpenInvoice = async (context: ClaimContext, account: string) => {
  const problems: string[] = [];
  const stripe = stripeAdmin();
  const customers = await list(stripe.customers.list({ limit: 100 }, { stripeAccount: account }));
  const invoices = await list(stripe.invoices.list({ limit: 100 }, { stripeAccount: account }));
  const items = await list(stripe.invoiceItems.list({ limit: 100 }, { stripeAccount: account }));
  const [record, ...more] = await listClaimInvoices(store, context.practiceId, 'CLM-1001');
  if (customers.length !== 1) problems.push(`${customers.length} customers`);
  if (JSON.stringify(invoices.map((i) => [i.status, i.amount_due, i.lines.data.length])) !== JSON.stringify([['open', 3400, 1]])) {
    problems.push(`Stripe invoices ${JSON.stringify(invoices.map((i) => [i.id, i.status, i.amount_due, i.lines.data.length]))}`);
  }
  if (items.length !== 1) problems.push(`${items.length} invoice items`);
  if (more.length > 0 || record?.status !== 'open' || !record.hostedInvoiceUrl || record.stripeInvoiceId !== invoices[0]?.id)
    problems.push(`records ${JSON.stringify([record, ...more].map((r) => [r?.status, r?.stripeInvoiceId]))}`);
  const mails = (await emailsTo(context.email)).length;
  if (mails !== 1) problems.push(`${mails} emails`);
  const view = await api('GET', `/practices/${context.practiceId}/claims/CLM-1001`, { practiceId: context.practiceId });
  if (view.body.invoice?.amountDueCents !== 3400 || view.body.invoice?.status !== 'open') problems.push(`the claim shows ${JSON.stringify(view.body.invoice)}`);
  return problems;
};

describe('reliability: Stripe faults during balance invoicing (the ClaimAdjudicated consumer)', () => {
  const stripe = stripeWithTimeout(TIMEOUT_MS);
  const deps = { store, stripe: async () => stripe, publicUrl: 'http://127.0.0.1:3000' };

  it('every fault on every Stripe write of the saga', async () => {
    const cases = await runMatrix(INVOICE_POSTS, Object.keys(FAULTS) as FaultName[], claimOn, (context) => invoiceClaimBalance(deps, context.detail), oneOpenInvoice);
    expect(cases).toBe(36);
  });

  it('persistent faults on every Stripe read of the saga', async () => {
    const cases = await runMatrix(INVOICE_GETS, ['500×3', '429', 'timeout×3'], claimOn, (context) => invoiceClaimBalance(deps, context.detail), oneOpenInvoice);
    expect(cases).toBe(9);
  });

  it('answers lost on every attempt, then every idempotency key expired before the retry (a retry days later)', async () => {
    // Prepare
    const contexts = await inPool(INVOICE_POSTS.slice(1), 3, async (t) => {
      const account = newAccount();
      trackAccount(account);
      const context = await claimOn(account);
      await injectFaults(account, [{ ...t.match, ...FAULTS['lost×3'].spec }]);
      return { t, account, context };
    });

    // Act: the first runs fail; the late requests finish on Stripe; a day passes (keys expire); the retry.
    const first = await Promise.allSettled(contexts.map(({ context }) => invoiceClaimBalance(deps, context.detail)));
    await sleep(LATE_MS + 500);
    expect((await admin('/_idempotency/expire', { method: 'POST', body: { accounts: contexts.map(({ account }) => account) } })).status).toBe(200);
    for (const { context } of contexts) await invoiceClaimBalance(deps, context.detail);

    // Assess
    expect(first.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const problems = (await Promise.all(contexts.map(async ({ t, account, context }) => (await oneOpenInvoice(context, account)).map((p) => `${t.call}: ${p}`)))).flat();
    expect(problems).toEqual([]);
    figures.cases += contexts.length;
    figures.faultsInjected += 3 * contexts.length;
    figures.firstRunFailed += contexts.length;
    figures.reruns += contexts.length;
    figures.converged += contexts.length;
  });
});

describe('reliability: Stripe faults leave no PHI behind', () => {
  it('no client name, email, code, payer or claim number in any log line or Stripe request of this file', async () => {
    const scan = await assertNoPhiLeaks(logs.lines, trackedAccounts);
    recordFigures('stripe-faults', { ...figures, logLines: scan.logLines, stripeRequests: scan.stripeRequests, phiHits: scan.hits.length });
    expect(scan.stripeRequests).toBeGreaterThan(100);
    expect(scan.hits).toEqual([]);
  });
});
