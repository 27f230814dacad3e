/**
 * Connected Stripe accounts for tests. Since issue 16 an account is linked only by onboarding:
 * - `onboardThroughStripe` walks the real path (the API's onboarding route, the emulator's hosted
 *   onboarding page's `/complete`, Stripe's `account.updated` webhook);
 * - `connectTestAccount` is the fixture for suites that only need a practice on a connected
 *   account with a chosen id: the emulator makes an onboarded account with that id (`POST /_accounts`,
 *   an emulator-only shortcut) and kneadpay's own link write (`linkAccount`, what onboarding calls)
 *   records it. Nothing else about the account is faked: every Stripe call goes to the emulator.
 */
import type { Store } from '../../functions/store/table';
import { commitOnce } from '../../functions/store/commit';
import { accountStateWrite, getConnect, linkAccount } from '../../functions/store/connect';
import { keys } from '../../functions/store/keys';
import { api } from './api';
import { sharedEmulator } from './emulator-admin';

export const emulatorAdmin = <T = any>(path: string, body?: unknown): Promise<{ status: number; body: T }> => sharedEmulator<T>(path, { method: 'POST', body });

/** An onboarded connected account with this id on the emulator, linked to the practice. */
export const connectTestAccount = async (store: Store, practiceId: string, accountId: string): Promise<string> => {
  const made = await emulatorAdmin('/_accounts', { id: accountId });
  if (made.status !== 200) throw new Error(`emulator refused account ${accountId}: ${JSON.stringify(made.body)}`);
  await linkAccount(store, practiceId, accountId, { chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [] }, 0, new Date());
  return accountId;
};

/** POST /practices/{p}/stripe/onboarding, then the hosted page's "Complete onboarding" (scripted). */
export const onboardThroughStripe = async (practiceId: string, opts: { complete?: boolean } = {}) => {
  const started = await api('POST', `/practices/${practiceId}/stripe/onboarding`, { practiceId });
  if (started.status !== 201 && started.status !== 200) throw new Error(`onboarding answered ${started.status}: ${started.text}`);
  const { accountId, url } = started.body as { accountId: string; url: string };
  if (opts.complete !== false) {
    const done = await fetch(`${url}/complete`, { method: 'POST', headers: { accept: 'application/json' } });
    if (done.status !== 200) throw new Error(`completing onboarding answered ${done.status}`);
  }
  return { status: started.status, accountId, url };
};

/** Waits until GET /practices/{p}/stripe satisfies `ready` (webhooks are asynchronous). */
export const waitForStripeStatus = async (practiceId: string, ready: (status: any) => boolean, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await api('GET', `/practices/${practiceId}/stripe`, { practiceId });
    if (status.status === 200 && ready(status.body)) return status.body;
    if (Date.now() > until) throw new Error(`stripe status never got there: ${status.text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * Stripe enables charges on the account again and kneadpay records it without its event: the
 * emulator's `account.updated` is marked lost and the account state is written as the webhook
 * would write it (`accountStateWrite`), so only the test delivers StripeAccountUpdated — or leaves
 * it lost. Answers the state written (the event's detail, if the test delivers it).
 */
export const enableChargesQuietly = async (store: Store, practiceId: string, accountId: string) => {
  await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: true, currently_due: [], disabled_reason: null, lost: true });
  const connect = (await getConnect(store, practiceId))!;
  const enabled = { chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [] as string[] };
  await commitOnce(store, { marker: keys.marker(practiceId, 'test-account-enabled', accountId), writes: [accountStateWrite(practiceId, accountId, enabled, connect.asOf, new Date())], events: [] });
  return enabled;
};
