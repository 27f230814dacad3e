import { formatX12Amount } from '../money';
import { DEFAULT_DELIMITERS } from './delimiters';
import type { Delimiters, EraPatient } from './model';

export interface EraAdjustmentInput {
  group: string;
  reason: string;
  amountCents: number;
}

export interface EraLineInput {
  /** SVC01-1; HC (CPT/HCPCS) by default. */
  qualifier?: string;
  procedureCode: string;
  modifiers?: readonly string[];
  chargeCents: number;
  paidCents: number;
  units?: number;
  originalProcedureCode?: string | null;
  serviceDate?: string | null;
  allowedCents?: number | null;
  controlNumber?: string | null;
  adjustments?: readonly EraAdjustmentInput[];
}

export interface EraClaimInput {
  patientControlNumber: string;
  statusCode: string;
  chargeCents: number;
  paidCents: number;
  reportedPatientResponsibilityCents?: number;
  claimFilingIndicator?: string | null;
  payerClaimControlNumber?: string | null;
  patient?: EraPatient | null;
  serviceDate?: string | null;
  claimAdjustments?: readonly EraAdjustmentInput[];
  lines?: readonly EraLineInput[];
}

export interface ProviderAdjustmentInput {
  providerId: string;
  fiscalPeriodDate?: string | null;
  reason: string;
  reference?: string | null;
  amountCents: number;
}

export interface EraPaymentInput {
  traceNumber: string;
  payerName: string;
  /** Written as TRN03 (the payer's originating company id). */
  payerId?: string | null;
  payeeName?: string | null;
  payeeId?: string | null;
  /** BPR02 (negative: a debit, BPR03 = D). Defaults to Σ claims paid − Σ provider adjustments. */
  paymentCents?: number;
  paymentMethod?: string | null;
  /** BPR16, YYYY-MM-DD. */
  paidAt?: string | null;
  claims: Iterable<EraClaimInput>;
  providerAdjustments?: readonly ProviderAdjustmentInput[];
}

/** What `serializeEra` writes: one interchange, one functional group, one ST/SE per payment. */
export interface EraDocumentInput {
  senderId?: string;
  receiverId?: string;
  /** ISA13 / IEA02; 1 by default. */
  interchangeControlNumber?: number;
  /** Interchange date, YYYY-MM-DD. */
  createdAt?: string;
  payments: readonly EraPaymentInput[];
}

const compactDate = (date: string): string => date.replaceAll('-', '');

/**
 * Writes an 835 segment by segment (each string is one segment with its terminator and line
 * break), so a generator of 100,000 claims can be written to a file without building it in memory.
 * The envelope is correct by construction: SE01 counts, matching control numbers, GE01/IEA01.
 *
 * @throws RangeError when a value contains one of the delimiters (it could not be read back).
 */
