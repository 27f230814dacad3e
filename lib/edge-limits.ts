/**
 * AWS WAF rate-based rules at the edge (issue 17; docs/decisions/007-abuse-limits.md): requests per
 * client IP per 5-minute window, each rule counting only the paths it names (a scope-down by URI
 * path), so a flood on the public routes is refused without using up the webhook's or staff's
 * allowance. WAF counts over a sliding 5-minute window (`EvaluationWindowSec` 300).
 */
export interface EdgeRateRule {
  /** The rule's name in the web ACL and its metric. */
  name: string;
  /** Lower is evaluated first. */
  priority: number;
  /** Requests per client IP per evaluation window; over it, WAF answers 429. */
  limit: number;
  /** URI path prefixes the rule counts (any one of them). */
  pathPrefixes: readonly string[];
}

export const EDGE_EVALUATION_WINDOW_SECONDS = 300;

export const EDGE_RATE_RULES = {
  /** Anonymous storefront, checkout, success and receipt pages, and the web app's shell. */
  public: { name: 'PublicRoutesPerIp', priority: 10, limit: 300, pathPrefixes: ['/p/', '/r/', '/app'] },
  /** Stripe's deliveries come from a few Stripe addresses, retries included: a much higher ceiling. */
  webhook: { name: 'StripeWebhookPerIp', priority: 20, limit: 10_000, pathPrefixes: ['/webhooks/stripe'] },
  /** Staff routes (JWT): a front desk behind one office address, so more than the public budget. */
  staff: { name: 'StaffRoutesPerIp', priority: 30, limit: 3_000, pathPrefixes: ['/practices/'] },
} as const satisfies Record<string, EdgeRateRule>;
