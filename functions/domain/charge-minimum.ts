/**
 * Stripe's minimum charge amount per currency, in minor units (docs.stripe.com/currencies, "Minimum
 * and maximum charge amounts"; JPY is zero-decimal, so 50 is ¥50). Below it Stripe does not charge:
 * a Checkout Session is refused, and an invoice is marked paid with nothing paid while the amount
 * moves to the Customer's balance for the next invoice (docs.stripe.com/api/invoices). A currency not
 * listed must convert to at least $0.50 in the account's settlement currency, which kneadpay cannot
 * know without exchange rates: it asks 50 minor units, the most common minimum.
 */
export const STRIPE_MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** The smallest amount, in minor units of `currency`, that Stripe will charge. */
export const minimumChargeCents = (currency: string): number => STRIPE_MINIMUM_CHARGE[currency.toLowerCase()] ?? 50;
