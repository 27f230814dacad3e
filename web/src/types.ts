/**
 * The API's answers as the app reads them (docs/api.md). Shapes the domain already types are
 * imported from it, so a change there is a type error here.
 */
import type { UnitMethod } from '../../functions/domain/units';
import type { Claim as StoredClaim, RemittancePayment } from '../../functions/domain/claim';

export type { RemittancePayment };

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

export interface Practice {
  practiceId: string;
  name: string;
  email: string;
  phone?: string;
  address?: Address;
  taxId?: string;
  npi?: string;
  licenseNumber?: string;
  /** Claims out: the billing provider's NUCC taxonomy and the clearinghouse the 837P goes to (docs/claims.md). */
  taxonomyCode?: string;
  clearinghouse?: { name: string; receiverId: string; submitterId: string; usage?: 'P' | 'T' };
  timezone?: string;
  currency?: string;
  stripeAccountId?: string;
  billing?: { unitMethod?: UnitMethod; invoiceDueDays?: number; overpayment?: string; reminderDays?: number[]; forwardedClaims?: string; secondaryClaims?: string; payerWaitDays?: number };
  receipts?: { mode?: string; linkLifetimeDays?: number };
  receiptStatement?: { complete: boolean; missing: string[] };
}

export interface Package {
  packageId: string;
  name: string;
  sessions: number;
  sessionMinutes: number;
  serviceCode: string;
  priceCents: number;
  currency: string;
  expiresInDays?: number | null;
  active: boolean;
}

export interface Client {
  clientId: string;
  email: string;
  name: string;
}

export interface Purchase {
  purchaseId: string;
  packageId: string;
  sessionsTotal: number;
  sessionsRemaining: number;
  status: string;
  expiresAt: string | null;
  paidAt?: string;
  priceCents?: number;
  currency?: string;
}

export interface LedgerEntry {
  entryId: string;
  kind: string;
  amountCents: number;
  at: string;
  ref?: string;
  sessionsDelta?: number;
}

export interface Ledger {
  balanceCents: number;
  currency: string;
  entries: LedgerEntry[];
  /** The ledger is paged, oldest first. */
  nextCursor?: string | null;
}

export interface Receipt {
  receiptId: string;
  number: string | number;
  kind: string;
  totalCents: number;
  currency?: string;
  issuedAt: string;
  url: string;
  clientId?: string;
  emailStatus?: string;
}

export interface Invoice {
  invoiceId: string;
  claimId: string;
  clientId: string;
  status: string;
  amountDueCents: number;
  amountPaidCents: number;
  amountRefundedCents?: number;
  /** What a lost dispute took back of the payment, owed again (docs/decisions/013). */
  amountDisputedCents?: number;
  /** The payment's dispute as Stripe last said (Dispute.status), or null. */
  dispute?: { disputeId: string; status: string; amountCents: number } | null;
  /** Written off by staff (status `written_off`). */
  writeOff?: { writeOffId: string; reason: string; note: string | null; amountCents: number; writtenOffAt: string } | null;
  /** Written off by staff, in parts and in whole (docs/decisions/014). */
  amountWrittenOffCents?: number;
  currency?: string;
  hostedInvoiceUrl?: string | null;
  dueAt?: string | null;
  createdAt?: string;
}

export interface ClaimLine {
  procedureCode: string;
  modifiers?: string[];
  minutes?: number;
  units: number;
  chargeCents: number;
}

export interface Claim {
  claimId: string;
  clientId: string;
  status: string;
  payerName?: string;
  dateOfService: string;
  lines: ClaimLine[];
  adjudications: {
    statusCode?: string;
    status?: string;
    paidCents?: number;
    patientResponsibilityCents?: number;
    traceNumber?: string;
    paidAt?: string | null;
    payerClaimControlNumber?: string | null;
  }[];
  patientResponsibilityCents: number;
  collectedCents: number;
  invoicedCents: number;
  /** The claim's invoice, with its payment's dispute as `GET …/invoices` shows it (docs/decisions/013). */
  invoice?: {
    invoiceId: string;
    status: string;
    amountDueCents: number;
    hostedInvoiceUrl?: string | null;
    amountDisputedCents?: number;
    dispute?: { disputeId: string; status: string; amountCents: number } | null;
  };
  /** The patient's balance waits for a payer still to adjudicate (docs/decisions/015-balance-holds.md). */
  balanceHold?: { reason: 'forwarded_claim' | 'secondary_payer' | 'payer_denied'; since: string } | null;
  /** The last hold ended without the payer: staff billed the patient now, or it timed out; a payer_denied hold's release names the denial(s) set aside. */
  balanceRelease?: { releasedBy: 'staff' | 'timeout'; releasedAt: string; reason: string; heldSince: string; setAside?: string[] } | null;
  /** Claims out (docs/claims.md): the claim's state and the last 999 / 277CA, with a rejection's reason. */
  state?: string;
  acknowledgement?: StoredClaim['acknowledgement'];
  payerId?: string | null;
  problems?: ClaimProblem[];
  batchId?: string | null;
  /** A secondary claim's primary (the visit's claim, which holds its money), and a primary's secondary claim (docs/claims.md § Secondary claims). */
  secondaryOf?: string | null;
  secondaryClaimId?: string | null;
}

/** A reason a claim cannot go out yet, naming its field (`coverage.memberId`, `practice.npi`, …). */
export interface ClaimProblem {
  field: string;
  message: string;
}

/** An item of `GET …/claims?state=`. */
export interface ClaimListItem {
  claimId: string;
  clientId: string;
  state: string;
  status: string;
  dateOfService: string;
  chargeCents: number;
  rejection?: StoredClaim['acknowledgement'];
  payerId?: string | null;
  batchId?: string | null;
  problems?: ClaimProblem[];
}

/** `POST …/claim-batches` (SPEC §7). */
export interface ClaimBatchAnswer {
  batchId: string;
  interchangeControlNumber: number | string;
  claims: string[];
  refused: { claimId: string; problems: ClaimProblem[] }[];
}

/** `POST …/acknowledgements` (SPEC §7). */
export interface AcknowledgementAnswer {
  kind: string;
  accepted: string[];
  rejected: { claimId: string; reason: string }[];
  unmatched?: string[];
}

export interface Remittance {
  remittanceId: string;
  traceNumber: string;
  claims: number;
  matched: number;
  quarantined?: { patientControlNumber: string; problems: string[] }[];
  receivedAt?: string;
  createdAt?: string;
  /** Every payment of the file (`GET …/remittances/{id}` only; absent in the list, on files recorded before it was kept, and in the POST answer). */
  payments?: RemittancePayment[];
  paymentsOmitted?: number;
}

export interface List<T> {
  items: T[];
  nextCursor: string | null;
}
