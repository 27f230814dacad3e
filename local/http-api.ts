/**
 * The local HTTP API: a node:http server on loopback that does what API Gateway (HTTP API,
 * payload format 2.0, Lambda proxy integration) does in AWS. It routes by the one wiring table
 * (lib/wiring.ts), turns each request into the same event API Gateway builds, runs the JWT
 * authorizer with local tokens, imports the very module Lambda runs (`FUNCTIONS[fn].entry`) and
 * writes the handler's answer back by API Gateway's payload 2.0 rules.
 *
 * Fidelity notes (what was checked and where; details in docs/local.md):
 * - Bodies are base64-encoded (`isBase64Encoded: true`) unless the content type is text/*,
 *   application/json, application/xml or application/javascript. A missing content type and
 *   application/x-www-form-urlencoded are base64-encoded too. Source: the split verified against
 *   real HTTP APIs in ministackorg/ministack#766; AWS's compute blog "Handling binary data using
 *   Amazon API Gateway HTTP APIs" (text/plain → plain, image/jpeg → base64).
 * - `rawPath`, `requestContext.http.path`, `pathParameters` and `queryStringParameters` are
 *   URL-decoded; `rawQueryString` stays as sent (aws/aws-lambda-dotnet#1901, middleapi/standard-server#93).
 * - Repeated headers and query keys are comma-joined; cookies go to `cookies` and the `cookie`
 *   header is left out; absent parts (`cookies`, `queryStringParameters`, `pathParameters`, `body`)
 *   are absent keys, not nulls (AWS's documented format and recorded events).
 * - JWT claims reach the handler as strings, as API Gateway's JWT authorizer passes them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, ROUTES, type Auth } from '../lib/wiring';
import type { ApiEvent } from '../functions/shared/http';
import { verifyLocalToken } from './auth';
import { apiPort, region } from './settings';
import { inInvocationScope } from './invocation-scope';
import { assertPortFree } from './ports';

/** The project root: where `FUNCTIONS[fn].entry` paths start. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The account id local events carry (requestContext.accountId, the bus envelope's `account`). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';
/** API Gateway's own request payload limit (HTTP APIs: 10 MB). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** HTTP APIs give up on an integration after 30 s (the maximum integration timeout). */
export const INTEGRATION_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// The Lambda side: loading a function's handler and its context (shared with the event bus).
// ---------------------------------------------------------------------------------------------

export interface LocalFunctionSpec {
  entry: string;
  timeoutSeconds?: number;
  memoryMb?: number;
}
export type LambdaHandler = (event: unknown, context: Context) => unknown;
export type HandlerLoader = (fn: string) => Promise<LambdaHandler>;

/** Imports `handler` from a function's entry file, as the Lambda runtime does (cached, like a warm container). */
export const moduleLoader = (functions: Readonly<Record<string, LocalFunctionSpec>> = FUNCTIONS, rootDir: string = PROJECT_ROOT): HandlerLoader => {
  const cache = new Map<string, Promise<LambdaHandler>>();
  return (fn) => {
    let loading = cache.get(fn);
    if (!loading) {
      const spec = functions[fn];
      if (!spec) return Promise.reject(new Error(`function ${fn} is not in the wiring table`));
      const url = pathToFileURL(resolve(rootDir, spec.entry)).href;
      loading = import(/* @vite-ignore */ url).then((module: Record<string, unknown>) => {
        const handler = module.handler;
        if (typeof handler !== 'function') throw new Error(`${spec.entry} does not export a handler function`);
        return handler as LambdaHandler;
      });
      // A module that failed to load is tried again next time (after the developer fixed it).
      loading.catch(() => cache.delete(fn));
      cache.set(fn, loading);
    }
    return loading;
  };
};

/** A Lambda-like context for one invocation. */
export const createLambdaContext = (fn: string, spec: Partial<LocalFunctionSpec> = {}, requestId: string = randomUUID()): Context => {
  const timeoutMs = (spec.timeoutSeconds ?? INTEGRATION_TIMEOUT_MS / 1000) * 1000;
  const deadline = Date.now() + timeoutMs;
  const functionName = `kneadpay-${fn}`;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const noop = () => undefined;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region()}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb ?? 128),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
};

