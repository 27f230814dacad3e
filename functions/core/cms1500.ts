import { cms1500Pages, type Cms1500Page } from '../domain/cms1500';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { Store } from '../store/table';
import { getClaim } from '../store/claims';
import { evaluateClaim } from './claims-out';
import type { Cms1500Port } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
const CMS1500_STORE: Cms1500Port = { ...PRACTICE_STORE, getClaim };

/**
 * The CMS-1500 pages of a claim, from the same checked data as its 837P. A claim an 837P could not
 * carry cannot go on paper either: 409 `claim_incomplete` with the problems, each naming its field.
 */
export const cms1500For = async (store: Store, practiceId: string, claimId: string, port: Cms1500Port = CMS1500_STORE): Promise<{ claimId: string; pages: Cms1500Page[]; carrier: string[] }> => {
  const practice = await requirePractice(store, practiceId, port);
  const claim = await port.getClaim(store, practiceId, claimId);
  if (!claim) throw new NotFoundError('claim');
  if (!claim.payerId)
    throw new ConflictError('the claim was registered without a payer: register it with payerId to print its CMS-1500', 'claim_incomplete', {
      problems: [{ field: 'payerId', message: 'payerId is required' }],
    });
  const verdict = await evaluateClaim(store, practice, claim);
  if (verdict.problems.length > 0) throw new ConflictError('the claim is missing what a CMS-1500 needs', 'claim_incomplete', { problems: verdict.problems });
  const payer = verdict.claim837!.payer;
  const carrier = [
    payer.name.toUpperCase(),
    ...(payer.address
      ? [[payer.address.line1, payer.address.line2].filter(Boolean).join(' ').toUpperCase(), `${payer.address.city.toUpperCase()} ${payer.address.state} ${payer.address.postalCode}`]
      : []),
  ];
  // Item 29: what the patient and the other payers paid. A secondary claim's patient payment sits on its primary claim.
  const primary = claim.secondaryOf ? await port.getClaim(store, practiceId, claim.secondaryOf) : undefined;
  const otherPayersPaid = (verdict.claim837!.otherPayers ?? []).reduce((sum, other) => sum + other.paidCents, 0);
  const paidCents = (primary?.collectedCents ?? claim.collectedCents) + otherPayersPaid;
  return { claimId, carrier, pages: cms1500Pages(verdict.claim837!, verdict.billingProvider!, { paidCents, signedOn: claim.createdAt.slice(0, 10) }) };
};
