/**
 * The hostile-outsider / malicious-tenant sequences of issue 17, replayed one by one against the
 * local stack (DynamoDB Local, the local SES, the Stripe emulator over HTTP). Each `describe` is
 * one finding; each test failed on the main branch before its fix (docs/reliability.md §10).
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { expireAllPractices } from '../../functions/credit-expirer';
import { sendReminders } from '../../functions/invoice-reminder';
import type { Store } from '../../functions/store/table';
import { findOrCreateClient } from '../../functions/store/clients';
import { listPracticeIds } from '../../functions/store/practices';
import { ensureTable } from '../../local/dynamodb';
import { paidExpiringPurchaseItem, seedPractice } from '../support/fixtures';
import { countedStore } from '../support/paged-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receiptSecrets, signReceiptToken, verifyReceiptToken } from '../../functions/shared/receipt-token';
import { contentSecurityPolicy, scriptHash, securityHeaders } from '../../functions/shared/security-headers';
import { mintLocalToken } from '../../local/auth';
import type { Context } from 'aws-lambda';
import { handler as storefrontHandler } from '../../functions/storefront';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { sendEmail } from '../../functions/shared/email';
import type { ApiEvent } from '../../functions/shared/http';
import { listClaimInvoices } from '../../functions/store/invoices';
import { getStripe } from '../../functions/stripe/client';
import { adjudicated, claimReady, emailsTo } from '../support/invoicing';
import { apiEvent } from '../support/receipts';

const lambdaContext = { awsRequestId: 'hostile', functionName: 'storefront', getRemainingTimeInMillis: () => 15_000 } as unknown as Context;

/** A checkout as API Gateway hands it to the storefront function, from a given client address. */
const storefrontEvent = (practiceId: string, packageId: string, body: Record<string, unknown>, sourceIp: string): ApiEvent => {
  const event = apiEvent('POST /p/{practiceId}/packages/{packageId}/checkout', { pathParameters: { practiceId, packageId }, body });
  event.requestContext.http.sourceIp = sourceIp;
  return event;
};

/** Requests the Stripe emulator logged that name this practice (customers and sessions carry it in metadata). */
const stripeRequestCount = async (practiceId: string) => {
  const answer = await fetch(`${inject('stripeUrl')}/_requests?method=POST`);
  const body = (await answer.json()) as { requests: unknown[] };
  return body.requests.filter((request) => JSON.stringify(request).includes(practiceId)).length;
};
import { newId } from '../../functions/shared/ids';
import { clientKey, emailKey, findClientByEmail } from '../../functions/store/clients';
import { OPEN_PURCHASE_TTL_SECONDS } from '../../functions/store/purchases';
import { api, practiceProfile } from '../support/api';
import { emulator } from '../support/invoicing';
import { balancePaid, deliverToReceiptIssuer, openReceipt, practiceWithAdjudicatedClaim, receiptEmailsTo, receiptLinkIn, tokenOf } from '../support/receipts';
import { newPracticeId, testStore } from '../support/store';

const practiceWithPackage = async (profile: Record<string, unknown> = {}) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile(profile) })).status).toBe(200);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 },
  });
  expect(pkg.status).toBe(201);
  return { practiceId, packageId: pkg.body.packageId as string };
};

const anonymousCheckout = (practiceId: string, packageId: string, email: string, name: string, headers: Record<string, string> = {}) =>
  api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email, name }, headers });

const pay = async (url: string) => {
  const answer = await fetch(`${url}/pay`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded', email: 'typed-on-stripe@client.example' }),
  });
  await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 10_000 } });
  return answer.status;
};

const rawItem = async (key: { pk: string; sk: string }) => {
  const store = testStore();
  try {
    return (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }))).Item;
  } finally {
    store.doc.destroy();
  }
};

