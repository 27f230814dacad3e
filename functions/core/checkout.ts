import type { Stripe } from '../stripe/types';
import { expiryFor } from '../domain/credits';
import { ConflictError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { checkoutBody } from '../shared/schemas/requests';
import { platformFeeFor } from '../stripe/accounts';
import { createCheckoutSession } from '../stripe/checkout';
import { createCustomer, findCustomer, retrieveCustomer, updateCustomer } from '../stripe/customers';
import type { StripeScope } from '../stripe/gateway';
import { contactKey } from '../stripe/keys';
import { getPackage } from '../store/catalog';
import type { Store } from '../store/table';
import { findOrCreateClient, markStripeCustomerRequested, recordStripeCustomerEmail, setStripeCustomer } from '../store/clients';
import type { Client } from '../domain/client';
import type { Practice } from '../domain/practice';
import { insertOpenPurchase, OPEN_PURCHASE_TTL_SECONDS, recordCheckoutSession } from '../store/purchases';
import type { Purchase } from '../domain/purchase';
import { assertCanSell } from './connect';
import { extendProvisional, provisionalUntil } from '../store/client-identity';
import { ensurePackageOnStripe } from './packages';
import type { CheckoutPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const CHECKOUT_STORE: CheckoutPort = {
  getPackage,
  findOrCreateClient,
  markStripeCustomerRequested,
  recordStripeCustomerEmail,
  setStripeCustomer,
  insertOpenPurchase,
  recordCheckoutSession,
  extendProvisional,
  provisionalUntil,
  ...PRACTICE_STORE,
};

export interface CheckoutStarted {
  checkoutSessionId: string;
  url: string;
  purchaseId: string;
  clientId: string;
}

/** How far before our request time Stripe's `created` may be (clocks differ). */
const CLOCK_SLACK_SECONDS = 300;

/**
 * The customer an earlier attempt created but did not record (a crash as Stripe answered): found by
 * its metadata among the account's customers created since that attempt. Needed once the attempt's
 * idempotency key has expired (24 h); only runs when an attempt is on record.
 */
const findStripeCustomer = (stripe: Stripe, practice: Practice, clientId: string, since: string) =>
  findCustomer(
    { stripe, account: practice.stripeAccountId },
    Math.floor(Date.parse(since) / 1000) - CLOCK_SLACK_SECONDS,
    (customer) => customer.metadata?.clientId === clientId && customer.metadata?.practiceId === practice.practiceId,
  );

/** The Customer's contact details: the client's name and email (DOMAIN.md §6), nothing else about the person. */
const contactOf = (client: Client) => ({ name: client.name, ...(client.email ? { email: client.email } : {}) });

/**
 * The client's Stripe Customer, carrying the client's name and email (real Stripe needs the email
 * to send an invoice, and Checkout writes the typed one onto the Customer anyway) and opaque ids in
 * metadata. The request is noted on the client before Stripe is asked, so a customer whose id a
 * crash lost is found again rather than created twice. A customer made before the client had an
 * email (or before the email changed) gets the current one (`ensureCustomerEmail`).
 */
export const ensureStripeCustomer = async (stripe: Stripe, store: Store, practice: Practice, client: Client, port: CheckoutPort = CHECKOUT_STORE): Promise<string> =>
  (await customerOf(stripe, store, practice, client, port)).id;

/** True when the Customer exists on the account in scope (a Customer belongs to one Stripe account). */
const customerOnAccount = async (scope: StripeScope, customerId: string): Promise<boolean> => {
  try {
    const customer = await retrieveCustomer(scope, customerId);
    return !('deleted' in customer && customer.deleted);
  } catch (error) {
    if ((error as { stripeCode?: string }).stripeCode === 'resource_missing') return false;
    throw error;
  }
};

/**
 * The client's Customer id and the email kneadpay knows it carries, on the practice's current
 * account. A Customer made on the platform's account before the practice connected its own (or on
 * an account since released) is not usable there: the client gets a Customer on the current account.
 */
const customerOf = async (stripe: Stripe, store: Store, practice: Practice, client: Client, port: CheckoutPort): Promise<{ id: string; email: string | null }> => {
  const account = practice.stripeAccountId ?? null;
  const scope: StripeScope = { stripe, account };
  const requestedAt = client.stripeCustomerRequestedAt;
  if (client.stripeCustomerId) {
    const madeOn = client.stripeCustomerAccount;
    if (madeOn === account) return { id: client.stripeCustomerId, email: client.stripeCustomerEmail ?? null };
    // Recorded before customers recorded their account: ask the current account whether it is there.
    if (madeOn === undefined && (await customerOnAccount(scope, client.stripeCustomerId))) {
      await port.setStripeCustomer(store, practice.practiceId, client.clientId, client.stripeCustomerId, client.stripeCustomerEmail ?? null, account);
      return { id: client.stripeCustomerId, email: client.stripeCustomerEmail ?? null };
    }
  }
  if (requestedAt) {
    const found = await findStripeCustomer(stripe, practice, client.clientId, requestedAt);
    if (found) {
      await port.setStripeCustomer(store, practice.practiceId, client.clientId, found.id, found.email ?? null, account);
      return { id: found.id, email: found.email ?? null };
    }
  } else {
    await port.markStripeCustomerRequested(store, practice.practiceId, client.clientId, new Date());
  }
  const customer = await createCustomer(
    scope,
    { ...contactOf(client), metadata: { practiceId: practice.practiceId, clientId: client.clientId } },
    `cli:${client.clientId}:customer${account ? `:${account}` : ''}`,
  );
  await port.setStripeCustomer(store, practice.practiceId, client.clientId, customer.id, customer.email ?? null, account);
  return { id: customer.id, email: customer.email ?? null };
};

/**
 * Makes sure the client's Customer carries the client's current email (before a `send_invoice`
 * invoice: Stripe refuses one for a customer without an email). The client must have an email.
 */
export const ensureCustomerEmail = async (stripe: Stripe, store: Store, practice: Practice, client: Client, port: CheckoutPort = CHECKOUT_STORE): Promise<string> => {
  const { id: customerId, email } = await customerOf(stripe, store, practice, client, port);
  if (client.email && email !== client.email) {
    const updated = await updateCustomer({ stripe, account: practice.stripeAccountId }, customerId, contactOf(client), contactKey(client.clientId, client.email, client.name));
    if (updated.email !== client.email) throw new Error(`Stripe kept another email on customer ${customerId}`);
    await port.recordStripeCustomerEmail(store, practice.practiceId, client.clientId, client.email);
  }
  return customerId;
};

/**
 * Starts a hosted Checkout for a package: finds or creates the client (by email) and its Stripe
 * customer, records an `open` purchase, then creates the Checkout Session whose metadata carries
 * only opaque ids. The webhook grants the credits when Stripe says the session is paid.
 */
export const startCheckout = async (
  deps: { store: Store; stripe: Stripe; publicUrl: string; checkout?: CheckoutPort },
  practiceId: string,
  packageId: string,
  body: Record<string, unknown>,
  now = new Date(),
): Promise<CheckoutStarted> => {
  const { email, name } = parseBody(checkoutBody, body);
  const port = deps.checkout ?? CHECKOUT_STORE;
  const practice = await requirePractice(deps.store, practiceId, port);
  // A connected account that cannot charge sells nothing, and Stripe is not asked (409).
  if (practice.stripeAccountId) await assertCanSell(deps.store, practiceId);
  let pkg = await port.getPackage(deps.store, practiceId, packageId);
  if (!pkg.active) throw new ConflictError('this package is no longer sold', 'package_inactive');
  pkg = await ensurePackageOnStripe(deps, practice, pkg);
  // A buyer's client is provisional until paid (issue 17): it expires with the open purchase, and an
  // existing client — above all one staff entered — is never renamed by what a buyer typed.
  const until = port.provisionalUntil(now, OPEN_PURCHASE_TTL_SECONDS);
  const client = await port.findOrCreateClient(deps.store, { practiceId, email, name, currency: practice.currency, provisionalUntil: until }, now);
  await port.extendProvisional(deps.store, client, until);
  const customerId = await ensureStripeCustomer(deps.stripe, deps.store, practice, client, port);

  const purchase: Purchase = {
    purchaseId: newId('pur'),
    practiceId,
    clientId: client.clientId,
    packageId,
    state: 'open',
    sessionsTotal: pkg.sessions,
    sessionsRemaining: 0,
    sessionMinutes: pkg.sessionMinutes,
    priceCents: pkg.priceCents,
    currency: pkg.currency,
    expiresInDays: pkg.expiresInDays,
    expiresAt: expiryFor(now, pkg.expiresInDays),
    refundedCents: 0,
    creditsRemoved: 0,
    createdAt: now.toISOString(),
    version: 0,
    ...(client.provisional && client.email ? { provisionalClientEmail: client.email } : {}),
  };
  await port.insertOpenPurchase(deps.store, purchase);
  // Opaque ids, plus the package terms the webhook needs to grant credits without a read.
  const metadata = {
    practiceId,
    clientId: client.clientId,
    packageId,
    purchaseId: purchase.purchaseId,
    sessionsTotal: String(pkg.sessions),
    ...(pkg.expiresInDays ? { expiresInDays: String(pkg.expiresInDays) } : {}),
    // The payment must also confirm the client: the webhook takes its read path for that.
    ...(client.provisional ? { provisionalClient: '1' } : {}),
  };
  // The platform's fee (KNEADPAY_PLATFORM_FEE_BPS) on a connected account's payment; the ledger and
  // receipts keep the gross, the fee is reported in PlatformFeeCollected (docs/events.md).
  const feeOf = (priceCents: number) => platformFeeFor(priceCents, practice.stripeAccountId);
  const base = `${deps.publicUrl.replace(/\/$/, '')}/p/${encodeURIComponent(practiceId)}`;
  const createSession = (priceId: string, attempt: number, cents = pkg.priceCents) =>
    createCheckoutSession(
      { stripe: deps.stripe, account: practice.stripeAccountId },
      {
        mode: 'payment',
        customer: customerId,
        client_reference_id: purchase.purchaseId,
        line_items: [{ price: priceId, quantity: 1 }],
        metadata: feeOf(cents) ? { ...metadata, platformFeeCents: String(feeOf(cents)) } : metadata,
        payment_intent_data: feeOf(cents) ? { metadata, application_fee_amount: feeOf(cents) } : { metadata },
        success_url: `${base}/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${base}?cancelled=1`,
      },
      `pur:${purchase.purchaseId}:checkout${attempt ? `:${attempt}` : ''}`,
    );
  let session;
  try {
    session = await createSession(pkg.stripePriceId!, 0);
  } catch (error) {
    // The price was changed (and the old one archived) while this client was buying: charge the
    // price the practice asks now, once; a second refusal is a conflict, not a server error.
    const stripeError = error as { type?: string; param?: string };
    if (stripeError.type !== 'StripeInvalidRequestError' || !stripeError.param?.startsWith('line_items')) throw error;
    const current = await ensurePackageOnStripe(deps, practice, await port.getPackage(deps.store, practiceId, packageId));
    if (!current.active || current.stripePriceId === pkg.stripePriceId) {
      throw new ConflictError('the package changed while you were buying it; reload the page', 'package_changed');
    }
    session = await createSession(current.stripePriceId!, 1, current.priceCents);
    purchase.priceCents = current.priceCents;
  }
  if (!session.url) throw new ValidationError('Stripe returned a session without a hosted page url', { field: 'url' });
  await port.recordCheckoutSession(deps.store, purchase, session.id, purchase.priceCents);
  return { checkoutSessionId: session.id, url: session.url, purchaseId: purchase.purchaseId, clientId: client.clientId };
};
