import { receiveRemittance } from './core/remittances';
import { listQuarantine } from './store/remittances';
import { NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './shared/errors';
import { authorizedPractice, dispatchRoutes, header, httpHandler, json, pathParam, cursorParam, rawBody, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { getRemittance, listRemittances } from './store/claims';

/**
 * Lambda takes at most 6 MB per synchronous invocation (and base64 inflates binary bodies by a
 * third), so the route takes ERA files up to 4 MB: roughly 15,000 claim payments.
 */
export const MAX_ERA_BYTES = 4 * 1024 * 1024;
const ERA_TYPES = /^(text\/plain|application\/edi-x12|application\/x12|application\/edi)\b/i;

/** POST /practices/{p}/remittances (raw 835), GET /practices/{p}/remittances[/{remittanceId}]; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  receiveRemittance: async (event) => {
    const practiceId = authorizedPractice(event);
    const type = header(event, 'content-type') ?? '';
    if (!ERA_TYPES.test(type)) throw new UnsupportedMediaTypeError(`send the 835 as text/plain or application/edi-x12, not ${type || 'nothing'}`);
    const bytes = rawBody(event);
    if (bytes.length > MAX_ERA_BYTES) {
      throw new PayloadTooLargeError(`the file is ${bytes.length} bytes; the limit is ${MAX_ERA_BYTES}. Split it into smaller files (one per ST/SE transaction set, or by claim) and post each`, {
        limitBytes: MAX_ERA_BYTES,
      });
    }
    if (bytes.length === 0) throw new ValidationError('the body is empty; send the 835 file', { field: 'body' });
    const { created, summary } = await receiveRemittance(getStore(), practiceId, bytes.toString('utf8'));
    const { remittanceId, traceNumber, claims, matched, quarantined } = summary;
    return json(created ? 202 : 200, { remittanceId, traceNumber, claims, matched, quarantined });
  },
  listRemittances: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, await listRemittances(getStore(), practiceId, cursorParam(event)));
  },
  getRemittance: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const summary = await getRemittance(store, practiceId, pathParam(event, 'remittanceId'));
    if (!summary) throw new NotFoundError('remittance');
    return json(200, { ...summary, quarantined: await listQuarantine(store, practiceId, summary.remittanceId) });
  },
} satisfies Record<string, RouteHandler>;

export const serveRemittances = dispatchRoutes('remittances', routeHandlers);

export const handler = httpHandler('remittances', serveRemittances);
