/**
 * What goes on the wire: a deep copy of the stored object, with `expand[]` applied — ids replaced by
 * the objects they name (`customer`, `data.customer`, `payment_intent.latest_charge`, …) and
 * "includable" fields Stripe leaves out unless asked (`line_items` on a Checkout Session, `refunds` on
 * a Charge, `payments` on an Invoice) filled in.
 */
import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import { embeddedList } from './list';
import type { Ctx } from './state';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const chargeRefunds = (ctx: Ctx, chargeId: string): Stripe.ApiList<Stripe.Refund> =>
  embeddedList(
    ctx.state.store.list('refund', ctx.account, (r) => r.charge === chargeId),
    `/v1/charges/${chargeId}/refunds`,
  );

export const invoicePayments = (ctx: Ctx, invoiceId: string): Stripe.ApiList<Stripe.InvoicePayment> =>
  embeddedList(
    ctx.state.store.list('invoice_payment', ctx.account, (p) => p.invoice === invoiceId),
    `/v1/invoice_payments?invoice=${invoiceId}`,
  );

export const sessionLineItems = (ctx: Ctx, sessionId: string): Stripe.ApiList<Stripe.LineItem> =>
  embeddedList(ctx.state.sessionLineItems.get(sessionId) ?? [], `/v1/checkout/sessions/${sessionId}/line_items`);

/** A Charge with its refunds, as `charge.refunded` events carry it. */
export const chargeWithRefunds = (ctx: Ctx, charge: Stripe.Charge): Stripe.Charge => ({ ...charge, refunds: chargeRefunds(ctx, charge.id) });

const includable = (ctx: Ctx, object: Record<string, unknown>, field: string): unknown => {
  const id = typeof object.id === 'string' ? object.id : '';
  switch (`${String(object.object)}.${field}`) {
    case 'checkout.session.line_items':
      return sessionLineItems(ctx, id);
    case 'charge.refunds':
      return chargeRefunds(ctx, id);
    case 'invoice.payments':
      return invoicePayments(ctx, id);
    default:
      return undefined;
  }
};

const expandPath = (ctx: Ctx, value: unknown, segments: string[], full: string): unknown => {
  const [head, ...rest] = segments;
  if (head === undefined || value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => expandPath(ctx, item, segments, full));
  if (!isRecord(value)) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  let next = value[head];
  if (next === undefined) next = includable(ctx, value, head);
  if (next === undefined) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  if (typeof next === 'string') {
    const found = ctx.state.store.lookup(next, ctx.account);
    if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
    next = structuredClone(found.object);
  } else if (Array.isArray(next) && next.every((item) => typeof item === 'string')) {
    next = next.map((id: string) => {
      const found = ctx.state.store.lookup(id, ctx.account);
      return found ? structuredClone(found.object) : id;
    });
  } else if (rest.length === 0 && !isRecord(next) && next !== null) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  }
  value[head] = expandPath(ctx, next, rest, full);
  return value;
};

/** Deep copy of `result` with every `expand` path applied. */
export const render = (ctx: Ctx, result: unknown, expand: readonly string[] = []): unknown => {
  const copy: unknown = structuredClone(result);
  for (const path of expand) {
    const segments = path.split('.');
    if (segments.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, { param: 'expand' });
    expandPath(ctx, copy, segments, path);
  }
  return copy;
};
