import type Stripe from 'stripe';
import { ApiError, practicePath, request } from '../api';
import { currentPractice, setPractice } from '../context';
import { h, replace, safeHref, statusLine } from '../dom';
import { field, FormErrors, form, select, textInput } from '../forms';
import { refreshHeader } from '../main';
import { session } from '../session';
import type { Practice } from '../types';
import { pageHeading, section } from './common';

/** The API names what is missing in words already (functions/domain/receipt.ts); two read better in full. */
const MISSING_WORDS: Record<string, string> = {
  address: 'the practice address',
  phone: 'a phone number',
};

const statementView = (practice: Practice | undefined) => {
  const statement = practice?.receiptStatement;
  if (!statement) return h('p', { class: 'muted' }, 'Save the profile to see whether receipts are complete.');
  if (statement.complete) return h('p', { class: 'ok', 'data-testid': 'receipt-statement' }, 'Receipts are complete itemized statements: clients can claim them from insurance or an HSA/FSA.');
  return h(
    'div',
    { class: 'notice', 'data-testid': 'receipt-statement' },
    h('p', null, 'Receipts are not yet complete statements for insurance or HSA/FSA reimbursement. Missing:'),
    h(
      'ul',
      null,
      statement.missing.map((item) => h('li', null, MISSING_WORDS[item] ?? item)),
    ),
  );
};

const STRIPE_STATUS_WORDS: Record<string, string> = {
  not_connected: 'Not connected: the practice sells on the platform account',
  onboarding: 'Onboarding not finished',
  restricted: 'Restricted: Stripe needs more information',
  enabled: 'Connected',
  deauthorized: 'Disconnected from kneadpay in Stripe',
};

/**
 * Stripe's `requirements.disabled_reason`, in words: every value of the pinned API version (the
 * SDK's type, so a reason Stripe adds is a type error here; 2026-09-30.endive split the platform's
 * rejections off Stripe's own, bug 138). A value Stripe sends beyond it is shown as Stripe names it.
 */
const DISABLED_REASON_WORDS: Record<string, string> = {
  'requirements.past_due': 'information Stripe asked for is past due',
  'requirements.pending_verification': 'Stripe is verifying the information sent',
  under_review: 'Stripe is reviewing the account',
  platform_paused: 'payments on the account are paused',
  listed: 'the account is on a list Stripe checks; Stripe is reviewing it',
  'rejected.fraud': 'Stripe rejected the account (suspected fraud)',
  'rejected.terms_of_service': 'Stripe rejected the account (terms of service)',
  'rejected.listed': 'Stripe rejected the account (listed)',
  'rejected.other': 'Stripe rejected the account',
  'rejected.incomplete_verification': 'Stripe rejected the account (its verification was not completed)',
  'rejected.platform_fraud': 'kneadpay’s platform rejected the account (suspected fraud)',
  'rejected.platform_terms_of_service': 'kneadpay’s platform rejected the account (terms of service)',
  'rejected.platform_other': 'kneadpay’s platform rejected the account',
  'action_required.requested_capabilities': 'the account has not requested the payment capabilities it needs',
  other: 'Stripe gave no specific reason',
} satisfies Record<Stripe.Account.Requirements.DisabledReason, string>;

/**
 * "Release the disconnected account" (`DELETE …/stripe`): while the account's owner has disconnected
 * kneadpay (`deauthorized`) onboarding is refused (409 `stripe_account_disconnected`: release it
 * first), so the release is offered instead. The API releases such an account even with balance
 * invoices open on it and names them (`leftOpen`): the practice collects them in its Stripe Dashboard.
 */
const releaseButton = (outcome: HTMLElement, released: (said: string) => Promise<void>) =>
  h(
    'button',
    {
      type: 'button',
      onclick: async (event: Event) => {
        const button = event.currentTarget as HTMLButtonElement;
        if (button.disabled) return;
        button.disabled = true;
        outcome.textContent = 'Releasing the account…';
        try {
          const answer = await request<{ accountId: string; leftOpen?: string[] }>('DELETE', practicePath('/stripe'));
          const left = answer.leftOpen ?? [];
          await released(
            `Stripe account ${answer.accountId} released.${left.length ? ` ${left.length} balance invoice${left.length === 1 ? ' was' : 's were'} left open on it (${left.join(', ')}): collect ${left.length === 1 ? 'it' : 'them'} in that account’s Stripe Dashboard.` : ''} “Connect Stripe” connects an account again.`,
          );
        } catch (error) {
          outcome.textContent = (error as Error).message;
          button.disabled = false;
        }
      },
    },
    'Release the disconnected account',
  );

