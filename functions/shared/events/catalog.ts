/**
 * The event catalog: one zod schema per `detail-type` on the `kneadpay` bus (docs/events.md is its
 * prose; test/unit/event-catalog.test.ts keeps the two in step, both ways).
 *
 * Producers validate before the outbox item is written (store/outbox.ts `validateOutboxEvents`, the
 * first thing commitOnce does): an event that does not match its schema is a bug, and nothing is committed.
 * Consumers parse their detail with `parseEventDetail` before acting on it.
 *
 * The details kneadpay produces are strict objects: a field the catalog does not name is refused,
 * so no undocumented field (least of all a name, an email or a diagnosis) can slip onto the bus.
 * `ClaimAdjudicated` is also accepted as input from other claims systems (SPEC §4): its schema
 * checks the shape only and lets extra fields through; its money rules (integer cents, balancing,
 * status names) are the domain's (core/remittances.ts `externalAdjudicationProblems`), which name
 * each problem.
 *
 * Built on `zod/mini` (the tree-shakable build of zod 4): every function that commits carries it.
 */
import * as z from 'zod/mini';
import { WRITE_OFF_REASONS } from '../../domain/invoice';
import { BALANCE_HOLD_REASONS } from '../../domain/patient-share';
import { ValidationError } from '../errors';

const id = () => z.string().check(z.minLength(1));
const cents = () => z.int();
const currency = () => z.string().check(z.regex(/^[a-z]{3}$/));
const isoTime = () => z.string().check(z.minLength(1));
const paymentKind = () => z.enum(['package', 'invoice']);
const version = () => z.literal(1);

/**
 * The schemas, built on first use rather than at import: building them costs a few milliseconds
 * of CPU that every function that commits would otherwise pay at cold start (bench/coldstart.ts).
 */
