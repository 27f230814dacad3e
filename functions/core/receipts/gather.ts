/** Gathering the facts a receipt states: the practice, the client, the payment method (from Stripe), the package or the claim with its adjudications, earlier payments, the original receipt of a refund. */
import { earlierBalancePaymentsCents, type PaymentMethod, type PaymentPart, type ReceiptInput, type ReceiptSource } from '../../domain/receipt';
import { RetryableError, ValidationError } from '../../shared/errors';
import { lookupInvoicePaymentParts, lookupPaymentMethod, lookupRefundMethod } from '../../stripe/payment-method';
import { adjudicatesPayment } from '../../domain/era835/status';
import { adjudicationsCounted, adjudicationsDecidingShare } from '../../domain/patient-share';
import type { Practice } from '../../domain/practice';
import type { Purchase } from '../../domain/purchase';
import type { ReceiptDeps } from './deps';
import type { PaymentRefundedDetail, PaymentSucceededDetail } from './events';

/**
 * Card brand and last 4 from Stripe. A receipt must not wait on Stripe: when Stripe cannot say
 * (an error, a method without a card), the receipt shows the payment generically.
 */
const paymentMethodFor = async (deps: ReceiptDeps, practice: Practice, paymentId: string): Promise<PaymentMethod> => {
  try {
    return await lookupPaymentMethod(await deps.stripe(), paymentId, practice.stripeAccountId);
  } catch (error) {
    deps.logger.warn('payment method unavailable from Stripe; the receipt shows it generically', {
      practiceId: practice.practiceId,
      paymentId,
      errorName: (error as Error)?.name,
      errorCode: (error as { code?: unknown })?.code,
    });
    return { type: 'unknown' };
  }
};

/**
 * How a balance invoice was paid, from its payments on Stripe. Charged in parts (Stripe's partial
 * payments): each payment, oldest first, with its own method, amount and date, so the receipt
 * matches the card statement (DOMAIN.md §5) — when they sum to what the event says was paid;
 * otherwise (logged) one method for the whole amount, the newest payment's, as before. One payment:
 * its method. Stripe not answering (logged) or no paid payment: `undefined`, the caller asks as before.
 */
const invoicePaymentsFor = async (deps: ReceiptDeps, practice: Practice, detail: PaymentSucceededDetail): Promise<{ method: PaymentMethod; parts?: PaymentPart[] } | undefined> => {
  if (detail.kind !== 'invoice' || !detail.paymentId.startsWith('in_')) return undefined;
  let parts: PaymentPart[];
  try {
    // A payment that paid nothing of this invoice (its PaymentIntent spent on others) is not one of its parts.
    parts = (await lookupInvoicePaymentParts(await deps.stripe(), detail.paymentId, practice.stripeAccountId)).filter((part) => part.amountCents > 0);
  } catch (error) {
    deps.logger.warn('invoice payments unavailable from Stripe; the receipt names one payment method for the whole amount', {
      practiceId: practice.practiceId,
      paymentId: detail.paymentId,
      errorName: (error as Error)?.name,
      errorCode: (error as { code?: unknown })?.code,
    });
    return undefined;
  }
  const newest = parts[parts.length - 1];
  if (!newest) return undefined;
  if (parts.length === 1) return { method: newest.method };
  if (parts.reduce((total, part) => total + part.amountCents, 0) !== detail.amountCents) {
    deps.logger.warn('invoice payments do not sum to the amount paid; the receipt names one payment method for the whole amount', {
      practiceId: practice.practiceId,
      paymentId: detail.paymentId,
      parts: parts.length,
    });
    return { method: newest.method };
  }
  return { method: newest.method, parts };
};

/**
 * Where a refund went back to. A balance invoice paid in parts has several payments: the refund's
 * own payment (read from the refund) says which card, not the invoice's last payment. Other
 * refunds: the payment's method, as before.
 */
const refundMethodFor = async (deps: ReceiptDeps, practice: Practice, detail: PaymentRefundedDetail): Promise<PaymentMethod> => {
  if (detail.kind !== 'invoice' || !detail.paymentId.startsWith('in_') || !detail.refundId.startsWith('re_')) return paymentMethodFor(deps, practice, detail.paymentId);
  try {
    return await lookupRefundMethod(await deps.stripe(), detail.refundId, practice.stripeAccountId);
  } catch (error) {
    deps.logger.warn('refund unavailable from Stripe; the receipt names the payment method of the invoice', {
      practiceId: practice.practiceId,
      paymentId: detail.paymentId,
      refundId: detail.refundId,
      errorName: (error as Error)?.name,
      errorCode: (error as { code?: unknown })?.code,
    });
    return paymentMethodFor(deps, practice, detail.paymentId);
  }
};

