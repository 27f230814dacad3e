import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import { ROUTE_THROTTLES } from '../../lib/route-throttles';
import { AUTH, ROUTES } from '../../lib/wiring';

/**
 * Issue 17, finding 2, the deployed half: the public routes and the Stripe webhook each throttled
 * on a budget of their own on the HTTP API stage (AWS WAF cannot be associated with an HTTP API:
 * docs/decisions/007-abuse-limits.md), so a flood of anonymous checkouts cannot starve the webhook
 * or staff. The stage depends on the routes its settings name.
 */
let stage: { Properties: Record<string, any>; DependsOn?: string[] };
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;

beforeAll(() => {
  const app = createKneadpayApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, compliance: false });
  const template = app.app.synth().getStackByName(app.stack.stackName).template as { Resources: Record<string, any> };
  resources = template.Resources;
  stage = Object.values(template.Resources).find((resource: any) => resource.Type === 'AWS::ApiGatewayV2::Stage') as typeof stage;
});

describe('per-route throttling on the HTTP API stage', () => {
  it('gives the anonymous checkout, the public pages and the webhook budgets of their own; staff routes keep the stage default', () => {
    const settings = stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    for (const route of ROUTES) {
      const key = `${route.method} ${route.path}`;
      if (route.auth === AUTH.jwt) expect(settings[key], key).toBeUndefined();
      else expect(settings[key], key).toBeDefined();
    }
    expect(settings['POST /p/{practiceId}/packages/{packageId}/checkout']).toEqual({
      ThrottlingRateLimit: ROUTE_THROTTLES.publicCheckout.rateLimit,
      ThrottlingBurstLimit: ROUTE_THROTTLES.publicCheckout.burstLimit,
    });
    expect(settings['POST /webhooks/stripe']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(settings['GET /r/{token}']).toEqual({ ThrottlingRateLimit: ROUTE_THROTTLES.publicPage.rateLimit, ThrottlingBurstLimit: ROUTE_THROTTLES.publicPage.burstLimit });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50 });
  });

  it('deploys the stage after every route its settings name', () => {
    const routeIds = Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map(([id]) => id);
    expect(routeIds.length).toBe(ROUTES.length);
    for (const id of routeIds) expect(stage.DependsOn ?? []).toContain(id);
  });
});
