/**
 * Receipts: the document a client gets for every payment and refund, built from plain data (no
 * I/O). What an HSA/FSA administrator or insurer needs is in DOMAIN.md §5; the document carries
 * every field, the renderers (page, email, PDF) only format it. Money is integer cents here and
 * becomes a decimal string only when rendered.
 */
import { isCents } from './money';

export const RECEIPT_KINDS = ['package', 'balance', 'refund'] as const;
/** `package`: a session package sale; `balance`: the patient's share after insurance; `refund`: money back. */
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

/**
 * What a document carries between issue and numbering (moments, in one consumer run): the number
 * is set on the stored document in the transaction that takes it from the practice's counter.
 */
export const RECEIPT_NUMBER_PENDING = 'R-pending';

/** Receipt numbers are per practice: `R-000123`. Six digits is a floor, not a ceiling. */
export const formatReceiptNumber = (sequence: number): string => `R-${String(sequence).padStart(6, '0')}`;

/** CMS place-of-service codes seen in bodywork (others are shown by code only). */
export const PLACE_OF_SERVICE_NAMES: Readonly<Record<string, string>> = {
  '02': "Telehealth (not in the patient's home)",
  '10': "Telehealth in the patient's home",
  '11': 'Office',
  '12': 'Home',
};

export const RECEIPT_TITLES = {
  statement: 'Statement for insurance or HSA/FSA reimbursement',
  refund: 'Refund receipt',
} as const;

/** How the client paid, as far as Stripe told us; `unknown` when it did not (the receipt still goes out). */
export type PaymentMethod =
  | { type: 'card'; brand: string; last4: string }
  | { type: 'bank_account'; bankName: string | null; last4: string }
  /** Taken at the practice's desk (a balance below Stripe's minimum charge), not through Stripe. */
  | { type: 'in_person'; method: 'cash' | 'card_terminal' | 'check' }
  | { type: 'unknown' };

// Inputs --------------------------------------------------------------------------------------

export interface PracticeFacts {
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  address?: { line1: string; line2?: string | undefined; city: string; state: string; postalCode: string; country?: string | undefined } | undefined;
  taxId?: string | undefined;
  npi?: string | undefined;
  licenseNumber?: string | undefined;
  timezone?: string | undefined;
}

export interface PaymentFacts {
  paymentId: string;
  amountCents: number;
  currency: string;
  paidAt: string;
  method: PaymentMethod;
  /**
   * A balance invoice the practice charged in parts (Stripe's partial payments): each payment,
   * oldest first, summing to `amountCents`. Absent for a payment made at once.
   */
  parts?: PaymentPart[] | undefined;
}

/** One of several payments that together paid an invoice: what it paid, when, and how. */
export interface PaymentPart {
  amountCents: number;
  at: string;
  method: PaymentMethod;
}

export interface PackageFacts {
  purchaseId: string;
  packageName: string;
  serviceCode: string | null;
  sessionMinutes: number;
  sessionsTotal: number;
  sessionsRemaining: number;
  /** Credits taken back by refunds, disputes or expiry (not used by visits). */
  creditsRemoved: number;
  priceCents: number;
}

export interface AdjustmentFacts {
  group: string;
  reason: string;
  amountCents: number;
}

export interface ClaimFacts {
  claimId: string;
  payerName: string | null;
  dateOfService: string;
  placeOfService: string;
  diagnosisCodes: string[];
  lines: { procedureCode: string; modifiers: string[]; units: number; chargeCents: number }[];
  /** Collected before adjudication (copay at the visit, package credit applied). */
  collectedCents: number;
}

/** One adjudication applied to the claim (original, reversal with negative amounts, correction). */
export interface AdjudicationFacts {
  paidCents: number;
  claimAdjustments: AdjustmentFacts[];
  lines: { procedureCode: string; originalProcedureCode?: string | null; units: number; chargeCents: number; paidCents: number; adjustments: AdjustmentFacts[] }[];
}