const packageFactsOf = async (deps: ReceiptDeps, purchase: Purchase) => {
  const pkg = await deps.receipts.getPackage(purchase.practiceId, purchase.packageId).catch((error: unknown) => {
    if ((error as Error).name === 'NotFoundError') return undefined;
    throw error;
  });
  return {
    purchaseId: purchase.purchaseId,
    packageName: pkg?.name ?? `Session package (${purchase.sessionsTotal} sessions)`,
    serviceCode: pkg?.serviceCode ?? null,
    sessionMinutes: purchase.sessionMinutes,
    sessionsTotal: purchase.sessionsTotal,
    sessionsRemaining: purchase.sessionsRemaining,
    creditsRemoved: purchase.creditsRemoved,
    priceCents: purchase.priceCents,
  };
};

const requirePurchase = async (deps: ReceiptDeps, practiceId: string, clientId: string, purchaseId: string): Promise<Purchase> => {
  const purchase = await deps.receipts.getPurchase(practiceId, clientId, purchaseId);
  // The event is committed with the purchase, so this is a wrong id rather than a race; retry anyway.
  if (!purchase) throw new RetryableError(`purchase ${purchaseId} not found`);
  return purchase;
};

export type Facts = (number: string, issuedAt: string) => ReceiptInput;

export const paymentFacts = async (deps: ReceiptDeps, practice: Practice, detail: PaymentSucceededDetail): Promise<{ facts: Facts; source: ReceiptSource }> => {
  const client = await deps.receipts.getClient(practice.practiceId, detail.clientId);
  // A balance paid at the desk never went through Stripe: the event says how.
  const paid = detail.method ? undefined : await invoicePaymentsFor(deps, practice, detail);
  const method: PaymentMethod = detail.method ? { type: 'in_person', method: detail.method } : (paid?.method ?? (await paymentMethodFor(deps, practice, detail.paymentId)));
  const payment = { paymentId: detail.paymentId, amountCents: detail.amountCents, currency: detail.currency, paidAt: detail.paidAt, method, ...(paid?.parts ? { parts: paid.parts } : {}) };
  const common = { practice, clientName: client.name };
  if (detail.kind === 'package') {
    const purchase = await requirePurchase(deps, practice.practiceId, detail.clientId, detail.purchaseId!);
    // A sale receipt states the package as it was bought: a visit redeemed before the receipt is
    // issued (the consumer runs after the payment) must not show up on it.
    const pkg = { ...(await packageFactsOf(deps, purchase)), sessionsRemaining: purchase.sessionsTotal, creditsRemoved: 0 };
    return {
      source: { type: 'payment', paymentKind: detail.kind, paymentId: detail.paymentId, purchaseId: purchase.purchaseId },
      facts: (number, issuedAt) => ({ ...common, number, issuedAt, kind: 'package', payment, package: pkg }),
    };
  }
  const claimId = detail.claimId ?? (detail.invoiceId ? (await deps.receipts.getInvoiceRef(practice.practiceId, detail.invoiceId))?.claimId : undefined);
  if (!claimId) throw new ValidationError('a balance payment needs a claimId (or an invoiceId whose invoice names one)', { field: 'detail.claimId' });
  const claim = await deps.receipts.getClaim(practice.practiceId, claimId);
  if (!claim) throw new RetryableError(`claim ${claimId} not found`);
  // A predetermination or "not our claim" decided no money: not part of what the receipt itemizes.
  // With several payers, each one's payment counts, but only the deciding payer's PR (what the
  // patient owes after coordination of benefits): the others' PR adjustments are left out.
  // A payer's denial staff or the sweep set aside (a released payer_denied hold, decision 015 § 6)
  // decided nothing of what was billed: left out, as the balance plan leaves it out (bug 156).
  const paying = adjudicationsCounted(claim.balanceRelease?.setAside, await deps.receipts.listAdjudications(practice.practiceId, claimId)).filter((adjudication) =>
    adjudicatesPayment(adjudication.statusCode),
  );
  const deciding = new Set(adjudicationsDecidingShare(paying));
  const withoutPr = <T extends { group: string }>(adjustments: T[]) => adjustments.filter((adjustment) => adjustment.group !== 'PR');
  const adjudications = paying.map((adjudication) =>
    deciding.has(adjudication)
      ? adjudication
      : { ...adjudication, claimAdjustments: withoutPr(adjudication.claimAdjustments), lines: adjudication.lines.map((line) => ({ ...line, adjustments: withoutPr(line.adjustments) })) },
  );
  // Earlier balance payments on this claim, as their receipts recorded them, less their refunds.
  const earlierCents = earlierBalancePaymentsCents(await deps.receipts.listClientReceipts(practice.practiceId, detail.clientId), claimId, detail.paymentId);
  return {
    source: {
      type: 'payment',
      paymentKind: detail.kind,
      paymentId: detail.paymentId,
      claimId,
      ...(detail.invoiceId ? { invoiceId: detail.invoiceId } : {}),
    },
    facts: (number, issuedAt) => ({
      ...common,
      number,
      issuedAt,
      kind: 'balance',
      payment,
      claim: {
        claimId: claim.claimId,
        payerName: claim.payerName,
        dateOfService: claim.dateOfService,
        placeOfService: claim.placeOfService,
        diagnosisCodes: claim.diagnosisCodes,
        lines: claim.lines.map((line) => ({ procedureCode: line.procedureCode, modifiers: line.modifiers, units: line.units, chargeCents: line.chargeCents })),
        collectedCents: claim.collectedCents,
      },
      adjudications: adjudications.map((adjudication) => ({
        paidCents: adjudication.paidCents,
        claimAdjustments: adjudication.claimAdjustments,
        lines: adjudication.lines,
      })),
      earlierPaymentsCents: earlierCents,
    }),
  };
};