const buildCatalog = () => {
  const adjustment = z.looseObject({ group: z.string(), reason: z.string(), amountCents: z.number() });
  return {
    /** Pinned (SPEC §4); also accepted as input, so loose. Money rules: core/remittances.ts. */
    ClaimAdjudicated: z.looseObject({
      version: z.optional(z.number()),
      practiceId: id(),
      claimId: id(),
      remittance: z.looseObject({ traceNumber: z.string(), payerId: z.optional(z.nullable(z.string())), paidAt: z.optional(z.nullable(z.string())) }),
      payerClaimControlNumber: z.optional(z.nullable(z.string())),
      statusCode: z.string(),
      status: z.string(),
      chargeCents: z.number(),
      paidCents: z.number(),
      patientResponsibilityCents: z.number(),
      claimAdjustments: z.array(adjustment),
      lines: z.array(z.looseObject({ adjustments: z.array(adjustment) })),
    }),
    RemittanceQuarantined: z.strictObject({
      version: version(),
      practiceId: id(),
      remittanceId: id(),
      traceNumber: z.string(),
      claims: z.int(),
      quarantinedCount: z.int(),
    }),
    PackagePurchased: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      purchaseId: id(),
      packageId: id(),
      sessionsTotal: z.int(),
      amountCents: cents(),
      currency: currency(),
      expiresAt: z.nullable(isoTime()),
    }),
    PaymentSucceeded: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      kind: paymentKind(),
      paymentId: id(),
      amountCents: cents(),
      currency: currency(),
      paidAt: isoTime(),
      purchaseId: z.optional(id()),
      invoiceId: z.optional(id()),
      claimId: z.optional(id()),
      // A balance paid at the desk (not through Stripe): how.
      method: z.optional(z.enum(['cash', 'card_terminal', 'check'])),
    }),
    PaymentRefunded: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      purchaseId: z.optional(id()),
      invoiceId: z.optional(id()),
      claimId: z.optional(id()),
      kind: paymentKind(),
      paymentId: id(),
      refundId: id(),
      amountCents: cents(),
      totalRefundedCents: cents(),
      currency: currency(),
      creditsRemoved: z.int(),
      refundedAt: isoTime(),
    }),
    PaymentDisputeLost: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      kind: z.literal('invoice'),
      invoiceId: id(),
      claimId: id(),
      paymentId: id(),
      disputeId: id(),
      amountCents: cents(),
      currency: currency(),
      lostAt: isoTime(),
    }),
    CreditsRedeemed: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      purchaseId: id(),
      redemptionId: id(),
      appointmentId: id(),
      sessions: z.int(),
    }),
    CreditsExpired: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      purchaseId: id(),
      sessionsExpired: z.int(),
      expiresAt: isoTime(),
    }),
    PatientBalanceInvoiced: z.strictObject({
      version: version(),
      practiceId: id(),
      claimId: id(),
      clientId: id(),
      invoiceId: id(),
      amountDueCents: cents(),
      currency: currency(),
      dueAt: z.nullable(isoTime()),
    }),
    PatientBalanceAdjusted: z.strictObject({
      version: version(),
      practiceId: id(),
      claimId: id(),
      clientId: id(),
      currency: currency(),
      patientShareCents: cents(),
      previousInvoicedCents: cents(),
      invoicedCents: cents(),
      actions: z.array(z.strictObject({ kind: z.enum(['invoice', 'void', 'refund', 'credit']), amountCents: z.optional(cents()), invoiceId: z.optional(id()) })),
    }),
    PatientBalanceHeld: z.strictObject({
      version: version(),
      practiceId: id(),
      claimId: id(),
      clientId: id(),
      reason: z.enum(BALANCE_HOLD_REASONS),
      since: isoTime(),
    }),
    PatientBalanceReleased: z.strictObject({
      version: version(),
      practiceId: id(),
      claimId: id(),
      clientId: id(),
      reason: z.enum(BALANCE_HOLD_REASONS),
      heldSince: isoTime(),
      releasedBy: z.enum(['staff', 'timeout']),
      releasedAt: isoTime(),
    }),
    ReceiptIssued: z.strictObject({
      version: version(),
      practiceId: id(),
      clientId: id(),
      receiptId: id(),
      number: z.string().check(z.regex(/^R-\d{6,}$/)),
      kind: z.enum(['package', 'balance', 'refund']),
      totalCents: cents(),
      currency: currency(),
      paymentId: id(),
      refundId: z.optional(id()),
    }),
    StripeAccountUpdated: z.strictObject({
      version: version(),
      practiceId: id(),
      accountId: id(),
      chargesEnabled: z.boolean(),
      payoutsEnabled: z.boolean(),
      detailsSubmitted: z.boolean(),
      requirementsDue: z.array(z.string()),
    }),
    StripeAccountDeauthorized: z.strictObject({
      version: version(),
      practiceId: id(),
      accountId: id(),
    }),
    StripeAccountReleased: z.strictObject({
      version: version(),
      practiceId: id(),
      accountId: id(),
      auditId: id(),
      releasedAt: isoTime(),
    }),
    PatientBalanceWrittenOff: z.strictObject({
      version: version(),
      practiceId: id(),
      claimId: id(),
      clientId: id(),
      invoiceId: id(),
      writeOffId: id(),
      reason: z.enum(WRITE_OFF_REASONS),
      amountCents: cents(),
      // A partial write-off (docs/decisions/014, "Part of a balance"): what the invoice still asks for after it.
      amountRemainingCents: z.optional(cents()),
      currency: currency(),
      writtenOffAt: isoTime(),
    }),
    PlatformFeeCollected: z.strictObject({
      version: version(),
      practiceId: id(),
      accountId: z.nullable(id()),
      kind: paymentKind(),
      paymentId: id(),
      grossCents: cents(),
      feeCents: cents(),
      netCents: cents(),
      currency: currency(),
    }),
  } as const;
};

export type EventCatalog = ReturnType<typeof buildCatalog>;
export type EventDetailType = keyof EventCatalog;
export type EventDetail<T extends EventDetailType> = z.infer<EventCatalog[T]>;

