import { createHash } from 'node:crypto';
import { BATCHABLE } from '../domain/claim-state';
import { CLAIM_ID, validateClaim, type ClaimProblem } from '../domain/claim-validation';
import { build837P, type Claim837 } from '../domain/x12/837p';
import { batchRejection, decide999, parseAcknowledgement, rejection999 } from '../domain/x12/acknowledgements';
import { X12ReadError } from '../domain/x12/segments';
import { ConflictError, NotFoundError, RetryableError, ValidationError } from '../shared/errors';
import { parseBody } from '../shared/schemas/parse';
import { claimBatchBody, coverageBody, MAX_BATCH_CLAIMS, PAYER_ID, payerBody } from '../shared/schemas/requests';
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
  const parsed = parseBody(
    coverageBody(practiceId, (payerId) => saved !== undefined && payerId === given),
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
    updatedAt: now.toISOString(),
  };
  await claimsOut.putCoverage(store, coverage);
  await recheckOpenClaims(store, practice, (claim) => claim.clientId === clientId, claimsOut);
  return coverage;
};

// Validation and readiness ----------------------------------------------------------------------

/** The claim checked against everything an 837P needs, from what is stored now. */
export const evaluateClaim = async (store: Store, practice: Practice, claim: Claim, claimsOut: ClaimsOutPort = CLAIMS_OUT_STORE) => {
  const [payer, coverage] = await Promise.all([
    claim.payerId ? claimsOut.getPayer(store, practice.practiceId, claim.payerId) : Promise.resolve(undefined),
    claimsOut.getCoverage(store, practice.practiceId, claim.clientId),
  ]);
  return validateClaim(practice, claim, payer, coverage);
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

/** The payer's claim control number of the claim a correction points at (835 CLP07, or 277CA REF*1K). */
const payerControlNumberOf = async (store: Store, practiceId: string, original: Claim, claimsOut: ClaimsOutPort): Promise<string | null> => {
  const adjudications = await claimsOut.listAdjudications(store, practiceId, original.claimId);
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
      for (const claimId of batch.claims) {
        // The whole set is rejected; each claim is given the errors the 999 puts in it (CTX*CLM01).
        const reason = accepted ? null : rejection999(group, claimId, batch.claims);
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
  for (const claim of parsed.claims) {
    if (decided.has(claim.patientControlNumber)) continue;
    // A control number no claim of ours can have (too long for a key, other characters) is not ours.
    const stored = CLAIM_ID.test(claim.patientControlNumber) ? await claimsOut.getClaim(store, practiceId, claim.patientControlNumber) : undefined;
    if (!stored) {
      answer.unmatched.push(claim.patientControlNumber);
      continue;
    }
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
