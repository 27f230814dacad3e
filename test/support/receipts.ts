import { readFileSync } from 'node:fs';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { expect, inject } from 'vitest';
import { handler as receiptIssuer } from '../../functions/receipt-issuer';
import { handler as receiptPage } from '../../functions/receipt-page';
import { handler as receiptsRoutes } from '../../functions/receipts';
import type { ApiEvent, ApiResult } from '../../functions/shared/http';
import { newId } from '../../functions/shared/ids';
import { getStripe } from '../../functions/stripe/client';
import { listEmails, type ReceivedEmail } from '../../local/ses';
import { api, practiceProfile } from './api';
import { newPracticeId } from './store';
import { FUNCTIONS } from '../../lib/wiring';

/** A Lambda context whose invocation has `seconds` left. */
const lambdaContext = (fn: string, seconds = 15) => ({ awsRequestId: newId('req'), functionName: fn, getRemainingTimeInMillis: () => seconds * 1000 }) as unknown as Context;

/** The EventBridge envelope a rule target receives (what the local bus and EventBridge deliver). */
export const busEvent = (detailType: string, detail: Record<string, unknown>, id = newId('evt')): EventBridgeEvent<string, Record<string, unknown>> => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: 'kneadpay',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail,
});

/** Delivers one event to the receipt-issuer function, as its rule would. */
/** The receipt issuer as the bus invokes it, with the time it has deployed (lib/wiring.ts: 60 s; 15 s timed out 50 concurrent deliveries on a loaded machine). */
export const deliverToReceiptIssuer = (event: EventBridgeEvent<string, Record<string, unknown>>) => receiptIssuer(event, lambdaContext('receipt-issuer', FUNCTIONS['receipt-issuer'].timeoutSeconds));

/** An API Gateway HTTP API 2.0 event for a route (JWT claims for practice routes). */
export const apiEvent = (routeKey: string, opts: { pathParameters?: Record<string, string>; query?: Record<string, string>; practiceId?: string; body?: unknown } = {}): ApiEvent => {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(opts.pathParameters?.[name] ?? ''));
  const rawQueryString = new URLSearchParams(opts.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers: { accept: 'application/json', ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    ...(opts.pathParameters ? { pathParameters: opts.pathParameters } : {}),
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      requestId: newId('req'),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      ...(opts.practiceId ? { authorizer: { jwt: { claims: { 'custom:practiceId': opts.practiceId, sub: `user-${opts.practiceId}` }, scopes: null } } } : {}),
    },
  } as ApiEvent;
};

type Answer = ApiResult & { statusCode: number; headers: Record<string, string>; body: string };

export const callReceiptsRoute = async (event: ApiEvent) => {
  const answer = (await receiptsRoutes(event, lambdaContext('receipts'))) as Answer;
  return { ...answer, json: JSON.parse(answer.body) };
};

export const callReceiptPage = async (event: ApiEvent) => (await receiptPage(event, lambdaContext('receipt-page'))) as Answer;

export const listReceiptsFor = (practiceId: string, query: Record<string, string> = {}) =>
  callReceiptsRoute(apiEvent('GET /practices/{practiceId}/receipts', { practiceId, pathParameters: { practiceId }, query }));

/** The `/r/{token}` link in an email body. */
export const receiptLinkIn = (text: string): string => {
  const link = /https?:\/\/[^\s"<>]+\/r\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text);
  expect(link, 'a /r/ receipt link in the email').not.toBeNull();
  return link![0];
};
export const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/r/') + 3);

export const openReceipt = (token: string, format?: 'pdf') => callReceiptPage(apiEvent('GET /r/{token}', { pathParameters: { token }, ...(format ? { query: { format } } : {}) }));

/** Receipt emails (not invoices or anything else) the local SES received for one address. */
export const receiptEmailsTo = async (address: string): Promise<ReceivedEmail[]> =>
  (await listEmails(inject('sesUrl'))).filter((email) => email.destination.to.includes(address) && /receipt from/i.test(email.subject));

/** Every piece of text in a PDF, in reading order per page. */
export const pdfText = async (bytes: Buffer): Promise<string> => {
  const document = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n += 1) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await document.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
};

/** A payment made on the Stripe emulator with a test card (what Checkout or the invoice page would do). */
export const paidIntent = async (amountCents: number, paymentMethod = 'pm_card_visa') => {
  const stripe = await getStripe();
  return stripe.paymentIntents.create({ amount: amountCents, currency: 'usd', payment_method: paymentMethod, confirm: true });
};

const era = (name: string) => readFileSync(new URL(`../fixtures/era/${name}`, import.meta.url), 'utf8');

/**
 * A practice with a client whose claim (DOMAIN.md §4's worked example) was adjudicated through
 * the real API: 97124 × 2 (GP) + 97140 × 2, $130 billed, insurer paid $56, patient owes $34.
 */
export const practiceWithAdjudicatedClaim = async (opts: { mode?: 'link' | 'full'; email?: string } = {}) => {
  const practiceId = newPracticeId();
  const email = opts.email ?? `${newId('jane')}@client.example`;
  const profile = practiceProfile({ receipts: { mode: opts.mode ?? 'link', linkLifetimeDays: 30 }, timezone: 'America/Los_Angeles' });
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: profile })).status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Doe' } });
  expect(client.status).toBe(201);
  const clientId = client.body.clientId as string;
  const claim = await api('POST', `/practices/${practiceId}/claims`, {
    practiceId,
    body: {
      claimId: 'CLM-1001',
      clientId,
      payerName: 'ACME HEALTH',
      dateOfService: '2026-10-02',
      placeOfService: '11',
      diagnosisCodes: ['M54.2'],
      lines: [
        { procedureCode: '97124', modifiers: ['GP'], units: 2, chargeCents: 6000 },
        { procedureCode: '97140', units: 2, chargeCents: 7000 },
      ],
    },
  });
  expect(claim.status).toBe(201);
  const remittance = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: era('worked-example.835'), headers: { 'content-type': 'application/edi-x12' } });
  expect(remittance.body).toMatchObject({ matched: 1, quarantined: [] });
  return { practiceId, clientId, email, claimId: 'CLM-1001' };
};

/** PaymentSucceeded for the balance of a claim (the detail the balance invoicer emits when the invoice is paid). */
export const balancePaid = (practiceId: string, clientId: string, paymentId: string, amountCents = 3400) =>
  busEvent('PaymentSucceeded', {
    version: 1,
    practiceId,
    clientId,
    kind: 'invoice',
    paymentId,
    amountCents,
    currency: 'usd',
    paidAt: '2026-10-21T17:30:00.000Z',
    invoiceId: `inv_${paymentId}`,
    claimId: 'CLM-1001',
  });

/** What DOMAIN.md §5 says a balance receipt must show, for the worked example. */
export const BALANCE_RECEIPT_FIELDS = [
  'Jane Doe', // patient
  'Harbor Bodywork', // practice
  '1 Main St',
  'Portland, OR 97201', // address
  '+1 555 0100', // phone
  '12-3456789', // tax id (EIN)
  '1234567893', // NPI
  'LMT-24680', // license
  'October 2, 2026', // date of service
  '11 (Office)', // place of service
  '97124',
  '97140',
  'GP', // CPT codes and modifiers
  'M54.2', // ICD-10
  '$130.00', // charged
  '$56.00', // insurer paid
  '$34.00', // patient portion and amount paid
  'Paid in full',
  'Visa ending in 4242', // payment method
  'October 21, 2026', // payment date
] as const;
