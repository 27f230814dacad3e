/**
 * In-memory object store, partitioned by account: an object created with `Stripe-Account: acct_A`
 * exists only for acct_A (404 elsewhere, platform included). Ids are globally unique, so hosted
 * pages and admin endpoints can find an object without knowing its account.
 */
import type Stripe from 'stripe';

export interface Kinds {
  customer: Stripe.Customer;
  product: Stripe.Product;
  price: Stripe.Price;
  'checkout.session': Stripe.Checkout.Session;
  payment_intent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  invoice: Stripe.Invoice;
  invoiceitem: Stripe.InvoiceItem;
  invoice_payment: Stripe.InvoicePayment;
  credit_note: Stripe.CreditNote;
  refund: Stripe.Refund;
  dispute: Stripe.Dispute;
  event: Stripe.Event;
  account: Stripe.Account;
}
export type Kind = keyof Kinds;
/** `null` is the platform account. */
export type Account = string | null;

interface Entry<K extends Kind = Kind> {
  kind: K;
  account: Account;
  seq: number;
  object: Kinds[K];
  deleted: boolean;
  /** Hidden from lists (inline prices made from `price_data`). */
  unlisted: boolean;
}

export class Store {
  private seq = 0;
  /**
   * By id. Stripe's generated ids are unique everywhere, but an id the caller chooses (a Product's
   * `id`) is unique per account only: the same id may live on the platform and on connected
   * accounts, each its own object.
   */
  private readonly entries = new Map<string, Entry[]>();
  private readonly byKind = new Map<Kind, Entry[]>();

  insert<K extends Kind>(kind: K, account: Account, object: Kinds[K], options: { unlisted?: boolean } = {}): Kinds[K] {
    const entry: Entry<K> = { kind, account, seq: ++this.seq, object, deleted: false, unlisted: options.unlisted ?? false };
    const same = (this.entries.get(object.id) ?? []).filter((e) => e.account !== account);
    this.entries.set(object.id, [...same, entry as unknown as Entry]);
    const list = this.byKind.get(kind) ?? [];
    list.push(entry as unknown as Entry);
    this.byKind.set(kind, list);
    return object;
  }

  /** The entry on this account, or (account undefined) the newest live one anywhere. */
  private find(id: string, account?: Account): Entry | undefined {
    const all = this.entries.get(id) ?? [];
    if (account !== undefined) return all.find((e) => e.account === account);
    return [...all].reverse().find((e) => !e.deleted) ?? all[all.length - 1];
  }

  private entry<K extends Kind>(kind: K, id: string, account?: Account): Entry<K> | undefined {
    const entry = this.find(id, account);
    return entry && entry.kind === kind ? (entry as unknown as Entry<K>) : undefined;
  }

  /** The live object when it exists on this account and is not deleted. */
  get<K extends Kind>(kind: K, id: string, account: Account): Kinds[K] | undefined {
    const entry = this.entry(kind, id, account);
    return entry && !entry.deleted ? entry.object : undefined;
  }

  /** Whichever account holds it (hosted pages, admin endpoints). */
  locate<K extends Kind>(kind: K, id: string): { object: Kinds[K]; account: Account } | undefined {
    const entry = this.entry(kind, id);
    return entry && !entry.deleted ? { object: entry.object, account: entry.account } : undefined;
  }

  isDeleted(kind: Kind, id: string, account: Account): boolean {
    const entry = this.find(id, account);
    return !!entry && entry.kind === kind && entry.deleted;
  }

  /** Any object by id on this account (for `expand`). */
  lookup(id: string, account: Account): { kind: Kind; object: Kinds[Kind] } | undefined {
    const entry = this.find(id, account);
    return entry && !entry.deleted ? { kind: entry.kind, object: entry.object } : undefined;
  }

  accountOf(id: string): Account | undefined {
    return this.find(id)?.account;
  }

  /** Deletes the object with this id (on `account` only, when given). */
  markDeleted(id: string, account?: Account): void {
    for (const entry of this.entries.get(id) ?? []) if (account === undefined || entry.account === account) entry.deleted = true;
  }

  remove(id: string): void {
    const all = this.entries.get(id);
    if (!all) return;
    this.entries.delete(id);
    for (const entry of all) {
      const list = this.byKind.get(entry.kind);
      if (list)
        this.byKind.set(
          entry.kind,
          list.filter((e) => e !== entry),
        );
    }
  }

  /** Newest first, as Stripe lists. */
  list<K extends Kind>(kind: K, account: Account, filter: (object: Kinds[K]) => boolean = () => true): Kinds[K][] {
    const list = (this.byKind.get(kind) ?? []) as unknown as Entry<K>[];
    const out: Kinds[K][] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i];
      if (entry && !entry.deleted && !entry.unlisted && entry.account === account && filter(entry.object)) out.push(entry.object);
    }
    return out;
  }

  /** Oldest first, across accounts (sweeps). */
  all<K extends Kind>(kind: K): Array<{ object: Kinds[K]; account: Account }> {
    const list = (this.byKind.get(kind) ?? []) as unknown as Entry<K>[];
    return list.filter((e) => !e.deleted).map((e) => ({ object: e.object, account: e.account }));
  }

  clear(): void {
    this.entries.clear();
    this.byKind.clear();
  }

  /** Every entry in the order it was made, as plain data (`current`: still what its id finds). */
  snapshot(): StoredEntry[] {
    const all = [...this.byKind.values()].flat().sort((a, b) => a.seq - b.seq);
    return all.map((entry) => ({ ...entry, current: (this.entries.get(entry.object.id) ?? []).includes(entry) }));
  }

  /** Replaces everything held with a snapshot's entries (what `snapshot` gave, read back). */
  restore(stored: readonly StoredEntry[]): void {
    this.clear();
    for (const { current, ...entry } of [...stored].sort((a, b) => a.seq - b.seq)) {
      const list = this.byKind.get(entry.kind) ?? [];
      list.push(entry);
      this.byKind.set(entry.kind, list);
      if (current) this.entries.set(entry.object.id, [...(this.entries.get(entry.object.id) ?? []), entry]);
      this.seq = Math.max(this.seq, entry.seq);
    }
  }
}

/** A store entry as a snapshot keeps it. */
export type StoredEntry = Entry & { current: boolean };
