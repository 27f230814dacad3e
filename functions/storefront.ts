import { startCheckout } from './core/checkout';
import { listPackages } from './core/packages';
import { requirePractice } from './core/practice';
import { purchaseStatus } from './domain/credits';
import { NotFoundError } from './shared/errors';
import { dispatchRoutes, formOrJsonBody, html, httpHandler, json, pathParam, queryParam, redirect, wantsJson, type ApiEvent, type RouteHandler } from './shared/http';
import { requestClientAddress } from './shared/client-address';
import { escapeHtml, formatMoney, page } from './shared/html';
import { securityHeaders } from './shared/security-headers';
import { getStore } from './store/table';
import { chargesBlocked, getConnect } from './store/connect';
import { consumeAll, LIMITS, RateLimitedError } from './store/rate-limits';
import type { SessionPackage } from './domain/package';
import { findPurchaseByCheckoutSession } from './store/purchases';
import { getStripe } from './stripe/client';
import { config } from './shared/config';

const publicUrl = () => config().publicUrl;

/** Where Stripe's hosted Checkout lives: Stripe's page, or the emulator's on a laptop. */
const checkoutOrigins = (): string[] => {
  const origins = ['https://checkout.stripe.com'];
  const base = config().stripeApiBase;
  if (base) {
    try {
      origins.push(new URL(base).origin);
    } catch {
      // not a URL: Stripe's own page only
    }
  }
  return origins;
};

const packageCard = (practiceId: string, pkg: SessionPackage) => `
<section class="card" aria-labelledby="pkg-${escapeHtml(pkg.packageId)}">
  <h2 id="pkg-${escapeHtml(pkg.packageId)}">${escapeHtml(pkg.name)}</h2>
  <p class="price">${escapeHtml(formatMoney(pkg.priceCents, pkg.currency))}</p>
  <p class="muted">${pkg.sessions} sessions × ${pkg.sessionMinutes} minutes${pkg.expiresInDays ? ` · use within ${pkg.expiresInDays} days` : ' · no expiry'}</p>
  <form method="post" action="/p/${encodeURIComponent(practiceId)}/packages/${encodeURIComponent(pkg.packageId)}/checkout">
    <label for="name-${escapeHtml(pkg.packageId)}">Your name</label>
    <input id="name-${escapeHtml(pkg.packageId)}" name="name" autocomplete="name" required maxlength="200">
    <label for="email-${escapeHtml(pkg.packageId)}">Email for your receipt</label>
    <input id="email-${escapeHtml(pkg.packageId)}" name="email" type="email" autocomplete="email" required maxlength="254">
    <button type="submit">Buy ${escapeHtml(pkg.name)}</button>
  </form>
</section>`;

const storefrontPage = async (practiceId: string, cancelled: boolean) => {
  const store = getStore();
  const practice = await requirePractice(store, practiceId);
  const packages = (await listPackages(store, practiceId)).filter((pkg) => pkg.active);
  // A connected Stripe account that cannot charge yet (or disconnected): nothing is for sale.
  if (practice.stripeAccountId && chargesBlocked(await getConnect(store, practiceId))) {
    return page(
      `${practice.name} — session packages`,
      `<header><h1>${escapeHtml(practice.name)}</h1></header>
<p class="notice" role="status" data-payments="not_enabled">${escapeHtml(practice.name)} cannot take payments online yet. Please check back soon or contact the practice.</p>`,
    );
  }
  return page(
    `${practice.name} — session packages`,
    `<header><h1>${escapeHtml(practice.name)}</h1><p class="muted">Session packages · pay securely with Stripe</p></header>
${cancelled ? '<p class="notice" role="status">Checkout was cancelled; nothing was charged.</p>' : ''}
${packages.length ? `<div class="cards">${packages.map((pkg) => packageCard(practiceId, pkg)).join('')}</div>` : '<p>No packages are on sale right now.</p>'}`,
  );
};

