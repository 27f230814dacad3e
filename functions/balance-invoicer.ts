import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { billReleasedBalance, invoiceClaimBalance, replanAfterPaymentOverVoid, resumeInvoicesAwaitingStripe, sweepHeldInvoices } from './core/invoicing';
import type { ClaimAdjudicatedDetail } from './core/remittances';
import { createLogger, lambdaContext } from './shared/logger';
import { parseEventDetail } from './shared/events/catalog';
import { getStore } from './store/table';
import { getStripe } from './stripe/client';
import { config } from './shared/config';

const logger = createLogger('balance-invoicer');
const publicUrl = () => config().publicUrl;

type StripeAccountUpdatedDetail = { practiceId: string; accountId: string; chargesEnabled: boolean };

/**
 * Consumer of StripeAccountUpdated: once the practice's connected account can charge, the balance
 * invoices that waited for it (`awaiting_stripe`) go out, exactly once. A failure throws: the bus
 * retries it, then parks it in the function's dead-letter queue.
 */
const resumeOnAccountUpdated = async (event: EventBridgeEvent<'StripeAccountUpdated', StripeAccountUpdatedDetail>) => {
  parseEventDetail('StripeAccountUpdated', event.detail, logger);
  if (!event.detail.chargesEnabled) return;
  const resumed = await resumeInvoicesAwaitingStripe({ store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger }, event.detail.practiceId);
  logger.info('balance invoices awaiting Stripe resumed', {
    practiceId: event.detail.practiceId,
    eventId: event.id,
    invoices: resumed.map((invoice) => `${invoice.invoiceId}:${invoice.status}`),
  });
};

/**
 * Consumer of ClaimAdjudicated: invoices the client for the non-covered balance, exactly once, and
 * corrects it when the payer reverses or corrects the claim. A failure throws: the bus retries it
 * and, after the retry policy, parks it in the function's dead-letter queue.
 */
const invoiceOnClaimAdjudicated = async (event: EventBridgeEvent<'ClaimAdjudicated', ClaimAdjudicatedDetail>) => {
  parseEventDetail('ClaimAdjudicated', event.detail, logger); // the event catalog's shape; the money rules are core/remittances.ts's
  const { invoices, actions } = await invoiceClaimBalance({ store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger }, event.detail);
  logger.info('claim balance reconciled', {
    // Ids only: the claim id is the practice's claim number (PHI); the invoice ids lead to it.
    practiceId: event.detail.practiceId,
    eventId: event.id,
    actions: actions.map((action) => action.kind),
    invoices: invoices.map((invoice) => `${invoice.invoiceId}:${invoice.status}`),
  });
};

type PaymentSucceededDetail = { practiceId: string; kind: string; invoiceId?: string };

/**
 * Consumer of PaymentSucceeded: a balance invoice paid just before a plan's void of it reached
 * Stripe has its claim planned again (bug 100); every other payment is left alone.
 */
const replanOnPaymentSucceeded = async (event: EventBridgeEvent<'PaymentSucceeded', PaymentSucceededDetail>) => {
  parseEventDetail('PaymentSucceeded', event.detail, logger);
  if (event.detail.kind !== 'invoice' || !event.detail.invoiceId) return;
  const { invoices, actions } = await replanAfterPaymentOverVoid(
    { store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger },
    { practiceId: event.detail.practiceId, invoiceId: event.detail.invoiceId },
  );
  if (actions.length > 0)
    logger.info('claim balance planned again after a payment that overtook a void', {
      practiceId: event.detail.practiceId,
      eventId: event.id,
      actions: actions.map((action) => action.kind),
      invoices: invoices.map((invoice) => `${invoice.invoiceId}:${invoice.status}`),
    });
};

type PatientBalanceReleasedDetail = { practiceId: string; claimId: string; releasedBy: string };

/**
 * Consumer of PatientBalanceReleased: staff pressed "bill the patient now" (or the sweep's timeout
 * released the claim and billed it already): the claim's balance is planned on what the payers have
 * said so far and its invoice driven, exactly once however often the event comes.
 */
const billOnBalanceReleased = async (event: EventBridgeEvent<'PatientBalanceReleased', PatientBalanceReleasedDetail>) => {
  parseEventDetail('PatientBalanceReleased', event.detail, logger);
  const { invoices, actions } = await billReleasedBalance({ store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger }, event.detail.practiceId, event.detail.claimId);
  logger.info('released patient balance billed', {
    practiceId: event.detail.practiceId,
    eventId: event.id,
    releasedBy: event.detail.releasedBy,
    actions: actions.map((action) => action.kind),
    invoices: invoices.map((invoice) => `${invoice.invoiceId}:${invoice.status}`),
  });
};

/**
 * Scheduled (lib/wiring.ts SCHEDULES): every held balance invoice whose reason is gone goes out,
 * exactly once, when the event that would have resumed it was lost (core/invoicing/sweep.ts).
 */
const sweepOnSchedule = async () => sweepHeldInvoices({ store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger });

/** The balance invoicer's rules and schedule (lib/wiring.ts): ClaimAdjudicated, StripeAccountUpdated, PaymentSucceeded, PatientBalanceReleased, the hourly sweep. */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  if (event['detail-type'] === 'Scheduled Event') return sweepOnSchedule();
  if (event['detail-type'] === 'PaymentSucceeded') return replanOnPaymentSucceeded(event as EventBridgeEvent<'PaymentSucceeded', PaymentSucceededDetail>);
  if (event['detail-type'] === 'PatientBalanceReleased') return billOnBalanceReleased(event as EventBridgeEvent<'PatientBalanceReleased', PatientBalanceReleasedDetail>);
  if (event['detail-type'] === 'StripeAccountUpdated') return resumeOnAccountUpdated(event as EventBridgeEvent<'StripeAccountUpdated', StripeAccountUpdatedDetail>);
  return invoiceOnClaimAdjudicated(event as EventBridgeEvent<'ClaimAdjudicated', ClaimAdjudicatedDetail>);
}).use(lambdaContext());
