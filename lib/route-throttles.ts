import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { AUTH, type RouteSpec } from './wiring';

/**
 * Per-route throttling on the HTTP API stage (issue 17; docs/decisions/007-abuse-limits.md). AWS
 * WAF cannot be associated with an API Gateway HTTP API (only REST APIs, CloudFront, ALB, …), so
 * the WAF sits on CloudFront in front of it (lib/constructs/EdgeDistribution.ts, per IP); the
 * stage's own limit is API Gateway's token bucket, set per route: the
 * anonymous routes get small budgets of their own, the Stripe webhook a budget nobody else can
 * use up, staff routes the stage default. The per-practice and per-address limits are kneadpay's
 * own (functions/store/rate-limits.ts), the same on a laptop.
 */
export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

/** Requests per second (steady) and burst, by route kind. */
export const ROUTE_THROTTLES = {
  /** Anonymous checkout: each one costs Stripe calls and a record. */
  publicCheckout: { rateLimit: 5, burstLimit: 10 },
  /** Anonymous pages (storefront, success page, receipt links). */
  publicPage: { rateLimit: 20, burstLimit: 40 },
  /** Stripe's deliveries: a flood on the public routes cannot take this budget. */
  webhook: { rateLimit: 50, burstLimit: 100 },
} as const satisfies Record<string, RouteThrottle>;

export const throttleFor = (route: Pick<RouteSpec, 'method' | 'path' | 'auth'>): RouteThrottle | undefined => {
  if (route.auth === AUTH.stripeSignature) return ROUTE_THROTTLES.webhook;
  if (route.auth !== AUTH.public) return undefined;
  return route.method === 'GET' ? ROUTE_THROTTLES.publicPage : ROUTE_THROTTLES.publicCheckout;
};

/** The stage's `RouteSettings`, keyed by route key (`POST /p/{practiceId}/…`): a JSON property, so CloudFormation's own (PascalCase) names. */
export const routeSettings = (routes: readonly Pick<RouteSpec, 'method' | 'path' | 'auth'>[]): NonNullable<CfnStage['routeSettings']> =>
  Object.fromEntries(
    routes.flatMap((route) => {
      const throttle = throttleFor(route);
      return throttle ? [[`${route.method} ${route.path}`, { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit }]] : [];
    }),
  );
