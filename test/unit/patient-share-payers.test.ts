import { describe, expect, it } from 'vitest';
import { adjudicationsDecidingShare, awaitingNextPayer, patientShareCents, type AdjudicationAmounts } from '../../functions/domain/patient-share';

const adj = (statusCode: string, payerId: string, patientResponsibilityCents: number): AdjudicationAmounts => ({ statusCode, payerId, chargeCents: 13000, paidCents: 0, patientResponsibilityCents });

describe('the patient share across payers (coordination of benefits)', () => {
  it('one payer: Σ PR over the original, its reversal and the correction, as before', () => {
    const one = [adj('1', 'P1', 3400), adj('22', 'P1', -3400), adj('1', 'P1', 2400)];
    expect(patientShareCents(one, 0)).toBe(2400);
    expect(awaitingNextPayer(one)).toBe(false);
  });

  it("primary forwards (19), secondary adjudicates (2): the secondary's PR is the share, not the sum", () => {
    const primary = adj('19', 'PRIMARY', 3400);
    const secondary = adj('2', 'SECONDARY', 1000);
    expect(awaitingNextPayer([primary])).toBe(true);
    expect(patientShareCents([primary], 0)).toBe(3400);
    expect(awaitingNextPayer([primary, secondary])).toBe(false);
    expect(patientShareCents([primary, secondary], 0)).toBe(1000);
    expect(patientShareCents([secondary, primary], 500)).toBe(500);
    expect(adjudicationsDecidingShare([primary, secondary])).toEqual([secondary]);
  });

  it("the secondary's adjudication reversed: the primary decides again (and it is still forwarded)", () => {
    const chain = [adj('19', 'PRIMARY', 3400), adj('2', 'SECONDARY', 1000), adj('22', 'SECONDARY', -1000)];
    expect(patientShareCents(chain, 0)).toBe(3400);
    expect(awaitingNextPayer(chain)).toBe(true);
  });

  it("primary forwards (19), the secondary denies (4): the denial is the secondary's (it got the claim by the forward), so the chain has ended and its PR decides", () => {
    // Before: a denial ranked as a primary, tied with the forwarding primary, which won: the claim
    // waited for a next payer that had already answered (with billing.forwardedClaims "hold", forever).
    for (const chain of [
      [adj('19', 'PRIMARY', 3400), adj('4', 'SECONDARY', 3400)],
      [adj('4', 'SECONDARY', 3400), adj('19', 'PRIMARY', 3400)],
    ]) {
      expect(awaitingNextPayer(chain)).toBe(false);
      expect(patientShareCents(chain, 0)).toBe(3400);
    }
    const denied = adj('4', 'SECONDARY', 2900);
    expect(adjudicationsDecidingShare([adj('19', 'PRIMARY', 3400), denied])).toEqual([denied]);
    // A tertiary denial after primary (19) and secondary (20) forwards is the tertiary's.
    expect(patientShareCents([adj('19', 'PRIMARY', 3400), adj('20', 'SECONDARY', 1200), adj('4', 'TERTIARY', 800)], 0)).toBe(800);
    // Without a forward, a denial by a payer is a primary's: a secondary's adjudication (2) still outranks it.
    expect(patientShareCents([adj('4', 'PRIMARY', 13000), adj('2', 'SECONDARY', 1000)], 0)).toBe(1000);
  });

  it('a predetermination by another payer changes nothing', () => {
    expect(patientShareCents([adj('1', 'PRIMARY', 3400), adj('25', 'OTHER', 9000)], 0)).toBe(3400);
  });
});
