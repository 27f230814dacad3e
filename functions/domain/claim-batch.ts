import type { Relationship, X12Address, X12Person } from './x12/837p';

/** A payer the practice bills: `payerId` is the clearinghouse's payer id (NM1*PR … PI). */
export interface Payer {
  practiceId: string;
  payerId: string;
  name: string;
  address: X12Address | null;
  /** SBR09 claim filing indicator (CI commercial, BL Blue Cross, MB Medicare Part B, MC Medicaid…). */
  claimFilingIndicator: string;
  updatedAt: string;
}

/** A client's insurance: PHI, kept in the table only (never in Stripe, never logged). */
export interface Coverage {
  practiceId: string;
  clientId: string;
  payerId: string;
  memberId: string;
  groupNumber: string | null;
  relationship: Relationship;
  subscriber: X12Person | null;
  patient: X12Person;
  /** A second plan (another payer) billed after the primary adjudicated: secondary claims. Absent: none. */
  secondary?: SecondaryPlan | null;
  updatedAt: string;
}

/** The coverage's second plan: its payer, member id, group, and the patient's relationship to its subscriber. */
export interface SecondaryPlan {
  payerId: string;
  memberId: string;
  groupNumber: string | null;
  relationship: Relationship;
  /** Absent when relationship is self. */
  subscriber: X12Person | null;
}

export interface ClaimBatch {
  practiceId: string;
  batchId: string;
  interchangeControlNumber: string;
  claims: string[];
  refused: { claimId: string; problems: { field: string; message: string }[] }[];
  /** The request's identity (sorted claim ids asked for, or `ready`): the same request → this batch. */
  requestKey: string;
  createdAt: string;
  /** The 837P file as written (PHI: stays in the table). */
  x12: string;
}