/** The success page: shows the credits once the webhook has granted them (refreshes until then). */
const successPage = async (practiceId: string, sessionId: string | undefined) => {
  const store = getStore();
  const practice = await requirePractice(store, practiceId);
  const purchase = sessionId ? await findPurchaseByCheckoutSession(store, practiceId, sessionId) : undefined;
  if (!purchase) throw new NotFoundError('checkout');
  const status = purchaseStatus(purchase, new Date());
  const back = `<p><a href="/p/${encodeURIComponent(practiceId)}">Back to ${escapeHtml(practice.name)}</a></p>`;
  const until = purchase.expiresAt ? new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: practice.timezone }).format(new Date(purchase.expiresAt)) : undefined;
  const final: Partial<Record<typeof status, string>> = {
    active: `<h1>Thank you!</h1><p role="status" data-status="${status}">Your package from ${escapeHtml(practice.name)} is ready: <strong>${purchase.sessionsRemaining} of ${purchase.sessionsTotal} sessions</strong> available${until ? `, to use by ${escapeHtml(until)}` : ''}.</p><p class="muted">A receipt is on its way to your email.</p>`,
    exhausted: `<h1>Thank you!</h1><p role="status" data-status="${status}">All ${purchase.sessionsTotal} sessions of this package have been used.</p>`,
    failed: `<h1>Payment did not go through</h1><p role="status" data-status="${status}">Nothing was charged. <a href="/p/${encodeURIComponent(practiceId)}">Try again</a>.</p>`,
    refunded: `<h1>This purchase was refunded</h1><p role="status" data-status="${status}">Its remaining sessions are no longer available.</p>`,
    expired: `<h1>This package has expired</h1><p role="status" data-status="${status}">Its sessions were to be used by ${escapeHtml(until ?? '')}.</p>`,
    disputed: `<h1>This payment is under review</h1><p role="status" data-status="${status}">The sessions are on hold until the card issuer decides. Contact ${escapeHtml(practice.name)} with any questions.</p>`,
  };
  const body = final[status];
  // Only a payment still being confirmed refreshes; every other state is final.
  return body
    ? page(`${practice.name} — purchase`, `${body}${back}`)
    : page(`${practice.name} — purchase`, `<h1>Payment received</h1><p role="status" data-status="${status}">We are confirming your payment with the bank; this page refreshes by itself.</p>${back}`, {
        refreshSeconds: 2,
      });
};

/** A person following a link sees a page, not the API's JSON error. */
const notFoundPage = () =>
  html(404, page('Not found', '<h1>Page not found</h1><p>This link does not lead to a storefront or a purchase. Check the address, or ask the practice for its booking link.</p>'));

/** Public storefront routes: the page, the Buy form's checkout, the success page; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  /** GET /p/{p}: the storefront page. */
  storefrontPage: async (event) => {
    const practiceId = pathParam(event, 'practiceId');
    // The Buy forms post here and are redirected on to Stripe Checkout: both may be form targets.
    return html(200, await storefrontPage(practiceId, queryParam(event, 'cancelled') === '1'), securityHeaders({ formAction: ["'self'", ...checkoutOrigins()] }));
  },
  /** GET /p/{p}/success?session_id=: where Checkout returns the buyer. */
  successPage: async (event) => {
    const practiceId = pathParam(event, 'practiceId');
    return html(200, await successPage(practiceId, queryParam(event, 'session_id')));
  },
  /** POST /p/{p}/packages/{packageId}/checkout: 201 JSON for `Accept: application/json`, else 303 to Checkout. */
  startCheckout: async (event) => {
    const practiceId = pathParam(event, 'practiceId');
    const body = formOrJsonBody(event);
    // Abuse limits before any Stripe call or record (issue 17): per client address, per buyer
    // email, then per practice, so one address cannot use up the practice's budget.
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    await consumeAll(getStore(), practiceId, [
      [LIMITS.checkoutPerAddress, await requestClientAddress(event)],
      ...(email ? [[LIMITS.checkoutPerEmail, email] as const] : []),
      [LIMITS.checkoutPerPractice, 'all'],
    ]);
    const started = await startCheckout({ store: getStore(), stripe: await getStripe(), publicUrl: publicUrl() }, practiceId, pathParam(event, 'packageId'), body);
    return wantsJson(event) ? json(201, { checkoutSessionId: started.checkoutSessionId, url: started.url }) : redirect(started.url);
  },
} satisfies Record<string, RouteHandler>;

const dispatch = dispatchRoutes('storefront', routeHandlers);

/** The storefront function: a person following a link sees a page, not the API's JSON error. */
export const serveStorefront = async (event: ApiEvent) => {
  try {
    return await dispatch(event);
  } catch (error) {
    if ((error as Error).name === 'NotFoundError' && !wantsJson(event)) return notFoundPage();
    if (error instanceof RateLimitedError && !wantsJson(event)) {
      return html(
        429,
        page('Please wait', `<h1>Please wait a moment</h1><p>Too many purchases were started from here just now. Try again in ${Math.ceil(error.retryAfterSeconds / 60)} minute(s).</p>`),
        { 'retry-after': String(error.retryAfterSeconds) },
      );
    }
    throw error;
  }
};

export const handler = httpHandler('storefront', serveStorefront);
