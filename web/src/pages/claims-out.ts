/**
 * Claims out at the front desk (docs/claims.md, docs/app.md): claims by state with what stops a
 * draft, "Send claims" (an 837P batch of the ready claims, downloaded as a file), a 999 or 277CA
 * uploaded, and the practice's payers. The rules stay in the API: these screens show its answers.
 */
import { ApiError, downloadFile, practicePath, rawRequest, request } from '../api';
import { currency } from '../context';
import { h, replace, statusLine, table, type Child } from '../dom';
import { field, FormErrors, form, invalid, select, textInput, type Field } from '../forms';
import { formatDate, formatMoney } from '../money';
import type { AcknowledgementAnswer, ClaimBatchAnswer, ClaimListItem, ClaimProblem, List } from '../types';
import { badge, statusText } from './common';
import { pagedList } from './paged';

/** The claim's states (docs/claims.md, "The claim's life"), as `GET …/claims?state=` takes them. */
export const CLAIM_STATES = ['draft', 'ready', 'submitted', 'accepted', 'rejected', 'adjudicated', 'closed'] as const;

/** Where a problem's field is fixed, in words (the API's field name follows in its message). */
const PLACES: readonly (readonly [RegExp, string])[] = [
  [/^practice\./, 'Practice profile (Settings)'],
  [/^coverage/, 'Client’s coverage'],
  [/^payerId$/, 'Payer'],
  [/^renderingProvider/, 'Rendering therapist'],
  [/^diagnosisCodes/, 'Diagnosis codes'],
  [/^placeOfService$/, 'Place of service'],
  [/^lines|^chargeCents$/, 'Services'],
  [/^claimId$/, 'Claim ID'],
  [/^payerClaimControlNumber$/, 'Payer’s claim number (correction)'],
  [/^state$/, 'State'],
];
const place = (field: string) => PLACES.find(([pattern]) => pattern.test(field))?.[1] ?? field;

/** A claim's problems, each naming where it is fixed; a coverage problem links the client's page, a practice one Settings. */
export const problemList = (problems: readonly ClaimProblem[], clientId?: string, label = 'Problems') =>
  h(
    'ul',
    { class: 'problems', 'aria-label': label },
    problems.map((problem) =>
      h(
        'li',
        null,
        h('strong', null, `${place(problem.field)}: `),
        problem.message,
        problem.field.startsWith('coverage') && clientId
          ? [' (', h('a', { href: `#/clients/${encodeURIComponent(clientId)}` }, 'the client’s page'), ')']
          : problem.field.startsWith('practice.')
            ? [' (', h('a', { href: '#/settings' }, 'Settings'), ')']
            : null,
      ),
    ),
  );

/** A download button for a batch's 837P file; a failure is said next to it. */
export const batchDownload = (batchId: string, text = `Download ${batchId}.837`) => {
  const problem = h('span', { class: 'field-error', role: 'alert', hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        problem.hidden = true;
        button.disabled = true;
        try {
          await downloadFile(practicePath(`/claim-batches/${encodeURIComponent(batchId)}`), 'application/edi-x12', `${batchId}.837`);
        } catch (error) {
          problem.textContent = ` The 837P file did not download: ${(error as Error).message}`;
          problem.hidden = false;
        } finally {
          button.disabled = false;
        }
      },
    },
    text,
  );
  return h('span', null, button, problem);
};

const claimLink = (claimId: string) => h('a', { href: `#/claims/${encodeURIComponent(claimId)}` }, claimId);

/** What the last column says for a claim in its state: what to fix, its batch, or the reason it was rejected. */
const next = (claim: ClaimListItem): Child => {
  if (claim.state === 'draft') return claim.problems?.length ? problemList(claim.problems, claim.clientId, `Problems, ${claim.claimId}`) : 'Checked again when claims are sent.';
  if (claim.state === 'ready') return 'Goes out with the next “Send claims”.';
  if (claim.state === 'rejected') return claim.rejection?.reason ?? '—';
  return claim.batchId ? batchDownload(claim.batchId) : '—';
};