describe("finding 1: anyone could set a patient's name at any practice", () => {
  it('an anonymous buyer creates the client first; staff registering the email get their own name back, audited', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const email = `${newId('victim')}@client.example`;

    const attack = await anonymousCheckout(practiceId, packageId, email, 'Mallory Was Here');
    const staff = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Doe' } });
    const again = await anonymousCheckout(practiceId, packageId, email, 'Mallory Again');
    const lookup = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId });
    const ledger = await api('GET', `/practices/${practiceId}/clients/${staff.body.clientId}/ledger`, { practiceId });

    expect(attack.status).toBe(201);
    expect(staff.status).toBe(200);
    expect(staff.body.name).toBe('Jane Doe');
    expect(again.status).toBe(201);
    expect(lookup.body.items[0]).toMatchObject({ clientId: staff.body.clientId, name: 'Jane Doe' });
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({ kind: 'client_corrected', amountCents: 0, ref: staff.body.clientId, changes: { name: { from: 'Mallory Was Here', to: 'Jane Doe' } } }),
    ]);
  });

  it('an unpaid storefront client is provisional: it expires with its open purchase; paying confirms it', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const unpaid = `${newId('unpaid')}@client.example`;
    const paid = `${newId('paid')}@client.example`;

    const started = await anonymousCheckout(practiceId, packageId, unpaid, 'Never Pays');
    const client = await rawItem(clientKey(practiceId, (await findClientByEmail(testStore(), practiceId, unpaid))!.clientId));
    const pointer = await rawItem(emailKey(practiceId, unpaid));
    const afterExpiry = await findClientByEmail(testStore(), practiceId, unpaid, new Date((Number(client?.ttl) + 1) * 1000));
    const buyer = await anonymousCheckout(practiceId, packageId, paid, 'Pays Promptly');
    expect(await pay(buyer.body.url)).toBe(200);
    const paidClient = await rawItem(clientKey(practiceId, (await findClientByEmail(testStore(), practiceId, paid))!.clientId));
    const paidPointer = await rawItem(emailKey(practiceId, paid));

    expect(started.status).toBe(201);
    expect(client).toMatchObject({ provisional: true, nameSource: 'storefront' });
    expect(Number(client?.ttl)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + OPEN_PURCHASE_TTL_SECONDS - 60);
    expect(pointer?.ttl).toBe(client?.ttl);
    expect(afterExpiry).toBeUndefined();
    expect(paidClient).not.toHaveProperty('ttl');
    expect(paidClient).not.toHaveProperty('provisional');
    expect(paidPointer).not.toHaveProperty('ttl');
  });

  it("staff correcting a provisional client's email while its checkout is open: the payment still grants the credits and confirms the client", async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const typed = `${newId('typo')}@client.example`;
    const corrected = `${newId('fixed')}@client.example`;
    const started = await anonymousCheckout(practiceId, packageId, typed, 'Jane Typo');
    const clientId = (await findClientByEmail(testStore(), practiceId, typed))!.clientId;

    const patched = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { email: corrected } });
    expect(await pay(started.body.url)).toBe(200);
    const purchases = await api('GET', `/practices/${practiceId}/clients/${clientId}/purchases`, { practiceId });
    const client = await rawItem(clientKey(practiceId, clientId));
    const pointer = await rawItem(emailKey(practiceId, corrected));
    const oldPointer = await rawItem(emailKey(practiceId, typed));

    expect(patched.status).toBe(200);
    expect(purchases.body.items).toEqual([expect.objectContaining({ status: 'active', sessionsRemaining: 5 })]);
    expect(client).toMatchObject({ email: corrected, name: 'Jane Typo', nameSource: 'staff' });
    expect(client).not.toHaveProperty('ttl');
    expect(pointer).toMatchObject({ clientId });
    expect(pointer).not.toHaveProperty('ttl');
    expect(oldPointer).toBeUndefined();
  });

  it('PATCH corrects name and email (audited); receipts, their page and resends use the corrected name', async () => {
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim({ mode: 'full' });
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('x')}`));
    const [first] = await receiptEmailsTo(email);
    const token = tokenOf(receiptLinkIn(first!.body.text ?? first!.body.html ?? ''));
    const newEmail = `${newId('corrected')}@client.example`;
    const before = await openReceipt(token);

    const patched = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { name: 'Janet Q. Doe', email: newEmail } });
    const page = await openReceipt(token);
    const receipts = await api('GET', `/practices/${practiceId}/receipts`, { practiceId });
    const resend = await api('POST', `/practices/${practiceId}/receipts/${receipts.body.items[0].receiptId}/send`, { practiceId });
    const resent = await receiptEmailsTo(newEmail);
    const ledger = await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger`, { practiceId });
    const byOldEmail = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId });
    const bad = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { email: 'not an email' } });
    const missing = await api('PATCH', `/practices/${practiceId}/clients/cli_nope`, { practiceId, body: { name: 'X' } });

    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ clientId, email: newEmail, resumedInvoices: [], name: 'Janet Q. Doe' });
    expect(before.body).toContain('Jane Doe');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Janet Q. Doe');
    expect(resend.status).toBe(200);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.destination.to).toEqual([newEmail]);
    expect(ledger.body.entries).toContainEqual(
      expect.objectContaining({
        kind: 'client_corrected',
        amountCents: 0,
        changes: { name: { from: 'Jane Doe', to: 'Janet Q. Doe' }, email: { from: email, to: newEmail } },
      }),
    );
    expect(byOldEmail.body.items).toEqual([]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('email');
    expect(missing.status).toBe(404);
  });
});

