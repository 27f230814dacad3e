import type { Context } from 'aws-lambda';
import { connectStatus, refreshAccountFromStripe, releaseAccount, startOnboarding } from './core/connect';
import { requirePractice } from './core/practice';
import { NotFoundError, RetryableError } from './shared/errors';
import { escapeHtml, page } from './shared/html';
import { authorizedPractice, dispatchRoutes, html, httpHandler, json, pathParam, type ApiEvent, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { getConnect } from './store/connect';
import { consume, LIMITS, RateLimitedError } from './store/rate-limits';
import { getStripe } from './stripe/client';
import { config } from './shared/config';
import { createLogger } from './shared/logger';

const publicUrl = () => config().publicUrl;
const logger = createLogger('stripe-connect');

/**
 * Where Stripe's onboarding sends the practice back (the Account Link's `return_url` and
 * `refresh_url`). Public pages, so neither makes a link (Stripe: authenticate before making one).
 * - return: reaching it does not mean onboarding finished (Stripe's hosted-onboarding guide:
 *   retrieve the account), and an `account.updated` may be lost, so the page asks Stripe what the
 *   account says and records it (once; `refreshAccountFromStripe`), at most
 *   `LIMITS.stripeReturnPerPractice` times per practice and window; past that, or while Stripe
 *   cannot answer, it shows kneadpay's record.
 * - refresh: the link expired or was used; the page sends the practice to kneadpay's Settings,
 *   where the signed-in staff's "Continue Stripe onboarding" makes a new link for the same account.
 */
const returnPage = async (practiceId: string, step: string) => {
  const store = getStore();
  const practice = await requirePractice(store, practiceId);
  let connect = await getConnect(store, practiceId);
  const title = `${practice.name} — Stripe`;
  if (step === 'refresh') {
    return page(
      title,
      `<h1>This onboarding link has expired</h1><p role="status">Stripe's onboarding links work once and for a few minutes. Open Settings in kneadpay and choose “Continue Stripe onboarding”: kneadpay makes a new link for the same Stripe account.</p><p><a href="/app/#/settings">Open kneadpay Settings</a></p>`,
    );
  }
  if (connect?.accountId && connect.status !== 'deauthorized' && !(connect.chargesEnabled && connect.status === 'enabled')) {
    try {
      await consume(store, practiceId, LIMITS.stripeReturnPerPractice, 'all');
      connect = await refreshAccountFromStripe({ store, stripe: await getStripe() }, practiceId);
    } catch (error) {
      if (error instanceof RetryableError) logger.warn('onboarding return page shows the stored record: Stripe did not answer', { practiceId });
      else if (!(error instanceof RateLimitedError)) throw error;
    }
  }
  const ready = connect?.chargesEnabled && connect.status === 'enabled';
  return page(
    title,
    `<h1>Back from Stripe</h1><p role="status" data-status="${escapeHtml(connect?.status ?? 'not_connected')}">${
      ready ? `${escapeHtml(practice.name)} can take payments now.` : 'Stripe has what you sent. Sales open as soon as Stripe enables charges on your account; this page refreshes by itself.'
    }</p>`,
    ready ? {} : { refreshSeconds: 3 },
  );
};

/**
 * The practice's Stripe account: `POST /practices/{p}/stripe/onboarding`, `GET /practices/{p}/stripe`,
 * `DELETE /practices/{p}/stripe` (release), and the public return pages `/p/{p}/stripe/{step}`.
 * lib/wiring.ts names each route's handler.
 */
export const routeHandlers = {
  startOnboarding: async (event) => {
    const practiceId = authorizedPractice(event);
    const started = await startOnboarding({ store: getStore(), stripe: await getStripe(), publicUrl: publicUrl() }, practiceId);
    return json(started.created ? 201 : 200, { accountId: started.accountId, url: started.url });
  },
  getStripeStatus: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, await connectStatus(getStore(), practiceId));
  },
  releaseStripeAccount: async (event, context) => {
    const practiceId = authorizedPractice(event);
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    const actor = typeof claims.sub === 'string' ? claims.sub : practiceId;
    const requestId = context?.awsRequestId ?? event.requestContext.requestId;
    return json(200, await releaseAccount({ store: getStore(), stripe: await getStripe() }, practiceId, { actor, requestId }));
  },
  onboardingReturnPage: async (event) => {
    const step = pathParam(event, 'step');
    if (step !== 'return' && step !== 'refresh') throw new NotFoundError('page');
    return html(200, await returnPage(pathParam(event, 'practiceId'), step));
  },
} satisfies Record<string, RouteHandler<[context?: Context]>>;

export const serveStripeConnect = dispatchRoutes<[context?: Context]>('stripe-connect', routeHandlers);

export const handler = httpHandler('stripe-connect', (event: ApiEvent, context: Context) => serveStripeConnect(event, context));
