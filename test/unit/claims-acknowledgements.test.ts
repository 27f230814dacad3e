import { describe, expect, it } from 'vitest';
import { batchRejection, decide999, parseAcknowledgement, rejection999 } from '../../functions/domain/x12/acknowledgements';
import { ack277, ack999, ack999Rejecting } from '../fixtures/claims/acks';

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

  it('a 999 whose errors name their claim (CTX*CLM01 below the IK3, 005010X231A1 2100) gives each claim its own errors; a situational trigger says what made the segment required', () => {
    const text = ack999Rejecting('7', [
      // In claim CLM-1002: its subscriber's name (2010BA NM1) misses NM109, and a CTX explains why a segment was required.
      'IK3*NM1*16*2010BA*8',
      'CTX*CLM01:CLM-1002',
      'IK4*9*67*1',
      'IK3*REF*41*2300*I6',
      'CTX*CLM01:CLM-1003',
      'CTX*SITUATIONAL TRIGGER*CLM*38*2300*11:1',
      // Not in any claim: the submitter's name in the header.
      'IK3*NM1*3*1000A*8',
      'IK4*3*98*7*XX',
    ]);
    const ack = parseAcknowledgement(text);
    if (ack.kind !== '999') throw new Error('kind');
    const set = ack.groups[0]!.sets[0]!;
    const nm109 = 'segment NM1 at position 16 (loop 2010BA) element 9: required data element missing';
    const ref = 'segment REF at position 41 (loop 2300): implementation dependent segment missing (situational: triggered by CLM at position 38 in loop 2300)';
    const header = ['segment NM1 at position 3 (loop 1000A): segment has data element errors', 'segment NM1 at position 3 (loop 1000A) element 3: invalid code value ("XX")'];
    expect(set.claimErrors).toEqual({ 'CLM-1002': ['segment NM1 at position 16 (loop 2010BA): segment has data element errors', nm109], 'CLM-1003': [ref] });
    expect(set.errors).toEqual(['segment NM1 at position 16 (loop 2010BA): segment has data element errors', nm109, ref, ...header, 'IK5 code 5']);
    const group = ack.groups[0]!;
    const batch = ['CLM-1001', 'CLM-1002', 'CLM-1003'];
    // Its own errors, then what is in no claim (the header's, IK5's code); not the other claims'.
    expect(rejection999(group, 'CLM-1002', batch)).toBe(
      `999 rejected the 837P (IK5 R, AK9 R): segment NM1 at position 16 (loop 2010BA): segment has data element errors; ${nm109}; ${header.join('; ')}; IK5 code 5`,
    );
    expect(rejection999(group, 'CLM-1001', batch)).toBe(`999 rejected the 837P (IK5 R, AK9 R): ${header.join('; ')}; IK5 code 5`);
    // With nothing outside the claims, a claim without errors is told which were in error.
    const onlyClaims = parseAcknowledgement(ack999Rejecting('7', ['IK3*NM1*16*2010BA*8', 'CTX*CLM01:CLM-1002', 'IK4*9*67*1'], []));
    if (onlyClaims.kind !== '999') throw new Error('kind');
    expect(rejection999(onlyClaims.groups[0]!, 'CLM-1001', batch)).toBe('999 rejected the 837P (IK5 R, AK9 R) for errors in claim CLM-1002 of the batch; none in this claim');
    // A CTX naming a claim not in the batch does not hide its errors from the batch's claims.
    expect(rejection999(onlyClaims.groups[0]!, 'CLM-1001', ['CLM-1001'])).toBe(
      `999 rejected the 837P (IK5 R, AK9 R): segment NM1 at position 16 (loop 2010BA): segment has data element errors; ${nm109}`,
    );
    // Without CTX, every claim is given every error, as before.
    const plain = parseAcknowledgement(ack999('7', 'R'));
    if (plain.kind !== '999') throw new Error('kind');
    expect(rejection999(plain.groups[0]!, 'CLM-1001', batch)).toBe(
      '999 rejected the 837P (IK5 R, AK9 R): segment NM1 at position 16 (loop 2010BA): segment has data element errors; segment NM1 at position 16 (loop 2010BA) element 9: required data element missing; IK5 code 5',
    );
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

  it('a 277CA that rejects at the receiver (2200B) or billing provider (2200C) level names the batch and rejects the claims beneath it (005010X214; X12 RFIs 2145, 1211)', () => {
    // The whole 837P rejected for a submitter-level error: no 2000D patient loops follow.
    const receiver = parseAcknowledgement(ack277([], { batch: 'B000000004', receiver: { category: 'A3', status: '24', entity: '41' } }));
    if (receiver.kind !== '277CA') throw new Error('kind');
    expect(receiver.claims).toEqual([]);
    expect(receiver.batches.map((b) => ({ ref: b.batchReference, verdict: b.verdict, rejection: batchRejection(b) }))).toEqual([
      { ref: 'B000000004', verdict: 'rejected', rejection: 'the whole 837P (2200B): A3:24:41 returned as unprocessable' },
    ]);
    // The billing provider rejected (an A7 under an accepted receiver): the group of claims of that provider.
    const provider = parseAcknowledgement(ack277([], { provider: { category: 'A7', status: '562', entity: '85' } }));
    if (provider.kind !== '277CA') throw new Error('kind');
    expect(provider.batches.map((b) => ({ verdict: b.verdict, providers: b.providers.map((p) => [p.providerId, p.verdict]), rejection: batchRejection(b) }))).toEqual([
      { verdict: 'received', providers: [['1234567893', 'rejected']], rejection: 'its billing provider (2200C): A7:562:85 rejected for invalid information' },
    ]);
    // A claim listed beneath a rejected level is rejected with it, whatever its own STC says.
    const listed = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }], { provider: { category: 'A3', status: '24', entity: '85', action: 'U' } }));
    if (listed.kind !== '277CA') throw new Error('kind');
    expect(listed.claims.map(({ verdict, reason }) => ({ verdict, reason }))).toEqual([{ verdict: 'rejected', reason: 'its billing provider (2200C): A3:24:85 returned as unprocessable' }]);
    // At these levels STC03 is the verdict (U rejects the unit of work, WQ accepts it).
    const byAction = (receiver: { category: string; status: string; action: 'U' | 'WQ' }) => {
      const ack = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }], { receiver }));
      if (ack.kind !== '277CA') throw new Error('kind');
      return [batchRejection(ack.batches[0]!), ack.claims[0]!.verdict];
    };
    expect(byAction({ category: 'A3', status: '24', action: 'WQ' })).toEqual([null, 'accepted']);
    expect(byAction({ category: 'A1', status: '19', action: 'U' })).toEqual(['the whole 837P (2200B): A1:19 rejected (STC03 U)', 'rejected']);
    // Accepting levels reject nothing.
    const fine = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'A2', status: '20' }], { provider: { category: 'A1', status: '19', entity: '85' } }));
    if (fine.kind !== '277CA') throw new Error('kind');
    expect([fine.batches.map(batchRejection), fine.claims.map((c) => c.verdict)]).toEqual([[null], ['accepted']]);
  });

  it('a 277CA category outside code source 507 as 005010X214 uses it (a bare DR) does not accept a claim: only A2/A5 do, STC03 decides the rest', () => {
    const ack = parseAcknowledgement(ack277([{ pcn: 'CLM-1001', category: 'DR', status: '20', action: 'WQ' }]));
    if (ack.kind !== '277CA') throw new Error('kind');
    expect(ack.claims.map(({ verdict, reason }) => ({ verdict, reason }))).toEqual([{ verdict: 'received', reason: 'DR:20:PR status' }]);
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