describe('finding 3: scheduled jobs skipped practices once there were many', () => {
  /** Its own table: the jobs walk every practice of a table, and the shared one holds other tests'. */
  const isolatedTable = async (pageLimit: number) => {
    const tableName = `kneadpay-paging-${newId('t').slice(-10)}`;
    await ensureTable(inject('dynamoEndpoint'), tableName);
    return countedStore({ endpoint: inject('dynamoEndpoint'), tableName, pageLimit });
  };

  /** A paid purchase whose expiry has passed, indexed as the expirer finds it. */
  const seedExpiredPurchase = async (store: Store, practiceId: string, n: number) => {
    const client = await findOrCreateClient(store, { practiceId, email: `c${n}@client.example`, name: 'Jane Client', currency: 'usd' });
    const purchaseId = newId('pur');
    const expiresAt = '2026-01-01T00:00:00.000Z';
    await store.doc.send(
      new PutCommand({
        TableName: store.tableName,
        Item: paidExpiringPurchaseItem({ practiceId, clientId: client.clientId, purchaseId, packageId: 'pkg_x', expiresAt }),
      }),
    );
  };

  it('with 3 items a page, listPracticeIds, the credit expirer and the reminder job visit all 40 practices once; a practice with 12 expiring purchases expires them all', async () => {
    const store = await isolatedTable(3);
    const practiceIds = Array.from({ length: 40 }, () => newPracticeId());
    for (const [i, practiceId] of practiceIds.entries()) {
      await seedPractice(store, practiceId);
      await seedExpiredPurchase(store, practiceId, 0);
      if (i === 0) for (let n = 1; n < 12; n += 1) await seedExpiredPurchase(store, practiceId, n);
    }

    const listed = await listPracticeIds(store);
    const expiry = await expireAllPractices(new Date('2026-06-01T00:00:00.000Z'), store);
    const reminders = await sendReminders(store, new Date('2026-06-01T00:00:00.000Z'));
    const again = await expireAllPractices(new Date('2026-06-01T00:00:00.000Z'), store);

    expect([...listed].sort()).toEqual([...practiceIds].sort());
    expect(expiry).toEqual({ expired: 40 + 11, practices: 40 });
    expect(reminders).toEqual({ sent: 0, practices: 40 });
    expect(again).toEqual({ expired: 0, practices: 40 });
    // Many pages were crossed: 40 ids at 3 a page is 14 queries for the index alone.
    expect(store.counters.queriedKeys.get('PRACTICES')).toBeGreaterThanOrEqual(3 * 14);
    store.doc.destroy();
    const admin = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await admin.send(new DeleteTableCommand({ TableName: store.tableName }));
    admin.destroy();
  });
});

