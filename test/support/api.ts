import { expect, inject } from 'vitest';
import { mintLocalToken } from '../../local/auth';
import { newId } from '../../functions/shared/ids';
import { newPracticeId } from './store';

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Calls the local HTTP API (the same handlers Lambda runs, routed by the wiring table). */
export const api = async <T = any>(
  method: string,
  path: string,
  opts: { practiceId?: string; token?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer; redirect?: 'manual' | 'follow' | 'error' } = {},
): Promise<ApiAnswer<T>> => {
  const token = opts.token ?? (opts.practiceId ? await mintLocalToken(opts.practiceId, { dir: inject('dataDir') }) : undefined);
  const response = await fetch(`${inject('apiUrl')}${path}`, {
    method,
    redirect: opts.redirect ?? 'manual',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'application/json',
      ...opts.headers,
    },
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: pages, PDFs
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
};

/**
 * DOMAIN.md §4's worked example as a practice registers the claim: 30 minutes of 97124 (GP) and 25
 * of 97140 (2 units each by the CMS method), $130 billed; its 835 is test/fixtures/era/worked-example.835.
 */
export const workedExampleClaim = (clientId: string, claimId = 'CLM-1001') => ({
  claimId,
  clientId,
  payerName: 'ACME HEALTH',
  dateOfService: '2026-10-02',
  placeOfService: '11',
  diagnosisCodes: ['M54.2'],
  lines: [
    { procedureCode: '97124', modifiers: ['GP'], minutes: 30, chargeCents: 6000 },
    { procedureCode: '97140', minutes: 25, chargeCents: 7000 },
  ],
});

export const practiceProfile = (over: Record<string, unknown> = {}) => ({
  name: 'Harbor Bodywork',
  email: 'front@harbor.example',
  phone: '+1 555 0100',
  address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201' },
  taxId: '12-3456789',
  npi: '1234567893',
  licenseNumber: 'LMT-24680',
  ...over,
});

/** A practice with its NPI and TIN (what an estimate or a claim needs), and one self-pay client. */
export const practiceWithClient = async () => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile({ npi: '1234567893', taxId: '12-3456789' }) })).status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `${newId('gfe')}@client.example`, name: 'Jane Doe' } });
  expect(client.status).toBe(201);
  return { practiceId, clientId: client.body.clientId as string };
};
