import { describe, expect, it } from 'vitest';
import { parseAcknowledgement } from '../../functions/domain/x12/acknowledgements';

const isa = (icn: string, terminator = '~') =>
  `ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*1234567893     *261006*0900*^*00501*${icn}*0*P*:${terminator}`;

export const ack999 = (groupControlNumber: string, verdict: 'A' | 'E' | 'R') =>
  [
    isa('000000501'),
    'GS*FA*CLEARHOUSE*1234567893*20261006*0900*501*X*005010X231A1~',
    'ST*999*0001*005010X231A1~',
    `AK1*HC*${groupControlNumber}*005010X222A1~`,
    'AK2*837*0001*005010X222A1~',
    ...(verdict === 'R' ? ['IK3*NM1*16*2010BA*8~', 'IK4*9*67*1~'] : []),
    `IK5*${verdict}${verdict === 'R' ? '*5' : ''}~`,
    `AK9*${verdict}*1*1*${verdict === 'R' ? '0' : '1'}~`,
    `SE*${verdict === 'R' ? 8 : 6}*0001~`,
    'GE*1*501~',
    'IEA*1*000000501~',
  ].join('\n');

export const ack277 = (claims: { pcn: string; category: string; status: string; icn?: string; message?: string }[]) => {
  const body: string[] = [
    'ST*277*0001*005010X214~',
    'BHT*0085*08*277CA-1*20261006*0900*TH~',
    'HL*1**20*1~', 'NM1*PR*2*ACME HEALTH*****PI*ACME1~', 'TRN*1*20261006~', 'DTP*050*D8*20261006~', 'DTP*009*D8*20261006~',
    'HL*2*1*21*1~', 'NM1*41*2*HARBOR BODYWORK LLC*****46*1234567893~', 'TRN*2*B000000001~', 'STC*A1:19:PR*20261006*WQ*130~', 'QTY*90*1~', 'AMT*YU*130~',
    'HL*3*2*19*1~', 'NM1*85*2*HARBOR BODYWORK LLC*****XX*1234567893~',
  ];
  claims.forEach((c, i) => {
    body.push(
      `HL*${4 + i}*3*PT~`, 'NM1*QC*1*DOE*JANE****MI*XYZ123456789~', `TRN*2*${c.pcn}~`,
      `STC*${c.category}:${c.status}:PR*20261006*${c.category === 'A2' ? 'WQ' : 'U'}*60********${c.message ?? ''}~`.replace(/\*+~$/, '~'),
      ...(c.icn ? [`REF*1K*${c.icn}~`] : []), 'DTP*472*D8*20261002~',
    );
  });
  return [isa('000000777'), 'GS*HN*CLEARHOUSE*1234567893*20261006*0900*777*X*005010X214~', ...body, `SE*${body.length + 1}*0001~`, 'GE*1*777~', 'IEA*1*000000777~'].join('\n');
};

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

  it('a 277CA: A2 accepted with the payer claim control number, A7 rejected with its codes and message', () => {
    const ack = parseAcknowledgement(ack277([
      { pcn: 'CLM-1001', category: 'A2', status: '20', icn: 'PAYER-77' },
      { pcn: 'CLM-2002', category: 'A7', status: '562', message: 'RENDERING NPI NOT ENROLLED' },
    ]));
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

  it('refuses another transaction set, and a file that is not X12, naming the segment', () => {
    expect(() => parseAcknowledgement(ack999('7', 'A').replace('ST*999', 'ST*835'))).toThrow(/segment 3 \(ST\): transaction set 835 is not an acknowledgement/);
    expect(() => parseAcknowledgement('hello')).toThrow(/segment 1 \(ISA\): not an X12 interchange/);
  });
});
