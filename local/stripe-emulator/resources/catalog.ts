/** Products and prices (one-time and recurring); prices are archived with `active=false`. */
import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import { paginate } from '../list';
import { arr, bool, common, decimal, emptyable, inRange, int, listing, mergeMetadata, metadata, obj, paramsFor, required, str } from '../params';
import { route } from '../route';
import type { Ctx } from '../state';
import { checkAmount, currencyOf, need, previousAttributes } from './common';

/** Wire form of a decimal amount: stripe-node turns these strings into its `Decimal` on receipt. */
export const decimalString = (value: string | number): Stripe.Decimal => String(value) as unknown as Stripe.Decimal;

const productDataFields = {
  name: required(str({ maxLength: 250 })),
  active: bool(),
  metadata: metadata(),
  statement_descriptor: str({ maxLength: 22 }),
  tax_code: str(),
  unit_label: str({ maxLength: 12 }),
  description: str(),
};

const priceDataFields = {
  currency: required(str()),
  unit_amount: int(),
  unit_amount_decimal: decimal(),
  tax_behavior: str({ values: ['exclusive', 'inclusive', 'unspecified'] }),
};

const productCreate = paramsFor<Stripe.ProductCreateParams>()({
  ...common,
  id: str(),
  name: required(str({ maxLength: 250 })),
  active: bool(),
  description: str(),
  metadata: metadata(),
  images: arr(str(), 8),
  url: str(),
  statement_descriptor: str({ maxLength: 22 }),
  tax_code: str(),
  unit_label: str({ maxLength: 12 }),
  default_price_data: obj(priceDataFields),
});
const productUpdate = paramsFor<Stripe.ProductUpdateParams>()({
  ...common,
  name: str({ maxLength: 250 }),
  active: bool(),
  description: emptyable(str()),
  metadata: metadata(),
  images: emptyable(arr(str(), 8)),
  url: emptyable(str()),
  statement_descriptor: str({ maxLength: 22 }),
  tax_code: emptyable(str()),
  unit_label: emptyable(str({ maxLength: 12 })),
  default_price: str(),
});
const productList = paramsFor<Stripe.ProductListParams>()({ ...listing, active: bool(), ids: arr(str()), url: str() });

const priceCreate = paramsFor<Stripe.PriceCreateParams>()({
  ...common,
  currency: required(str()),
  product: str(),
  product_data: obj(productDataFields),
  unit_amount: int(),
  unit_amount_decimal: decimal(),
  active: bool(),
  metadata: metadata(),
  nickname: str(),
  lookup_key: str({ maxLength: 200 }),
  transfer_lookup_key: bool(),
  tax_behavior: str({ values: ['exclusive', 'inclusive', 'unspecified'] }),
  recurring: obj({
    interval: required(str({ values: ['day', 'week', 'month', 'year'] })),
    interval_count: int({ min: 1 }),
    usage_type: str({ values: ['licensed', 'metered'] }),
  }),
});
const priceUpdate = paramsFor<Stripe.PriceUpdateParams>()({
  ...common,
  active: bool(),
  metadata: metadata(),
  nickname: emptyable(str()),
  lookup_key: emptyable(str({ maxLength: 200 })),
  transfer_lookup_key: bool(),
  tax_behavior: str({ values: ['exclusive', 'inclusive', 'unspecified'] }),
});
const priceList = paramsFor<Stripe.PriceListParams>()({
  ...listing,
  active: bool(),
  currency: str(),
  product: str(),
  type: str({ values: ['one_time', 'recurring'] }),
  lookup_keys: arr(str(), 10),
});

export const createProduct = (
  ctx: Ctx,
  p: {
    id?: string;
    name: string;
    active?: boolean;
    description?: string;
    metadata?: Record<string, string> | null;
    images?: string[];
    url?: string;
    statement_descriptor?: string;
    tax_code?: string;
    unit_label?: string;
  },
  options: { unlisted?: boolean } = {},
): Stripe.Product => {
  if (p.id && ctx.state.store.lookup(p.id, ctx.account)) throw invalidRequest('Product already exists.', { param: 'id', code: 'resource_already_exists' });
  const now = ctx.state.now();
  const product: Stripe.Product = {
    id: p.id ?? newId('prod', 14),
    object: 'product',
    active: p.active ?? true,
    created: now,
    default_price: null,
    description: p.description ?? null,
    images: p.images ?? [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, p.metadata),
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: p.statement_descriptor ?? null,
    tax_code: p.tax_code ?? null,
    tax_details: null,
    type: 'service',
    unit_label: p.unit_label ?? null,
    updated: now,
    url: p.url ?? null,
  };
  ctx.state.store.insert('product', ctx.account, product, options);
  ctx.state.emit(ctx, 'product.created', product);
  return product;
};

