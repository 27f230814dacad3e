import { describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { newPracticeId } from '../support/store';

/**
 * A draft claim's problems are what the front desk fixes (the web app lists them under "Claims in
 * state: draft", audit d4). Saving what they name — the client's coverage, the payer — checks the
 * client's (the payer's) open claims again, so the list stops naming a problem already fixed and a
 * claim that is now complete reads `ready` (docs/claims.md, "The claim's life"; reliability.md bug 96).
 */
const address = { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' };
const patient = { firstName: 'Sam', lastName: 'Roe', dateOfBirth: '1979-02-03', sex: 'M', address };
const rendering = { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' };

const billingPractice = async () => {
  const practiceId = newPracticeId();
  const put = await api('PUT', `/practices/${practiceId}`, {
    practiceId,
    body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
  });
  expect(put.status).toBe(200);
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'sam@client.example', name: 'Sam Roe' } });
  expect(client.status).toBe(201);
  return { practiceId, clientId: client.body.clientId as string };
};

const claim = (claimId: string, clientId: string, payerId: string) => ({
  claimId,
  clientId,
  payerId,
  renderingProvider: rendering,
  dateOfService: '2026-10-02',
  placeOfService: '11',
  diagnosisCodes: ['M54.2'],
  lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 6000 }],
});

const fields = (body: { problems?: { field: string }[] }) => (body.problems ?? []).map((p) => p.field);

describe('claims out: saving what a draft claim lacks checks the claim again', () => {
  it('a payer saved, then the client’s coverage: the draft loses each problem as it is fixed and ends ready (listed as ready)', async () => {
    // Prepare: a claim billed to a payer not saved yet, for a client without coverage
    const { practiceId, clientId } = await billingPractice();
    const made = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: claim('CLM-2001', clientId, 'ACME9') });
    expect([made.status, made.body.state, fields(made.body)]).toEqual([201, 'draft', ['payerId', 'coverage']]);

    // Act
    expect((await api('PUT', `/practices/${practiceId}/payers/ACME9`, { practiceId, body: { name: 'Acme Nine', payerId: 'ACME9' } })).status).toBe(200);
    const afterPayer = await api('GET', `/practices/${practiceId}/claims/CLM-2001`, { practiceId });
    const coverage = await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, {
      practiceId,
      body: { payerId: 'ACME9', memberId: 'M-77', relationship: 'self', patient },
    });
    const afterCoverage = await api('GET', `/practices/${practiceId}/claims/CLM-2001`, { practiceId });
    const drafts = await api('GET', `/practices/${practiceId}/claims?state=draft`, { practiceId });
    const ready = await api('GET', `/practices/${practiceId}/claims?state=ready`, { practiceId });

    // Assess
    expect([afterPayer.body.state, fields(afterPayer.body)]).toEqual(['draft', ['coverage']]);
    expect(coverage.status).toBe(200);
    expect([afterCoverage.body.state, afterCoverage.body.status, afterCoverage.body.problems]).toEqual(['ready', 'ready', []]);
    expect(drafts.body.items).toEqual([]);
    expect(ready.body.items.map((c: { claimId: string; problems: unknown[] }) => [c.claimId, c.problems])).toEqual([['CLM-2001', []]]);
  });

  it('a coverage moved to another payer makes the client’s ready claim a draft naming coverage.payerId; other clients’ and sent claims stay as they are', async () => {
    // Prepare: two payers, the client covered by ACME1, one ready claim, one claim already in a batch
    const { practiceId, clientId } = await billingPractice();
    for (const payerId of ['ACME1', 'ACME2']) expect((await api('PUT', `/practices/${practiceId}/payers/${payerId}`, { practiceId, body: { name: `Payer ${payerId}`, payerId } })).status).toBe(200);
    const cover = (payerId: string) => api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId, memberId: 'M-77', relationship: 'self', patient } });
    expect((await cover('ACME1')).status).toBe(200);
    expect((await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: claim('CLM-3001', clientId, 'ACME1') })).body.state).toBe('ready');
    const batch = await api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: {} });
    expect(batch.body.claims).toEqual(['CLM-3001']);
    expect((await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: claim('CLM-3002', clientId, 'ACME1') })).body.state).toBe('ready');
    const ann = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'ann@client.example', name: 'Ann Poe' } });
    expect(
      (await api('PUT', `/practices/${practiceId}/clients/${ann.body.clientId}/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'M-78', relationship: 'self', patient } })).status,
    ).toBe(200);
    expect((await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: claim('CLM-3003', ann.body.clientId, 'ACME1') })).body.state).toBe('ready');

    // Act
    expect((await cover('ACME2')).status).toBe(200);
    const open = await api('GET', `/practices/${practiceId}/claims/CLM-3002`, { practiceId });
    const sent = await api('GET', `/practices/${practiceId}/claims/CLM-3001`, { practiceId });
    const other = await api('GET', `/practices/${practiceId}/claims/CLM-3003`, { practiceId });

    // Assess
    expect([open.body.state, fields(open.body)]).toEqual(['draft', ['coverage.payerId']]);
    expect([sent.body.state, sent.body.problems]).toEqual(['submitted', []]);
    expect([other.body.state, other.body.problems]).toEqual(['ready', []]);
  });
});