export interface RefundFacts {
  refundId: string;
  paymentId: string;
  amountCents: number;
  totalRefundedCents: number;
  currency: string;
  refundedAt: string;
  creditsRemoved: number;
  /** What was refunded: a package sale or a balance payment. */
  of: 'package' | 'balance';
  /** The receipt of the payment refunded, when it was issued (events may arrive out of order). */
  originalReceiptNumber: string | null;
  /** What the original payment was, when known. */
  originalAmountCents: number | null;
  method: PaymentMethod;
  /**
   * For a balance payment: the service it paid for (DOMAIN.md §5: the date of service), so an
   * HSA/FSA administrator can match the refund to what it reimbursed.
   */
  service?: RefundedService | null;
}

export interface RefundedService {
  claimId: string;
  dateOfService: string;
}

interface Common {
  number: string;
  issuedAt: string;
  practice: PracticeFacts;
  clientName: string;
}

export type ReceiptInput =
  | (Common & { kind: 'package'; payment: PaymentFacts; package: PackageFacts })
  | (Common & {
      kind: 'balance';
      payment: PaymentFacts;
      claim: ClaimFacts;
      adjudications: AdjudicationFacts[];
      /** Earlier payments toward this claim's balance (not the collected copay, which the claim carries). */
      earlierPaymentsCents: number;
    })
  | (Common & { kind: 'refund'; refund: RefundFacts; package: PackageFacts | null });

// The document ----------------------------------------------------------------------------------

export interface PracticeBlock {
  name: string;
  addressLines: string[];
  phone: string | null;
  email: string | null;
  taxId: string | null;
  npi: string | null;
  licenseNumber: string | null;
  timezone: string;
}

/**
 * What an itemized statement for insurance or HSA/FSA reimbursement needs from the practice and
 * does not have (DOMAIN.md §5: name, address, phone, tax id, license; the NPI is optional). Empty
 * when the statement is complete.
 */
export const missingStatementDetails = (practice: { addressLines?: string[]; address?: unknown; phone?: string | null; taxId?: string | null; licenseNumber?: string | null }): string[] => [
  ...((practice.addressLines?.length ?? (practice.address ? 1 : 0)) > 0 ? [] : ['address']),
  ...(practice.phone ? [] : ['phone']),
  ...(practice.taxId ? [] : ['tax ID (EIN)']),
  ...(practice.licenseNumber ? [] : ['license number']),
];

export interface ServiceLine {
  dateOfService: string;
  placeOfService: string;
  procedureCode: string;
  modifiers: string[];
  units: number;
  chargedCents: number;
  insurerPaidCents: number;
  patientPortionCents: number;
}

export interface PackageSection {
  purchaseId: string;
  name: string;
  serviceCode: string | null;
  sessionMinutes: number;
  sessionsBought: number;
  sessionsUsed: number;
  sessionsRemaining: number;
  sessionsRemoved: number;
  /** "5 sessions bought, 2 used, 3 remaining (next visit: 3 of 5)". */
  usageText: string;
}

export interface ClaimSection {
  claimId: string;
  payerName: string | null;
  dateOfService: string;
  placeOfService: string;
  placeOfServiceName: string | null;
  diagnosisCodes: string[];
  lines: ServiceLine[];
  /** Patient responsibility adjusted at claim level (not on any one line). */
  claimLevelPatientCents: number;
  /** Paid by the insurer beyond the lines' payments (claim-level adjustments). */
  claimLevelInsurerPaidCents: number;
}

export interface PaymentTotals {
  chargedCents: number;
  insurerPaidCents: number;
  patientPortionCents: number;
  /** Paid toward this before today: copay at the visit, earlier balance payments. */
  previouslyPaidCents: number;
  paidNowCents: number;
  balanceDueCents: number;
  /** Paid beyond what was owed (shown so the client knows a credit or refund is due). */
  overpaidCents: number;
}

