/** A practice's connected Stripe account (Stripe Connect, Standard accounts; docs/decisions/006). */

export const CONNECT_STATUSES = ['creating', 'onboarding', 'enabled', 'restricted', 'deauthorized'] as const;
export type ConnectStatus = (typeof CONNECT_STATUSES)[number];

export interface StripeConnect {
  practiceId: string;
  /** Null while the account is being created (`creating`). */
  accountId: string | null;
  status: ConnectStatus;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  requirementsDue: string[];
  /** Stripe's `requirements.disabled_reason` (why charges are off), null while it can charge; absent on records before 2026-12-07. */
  disabledReason?: string | null;
  /** The Stripe `created` time (seconds) of the state recorded; older events do not overwrite it. */
  asOf: number;
  /**
   * Counts the writes of what Stripe says (events and refreshes): each such write is conditioned on
   * the revision read before Stripe was asked, so an older answer never lands after a newer one.
   * Absent on records written before 2026-12-07 (read as 0).
   */
  revision?: number;
  requestedAt: string;
  linkedAt: string | null;
  deauthorizedAt: string | null;
  updatedAt: string;
}

export interface AccountState {
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  requirementsDue: string[];
  /** Stripe's `requirements.disabled_reason` (`requirements.past_due`, `under_review`, `rejected.fraud`…); null or absent when none. */
  disabledReason?: string | null;
}

/** What `StripeAccountUpdated` carries of an account state (docs/events.md): the reason stays in kneadpay's record. */
export const publishedAccountState = ({ disabledReason: _reason, ...published }: AccountState): Omit<AccountState, 'disabledReason'> => published;
