/** Stripe pagination: `limit`, `starting_after`, `ending_before`, `has_more`, `object: "list"`, `url`. */
import type Stripe from 'stripe';
import { invalidRequest } from './errors';

export interface PageParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

/** `items` are newest first. */
export const paginate = <T extends { id: string }>(items: T[], params: PageParams, url: string, label = 'object'): Stripe.ApiList<T> => {
  const limit = params.limit ?? 10;
  if (params.starting_after && params.ending_before)
    throw invalidRequest('You may only specify one of these parameters: starting_after, ending_before.', {
      param: 'starting_after',
      code: 'parameters_exclusive',
      validation: true,
    });
  const cursor = params.starting_after ?? params.ending_before;
  let start = 0;
  let end = Math.min(items.length, limit);
  let hasMore = items.length > limit;
  if (cursor) {
    const index = items.findIndex((item) => item.id === cursor);
    if (index === -1)
      throw invalidRequest(`No such ${label}: '${cursor}'`, {
        param: params.starting_after ? 'starting_after' : 'ending_before',
        code: 'resource_missing',
      });
    if (params.starting_after) {
      start = index + 1;
      end = Math.min(items.length, start + limit);
      hasMore = end < items.length;
    } else {
      end = index;
      start = Math.max(0, index - limit);
      hasMore = start > 0;
    }
  }
  return { object: 'list', data: items.slice(start, end), has_more: hasMore, url };
};

/** A list that is embedded in another object (invoice lines, credit note lines). */
export const embeddedList = <T>(items: T[], url: string, max = 10): Stripe.ApiList<T> => ({
  object: 'list',
  data: items.slice(0, max),
  has_more: items.length > max,
  url,
});
