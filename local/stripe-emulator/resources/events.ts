/** `GET /v1/events` (newest first, Stripe pagination, `type` with `*` wildcards, `types[]`, `delivery_success`) and `GET /v1/events/:id`. */
import type Stripe from 'stripe';
import { paramError } from '../errors';
import { paginate } from '../list';
import { arr, bool, common, inRange, listing, paramsFor, str } from '../params';
import { route } from '../route';
import { need } from './common';

const listFields = paramsFor<Stripe.EventListParams>()({
  ...listing,
  type: str(),
  types: arr(str(), 20),
  delivery_success: bool(),
});

const typeMatcher = (pattern: string) => {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^]*')}$`,
  );
  return (type: string) => regex.test(type);
};

export const eventRoutes = [
  route('GET', '/v1/events/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'event', id)),
  route('GET', '/v1/events', listFields, (ctx, p) => {
    if (p.type !== undefined && p.types !== undefined) throw paramError('You may only specify one of these parameters: type, types.', 'type', 'parameters_exclusive');
    const matchers = (p.types ?? (p.type !== undefined ? [p.type] : [])).map(typeMatcher);
    return paginate(
      ctx.state.store.list(
        'event',
        ctx.account,
        (event) =>
          (matchers.length === 0 || matchers.some((match) => match(event.type))) &&
          inRange(event.created, p.created) &&
          (p.delivery_success === undefined || ctx.state.deliverySucceeded(event.id) === p.delivery_success),
      ),
      p,
      '/v1/events',
      'event',
    );
  }),
];
