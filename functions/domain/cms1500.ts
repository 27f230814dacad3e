import type { BillingProvider, Claim837 } from './x12/837p';

/**
 * The CMS-1500 (02/12) form from the same checked claim the 837P is written from, item by item as
 * the NUCC 1500 Claim Form Reference Instruction Manual describes them. Pure: the PDF renderer
 * (shared/cms1500-pdf.ts) only places these strings.
 *
 * - Diagnoses (item 21) are written without the decimal point (NUCC: "the decimal is implied"),
 *   ICD indicator 0 (ICD-10-CM); pointers (24E) are the letters A–L, up to 4, no separators.
 * - Dates are MM DD YYYY (3, 11a, 12) and MM DD YY in 24A; money is dollars and cents.
 * - The form holds 6 service lines: more lines continue on another page, and the totals (28, 29)
 *   are on the last page only, the others say CONTINUED.
 */

export interface Cms1500Line {
  /** 24A from / to (MM DD YY). */
  from: string;
  to: string;
  /** 24B place of service. */
  placeOfService: string;
  /** 24D CPT/HCPCS and up to 4 modifiers. */
  procedureCode: string;
  modifiers: string[];
  /** 24E pointer letters, e.g. "AB". */
  diagnosisPointer: string;
  /** 24F dollars and cents, e.g. "60 00" → "60.00". */
  charges: string;
  /** 24G days or units. */
  units: string;
  /**
   * 24J (unshaded) rendering provider NPI, and in the shaded half 24I's qualifier (ZZ, taxonomy)
   * and 24J's other id (the rendering taxonomy, as the 837P's 2310B PRV*PE). NUCC: "Report the
   * Identification Number in Items 24I and 24J only when different from data recorded in items 33a
   * and 33b": all three are empty when the billing provider rendered the service.
   */
  renderingNpi: string;
  renderingQualifier: string;
  renderingOtherId: string;
}

export interface Cms1500Page {
  claimId: string;
  /** Item number → value, e.g. `1a` → the member id. Only items with content. */
  items: Record<string, string>;
  lines: Cms1500Line[];
  page: number;
  pages: number;
}

const LETTERS = 'ABCDEFGHIJKL';
const mmddyyyy = (iso: string) => `${iso.slice(5, 7)} ${iso.slice(8, 10)} ${iso.slice(0, 4)}`;
const mmddyy = (iso: string) => `${iso.slice(5, 7)} ${iso.slice(8, 10)} ${iso.slice(2, 4)}`;
export const dollars = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const name = (p: { lastName: string; firstName: string }) => `${p.lastName.toUpperCase()}, ${p.firstName.toUpperCase()}`;
/**
 * Address text as the NUCC instructions want it (items 5, 7, 32, 33): no punctuation or other symbols
 * ("123 N Main Street 101", not "123 N. Main Street, #101"), a space between city and state.
 */
