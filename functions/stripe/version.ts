/**
 * The Stripe API version kneadpay is written against: pinned here and nowhere else. It is the
 * version the installed stripe-node (23.x) is typed for, so the types match what Stripe sends.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;
