import { createHash } from 'node:crypto';
import { ACKNOWLEDGEABLE, BATCHABLE } from '../domain/claim-state';
import { CLAIM_ID, validateClaim, type ClaimProblem } from '../domain/claim-validation';
import { ownPayerAdjudications, primaryAdjudication837, primaryAdjudicationOf, secondaryClaim837 } from '../domain/cob';
import { build837P, type Claim837 } from '../domain/x12/837p';
import { batchRejection, decide999, parseAcknowledgement, rejection999, type Ack999Group } from '../domain/x12/acknowledgements';
import { X12ReadError } from '../domain/x12/segments';
import { ConflictError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { parseBody } from '../shared/schemas/parse';
import { claimBatchBody, coverageBody, MAX_BATCH_CLAIMS, PAYER_ID, payerBody, secondaryClaimBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import { getClaim, listAdjudications } from '../store/claims';
import type { Claim } from '../domain/claim';
import type { ClaimBatch, Coverage, Payer } from '../domain/claim-batch';
import type { Practice } from '../domain/practice';
import { getClient } from '../store/clients';
import * as claimsOutStore from '../store/claims-out';
import type { ClaimsOutPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const CLAIMS_OUT_STORE: ClaimsOutPort = { ...claimsOutStore, getClaim, listAdjudications, getClient, ...PRACTICE_STORE };

/** At most this many claims in one 837P batch (the request-body catalog keeps the number). */

// Payers and coverage ---------------------------------------------------------------------------

/** PUT /practices/{p}/payers/{payerId}: `{name, payerId, address?, claimFilingIndicator?}`. */
export const registerPayer = async (
  store: Store,
  practiceId: string,
  pathPayerId: string,
  body: Record<string, unknown>,
  now = new Date(),
  claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE,
): Promise<Payer> => {
  const practice = await requirePractice(store, practiceId, claimsOut);
  const { payerId, name, address, claimFilingIndicator } = parseBody(payerBody(pathPayerId), body);
  const payer: Payer = {
    practiceId,
    payerId,
    name,
    address: address ?? null,
    claimFilingIndicator: claimFilingIndicator ?? 'CI',
    updatedAt: now.toISOString(),
  };
  await claimsOut.putPayer(store, payer);
  await recheckOpenClaims(store, practice, (claim) => claim.payerId === payerId, claimsOut);
  return payer;
};

/** PUT /practices/{p}/clients/{c}/coverage (SPEC §7). PHI: stays in the table. */
export const registerCoverage = async (
  store: Store,
  practiceId: string,
  clientId: string,
  body: Record<string, unknown>,
  now = new Date(),
  claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE,
): Promise<Coverage> => {
  const practice = await requirePractice(store, practiceId, claimsOut);
  await claimsOut.getClient(store, practiceId, clientId);
  // Whether the payer is saved is the check right after payerId's form: looked up first, as before
  // only for a well-formed id.
  const given = typeof body.payerId === 'string' ? body.payerId.trim() : '';
  const saved = PAYER_ID.test(given) ? await claimsOut.getPayer(store, practiceId, given) : undefined;
  // The secondary plan's payer, looked up the same way (only for a well-formed id).
  const second = body.secondary && typeof body.secondary === 'object' ? (body.secondary as Record<string, unknown>).payerId : undefined;
  const givenSecond = typeof second === 'string' ? second.trim() : '';
  const savedSecond = PAYER_ID.test(givenSecond) ? await claimsOut.getPayer(store, practiceId, givenSecond) : undefined;
  const parsed = parseBody(
    coverageBody(practiceId, (payerId) => (saved !== undefined && payerId === given) || (savedSecond !== undefined && payerId === givenSecond)),
    body,
  );
  const coverage: Coverage = {
    practiceId,
    clientId,
    payerId: parsed.payerId,
    memberId: parsed.memberId,
    groupNumber: parsed.groupNumber ?? null,
    relationship: parsed.relationship,
    subscriber: parsed.relationship === 'self' ? null : parsed.subscriber!,
    patient: parsed.patient,
    ...(parsed.secondary
      ? {
          secondary: {
            payerId: parsed.secondary.payerId,
            memberId: parsed.secondary.memberId,
            groupNumber: parsed.secondary.groupNumber ?? null,
            relationship: parsed.secondary.relationship,
            subscriber: parsed.secondary.relationship === 'self' ? null : parsed.secondary.subscriber!,
          },
        }
      : {}),
    updatedAt: now.toISOString(),
  };
  await claimsOut.putCoverage(store, coverage);
  await recheckOpenClaims(store, practice, (claim) => claim.clientId === clientId, claimsOut);
  return coverage;
};

// Validation and readiness ----------------------------------------------------------------------

/** The claim checked against everything an 837P needs, from what is stored now. */
export const evaluateClaim = async (store: Store, practice: Practice, claim: Claim, claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE): Promise<ReturnType<typeof validateClaim>> => {
  if (claim.secondaryOf) return evaluateSecondaryClaim(store, practice, claim, claimsOut);
  const [payer, coverage] = await Promise.all([
    claim.payerId ? claimsOut.getPayer(store, practice.practiceId, claim.payerId) : Promise.resolve(undefined),
    claimsOut.getCoverage(store, practice.practiceId, claim.clientId),
  ]);
  return validateClaim(practice, claim, payer, coverage);
};

/**
 * A secondary claim checked like any claim against its payer, the coverage's secondary plan (the
 * patient stays the coverage's), and then the primary's adjudication it carries: the primary
 * claim's latest CLP02 1 payment, matched line by line (domain/cob.ts). Its 837P is the claim with
 * 2000B SBR01 S, CLM01 the primary's claim id (so the secondary payer's 835 comes back to the
 * visit's claim, where coordination of benefits decides the patient's share), and the primary in
 * 2320/2330A/2330B and per line 2430.
 */
const evaluateSecondaryClaim = async (store: Store, practice: Practice, claim: Claim, claimsOut: ClaimsOutPort): Promise<ReturnType<typeof validateClaim>> => {
  const practiceId = practice.practiceId;
  const [coverage, primary, adjudications, payer] = await Promise.all([
    claimsOut.getCoverage(store, practiceId, claim.clientId),
    claimsOut.getClaim(store, practiceId, claim.secondaryOf!),
    claimsOut.listAdjudications(store, practiceId, claim.secondaryOf!),
    claim.payerId ? claimsOut.getPayer(store, practiceId, claim.payerId) : Promise.resolve(undefined),
  ]);
  const plan = coverage?.secondary ?? undefined;
  const primaryPayer = coverage ? await claimsOut.getPayer(store, practiceId, coverage.payerId) : undefined;
  const verdict = validateClaim(
    practice,
    // Checked with its CLM01, the primary's id: the secondary's own id (which may pass CLM01's 20 characters) never leaves kneadpay.
    { ...claim, claimId: claim.secondaryOf! },
    payer,
    coverage && plan
      ? { payerId: plan.payerId, memberId: plan.memberId, groupNumber: plan.groupNumber, relationship: plan.relationship, subscriber: plan.subscriber, patient: coverage.patient }
      : undefined,
  );
  const problems = [...verdict.problems];
  if (coverage && !plan)
    problems.push({ field: 'coverage.secondary', message: "the client's coverage has no secondary plan: save it with the coverage (secondary: {payerId, memberId, relationship})" });
  if (coverage && !primaryPayer) problems.push({ field: 'coverage.payerId', message: `the primary payer ${coverage.payerId} is not saved` });
  if (coverage && plan && coverage.relationship !== 'self') checkPrimarySubscriber(problems, coverage);
  let cob: ReturnType<typeof primaryAdjudication837>['cob'];
  if (!primary) problems.push({ field: 'secondaryOf', message: `the primary claim ${claim.secondaryOf} is not found` });
  else {
    const picked = primaryAdjudicationOf(adjudications);
    if ('problem' in picked) problems.push({ field: 'secondaryOf', message: picked.problem });
    else {
      const billed = claim.lines.filter((line) => line.units > 0 || line.chargeCents > 0);
      const matched = primaryAdjudication837(billed, claim.chargeCents, picked.adjudication);
      problems.push(...matched.problems);
      cob = matched.cob;
    }
  }
  if (problems.length > 0 || !verdict.claim837 || !coverage || !primaryPayer || !cob) return { problems };
  const insured = coverage.relationship === 'self' ? coverage.patient : coverage.subscriber!;
  const primaryPlan = {
    relationship: coverage.relationship,
    groupNumber: coverage.groupNumber,
    memberId: coverage.memberId,
    subscriber: { firstName: insured.firstName, lastName: insured.lastName, address: insured.address },
    payer: primaryPayer,
  };
  return { ...verdict, claim837: secondaryClaim837({ ...verdict.claim837, claimId: claim.claimId }, claim.secondaryOf!, primaryPlan, cob) };
};

/** 2330A names the primary plan's subscriber: a dependent's coverage needs that subscriber's name. */
const checkPrimarySubscriber = (problems: ClaimProblem[], coverage: Coverage) => {
  if (!coverage.subscriber?.firstName?.trim() || !coverage.subscriber?.lastName?.trim()) {
    problems.push({ field: 'coverage.subscriber', message: "the primary plan's subscriber (first and last name) is required for the secondary claim's 2330A" });
  }
};

/**
 * A payer or a coverage was saved: the open claims it touches (draft or ready, billed to a payer)
 * are checked again from what is stored now, so a draft stops naming a problem just fixed and a
 * claim now complete reads `ready` — or a ready claim whose coverage moved to another payer reads
 * `draft` (bug 96: the web app lists drafts with their problems). Each write is conditioned on the
 * claim still being draft or ready (a batch that took it meanwhile wins); a batch checks every
 * claim again anyway, so a check that lost a race is never what goes out.
 */
const recheckOpenClaims = async (store: Store, practice: Practice, touches: (claim: Claim) => boolean, claimsOut: ClaimsOutPort) => {
  const open = (await claimsOut.claimsInStates(store, practice.practiceId, ['draft', 'ready'])).filter((claim) => claim.payerId && touches(claim));
  for (const claim of open) {
    const { problems } = await evaluateClaim(store, practice, claim, claimsOut);
    await claimsOut.setClaimReadiness(store, practice.practiceId, claim.claimId, problems.length === 0 ? 'ready' : 'draft', problems, ['draft', 'ready']);
  }
};

/**
 * The payer's claim control number of the claim a correction points at (835 CLP07, or 277CA REF*1K):
 * its own payer's, not that of a payer after it (its secondary claim's, or the one it was forwarded
 * to), whose 835s are kept beside them (bug 125).
 */
const payerControlNumberOf = async (store: Store, practiceId: string, original: Claim, claimsOut: ClaimsOutPort): Promise<string | null> => {
  const adjudications = ownPayerAdjudications(await claimsOut.listAdjudications(store, practiceId, original.claimId));
  for (let i = adjudications.length - 1; i >= 0; i -= 1) if (adjudications[i]!.payerClaimControlNumber) return adjudications[i]!.payerClaimControlNumber;
  return original.acknowledgement?.payerClaimControlNumber ?? null;
};

/** A new claim with a payer: corrections find their REF*F8, then the claim is draft or ready. */
export const prepareClaimOut = async (store: Store, practice: Practice, claim: Claim, claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE): Promise<Claim> => {
  let prepared = claim;
  if (claim.correctionOf) {
    if (claim.correctionOf === claim.claimId) throw new ValidationError('correction.of names this claim itself: a correction has its own claimId', { field: 'correction.of' });
    const original = await claimsOut.getClaim(store, practice.practiceId, claim.correctionOf);
    if (!original) throw new ValidationError(`correction.of: claim ${claim.correctionOf} not found`, { field: 'correction.of' });
    // A replacement of a secondary claim would go out without the primary's adjudication (2320/2430).
    if (original.secondaryOf) {
      throw new ValidationError(`correction.of: claim ${claim.correctionOf} is a secondary claim; corrections of secondary claims are not written`, { field: 'correction.of' });
    }
    const control = claim.payerClaimControlNumber ?? (await payerControlNumberOf(store, practice.practiceId, original, claimsOut));
    if (!control) {
      throw new ValidationError(`correction.of: claim ${claim.correctionOf} has no payer claim control number yet (from its 835 or 277CA); give correction.payerClaimControlNumber`, {
        field: 'correction.payerClaimControlNumber',
      });
    }
    prepared = { ...claim, payerClaimControlNumber: control };
  }
  const { problems } = await evaluateClaim(store, practice, prepared, claimsOut);
  const state = problems.length === 0 ? 'ready' : 'draft';
  return { ...prepared, state, status: state, problems };
};

// Secondary claims ------------------------------------------------------------------------------

/** The fields that make a secondary claim what it is: the same request again answers the claim it made. */
const sameSecondary = (a: Claim, b: Claim) =>
  a.secondaryOf === b.secondaryOf && a.clientId === b.clientId && (a.priorAuthorization ?? null) === (b.priorAuthorization ?? null) && (a.referralNumber ?? null) === (b.referralNumber ?? null);

/**
 * POST /practices/{p}/claims with `secondaryOf`: the claim to the client's secondary payer for a
 * visit whose primary claim its payer adjudicated as primary (CLP02 1). It copies the primary's
 * lines, diagnoses, dates, place of service and rendering provider; it is then draft or ready like
 * any claim (`secondaryOf` names what keeps it from the 837P). One secondary per primary: the same
 * request again → 200 with the claim; another secondary claim for that primary → 409
 * `secondary_exists`.
 */
export const createSecondaryClaim = async (
  store: Store,
  practiceId: string,
  body: Record<string, unknown>,
  now = new Date(),
  claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE,
): Promise<{ created: boolean; claim: Claim }> => {
  const practice = await requirePractice(store, practiceId, claimsOut);
  const parsed = parseBody(secondaryClaimBody, body);
  const primary = await claimsOut.getClaim(store, practiceId, parsed.secondaryOf);
  if (!primary) throw new NotFoundError('claim', `secondaryOf names claim ${parsed.secondaryOf}, which this practice does not have`);
  const existing = await claimsOut.getClaim(store, practiceId, parsed.claimId);
  if (existing) {
    const asked = {
      ...existing,
      secondaryOf: parsed.secondaryOf,
      clientId: parsed.clientId ?? primary.clientId,
      priorAuthorization: parsed.priorAuthorization ?? null,
      referralNumber: parsed.referralNumber ?? null,
    };
    if (existing.secondaryOf && sameSecondary(existing, asked)) return { created: false, claim: existing };
    throw new ConflictError(`claim ${parsed.claimId} already exists with other content`, 'claim_exists');
  }
  if (primary.secondaryOf)
    throw new ConflictError(`secondaryOf: claim ${primary.claimId} is itself a secondary claim (tertiary claims are not written)`, 'not_a_primary_claim', { field: 'secondaryOf' });
  if (!primary.payerId) {
    throw new ConflictError(`secondaryOf: claim ${primary.claimId} was registered without a payer (billed outside kneadpay): its secondary claim cannot be written here`, 'not_a_primary_claim', {
      field: 'secondaryOf',
    });
  }
  if (primary.secondaryClaimId) {
    throw new ConflictError(`secondaryOf: claim ${primary.claimId} already has its secondary claim ${primary.secondaryClaimId}`, 'secondary_exists', {
      field: 'secondaryOf',
      claimId: primary.secondaryClaimId,
    });
  }
  if (parsed.clientId !== undefined && parsed.clientId !== primary.clientId) {
    throw new ValidationError(`clientId: the primary claim ${primary.claimId} is another client's; leave clientId out or send the primary's`, { field: 'clientId' });
  }
  const coverage = await claimsOut.getCoverage(store, practiceId, primary.clientId);
  if (!coverage?.secondary) {
    throw new ConflictError("coverage.secondary: the client's coverage has no secondary plan; save it first (PUT …/coverage with secondary: {payerId, memberId, relationship})", 'no_secondary_plan', {
      field: 'coverage.secondary',
    });
  }
  if (parsed.payerId !== undefined && parsed.payerId !== coverage.secondary.payerId) {
    throw new ValidationError(`payerId: the client's secondary plan is with payer ${coverage.secondary.payerId}, not ${parsed.payerId}`, { field: 'payerId' });
  }
  const picked = primaryAdjudicationOf(await claimsOut.listAdjudications(store, practiceId, primary.claimId));
  if ('problem' in picked) throw new ConflictError(`secondaryOf: ${picked.problem}`, 'primary_not_adjudicated', { field: 'secondaryOf' });
  const claim: Claim = {
    claimId: parsed.claimId,
    practiceId,
    clientId: primary.clientId,
    payerName: null,
    dateOfService: primary.dateOfService,
    placeOfService: primary.placeOfService,
    diagnosisCodes: primary.diagnosisCodes,
    lines: primary.lines,
    unitMethod: primary.unitMethod,
    chargeCents: primary.chargeCents,
    currency: primary.currency,
    // What the client paid at the visit is on the primary claim (and its ledger), not again here.
    collectedCents: 0,
    status: 'draft',
    patientResponsibilityCents: 0,
    invoicedCents: 0,
    adjudicationCount: 0,
    createdAt: now.toISOString(),
    state: 'draft',
    payerId: coverage.secondary.payerId,
    renderingProvider: primary.renderingProvider ?? null,
    priorAuthorization: parsed.priorAuthorization ?? null,
    referralNumber: parsed.referralNumber ?? null,
    frequencyCode: '1',
    correctionOf: null,
    payerClaimControlNumber: null,
    secondaryOf: primary.claimId,
    problems: [],
    batchId: null,
    acknowledgement: null,
  };
  const prepared = await prepareClaimOut(store, practice, claim, claimsOut);
  if (await claimsOut.insertSecondaryClaim(store, prepared, primary.claimId)) return { created: true, claim: prepared };
  // Another request got there first: the same claim (200), or another secondary of that primary (409).
  const raced = await claimsOut.getClaim(store, practiceId, parsed.claimId);
  if (raced?.secondaryOf && sameSecondary(raced, prepared)) return { created: false, claim: raced };
  if (raced) throw new ConflictError(`claim ${parsed.claimId} already exists with other content`, 'claim_exists');
  const now2 = await claimsOut.getClaim(store, practiceId, primary.claimId);
  throw new ConflictError(`secondaryOf: claim ${primary.claimId} already has its secondary claim ${now2?.secondaryClaimId ?? ''}`.trim(), 'secondary_exists', { field: 'secondaryOf' });
};

// Batches ---------------------------------------------------------------------------------------

export interface BatchAnswer {
  batchId: string;
  interchangeControlNumber: string;
  claims: string[];
  refused: { claimId: string; problems: ClaimProblem[] }[];
}

const answerOf = (batch: ClaimBatch): BatchAnswer => ({
  batchId: batch.batchId,
  interchangeControlNumber: batch.interchangeControlNumber,
  claims: batch.claims,
  refused: batch.refused,
});

const readClaimIds = (body: Record<string, unknown>): string[] | undefined => {
  return parseBody(claimBatchBody, body).claimIds;
};

const submitterOf = (practice: Practice) => ({
  name: practice.name,
  id: practice.clearinghouse?.submitterId ?? practice.npi ?? practice.practiceId.replace(/[^A-Za-z0-9]/g, '').slice(0, 15),
  contactName: practice.name,
  phone: practice.phone,
  email: practice.email,
});

/**
 * POST /practices/{p}/claim-batches. Each claim asked for (or every draft/ready claim with a
 * payer) is validated again now; the valid ones go into one 837P with the practice's next
 * interchange control number, the others come back in `refused` with what to fix. The counter, the
 * batch and every claim's move to `submitted` commit in one transaction, conditioned on the counter
 * still holding the number read and on each claim still being batchable: two requests at once
 * never share a number or a claim. The same request again answers the batch it made (200).
 */
export const createBatch = async (
  store: Store,
  practiceId: string,
  body: Record<string, unknown>,
  now = new Date(),
  claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE,
): Promise<{ created: boolean; batch: BatchAnswer }> => {
  const practice = await requirePractice(store, practiceId, claimsOut);
  const claimIds = readClaimIds(body);
  const requestKey = claimIds
    ? `ids:${createHash('sha256')
        .update([...claimIds].sort().join(','))
        .digest('hex')
        .slice(0, 32)}`
    : 'ready';
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const candidates: { claimId: string; claim?: Claim }[] = claimIds
      ? await Promise.all(claimIds.map(async (claimId) => ({ claimId, claim: await claimsOut.getClaim(store, practiceId, claimId) })))
      : (await claimsOut.claimsInStates(store, practiceId, ['draft', 'ready']))
          .filter((c) => c.payerId)
          .sort((a, b) => a.claimId.localeCompare(b.claimId))
          .map((claim) => ({ claimId: claim.claimId, claim }));
    // The same explicit request again: every claim already sits in the batch that request made.
    if (claimIds) {
      const batchIds = new Set(candidates.map((c) => c.claim?.batchId ?? null));
      const [only] = [...batchIds];
      if (batchIds.size === 1 && only && candidates.every((c) => c.claim && c.claim.state !== undefined && !BATCHABLE.includes(c.claim.state as never))) {
        const previous = await claimsOut.getBatch(store, practiceId, only);
        if (previous && previous.requestKey === requestKey) return { created: false, batch: answerOf(previous) };
      }
    }
    const refused: BatchAnswer['refused'] = [];
    const included: { claim: Claim; claim837: Claim837 }[] = [];
    let billingProvider: ReturnType<typeof validateClaim>['billingProvider'];
    for (const { claimId, claim } of candidates) {
      if (!claim) {
        refused.push({ claimId, problems: [{ field: 'claimId', message: `claim ${claimId} not found` }] });
        continue;
      }
      if (!claim.payerId) {
        refused.push({ claimId, problems: [{ field: 'payerId', message: 'the claim was registered without a payer (sent outside kneadpay); register it with payerId to bill it here' }] });
        continue;
      }
      if (!BATCHABLE.includes((claim.state ?? 'submitted') as never)) {
        refused.push({
          claimId,
          problems: [{ field: 'state', message: `the claim is ${claim.state}${claim.batchId ? ` in batch ${claim.batchId}` : ''}: only draft, ready or rejected claims are batched` }],
        });
        continue;
      }
      const verdict = await evaluateClaim(store, practice, claim, claimsOut);
      if (verdict.problems.length > 0) {
        refused.push({ claimId, problems: verdict.problems });
        if (claim.state !== 'rejected') await claimsOut.setClaimReadiness(store, practiceId, claimId, 'draft', verdict.problems, ['draft', 'ready']);
        continue;
      }
      if (included.length >= MAX_BATCH_CLAIMS) continue; // left ready for the next batch
      billingProvider = verdict.billingProvider;
      included.push({ claim, claim837: verdict.claim837! });
    }
    if (included.length === 0) {
      if (!claimIds) {
        const latest = await claimsOut.latestBatch(store, practiceId);
        if (latest && latest.requestKey === 'ready') return { created: false, batch: answerOf(latest) };
      }
      throw new ConflictError('no claim can go into an 837P batch: every claim asked for was refused or none is ready', 'nothing_to_batch', { refused });
    }
    const last = await claimsOut.readControlCounter(store, practiceId);
    const controlNumber = last + 1;
    if (controlNumber > 999_999_999) throw new ConflictError('the interchange control numbers of this practice are used up (ISA13 has 9 digits)', 'control_numbers_exhausted');
    const batchId = claimsOut.batchIdFor(controlNumber);
    const x12 = build837P({
      interchangeControlNumber: controlNumber,
      createdAt: now,
      usage: practice.clearinghouse?.usage ?? 'P',
      submitter: submitterOf(practice),
      receiver: { name: practice.clearinghouse?.name ?? 'CLEARINGHOUSE', id: practice.clearinghouse?.receiverId ?? 'CLEARINGHOUSE' },
      billingProvider: billingProvider!,
      reference: batchId,
      claims: included.map((i) => i.claim837),
    });
    const batch: ClaimBatch = {
      practiceId,
      batchId,
      interchangeControlNumber: String(controlNumber).padStart(9, '0'),
      claims: included.map((i) => i.claim.claimId),
      refused,
      requestKey,
      createdAt: now.toISOString(),
      x12,
    };
    if (
      await claimsOut.recordBatchSubmitted(
        store,
        batch,
        last,
        included.map(({ claim }) => claim),
        now,
      )
    )
      return { created: true, batch: answerOf(batch) };
    // Another batch took the number or a claim first: read again and decide again.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * (attempt + 1)));
  }
  throw new RetryableError('claims kept changing while the batch was being made; retry');
};

export const batchOrNotFound = async (store: Store, practiceId: string, batchId: string, claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE): Promise<ClaimBatch> => {
  const batch = await claimsOut.getBatch(store, practiceId, batchId);
  if (!batch) throw new NotFoundError('claim batch');
  return batch;
};

/** The JSON summary of a batch (the file itself only with Accept: application/edi-x12). */
export const batchSummary = (batch: ClaimBatch) => ({
  ...answerOf(batch),
  createdAt: batch.createdAt,
  implementationGuide: '005010X222A1',
  bytes: Buffer.byteLength(batch.x12),
});

// Acknowledgements ------------------------------------------------------------------------------

export interface AckAnswer {
  kind: '999' | '277CA';
  accepted: string[];
  rejected: { claimId: string; reason: string }[];
  /** Claims (or groups) the acknowledgement names that this practice does not have. */
  unmatched: string[];
}

/**
 * A 999's CTX*CLM01 names a claim by its CLM01, which is the claim id except on a secondary claim
 * (its primary's id): the errors are filed under the batch's claim ids before they are given out.
 */
const byClaimId = async (store: Store, practiceId: string, group: Ack999Group, claimIds: readonly string[], claimsOut: ClaimsOutPort): Promise<Ack999Group> => {
  const set = group.sets[0];
  if (!set?.claimErrors || Object.keys(set.claimErrors).length === 0) return group;
  const claims = await Promise.all(claimIds.map((claimId) => claimsOut.getClaim(store, practiceId, claimId)));
  const claimIdOf = new Map(claims.flatMap((claim) => (claim?.secondaryOf ? [[claim.secondaryOf, claim.claimId] as const] : [])));
  if (claimIdOf.size === 0) return group;
  const claimErrors = Object.fromEntries(Object.entries(set.claimErrors!).map(([clm01, errors]) => [claimIdOf.get(clm01) ?? clm01, errors]));
  return { ...group, sets: [{ ...set, claimErrors }, ...group.sets.slice(1)] };
};

/** A batch id as `batchIdFor` makes it (B and the 9-digit interchange control number). */
const BATCH_ID = /^B\d{9}$/;
/** GS01 of kneadpay's 837P groups, and so AK101 of a 999 about them. */
const FUNCTIONAL_ID_837 = 'HC';

/**
 * POST /practices/{p}/acknowledgements: a 999 moves every claim of the batch it acknowledges
 * (AK1-01 HC and AK1-02 = the batch's GS06) to accepted (IK5 A/E) or rejected (R, with the IK3/IK4 errors); a
 * 277CA moves each claim its TRN*2 names (accepted on A2/A5, rejected on A3/A4/A6/A7/A8 or an STC03
 * action code U, with the STC codes), keeping REF*1K for corrections, and rejects every claim of a
 * batch its receiver (2200B) or billing provider (2200C) level rejects. Claims an 835 already decided keep their state.
 */
export const applyAcknowledgement = async (store: Store, practiceId: string, text: string, now = new Date(), claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE): Promise<AckAnswer> => {
  await requirePractice(store, practiceId, claimsOut);
  let parsed;
  try {
    parsed = parseAcknowledgement(text);
  } catch (error) {
    if (error instanceof X12ReadError) throw new ValidationError(error.message, { field: `segment ${error.segmentNumber} (${error.segmentId})` });
    throw error;
  }
  const answer: AckAnswer = { kind: parsed.kind, accepted: [], rejected: [], unmatched: [] };
  const at = now.toISOString();
  if (parsed.kind === '999') {
    for (const group of parsed.groups) {
      // AK101 names the kind of group acknowledged: kneadpay sends 837 groups (HC) only; another
      // kind carrying a batch's control number is someone else's group.
      if (group.functionalId !== FUNCTIONAL_ID_837) {
        answer.unmatched.push(`group ${group.groupControlNumber} (${group.functionalId || 'no AK101'})`);
        continue;
      }
      const number = Number(group.groupControlNumber);
      const batch = Number.isSafeInteger(number) && number > 0 ? await claimsOut.getBatch(store, practiceId, claimsOut.batchIdFor(number)) : undefined;
      if (!batch) {
        answer.unmatched.push(`group ${group.groupControlNumber}`);
        continue;
      }
      const { verdict, accepted } = decide999(group);
      const attributed = accepted ? group : await byClaimId(store, practiceId, group, batch.claims, claimsOut);
      for (const claimId of batch.claims) {
        // The whole set is rejected; each claim is given the errors the 999 puts in it (CTX*CLM01).
        const reason = accepted ? null : rejection999(attributed, claimId, batch.claims);
        await claimsOut.recordAcknowledgement(store, practiceId, claimId, accepted ? 'accepted' : 'rejected', { kind: '999', verdict, reason, payerClaimControlNumber: null, at });
        if (accepted) answer.accepted.push(claimId);
        else answer.rejected.push({ claimId, reason: reason! });
      }
    }
    return answer;
  }
  // A receiver (2200B) or billing provider (2200C) level that rejects rejects every claim of the 837P
  // beneath it; the 277CA then lists no 2000D loop for them, so they are found through the batch
  // (2200B TRN02 echoes the 837's BHT03, the batch id). kneadpay writes one billing provider a batch.
  const decided = new Set<string>();
  for (const level of parsed.batches) {
    const rejection = batchRejection(level);
    if (!rejection) continue;
    const batch = BATCH_ID.test(level.batchReference) ? await claimsOut.getBatch(store, practiceId, level.batchReference) : undefined;
    if (!batch) {
      answer.unmatched.push(`batch ${level.batchReference || '(no 2200B TRN02)'}`);
      continue;
    }
    for (const claimId of batch.claims) {
      const stored = await claimsOut.getClaim(store, practiceId, claimId);
      // A claim batched again since (fixed after an earlier rejection) waits on its new batch's answer.
      if (!stored || (stored.batchId && stored.batchId !== batch.batchId)) continue;
      await claimsOut.recordAcknowledgement(store, practiceId, claimId, 'rejected', { kind: '277CA', verdict: 'rejected', reason: rejection, payerClaimControlNumber: null, at });
      answer.rejected.push({ claimId, reason: rejection });
      decided.add(claimId);
    }
  }
  const batches = new Map<string, Promise<ClaimBatch | undefined>>();
  const batchNamed = (reference: string | null) => {
    if (!reference || !BATCH_ID.test(reference)) return Promise.resolve(undefined);
    if (!batches.has(reference)) batches.set(reference, claimsOut.getBatch(store, practiceId, reference));
    return batches.get(reference)!;
  };
  for (const claim of parsed.claims) {
    if (decided.has(claim.patientControlNumber)) continue;
    // A control number no claim of ours can have (too long for a key, other characters) is not ours.
    let stored = CLAIM_ID.test(claim.patientControlNumber) ? await claimsOut.getClaim(store, practiceId, claim.patientControlNumber) : undefined;
    if (!stored) {
      answer.unmatched.push(claim.patientControlNumber);
      continue;
    }
    // A secondary claim's CLM01 is its primary's claim id: the batch that carried the CLM01 (2200B
    // TRN02 = the 837's BHT03, kneadpay's batch id) says which of the two the 277CA is about.
    const carrier = stored.secondaryClaimId ? await batchNamed(claim.batchReference) : undefined;
    if (carrier && !carrier.claims.includes(stored.claimId) && carrier.claims.includes(stored.secondaryClaimId!)) {
      const secondary = await claimsOut.getClaim(store, practiceId, stored.secondaryClaimId!);
      if (secondary) stored = secondary;
    } else if (!carrier?.claims.includes(stored.claimId) && stored.secondaryClaimId && !ACKNOWLEDGEABLE.includes(stored.state as never)) {
      // No batch of ours carried it (no 2200B TRN02, or another's): as before, once the primary is
      // past its acknowledgements (the secondary exists only after its 835), a 277CA naming the
      // CLM01 is about the secondary claim while that one waits for its own.
      const secondary = await claimsOut.getClaim(store, practiceId, stored.secondaryClaimId);
      if (secondary && ACKNOWLEDGEABLE.includes(secondary.state as never)) stored = secondary;
    }
    // Its batch's rejected level (2200B/2200C) has decided it already, under the claim's own id.
    if (decided.has(stored.claimId)) continue;
    // A1 (received) and A2 (accepted into adjudication) both acknowledge the claim: accepted.
    const to = claim.verdict === 'rejected' ? 'rejected' : 'accepted';
    await claimsOut.recordAcknowledgement(store, practiceId, stored.claimId, to, {
      kind: '277CA',
      verdict: to,
      reason: to === 'rejected' ? claim.reason : null,
      payerClaimControlNumber: claim.payerClaimControlNumber,
      at,
    });
    if (to === 'accepted') answer.accepted.push(stored.claimId);
    else answer.rejected.push({ claimId: stored.claimId, reason: claim.reason });
  }
  return answer;
};
