/**
 * Routes declared once (issue 15, point 3): each row of the wiring table (lib/wiring.ts) names its
 * handler; a function serving several routes exports them as `routeHandlers` and dispatches on the
 * route key through `dispatchRoutes` (functions/shared/http.ts), never by re-reading the path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, ROUTES } from '../../lib/wiring';
import { WIRING, wiringProblems } from '../../lib/stack-wiring';
import { dispatchRoutes, routeKeyOf, type ApiEvent, type ApiResult, type RouteHandler } from '../../functions/shared/http';

const ROOT = join(import.meta.dirname, '..', '..');
const routedFunctions = [...new Set(ROUTES.map((route) => route.fn))];

/** A hand-made API Gateway event: what Lambda would get for `routeKey` (only a test can send an unrouted one). */
const eventFor = (routeKey: string, practiceId = 'prac_routes'): ApiEvent => {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const rawPath = path.replace('{practiceId}', practiceId).replace(/\{(\w+)\+?\}/g, 'x');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {},
    pathParameters: { practiceId, clientId: 'cli_1' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      requestId: 'routes-test',
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      authorizer: { jwt: { claims: { 'custom:practiceId': practiceId, sub: 'routes-test' }, scopes: null } },
    },
  } as unknown as ApiEvent;
};

const lambdaContext = { awsRequestId: 'routes-test', functionName: 'kneadpay-test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

describe('every route names its handler, once', () => {
  it('the wiring table has no problems, and every row names a handler', () => {
    expect(wiringProblems(WIRING)).toEqual([]);
    expect(ROUTES.filter((route) => !route.handler).map(routeKeyOf)).toEqual([]);
  });

  it.each(routedFunctions)('%s: every route has an exported handler, every exported handler is routed', async (fn) => {
    // Prepare
    const rows = ROUTES.filter((route) => route.fn === fn);
    const module = (await import(join(ROOT, FUNCTIONS[fn].entry))) as { routeHandlers?: Record<string, unknown>; handler?: unknown };
    // Act
    const named = rows.map((route) => route.handler).sort();
    // Assess
    expect(typeof module.handler).toBe('function');
    if (module.routeHandlers === undefined) {
      // A function with one route may be its Lambda handler itself (`handler: 'handler'`).
      expect(rows.map((route) => route.handler)).toEqual(['handler']);
      return;
    }
    expect(Object.keys(module.routeHandlers).sort()).toEqual(named);
    for (const name of named) expect(typeof module.routeHandlers[name]).toBe('function');
  });

  it('no handler re-routes by path: no routeKey, rawPath or endsWith/startsWith path test in the HTTP functions', () => {
    const offenders = routedFunctions.map((fn) => FUNCTIONS[fn].entry).filter((entry) => /\.routeKey\b|\.rawPath\b|path\.(endsWith|startsWith)\(/.test(readFileSync(join(ROOT, entry), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('dispatchRoutes: one dispatcher on the route key', () => {
  it('each route key of a function reaches the handler its row names', async () => {
    for (const fn of routedFunctions.filter((name) => ROUTES.filter((route) => route.fn === name).length > 1)) {
      // Prepare: handlers that say who they are
      const rows = ROUTES.filter((route) => route.fn === fn);
      const handlers = Object.fromEntries(rows.map((route) => [route.handler, async () => ({ statusCode: 200, body: route.handler }) as ApiResult]));
      const dispatch = dispatchRoutes(fn, handlers);
      for (const route of rows) {
        // Act
        const answer = await dispatch(eventFor(routeKeyOf(route)));
        // Assess
        expect({ route: routeKeyOf(route), handler: answer.body }).toEqual({ route: routeKeyOf(route), handler: route.handler });
      }
    }
  });

  it('a row naming a handler the function does not export fails when the function loads', () => {
    const routes = [{ method: 'GET', path: '/x', fn: 'demo', handler: 'missing' }];
    expect(() => dispatchRoutes('demo', {}, routes)).toThrow('route GET /x names handler "missing", which demo does not export');
  });

  it('a wiring table whose handler names are bad or shared is refused before synth', () => {
    const table = {
      ...WIRING,
      routes: [
        { method: 'GET' as const, path: '/practices/{practiceId}', fn: 'practices', handler: 'getProfile', auth: 'jwt' as const },
        { method: 'PUT' as const, path: '/practices/{practiceId}', fn: 'practices', handler: 'getProfile', auth: 'jwt' as const },
        { method: 'POST' as const, path: '/practices/{practiceId}/x', fn: 'practices', handler: 'Bad-Name', auth: 'jwt' as const },
      ],
    };
    expect(wiringProblems(table)).toEqual([
      'route PUT /practices/{practiceId}: handler practices.getProfile already serves GET /practices/{practiceId}',
      'route POST /practices/{practiceId}/x: handler "Bad-Name" is not a camelCase export name',
    ]);
  });

  it('an unknown route key answers as before: 404 `route not found` for GET, 405 for another method', async () => {
    // The real clients function, through its middy wrapper (the error shape API clients see).
    const { handler } = (await import('../../functions/clients')) as { handler: (event: ApiEvent, context: Context) => Promise<ApiResult> };
    const get = await handler(eventFor('GET /practices/{practiceId}/clients/{clientId}/nothing-here'), lambdaContext);
    const put = await handler(eventFor('PUT /practices/{practiceId}/clients/{clientId}/nothing-here'), lambdaContext);
    expect({ status: get.statusCode, body: JSON.parse(get.body ?? '') }).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'route not found', details: null } } });
    expect({ status: put.statusCode, body: JSON.parse(put.body ?? '') }).toEqual({ status: 405, body: { error: { code: 'method_not_allowed', message: 'PUT is not supported here', details: null } } });
  });

  it('extra arguments reach the handler (a Lambda context, a test’s deps)', async () => {
    const seen: unknown[] = [];
    const handlers: Record<string, RouteHandler<[context: Context]>> = {
      only: async (_event, context) => {
        seen.push(context.awsRequestId);
        return { statusCode: 204 };
      },
    };
    const dispatch = dispatchRoutes('demo', handlers, [{ method: 'GET', path: '/x', fn: 'demo', handler: 'only' }]);
    await dispatch(eventFor('GET /x'), lambdaContext);
    expect(seen).toEqual(['routes-test']);
  });
});