describe('finding 2: the public checkout had no limit', () => {
  it('30 anonymous checkouts from one address in a burst: 10 go through, 20 answer 429 rate_limited with Retry-After; no client or Stripe call for them', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const emails = Array.from({ length: 30 }, (_, i) => `${newId(`flood${i}`)}@client.example`);
    const before = await stripeRequestCount(practiceId);

    const answers = await Promise.all(emails.map((email) => anonymousCheckout(practiceId, packageId, email, 'Flood Bot')));
    const created = await Promise.all(emails.map((email) => findClientByEmail(testStore(), practiceId, email)));
    const stripeCalls = (await stripeRequestCount(practiceId)) - before;
    const form = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, {
      raw: 'email=x%40client.example&name=X',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    for (const limited of answers.filter((answer) => answer.status === 429)) {
      expect(limited.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'checkout-address' } });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(created.filter(Boolean)).toHaveLength(10);
    // A checkout is a customer and a session (2 calls); the refused ones made none.
    expect(stripeCalls).toBeLessThanOrEqual(10 * 2 + 2);
    expect(form.status).toBe(429);
    expect(form.headers.get('content-type')).toMatch(/text\/html/);
    expect(form.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(Number(form.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('one buyer email is limited at a practice whatever the address (5 an hour)', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const email = `${newId('same')}@client.example`;
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      answers.push(await storefrontHandler(storefrontEvent(practiceId, packageId, { email, name: 'Same Buyer' }, `198.51.100.${i + 1}`), lambdaContext));
    }
    expect(answers.map((answer) => (answer as { statusCode: number }).statusCode)).toEqual([201, 201, 201, 201, 201, 429]);
    expect(JSON.parse((answers[5] as { body: string }).body).error.details.limit).toBe('checkout-email');
  });
});

describe('finding 4: the shared sender could be abused', () => {
  it('receipt resends: 3 an hour per receipt, then 429 with Retry-After (20 in a burst sent 20 emails)', async () => {
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim();
    await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('x')}`));
    const receipts = await api('GET', `/practices/${practiceId}/receipts`, { practiceId });
    const receiptId = receipts.body.items[0].receiptId as string;
    const sentBefore = (await receiptEmailsTo(email)).length;

    const answers = [];
    for (let i = 0; i < 20; i += 1) answers.push(await api('POST', `/practices/${practiceId}/receipts/${receiptId}/send`, { practiceId }));
    const sent = (await receiptEmailsTo(email)).length - sentBefore;

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, ...Array(17).fill(429)]);
    expect(answers[3]!.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'resend-receipt' } });
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sent).toBe(3);
  });

  it('a practice name with CR/LF reaches balance and reminder email subjects on one line', async () => {
    const ready = await claimReady({ practice: { name: 'Harbor\r\nBcc: mallory@evil.example\nX-Spam: 1' } });
    const store = testStore();
    await invoiceClaimBalance({ store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' }, adjudicated(ready.practiceId).original);
    const [invoice] = await listClaimInvoices(store, ready.practiceId, 'CLM-1001');
    await sendReminders(store, new Date(Date.parse(invoice!.dueAt!) + 8 * 86_400_000), [ready.practiceId]);
    const mails = await emailsTo(ready.email);

    const subjects = mails.map((mail) => mail.subject);
    expect(subjects).toEqual(expect.arrayContaining([expect.stringMatching(/^Your balance with /), expect.stringMatching(/^Reminder: /)]));
    for (const subject of subjects) expect(subject).not.toMatch(/[\r\n]/);
    expect(subjects).toContain('Your balance with Harbor Bcc: mallory@evil.example X-Spam: 1');
    store.doc.destroy();
  });

  it('the shared sender counts per recipient and per practice: the 21st email to one address in a day is refused', async () => {
    const practiceId = newPracticeId();
    const to = `${newId('inbox')}@client.example`;
    const results = [];
    for (let i = 0; i < 21; i += 1) {
      results.push(
        await sendEmail({ practiceId, to, subject: `n${i}`, text: 'x', html: '<p>x</p>' }).then(
          () => 'sent',
          (error: Error) => error.name,
        ),
      );
    }
    expect(results.filter((result) => result === 'sent')).toHaveLength(20);
    expect(results[20]).toBe('RateLimitedError');
  });
});

describe('finding 5: redemptions, idempotency keys and receipt links said yes to the wrong thing', () => {
  it('re-redeeming a cancelled appointment answers 409 redemption_cancelled and draws nothing (it answered 200 with the old figures)', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const email = `${newId('redeem')}@client.example`;
    const started = await anonymousCheckout(practiceId, packageId, email, 'Jane Doe');
    expect(await pay(started.body.url)).toBe(200);
    const clientId = (await findClientByEmail(testStore(), practiceId, email))!.clientId;
    const base = `/practices/${practiceId}/clients/${clientId}`;

    const first = await api('POST', `${base}/redemptions`, { practiceId, body: { appointmentId: 'appt-1' } });
    const cancelled = await api('DELETE', `${base}/redemptions/appt-1`, { practiceId });
    const again = await api('POST', `${base}/redemptions`, { practiceId, body: { appointmentId: 'appt-1' } });
    const purchases = await api('GET', `${base}/purchases`, { practiceId });

    expect(first.status).toBe(201);
    expect(cancelled.status).toBe(200);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('redemption_cancelled');
    expect(purchases.body.items[0].sessionsRemaining).toBe(5);
  });

  it('a package Idempotency-Key reused with another body answers 409 idempotency_key_reused, as estimates do; the same body 200', async () => {
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    const body = { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 };
    const headers = { 'idempotency-key': `key-${newId('k')}` };

    const created = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body, headers });
    const replay = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body, headers });
    const reused = await api('POST', `/practices/${practiceId}/packages`, { practiceId, body: { ...body, priceCents: 100 }, headers });
    const listed = await api('GET', `/practices/${practiceId}/packages`, { practiceId });

    expect(created.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body.packageId).toBe(created.body.packageId);
    expect(replay.body).not.toHaveProperty('requestFingerprint');
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(listed.body.items.map((pkg: { priceCents: number }) => pkg.priceCents)).toEqual([42500]);
  });

  it("a receipt link has exactly one valid spelling (the last character's spare bits made four)", async () => {
    const secret = 'a'.repeat(64);
    const token = signReceiptToken({ practiceId: 'prac_x', receiptId: 'rcp_x', expiresAt: Math.floor(Date.now() / 1000) + 3600 }, secret);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    const spellings = [1, 2, 3].map((flip) => `${token.slice(0, -1)}${alphabet[last ^ flip]}`);

    expect(verifyReceiptToken(token, [secret]).status).toBe('valid');
    for (const spelling of spellings) expect(verifyReceiptToken(spelling, [secret]).status, spelling).toBe('invalid');
  });
});

describe("finding 6: the local runtime's event door and receipt secret", () => {
  it('POST /_local/events takes a local token and JSON only (a web page could post text/plain and forge a receipt)', async () => {
    const event = JSON.stringify({ detailType: 'HostileNobodyListens', detail: { version: 1, practiceId: 'prac_none' } });
    const token = await mintLocalToken('prac_none', { dir: inject('dataDir') });
    const post = (headers: Record<string, string>) => fetch(`${inject('apiUrl')}/_local/events`, { method: 'POST', headers, body: event });

    const anonymous = await post({ 'content-type': 'text/plain' });
    const anonymousJson = await post({ 'content-type': 'application/json' });
    const forged = await post({ 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' });
    const plain = await post({ 'content-type': 'text/plain', authorization: `Bearer ${token}` });
    const allowed = await post({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

    expect([anonymous.status, anonymousJson.status, forged.status, plain.status, allowed.status]).toEqual([401, 401, 401, 415, 200]);
  });

  it('the built-in receipt secret is no longer public: one random secret per data directory', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'kneadpay-secret-')), mkdtempSync(join(tmpdir(), 'kneadpay-secret-'))];
    const env = (dir: string) => ({ KNEADPAY_DYNAMO_ENDPOINT: 'http://127.0.0.1:1', KNEADPAY_DATA_DIR: dir }) as NodeJS.ProcessEnv;

    const [first] = await receiptSecrets(env(dirs[0]!));
    const [again] = await receiptSecrets(env(dirs[0]!));
    const [other] = await receiptSecrets(env(dirs[1]!));

    expect(first).not.toBe('kneadpay-local-receipt-link-secret-NOT-FOR-PRODUCTION');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
});

describe('finding 7: HTML pages had no Content-Security-Policy or frame-ancestors', () => {
  const strict = (headers: Headers, where: string) => {
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp, where).toMatch(/frame-ancestors 'none'/);
    expect(csp, where).toMatch(/script-src 'none'/);
    expect(csp, where).toMatch(/object-src 'none'/);
    expect(csp, where).toMatch(/base-uri 'none'/);
    expect(csp, where).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(headers.get('referrer-policy'), where).toBe('no-referrer');
    expect(headers.get('x-content-type-options'), where).toBe('nosniff');
    expect(headers.get('x-frame-options'), where).toBe('DENY');
    return csp;
  };

  it('the storefront and its 404 page, the success page, the receipt page and its 404, and the estimate page all carry the strict policy', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const html = { accept: 'text/html' };
    const storefront = await api('GET', `/p/${practiceId}`, { headers: html });
    const missing = await api('GET', `/p/prac_nobody_here`, { headers: html });
    const started = await anonymousCheckout(practiceId, packageId, `${newId('csp')}@client.example`, 'Jane Doe');
    const success = await api('GET', `/p/${practiceId}/success?session_id=${started.body.checkoutSessionId}`, { headers: html });
    const { practiceId: claimPractice, clientId, email } = await practiceWithAdjudicatedClaim();
    const [mail] = await receiptEmailsTo(email).then(async (found) =>
      found.length ? found : (await deliverToReceiptIssuer(balancePaid(claimPractice, clientId, `pi_${newId('x')}`)), receiptEmailsTo(email)),
    );
    const receipt = await fetch(`${inject('apiUrl')}/r/${tokenOf(receiptLinkIn(mail!.body.text ?? ''))}`);
    const badReceipt = await fetch(`${inject('apiUrl')}/r/not-a-token`);
    const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const estimate = await api('POST', `/practices/${claimPractice}/clients/${clientId}/estimates`, {
      practiceId: claimPractice,
      body: {
        primaryService: 'Massage therapy, 60 minutes',
        serviceDate: day(30),
        dateOfBirth: '1980-04-02',
        lines: [{ serviceCode: '97124', description: 'Massage, 60 minutes', quantity: 1, unitChargeCents: 9000 }],
      },
    });
    const estimatePage = await api('GET', `/practices/${claimPractice}/clients/${clientId}/estimates/${estimate.body.estimateId}`, { practiceId: claimPractice, headers: html });

    const storefrontCsp = strict(storefront.headers, 'storefront');
    expect(storefrontCsp).toMatch(/form-action 'self' https:\/\/checkout\.stripe\.com/);
    strict(missing.headers, 'storefront 404');
    expect(missing.status).toBe(404);
    strict(success.headers, 'success page');
    expect(strict(receipt.headers, 'receipt page')).toMatch(/form-action 'none'/);
    expect(receipt.status).toBe(200);
    strict(badReceipt.headers, 'receipt 404');
    expect(estimate.status).toBe(201);
    expect(estimatePage.headers.get('content-type')).toMatch(/text\/html/);
    strict(estimatePage.headers, 'estimate page');
  });

  it('one shared helper: hashed inline scripts only; the web app serves its own scripts and styles only, never inline', async () => {
    const hash = scriptHash('console.log(1)');
    expect(contentSecurityPolicy({ scriptSrc: [hash] })).toContain(`script-src ${hash}`);
    const app = await fetch(`${inject('apiUrl')}/app/`);
    expect(app.status).toBe(200);
    const csp = app.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/base-uri 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(app.headers.get('x-frame-options')).toBe('DENY');
    expect(app.headers.get('x-content-type-options')).toBe('nosniff');
    expect(securityHeaders()['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
