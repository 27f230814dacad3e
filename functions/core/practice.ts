import { NotFoundError } from '../shared/errors';
import type { Store } from '../store/table';
import type { Practice } from '../domain/practice';
import { getPractice } from '../store/practices';
import type { PracticePort } from './ports';

/** The default implementation of the port: the table (core/ports.ts). */
export const PRACTICE_STORE: PracticePort = { getPractice };

/**
 * The practice a request acts for, or 404. Kept apart from the package code so that functions
 * which never call Stripe (claims, remittances, clients) do not bundle the Stripe SDK.
 */
export const requirePractice = async (store: Store, practiceId: string, port: PracticePort = PRACTICE_STORE): Promise<Practice> => {
  const practice = await port.getPractice(store, practiceId);
  if (!practice) throw new NotFoundError('practice (create it first with PUT /practices/{practiceId})');
  return practice;
};
