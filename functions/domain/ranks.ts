/**
 * Order independence for Stripe objects: each object's states carry a rank, and an event may only
 * move an object to a higher rank. A late `invoice.finalized` after `invoice.paid` changes nothing.
 */
export const CHECKOUT_RANK = { open: 0, pending: 1, paid: 2, failed: 2, expired: 2 } as const;
export type CheckoutState = keyof typeof CHECKOUT_RANK;

export const INVOICE_RANK = { draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 } as const;
export type InvoiceState = keyof typeof INVOICE_RANK;

/** True when moving from `current` to `next` is progress (and not a replay or a stale event). */
export const advances = <S extends string>(ranks: Record<S, number>, current: S | undefined, next: S): boolean => current === undefined || ranks[next] > ranks[current];
