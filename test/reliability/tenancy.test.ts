/**
 * Reliability 6 — tenants are walls (docs/reliability.md §6).
 * Over the local HTTP API (the real JWT authorizer and routing): practice B's token on every
 * practice route of practice A (403), B's own routes with A's ids in the path or body (4xx),
 * no token / a bad / an expired / a foreign-key token (401), the public routes with the other
 * practice's ids, Stripe events that name one practice's account and the other's ids, and a
 * pagination cursor forged to point into A's partition. No answer may carry any of A's data, and
 * A's data must be exactly as it was.
 */
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createStore } from '../../functions/store/table';
import { practicePk } from '../../functions/store/keys';
import { getStripe } from '../../functions/stripe/client';
import { ROUTES } from '../../lib/wiring';
import { mintLocalToken } from '../../local/auth';
import { connectTestAccount } from '../support/connect';
import { api, practiceProfile, type ApiAnswer } from '../support/api';
import { checkoutSession, seedOpenPurchase } from '../support/fixtures';
import { assertNoPhiLeaks, captureLogs, checkInvariants, clientEmail, CLIENT_NAME, newAccount, recordFigures, sleep, track, trackAccount, trackedAccounts } from '../support/reliability';
import { deliver, stripeEvent } from '../support/stripe-events';
import { newPracticeId } from '../support/store';
import { ack277 } from '../fixtures/claims/acks';

const store = createStore();
const logs = captureLogs();
const figures = { requests: 0, forbidden403: 0, unauthorized401: 0, other4xx: 0, leaks: 0, routesCovered: 0 };

afterEach(async () => {
  await checkInvariants(store);
});
afterAll(() => logs.restore());

interface Tenant {
  practiceId: string;
  account: string;
  clientId: string;
  email: string;
  name: string;
  packageId: string;
  purchaseId: string;
  appointmentId: string;
  claimId: string;
  remittanceId: string;
  checkoutSessionId: string;
  receiptId: string | undefined;
  invoiceId: string | undefined;
  estimateId: string;
  /** Claims out: a payer, a claim billed to it, and the 837P batch that carries it. */
  payerId: string;
  claimOutId: string;
  batchId: string;
}

const waitForItem = async (path: string, practiceId: string) => {
  for (let i = 0; i < 60; i += 1) {
    const item = (await api('GET', path, { practiceId })).body.items?.[0];
    if (item) return item;
    await sleep(250);
  }
  return undefined;
};

/** A Good Faith Estimate for five weekly massages, asked for without a date. */
const estimateBody = () => ({
  primaryService: 'Massage therapy, 60 minutes, weekly',
  dateOfBirth: '1980-04-02',
  diagnosisCodes: ['M54.2'],
  lines: [{ serviceCode: '97124', description: 'Massage, 60 minutes', quantity: 5, unitChargeCents: 9000 }],
});

