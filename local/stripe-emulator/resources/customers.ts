import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { randomUpper, newId } from '../ids';
import { paginate } from '../list';
import { arr, emptyable, listing, common, mergeMetadata, metadata, paramsFor, str, inRange, int, type Shape } from '../params';
import { route } from '../route';
import type { Ctx } from '../state';
import { address, need, previousAttributes, toAddress } from './common';

const customerFields = {
  address: emptyable(address()),
  description: emptyable(str()),
  email: emptyable(str({ maxLength: 512 })),
  metadata: metadata(),
  name: emptyable(str({ maxLength: 256 })),
  phone: emptyable(str({ maxLength: 20 })),
  preferred_locales: arr(str()),
  invoice_prefix: str({ maxLength: 12 }),
  balance: int(),
};

const createFields = paramsFor<Stripe.CustomerCreateParams>()({ ...common, ...customerFields });
const updateFields = paramsFor<Stripe.CustomerUpdateParams>()({ ...common, ...customerFields });
const listFields = paramsFor<Stripe.CustomerListParams>()({ ...listing, email: str({ maxLength: 512 }) });

const deletedCustomer = (id: string): Stripe.DeletedCustomer => ({ id, object: 'customer', deleted: true });

export const createCustomer = (ctx: Ctx, p: Shape<typeof createFields>): Stripe.Customer => {
  const prefix = p.invoice_prefix ?? randomUpper(8);
  if (!/^[A-Z0-9]{3,12}$/.test(prefix)) throw invalidRequest('Invoice prefix must be 3–12 uppercase letters or numbers.', { param: 'invoice_prefix' });
  const customer: Stripe.Customer = {
    id: newId('cus', 14),
    object: 'customer',
    address: toAddress(p.address),
    balance: p.balance ?? 0,
    created: ctx.state.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: p.description ?? null,
    discount: null,
    email: p.email ?? null,
    invoice_prefix: prefix,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: mergeMetadata({}, p.metadata),
    name: p.name ?? null,
    next_invoice_sequence: 1,
    phone: p.phone ?? null,
    preferred_locales: p.preferred_locales ?? [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  ctx.state.store.insert('customer', ctx.account, customer);
  ctx.state.emit(ctx, 'customer.created', customer);
  return customer;
};

export const customerRoutes = [
  route('POST', '/v1/customers', createFields, (ctx, p) => createCustomer(ctx, p)),
  route('GET', '/v1/customers/:id', common, (ctx, _p, { id = '' }) => {
    if (ctx.state.store.isDeleted('customer', id, ctx.account)) return deletedCustomer(id);
    return need(ctx, 'customer', id);
  }),
  route('POST', '/v1/customers/:id', updateFields, (ctx, p, { id = '' }) => {
    const customer = need(ctx, 'customer', id);
    const before = structuredClone(customer);
    if (p.address !== undefined) customer.address = toAddress(p.address);
    if (p.description !== undefined) customer.description = p.description;
    if (p.email !== undefined) customer.email = p.email;
    if (p.name !== undefined) customer.name = p.name;
    if (p.phone !== undefined) customer.phone = p.phone;
    if (p.preferred_locales !== undefined) customer.preferred_locales = p.preferred_locales;
    if (p.invoice_prefix !== undefined) customer.invoice_prefix = p.invoice_prefix;
    if (p.balance !== undefined) customer.balance = p.balance;
    if (p.metadata !== undefined) customer.metadata = mergeMetadata(customer.metadata, p.metadata);
    const previous = previousAttributes(before, customer);
    if (Object.keys(previous).length) ctx.state.emit(ctx, 'customer.updated', customer, previous);
    return customer;
  }),
  route('DELETE', '/v1/customers/:id', {}, (ctx, _p, { id = '' }) => {
    const customer = need(ctx, 'customer', id);
    ctx.state.store.markDeleted(id);
    ctx.state.emit(ctx, 'customer.deleted', customer);
    return deletedCustomer(id);
  }),
  route('GET', '/v1/customers', listFields, (ctx, p) =>
    paginate(
      ctx.state.store.list('customer', ctx.account, (c) => (p.email === undefined || c.email === p.email) && inRange(c.created, p.created)),
      p,
      '/v1/customers',
      'customer',
    ),
  ),
];

export const customerEmail = (ctx: Ctx, customerId: string | null): string | null => (customerId ? (ctx.state.store.get('customer', customerId, ctx.account)?.email ?? null) : null);
