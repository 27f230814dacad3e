/**
 * Stripe-shaped errors: `{"error":{"type","code","message","param",…}}` with Stripe's status codes.
 * Handlers throw `StripeApiError`; the router turns it into the response.
 */

export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error' | 'authentication_error' | 'permission_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
}

export interface StripeApiErrorOptions {
  /** Validation failures happen before the endpoint runs: Stripe stores no idempotent result for them. */
  validation?: boolean;
  headers?: Record<string, string>;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly options: StripeApiErrorOptions = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export const invalidRequest = (message: string, extra: { param?: string; code?: string; status?: number; validation?: boolean } = {}): StripeApiError =>
  new StripeApiError(
    extra.status ?? 400,
    {
      type: 'invalid_request_error',
      message,
      ...(extra.code ? { code: extra.code, doc_url: docUrl(extra.code) } : {}),
      ...(extra.param ? { param: extra.param } : {}),
    },
    { validation: extra.validation ?? false },
  );

/** A parameter problem found before the endpoint ran (unknown, missing, malformed). */
export const paramError = (message: string, param: string, code?: string): StripeApiError => invalidRequest(message, { param, ...(code ? { code } : {}), validation: true });

/**
 * `No such customer: 'cus_x'` — 404 when the id is in the URL, 400 when a parameter references it
 * (as Stripe does).
 */
export const noSuch = (label: string, id: string, param?: string): StripeApiError =>
  invalidRequest(`No such ${label}: '${id}'`, {
    code: 'resource_missing',
    param: param ?? 'id',
    status: param ? 400 : 404,
  });

export const cardDeclined = (message: string, declineCode: string, extra: { charge?: string; payment_intent?: unknown; code?: string } = {}): StripeApiError =>
  new StripeApiError(402, {
    type: 'card_error',
    code: extra.code ?? 'card_declined',
    decline_code: declineCode,
    message,
    doc_url: docUrl(extra.code ?? 'card_declined'),
    ...(extra.charge ? { charge: extra.charge } : {}),
    ...(extra.payment_intent ? { payment_intent: extra.payment_intent } : {}),
  });

export const errorJson = (error: StripeApiError) => ({ error: error.body });
