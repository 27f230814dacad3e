import { describe, expect, it } from 'vitest';
import { missingStatementDetails, serviceLines, type ClaimFacts, type ReceiptDocument } from '../../functions/domain/receipt';
import { HSA_NOTE, statementNote } from '../../functions/shared/receipt-render';

const claim = (lines: ClaimFacts['lines']): ClaimFacts => ({
  claimId: 'CLM-1',
  payerName: 'ACME HEALTH',
  dateOfService: '2026-10-02',
  placeOfService: '11',
  diagnosisCodes: ['M54.2'],
  lines,
  collectedCents: 0,
});

describe('receipt service lines (the audit of 2026-11-28)', () => {
  it('a line the payer re-coded (SVC06) is itemized once, under the billed code: the amount charged is not counted twice', () => {
    // Billed 97140 × 2 at $70; the payer paid it as 97124 (SVC06 = 97140): $30 paid, CO-45 $20, PR-1 $20.
    const section = serviceLines(claim([{ procedureCode: '97140', modifiers: [], units: 2, chargeCents: 7000 }]), [
      {
        paidCents: 3000,
        claimAdjustments: [],
        lines: [
          {
            procedureCode: '97124',
            originalProcedureCode: '97140',
            units: 2,
            chargeCents: 7000,
            paidCents: 3000,
            adjustments: [
              { group: 'CO', reason: '45', amountCents: 2000 },
              { group: 'PR', reason: '1', amountCents: 2000 },
            ],
          },
        ],
      },
    ]);
    expect(section.lines.map((line) => [line.procedureCode, line.chargedCents, line.insurerPaidCents, line.patientPortionCents])).toEqual([['97140', 7000, 3000, 2000]]);
    expect(section.lines.reduce((sum, line) => sum + line.chargedCents, 0)).toBe(7000);
  });

  it('a line kept for its minutes with 0 units and no charge (8-minute rule) is not itemized', () => {
    const section = serviceLines(
      claim([
        { procedureCode: '97110', modifiers: [], units: 1, chargeCents: 3500 },
        { procedureCode: '97140', modifiers: [], units: 0, chargeCents: 0 },
      ]),
      [],
    );
    expect(section.lines.map((line) => line.procedureCode)).toEqual(['97110']);
  });

  it('a practice profile without address, phone, EIN or license makes a receipt that says what is missing instead of the HSA/FSA note', () => {
    const complete = {
      name: 'Harbor Bodywork',
      addressLines: ['1 Main St', 'Portland, OR 97201'],
      phone: '+1 555 0100',
      email: null,
      taxId: '12-3456789',
      npi: null,
      licenseNumber: 'LMT-24680',
      timezone: 'UTC',
    };
    const bare = { ...complete, addressLines: [], phone: null, taxId: null, licenseNumber: null };
    expect(missingStatementDetails(complete)).toEqual([]);
    expect(missingStatementDetails(bare)).toEqual(['address', 'phone', 'tax ID (EIN)', 'license number']);
    expect(statementNote({ practice: complete } as unknown as ReceiptDocument)).toBe(HSA_NOTE);
    expect(statementNote({ practice: bare } as unknown as ReceiptDocument)).toBe(
      "This receipt lacks the practice's address, phone, tax ID (EIN), license number, which insurers and HSA/FSA administrators ask for on an itemized statement: ask Harbor Bodywork for a complete statement.",
    );
  });
});
