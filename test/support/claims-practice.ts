/** A practice set up to bill claims through the local API, for the claims-out tests that read its lists. */
import { expect } from 'vitest';
import { api, practiceProfile } from './api';
import { newPracticeId } from './store';
import { RENDERING_THERAPIST, workedExampleClaimBody } from '../fixtures/claims/worked-example';

const patient = { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } };

/**
 * A practice ready to bill (one payer, ACME1; one client with coverage) with CLM-1001 and CLM-1003
 * ready and CLM-1002 a draft (a rendering NPI whose check digit fails), registered through the API;
 * then `batched` sent in one batch (submitted). Answers the batch's interchange control number.
 */
export const practiceWithClaims = async (batched: readonly string[]) => {
  const practiceId = newPracticeId();
  await api('PUT', `/practices/${practiceId}`, {
    practiceId,
    body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
  });
  await api('PUT', `/practices/${practiceId}/payers/ACME1`, {
    practiceId,
    body: { name: 'Acme Health', payerId: 'ACME1', address: { line1: 'PO Box 100', city: 'Hartford', state: 'CT', postalCode: '06101' } },
  });
  const client = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: 'jane@client.example', name: 'Jane Doe' } });
  const clientId = client.body.clientId as string;
  await api('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, { practiceId, body: { payerId: 'ACME1', memberId: 'XYZ123456789', groupNumber: 'GRP-77', relationship: 'self', patient } });
  for (const [claimId, state] of [
    ['CLM-1001', 'ready'],
    ['CLM-1002', 'draft'],
    ['CLM-1003', 'ready'],
  ] as const) {
    const over = state === 'draft' ? { renderingProvider: { ...RENDERING_THERAPIST, npi: '1245319590' } } : {};
    const claim = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: workedExampleClaimBody(claimId, clientId, over) });
    expect([claim.status, claim.body.state]).toEqual([201, state]);
  }
  const batch = await api('POST', `/practices/${practiceId}/claim-batches`, { practiceId, body: { claimIds: batched } });
  expect(batch.status).toBe(201);
  return { practiceId, clientId, groupControlNumber: String(Number(batch.body.interchangeControlNumber)) };
};
