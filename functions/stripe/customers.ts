/** Stripe Customers: the client's name and email live here and nowhere else on Stripe (DOMAIN.md §6). */
import type Stripe from 'stripe';
import { call, collect, guarded, requestOptions, type StripeScope } from './gateway';

export const createCustomer = (scope: StripeScope, params: Stripe.CustomerCreateParams, idempotencyKey: string): Promise<Stripe.Customer> =>
  call(scope, 'create the customer', () => scope.stripe.customers.create(guarded(params, 'customer', { contact: true }), requestOptions(scope, idempotencyKey)));

export const updateCustomer = (scope: StripeScope, id: string, params: Stripe.CustomerUpdateParams, idempotencyKey: string): Promise<Stripe.Customer> =>
  call(scope, 'update the customer', () => scope.stripe.customers.update(id, guarded(params, 'customer', { contact: true }), requestOptions(scope, idempotencyKey)));

export const retrieveCustomer = (scope: StripeScope, id: string): Promise<Stripe.Customer | Stripe.DeletedCustomer> =>
  call(scope, 'read the customer', () => scope.stripe.customers.retrieve(id, {}, requestOptions(scope)));

/** The first customer created since `createdGte` (seconds) that `match` accepts (a lost answer, found by metadata). */
export const findCustomer = async (scope: StripeScope, createdGte: number, match: (customer: Stripe.Customer) => boolean): Promise<Stripe.Customer | undefined> =>
  (await collect(scope, 'list customers', () => scope.stripe.customers.list({ created: { gte: createdGte }, limit: 100 }, requestOptions(scope)), match, true))[0];
