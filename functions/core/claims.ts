import type { UnitMethod } from '../domain/units';
import { ConflictError, NotFoundError } from '../shared/errors';
import { canonicalJson } from '../shared/canonical';
import { parseBody } from '../shared/schemas/parse';
import { claimBody, type ClaimBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import { getClient } from '../store/clients';
import { getClaim, insertClaim, listAdjudications } from '../store/claims';
import { getInvoice } from '../store/invoices';
import type { Claim } from '../domain/claim';
import type { ClaimsPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';
import { createSecondaryClaim, prepareClaimOut } from './claims-out';

/** The default implementation of the port: the table (core/ports.ts). */
export const CLAIMS_STORE: ClaimsPort = { getClaim, insertClaim, listAdjudications, getClient, getInvoice, ...PRACTICE_STORE };

/**
 * Validates a claim and fills in units from minutes with the practice's unit method (8-minute
 * rule, DOMAIN.md §3). Lines given with explicit units keep them; lines with minutes are computed
 * together, as CMS counts the day's timed minutes as a whole.
 *
 * - A timed code's units always come from its minutes: a timed line with both `minutes` and
 *   `units` is refused (400 naming `units`), because units set by hand would keep those minutes
 *   out of the day's total and could bill more units than the rule allows.
 * - A line whose minutes earn no unit (7 + 7 minutes make 1 unit, for one of the two codes) is
 *   kept with `units: 0`: its minutes count toward the day's total and stay on record, but it is
 *   not billed, so its `chargeCents` must be 0 (kneadpay does not re-price lines; a charge there
 *   is refused with a 400 naming `chargeCents` rather than silently dropped or moved).
 * - A visit where no line earns a unit has nothing to bill and is refused.
 */
export const parseClaim = (practiceId: string, body: Record<string, unknown>, unitMethod: UnitMethod, currency: string, now: Date): Claim => {
  const parsed = parseBody(claimBody(unitMethod), body);
  const { claimId, dateOfService, diagnosisCodes, lines } = parsed;
  return {
    claimId,
    practiceId,
    clientId: parsed.clientId,
    payerName: parsed.payerName ?? null,
    dateOfService,
    placeOfService: parsed.placeOfService ?? '11',
    diagnosisCodes,
    lines,
    unitMethod,
    chargeCents: lines.reduce((sum, line) => sum + line.chargeCents, 0),
    currency,
    collectedCents: parsed.collectedCents ?? 0,
    // As before: a payerId sent, even blank, makes the status draft (the state says submitted).
    status: body.payerId !== undefined && body.payerId !== null && body.payerId !== '' ? 'draft' : 'submitted',
    patientResponsibilityCents: 0,
    invoicedCents: 0,
    adjudicationCount: 0,
    createdAt: now.toISOString(),
    ...claimsOutFields(parsed),
  };
};

/**
 * The fields of claims out (SPEC §7): `payerId`, `renderingProvider`, `priorAuthorization`,
 * `referralNumber`, and for a correction `correction: {of, kind: "replacement" | "void"}`. Their
 * form is checked by the schema (400 naming the field); whether the claim is complete for an 837P
 * is the claim's `state` (draft with `problems`, or ready). Without `payerId` the claim is
 * registered as before: already sent to the payer outside kneadpay (`submitted`).
 */
const claimsOutFields = (body: ClaimBody): Partial<Claim> => {
  if (!body.payerId) return { state: 'submitted' };
  const { renderingProvider, correction } = body;
  return {
    state: 'draft',
    payerId: body.payerId,
    renderingProvider: renderingProvider ? { firstName: renderingProvider.firstName, lastName: renderingProvider.lastName, npi: renderingProvider.npi } : null,
    priorAuthorization: body.priorAuthorization ?? null,
    referralNumber: body.referralNumber ?? null,
    frequencyCode: correction ? (correction.kind === 'void' ? '8' : '7') : '1',
    correctionOf: correction ? correction.of : null,
    payerClaimControlNumber: correction?.payerClaimControlNumber ?? null,
    problems: [],
    batchId: null,
    acknowledgement: null,
  };
};

/** Key order is not kept by DynamoDB maps: the stored claim is compared with sorted keys. */
const sameSubmission = (a: Claim, b: Claim) =>
  canonicalJson([a.clientId, a.payerName, a.dateOfService, a.placeOfService, a.diagnosisCodes, a.lines, a.collectedCents, ...claimsOutIdentity(a)]) ===
  canonicalJson([b.clientId, b.payerName, b.dateOfService, b.placeOfService, b.diagnosisCodes, b.lines, b.collectedCents, ...claimsOutIdentity(b)]);
const claimsOutIdentity = (c: Claim) => [c.payerId ?? null, c.renderingProvider ?? null, c.priorAuthorization ?? null, c.referralNumber ?? null, c.correctionOf ?? null, c.frequencyCode ?? null];

/** Registers a claim. The same claim again answers 200 with it; a different claim under the same id is 409. */
export const createClaim = async (store: Store, practiceId: string, body: Record<string, unknown>, now = new Date(), port: ClaimsPort = CLAIMS_STORE) => {
  // A secondary claim copies its primary's visit: its own body (docs/claims.md § Secondary claims).
  if (body.secondaryOf !== undefined && body.secondaryOf !== null && body.secondaryOf !== '') return createSecondaryClaim(store, practiceId, body, now);
  const practice = await requirePractice(store, practiceId, port);
  const parsed = parseClaim(practiceId, body, practice.billing.unitMethod, practice.currency, now);
  await port.getClient(store, practiceId, parsed.clientId);
  const claim = parsed.payerId ? await prepareClaimOut(store, practice, parsed) : parsed;
  if (await port.insertClaim(store, claim)) return { created: true, claim };
  const existing = (await port.getClaim(store, practiceId, claim.claimId))!;
  if (!sameSubmission(existing, claim)) throw new ConflictError(`claim ${claim.claimId} already exists with other content`, 'claim_exists');
  return { created: false, claim: existing };
};

/** The claim as GET /claims/{id} shows it (SPEC §3), with every adjudication applied. */
export const claimView = async (store: Store, practiceId: string, claimId: string, port: ClaimsPort = CLAIMS_STORE) => {
  const claim = await port.getClaim(store, practiceId, claimId);
  if (!claim) throw new NotFoundError('claim');
  const adjudications = await port.listAdjudications(store, practiceId, claimId);
  const { invoice, ...rest } = claim as Claim & { invoice?: { invoiceId: string } };
  // The claim keeps a summary of its invoice; a dispute of its payment is recorded on the invoice
  // only (docs/decisions/013): shown here as `GET …/invoices` shows it, so the claim's page does not
  // read "paid" for a payment the client's bank took back.
  const disputed = invoice ? await port.getInvoice(store, practiceId, invoice.invoiceId) : undefined;
  const shownInvoice = invoice
    ? {
        ...invoice,
        amountDisputedCents: disputed?.amountDisputedCents ?? 0,
        dispute: disputed?.dispute ? { disputeId: disputed.dispute.disputeId, status: disputed.dispute.status, amountCents: disputed.dispute.amountCents } : null,
      }
    : undefined;
  return {
    ...rest,
    adjudications,
    // A secondary claim's payer answers under the visit's CLM01: its adjudications are kept on the
    // primary claim (with the visit's money) and shown here too, what that payer decided and why.
    ...(claim.secondaryOf ? { payerAdjudications: (await port.listAdjudications(store, practiceId, claim.secondaryOf)).filter((adjudication) => adjudication.answersClaimId === claimId) } : {}),
    ...(shownInvoice ? { invoice: shownInvoice } : {}),
  };
};
