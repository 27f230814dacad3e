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
  /** The Stripe `created` time (seconds) of the state recorded; older events do not overwrite it. */
  asOf: number;
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
}
