/**
 * Issue 17, the edge (docs/decisions/007-abuse-limits.md): behind CloudFront every buyer reaches
 * the API from a CloudFront edge server's address. The storefront's per-address checkout limit (10
 * per address per 10 min) must count the viewer (CloudFront-Viewer-Address), believed only when
 * the request carries the origin secret CloudFront adds; and with an origin secret configured,
 * requests without it (the API's own endpoint, skipping the WAF) are refused before any work.
 *
 * Real parts: DynamoDB Local (the rate counters), the Stripe emulator over HTTP (the checkouts),
 * the local HTTP API. CloudFront itself cannot run here: the events carry the headers it adds.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { handler as storefrontHandler } from '../../functions/storefront';
import { ORIGIN_HEADER, ORIGIN_SECRET_ENV } from '../../functions/shared/client-address';
import type { ApiEvent } from '../../functions/shared/http';
import { newId } from '../../functions/shared/ids';
import { findClientByEmail } from '../../functions/store/clients';
import { LIMITS } from '../../functions/store/rate-limits';
import { FUNCTIONS, ROUTES } from '../../lib/wiring';
import { api, practiceProfile } from '../support/api';
import { apiEvent } from '../support/receipts';
import { newPracticeId, testStore } from '../support/store';

const lambdaContext = { awsRequestId: 'edge', functionName: 'storefront', getRemainingTimeInMillis: () => 15_000 } as unknown as Context;
const SECRET = `origin-${newId('secret')}`;
/** One CloudFront edge server: every viewer below reaches the API from it. */
const EDGE_SERVER = '130.176.0.77';
const PER_ADDRESS = LIMITS.checkoutPerAddress.max;

const practiceWithPackage = async () => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 },
  });
  expect(pkg.status).toBe(201);
  return { practiceId, packageId: pkg.body.packageId as string };
};

/** A checkout as API Gateway hands it to the storefront function, with the headers CloudFront added. */
const checkoutEvent = (practiceId: string, packageId: string, headers: Record<string, string>): ApiEvent => {
  const event = apiEvent('POST /p/{practiceId}/packages/{packageId}/checkout', {
    pathParameters: { practiceId, packageId },
    body: { email: `${newId('buyer')}@client.example`, name: 'Edge Buyer' },
  });
  event.headers = { ...event.headers, ...headers };
  event.requestContext.http.sourceIp = EDGE_SERVER;
  return event;
};

const checkout = async (practiceId: string, packageId: string, headers: Record<string, string>) => {
  const answer = (await storefrontHandler(checkoutEvent(practiceId, packageId, headers), lambdaContext)) as { statusCode: number; body: string };
  return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, any> };
};

/** Runs `work` as a deployed function behind the edge: the origin secret configured. */
const behindTheEdge = async <T>(work: () => Promise<T>): Promise<T> => {
  const previous = process.env[ORIGIN_SECRET_ENV];
  process.env[ORIGIN_SECRET_ENV] = JSON.stringify({ current: SECRET });
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env[ORIGIN_SECRET_ENV];
    else process.env[ORIGIN_SECRET_ENV] = previous;
  }
};

const stripeRequestCount = async (practiceId: string) => {
  const answer = await fetch(`${inject('stripeUrl')}/_requests?method=POST`);
  const body = (await answer.json()) as { requests: unknown[] };
  return body.requests.filter((request) => JSON.stringify(request).includes(practiceId)).length;
};

