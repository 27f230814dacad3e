/**
 * The HTTP server (node:http, loopback): `/v1/…` Stripe API, hosted pages, `/_…` admin endpoints.
 * Every request except admin calls is logged for `GET /_requests`; injected faults and latency are
 * applied before the API sees a request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handleAdmin } from './admin';
import { handleApi } from './api';
import { defaultFaultError } from './faults';
import { parseForm } from './form';
import { BodyTooLarge, readBody, sendJson } from './http';
import { handleHosted } from './hosted';
import { handleOnboarding } from './resources/accounts';
import { newRequestId } from './ids';
import { API_VERSION, type EmulatorState, type RequestRecord } from './state';

const header = (req: IncomingMessage, name: string): string | null => {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
};

const looseParams = (req: IncomingMessage, raw: string): unknown => {
  if (!raw) return {};
  if (String(req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  try {
    return parseForm(raw);
  } catch {
    return raw;
  }
};

export class EmulatorServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly sleepers = new Set<() => void>();
  private readonly held = new Set<ServerResponse>();

  constructor(private readonly state: EmulatorState) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { type: 'api_error', message: `The Stripe emulator failed: ${error instanceof Error ? error.message : String(error)}` } });
        else res.destroy();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) sendJson(res, 413, { error: { type: 'invalid_request_error', message: error.message } });
      return;
    }

    if (path.startsWith('/_')) return handleAdmin(this.state, req, res, url, rawBody);
    if (path === '/' && req.method === 'GET')
      return sendJson(res, 200, {
        name: 'kneadpay Stripe emulator',
        apiVersion: API_VERSION,
        api: `${this.state.baseUrl}/v1`,
        hostedPages: ['/checkout/{sessionId}', '/invoice/{invoiceId}', '/connect/onboarding/{link}'],
        admin: [
          '/_health',
          '/_config',
          '/_webhooks',
          '/_faults',
          '/_requests',
          '/_deliveries',
          '/_idempotency/expire',
          '/_clock',
          '/_disputes',
          '/_events/{id}/resend',
          '/_accounts',
          '/_accounts/{id}',
          '/_accounts/{id}/deauthorize',
          '/_reset',
        ],
      });

    const method = req.method ?? 'GET';
    const account = header(req, 'stripe-account');
    const record: RequestRecord = {
      id: newRequestId(),
      at: new Date().toISOString(),
      method,
      path,
      query: url.search.slice(1),
      headers: {
        'idempotency-key': header(req, 'idempotency-key'),
        'stripe-account': account,
        'stripe-version': header(req, 'stripe-version'),
        'content-type': header(req, 'content-type'),
        'user-agent': header(req, 'user-agent'),
      },
      params: method === 'GET' ? looseParams(req, url.search.slice(1)) : looseParams(req, rawBody),
      rawBody,
      status: null,
      fault: null,
      replayed: false,
    };
    this.state.record(record);

    const fault = this.state.faults.take(method, path, account);
    if (fault) {
      record.fault = `${fault.type}${fault.type === 'status' ? ` ${fault.status}` : ''} (${fault.id})`;
      if (fault.latencyMs > 0) await this.sleepFor(fault.latencyMs);
      if (fault.type === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.type === 'timeout') {
        this.held.add(res);
        res.on('close', () => this.held.delete(res));
        return;
      }
      if (fault.type === 'status') {
        const defaults = defaultFaultError(fault.status);
        record.status = fault.status;
        return sendJson(
          res,
          fault.status,
          {
            error: {
              type: fault.errorType ?? defaults.type,
              code: fault.code ?? defaults.code,
              message: fault.message ?? defaults.message,
            },
          },
          {
            'request-id': record.id,
            ...(fault.shouldRetry !== null ? { 'stripe-should-retry': String(fault.shouldRetry) } : {}),
          },
        );
      }
    }
    if (path.startsWith('/v1/') && this.state.faults.overRateLimit()) {
      record.status = 429;
      record.fault = 'rate limit';
      const defaults = defaultFaultError(429);
      return sendJson(res, 429, { error: defaults }, { 'request-id': record.id });
    }

    if (path.startsWith('/v1/')) {
      handleApi(this.state, { req, res, path, query: url.search.slice(1), rawBody, record });
      return;
    }
    if ((await handleOnboarding(this.state, req, res, path, rawBody)) || (await handleHosted(this.state, req, res, path, rawBody))) {
      record.status = res.statusCode;
      return;
    }
    record.status = 404;
    sendJson(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } });
  }

  private sleepFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'EADDRINUSE'
              ? `port ${port} (Stripe emulator) is already in use: stop what holds it or choose another port`
              : `the Stripe emulator cannot listen on ${host}:${port}: ${error.message}`,
          ),
        );
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const wake of [...this.sleepers]) wake();
    for (const res of [...this.held]) res.destroy();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