// ---------------------------------------------------------------------------------------------
// Routing by the wiring table.
// ---------------------------------------------------------------------------------------------

export interface LocalRoute {
  method: string;
  path: string;
  fn: string;
  auth: Auth;
}

type Segment = { literal: string } | { param: string; greedy: boolean };
interface CompiledRoute extends LocalRoute {
  routeKey: string;
  segments: Segment[];
  literals: number;
}

const compile = (route: LocalRoute): CompiledRoute => {
  const segments: Segment[] = route.path
    .split('/')
    .slice(1)
    .map((part) => {
      const match = /^\{([^}+]+)(\+?)\}$/.exec(part);
      return match ? { param: match[1]!, greedy: match[2] === '+' } : { literal: part };
    });
  return {
    ...route,
    routeKey: `${route.method} ${route.path}`,
    segments,
    literals: segments.filter((segment) => 'literal' in segment).length,
  };
};

const matchSegments = (segments: Segment[], parts: string[]): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    if ('literal' in segment) {
      if (parts[i] !== segment.literal) return undefined;
    } else if (segment.greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.param] = rest.join('/');
      return params;
    } else {
      if (parts[i] === undefined || parts[i] === '') return undefined;
      params[segment.param] = parts[i]!;
    }
  }
  return parts.length === segments.length ? params : undefined;
};

/** API Gateway's choice: the route with the most literal segments wins; greedy routes come last. */
export const createRouter = (routes: readonly LocalRoute[]) => {
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals || a.segments.length - b.segments.length);
  return (method: string, path: string) => {
    const parts = path.split('/').slice(1);
    for (const route of compiled) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const params = matchSegments(route.segments, parts);
      if (params) return { route, params };
    }
    return undefined;
  };
};

// ---------------------------------------------------------------------------------------------
// Request → API Gateway payload 2.0 event.
// ---------------------------------------------------------------------------------------------

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

/** True when API Gateway passes the body as text: text/*, application/json, application/xml, application/javascript. */
export const isTextContentType = (contentType: string | undefined): boolean => {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || TEXT_TYPES.has(type);
};

const safeDecode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};
const decodeQueryPart = (value: string): string => safeDecode(value.replaceAll('+', ' '));

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
export const apiGatewayTime = (date: Date): string => {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
};

/** What API Gateway's JWT authorizer hands over: every claim as a string, arrays as `[a b]`. */
export const claimsAsApiGateway = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );

export interface RawRequest {
  method: string;
  /** The request target as sent: path and query, percent-encoded. */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  localPort: number;
  protocol?: string;
}

export interface EventRoute {
  routeKey: string;
  params: Record<string, string>;
}

