import { isValidNpi } from './npi';
import type { BillingProvider, Claim837, Relationship, X12Address, X12Person } from './x12/837p';

/** A claim id kneadpay accepts: CLM01 (echoed back in CLP01 and the 277CA's TRN02) is at most 38 characters. */
export const CLAIM_ID = /^[A-Za-z0-9_.-]{1,38}$/;

/**
 * Everything an 837P 005010X222A1 needs from a claim, checked before anything leaves kneadpay.
 * Pure: the caller gathers the practice (billing provider), the claim, its payer and the client's
 * coverage; `validateClaim` answers either the 837P claim or the problems, each naming the field
 * a person must fix (`practice.npi`, `coverage.memberId`, `lines[1].diagnosisPointers[0]`).
 */

export interface ClaimProblem {
  field: string;
  message: string;
}

/** ICD-10-CM: a letter (not U), a digit, an alphanumeric, then up to 4 more after an optional dot. */
export const ICD10_CM = /^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/;
/** NUCC taxonomy: 10 characters, the last an X (225700000X massage therapist). */
export const TAXONOMY = /^[0-9]{3}[0-9A-Z]{6}X$/;
/** CMS place-of-service codes in use (01–99 minus unassigned ones is payer-checked; two digits, not 00). */
const PLACE_OF_SERVICE = /^(0[1-9]|[1-9][0-9])$/;
const STATE = /^[A-Z]{2}$/;
const ZIP5_OR_9 = /^\d{5}(\d{4})?$/;
const PAYER_ID = /^[A-Za-z0-9]{2,80}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface PracticeForClaims {
  name?: string;
  npi?: string;
  taxonomyCode?: string;
  taxId?: string;
  phone?: string;
  email?: string;
  address?: { line1: string; line2?: string; city: string; state: string; postalCode: string; country?: string };
}

export interface ClaimForValidation {
  claimId: string;
  dateOfService: string;
  placeOfService: string;
  diagnosisCodes: string[];
  lines: { procedureCode: string; modifiers: string[]; units: number; chargeCents: number; diagnosisPointers?: number[] }[];
  chargeCents: number;
  payerId?: string | null;
  renderingProvider?: { firstName: string; lastName: string; npi: string } | null;
  priorAuthorization?: string | null;
  referralNumber?: string | null;
  frequencyCode?: '1' | '7' | '8';
  payerClaimControlNumber?: string | null;
}

export interface PayerForValidation {
  name: string;
  payerId: string;
  address?: X12Address | null;
  claimFilingIndicator?: string;
}

export interface CoverageForValidation {
  payerId: string;
  memberId: string;
  groupNumber?: string | null;
  relationship: Relationship;
  subscriber?: X12Person | null;
  patient: X12Person;
}

const digits = (value: string | undefined) => (value ?? '').replace(/\D/g, '');

const checkAddress = (problems: ClaimProblem[], field: string, address: Partial<X12Address> | undefined | null, opts: { zip9?: boolean } = {}) => {
  if (!address) {
    problems.push({ field, message: `${field} is required` });
    return;
  }
  if (!address.line1?.trim()) problems.push({ field: `${field}.line1`, message: `${field}.line1 is required` });
  if (!address.city?.trim()) problems.push({ field: `${field}.city`, message: `${field}.city is required` });
  if (!STATE.test(address.state ?? '')) problems.push({ field: `${field}.state`, message: `${field}.state must be a 2-letter US state code` });
  const zip = digits(address.postalCode);
  if (opts.zip9 ? zip.length !== 9 : !ZIP5_OR_9.test(zip)) {
    problems.push({
      field: `${field}.postalCode`,
      message: opts.zip9 ? `${field}.postalCode must be the 9-digit ZIP+4 (the 837P requires it for the billing provider)` : `${field}.postalCode must be a 5- or 9-digit ZIP`,
    });
  }
};

const checkPerson = (problems: ClaimProblem[], field: string, person: Partial<X12Person> | undefined | null) => {
  if (!person) {
    problems.push({ field, message: `${field} is required` });
    return;
  }
  if (!person.firstName?.trim()) problems.push({ field: `${field}.firstName`, message: `${field}.firstName is required` });
  if (!person.lastName?.trim()) problems.push({ field: `${field}.lastName`, message: `${field}.lastName is required` });
  if (!DATE.test(person.dateOfBirth ?? '')) problems.push({ field: `${field}.dateOfBirth`, message: `${field}.dateOfBirth must be YYYY-MM-DD` });
  if (!['F', 'M', 'U'].includes(person.sex ?? '')) problems.push({ field: `${field}.sex`, message: `${field}.sex must be F, M or U` });
  checkAddress(problems, `${field}.address`, person.address);
};

