/**
 * What operators watch, as CloudWatch metrics in the Embedded Metric Format (Powertools for AWS
 * Lambda's Metrics): each count is one EMF JSON line on stdout, which CloudWatch Logs turns into a
 * metric in the namespace `kneadpay`, dimension `service` (the function). No PutMetricData call,
 * no extra latency. Emitted at once (one line a count), so a count is never lost to an invocation
 * that throws, and concurrent handlers in one process (npm start, tests) never mix their counts.
 *
 * Alarms watch some of these series (lib/constructs/MetricAlarms.ts): keep a metric's name and the
 * `service` it is counted under when you move a count, or its alarm goes quiet.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'kneadpay';

/** A Stripe event for a connected account no practice onboarded (recorded as ignored). */
export const UNKNOWN_ACCOUNT_METRIC = 'StripeEventUnknownAccount';

/** Every metric kneadpay emits (docs/operations.md lists what each means for on-call). */
export const METRIC = {
  /** A Stripe event applied its effect (webhook or reconciler). */
  stripeEventApplied: 'StripeEventApplied',
  /** A Stripe event seen again after it was applied or ignored: nothing changed. */
  stripeEventDuplicate: 'StripeEventDuplicate',
  /** A Stripe event recorded as ignored (a type kneadpay does not act on, stale, not linked…). */
  stripeEventIgnored: 'StripeEventIgnored',
  stripeEventUnknownAccount: UNKNOWN_ACCOUNT_METRIC,
  /** A balance invoice finalized on Stripe and announced (PatientBalanceInvoiced committed). */
  balanceInvoiceIssued: 'BalanceInvoiceIssued',
  /** A receipt email handed to SES (first send or a resend). */
  receiptSent: 'ReceiptSent',
  /** Claim payments of an imported ERA that were unmatched or did not balance. */
  claimsQuarantined: 'ClaimsQuarantined',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export type MetricsSink = (line: string) => void;
let sink: MetricsSink = (line) => process.stdout.write(`${line}\n`);
const observers = new Set<MetricsSink>();

/** Tests read the EMF lines through this (default: stdout, where CloudWatch Logs reads them). */
export const setMetricsSink = (next: MetricsSink): void => {
  sink = next;
};

/** Also hands every EMF line written from now on to `observer`; returns the function that stops it. */
export const observeMetrics = (observer: MetricsSink): (() => void) => {
  observers.add(observer);
  return () => observers.delete(observer);
};

const recorders = new Map<string, Metrics>();
const recorderFor = (service: string): Metrics => {
  let recorder = recorders.get(service);
  if (!recorder) {
    recorder = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
    recorders.set(service, recorder);
  }
  return recorder;
};

/**
 * Counts `value` of `name` for `service` now: one EMF line. Synchronous from add to serialize, so
 * no other count can slip in between. Never throws: a metric must not fail the work it counts.
 */
export const countMetric = (name: MetricName, value = 1, service = 'kneadpay'): void => {
  if (value <= 0) return;
  const recorder = recorderFor(service);
  try {
    recorder.addMetric(name, MetricUnit.Count, value);
    const line = JSON.stringify(recorder.serializeMetrics());
    sink(line);
    for (const observer of observers) observer(line);
  } catch {
    // An invalid metric is a programming error the tests catch; production keeps working.
  } finally {
    recorder.clearMetrics();
  }
};

/** The outcome of one Stripe event (webhook, reconciler) as its metric. */
export const countStripeEventOutcome = (outcome: 'applied' | 'duplicate' | 'ignored', service: string, value = 1): void =>
  countMetric(outcome === 'applied' ? METRIC.stripeEventApplied : outcome === 'duplicate' ? METRIC.stripeEventDuplicate : METRIC.stripeEventIgnored, value, service);
