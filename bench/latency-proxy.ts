/**
 * A loopback TCP proxy that holds every chunk a client sends for `delayMs` before passing it on, in
 * order: each request to DynamoDB Local then pays one network round trip, as it would to DynamoDB in
 * a Region (a few milliseconds from Lambda). The answers pass at once. Loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  endpoint: string;
  stop(): Promise<void>;
}

/** `delayMs` may be a function, read for each chunk: a bench can change the latency between its phases. */
export const startLatencyProxy = async (target: string, delayMs: number | (() => number)): Promise<LatencyProxy> => {
  const delayOf = typeof delayMs === 'function' ? delayMs : () => delayMs;
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: hostname, port: Number(port) });
    sockets.add(client).add(upstream);
    // Chunks keep their order: each waits its own delay after the one before it left.
    let last = Promise.resolve();
    client.on('data', (chunk) => {
      const arrived = performance.now();
      const delay = delayOf();
      last = last.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(
              () => {
                if (!upstream.destroyed) upstream.write(chunk);
                resolve();
              },
              Math.max(0, delay - (performance.now() - arrived)),
            ),
          ),
      );
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the latency proxy has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
