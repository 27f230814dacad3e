import type { Stripe } from '../stripe/types';
import { deriveId, newId } from '../shared/ids';
import { ConflictError, ValidationError } from '../shared/errors';
import { parseBody } from '../shared/schemas/parse';
import { packageChangeBody, packageCreateBody } from '../shared/schemas/requests';
import { archivePrice, createPrice, createProduct, findPrice, findPriceByLookupKey, retrieveProduct } from '../stripe/catalog';
import type { Store } from '../store/table';
import { getPackage, insertPackage, listPackages, packageRequestFingerprint, updatePackage } from '../store/catalog';
import type { SessionPackage } from '../domain/package';
import { minimumChargeCents } from '../domain/charge-minimum';
import { canonicalJson } from '../shared/canonical';
import type { Practice } from '../domain/practice';
import type { PackagesPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const PACKAGES_STORE: PackagesPort = { getPackage, insertPackage, packageRequestFingerprint, updatePackage, ...PRACTICE_STORE };

/** What the package functions need: the table, Stripe, and where the catalog is read and written (default: the table, PACKAGES_STORE). */
export interface PackageDeps {
  store: Store;
  stripe: Stripe;
  catalog?: PackagesPort;
}

/** The name Stripe (and the client's card statement and Stripe receipts) see: generic, no clinical words. */
export const stripeProductName = (pkg: Pick<SessionPackage, 'sessions' | 'sessionMinutes'>): string => `Session package (${pkg.sessions} × ${pkg.sessionMinutes} min)`;

/**
 * Creates a package and its Stripe Product and Price on the practice's account. With an
 * `Idempotency-Key` header the package id is derived from it, so a retried request creates nothing new.
 */
export const createPackage = async (
  deps: PackageDeps,
  practiceId: string,
  body: Record<string, unknown>,
  idempotencyKey?: string,
  now = new Date(),
): Promise<{ created: boolean; pkg: SessionPackage }> => {
  const catalog = deps.catalog ?? PACKAGES_STORE;
  const practice = await requirePractice(deps.store, practiceId, catalog);
  const { currency, name, sessions, sessionMinutes, serviceCode, priceCents, expiresInDays } = parseBody(packageCreateBody(practice.currency), body);
  const pkg: SessionPackage = {
    packageId: idempotencyKey ? deriveId('pkg', practiceId, idempotencyKey) : newId('pkg'),
    practiceId,
    name,
    sessions,
    sessionMinutes,
    serviceCode,
    priceCents,
    currency,
    expiresInDays: expiresInDays ?? null,
    active: true,
    stripeProductId: null,
    stripePriceId: null,
    previousStripePriceIds: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  // One rule for every Idempotency-Key (as estimates): the same key with another request is a 409.
  const fingerprint = idempotencyKey ? canonicalJson([pkg.name, pkg.sessions, pkg.sessionMinutes, pkg.serviceCode, pkg.priceCents, pkg.currency, pkg.expiresInDays]) : undefined;
  try {
    await catalog.insertPackage(deps.store, pkg, fingerprint);
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const first = await catalog.packageRequestFingerprint(deps.store, practiceId, pkg.packageId);
    if (first !== undefined && first !== fingerprint) throw new ConflictError('this Idempotency-Key was used for a different package', 'idempotency_key_reused');
    // The same Idempotency-Key again: finish (or just return) what the first request started.
    return { created: false, pkg: await ensurePackageOnStripe(deps, practice, await catalog.getPackage(deps.store, practiceId, pkg.packageId)) };
  }
  return { created: true, pkg: await ensurePackageOnStripe(deps, practice, pkg) };
};

/**
 * The package's Stripe Product id, derived from the package id (Stripe accepts a custom id on
 * products): a retry that comes after the idempotency key expired meets `resource_already_exists`
 * and takes the product it made before, instead of making a second one.
 */
export const stripeProductIdOf = (packageId: string) => `kneadpay_${packageId}`;

/**
 * The lookup key of one version of a package's Price. Stripe keeps lookup keys unique per account,
 * so the same version can never be made twice, whatever the idempotency keys.
 */
export const stripePriceLookupKeyOf = (packageId: string, version: number, priceCents: number) => `kneadpay_${packageId}_v${version}_${priceCents}`;

/** The Stripe `code` / `param` of a Stripe error as the gateway passes it on (undefined for anything else). */
const stripeErrorOf = (error: unknown): { code?: string; param?: string } => {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { stripeCode?: string; code?: string; param?: string };
  return { code: e.stripeCode ?? e.code, param: e.param };
};

/**
 * Makes sure the package's Product and current Price exist on Stripe. Each call uses a key built
 * from kneadpay ids and each id is stored as soon as Stripe answers, so a crash at any point is
 * repaired by calling this again (package creation and checkout both do). Idempotency keys expire
 * after 24 hours; past that, the Product's derived id and the Price's lookup key still make a
 * second one impossible: the retry finds the first.
 */
export const ensurePackageOnStripe = async (deps: PackageDeps, practice: Practice, pkg: SessionPackage): Promise<SessionPackage> => {
  const catalog = deps.catalog ?? PACKAGES_STORE;
  let current = pkg;
  const account = practice.stripeAccountId;
  const scope = { stripe: deps.stripe, account };
  // A package made before the practice connected its Stripe account has its Product and Price on
  // the platform's account, where a Checkout on the connected account cannot use them: they are
  // made again on the connected account (the derived product id and the price's lookup key make
  // that once, whatever the retries), and the package remembers which account holds them.
  let madeOn = current.stripeAccountId;
  if (madeOn === undefined && current.stripePriceId) {
    // Stored before packages recorded their account: ask the practice's account whether the price is there.
    const found = await findPrice(scope, current.stripePriceId);
    madeOn = found ? (account ?? null) : account ? null : 'another account';
  }
  if ((current.stripeProductId || current.stripePriceId) && madeOn !== undefined && madeOn !== (account ?? null)) {
    current = await catalog.updatePackage(deps.store, practice.practiceId, current.packageId, {
      stripeProductId: null,
      stripePriceId: null,
      stripeAccountId: account ?? null,
    });
  }
  if (!current.stripeProductId) {
    const id = stripeProductIdOf(current.packageId);
    const product = await createProduct(
      scope,
      { id, name: stripeProductName(current), metadata: { practiceId: practice.practiceId, packageId: current.packageId } },
      `pkg:${current.packageId}:product`,
    ).catch(async (error: unknown) => {
      if (stripeErrorOf(error).code !== 'resource_already_exists') throw error;
      const made = await retrieveProduct(scope, id);
      if (made.metadata?.packageId !== current.packageId) throw error;
      return made;
    });
    current = await catalog.updatePackage(deps.store, practice.practiceId, current.packageId, { stripeProductId: product.id, stripeAccountId: account ?? null });
  }
  if (!current.stripePriceId) {
    const priceVersion = current.previousStripePriceIds.length;
    const lookupKey = stripePriceLookupKeyOf(current.packageId, priceVersion, current.priceCents);
    const price = await createPrice(
      scope,
      {
        product: current.stripeProductId!,
        unit_amount: current.priceCents,
        currency: current.currency,
        lookup_key: lookupKey,
        metadata: { practiceId: practice.practiceId, packageId: current.packageId },
      },
      `pkg:${current.packageId}:price:${priceVersion}:${current.priceCents}`,
    ).catch(async (error: unknown) => {
      if (stripeErrorOf(error).param !== 'lookup_key') throw error;
      const made = await findPriceByLookupKey(scope, lookupKey);
      if (!made || made.product !== current.stripeProductId || made.unit_amount !== current.priceCents) throw error;
      return made;
    });
    current = await catalog.updatePackage(deps.store, practice.practiceId, current.packageId, { stripePriceId: price.id });
  }
  return current;
};

/** Changes a package's price: a new Stripe Price; the old one is archived (Stripe prices are immutable). */
export const changePackage = async (deps: PackageDeps, practiceId: string, packageId: string, body: Record<string, unknown>, now = new Date()): Promise<SessionPackage> => {
  const catalog = deps.catalog ?? PACKAGES_STORE;
  const practice = await requirePractice(deps.store, practiceId, catalog);
  let pkg = await catalog.getPackage(deps.store, practiceId, packageId);
  // The whole body is checked before anything is written: a bad price no longer leaves a new name behind.
  const { name, active, priceCents } = parseBody(packageChangeBody, body);
  // Stripe charges no less than the currency's minimum (docs.stripe.com/currencies): below it the package could not be sold.
  if (priceCents !== undefined && priceCents < minimumChargeCents(pkg.currency)) {
    throw new ValidationError(`priceCents must be at least ${minimumChargeCents(pkg.currency)} (Stripe's minimum charge in ${pkg.currency})`, { field: 'priceCents' });
  }
  if (name) pkg = await catalog.updatePackage(deps.store, practiceId, packageId, { name, updatedAt: now.toISOString() });
  if (active !== undefined) pkg = await catalog.updatePackage(deps.store, practiceId, packageId, { active, updatedAt: now.toISOString() });
  if (priceCents !== undefined && priceCents !== pkg.priceCents) {
    if (!pkg.active) throw new ConflictError('reactivate the package before changing its price');
    const oldPriceId = pkg.stripePriceId;
    // The old price is archived where it was made: a package priced before the practice connected
    // its Stripe account has it on the platform's account (null), not on the connected one.
    const oldAccount = pkg.stripeAccountId === undefined ? practice.stripeAccountId : (pkg.stripeAccountId ?? undefined);
    pkg = await catalog.updatePackage(deps.store, practiceId, packageId, {
      priceCents,
      stripePriceId: null,
      previousStripePriceIds: oldPriceId ? [...pkg.previousStripePriceIds, oldPriceId] : pkg.previousStripePriceIds,
      updatedAt: now.toISOString(),
    });
    pkg = await ensurePackageOnStripe(deps, practice, pkg);
    if (oldPriceId) {
      await archivePrice({ stripe: deps.stripe, account: oldAccount }, oldPriceId, `price:${oldPriceId}:archive`);
    }
  }
  return pkg;
};

export const publicPackage = (pkg: SessionPackage) => ({
  packageId: pkg.packageId,
  name: pkg.name,
  sessions: pkg.sessions,
  sessionMinutes: pkg.sessionMinutes,
  serviceCode: pkg.serviceCode,
  priceCents: pkg.priceCents,
  currency: pkg.currency,
  expiresInDays: pkg.expiresInDays,
  active: pkg.active,
  createdAt: pkg.createdAt,
  updatedAt: pkg.updatedAt,
});

export { listPackages };