export interface PriceInput {
  currency: string;
  product: string;
  unit_amount?: number;
  unit_amount_decimal?: string;
  active?: boolean;
  metadata?: Record<string, string> | null;
  nickname?: string;
  lookup_key?: string;
  transfer_lookup_key?: boolean;
  tax_behavior?: 'exclusive' | 'inclusive' | 'unspecified';
  recurring?: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number; usage_type?: 'licensed' | 'metered' };
}

const claimLookupKey = (ctx: Ctx, key: string, transfer: boolean | undefined, priceId: string) => {
  const holder = ctx.state.store.list('price', ctx.account, (p) => p.lookup_key === key && p.id !== priceId)[0];
  if (!holder) return;
  if (!transfer) throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
  holder.lookup_key = null;
};

/** Creates a price; `param` prefixes error params for inline `price_data`. */
export const createPrice = (ctx: Ctx, p: PriceInput, options: { unlisted?: boolean; param?: string } = {}): Stripe.Price => {
  const prefix = options.param ? `${options.param}[` : '';
  const suffix = options.param ? ']' : '';
  const name = (field: string) => `${prefix}${field}${suffix}`;
  if (p.unit_amount === undefined && p.unit_amount_decimal === undefined)
    throw invalidRequest(`Missing required param: ${name('unit_amount')}.`, { param: name('unit_amount'), code: 'parameter_missing', validation: true });
  if (p.unit_amount !== undefined && p.unit_amount_decimal !== undefined)
    throw invalidRequest(`You may only specify one of these parameters: ${name('unit_amount')}, ${name('unit_amount_decimal')}.`, {
      param: name('unit_amount'),
      code: 'parameters_exclusive',
      validation: true,
    });
  if (p.unit_amount !== undefined) checkAmount(p.unit_amount, name('unit_amount'), { allowZero: true });
  need(ctx, 'product', p.product, options.param ? name('product') : 'product');
  const id = newId('price', 24);
  if (p.lookup_key) claimLookupKey(ctx, p.lookup_key, p.transfer_lookup_key, id);
  const unitAmount = p.unit_amount ?? Math.round(Number(p.unit_amount_decimal));
  const price: Stripe.Price = {
    id,
    object: 'price',
    active: p.active ?? true,
    billing_scheme: 'per_unit',
    created: ctx.state.now(),
    currency: currencyOf(p.currency, name('currency')),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookup_key ?? null,
    metadata: mergeMetadata({}, p.metadata),
    nickname: p.nickname ?? null,
    product: p.product,
    recurring: p.recurring
      ? {
          interval: p.recurring.interval,
          interval_count: p.recurring.interval_count ?? 1,
          meter: null,
          trial_period_days: null,
          usage_type: p.recurring.usage_type ?? 'licensed',
        }
      : null,
    tax_behavior: p.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: p.recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: decimalString(p.unit_amount_decimal ?? unitAmount),
  };
  ctx.state.store.insert('price', ctx.account, price, options);
  ctx.state.emit(ctx, 'price.created', price);
  return price;
};

const productIdOf = (price: Stripe.Price): string => (typeof price.product === 'string' ? price.product : price.product.id);

