import { amount, clean, composite, d8, segment, stamp, WRITE_DELIMITERS } from './segments';

/**
 * The 837P (Health Care Claim: Professional, ASC X12 005010X222A1) builder: pure, from data that
 * `claim-validation.ts` has already checked. One interchange, one functional group, one
 * transaction set per batch; the interchange control number is the group control number too, so
 * a 999 (which names GS06) leads back to its batch.
 *
 * Loops written (IG names): 1000A submitter, 1000B receiver, 2000A billing provider (PRV) with
 * 2010AA; per claim 2000B subscriber with 2010BA and 2010BB payer, 2000C/2010CA patient when the
 * patient is not the subscriber, 2300 claim (CLM, REF*9F/G1/F8, HI), 2310B rendering provider when
 * it is not the billing provider, 2400 lines (LX, SV1, DTP*472). A secondary claim (coordination of
 * benefits) also carries, per payer that adjudicated before, 2320 other subscriber information (SBR,
 * CAS, AMT*D, OI) with 2330A other subscriber and 2330B other payer, and per line 2430 line
 * adjudication (SVD, CAS, DTP*573); its 2000B SBR01 says S.
 */

export const IMPLEMENTATION_GUIDE_837P = '005010X222A1';

export interface X12Address {
  line1: string;
  line2?: string;
  city: string;
  state: string;
  postalCode: string;
}

export interface X12Person {
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  sex: 'F' | 'M' | 'U';
  address: X12Address;
}

export type Relationship = 'self' | 'spouse' | 'child' | 'other';

/** SBR02 / PAT01 individual relationship codes (18 self, 01 spouse, 19 child, G8 other). */
export const RELATIONSHIP_CODES: Record<Relationship, string> = { self: '18', spouse: '01', child: '19', other: 'G8' };

export interface BillingProvider {
  /** Organization name (NM1*85 entity type 2). */
  name: string;
  npi: string;
  taxonomyCode: string;
  /** EIN, 9 digits (REF*EI). */
  ein: string;
  address: X12Address;
  phone?: string;
  email?: string;
}

export interface ClaimLine837 {
  procedureCode: string;
  modifiers: string[];
  units: number;
  chargeCents: number;
  /** 1-based diagnosis pointers into the claim's diagnoses, 1 to 4 of them. */
  diagnosisPointers: number[];
}

/** One CAS adjustment (group CO/PR/OA/PI/CR, CARC reason, amount) as the other payer's 835 gave it. */
export interface Adjustment837 {
  group: string;
  reason: string;
  amountCents: number;
}

/** 2430: how the other payer adjudicated one service line (from its 835 SVC). */
export interface OtherPayerLine837 {
  /** SVD02 the line's paid amount (SVC03). */
  paidCents: number;
  /** SVD03 as adjudicated (SVC01's code) with the billed line's modifiers. */
  procedureCode: string;
  modifiers: string[];
  /** SVD05 paid units (SVC05). */
  paidUnits: number;
  /** Line CAS: SV102 − Σ these = SVD02. */
  adjustments: Adjustment837[];
  /** DTP*573 the date the payer adjudicated the line (the 835's payment date), YYYY-MM-DD. */
  adjudicatedOn: string;
}

/** 2320/2330A/2330B: a payer that adjudicated the claim before this one (the primary, for a secondary claim). */
export interface OtherPayer837 {
  /** 2320 SBR01: that payer's place (P primary). */
  sequence: 'P' | 'S' | 'T';
  /** 2320 SBR02: the patient's relationship to that plan's subscriber. */
  relationship: Relationship;
  groupNumber?: string | null;
  /** 2320 SBR09. */
  claimFilingIndicator: string;
  /** 2330A NM109 the member id with that payer, and its subscriber's name. */
  memberId: string;
  /** 2330A: the other plan's subscriber; N3/N4 (situational) when the address is known. */
  subscriber: { firstName: string; lastName: string; address?: X12Address | null };
  /** 2330B NM1*PR: name and payer id (also SVD01). */
  payer: { name: string; payerId: string };
  /** 2320 AMT*D: what that payer paid on the claim (CLP04). */
  paidCents: number;
  /** 2320 CAS: that payer's claim-level adjustments. */
  claimAdjustments: Adjustment837[];
  /** 2430 per line of the claim, in the claim's line order. */
  lines: OtherPayerLine837[];
}

