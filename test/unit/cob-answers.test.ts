/**
 * Which of a visit's two claims an 835 claim payment answers (domain/cob.ts `answersSecondaryClaim`),
 * whose adjudications a correction's REF*F8 is read from (`ownPayerAdjudications`), and the batch a
 * 277CA claim sits under (2200B TRN02). Pure: the routes are in test/integration/claims-secondary-answers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { answersSecondaryClaim, ownPayerAdjudications, primaryAdjudicationOf } from '../../functions/domain/cob';
import type { Adjudication } from '../../functions/domain/claim';
import { parseAcknowledgement } from '../../functions/domain/x12/acknowledgements';
import { ack277 } from '../fixtures/claims/acks';

const payers = { primary: 'ACME1', secondary: 'BEACON2' };
/** The primary payer's 835 named it by TRN03 only (the worked example's file). */
const primaryAnswered = [{ statusCode: '1', payerId: '1512345678' }];

describe('answersSecondaryClaim: the payer that answers, never CLP02 alone', () => {
  it('the file naming the secondary claim’s payer answers the secondary claim, whatever its CLP02', () => {
    for (const code of ['1', '2', '4', '19', '20', '22']) expect([code, answersSecondaryClaim(payers, primaryAnswered, { payerId: 'BEACON2', otherIds: ['1999999999'] }, code)]).toEqual([code, true]);
  });

  it('the file naming the primary claim’s payer answers the primary claim, even with CLP02 2 (processed as secondary)', () => {
    for (const code of ['1', '2', '4', '20', '22']) expect([code, answersSecondaryClaim(payers, primaryAnswered, { payerId: 'ACME1' }, code)]).toEqual([code, false]);
    // TRN03 beside another N104 counts as the payer's too.
    expect(answersSecondaryClaim(payers, primaryAnswered, { payerId: 'XV-PLAN-1', otherIds: ['ACME1'] }, '4')).toBe(false);
  });

  it('ids naming neither saved payer: the primary payer’s own 835 decides (same id → primary, another → secondary)', () => {
    expect(answersSecondaryClaim(payers, primaryAnswered, { payerId: '1512345678' }, '22')).toBe(false);
    expect(answersSecondaryClaim(payers, primaryAnswered, { payerId: '1512345678' }, '2')).toBe(false);
    expect(answersSecondaryClaim(payers, primaryAnswered, { payerId: '1999999999' }, '4')).toBe(true);
    expect(answersSecondaryClaim(payers, primaryAnswered, { payerId: '1999999999' }, '1')).toBe(true);
    // A predetermination or "not our claim" is never the primary payer's identity.
    expect(answersSecondaryClaim(payers, [{ statusCode: '25', payerId: '1999999999' }, ...primaryAnswered], { payerId: '1999999999' }, '4')).toBe(true);
    // The primary payer's 835 named no payer: a file naming one is another payer.
    expect(answersSecondaryClaim(payers, [{ statusCode: '1', payerId: null }], { payerId: '1999999999' }, '4')).toBe(true);
  });

  it('ids naming both saved payers (one id for two payers) fall to the primary payer’s own 835', () => {
    const same = { primary: 'SHARED1', secondary: 'SHARED1' };
    expect(answersSecondaryClaim(same, [{ statusCode: '1', payerId: 'SHARED1' }], { payerId: 'SHARED1' }, '4')).toBe(false);
  });

  it('an 835 naming no payer id at all keeps the rule before 2026-12-07: CLP02 2 or 20 → the secondary, anything else → the primary', () => {
    for (const [code, secondary] of [
      ['2', true],
      ['20', true],
      ['1', false],
      ['4', false],
      ['22', false],
    ] as const) {
      expect([code, answersSecondaryClaim(payers, primaryAnswered, { payerId: null, otherIds: [null, ''] }, code)]).toEqual([code, secondary]);
    }
    // So does a primary claim no payer has paid yet.
    expect(answersSecondaryClaim(payers, [], { payerId: '1999999999' }, '4')).toBe(false);
  });
});

describe('ownPayerAdjudications: a primary claim’s adjudications from its own payer', () => {
  const primary = { statusCode: '1', payerId: '1512345678', payerClaimControlNumber: 'PAYER-77' };
  const marked = { statusCode: '2', payerId: 'BEACON2', payerClaimControlNumber: 'BEACON-9', answersClaimId: 'CLM-1001S' };
  it('leaves out the secondary payer’s, marked or (stored before the mark) from a payer other than the first to decide', () => {
    const legacy = { statusCode: '2', payerId: 'BEACON2', payerClaimControlNumber: 'BEACON-9' };
    expect(ownPayerAdjudications([primary, marked])).toEqual([primary]);
    expect(ownPayerAdjudications([primary, legacy])).toEqual([primary]);
    const reversal = { ...primary, statusCode: '22' };
    expect(ownPayerAdjudications([primary, marked, reversal])).toEqual([primary, reversal]);
  });
  it('a claim its payer forwarded (CLP02 19): the payer it was sent to, not the one it was forwarded to', () => {
    const forwarded = { ...primary, statusCode: '19' };
    const forwardedTo = { statusCode: '2', payerId: 'BEACON2', payerClaimControlNumber: 'BEACON-9' };
    expect(ownPayerAdjudications([forwarded, forwardedTo])).toEqual([forwarded]);
    // Only "not our claim" or a predetermination so far: nothing tells the payers apart; every one.
    const notOurs = { statusCode: '23', payerId: 'OTHER', payerClaimControlNumber: 'X-1' };
    expect(ownPayerAdjudications([notOurs])).toEqual([notOurs]);
  });
});

describe('primaryAdjudicationOf: the secondary payer’s marked answers are never the primary’s', () => {
  it('an 835 of the secondary payer naming no payer id (as the primary’s named none) is not the primary’s latest adjudication', () => {
    const base = {
      claimId: 'CLM-1001',
      remittanceId: 'rem',
      traceNumber: 'EFT1',
      paidAt: null,
      payerClaimControlNumber: null,
      chargeCents: 13000,
      claimAdjustments: [],
      lines: [],
      appliedAt: '2026-11-05T00:00:00.000Z',
    };
    const chain: Adjudication[] = [
      { ...base, adjudicationId: 'a0', payerId: null, statusCode: '1', status: 'processed_primary', paidCents: 5600, patientResponsibilityCents: 3400 },
      { ...base, adjudicationId: 'a1', payerId: null, statusCode: '2', status: 'processed_secondary', paidCents: 3000, patientResponsibilityCents: 400, answersClaimId: 'CLM-1001S' },
    ];
    const picked = primaryAdjudicationOf(chain);
    expect('adjudication' in picked && picked.adjudication.adjudicationId).toBe('a0');
  });
});

describe('277CA: the batch each claim sits under', () => {
  it('2200B TRN02 (the 837’s BHT03) is given to every 2000D claim beneath it; none without it', () => {
    const parsed = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }], { batch: 'B000000002' }));
    expect(parsed.kind === '277CA' && parsed.claims.map((c) => [c.patientControlNumber, c.batchReference])).toEqual([['CLM-1001', 'B000000002']]);
    const bare = parseAcknowledgement(
      ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }])
        .replace('TRN*2*B000000001~\n', '')
        .replace(/SE\*(\d+)\*0001/, (_, n) => `SE*${Number(n) - 1}*0001`),
    );
    expect(bare.kind === '277CA' && bare.claims.map((c) => c.batchReference)).toEqual([null]);
  });
});
