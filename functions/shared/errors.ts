/**
 * One base error for kneadpay. Every subclass sets `name` (callers branch on `error.name`, which
 * survives duplicated bundles), keeps `cause`, and carries an HTTP status and a stable code.
 */
export class KneadpayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(message: string, opts: { status: number; code: string; details?: unknown; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KneadpayError';
    this.status = opts.status;
    this.code = opts.code;
    this.details = opts.details;
  }
}

/** 400: the request is wrong; `field` names what. */
export class ValidationError extends KneadpayError {
  constructor(message: string, details?: { field?: string; [k: string]: unknown }, cause?: unknown) {
    super(message, { status: 400, code: 'validation_error', details, cause });
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends KneadpayError {
  constructor(message = 'missing or invalid bearer token') {
    super(message, { status: 401, code: 'unauthorized' });
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends KneadpayError {
  constructor(message = 'this token is not for that practice') {
    super(message, { status: 403, code: 'forbidden' });
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends KneadpayError {
  /** `why`, when given, follows the message (e.g. what to do about it). */
  constructor(what: string, why?: string) {
    super(`${what} not found${why ? `: ${why}` : ''}`, { status: 404, code: 'not_found' });
    this.name = 'NotFoundError';
  }
}

/** 409 with a domain code (`no_credits`, `conflict`, …). */
export class ConflictError extends KneadpayError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(message, { status: 409, code, details });
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends KneadpayError {
  constructor(message: string, details?: unknown) {
    super(message, { status: 413, code: 'payload_too_large', details });
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends KneadpayError {
  constructor(message: string) {
    super(message, { status: 415, code: 'unsupported_media_type' });
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** 503: a retry may succeed (a record not yet committed, a transaction conflict, a throttle). */
export class RetryableError extends KneadpayError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 503, code: 'retry_later', cause });
    this.name = 'RetryableError';
  }
}

/** 501: a feature that is not built yet says so instead of pretending. */
export class NotImplementedError extends KneadpayError {
  constructor(feature: string) {
    super(`${feature} is not implemented yet`, { status: 501, code: 'not_implemented' });
    this.name = 'NotImplementedError';
  }
}

export const isKneadpayError = (error: unknown): error is KneadpayError =>
  error instanceof Error && typeof (error as KneadpayError).status === 'number' && typeof (error as KneadpayError).code === 'string';

/** 405: the route exists in the wiring table but the function has no branch for the method. */
export class MethodNotAllowed extends KneadpayError {
  constructor(method: string) {
    super(`${method} is not supported here`, { status: 405, code: 'method_not_allowed' });
    this.name = 'MethodNotAllowed';
  }
}