/**
 * The Stripe connection (GET /practices/{p}/stripe) and "Connect Stripe" (POST …/stripe/onboarding,
 * its Account Link opened), drawn into `holder`: again after the profile's first save, which makes
 * the practice the connection is for (it said "save the profile first" until Settings was opened again).
 */
const stripeSection = async (holder: HTMLElement = h('div', { 'data-testid': 'stripe-connection' })) => {
  // Drawn again once a disconnected account is released, with what the release said (focused: the button is gone).
  const draw = async (said?: string) => {
    const account = await request<{
      accountId: string | null;
      chargesEnabled: boolean;
      payoutsEnabled: boolean;
      detailsSubmitted: boolean;
      requirementsDue: string[];
      disabledReason?: string | null;
      status?: string;
    }>('GET', practicePath('/stripe'));
    const outcome = statusLine();
    outcome.setAttribute('tabindex', '-1');
    const disconnected = account.status === 'deauthorized';
    const connect = h(
      'button',
      {
        type: 'button',
        onclick: async (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          button.disabled = true;
          outcome.textContent = 'Asking Stripe for an onboarding link…';
          try {
            const link = await request<{ accountId: string; url: string }>('POST', practicePath('/stripe/onboarding'));
            const href = safeHref(link.url);
            if (!href) throw new Error('Stripe answered with a link this page will not open.');
            window.open(href, '_blank', 'noopener');
            outcome.textContent = `Stripe onboarding opened in a new tab for account ${link.accountId}. Come back to Settings when it is done.`;
          } catch (error) {
            outcome.textContent = (error as Error).message;
          } finally {
            button.disabled = false;
          }
        },
      },
      account.accountId ? 'Continue Stripe onboarding' : 'Connect Stripe',
    );
    replace(
      holder,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Account'),
        h('dd', null, account.accountId ?? 'Not connected'),
        h('dt', null, 'Status'),
        h('dd', null, STRIPE_STATUS_WORDS[account.status ?? ''] ?? account.status ?? '—'),
        h('dt', null, 'Payments'),
        h('dd', null, account.chargesEnabled ? 'Enabled' : disconnected ? 'Off: the account disconnected kneadpay' : 'Not enabled yet'),
        h('dt', null, 'Payouts'),
        h('dd', null, account.payoutsEnabled ? 'Enabled' : disconnected ? 'Off: the account disconnected kneadpay' : 'Not enabled yet'),
      ),
      account.requirementsDue.length > 0 ? h('p', null, `Stripe still needs: ${account.requirementsDue.join(', ')}`) : null,
      account.disabledReason && !account.chargesEnabled
        ? h('p', { 'data-testid': 'stripe-disabled-reason' }, `Why payments are off: ${DISABLED_REASON_WORDS[account.disabledReason] ?? account.disabledReason}.`)
        : null,
      disconnected
        ? [
            h('p', { 'data-testid': 'stripe-disconnected' }, 'The account’s owner disconnected kneadpay in Stripe: kneadpay can take no payments on it. Release it to connect an account again.'),
            releaseButton(outcome, async (text) => {
              await draw(text);
            }),
          ]
        : account.chargesEnabled
          ? null
          : connect,
      outcome,
    );
    if (said !== undefined) {
      outcome.textContent = said;
      outcome.focus();
    }
  };
  try {
    await draw();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    // A practice with no profile yet: the API answers 404 for the practice, not for the route.
    replace(holder, h('p', null, currentPractice() ? 'Stripe connection: not available on this installation yet.' : 'Save the practice profile above first: the Stripe connection is made for it.'));
  }
  return holder;
};

