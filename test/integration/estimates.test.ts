import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { api, practiceWithClient } from '../support/api';

const estimateBody = (over: Record<string, unknown> = {}) => ({
  primaryService: 'Massage therapy, 60 minutes, weekly for 20 weeks',
  // A Monday, and 10 business days later (dates in the past, so the test holds on any day).
  scheduledOn: '2026-11-23',
  serviceDate: '2026-12-07',
  coversThrough: '2027-05-03',
  dateOfBirth: '1980-04-02',
  diagnosisCodes: ['m54.2'],
  lines: [
    { serviceCode: '97124', description: 'Massage, 60 minutes', quantity: 20, unitChargeCents: 9000 },
    { serviceCode: '97140', description: 'Manual therapy', quantity: 2, unitChargeCents: 7000 },
  ],
  ...over,
});

describe('Good Faith Estimates (45 CFR §149.610) for self-pay clients', () => {
  it('gives an itemized estimate with its deadline and dispute threshold, and a printable page with every required element', async () => {
    const { practiceId, clientId } = await practiceWithClient();

    const created = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody() });
    const read = await api('GET', `/practices/${practiceId}/clients/${clientId}/estimates/${created.body.estimateId}`, { practiceId });
    const printable = await api('GET', `/practices/${practiceId}/clients/${clientId}/estimates/${created.body.estimateId}`, { practiceId, headers: { accept: 'text/html' } });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      clientId,
      patient: { name: 'Jane Doe', dateOfBirth: '1980-04-02' },
      serviceDate: '2026-12-07',
      coversThrough: '2027-05-03',
      diagnosisCodes: ['M54.2'],
      lines: [
        { serviceCode: '97124', quantity: 20, unitChargeCents: 9000, totalCents: 180_000 },
        { serviceCode: '97140', quantity: 2, unitChargeCents: 7000, totalCents: 14_000 },
      ],
      totalCents: 194_000,
      currency: 'usd',
      disputeThresholdCents: 234_000,
      // Scheduled 10 business days ahead: due within 3 business days of scheduling.
      timing: { required: true, rule: 'scheduled-10-days-ahead', provideBy: '2026-11-26' },
      provider: { npi: '1234567893', taxId: '12-3456789' },
    });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(printable.status).toBe(200);
    expect(printable.headers.get('content-type')).toContain('text/html');
    for (const element of [
      'Good Faith Estimate',
      'Jane Doe',
      'April 2, 1980',
      'Massage therapy, 60 minutes, weekly for 20 weeks',
      'December 7, 2026',
      'May 3, 2027',
      '97124',
      '97140',
      'M54.2',
      '$1,800.00',
      '$1,940.00',
      'NPI 1234567893',
      'TIN 12-3456789',
      'not a contract',
      'The estimate is based on information known',
      'additional items or services',
      '$400.00 more than this estimate',
      '$2,340.00',
      '120 calendar days',
      'www.cms.gov/nosurprises',
      'Keep a copy',
    ])
      expect(printable.text, element).toContain(element);
  });

  it('an Idempotency-Key retry returns the first estimate (200); another body under the same key is 409', async () => {
    const { practiceId, clientId } = await practiceWithClient();
    const headers = { 'idempotency-key': 'front-desk-visit-42' };
    const first = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(), headers });
    const retry = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(), headers });
    const changed = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody({ primaryService: 'Something else' }), headers });
    expect([first.status, retry.status, changed.status]).toEqual([201, 200, 409]);
    expect(retry.body.estimateId).toBe(first.body.estimateId);
    expect(changed.body.error.code).toBe('idempotency_key_reused');
  });

  it.each([
    [{ lines: [] }, 'lines'],
    [{ lines: [{ serviceCode: '9712', description: 'x', unitChargeCents: 100 }] }, 'lines[0].serviceCode'],
    [{ lines: [{ serviceCode: '97124', description: 'x', unitChargeCents: 12.5 }] }, 'lines[0].unitChargeCents'],
    [{ lines: [{ serviceCode: '97124', description: 'x', quantity: 0, unitChargeCents: 100 }] }, 'lines[0].quantity'],
    [{ diagnosisCodes: ['not-a-code'] }, 'diagnosisCodes[0]'],
    [{ serviceDate: '2026-02-30' }, 'serviceDate'],
    [{ serviceDate: '2026-11-20' }, 'serviceDate'],
    [{ scheduledOn: '2999-01-01' }, 'scheduledOn'],
    [{ coversThrough: '2028-01-01' }, 'coversThrough'],
    [{ dateOfBirth: '2999-01-01' }, 'dateOfBirth'],
    [{ primaryService: undefined }, 'primaryService'],
  ])('%j → 400 naming %s, nothing stored', async (over, field) => {
    const { practiceId, clientId } = await practiceWithClient();
    const answer = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(over), headers: { 'idempotency-key': 'k1' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe(field);
    // The same key with a valid body now creates it: the refused request left nothing behind.
    expect((await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(), headers: { 'idempotency-key': 'k1' } })).status).toBe(201);
  });

  it('an estimate is found only under its own client; an unknown client → 404', async () => {
    const { practiceId, clientId } = await practiceWithClient();
    const other = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: `${newId('gfe')}@client.example`, name: 'John Roe' } });
    const created = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody() });
    expect((await api('GET', `/practices/${practiceId}/clients/${other.body.clientId}/estimates/${created.body.estimateId}`, { practiceId })).status).toBe(404);
    expect((await api('POST', `/practices/${practiceId}/clients/cli_unknown/estimates`, { practiceId, body: estimateBody() })).status).toBe(404);
  });
});