/** Default pointers when a line gives none: the claim's first diagnoses, up to 4. */
export const defaultPointers = (diagnosisCount: number): number[] => Array.from({ length: Math.min(4, Math.max(1, diagnosisCount)) }, (_, i) => i + 1);

/** Checks the billing provider part of the practice profile (loop 2000A/2010AA). */
export const billingProviderProblems = (practice: PracticeForClaims): ClaimProblem[] => {
  const problems: ClaimProblem[] = [];
  if (!practice.name?.trim()) problems.push({ field: 'practice.name', message: 'practice.name is required (billing provider name)' });
  if (!practice.npi) problems.push({ field: 'practice.npi', message: 'practice.npi is required (billing provider NPI)' });
  else if (!isValidNpi(practice.npi)) problems.push({ field: 'practice.npi', message: 'practice.npi fails its check digit' });
  if (!practice.taxonomyCode) problems.push({ field: 'practice.taxonomyCode', message: 'practice.taxonomyCode is required (e.g. 225700000X for a massage therapist)' });
  else if (!TAXONOMY.test(practice.taxonomyCode)) problems.push({ field: 'practice.taxonomyCode', message: 'practice.taxonomyCode is not a NUCC taxonomy code (10 characters ending in X)' });
  if (digits(practice.taxId).length !== 9) problems.push({ field: 'practice.taxId', message: 'practice.taxId is required: the 9-digit EIN (REF*EI)' });
  checkAddress(problems, 'practice.address', practice.address, { zip9: true });
  return problems;
};

/**
 * Every problem that keeps the claim out of an 837P, or the claim ready to write. `payer` and
 * `coverage` may be missing (not saved yet): that is a problem naming `payerId` / `coverage`.
 */