const profileForm = (status: HTMLElement, statementHolder: HTMLElement, saved: () => Promise<void>) => {
  const practice = currentPractice();
  const errors = new FormErrors();
  const text = (label: string, apiName: string, value: string | undefined, props: Record<string, unknown> = {}, hint?: string) => {
    const f = field(label, textInput({ name: apiName, value: value ?? '', ...props }), { id: `profile-${apiName.replace(/\W/g, '-')}`, hint });
    errors.bind(apiName, f);
    return f;
  };
  const name = text('Practice name', 'name', practice?.name, { autocomplete: 'organization' });
  const email = text('Email', 'email', practice?.email, { type: 'email', autocomplete: 'email' });
  const phone = text('Phone', 'phone', practice?.phone, { type: 'tel', autocomplete: 'tel' });
  const line1 = text('Street address', 'address.line1', practice?.address?.line1, { autocomplete: 'address-line1' });
  const city = text('City', 'address.city', practice?.address?.city, { autocomplete: 'address-level2' });
  const state = text('State', 'address.state', practice?.address?.state, { autocomplete: 'address-level1' });
  const postalCode = text('ZIP code', 'address.postalCode', practice?.address?.postalCode, { autocomplete: 'postal-code' });
  const taxId = text('Tax ID (EIN)', 'taxId', practice?.taxId, {}, 'e.g. 12-3456789');
  const npi = text('NPI', 'npi', practice?.npi, { inputmode: 'numeric' }, 'Optional; 10 digits.');
  const license = text('License number', 'licenseNumber', practice?.licenseNumber);
  // Claims out (docs/claims.md): the 837P's PRV*BI and 1000A/1000B. A profile save replaces the
  // profile, so these are sent back as they are (bug 97: saving erased them) and can be changed here.
  const taxonomy = text('Taxonomy code (NUCC)', 'taxonomyCode', practice?.taxonomyCode, { spellcheck: 'false' }, 'For insurance claims, e.g. 225700000X (massage therapist).');
  const clearinghouseName = text('Clearinghouse', 'clearinghouse.name', practice?.clearinghouse?.name, {}, 'Optional: where you upload 837P files.');
  const receiverId = text('Clearinghouse receiver ID', 'clearinghouse.receiverId', practice?.clearinghouse?.receiverId, { spellcheck: 'false' });
  const submitterId = text('Your submitter ID', 'clearinghouse.submitterId', practice?.clearinghouse?.submitterId, { spellcheck: 'false' });
  const usage = field(
    'Files are',
    select(
      [
        ['P', 'Production (P)'],
        ['T', 'Test (T)'],
      ],
      { name: 'clearinghouseUsage' },
    ),
    { id: 'profile-clearinghouse-usage' },
  );
  usage.control.value = practice?.clearinghouse?.usage ?? 'P';
  errors.bind('clearinghouse.usage', usage);
  errors.bind('clearinghouse', clearinghouseName);
  const timezone = text('Time zone', 'timezone', practice?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, {}, 'e.g. America/Chicago');
  const unitMethod = field(
    'Unit method',
    select(
      [
        ['cms', '8-minute rule (CMS, total time)'],
        ['per-code', 'Per code'],
      ],
      { name: 'unitMethod' },
    ),
    { id: 'profile-unit-method' },
  );
  unitMethod.control.value = practice?.billing?.unitMethod ?? 'cms';
  errors.bind('billing.unitMethod', unitMethod);
  const dueDays = text('Invoices due after (days)', 'billing.invoiceDueDays', String(practice?.billing?.invoiceDueDays ?? 14), { inputmode: 'numeric' });
  const forwarded = field(
    'Claims forwarded to another payer',
    select(
      [
        ['hold', 'Wait for the next payer'],
        ['invoice', 'Invoice the share now'],
      ],
      { name: 'forwardedClaims' },
    ),
    { id: 'profile-forwarded' },
  );
  forwarded.control.value = practice?.billing?.forwardedClaims ?? 'hold';
  errors.bind('billing.forwardedClaims', forwarded);
  const secondaryClaims = field(
    'Clients with a secondary plan',
    select(
      [
        ['hold', 'Wait for the secondary payer'],
        ['invoice', 'Invoice the share now'],
      ],
      { name: 'secondaryClaims' },
    ),
    { id: 'profile-secondary-claims' },
  );
  secondaryClaims.control.value = practice?.billing?.secondaryClaims ?? 'hold';
  errors.bind('billing.secondaryClaims', secondaryClaims);
  const payerWaitDays = text('Wait for a payer at most (days)', 'billing.payerWaitDays', String(practice?.billing?.payerWaitDays ?? 45), { inputmode: 'numeric' });
  const optional = (f: { control: { value: string } }) => f.control.value.trim() || undefined;

  return form(
    {
      label: 'Practice profile',
      submit: 'Save profile',
      errors,
      action: async () => {
        const hasAddress = [line1, city, state, postalCode].some((f) => f.control.value.trim() !== '');
        const body = {
          name: name.control.value.trim(),
          email: email.control.value.trim(),
          phone: optional(phone),
          address: hasAddress
            ? { ...(practice?.address ?? {}), line1: line1.control.value.trim(), city: city.control.value.trim(), state: state.control.value.trim(), postalCode: postalCode.control.value.trim() }
            : undefined,
          taxId: optional(taxId),
          npi: optional(npi),
          licenseNumber: optional(license),
          taxonomyCode: optional(taxonomy),
          clearinghouse: [clearinghouseName, receiverId, submitterId].some((f) => f.control.value.trim() !== '')
            ? { name: clearinghouseName.control.value.trim(), receiverId: receiverId.control.value.trim(), submitterId: submitterId.control.value.trim(), usage: usage.control.value }
            : undefined,
          timezone: optional(timezone),
          currency: practice?.currency,
          stripeAccountId: practice?.stripeAccountId,
          billing: {
            ...(practice?.billing ?? {}),
            unitMethod: unitMethod.control.value,
            invoiceDueDays: /^\d+$/.test(dueDays.control.value.trim()) ? Number(dueDays.control.value.trim()) : dueDays.control.value,
            forwardedClaims: forwarded.control.value,
            secondaryClaims: secondaryClaims.control.value,
            payerWaitDays: /^\d+$/.test(payerWaitDays.control.value.trim()) ? Number(payerWaitDays.control.value.trim()) : payerWaitDays.control.value,
          },
          receipts: practice?.receipts,
        };
        const answer = await request<Practice>('PUT', practicePath(), { body });
        const first = !currentPractice();
        setPractice(answer);
        refreshHeader();
        replace(statementHolder, statementView(answer));
        status.textContent = 'Profile saved.';
        if (first) await saved();
      },
    },
    h('div', { class: 'grid' }, name.wrap, email.wrap, phone.wrap, line1.wrap, city.wrap, state.wrap, postalCode.wrap, taxId.wrap, npi.wrap, license.wrap, timezone.wrap),
    h('fieldset', null, h('legend', null, 'Billing'), h('div', { class: 'grid' }, unitMethod.wrap, dueDays.wrap, forwarded.wrap, secondaryClaims.wrap, payerWaitDays.wrap)),
    h('fieldset', null, h('legend', null, 'Insurance claims (837P)'), h('div', { class: 'grid' }, taxonomy.wrap, clearinghouseName.wrap, receiverId.wrap, submitterId.wrap, usage.wrap)),
  );
};

export const settingsPage = async (main: HTMLElement) => {
  const status = statusLine();
  const statementHolder = h('div', null, statementView(currentPractice()));
  const stripe = await stripeSection();
  // The first save makes the practice: its Stripe connection is drawn again (a failure to read it is said there).
  const redrawStripe = async () => {
    try {
      await stripeSection(stripe);
    } catch (error) {
      replace(stripe, h('p', null, `The Stripe connection did not load: ${(error as Error).message}`));
    }
  };
  replace(
    main,
    pageHeading('Settings'),
    h('p', { class: 'muted' }, `Practice ID: ${session()?.practiceId ?? ''}`),
    status,
    section('Receipts for insurance and HSA/FSA', statementHolder),
    section('Practice profile', profileForm(status, statementHolder, redrawStripe)),
    section('Stripe connection', stripe),
  );
};
