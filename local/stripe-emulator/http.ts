import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseForm, type FormTree } from './form';

const MAX_BODY = 1024 * 1024;

export class BodyTooLarge extends Error {}

export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge(`request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache, no-store',
    ...headers,
  });
  res.end(text);
};

const PAGE_SECURITY = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const sendHtml = (res: ServerResponse, status: number, html: string): void => {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-cache, no-store',
    ...PAGE_SECURITY,
  });
  res.end(html);
};

export const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(303, { location, 'content-length': 0, 'cache-control': 'no-cache, no-store' });
  res.end();
};

/** A JSON or form body as a flat-ish object (hosted pages and admin endpoints). */
export const parseLooseBody = (req: IncomingMessage, raw: string): Record<string, unknown> | FormTree => {
  if (!raw.trim()) return {};
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object') throw new Error('the JSON body must be an object');
    return parsed as Record<string, unknown>;
  }
  return parseForm(raw);
};

export const wantsJson = (req: IncomingMessage): boolean => String(req.headers.accept ?? '').includes('application/json') || String(req.headers['content-type'] ?? '').includes('application/json');
