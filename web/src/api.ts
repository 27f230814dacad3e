/**
 * The API client: same origin, the session's bearer token, kneadpay's error shape
 * (`{"error":{"code","message","details":{"field"}}}`) turned into an ApiError that names the field.
 * A 401 (the session ran out) waits for sign-in again and retries once: the page and what was
 * typed stay as they were.
 */
import { session } from './session';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** The error's `details` as the API sent them (e.g. `problems` of a 409 `claim_incomplete`). */
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

let reauthenticate: (() => Promise<void>) | undefined;
/** Set by the shell: shows sign-in again and resolves once signed in. */
export const onSessionExpired = (handler: () => Promise<void>) => {
  reauthenticate = handler;
};

export interface RequestOptions {
  body?: unknown;
  /** A raw text body (an 835) instead of JSON. */
  text?: string;
  contentType?: string;
  accept?: string;
  /** Sent as `Idempotency-Key`: a retried POST answers the first result. */
  idempotencyKey?: string;
}

const errorOf = async (answer: Response): Promise<ApiError> => {
  const text = await answer.text();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; details?: { field?: unknown } & Record<string, unknown> }; message?: string };
    const details = parsed.error?.details;
    const field = details?.field;
    return new ApiError(
      answer.status,
      parsed.error?.code ?? String(answer.status),
      parsed.error?.message ?? parsed.message ?? answer.statusText,
      typeof field === 'string' ? field : undefined,
      details && typeof details === 'object' ? details : undefined,
    );
  } catch {
    return new ApiError(answer.status, String(answer.status), text.slice(0, 200) || answer.statusText);
  }
};

export const rawRequest = async (method: string, path: string, options: RequestOptions = {}, retried = false): Promise<Response> => {
  const token = session()?.token;
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let body: string | undefined;
  if (options.text !== undefined) {
    body = options.text;
    headers['content-type'] = options.contentType ?? 'text/plain';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const answer = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  if (answer.status === 401 && !retried && reauthenticate) {
    await reauthenticate();
    return rawRequest(method, path, options, true);
  }
  if (!answer.ok) throw await errorOf(answer);
  return answer;
};

export const request = async <T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> => {
  const answer = await rawRequest(method, path, options);
  const text = await answer.text();
  return (text ? JSON.parse(text) : undefined) as T;
};

/** `/practices/{signed-in practice}` + rest. */
export const practicePath = (rest = '') => `/practices/${encodeURIComponent(session()?.practiceId ?? '')}${rest}`;

/**
 * A file the API serves only with the staff token (an 837P batch, a CMS-1500): fetched, then handed
 * to the browser as a download from memory (a plain link could not carry the token).
 */
export const downloadFile = async (path: string, accept: string, filename: string): Promise<void> => {
  const answer = await rawRequest('GET', path, { accept });
  const url = URL.createObjectURL(await answer.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};
