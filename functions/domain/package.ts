/** A session package a practice sells. `serviceCode` stays in kneadpay: it never reaches Stripe. */
export interface SessionPackage {
  packageId: string;
  practiceId: string;
  name: string;
  sessions: number;
  sessionMinutes: number;
  serviceCode: string;
  priceCents: number;
  currency: string;
  expiresInDays: number | null;
  active: boolean;
  stripeProductId: string | null;
  stripePriceId: string | null;
  /** Earlier prices, archived on Stripe when the price changed. */
  previousStripePriceIds: string[];
  /**
   * The Stripe account the Product and Price live on: null for the platform's own. Absent on
   * packages stored before Stripe Connect onboarding (the practice's account then, if it had one).
   */
  stripeAccountId?: string | null;
  createdAt: string;
  updatedAt: string;
}
