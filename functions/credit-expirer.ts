import middy from '@middy/core';
import { expirePurchases } from './core/credit-expiry';
import { createLogger, errorFields, lambdaContext } from './shared/logger';
import { getStore, type Store } from './store/table';
import { listPracticeIds } from './store/practices';

const logger = createLogger('credit-expirer');

/** Scheduled: marks purchases past their expiry in every practice, once each (CreditsExpired). */
export const expireAllPractices = async (now = new Date(), store: Store = getStore()) => {
  let expired = 0;
  let practices = 0;
  let failed = 0;
  for (const practiceId of await listPracticeIds(store)) {
    practices += 1;
    try {
      expired += await expirePurchases(store, practiceId, now);
    } catch (error) {
      // One practice's trouble must not stop the others; the next run picks it up again.
      failed += 1;
      logger.error('expiry failed for a practice', { practiceId, ...errorFields(error) });
    }
  }
  logger.info('expiry run finished', { practices, expired, failed });
  if (failed > 0) throw new Error(`expiry failed for ${failed} practice(s)`);
  return { expired, practices };
};

export const handler = middy(async () => expireAllPractices()).use(lambdaContext());