/** A practice with one of everything: client, package, paid purchase, redemption, claim, ERA, invoice, receipt. */
const tenant = async (label: string, name: string): Promise<Tenant> => {
  const practiceId = newPracticeId();
  const account = newAccount();
  trackAccount(account);
  track(practiceId, { account });
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ name: `${label} Bodywork`, ...CLAIMS_OUT_PROFILE }) })).status).toBe(200);
  await connectTestAccount(store, practiceId, account);
  const email = clientEmail();
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name } });
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: `${label} five`, sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd' },
  });
  const purchase = await seedOpenPurchase(store, practiceId, { email });
  const intent = await (await getStripe()).paymentIntents.create({ amount: 42500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { stripeAccount: account });
  expect((await deliver(stripeEvent('checkout.session.completed', checkoutSession(purchase, { payment_intent: intent.id }), { account }))).statusCode).toBe(200);
  const appointmentId = `appt-${label}-1`;
  expect((await api('POST', `/practices/${practiceId}/clients/${client.body.clientId}/redemptions`, { practiceId, body: { appointmentId } })).status).toBe(201);
  const claimId = `CLM-${label}-${label === 'A' ? '1001' : '2002'}`;
  expect(
    (
      await api('POST', `/practices/${practiceId}/claims`, {
        practiceId,
        body: {
          claimId,
          clientId: client.body.clientId,
          payerName: 'ACME HEALTH',
          dateOfService: '2026-10-02',
          diagnosisCodes: ['M54.2'],
          lines: [
            { procedureCode: '97124', units: 2, chargeCents: 6000 },
            { procedureCode: '97140', units: 2, chargeCents: 7000 },
          ],
        },
      })
    ).status,
  ).toBe(201);
  const era = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8').replace('CLP*CLM-1001*', `CLP*${claimId}*`);
  const remittance = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era, headers: { 'content-type': 'application/edi-x12' } });
  expect(remittance.body.matched).toBe(1);
  const checkout = await api('POST', `/p/${practiceId}/packages/${pkg.body.packageId}/checkout`, { body: { email, name } });
  const estimate = await api('POST', `/practices/${practiceId}/clients/${client.body.clientId}/estimates`, { practiceId, body: estimateBody() });
  expect(estimate.status).toBe(201);
  const claimsOut = await claimsOutOf(practiceId, client.body.clientId, label);
  // The bus invoices the balance and issues the receipt on its own.
  const [invoice, receipt] = await Promise.all([waitForItem(`/practices/${practiceId}/invoices`, practiceId), waitForItem(`/practices/${practiceId}/receipts`, practiceId)]);
  return {
    practiceId,
    account,
    clientId: client.body.clientId,
    email,
    name,
    packageId: pkg.body.packageId,
    purchaseId: purchase.purchaseId,
    appointmentId,
    claimId,
    remittanceId: remittance.body.remittanceId,
    checkoutSessionId: checkout.body.checkoutSessionId,
    receiptId: receipt?.receiptId,
    invoiceId: invoice?.invoiceId,
    estimateId: estimate.body.estimateId,
    ...claimsOut,
  };
};

const CLAIMS_OUT_PROFILE = { taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } };
const claimsOutPatient = { firstName: 'Pat', lastName: 'Tenant', dateOfBirth: '1980-01-01', sex: 'U', address: { line1: '2 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } };

/** Claims out for a tenant: a payer, the client's coverage, a claim billed to the payer, its 837P batch. */
const claimsOutOf = async (practiceId: string, clientId: string, label: string) => {
  const payerId = `ACME${label}1`;
  expect((await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name: 'Acme Health', payerId } })).status).toBe(200);
  expect(
    (await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId, memberId: `M${label}123`, relationship: 'self', patient: claimsOutPatient } })).status,
  ).toBe(200);
  const claimOutId = `CLM-${label}-OUT-${label === 'A' ? '3003' : '4004'}`;
  const claim = await api('POST', `/practices/${practiceId}/claims`, {
    practiceId,
    body: {
      claimId: claimOutId,
      clientId,
      payerId,
      renderingProvider: { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' },
      dateOfService: '2026-10-02',
      diagnosisCodes: ['M54.2'],
      lines: [{ procedureCode: '97124', units: 2, chargeCents: 6000 }],
    },
  });
  expect([claim.status, claim.body.state]).toEqual([201, 'ready']);
  const batch = await api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: { claimIds: [claimOutId] } });
  expect(batch.status).toBe(201);
  return { payerId, claimOutId, batchId: batch.body.batchId as string };
};

let A: Tenant;
let B: Tenant;
const secretsOf = (t: Tenant) =>
  [
    t.practiceId,
    t.account,
    t.clientId,
    t.email,
    t.packageId,
    t.purchaseId,
    t.appointmentId,
    t.claimId,
    t.remittanceId,
    t.checkoutSessionId,
    t.receiptId,
    t.invoiceId,
    t.estimateId,
    t.claimOutId,
    t.payerId,
  ].filter((s): s is string => !!s);

/** A's partition as it is (everything but the markers and outbox items the attempts may add). */
const snapshot = async (practiceId: string) =>
  (
    (await store.doc.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(practiceId) }, ConsistentRead: true })))
      .Items ?? []
  )
    .filter((item) => item.type !== 'marker' && item.type !== 'outbox' && item.type !== 'receipt-counter')
    .map((item) => JSON.stringify(item, Object.keys(item).sort()))
    .sort();

