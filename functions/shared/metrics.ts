/**
 * Log-line metrics: a handler logs `metric: <name>`; a CloudWatch metric filter on its log group
 * counts the lines (lib/constructs/UnknownAccountAlarm.ts). No metrics library in the bundle.
 */

/** A Stripe event for a connected account no practice onboarded (recorded as ignored). */
export const UNKNOWN_ACCOUNT_METRIC = 'StripeEventUnknownAccount';
