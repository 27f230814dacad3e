/**
 * Why a claim's patient balance waits for a payer (domain/patient-share.ts `balanceHoldReason`,
 * docs/decisions/015-balance-holds.md): pure, over the adjudications applied and the practice's settings.
 */
import { describe, expect, it } from 'vitest';
import { awaitingSecondaryPayer, balanceHoldReason, deniedWithoutPatientShare, patientShareCents, type AdjudicationAmounts } from '../../functions/domain/patient-share';

const adj = (statusCode: string, payerId: string, patientResponsibilityCents: number): AdjudicationAmounts => ({ statusCode, payerId, chargeCents: 13000, paidCents: 0, patientResponsibilityCents });
const withSecondary = { hasSecondaryPlan: true };

describe('the secondary payer is waited for (CLP02 1 and a secondary plan on file)', () => {
  it('the primary processed it as primary: held; the secondary’s adjudication (2) ends it and its PR decides', () => {
    const primary = adj('1', 'PRIMARY', 3400);
    expect(awaitingSecondaryPayer([primary])).toBe(true);
    expect(balanceHoldReason([primary], withSecondary)).toBe('secondary_payer');
    const chain = [primary, adj('2', 'SECONDARY', 400)];
    expect(awaitingSecondaryPayer(chain)).toBe(false);
    expect(balanceHoldReason(chain, withSecondary)).toBeUndefined();
    expect(patientShareCents(chain, 0)).toBe(400);
  });

  it('the secondary denies (4): it answered, the wait ends and its PR decides (it came after the primary)', () => {
    const chain = [
      { ...adj('1', 'PRIMARY', 3400), paidAt: '2026-10-20' },
      { ...adj('4', 'SECONDARY', 3400), paidAt: '2026-11-05' },
    ];
    expect(balanceHoldReason(chain, withSecondary)).toBeUndefined();
    expect(balanceHoldReason([...chain].reverse(), withSecondary)).toBeUndefined();
    expect(patientShareCents(chain, 0)).toBe(3400);
  });

  it('the primary’s reversal and correction keep it waiting; a reversal alone leaves nothing standing to wait on (the share is 0, nothing billed)', () => {
    expect(balanceHoldReason([adj('1', 'PRIMARY', 3400), adj('22', 'PRIMARY', -3400), adj('1', 'PRIMARY', 2400)], withSecondary)).toBe('secondary_payer');
    expect(balanceHoldReason([adj('1', 'PRIMARY', 3400), adj('22', 'PRIMARY', -3400)], withSecondary)).toBeUndefined();
  });

  it('the secondary’s adjudication reversed (its correction to come): waiting again', () => {
    expect(balanceHoldReason([adj('1', 'PRIMARY', 3400), adj('2', 'SECONDARY', 400), adj('22', 'SECONDARY', -400)], withSecondary)).toBe('secondary_payer');
  });

  it('no secondary plan, the setting "invoice", a denial, a predetermination: not held', () => {
    expect(balanceHoldReason([adj('1', 'PRIMARY', 3400)], { hasSecondaryPlan: false })).toBeUndefined();
    expect(balanceHoldReason([adj('1', 'PRIMARY', 3400)], { ...withSecondary, secondaryClaims: 'invoice' })).toBeUndefined();
    expect(balanceHoldReason([adj('4', 'PRIMARY', 13000)], withSecondary)).toBeUndefined();
    expect(balanceHoldReason([adj('25', 'PRIMARY', 3400)], withSecondary)).toBeUndefined();
    expect(balanceHoldReason([], withSecondary)).toBeUndefined();
  });
});

describe('the forwarded hold (CLP02 19–21)', () => {
  it('held as forwarded_claim whatever the coverage says, unless billing.forwardedClaims is "invoice"', () => {
    expect(balanceHoldReason([adj('19', 'PRIMARY', 3400)], { hasSecondaryPlan: false })).toBe('forwarded_claim');
    expect(balanceHoldReason([adj('19', 'PRIMARY', 3400)], withSecondary)).toBe('forwarded_claim');
    expect(balanceHoldReason([adj('19', 'PRIMARY', 3400)], { hasSecondaryPlan: false, forwardedClaims: 'invoice' })).toBeUndefined();
    // A forwarded claim is not one the practice bills to the secondary (the payer sent it on itself).
    expect(awaitingSecondaryPayer([adj('19', 'PRIMARY', 3400)])).toBe(false);
  });
});