/** Waits until the bus's consumers (invoicer, receipt issuer, their emails) are done with a practice. */
const settled = async (practiceId: string) => {
  let previous = await snapshot(practiceId);
  for (let i = 0; i < 40; i += 1) {
    await sleep(400);
    const now = await snapshot(practiceId);
    if (JSON.stringify(now) === JSON.stringify(previous)) return;
    previous = now;
  }
};

beforeAll(async () => {
  [A, B] = await Promise.all([tenant('A', CLIENT_NAME), tenant('B', 'Jane Doe')]);
  await Promise.all([settled(A.practiceId), settled(B.practiceId)]);
}, 90_000);

/** The other tenant's ids and emails in an answer, except those the caller itself sent (an echo is not a leak). */
const leaksOf = (answer: ApiAnswer, of: Tenant, sent = '') =>
  secretsOf(of).filter((secret) => !sent.includes(secret) && (answer.text.includes(secret) || answer.text.includes(encodeURIComponent(secret))));

/** Fills a route's path with a tenant's ids (practiceId from `practice`, the rest from `ids`). */
const pathOf = (path: string, practice: Tenant, ids: Tenant) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = name === 'practiceId' ? practice.practiceId : name === 'token' ? 'x.y' : ((ids as unknown as Record<string, string | undefined>)[name] ?? 'missing');
    return encodeURIComponent(value);
  });

const bodyFor = (method: string, path: string, ids: Tenant): { body?: unknown; raw?: string; headers?: Record<string, string> } => {
  if (method === 'GET' || method === 'DELETE') return {};
  if (path.endsWith('/remittances'))
    return {
      raw: readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8').replace('CLP*CLM-1001*', `CLP*${ids.claimId}*`),
      headers: { 'content-type': 'application/edi-x12' },
    };
  if (path.endsWith('/claim-batches')) return { body: { claimIds: [ids.claimOutId] } };
  if (path.endsWith('/acknowledgements')) return { raw: ack277([{ pcn: ids.claimOutId, category: 'A7', status: '21' }]), headers: { 'content-type': 'application/edi-x12' } };
  if (path.endsWith('/coverage')) return { body: { payerId: ids.payerId, memberId: 'X1', relationship: 'self', patient: claimsOutPatient } };
  if (path.endsWith('/payers/{payerId}')) return { body: { name: 'Acme Health', payerId: ids.payerId } };
  if (path.endsWith('/redemptions')) return { body: { appointmentId: `appt-x-${Date.now()}`, purchaseId: ids.purchaseId } };
  if (path.endsWith('/claims'))
    return { body: { claimId: ids.claimId, clientId: ids.clientId, dateOfService: '2026-10-02', diagnosisCodes: ['M54.2'], lines: [{ procedureCode: '97124', units: 1, chargeCents: 100 }] } };
  if (path.endsWith('/estimates')) return { body: estimateBody() };
  if (path.endsWith('/desk-payments')) return { body: { method: 'cash', amountCents: 30 } };
  if (path.endsWith('/write-offs')) return { body: { reason: 'courtesy', note: 'Hijacked write-off' } };
  if (path.endsWith('/clients')) return { body: { email: ids.email, name: 'Someone Else' } };
  if (path.endsWith('/packages')) return { body: { name: 'x', sessions: 1, sessionMinutes: 60, serviceCode: '97124', priceCents: 5000, currency: 'usd' } };
  if (path.endsWith('{packageId}')) return { body: { priceCents: 99999 } };
  if (path.endsWith('/clients/{clientId}')) return { body: { name: 'Hijacked Name', email: ids.email } };
  return { body: practiceProfile({ name: 'Hijacked' }) };
};

