import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import type { ApiEvent } from '../../functions/shared/http';
import { newId } from '../../functions/shared/ids';
import { WEB_ENV, serveWebApp } from '../../functions/web-app';
import { api, practiceProfile } from '../support/api';
import { paidPurchase } from '../support/purchase-flow';
import { newPracticeId } from '../support/store';

/**
 * The web app's serving and its local sign-in over the local HTTP API (the wiring table's
 * `GET /app` and `GET /app/{asset+}` → functions/web-app.ts; `/_local/token` → local/web-app.ts),
 * and the client search the Clients page uses (`GET /practices/{p}/clients?q=`).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** The issue's budget: the app's JavaScript and CSS, compressed, together. */
const BUDGET_BYTES = 150 * 1024;

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${inject('apiUrl')}${path}`, { headers });

describe('the web app over the local HTTP API', () => {
  it('GET /app/ and /app: the page shell with the strict CSP, no inline script or style', async () => {
    // Act
    const slash = await get('/app/');
    const bare = await get('/app');
    const shell = await slash.text();

    // Assess
    for (const answer of [slash, bare]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('content-security-policy')).toBe(CSP);
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(shell).toContain('<meta name="kneadpay-auth" content="local">');
    expect(shell).toContain('<script type="module" src="/app/app.js"></script>');
    expect(shell).toContain('<link rel="stylesheet" href="/app/app.css">');
    expect(shell).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(shell).not.toMatch(/<style|\sstyle=/);
  });

  it('the JavaScript and CSS: gzip when asked, the same bytes either way, within 150 KB compressed', async () => {
    // Act
    const js = await get('/app/app.js', { 'accept-encoding': 'gzip' });
    const css = await get('/app/app.css', { 'accept-encoding': 'gzip' });
    const jsPlain = await get('/app/app.js', { 'accept-encoding': 'identity' });
    const jsText = await js.text(); // fetch decodes gzip
    const cssText = await css.text();
    const plainText = await jsPlain.text();
    const compressed = gzipSync(jsText, { level: 9 }).length + gzipSync(cssText, { level: 9 }).length;

    // Assess
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(jsPlain.headers.get('content-encoding')).toBeNull();
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CSP);
    expect(plainText).toBe(jsText);
    expect(jsText).toContain('Create package');
    // The 8-minute rule is the domain's own code, bundled: its error text travels with it.
    expect(jsText).toContain('method must be');
    expect(compressed).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(gunzipSync(gzipSync(cssText)).toString()).toContain('.field-error');
  });

  it('anything else under /app is a 404 with the error shape', async () => {
    for (const path of ['/app/secret.txt', '/app/../local/auth.ts', '/app/app.js/x', '/app/%2e%2e/package.json']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(((await answer.json()) as { error?: { code?: string } }).error?.code ?? 'not_found', path).toBe('not_found');
    }
  });

  it('the local sign-in mints a token the API accepts for that practice only; bad ids are refused naming practiceId', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const other = newPracticeId();
    await api('PUT', `/practices/${other}`, { practiceId: other, body: practiceProfile() });

    // Act
    const signIn = await fetch(`${inject('apiUrl')}/_local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ practiceId }) });
    const { token, expiresAt } = (await signIn.json()) as { token: string; expiresAt: string };
    const own = await api('PUT', `/practices/${practiceId}`, { token, body: practiceProfile() });
    const foreign = await api('GET', `/practices/${other}`, { token });
    const bad = await fetch(`${inject('apiUrl')}/_local/token`, { method: 'POST', body: JSON.stringify({ practiceId: '<script>' }) });
    const tooLong = await fetch(`${inject('apiUrl')}/_local/token`, { method: 'POST', body: JSON.stringify({ practiceId, expiresInSeconds: 86_400 * 2 }) });

    // Assess
    expect(signIn.status).toBe(200);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(own.status).toBe(200);
    expect(foreign.status).toBe(403);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: { field: string } } }).error.details.field).toBe('practiceId');
    expect(tooLong.status).toBe(400);
  });

  it('clients by part of a name or email (?q=), this practice only; q too short names q', async () => {
    // Prepare
    const practiceId = newPracticeId();
    const other = newPracticeId();
    for (const id of [practiceId, other]) await api('PUT', `/practices/${id}`, { practiceId: id, body: practiceProfile() });
    const tag = newId('t').slice(-8);
    await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `ana.${tag}@client.example`, name: 'Ana Lima' } });
    await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `bo.${tag}@client.example`, name: 'Bo Ek' } });
    await api('POST', `/practices/${other}/clients`, { practiceId: other, body: { email: `ana2.${tag}@client.example`, name: 'Ana Other' } });

    // Act
    const byName = await api('GET', `/practices/${practiceId}/clients?q=ana`, { practiceId });
    const byEmail = await api('GET', `/practices/${practiceId}/clients?q=${encodeURIComponent(`bo.${tag}`)}`, { practiceId });
    const short = await api('GET', `/practices/${practiceId}/clients?q=a`, { practiceId });

    // Assess
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((client: { name: string }) => client.name)).toEqual(['Ana Lima']);
    expect(byEmail.body.items.map((client: { name: string }) => client.name)).toEqual(['Bo Ek']);
    expect(short.status).toBe(400);
    expect(short.body.error.details.field).toBe('q');
  });

  it('credits used across clients (GET /practices/{p}/redemptions?since=): standing redemptions only, since an instant, this practice only; since named when missing or bad', async () => {
    // Prepare: a paid 5-visit package (storefront → emulator Checkout → webhooks), three visits redeemed, one cancelled.
    const { practiceId, clientId } = await paidPurchase();
    const other = newPracticeId();
    await api('PUT', `/practices/${other}`, { practiceId: other, body: practiceProfile() });
    const before = new Date(Date.now() - 1000).toISOString();
    for (const appointmentId of ['appt-1', 'appt-2', 'appt-3']) {
      expect((await api('POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { practiceId, body: { appointmentId } })).status).toBe(201);
    }
    expect((await api('DELETE', `/practices/${practiceId}/clients/${clientId}/redemptions/appt-2`, { practiceId })).status).toBe(200);
    const after = new Date(Date.now() + 60_000).toISOString();

    // Act
    const used = await api('GET', `/practices/${practiceId}/redemptions?since=${encodeURIComponent(before)}`, { practiceId });
    const later = await api('GET', `/practices/${practiceId}/redemptions?since=${encodeURIComponent(after)}`, { practiceId });
    const otherPractice = await api('GET', `/practices/${other}/redemptions?since=${encodeURIComponent(before)}`, { practiceId: other });
    const foreign = await api('GET', `/practices/${practiceId}/redemptions?since=${encodeURIComponent(before)}`, { practiceId: other });
    const missing = await api('GET', `/practices/${practiceId}/redemptions`, { practiceId });
    const bad = await api('GET', `/practices/${practiceId}/redemptions?since=yesterday`, { practiceId });
    const noZone = await api('GET', `/practices/${practiceId}/redemptions?since=2026-12-01T00:00:00`, { practiceId });

    // Assess
    expect(used.status).toBe(200);
    expect(used.body.items.map((r: { appointmentId: string }) => r.appointmentId).sort()).toEqual(['appt-1', 'appt-3']);
    expect(used.body.items.every((r: { clientId: string; redeemedAt: string }) => r.clientId === clientId && r.redeemedAt >= before)).toBe(true);
    expect(used.body.nextCursor).toBeNull();
    expect(later.body.items).toEqual([]);
    expect(otherPractice.body.items).toEqual([]);
    expect(foreign.status).toBe(403);
    for (const refused of [missing, bad, noZone]) {
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.field).toBe('since');
    }
  });

  it('with the environment the stack sets (KNEADPAY_COGNITO_*), /app/ is in Cognito mode: the hosted domain and client id in meta tags, the token endpoint allowed by the CSP', async () => {
    // Prepare: the function itself, in this process, with the two variables lib/kneadpay-stack.ts sets
    // (no Cognito here: this shows what the page is told, not a sign-in).
    const domain = 'https://kneadpay-example.auth.us-east-1.amazoncognito.com';
    const saved = { domain: process.env[WEB_ENV.cognitoDomain], client: process.env[WEB_ENV.cognitoClientId] };
    process.env[WEB_ENV.cognitoDomain] = `${domain}/`;
    process.env[WEB_ENV.cognitoClientId] = 'abc123clientid';
    const event = { routeKey: 'GET /app', rawPath: '/app/', headers: {}, pathParameters: {}, requestContext: { http: { method: 'GET', path: '/app/' } } } as unknown as ApiEvent;

    // Act
    let answer: Awaited<ReturnType<typeof serveWebApp>>;
    try {
      answer = await serveWebApp(event);
    } finally {
      for (const [name, value] of [
        [WEB_ENV.cognitoDomain, saved.domain],
        [WEB_ENV.cognitoClientId, saved.client],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('<meta name="kneadpay-auth" content="cognito">');
    expect(answer.body).toContain(`<meta name="kneadpay-cognito-domain" content="${domain}">`);
    expect(answer.body).toContain('<meta name="kneadpay-cognito-client-id" content="abc123clientid">');
    expect(answer.headers?.['content-security-policy']).toBe(CSP.replace("connect-src 'self'", `connect-src 'self' ${domain}`));
  });
});