export interface Claim837 {
  /** The claim's id in kneadpay; CLM01 unless `patientControlNumber` says otherwise. */
  claimId: string;
  /**
   * CLM01, the patient control number (the 835 echoes it in CLP01), when it is not `claimId`: a
   * secondary claim carries its primary claim's, so the secondary payer's 835 comes back to the
   * visit's claim, where coordination of benefits decides the patient's share.
   */
  patientControlNumber?: string;
  /** 2000B SBR01: P primary (default), S secondary. */
  payerSequence?: 'P' | 'S';
  /** 2320 loops: the payers that adjudicated before this one (required on a secondary claim). */
  otherPayers?: OtherPayer837[];
  chargeCents: number;
  placeOfService: string;
  /** 1 original, 7 replacement, 8 void. */
  frequencyCode: '1' | '7' | '8';
  payerClaimControlNumber?: string | null;
  priorAuthorization?: string | null;
  referralNumber?: string | null;
  /** ICD-10-CM, with or without the dot; the first is the principal diagnosis. */
  diagnosisCodes: string[];
  dateOfService: string;
  lines: ClaimLine837[];
  renderingProvider?: { firstName: string; lastName: string; npi: string; taxonomyCode?: string } | null;
  payer: { name: string; payerId: string; address?: X12Address | null };
  coverage: {
    memberId: string;
    groupNumber?: string | null;
    relationship: Relationship;
    /** SBR09, e.g. CI commercial. */
    claimFilingIndicator: string;
    /** Absent when relationship is self: the patient is the subscriber. */
    subscriber?: X12Person | null;
    patient: X12Person;
  };
}

export interface Batch837 {
  interchangeControlNumber: number;
  createdAt: Date;
  usage: 'P' | 'T';
  submitter: { name: string; id: string; contactName: string; phone?: string; email?: string };
  receiver: { name: string; id: string };
  billingProvider: BillingProvider;
  /** BHT03, the batch reference (a 277CA's 2200B TRN02 echoes it). */
  reference: string;
  claims: Claim837[];
}

const pad = (value: string, width: number) => value.slice(0, width).padEnd(width, ' ');
const digits = (value: string) => value.replace(/\D/g, '');
/** N403: 5 or 9 digits. */
const zip = (postalCode: string) => digits(postalCode).slice(0, 9);
const phoneDigits = (phone: string) => {
  const d = digits(phone);
  return d.length === 11 && d.startsWith('1') ? d.slice(1) : d;
};

const addressSegments = (address: X12Address): string[] => [
  segment(['N3', clean(address.line1, 55), clean(address.line2, 55)]),
  segment(['N4', clean(address.city, 30), clean(address.state, 2), zip(address.postalCode)]),
];

/**
 * 2010BA: the subscriber's N3, N4 and DMG are "Required when the patient is the subscriber or
 * considered to be the subscriber. If not required by this implementation guide, do not send."
 * (005010X222A1; X12 RFI 2281): a dependent's claim names the subscriber only, the patient's
 * address and demographics go in 2010CA.
 */
const subscriberSegments = (person: X12Person, memberId: string, isPatient: boolean): string[] => [
  segment(['NM1', 'IL', '1', clean(person.lastName, 60), clean(person.firstName, 35), '', '', '', 'MI', clean(memberId, 80)]),
  ...(isPatient ? [...addressSegments(person.address), segment(['DMG', 'D8', d8(person.dateOfBirth), person.sex])] : []),
];

/**
 * CAS segments: one per group code (CAS01), up to six reason/amount/quantity triplets each
 * (CAS02–CAS19), in the order the 835 gave them; a seventh adjustment of a group opens another CAS.
 */
export const casSegments = (adjustments: readonly Adjustment837[]): string[] => {
  const groups: { group: string; items: Adjustment837[] }[] = [];
  for (const adjustment of adjustments) {
    const last = groups.findLast((g) => g.group === adjustment.group);
    if (last && last.items.length < 6) last.items.push(adjustment);
    else groups.push({ group: adjustment.group, items: [adjustment] });
  }
  return groups.map(({ group, items }) => segment(['CAS', group, ...items.flatMap((a) => [clean(a.reason, 5), amount(a.amountCents), ''])]));
};