const tally = (answer: ApiAnswer, of: Tenant, sent = '') => {
  figures.requests += 1;
  if (answer.status === 403) figures.forbidden403 += 1;
  else if (answer.status === 401) figures.unauthorized401 += 1;
  else if (answer.status >= 400 && answer.status < 500) figures.other4xx += 1;
  const leaks = leaksOf(answer, of, sent);
  figures.leaks += leaks.length;
  return leaks;
};

describe('reliability: cross-tenant attempts on every id-bearing route → 403/404, zero leaks', () => {
  const practiceRoutes = ROUTES.filter((route) => route.auth === 'jwt');

  it(`B's token on each of A's ${practiceRoutes.length} practice routes → 403 with nothing of A's`, async () => {
    // Prepare
    const before = await snapshot(A.practiceId);

    // Act
    const results = [];
    for (const route of practiceRoutes) {
      const answer = await api(route.method, pathOf(route.path, A, A), { practiceId: B.practiceId, ...bodyFor(route.method, route.path, A) });
      results.push({ route: `${route.method} ${route.path}`, status: answer.status, leaks: tally(answer, A) });
    }
    figures.routesCovered = practiceRoutes.length;

    // Assess
    expect(results.filter((result) => result.status !== 403 || result.leaks.length > 0)).toEqual([]);
    expect(await snapshot(A.practiceId)).toEqual(before);
  });

  it("B's own routes with A's ids in the path or body → 4xx, A's data untouched and never shown", async () => {
    // Prepare
    const before = await snapshot(A.practiceId);
    const withIds = practiceRoutes.filter((route) => /\{(?!practiceId)\w+\}/.test(route.path) || ['POST', 'PATCH'].includes(route.method));

    // Act
    const results = [];
    for (const route of withIds) {
      const request = bodyFor(route.method, route.path, A);
      const answer = await api(route.method, pathOf(route.path, B, A), { practiceId: B.practiceId, ...request });
      results.push({ route: `${route.method} ${route.path}`, status: answer.status, leaks: tally(answer, A, JSON.stringify(request)) });
    }

    // Assess: ids of A mean nothing in B (a client B registers with the same email is B's own record).
    expect(results.filter((result) => result.leaks.length > 0)).toEqual([]);
    // A payer id is the clearinghouse's public id, not A's data: B may save the same payer in its own partition.
    // A batch id names a practice's n-th 837P (from its own control number): A's B000000001 is B's own first batch
    // there — no leak of A's (checked above), but a 200.
    const OWN_NAMESPACE = ['/payers/{payerId}', '/claim-batches/{batchId}'];
    const pathIdRoutes = results.filter((result) => /\{(?!practiceId)\w+\}/.test(result.route) && !OWN_NAMESPACE.some((end) => result.route.endsWith(end)));
    expect(pathIdRoutes.filter((result) => result.status < 400 || result.status >= 500)).toEqual([]);
    expect(await snapshot(A.practiceId)).toEqual(before);
  });

  it('no token, a malformed token, an expired token, or a token signed with another key → 401 on every practice route', async () => {
    const dir = inject('dataDir');
    const tokens = {
      none: undefined,
      malformed: 'not.a.jwt',
      expired: await mintLocalToken(A.practiceId, { dir, expiresIn: '-1h' }),
      foreignKey: await new SignJWT({ 'custom:practiceId': A.practiceId })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('kneadpay-local')
        .setAudience('kneadpay-local')
        .setExpirationTime('1h')
        .sign(new Uint8Array(32).fill(7)),
    };
    const results = [];
    for (const route of practiceRoutes) {
      for (const [kind, token] of Object.entries(tokens)) {
        const answer = await api(route.method, pathOf(route.path, A, A), { ...(token ? { token } : {}), ...bodyFor(route.method, route.path, A) });
        results.push({ route: `${route.method} ${route.path}`, kind, status: answer.status, leaks: tally(answer, A) });
      }
    }
    expect(results.filter((result) => result.status !== 401 || result.leaks.length > 0)).toEqual([]);
  });

  it("the public routes with the other practice's ids → 404, never the other practice's package or purchase", async () => {
    const storefront = await api('GET', `/p/${A.practiceId}`, { headers: { accept: 'text/html' } });
    const success = await api('GET', `/p/${A.practiceId}/success?session_id=${B.checkoutSessionId}`, { headers: { accept: 'text/html' } });
    const checkout = await api('POST', `/p/${A.practiceId}/packages/${B.packageId}/checkout`, { body: { email: clientEmail(), name: CLIENT_NAME } });
    for (const answer of [storefront, success, checkout]) expect(tally(answer, B)).toEqual([]);
    expect(storefront.status).toBe(200);
    expect([success.status, checkout.status]).toEqual([404, 404]);
  });

  it("Stripe events naming one practice's account and the other's ids change neither practice", async () => {
    // Prepare
    const [beforeA, beforeB] = await Promise.all([snapshot(A.practiceId), snapshot(B.practiceId)]);
    const refundOf = (t: Tenant) => ({
      id: `ch_${t.purchaseId}`,
      object: 'charge',
      amount: 42500,
      payment_intent: `pi_${t.purchaseId}`,
      amount_refunded: 42500,
      refunds: { object: 'list', has_more: false, data: [{ id: `re_cross_${t.purchaseId}`, object: 'refund', amount: 42500, status: 'succeeded', created: 1_800_000_000 }] },
    });
    const sessionOf = (t: Tenant, practiceId: string) => ({
      ...checkoutSession({ purchaseId: t.purchaseId, practiceId, clientId: t.clientId, packageId: t.packageId, priceCents: 42500, currency: 'usd' } as never),
    });

    // Act: A's account with B's purchase; B's practice id in metadata with A's purchase; B's refund on A's account.
    const answers = [
      await deliver(stripeEvent('checkout.session.completed', sessionOf(B, B.practiceId), { account: A.account })),
      await deliver(stripeEvent('checkout.session.completed', sessionOf(A, B.practiceId))),
      await deliver(stripeEvent('charge.refunded', refundOf(B), { account: A.account })),
    ];

    // Assess: refused for later (503) or ignored, never applied; both partitions as they were.
    expect(answers.map((answer) => answer.statusCode === 503 || answer.headers?.['x-kneadpay-outcome'] === 'ignored')).toEqual([true, true, true]);
    expect(await snapshot(A.practiceId)).toEqual(beforeA);
    expect(await snapshot(B.practiceId)).toEqual(beforeB);
  });

  it("Stripe Connect: B cannot take, see or release A's account; A's onboarding pages show nothing of B's", async () => {
    // Prepare
    const [beforeA, beforeB] = await Promise.all([snapshot(A.practiceId), snapshot(B.practiceId)]);

    // Act
    const typed = await api('PUT', `/practices/${B.practiceId}`, { practiceId: B.practiceId, body: practiceProfile({ name: 'B Bodywork', stripeAccountId: A.account }) });
    const ownStatus = await api('GET', `/practices/${B.practiceId}/stripe`, { practiceId: B.practiceId });
    const ownOnboarding = await api('POST', `/practices/${B.practiceId}/stripe/onboarding`, { practiceId: B.practiceId });
    const foreign = [
      await api('GET', `/practices/${A.practiceId}/stripe`, { practiceId: B.practiceId }),
      await api('POST', `/practices/${A.practiceId}/stripe/onboarding`, { practiceId: B.practiceId }),
      await api('DELETE', `/practices/${A.practiceId}/stripe`, { practiceId: B.practiceId }),
    ];
    const pages = [
      await api('GET', `/p/${A.practiceId}/stripe/return`, { headers: { accept: 'text/html' } }),
      await api('GET', `/p/${A.practiceId}/stripe/refresh`, { headers: { accept: 'text/html' } }),
    ];

    // Assess
    expect([typed.status, typed.body.error?.details?.field]).toEqual([400, 'stripeAccountId']);
    expect(tally(typed, A, JSON.stringify({ stripeAccountId: A.account }))).toEqual([]);
    expect(ownStatus.body.accountId).toBe(B.account);
    expect([ownOnboarding.status, ownOnboarding.body.accountId]).toEqual([200, B.account]);
    expect(foreign.map((answer) => answer.status)).toEqual([403, 403, 403]);
    for (const answer of [ownStatus, ownOnboarding, ...foreign]) expect(tally(answer, A)).toEqual([]);
    for (const answer of pages) {
      expect(answer.status).toBe(200);
      expect(tally(answer, B)).toEqual([]);
    }
    expect(await snapshot(A.practiceId)).toEqual(beforeA);
    expect(await snapshot(B.practiceId)).toEqual(beforeB);
  });

  it("a pagination cursor forged to point into A's partition never returns A's entries to B", async () => {
    const cursor = Buffer.from(JSON.stringify({ pk: practicePk(A.practiceId), sk: `LEDGER#${A.clientId}#` })).toString('base64url');
    const answers = [
      await api('GET', `/practices/${B.practiceId}/clients/${B.clientId}/ledger?cursor=${cursor}`, { practiceId: B.practiceId }),
      await api('GET', `/practices/${B.practiceId}/invoices?cursor=${cursor}`, { practiceId: B.practiceId }),
      await api('GET', `/practices/${B.practiceId}/remittances?cursor=${cursor}`, { practiceId: B.practiceId }),
      await api('GET', `/practices/${B.practiceId}/receipts?cursor=${cursor}`, { practiceId: B.practiceId }),
      await api('GET', `/practices/${B.practiceId}/payers?cursor=${cursor}`, { practiceId: B.practiceId }),
    ];
    // A cursor is checked against the query it continues (bug 7): 400, and never A's data.
    for (const answer of answers) {
      expect(tally(answer, A)).toEqual([]);
      expect(answer.status).toBe(400);
    }
  });

  it("cursors built from A's real items (table and index keys) never page B's lists into A's data", async () => {
    // Prepare: the exact keys DynamoDB would hand out as LastEvaluatedKey for A's own lists.
    const items =
      (await store.doc.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': practicePk(A.practiceId) }, ConsistentRead: true })))
        .Items ?? [];
    const keyOf = (item: Record<string, unknown> | undefined, names: string[]) => Buffer.from(JSON.stringify(Object.fromEntries(names.map((name) => [name, item?.[name]])))).toString('base64url');
    const first = (type: string) => items.find((item) => item.type === type);
    const receipt = first('receipt');
    const lists = [
      [`/practices/${B.practiceId}/clients/${B.clientId}/ledger`, keyOf(first('ledger'), ['pk', 'sk'])],
      [`/practices/${B.practiceId}/invoices`, keyOf(first('invoice'), ['pk', 'sk', 'gsi1pk', 'gsi1sk'])],
      [`/practices/${B.practiceId}/invoices?status=open`, keyOf(first('invoice'), ['pk', 'sk', 'gsi1pk', 'gsi1sk'])],
      [`/practices/${B.practiceId}/remittances`, keyOf(first('remittance'), ['pk', 'sk'])],
      [`/practices/${B.practiceId}/receipts`, keyOf(receipt, ['pk', 'sk'])],
      [`/practices/${B.practiceId}/receipts?clientId=${B.clientId}`, keyOf(receipt, ['pk', 'sk', 'gsi1pk', 'gsi1sk'])],
      [`/practices/${B.practiceId}/payers`, keyOf(first('payer'), ['pk', 'sk'])],
    ] as const;

    // Act
    const answers = [];
    for (const [path, cursor] of lists) answers.push(await api('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`, { practiceId: B.practiceId }));

    // Assess: refused, and nothing of A's in any answer.
    expect(answers.map((answer) => ({ status: answer.status, leaks: tally(answer, A) }))).toEqual(lists.map(() => ({ status: 400, leaks: [] })));
  });

  it('no client name, email, code, payer or claim number in any log line or Stripe request of this file', async () => {
    const scan = await assertNoPhiLeaks(logs.lines, trackedAccounts);
    recordFigures('tenancy', { ...figures, logLines: scan.logLines, stripeRequests: scan.stripeRequests, phiHits: scan.hits.length });
    expect(figures.leaks).toBe(0);
    expect(scan.hits).toEqual([]);
  });
});