export function* serializeEraSegments(document: EraDocumentInput, delimiters: Delimiters = DEFAULT_DELIMITERS): Generator<string> {
  const { element, component, segment, lineBreak } = delimiters;
  const reserved = [element, component, segment, ...(delimiters.repetition ? [delimiters.repetition] : [])];
  const check = (value: string): string => {
    for (const delimiter of reserved) {
      if (value.includes(delimiter)) throw new RangeError(`"${value}" contains the delimiter "${delimiter}"`);
    }
    return value;
  };
  const composite = (parts: readonly string[]): string => {
    let last = parts.length;
    while (last > 1 && parts[last - 1] === '') last -= 1;
    return parts.slice(0, last).map(check).join(component);
  };
  const write = (id: string, ...values: readonly (string | null | undefined)[]): string => {
    let last = values.length;
    while (last > 0 && !values[last - 1]) last -= 1;
    const body = values.slice(0, last).map((value) => value ?? '');
    return `${[id, ...body].join(element)}${segment}${lineBreak}`;
  };
  const amount = formatX12Amount;

  const sender = check(document.senderId ?? 'KNEADPAYPAYER');
  const receiver = check(document.receiverId ?? 'KNEADPAY');
  const created = compactDate(document.createdAt ?? '2026-10-20');
  const control = String(document.interchangeControlNumber ?? 1).padStart(9, '0');
  yield `${[
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    'ZZ',
    sender.padEnd(15).slice(0, 15),
    'ZZ',
    receiver.padEnd(15).slice(0, 15),
    created.slice(2),
    '1200',
    // Without a repetition separator ISA11 holds a data character, which 5010 readers take as "none".
    delimiters.repetition ?? 'U',
    '00501',
    control,
    '0',
    'P',
    component,
  ].join(element)}${segment}${lineBreak}`;
  yield write('GS', 'HP', sender, receiver, created, '1200', '1', 'X', '005010X221A1');

  let transactionNumber = 0;
  for (const payment of document.payments) {
    transactionNumber += 1;
    const transactionControl = String(transactionNumber).padStart(4, '0');
    let claims = payment.claims;
    let paymentCents = payment.paymentCents;
    if (paymentCents === undefined) {
      const list = Array.isArray(claims) ? (claims as readonly EraClaimInput[]) : Array.from(claims);
      claims = list;
      const withheld = (payment.providerAdjustments ?? []).reduce((sum, adjustment) => sum + adjustment.amountCents, 0);
      paymentCents = list.reduce((sum, claim) => sum + claim.paidCents, 0) - withheld;
    }
    let count = 0;
    const counted = (text: string): string => {
      count += 1;
      return text;
    };
    yield counted(write('ST', '835', transactionControl, '005010X221A1'));
    yield counted(
      write(
        'BPR',
        paymentCents === 0 ? 'H' : 'I',
        amount(Math.abs(paymentCents)),
        paymentCents < 0 ? 'D' : 'C',
        paymentCents === 0 ? 'NON' : check(payment.paymentMethod ?? 'CHK'),
        ...Array<string>(11).fill(''),
        payment.paidAt ? compactDate(payment.paidAt) : null,
      ),
    );
    yield counted(write('TRN', '1', check(payment.traceNumber), check(payment.payerId ?? '1999999999')));
    yield counted(write('N1', 'PR', check(payment.payerName)));
    if (payment.payeeName || payment.payeeId) {
      yield counted(write('N1', 'PE', check(payment.payeeName ?? ''), payment.payeeId ? 'XX' : null, payment.payeeId ? check(payment.payeeId) : null));
    }
    let first = true;
    for (const claim of claims) {
      if (first) yield counted(write('LX', '1'));
      first = false;
      yield counted(
        write(
          'CLP',
          check(claim.patientControlNumber),
          check(claim.statusCode),
          amount(claim.chargeCents),
          amount(claim.paidCents),
          amount(claim.reportedPatientResponsibilityCents ?? 0),
          check(claim.claimFilingIndicator ?? 'CI'),
          claim.payerClaimControlNumber ? check(claim.payerClaimControlNumber) : null,
        ),
      );
      for (const cas of adjustmentSegments(claim.claimAdjustments ?? [])) yield counted(write('CAS', ...cas.map(check)));
      if (claim.patient) {
        const { lastName, firstName, memberId } = claim.patient;
        yield counted(write('NM1', 'QC', '1', check(lastName), firstName ? check(firstName) : null, null, null, null, memberId ? 'MI' : null, memberId ? check(memberId) : null));
      }
      if (claim.serviceDate) yield counted(write('DTM', '232', compactDate(claim.serviceDate)));
      for (const line of claim.lines ?? []) {
        yield counted(
          write(
            'SVC',
            composite([line.qualifier ?? 'HC', line.procedureCode, ...(line.modifiers ?? [])]),
            amount(line.chargeCents),
            amount(line.paidCents),
            null,
            String(line.units ?? 1),
            line.originalProcedureCode ? composite([line.qualifier ?? 'HC', line.originalProcedureCode]) : null,
          ),
        );
        if (line.serviceDate) yield counted(write('DTM', '472', compactDate(line.serviceDate)));
        for (const cas of adjustmentSegments(line.adjustments ?? [])) yield counted(write('CAS', ...cas.map(check)));
        if (line.controlNumber) yield counted(write('REF', '6R', check(line.controlNumber)));
        if (line.allowedCents !== null && line.allowedCents !== undefined) yield counted(write('AMT', 'B6', amount(line.allowedCents)));
      }
    }
    for (const adjustment of payment.providerAdjustments ?? []) {
      yield counted(
        write(
          'PLB',
          check(adjustment.providerId),
          adjustment.fiscalPeriodDate ? compactDate(adjustment.fiscalPeriodDate) : '',
          composite([adjustment.reason, adjustment.reference ?? '']),
          amount(adjustment.amountCents),
        ),
      );
    }
    yield write('SE', String(count + 1), transactionControl);
  }
  yield write('GE', String(transactionNumber), '1');
  yield write('IEA', '1', control);
}

/** Packs consecutive adjustments of one group into CAS segments of up to six triplets. */
const adjustmentSegments = (adjustments: readonly EraAdjustmentInput[]): string[][] => {
  const segments: string[][] = [];
  let current: string[] | null = null;
  for (const { group, reason, amountCents } of adjustments) {
    if (!current || current[0] !== group || current.length >= 6 * 3) {
      current = [group];
      segments.push(current);
    } else {
      current.push(''); // the previous triplet's quantity
    }
    current.push(reason, formatX12Amount(amountCents));
  }
  return segments;
};

/**
 * Writes an 835 as one string (see `serializeEraSegments`): the inverse of `parseEra` for the
 * fields kneadpay reads. Used by property tests and the benchmark's file generator.
 */
export const serializeEra = (document: EraDocumentInput, delimiters: Delimiters = DEFAULT_DELIMITERS): string => Array.from(serializeEraSegments(document, delimiters)).join('');
