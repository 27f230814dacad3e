import Stripe from 'stripe';
import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '../../functions/shared/http';
import { handler as webhookHandler } from '../../functions/stripe-webhook';
import { newId } from '../../functions/shared/ids';

export const WEBHOOK_SECRET = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_kneadpay_local';

/** A Stripe event as Stripe would send it (shape of `Stripe.Event`), for a given object. */
export const stripeEvent = (type: string, object: Record<string, unknown>, opts: { id?: string; created?: number; account?: string } = {}): Stripe.Event =>
  ({
    id: opts.id ?? newId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    type,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    ...(opts.account ? { account: opts.account } : {}),
  }) as unknown as Stripe.Event;

export const signatureFor = (payload: string, opts: { secret?: string; timestamp?: number } = {}): string =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000) });

/** An API Gateway HTTP API 2.0 event for POST /webhooks/stripe (what Lambda receives). */
export const webhookApiEvent = (body: string | Buffer, headers: Record<string, string>, base64 = false): ApiEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /webhooks/stripe',
    rawPath: '/webhooks/stripe',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: base64 ? Buffer.from(body).toString('base64') : body.toString(),
    isBase64Encoded: base64,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      requestId: newId('req'),
      routeKey: 'POST /webhooks/stripe',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method: 'POST', path: '/webhooks/stripe', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Stripe/1.0' },
    },
  }) as ApiEvent;

const lambdaContext = { awsRequestId: 'test', functionName: 'stripe-webhook', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** Delivers an event to the webhook function, signed as Stripe signs it. */
export const deliver = async (event: Stripe.Event, opts: { secret?: string; timestamp?: number } = {}): Promise<ApiResult & { statusCode: number }> => {
  const payload = JSON.stringify(event);
  return (await webhookHandler(webhookApiEvent(payload, { 'stripe-signature': signatureFor(payload, opts) }), lambdaContext)) as ApiResult & { statusCode: number };
};

export const callWebhook = async (apiEvent: ApiEvent) => (await webhookHandler(apiEvent, lambdaContext)) as ApiResult & { statusCode: number };
