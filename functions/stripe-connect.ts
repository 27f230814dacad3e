import type { Context } from 'aws-lambda';
import { connectStatus, releaseAccount, startOnboarding } from './core/connect';
import { requirePractice } from './core/practice';
import { MethodNotAllowed, NotFoundError } from './shared/errors';
import { escapeHtml, page } from './shared/html';
import { authorizedPractice, html, httpHandler, json, pathParam, type ApiEvent } from './shared/http';
import { getStore } from './store/client';
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
      ready
        ? `${escapeHtml(practice.name)} can take payments now.`
        : 'Stripe has what you sent. Sales open as soon as Stripe enables charges on your account; this page refreshes by itself.'
    }</p>`,
    ready ? {} : { refreshSeconds: 3 },
  );
};

/**
 * The practice's Stripe account: `POST /practices/{p}/stripe/onboarding`, `GET /practices/{p}/stripe`,
 * `DELETE /practices/{p}/stripe` (release), and the public return pages `/p/{p}/stripe/{step}`.
 */
export const stripeConnectCore = async (event: ApiEvent, context?: Context) => {
  const method = event.requestContext.http.method;
  if (event.rawPath.startsWith('/p/')) {
    if (method !== 'GET') throw new MethodNotAllowed(method);
    const step = pathParam(event, 'step');
    if (step !== 'return' && step !== 'refresh') throw new NotFoundError('page');
    return html(200, await returnPage(pathParam(event, 'practiceId'), step));
  }
  const practiceId = authorizedPractice(event);
  const store = getStore();
  if (event.rawPath.endsWith('/onboarding')) {
    if (method !== 'POST') throw new MethodNotAllowed(method);
    const started = await startOnboarding({ store, stripe: await getStripe(), publicUrl: publicUrl() }, practiceId);
    return json(started.created ? 201 : 200, { accountId: started.accountId, url: started.url });
  }
  if (method === 'GET') return json(200, await connectStatus(store, practiceId));
  if (method === 'DELETE') {
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    const actor = typeof claims.sub === 'string' ? claims.sub : practiceId;
    const requestId = context?.awsRequestId ?? event.requestContext.requestId;
    return json(200, await releaseAccount({ store, stripe: await getStripe() }, practiceId, { actor, requestId }));
  }
  throw new MethodNotAllowed(method);
};

export const handler = httpHandler('stripe-connect', (event: ApiEvent, context: Context) => stripeConnectCore(event, context));