let built: EventCatalog | undefined;
/** One zod schema per detail-type on the bus. */
export const eventCatalog = (): EventCatalog => (built ??= buildCatalog());

/** The catalogued detail-types (the same keys as `eventCatalog()`; a test holds them together). */
export const EVENT_DETAIL_TYPES: readonly EventDetailType[] = [
  'ClaimAdjudicated',
  'RemittanceQuarantined',
  'PackagePurchased',
  'PaymentSucceeded',
  'PaymentRefunded',
  'PaymentDisputeLost',
  'CreditsRedeemed',
  'CreditsExpired',
  'PatientBalanceInvoiced',
  'PatientBalanceAdjusted',
  'PatientBalanceWrittenOff',
  'PatientBalanceHeld',
  'PatientBalanceReleased',
  'ReceiptIssued',
  'StripeAccountUpdated',
  'StripeAccountDeauthorized',
  'StripeAccountReleased',
  'PlatformFeeCollected',
];
const CATALOGUED: ReadonlySet<string> = new Set(EVENT_DETAIL_TYPES);

export const isCatalogued = (detailType: string): detailType is EventDetailType => CATALOGUED.has(detailType);

/** What is wrong with a detail, field by field (paths and rules only: never the values, which may be PHI). */
const problemsOf = (issues: readonly z.core.$ZodIssue[]): string[] =>
  issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : 'detail';
    switch (issue.code) {
      case 'invalid_type':
        return `${path}: expected ${issue.expected}`;
      case 'unrecognized_keys':
        return `${path}: fields not in the catalog: ${issue.keys.join(', ')}`;
      case 'invalid_value':
        return `${path}: expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
      case 'invalid_format':
        return `${path}: not in the expected format`;
      case 'too_small':
        return `${path}: empty`;
      default:
        return `${path}: ${issue.code}`;
    }
  });

/** A detail that does not match the catalog: a 400-class error naming the fields. */
export class EventDetailError extends ValidationError {
  constructor(
    readonly detailType: string,
    readonly problems: string[],
  ) {
    super(`${detailType} detail does not match the event catalog: ${problems.join('; ')}`, { field: 'detail', detailType, problems });
    this.name = 'EventDetailError';
  }
}

/** The problems of a detail against its detail-type's schema; [] when it matches. An uncatalogued type is one problem. */
export const eventDetailProblems = (detailType: string, detail: unknown): string[] => {
  if (!isCatalogued(detailType)) return [`${detailType} is not an event type of the catalog`];
  const parsed = eventCatalog()[detailType].safeParse(detail);
  return parsed.success ? [] : problemsOf(parsed.error.issues);
};

/** Where a consumer's refusal is logged (shared/logger.ts `Logger` fits). */
interface RefusalLog {
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Parses a detail with its schema (consumers, producers); throws EventDetailError naming the fields.
 * With `log`, a refusal is also logged (the practice and the problems: paths and rules, no values),
 * so a delivery that fails says why.
 */
export function parseEventDetail<T extends EventDetailType>(detailType: T, detail: unknown, log?: RefusalLog): EventDetail<T>;
export function parseEventDetail(detailType: string, detail: unknown, log?: RefusalLog): Record<string, unknown>;
export function parseEventDetail(detailType: string, detail: unknown, log?: RefusalLog): Record<string, unknown> {
  const refuse = (problems: string[]): never => {
    const practiceId = (detail as { practiceId?: unknown } | null | undefined)?.practiceId;
    log?.error(`${detailType} refused by the event catalog; nothing done`, { practiceId: typeof practiceId === 'string' ? practiceId : undefined, problems });
    throw new EventDetailError(detailType, problems);
  };
  if (!isCatalogued(detailType)) return refuse([`${detailType} is not an event type of the catalog`]);
  const parsed = eventCatalog()[detailType].safeParse(detail);
  if (!parsed.success) return refuse(problemsOf(parsed.error.issues));
  return parsed.data as Record<string, unknown>;
}