/** Claims by state (`GET …/claims?state=`, paged): drafts with their problems, sent claims with their 837P. */
export const claimsByState = () => {
  const state = field(
    'Claims in state',
    select(
      CLAIM_STATES.map((s) => [s, statusText(s)] as const),
      { name: 'state' },
    ),
    { id: 'claims-state' },
  );
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const holder = h('div', { 'aria-live': 'polite' });
  const load = pagedList<ClaimListItem, string>(
    holder,
    (cursor, chosen) => request<List<ClaimListItem>>('GET', practicePath(`/claims?state=${encodeURIComponent(chosen)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)),
    (claims, chosen) =>
      table(
        ['Claim', 'Date of service', 'Payer', 'Charge', 'State', chosen === 'draft' ? 'What to fix' : chosen === 'rejected' ? 'Reason' : chosen === 'ready' ? 'Next' : '837P'],
        claims.map((claim) => [claimLink(claim.claimId), formatDate(claim.dateOfService), claim.payerId ?? '—', formatMoney(claim.chargeCents, currency()), badge(claim.state), next(claim)]),
        `Claims: ${statusText(chosen)}`,
      ),
    'claims',
  );
  const reload = async () => {
    problem.hidden = true;
    try {
      await load(state.control.value);
    } catch (error) {
      problem.textContent = `The claims did not load: ${(error as Error).message}`;
      problem.hidden = false;
    }
  };
  state.control.addEventListener('change', () => void reload());
  return { element: h('div', null, state.wrap, problem, holder), reload };
};

const refusedList = (refused: ClaimBatchAnswer['refused']) =>
  h(
    'ul',
    { class: 'problems', 'aria-label': 'Claims not sent' },
    refused.map((r) => h('li', null, h('strong', null, claimLink(r.claimId)), problemList(r.problems, undefined, `Problems, ${r.claimId}`))),
  );

/** "Send claims": every ready claim (and every draft now complete) into one 837P batch, offered as a download. */
export const sendClaimsForm = (sent: () => Promise<void>) => {
  const errors = new FormErrors();
  const result = h('div', { 'aria-live': 'polite' });
  const element = form(
    {
      label: 'Send claims',
      submit: 'Send claims',
      errors,
      action: async () => {
        replace(result);
        const answer = await rawRequest('POST', practicePath('/claim-batches'), { body: {} }).catch((error: unknown) => {
          // Nothing could go: the API says which claims it refused and why.
          const refused = error instanceof ApiError ? (error.details?.refused as ClaimBatchAnswer['refused'] | undefined) : undefined;
          if (refused?.length) replace(result, refusedList(refused));
          throw error;
        });
        const batch = (await answer.json()) as ClaimBatchAnswer;
        // 200: nothing new was ready, and the API answers the batch the last "Send claims" made (SPEC §7: the
        // same request again → the same batch). It is not a new file: uploading it again would send its claims twice.
        const before = answer.status === 200;
        replace(
          result,
          h(
            'div',
            { class: 'panel', role: 'region', 'aria-label': `Batch ${batch.batchId}` },
            before
              ? h(
                  'p',
                  { class: 'notice' },
                  `Nothing new to send: batch ${batch.batchId} below was made by an earlier “Send claims”. Its claims are already in that file; upload it again only if your clearinghouse did not get it.`,
                )
              : null,
            h(
              'p',
              null,
              h('strong', null, `Batch ${batch.batchId}`),
              `: ${batch.claims.length} claim${batch.claims.length === 1 ? '' : 's'} in the 837P file (interchange ${batch.interchangeControlNumber}): `,
              batch.claims.map((claimId, i) => [i > 0 ? ', ' : '', claimLink(claimId)]),
              '.',
            ),
            h('p', null, batchDownload(batch.batchId, 'Download the 837P file'), ' ', h('span', { class: 'muted' }, before ? 'The same file as before.' : 'Upload it to your clearinghouse.')),
            batch.refused.length > 0 ? [h('p', null, before ? `${batch.refused.length} not sent when it was made:` : `${batch.refused.length} not sent:`), refusedList(batch.refused)] : null,
          ),
        );
        await sent();
      },
    },
    h('p', { class: 'muted' }, 'Puts every ready claim, and every draft that is now complete, into one 837P file for your clearinghouse.'),
  );
  return h('div', null, element, result);
};

/** A 999 or 277CA uploaded (`POST …/acknowledgements`): which claims it accepted and which it rejected, with the reason. */
export const acknowledgementForm = (uploaded: () => Promise<void>) => {
  const errors = new FormErrors();
  const status = statusLine();
  const result = h('div', { 'aria-live': 'polite' });
  const file = field('999 or 277CA file', h('input', { type: 'file', name: 'acknowledgement', accept: '.999,.277,.x12,.edi,.txt,text/plain' }), {
    id: 'ack-file',
    hint: 'What your clearinghouse sent back for an 837P file (X12 999 or 277CA).',
  });
  errors.bind('body', file);
  const element = form(
    {
      label: 'Upload an acknowledgement',
      submit: 'Upload acknowledgement',
      errors,
      action: async () => {
        replace(result);
        const chosen = (file.control as HTMLInputElement).files?.[0];
        if (!chosen) throw invalid('body', 'Choose a 999 or 277CA file.');
        const text = await chosen.text();
        // Reader errors name a segment: they belong to the file field.
        const answer = await request<AcknowledgementAnswer>('POST', practicePath('/acknowledgements'), { text, contentType: 'text/plain' }).catch((error: Error & { field?: string }) => {
          throw invalid('body', error.field && error.field !== 'body' ? `${error.message} (${error.field})` : error.message);
        });
        const unmatched = answer.unmatched ?? [];
        status.textContent = `${answer.kind} read: ${answer.accepted.length} accepted, ${answer.rejected.length} rejected.`;
        replace(
          result,
          h(
            'div',
            { class: 'panel', role: 'region', 'aria-label': `Acknowledgement ${answer.kind}` },
            h('p', null, h('strong', null, answer.kind), `: ${answer.accepted.length} accepted, ${answer.rejected.length} rejected${unmatched.length ? `, ${unmatched.length} not found here` : ''}.`),
            answer.accepted.length > 0
              ? h(
                  'ul',
                  { class: 'plain', 'aria-label': 'Accepted claims' },
                  answer.accepted.map((claimId) => h('li', null, claimLink(claimId), ' accepted')),
                )
              : null,
            answer.rejected.length > 0
              ? h(
                  'ul',
                  { class: 'problems', 'aria-label': 'Rejected claims' },
                  answer.rejected.map((r) => h('li', null, h('strong', null, claimLink(r.claimId), ': '), r.reason)),
                )
              : null,
            unmatched.length > 0 ? h('p', { class: 'muted' }, `Not found in this practice: ${unmatched.join(', ')}.`) : null,
          ),
        );
        await uploaded();
      },
    },
    file.wrap,
  );
  return h('div', null, element, status, result);
};

/** SBR09 claim filing indicators (005010X222A1) in words; `CI` is the API's default. */
export const FILING_INDICATORS: readonly (readonly [string, string])[] = [
  ['CI', 'CI commercial insurance'],
  ['BL', 'BL Blue Cross/Blue Shield'],
  ['MB', 'MB Medicare Part B'],
  ['MA', 'MA Medicare Part A'],
  ['MC', 'MC Medicaid'],
  ['HM', 'HM HMO'],
  ['12', '12 PPO'],
  ['13', '13 POS'],
  ['14', '14 EPO'],
  ['15', '15 indemnity insurance'],
  ['16', '16 HMO Medicare risk'],
  ['17', '17 dental maintenance organization'],
  ['11', '11 other non-federal program'],
  ['WC', 'WC workers’ compensation'],
  ['AM', 'AM automobile medical'],
  ['LM', 'LM liability medical'],
  ['DS', 'DS disability'],
  ['CH', 'CH TRICARE (CHAMPUS)'],
  ['VA', 'VA veterans affairs plan'],
  ['FI', 'FI Federal Employees Program'],
  ['OF', 'OF other federal program'],
  ['TV', 'TV Title V'],
  ['ZZ', 'ZZ mutually defined'],
];

/** Street, city, state, ZIP: an 837P address (N3/N4), bound under `prefix` (`address`, `patient.address`). */
export const addressFields = (errors: FormErrors, prefix: string, idPrefix: string) => {
  const parts = {
    line1: field('Street', textInput({ name: 'line1', autocomplete: 'off' }), { id: `${idPrefix}-line1` }),
    city: field('City', textInput({ name: 'city', autocomplete: 'off' }), { id: `${idPrefix}-city` }),
    state: field('State (2 letters)', textInput({ name: 'state', autocomplete: 'off', size: 2, maxlength: 2 }), { id: `${idPrefix}-state` }),
    postalCode: field('ZIP code', textInput({ name: 'postalCode', autocomplete: 'off', inputmode: 'numeric', size: 10 }), { id: `${idPrefix}-zip` }),
  } satisfies Record<string, Field>;
  for (const [name, f] of Object.entries(parts)) errors.bind(`${prefix}.${name}`, f);
  errors.bind(prefix, parts.line1);
  const value = () => ({
    line1: parts.line1.control.value.trim(),
    city: parts.city.control.value.trim(),
    state: parts.state.control.value.trim().toUpperCase(),
    postalCode: parts.postalCode.control.value.trim(),
  });
  const fill = (address: Partial<Record<keyof typeof parts, string>> | null | undefined) => {
    for (const [name, f] of Object.entries(parts)) f.control.value = address?.[name as keyof typeof parts] ?? '';
  };
  return { parts, value, fill, typed: () => Object.values(value()).some(Boolean), wraps: Object.values(parts).map((f) => f.wrap) };
};

/** An 837P address as the API answers it. */
interface SavedAddress {
  line1: string;
  city: string;
  state: string;
  postalCode: string;
}

/** A payer as `GET …/payers` lists it. */
interface SavedPayer {
  payerId: string;
  name: string;
  address: SavedAddress | null;
  claimFilingIndicator: string;
}

/** At most this many pages of saved payers (100 each) are offered: a practice bills a handful. */
const PAYER_PAGES = 20;

/** The saved payers, every page up to `PAYER_PAGES`. */
const readPayers = async (): Promise<SavedPayer[]> => {
  const payers: SavedPayer[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < PAYER_PAGES; pages += 1) {
    const page = await request<List<SavedPayer>>('GET', practicePath(`/payers${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`));
    payers.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return payers;
};

/**
 * Add or change a payer (`PUT …/payers/{payerId}`): the same payer ID again replaces it, so a saved
 * payer is chosen under "Saved payer" (`GET …/payers`) to start from what is saved — its address
 * is then sent again, not dropped. Resolves once the saved payers are read (or failed to be).
 */
export const payerForm = async () => {
  const errors = new FormErrors();
  const status = statusLine();
  const savedControl = select([['', 'New payer']], { name: 'savedPayer' });
  const saved = field('Saved payer', savedControl, { id: 'payer-saved', hint: 'Choose a saved payer to change it: its name, filing indicator and address are filled in.' });
  const payerId = field('Payer ID', textInput({ name: 'payerId', autocomplete: 'off', spellcheck: 'false' }), {
    id: 'payer-id',
    hint: 'Your clearinghouse’s id for the payer. Saving an ID again replaces that payer with what this form holds.',
  });
  const name = field('Name', textInput({ name: 'name', autocomplete: 'off' }), { id: 'payer-name-field' });
  const indicator = field('Claim filing indicator', select(FILING_INDICATORS, { name: 'claimFilingIndicator' }), { id: 'payer-indicator' });
  errors.bind('payerId', payerId);
  errors.bind('name', name);
  errors.bind('claimFilingIndicator', indicator);
  const address = addressFields(errors, 'address', 'payer-address');
  let payers: SavedPayer[] = [];
  const offer = (chosen = '') => {
    replace(
      savedControl,
      h('option', { value: '' }, 'New payer'),
      payers.map((payer) => h('option', { value: payer.payerId }, `${payer.payerId} — ${payer.name}`)),
    );
    savedControl.value = chosen;
  };
  const fill = (payer: SavedPayer | undefined) => {
    payerId.control.value = payer?.payerId ?? '';
    name.control.value = payer?.name ?? '';
    indicator.control.value = payer?.claimFilingIndicator ?? 'CI';
    address.fill(payer?.address);
  };
  savedControl.addEventListener('change', () => fill(payers.find((payer) => payer.payerId === savedControl.value)));
  // A list that does not load leaves the form usable (a payer is then typed whole, as before).
  const load = async (chosen?: string) => {
    try {
      payers = await readPayers();
      offer(chosen);
      saved.error.hidden = true;
    } catch (error) {
      saved.error.textContent = `The saved payers did not load: ${(error as Error).message}`;
      saved.error.hidden = false;
    }
  };
  const element = form(
    {
      label: 'Save a payer',
      submit: 'Save payer',
      errors,
      action: async () => {
        const id = payerId.control.value.trim();
        if (!id) throw invalid('payerId', 'Enter the payer ID your clearinghouse uses.');
        const answer = await request<{ payerId: string; name: string; claimFilingIndicator: string }>('PUT', practicePath(`/payers/${encodeURIComponent(id)}`), {
          body: { payerId: id, name: name.control.value.trim(), claimFilingIndicator: indicator.control.value, ...(address.typed() ? { address: address.value() } : {}) },
        });
        status.textContent = `Payer ${answer.payerId} saved: ${answer.name} (${FILING_INDICATORS.find(([code]) => code === answer.claimFilingIndicator)?.[1] ?? answer.claimFilingIndicator}).`;
        await load(answer.payerId);
      },
    },
    h('div', { class: 'grid' }, saved.wrap),
    h('div', { class: 'grid' }, payerId.wrap, name.wrap, indicator.wrap),
    h('fieldset', null, h('legend', null, 'Payer’s address (optional)'), h('div', { class: 'grid' }, address.wraps)),
  );
  await load();
  return h('div', null, status, element);
};

/**
 * A person of a coverage (the patient, the subscriber when not self, or the secondary plan's
 * subscriber), bound under the API's `prefix` (`secondary.subscriber`), its inputs' ids from `idPrefix`.
 */
const personFields = (errors: FormErrors, prefix: 'patient' | 'subscriber' | 'secondary.subscriber', idPrefix: string = prefix) => {
  const first = field('First name', textInput({ name: `${idPrefix}FirstName`, autocomplete: 'off' }), { id: `${idPrefix}-first` });
  const last = field('Last name', textInput({ name: `${idPrefix}LastName`, autocomplete: 'off' }), { id: `${idPrefix}-last` });
  const dateOfBirth = field('Birth date', textInput({ name: `${idPrefix}DateOfBirth`, type: 'date' }), { id: `${idPrefix}-dob` });
  const sex = field(
    'Sex',
    select(
      [
        ['', 'Choose'],
        ['F', 'F female'],
        ['M', 'M male'],
        ['U', 'U unknown'],
      ],
      { name: `${idPrefix}Sex` },
    ),
    { id: `${idPrefix}-sex` },
  );
  errors.bind(prefix, first);
  errors.bind(`${prefix}.firstName`, first);
  errors.bind(`${prefix}.lastName`, last);
  errors.bind(`${prefix}.dateOfBirth`, dateOfBirth);
  errors.bind(`${prefix}.sex`, sex);
  const address = addressFields(errors, `${prefix}.address`, `${idPrefix}-address`);
  const value = () => ({
    firstName: first.control.value.trim(),
    lastName: last.control.value.trim(),
    dateOfBirth: dateOfBirth.control.value,
    sex: sex.control.value,
    address: address.value(),
  });
  const fill = (person: SavedPerson | null | undefined) => {
    first.control.value = person?.firstName ?? '';
    last.control.value = person?.lastName ?? '';
    dateOfBirth.control.value = person?.dateOfBirth ?? '';
    sex.control.value = person?.sex ?? '';
    address.fill(person?.address);
  };
  return { value, fill, wraps: [first.wrap, last.wrap, dateOfBirth.wrap, sex.wrap, ...address.wraps] };
};

/** A person of a coverage as the API answers it. */
interface SavedPerson {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  sex: string;
  address: SavedAddress;
}

/** A coverage as `GET …/clients/{c}/coverage` answers it. */
interface SavedCoverage {
  payerId: string;
  memberId: string;
  groupNumber: string | null;
  relationship: string;
  subscriber: SavedPerson | null;
  patient: SavedPerson;
  /** The secondary plan, for secondary claims (the patient stays the coverage's). */
  secondary?: SavedSecondaryPlan | null;
}

/** A coverage's secondary plan as the API answers it (`subscriber` null when self). */
interface SavedSecondaryPlan {
  payerId: string;
  memberId: string;
  groupNumber: string | null;
  relationship: string;
  subscriber: SavedPerson | null;
}

const RELATIONSHIPS = [
  ['self', 'self'],
  ['spouse', 'spouse'],
  ['child', 'child'],
  ['other', 'other'],
] as const;

/**
 * The coverage's secondary plan (`coverage.secondary`, docs/api.md): shown and editable, since `PUT`
 * replaces the coverage — sent while "The client has a secondary plan" is ticked (added or changed),
 * left out when it is not (removed). Its fields are named for the plan ("Secondary payer ID"); the
 * API's `secondary.*` errors show under them.
 */
const secondaryPlanFields = (errors: FormErrors) => {
  const has = field('The client has a secondary plan', textInput({ name: 'hasSecondary', type: 'checkbox' }), { id: 'secondary-has' });
  const checkbox = has.control as HTMLInputElement;
  const payerId = field('Secondary payer ID', textInput({ name: 'secondaryPayerId', autocomplete: 'off', spellcheck: 'false' }), {
    id: 'secondary-payer',
    hint: 'A payer saved on the Claims page, other than the primary plan’s.',
  });
  const memberId = field('Secondary member ID', textInput({ name: 'secondaryMemberId', autocomplete: 'off', spellcheck: 'false' }), { id: 'secondary-member' });
  const groupNumber = field('Secondary group number', textInput({ name: 'secondaryGroupNumber', autocomplete: 'off', spellcheck: 'false' }), {
    id: 'secondary-group',
    hint: 'Empty when the card has none.',
  });
  const relationship = field('Patient’s relationship to the secondary plan’s subscriber', select(RELATIONSHIPS, { name: 'secondaryRelationship' }), { id: 'secondary-relationship' });
  errors.bind('secondary', payerId);
  errors.bind('secondary.payerId', payerId);
  errors.bind('secondary.memberId', memberId);
  errors.bind('secondary.groupNumber', groupNumber);
  errors.bind('secondary.relationship', relationship);
  const subscriber = personFields(errors, 'secondary.subscriber', 'secondary-subscriber');
  const subscriberSet = h('fieldset', { hidden: true }, h('legend', null, 'Subscriber of the secondary plan'), h('div', { class: 'grid' }, subscriber.wraps));
  const planSet = h('div', { hidden: true }, h('div', { class: 'grid' }, payerId.wrap, memberId.wrap, groupNumber.wrap, relationship.wrap), subscriberSet);
  const show = () => {
    planSet.hidden = !checkbox.checked;
    subscriberSet.hidden = relationship.control.value === 'self';
  };
  checkbox.addEventListener('change', show);
  relationship.control.addEventListener('change', show);
  const fill = (plan: SavedSecondaryPlan | null | undefined) => {
    checkbox.checked = !!plan;
    payerId.control.value = plan?.payerId ?? '';
    memberId.control.value = plan?.memberId ?? '';
    groupNumber.control.value = plan?.groupNumber ?? '';
    relationship.control.value = plan?.relationship ?? 'self';
    subscriber.fill(plan?.subscriber);
    show();
  };
  /** The plan to send, or undefined when the box is not ticked (a PUT without it removes a saved one). */
  const value = () => {
    if (!checkbox.checked) return undefined;
    const self = relationship.control.value === 'self';
    return {
      payerId: payerId.control.value.trim(),
      memberId: memberId.control.value.trim(),
      ...(groupNumber.control.value.trim() ? { groupNumber: groupNumber.control.value.trim() } : {}),
      relationship: relationship.control.value,
      ...(self ? {} : { subscriber: subscriber.value() }),
    };
  };
  const element = h('fieldset', null, h('legend', null, 'Secondary plan'), has.wrap, planSet);
  return { element, fill, value };
};

/**
 * A client's insurance (`PUT …/clients/{c}/coverage`): payer, member id, group, relationship, the
 * patient and, when the patient is not the subscriber, the subscriber. PHI: sent to kneadpay's API
 * only (never to Stripe); what the API refuses shows under its field. The form starts with the
 * saved coverage (`GET …/coverage`; a 404 leaves it empty), so saving it again keeps what was not
 * retyped. Resolves once the saved coverage is read (or failed to be).
 */
export const coverageForm = async (clientId: string) => {
  const errors = new FormErrors();
  const status = statusLine();
  const payerId = field('Payer ID', textInput({ name: 'payerId', autocomplete: 'off', spellcheck: 'false' }), { id: 'coverage-payer', hint: 'A payer saved on the Claims page.' });
  const memberId = field('Member ID', textInput({ name: 'memberId', autocomplete: 'off', spellcheck: 'false' }), { id: 'coverage-member' });
  const groupNumber = field('Group number', textInput({ name: 'groupNumber', autocomplete: 'off', spellcheck: 'false' }), { id: 'coverage-group', hint: 'Empty when the card has none.' });
  const relationship = field('Patient’s relationship to the subscriber', select(RELATIONSHIPS, { name: 'relationship' }), { id: 'coverage-relationship' });
  errors.bind('payerId', payerId);
  errors.bind('memberId', memberId);
  errors.bind('groupNumber', groupNumber);
  errors.bind('relationship', relationship);
  const patient = personFields(errors, 'patient');
  const subscriber = personFields(errors, 'subscriber');
  const subscriberSet = h('fieldset', { hidden: true }, h('legend', null, 'Subscriber'), h('div', { class: 'grid' }, subscriber.wraps));
  relationship.control.addEventListener('change', () => {
    subscriberSet.hidden = relationship.control.value === 'self';
  });
  const secondary = secondaryPlanFields(errors);
  const path = practicePath(`/clients/${encodeURIComponent(clientId)}/coverage`);
  // PUT replaces the coverage: the secondary plan is in the form, so a save keeps, changes or removes it as shown.
  let savedSecondary = false;
  try {
    const saved = await request<SavedCoverage>('GET', path);
    savedSecondary = !!saved.secondary;
    secondary.fill(saved.secondary);
    payerId.control.value = saved.payerId;
    memberId.control.value = saved.memberId;
    groupNumber.control.value = saved.groupNumber ?? '';
    relationship.control.value = saved.relationship;
    subscriberSet.hidden = saved.relationship === 'self';
    patient.fill(saved.patient);
    subscriber.fill(saved.subscriber);
  } catch (error) {
    // 404: no coverage saved yet, the form starts empty. Anything else is said; the form stays usable.
    if (!(error instanceof ApiError && error.status === 404)) status.textContent = `The saved coverage did not load: ${(error as Error).message}`;
  }
  const element = form(
    {
      label: 'Save coverage',
      submit: 'Save coverage',
      errors,
      action: async () => {
        const self = relationship.control.value === 'self';
        const plan = secondary.value();
        await request('PUT', path, {
          body: {
            payerId: payerId.control.value.trim(),
            memberId: memberId.control.value.trim(),
            ...(groupNumber.control.value.trim() ? { groupNumber: groupNumber.control.value.trim() } : {}),
            relationship: relationship.control.value,
            patient: patient.value(),
            ...(self ? {} : { subscriber: subscriber.value() }),
            ...(plan ? { secondary: plan } : {}),
          },
        });
        const removed = savedSecondary && !plan;
        savedSecondary = !!plan;
        status.textContent = `Coverage saved with payer ${payerId.control.value.trim()}${plan ? ` and secondary payer ${plan.payerId}` : removed ? '; the secondary plan was removed' : ''}. The client’s open claims were checked again.`;
      },
    },
    h('div', { class: 'grid' }, payerId.wrap, memberId.wrap, groupNumber.wrap, relationship.wrap),
    h('fieldset', { 'aria-label': 'Patient' }, h('legend', null, 'Patient'), h('div', { class: 'grid' }, patient.wraps)),
    subscriberSet,
    secondary.element,
  );
  return h('div', null, status, element);
};