// Found by the domain audit of 2026-12-07 (docs/reliability.md): 45 CFR §149.610(c)(1)(i) lists the
// patient's date of birth among a Good Faith Estimate's required elements, and §149.610(b)(1) makes an
// estimate the client asks for due within 3 business days of the request, whatever the service date.
describe('Good Faith Estimates: the date of birth and estimates asked for', () => {
  it('without a date of birth (none in the body, no coverage stored) → 400 naming dateOfBirth, nothing stored', async () => {
    const { practiceId, clientId } = await practiceWithClient();
    const headers = { 'idempotency-key': 'no-dob' };
    const refused = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody({ dateOfBirth: undefined }), headers });
    expect([refused.status, refused.body.error.code, refused.body.error.details.field]).toEqual([400, 'validation_error', 'dateOfBirth']);
    // Nothing stored under the key: the same key with the date of birth creates it.
    expect((await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(), headers })).status).toBe(201);
  });

  it("takes the date of birth from the client's coverage (patient.dateOfBirth) when the body leaves it out, and prints it", async () => {
    const { practiceId, clientId } = await practiceWithClient();
    expect((await api('PUT', `/practices/${practiceId}/payers/ACME1`, { practiceId, body: { name: 'Acme Health', payerId: 'ACME1' } })).status).toBe(200);
    const patient = { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1975-09-30', sex: 'F', address: { line1: '2 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } };
    expect((await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'XYZ1', relationship: 'self', patient } })).status).toBe(200);

    const created = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody({ dateOfBirth: undefined }) });
    const printable = await api('GET', `/practices/${practiceId}/clients/${clientId}/estimates/${created.body.estimateId}`, { practiceId, headers: { accept: 'text/html' } });
    // The body's own date wins over the stored one.
    const given = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody() });

    expect([created.status, created.body.patient]).toEqual([201, { name: 'Jane Doe', dateOfBirth: '1975-09-30' }]);
    expect(printable.text).toContain('September 30, 1975');
    expect(given.body.patient.dateOfBirth).toBe('1980-04-02');
  });

  it('asked for by the client 2 business days before the service → required, due within 3 business days of the request; requested must be a boolean', async () => {
    const { practiceId, clientId } = await practiceWithClient();
    // Monday 2026-11-23 for Wednesday 2026-11-25 (past dates, so the test holds on any day).
    const near = { scheduledOn: '2026-11-23', serviceDate: '2026-11-25', coversThrough: undefined };
    const asked = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody({ ...near, requested: true }) });
    const scheduled = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody(near) });
    const wrong = await api('POST', `/practices/${practiceId}/clients/${clientId}/estimates`, { practiceId, body: estimateBody({ ...near, requested: 'yes' }) });

    expect([asked.status, asked.body.timing]).toEqual([201, { required: true, rule: 'requested', provideBy: '2026-11-26' }]);
    // Only scheduled (not asked for) that close: the rule requires none.
    expect(scheduled.body.timing).toEqual({ required: false, rule: 'not-required', provideBy: null });
    expect([wrong.status, wrong.body.error.details.field]).toEqual([400, 'requested']);
  });
});
