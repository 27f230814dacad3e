import { describe, expect, it } from 'vitest';
import { decide999, parseAcknowledgement } from '../../functions/domain/x12/acknowledgements';
import { ack277, ack999 } from '../fixtures/claims/acks';

describe('999 and 277CA readers', () => {
  it('a 999 that accepts names the group it acknowledges', () => {
    const ack = parseAcknowledgement(ack999('7', 'A'));
    expect(ack).toEqual({ kind: '999', groups: [{ functionalId: 'HC', groupControlNumber: '7', verdict: 'A', sets: [{ transactionSetId: '837', controlNumber: '0001', verdict: 'A', errors: [] }] }] });
  });

  it('a 999 that rejects says which segment and element are wrong', () => {
    const ack = parseAcknowledgement(ack999('7', 'R'));
    if (ack.kind !== '999') throw new Error('kind');
    expect(ack.groups[0]!.verdict).toBe('R');
    expect(ack.groups[0]!.sets[0]!.errors).toEqual([
      'segment NM1 at position 16 (loop 2010BA): segment has data element errors',
      'segment NM1 at position 16 (loop 2010BA) element 9: required data element missing',
      'IK5 code 5',
    ]);
  });

  it('a 999 group verdict (005010X231A1): IK5 A/E accepts unless AK9 rejects the group (R, M, W, X); AK9 P keeps an accepted set', () => {
    const group = (ik5: string | null, ak9: string) => ({
      functionalId: 'HC',
      groupControlNumber: '7',
      verdict: ak9,
      sets: ik5 ? [{ transactionSetId: '837', controlNumber: '0001', verdict: ik5, errors: [] }] : [],
    });
    const accepted = (ik5: string | null, ak9: string) => decide999(group(ik5, ak9)).accepted;
    expect([accepted('A', 'A'), accepted('E', 'E'), accepted('A', 'P'), accepted(null, 'A'), accepted(null, 'E')]).toEqual([true, true, true, true, true]);
    expect([accepted('R', 'R'), accepted('R', 'P'), accepted('M', 'R'), accepted('W', 'W'), accepted('X', 'X'), accepted(null, 'R')]).toEqual([false, false, false, false, false, false]);
    // AK901 M, W and X reject the whole group (message authentication, assurance, content after decryption).
    expect([accepted('A', 'M'), accepted('A', 'W'), accepted('A', 'X'), accepted(null, 'M'), accepted(null, 'X')]).toEqual([false, false, false, false, false]);
  });

  it('a 277CA: A2 accepted with the payer claim control number, A7 rejected with its codes and message', () => {
    const ack = parseAcknowledgement(
      ack277([
        { pcn: 'CLM-1001', category: 'A2', status: '20', icn: 'PAYER-77' },
        { pcn: 'CLM-2002', category: 'A7', status: '562', message: 'RENDERING NPI NOT ENROLLED' },
      ]),
    );
    if (ack.kind !== '277CA') throw new Error('kind');
    expect(ack.claims.map(({ patientControlNumber, payerClaimControlNumber, verdict, reason }) => ({ patientControlNumber, payerClaimControlNumber, verdict, reason }))).toEqual([
      { patientControlNumber: 'CLM-1001', payerClaimControlNumber: 'PAYER-77', verdict: 'accepted', reason: 'A2:20:PR accepted into adjudication' },
      { patientControlNumber: 'CLM-2002', payerClaimControlNumber: null, verdict: 'rejected', reason: 'A7:562:PR rejected for invalid information — RENDERING NPI NOT ENROLLED' },
    ]);
  });

  it('the batch-level TRN*2 (2200B) is not read as a claim', () => {
    const ack = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }]));
    if (ack.kind !== '277CA') throw new Error('kind');
    expect(ack.claims.map((c) => c.patientControlNumber)).toEqual(['CLM-1001']);
  });

  it('a 277CA claim whose STC03 action code is U (reject) is rejected whatever its category (005010X214 2200D STC03: U reject, WQ accept)', () => {
    const ack = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'E0', status: '21', action: 'U' }]));
    if (ack.kind !== '277CA') throw new Error('kind');
    expect(ack.claims.map(({ verdict, reason }) => ({ verdict, reason }))).toEqual([{ verdict: 'rejected', reason: 'E0:21:PR rejected (STC03 U)' }]);
    const accepted = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A1', status: '19' }]));
    if (accepted.kind !== '277CA') throw new Error('kind');
    expect(accepted.claims.map((c) => c.verdict)).toEqual(['received']);
  });

  it('refuses a 277 that is not a claim acknowledgement (ST03 other than 005010X214, e.g. a 277 claim status response X212)', () => {
    expect(() => parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }]).replace('ST*277*0001*005010X214', 'ST*277*0001*005010X212'))).toThrow(
      /segment 3 \(ST\): .*005010X212.*not a 277CA/,
    );
  });

  it('refuses another transaction set, and a file that is not X12, naming the segment', () => {
    expect(() => parseAcknowledgement(ack999('7', 'A').replace('ST*999', 'ST*835'))).toThrow(/segment 3 \(ST\): transaction set 835 is not an acknowledgement/);
    expect(() => parseAcknowledgement('hello')).toThrow(/segment 1 \(ISA\): not an X12 interchange/);
  });
});
