import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintLocalToken } from '../../local/auth';
import { startHttpApi, type LambdaHandler, type LocalHttpApi, type LocalRoute } from '../../local/http-api';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP call (node:http, so the test controls every header, repeated ones included). */
const call = (baseUrl: string, options: { method: string; path: string; headers?: Record<string, string | string[]>; body?: Buffer | string; chunked?: boolean }): Promise<Answer> =>
  new Promise((resolveCall, reject) => {
    const url = new URL(baseUrl);
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string | string[]> = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveCall({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });

const json = (answer: Answer) => JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;

/** The test's routes: the SPEC's shapes, each answered by a handler that records its event. */
const ROUTES: LocalRoute[] = [
  { method: 'POST', path: '/p/{practiceId}/packages/{packageId}/checkout', fn: 'capture', auth: 'public' },
  { method: 'POST', path: '/practices/{practiceId}/remittances', fn: 'capture', auth: 'jwt' },
  { method: 'GET', path: '/practices/{practiceId}/invoices', fn: 'capture', auth: 'jwt' },
  { method: 'GET', path: '/practices/{practiceId}/clients/{clientId}/ledger', fn: 'capture', auth: 'jwt' },
  { method: 'GET', path: '/answers/{kind}', fn: 'answers', auth: 'public' },
  { method: 'POST', path: '/uploads', fn: 'capture', auth: 'public' },
];

const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** What the `answers` function returns for each `kind`: the payload 2.0 response shapes. */
const ANSWERS: Record<string, () => unknown> = {
  structured: () => ({
    statusCode: 201,
    headers: { 'Content-Type': 'image/png', 'x-kneadpay': 'yes' },
    cookies: ['session=abc; Path=/; HttpOnly', 'theme=dark'],
    body: PNG_HEADER.toString('base64'),
    isBase64Encoded: true,
  }),
  string: () => 'Hello from Lambda!',
  object: () => ({ message: 'Hello from Lambda!' }),
  throws: () => {
    throw new Error('boom');
  },
  invalid: () => ({ statusCode: 'teapot' }),
  slow: () => new Promise((resolveSlow) => setTimeout(() => resolveSlow({ statusCode: 200, body: 'late' }), 1500)),
};

describe('local HTTP API (API Gateway HTTP API, payload 2.0)', () => {
  const captured: Array<Record<string, unknown>> = [];
  let api: LocalHttpApi;
  let tokenDir: string;
  let token: string;

  beforeAll(async () => {
    tokenDir = mkdtempSync(join(tmpdir(), 'kneadpay-api-test-'));
    token = await mintLocalToken('prac_1', { dir: tokenDir });
    const capture: LambdaHandler = async (event) => {
      captured.push(event as Record<string, unknown>);
      return { statusCode: 204 };
    };
    const answers: LambdaHandler = async (event) => ANSWERS[(event as { pathParameters: { kind: string } }).pathParameters.kind]!();
    api = await startHttpApi({
      port: 0,
      routes: ROUTES,
      functions: { capture: { entry: 'unused' }, answers: { entry: 'unused', timeoutSeconds: 0.5 } },
      loadHandler: async (fn) => (fn === 'answers' ? answers : capture),
      tokenDir,
      maxBodyBytes: 10 * 1024 * 1024,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  /** The fixture with this run's port and token filled in. */
  const fixture = (name: string) => {
    const { iat, exp } = decodeJwt(token);
    const text = readFileSync(join(__dirname, '..', 'fixtures', 'apigw', `${name}.json`), 'utf8')
      .replaceAll('{{port}}', String(api.port))
      .replaceAll('{{token}}', token)
      .replaceAll('{{iat}}', String(iat))
      .replaceAll('{{exp}}', String(exp));
    return JSON.parse(text) as Record<string, unknown>;
  };

  /** Leaves out what differs per request (id, time, trace, source address); checks its form on live events. */
  const comparable = (event: Record<string, unknown>, live = true) => {
    const copy = structuredClone(event) as {
      headers: Record<string, string>;
      requestContext: Record<string, unknown> & { http: Record<string, unknown> };
    };
    if (live) {
      expect(copy.requestContext.requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      expect(copy.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs(Date.now() - Number(copy.requestContext.timeEpoch))).toBeLessThan(60_000);
      expect(copy.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(copy.headers['x-forwarded-for']).toBe(copy.requestContext.http.sourceIp);
    }
    for (const key of ['requestId', 'time', 'timeEpoch']) delete copy.requestContext[key];
    delete copy.requestContext.http.sourceIp;
    delete copy.headers['x-amzn-trace-id'];
    delete copy.headers['x-forwarded-for'];
    return copy;
  };

  const lastEvent = () => captured.at(-1)!;

  it('turns a JSON POST into the recorded event: text body, cookies array, repeated headers comma-joined', async () => {
    // Prepare
    const body = '{"email":"pat@example.com","name":"Pat Lee"}';

    // Act
    const answer = await call(api.url, {
      method: 'POST',
      path: '/p/prac_1/packages/pkg_7/checkout',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': 'curl/8.5.0',
        cookie: 'session=abc123; theme=dark',
        'x-kneadpay-test': ['first', 'second'],
      },
      body,
    });

    // Assess
    expect(answer.status).toBe(204);
    expect(comparable(lastEvent())).toEqual(comparable(fixture('json-post'), false));
  });

  it('base64-encodes a form POST as API Gateway does', async () => {
    // Act
    await call(api.url, {
      method: 'POST',
      path: '/p/prac_1/packages/pkg_7/checkout',
      headers: { accept: '*/*', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'curl/8.5.0' },
      body: 'email=pat%40example.com&name=Pat+Lee',
    });

    // Assess
    expect(comparable(lastEvent())).toEqual(comparable(fixture('form-post'), false));
  });

  it('base64-encodes a binary body and passes the verified JWT claims as strings', async () => {
    // Act
    await call(api.url, {
      method: 'POST',
      path: '/practices/prac_1/remittances',
      headers: { accept: '*/*', 'content-type': 'image/png', 'user-agent': 'curl/8.5.0', authorization: `Bearer ${token}` },
      body: PNG_HEADER,
    });

    // Assess
    expect(comparable(lastEvent())).toEqual(comparable(fixture('binary-body'), false));
    expect(Buffer.from(String(lastEvent().body), 'base64')).toEqual(PNG_HEADER);
  });

  it('keeps rawQueryString as sent and decodes queryStringParameters, joining repeated keys', async () => {
    // Act
    await call(api.url, {
      method: 'GET',
      path: '/practices/prac_1/invoices?status=open&status=paid&email=pat%40example.com&note=two%20words&flag',
      headers: { accept: '*/*', 'user-agent': 'curl/8.5.0', authorization: `Bearer ${token}` },
    });

    // Assess
    expect(comparable(lastEvent())).toEqual(comparable(fixture('query-string'), false));
  });

  it('fills pathParameters from the route template, decoded', async () => {
    // Act
    await call(api.url, {
      method: 'GET',
      path: '/practices/prac_1/clients/cli%2042/ledger',
      headers: { accept: '*/*', 'user-agent': 'curl/8.5.0', authorization: `Bearer ${token}` },
    });

    // Assess
    expect(comparable(lastEvent())).toEqual(comparable(fixture('path-parameter'), false));
  });

  it('passes text/plain and application/edi-x12 remittance uploads the way API Gateway does', async () => {
    // Prepare
    const edi = 'ISA*00*          *00*          *ZZ*PAYER~';

    // Act
    await call(api.url, { method: 'POST', path: '/uploads', headers: { 'content-type': 'text/plain' }, body: edi });
    const asText = lastEvent();
    await call(api.url, { method: 'POST', path: '/uploads', headers: { 'content-type': 'application/edi-x12' }, body: edi });
    const asEdi = lastEvent();
    await call(api.url, { method: 'POST', path: '/uploads', body: edi });
    const untyped = lastEvent();
    await call(api.url, { method: 'POST', path: '/uploads' });
    const empty = lastEvent();

    // Assess
    expect(asText).toMatchObject({ body: edi, isBase64Encoded: false });
    expect(asEdi).toMatchObject({ body: Buffer.from(edi).toString('base64'), isBase64Encoded: true });
    expect(untyped).toMatchObject({ body: Buffer.from(edi).toString('base64'), isBase64Encoded: true });
    expect(empty).not.toHaveProperty('body');
    expect(empty.isBase64Encoded).toBe(false);
    expect(empty).not.toHaveProperty('queryStringParameters');
    expect(empty).not.toHaveProperty('cookies');
    expect(empty).not.toHaveProperty('pathParameters');
  });

  // SPEC.md §3: errors, 401 included, are {"error":{"code","message","details"}}; API Gateway's own
  // `message` stays beside it (as on the 404 for no route).
  it('answers 401 {"message":"Unauthorized","error":{…}} on JWT routes without a valid token, before the function runs', async () => {
    // Prepare
    const before = captured.length;
    const otherKeyDir = mkdtempSync(join(tmpdir(), 'kneadpay-other-key-'));
    const foreignToken = await mintLocalToken('prac_1', { dir: otherKeyDir });
    rmSync(otherKeyDir, { recursive: true, force: true });

    // Act
    const missing = await call(api.url, { method: 'GET', path: '/practices/prac_1/invoices' });
    const foreign = await call(api.url, { method: 'GET', path: '/practices/prac_1/invoices', headers: { authorization: `Bearer ${foreignToken}` } });
    const garbage = await call(api.url, { method: 'GET', path: '/practices/prac_1/invoices', headers: { authorization: 'Bearer not.a.jwt' } });

    // Assess
    for (const answer of [missing, foreign, garbage]) {
      expect(answer.status).toBe(401);
      expect(json(answer)).toEqual({ message: 'Unauthorized', error: { code: 'unauthorized', message: expect.stringMatching(/bearer token/), details: null } });
    }
    expect(captured.length).toBe(before);
  });

  it('answers 404 for an unknown path and for a method the route table does not have', async () => {
    // Act
    const unknown = await call(api.url, { method: 'GET', path: '/nowhere' });
    const wrongMethod = await call(api.url, { method: 'DELETE', path: '/practices/prac_1/invoices' });

    // Assess
    for (const answer of [unknown, wrongMethod]) {
      expect(answer.status).toBe(404);
      expect(json(answer)).toMatchObject({ message: 'Not Found', error: { code: 'not_found' } });
    }
  });

  it('writes a structured answer back: status, headers, cookies as Set-Cookie, base64 body decoded', async () => {
    // Act
    const answer = await call(api.url, { method: 'GET', path: '/answers/structured' });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.headers['content-type']).toBe('image/png');
    expect(answer.headers['x-kneadpay']).toBe('yes');
    expect(answer.headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
    expect(answer.body).toEqual(PNG_HEADER);
  });

  it('infers 200 application/json for a string or an object without statusCode (payload 2.0 rule)', async () => {
    // Act
    const string = await call(api.url, { method: 'GET', path: '/answers/string' });
    const object = await call(api.url, { method: 'GET', path: '/answers/object' });

    // Assess
    expect(string.status).toBe(200);
    expect(string.headers['content-type']).toBe('application/json');
    expect(string.body.toString()).toBe('Hello from Lambda!');
    expect(object.status).toBe(200);
    expect(object.headers['content-type']).toBe('application/json');
    expect(JSON.parse(object.body.toString())).toEqual({ message: 'Hello from Lambda!' });
  });

  it('answers 500 when the function throws or returns an invalid answer, 503 when it runs out of time', async () => {
    // Act
    const thrown = await call(api.url, { method: 'GET', path: '/answers/throws' });
    const invalid = await call(api.url, { method: 'GET', path: '/answers/invalid' });
    const slow = await call(api.url, { method: 'GET', path: '/answers/slow' });

    // Assess
    expect(thrown.status).toBe(500);
    expect(json(thrown)).toEqual({ message: 'Internal Server Error' });
    expect(invalid.status).toBe(500);
    expect(slow.status).toBe(503);
    expect(json(slow)).toMatchObject({ message: 'Service Unavailable' });
  });

  it('refuses a body over 10 MB with 413, declared or streamed', async () => {
    // Prepare
    const small = await startHttpApi({ port: 0, routes: ROUTES, loadHandler: async () => async () => ({ statusCode: 204 }), maxBodyBytes: 1024 });

    // Act
    const declared = await call(api.url, {
      method: 'POST',
      path: '/uploads',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(10 * 1024 * 1024 + 1) },
    });
    const streamed = await call(small.url, { method: 'POST', path: '/uploads', body: Buffer.alloc(2048, 1), chunked: true });
    const fits = await call(small.url, { method: 'POST', path: '/uploads', body: Buffer.alloc(1024, 1) });
    await small.close();

    // Assess
    expect(declared.status).toBe(413);
    expect(json(declared)).toMatchObject({ message: 'Request Entity Too Large', error: { code: 'payload_too_large' } });
    expect(streamed.status).toBe(413);
    expect(fits.status).toBe(204);
  });

  it('answers GET /health 503 until every part is ready, then 200 {"ok":true}', async () => {
    // Prepare
    const starting = await startHttpApi({ port: 0, routes: ROUTES, ready: false, loadHandler: async () => async () => ({ statusCode: 204 }) });

    // Act
    const before = await call(starting.url, { method: 'GET', path: '/health' });
    const routeBefore = await call(starting.url, { method: 'POST', path: '/uploads' });
    starting.setReady(true);
    const after = await call(starting.url, { method: 'GET', path: '/health' });
    await starting.close();

    // Assess
    expect(before.status).toBe(503);
    expect(routeBefore.status).toBe(503);
    expect(after.status).toBe(200);
    expect(json(after)).toEqual({ ok: true });
  });
});

describe("the run's local stack API (the real wiring table and handler modules)", () => {
  it('runs functions/practices.ts for PUT and GET /practices/{practiceId} with a local token', async () => {
    // Prepare
    const apiUrl = inject('apiUrl');
    const practiceId = `prac_local_${Date.now()}`;
    const token = await mintLocalToken(practiceId, { dir: inject('dataDir') });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // Act
    const put = await fetch(`${apiUrl}/practices/${practiceId}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ name: 'Kneady Hands', email: 'desk@kneady.example' }),
    });
    const get = await fetch(`${apiUrl}/practices/${practiceId}`, { headers });
    const anonymous = await fetch(`${apiUrl}/practices/${practiceId}`);
    const otherPractice = await fetch(`${apiUrl}/practices/${practiceId}-other`, { headers });
    const nameless = await fetch(`${apiUrl}/practices/${practiceId}`, { method: 'PUT', headers, body: JSON.stringify({ email: 'desk@kneady.example' }) });

    // Assess
    expect(put.status).toBe(200);
    expect(await get.json()).toMatchObject({ practiceId, name: 'Kneady Hands', currency: 'usd' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Unauthorized', error: { code: 'unauthorized', message: expect.stringMatching(/bearer token/), details: null } });
    // SPEC.md §3: every error is {"error":{"code","message","details"}}: details null when there are none.
    expect({ status: otherPractice.status, body: await otherPractice.json() }).toEqual({ status: 403, body: { error: { code: 'forbidden', message: expect.any(String), details: null } } });
    expect({ status: nameless.status, body: await nameless.json() }).toEqual({ status: 400, body: { error: { code: 'validation_error', message: 'name is required', details: { field: 'name' } } } });
  });
});