describe('the per-address checkout limit behind CloudFront counts the viewer', () => {
  it('two viewers behind one edge server are limited apart: the first reaches its 10, the second still buys', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const viewerA = { [ORIGIN_HEADER]: SECRET, 'cloudfront-viewer-address': '198.51.100.20:51000' };
    const viewerB = { [ORIGIN_HEADER]: SECRET, 'cloudfront-viewer-address': '2001:db8:4::20:51001' };

    const answers = await behindTheEdge(async () => {
      const first = [];
      // The same viewer from another source port is the same address.
      for (let i = 0; i < PER_ADDRESS; i += 1) first.push(await checkout(practiceId, packageId, { ...viewerA, 'cloudfront-viewer-address': `198.51.100.20:${51000 + i}` }));
      const eleventh = await checkout(practiceId, packageId, viewerA);
      const other = await checkout(practiceId, packageId, viewerB);
      const otherAgain = await checkout(practiceId, packageId, { ...viewerB, 'cloudfront-viewer-address': '[2001:db8:4::20]:443' });
      return { first, eleventh, other, otherAgain };
    });

    expect(answers.first.map((answer) => answer.status)).toEqual(Array(PER_ADDRESS).fill(201));
    expect(answers.eleventh.status).toBe(429);
    expect(answers.eleventh.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'checkout-address' } });
    // Keyed on sourceIp, as before, B would share A's count at the edge server and be refused.
    expect(answers.other.status).toBe(201);
    expect(answers.otherAgain.status).toBe(201);
  });

  it('a forged CloudFront-Viewer-Address without the secret is ignored (the local HTTP API: no edge, no secret)', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const statuses = [];
    for (let i = 0; i <= PER_ADDRESS; i += 1) {
      const answer = await api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, {
        body: { email: `${newId('forger')}@client.example`, name: 'Forger' },
        headers: { 'cloudfront-viewer-address': `203.0.113.${i + 1}:443`, [ORIGIN_HEADER]: 'a-guess' },
      });
      statuses.push(answer.status);
    }
    // One client address (the test's), whatever the header claims.
    expect(statuses).toEqual([...Array(PER_ADDRESS).fill(201), 429]);
  });
});

describe('the bypass is closed: with an origin secret, a request without it is refused before any work', () => {
  it('a direct request (no secret, a wrong one) to the storefront answers 403 direct_access_refused: no client, no Stripe call, no count', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const before = await stripeRequestCount(practiceId);
    const direct = await behindTheEdge(async () => {
      const events = [
        checkoutEvent(practiceId, packageId, { 'cloudfront-viewer-address': '198.51.100.30:1' }),
        checkoutEvent(practiceId, packageId, { [ORIGIN_HEADER]: `${SECRET}-wrong`, 'cloudfront-viewer-address': '198.51.100.30:1' }),
      ];
      const answers = [];
      for (const event of events) {
        const answer = (await storefrontHandler(event, lambdaContext)) as { statusCode: number; body: string };
        answers.push({ status: answer.statusCode, body: JSON.parse(answer.body), email: JSON.parse(event.body!).email as string });
      }
      return answers;
    });

    for (const answer of direct) {
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatchObject({ code: 'direct_access_refused', details: { header: ORIGIN_HEADER } });
      expect(await findClientByEmail(testStore(), practiceId, answer.email)).toBeUndefined();
    }
    expect(await stripeRequestCount(practiceId)).toBe(before);
    // The viewer's count was not touched: through the edge it still has all 10.
    const through = await behindTheEdge(async () => {
      const statuses = [];
      for (let i = 0; i < PER_ADDRESS; i += 1) statuses.push((await checkout(practiceId, packageId, { [ORIGIN_HEADER]: SECRET, 'cloudfront-viewer-address': '198.51.100.30:2' })).status);
      return statuses;
    });
    expect(through).toEqual(Array(PER_ADDRESS).fill(201));
  });
});

describe('every function behind a route is guarded (a route added without httpHandler would skip the check)', () => {
  it("each route's handler answers 403 direct_access_refused to a request without the origin secret, before any work", async () => {
    const refused: Record<string, number> = {};
    await behindTheEdge(async () => {
      for (const route of ROUTES) {
        const module = (await import(`../../${FUNCTIONS[route.fn].entry}`)) as { handler: (event: ApiEvent, context: Context) => Promise<unknown> };
        const practiceId = newPracticeId();
        const pathParameters = Object.fromEntries([...route.path.matchAll(/\{(\w+)\+?\}/g)].map(([, name]) => [name!, name === 'practiceId' ? practiceId : newId('x')]));
        const event = apiEvent(`${route.method} ${route.path}`, { pathParameters, practiceId, ...(route.method === 'GET' ? {} : { body: {} }) });
        event.headers = { ...event.headers, 'stripe-signature': 't=1,v1=00', 'cloudfront-viewer-address': '198.51.100.40:1' };
        const answer = (await module.handler(event, { ...lambdaContext, functionName: route.fn } as Context)) as { statusCode: number; body: string };
        expect(answer.statusCode, `${route.method} ${route.path}`).toBe(403);
        expect(JSON.parse(answer.body).error.code, `${route.method} ${route.path}`).toBe('direct_access_refused');
        refused[route.fn] = (refused[route.fn] ?? 0) + 1;
      }
    });
    expect(Object.keys(refused).sort()).toEqual([...new Set(ROUTES.map((route) => route.fn))].sort());
    expect(refused['stripe-webhook']).toBeGreaterThan(0);
  });
});