export interface RefundSection {
  refundId: string;
  paymentId: string;
  amountCents: number;
  totalRefundedCents: number;
  originalAmountCents: number | null;
  refundedAt: string;
  creditsRemoved: number;
  of: 'package' | 'balance';
  originalReceiptNumber: string | null;
  /** Absent on refund receipts stored before it was kept, and on package refunds. */
  service?: RefundedService | null;
}

export const RECEIPT_STATUSES = ['paid_in_full', 'balance_due', 'refunded', 'partially_refunded'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** The receipt snapshot: stored once, rendered as page, email and PDF without reading anything else. */
export interface ReceiptDocument {
  version: 1;
  kind: ReceiptKind;
  title: string;
  number: string;
  issuedAt: string;
  currency: string;
  practice: PracticeBlock;
  client: { name: string };
  /**
   * The payment (for a refund: the refund, with the method it went back to). `parts`: only on a
   * balance receipt whose invoice was paid by several payments (each one, oldest first, summing to
   * `amountCents`; `method` is then the last one's); absent otherwise, and on receipts stored before.
   */
  payment: { id: string; at: string; amountCents: number; method: PaymentMethod; parts?: PaymentPart[] };
  package: PackageSection | null;
  claim: ClaimSection | null;
  refund: RefundSection | null;
  totals: PaymentTotals | null;
  status: ReceiptStatus;
  /** What the list shows: the amount paid, or the amount refunded (always ≥ 0; `kind` says which). */
  totalCents: number;
}

export type ReceiptProblemCode = 'invalid_amount' | 'invalid_currency' | 'invalid_date' | 'missing_field' | 'invalid_sessions';

/** A receipt that cannot be built, and why (a typed answer, not a throw). */
export interface ReceiptProblem {
  code: ReceiptProblemCode;
  field: string;
  message: string;
}

export type ReceiptResult = { ok: true; document: ReceiptDocument } | { ok: false; problem: ReceiptProblem };

// Building ------------------------------------------------------------------------------------

const CURRENCY = /^[a-z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const problem = (code: ReceiptProblemCode, field: string, message: string): ReceiptResult => ({ ok: false, problem: { code, field, message } });

const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

const practiceBlock = (practice: PracticeFacts): PracticeBlock => {
  const address = practice.address;
  const addressLines = address
    ? [address.line1, ...(address.line2 ? [address.line2] : []), `${address.city}, ${address.state} ${address.postalCode}`, ...(address.country && address.country !== 'US' ? [address.country] : [])]
    : [];
  return {
    name: practice.name,
    addressLines,
    phone: practice.phone ?? null,
    email: practice.email ?? null,
    taxId: practice.taxId ?? null,
    npi: practice.npi ?? null,
    licenseNumber: practice.licenseNumber ?? null,
    timezone: practice.timezone ?? 'UTC',
  };
};

/** "5 sessions bought, 2 used, 3 remaining (next visit: 3 of 5)". */
export const packageUsageText = (bought: number, used: number, remaining: number, removed = 0): string => {
  const plural = (n: number) => `${n} session${n === 1 ? '' : 's'}`;
  const parts = [`${plural(bought)} bought`, `${used} used`, `${remaining} remaining`];
  if (removed > 0) parts.push(`${removed} cancelled`);
  const next = remaining > 0 ? ` (next visit: ${used + 1} of ${bought})` : '';
  return `${parts.join(', ')}${next}`;
};

const packageSection = (facts: PackageFacts): PackageSection => {
  const used = Math.max(0, facts.sessionsTotal - facts.sessionsRemaining - facts.creditsRemoved);
  return {
    purchaseId: facts.purchaseId,
    name: facts.packageName,
    serviceCode: facts.serviceCode,
    sessionMinutes: facts.sessionMinutes,
    sessionsBought: facts.sessionsTotal,
    sessionsUsed: used,
    sessionsRemaining: facts.sessionsRemaining,
    sessionsRemoved: facts.creditsRemoved,
    usageText: packageUsageText(facts.sessionsTotal, used, facts.sessionsRemaining, facts.creditsRemoved),
  };
};

const patientShare = (adjustments: AdjustmentFacts[]): number => adjustments.filter((adjustment) => adjustment.group === 'PR').reduce((sum, adjustment) => sum + adjustment.amountCents, 0);

/**
 * The claim's service lines with what the insurer paid and the patient owes on each, summed over
 * every adjudication (an original, its reversal and the correction net out). Adjudicated lines are
 * matched to the claim's lines by the code the practice billed (the 835's SVC06 when the payer
 * re-coded the line, otherwise its code) and order of appearance (the second 97124 of the ERA is
 * the second 97124 of the claim); a line that matches none gets its own row. Lines kept for their
 * minutes with 0 units (8-minute rule) are not billed and not shown.
 */
export const serviceLines = (claim: ClaimFacts, adjudications: AdjudicationFacts[]): ClaimSection => {
  const lines: ServiceLine[] = claim.lines
    .filter((line) => line.units > 0 || line.chargeCents !== 0)
    .map((line) => ({
      dateOfService: claim.dateOfService,
      placeOfService: claim.placeOfService,
      procedureCode: line.procedureCode,
      modifiers: [...line.modifiers],
      units: line.units,
      chargedCents: line.chargeCents,
      insurerPaidCents: 0,
      patientPortionCents: 0,
    }));
  const byKey = new Map<string, ServiceLine>();
  const seen = new Map<string, number>();
  for (const line of lines) {
    const k = seen.get(line.procedureCode) ?? 0;
    seen.set(line.procedureCode, k + 1);
    byKey.set(`${line.procedureCode}#${k}`, line);
  }
  const extraKeys = new Set<string>();
  let claimLevelPatientCents = 0;
  let claimLevelInsurerPaidCents = 0;
  for (const adjudication of adjudications) {
    const occurrences = new Map<string, number>();
    let linesPaid = 0;
    for (const paid of adjudication.lines) {
      const billed = paid.originalProcedureCode || paid.procedureCode;
      const k = occurrences.get(billed) ?? 0;
      occurrences.set(billed, k + 1);
      const key = `${billed}#${k}`;
      let line = byKey.get(key);
      if (!line) {
        line = {
          dateOfService: claim.dateOfService,
          placeOfService: claim.placeOfService,
          procedureCode: paid.procedureCode,
          modifiers: [],
          units: paid.units,
          chargedCents: 0,
          insurerPaidCents: 0,
          patientPortionCents: 0,
        };
        byKey.set(key, line);
        lines.push(line);
        extraKeys.add(key);
      }
      // A re-coded line has no charge on our claim: its charge is what the payer adjudicated.
      if (extraKeys.has(key)) line.chargedCents += paid.chargeCents;
      line.insurerPaidCents += paid.paidCents;
      line.patientPortionCents += patientShare(paid.adjustments);
      linesPaid += paid.paidCents;
    }
    claimLevelPatientCents += patientShare(adjudication.claimAdjustments);
    claimLevelInsurerPaidCents += adjudication.paidCents - linesPaid;
  }
  return {
    claimId: claim.claimId,
    payerName: claim.payerName,
    dateOfService: claim.dateOfService,
    placeOfService: claim.placeOfService,
    placeOfServiceName: PLACE_OF_SERVICE_NAMES[claim.placeOfService] ?? null,
    diagnosisCodes: [...claim.diagnosisCodes],
    lines,
    claimLevelPatientCents,
    claimLevelInsurerPaidCents,
  };
};

const totalsFor = (chargedCents: number, insurerPaidCents: number, patientPortionCents: number, previouslyPaidCents: number, paidNowCents: number): PaymentTotals => {
  const remaining = patientPortionCents - previouslyPaidCents - paidNowCents;
  return {
    chargedCents,
    insurerPaidCents,
    patientPortionCents,
    previouslyPaidCents,
    paidNowCents,
    balanceDueCents: Math.max(0, remaining),
    overpaidCents: Math.max(0, -remaining),
  };
};

const checkCommon = (input: ReceiptInput): ReceiptResult | undefined => {
  if (!input.number) return problem('missing_field', 'number', 'the receipt has no number');
  if (!input.practice?.name) return problem('missing_field', 'practice.name', 'the practice has no name');
  if (!input.clientName) return problem('missing_field', 'client.name', 'the client has no name');
  if (!isInstant(input.issuedAt)) return problem('invalid_date', 'issuedAt', 'issuedAt is not a date and time');
  return undefined;
};

const checkPayment = (payment: PaymentFacts): ReceiptResult | undefined => {
  if (!payment.paymentId) return problem('missing_field', 'payment.paymentId', 'the payment has no id');
  if (!isCents(payment.amountCents) || payment.amountCents < 0) return problem('invalid_amount', 'payment.amountCents', 'the amount paid must be whole cents, not negative');
  if (!CURRENCY.test(payment.currency)) return problem('invalid_currency', 'payment.currency', 'the currency must be a lower-case ISO code');
  if (!isInstant(payment.paidAt)) return problem('invalid_date', 'payment.paidAt', 'paidAt is not a date and time');
  for (const [i, part] of (payment.parts ?? []).entries()) {
    if (!isCents(part.amountCents) || part.amountCents <= 0) return problem('invalid_amount', `payment.parts[${i}].amountCents`, 'each payment must be whole cents above zero');
    if (!isInstant(part.at)) return problem('invalid_date', `payment.parts[${i}].at`, 'the payment date is not a date and time');
  }
  if (payment.parts && payment.parts.reduce((sum, part) => sum + part.amountCents, 0) !== payment.amountCents) {
    return problem('invalid_amount', 'payment.parts', 'the payments must sum to the amount paid');
  }
  return undefined;
};

/** The payment as the document states it: its parts only when there are several. */
const paymentBlock = (payment: PaymentFacts): ReceiptDocument['payment'] => ({
  id: payment.paymentId,
  at: payment.paidAt,
  amountCents: payment.amountCents,
  method: payment.method,
  ...(payment.parts && payment.parts.length > 1 ? { parts: payment.parts.map((part) => ({ amountCents: part.amountCents, at: part.at, method: part.method })) } : {}),
});

const checkPackage = (facts: PackageFacts, field: string): ReceiptResult | undefined => {
  const counts = [facts.sessionsTotal, facts.sessionsRemaining, facts.creditsRemoved];
  if (!counts.every((n) => Number.isSafeInteger(n) && n >= 0) || facts.sessionsRemaining > facts.sessionsTotal) {
    return problem('invalid_sessions', field, 'session counts must be whole numbers with remaining ≤ bought');
  }
  if (!isCents(facts.priceCents)) return problem('invalid_amount', `${field}.priceCents`, 'the package price must be whole cents');
  return undefined;
};

const checkClaim = (claim: ClaimFacts, adjudications: AdjudicationFacts[]): ReceiptResult | undefined => {
  if (!DATE.test(claim.dateOfService)) return problem('invalid_date', 'claim.dateOfService', 'the date of service must be YYYY-MM-DD');
  if (!isCents(claim.collectedCents)) return problem('invalid_amount', 'claim.collectedCents', 'collected must be whole cents');
  for (const [i, line] of claim.lines.entries()) {
    if (!isCents(line.chargeCents)) return problem('invalid_amount', `claim.lines[${i}].chargeCents`, 'charges must be whole cents');
  }
  for (const [a, adjudication] of adjudications.entries()) {
    if (!isCents(adjudication.paidCents)) return problem('invalid_amount', `adjudications[${a}].paidCents`, 'paid must be whole cents');
    const amounts = [
      ...adjudication.claimAdjustments.map((x) => x.amountCents),
      ...adjudication.lines.flatMap((line) => [line.chargeCents, line.paidCents, ...line.adjustments.map((x) => x.amountCents)]),
    ];
    if (!amounts.every(isCents)) return problem('invalid_amount', `adjudications[${a}]`, 'adjudicated amounts must be whole cents');
  }
  return undefined;
};

/**
 * Builds the receipt document. Every input has an answer: a document, or a problem naming the
 * field that makes a receipt impossible (the caller records it; it never throws).
 */
export const buildReceipt = (input: ReceiptInput): ReceiptResult => {
  const common = checkCommon(input);
  if (common) return common;
  const base = {
    version: 1 as const,
    number: input.number,
    issuedAt: input.issuedAt,
    practice: practiceBlock(input.practice),
    client: { name: input.clientName },
  };

  switch (input.kind) {
    case 'package': {
      const invalid = checkPayment(input.payment) ?? checkPackage(input.package, 'package');
      if (invalid) return invalid;
      const { payment } = input;
      // A package is sold for what Checkout charged (a coupon may have lowered the list price).
      const totals = totalsFor(payment.amountCents, 0, payment.amountCents, 0, payment.amountCents);
      return {
        ok: true,
        document: {
          ...base,
          kind: 'package',
          title: RECEIPT_TITLES.statement,
          currency: payment.currency,
          payment: { id: payment.paymentId, at: payment.paidAt, amountCents: payment.amountCents, method: payment.method },
          package: packageSection(input.package),
          claim: null,
          refund: null,
          totals,
          status: totals.balanceDueCents > 0 ? 'balance_due' : 'paid_in_full',
          totalCents: payment.amountCents,
        },
      };
    }
    case 'balance': {
      const invalid = checkPayment(input.payment) ?? checkClaim(input.claim, input.adjudications);
      if (invalid) return invalid;
      if (!isCents(input.earlierPaymentsCents) || input.earlierPaymentsCents < 0) {
        return problem('invalid_amount', 'earlierPaymentsCents', 'earlier payments must be whole cents, not negative');
      }
      const { payment } = input;
      const claim = serviceLines(input.claim, input.adjudications);
      const charged = claim.lines.reduce((sum, line) => sum + line.chargedCents, 0);
      const insurerPaid = claim.lines.reduce((sum, line) => sum + line.insurerPaidCents, 0) + claim.claimLevelInsurerPaidCents;
      // Not adjudicated (self-pay claim): the patient's portion is the whole charge.
      const patientPortion = input.adjudications.length === 0 ? charged : claim.lines.reduce((sum, line) => sum + line.patientPortionCents, 0) + claim.claimLevelPatientCents;
      const totals = totalsFor(charged, insurerPaid, patientPortion, input.claim.collectedCents + input.earlierPaymentsCents, payment.amountCents);
      return {
        ok: true,
        document: {
          ...base,
          kind: 'balance',
          title: RECEIPT_TITLES.statement,
          currency: payment.currency,
          payment: paymentBlock(payment),
          package: null,
          claim,
          refund: null,
          totals,
          status: totals.balanceDueCents > 0 ? 'balance_due' : 'paid_in_full',
          totalCents: payment.amountCents,
        },
      };
    }
    case 'refund': {
      const { refund } = input;
      if (!refund.refundId) return problem('missing_field', 'refund.refundId', 'the refund has no id');
      if (!isCents(refund.amountCents) || refund.amountCents <= 0) return problem('invalid_amount', 'refund.amountCents', 'the refund must be whole cents above zero');
      if (!isCents(refund.totalRefundedCents) || refund.totalRefundedCents < refund.amountCents) {
        return problem('invalid_amount', 'refund.totalRefundedCents', 'the total refunded must be whole cents, at least this refund');
      }
      if (refund.originalAmountCents !== null && !isCents(refund.originalAmountCents)) {
        return problem('invalid_amount', 'refund.originalAmountCents', 'the original amount must be whole cents');
      }
      if (!CURRENCY.test(refund.currency)) return problem('invalid_currency', 'refund.currency', 'the currency must be a lower-case ISO code');
      if (!isInstant(refund.refundedAt)) return problem('invalid_date', 'refund.refundedAt', 'refundedAt is not a date and time');
      if (refund.service && !DATE.test(refund.service.dateOfService)) return problem('invalid_date', 'refund.service.dateOfService', 'the date of service must be YYYY-MM-DD');
      if (input.package) {
        const invalid = checkPackage(input.package, 'package');
        if (invalid) return invalid;
      }
      const whole = refund.originalAmountCents === null || refund.totalRefundedCents >= refund.originalAmountCents;
      return {
        ok: true,
        document: {
          ...base,
          kind: 'refund',
          title: RECEIPT_TITLES.refund,
          currency: refund.currency,
          payment: { id: refund.refundId, at: refund.refundedAt, amountCents: refund.amountCents, method: refund.method },
          package: input.package ? packageSection(input.package) : null,
          claim: null,
          refund: {
            refundId: refund.refundId,
            paymentId: refund.paymentId,
            amountCents: refund.amountCents,
            totalRefundedCents: refund.totalRefundedCents,
            originalAmountCents: refund.originalAmountCents,
            refundedAt: refund.refundedAt,
            creditsRemoved: refund.creditsRemoved,
            of: refund.of,
            originalReceiptNumber: refund.originalReceiptNumber,
            service: refund.service ?? null,
          },
          totals: null,
          status: whole ? 'refunded' : 'partially_refunded',
          totalCents: refund.amountCents,
        },
      };
    }
  }
};

/**
 * What the client paid toward a claim's balance before this payment, from the practice's receipts:
 * the other balance payments of the claim minus what was refunded of them (a refund of this very
 * payment is not "before" it; a refund whose payment has no receipt yet counts nothing below 0).
 * The copay collected at the visit is the claim's, not counted here.
 */
export const earlierBalancePaymentsCents = (receipts: readonly Pick<Receipt, 'kind' | 'totalCents' | 'source'>[], claimId: string, paymentId: string): number =>
  Math.max(
    0,
    receipts.reduce((sum, receipt) => {
      if (receipt.source.claimId !== claimId || receipt.source.paymentId === paymentId) return sum;
      if (receipt.kind === 'balance') return sum + receipt.totalCents;
      if (receipt.kind === 'refund') return sum - receipt.totalCents;
      return sum;
    }, 0),
  );

/**
 * Where a receipt's email stands. `sending`: one delivery holds the lease; `retrying`: the last
 * attempt failed and the bus will try again; `failed`: it will not go without the practice acting
 * (bad address, rejected, or a resend that failed).
 */
export const EMAIL_STATUSES = ['pending', 'sending', 'sent', 'retrying', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** What a receipt is for: one payment or one refund, never both, never twice. */
export interface ReceiptSource {
  type: 'payment' | 'refund';
  /** `package` or `invoice`, as PaymentSucceeded / PaymentRefunded say. */
  paymentKind: string;
  paymentId: string;
  refundId?: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
}

export interface Receipt {
  receiptId: string;
  practiceId: string;
  clientId: string;
  /** `R-000123`; absent for the moment between issue and numbering (see numberQueuedReceipts). */
  number?: string;
  sequence?: number;
  numberedAt?: string;
  kind: ReceiptKind;
  totalCents: number;
  currency: string;
  issuedAt: string;
  source: ReceiptSource;
  /** The snapshot every rendering reads: stable however the practice, client or claim change later. */
  document: ReceiptDocument;
  emailStatus: EmailStatus;
  emailAttempts: number;
  emailSends: number;
  emailLastError?: string;
  emailLastAttemptAt?: string;
  emailSentAt?: string;
  emailMessageId?: string;
  emailLeaseId?: string;
  emailLeaseUntil?: string;
}
