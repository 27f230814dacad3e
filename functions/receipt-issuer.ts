import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { defaultReceiptDeps, handleReceiptEvent, type ReceiptDeps } from './core/receipts';
import { getStripe } from './stripe/client';
import { createLogger, errorFields, lambdaContext } from './shared/logger';
import { isCatalogued, parseEventDetail } from './shared/events/catalog';

const logger = createLogger('receipt-issuer');
let deps: ReceiptDeps | undefined;

/**
 * Rule target for PaymentSucceeded and PaymentRefunded: issues the payment's (or refund's) one
 * receipt and emails it. A transient failure throws, so EventBridge / Lambda retry the event and,
 * after the last attempt, park it in the function's DLQ; a duplicate event is a no-op.
 */
export const issueReceiptForEvent = async (event: EventBridgeEvent<string, Record<string, unknown>>, _context?: Context) => {
  deps ??= defaultReceiptDeps({ logger, stripe: getStripe });
  const ids = { eventId: event.id, detailType: event['detail-type'], practiceId: event.detail?.practiceId };
  try {
    if (isCatalogued(event['detail-type'])) parseEventDetail(event['detail-type'], event.detail); // the event catalog's schema
    const result = await handleReceiptEvent(deps, event);
    // Not the email's error text: an SES message can quote the address.
    logger.info('receipt event handled', {
      ...ids,
      outcome: result.outcome,
      ...(result.outcome === 'ignored' ? {} : { receiptId: result.receiptId, number: result.number, emailStatus: result.email.emailStatus }),
    });
    return result;
  } catch (error) {
    logger.error('receipt event failed', { ...ids, ...errorFields(error) });
    throw error;
  }
};

export const handler = middy<EventBridgeEvent<string, Record<string, unknown>>, unknown>(issueReceiptForEvent).use(lambdaContext());