describe('a second payer’s denial after the primary processed the claim (CLP02 1): the order the adjudications are read in decides nothing (bug 129)', () => {
  // The table lists a claim's adjudications by identity (claim|trace|status|…), so a secondary whose
  // trace number sorts before the primary's was read first, and the tie between the primary (1) and
  // the denier (4, no level of its own) went to whichever came first.
  const at = (a: AdjudicationAmounts, paidAt: string) => ({ ...a, paidAt });
  it('the secondary’s denial, after the primary’s payment, decides in either order', () => {
    const primary = at(adj('1', 'PRIMARY', 3400), '2026-10-20');
    const denial = at(adj('4', 'SECONDARY', 0), '2026-11-05');
    expect([patientShareCents([primary, denial], 0), patientShareCents([denial, primary], 0)]).toEqual([0, 0]);
  });

  it('a payer that denied before the primary processed it (the wrong plan first): the primary decides in either order', () => {
    const wrong = at(adj('4', 'WRONG', 0), '2026-10-10');
    const primary = at(adj('1', 'PRIMARY', 3400), '2026-10-20');
    expect([patientShareCents([wrong, primary], 0), patientShareCents([primary, wrong], 0)]).toEqual([3400, 3400]);
  });
});

describe('a later payer denies with nothing for the patient while an earlier payer left a share (payer_denied)', () => {
  // The worked example: the primary paid $56 (CLP02 1, PR $34); the secondary denies it (CLP02 4,
  // CO-16, CLP05 0). A CO/OA-only denial says nothing about what the patient owes: staff decide.
  const at = (a: AdjudicationAmounts, paidAt: string) => ({ ...a, paidAt });
  const primary = at(adj('1', 'PRIMARY', 3400), '2026-10-20');
  const denial = at(adj('4', 'SECONDARY', 0), '2026-11-05');

  it('held as payer_denied whatever the settings and the coverage say, in either order; the share it would bill is still 0', () => {
    for (const policy of [withSecondary, { hasSecondaryPlan: false }, { hasSecondaryPlan: true, secondaryClaims: 'invoice' as const, forwardedClaims: 'invoice' as const }]) {
      expect(balanceHoldReason([primary, denial], policy)).toBe('payer_denied');
      expect(balanceHoldReason([denial, primary], policy)).toBe('payer_denied');
    }
    expect(deniedWithoutPatientShare([primary, denial])).toEqual([denial]);
  });

  it('after a released wait the denial still holds (released: the waits are not found again, the denial is)', () => {
    expect(balanceHoldReason([primary], { ...withSecondary, released: true })).toBeUndefined();
    expect(balanceHoldReason([primary, denial], { ...withSecondary, released: true })).toBe('payer_denied');
  });

  it('after a forward (CLP02 19) the next payer’s CO-only denial holds too', () => {
    expect(balanceHoldReason([adj('19', 'PRIMARY', 3400), adj('4', 'SECONDARY', 0)], { hasSecondaryPlan: false })).toBe('payer_denied');
  });

  it('not held: a denial that assigns PR (PR-27) decides at once; the denier’s corrected adjudication (2, PR $10) decides; a reversal of the denial leaves the primary (waiting for the secondary again)', () => {
    expect(balanceHoldReason([primary, at(adj('4', 'SECONDARY', 3400), '2026-11-05')], withSecondary)).toBeUndefined();
    expect(balanceHoldReason([primary, denial, at(adj('2', 'SECONDARY', 1000), '2026-12-01')], withSecondary)).toBeUndefined();
    expect(patientShareCents([primary, denial, at(adj('2', 'SECONDARY', 1000), '2026-12-01')], 0)).toBe(1000);
    expect(balanceHoldReason([primary, denial, at(adj('22', 'SECONDARY', 0), '2026-11-20')], withSecondary)).toBe('secondary_payer');
    expect(balanceHoldReason([primary, denial, at(adj('22', 'SECONDARY', 0), '2026-11-20')], { hasSecondaryPlan: false })).toBeUndefined();
  });

  it('not held: the only payer denies without PR (nothing was left to the patient by anyone); a denier before the primary; the earlier payer left nothing', () => {
    expect(balanceHoldReason([adj('4', 'PRIMARY', 0)], withSecondary)).toBeUndefined();
    expect(balanceHoldReason([at(adj('4', 'WRONG', 0), '2026-10-10'), primary], withSecondary)).toBeUndefined();
    expect(balanceHoldReason([at(adj('1', 'PRIMARY', 0), '2026-10-20'), denial], withSecondary)).toBeUndefined();
    expect(deniedWithoutPatientShare([at(adj('1', 'PRIMARY', 0), '2026-10-20'), denial])).toBeUndefined();
  });
});
