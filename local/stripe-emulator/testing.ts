/**
 * Test helpers: a webhook receiver on a free loopback port that records every delivery raw (so a
 * test can verify it with `stripe.webhooks.constructEvent(rawBody, signature, secret)`), answers
 * with a scripted sequence of statuses, and lets tests wait for a given event.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedWebhook {
  rawBody: string;
  signature: string;
  headers: IncomingHttpHeaders;
  /** Parsed body (not verified — verify `rawBody` with the Stripe SDK). */
  event: { id: string; type: string; account?: string; data: { object: Record<string, unknown> } };
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Statuses for the next deliveries, in order; 200 once they run out. */
  respondWith(statuses: number[]): void;
  waitFor(predicate: (hook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export const startWebhookReceiver = async (options: { statuses?: number[]; path?: string } = {}): Promise<WebhookReceiver> => {
  const received: ReceivedWebhook[] = [];
  let statuses = [...(options.statuses ?? [])];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const status = statuses.shift() ?? 200;
      let event: ReceivedWebhook['event'] = { id: '', type: '', data: { object: {} } };
      try {
        event = JSON.parse(rawBody) as ReceivedWebhook['event'];
      } catch {
        // recorded as is; the test's verification will fail loudly
      }
      received.push({ rawBody, signature: String(req.headers['stripe-signature'] ?? ''), headers: req.headers, event, status });
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ received: status < 300 }));
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/webhooks/stripe'}`,
    received,
    respondWith(next) {
      statuses = [...next];
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = received.find(predicate);
          if (!hit) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching webhook within ${timeoutMs} ms (got: ${received.map((r) => r.event.type).join(', ') || 'none'})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
};