export const refundFacts = async (deps: ReceiptDeps, practice: Practice, detail: PaymentRefundedDetail): Promise<{ facts: Facts; source: ReceiptSource }> => {
  const client = await deps.receipts.getClient(practice.practiceId, detail.clientId);
  const method = await refundMethodFor(deps, practice, detail);
  const purchase = detail.purchaseId ? await requirePurchase(deps, practice.practiceId, detail.clientId, detail.purchaseId) : undefined;
  const pkg = purchase ? await packageFactsOf(deps, purchase) : null;
  const originalRef = await deps.receipts.findIssuedReceipt(practice.practiceId, deps.receipts.receiptSourceKey({ type: 'payment', paymentId: detail.paymentId }));
  const original = originalRef ? await deps.receipts.getReceipt(practice.practiceId, originalRef.receiptId) : undefined;
  const claimId = detail.claimId ?? original?.source.claimId;
  // Events come in no guaranteed order: without the payment's receipt yet, a balance payment's
  // amount is what its invoice was paid (else "Refunded" for a refund of part of it).
  const invoicePaidCents = !original && detail.kind === 'invoice' && detail.invoiceId ? (await deps.receipts.getInvoiceRef(practice.practiceId, detail.invoiceId))?.amountPaidCents : undefined;
  // A balance refund names the service its payment paid for (DOMAIN.md §5: the date of service).
  const claim = detail.kind === 'invoice' && claimId ? await deps.receipts.getClaim(practice.practiceId, claimId) : undefined;
  return {
    source: {
      type: 'refund',
      paymentKind: detail.kind,
      paymentId: detail.paymentId,
      refundId: detail.refundId,
      ...(detail.purchaseId ? { purchaseId: detail.purchaseId } : {}),
      ...(detail.invoiceId ? { invoiceId: detail.invoiceId } : {}),
      ...(claimId ? { claimId } : {}),
    },
    facts: (number, issuedAt) => ({
      practice,
      clientName: client.name,
      number,
      issuedAt,
      kind: 'refund',
      package: pkg,
      refund: {
        refundId: detail.refundId,
        paymentId: detail.paymentId,
        amountCents: detail.amountCents,
        totalRefundedCents: detail.totalRefundedCents,
        currency: detail.currency,
        refundedAt: detail.refundedAt,
        creditsRemoved: detail.creditsRemoved,
        of: detail.kind === 'package' ? 'package' : 'balance',
        originalReceiptNumber: original?.number ?? null,
        originalAmountCents: original?.totalCents ?? purchase?.priceCents ?? invoicePaidCents ?? null,
        method,
        service: claim ? { claimId: claim.claimId, dateOfService: claim.dateOfService } : null,
      },
    }),
  };
};
