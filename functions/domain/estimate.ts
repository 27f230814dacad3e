import type { PracticeAddress } from './practice';

/**
 * Good Faith Estimates for self-pay clients (45 CFR §149.610; DOMAIN.md §8): when a service is due
 * and by when the practice must hand the estimate over, and what the client may dispute. Pure: dates
 * are calendar dates (YYYY-MM-DD) in the practice's time zone, money integer minor units.
 *
 * Business days: Monday to Friday. The rule counts the days the practice is open; kneadpay does not
 * know a practice's holidays, so a deadline that falls after a holiday is one business day early
 * (never late).
 */

/** "Substantially in excess": billed charges at least $400 over the estimate open the patient-provider dispute process. */
export const DISPUTE_THRESHOLD_CENTS = 40_000;

const DAY_MS = 86_400_000;

const toDay = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const fromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isBusinessDay = (day: number) => {
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
};

/** The date `n` business days after `date` (the date itself does not count). */
export const addBusinessDays = (date: string, n: number): string => {
  let day = toDay(date);
  for (let left = n; left > 0;) {
    day += 1;
    if (isBusinessDay(day)) left -= 1;
  }
  return fromDay(day);
};

/** Business days after `from`, up to and including `to` (0 when `to` is not after `from`). */
export const businessDaysAfter = (from: string, to: string): number => {
  let count = 0;
  for (let day = toDay(from) + 1; day <= toDay(to); day += 1) if (isBusinessDay(day)) count += 1;
  return count;
};

export type EstimateRule = 'scheduled-10-days-ahead' | 'scheduled-3-days-ahead' | 'requested' | 'not-required';

export interface EstimateTiming {
  /** Whether the rule requires an estimate (one may always be given). */
  required: boolean;
  rule: EstimateRule;
  /** The last day the estimate may reach the client; null when none is required. */
  provideBy: string | null;
}

/**
 * By when the estimate is due (§149.610(b)(1)): scheduled at least 10 business days ahead →
 * within 3 business days of scheduling; at least 3 business days ahead → within 1 business day;
 * asked for by the client → within 3 business days of the request, however near or far the service
 * date (or without one). Scheduled less than 3 business days ahead and not asked for → not required.
 * A client who asks when scheduling gets the earlier of the two deadlines.
 */
export const estimateTiming = (scheduledOn: string, serviceDate: string | null, requested: boolean = serviceDate === null): EstimateTiming => {
  const onRequest: EstimateTiming = { required: true, rule: 'requested', provideBy: addBusinessDays(scheduledOn, 3) };
  // Without a service date nothing is scheduled: the estimate can only have been asked for.
  if (serviceDate === null) return onRequest;
  const ahead = businessDaysAfter(scheduledOn, serviceDate);
  if (ahead >= 10) return { required: true, rule: 'scheduled-10-days-ahead', provideBy: addBusinessDays(scheduledOn, 3) };
  if (ahead >= 3) return { required: true, rule: 'scheduled-3-days-ahead', provideBy: addBusinessDays(scheduledOn, 1) };
  return requested ? onRequest : { required: false, rule: 'not-required', provideBy: null };
};

export interface EstimateLine {
  serviceCode: string;
  description: string;
  quantity: number;
  unitChargeCents: number;
  totalCents: number;
}

/** Line totals and the estimate's total; throws RangeError if a total is not a safe integer. */
export const priceLines = (lines: Omit<EstimateLine, 'totalCents'>[]): { lines: EstimateLine[]; totalCents: number } => {
  const priced = lines.map((line) => ({ ...line, totalCents: line.quantity * line.unitChargeCents }));
  const totalCents = priced.reduce((sum, line) => sum + line.totalCents, 0);
  if (!Number.isSafeInteger(totalCents)) throw new RangeError('estimate total is not a safe integer');
  return { lines: priced, totalCents };
};

/** The billed total from which the client may start the patient-provider dispute resolution process. */
export const disputeThresholdCents = (totalCents: number): number => totalCents + DISPUTE_THRESHOLD_CENTS;

/** The date in `timeZone` at instant `now` (YYYY-MM-DD). */
export const localDate = (now: Date, timeZone: string): string => {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
};

/**
 * A Good Faith Estimate as given to the client (45 CFR §149.610(c)): a snapshot of who provides
 * what, when, for how much, and the client's dispute right. It holds PHI (the client's name, date
 * of birth, diagnosis codes): it lives in the table, never in logs or Stripe.
 */
export interface Estimate {
  estimateId: string;
  practiceId: string;
  clientId: string;
  patient: { name: string; dateOfBirth: string | null };
  /** The primary service in plain words, e.g. "Therapeutic massage, 60 minutes, weekly". */
  primaryService: string;
  /** When the service was scheduled, or the client asked for the estimate (practice's calendar). */
  scheduledOn: string;
  /** The (first) date the service is scheduled for; null when the client asked without one. */
  serviceDate: string | null;
  /** Last date the estimate covers: up to 12 months for recurring services (a package of sessions). */
  coversThrough: string | null;
  diagnosisCodes: string[];
  lines: EstimateLine[];
  totalCents: number;
  currency: string;
  /** Billed charges at or above this may be disputed (the total + $400). */
  disputeThresholdCents: number;
  timing: EstimateTiming;
  provider: { name: string; npi: string | null; taxId: string | null; address: PracticeAddress | null; phone: string | null; email: string };
  issuedAt: string;
}
