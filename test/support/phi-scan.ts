/**
 * The PHI the test suite puts into kneadpay, and a scanner for it. Every client name, email
 * fragment, CPT and ICD code, payer name and claim number the tests use is listed, so a scan of a
 * log line or an outbound Stripe request can say exactly which one leaked.
 */

/** The reliability suite's client (a name no other text contains). */
export const CLIENT_NAME = 'Marisol Quintero-Vance';

export const PHI_WORDS = [
  // names of clients in the tests and the demo
  CLIENT_NAME,
  'Marisol',
  'Quintero',
  'Jane Doe',
  'Jane Client',
  'Jane Buyer',
  'Client Zero',
  'Someone Else',
  'Sam Roe',
  'Sam Other',
  'Ray Refund',
  // client email addresses (every test client's address is @client.example)
  '@client.example',
  // procedure and diagnosis codes, payers, claim numbers
  '97124',
  '97140',
  '97112',
  '97110',
  'M54.2',
  'M54',
  'ACME',
  'BLUE RIVER PLAN',
  'CLM-1001',
  'CLM-A-1001',
  'CLM-B-2002',
  'PAYER-77',
  'PAYER-78',
  // claims out (837P, CMS-1500): member and group numbers, dates of birth, claim numbers of the claims-out tests
  'XYZ123456789',
  'GRP-77',
  '1985-04-12',
  '19850412',
  'CLM-A-OUT-3003',
  'CLM-B-OUT-4004',
  'CLM-OUT-1',
] as const;

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isToken = (word: string) => /^[A-Z0-9][A-Z0-9.-]*$/.test(word);
const matcherFor = (word: string) => (isToken(word) ? `(?<![A-Za-z0-9])${escape(word)}(?![A-Za-z0-9])` : escape(word));

/**
 * The PHI words in a text. Codes and claim numbers match as whole tokens (a random hex id such as
 * `evt_…4971104…` is not CPT 97110); names and email fragments match anywhere.
 */
export const phiHits = (text: string, words: readonly string[] = PHI_WORDS): string[] => words.filter((word) => new RegExp(matcherFor(word)).test(text));

/** Any email address at all (a log line never needs one). */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const ANY_PHI = new RegExp(PHI_WORDS.map(matcherFor).join('|'));

/** What a whole-run scan reports: fast on the common case (one combined pattern), precise on a hit. */
export const scanText = (text: string, options: { emails?: boolean } = {}): string[] => {
  const hits = ANY_PHI.test(text) ? phiHits(text) : [];
  const email = options.emails ? EMAIL.exec(text)?.[0] : undefined;
  return email ? [...hits, `email ${email}`] : hits;
};

/** A Stripe Customer create or update: the one request whose `name` and `email` may be the client's. */
const CUSTOMER_WRITE = /^\/v1\/customers(\/[^/]+)?$/;

/**
 * The text of a request kneadpay sent to Stripe, as the PHI scans read it. What Stripe may hold
 * (docs/architecture.md): the client's name and email on the Customer only. So the top-level
 * `name` and `email` of a Customer create/update are left out; everything else, and those same
 * fields on any other request, are scanned.
 */
export const stripeRequestText = (request: { method: string; path: string; query?: unknown; params?: unknown; rawBody?: unknown }): string => {
  const contact = request.method === 'POST' && CUSTOMER_WRITE.test(request.path);
  let params = request.params;
  let rawBody = request.rawBody;
  if (contact) {
    if (params && typeof params === 'object' && !Array.isArray(params)) {
      const { name: _name, email: _email, ...rest } = params as Record<string, unknown>;
      params = rest;
    }
    if (typeof rawBody === 'string')
      rawBody = rawBody
        .split('&')
        .filter((pair) => !/^(name|email)=/.test(pair))
        .join('&');
  }
  return JSON.stringify({ path: request.path, query: request.query, params, rawBody });
};
