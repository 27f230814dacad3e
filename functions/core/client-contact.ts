import { deriveId, newId } from '../shared/ids';
import { parseBody } from '../shared/schemas/parse';
import { clientWithoutEmailBody } from '../shared/schemas/requests';
import type { Store } from '../store/table';
import type { Client } from '../domain/client';
import { createClientWithoutEmail } from '../store/clients';
import type { ClientContactPort } from './ports';
import { PRACTICE_STORE, requirePractice } from './practice';

/** The default implementation of the port: the table (core/ports.ts). */
export const CLIENT_CONTACT_STORE: ClientContactPort = { createClientWithoutEmail, ...PRACTICE_STORE };

const view = (client: Client) => ({ clientId: client.clientId, email: client.email, name: client.name });

/**
 * POST /practices/{p}/clients without `email`: a client staff know by name only (no email yet).
 * With an Idempotency-Key the client id is derived from it, so a retried request answers 200 with
 * the client it made; without one every request makes a new client.
 */
export const registerClientWithoutEmail = async (
  store: Store,
  practiceId: string,
  body: Record<string, unknown>,
  idempotencyKey: string | undefined,
  now = new Date(),
  port: ClientContactPort = CLIENT_CONTACT_STORE,
) => {
  const { name } = parseBody(clientWithoutEmailBody, body);
  const practice = await requirePractice(store, practiceId, port);
  const clientId = idempotencyKey ? deriveId('cli', practiceId, idempotencyKey) : newId('cli');
  const { created, client } = await port.createClientWithoutEmail(store, { practiceId, clientId, name, currency: practice.currency }, now);
  return { created, answer: view(client) };
};
