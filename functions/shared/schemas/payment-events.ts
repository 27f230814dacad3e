/**
 * The details of the two payment events the receipt issuer reads (PaymentSucceeded,
 * PaymentRefunded; docs/events.md), as zod/mini schemas built from the request-body catalog's field
 * rules, so a bad detail is refused in the words `fields()` used (`detail.amountCents must be an
 * integer`). Parse them with `parseDetail`.
 */
import * as z from 'zod/mini';
import { parseBody } from './parse';
import { optionalInt, optionalString, problem, requiredInt, requiredOneOf, requiredString, steps } from './requests';

const PAYMENT_KINDS = ['package', 'invoice'] as const;
const CURRENCY = /^[a-z]{3}$/;

export interface PaymentSucceededDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  amountCents: number;
  currency: string;
  paidAt: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
  /** A balance paid at the practice's desk, not through Stripe: how (the receipt says so). */
  method?: 'cash' | 'card_terminal' | 'check';
}

export interface PaymentRefundedDetail {
  practiceId: string;
  clientId: string;
  kind: 'package' | 'invoice';
  paymentId: string;
  refundId: string;
  amountCents: number;
  totalRefundedCents: number;
  currency: string;
  purchaseId?: string;
  invoiceId?: string;
  claimId?: string;
  creditsRemoved: number;
  refundedAt: string;
}

/** PaymentSucceeded: a package payment names its purchase. */
export const paymentSucceededDetail = steps<PaymentSucceededDetail>(
  z.looseObject({
    kind: requiredOneOf(PAYMENT_KINDS),
    practiceId: requiredString(),
    clientId: requiredString(),
    paymentId: requiredString(),
    amountCents: requiredInt(0),
    currency: requiredString({ pattern: CURRENCY }),
    paidAt: requiredString(),
  }),
  z.transform((detail: Record<string, unknown>, ctx) => {
    const read = detail.kind === 'package' ? requiredString() : optionalString();
    const purchaseId = read.safeParse(detail.purchaseId);
    if (!purchaseId.success) problem(ctx, purchaseId.error.issues[0]!.message, ['purchaseId']);
    return { ...detail, purchaseId: purchaseId.data };
  }),
  z.looseObject({ invoiceId: optionalString(), claimId: optionalString(), method: z.optional(z.enum(['cash', 'card_terminal', 'check'])) }),
  z.transform((d: Record<string, unknown>) => {
    const detail = d as unknown as PaymentSucceededDetail;
    return {
      practiceId: detail.practiceId,
      clientId: detail.clientId,
      kind: detail.kind,
      paymentId: detail.paymentId,
      amountCents: detail.amountCents,
      currency: detail.currency,
      paidAt: detail.paidAt,
      purchaseId: detail.purchaseId,
      invoiceId: detail.invoiceId,
      claimId: detail.claimId,
      ...(detail.method ? { method: detail.method } : {}),
    };
  }),
);

/** PaymentRefunded. */
export const paymentRefundedDetail = z.pipe(
  z.object({
    practiceId: requiredString(),
    clientId: requiredString(),
    kind: requiredOneOf(PAYMENT_KINDS),
    paymentId: requiredString(),
    refundId: requiredString(),
    amountCents: requiredInt(1),
    totalRefundedCents: requiredInt(1),
    currency: requiredString({ pattern: CURRENCY }),
    purchaseId: optionalString(),
    invoiceId: optionalString(),
    claimId: optionalString(),
    creditsRemoved: optionalInt(0, Number.MAX_SAFE_INTEGER),
    refundedAt: requiredString(),
  }),
  z.transform((detail): PaymentRefundedDetail => ({ ...detail, creditsRemoved: detail.creditsRemoved ?? 0 })),
);

/** An event's detail checked with its schema; a bad one is a ValidationError naming `detail.<field>`. */
export const parseDetail = <S extends z.ZodMiniType>(schema: S, detail: Record<string, unknown>): z.output<S> =>
  (parseBody(z.object({ detail: schema }), { detail }) as { detail: z.output<S> }).detail;
