/** Stripe Products and Prices: a package's generic name and its price (no service code ever). */
import type Stripe from 'stripe';
import { call, guarded, mapStripeError, requestOptions, type StripeScope } from './gateway';

export const createProduct = (scope: StripeScope, params: Stripe.ProductCreateParams, idempotencyKey: string): Promise<Stripe.Product> =>
  call(scope, 'create the product', () => scope.stripe.products.create(guarded(params, 'product'), requestOptions(scope, idempotencyKey)));

export const retrieveProduct = (scope: StripeScope, id: string): Promise<Stripe.Product> => call(scope, 'read the product', () => scope.stripe.products.retrieve(id, {}, requestOptions(scope)));

export const createPrice = (scope: StripeScope, params: Stripe.PriceCreateParams, idempotencyKey: string): Promise<Stripe.Price> =>
  call(scope, 'create the price', () => scope.stripe.prices.create(guarded(params, 'price'), requestOptions(scope, idempotencyKey)));

/** The price holding this lookup key, if any (lookup keys are unique per account). */
export const findPriceByLookupKey = async (scope: StripeScope, lookupKey: string): Promise<Stripe.Price | undefined> =>
  (await call(scope, 'list prices', () => scope.stripe.prices.list({ lookup_keys: [lookupKey], limit: 1 }, requestOptions(scope)))).data[0];

export const archivePrice = (scope: StripeScope, id: string, idempotencyKey: string): Promise<Stripe.Price> =>
  call(scope, 'archive the price', () => scope.stripe.prices.update(id, { active: false }, requestOptions(scope, idempotencyKey)));

/** The price, or undefined when this account has no price of that id (Stripe: `resource_missing`). */
export const findPrice = async (scope: StripeScope, id: string): Promise<Stripe.Price | undefined> => {
  try {
    return await scope.stripe.prices.retrieve(id, {}, requestOptions(scope));
  } catch (error) {
    if ((error as { code?: string }).code === 'resource_missing') return undefined;
    throw mapStripeError('read the price', error, scope);
  }
};