export const catalogRoutes = [
  route('POST', '/v1/products', productCreate, (ctx, p) => {
    const { default_price_data: priceData, expand: _expand, ...fields } = p;
    const product = createProduct(ctx, fields);
    if (priceData) {
      const price = createPrice(ctx, { ...priceData, product: product.id }, { param: 'default_price_data' });
      const before = structuredClone(product);
      product.default_price = price.id;
      ctx.state.emit(ctx, 'product.updated', product, previousAttributes(before, product));
    }
    return product;
  }),
  route('GET', '/v1/products/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'product', id)),
  route('POST', '/v1/products/:id', productUpdate, (ctx, p, { id = '' }) => {
    const product = need(ctx, 'product', id);
    const before = structuredClone(product);
    if (p.name !== undefined) product.name = p.name;
    if (p.active !== undefined) product.active = p.active;
    if (p.description !== undefined) product.description = p.description;
    if (p.images !== undefined) product.images = p.images ?? [];
    if (p.url !== undefined) product.url = p.url;
    if (p.statement_descriptor !== undefined) product.statement_descriptor = p.statement_descriptor;
    if (p.tax_code !== undefined) product.tax_code = p.tax_code;
    if (p.unit_label !== undefined) product.unit_label = p.unit_label;
    if (p.metadata !== undefined) product.metadata = mergeMetadata(product.metadata, p.metadata);
    if (p.default_price !== undefined) {
      const price = need(ctx, 'price', p.default_price, 'default_price');
      if (productIdOf(price) !== product.id) throw invalidRequest(`The price \`${price.id}\` does not belong to product \`${product.id}\`.`, { param: 'default_price' });
      product.default_price = price.id;
    }
    const previous = previousAttributes(before, product);
    if (Object.keys(previous).length) {
      product.updated = ctx.state.now();
      ctx.state.emit(ctx, 'product.updated', product, previous);
    }
    return product;
  }),
  route('DELETE', '/v1/products/:id', {}, (ctx, _p, { id = '' }) => {
    const product = need(ctx, 'product', id);
    if (ctx.state.store.list('price', ctx.account, (price) => productIdOf(price) === id).length > 0)
      throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.');
    ctx.state.store.markDeleted(id, ctx.account);
    ctx.state.emit(ctx, 'product.deleted', product);
    const deleted: Stripe.DeletedProduct = { id, object: 'product', deleted: true };
    return deleted;
  }),
  route('GET', '/v1/products', productList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'product',
        ctx.account,
        (x) => (p.active === undefined || x.active === p.active) && (p.ids === undefined || p.ids.includes(x.id)) && (p.url === undefined || x.url === p.url) && inRange(x.created, p.created),
      ),
      p,
      '/v1/products',
      'product',
    ),
  ),

  route('POST', '/v1/prices', priceCreate, (ctx, p) => {
    if (p.product && p.product_data)
      throw invalidRequest('You may only specify one of these parameters: product, product_data.', {
        param: 'product',
        code: 'parameters_exclusive',
        validation: true,
      });
    let productId = p.product;
    if (!productId) {
      if (!p.product_data) throw invalidRequest('Missing required param: product.', { param: 'product', code: 'parameter_missing', validation: true });
      productId = createProduct(ctx, p.product_data).id;
    }
    const { product_data: _pd, product: _p, expand: _e, ...rest } = p;
    return createPrice(ctx, { ...rest, product: productId });
  }),
  route('GET', '/v1/prices/:id', common, (ctx, _p, { id = '' }) => need(ctx, 'price', id)),
  route('POST', '/v1/prices/:id', priceUpdate, (ctx, p, { id = '' }) => {
    const price = need(ctx, 'price', id);
    const before = structuredClone(price);
    if (p.active !== undefined) price.active = p.active;
    if (p.nickname !== undefined) price.nickname = p.nickname;
    if (p.tax_behavior !== undefined) price.tax_behavior = p.tax_behavior;
    if (p.lookup_key !== undefined) {
      if (p.lookup_key) claimLookupKey(ctx, p.lookup_key, p.transfer_lookup_key, price.id);
      price.lookup_key = p.lookup_key;
    }
    if (p.metadata !== undefined) price.metadata = mergeMetadata(price.metadata, p.metadata);
    const previous = previousAttributes(before, price);
    if (Object.keys(previous).length) ctx.state.emit(ctx, 'price.updated', price, previous);
    return price;
  }),
  route('GET', '/v1/prices', priceList, (ctx, p) =>
    paginate(
      ctx.state.store.list(
        'price',
        ctx.account,
        (x) =>
          // Stripe lists active prices unless `active=false` is asked for.
          x.active === (p.active ?? true) &&
          (p.currency === undefined || x.currency === p.currency.toLowerCase()) &&
          (p.product === undefined || productIdOf(x) === p.product) &&
          (p.type === undefined || x.type === p.type) &&
          (p.lookup_keys === undefined || (x.lookup_key !== null && p.lookup_keys.includes(x.lookup_key))) &&
          inRange(x.created, p.created),
      ),
      p,
      '/v1/prices',
      'price',
    ),
  ),
];
