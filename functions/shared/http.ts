import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES } from '../../lib/wiring';
import { ForbiddenError, isKneadpayError, MethodNotAllowed, NotFoundError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from './errors';
import { createLogger, errorFields, lambdaContext, type Logger } from './logger';
import { securityHeaders } from './security-headers';
import { edgeOnly } from './client-address';

/** API Gateway HTTP API payload 2.0, with the JWT authorizer's claims when the route has one. */
export type ApiEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims: Record<string, string | number | boolean | string[]>; scopes?: string[] | null } };
  };
};
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** The Cognito custom attribute (and local token claim) naming the practice a user belongs to. */
export const PRACTICE_CLAIM = 'custom:practiceId';
/** JSON bodies above this are refused with 413 (API Gateway's own limit is 10 MB). */
export const MAX_JSON_BYTES = 256 * 1024;

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** An HTML response, with the security headers every page carries (shared/security-headers.ts); `headers` may widen the policy. */
export const html = (statusCode: number, body: string, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8', ...securityHeaders(), ...headers },
  body,
});

export const redirect = (location: string, statusCode = 303): ApiResult => ({ statusCode, headers: { location }, body: '' });

export const header = (event: ApiEvent, name: string): string | undefined => {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === lower) return value;
  return undefined;
};

/** The raw body bytes, decoded from base64 when API Gateway flagged it. */
export const rawBody = (event: ApiEvent): Buffer => (event.body === undefined || event.body === null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'));

/** Parses a JSON object body: 415 for another media type, 413 when too large, 400 when malformed. */
export const jsonBody = (event: ApiEvent, maxBytes = MAX_JSON_BYTES): Record<string, unknown> => {
  const type = header(event, 'content-type') ?? 'application/json';
  if (!/^application\/json\b/i.test(type)) throw new UnsupportedMediaTypeError(`send application/json, not ${type}`);
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(`the body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  if (bytes.length === 0) throw new ValidationError('the body is empty; send a JSON object', { field: 'body' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ValidationError(`the body is not valid JSON: ${(error as Error).message}`, { field: 'body' });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('the body must be a JSON object', { field: 'body' });
  }
  return parsed as Record<string, unknown>;
};

/** A JSON object body, or an HTML form post (`application/x-www-form-urlencoded`) as an object. */
export const formOrJsonBody = (event: ApiEvent, maxBytes = MAX_JSON_BYTES): Record<string, unknown> => {
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return jsonBody(event, maxBytes);
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(`the body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  return Object.fromEntries(new URLSearchParams(bytes.toString('utf8')));
};

/** True when the caller asked for JSON rather than a page or a redirect. */
export const wantsJson = (event: ApiEvent): boolean => /application\/json/i.test(header(event, 'accept') ?? '');

/** Ids are opaque but bounded: a key part longer than this is a bad request, not a DynamoDB error. */
export const MAX_ID_LENGTH = 256;

const boundedId = (value: string, name: string): string => {
  if (Buffer.byteLength(value) > MAX_ID_LENGTH) throw new ValidationError(`${name} is longer than ${MAX_ID_LENGTH} bytes`, { field: name });
  return value;
};

/** A path parameter as API Gateway gives it: already URL-decoded (decoding again would corrupt `%`). */
export const pathParam = (event: ApiEvent, name: string): string => {
  const value = event.pathParameters?.[name];
  if (!value) throw new ValidationError(`path parameter ${name} is missing`, { field: name });
  return boundedId(value, name);
};

export const queryParam = (event: ApiEvent, name: string): string | undefined => {
  const value = event.queryStringParameters?.[name] ?? undefined;
  return value === undefined ? undefined : boundedId(value, name);
};

/**
 * The longest `cursor` a list takes: a page's last key as base64url JSON (store/items.ts), which
 * for an index read holds the table's key and the index's — about 300 bytes with kneadpay's own ids,
 * more with a long practice id — past the 256 bytes of other parameters (bug 161).
 */
export const MAX_CURSOR_LENGTH = 1024;

/** A list's `cursor` query parameter, bounded at `MAX_CURSOR_LENGTH` (the store checks it is a key it handed out). */
export const cursorParam = (event: ApiEvent): string | undefined => {
  const value = event.queryStringParameters?.cursor ?? undefined;
  if (value !== undefined && Buffer.byteLength(value) > MAX_CURSOR_LENGTH) throw new ValidationError(`cursor is longer than ${MAX_CURSOR_LENGTH} bytes`, { field: 'cursor' });
  return value;
};

/**
 * The practice the caller may act for: from the verified token (API Gateway's JWT authorizer in
 * AWS, the local adapter on a laptop), never from the body. It must match the path's practice.
 */
export const authorizedPractice = (event: ApiEvent): string => {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  const claimed = claims?.[PRACTICE_CLAIM];
  if (typeof claimed !== 'string' || claimed.length === 0) throw new UnauthorizedError();
  const inPath = event.pathParameters?.practiceId;
  if (inPath !== undefined && inPath !== claimed) throw new ForbiddenError();
  return claimed;
};

const TRANSIENT_AWS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TransactionInProgressException',
  'TimeoutError',
]);
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const TRANSIENT_STRIPE = new Set(['StripeRateLimitError', 'StripeConnectionError', 'StripeAPIError', 'StripeLockTimeoutError']);

/**
 * True for failures of a dependency that a retry may fix: a Stripe rate limit or outage, a
 * DynamoDB throttle or outage, a dropped connection. They answer 503 with Retry-After, never 500.
 */