/** Builds the payload 2.0 event API Gateway would send for this request and route. */
export const toApiGatewayEvent = (request: RawRequest, route: EventRoute, now: Date = new Date()): ApiEvent => {
  const queryAt = request.url.indexOf('?');
  const rawTarget = queryAt >= 0 ? request.url.slice(0, queryAt) : request.url;
  const rawQueryString = queryAt >= 0 ? request.url.slice(queryAt + 1) : '';
  const path = safeDecode(rawTarget);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    if (HOP_BY_HOP.has(name)) continue;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  if (request.body.length > 0 && headers['content-length'] === undefined) headers['content-length'] = String(request.body.length);
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  headers['x-amzn-trace-id'] = `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    for (const pair of rawQueryString.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeQueryPart(eq >= 0 ? pair.slice(0, eq) : pair);
      const value = eq >= 0 ? decodeQueryPart(pair.slice(eq + 1)) : '';
      queryStringParameters ??= {};
      queryStringParameters[key] = key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
    }
  }

  const host = headers.host ?? `127.0.0.1:${request.localPort}`;
  const hostname = host.replace(/:\d+$/, '');
  const hasBody = request.body.length > 0;
  const base64 = hasBody && !isTextContentType(headers['content-type']);
  const pathParameters = Object.keys(route.params).length > 0 ? route.params : undefined;

  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName: host,
      domainPrefix: hostname.split('.')[0] ?? hostname,
      http: {
        method: request.method,
        path,
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomBytes(11).toString('base64'),
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(pathParameters ? { pathParameters } : {}),
    ...(hasBody ? { body: request.body.toString(base64 ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: base64,
  } as ApiEvent;
};

// ---------------------------------------------------------------------------------------------
// Handler result → HTTP response (payload 2.0 rules).
// ---------------------------------------------------------------------------------------------

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class InvalidLambdaResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLambdaResponseError';
  }
}

/**
 * API Gateway's reading of a payload 2.0 answer: an object with `statusCode` is a structured
 * response; anything else that is valid JSON is a 200 `application/json` whose body is the answer
 * itself (a string as is, anything else serialized).
 */
export const fromLambdaResult = (result: unknown): HttpAnswer => {
  const isStructured = typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;
  if (!isStructured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body, 'utf8') };
  }
  const structured = result as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const statusCode = Number(structured.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new InvalidLambdaResponseError(`statusCode ${String(structured.statusCode)} is not an HTTP status`);
  }
  const headers: Record<string, string> = {};
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') throw new InvalidLambdaResponseError('headers must be an object');
    for (const [name, value] of Object.entries(structured.headers as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = String(value);
    }
  }
  const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
  const rawBody = structured.body;
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') {
    throw new InvalidLambdaResponseError('body must be a string');
  }
  const body = rawBody ? Buffer.from(rawBody, structured.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { statusCode, headers, cookies, body };
};

// ---------------------------------------------------------------------------------------------
// The server.
// ---------------------------------------------------------------------------------------------

/** Extra local-only routes (`/_local/...`) the stack mounts: the event bus's inspection and injection. */
export type LocalRouteHandler = (request: { method: string; path: string; query: URLSearchParams; body: Buffer; headers?: IncomingMessage['headers'] }) => Promise<{
  statusCode: number;
  body: unknown;
}>;

export interface HttpApiOptions {
  /** Loopback port; 0 picks a free one. Default `PORT` or 3000. */
  port?: number;
  /** Routes; default the wiring table's ROUTES. */
  routes?: readonly LocalRoute[];
  /** Functions; default the wiring table's FUNCTIONS. */
  functions?: Readonly<Record<string, LocalFunctionSpec>>;
  /** How a function's handler is obtained; default: import `entry` from the project root. */
  loadHandler?: HandlerLoader;
  /** Where the local JWT signing key lives (default KNEADPAY_DATA_DIR or `.kneadpay`). */
  tokenDir?: string;
  /** Start answering routes straight away (default true); the stack starts it not-ready. */
  ready?: boolean;
  /** Extra health check (e.g. child processes alive); `/health` is 200 only when it holds. */
  healthy?: () => boolean;
  /** Local-only endpoints under `/_local/`. */
  localRoutes?: Record<string, LocalRouteHandler>;
  maxBodyBytes?: number;
  /** Where handler failures are reported (default stderr). */
  log?: (line: string) => void;
}

export interface LocalHttpApi {
  url: string;
  port: number;
  server: Server;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

const send = (res: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** API Gateway's own answers carry `message`; `error` adds kneadpay's error shape (SPEC §3). */
/** API Gateway's own `message`, with kneadpay's error shape (SPEC.md §3: `{error: {code, message, details}}`) beside it. */
const gatewayError = (message: string, code: string, detail: string) => ({ message, error: { code, message: detail, details: null } });

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> =>
  new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      resolveBody('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolveBody('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolveBody(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });

export const startHttpApi = async (options: HttpApiOptions = {}): Promise<LocalHttpApi> => {
  const requestedPort = options.port ?? apiPort();
  if (requestedPort !== 0) await assertPortFree(requestedPort, 'the kneadpay API (PORT)');
  const functions: Readonly<Record<string, LocalFunctionSpec>> = options.functions ?? FUNCTIONS;
  const loadHandler = options.loadHandler ?? moduleLoader(functions);
  const route = createRouter(options.routes ?? ROUTES);
  const maxBody = options.maxBodyBytes ?? MAX_REQUEST_BYTES;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let ready = options.ready ?? true;
  let port = requestedPort;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0]!;
    const path = safeDecode(rawPath);
    // API Gateway routes `/x/` to the route `/x` (aws-powertools/powertools-lambda-python#1552):
    // route paths cannot end in '/', requests can.
    const matched = route(method, path) ?? (path.length > 1 && path.endsWith('/') ? route(method, path.slice(0, -1)) : undefined);

    if (!matched && method === 'GET' && path === '/health') {
      const ok = ready && (options.healthy?.() ?? true);
      send(res, ok ? 200 : 503, ok ? { ok: true } : { ok: false });
      return;
    }
    const local = !matched && path.startsWith('/_local/') ? options.localRoutes?.[`${method} ${path}`] : undefined;
    if (!matched && !local) {
      req.resume();
      send(res, 404, gatewayError('Not Found', 'not_found', `no route for ${method} ${path}`));
      return;
    }
    if (!ready) {
      req.resume();
      send(res, 503, gatewayError('Service Unavailable', 'starting', 'the local stack is still starting'), { 'retry-after': '1' });
      return;
    }
    const body = await readBody(req, maxBody);
    if (body === 'too-large') {
      // The rest of the upload is not read: answer, then drop the connection.
      res.once('finish', () => req.destroy());
      send(res, 413, gatewayError('Request Entity Too Large', 'payload_too_large', `the limit is ${maxBody} bytes`), {
        connection: 'close',
      });
      return;
    }
    if (local) {
      const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      const answer = await local({ method, path, query, body, headers: req.headers });
      send(res, answer.statusCode, answer.body);
      return;
    }
    const { route: target, params } = matched!;
    const event = toApiGatewayEvent(
      {
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        localPort: port,
        protocol: `HTTP/${req.httpVersion}`,
      },
      { routeKey: target.routeKey, params },
    );
    const requestId = event.requestContext.requestId;

    if (target.auth === 'jwt') {
      const authorization = event.headers.authorization ?? '';
      const token = authorization.replace(/^Bearer\s+/i, '').trim();
      let claims: Record<string, unknown> | undefined;
      if (token) claims = await verifyLocalToken(token, options.tokenDir).catch(() => undefined);
      if (!claims) {
        send(res, 401, gatewayError('Unauthorized', 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)'), { 'apigw-requestid': requestId });
        return;
      }
      (event.requestContext as ApiEvent['requestContext']).authorizer = {
        jwt: { claims: claimsAsApiGateway(claims), scopes: null },
      };
    }

    let answer: HttpAnswer;
    try {
      const handler = await loadHandler(target.fn);
      const context = createLambdaContext(target.fn, functions[target.fn], randomUUID());
      const timeoutMs = Math.min(context.getRemainingTimeInMillis(), INTEGRATION_TIMEOUT_MS);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
      });
      const result = await Promise.race([inInvocationScope(context.awsRequestId, async () => handler(event, context)), timedOut]).finally(() => clearTimeout(timer));
      if (result === 'timeout') {
        log(`[${target.fn}] ${target.routeKey}: no answer within ${timeoutMs} ms (503)`);
        send(res, 503, gatewayError('Service Unavailable', 'timeout', 'the function did not answer in time'), {
          'apigw-requestid': requestId,
        });
        return;
      }
      answer = fromLambdaResult(result);
    } catch (error) {
      log(`[${target.fn}] ${target.routeKey} failed: ${(error as Error)?.stack ?? String(error)}`);
      send(res, 500, { message: 'Internal Server Error' }, { 'apigw-requestid': requestId });
      return;
    }
    const headers: Record<string, string | string[]> = { ...answer.headers, 'apigw-requestid': requestId };
    const setCookies = [...answer.cookies, ...(answer.headers['set-cookie'] ? [answer.headers['set-cookie']] : [])];
    delete headers['set-cookie'];
    if (setCookies.length > 0) headers['set-cookie'] = setCookies;
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.statusCode, headers);
    res.end(method === 'HEAD' ? undefined : answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`local API: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${requestedPort} (the kneadpay API, PORT) is already in use: stop what holds it or set PORT`) : error),
    );
    server.listen(requestedPort, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    setReady: (next) => {
      ready = next;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
};
