import type { Context } from 'aws-lambda';
import { connectStatus, releaseAccount, startOnboarding } from './core/connect';
import { requirePractice } from './core/practice';
import { NotFoundError } from './shared/errors';
import { escapeHtml, page } from './shared/html';
import { authorizedPractice, dispatchRoutes, html, httpHandler, json, pathParam, type ApiEvent, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { getConnect } from './store/connect';
import { getStripe } from './stripe/client';
import { config } from './shared/config';

const publicUrl = () => config().publicUrl;

/**
 * Where Stripe's onboarding sends the practice back (the Account Link's `return_url` and
 * `refresh_url`). Public pages: they read kneadpay's own record and call nobody, and a refresh never
 * makes a new link (Stripe: authenticate before making one; kneadpay's staff routes do).
 */
const returnPage = async (practiceId: string, step: string) => {
  const store = getStore();
  const practice = await requirePractice(store, practiceId);
  const connect = await getConnect(store, practiceId);
  const title = `${practice.name} — Stripe`;
  if (step === 'refresh') {
    return page(title, `<h1>This onboarding link has expired</h1><p role="status">Start again from kneadpay: it makes a new link for you (POST /practices/{practiceId}/stripe/onboarding).</p>`);
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