export const isTransient = (error: unknown): boolean => {
  const e = error as { name?: string; type?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (TRANSIENT_STRIPE.has(e.type ?? '') || TRANSIENT_AWS.has(e.name ?? '') || TRANSIENT_NETWORK.has(e.code ?? '')) return true;
  if (e.$retryable || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return e.cause !== undefined && e.cause !== error && isTransient(e.cause);
};

/** A 429 names when to come back (RateLimitedError carries the seconds until its window ends). */
const retryAfterOf = (error: unknown): Record<string, string> => {
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? { 'retry-after': String(Math.max(1, Math.ceil(seconds))) } : {};
};

/**
 * The function's own deadline: middy's `timeoutEarly` ends the invocation 5 ms before
 * `context.getRemainingTimeInMillis()` runs out (29 s for a route: API Gateway's limit) by throwing
 * a `TimeoutError` whose cause names `@middy/core`. No dependency failed: the route's work did not
 * finish in its time. (The AWS SDK's socket `TimeoutError` carries no such cause: a busy dependency.)
 */
export const isOwnDeadline = (error: unknown): boolean => {
  const e = error as { name?: unknown; cause?: { package?: unknown } } | null;
  return typeof e === 'object' && e !== null && e.name === 'TimeoutError' && e.cause?.package === '@middy/core';
};

/** What the 503 on the function's own deadline says (docs/operations.md "A 503 on the route's deadline"). */
export const DEADLINE_MESSAGE = "the request did not finish within the route's time limit; what it applied is applied exactly once: send the same request again to finish it";

/** Turns any error into the API's error shape; 5xx only for what a retry may fix. */
const errorResponder = (logger: Logger): middy.MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (isKneadpayError(error)) {
      if (error.status >= 500) logger.warn('request failed, retryable', { ...errorFields(error), path: request.event.routeKey });
      request.response = json(
        error.status,
        // SPEC.md §3 pins the shape with its three keys: `details` is null when there are none.
        { error: { code: error.code, message: error.message, details: error.details ?? null } },
        error.status === 503 ? { 'retry-after': '1' } : retryAfterOf(error),
      );
      return;
    }
    // Before isTransient, which reads any `TimeoutError` as a dependency's and said "busy" (bug 130).
    if (isOwnDeadline(error)) {
      logger.warn('the route ran out of its time, retryable', { path: request.event.routeKey, requestId: request.context.awsRequestId });
      request.response = json(503, { error: { code: 'retry_later', message: DEADLINE_MESSAGE, details: { reason: 'deadline' } } }, { 'retry-after': '1' });
      return;
    }
    if (isTransient(error)) {
      logger.warn('a dependency failed, retryable', { ...errorFields(error), path: request.event.routeKey });
      request.response = json(503, { error: { code: 'retry_later', message: 'a service kneadpay depends on is busy or unavailable; retry shortly', details: null } }, { 'retry-after': '2' });
      return;
    }
    logger.error('unhandled error', { ...errorFields(error), requestId: request.context.awsRequestId });
    request.response = json(500, { error: { code: 'internal', message: 'internal error; it has been logged', details: null } });
  },
});

/** A route's handler: the API Gateway event, and whatever the function passes along (a context, test deps). */
export type RouteHandler<Args extends unknown[] = []> = (event: ApiEvent, ...args: Args) => Promise<ApiResult>;

/** A wiring-table row as the dispatcher reads it (lib/wiring.ts `RouteSpec`). */
export interface RoutedRow {
  method: string;
  path: string;
  fn: string;
  handler: string;
}

/** `GET /practices/{practiceId}`: the key API Gateway puts in `event.routeKey` for a route. */
export const routeKeyOf = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

/**
 * One dispatcher for a function that serves several routes: the wiring table (lib/wiring.ts) names
 * each route's handler, the function exports them by name (`routeHandlers`), and the request's
 * `routeKey` (API Gateway's, or the local adapter's from the same table) picks one. No route is
 * declared twice and no handler re-routes by path. A route key the table does not give this
 * function (only a hand-made event has one) answers as the handlers' old fall-through did: 405 for
 * a method other than GET, else 404 `route not found`. test/infra/routes.test.ts checks that every
 * row names an exported handler and every exported handler is routed.
 */
export const dispatchRoutes = <Args extends unknown[]>(fn: string, handlers: Readonly<Record<string, RouteHandler<Args>>>, routes: readonly RoutedRow[] = ROUTES): RouteHandler<Args> => {
  const byKey = new Map<string, RouteHandler<Args>>();
  for (const route of routes) {
    if (route.fn !== fn) continue;
    const handler = handlers[route.handler];
    // A typo fails when the function loads (and in the routes test), not on the first request.
    if (!handler) throw new Error(`route ${routeKeyOf(route)} names handler "${route.handler}", which ${fn} does not export`);
    byKey.set(routeKeyOf(route), handler);
  }
  return async (event, ...args) => {
    const handler = byKey.get(event.routeKey);
    if (handler) return handler(event, ...args);
    const method = event.requestContext.http.method;
    if (method !== 'GET') throw new MethodNotAllowed(method);
    throw new NotFoundError('route');
  };
};

/** Wraps a core HTTP function with kneadpay's middlewares: one place for error mapping and logging. */
export const httpHandler = (service: string, core: (event: ApiEvent, context: Context) => Promise<ApiResult>) => {
  const logger = createLogger(service);
  return middy<ApiEvent, ApiResult>(core).use(lambdaContext()).use(errorResponder(logger)).use(edgeOnly());
};
