/**
 * The `/v1` router: API key check, `Stripe-Account`, injected faults, parameter allowlists,
 * `Idempotency-Key` replay, `expand[]`, and Stripe-shaped errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StripeApiError, errorJson } from './errors';
import { canonical, parseForm, type FormTree } from './form';
import { sendJson } from './http';
import { validate } from './params';
import { render } from './render';
import { accountRoutes, refuseUnconnected } from './resources/accounts';
import { catalogRoutes } from './resources/catalog';
import { checkoutRoutes, sweepExpiredSessions } from './resources/checkout';
import { customerRoutes } from './resources/customers';
import { eventRoutes } from './resources/events';
import { creditNoteRoutes, invoiceRoutes } from './resources/invoices';
import { paymentRoutes } from './resources/payments';
import { matchPath, type Route } from './route';
import { API_VERSION, type Ctx, type EmulatorState, type RequestRecord } from './state';

export const ROUTES: Route[] = [...customerRoutes, ...catalogRoutes, ...checkoutRoutes, ...paymentRoutes, ...invoiceRoutes, ...creditNoteRoutes, ...eventRoutes, ...accountRoutes];

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
};

const apiKeyOf = (req: IncomingMessage): string | null => {
  const auth = header(req, 'authorization');
  if (!auth) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return bearer[1] ?? null;
  const basic = /^Basic\s+(\S+)$/i.exec(auth);
  if (basic)
    return (
      Buffer.from(basic[1] ?? '', 'base64')
        .toString('utf8')
        .split(':')[0] ?? null
    );
  return null;
};

const mask = (key: string) => (key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '***');

const authError = (key: string | null): StripeApiError | undefined => {
  if (!key)
    return new StripeApiError(401, {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details.",
    });
  if (!/^(sk|rk)_test_\S+$/.test(key))
    return new StripeApiError(401, {
      type: 'invalid_request_error',
      message: `Invalid API Key provided: ${mask(key)}${key.startsWith('sk_live_') || key.startsWith('rk_live_') ? ' (the Stripe emulator accepts test-mode keys only)' : ''}`,
    });
  return undefined;
};

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: string;
  rawBody: string;
  record: RequestRecord;
}

/** Answers one `/v1` request (faults and latency have already been applied by the server). */
export const handleApi = (state: EmulatorState, { req, res, path, query, rawBody, record }: ApiRequest): void => {
  const method = req.method ?? 'GET';
  const requestId = record.id;
  const idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : null;
  const baseHeaders: Record<string, string> = {
    'request-id': requestId,
    'stripe-version': header(req, 'stripe-version') ?? API_VERSION,
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  };
  const fail = (error: StripeApiError) => {
    record.status = error.status;
    sendJson(res, error.status, errorJson(error), { ...baseHeaders, ...(error.options.headers ?? {}) });
  };

  const keyProblem = authError(apiKeyOf(req));
  if (keyProblem) return fail(keyProblem);

  const account = header(req, 'stripe-account');
  if (account !== null && !/^acct_[A-Za-z0-9]+$/.test(account))
    return fail(
      new StripeApiError(403, {
        type: 'invalid_request_error',
        code: 'account_invalid',
        message: `The provided key does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
      }),
    );
  // An account that does not exist or is not connected to the platform (never was, or deauthorized).
  const unconnected = refuseUnconnected(state, account);
  if (unconnected) return fail(unconnected);

  let ids: Record<string, string> | undefined;
  const match = ROUTES.find((candidate) => candidate.method === method && (ids = matchPath(candidate.path, path)) !== undefined);
  if (!match || !ids)
    return fail(
      new StripeApiError(404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${method}: ${path}). The Stripe emulator implements: customers, products, prices, checkout sessions, payment intents, charges, refunds, disputes, invoices, invoice items, invoice payments, credit notes, events, accounts and account links.`,
      }),
    );

  let tree: FormTree;
  try {
    if (method === 'POST') {
      const type = header(req, 'content-type') ?? '';
      if (rawBody.trim() && !type.startsWith('application/x-www-form-urlencoded'))
        throw new StripeApiError(400, {
          type: 'invalid_request_error',
          message: `Invalid request: unsupported Content-Type ${type || '(none)'}. The Stripe API takes form-encoded bodies (application/x-www-form-urlencoded).`,
        });
      tree = parseForm(rawBody);
    } else {
      tree = parseForm(query);
    }
  } catch (error) {
    if (error instanceof StripeApiError) return fail(error);
    throw error;
  }
  record.params = tree;

  const params = canonical(tree);
  if (idempotencyKey) {
    try {
      const found = state.idempotency.check(account, idempotencyKey, method, path, params);
      if (found.kind === 'replay') {
        record.status = found.answer.status;
        record.replayed = true;
        sendJson(res, found.answer.status, found.answer.body, {
          ...baseHeaders,
          'idempotent-replayed': 'true',
          'original-request': found.answer.requestId,
        });
        return;
      }
    } catch (error) {
      if (error instanceof StripeApiError) return fail(error);
      throw error;
    }
  }

  const ctx: Ctx = { state, account, request: { id: requestId, idempotency_key: idempotencyKey } };
  const remember = (status: number, body: string) => {
    if (idempotencyKey) state.idempotency.store(account, idempotencyKey, method, path, params, { status, body, requestId });
  };
  try {
    sweepExpiredSessions(state);
    const validated = validate(match.fields, tree);
    const result = match.handler(ctx, validated, ids);
    const expand = Array.isArray(validated.expand) ? (validated.expand as string[]) : [];
    const body = JSON.stringify(render(ctx, result, expand), null, 2);
    remember(200, body);
    record.status = 200;
    sendJson(res, 200, body, baseHeaders);
  } catch (error) {
    if (error instanceof StripeApiError) {
      // Stripe stores the result of any request that started executing, errors included; not
      // validation failures (nothing ran) and not 5xx/429 (safe to retry).
      if (!error.options.validation && error.status < 500 && error.status !== 429) remember(error.status, JSON.stringify(errorJson(error), null, 2));
      return fail(error);
    }
    const message = error instanceof Error ? error.message : String(error);
    fail(new StripeApiError(500, { type: 'api_error', message: `The Stripe emulator failed: ${message}` }));
  }
};