const plain = (text: string) =>
  text
    .toUpperCase()
    .replace(/[^A-Z0-9 /-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
/** The ZIP code, 5 or 9 digits, without the hyphen (NUCC: "Enter the 9-digit ZIP code without the hyphen"). */
const zipDigits = (postalCode: string) => postalCode.replace(/\D/g, '');
/** Street, then city/state/ZIP on the next line (the form's own layout; no comma between them). */
const addressLines = (a: { line1: string; line2?: string; city: string; state: string; postalCode: string }) =>
  [plain([a.line1, a.line2].filter(Boolean).join(' ')), `${plain(a.city)} ${a.state} ${zipDigits(a.postalCode)}`].join('\n');
/** A phone number with no hyphen or space inside it (NUCC item 33); a US +1 country code dropped. */
const phoneDigits = (phone: string) => {
  const d = phone.replace(/\D/g, '');
  return d.length === 11 && d.startsWith('1') ? d.slice(1) : d;
};
const sexWord = (sex: string) => (sex === 'F' ? 'F' : sex === 'M' ? 'M' : '');

/**
 * Item 1: the type of health insurance coverage, from the payer's claim filing indicator (SBR09).
 * NUCC: "Other indicates health insurance including HMOs, commercial insurance, automobile accident,
 * liability, or workers' compensation", so CI, BL and HM are OTHER. FI is the Federal Employees
 * Program (the FEHB plans, the federal government's employee group health plans): GROUP HEALTH
 * PLAN. The FECA BLK LUNG box is the Federal Employees' Compensation Act / Black Lung program,
 * which no SBR09 code names on its own.
 */
export const insuranceType = (filingIndicator: string): string =>
  (({ MB: 'MEDICARE', MC: 'MEDICAID', CH: 'TRICARE', VA: 'CHAMPVA', FI: 'GROUP HEALTH PLAN' }) as Record<string, string>)[filingIndicator] ?? 'OTHER';

const RELATIONSHIP_WORD = { self: 'SELF', spouse: 'SPOUSE', child: 'CHILD', other: 'OTHER' } as const;

export const LINES_PER_FORM = 6;

/**
 * The pages of the form for one claim. `paidCents` is item 29, NUCC: "the total amount the patient
 * and/or other payers paid on the covered services only" (for a secondary claim, the primary's
 * payment and what the patient paid).
 */
export const cms1500Pages = (claim: Claim837, billing: BillingProvider, opts: { paidCents: number; signedOn: string }): Cms1500Page[] => {
  const coverage = claim.coverage;
  const patient = coverage.patient;
  const insured = coverage.relationship === 'self' ? patient : coverage.subscriber!;
  const items: Record<string, string> = {
    '1': insuranceType(coverage.claimFilingIndicator),
    '1a': coverage.memberId.toUpperCase(),
    '2': name(patient),
    '3': `${mmddyyyy(patient.dateOfBirth)} ${sexWord(patient.sex)}`.trim(),
    '4': name(insured),
    '5': addressLines(patient.address),
    '6': RELATIONSHIP_WORD[coverage.relationship],
    '7': addressLines(insured.address),
    '10a': 'NO',
    '10b': 'NO',
    '10c': 'NO',
    // NUCC item 11: "Enter the insured's policy or group number as it appears on the insured's health
    // care identification card." NONE is Medicare's instruction ("If there is no insurance primary to
    // Medicare, enter the word NONE"): kneadpay bills the primary payer only, so a Medicare claim says
    // NONE; for any other payer a coverage without a group number leaves the item empty.
    '11': coverage.claimFilingIndicator === 'MB' ? 'NONE' : (coverage.groupNumber ?? '').toUpperCase(),
    '11a': `${mmddyyyy(insured.dateOfBirth)} ${sexWord(insured.sex)}`.trim(),
    '11c': claim.payer.name.toUpperCase(),
    '11d': 'NO',
    '12': `SIGNATURE ON FILE ${mmddyyyy(opts.signedOn)}`,
    '13': 'SIGNATURE ON FILE',
    '21': `ICD IND 0 ${claim.diagnosisCodes.map((code, i) => `${LETTERS[i]}. ${code.replace('.', '')}`).join(' ')}`,
    '25': `${billing.ein} EIN`,
    // The patient account number, as the 837P's CLM01 (a secondary claim's is its primary's).
    '26': claim.patientControlNumber ?? claim.claimId,
    '27': 'YES',
    '31': claim.renderingProvider
      ? `${claim.renderingProvider.firstName.toUpperCase()} ${claim.renderingProvider.lastName.toUpperCase()} ${mmddyyyy(opts.signedOn)}`
      : `SIGNATURE ON FILE ${mmddyyyy(opts.signedOn)}`,
    '32': `${billing.name.toUpperCase()}\n${addressLines(billing.address)}`,
    '32a': billing.npi,
    '33': `${billing.name.toUpperCase()}\n${addressLines(billing.address)}${billing.phone ? ` PH ${phoneDigits(billing.phone)}` : ''}`,
    '33a': billing.npi,
    // 33b: qualifier and id with no separator; NUCC keeps ZZ for the taxonomy on the form (the 837P's PRV says PXC).
    '33b': `ZZ${billing.taxonomyCode}`,
  };
  // A claim to the secondary payer (NUCC item 11d: "If marked YES, complete 9, 9a, and 9d"): the
  // other insured (the primary plan's subscriber, as 2330A), its policy or group number without a
  // hyphen or space (NUCC 9a), and that plan's name (9d).
  const other = claim.otherPayers?.[0];
  if (other) {
    items['9'] = name(other.subscriber);
    items['9a'] = (other.groupNumber ?? other.memberId).toUpperCase().replace(/[-\s]/g, '');
    items['9d'] = other.payer.name.toUpperCase();
    items['11d'] = 'YES';
  }
  if (claim.frequencyCode !== '1') items['22'] = `${claim.frequencyCode} ${claim.payerClaimControlNumber ?? ''}`.trim();
  // NUCC item 23: "Do not enter hyphens or spaces within the number."
  const reference = (value: string) => value.toUpperCase().replace(/[-\s]/g, '');
  if (claim.priorAuthorization) items['23'] = reference(claim.priorAuthorization);
  else if (claim.referralNumber) items['23'] = reference(claim.referralNumber);
  if (!items['11']) delete items['11'];
  // 24I/24J only for a rendering provider other than the billing provider (the 837P's 2310B rule too).
  const rendering = claim.renderingProvider && claim.renderingProvider.npi !== billing.npi ? claim.renderingProvider : null;
  const lines: Cms1500Line[] = claim.lines.map((line) => ({
    from: mmddyy(claim.dateOfService),
    to: mmddyy(claim.dateOfService),
    placeOfService: claim.placeOfService,
    procedureCode: line.procedureCode,
    modifiers: line.modifiers,
    diagnosisPointer: line.diagnosisPointers.map((p) => LETTERS[p - 1]).join(''),
    charges: dollars(line.chargeCents),
    units: String(line.units),
    renderingNpi: rendering?.npi ?? '',
    renderingQualifier: rendering ? 'ZZ' : '',
    renderingOtherId: rendering ? (rendering.taxonomyCode ?? billing.taxonomyCode) : '',
  }));
  const pages = Math.max(1, Math.ceil(lines.length / LINES_PER_FORM));
  return Array.from({ length: pages }, (_, page) => {
    const last = page === pages - 1;
    return {
      claimId: claim.claimId,
      items: { ...items, '28': last ? dollars(claim.chargeCents) : 'CONTINUED', '29': last ? dollars(opts.paidCents) : 'CONTINUED' },
      lines: lines.slice(page * LINES_PER_FORM, (page + 1) * LINES_PER_FORM),
      page: page + 1,
      pages,
    };
  });
};
