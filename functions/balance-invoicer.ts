import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { invoiceClaimBalance } from './core/invoicing';
import type { ClaimAdjudicatedDetail } from './core/remittances';
import { createLogger, lambdaContext } from './shared/logger';
import { parseEventDetail } from './shared/events/catalog';
import { getStore } from './store/table';
import { getStripe } from './stripe/client';
import { config } from './shared/config';

const logger = createLogger('balance-invoicer');
const publicUrl = () => config().publicUrl;

/**
 * Consumer of ClaimAdjudicated: invoices the client for the non-covered balance, exactly once, and
 * corrects it when the payer reverses or corrects the claim. A failure throws: the bus retries it
 * and, after the retry policy, parks it in the function's dead-letter queue.
 */
export const handler = middy(async (event: EventBridgeEvent<'ClaimAdjudicated', ClaimAdjudicatedDetail>) => {
  parseEventDetail('ClaimAdjudicated', event.detail, logger); // the event catalog's shape; the money rules are core/remittances.ts's
  const { invoices, actions } = await invoiceClaimBalance({ store: getStore(), stripe: getStripe, publicUrl: publicUrl(), logger }, event.detail);
  logger.info('claim balance reconciled', {
    // Ids only: the claim id is the practice's claim number (PHI); the invoice ids lead to it.
    practiceId: event.detail.practiceId,
    eventId: event.id,
    actions: actions.map((action) => action.kind),
    invoices: invoices.map((invoice) => `${invoice.invoiceId}:${invoice.status}`),
  });
}).use(lambdaContext());
