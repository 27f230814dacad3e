import { ConflictError, ValidationError } from '../shared/errors';
import { deriveId, newId } from '../shared/ids';
import { EMAIL_PATTERN, fields } from '../shared/validate';
import type { Store } from '../store/client';
import { addClientEmail, createClientWithoutEmail, getClient, type Client } from '../store/clients';
import { resumeInvoicesAwaitingEmail, type InvoicingDeps } from './invoicing';
import { requirePractice } from './practice';

const view = (client: Client) => ({ clientId: client.clientId, email: client.email, name: client.name });

/**
 * POST /practices/{p}/clients without `email`: a client staff know by name only (no email yet).
 * With an Idempotency-Key the client id is derived from it, so a retried request answers 200 with
 * the client it made; without one every request makes a new client.
 */
export const registerClientWithoutEmail = async (store: Store, practiceId: string, body: Record<string, unknown>, idempotencyKey: string | undefined, now = new Date()) => {
  const name = fields(body).string('name', { max: 200 });
  const practice = await requirePractice(store, practiceId);
  const clientId = idempotencyKey ? deriveId('cli', practiceId, idempotencyKey) : newId('cli');
  const { created, client } = await createClientWithoutEmail(store, { practiceId, clientId, name, currency: practice.currency }, now);
  return { created, answer: view(client) };
};

/**
 * PATCH /practices/{p}/clients/{c} `{email}`: gives a client without an email its email, then
 * resumes every balance invoice that waited for it (`needs_email`). The same email again answers
 * 200 and resumes again (a retry after a Stripe failure); correcting an email the client already
 * has is not handled here (409 `email_already_set`).
 */
export const addEmailAndResume = async (deps: InvoicingDeps, practiceId: string, clientId: string, body: Record<string, unknown>) => {
  for (const field of Object.keys(body)) if (field !== 'email') throw new ValidationError(`${field} cannot be changed here; only email can be added`, { field });
  const email = fields(body).string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' });
  const outcome = await addClientEmail(deps.store, practiceId, clientId, email);
  if (outcome === 'taken') throw new ConflictError('another client of this practice has that email', 'email_taken', { field: 'email' });
  if (outcome === 'has_other') throw new ConflictError('this client already has another email', 'email_already_set', { field: 'email' });
  const resumed = await resumeInvoicesAwaitingEmail(deps, practiceId, clientId);
  return { ...view(await getClient(deps.store, practiceId, clientId)), resumedInvoices: resumed.map((invoice) => invoice.invoiceId) };
};
