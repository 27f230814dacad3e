/**
 * The one wiring table: every function, every HTTP route and every event rule and schedule.
 * The CDK stack (lib/kneadpay-stack.ts) is generated from it and the local runtime (local/) reads
 * it too, so what runs on a laptop is wired exactly as what is deployed.
 * Only functions that exist are listed: the table grows with the features.
 */
export const AUTH = {
  /** Practice staff: a Cognito JWT (a local token on a laptop); the path's practice must match. */
  jwt: 'jwt',
  /** Clients and the storefront: no credentials. */
  public: 'public',
  /** Stripe: authenticated by the Stripe-Signature header inside the function, not by API Gateway. */
  stripeSignature: 'stripe-signature',
} as const;
export type Auth = (typeof AUTH)[keyof typeof AUTH];

export interface FunctionSpec {
  /** Source file exporting `handler`, relative to the project root. */
  entry: string;
  description: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  /** What the function may touch; the stack grants exactly this. */
  access: {
    table: 'read' | 'readwrite';
    stripe?: boolean;
    ses?: boolean;
  };
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `{name}` parameters. */
  path: string;
  fn: FunctionName;
  auth: Auth;
}

export interface RuleSpec {
  /** EventBridge detail-type on the `kneadpay` bus (source `kneadpay`). */
  detailType: string;
  fn: FunctionName;
}

export interface ScheduleSpec {
  fn: FunctionName;
  /** EventBridge schedule expression, e.g. `rate(1 hour)`. */
  expression: string;
  description: string;
}

export const FUNCTIONS = {
  practices: {
    entry: 'functions/practices.ts',
    description: 'Practice profile: create or update, read',
    access: { table: 'readwrite' },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export const ROUTES: readonly RouteSpec[] = [
  { method: 'PUT', path: '/practices/{practiceId}', fn: 'practices', auth: AUTH.jwt },
  { method: 'GET', path: '/practices/{practiceId}', fn: 'practices', auth: AUTH.jwt },
];

export const RULES: readonly RuleSpec[] = [];

export const SCHEDULES: readonly ScheduleSpec[] = [];

/** Detail-types a consumer or integrator may see on the bus; documented in docs/events.md. */
export const EVENT_SOURCE = 'kneadpay' as const;