/**
 * 2320 (SBR with SBR01 the other payer's place; CAS its claim-level adjustments; AMT*D what it paid,
 * "required when the claim has been adjudicated by the payer identified in this loop"; OI with
 * OI03 benefits assignment and OI06 release of information, as CLM08/CLM09 say Y), 2330A (the other
 * subscriber NM1*IL with the member id, MI) and 2330B (the other payer NM1*PR with its payer id, PI:
 * SVD01 names it again).
 */
const otherPayerSegments = (other: OtherPayer837): string[] => [
  segment(['SBR', other.sequence, RELATIONSHIP_CODES[other.relationship], clean(other.groupNumber, 50), '', '', '', '', '', other.claimFilingIndicator]),
  ...casSegments(other.claimAdjustments),
  segment(['AMT', 'D', amount(other.paidCents)]),
  segment(['OI', '', '', 'Y', '', '', 'Y']),
  segment(['NM1', 'IL', '1', clean(other.subscriber.lastName, 60), clean(other.subscriber.firstName, 35), '', '', '', 'MI', clean(other.memberId, 80)]),
  ...(other.subscriber.address ? addressSegments(other.subscriber.address) : []),
  segment(['NM1', 'PR', '2', clean(other.payer.name, 60), '', '', '', '', 'PI', clean(other.payer.payerId, 80)]),
];

/** The segments of one claim's 2000B (and 2000C) hierarchy, starting at HL id `firstHl`. */
const claimSegments = (claim: Claim837, billing: BillingProvider, firstHl: number): { segments: string[]; hlUsed: number } => {
  const out: string[] = [];
  const self = claim.coverage.relationship === 'self';
  const subscriber = self ? claim.coverage.patient : claim.coverage.subscriber!;
  const subscriberHl = firstHl;
  out.push(segment(['HL', String(subscriberHl), '1', '22', self ? '0' : '1']));
  out.push(segment(['SBR', claim.payerSequence ?? 'P', self ? RELATIONSHIP_CODES.self : '', clean(claim.coverage.groupNumber, 50), '', '', '', '', '', claim.coverage.claimFilingIndicator]));
  out.push(...subscriberSegments(subscriber, claim.coverage.memberId, self));
  out.push(segment(['NM1', 'PR', '2', clean(claim.payer.name, 60), '', '', '', '', 'PI', clean(claim.payer.payerId, 80)]));
  if (claim.payer.address) out.push(...addressSegments(claim.payer.address));
  let hlUsed = 1;
  if (!self) {
    out.push(segment(['HL', String(subscriberHl + 1), String(subscriberHl), '23', '0']));
    out.push(segment(['PAT', RELATIONSHIP_CODES[claim.coverage.relationship]]));
    const patient = claim.coverage.patient;
    out.push(segment(['NM1', 'QC', '1', clean(patient.lastName, 60), clean(patient.firstName, 35)]));
    out.push(...addressSegments(patient.address));
    out.push(segment(['DMG', 'D8', d8(patient.dateOfBirth), patient.sex]));
    hlUsed = 2;
  }
  // 2300 claim information.
  // CLM01 as the claim id is, case and all (no upper-casing): the 277CA's TRN02 and the 835's CLP01
  // echo it, and kneadpay finds the claim by it. The id's characters (CLAIM_ID) are X12-safe.
  out.push(
    segment([
      'CLM',
      (claim.patientControlNumber ?? claim.claimId).replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 38),
      amount(claim.chargeCents),
      '',
      '',
      composite([claim.placeOfService, 'B', claim.frequencyCode]),
      'Y',
      'A',
      'Y',
      'Y',
    ]),
  );
  if (claim.referralNumber) out.push(segment(['REF', '9F', clean(claim.referralNumber, 50)]));
  if (claim.priorAuthorization) out.push(segment(['REF', 'G1', clean(claim.priorAuthorization, 50)]));
  if (claim.frequencyCode !== '1' && claim.payerClaimControlNumber) out.push(segment(['REF', 'F8', clean(claim.payerClaimControlNumber, 50)]));
  out.push(segment(['HI', ...claim.diagnosisCodes.map((code, i) => composite([i === 0 ? 'ABK' : 'ABF', code.replace('.', '').toUpperCase()]))]));
  // 2310B rendering provider, when a person other than the billing provider rendered the service.
  const rendering = claim.renderingProvider;
  if (rendering && rendering.npi !== billing.npi) {
    out.push(segment(['NM1', '82', '1', clean(rendering.lastName, 60), clean(rendering.firstName, 35), '', '', '', 'XX', rendering.npi]));
    out.push(segment(['PRV', 'PE', 'PXC', rendering.taxonomyCode ?? billing.taxonomyCode]));
  }
  // 2320 other subscriber information, with 2330A and 2330B, per payer that adjudicated before.
  for (const other of claim.otherPayers ?? []) out.push(...otherPayerSegments(other));
  // 2400 service lines, each with 2430 per other payer that adjudicated it.
  claim.lines.forEach((line, i) => {
    out.push(segment(['LX', String(i + 1)]));
    out.push(segment(['SV1', composite(['HC', line.procedureCode, ...line.modifiers]), amount(line.chargeCents), 'UN', String(line.units), '', '', composite(line.diagnosisPointers.map(String))]));
    out.push(segment(['DTP', '472', 'D8', d8(claim.dateOfService)]));
    for (const other of claim.otherPayers ?? []) {
      const adjudicated = other.lines[i];
      if (!adjudicated) continue;
      out.push(
        segment(['SVD', clean(other.payer.payerId, 80), amount(adjudicated.paidCents), composite(['HC', adjudicated.procedureCode, ...adjudicated.modifiers]), '', String(adjudicated.paidUnits)]),
      );
      out.push(...casSegments(adjudicated.adjustments));
      out.push(segment(['DTP', '573', 'D8', d8(adjudicated.adjudicatedOn)]));
    }
  });
  return { segments: out, hlUsed };
};