export const validateClaim = (
  practice: PracticeForClaims,
  claim: ClaimForValidation,
  payer: PayerForValidation | undefined,
  coverage: CoverageForValidation | undefined,
): { problems: ClaimProblem[]; claim837?: Claim837; billingProvider?: BillingProvider } => {
  const problems = billingProviderProblems(practice);
  // 837P CLM01 note: receivers need keep only 20 characters, and the 835 echoes what they kept.
  if (claim.claimId.length > 20) problems.push({ field: 'claimId', message: 'claimId is longer than 20 characters: payers keep only 20 of CLM01, so their 835 would not match the claim' });
  if (!claim.payerId) problems.push({ field: 'payerId', message: 'payerId is required: the saved payer this claim is billed to' });
  else if (!PAYER_ID.test(claim.payerId)) problems.push({ field: 'payerId', message: 'payerId must be 2–80 letters or digits (the clearinghouse payer id)' });
  else if (!payer) problems.push({ field: 'payerId', message: `payer ${claim.payerId} is not saved: save the payer first (its name and address)` });
  if (!coverage) problems.push({ field: 'coverage', message: "the client has no coverage: save the client's insurance (member ID and the patient's details)" });
  else {
    if (claim.payerId && coverage.payerId !== claim.payerId)
      problems.push({ field: 'coverage.payerId', message: `the client's coverage is with payer ${coverage.payerId}, the claim is billed to ${claim.payerId}` });
    if (!coverage.memberId?.trim()) problems.push({ field: 'coverage.memberId', message: 'coverage.memberId is required' });
    checkPerson(problems, 'coverage.patient', coverage.patient);
    if (coverage.relationship !== 'self') checkPerson(problems, 'coverage.subscriber', coverage.subscriber);
  }
  if (!claim.renderingProvider) problems.push({ field: 'renderingProvider', message: 'renderingProvider {firstName, lastName, npi} is required' });
  else {
    if (!claim.renderingProvider.firstName?.trim()) problems.push({ field: 'renderingProvider.firstName', message: 'renderingProvider.firstName is required' });
    if (!claim.renderingProvider.lastName?.trim()) problems.push({ field: 'renderingProvider.lastName', message: 'renderingProvider.lastName is required' });
    if (!isValidNpi(claim.renderingProvider.npi ?? '')) problems.push({ field: 'renderingProvider.npi', message: 'renderingProvider.npi is not a valid NPI (10 digits, check digit)' });
  }
  if (!PLACE_OF_SERVICE.test(claim.placeOfService ?? '')) problems.push({ field: 'placeOfService', message: 'placeOfService must be a 2-digit CMS place of service (e.g. 11 office)' });
  const dx = claim.diagnosisCodes ?? [];
  if (dx.length < 1 || dx.length > 12) problems.push({ field: 'diagnosisCodes', message: `diagnosisCodes must hold 1 to 12 ICD-10-CM codes, not ${dx.length}` });
  dx.forEach((code, i) => {
    if (!ICD10_CM.test(code.toUpperCase())) problems.push({ field: `diagnosisCodes[${i}]`, message: `diagnosisCodes[${i}] "${code}" is not an ICD-10-CM code` });
  });
  if (new Set(dx.map((code) => code.replace('.', '').toUpperCase())).size !== dx.length) problems.push({ field: 'diagnosisCodes', message: 'diagnosisCodes holds the same code twice' });
  const billed = claim.lines.map((line, index) => ({ line, index })).filter(({ line }) => line.units > 0 || line.chargeCents > 0);
  if (billed.length === 0) problems.push({ field: 'lines', message: 'the claim has no billed line' });
  if (billed.length > 50) problems.push({ field: 'lines', message: 'an 837P claim carries at most 50 service lines' });
  for (const { line, index } of billed) {
    if (!(line.units > 0)) problems.push({ field: `lines[${index}].units`, message: `lines[${index}].units must be more than 0` });
    if (!(line.chargeCents > 0)) problems.push({ field: `lines[${index}].chargeCents`, message: `lines[${index}].chargeCents must be more than 0` });
    const pointers = line.diagnosisPointers ?? defaultPointers(dx.length);
    if (pointers.length < 1 || pointers.length > 4) problems.push({ field: `lines[${index}].diagnosisPointers`, message: `lines[${index}].diagnosisPointers must hold 1 to 4 pointers` });
    pointers.forEach((pointer, p) => {
      if (!Number.isInteger(pointer) || pointer < 1 || pointer > dx.length) {
        problems.push({ field: `lines[${index}].diagnosisPointers[${p}]`, message: `lines[${index}].diagnosisPointers[${p}] must point at one of the ${dx.length} diagnoses (1–${dx.length})` });
      }
    });
    if (new Set(pointers).size !== pointers.length) problems.push({ field: `lines[${index}].diagnosisPointers`, message: `lines[${index}].diagnosisPointers repeats a pointer` });
  }
  const total = billed.reduce((sum, { line }) => sum + line.chargeCents, 0);
  if (total !== claim.chargeCents) problems.push({ field: 'chargeCents', message: `the claim total ${claim.chargeCents} is not the sum of its lines ${total}` });
  const frequency = claim.frequencyCode ?? '1';
  if (frequency !== '1' && !claim.payerClaimControlNumber) {
    problems.push({ field: 'payerClaimControlNumber', message: "a replacement or void claim needs the payer's claim control number (from the 835's CLP07)" });
  }
  if (problems.length > 0 || !payer || !coverage || !claim.renderingProvider) return { problems };
  const address = practice.address!;
  return {
    problems,
    billingProvider: {
      name: practice.name!,
      npi: practice.npi!,
      taxonomyCode: practice.taxonomyCode!,
      ein: digits(practice.taxId),
      address: { line1: address.line1, line2: address.line2, city: address.city, state: address.state, postalCode: address.postalCode },
      phone: practice.phone,
      email: practice.email,
    },
    claim837: {
      claimId: claim.claimId,
      chargeCents: claim.chargeCents,
      placeOfService: claim.placeOfService,
      frequencyCode: frequency,
      payerClaimControlNumber: claim.payerClaimControlNumber ?? null,
      priorAuthorization: claim.priorAuthorization ?? null,
      referralNumber: claim.referralNumber ?? null,
      diagnosisCodes: dx.map((code) => code.toUpperCase()),
      dateOfService: claim.dateOfService,
      lines: billed.map(({ line }) => ({
        procedureCode: line.procedureCode,
        modifiers: line.modifiers,
        units: line.units,
        chargeCents: line.chargeCents,
        diagnosisPointers: line.diagnosisPointers ?? defaultPointers(dx.length),
      })),
      renderingProvider: claim.renderingProvider,
      payer: { name: payer.name, payerId: payer.payerId, address: payer.address ?? null },
      coverage: {
        memberId: coverage.memberId,
        groupNumber: coverage.groupNumber ?? null,
        relationship: coverage.relationship,
        claimFilingIndicator: payer.claimFilingIndicator ?? 'CI',
        subscriber: coverage.relationship === 'self' ? null : (coverage.subscriber ?? null),
        patient: coverage.patient,
      },
    },
  };
};