/** The 837P file for a batch: segments terminated by `~` and a line break, ISA fixed-width. */
export const build837P = (batch: Batch837): string => {
  const d = WRITE_DELIMITERS;
  const when = stamp(batch.createdAt);
  const icn = String(batch.interchangeControlNumber).padStart(9, '0');
  const gcn = String(batch.interchangeControlNumber);
  const stControl = '0001';
  const isa = [
    'ISA',
    '00',
    pad('', 10),
    '00',
    pad('', 10),
    'ZZ',
    pad(clean(batch.submitter.id, 15), 15),
    'ZZ',
    pad(clean(batch.receiver.id, 15), 15),
    when.yymmdd,
    when.hhmm,
    d.repetition,
    '00501',
    icn,
    '1',
    batch.usage,
    d.component,
  ].join(d.element);
  const body: string[] = [];
  body.push(segment(['ST', '837', stControl, IMPLEMENTATION_GUIDE_837P]));
  body.push(segment(['BHT', '0019', '00', clean(batch.reference, 30), when.ccyymmdd, when.hhmm, 'CH']));
  body.push(segment(['NM1', '41', '2', clean(batch.submitter.name, 60), '', '', '', '', '46', clean(batch.submitter.id, 80)]));
  const contact: string[] = [];
  if (batch.submitter.phone) contact.push('TE', phoneDigits(batch.submitter.phone));
  if (batch.submitter.email) contact.push('EM', batch.submitter.email.replace(/[*:^~]/g, '').slice(0, 256));
  body.push(segment(['PER', 'IC', clean(batch.submitter.contactName, 60), ...contact.slice(0, 4)]));
  body.push(segment(['NM1', '40', '2', clean(batch.receiver.name, 60), '', '', '', '', '46', clean(batch.receiver.id, 80)]));
  const billing = batch.billingProvider;
  body.push(segment(['HL', '1', '', '20', '1']));
  body.push(segment(['PRV', 'BI', 'PXC', billing.taxonomyCode]));
  body.push(segment(['NM1', '85', '2', clean(billing.name, 60), '', '', '', '', 'XX', billing.npi]));
  body.push(...addressSegments(billing.address));
  body.push(segment(['REF', 'EI', digits(billing.ein)]));
  let hl = 2;
  for (const claim of batch.claims) {
    const { segments, hlUsed } = claimSegments(claim, billing, hl);
    body.push(...segments);
    hl += hlUsed;
  }
  body.push(segment(['SE', String(body.length + 1), stControl]));
  const lines = [
    isa,
    segment(['GS', 'HC', clean(batch.submitter.id, 15), clean(batch.receiver.id, 15), when.ccyymmdd, when.hhmm, gcn, 'X', IMPLEMENTATION_GUIDE_837P]),
    ...body,
    segment(['GE', '1', gcn]),
    segment(['IEA', '1', icn]),
  ];
  return lines.map((line) => `${line}${d.segment}\n`).join('');
};
